//! SDK behaviour per SDK and version (issue 13, item 7): the scenario's `sdk` decides, and
//! each case below cites the client source it follows (pins: tests/sdk/requirements.txt,
//! package-lock.json; .NET Azure.Identity 1.20 / MSAL.NET 4.83). Arc with a user-assigned
//! identity is golden check 18 (tests/golden.rs).

use mi_playground::model::{simulate, CredentialFailure, Message, Scenario, StepKind, Trace};
use serde_json::{json, Value};

fn world(sdk: &str, credential: &str, identity: &str, script: Value) -> Trace {
    let doc = json!({"version": 1, "name": "sdk", "seed": 5, "startTime": "2026-03-10T09:00:00Z",
        "world": {"subscriptions": [{"name": "sub-a", "resourceGroups": [{"name": "rg"}]}],
            "resources": [{"type": "Microsoft.Compute/virtualMachines", "name": "vm", "resourceGroup": "rg", "identity": {"type": identity}, "app": {"sdk": sdk, "credential": credential}}]},
        "script": script});
    simulate(&Scenario::from_json(&doc.to_string()).unwrap()).unwrap()
}

fn get_token(resource: &str) -> Value {
    json!({"action": "getToken", "host": "vm", "resource": resource})
}

/// IMDS kept failing with `kind` (throttle: 429, outage: 503, updating: 410): the retry labels
/// and the seconds the virtual clock moved from the first request to the SDK's last word.
fn retries(sdk: &str, kind: &str) -> (Vec<String>, u64, usize) {
    let t = world(sdk, "ManagedIdentityCredential", "SystemAssigned", json!([{"action": "fault", "target": "imds", "host": "vm", "kind": kind, "duration": "1h"}, get_token("https://vault.azure.net")]));
    let waits = t.steps.iter().filter(|s| s.label.starts_with("retry ")).map(|s| s.label.clone()).collect();
    let first = t.steps.iter().find(|s| matches!(s.message, Message::Request(_))).unwrap().time;
    let last = t.steps.last().unwrap().time;
    let requests = t.steps.iter().filter(|s| matches!(s.message, Message::Request(_))).count();
    (waits, last.0 - first.0, requests)
}

/// azure-identity 1.27 `_credentials/imds.py`: backoff factor 0.8, five retries, azure-core's
/// first retry immediate: 0, 1.6, 3.2, 6.4, 12.8 s (24 s in all, whole on the virtual clock);
/// 410 with factor 2.5: 0, 5, 10, 20, 40 s. .NET (MSAL.NET ImdsRetryPolicy) keeps 1, 2, 4 s.
#[test]
fn imds_retries_follow_each_sdks_own_schedule() {
    let (w, secs, n) = retries("python", "throttle");
    assert_eq!(w, ["retry 1 in 0s", "retry 2 in 1.6s", "retry 3 in 3.2s", "retry 4 in 6.4s", "retry 5 in 12.8s"]);
    assert_eq!((secs, n), (24, 6), "the exact waits add up to 24 s");
    let (w, secs, _) = retries("python", "updating");
    assert_eq!(w, ["retry 1 in 0s", "retry 2 in 5s", "retry 3 in 10s", "retry 4 in 20s", "retry 5 in 40s"]);
    assert_eq!(secs, 75);
    let (w, secs, n) = retries("dotnet", "outage");
    assert_eq!(w, ["retry 1 in 1s", "retry 2 in 2s", "retry 3 in 4s"]);
    assert_eq!((secs, n), (7, 4));
    // @azure/identity 4.14.1: 5xx through core-rest-pipeline's exponential policy (1, 2, 4 s,
    // jittered 50-100 %: the model waits the longest); 410 from 3 s (imdsRetryPolicy.js);
    // 429 without Retry-After is not retried.
    let (w, secs, _) = retries("js", "outage");
    assert_eq!(w, ["retry 1 in 0.5–1s", "retry 2 in 1–2s", "retry 3 in 2–4s"]);
    assert_eq!(secs, 7);
    let (w, _, _) = retries("js", "updating");
    assert_eq!(w.len(), 5);
    assert_eq!(w[0], "retry 1 in 1.5–3s");
    let (w, _, n) = retries("js", "throttle");
    assert!(w.is_empty() && n == 1, "{w:?}");
}

/// `get_token("https://management.azure.com/.default")` sends `resource` without the
/// trailing slash in every SDK (scope → resource cuts `/.default` only), so the token's
/// `aud` is `https://management.azure.com`, one of ARM's four audiences.
#[test]
fn scope_to_resource_drops_the_trailing_slash_in_every_sdk() {
    for sdk in ["dotnet", "python", "js"] {
        let t = world(sdk, "ManagedIdentityCredential", "SystemAssigned", json!([get_token("https://management.azure.com/")]));
        let url = t.steps.iter().find_map(|s| if let Message::Request(r) = &s.message { Some(r.url.clone()) } else { None }).unwrap();
        assert!(url.ends_with("resource=https%3A%2F%2Fmanagement.azure.com"), "{sdk}: {url}");
        let jwt = t.steps.iter().rev().find_map(|s| s.jwt.clone()).unwrap();
        let claims = mi_playground::model::token::decode_claims(&jwt).unwrap();
        assert_eq!(claims.aud, "https://management.azure.com", "{sdk}");
    }
}

/// DefaultAzureCredential on a VM whose identity is not assigned (IMDS: 400). Python and
/// JavaScript raise their "unavailable" error from ManagedIdentityCredential, so the chain
/// walks on through the developer tools and ends with the chain's error naming each
/// credential; .NET's ManagedIdentityCredential raises AuthenticationFailedException (MSAL's
/// 400), which stops the chain (DefaultAzureCredential.cs catches only
/// CredentialUnavailableException).
#[test]
fn default_credential_walks_on_only_past_an_unavailable_credential() {
    for (sdk, last, listed) in [("python", "ClientAuthenticationError", "SharedTokenCacheCredential"), ("js", "AggregateAuthenticationError", "VisualStudioCodeCredential"), ("dotnet", "DefaultAzureCredential stops: AuthenticationFailedException", "")] {
        let t = world(sdk, "DefaultAzureCredential", "None", json!([get_token("https://vault.azure.net")]));
        let end = t.steps.last().unwrap();
        assert_eq!(end.label, last, "{sdk}");
        let text = t.to_text();
        if listed.is_empty() {
            assert_eq!(end.kind, StepKind::Credential(CredentialFailure::Raised));
            assert!(!text.contains("AzureCliCredential: unavailable"), "{sdk}: the chain stops at ManagedIdentityCredential");
        } else {
            assert_eq!(end.kind, StepKind::Credential(CredentialFailure::Unavailable));
            for c in ["EnvironmentCredential", "ManagedIdentityCredential", listed, "AzureCliCredential", "AzureDeveloperCliCredential"] {
                assert!(text.contains(&format!("{c}: ")), "{sdk}: {c} listed");
            }
        }
        let requests = t.steps.iter().filter(|s| matches!(s.message, Message::Request(_))).count();
        assert_eq!(requests, 2, "{sdk}: the probe (inside the chain) and the request");
    }
}
