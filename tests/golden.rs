//! The fact sheet's golden checks (§10), each as a small scenario run through the model.
//! Test names carry the check number.

use mi_playground::model::http::Response;
use mi_playground::model::{simulate, token, CredentialFailure, Message, Outcome, Scenario, StepKind, Trace, World};
use serde_json::{json, Value};

const TENANT: &str = "11111111-1111-4111-8111-111111111111";
const SUB: &str = "22222222-2222-4222-8222-222222222222";

fn scenario(resources: Value, role_assignments: Value, script: Value) -> Scenario {
    scenario_with(resources, role_assignments, json!([]), script)
}

fn scenario_with(resources: Value, role_assignments: Value, groups: Value, script: Value) -> Scenario {
    let mut ras = vec![json!({"principalId": "alice", "roleDefinitionId": "Owner", "scope": "sub"})];
    ras.extend(role_assignments.as_array().cloned().unwrap_or_default());
    let doc = json!({
        "version": 1, "name": "golden", "seed": 7, "startTime": "2026-01-15T09:00:00Z",
        "world": {
            "tenant": {"tenantId": TENANT},
            "subscriptions": [{"name": "sub", "subscriptionId": SUB, "resourceGroups": [{"name": "rg"}, {"name": "rg2"}]}],
            "users": [{"name": "alice"}, {"name": "bob"}],
            "groups": groups,
            "resources": resources,
            "roleAssignments": ras,
            "settings": {"rbacPropagation": "0s"}
        },
        "script": script
    });
    Scenario::from_json(&doc.to_string()).expect("test scenario parses")
}

fn run(s: &Scenario) -> Trace {
    simulate(s).unwrap_or_else(|e| panic!("scenario error: {e}"))
}

fn responses(t: &Trace) -> Vec<&Response> {
    t.steps.iter().filter_map(|s| if let Message::Response(r) = &s.message { Some(r) } else { None }).collect()
}

fn last(t: &Trace) -> &Response {
    responses(t).last().expect("a response")
}

fn body(r: &Response) -> &str {
    r.body.as_deref().unwrap_or("")
}

fn vm(name: &str, identity: Value) -> Value {
    json!({"type": "Microsoft.Compute/virtualMachines", "name": name, "resourceGroup": "rg", "identity": identity, "app": {"credential": "ManagedIdentityCredential"}})
}

fn uami(name: &str) -> Value {
    json!({"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": name, "resourceGroup": "rg"})
}

fn kv(name: &str, rbac: bool) -> Value {
    json!({"type": "Microsoft.KeyVault/vaults", "name": name, "resourceGroup": "rg", "properties": {"enableRbacAuthorization": rbac, "secrets": [{"name": "s", "value": "v"}]}})
}

fn imds(query: Value, headers: Value) -> Value {
    json!({"action": "tokenRequest", "host": "vm", "query": query, "headers": headers})
}

fn meta() -> Value {
    json!([["Metadata", "true"]])
}

fn claims_of(t: &Trace) -> token::Claims {
    let jwt = t.steps.iter().rev().find_map(|s| s.jwt.clone()).expect("a token");
    token::decode_claims(&jwt).unwrap()
}

#[test]
fn g01_missing_metadata_header_is_the_88_byte_400() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"]]), json!([]))]));
    let r = last(&run(&s)).clone();
    assert_eq!(r.status, 400);
    assert_eq!(r.header_value("Content-Type"), Some("application/json; charset=utf-8"));
    assert_eq!(body(&r), r#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#);
    assert_eq!(body(&r).len(), 88);
}

#[test]
fn g02_two_user_assigned_no_selector_is_the_168_byte_400() {
    let s = scenario(json!([uami("u1"), uami("u2"), vm("vm", json!({"type": "UserAssigned", "userAssignedIdentities": {"u1": {}, "u2": {}}}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"]]), meta())]));
    let r = last(&run(&s)).clone();
    assert_eq!(r.status, 400);
    assert_eq!(body(&r), r#"{"error":"invalid_request","error_description":"Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"}"#);
    assert_eq!(r.header_value("Content-Length"), Some("168"));
}

#[test]
fn g03_unknown_client_id_or_no_identity_is_identity_not_found() {
    let want = r#"{"error":"invalid_request","error_description":"Identity not found"}"#;
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://vault.azure.net"], ["client_id", "99999999-9999-4999-8999-999999999999"]]), meta())]));
    assert_eq!(body(last(&run(&s))), want);
    let s = scenario(json!([vm("vm", json!({"type": "None"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://vault.azure.net"]]), meta())]));
    let t = run(&s);
    assert_eq!(last(&t).status, 400);
    assert_eq!(body(last(&t)), want);
}

#[test]
fn g04_system_assigned_wins_without_selector() {
    let s = scenario(json!([uami("u1"), vm("vm", json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {"u1": {}}}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"]]), meta())]));
    let w = World::build(&s).unwrap();
    let vmr = w.resource_by_name("vm").unwrap().clone();
    let t = run(&s);
    assert_eq!(last(&t).status, 200);
    let c = claims_of(&t);
    assert_eq!(c.oid, vmr.system_assigned.unwrap().principal_id);
    assert_eq!(c.xms_mirid, vmr.id);
}

#[test]
fn g05_a_lone_user_assigned_identity_is_used() {
    let s = scenario(json!([uami("u1"), vm("vm", json!({"type": "UserAssigned", "userAssignedIdentities": {"u1": {}}}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"]]), meta())]));
    let w = World::build(&s).unwrap();
    let u = w.find_uami("u1").unwrap();
    let t = run(&s);
    assert_eq!(last(&t).status, 200);
    let c = claims_of(&t);
    assert_eq!(c.oid, u.principal_id);
    assert_eq!(c.xms_mirid, u.mi_resource_id);
}

fn success_body(t: &Trace) -> serde_json::Map<String, Value> {
    serde_json::from_str::<Value>(body(last(t))).unwrap().as_object().unwrap().clone()
}

#[test]
fn g06_g07_success_body_is_all_strings_and_matches_the_jwt() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"]]), meta())]));
    let t = run(&s);
    let b = success_body(&t);
    for (k, v) in &b {
        assert!(v.is_string(), "{k} must be a JSON string");
    }
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["resource"], "https://management.azure.com/");
    let c = token::decode_claims(b["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(b["expires_on"], c.exp.to_string());
    assert_eq!(b["not_before"], c.nbf.to_string());
    let ei: u64 = b["expires_in"].as_str().unwrap().parse().unwrap();
    assert!((86_000..=86_700).contains(&ei));
}

#[test]
fn g08_managed_identity_jwt_claims() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"]]), meta())]));
    let w = World::build(&s).unwrap();
    let sys = w.resource_by_name("vm").unwrap().system_assigned.clone().unwrap();
    let c = claims_of(&run(&s));
    assert_eq!(c.exp - c.iat, 86_700);
    assert_eq!(c.iat, c.nbf);
    assert_eq!(c.ver, "1.0");
    assert_eq!(c.iss, format!("https://sts.windows.net/{TENANT}/"));
    assert_eq!(c.idtyp, "app");
    assert_eq!(c.appidacr, "2");
    assert_eq!(c.oid, c.sub);
    assert_eq!(c.oid, sys.principal_id);
    assert_eq!(c.appid, sys.client_id);
    assert_eq!(c.tid, TENANT);
}

#[test]
fn g09_second_call_returns_the_same_token_with_less_time_left() {
    let q = json!([["api-version", "2018-02-01"], ["resource", "https://vault.azure.net"]]);
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(q.clone(), meta()), {"action": "advanceClock", "duration": "10m"}, imds(q, meta())]));
    let t = run(&s);
    let rs: Vec<_> = responses(&t).into_iter().filter(|r| r.status == 200).collect();
    let a: Value = serde_json::from_str(body(rs[0])).unwrap();
    let b: Value = serde_json::from_str(body(rs[1])).unwrap();
    assert_eq!(a["access_token"], b["access_token"]);
    let ai: u64 = a["expires_in"].as_str().unwrap().parse().unwrap();
    let bi: u64 = b["expires_in"].as_str().unwrap().parse().unwrap();
    assert_eq!(ai - bi, 600);
    assert_eq!(t.steps.iter().filter(|s| s.label.starts_with("token request")).count(), 1, "Entra ID contacted once");
}

#[test]
fn g10_audience_is_exactly_the_requested_resource() {
    for res in ["https://vault.azure.net", "https://management.azure.com/", "https://storage.azure.com/"] {
        let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", res]]), meta())]));
        assert_eq!(claims_of(&run(&s)).aud, res);
    }
}

#[test]
fn g11_burst_beyond_the_limits_gets_429() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "tokenRequest", "host": "vm", "query": [["api-version", "2018-02-01"], ["resource", "https://vault.azure.net"]], "headers": [["Metadata", "true"]], "repeat": 25}]));
    let t = run(&s);
    let label = &t.steps.last().unwrap().label;
    assert!(label.contains("× 429"), "{label}");
    assert!(label.contains("5 × 200"), "{label}");
    // 21 sequential requests in one second: the 21st is throttled.
    let one = imds(json!([["api-version", "2018-02-01"], ["resource", "https://vault.azure.net"]]), meta());
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), Value::Array(vec![one; 21]));
    let t = run(&s);
    assert_eq!(last(&t).status, 429);
    assert_eq!(responses(&t).iter().filter(|r| r.status == 200).count(), 20);
}

#[test]
fn g12_x_forwarded_for_is_rejected_even_with_metadata() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "https://vault.azure.net"]]), json!([["Metadata", "true"], ["X-Forwarded-For", "203.0.113.7"]]))]));
    let t = run(&s);
    assert_eq!(last(&t).status, 400);
    assert_eq!(t.steps.last().unwrap().fidelity, mi_playground::model::Fidelity::Modelled, "status/body are [U]: labelled modelled");
}

#[test]
fn g13_identity_info_returns_the_tenant() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "tokenRequest", "host": "vm", "path": "/metadata/identity/info", "query": [["api-version", "2023-07-01"]], "headers": [["Metadata", "true"]]}]));
    assert_eq!(body(last(&run(&s))), format!(r#"{{"tenantId":"{TENANT}"}}"#));
}

fn app_service(identity: Value) -> Value {
    json!({"type": "Microsoft.Web/sites", "name": "app", "resourceGroup": "rg", "identity": identity, "properties": {"kind": "functionapp"}, "app": {"credential": "ManagedIdentityCredential"}})
}

#[test]
fn g14_app_service_success_has_epoch_string_and_no_expires_in() {
    let s = scenario(json!([app_service(json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "tokenRequest", "host": "app", "query": [["resource", "https://vault.azure.net"], ["api-version", "2019-08-01"]], "headers": [["X-IDENTITY-HEADER", "$IDENTITY_HEADER"]]}]));
    let t = run(&s);
    let b = success_body(&t);
    assert!(!b.contains_key("expires_in"));
    assert!(b["expires_on"].as_str().unwrap().parse::<u64>().is_ok());
    assert_eq!(b["resource"], "https://vault.azure.net");
    assert_eq!(b["token_type"], "Bearer");
    assert!(b["client_id"].is_string());
    let keys: Vec<&String> = b.keys().collect();
    assert_eq!(keys, ["access_token", "expires_on", "resource", "token_type", "client_id"], "the documented order (fact sheet §2)");
}

#[test]
fn g15_app_service_unattached_client_id_is_unable_to_load() {
    let s = scenario(json!([uami("u9"), app_service(json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "tokenRequest", "host": "app", "query": [["resource", "https://vault.azure.net"], ["api-version", "2019-08-01"], ["client_id", "$clientId:u9"]], "headers": [["X-IDENTITY-HEADER", "$IDENTITY_HEADER"]]}]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 400);
    let v: Value = serde_json::from_str(body(r)).unwrap();
    assert_eq!(v["statusCode"], 400);
    assert_eq!(v["message"], "Unable to load the proper Managed Identity.");
    assert!(v["correlationId"].is_string());
    assert_eq!(r.header_value("Server"), Some("Kestrel"));
}

#[test]
fn g16_app_service_2017_uses_secret_header_and_date_string() {
    let s = scenario(json!([app_service(json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "tokenRequest", "host": "app", "query": [["resource", "https://vault.azure.net"], ["api-version", "2017-09-01"]], "headers": [["secret", "$IDENTITY_HEADER"]]}]));
    let b = success_body(&run(&s));
    let e = b["expires_on"].as_str().unwrap();
    assert!(e.contains('/') && e.contains(':'), "date-time string, not epoch: {e}");
}

/// Check 16, by OS: the legacy `expires_on` text is the plan's OS's own date-time form
/// (azure-sdk-for-python PR #9480: Windows with AM/PM, Linux 24-hour and zero-padded),
/// and both name the JWT's `exp`.
#[test]
fn g16_app_service_2017_expires_on_text_depends_on_the_os() {
    for (os, want) in [(None, "1/16/2026 9:00:00 AM +00:00"), (Some("windows"), "1/16/2026 9:00:00 AM +00:00"), (Some("linux"), "01/16/2026 09:00:00 +00:00")] {
        let mut site = app_service(json!({"type": "SystemAssigned"}));
        if let Some(os) = os {
            site["properties"]["os"] = os.into();
        }
        let s = scenario(json!([site]), json!([]), json!([{"action": "tokenRequest", "host": "app", "query": [["resource", "https://vault.azure.net"], ["api-version", "2017-09-01"]], "headers": [["secret", "$IDENTITY_HEADER"]]}]));
        let b = success_body(&run(&s));
        assert_eq!(b["expires_on"], want, "os {os:?}");
        let exp = token::decode_claims(b["access_token"].as_str().unwrap()).unwrap().exp;
        assert_eq!(exp, 1_768_554_000, "2026-01-16T09:00:00Z");
        // The current api-version is the same on both: an epoch string.
        let mut site = app_service(json!({"type": "SystemAssigned"}));
        site["properties"]["os"] = os.unwrap_or("windows").into();
        let s = scenario(json!([site]), json!([]), json!([{"action": "tokenRequest", "host": "app", "query": [["resource", "https://vault.azure.net"], ["api-version", "2019-08-01"]], "headers": [["X-IDENTITY-HEADER", "$IDENTITY_HEADER"]]}]));
        assert_eq!(success_body(&run(&s))["expires_on"], "1768554000");
    }
}

fn arc(identity: Value, app: Value) -> Value {
    json!({"type": "Microsoft.HybridCompute/machines", "name": "arc", "resourceGroup": "rg", "identity": identity, "app": app})
}

#[test]
fn g17_arc_challenge_then_basic_auth() {
    let s = scenario(json!([arc(json!({"type": "SystemAssigned"}), json!({"credential": "ManagedIdentityCredential"}))]), json!([]), json!([{"action": "getToken", "host": "arc", "resource": "https://management.azure.com/"}]));
    let t = run(&s);
    let rs = responses(&t);
    assert_eq!(rs[0].status, 401);
    let realm = rs[0].header_value("WWW-Authenticate").unwrap();
    assert!(realm.starts_with("Basic realm=/var/opt/azcmagent/tokens/") && realm.ends_with(".key"), "{realm}");
    let second = t.steps.iter().filter_map(|s| if let Message::Request(r) = &s.message { Some(r) } else { None }).nth(1).unwrap();
    assert!(second.header_value("Authorization").unwrap().starts_with("Basic "));
    assert_eq!(rs[1].status, 200);
    assert!(success_body(&t).contains_key("expires_in"));
}

/// Golden check 18, per SDK. .NET refuses a user-assigned identity on Arc before any
/// request (MSAL.NET 4.83 ManagedIdentity/AzureArcManagedIdentitySource.cs:67, wrapped in
/// AuthenticationFailedException). Python (msal 1.39 managed_identity.py:807-860, azure-identity
/// 1.27) and JavaScript (@azure/msal-node 7.2.3 AzureArc.mjs `createRequest`) send it as
/// `client_id`: HIMDS challenges, then answers with the system-assigned identity's token,
/// and MSAL fails closed because its selector is not echoed (managed_identity.py:781-805,
/// `validateUserAssignedIdentityWasHonored`): Python ClientAuthenticationError, JavaScript
/// CredentialUnavailableError (managedIdentityCredential/index.js, getToken's catch).
#[test]
fn g18_arc_with_user_assigned_per_sdk() {
    for (sdk, statuses, raised) in [("dotnet", &[][..], "AuthenticationFailedException"), ("python", &[401, 200][..], "ClientAuthenticationError"), ("js", &[401, 200][..], "CredentialUnavailableError")] {
        let s = scenario(json!([uami("u1"), arc(json!({"type": "SystemAssigned"}), json!({"credential": "ManagedIdentityCredential", "managedIdentity": "u1", "sdk": sdk}))]), json!([]), json!([{"action": "getToken", "host": "arc", "resource": "https://management.azure.com/"}]));
        let t = run(&s);
        assert_eq!(responses(&t).iter().map(|r| r.status).collect::<Vec<_>>(), statuses, "{sdk}");
        let w = World::build(&s).unwrap();
        let cid = w.find_uami("u1").unwrap().client_id;
        for r in t.steps.iter().filter_map(|s| if let Message::Request(r) = &s.message { Some(r) } else { None }) {
            assert!(r.url.contains(&format!("client_id={cid}")), "{sdk}: the selector is sent: {}", r.url);
        }
        let end = t.steps.last().unwrap();
        assert_eq!(end.kind, StepKind::Credential(CredentialFailure::Raised), "{sdk}");
        assert!(t.to_text().contains(raised), "{sdk} raises {raised}");
    }
}

/// Cloud Shell (MSI_ENDPOINT without MSI_SECRET): `POST http://localhost:50342/oauth2/token`
/// with form `resource=…` and `Metadata: true` answers with the signed-in user's delegated
/// token, not an app token; Key Vault then authorizes the user's own role.
#[test]
fn g19_cloud_shell_posts_the_form_and_gets_the_users_delegated_token() {
    let doc = json!({
        "version": 1, "name": "golden", "seed": 7, "startTime": "2026-01-15T09:00:00Z",
        "world": {
            "tenant": {"tenantId": TENANT, "domain": "contoso.onmicrosoft.com"},
            "subscriptions": [{"name": "sub", "subscriptionId": SUB, "resourceGroups": [{"name": "rg"}]}],
            "users": [{"name": "alice"}],
            "laptops": [{"name": "shell", "cloudShell": "alice", "app": {"sdk": "python", "credential": "ManagedIdentityCredential"}}],
            "resources": [kv("kv", true)],
            "roleAssignments": [{"principalId": "alice", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv"}],
            "settings": {"rbacPropagation": "0s"}
        },
        "script": [{"action": "getToken", "host": "shell", "resource": "https://management.azure.com/"}, {"action": "getSecret", "host": "shell", "vault": "kv", "secret": "s"}]
    });
    let t = run(&Scenario::from_json(&doc.to_string()).unwrap());
    let req = t.steps.iter().find_map(|s| match &s.message { Message::Request(r) if r.url.starts_with("http://localhost:50342") => Some(r), _ => None }).expect("a request to the Cloud Shell endpoint");
    assert_eq!((req.method.as_str(), req.url.as_str()), ("POST", "http://localhost:50342/oauth2/token"));
    assert_eq!(req.header_value("Metadata"), Some("true"));
    assert_eq!(req.header_value("Content-Type"), Some("application/x-www-form-urlencoded"));
    // The code asks for the scope https://management.azure.com/.default; the SDK cuts
    // `/.default`, so the form carries the resource without its trailing slash.
    assert_eq!(req.body.as_deref(), Some("resource=https%3A%2F%2Fmanagement.azure.com"));
    let r = responses(&t)[0];
    assert_eq!(r.status, 200);
    let b: Value = serde_json::from_str(body(r)).unwrap();
    let c = token::decode_claims(b["access_token"].as_str().unwrap()).unwrap();
    assert_eq!((c.idtyp.as_str(), c.upn.as_deref(), c.scp.as_deref()), ("user", Some("alice@contoso.onmicrosoft.com"), Some("user_impersonation")), "a delegated user token");
    assert_eq!(c.aud, "https://management.azure.com");
    assert!(c.xms_mirid.is_empty() && c.appidacr == "0", "no managed identity behind it");
    let world = World::build(&Scenario::from_json(&doc.to_string()).unwrap()).unwrap();
    assert_eq!(Some(c.oid.as_str()), world.resolve_principal("alice").as_deref(), "oid is the user's");
    let last = last(&t);
    assert_eq!(last.status, 200, "the user's own Key Vault Secrets User role allows the read");
}

#[test]
fn g20_key_vault_challenge_without_token() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true)]), json!([]), json!([{"action": "getSecret", "host": "vm", "vault": "kv", "secret": "s", "auth": "none"}]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 401);
    assert_eq!(r.header_value("WWW-Authenticate").unwrap(), format!("Bearer authorization=\"https://login.windows.net/{TENANT}\", resource=\"https://vault.azure.net\""));
    assert_eq!(body(r), r#"{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}"#);
}

fn get_secret() -> Value {
    json!({"action": "getSecret", "host": "vm", "vault": "kv", "secret": "s"})
}

#[test]
fn g21_rbac_vault_without_role_is_forbidden_by_rbac() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true)]), json!([]), json!([get_secret()]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 403);
    let v: Value = serde_json::from_str(body(r)).unwrap();
    assert_eq!(v["error"]["code"], "Forbidden");
    assert_eq!(v["error"]["innererror"]["code"], "ForbiddenByRbac");
    let m = v["error"]["message"].as_str().unwrap();
    assert!(m.starts_with("Caller is not authorized to perform action on resource."));
    assert!(m.contains("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'"));
    assert!(m.contains("Assignment: (not found)"));
    let d = t.steps.last().unwrap().decision.clone().unwrap();
    assert!(!d.allowed);
    assert!(d.fix.unwrap().contains("Key Vault Secrets User"), "the explanation names the missing role");
}

#[test]
fn g22_secrets_user_at_vault_rg_or_subscription_reads_the_secret() {
    for scope in ["kv", "rg", "sub"] {
        let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true)]), json!([{"principalId": "vm", "roleDefinitionId": "Key Vault Secrets User", "scope": scope}]), json!([get_secret()]));
        let t = run(&s);
        let r = last(&t);
        assert_eq!(r.status, 200, "scope {scope}");
        let v: Value = serde_json::from_str(body(r)).unwrap();
        assert_eq!(v["value"], "v");
        assert!(v["id"].as_str().unwrap().starts_with("https://kv.vault.azure.net/secrets/s/"));
        assert_eq!(v["attributes"]["enabled"], true);
        assert!(v["attributes"]["recoveryLevel"].is_string());
    }
}

#[test]
fn g23_owner_or_contributor_is_not_a_data_role() {
    for role in ["Owner", "Contributor"] {
        let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true)]), json!([{"principalId": "vm", "roleDefinitionId": role, "scope": "kv"}]), json!([get_secret()]));
        let t = run(&s);
        assert_eq!(last(&t).status, 403, "{role}");
        assert!(body(last(&t)).contains("ForbiddenByRbac"));
        let d = t.steps.last().unwrap().decision.clone().unwrap();
        assert!(d.reasons.iter().any(|r| r.contains("never include data actions")), "{:?}", d.reasons);
    }
}

#[test]
fn g24_access_policy_vault_without_get_is_access_denied() {
    let mut v = kv("kv", false);
    v["properties"]["accessPolicies"] = json!([{"objectId": "vm", "secrets": ["list"]}]);
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), v]), json!([{"principalId": "vm", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv"}]), json!([get_secret()]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 403);
    let b: Value = serde_json::from_str(body(r)).unwrap();
    assert_eq!(b["error"]["innererror"]["code"], "AccessDenied");
    let m = b["error"]["message"].as_str().unwrap();
    assert!(m.starts_with("The user, group or application 'appid="));
    assert!(m.contains(&format!(";iss=https://sts.windows.net/{TENANT}/' does not have secrets get permission on key vault 'kv;location=westeurope'")));
}

fn storage() -> Value {
    json!({"type": "Microsoft.Storage/storageAccounts", "name": "st", "resourceGroup": "rg", "properties": {"containers": [{"name": "c", "blobs": [{"name": "b.txt", "content": "hello"}]}]}})
}

fn blob(method: &str, version: Value) -> Value {
    json!({"action": "blobRequest", "host": "vm", "method": method, "account": "st", "container": "c", "blob": "b.txt", "xMsVersion": version})
}

#[test]
fn g25_blob_without_x_ms_version_is_authentication_failed() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), storage()]), json!([{"principalId": "vm", "roleDefinitionId": "Storage Blob Data Reader", "scope": "st"}]), json!([blob("GET", Value::Null)]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 403);
    assert!(body(r).contains("<Code>AuthenticationFailed</Code>"));
    assert!(body(r).contains("<AuthenticationErrorDetail>Authentication scheme Bearer is not supported in this version.</AuthenticationErrorDetail>"));
}

#[test]
fn g26_control_plane_roles_get_permission_mismatch() {
    for role in ["Reader", "Contributor", "Owner"] {
        let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), storage()]), json!([{"principalId": "vm", "roleDefinitionId": role, "scope": "st"}]), json!([blob("GET", json!("2019-12-12"))]));
        let t = run(&s);
        let r = last(&t);
        assert_eq!(r.status, 403, "{role}");
        assert!(body(r).contains("<Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.\nRequestId:"));
        assert_eq!(r.header_value("x-ms-error-code"), Some("AuthorizationPermissionMismatch"));
    }
}

#[test]
fn g27_blob_data_reader_reads_but_cannot_write() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), storage()]), json!([{"principalId": "vm", "roleDefinitionId": "Storage Blob Data Reader", "scope": "st"}]), json!([blob("GET", json!("2019-12-12")), blob("PUT", json!("2019-12-12"))]));
    let t = run(&s);
    let rs: Vec<u16> = responses(&t).iter().map(|r| r.status).collect();
    assert!(rs.contains(&200));
    assert_eq!(*rs.last().unwrap(), 403);
    assert!(body(last(&t)).contains("AuthorizationPermissionMismatch"));
}

#[test]
fn g28_expired_or_wrong_audience_token_at_storage_is_401() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), storage()]), json!([{"principalId": "vm", "roleDefinitionId": "Storage Blob Data Reader", "scope": "st"}]), json!([{"action": "blobRequest", "host": "vm", "account": "st", "container": "c", "blob": "b.txt", "auth": "https://vault.azure.net"}]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 401);
    assert!(body(r).contains("<Code>InvalidAuthenticationInfo</Code>"));
    assert!(body(r).contains("Audience validation failed. Audience did not match."));
    assert_eq!(r.header_value("WWW-Authenticate").unwrap(), format!("Bearer authorization_uri=https://login.microsoftonline.com/{TENANT}/oauth2/authorize resource_id=https://storage.azure.com"));
    // Expired: a token fetched, the clock moved past exp + 5 min skew, and the same token
    // replayed as it was (code that keeps a token instead of asking its credential).
    let replay = {
        let mut b = blob("GET", json!("2021-08-06"));
        b["token"] = json!({"replay": "last"});
        b
    };
    let sc = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), storage()]), json!([{"principalId": "vm", "roleDefinitionId": "Storage Blob Data Reader", "scope": "st"}]), json!([blob("GET", json!("2021-08-06")), {"action": "advanceClock", "duration": "25h"}, replay]));
    let t = run(&sc);
    let r = last(&t);
    assert_eq!(r.status, 401);
    assert!(body(r).contains("Lifetime validation failed. The token is expired."));
}

#[test]
fn g29_arm_rejects_a_vault_token() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "armRequest", "host": "vm", "target": "vm", "auth": "https://vault.azure.net"}]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 401);
    assert_eq!(body(r), r#"{"error":{"code":"InvalidAuthenticationTokenAudience","message":"The access token has been obtained for wrong audience or resource 'https://vault.azure.net'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."}}"#);
}

#[test]
fn g30_arm_write_without_permission_is_authorization_failed() {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([{"principalId": "vm", "roleDefinitionId": "Reader", "scope": "rg"}]), json!([{"action": "armRequest", "host": "vm", "method": "PUT", "target": "vm"}]));
    let t = run(&s);
    let r = last(&t);
    assert_eq!(r.status, 403);
    let c = claims_of(&t);
    let want = format!(
        "{{\"error\":{{\"code\":\"AuthorizationFailed\",\"message\":\"The client '{0}' with object id '{0}' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/write' over scope '/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm' or the scope is invalid. If access was recently granted, please refresh your credentials.\"}}}}",
        c.oid
    );
    assert_eq!(body(r), want);
}

fn rbac_check(role_assignments: Value, principal: &str, action: &str, scope_name: &str, data: bool) -> bool {
    let s = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true), json!({"type": "Microsoft.KeyVault/vaults", "name": "kv2", "resourceGroup": "rg2"})]), role_assignments, json!([]));
    let w = World::build(&s).unwrap();
    let pid = w.resolve_principal(principal).unwrap();
    let scope = w.resolve_scope(scope_name).unwrap();
    let req = mi_playground::model::rbac::AccessRequest { principal_id: &pid, groups: &[], action, data, scope: &scope, now: w.now };
    w.rbac.check(&req, principal).allowed
}

#[test]
fn g31_contributor_cannot_write_role_assignments() {
    assert!(!rbac_check(json!([{"principalId": "bob", "roleDefinitionId": "Contributor", "scope": "sub"}]), "bob", "Microsoft.Authorization/roleAssignments/write", "rg", false));
    assert!(rbac_check(json!([{"principalId": "bob", "roleDefinitionId": "Contributor", "scope": "sub"}]), "bob", "Microsoft.Compute/virtualMachines/write", "vm", false));
}

#[test]
fn g32_assignments_are_additive() {
    let ra = json!([{"principalId": "bob", "roleDefinitionId": "Reader", "scope": "rg"}, {"principalId": "bob", "roleDefinitionId": "Contributor", "scope": "sub"}]);
    assert!(rbac_check(ra, "bob", "Microsoft.KeyVault/vaults/write", "kv", false));
}

#[test]
fn g33_not_actions_are_not_deny() {
    let s_roles = json!([{"principalId": "bob", "roleDefinitionId": "Contributor", "scope": "sub"}, {"principalId": "bob", "roleDefinitionId": "User Access Administrator", "scope": "sub"}]);
    assert!(rbac_check(s_roles, "bob", "Microsoft.Authorization/roleAssignments/write", "rg", false));
}

#[test]
fn g34_deny_assignment_beats_owner() {
    let mut doc: Value = serde_json::from_str(&scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([{"principalId": "vm", "roleDefinitionId": "Owner", "scope": "sub"}]), json!([])).to_json()).unwrap();
    doc["world"]["denyAssignments"] = json!([{"denyAssignmentName": "stack-protect", "permissions": [{"actions": ["*/delete"]}], "scope": "rg", "principals": ["vm"]}]);
    let w = World::build(&Scenario::from_json(&doc.to_string()).unwrap()).unwrap();
    let pid = w.resolve_principal("vm").unwrap();
    let scope = w.resolve_scope("vm").unwrap();
    let mk = |action: &'static str| mi_playground::model::rbac::AccessRequest { principal_id: &pid, groups: &[], action, data: false, scope: &scope, now: w.now };
    let d = w.rbac.check(&mk("Microsoft.Compute/virtualMachines/delete"), "vm");
    assert!(!d.allowed);
    assert!(d.summary.contains("deny assignment"));
    assert!(w.rbac.check(&mk("Microsoft.Compute/virtualMachines/write"), "vm").allowed);
}

#[test]
fn g35_scope_inheritance_stops_at_siblings() {
    let at_rg = json!([{"principalId": "bob", "roleDefinitionId": "Key Vault Secrets User", "scope": "rg"}]);
    assert!(rbac_check(at_rg.clone(), "bob", "Microsoft.KeyVault/vaults/secrets/getSecret/action", "kv", true));
    assert!(!rbac_check(at_rg, "bob", "Microsoft.KeyVault/vaults/secrets/getSecret/action", "kv2", true));
    let at_sub = json!([{"principalId": "bob", "roleDefinitionId": "Key Vault Secrets User", "scope": "sub"}]);
    assert!(rbac_check(at_sub.clone(), "bob", "Microsoft.KeyVault/vaults/secrets/getSecret/action", "kv", true));
    assert!(rbac_check(at_sub, "bob", "Microsoft.KeyVault/vaults/secrets/getSecret/action", "kv2", true));
}

#[test]
fn g36_a_new_role_assignment_needs_time_to_propagate() {
    let mut sc = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true)]), json!([]), json!([
        {"action": "createRoleAssignment", "by": "alice", "principalId": "vm", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv"},
        get_secret(),
        {"action": "advanceClock", "duration": "10m"},
        get_secret()
    ]));
    sc.world.settings.rbac_propagation = mi_playground::model::time::Duration::from_secs(600);
    let t = run(&sc);
    let kv: Vec<&str> = t.steps.iter().map(|s| s.label.as_str()).filter(|l| *l == "403 ForbiddenByRbac" || *l == "200 secret value").collect();
    assert_eq!(kv, ["403 ForbiddenByRbac", "200 secret value"]);
    let denied = t.steps.iter().find(|s| s.label == "403 ForbiddenByRbac").unwrap();
    assert_eq!(denied.decision.as_ref().unwrap().summary, "Role assignment not yet propagated");
}

#[test]
fn g37_group_membership_waits_for_a_new_token() {
    let sc = scenario_with(
        json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true)]),
        json!([{"principalId": "kv-readers", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv"}]),
        json!([{"name": "kv-readers"}]),
        json!([
            {"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"},
            {"action": "addGroupMember", "by": "alice", "group": "kv-readers", "member": "vm"},
            get_secret(),
            {"action": "advanceClock", "duration": "13h"},
            get_secret(),
            {"action": "advanceClock", "duration": "12h"},
            get_secret()
        ]),
    );
    let t = run(&sc);
    let kv_statuses: Vec<u16> = t.steps.iter().filter(|s| s.label.starts_with("403") || s.label.starts_with("200 secret")).map(|s| if s.label.starts_with("403") { 403 } else { 200 }).collect();
    assert_eq!(kv_statuses, [403, 403, 200], "cached token (SDK, then IMDS for ~24 h) lacks the group claim");
}

#[test]
fn g38_deleting_the_vm_deletes_its_identity_and_orphans_assignments() {
    let sc = scenario(json!([vm("vm", json!({"type": "SystemAssigned"})), kv("kv", true)]), json!([{"principalId": "vm", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv"}]), json!([{"action": "deleteResource", "by": "alice", "resource": "vm"}]));
    let mut w = World::build(&sc).unwrap();
    let pid = w.resolve_principal("vm").unwrap();
    let before = w.directory.managed_identity_count();
    w.apply(&sc.script[0]).unwrap();
    assert_eq!(w.directory.managed_identity_count(), before - 1);
    assert!(w.directory.get(&pid).is_none());
    assert_eq!(w.rbac.assignments_of(&pid).count(), 1, "role assignment stays behind");
    assert_eq!(w.principal_label(&pid), format!("unknown principal {pid}"));
}

#[test]
fn g39_deleted_user_assigned_identity_gets_no_new_token_but_old_ones_work() {
    let sc = scenario(json!([uami("u1"), vm("vm", json!({"type": "UserAssigned", "userAssignedIdentities": {"u1": {}}}))]), json!([{"principalId": "u1", "roleDefinitionId": "Reader", "scope": "rg"}]), json!([
        {"action": "armRequest", "host": "vm", "target": "vm"},
        {"action": "deleteUserAssignedIdentity", "by": "alice", "name": "u1"},
        {"action": "armRequest", "host": "vm", "target": "vm"},
        imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"], ["client_id", "$clientId:u1"]]), meta())
    ]));
    let t = run(&sc);
    let oks = t.steps.iter().filter(|s| s.label == "200 OK").count();
    assert_eq!(oks, 2, "the cached token still works with ARM after the identity is deleted");
    assert_eq!(body(last(&t)), r#"{"error":"invalid_request","error_description":"Identity not found"}"#);
}

#[test]
fn g40_msal_refreshes_at_half_life() {
    let sc = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"}]));
    let mut w = World::build(&sc).unwrap();
    let now = w.now;
    w.apply(&sc.script[0]).unwrap();
    let c = w.sdk_caches["vm"].values().next().unwrap().clone();
    let expires_in = c.expires_on.since(now);
    assert_eq!(c.refresh_on.since(now), expires_in / 2);
}

#[test]
fn g41_cached_token_means_no_network_until_refresh_is_due() {
    let gt = json!({"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"});
    let sc = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([gt.clone(), {"action": "advanceClock", "duration": "1h"}, gt.clone(), {"action": "advanceClock", "duration": "12h"}, gt]));
    let t = run(&sc);
    let requests = t.steps.iter().filter(|s| matches!(s.message, Message::Request(_))).count();
    assert_eq!(requests, 2, "first call and the half-life refresh; the 1 h call is served from cache");
    assert!(t.steps.iter().any(|s| s.label == "SDK cache hit"));
}

#[test]
fn g42_msal_dotnet_imds_retries() {
    let gt = json!({"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"});
    let sc = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "fault", "target": "imds", "host": "vm", "kind": "outage", "duration": "1h"}, gt.clone()]));
    let t = run(&sc);
    assert_eq!(t.steps.iter().filter(|s| matches!(s.message, Message::Request(_))).count(), 4);
    let waits: Vec<&str> = t.steps.iter().filter(|s| s.label.starts_with("retry")).map(|s| s.label.as_str()).collect();
    assert_eq!(waits, ["retry 1 in 1s", "retry 2 in 2s", "retry 3 in 4s"]);
    let sc = scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "fault", "target": "imds", "host": "vm", "kind": "updating", "duration": "1h"}, gt.clone()]));
    let t = run(&sc);
    let waits: Vec<&str> = t.steps.iter().filter(|s| s.label.starts_with("retry")).map(|s| s.label.as_str()).collect();
    assert_eq!(waits.len(), 7);
    assert!(waits.iter().all(|w| w.ends_with("in 10s")));
    let sc = scenario(json!([vm("vm", json!({"type": "None"}))]), json!([]), json!([gt]));
    let t = run(&sc);
    assert_eq!(t.steps.iter().filter(|s| matches!(s.message, Message::Request(_))).count(), 1, "a 400 is not retried");
}

#[test]
fn g43_default_credential_on_a_laptop_moves_past_managed_identity() {
    let mut doc: Value = serde_json::from_str(&scenario(json!([kv("kv", true)]), json!([{"principalId": "bob", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv"}]), json!([{"action": "getSecret", "host": "laptop", "vault": "kv", "secret": "s"}])).to_json()).unwrap();
    doc["world"]["laptops"] = json!([{"name": "laptop", "azCliUser": "bob"}]);
    let t = run(&Scenario::from_json(&doc.to_string()).unwrap());
    let probe = t.steps.iter().find(|s| s.label.starts_with("probe IMDS")).expect("probe step");
    assert_eq!(probe.outcome, Outcome::Failure);
    assert!(t.steps.iter().any(|s| s.label == "az account get-access-token"));
    assert_eq!(last(&t).status, 200, "bob's own role lets the laptop read the secret");
    assert_eq!(claims_of(&t).idtyp, "user");
}

#[test]
fn g44_credential_source_follows_the_environment() {
    let sc = scenario(json!([app_service(json!({"type": "SystemAssigned"}))]), json!([]), json!([{"action": "getToken", "host": "app", "resource": "https://vault.azure.net"}]));
    let t = run(&sc);
    let req = t.steps.iter().find_map(|s| if let Message::Request(r) = &s.message { Some(r.clone()) } else { None }).unwrap();
    assert!(req.url.starts_with("http://localhost:4141/MSI/token?"), "App Service flow, no IMDS: {}", req.url);
    assert!(req.header_value("X-IDENTITY-HEADER").is_some());
    let sc = scenario(json!([arc(json!({"type": "SystemAssigned"}), json!({"credential": "ManagedIdentityCredential", "sdk": "python"}))]), json!([]), json!([{"action": "getToken", "host": "arc", "resource": "https://vault.azure.net"}]));
    let t = run(&sc);
    let req = t.steps.iter().find_map(|s| if let Message::Request(r) = &s.message { Some(r.clone()) } else { None }).unwrap();
    assert!(req.url.starts_with("http://localhost:40342/metadata/identity/oauth2/token?"), "Arc flow: {}", req.url);
}

#[test]
fn g45_patch_with_null_detaches_one_user_assigned_identity() {
    let sc = scenario(json!([uami("u1"), uami("u2"), vm("vm", json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {"u1": {}, "u2": {}}}))]), json!([]), json!([
        {"action": "patchIdentity", "by": "alice", "resource": "vm", "identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {"u2": null}}},
        imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"], ["client_id", "$clientId:u2"]]), meta()),
        imds(json!([["api-version", "2018-02-01"], ["resource", "https://management.azure.com/"], ["client_id", "$clientId:u1"]]), meta())
    ]));
    let t = run(&sc);
    let arm = responses(&t)[0];
    let v: Value = serde_json::from_str(body(arm)).unwrap();
    assert_eq!(v["identity"]["type"], "SystemAssigned, UserAssigned");
    assert_eq!(v["identity"]["userAssignedIdentities"].as_object().unwrap().len(), 1);
    let rs = responses(&t);
    assert_eq!(body(rs[1]), r#"{"error":"invalid_request","error_description":"Identity not found"}"#);
    assert_eq!(rs[2].status, 200);
}

#[test]
fn directory_app_registration_versus_managed_identity() {
    let mut doc: Value = serde_json::from_str(&scenario(json!([vm("vm", json!({"type": "SystemAssigned"}))]), json!([]), json!([imds(json!([["api-version", "2018-02-01"], ["resource", "api://orders-api"]]), meta())])).to_json()).unwrap();
    doc["world"]["appRegistrations"] = json!([{"name": "orders-api", "identifierUri": "api://orders-api", "appRoles": ["Orders.Read", "Orders.Write"], "appRoleAssignments": [{"principalId": "vm", "role": "Orders.Read"}]}]);
    let sc = Scenario::from_json(&doc.to_string()).unwrap();
    assert_eq!(sc, serde_json::from_str::<Scenario>(&doc.to_string()).unwrap(), "the wasm decoder and serde agree");
    let w = World::build(&sc).unwrap();
    use mi_playground::model::directory::PrincipalKind;
    let apps: Vec<_> = w.directory.objects.values().filter(|p| matches!(p.kind, PrincipalKind::Application { .. })).collect();
    assert_eq!(apps.len(), 1, "the app registration has an application object; the managed identity has none");
    assert_eq!(apps[0].display_name, "orders-api");
    assert_eq!(w.directory.managed_identity_count(), 1, "the app's service principal is not a managed identity");
    let t = run(&sc);
    assert_eq!(last(&t).status, 200, "a token for the API's App ID URI");
    let c = claims_of(&t);
    assert_eq!(c.aud, "api://orders-api");
    assert_eq!(c.roles, ["Orders.Read"], "granted app roles travel in `roles`");
    let mut bad = doc.clone();
    bad["world"]["appRegistrations"][0]["appRoleAssignments"][0]["role"] = json!("Orders.Delete");
    let l = mi_playground::model::scenario::load(&bad.to_string());
    assert!(l.diagnostics.iter().any(|d| d.message.contains("is not one of the app roles")), "{:?}", l.diagnostics);
}

/// What the code sees when the credential gives up is each SDK's own exception: a VM
/// with no identity (IMDS: 400), then the chain on a laptop with nothing signed in.
#[test]
fn each_sdk_raises_its_own_exception() {
    // .NET: MSAL.NET's 400 (MsalServiceException) becomes AuthenticationFailedException.
    for (sdk, unavailable) in [("dotnet", "AuthenticationFailedException"), ("python", "CredentialUnavailableError"), ("js", "CredentialUnavailableError")] {
        let mut host = vm("vm", json!({"type": "None"}));
        host["app"]["sdk"] = json!(sdk);
        let s = scenario(json!([host]), json!([]), json!([{"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"}]));
        let text = run(&s).to_text();
        assert!(text.contains(&format!("{unavailable} after 1 attempt(s)")), "{sdk}: {text}");
    }
}
