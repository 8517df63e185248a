//! Managed Identity Playground.
//!
//! - [`model`]: the pure identity model (no browser, no clock, no OS randomness).
//! - [`scenarios`]: the built-in scenario library.
//! - `app` (feature `web`): the Yew user interface, compiled to WebAssembly.
#![deny(missing_docs)]

pub mod model;
pub mod scenarios;

#[cfg(feature = "web")]
pub mod app;
