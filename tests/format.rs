//! The scenario format: diagnostics, hostile input, share links, the published schema,
//! and a mutation fuzzer that must never make the model panic.

use mi_playground::model::scenario::{load, AuthChoice};
use mi_playground::model::{schema, simulate_lenient, Scenario};
use mi_playground::scenarios::BUILT_INS;
use mi_playground::share::{self, LinkError};

#[path = "support/mutate.rs"]
mod mutate;

#[test]
fn every_built_in_loads_cleanly() {
    assert!(BUILT_INS.len() >= 19, "the library has {} scenarios", BUILT_INS.len());
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

/// `line:column path: message — hint` for each problem, for compact assertions.
fn shown(text: &str) -> Vec<String> {
    load(text).diagnostics.iter().map(|d| format!("{}:{} {}: {}", d.line, d.column, d.path, d.text())).collect()
}

#[test]
fn several_problems_at_once_each_at_its_place() {
    let text = r#"{
  "version": 1,
  "name": "x",
  "world": {
    "subscriptions": [{"name": "s", "resourceGroups": [{"name": "rg"}]}],
    "resources": [{"type": "Microsoft.Compute/virtualMachine", "name": "vm", "resourceGroup": "rg", "app": {"sdk": "pyton", "credential": 5}}],
    "tenant": [],
    "settings": {"rbacPropagation": "soon", "rbacPropagation": "5m"}
  },
  "script": [{"action": "tokenRequest", "host": "vm", "query": [["a"]], "repeat": 4294967296}, ["note", "x"], {"text": "t"}, {"action": "getToken", "hots": "vm"}]
}"#;
    let d = shown(text);
    assert_eq!(
        d,
        [
            "6:28 world.resources[0].type: 'Microsoft.Compute/virtualMachine' is not allowed here — did you mean 'Microsoft.Compute/virtualMachines'?",
            "6:116 world.resources[0].app.sdk: 'pyton' is not allowed here — did you mean 'python'?",
            "6:139 world.resources[0].app.credential: expected a string, found a number — one of: ManagedIdentityCredential, DefaultAzureCredential",
            "7:15 world.tenant: expected an object (Tenant), found an array",
            "8:37 world.settings.rbacPropagation: 'soon' is not a duration — write it like 90s, 10m, 24h, 45d or 1h30m (at most ten years)",
            "8:45 world.settings.rbacPropagation: field `rbacPropagation` appears twice — keep one",
            "10:65 script[0].query[0]: expected an array of 2 items [string, string], found an array of 1 item — for example [\"api-version\",\"2018-02-01\"]",
            "10:83 script[0].repeat: '4294967296' is not a whole number that fits — the largest allowed is 4294967295",
            "10:96 script[1]: expected an action object, found an array",
            "10:111 script[2]: this action has no \"action\" field — add e.g. \"action\": \"enableSystemAssigned\"",
            "10:149 script[3].hots: unknown field `hots` — getToken allows: host, resource",
            "10:126 script[3]: missing field `host` — getToken needs `host`: Host name.",
            "10:126 script[3]: missing field `resource` — getToken needs `resource`: Resource (audience), e.g. `https://vault.azure.net`.",
        ],
        "{d:#?}"
    );
}

#[test]
fn did_you_mean_for_enum_values_fields_and_actions() {
    let doc = |app: &str, action: &str| format!(r#"{{"version": 1, "name": "x", "world": {{"subscriptions": [{{"name": "s", "resourceGroups": [{{"name": "rg"}}]}}], "resources": [{{"type": "Microsoft.Compute/virtualMachines", "name": "vm", "resourceGroup": "rg", "app": {app}}}]}}, "script": [{action}]}}"#);
    let hint = |text: String| load(&text).diagnostics.iter().map(|d| (d.message.clone(), d.hint.clone().unwrap_or_default())).collect::<Vec<_>>();
    assert_eq!(hint(doc(r#"{"credential": "ManagedIdentityCredentail"}"#, r#"{"action": "note", "text": "t"}"#)), [("'ManagedIdentityCredentail' is not allowed here".to_string(), "did you mean 'ManagedIdentityCredential'?".to_string())]);
    assert_eq!(hint(doc(r#"{"managedIdentiy": "u"}"#, r#"{"action": "note", "text": "t"}"#)), [("unknown field `managedIdentiy`".to_string(), "did you mean `managedIdentity`?".to_string())]);
    assert_eq!(hint(doc("{}", r#"{"action": "fault", "target": "entra", "kind": "throtle", "duration": "1m"}"#)), [("'throtle' is not allowed here".to_string(), "did you mean 'throttle'?".to_string())]);
    assert_eq!(hint(doc("{}", r#"{"action": "advanceclock", "duration": "1m"}"#)), [("unknown action 'advanceclock'".to_string(), "did you mean 'advanceClock'?".to_string())]);
    assert_eq!(hint(doc("{}", r#"{"action": "armRequest", "host": "vm", "target": "vm", "method": "get"}"#)), [("'get' is not allowed here".to_string(), "did you mean 'GET'?".to_string())]);
    // Nothing close: the hint lists what is allowed.
    let far = hint(doc(r#"{"sdk": "golang"}"#, r#"{"action": "note", "text": "t"}"#));
    assert_eq!(far, [("'golang' is not allowed here".to_string(), "one of: dotnet, python, js".to_string())]);
}

#[test]
fn syntax_problems_say_what_and_where() {
    let one = |text: &str| {
        let d = shown(text);
        assert_eq!(d.len(), 1, "{text}: {d:#?}");
        d[0].clone()
    };
    // A lone surrogate is not a character (high, low, and a high one not followed by a low one).
    assert!(one(r#"{"version": 1, "name": "\ud800x"}"#).starts_with("1:25 $: invalid \\u escape: d800 (unpaired high surrogate) — a surrogate"));
    assert!(one(r#"{"version": 1, "name": "\udc00"}"#).starts_with("1:25 $: invalid \\u escape: dc00 (unpaired low surrogate)"));
    assert!(one(r#"{"version": 1, "name": "\ud800\u0041"}"#).contains("high surrogate not followed by low surrogate"));
    // A number out of range is reported, not turned into null.
    assert_eq!(one(r#"{"version": 1e999, "name": "x"}"#), "1:13 $: the number 1e999 is out of range — whole numbers in a scenario go up to 18446744073709551615");
    assert_eq!(one(r#"{"version": -1e400, "name": "x"}"#), "1:13 $: the number -1e400 is out of range — whole numbers in a scenario go up to 18446744073709551615");
    // Trailing garbage, leading zeros, comments, trailing commas, single quotes, bare words.
    assert_eq!(one(r#"{"version": 1, "name": "x", "world": {"subscriptions": []}} xyz"#), "1:61 $: unexpected text after the end of the JSON document");
    assert_eq!(one(r#"{"version": 1} {}"#), "1:16 $: unexpected text after the end of the JSON document");
    assert_eq!(one(r#"{"version": 07}"#), "1:13 $: a JSON number cannot start with 0 (write 7, not 07)");
    assert_eq!(one("{\"version\": 1, // one\n \"name\": \"x\"}"), "1:16 $: JSON does not allow comments — remove the comment (a `note` action or the `description` can hold text)");
    assert_eq!(one(r#"{"version": 1, "name": "x",}"#), "1:27 $: JSON does not allow a comma before '}' or ']' — remove the trailing comma");
    assert_eq!(one("{'version': 1}"), "1:2 $: JSON strings use double quotes, not single quotes");
    assert_eq!(one(r#"{"version": nul}"#), "1:13 $: 'nul' is not a JSON value — did you mean null?");
    assert_eq!(one("{\"name\": \"a\tb\"}"), "1:12 $: control characters (such as a raw line break or tab) are not allowed inside a string — write them as \\n or \\t");
    // Truncation, a missing comma, nothing at all, nesting without end.
    assert_eq!(one(r#"{"version": 1, "world": {"subscriptions": ["#), "1:43 $: unexpected end of input: an array is not closed — add the missing ']' (or the rest of the document)");
    assert_eq!(one(r#"{"version": 1 "name": "x"}"#), "1:15 $: expected ',' or the end of the object or array (is a comma missing?)");
    assert!(one("").starts_with("1:1 $: the document is empty"));
    assert!(one(&"[".repeat(600)).contains("nesting deeper than 128 levels"));
    assert!(one(&format!("{}{}", "[".repeat(200), "]".repeat(200))).contains("nesting deeper than 128 levels"));
    // Columns count characters, not bytes.
    assert_eq!(one("{\"name\": \"ééé\", \"version\": 07}"), "1:28 $: a JSON number cannot start with 0 (write 7, not 07)");
}

/// serde_json alone would fill a struct from an array (fields by position) and read an enum
/// from `{"variant": null}`; the format takes neither, in serde and the schema check alike.
#[test]
fn arrays_are_not_objects_and_enums_are_strings() {
    let base = r#"{"version": 1, "name": "x", "world": {"subscriptions": [{"name": "s", "resourceGroups": [{"name": "rg"}]}], "resources": [{"type": "Microsoft.Compute/virtualMachines", "name": "vm", "resourceGroup": "rg", "app": {}}]}, "script": []}"#;
    let with = |from: &str, to: &str| {
        assert!(base.contains(from));
        base.replacen(from, to, 1)
    };
    for (text, message) in [
        (with(r#""world": {"#, r#""tenant": [], "world": {"#), "unknown field `tenant`"),
        (with(r#""resourceGroups": [{"name": "rg"}]"#, r#""resourceGroups": [["rg"]]"#), "expected an object (ResourceGroup), found an array"),
        (with(r#""app": {}"#, r#""app": ["python"]"#), "expected an object (App), found an array"),
        (with(r#""app": {}"#, r#""app": {"sdk": {"python": null}}"#), "expected a string, found an object"),
        (with(r#""script": []"#, r#""script": [["note", "t"]]"#), "expected an action object, found an array"),
        (with(r#""script": []"#, r#""script": [{"action": "patchIdentity", "by": "a", "resource": "vm", "identity": ["None"]}]"#), "expected an object (Identity), found an array"),
        (with(r#""script": []"#, r#""script": [{"action": "patchIdentity", "by": "a", "resource": "vm", "identity": {"type": "None", "userAssignedIdentities": {"u": {"x": 1}}}}]"#), "expected {} (attach) or null (detach), found an object"),
    ] {
        assert!(serde_json::from_str::<Scenario>(&text).is_err(), "serde takes {text}");
        let l = load(&text);
        assert!(l.scenario.is_none() && l.diagnostics.iter().any(|d| d.message == message), "{text}: {:#?}", l.diagnostics);
    }
    assert!(load(base).is_ok());
}

#[test]
fn every_action_reads_with_its_defaults() {
    let text = r#"{"version": 1, "name": "defaults", "world": {"subscriptions": [{"name": "sub", "resourceGroups": [{"name": "rg"}]}],
      "resources": [{"type": "Microsoft.Compute/virtualMachines", "name": "vm", "resourceGroup": "rg", "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {"u1": {}, "u2": null}}, "app": {}},
                    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "u1", "resourceGroup": "rg", "properties": {"federatedIdentityCredentials": [{"name": "f", "issuer": "i", "subject": "s"}]}}]},
      "script": [
        {"action": "enableSystemAssigned", "by": "a", "resource": "vm"}, {"action": "disableSystemAssigned", "by": "a", "resource": "vm"},
        {"action": "createUserAssignedIdentity", "by": "a", "name": "u2", "resourceGroup": "rg"}, {"action": "deleteUserAssignedIdentity", "by": "a", "name": "u2"},
        {"action": "attachUserAssignedIdentity", "by": "a", "resource": "vm", "identity": "u1"}, {"action": "detachUserAssignedIdentity", "by": "a", "resource": "vm", "identity": "u1"},
        {"action": "patchIdentity", "by": "a", "resource": "vm", "identity": {"type": "None"}},
        {"action": "createRoleAssignment", "by": "a", "principalId": "vm", "roleDefinitionId": "Reader", "scope": "rg"},
        {"action": "deleteRoleAssignment", "by": "a", "principalId": "vm", "roleDefinitionId": "Reader", "scope": "rg"},
        {"action": "addGroupMember", "by": "a", "group": "g", "member": "vm"}, {"action": "setAccessPolicy", "by": "a", "vault": "kv", "objectId": "vm"},
        {"action": "setVaultPermissionModel", "by": "a", "vault": "kv", "enableRbacAuthorization": false}, {"action": "deleteResource", "by": "a", "resource": "u1"},
        {"action": "advanceClock", "duration": "90m"}, {"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"}, {"action": "tokenRequest", "host": "vm"},
        {"action": "getSecret", "host": "vm", "vault": "kv", "secret": "s"}, {"action": "blobRequest", "host": "vm", "account": "st", "container": "c", "blob": "b"},
        {"action": "armRequest", "host": "vm", "target": "vm"}, {"action": "sqlConnect", "host": "vm", "database": "db"}, {"action": "configureApp", "host": "vm"},
        {"action": "fault", "target": "entra", "kind": "updating", "duration": "1m"}, {"action": "note", "text": ""}]}"#;
    use mi_playground::model::arm::IdentityType;
    use mi_playground::model::http::{BlobMethod, HttpMethod};
    use mi_playground::model::scenario::{Action, Credential, Sdk, UserAssignedEntry};
    assert!(schema::problems(text).is_empty(), "{:#?}", schema::problems(text));
    let sc: Scenario = serde_json::from_str(text).unwrap();
    assert_eq!(sc.script.len(), 23, "every action");
    let actions = schema::json_schema()["$defs"]["Action"]["oneOf"].as_array().unwrap().len();
    assert_eq!(actions, 23, "every action is in the schema");
    assert_eq!((sc.seed, sc.start_time.to_string().as_str()), (0, "2026-01-15T09:00:00Z"));
    assert_eq!((sc.world.settings.rbac_propagation.secs(), sc.world.settings.identity_propagation.secs()), (300, 0));
    assert_eq!(sc.world.subscriptions[0].resource_groups[0].location, "westeurope");
    let vm = &sc.world.resources[0];
    let block = vm.identity.as_ref().unwrap();
    assert_eq!(block.identity_type, IdentityType::SystemAndUserAssigned);
    assert_eq!((block.user_assigned_identities["u1"], block.user_assigned_identities["u2"]), (UserAssignedEntry::Attach, UserAssignedEntry::Detach));
    let app = vm.app.as_ref().unwrap();
    assert_eq!((app.sdk, app.credential), (Sdk::Dotnet, Credential::DefaultAzureCredential));
    assert_eq!(sc.world.resources[1].properties.federated_identity_credentials[0].audiences, ["api://AzureADTokenExchange"]);
    assert!(matches!(&sc.script[13], Action::AdvanceClock { duration } if duration.secs() == 5400 && duration.as_str() == "90m"));
    assert!(matches!(&sc.script[15], Action::TokenRequest { method: HttpMethod::Get, repeat: 1, path: None, .. }));
    assert!(matches!(&sc.script[16], Action::GetSecret { auth, .. } if *auth == AuthChoice::Sdk));
    assert!(matches!(&sc.script[17], Action::BlobRequest { x_ms_version: Some(v), method: BlobMethod::Get, .. } if v == "2021-08-06"));
    // Written back, it reads the same (the author's spellings kept: 90m, not 1h30m).
    let again = sc.to_json();
    assert!(again.contains("\"90m\"") && again.contains("\"SystemAssigned, UserAssigned\""));
    assert_eq!(Scenario::from_json(&again).unwrap(), sc);
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

/// Over thousands of seeded mutants of the built-ins (types swapped, fields deleted,
/// duplicated, misspelt or added, items deleted or duplicated, bytes damaged): serde
/// accepts a document exactly when the schema check finds no problem, and every problem
/// has a position. The first accepted mutants also run to a trace (all of them do in the
/// mutation run, `examples/mutate.rs`, where a run is cheap).
#[test]
fn serde_and_the_schema_check_agree_on_mutants() {
    let texts: Vec<&str> = BUILT_INS.iter().map(|b| b.json).collect();
    let m = mutate::Mutator::new(&texts);
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..3000 {
        let text = m.mutant(2026, i);
        let by_serde = serde_json::from_str::<Scenario>(&text);
        let problems = schema::problems(&text);
        assert_eq!(by_serde.is_ok(), problems.is_empty(), "mutant {i}: serde says {:?}, the schema check {problems:#?}\n{text}", by_serde.as_ref().err().map(ToString::to_string));
        assert!(problems.iter().all(|d| d.line >= 1 && d.column >= 1 && !d.message.is_empty()), "{problems:?}");
        match by_serde {
            Ok(sc) => {
                accepted += 1;
                if accepted <= 40 {
                    let (trace, _) = simulate_lenient(&sc);
                    assert!(!trace.to_text().is_empty() || sc.script.is_empty());
                }
            }
            Err(_) => rejected += 1,
        }
    }
    eprintln!("{accepted} mutants accepted, {rejected} refused");
    assert!(accepted > 200 && rejected > 1000, "both kinds in the mix: {accepted} accepted, {rejected} refused");
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
fn fragments_read_back_as_written() {
    for (link, id, step) in [(Some("abc"), None, 3), (None, Some("vm-keyvault"), 1), (None, None, 12)] {
        let frag = share::write_fragment(link, id, step);
        assert_eq!(share::parse_fragment(&format!("#{frag}")), (link.map(String::from), id.map(String::from), Some(step)), "{frag}");
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
    assert!(std::fs::read_to_string(&path).unwrap_or_default() == want, "docs/scenario.schema.json is stale (the schema check reads it): run UPDATE_SNAPSHOTS=1 cargo test --no-default-features --test format");
}

