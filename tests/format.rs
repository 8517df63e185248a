//! The scenario format: diagnostics, hostile input, share links, the published schema,
//! and a mutation fuzzer that must never make the model panic.

use mi_playground::model::rng::Rng;
use mi_playground::model::scenario::load;
use mi_playground::model::{schema, simulate_lenient};
use mi_playground::scenarios::BUILT_INS;
use mi_playground::share::{self, LinkError};

#[test]
fn every_built_in_loads_cleanly() {
    assert_eq!(BUILT_INS.len(), 18, "the library has 18 scenarios");
    for b in BUILT_INS {
        let l = load(b.json);
        assert!(l.diagnostics.is_empty(), "{}: {:?}", b.id, l.diagnostics);
        let sc = l.scenario.unwrap();
        assert!(!sc.learning_goal.is_empty() && !sc.description.is_empty(), "{} needs a learning goal and a description", b.id);
    }
}

#[test]
fn diagnostics_report_every_problem_with_positions_and_hints() {
    let text = r#"{
  "version": 1,
  "name": "broken",
  "world": {
    "subscriptions": [{ "name": "sub", "resourceGroups": [{ "name": "rg" }] }],
    "users": [{ "name": "alice" }],
    "resources": [
      { "type": "Microsoft.Compute/virtualMachines", "name": "vm", "resourceGroup": "rg",
        "app": { "managedIdentity": "x", "clientID": "y" } }
    ],
    "roleAssignments": [{ "principalId": "alice", "roleDefinitionId": "Owner" }]
  },
  "script": [ { "action": "getSecrets", "host": "vm" }, { "action": "advanceClock", "duration": "soon" } ]
}"#;
    let l = load(text);
    assert!(l.scenario.is_none());
    let d = &l.diagnostics;
    assert_eq!(d.len(), 4, "{d:#?}");
    let client = d.iter().find(|x| x.message == "unknown field `clientID`").unwrap();
    assert_eq!((client.line, client.column), (9, 42));
    assert_eq!(client.path, "world.resources[0].app.clientID");
    assert!(client.hint.as_deref().unwrap().contains("allows"));
    let missing = d.iter().find(|x| x.message == "missing field `scope`").unwrap();
    assert_eq!(missing.line, 11);
    let action = d.iter().find(|x| x.message.starts_with("unknown action")).unwrap();
    assert_eq!(action.hint.as_deref(), Some("did you mean 'getSecret'?"));
    assert_eq!(action.line, 13);
    assert!(d.iter().any(|x| x.path == "script[1].duration"));
}

#[test]
fn did_you_mean_for_a_misspelled_field() {
    let text = r#"{"version":1,"name":"x","world":{"subscriptions":[{"name":"s"}],"resources":[{"type":"Microsoft.ManagedIdentity/userAssignedIdentities","name":"u","resourceGroup":"rg","properties":{"enableRBACAuthorization":true}}]}}"#;
    let l = load(text);
    let d = l.diagnostics.iter().find(|d| d.message.contains("enableRBACAuthorization")).unwrap();
    assert_eq!(d.hint.as_deref(), Some("did you mean `enableRbacAuthorization`?"));
}

#[test]
fn reference_problems_are_all_reported_with_hints() {
    let text = r#"{"version":1,"name":"x","world":{
  "subscriptions":[{"name":"sub","resourceGroups":[{"name":"rg"}]}],
  "users":[{"name":"alice"}],
  "resources":[{"type":"Microsoft.KeyVault/vaults","name":"kv","resourceGroup":"rg"}],
  "roleAssignments":[{"principalId":"alise","roleDefinitionId":"Key Vault Secret User","scope":"kv"}]},
  "script":[{"action":"getSecret","host":"vm","vault":"kv","secret":"s"}]}"#;
    let l = load(text);
    let msgs: Vec<String> = l.diagnostics.iter().map(|d| format!("{}:{} {}", d.line, d.column, d.text())).collect();
    assert_eq!(l.diagnostics.len(), 3, "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.starts_with("5:") && m.contains("principal 'alise' that does not exist — did you mean 'alice'?")), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.contains("did you mean 'Key Vault Secrets User'?")), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.starts_with("6:") && m.contains("'vm' is not a compute resource")), "{msgs:#?}");
}

#[test]
fn hostile_input_yields_diagnostics_not_panics() {
    let huge = format!("{{\"version\":1,\"name\":\"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let deep = "[".repeat(200_000);
    let cases: Vec<String> = vec![
        String::new(),
        "not json".into(),
        "\u{0}\u{1}".into(),
        huge,
        deep,
        r#"{"version": 1e999, "name": "x", "world": {"subscriptions": []}}"#.into(),
        r#"{"version": 99999999999999999999999999, "name": "x", "world": {"subscriptions": []}}"#.into(),
        r#"{"version": -1, "name": "x", "world": {}}"#.into(),
        r#"{"version": 1, "name": "<img src=x onerror=alert(1)>", "world": {"subscriptions": [{"name": "<script>"}]}}"#.into(),
        r#"{"version": 1, "name": "x", "world": {"subscriptions": [{"name": "s"}]}, "script": [{"action": "advanceClock", "duration": "99999999999999999999d"}]}"#.into(),
        r#"[1, 2, 3]"#.into(),
        r#"{"version": 1, "version": 1}"#.into(),
    ];
    for c in &cases {
        let l = load(c);
        if let Some(sc) = &l.scenario {
            let _ = simulate_lenient(sc);
        } else {
            assert!(!l.diagnostics.is_empty(), "no diagnostics for {:?}", &c[..c.len().min(60)]);
        }
    }
    let html = load(&cases[8]);
    assert!(html.scenario.is_some() && html.diagnostics.is_empty(), "HTML in a name is just text: {:?}", html.diagnostics);
}

/// Mutates built-in scenarios at random (seeded) and runs whatever still parses: the
/// model must never panic, whatever the input.
#[test]
fn fuzzed_scenarios_never_panic() {
    let mut rng = Rng::new(2026, 99);
    let snippets = ["\"\"", "null", "{}", "[]", "-1", "1e308", "\"x\"", "\"SystemAssigned\"", "\"vm-web\"", "\"/\"", "\"0s\"", "true", "\"💥\"", "18446744073709551615"];
    let mut ran = 0;
    for round in 0..400 {
        let b = &BUILT_INS[round % BUILT_INS.len()];
        let mut v: serde_json::Value = serde_json::from_str(b.json).unwrap();
        for _ in 0..(1 + rng.next_u64() % 4) {
            mutate(&mut v, &mut rng, &snippets);
        }
        let text = v.to_string();
        let l = load(&text);
        if let Some(sc) = l.scenario {
            let _ = simulate_lenient(&sc);
            ran += 1;
        }
        // Byte-level damage too.
        let mut bytes = b.json.as_bytes().to_vec();
        let i = (rng.next_u64() as usize) % bytes.len();
        bytes.truncate(i.max(1));
        let _ = load(&String::from_utf8_lossy(&bytes));
    }
    eprintln!("{ran} of 400 mutants still ran the model");
    assert!(ran > 20, "enough mutants should still run the model (ran {ran})");
}

fn mutate(v: &mut serde_json::Value, rng: &mut Rng, snippets: &[&str]) {
    use serde_json::Value;
    // Walk to a random node (by index path, to keep the borrow checker simple).
    let mut path: Vec<serde_json::Value> = Vec::new();
    {
        let mut cur: &Value = v;
        for _ in 0..(rng.next_u64() % 6) {
            match cur {
                Value::Object(m) if !m.is_empty() => {
                    let k = m.keys().nth((rng.next_u64() as usize) % m.len()).cloned().unwrap();
                    cur = &m[&k];
                    path.push(Value::String(k));
                }
                Value::Array(a) if !a.is_empty() => {
                    let i = (rng.next_u64() as usize) % a.len();
                    cur = &a[i];
                    path.push(Value::from(i));
                }
                _ => break,
            }
        }
    }
    let mut cur = v;
    for p in &path {
        cur = match p {
            Value::String(k) => cur.get_mut(k.as_str()).unwrap(),
            _ => cur.get_mut(p.as_u64().unwrap() as usize).unwrap(),
        };
    }
    match (rng.next_u64() % 4, cur) {
        (0, Value::Object(m)) if !m.is_empty() => {
            let k = m.keys().nth((rng.next_u64() as usize) % m.len()).cloned().unwrap();
            m.remove(&k);
        }
        (1, Value::Array(a)) if !a.is_empty() => {
            let i = (rng.next_u64() as usize) % a.len();
            let dup = a[i].clone();
            a.insert(i, dup);
        }
        (2, Value::Array(a)) if !a.is_empty() => {
            a.remove((rng.next_u64() as usize) % a.len());
        }
        (_, node) => {
            let s = snippets[(rng.next_u64() as usize) % snippets.len()];
            *node = serde_json::from_str(s).unwrap();
        }
    }
}

#[test]
fn share_links_round_trip_every_built_in() {
    for b in BUILT_INS {
        let sc = b.scenario();
        let link = share::encode(&sc);
        assert!(link.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)), "{}: URL-safe", b.id);
        assert_eq!(share::decode(&link).unwrap(), sc, "{} round-trips", b.id);
        assert!(link.len() < b.json.len(), "{}: the link ({}) is smaller than the JSON ({})", b.id, link.len(), b.json.len());
        let frag = share::fragment(&sc, 7);
        let (s, _, step) = share::parse_fragment(&format!("#{frag}"));
        assert_eq!(step, Some(7));
        assert_eq!(share::decode(&s.unwrap()).unwrap(), sc);
    }
}

#[test]
fn broken_links_say_what_is_wrong() {
    let link = share::encode(&BUILT_INS[0].scenario());
    assert_eq!(share::decode(&link[..link.len() / 2]), Err(LinkError::Truncated));
    assert_eq!(share::decode(&format!("{}!!", &link)), Err(LinkError::Corrupted));
    assert_eq!(share::decode("2.abc"), Err(LinkError::UnknownFormat));
    assert_eq!(share::decode(""), Err(LinkError::UnknownFormat));
    let mut flipped = link.clone().into_bytes();
    let i = flipped.len() - 10;
    flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
    assert!(share::decode(&String::from_utf8(flipped).unwrap()).is_err());
    // A decompression bomb: 8 MiB of spaces compresses to a few KB.
    let bomb = format!("1.{}", { use base64::Engine; base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&vec![b' '; 8 << 20], 9)) });
    assert_eq!(share::decode(&bomb), Err(LinkError::TooLarge));
    assert!(LinkError::Truncated.to_string().contains("copy the whole link"));
}

#[test]
fn published_schema_is_current() {
    let want = serde_json::to_string_pretty(&schema::json_schema()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario.schema.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    assert!(std::fs::read_to_string(&path).unwrap_or_default() == want, "docs/scenario.schema.json is stale: run UPDATE_SNAPSHOTS=1 cargo test --no-default-features");
}
