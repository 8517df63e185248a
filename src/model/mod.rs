//! The identity model: a deterministic simulation of Azure Managed Identity.
//!
//! **In scope**, one module per participant of the sequence diagram: the Entra tenant and
//! its token service ([`entra`]), ARM and its `identity` blocks ([`arm`]), the Managed
//! Identity resource provider and its certificates ([`msrp`]), the host token endpoints
//! ([`hosts`]: IMDS, App Service, Azure Arc, AKS workload identity), Azure RBAC
//! ([`rbac`]), the resource servers ([`servers`]: Key Vault, Storage, SQL, ARM as a data
//! target) and the application's SDK ([`sdk`]); [`world`] routes actions to them and
//! records the trace. **Out of scope:** networking, real Azure, anything in a browser.
//!
//! **Purity.** This module tree imports no web crate (the `web` feature's dependencies are
//! not even in the graph under `cargo test --no-default-features`), reads no wall clock
//! (time is [`SimTime`], advanced by the scenario) and uses no OS randomness (ids come
//! from [`rng::Rng`] seeded by the scenario). Same scenario in → byte-identical trace out.
//!
//! **Outcomes are data.** A 403 or "Identity not found" is a [`Step`] in the [`Trace`];
//! `Err` ([`ScenarioError`]) only means the scenario itself is malformed.
//!
//! Run loop: [`simulate`] = [`World::build`] then [`World::apply`] for each action, then
//! [`World::finish`].

pub mod arm;
pub mod collections;
pub mod edit;
pub mod entra;
pub mod hosts;
pub mod http;
pub mod live;
pub mod msrp;
pub mod rbac;
pub mod rng;
pub mod sdk;
pub mod servers;
pub mod scenario;
pub mod schema;
mod skip;
mod strict;
pub mod time;
pub mod token;
pub mod trace;
pub mod verify;
pub mod view;
pub mod world;

pub use entra::directory;
pub use scenario::{Action, Scenario};
pub use time::SimTime;
pub use trace::{CredentialFailure, Fidelity, Message, Outcome, Participant, ParticipantKind, Plane, Step, StepKind, Trace};
pub use world::{simulate, simulate_lenient, ScenarioError, World};
