//! Cases from the field (`../shared/cases/`, README there): scenarios built from public
//! reports of how real Azure behaved, each kept in `tests/cases/field/` once the model
//! answers as the real service does, with that answer asserted here. Every file in the
//! folder must have an entry (a case without its expected behaviour is not a test).

use mi_playground::model::verify::CheckKind;
use mi_playground::model::{simulate, Message, Scenario, StepKind, Trace};
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
        // Storage documents account-scoped resource IDs beside https://storage.azure.com/:
        // Entra ID issues a token for https://stdata01.blob.core.windows.net (with or without
        // the slash) and, with Storage Blob Data Reader, both reads answer 200.
        "storage-account-audience.json" => |t| {
            let r = responses(t);
            assert!(t.steps.iter().all(|s| !matches!(s.kind, StepKind::IssueRefused | StepKind::TokenRefused(_))), "{r:?}");
            assert_eq!(t.steps.iter().filter(|s| matches!(s.kind, StepKind::TokenIssued) && s.jwt.is_some() && matches!(s.message, Message::Internal { .. })).count(), 2, "a token per audience form: {r:?}");
            assert_eq!(r.last().map(|x| x.0), Some(200), "{r:?}");
            assert_eq!(r.iter().filter(|x| x.0 >= 400).count(), 0, "{r:?}");
        },
        // Entra compares the issuer as an exact string: the credential lacks the slash the
        // cluster's issuer has, so no record has the presented issuer (401 invalid_client,
        // AADSTS700211 naming the presented issuer).
        "wi-issuer-trailing-slash.json" => |t| {
            let body = federation_refusal(t);
            assert!(body.contains(r#""error":"invalid_client""#) && body.contains("AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://westeurope.oic.prod-aks.azure.com/11111111-1111-4111-8111-111111111111/22222222-2222-4222-8222-222222222222/'"), "{body}");
        },
        // The credential's subject differs from the pod's only in case: 401 invalid_client
        // with AADSTS7002138 (matches case-insensitively, not case-sensitively).
        "wi-subject-case.json" => |t| {
            let body = federation_refusal(t);
            assert!(body.contains(r#""error":"invalid_client""#) && body.contains("AADSTS7002138: No matching federated identity record found for presented assertion subject 'system:serviceaccount:payments:api'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison."), "{body}");
        },
        // The identity's service principal was created in the same second; without
        // principalType ARM looks it up in a directory replica that has not caught up:
        // 400 PrincipalNotFound, no assignment stored.
        "role-assignment-new-principal.json" => |t| {
            let r = responses(t);
            assert_eq!(r.last().map(|x| (x.0, x.1.as_str())), Some((400, "400 PrincipalNotFound")), "{r:?}");
            let last = t.steps.last().unwrap();
            assert!(matches!(&last.message, Message::Response(resp) if resp.body.as_deref().unwrap_or("").contains(r#""code":"PrincipalNotFound""#)));
            assert!(!t.steps.iter().any(|s| s.changes.iter().any(|c| c.area == "rbac")), "nothing assigned");
        },
        // The identity lives in tenant 1111…, the vault's subscription trusts 4444…: Key
        // Vault refuses the token at the issuer check, 401 AKV10032 naming the issuers it
        // expected and the one it found (before any access policy is read).
        "kv-cross-tenant.json" => |t| {
            let r = t.steps.iter().rev().find_map(|s| match &s.message { Message::Response(r) => Some((s.kind.clone(), r.clone())), _ => None }).unwrap();
            assert_eq!(r.0, StepKind::TokenRefused(CheckKind::Issuer));
            assert_eq!(r.1.status, 401);
            let body = r.1.body.clone().unwrap_or_default();
            assert!(body.contains("AKV10032: Invalid issuer. Expected one of https://sts.windows.net/44444444-4444-4444-8444-444444444444/, https://login.microsoftonline.com/44444444-4444-4444-8444-444444444444/v2.0, found https://sts.windows.net/11111111-1111-4111-8111-111111111111/."), "{body}");
            assert!(r.1.header_value("WWW-Authenticate").is_some_and(|w| w.contains("login.windows.net/44444444-4444-4444-8444-444444444444")), "the challenge names the vault's tenant");
            let tids: Vec<_> = t.steps.iter().filter_map(|s| s.jwt.as_deref()).filter_map(mi_playground::model::token::decode_claims).map(|c| c.tid).collect();
            assert!(!tids.is_empty() && tids.iter().all(|x| x == "11111111-1111-4111-8111-111111111111"), "{tids:?}");
        },
        _ => return None,
    })
}

/// The body of Entra ID's answer to a workload-identity exchange, which must be a 401.
fn federation_refusal(t: &Trace) -> String {
    let r = t.steps.iter().find_map(|s| match &s.message { Message::Response(r) if s.kind == StepKind::IssueRefused => Some(r.clone()), _ => None }).expect("Entra ID refuses the exchange");
    assert_eq!(r.status, 401);
    r.body.clone().unwrap_or_default()
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

/// A world where one VM's system-assigned identity may use a vault, two storage accounts, a
/// SQL database and ARM, and `action` (one script action) is its only step.
fn audience_world(action: &str) -> String {
    format!(r#"{{"version": 1, "name": "audience forms", "seed": 7, "startTime": "2026-03-10T09:00:00Z",
      "world": {{"subscriptions": [{{"name": "sub-a", "resourceGroups": [{{"name": "rg-app"}}]}}],
        "resources": [
          {{"type": "Microsoft.Compute/virtualMachines", "name": "vm-app", "resourceGroup": "rg-app", "identity": {{"type": "SystemAssigned"}}, "app": {{"sdk": "dotnet", "credential": "ManagedIdentityCredential"}}}},
          {{"type": "Microsoft.KeyVault/vaults", "name": "kv-app", "resourceGroup": "rg-app", "properties": {{"secrets": [{{"name": "s1", "value": "v1"}}]}}}},
          {{"type": "Microsoft.Storage/storageAccounts", "name": "stdata01", "resourceGroup": "rg-app", "properties": {{"containers": [{{"name": "c1", "blobs": [{{"name": "b1.txt", "content": "hello"}}]}}]}}}},
          {{"type": "Microsoft.Storage/storageAccounts", "name": "stother02", "resourceGroup": "rg-app"}},
          {{"type": "Microsoft.Sql/servers/databases", "name": "sqldb-app", "resourceGroup": "rg-app", "properties": {{"containedUsers": ["vm-app"]}}}}],
        "roleAssignments": [
          {{"principalId": "vm-app", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv-app"}},
          {{"principalId": "vm-app", "roleDefinitionId": "Storage Blob Data Reader", "scope": "rg-app"}},
          {{"principalId": "vm-app", "roleDefinitionId": "Reader", "scope": "rg-app"}}]}},
      "script": [{action}]}}"#)
}

/// Siblings of storage-account-audience: every audience form each resource server documents
/// is accepted (Key Vault with and without the slash, Storage's global and account forms,
/// ARM's four, SQL's two), and the forms it does not document are refused, by Entra ID
/// (AADSTS50001, an App ID URI no API has) or by the server (its audience check).
#[test]
fn every_documented_audience_form_is_accepted_and_no_other() {
    let kv = |a: &str| format!(r#"{{"action": "getSecret", "host": "vm-app", "vault": "kv-app", "secret": "s1", "auth": "{a}"}}"#);
    let blob = |a: &str| format!(r#"{{"action": "blobRequest", "host": "vm-app", "account": "stdata01", "container": "c1", "blob": "b1.txt", "auth": "{a}"}}"#);
    let arm = |a: &str| format!(r#"{{"action": "armRequest", "host": "vm-app", "target": "kv-app", "auth": "{a}"}}"#);
    let sql = |a: &str| format!(r#"{{"action": "sqlConnect", "host": "vm-app", "database": "sqldb-app", "auth": "{a}"}}"#);
    let accepted = [
        kv("https://vault.azure.net"), kv("https://vault.azure.net/"),
        blob("https://storage.azure.com"), blob("https://storage.azure.com/"), blob("https://stdata01.blob.core.windows.net"), blob("https://stdata01.blob.core.windows.net/"),
        arm("https://management.azure.com"), arm("https://management.azure.com/"), arm("https://management.core.windows.net"), arm("https://management.core.windows.net/"),
        sql("https://database.windows.net"), sql("https://database.windows.net/"),
    ];
    // (action, refused by the server's audience check rather than by Entra ID)
    let refused = [
        (kv("https://management.azure.com/"), true), (kv("https://vault.azure.com"), false),
        (blob("https://stother02.blob.core.windows.net"), true), (blob("https://stdata01.queue.core.windows.net/"), true), (blob("https://stdata01.blob.core.windows.net/c1"), false),
        (arm("https://vault.azure.net"), true), (arm("https://management.azure.com//"), true),
        (sql("https://sqldb-app.database.windows.net/"), false), (sql("https://storage.azure.com/"), true),
    ];
    for action in accepted {
        let t = simulate(&Scenario::from_json(&audience_world(&action)).unwrap()).unwrap();
        let bad: Vec<_> = t.steps.iter().filter(|s| matches!(s.kind, StepKind::IssueRefused | StepKind::TokenRefused(_) | StepKind::AccessDenied | StepKind::Credential(_))).map(|s| s.label.clone()).collect();
        assert!(bad.is_empty(), "{action}: {bad:?}");
        assert!(matches!(t.steps.last().map(|s| &s.kind), Some(StepKind::Answered)), "{action}: {:?}", t.steps.last().map(|s| &s.label));
    }
    for (action, by_server) in refused {
        let t = simulate(&Scenario::from_json(&audience_world(&action)).unwrap()).unwrap();
        let server = t.steps.iter().any(|s| s.kind == StepKind::TokenRefused(CheckKind::Audience));
        let entra = t.steps.iter().any(|s| s.kind == StepKind::IssueRefused);
        assert_eq!((server, entra), (by_server, !by_server), "{action}: {:?}", t.steps.iter().map(|s| &s.label).collect::<Vec<_>>());
    }
}

/// Siblings of the workload-identity cases: each part of the federated credential that
/// does not match the assertion gets its own current code, in Entra ID's order (issuer,
/// subject, audience); a credential that matches in every part gets a token.
#[test]
fn workload_identity_federation_refusals_name_the_part_that_differs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/field");
    let base = std::fs::read_to_string(dir.join("wi-subject-case.json")).unwrap();
    let good = base.replace("system:serviceaccount:Payments:api", "system:serviceaccount:payments:api");
    let cases = [
        (good.clone(), None::<&str>),
        (base.replace("system:serviceaccount:Payments:api", "system:serviceaccount:payments:api-v2"), Some("AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:payments:api'.")),
        (good.replace(r#""subject": "system:serviceaccount:payments:api""#, r#""subject": "system:serviceaccount:payments:api", "audiences": ["api://AzureADTokenExchange/"]"#), Some("AADSTS700212: No matching federated identity record found for presented assertion audience 'api://AzureADTokenExchange'.")),
    ];
    for (text, expected) in cases {
        let t = simulate(&Scenario::from_json(&text).unwrap()).unwrap();
        match expected {
            None => assert!(t.steps.iter().any(|s| s.kind == StepKind::TokenIssued && matches!(&s.message, Message::Response(r) if r.status == 200)), "{:?}", responses(&t)),
            Some(want) => {
                let body = federation_refusal(&t);
                assert!(body.contains(r#""error":"invalid_client""#) && body.contains(want), "{body}");
            }
        }
    }
}

/// Siblings of role-assignment-new-principal: with `principalType: ServicePrincipal` the same
/// request is stored at once (201); without it, the assignment succeeds once the directory
/// replication delay has passed, or at once when the scenario sets that delay to 0.
#[test]
fn principal_type_or_replication_lets_a_new_principal_be_assigned() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/field");
    let base = std::fs::read_to_string(dir.join("role-assignment-new-principal.json")).unwrap();
    let assign = r#""roleDefinitionId": "Reader","#;
    let variants = [
        base.replace(assign, r#""roleDefinitionId": "Reader", "principalType": "ServicePrincipal","#),
        base.replace(r#"{
      "action": "createRoleAssignment""#, r#"{ "action": "advanceClock", "duration": "2m" },
    {
      "action": "createRoleAssignment""#),
        base.replace(r#""resources": [],"#, r#""resources": [], "settings": {"directoryReplication": "0s"},"#),
    ];
    for (i, text) in variants.iter().enumerate() {
        assert_ne!(text, &base, "variant {i} applies");
        let t = simulate(&Scenario::from_json(text).unwrap_or_else(|e| panic!("variant {i}: {e:?}"))).unwrap();
        let r = responses(&t);
        assert_eq!(r.last().map(|x| x.0), Some(201), "variant {i}: {r:?}");
    }
}

/// The cluster's OIDC issuer is a participant (issue 13 item 4): Entra ID reads the trusted
/// issuer's discovery document and JWKS, then verifies the assertion's signature, before it
/// compares subject and audience. A pod running as `payments:reports` that forges the
/// trusted subject `payments:api` is refused at the signature: AADSTS700027 when it rewrote
/// the projected token (the cluster's key, a signature that no longer verifies),
/// AADSTS7000272 when it signed with a key the issuer does not publish. Without forgery the
/// same pod gets AADSTS700213 (subject). An issuer no credential trusts is refused before
/// any request to it.
#[test]
fn workload_identity_assertion_is_verified_with_the_issuers_jwks_before_its_claims() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/field");
    let base = std::fs::read_to_string(dir.join("wi-subject-case.json")).unwrap().replace("system:serviceaccount:Payments:api", "system:serviceaccount:payments:api").replace(r#""serviceAccount": "api""#, r#""serviceAccount": "reports""#);
    let forged = |how: &str| base.replace(r#""credential": "DefaultAzureCredential""#, &format!(r#""credential": "DefaultAzureCredential", "forgedAssertion": "{how}""#));
    let issuer = "https://westeurope.oic.prod-aks.azure.com/11111111-1111-4111-8111-111111111111/22222222-2222-4222-8222-222222222222/";
    let cases = [
        (base.clone(), "AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:payments:reports'.".to_string()),
        (forged("tampered"), format!("AADSTS700027: Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{}']", mi_playground::model::token::CLUSTER_KID)),
        (forged("attacker"), format!("AADSTS7000272: The certificate with identifier attacker-demo-key used to sign the federated credential could not be found in the metadata of identity provider {issuer}.")),
    ];
    for (text, want) in cases {
        assert!(want.contains("700213") || text != base, "variant applies");
        let t = simulate(&Scenario::from_json(&text).unwrap()).unwrap();
        let body = federation_refusal(&t);
        assert!(body.contains(r#""error":"invalid_client""#) && body.contains(&want), "{body}");
        // Discovery, then the JWKS, each from the issuer's lifeline, before the refusal.
        let issuer_pid = t.participants.iter().position(|p| p.kind == mi_playground::model::ParticipantKind::OidcIssuer).expect("the issuer is a lifeline");
        let urls: Vec<String> = t.steps.iter().filter(|s| s.to == issuer_pid).filter_map(|s| match &s.message { Message::Request(r) => Some(format!("{} {}", r.method, r.url)), _ => None }).collect();
        assert_eq!(urls, vec![format!("GET {issuer}.well-known/openid-configuration"), format!("GET {issuer}openid/v1/jwks")]);
        let jwks = t.steps.iter().filter(|s| s.from == issuer_pid).filter_map(|s| match &s.message { Message::Response(r) => r.body.clone(), _ => None }).last().unwrap();
        assert!(jwks.contains(r#""kty":"RSA""#) && jwks.contains(mi_playground::model::token::CLUSTER_KID), "{jwks}");
    }
    // The projected token verifies with the JWKS the trace publishes.
    let t = simulate(&Scenario::from_json(&base).unwrap()).unwrap();
    let sa = t.steps.iter().find(|s| s.label == "projected service-account token").and_then(|s| s.jwt.clone()).unwrap();
    let jwks = mi_playground::model::verify::parse_jwks(&mi_playground::model::token::cluster_jwks_json()).unwrap();
    assert_eq!(mi_playground::model::verify::verify_signature(&sa, &jwks), Ok(()));
    // No credential trusts the issuer: refused before any request to it.
    let t = simulate(&Scenario::from_json(&std::fs::read_to_string(dir.join("wi-issuer-trailing-slash.json")).unwrap()).unwrap()).unwrap();
    assert!(federation_refusal(&t).contains("AADSTS700211"));
    assert!(t.participants.iter().all(|p| p.kind != mi_playground::model::ParticipantKind::OidcIssuer), "no request to an issuer no credential trusts");
}
