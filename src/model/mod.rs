//! The identity model: a deterministic simulation of Azure Managed Identity.
//!
//! **In scope:** the Entra tenant (users, groups, managed-identity service principals),
//! ARM resources and their `identity` blocks, the Managed Identity resource provider and
//! its certificates, the host token endpoints (IMDS, App Service, Azure Arc, AKS workload
//! identity), the token service (real RS256 JWTs signed with a public demo key), Azure
//! RBAC, the resource servers (Key Vault, Storage, ARM, SQL) and the SDK's credential
//! logic. **Out of scope:** networking, real Azure, anything in a browser.
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
pub mod directory;
pub mod http;
pub mod live;
pub mod rbac;
pub mod rng;
mod runtime;
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

pub use scenario::{Action, Scenario};
pub use time::SimTime;
pub use trace::{Fidelity, Message, Outcome, Participant, ParticipantKind, Plane, Step, Trace};
pub use world::{simulate, simulate_lenient, ScenarioError, World};
