//! Stale and replayed credentials as a kind (issue 13, item 3): a credential kept past the
//! moment the platform replaced it gets the refusal the real service gives. Scenarios in
//! `tests/cases/stale/`. (The resource-call replay of an earlier token is in the built-in
//! `tampered-tokens`; an App Service `IDENTITY_HEADER` kept past rotation in `rotation`.)

use mi_playground::model::{simulate, Message, ParticipantKind, Scenario, StepKind, Trace};
use std::path::Path;

fn run(name: &str) -> Trace {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/stale").join(name)).unwrap();
    simulate(&Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"))).unwrap()
}

/// `(status, body)` of every response, in order, but the cluster's OIDC issuer's (its
/// discovery document and JWKS, read by Entra ID on each exchange).
fn responses(t: &Trace) -> Vec<(u16, String)> {
    t.steps.iter().filter(|s| t.participants[s.from].kind != ParticipantKind::OidcIssuer).filter_map(|s| if let Message::Response(r) = &s.message { Some((r.status, r.body.clone().unwrap_or_default())) } else { None }).collect()
}

/// The pod's code kept the projected service-account token it read at start: the first
/// exchange gets a token; two hours later the same assertion has expired and Entra ID
/// answers 401 invalid_client AADSTS700024 with the current time and the assertion's window.
#[test]
fn an_expired_service_account_token_kept_by_the_code_is_refused_with_aadsts700024() {
    let t = run("wi-kept-federated-token.json");
    let r = responses(&t);
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0].0, 200);
    assert_eq!(r[1].0, 401);
    assert!(r[1].1.contains(r#""error":"invalid_client""#), "{}", r[1].1);
    assert!(r[1].1.contains("AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-03-10T11:00:00.0000000Z, assertion valid from 2026-03-10T09:00:00.0000000Z, expiry time of assertion 2026-03-10T10:00:00.0000000Z."), "{}", r[1].1);
    // The same service-account token went out twice; the kubelet projected it only once.
    let assertions: Vec<_> = t.steps.iter().filter_map(|s| match &s.message { Message::Request(q) => q.body.as_deref().and_then(|b| b.split_once("client_assertion=")).map(|x| x.1.to_string()), _ => None }).collect();
    assert_eq!(assertions.len(), 2);
    assert_eq!(assertions[0], assertions[1], "the kept assertion is sent again");
    assert_eq!(t.steps.iter().filter(|s| s.kind == StepKind::IssueRefused).count(), 1);
    // Reading the file on each exchange (the SDK's own behaviour) works at the same moment.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/stale/wi-kept-federated-token.json")).unwrap().replace(r#""keepsFederatedToken": true"#, r#""keepsFederatedToken": false"#);
    let fresh = simulate(&Scenario::from_json(&text).unwrap()).unwrap();
    assert!(responses(&fresh).iter().all(|x| x.0 == 200), "{:?}", responses(&fresh));
}

/// The role behind a cached token is removed. The removal propagates like an addition
/// (fact sheet §7.7: "role assignment changes" up to 10 minutes; the scenario's 5): two
/// minutes later Key Vault still allows the read, and its decision says the removal is
/// still propagating; ten minutes later the SDK sends the same cached token (still within
/// its 24 hours, so no new token is requested), Key Vault accepts the token itself and
/// denies the request on its RBAC check (403 ForbiddenByRbac), naming the deleted
/// assignment in the explanation.
#[test]
fn a_cached_token_after_its_role_was_removed_is_valid_but_denied_once_the_removal_propagated() {
    let t = run("cached-token-after-role-removed.json");
    let removed = t.steps.iter().position(|s| s.changes.iter().any(|c| c.area == "rbac")).expect("the assignment is removed");
    let after = &t.steps[removed..];
    assert!(!after.iter().any(|s| s.kind == StepKind::TokenIssued && matches!(s.message, Message::Internal { .. })), "no new token from Entra ID after the removal");
    assert!(!after.iter().any(|s| matches!(s.kind, StepKind::TokenRefused(_))), "the token itself is accepted");
    // Key Vault's answers after the removal: within the delay, then after it.
    let answers: Vec<_> = after.iter().filter(|s| s.decision.is_some()).collect();
    assert_eq!(answers.len(), 2, "{:?}", after.iter().map(|s| &s.label).collect::<Vec<_>>());
    let (within, later) = (answers[0], answers[1]);
    let Message::Response(r) = &within.message else { panic!("a response") };
    assert_eq!(r.status, 200, "within the propagation delay the read still succeeds");
    let d = within.decision.as_ref().unwrap();
    assert!(d.allowed && d.summary.contains("removal still propagating"), "{d:?}");
    assert!(d.reasons.iter().any(|x| x.contains("was deleted at 2026-03-10T09:00:00Z") && x.contains("until 2026-03-10T09:05:00Z")), "{:?}", d.reasons);
    let Message::Response(r) = &later.message else { panic!("a response") };
    assert_eq!((r.status, later.kind.clone()), (403, StepKind::AccessDenied));
    assert!(r.body.as_deref().unwrap_or("").contains(r#""innererror":{"code":"ForbiddenByRbac"}"#));
    let d = later.decision.as_ref().unwrap();
    assert!(!d.allowed);
    assert!(d.reasons.iter().any(|x| x.contains("was deleted at") && x.contains("took effect at 2026-03-10T09:05:00Z")), "{:?}", d.reasons);
    // Both reads after the removal send the token Entra ID issued before it.
    let issued: Vec<_> = t.steps[..removed].iter().filter(|s| s.kind == StepKind::TokenIssued).filter_map(|s| s.jwt.clone()).collect();
    let sent: Vec<_> = after.iter().filter_map(|s| match &s.message { Message::Request(q) => q.headers.iter().find(|h| h.0.eq_ignore_ascii_case("authorization")).map(|h| h.1.trim_start_matches("Bearer ").to_string()), _ => None }).collect();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|j| issued.contains(j)), "the cached token is sent");
}
