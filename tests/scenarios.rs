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
    let jwks: serde_json::Value = serde_json::from_str(&token::jwks_json("t")).unwrap();
    let key = &jwks["keys"][0];
    let (n, e) = (key["n"].as_str().unwrap(), key["e"].as_str().unwrap());
    let mut count = 0;
    for b in BUILT_INS {
        for s in simulate(&b.scenario()).unwrap().steps {
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
    let _ = refused;
}
