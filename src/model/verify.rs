//! Verifying an access token the way a resource server does: the signature against the
//! tenant's published JWKS, then the header and claims.
//!
//! [`verify`] follows the order a validator uses (fact sheet §5.4): decode the three
//! base64url segments, read the header, pick the JWKS key whose `kid` matches, check the
//! RS256 signature over `header.payload`, then compare `iss` with the issuer the key is
//! published for. It stops at the first failure, as a resource server would.
//! [`verify_at`] adds the lifetime check (`nbf`/`exp`) at a virtual instant, allowing the
//! usual 5-minute clock skew. Every check is a [`Check`] a learner can read.
//!
//! Pure: no clock (the instant is a parameter), no randomness, and no panic on any input
//! (sizes are bounded before any decoding or big-number work).

use super::SimTime;
use serde_json::Value;

/// Longest token checked (bytes). Real access tokens are a few KiB.
pub const MAX_JWT_LEN: usize = 64 * 1024;
/// Longest JWKS document read (bytes).
pub const MAX_JWKS_LEN: usize = 1024 * 1024;
/// Clock skew validators tolerate on `nbf`/`exp` (Microsoft.IdentityModel's default, 5 min).
pub const CLOCK_SKEW: u64 = 300;

/// One check and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// Whether the check passed.
    pub ok: bool,
    /// What was checked, in plain language (no ✓/✗ prefix: see [`Check::line`]).
    pub text: String,
}

impl Check {
    /// The check as a line: `✓ …` or `✗ …`.
    pub fn line(&self) -> String {
        format!("{} {}", if self.ok { '✓' } else { '✗' }, self.text)
    }
}

/// The result of verifying a JWT.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// The checks made, in order; checking stops after the first failure.
    pub checks: Vec<Check>,
    /// True when every check passed (including the signature).
    pub ok: bool,
    /// The header's `kid`, when it has one.
    pub kid: Option<String>,
    /// Whether the JWKS holds a key with that `kid`.
    pub key_found: bool,
    /// Whether the signature verified with that key.
    pub signature_valid: bool,
}

impl Verification {
    /// Every check as a `✓ …` / `✗ …` line.
    pub fn lines(&self) -> Vec<String> {
        self.checks.iter().map(Check::line).collect()
    }
    fn pass(&mut self, text: String) {
        self.checks.push(Check { ok: true, text });
    }
    /// Records a failure; returns `None` so callers can stop with `?`.
    fn fail(&mut self, text: String) -> Option<()> {
        self.checks.push(Check { ok: false, text });
        None
    }
    fn settle(&mut self) {
        self.ok = self.signature_valid && self.checks.iter().all(|c| c.ok);
    }
}

/// Verifies a compact JWT against a JWKS document (signature, key, issuer). No lifetime
/// check: see [`verify_at`].
pub fn verify(jwt: &str, jwks_json: &str) -> Verification {
    let mut v = Verification::default();
    let _ = run(&mut v, jwt.trim(), jwks_json);
    v.settle();
    v
}

/// [`verify`], then the lifetime at the virtual instant `now` (`nbf` ≤ now < `exp`, each
/// with [`CLOCK_SKEW`]). The lifetime is only checked when everything else passed.
pub fn verify_at(jwt: &str, jwks_json: &str, now: SimTime) -> Verification {
    let mut v = verify(jwt, jwks_json);
    if v.ok {
        let claims = payload(jwt.trim());
        let _ = lifetime(&mut v, claims.as_ref(), now.epoch());
        v.settle();
    }
    v
}

fn b64(s: &str) -> Option<Vec<u8>> {
    super::b64::decode(s)
}

/// The decoded payload object (no verification; `None` for anything malformed).
fn payload(jwt: &str) -> Option<Value> {
    if jwt.len() > MAX_JWT_LEN {
        return None;
    }
    let p = jwt.split('.').nth(1)?;
    json_object(&b64(p)?)
}

/// UTF-8 bytes holding a JSON object.
fn json_object(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(bytes).ok().filter(Value::is_object)
}

/// At most `n` characters of `s`, with `…` when cut (for echoing untrusted values).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n).collect::<String>() + "…" }
}

fn run(v: &mut Verification, jwt: &str, jwks_json: &str) -> Option<()> {
    if jwt.is_empty() {
        return v.fail("there is no token".into());
    }
    if jwt.len() > MAX_JWT_LEN {
        return v.fail(format!("the token is {} bytes long; nothing over {} KiB is checked", jwt.len(), MAX_JWT_LEN / 1024));
    }
    let segs: Vec<&str> = jwt.split('.').collect();
    if segs.len() != 3 {
        return v.fail(format!("a compact JWT is three base64url segments joined by dots (header.payload.signature); this one has {}", segs.len()));
    }
    let mut bytes = Vec::with_capacity(3);
    for (seg, name) in segs.iter().zip(["header", "payload", "signature"]) {
        match b64(seg) {
            Some(b) if !b.is_empty() => bytes.push(b),
            Some(_) => return v.fail(format!("the {name} segment is empty")),
            None => return v.fail(format!("the {name} segment is not valid base64url (A–Z a–z 0–9 - _, no padding)")),
        }
    }
    let Some(header) = json_object(&bytes[0]) else {
        return v.fail("the header does not decode to a JSON object".into());
    };
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        let shown = if alg.is_empty() { "is missing".to_string() } else { format!("is {}", clip(alg, 20)) };
        return v.fail(format!("header alg {shown}: only RS256 is accepted (a validator fixes the algorithm itself and never trusts \"none\")"));
    }
    let Some(kid) = header.get("kid").and_then(Value::as_str) else {
        return v.fail("header alg RS256, but there is no kid, so no key can be chosen from the JWKS".into());
    };
    v.kid = Some(kid.to_string());
    let short = clip(kid, 4);

    let jwks = if jwks_json.len() <= MAX_JWKS_LEN { serde_json::from_str::<Value>(jwks_json).ok() } else { None };
    let Some(keys) = jwks.as_ref().and_then(|j| j.get("keys")).and_then(Value::as_array) else {
        return v.fail("the JWKS document is not JSON with a \"keys\" array".into());
    };
    let Some(jwk) = keys.iter().find(|k| k.get("kid").and_then(Value::as_str) == Some(kid)) else {
        let published: Vec<String> = keys.iter().filter_map(|k| k.get("kid").and_then(Value::as_str)).take(5).map(|k| clip(k, 40)).collect();
        let list = if published.is_empty() { "none".to_string() } else { published.join(", ") };
        return v.fail(format!("header alg RS256, but kid {} is not in the tenant's JWKS (it publishes: {list}), so no key of this tenant can verify it", clip(kid, 40)));
    };
    v.key_found = true;
    v.pass(format!("header alg RS256, kid {short} found in the tenant's JWKS"));

    let key = match rsa_key(jwk) {
        Ok(k) => k,
        Err(why) => return v.fail(format!("the JWKS key {short} cannot be used: {why}")),
    };
    let signing_input = &jwt[..segs[0].len() + 1 + segs[1].len()];
    if key.verify(signing_input.as_bytes(), &bytes[2]) {
        v.signature_valid = true;
        v.pass("signature verifies with that key (RS256: RSA PKCS#1 v1.5 over the SHA-256 of header.payload)".into());
    } else {
        return v.fail("signature does not verify with that key: the header or payload was changed after signing, or another key signed it".into());
    }

    let Some(claims) = json_object(&bytes[1]) else {
        return v.fail("the payload does not decode to a JSON object of claims".into());
    };
    let iss = claims.get("iss").and_then(Value::as_str);
    let expected = jwk.get("issuer").and_then(Value::as_str).map(|i| match claims.get("tid").and_then(Value::as_str) {
        Some(tid) => i.replace("{tenantid}", tid),
        None => i.to_string(),
    });
    match (iss, expected) {
        (Some(iss), Some(exp)) if iss == exp => v.pass(format!("iss {} is the issuer this key is published for", clip(iss, 100))),
        (Some(iss), Some(exp)) => return v.fail(format!("iss {} is not {}, the issuer this key is published for", clip(iss, 100), clip(&exp, 100))),
        (None, _) => return v.fail("the payload has no iss claim".into()),
        (Some(_), None) => {}
    }
    Some(())
}

/// Builds an RSA public key from a JWK (`kty` RSA, base64url `n` and `e`).
fn rsa_key(jwk: &Value) -> Result<super::rsa::PublicKey, &'static str> {
    if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
        return Err("its kty is not RSA");
    }
    let part = |name: &str| -> Result<Vec<u8>, &'static str> {
        let s = jwk.get(name).and_then(Value::as_str).ok_or("n or e is missing")?;
        if s.len() > 1400 {
            return Err("n or e is too long");
        }
        b64(s).ok_or("n or e is not base64url")
    };
    super::rsa::PublicKey::new(&part("n")?, &part("e")?)
}

fn lifetime(v: &mut Verification, claims: Option<&Value>, now: u64) -> Option<()> {
    let num = |k: &str| claims.and_then(|c| c.get(k));
    let Some(exp) = num("exp").and_then(Value::as_u64) else {
        return v.fail("the payload has no numeric exp claim, so its lifetime cannot be checked".into());
    };
    let nbf = match num("nbf") {
        None => None,
        Some(n) => match n.as_u64() {
            Some(n) => Some(n),
            None => return v.fail("the nbf claim is not a whole number of seconds".into()),
        },
    };
    let at = SimTime(now).iso();
    if let Some(nbf) = nbf {
        if now.saturating_add(CLOCK_SKEW) < nbf {
            return v.fail(format!("not valid yet at {at}: nbf is {} later (beyond the 5-minute clock skew)", super::time::human_duration(span(nbf, now))));
        }
    }
    if now >= exp.saturating_add(CLOCK_SKEW) {
        return v.fail(format!("expired at {at}: exp was {} earlier (beyond the 5-minute clock skew)", super::time::human_duration(span(now, exp))));
    }
    let left = if now < exp { format!("expires in {}", super::time::human_duration(span(exp, now))) } else { "just past exp, still inside the 5-minute clock skew".into() };
    v.pass(format!("within its lifetime at {at} (nbf ≤ now < exp): {left}"));
    Some(())
}

/// `later - earlier` in seconds, for `later >= earlier`, clamped into `i64`.
fn span(later: u64, earlier: u64) -> i64 {
    i64::try_from(later.saturating_sub(earlier)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::token::{self, Claims};

    fn claims() -> Claims {
        Claims {
            aud: "https://vault.azure.net".into(),
            iss: "https://sts.windows.net/tenant-1/".into(),
            iat: 1_768_467_600,
            nbf: 1_768_467_600,
            exp: 1_768_467_600 + token::MI_TOKEN_LIFETIME,
            aio: "aio".into(),
            appid: "client-1".into(),
            appidacr: "2".into(),
            scp: None,
            groups: vec![],
            idp: "https://sts.windows.net/tenant-1/".into(),
            idtyp: "app".into(),
            oid: "oid-1".into(),
            rh: "rh".into(),
            roles: vec![],
            upn: None,
            sub: "oid-1".into(),
            tid: "tenant-1".into(),
            uti: "uti".into(),
            ver: "1.0".into(),
            xms_mirid: "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm".into(),
            xms_tcdt: 1_600_000_000,
        }
    }

    #[test]
    fn a_signed_token_verifies_with_the_tenant_jwks() {
        let jwt = token::sign(&claims());
        let v = verify(&jwt, &token::jwks_json("tenant-1"));
        assert!(v.ok, "{:#?}", v.lines());
        assert!(v.key_found && v.signature_valid);
        assert_eq!(v.kid.as_deref(), Some(token::KID));
        assert_eq!(v.lines()[0], "✓ header alg RS256, kid QM0W… found in the tenant's JWKS");
        assert!(v.lines()[1].starts_with("✓ signature verifies"));
        assert!(v.lines()[2].starts_with("✓ iss https://sts.windows.net/tenant-1/"));
    }

    #[test]
    fn a_flipped_signature_character_fails() {
        let jwt = token::sign(&claims());
        let jwks = token::jwks_json("tenant-1");
        let sig_start = jwt.rfind('.').unwrap() + 1;
        for i in [sig_start, sig_start + 40, jwt.len() - 2] {
            let mut b = jwt.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let v = verify(std::str::from_utf8(&b).unwrap(), &jwks);
            assert!(!v.ok && !v.signature_valid, "position {i}: {:#?}", v.lines());
            assert!(v.lines().last().unwrap().starts_with('✗'));
        }
    }

    #[test]
    fn a_changed_payload_fails_the_signature() {
        let jwt = token::sign(&claims());
        let mut other = claims();
        other.oid = "someone-else".into();
        let forged = token::sign(&other);
        let (h, rest) = jwt.split_once('.').unwrap();
        let sig = rest.split_once('.').unwrap().1;
        let fp = forged.split('.').nth(1).unwrap();
        let v = verify(&format!("{h}.{fp}.{sig}"), &token::jwks_json("tenant-1"));
        assert!(v.key_found && !v.signature_valid && !v.ok);
    }

    #[test]
    fn wrong_issuer_and_unknown_kid_are_reported() {
        let jwt = token::sign(&claims());
        let v = verify(&jwt, &token::jwks_json("other-tenant"));
        assert!(v.signature_valid && !v.ok);
        assert!(v.lines().last().unwrap().contains("is not https://sts.windows.net/other-tenant/"));

        let k8s = token::sign_with_header(&serde_json::json!({"alg": "RS256", "kid": "aks-demo-oidc-key"}), &serde_json::json!({"iss": "https://oidc.example/", "sub": "system:serviceaccount:ns:sa"}));
        let v = verify(&k8s, &token::jwks_json("tenant-1"));
        assert!(!v.ok && !v.key_found);
        assert_eq!(v.kid.as_deref(), Some("aks-demo-oidc-key"));
        assert!(v.lines()[0].contains("kid aks-demo-oidc-key is not in the tenant's JWKS"), "{:?}", v.lines());

        let none = format!("{}.{}.", b64e(br#"{"alg":"none"}"#), b64e(b"{}"));
        assert!(!verify(&none, &token::jwks_json("t")).ok);
        let hs = format!("{}.{}.{}", b64e(br#"{"alg":"HS256","kid":"QM0W4ws4NiHtrqjx08JbYaOYmVY"}"#), b64e(b"{}"), b64e(b"sig"));
        let v = verify(&hs, &token::jwks_json("t"));
        assert!(!v.ok && v.lines()[0].contains("HS256"));
    }

    #[test]
    fn lifetime_is_checked_at_the_virtual_time() {
        let c = claims();
        let jwt = token::sign(&c);
        let jwks = token::jwks_json("tenant-1");
        assert!(verify_at(&jwt, &jwks, SimTime(c.iat)).ok);
        assert!(verify_at(&jwt, &jwks, SimTime(c.exp + CLOCK_SKEW - 1)).ok);
        let late = verify_at(&jwt, &jwks, SimTime(c.exp + CLOCK_SKEW));
        assert!(!late.ok && late.lines().last().unwrap().starts_with("✗ expired"));
        let early = verify_at(&jwt, &jwks, SimTime(c.nbf - CLOCK_SKEW - 1));
        assert!(!early.ok && early.lines().last().unwrap().starts_with("✗ not valid yet"));
        let mut odd = c.clone();
        odd.exp = u64::MAX;
        odd.nbf = u64::MAX;
        assert!(!verify_at(&token::sign(&odd), &jwks, SimTime(0)).ok);
        assert!(!verify_at(&token::sign(&odd), &jwks, SimTime(u64::MAX)).ok);
    }

    fn b64e(b: &[u8]) -> String {
        crate::model::b64::encode(b)
    }

    #[test]
    fn garbage_never_panics() {
        let jwks = token::jwks_json("t");
        let huge = "a".repeat(MAX_JWT_LEN + 1);
        let dots = ".".repeat(10_000);
        let big_n = format!(r#"{{"keys":[{{"kty":"RSA","kid":"k","n":"{}","e":"AQAB"}}]}}"#, "_".repeat(1000));
        let tiny_n = r#"{"keys":[{"kty":"RSA","kid":"k","n":"AQ","e":"AQAB"}]}"#;
        let bad_e = format!(r#"{{"keys":[{{"kty":"RSA","kid":"k","n":"{}","e":"AA"}}]}}"#, token::JWK_N);
        let kh = b64e(br#"{"alg":"RS256","kid":"k"}"#);
        let inputs = [
            String::new(), "....".into(), "a.b".into(), "a.b.c.d".into(), "!!.??.##".into(), huge.clone(), dots,
            "eyJ.eyJ.eyJ".into(), format!("{}.{}.{}", b64e(b"[1]"), b64e(b"{}"), b64e(b"x")),
            format!("{}.{}.{}", b64e(b"\xff\xfe"), b64e(b"{}"), b64e(b"x")),
            format!("{}.{}.{}", b64e(br#"{"alg":"RS256"}"#), b64e(b"{}"), b64e(b"x")),
            format!("{kh}.{}.{}", b64e(b"{}"), b64e(&[0xff; 256])),
            format!("{kh}.{}.{}", b64e(b"not json"), b64e(&[0u8; 1000])),
            "é.ü.😀".into(),
        ];
        let docs = [jwks.clone(), String::new(), "{".into(), "[]".into(), r#"{"keys":{}}"#.into(), r#"{"keys":[1,null,{}]}"#.into(), big_n, tiny_n.into(), bad_e, "x".repeat(MAX_JWKS_LEN + 1)];
        for jwt in &inputs {
            for doc in &docs {
                let v = verify_at(jwt, doc, SimTime(1_768_467_600));
                assert!(!v.ok);
                assert!(!v.checks.is_empty() && v.lines().iter().all(|l| l.starts_with('✓') || l.starts_with('✗')));
            }
        }
        let v = verify(&huge, &jwks);
        assert!(v.lines()[0].contains("KiB"));
    }
}
