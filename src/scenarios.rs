//! The built-in scenario library: JSON documents embedded at compile time.

use crate::model::Scenario;

/// A built-in scenario: its short id and JSON text.
pub struct BuiltIn {
    /// Short id used in URLs and the CLI, e.g. `vm-keyvault`.
    pub id: &'static str,
    /// The scenario document.
    pub json: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/built_ins.rs"));

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

/// A generated world with `n` resources (VMs with system-assigned identities and Key Vaults,
/// alternating, spread over resource groups of 50) and about 10 role assignments per
/// resource, whose script reads one secret. Used by benchmarks and the large-world UI test.
pub fn large_world(n: usize) -> Scenario {
    use crate::model::arm::{IdentityType, ResourceKind};
    use crate::model::scenario::*;
    let groups = n.div_ceil(50).max(1);
    let rgs = (0..groups).map(|g| ResourceGroupSpec { name: format!("rg-{g:03}"), location: "westeurope".into() }).collect();
    let mut resources = Vec::with_capacity(n);
    let mut assignments = Vec::with_capacity(n * 10);
    let roles = ["Reader", "Contributor", "Key Vault Secrets User", "Storage Blob Data Reader", "Key Vault Reader"];
    for i in 0..n {
        let rg = format!("rg-{:03}", i / 50);
        if i % 2 == 0 {
            resources.push(ResourceSpec {
                resource_type: ResourceKind::VirtualMachine,
                name: format!("vm-{i:04}"),
                resource_group: rg,
                subscription: None,
                location: None,
                identity: Some(IdentityBlock { identity_type: IdentityType::SystemAssigned, user_assigned_identities: Default::default() }),
                properties: Properties::default(),
                app: None,
            });
        } else {
            resources.push(ResourceSpec {
                resource_type: ResourceKind::KeyVault,
                name: format!("kv-{i:04}"),
                resource_group: rg,
                subscription: None,
                location: None,
                identity: None,
                properties: Properties { enable_rbac_authorization: Some(true), secrets: vec![SecretSpec { name: "s".into(), value: "v".into() }], ..Default::default() },
                app: None,
            });
        }
    }
    let vms: Vec<usize> = (0..n).step_by(2).collect();
    for i in 0..n {
        for k in 0..10 {
            let vm = vms[(i * 7 + k * 13) % vms.len().max(1)];
            let scope = if k == 9 { format!("rg-{:03}", i / 50) } else { resources[i].name.clone() };
            assignments.push(RoleAssignmentSpec { principal_id: format!("vm-{vm:04}"), role_definition_id: roles[(i + k) % roles.len()].into(), scope });
        }
    }
    let script = if n >= 2 {
        vec![Action::GetSecret { host: "vm-0000".into(), vault: "kv-0001".into(), secret: "s".into(), auth: "sdk".into(), token: None }]
    } else {
        Vec::new()
    };
    Scenario {
        version: 1,
        name: format!("A generated world of {n} resources"),
        description: String::new(),
        learning_goal: String::new(),
        seed: 1,
        start_time: crate::model::time::UtcTime(crate::model::SimTime(1_768_467_600)),
        world: WorldSpec {
            subscriptions: vec![SubscriptionSpec { name: "big".into(), subscription_id: None, resource_groups: rgs, management_group: None }],
            resources,
            role_assignments: assignments,
            ..Default::default()
        },
        script,
    }
}
