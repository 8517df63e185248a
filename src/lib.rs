//! Managed Identity Playground.
//!
//! - [`model`]: the pure identity model (no browser, no clock, no OS randomness).
//! - [`scenarios`]: the built-in scenario library.
//! - [`export`]: Markdown and Mermaid renderings of a trace.
//! - [`share`]: scenarios in share links.
//! - [`questions`]: the exam-style question bank.
//! - [`samples`]: code samples for a step.
//! - [`player`]: the playground's state and reducer (plain Rust, tested natively).
//! - `serve` (native only): `mip serve`, a host's token endpoint on 127.0.0.1 answered by the model.
//! - `app` (feature `web`): the Yew user interface, compiled to WebAssembly.
#![deny(missing_docs)]

pub mod export;
pub mod model;
pub mod player;
pub mod scenarios;
pub mod questions;
pub mod samples;
pub mod share;
#[cfg(not(target_arch = "wasm32"))]
pub mod serve;

#[cfg(feature = "web")]
pub mod app;
