//! Issue 14, item 2: an action the run makes impossible is a *skipped* step with its
//! reason, never an error that silently drops it (and never a reason to refuse a link);
//! a name that exists nowhere in the scenario is still a diagnostic.

use mi_playground::model::scenario::load;
use mi_playground::model::{simulate, simulate_lenient, Outcome, Scenario};

fn case(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/cases/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn a_role_assignment_to_a_host_whose_identity_was_refused_is_skipped_with_its_reason() {
    let text = case("vm-keyvault-without-owner.json");
    let loaded = load(&text);
    assert!(loaded.diagnostics.is_empty(), "no diagnostics: {:?}", loaded.diagnostics);
    let sc = loaded.scenario.unwrap();
    let trace = simulate(&sc).expect("runs without errors");
    let skipped: Vec<_> = trace.steps.iter().filter(|s| s.outcome == Outcome::Skipped).collect();
    assert_eq!(skipped.len(), 1, "{}", trace.to_text());
    let s = skipped[0];
    assert_eq!(s.action, 1, "the createRoleAssignment action");
    assert_eq!(trace.participants[s.from].label, "alice");
    assert!(s.label.starts_with("skipped: assign Key Vault Secrets User to vm-web"), "{}", s.label);
    assert!(s.explanation.contains("vm-web has no managed identity"), "{}", s.explanation);
    // The operator's PATCH was refused before it, and the code's calls still run after it.
    assert!(trace.steps.iter().any(|s| s.action == 0 && s.outcome == Outcome::Failure));
    assert!(trace.steps.iter().any(|s| s.action == 3));
    assert!(trace.to_text().contains("(skipped)"));
}

#[test]
fn deleted_or_not_yet_created_resources_skip_the_action() {
    let mut sc = Scenario::from_json(&case("vm-keyvault-without-owner.json")).unwrap();
    sc.world.role_assignments = Scenario::from_json(mi_playground::scenarios::BUILT_INS[0].json).unwrap().world.role_assignments;
    // Delete the vault before the code reads it; remove an assignment twice.
    let del: mi_playground::model::Action = serde_json::from_value(serde_json::json!({"action": "deleteResource", "by": "alice", "resource": "kv-contoso"})).unwrap();
    sc.script.insert(3, del);
    let rm: mi_playground::model::Action = serde_json::from_value(serde_json::json!({"action": "deleteRoleAssignment", "by": "alice", "principalId": "alice", "roleDefinitionId": "Reader", "scope": "contoso-dev"})).unwrap();
    sc.script.push(rm);
    let (trace, errors) = simulate_lenient(&sc);
    assert!(errors.is_empty(), "{errors:?}");
    let reasons: Vec<&str> = trace.steps.iter().filter(|s| s.outcome == Outcome::Skipped).map(|s| s.label.as_str()).collect();
    assert_eq!(reasons, ["skipped: read secret db-password from kv-contoso", "skipped: remove Reader of alice"], "{}", trace.to_text());
}

#[test]
fn a_name_that_exists_nowhere_is_still_a_diagnostic() {
    let text = case("vm-keyvault-without-owner.json").replace("\"principalId\": \"vm-web\"", "\"principalId\": \"vm-wbe\"");
    let loaded = load(&text);
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
    assert_eq!(loaded.diagnostics[0].path, "script[1].principalId");
    // A wrong type is malformed too: a storage account where a vault is expected.
    let text = case("vm-keyvault-without-owner.json").replace("\"vault\": \"kv-contoso\"", "\"vault\": \"vm-web\"");
    assert_eq!(load(&text).diagnostics.len(), 1);
}

#[test]
fn built_ins_have_no_skipped_steps() {
    for b in mi_playground::scenarios::BUILT_INS {
        let t = simulate(&b.scenario()).unwrap();
        assert!(t.steps.iter().all(|s| s.outcome != Outcome::Skipped), "{}", b.id);
    }
}
