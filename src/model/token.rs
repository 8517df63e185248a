//! Microsoft Entra ID's token service, as far as managed identities see it: it signs
//! RS256 access tokens with the (fake, fixed) demo tenant key and publishes the OpenID
//! configuration and JWKS so any standard JWT library can verify them.
//!
//! THE DEMO KEY IS NOT A SECRET. It is committed to the repository so that tokens are
//! reproducible byte for byte and verifiable by learners. It protects nothing.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The demo signing key (PKCS#1 PEM). Public on purpose: see the module docs.
pub const DEMO_KEY_PEM: &str = include_str!("demo_key/key.pem");
/// The same key as PKCS#1 DER (what the model parses: no PEM code in the bundle).
const DEMO_KEY_DER: &[u8] = include_bytes!("demo_key/key.der");
/// The demo key's self-signed certificate (PEM), published in the JWKS `x5c`.
pub const DEMO_CERT_PEM: &str = include_str!("demo_key/cert.pem");
/// `kid` and `x5t`: base64url SHA-1 thumbprint of the certificate, as Entra does.
pub const KID: &str = "QM0W4ws4NiHtrqjx08JbYaOYmVY";
/// RSA modulus, base64url.
pub const JWK_N: &str = "ouGckP6sb_DaiaNAfB7fsr28uxX5wF6LE9loz9uSV2es63joFveImQMHKdCPOMdxWcJ76FQkz9Jryk2fJUkDQIgMLCyXu5Di4QpjmVKGSLzA9ymqplvmLB0JFZuvxsa-7RYQN6yqFBNin_fzs8QCpMLbxV_J314mI2NbBxhsy8y7hQtidmpG5EPxJnip7kD6lRq3yNTP1DnJGZ8HKuYt0rEBPpxf0SFWWtM3N2vXeTXym-kKN3xvtEEpTf4BCJy8pgxYUMQHnwrdPShOXK5NRW61dH--RfK0c_z7X60UdkFum44rzyCq8-h4NNcqbdg9IhdI_LMl_9GzBllRr9adPw";
/// RSA exponent, base64url.
pub const JWK_E: &str = "AQAB";
/// Certificate DER, base64 (standard alphabet).
pub const X5C: &str = "MIIDXDCCAkSgAwIBAgIBATANBgkqhkiG9w0BAQsFADBGMUQwQgYDVQQDDDtNYW5hZ2VkIElkZW50aXR5IFBsYXlncm91bmQgREVNTyBzaWduaW5nIGtleSAtIG5vdCBhIHNlY3JldDAgFw0yNjExMjIwMTEyMDNaGA8yMTI2MTAyOTAxMTIwM1owRjFEMEIGA1UEAww7TWFuYWdlZCBJZGVudGl0eSBQbGF5Z3JvdW5kIERFTU8gc2lnbmluZyBrZXkgLSBub3QgYSBzZWNyZXQwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCi4ZyQ/qxv8NqJo0B8Ht+yvby7FfnAXosT2WjP25JXZ6zreOgW94iZAwcp0I84x3FZwnvoVCTP0mvKTZ8lSQNAiAwsLJe7kOLhCmOZUoZIvMD3KaqmW+YsHQkVm6/Gxr7tFhA3rKoUE2Kf9/OzxAKkwtvFX8nfXiYjY1sHGGzLzLuFC2J2akbkQ/EmeKnuQPqVGrfI1M/UOckZnwcq5i3SsQE+nF/RIVZa0zc3a9d5NfKb6Qo3fG+0QSlN/gEInLymDFhQxAefCt09KE5crk1FbrV0f75F8rRz/PtfrRR2QW6bjivPIKrz6Hg01ypt2D0iF0j8syX/0bMGWVGv1p0/AgMBAAGjUzBRMB0GA1UdDgQWBBQCWZW5/gZn/B1Q2gm9E8nAvSO79DAfBgNVHSMEGDAWgBQCWZW5/gZn/B1Q2gm9E8nAvSO79DAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQCJ+v7RlC1WIRaZ6NiGvMqdWLrnhw066697Ha5szvkQgcE/n4CL2xV7qa2dU9Fk055fVgbd+RSpx9FVpNo1NZ0QaFCD212ZhJh25hhEozJhGzwhDS8o9LHv7bbbDbxTa7a+dKWklueYBpsASnmF4VfweVx7wLC2Auk8YDkKyJ2AWQTEpNeDqUu8gGcqZrBUXXlZ5rLVJ3chzaWnednLSNQTuyNdIJMFob8cqUzRCGeXEz9oYVYlzG7hSnMQvfX86AuwElZgvHaLtKAPhPf6qlVCRRvVcwqBcNlPX0dIZQa57B57VQGHwAF0YgUQm6JyecE8M63ZlHv/frmq/gFrCCSf";

/// JWT header of a v1 access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwtHeader {
    /// `JWT`.
    pub typ: String,
    /// `RS256`.
    pub alg: String,
    /// Thumbprint of the signing certificate.
    pub x5t: String,
    /// Key id (same as `x5t` for v1 tokens).
    pub kid: String,
}

/// Claims of a managed-identity app-only access token (fact sheet §5.2), in the order
/// real tokens show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Audience: the requested resource, exactly as requested.
    pub aud: String,
    /// Issuer: `https://sts.windows.net/<tid>/` (v1).
    pub iss: String,
    /// Issued at (epoch seconds).
    pub iat: u64,
    /// Not before (equals `iat`).
    pub nbf: u64,
    /// Expiry: 24 h 5 min after `iat`.
    pub exp: u64,
    /// Opaque internal claim.
    pub aio: String,
    /// Client id of the managed identity.
    pub appid: String,
    /// `"2"`: the client authenticated with a certificate.
    pub appidacr: String,
    /// Delegated scopes (user tokens only, e.g. from the Azure CLI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// Group object ids, when the identity is in groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Identity provider (same as `iss`).
    pub idp: String,
    /// `"app"`: an app-only token.
    pub idtyp: String,
    /// Object id of the service principal.
    pub oid: String,
    /// Opaque internal claim.
    pub rh: String,
    /// App roles granted on the target API, when any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// User principal name (user tokens only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Subject (equals `oid` for app-only tokens).
    pub sub: String,
    /// Tenant id.
    pub tid: String,
    /// Unique token id.
    pub uti: String,
    /// `"1.0"`.
    pub ver: String,
    /// ARM id of the identity: the host resource for a system-assigned identity, the
    /// identity resource for a user-assigned one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub xms_mirid: String,
    /// Tenant creation time (epoch seconds).
    pub xms_tcdt: u64,
}

/// Lifetime of a managed-identity token: 24 h 5 min (fact sheet §5.3).
pub const MI_TOKEN_LIFETIME: u64 = 86_700;

fn signing_key() -> &'static super::rsa::PrivateKey {
    static KEY: OnceLock<super::rsa::PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| super::rsa::PrivateKey::from_pkcs1_der(DEMO_KEY_DER).expect("the committed demo key is valid PKCS#1 DER"))
}

/// Signs any serializable claims as an RS256 JWT with the given header. Deterministic:
/// PKCS#1 v1.5 signatures of the same bytes are identical.
pub fn sign_with_header<T: Serialize>(header: &serde_json::Value, claims: &T) -> String {
    let b64 = super::b64::encode;
    let h = serde_json::to_vec(header).expect("a JSON value serializes");
    let c = serde_json::to_vec(claims).expect("claims serialize");
    let signing_input = format!("{}.{}", b64(&h), b64(&c));
    let sig = memoized_signature(&signing_input, || b64(&signing_key().sign(signing_input.as_bytes())));
    format!("{signing_input}.{sig}")
}

/// RSA signing costs milliseconds, and re-simulating a scenario after an edit produces
/// mostly the same tokens: signatures are a pure function of the signing input, so they
/// are cached (bounded; cleared when full). Determinism is unaffected.
fn memoized_signature(input: &str, sign: impl FnOnce() -> String) -> String {
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<super::collections::Map<String, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Default::default()));
    if let Some(sig) = cache.lock().ok().and_then(|c| c.get(input).cloned()) {
        return sig;
    }
    let sig = sign();
    if let Ok(mut c) = cache.lock() {
        if c.len() >= 512 {
            c.clear();
        }
        c.insert(input.to_string(), sig.clone());
    }
    sig
}

/// Signs a managed-identity token with the demo tenant key (`typ`, `alg`, `x5t`, `kid` header).
pub fn sign(claims: &Claims) -> String {
    sign_with_header(&serde_json::json!({"typ": "JWT", "alg": "RS256", "x5t": KID, "kid": KID}), claims)
}

/// Splits a compact JWT into its decoded header and payload JSON texts (no verification).
pub fn decode_parts(jwt: &str) -> Option<(String, String, String)> {
    let mut it = jwt.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let dec = |x: &str| super::b64::decode(x).and_then(|b| String::from_utf8(b).ok());
    Some((dec(h)?, dec(p)?, s.to_string()))
}

/// Decodes the claims of a compact JWT (no verification).
pub fn decode_claims(jwt: &str) -> Option<Claims> {
    let (_, p, _) = decode_parts(jwt)?;
    serde_json::from_str(&p).ok()
}

/// The JWKS document (`…/discovery/keys`).
pub fn jwks_json(tenant_id: &str) -> String {
    serde_json::json!({
        "keys": [{
            "kty": "RSA", "use": "sig", "kid": KID, "x5t": KID, "n": JWK_N, "e": JWK_E,
            "x5c": [X5C], "issuer": format!("https://sts.windows.net/{tenant_id}/")
        }]
    })
    .to_string()
}

/// The v1 OpenID configuration document (abridged to the fields validators use).
pub fn openid_configuration_json(tenant_id: &str) -> String {
    serde_json::json!({
        "token_endpoint": format!("https://login.microsoftonline.com/{tenant_id}/oauth2/token"),
        "jwks_uri": "https://login.microsoftonline.com/common/discovery/keys",
        "issuer": format!("https://sts.windows.net/{tenant_id}/"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "tenant_region_scope": "EU",
        "note": "Managed Identity Playground demo tenant: the signing key is public and fake"
    })
    .to_string()
}
