//! Cases from the field (`../shared/cases/`, README there): scenarios built from public
//! reports of how real Azure behaved, each kept in `tests/cases/field/` once the model
//! answers as the real service does, with that answer asserted here. Every file in the
//! folder must have an entry (a case without its expected behaviour is not a test).

use mi_playground::model::{simulate, Message, Scenario, Trace};
use std::path::Path;

/// `(status, label)` of every response in the trace, in order.
fn responses(t: &Trace) -> Vec<(u16, String)> {
    t.steps.iter().filter_map(|s| if let Message::Response(r) = &s.message { Some((r.status, s.label.clone())) } else { None }).collect()
}

/// The expected behaviour of each case, by file name.
fn expectation(name: &str) -> Option<fn(&Trace)> {
    Some(match name {
        // Managed Identity Operator grants `userAssignedIdentities/*/assign/action`, which
        // covers `userAssignedIdentities/assign/action`: with Contributor on the VM, bob
        // attaches id-one and ARM answers 200 (fact sheet §4.3, §7.6; D-BR-ID).
        "mi-operator-can-attach.json" => |t| {
            let r = responses(t);
            assert_eq!(r.last().map(|x| x.0), Some(200), "{r:?}");
            assert!(t.steps.iter().all(|s| s.decision.as_ref().is_none_or(|d| d.allowed)), "no denied check");
        },
        _ => return None,
    })
}

#[test]
fn field_cases_answer_as_the_real_service_does() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/field");
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".json")).collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let sc = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let trace = simulate(&sc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let check = expectation(&name).unwrap_or_else(|| panic!("{name} has no expected behaviour in tests/field_cases.rs"));
        check(&trace);
    }
}
