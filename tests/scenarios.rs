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

#[test]
fn every_issued_token_verifies_with_the_published_jwks() {
    use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
    let jwks: serde_json::Value = serde_json::from_str(&token::jwks_json("t")).unwrap();
    let key = &jwks["keys"][0];
    let dk = DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap()).unwrap();
    let mut count = 0;
    for b in BUILT_INS {
        for s in simulate(&b.scenario()).unwrap().steps {
            let Some(jwt) = s.jwt else { continue };
            let header = decode_header(&jwt).unwrap();
            if header.kid.as_deref() != Some(token::KID) {
                continue; // the Kubernetes service-account token uses another kid
            }
            assert_eq!(header.x5t.as_deref(), Some(token::KID));
            let mut v = Validation::new(Algorithm::RS256);
            v.validate_exp = false;
            v.validate_aud = false;
            v.required_spec_claims.clear();
            let data = decode::<token::Claims>(&jwt, &dk, &v).unwrap_or_else(|e| panic!("{}: token does not verify: {e}", b.id));
            assert_eq!(data.claims.iat, data.claims.nbf);
            count += 1;
        }
    }
    assert!(count > 0);
}
