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

/// The document a learner starts from scratch with (the gallery's "New scenario"): a VM
/// whose code reads a secret, and a vault that has granted it nothing yet, so the first run
/// ends in a refusal the learner then fixes. `seed` (in the browser: from the platform's
/// random source, via getrandom) makes its tenant, object and client ids its own; it is
/// written into the document, so the scenario stays deterministic from then on. Only the
/// low 53 bits are used (the largest whole number a JavaScript JSON reader keeps exactly).
pub fn from_scratch(seed: u64) -> String {
    let seed = seed & ((1 << 53) - 1);
    format!(
        r#"{{
  "version": 1,
  "name": "My scenario",
  "description": "Started from scratch: code on vm-lab reads a secret from kv-lab, but nothing grants it access yet.",
  "learningGoal": "Make the read succeed: give vm-lab an identity and the smallest role it needs on the vault.",
  "seed": {seed},
  "startTime": "2026-01-15T09:00:00Z",
  "world": {{
    "tenant": {{ "domain": "lab.onmicrosoft.com" }},
    "subscriptions": [ {{ "name": "lab", "resourceGroups": [ {{ "name": "rg-lab", "location": "westeurope" }} ] }} ],
    "users": [ {{ "name": "you" }} ],
    "resources": [
      {{
        "type": "Microsoft.Compute/virtualMachines", "name": "vm-lab", "resourceGroup": "rg-lab",
        "identity": {{ "type": "None" }},
        "app": {{ "sdk": "python", "credential": "ManagedIdentityCredential" }}
      }},
      {{
        "type": "Microsoft.KeyVault/vaults", "name": "kv-lab", "resourceGroup": "rg-lab",
        "properties": {{ "enableRbacAuthorization": true, "secrets": [ {{ "name": "greeting", "value": "hello" }} ] }}
      }}
    ],
    "roleAssignments": [ {{ "principalId": "you", "roleDefinitionId": "Owner", "scope": "lab" }} ]
  }},
  "script": [
    {{ "action": "getSecret", "host": "vm-lab", "vault": "kv-lab", "secret": "greeting" }}
  ]
}}
"#
    )
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
            subscriptions: vec![SubscriptionSpec { name: "big".into(), subscription_id: None, tenant_id: None, resource_groups: rgs, management_group: None }],
            resources,
            role_assignments: assignments,
            ..Default::default()
        },
        script,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{simulate, Message};

    #[test]
    fn a_scenario_from_scratch_is_valid_its_own_and_ends_in_a_refusal_to_fix() {
        let (a, b) = (from_scratch(7), from_scratch(u64::MAX));
        let (sa, sb) = (Scenario::from_json(&a).unwrap(), Scenario::from_json(&b).unwrap());
        assert_eq!(sb.seed, (1 << 53) - 1);
        let (ta, tb) = (simulate(&sa).unwrap(), simulate(&sb).unwrap());
        assert_eq!(ta.to_text(), simulate(&Scenario::from_json(&from_scratch(7)).unwrap()).unwrap().to_text(), "the same seed: the same trace");
        assert_ne!(ta.to_text(), tb.to_text(), "another seed: other ids");
        let last = ta.steps.last().unwrap();
        assert!(matches!(&last.message, Message::Response(r) if r.status >= 400) || last.outcome == crate::model::Outcome::Failure, "{}", last.label);
    }
}
