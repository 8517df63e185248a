//! The built-in scenario library: JSON documents embedded at compile time.

use crate::model::Scenario;

/// A built-in scenario: its short id and JSON text.
pub struct BuiltIn {
    /// Short id used in URLs and the CLI, e.g. `vm-keyvault`.
    pub id: &'static str,
    /// The scenario document.
    pub json: &'static str,
}

/// Every built-in scenario, in gallery order.
pub const BUILT_INS: &[BuiltIn] = &[BuiltIn { id: "vm-keyvault", json: include_str!("../scenarios/vm-keyvault.json") }];

/// Finds a built-in by id.
pub fn find(id: &str) -> Option<&'static BuiltIn> {
    BUILT_INS.iter().find(|b| b.id == id)
}

impl BuiltIn {
    /// Parses the embedded document (built-ins are tested to parse).
    pub fn scenario(&self) -> Scenario {
        Scenario::from_json(self.json).expect("built-in scenarios are valid (tested)")
    }
}
