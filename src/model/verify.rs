//! The one token validator. Every party that checks an access token runs [`validate`]:
//! Key Vault, Storage, ARM and SQL in the model, the JWT panel in the UI, and `mip verify`.
//!
//! The checks run in the order a resource server makes them (fact sheet §5.4), and the
//! first failure stops the run, as it stops the server:
//!
//! ```text
//!  format ──▶ signature ──▶ issuer ──▶ audience ──▶ lifetime ──▶ (authorization, by the server)
//!  3 base64url   RS256 with      iss is the     aud is one     nbf − 5 min ≤ now
//!  segments,     the JWKS key    tenant's       the service    < exp + 5 min
//!  JSON          whose kid       issuer         accepts        (virtual clock)
//!                matches
//! ```
//!
//! `jsonwebtoken` does the work of the first four: `decode_header` for the format,
//! `decode` with a `Validation` fixed to RS256 (the algorithm is never taken from the
//! token), the issuers and the audiences. The lifetime is checked here, against the
//! scenario's *virtual* clock with the same 5-minute leeway, because jsonwebtoken reads the
//! wall clock (and the model never does). Each failure is a typed [`Rejection`], from which
//! each service builds its own documented error (see `servers`).
//!
//! Pure: no clock (the instant is a parameter), no randomness, no panic on any input (the
//! token's size is bounded before anything is decoded).

use super::time::{human_duration, SimTime};
use super::token::{self, Claims};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Serialize;

/// Longest token checked (bytes). Real access tokens are a few KiB.
pub const MAX_JWT_LEN: usize = 64 * 1024;
/// Longest JWKS document read (bytes).
pub const MAX_JWKS_LEN: usize = 1024 * 1024;
/// Clock skew validators tolerate on `nbf`/`exp`, in seconds (Microsoft.IdentityModel's
/// default `DefaultClockSkew`, 5 min; fact sheet §5.4).
pub const CLOCK_SKEW: u64 = 300;

/// One step of validation, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckKind {
    /// Three base64url segments; header and payload are JSON objects.
    Format,
    /// RS256 signature with the JWKS key whose `kid` the header names.
    Signature,
    /// `iss` is an issuer of the tenant the service belongs to.
    Issuer,
    /// `aud` is one of the audiences the service accepts.
    Audience,
    /// `nbf` ≤ now < `exp`, each with [`CLOCK_SKEW`].
    Lifetime,
}

impl CheckKind {
    /// Every check, in order.
    pub const ALL: [CheckKind; 5] = [CheckKind::Format, CheckKind::Signature, CheckKind::Issuer, CheckKind::Audience, CheckKind::Lifetime];

    /// `format`, `signature`, `issuer`, `audience` or `lifetime`.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Format => "format",
            CheckKind::Signature => "signature",
            CheckKind::Issuer => "issuer",
            CheckKind::Audience => "audience",
            CheckKind::Lifetime => "lifetime",
        }
    }
}

/// Why a token was refused. Each resource server maps these to its own documented error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Rejection {
    /// Not a compact JWT, or its header or payload is not JSON (`why` says which).
    Malformed {
        /// What is wrong, in a phrase.
        why: String,
    },
    /// The header's `alg` is not RS256 (never trusted: the validator fixes the algorithm).
    Algorithm {
        /// The `alg` the header names (clipped), empty when absent.
        alg: String,
    },
    /// No key in the JWKS has the header's `kid` (or the header names none).
    UnknownKey {
        /// The `kid` (clipped), when there is one.
        kid: Option<String>,
        /// The header segment as sent (Key Vault echoes it in AKV10046).
        header: String,
    },
    /// The key was found but the signature does not verify: the token was changed after
    /// signing, or another key with the same `kid` signed it.
    BadSignature {
        /// The `kid` of the key tried.
        kid: String,
    },
    /// `iss` is missing or not an issuer of the service's tenant.
    Issuer {
        /// The token's `iss`, when present.
        found: Option<String>,
        /// The issuers the service accepts.
        expected: Vec<String>,
    },
    /// `aud` is missing or not one the service accepts.
    Audience {
        /// The token's `aud`, when present.
        found: Option<String>,
        /// The audiences the service accepts.
        accepted: Vec<String>,
    },
    /// `exp` + skew is at or before now.
    Expired {
        /// The token's `exp` (epoch seconds).
        exp: u64,
        /// The virtual time of the check.
        now: SimTime,
    },
    /// `nbf` − skew is after now.
    NotYetValid {
        /// The token's `nbf` (epoch seconds).
        nbf: u64,
        /// The virtual time of the check.
        now: SimTime,
    },
}

impl Rejection {
    /// The check that failed.
    pub fn check(&self) -> CheckKind {
        match self {
            Rejection::Malformed { .. } => CheckKind::Format,
            Rejection::Algorithm { .. } | Rejection::UnknownKey { .. } | Rejection::BadSignature { .. } => CheckKind::Signature,
            Rejection::Issuer { .. } => CheckKind::Issuer,
            Rejection::Audience { .. } => CheckKind::Audience,
            Rejection::Expired { .. } | Rejection::NotYetValid { .. } => CheckKind::Lifetime,
        }
    }

    /// The failure as a sentence a learner can read.
    pub fn explain(&self) -> String {
        match self {
            Rejection::Malformed { why } => format!("the token cannot be read: {why}"),
            Rejection::Algorithm { alg } if alg.is_empty() => "the header names no alg; only RS256 is accepted".into(),
            Rejection::Algorithm { alg } => format!("the header says alg {alg}; only RS256 is accepted (a validator fixes the algorithm itself and never trusts \"none\" or an HMAC algorithm)"),
            Rejection::UnknownKey { kid: Some(kid), .. } => format!("no key in the tenant's JWKS has kid {kid}, so no published key can verify the signature (a token signed by someone else's key)"),
            Rejection::UnknownKey { kid: None, .. } => "the header has no kid, so no key can be chosen from the JWKS".into(),
            Rejection::BadSignature { kid } => format!("the signature does not verify with key {}: the header or payload was changed after signing, or another key signed it", clip(kid, 8)),
            Rejection::Issuer { found: Some(f), expected } => format!("iss is {f}, but this service trusts only {}", quoted(expected)),
            Rejection::Issuer { found: None, .. } => "the token has no iss claim".into(),
            Rejection::Audience { found: Some(f), accepted } => format!("aud is {f}, but this service accepts only {}", quoted(accepted)),
            Rejection::Audience { found: None, .. } => "the token has no aud claim".into(),
            Rejection::Expired { exp, now } => format!("the token expired at {} ({} before {}, beyond the 5-minute clock skew)", SimTime(*exp).iso(), human_duration(span(now.0, *exp)), now.iso()),
            Rejection::NotYetValid { nbf, now } => format!("the token is not valid before {} ({} after {}, beyond the 5-minute clock skew)", SimTime(*nbf).iso(), human_duration(span(*nbf, now.0)), now.iso()),
        }
    }
}

/// One check and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Which check.
    pub kind: CheckKind,
    /// Whether it passed.
    pub ok: bool,
    /// What was found, in plain language (no ✓/✗ prefix: see [`Check::line`]).
    pub text: String,
}

impl Check {
    /// The check as a line: `✓ signature: …` or `✗ audience: …`.
    pub fn line(&self) -> String {
        format!("{} {}: {}", if self.ok { '✓' } else { '✗' }, self.kind.name(), self.text)
    }
}

/// What a service expects of a token. `issuers` and `audiences` are compared exactly
/// (a trailing slash matters; ARM accepts both forms by listing both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectations {
    /// Issuers the service trusts: those of the tenant it belongs to.
    pub issuers: Vec<String>,
    /// Audiences the service accepts; `None` checks no audience (a token seen on its own,
    /// e.g. in a token endpoint's answer, before any resource received it).
    pub audiences: Option<Vec<String>>,
    /// The virtual time of the check.
    pub now: SimTime,
}

/// The result of validating a token: every check made, in order (the run stops at the
/// first failure), and the claims or the rejection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenValidation {
    /// The checks made.
    pub checks: Vec<Check>,
    /// The claims when every check passed; the first failure otherwise.
    pub result: Result<Claims, Rejection>,
    /// The header's `kid`, when the header could be read.
    pub kid: Option<String>,
}

impl TokenValidation {
    /// True when every check passed.
    pub fn ok(&self) -> bool {
        self.result.is_ok()
    }
    /// Every check as a `✓ …` / `✗ …` line.
    pub fn lines(&self) -> Vec<String> {
        self.checks.iter().map(Check::line).collect()
    }
    /// The rejection, when there is one.
    pub fn rejection(&self) -> Option<&Rejection> {
        self.result.as_ref().err()
    }
}

/// Parses a JWKS document (`{"keys": [...]}`) with jsonwebtoken's `JwkSet`; `None` when it
/// is too large or not a JWKS.
pub fn parse_jwks(json: &str) -> Option<JwkSet> {
    if json.len() > MAX_JWKS_LEN {
        return None;
    }
    serde_json::from_str(json).ok()
}

/// The issuer of v1 tokens of `tenant_id` (`https://sts.windows.net/<tid>/`) and of v2
/// tokens (`https://login.microsoftonline.com/<tid>/v2.0`), fact sheet §5.2.
pub fn tenant_issuers(tenant_id: &str) -> Vec<String> {
    vec![format!("https://sts.windows.net/{tenant_id}/"), format!("https://login.microsoftonline.com/{tenant_id}/v2.0")]
}

/// Validates a compact JWT against a JWKS and what the service expects. Never panics.
pub fn validate(jwt: &str, jwks: &JwkSet, expect: &Expectations) -> TokenValidation {
    let mut run = Run { checks: Vec::new(), kid: None };
    let result = run.go(jwt.trim(), jwks, expect);
    TokenValidation { checks: run.checks, result, kid: run.kid }
}

struct Run {
    checks: Vec<Check>,
    kid: Option<String>,
}

impl Run {
    fn pass(&mut self, kind: CheckKind, text: String) {
        self.checks.push(Check { kind, ok: true, text });
    }

    fn fail<T>(&mut self, r: Rejection) -> Result<T, Rejection> {
        self.checks.push(Check { kind: r.check(), ok: false, text: r.explain() });
        Err(r)
    }

    fn go(&mut self, jwt: &str, jwks: &JwkSet, expect: &Expectations) -> Result<Claims, Rejection> {
        let malformed = |why: &str| Rejection::Malformed { why: why.to_string() };
        if jwt.is_empty() {
            return self.fail(malformed("there is no token"));
        }
        if jwt.len() > MAX_JWT_LEN {
            return self.fail(malformed(&format!("it is {} bytes long; nothing over {} KiB is read", jwt.len(), MAX_JWT_LEN / 1024)));
        }
        let segments: Vec<&str> = jwt.split('.').collect();
        if segments.len() != 3 {
            return self.fail(malformed(&format!("a compact JWT is three base64url segments joined by dots (header.payload.signature); this one has {}", segments.len())));
        }
        token::crypto();
        let header = match jsonwebtoken::decode_header(jwt) {
            Ok(h) => h,
            Err(e) => {
                // An algorithm name jsonwebtoken does not know is still a readable header.
                if let Some(alg) = raw_alg(segments[0]) {
                    return self.fail(Rejection::Algorithm { alg: clip(&alg, 20) });
                }
                return self.fail(malformed(&format!("the header {}", reading_error(e.kind()))));
            }
        };
        // Text, read with the same JSON readers the rest of the model uses (one copy of each
        // in the bundle): the claims object, then the claims.
        let payload = token::b64url_decode(segments[1]).and_then(|b| String::from_utf8(b).ok());
        let Some(payload) = payload.filter(|p| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(p).is_ok()) else {
            return self.fail(malformed("the payload is not a base64url JSON object of claims"));
        };
        let claims: Claims = match serde_json::from_str(&payload) {
            Ok(c) => c,
            Err(e) => return self.fail(malformed(&format!("a claim has the wrong type ({})", clip(&e.to_string(), 80)))),
        };
        self.pass(CheckKind::Format, format!("three base64url segments; header {{alg {:?}, kid {}}} and {} claims are JSON", header.alg, header.kid.as_deref().map(|k| clip(k, 8)).unwrap_or_else(|| "none".into()), claims_count(&payload)));
        if header.alg != Algorithm::RS256 {
            return self.fail(Rejection::Algorithm { alg: format!("{:?}", header.alg) });
        }
        let Some(kid) = header.kid.clone() else {
            return self.fail(Rejection::UnknownKey { kid: None, header: clip(segments[0], 200) });
        };
        self.kid = Some(kid.clone());
        let Some(jwk) = jwks.find(&kid) else {
            return self.fail(Rejection::UnknownKey { kid: Some(clip(&kid, 40)), header: clip(segments[0], 200) });
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            return self.fail(Rejection::UnknownKey { kid: Some(clip(&kid, 40)), header: clip(segments[0], 200) });
        };
        // One decode makes the signature, issuer and audience comparisons; jsonwebtoken
        // verifies the signature first, then iss, then aud, and its error names the first
        // that failed. It accepts a token that lacks iss or aud altogether, so those two
        // absences are checked here (after the signature, in the same order).
        let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
        v.validate_exp = false; // lifetime: below, on the virtual clock
        v.validate_nbf = false;
        v.leeway = CLOCK_SKEW;
        v.required_spec_claims.clear();
        v.set_issuer(&expect.issuers);
        v.validate_aud = expect.audiences.is_some();
        if let Some(auds) = &expect.audiences {
            v.set_audience(auds);
        }
        let verdict = jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &v).map_err(|e| e.into_kind());
        if let Err(ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) | ErrorKind::Provider(_) | ErrorKind::InvalidAlgorithm) = verdict {
            return self.fail(Rejection::BadSignature { kid: clip(&kid, 40) });
        }
        if let Err(e) = &verdict {
            if !matches!(e, ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience) {
                return self.fail(malformed(&format!("jsonwebtoken could not read it ({})", clip(&jsonwebtoken::errors::Error::from(e.clone()).to_string(), 80))));
            }
        }
        self.pass(CheckKind::Signature, format!("RS256 signature verifies with key {} from the tenant's published JWKS (RSA PKCS#1 v1.5 over the SHA-256 of header.payload)", clip(&kid, 8)));
        let found = |s: &str| (!s.is_empty()).then(|| clip(s, 200));
        if matches!(verdict, Err(ErrorKind::InvalidIssuer)) || claims.iss.is_empty() {
            return self.fail(Rejection::Issuer { found: found(&claims.iss), expected: expect.issuers.clone() });
        }
        self.pass(CheckKind::Issuer, format!("iss {} is an issuer of the tenant this service trusts", clip(&claims.iss, 100)));
        match &expect.audiences {
            Some(accepted) => {
                if matches!(verdict, Err(ErrorKind::InvalidAudience)) || claims.aud.is_empty() {
                    return self.fail(Rejection::Audience { found: found(&claims.aud), accepted: accepted.clone() });
                }
                self.pass(CheckKind::Audience, format!("aud {} is one this service accepts", clip(&claims.aud, 100)));
            }
            None => self.pass(CheckKind::Audience, format!("aud is {} (the resource that receives the token compares it with its own)", clip(&claims.aud, 100))),
        }
        let now = expect.now;
        if claims.exp == 0 {
            return self.fail(malformed("the payload has no numeric exp claim, so its lifetime cannot be checked"));
        }
        if now.0.saturating_add(CLOCK_SKEW) < claims.nbf {
            return self.fail(Rejection::NotYetValid { nbf: claims.nbf, now });
        }
        if now.0 >= claims.exp.saturating_add(CLOCK_SKEW) {
            return self.fail(Rejection::Expired { exp: claims.exp, now });
        }
        let left = if now.0 < claims.exp { format!("expires in {}", human_duration(span(claims.exp, now.0))) } else { "just past exp, still inside the 5-minute clock skew".into() };
        self.pass(CheckKind::Lifetime, format!("valid at {} (nbf ≤ now < exp, 5-minute skew): {left}", now.iso()));
        Ok(claims)
    }
}

/// The signature check alone, as a party that trusts an issuer's JWKS but reads the
/// claims itself makes it (Entra ID verifying a workload-identity assertion, whose `aud` is
/// an array): the header's `kid` must name a key of `jwks` ([`Rejection::UnknownKey`]) and
/// the RS256 signature must verify with it ([`Rejection::BadSignature`]); a token that is
/// not a compact RS256 JWT is [`Rejection::Malformed`] or [`Rejection::Algorithm`]. Uses
/// the same jsonwebtoken decode as [`validate`], with no claim checked. Never panics.
pub fn verify_signature(jwt: &str, jwks: &JwkSet) -> Result<(), Rejection> {
    let jwt = jwt.trim();
    if jwt.is_empty() || jwt.len() > MAX_JWT_LEN || jwt.split('.').count() != 3 {
        return Err(Rejection::Malformed { why: "not a compact JWT of a readable size".into() });
    }
    token::crypto();
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| Rejection::Malformed { why: "the header cannot be read".into() })?;
    if header.alg != Algorithm::RS256 {
        return Err(Rejection::Algorithm { alg: format!("{:?}", header.alg) });
    }
    let head = clip(jwt.split('.').next().unwrap_or(""), 200);
    let kid = header.kid.ok_or(Rejection::UnknownKey { kid: None, header: head.clone() })?;
    let key = jwks.find(&kid).and_then(|k| DecodingKey::from_jwk(k).ok()).ok_or_else(|| Rejection::UnknownKey { kid: Some(clip(&kid, 64)), header: head })?;
    let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    match jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &v).map_err(|e| e.into_kind()) {
        Ok(_) => Ok(()),
        Err(ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) | ErrorKind::Provider(_) | ErrorKind::InvalidAlgorithm) => Err(Rejection::BadSignature { kid: clip(&kid, 64) }),
        Err(_) => Err(Rejection::Malformed { why: "the payload is not a JSON object".into() }),
    }
}

/// The `alg` of a header jsonwebtoken refused, when the header is otherwise a JSON object.
fn raw_alg(header_b64: &str) -> Option<String> {
    let bytes = token::b64url_decode(header_b64)?;
    let v: serde_json::Value = serde_json::from_str(std::str::from_utf8(&bytes).ok()?).ok()?;
    v.get("alg")?.as_str().map(str::to_string)
}

fn reading_error(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Base64(_) => "is not base64url (A–Z a–z 0–9 - _, no padding)",
        ErrorKind::Utf8(_) => "is not UTF-8 text",
        ErrorKind::Json(_) => "is not a JSON object with an alg",
        _ => "cannot be read",
    }
}

fn claims_count(payload: &str) -> usize {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(payload).map(|m| m.len()).unwrap_or(0)
}

fn quoted(items: &[String]) -> String {
    items.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ")
}

/// At most `n` characters of `s`, with `…` when cut (for echoing untrusted values).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n).collect::<String>() + "…" }
}

/// `later - earlier` in seconds, for `later >= earlier`, clamped into `i64`.
fn span(later: u64, earlier: u64) -> i64 {
    i64::try_from(later.saturating_sub(earlier)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::token::{self, Claims, SigningKeyId};

    /// The cluster issuer's published key is the key that signs service-account tokens: a
    /// token it signs verifies against [`token::cluster_jwks_json`], a changed payload or the
    /// attacker's key does not, and the tenant's JWKS does not know the cluster's kid.
    #[test]
    fn cluster_jwks_verifies_service_account_tokens_and_nothing_else() {
        let jwks = parse_jwks(&token::cluster_jwks_json()).unwrap();
        let claims = serde_json::json!({"aud": ["api://AzureADTokenExchange"], "iss": "https://x.oic.prod-aks.azure.com/t/c/", "sub": "system:serviceaccount:a:b", "exp": 2, "nbf": 1, "iat": 1});
        let mut sigs = token::Signatures::default();
        let good = sigs.sign_service_account(&claims, SigningKeyId::Cluster);
        assert_eq!(verify_signature(&good, &jwks), Ok(()));
        let tampered = token::with_payload(&good, &claims.to_string().replace(":a:b", ":a:c"));
        assert!(matches!(verify_signature(&tampered, &jwks), Err(Rejection::BadSignature { .. })));
        let forged = sigs.sign_service_account(&claims, SigningKeyId::Attacker);
        assert!(matches!(verify_signature(&forged, &jwks), Err(Rejection::UnknownKey { kid: Some(k), .. }) if k == token::ATTACKER_KID));
        let tenant = parse_jwks(&token::jwks_json("t")).unwrap();
        assert!(matches!(verify_signature(&good, &tenant), Err(Rejection::UnknownKey { .. })));
        assert!(matches!(verify_signature("a.b", &jwks), Err(Rejection::Malformed { .. })));
    }

    const NOW: u64 = 1_768_467_600;

    fn claims() -> Claims {
        Claims {
            aud: "https://vault.azure.net".into(),
            iss: "https://sts.windows.net/tenant-1/".into(),
            iat: NOW,
            nbf: NOW,
            exp: NOW + token::MI_TOKEN_LIFETIME,
            aio: "aio".into(),
            appid: "client-1".into(),
            appidacr: "2".into(),
            idp: "https://sts.windows.net/tenant-1/".into(),
            idtyp: "app".into(),
            oid: "oid-1".into(),
            rh: "rh".into(),
            sub: "oid-1".into(),
            tid: "tenant-1".into(),
            uti: "uti".into(),
            ver: "1.0".into(),
            xms_mirid: "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm".into(),
            xms_tcdt: 1_600_000_000,
            ..Claims::default()
        }
    }

    fn jwks() -> JwkSet {
        parse_jwks(&token::jwks_json("tenant-1")).expect("the published JWKS parses")
    }

    fn vault(now: u64) -> Expectations {
        Expectations { issuers: tenant_issuers("tenant-1"), audiences: Some(vec!["https://vault.azure.net".into(), "https://vault.azure.net/".into()]), now: SimTime(now) }
    }

    fn failed(v: &TokenValidation) -> CheckKind {
        v.rejection().map(Rejection::check).expect("rejected")
    }

    #[test]
    fn a_signed_token_passes_every_check_in_order() {
        let v = validate(&token::sign(&claims()), &jwks(), &vault(NOW));
        assert!(v.ok(), "{:#?}", v.lines());
        assert_eq!(v.checks.iter().map(|c| c.kind).collect::<Vec<_>>(), CheckKind::ALL);
        assert_eq!(v.kid.as_deref(), Some(token::KID));
        assert_eq!(v.result.as_ref().unwrap().oid, "oid-1");
    }

    #[test]
    fn a_flipped_signature_character_fails_the_signature() {
        let jwt = token::sign(&claims());
        let sig_start = jwt.rfind('.').unwrap() + 1;
        for i in [sig_start, sig_start + 40, jwt.len() - 2] {
            let mut b = jwt.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let v = validate(std::str::from_utf8(&b).unwrap(), &jwks(), &vault(NOW));
            assert_eq!(failed(&v), CheckKind::Signature, "position {i}: {:#?}", v.lines());
        }
    }

    #[test]
    fn one_changed_claim_fails_the_signature() {
        let jwt = token::sign(&claims());
        let mut other = claims();
        other.oid = "someone-else".into();
        let tampered = token::with_payload(&jwt, &serde_json::to_string(&other).unwrap());
        let v = validate(&tampered, &jwks(), &vault(NOW));
        assert!(matches!(v.rejection(), Some(Rejection::BadSignature { .. })), "{:#?}", v.lines());
        assert!(v.checks[0].ok && !v.checks[1].ok && v.checks.len() == 2);
    }

    #[test]
    fn a_key_nobody_published_is_an_unknown_key() {
        let h = token::b64url(&serde_json::to_vec(&token::access_token_header(SigningKeyId::Attacker)).unwrap());
        let p = token::b64url(&serde_json::to_vec(&claims()).unwrap());
        let forged = token::sign_segments(&h, &p, SigningKeyId::Attacker);
        let v = validate(&forged, &jwks(), &vault(NOW));
        assert!(matches!(v.rejection(), Some(Rejection::UnknownKey { kid: Some(k), .. }) if k == token::ATTACKER_KID), "{:#?}", v.lines());
        // The attacker reusing the tenant's kid gets past the key lookup, not the signature.
        let h = token::b64url(&serde_json::to_vec(&token::access_token_header(SigningKeyId::Tenant)).unwrap());
        let forged = token::sign_segments(&h, &p, SigningKeyId::Attacker);
        assert!(matches!(validate(&forged, &jwks(), &vault(NOW)).rejection(), Some(Rejection::BadSignature { .. })));
    }

    #[test]
    fn issuer_then_audience_are_compared_exactly() {
        let mut c = claims();
        c.iss = "https://sts.windows.net/other-tenant/".into();
        c.aud = "https://management.azure.com/".into();
        let v = validate(&token::sign(&c), &jwks(), &vault(NOW));
        assert!(matches!(v.rejection(), Some(Rejection::Issuer { found: Some(f), .. }) if f.contains("other-tenant")), "{:#?}", v.lines());
        let mut c = claims();
        c.aud = "https://management.azure.com/".into();
        let v = validate(&token::sign(&c), &jwks(), &vault(NOW));
        assert!(matches!(v.rejection(), Some(Rejection::Audience { found: Some(f), .. }) if f == "https://management.azure.com/"));
        c.aud = "https://vault.azure.net/".into();
        assert!(validate(&token::sign(&c), &jwks(), &vault(NOW)).ok(), "both slash forms are listed");
        let mut any = vault(NOW);
        any.audiences = None;
        c.aud = "api://whatever".into();
        assert!(validate(&token::sign(&c), &jwks(), &any).ok());
    }

    #[test]
    fn lifetime_is_checked_at_the_virtual_time_with_five_minutes_of_skew() {
        let c = claims();
        let jwt = token::sign(&c);
        assert!(validate(&jwt, &jwks(), &vault(c.exp + CLOCK_SKEW - 1)).ok());
        let late = validate(&jwt, &jwks(), &vault(c.exp + CLOCK_SKEW));
        assert!(matches!(late.rejection(), Some(Rejection::Expired { .. })));
        assert!(late.lines().last().unwrap().starts_with("✗ lifetime: the token expired"));
        let early = validate(&jwt, &jwks(), &vault(c.nbf - CLOCK_SKEW - 1));
        assert!(matches!(early.rejection(), Some(Rejection::NotYetValid { .. })));
        let mut odd = c.clone();
        odd.exp = u64::MAX;
        odd.nbf = u64::MAX;
        assert!(!validate(&token::sign(&odd), &jwks(), &vault(0)).ok());
        assert!(!validate(&token::sign(&odd), &jwks(), &vault(u64::MAX)).ok());
    }

    #[test]
    fn unsafe_algorithms_are_refused() {
        let p = token::b64url(&serde_json::to_vec(&claims()).unwrap());
        for header in [r#"{"alg":"none"}"#, r#"{"alg":"HS256","kid":"QM0W4ws4NiHtrqjx08JbYaOYmVY"}"#, r#"{"alg":"RS512","kid":"QM0W4ws4NiHtrqjx08JbYaOYmVY"}"#] {
            let jwt = format!("{}.{p}.{}", token::b64url(header.as_bytes()), token::b64url(b"sig"));
            let v = validate(&jwt, &jwks(), &vault(NOW));
            assert!(matches!(v.rejection(), Some(Rejection::Algorithm { .. })), "{header}: {:#?}", v.lines());
        }
    }

    #[test]
    fn garbage_never_panics() {
        let jwks_docs = [token::jwks_json("t"), String::new(), "{".into(), "[]".into(), r#"{"keys":{}}"#.into(), r#"{"keys":[]}"#.into(), r#"{"keys":[{"kty":"RSA","kid":"QM0W4ws4NiHtrqjx08JbYaOYmVY","n":"AQ","e":"AQAB"}]}"#.into(), format!(r#"{{"keys":[{{"kty":"RSA","kid":"QM0W4ws4NiHtrqjx08JbYaOYmVY","n":"{}","e":"AAAA"}}]}}"#, token::JWK_N), "x".repeat(MAX_JWKS_LEN + 1)];
        let kh = token::b64url(br#"{"alg":"RS256","kid":"QM0W4ws4NiHtrqjx08JbYaOYmVY"}"#);
        let huge = "a".repeat(MAX_JWT_LEN + 1);
        let inputs = [
            String::new(), "....".into(), "a.b".into(), "a.b.c.d".into(), "!!.??.##".into(), huge, ".".repeat(10_000),
            "eyJ.eyJ.eyJ".into(), format!("{}.{}.{}", token::b64url(b"[1]"), token::b64url(b"{}"), token::b64url(b"x")),
            format!("{}.{}.{}", token::b64url(b"\xff\xfe"), token::b64url(b"{}"), token::b64url(b"x")),
            format!("{kh}.{}.{}", token::b64url(b"{}"), token::b64url(&[0xff; 256])),
            format!("{kh}.{}.{}", token::b64url(b"not json"), token::b64url(&[0u8; 1000])),
            format!("{kh}.{}.{}", token::b64url(br#"{"exp":"soon","aud":["a","b"]}"#), token::b64url(&[1u8; 256])),
            "é.ü.😀".into(),
        ];
        for doc in &jwks_docs {
            let set = parse_jwks(doc).unwrap_or(JwkSet { keys: vec![] });
            for jwt in &inputs {
                let v = validate(jwt, &set, &vault(NOW));
                assert!(!v.ok() && !v.checks.is_empty() && !v.checks.last().unwrap().ok);
            }
        }
    }
}
