//! The scenario document: the world a learner starts from and the script of actions
//! that drives it. Field names follow Azure's (`principalId`, `clientId`, `scope`,
//! `roleDefinitionId`, `userAssignedIdentities` …) so what a learner types here is what
//! they meet in the portal and the REST API.
//!
//! Names refer to things declared elsewhere in the document: a `principal` may be a user
//! or group name, a resource name (its system-assigned identity), a user-assigned
//! identity name, or an object id; a `scope` may be a full ARM id or the name of a
//! subscription, resource group or resource.


mod action;
mod world;
pub use action::*;
pub use world::*;

use super::schema::Diagnostic;
use super::time::{SimTime, UtcTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The newest scenario format version this build understands.
pub const FORMAT_VERSION: u32 = 1;

/// A whole scenario document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Format version; must be 1.
    pub version: u32,
    /// Title shown in the gallery.
    pub name: String,
    /// A sentence or two about what happens.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// What the learner should take away.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub learning_goal: String,
    /// Seed for every generated id; the same seed gives the same trace.
    #[serde(default)]
    pub seed: u64,
    /// Virtual start time, RFC 3339 UTC (`2026-01-15T09:00:00Z`).
    #[serde(default = "default_start")]
    pub start_time: UtcTime,
    /// The initial world.
    #[serde(deserialize_with = "super::strict::object")]
    pub world: WorldSpec,
    /// The actions to run, in order.
    #[serde(default, deserialize_with = "super::strict::objects")]
    pub script: Vec<Action>,
}

fn default_start() -> UtcTime {
    UtcTime(SimTime(1_768_467_600))
}

/// Largest scenario accepted, in bytes (4 MiB).
pub const MAX_INPUT: usize = 4 << 20;

impl Scenario {
    /// Parses a scenario from JSON text (strict: unknown fields and wrong types are
    /// errors; references are not checked here, see [`load`]).
    pub fn from_json(text: &str) -> Result<Scenario, Vec<Diagnostic>> {
        match parse_checked(text) {
            (Some(sc), d) if d.is_empty() => Ok(sc),
            (_, d) => Err(d),
        }
    }
    /// Compact JSON (share links).
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    /// Pretty JSON, two-space indented, fields in declaration order. Serialized directly:
    /// pretty-printing the compact text through a `Value` took five times as long, and the
    /// editor shows this text after every form edit.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The result of reading a scenario document: the scenario (when it could be read) and
/// every problem found, each with its JSON path, line, column, message and hint.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The scenario, when the text is valid JSON of the right shape.
    pub scenario: Option<Scenario>,
    /// Every problem: syntax, shape (unknown fields, types, missing fields) and references.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// True when there is no problem at all.
    pub fn is_ok(&self) -> bool {
        self.scenario.is_some() && self.diagnostics.is_empty()
    }
}

/// Reads a scenario, never giving up after the first problem and never panicking: syntax,
/// then shape against the schema, then references (by running the scenario leniently).
pub fn load(text: &str) -> Loaded {
    let (scenario, mut diagnostics) = parse_checked(text);
    if let Some(sc) = &scenario {
        let (_, errors) = super::world::simulate_lenient(sc);
        diagnostics.extend(reference_diagnostics(text, sc, errors));
    }
    Loaded { scenario, diagnostics }
}

/// Syntax and shape only (no simulation): the scenario when serde reads it, and otherwise
/// every problem the schema check finds (see [`super::schema::check`]).
pub fn parse_checked(text: &str) -> (Option<Scenario>, Vec<Diagnostic>) {
    super::schema::check(text)
}

/// Turns the problems a lenient run reported into diagnostics with the position of their
/// JSON path in `text` and a "did you mean" where a name is close to a declared one.
pub fn reference_diagnostics(text: &str, sc: &Scenario, errors: Vec<super::world::ScenarioError>) -> Vec<Diagnostic> {
    if errors.is_empty() {
        return Vec::new();
    }
    let doc = super::schema::Positions::new(text);
    errors
        .into_iter()
        .map(|e| {
            let (line, column) = doc.locate(&e.path);
            let hint = e.subject.as_ref().and_then(|s| reference_hint(sc, s));
            Diagnostic { path: e.path, line, column, message: e.message, hint }
        })
        .collect()
}

/// A "did you mean" for the name a problem is about.
fn reference_hint(sc: &Scenario, subject: &super::world::Subject) -> Option<String> {
    let quoted = subject.name.as_str();
    let mut names: Vec<&str> = Vec::new();
    names.extend(sc.world.users.iter().map(|u| u.name.as_str()));
    names.extend(sc.world.groups.iter().map(|g| g.name.as_str()));
    names.extend(sc.world.resources.iter().map(|r| r.name.as_str()));
    names.extend(sc.world.laptops.iter().map(|l| l.name.as_str()));
    for s in &sc.world.subscriptions {
        names.push(&s.name);
        names.extend(s.resource_groups.iter().map(|g| g.name.as_str()));
    }
    if subject.kind == super::world::SubjectKind::Role {
        names = super::rbac::built_in_role_names();
    }
    super::schema::suggest(quoted, &names).filter(|s| *s != quoted).map(|s| format!("did you mean '{s}'?"))
}
