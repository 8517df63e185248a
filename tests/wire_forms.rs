//! Error bodies and headers as real clients parse them (issue 13, item 6), checked over
//! every response of every built-in and of the endpoint-refusal scenarios: IMDS answers
//! carry its `Server` header whether the refusal is its own or Entra ID's; App Service's
//! endpoint answers every error in its own `statusCode`/`message`/`correlationId` body
//! (MSAL's App Service source reads `message`; an IMDS-shaped body there reads as
//! "None, None"); HIMDS's challenge is an empty 401 with `Content-Length: 0`.

use mi_playground::model::{simulate, Message, ParticipantKind, Scenario, Trace};
use mi_playground::scenarios::BUILT_INS;
use std::path::Path;

fn traces() -> Vec<(String, Trace)> {
    let mut out: Vec<(String, Trace)> = BUILT_INS.iter().map(|b| (b.id.to_string(), simulate(&b.scenario()).unwrap())).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["imds-refusals", "app-service-refusals"] {
        let text = std::fs::read_to_string(root.join(format!("tests/refusals/{name}.json"))).unwrap();
        out.push((name.into(), simulate(&Scenario::from_json(&text).unwrap()).unwrap()));
    }
    out
}

/// Every response a host's token endpoint sends, with the endpoint's lifeline label.
fn endpoint_responses(t: &Trace) -> Vec<(&str, &mi_playground::model::http::Response)> {
    t.steps.iter().filter(|s| t.participants[s.from].kind == ParticipantKind::TokenEndpoint).filter_map(|s| match &s.message { Message::Response(r) => Some((t.participants[s.from].label.as_str(), r)), _ => None }).collect()
}

#[test]
fn token_endpoint_errors_have_each_endpoints_own_wire_form() {
    let (mut imds, mut appsvc, mut himds) = (0, 0, 0);
    for (id, t) in traces() {
        for (who, r) in endpoint_responses(&t) {
            if who.starts_with("IMDS (") {
                imds += 1;
                assert!(r.header_value("Server").is_some_and(|v| v.starts_with("IMDS/")), "{id}: {who} {} without IMDS's Server header", r.status);
            } else if who.starts_with("Identity endpoint (") && r.status >= 400 {
                appsvc += 1;
                let v: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap_or("")).unwrap_or_else(|_| panic!("{id}: JSON body"));
                assert_eq!(v["statusCode"].as_u64(), Some(r.status as u64), "{id}: {v}");
                assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()) && v["correlationId"].is_string() && v.get("error").is_none(), "{id}: {v}");
                assert_eq!(r.header_value("X-CORRELATION-ID"), v["correlationId"].as_str(), "{id}");
            } else if who.starts_with("HIMDS (") && r.status == 401 && r.header_value("WWW-Authenticate").is_some_and(|w| w.starts_with("Basic realm=")) {
                himds += 1;
                assert_eq!(r.header_value("Content-Length"), Some("0"), "{id}");
                assert_eq!(r.body.as_deref().unwrap_or(""), "", "{id}");
            }
        }
    }
    assert!(imds > 10 && appsvc >= 4 && himds >= 2, "coverage: {imds} IMDS, {appsvc} App Service errors, {himds} HIMDS challenges");
}

/// Entra ID's refusal relayed by App Service keeps Entra's text in `message`.
#[test]
fn app_service_relays_entra_refusals_in_its_own_body() {
    let (_, t) = traces().into_iter().find(|(id, _)| id == "app-service-refusals").unwrap();
    let relayed = endpoint_responses(&t).into_iter().filter(|(w, _)| w.starts_with("Identity endpoint (")).find(|(_, r)| r.body.as_deref().is_some_and(|b| b.contains("AADSTS50001")));
    let (_, r) = relayed.expect("an AADSTS50001 relayed by App Service");
    let v: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(v["statusCode"], 400);
    assert!(v["message"].as_str().unwrap().starts_with("AADSTS50001: The application named https://nope.example was not found"));
    assert_eq!(r.header_value("Server"), Some("Kestrel"));
}

/// Key Vault's 403 for a caller a deny assignment covers names that deny assignment
/// (`DenyAssignmentId`, `DecisionReason: 'DeniedWithDenyAssignment'`) even though a role
/// assignment grants the action; without the deny it is 200.
#[test]
fn key_vault_names_the_deny_assignment_that_denied() {
    let text = r#"{"version": 1, "name": "deny", "seed": 5, "startTime": "2026-03-10T09:00:00Z",
      "world": {"subscriptions": [{"name": "sub-a", "resourceGroups": [{"name": "rg-app"}]}],
        "resources": [
          {"type": "Microsoft.Compute/virtualMachines", "name": "vm-app", "resourceGroup": "rg-app", "identity": {"type": "SystemAssigned"}, "app": {"sdk": "dotnet", "credential": "ManagedIdentityCredential"}},
          {"type": "Microsoft.KeyVault/vaults", "name": "kv-app", "resourceGroup": "rg-app", "properties": {"secrets": [{"name": "s1", "value": "v1"}]}}],
        "roleAssignments": [{"principalId": "vm-app", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv-app"}],
        "denyAssignments": [{"denyAssignmentName": "stack-deny-secrets", "permissions": [{"dataActions": ["Microsoft.KeyVault/vaults/secrets/*"]}], "scope": "rg-app", "principals": ["Everyone"]}]},
      "script": [{"action": "getSecret", "host": "vm-app", "vault": "kv-app", "secret": "s1"}]}"#;
    let t = simulate(&Scenario::from_json(text).unwrap()).unwrap();
    let Some(Message::Response(r)) = t.steps.last().map(|s| &s.message) else { panic!("a response") };
    assert_eq!(r.status, 403);
    let v: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("/resourceGroups/rg-app/providers/Microsoft.Authorization/denyAssignments/stack-deny-secrets\r\nDecisionReason: 'DeniedWithDenyAssignment'"), "{msg}");
    let allowed = simulate(&Scenario::from_json(&text.replace(r#""Microsoft.KeyVault/vaults/secrets/*""#, r#""Microsoft.Storage/*""#)).unwrap()).unwrap();
    assert!(matches!(allowed.steps.last().map(|s| &s.message), Some(Message::Response(r)) if r.status == 200));
}

/// Every ARM request of every built-in names an `api-version` its resource type has (the
/// model once sent 2022-09-01 everywhere, which Compute and Key Vault do not register).
#[test]
fn arm_requests_use_an_api_version_their_resource_type_has() {
    use mi_playground::model::arm::ResourceKind;
    let mut checked = 0;
    for (id, t) in traces() {
        for s in &t.steps {
            let Message::Request(q) = &s.message else { continue };
            if !q.url.starts_with("https://management.azure.com/") {
                continue;
            }
            let path = q.path();
            let segs: Vec<&str> = path.split('/').collect();
            let Some(p) = segs.iter().rposition(|x| x.eq_ignore_ascii_case("providers")) else { continue };
            let Some(kind) = segs.get(p + 1..p + 3).and_then(|x| ResourceKind::from_type(&x.join("/"))) else { continue };
            if segs.len() != p + 4 {
                continue; // a child (accessPolicies) or an extension (roleAssignments)
            }
            let api = q.query().into_iter().find(|(k, _)| k == "api-version").map(|x| x.1).unwrap_or_default();
            assert!(kind.api_versions().contains(&api.as_str()), "{id}: {} with api-version {api}", q.url);
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked}");
}

/// An `api-version` the type does not have gets ARM's 400 NoRegisteredProviderFound listing
/// the supported ones; a path under an existing resource group that names nothing gets 404
/// ResourceNotFound, a missing resource group 404 ResourceGroupNotFound.
#[test]
fn arm_refuses_unknown_api_versions_and_paths() {
    let world = |action: &str| format!(r#"{{"version": 1, "name": "arm", "seed": 6, "startTime": "2026-03-10T09:00:00Z",
      "world": {{"subscriptions": [{{"name": "sub-a", "subscriptionId": "00000000-0000-4000-8000-00000000000a", "resourceGroups": [{{"name": "rg-app"}}]}}],
        "resources": [{{"type": "Microsoft.Compute/virtualMachines", "name": "vm-app", "resourceGroup": "rg-app", "identity": {{"type": "SystemAssigned"}}, "app": {{"sdk": "dotnet", "credential": "ManagedIdentityCredential"}}}}],
        "roleAssignments": [{{"principalId": "vm-app", "roleDefinitionId": "Reader", "scope": "sub-a"}}]}},
      "script": [{action}]}}"#);
    let last = |action: &str| {
        let t = simulate(&Scenario::from_json(&world(action)).unwrap()).unwrap();
        match t.steps.last().map(|s| s.message.clone()) { Some(Message::Response(r)) => (r.status, r.body.unwrap_or_default()), other => panic!("{other:?}") }
    };
    let (st, body) = last(r#"{"action": "armRequest", "host": "vm-app", "target": "vm-app", "apiVersion": "2022-09-01"}"#);
    assert_eq!(st, 400, "{body}");
    assert!(body.contains(r#""code":"NoRegisteredProviderFound""#) && body.contains("API version '2022-09-01' for type 'virtualMachines'. The supported api-versions are '2024-07-01, "), "{body}");
    assert_eq!(last(r#"{"action": "armRequest", "host": "vm-app", "target": "vm-app", "apiVersion": "2023-03-01"}"#).0, 200);
    assert_eq!(last(r#"{"action": "armRequest", "host": "vm-app", "target": "vm-app"}"#).0, 200);
    assert_eq!(last(r#"{"action": "armRequest", "host": "vm-app", "target": "rg-app"}"#).0, 200);
    let (st, body) = last(r#"{"action": "armRequest", "host": "vm-app", "target": "/subscriptions/00000000-0000-4000-8000-00000000000a/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-gone"}"#);
    assert_eq!(st, 404, "{body}");
    assert!(body.contains(r#""code":"ResourceNotFound""#) && body.contains("The Resource 'Microsoft.Compute/virtualMachines/vm-gone' under resource group 'rg-app' was not found."), "{body}");
    let (st, body) = last(r#"{"action": "armRequest", "host": "vm-app", "target": "/subscriptions/00000000-0000-4000-8000-00000000000a/resourceGroups/rg-nope"}"#);
    assert_eq!((st, body.contains("ResourceGroupNotFound")), (404, true), "{body}");
}

/// Reading role assignments (issue 13 item 5): `GET {scope}/providers/Microsoft.Authorization/
/// roleAssignments?$filter=atScope()` returns ARM's list shape; an assignment whose
/// principal was deleted (with its VM) is still listed, principalType as stored.
#[test]
fn role_assignment_list_shows_an_orphaned_assignment() {
    let sub = "00000000-0000-4000-8000-00000000000b";
    let vault = format!("/subscriptions/{sub}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app");
    let text = format!(r#"{{"version": 1, "name": "list", "seed": 8, "startTime": "2026-03-10T09:00:00Z",
      "world": {{"subscriptions": [{{"name": "sub-a", "subscriptionId": "{sub}", "resourceGroups": [{{"name": "rg-app"}}]}}],
        "users": [{{"name": "alice"}}],
        "resources": [
          {{"type": "Microsoft.Compute/virtualMachines", "name": "vm-old", "resourceGroup": "rg-app", "identity": {{"type": "SystemAssigned"}}}},
          {{"type": "Microsoft.Compute/virtualMachines", "name": "vm-audit", "resourceGroup": "rg-app", "identity": {{"type": "SystemAssigned"}}, "app": {{"sdk": "dotnet", "credential": "ManagedIdentityCredential"}}}},
          {{"type": "Microsoft.KeyVault/vaults", "name": "kv-app", "resourceGroup": "rg-app"}}],
        "roleAssignments": [
          {{"principalId": "alice", "roleDefinitionId": "Owner", "scope": "sub-a"}},
          {{"principalId": "vm-old", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv-app"}},
          {{"principalId": "vm-audit", "roleDefinitionId": "Reader", "scope": "rg-app"}}]}},
      "script": [
        {{"action": "deleteResource", "by": "alice", "resource": "vm-old"}},
        {{"action": "armRequest", "host": "vm-audit", "target": "{vault}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()"}}]}}"#);
    let t = simulate(&Scenario::from_json(&text).unwrap()).unwrap();
    let req = t.steps.iter().rev().find_map(|s| match &s.message { Message::Request(q) => Some(q.clone()), _ => None }).unwrap();
    assert!(req.url.ends_with("/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope%28%29"), "{}", req.url);
    let Some(Message::Response(r)) = t.steps.last().map(|s| &s.message) else { panic!("a response") };
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    let list = v["value"].as_array().unwrap();
    // At and above the vault: alice's Owner (subscription), vm-audit's Reader (group), the orphan (vault).
    assert_eq!(list.len(), 3, "{v:#}");
    let orphan = list.iter().find(|a| a["properties"]["scope"] == vault.as_str()).expect("the vault's assignment is listed");
    assert_eq!(orphan["properties"]["principalType"], "ServicePrincipal");
    assert_eq!(orphan["type"], "Microsoft.Authorization/roleAssignments");
    assert!(orphan["id"].as_str().unwrap().starts_with(&format!("{vault}/providers/Microsoft.Authorization/roleAssignments/")));
    assert!(t.steps.last().unwrap().explanation.contains("1 of them name a principal the directory no longer has"));
}
