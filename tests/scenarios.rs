//! Scenario in, trace out: every built-in scenario's trace is snapshotted as readable text
//! in `tests/snapshots/<id>.txt`. Run with `UPDATE_SNAPSHOTS=1` to accept a change, then
//! read the diff.

use mi_playground::model::{simulate, token};
use mi_playground::scenarios::BUILT_INS;
use std::path::Path;

#[test]
fn built_in_traces_match_their_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for b in BUILT_INS {
        let trace = simulate(&b.scenario()).unwrap_or_else(|e| panic!("{}: {e}", b.id));
        let text = trace.to_text();
        let file = dir.join(format!("{}.txt", b.id));
        if update {
            std::fs::write(&file, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if want != text {
            failures.push(format!("{} (run UPDATE_SNAPSHOTS=1 cargo test --no-default-features and review the diff)", b.id));
        }
    }
    assert!(failures.is_empty(), "snapshots differ: {failures:?}");
}

#[test]
fn same_scenario_gives_a_byte_identical_trace() {
    for b in BUILT_INS {
        let a = serde_json::to_string(&simulate(&b.scenario()).unwrap()).unwrap();
        let c = serde_json::to_string(&simulate(&b.scenario()).unwrap()).unwrap();
        assert_eq!(a, c, "{} is not deterministic", b.id);
    }
}

#[test]
fn a_different_seed_gives_different_ids_but_the_same_flow() {
    let b = &BUILT_INS[0];
    let mut sc = b.scenario();
    let t1 = simulate(&sc).unwrap();
    sc.seed += 1;
    let t2 = simulate(&sc).unwrap();
    assert_eq!(t1.steps.len(), t2.steps.len());
    assert_ne!(t1.to_text(), t2.to_text());
    let labels = |t: &mi_playground::model::Trace| t.steps.iter().map(|s| s.label.clone()).collect::<Vec<_>>();
    assert_eq!(labels(&t1).len(), labels(&t2).len());
}

/// An RS256 check written directly against RustCrypto's `rsa` (not through the model's
/// jsonwebtoken provider): an independent witness that our signatures are standard.
fn rs256_verifies(jwt: &str, n_b64: &str, e_b64: &str) -> bool {
    use base64::Engine;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let Some((input, sig)) = jwt.rsplit_once('.') else { return false };
    let (Ok(n), Ok(e), Ok(sig)) = (b64.decode(n_b64), b64.decode(e_b64), b64.decode(sig)) else { return false };
    let Ok(key) = rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(&n), rsa::BigUint::from_bytes_be(&e)) else { return false };
    let Ok(sig) = Signature::try_from(sig.as_slice()) else { return false };
    VerifyingKey::<sha2::Sha256>::new(key).verify(input.as_bytes(), &sig).is_ok()
}

#[test]
fn every_issued_token_verifies_with_the_published_jwks() {
    use mi_playground::model::ParticipantKind;
    let jwks: serde_json::Value = serde_json::from_str(&token::jwks_json("t")).unwrap();
    let key = &jwks["keys"][0];
    let (n, e) = (key["n"].as_str().unwrap(), key["e"].as_str().unwrap());
    let mut count = 0;
    for b in BUILT_INS {
        let trace = simulate(&b.scenario()).unwrap();
        for s in trace.steps {
            // Tokens the token service issued (scripted, tampered tokens are sent by the app).
            if !matches!(trace.participants[s.from].kind, ParticipantKind::Entra | ParticipantKind::TokenEndpoint) {
                continue;
            }
            let Some(jwt) = s.jwt else { continue };
            let (header, payload, _) = token::decode_parts(&jwt).unwrap();
            let header: serde_json::Value = serde_json::from_str(&header).unwrap();
            if header["kid"] != token::KID {
                continue; // the Kubernetes service-account token uses another kid
            }
            assert_eq!(header["x5t"], token::KID);
            assert!(rs256_verifies(&jwt, n, e), "{}: token does not verify", b.id);
            let claims: serde_json::Value = serde_json::from_str(&payload).unwrap();
            assert_eq!(claims["iat"], claims["nbf"]);
            count += 1;
        }
    }
    assert!(count > 0);
}

/// For every call that carries a bearer token to a resource server: a 2xx answer means the
/// token verified against the published JWKS, and a token that fails verification gets 401.
#[test]
fn resource_servers_answer_by_what_the_token_proves() {
    use mi_playground::model::{Message, ParticipantKind};
    let jwks: serde_json::Value = serde_json::from_str(&token::jwks_json("t")).unwrap();
    let key = &jwks["keys"][0];
    let (n, e) = (key["n"].as_str().unwrap(), key["e"].as_str().unwrap());
    let (mut ok_calls, mut refused) = (0, 0);
    for b in BUILT_INS.iter().map(|b| (b.id, b.scenario())) {
        let trace = simulate(&b.1).unwrap();
        for (i, s) in trace.steps.iter().enumerate() {
            let Message::Request(req) = &s.message else { continue };
            // Operators' control-plane calls show a placeholder (`<operator's ARM token>`), not a token.
            let Some(bearer) = req.header_value("Authorization").and_then(|h| h.strip_prefix("Bearer ")).filter(|t| !t.starts_with('<')) else { continue };
            if !matches!(trace.participants[s.to].kind, ParticipantKind::ResourceServer | ParticipantKind::Arm) {
                continue;
            }
            let Some(Message::Response(resp)) = trace.steps[i + 1..].iter().find(|r| r.from == s.to && r.to == s.from).map(|r| &r.message) else { continue };
            let verifies = rs256_verifies(bearer, n, e);
            if (200..300).contains(&resp.status) {
                assert!(verifies, "{}: step {} answered {} to a token that does not verify", b.0, i + 1, resp.status);
                ok_calls += 1;
            }
            if !verifies {
                assert_eq!(resp.status, 401, "{}: step {}: a token failing signature verification must get 401", b.0, i + 1);
                refused += 1;
            }
        }
    }
    assert!(ok_calls > 10, "{ok_calls}");
    assert!(refused >= 2, "the tampered-tokens built-in sends a tampered and a forged token: {refused}");
}

/// The tampered-tokens built-in: a claim changed (signature kept) and a token signed by an
/// unpublished key fail at the signature; yesterday's tokens replayed fail at the lifetime;
/// Key Vault and Storage each answer with their own documented 401.
#[test]
fn tampered_forged_and_expired_tokens_get_each_service_s_401() {
    use mi_playground::model::{scenario::load, Message};
    let b = mi_playground::scenarios::find("tampered-tokens").expect("built-in");
    let trace = simulate(&load(b.json).scenario.unwrap()).unwrap();
    let failed: Vec<(String, String, String)> = trace
        .steps
        .iter()
        .filter_map(|s| {
            let Message::Response(r) = &s.message else { return None };
            let d = s.decision.as_ref()?;
            (r.status == 401).then(|| (trace.participants[s.from].label.clone(), d.reasons.last().cloned().unwrap_or_default(), r.body.clone().unwrap_or_default()))
        })
        .collect();
    let has = |server: &str, check: &str, body: &str| failed.iter().any(|(p, r, b)| p.starts_with(server) && r.starts_with(&format!("✗ {check}:")) && b.contains(body));
    assert!(has("Key Vault", "signature", "Signature validation failed."), "{failed:#?}");
    assert!(has("Storage", "signature", "Signature validation failed"), "{failed:#?}");
    assert!(has("Key Vault", "lifetime", "[TokenExpired] Error validating token: 'S2S12086'."), "{failed:#?}");
    assert!(has("Storage", "lifetime", "Lifetime validation failed. The token is expired."), "{failed:#?}");
    // After all that, asking the credential again works.
    let last = trace.steps.iter().rev().find_map(|s| if let Message::Response(r) = &s.message { Some(r.status) } else { None });
    assert_eq!(last, Some(200));
}

/// Every refusal of the host token endpoints (IMDS: method, Metadata, X-Forwarded-For,
/// duplicate and missing parameters, api-version, paths, selectors, unknown identity,
/// throttling; App Service: the header, api-versions, resource, identity, the legacy
/// shape; Entra ID's refusals passed on), snapshotted from the model before its error
/// bodies became types (`hosts::errors`): the typed errors must write the same bytes
/// (`UPDATE_SNAPSHOTS=1` rewrites them when a wire form is corrected on purpose).
#[test]
fn endpoint_refusals_match_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["imds-refusals", "app-service-refusals"] {
        let text = std::fs::read_to_string(root.join(format!("tests/refusals/{name}.json"))).unwrap();
        let sc = mi_playground::model::Scenario::from_json(&text).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        let trace = simulate(&sc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let file = root.join(format!("tests/snapshots/refusals/{name}.txt"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&file, trace.to_text()).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap();
        assert!(trace.to_text() == want, "{name}: the trace differs from tests/snapshots/refusals/{name}.txt");
    }
}
