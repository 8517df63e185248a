//! Microsoft Entra ID's token service, as far as managed identities see it: it signs
//! RS256 access tokens with the (fake, fixed) demo tenant key and publishes the OpenID
//! configuration and JWKS so any standard JWT library can verify them.
//!
//! Signing and verifying go through `jsonwebtoken`. Its cryptography is [`RS256_ONLY`], a
//! `CryptoProvider` over RustCrypto's `rsa` and `sha2` that implements the one algorithm
//! Entra access tokens use (the crate's `rust_crypto` feature would also link P-256, P-384,
//! Ed25519 and HMAC). The header bytes are Entra's own (`typ`, `alg`, `x5t`, `kid`, in that
//! order; fact sheet §5.1), so the token is assembled here and its signature made by
//! `jsonwebtoken::crypto::sign`: `jsonwebtoken::encode` would reorder the header.
//!
//! THE DEMO KEY IS NOT A SECRET. It is committed to the repository so that tokens are
//! reproducible byte for byte and verifiable by learners. It protects nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{Error as SignatureError, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The demo signing key (PKCS#1 PEM). Public on purpose: see the module docs.
pub const DEMO_KEY_PEM: &str = include_str!("demo_key/key.pem");
/// The same key as PKCS#1 DER (what `jsonwebtoken`'s `EncodingKey::from_rsa_der` takes).
const DEMO_KEY_DER: &[u8] = include_bytes!("demo_key/key.der");
/// A key no tenant publishes (PKCS#1 DER): scenarios forge tokens with it.
const ATTACKER_KEY_DER: &[u8] = include_bytes!("demo_key/attacker.der");
/// The `kid` a token forged with the attacker key carries; no JWKS lists it.
pub const ATTACKER_KID: &str = "attacker-demo-key";
/// The AKS cluster's service-account signing key (PKCS#1 DER; `aks-oidc.pem` is the same
/// key as PEM). Public on purpose, like the tenant's: every cluster of the playground
/// signs with it (a real cluster has a key of its own).
const CLUSTER_KEY_DER: &[u8] = include_bytes!("demo_key/aks-oidc.der");
/// The cluster key's `kid`, derived as Kubernetes derives it for the keys its OIDC issuer
/// publishes: base64url (no padding) of the SHA-256 of the public key's PKIX DER
/// (kube-apiserver's `keyIDFromPublicKey`).
pub const CLUSTER_KID: &str = "p7eZQyLAi--k42Sqi79Alon_B7Ntbc4mgPEiLaLHggU";
/// The cluster key's RSA modulus, base64url.
pub const CLUSTER_JWK_N: &str = "5ZVgkS6hUS6IIZe863QPTHu3GnY-GE9l1Gp6d2ahJh32OOhvdN1G3Thb4mjqTfEyfYdHB0gKNXnCz0I0vp9dDm2jPq3gCdc8tgEXo_WHYSM8DDDsdrRqm6JGJDyU1N4MY5gIcJaZ3YIUFiVeihcTLN1eA5Hi4d3MQKF_QCIvNwCeJOjBGqSyMIKA9pIcTJ6Vx-BVMyUO4r6DEfEIcjUuEVadLgEOboUy7bolAs2BA8O5AE5XnCGX3zU5SkO4BACnEoV5HZNMJa2yCAgBHr_Xty62tX2EwceoPy4wbLzAaCNCXi7QYG_J8NyFOPfF7BnBucZCGl5C4U8nyT1HLANw4w";
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
/// real tokens show them. Reading is lenient (`#[serde(default)]`): a token a learner
/// edited may lack claims, and the validator, not the parser, says what is wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// Group object ids, when the identity is in groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// User principal name (user tokens only).
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "String::is_empty")]
    pub xms_mirid: String,
    /// Tenant creation time (epoch seconds).
    pub xms_tcdt: u64,
}

/// Lifetime of a managed-identity token: 24 h 5 min (fact sheet §5.3).
pub const MI_TOKEN_LIFETIME: u64 = 86_700;

// ----- jsonwebtoken's cryptography: RS256 and nothing else -------------------------------

/// The `CryptoProvider` jsonwebtoken uses in this crate: RS256 (RSASSA-PKCS1-v1_5 with
/// SHA-256) over RustCrypto's `rsa` and `sha2`. Any other algorithm is refused with
/// `InvalidAlgorithm`; JWK thumbprints are SHA-256 only. Installed before jsonwebtoken is
/// first used (see [`crypto`]).
pub static RS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: rs256_signer,
    verifier_factory: rs256_verifier,
    jwk_utils: JwkUtils { extract_rsa_public_key_components: rsa_public_components, extract_ec_public_key_coordinates: no_ec_keys, compute_digest: digest },
};

/// Makes [`RS256_ONLY`] jsonwebtoken's provider for this process. Every call into
/// jsonwebtoken in this crate goes through here first. (jsonwebtoken keeps its provider in
/// a process-wide slot that can be set once; if something else set it first, that provider
/// is used: it still implements RS256 as the standard says.)
pub fn crypto() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = RS256_ONLY.install_default();
    });
}

struct Rs256Signer(SigningKey<Sha256>);

impl Signer<Vec<u8>> for Rs256Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignatureError> {
        // PKCS#1 v1.5 signing is deterministic: the same bytes always give the same signature.
        let sig: Signature = self.0.try_sign(msg)?;
        Ok(Box::<[u8]>::from(sig).into_vec())
    }
}

impl JwtSigner for Rs256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

struct Rs256Verifier(VerifyingKey<Sha256>);

impl Verifier<Vec<u8>> for Rs256Verifier {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), SignatureError> {
        let sig = Signature::try_from(signature.as_slice())?;
        self.0.verify(msg, &sig)
    }
}

impl JwtVerifier for Rs256Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

fn rs256_signer(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, JwtError> {
    if *alg != Algorithm::RS256 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    Ok(Box::new(Rs256Signer(SigningKey::<Sha256>::new(private_key(key.inner())?))))
}

fn rs256_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, JwtError> {
    if *alg != Algorithm::RS256 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let public = match key.kind() {
        DecodingKeyKind::RsaModulusExponent { n, e } => RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e)),
        DecodingKeyKind::SecretOrDer(der) => rsa::pkcs1::DecodeRsaPublicKey::from_pkcs1_der(der).map_err(|e| rsa::Error::from(rsa::pkcs1::Error::from(e))),
    }
    .map_err(|e| JwtError::from(ErrorKind::InvalidRsaKey(e.to_string())))?;
    Ok(Box::new(Rs256Verifier(VerifyingKey::<Sha256>::new(public))))
}

/// Parses a PKCS#1 DER private key; the demo and attacker keys are parsed once.
fn private_key(der: &[u8]) -> Result<RsaPrivateKey, JwtError> {
    static DEMO: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    static ATTACKER: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    static CLUSTER: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    let parse = |d: &[u8]| RsaPrivateKey::from_pkcs1_der(d).ok();
    let known = if der == DEMO_KEY_DER {
        DEMO.get_or_init(|| parse(DEMO_KEY_DER)).clone()
    } else if der == ATTACKER_KEY_DER {
        ATTACKER.get_or_init(|| parse(ATTACKER_KEY_DER)).clone()
    } else if der == CLUSTER_KEY_DER {
        CLUSTER.get_or_init(|| parse(CLUSTER_KEY_DER)).clone()
    } else {
        parse(der)
    };
    known.ok_or_else(|| ErrorKind::InvalidRsaKey("not a PKCS#1 DER RSA private key".into()).into())
}

fn rsa_public_components(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), JwtError> {
    let k = private_key(der)?;
    Ok((k.n().to_bytes_be(), k.e().to_bytes_be()))
}

fn no_ec_keys(_: &[u8], _: Algorithm) -> Result<(EllipticCurve, Vec<u8>, Vec<u8>), JwtError> {
    Err(ErrorKind::InvalidEcdsaKey.into())
}

fn digest(data: &[u8], hash: ThumbprintHash) -> Vec<u8> {
    match hash {
        ThumbprintHash::SHA256 => Sha256::digest(data).to_vec(),
        // Thumbprints here are SHA-256; the larger ones are not needed by any Entra flow.
        ThumbprintHash::SHA384 | ThumbprintHash::SHA512 => Vec::new(),
    }
}

// ----- signing -----------------------------------------------------------------------------

/// Which key signs a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigningKeyId {
    /// The demo tenant's published key (`kid` [`KID`]).
    Tenant,
    /// A key nobody publishes (`kid` [`ATTACKER_KID`]): a forgery.
    Attacker,
    /// The AKS cluster's service-account key (`kid` [`CLUSTER_KID`]), published by the
    /// cluster's OIDC issuer ([`cluster_jwks_json`]).
    Cluster,
}

impl SigningKeyId {
    fn der(self) -> &'static [u8] {
        match self {
            SigningKeyId::Tenant => DEMO_KEY_DER,
            SigningKeyId::Attacker => ATTACKER_KEY_DER,
            SigningKeyId::Cluster => CLUSTER_KEY_DER,
        }
    }
}

/// base64url without padding (JWT segments, RFC 7515 §2).
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url decoding: no padding, no other alphabet; `None` when malformed.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Signs `header.payload` (both already base64url) with `key`: the compact JWT. The
/// signature is `jsonwebtoken::crypto::sign` with RS256; PKCS#1 v1.5 signatures of the same
/// bytes are identical, so tokens are reproducible.
pub fn sign_segments(header_b64: &str, payload_b64: &str, key: SigningKeyId) -> String {
    crypto();
    let signing_input = format!("{header_b64}.{payload_b64}");
    let sig = rs256(&signing_input, key);
    format!("{signing_input}.{sig}")
}

/// Signs any serializable claims as an RS256 JWT with the given header, with the demo
/// tenant key.
pub fn sign_with_header<T: Serialize>(header: &serde_json::Value, claims: &T) -> String {
    let h = serde_json::to_vec(header).unwrap_or_default();
    let c = serde_json::to_vec(claims).unwrap_or_default();
    sign_segments(&b64url(&h), &b64url(&c), SigningKeyId::Tenant)
}

/// The RS256 signature (base64url) of `input` with `key`.
fn rs256(input: &str, key: SigningKeyId) -> String {
    jsonwebtoken::crypto::sign(input.as_bytes(), &EncodingKey::from_rsa_der(key.der()), Algorithm::RS256).unwrap_or_default()
}

/// Signatures already made, owned by whoever signs (a [`World`](super::World) during a
/// run; the playground keeps one across the runs of its edits). RSA signing costs
/// milliseconds, and re-simulating a scenario after an edit produces mostly the same
/// tokens: a signature is a pure function of its signing input and key, so it is kept
/// (bounded: at most 512, cleared when full). Determinism is unaffected; nothing is shared
/// between owners.
#[derive(Clone, Debug, Default)]
pub struct Signatures {
    memo: super::collections::Map<(String, SigningKeyId), String>,
}

impl Signatures {
    /// [`sign_segments`], remembering the signature.
    pub fn sign_segments(&mut self, header_b64: &str, payload_b64: &str, key: SigningKeyId) -> String {
        crypto();
        let signing_input = format!("{header_b64}.{payload_b64}");
        let k = (signing_input, key);
        let sig = match self.memo.get(&k) {
            Some(sig) => sig.clone(),
            None => {
                let sig = rs256(&k.0, key);
                if self.memo.len() >= 512 {
                    self.memo.clear();
                }
                self.memo.insert(k.clone(), sig.clone());
                sig
            }
        };
        format!("{}.{sig}", k.0)
    }

    /// [`sign_with_header`], remembering the signature.
    pub fn sign_with_header<T: Serialize>(&mut self, header: &serde_json::Value, claims: &T) -> String {
        let h = serde_json::to_vec(header).unwrap_or_default();
        let c = serde_json::to_vec(claims).unwrap_or_default();
        self.sign_segments(&b64url(&h), &b64url(&c), SigningKeyId::Tenant)
    }

    /// A Kubernetes service-account token signed with `key` (the cluster's own, or the
    /// attacker's for a forgery): header `{"alg":"RS256","kid":…}` as kube-apiserver writes it.
    pub fn sign_service_account<T: Serialize>(&mut self, claims: &T, key: SigningKeyId) -> String {
        let kid = if key == SigningKeyId::Attacker { ATTACKER_KID } else { CLUSTER_KID };
        let h = serde_json::to_vec(&serde_json::json!({"alg": "RS256", "kid": kid})).unwrap_or_default();
        let c = serde_json::to_vec(claims).unwrap_or_default();
        self.sign_segments(&b64url(&h), &b64url(&c), key)
    }

    /// [`sign`], remembering the signature.
    pub fn sign(&mut self, claims: &Claims) -> String {
        self.sign_with_header(&access_token_header(SigningKeyId::Tenant), claims)
    }
}

/// The header of a v1 access token signed with `key`: Entra's field order.
pub fn access_token_header(key: SigningKeyId) -> serde_json::Value {
    match key {
        SigningKeyId::Tenant => serde_json::json!({"typ": "JWT", "alg": "RS256", "x5t": KID, "kid": KID}),
        SigningKeyId::Attacker => serde_json::json!({"typ": "JWT", "alg": "RS256", "kid": ATTACKER_KID}),
        SigningKeyId::Cluster => serde_json::json!({"alg": "RS256", "kid": CLUSTER_KID}),
    }
}

/// Signs a managed-identity token with the demo tenant key (`typ`, `alg`, `x5t`, `kid` header).
pub fn sign(claims: &Claims) -> String {
    sign_with_header(&access_token_header(SigningKeyId::Tenant), claims)
}

/// Splits a compact JWT into its decoded header and payload JSON texts and its signature
/// segment (no verification; `None` unless there are exactly three segments whose first
/// two are base64url UTF-8).
pub fn decode_parts(jwt: &str) -> Option<(String, String, String)> {
    let mut it = jwt.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let dec = |x: &str| b64url_decode(x).and_then(|b| String::from_utf8(b).ok());
    Some((dec(h)?, dec(p)?, s.to_string()))
}

/// Decodes the claims of a compact JWT (no verification).
pub fn decode_claims(jwt: &str) -> Option<Claims> {
    let (_, p, _) = decode_parts(jwt)?;
    serde_json::from_str(&p).ok()
}

/// The same token with its payload replaced by `payload` (JSON text) and its signature
/// kept: what a tampered token looks like on the wire. No resource server accepts it.
pub fn with_payload(jwt: &str, payload: &str) -> String {
    let mut it = jwt.splitn(3, '.');
    let (h, _, s) = (it.next().unwrap_or(""), it.next(), it.next().unwrap_or(""));
    format!("{h}.{}.{s}", b64url(payload.as_bytes()))
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

/// The AKS OIDC issuer's JWKS (`<issuer>openid/v1/jwks`): the cluster's service-account
/// key with the members a Kubernetes issuer publishes (`use`, `kty`, `kid`, `alg`, `n`, `e`;
/// azure-workload-identity "OpenID Connect Issuer", the JWKS of a self-managed issuer as
/// `azwi jwks` writes it [O]).
pub fn cluster_jwks_json() -> String {
    serde_json::json!({"keys": [{"use": "sig", "kty": "RSA", "kid": CLUSTER_KID, "alg": "RS256", "n": CLUSTER_JWK_N, "e": JWK_E}]}).to_string()
}

/// The AKS OIDC issuer's discovery document (`<issuer>.well-known/openid-configuration`):
/// `issuer`, `jwks_uri` (`<issuer>openid/v1/jwks`), `response_types_supported` `["id_token"]`,
/// `subject_types_supported` `["public"]`, `id_token_signing_alg_values_supported`
/// `["RS256"]`, the fields and order a Kubernetes service-account issuer publishes
/// (azure-workload-identity docs; a self-managed issuer's document as served [O]).
pub fn cluster_openid_configuration_json(issuer: &str) -> String {
    serde_json::json!({
        "issuer": issuer,
        "jwks_uri": cluster_jwks_uri(issuer),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"]
    })
    .to_string()
}

/// Where a cluster issuer publishes its keys: `<issuer>/openid/v1/jwks` (one slash between).
pub fn cluster_jwks_uri(issuer: &str) -> String {
    format!("{}/openid/v1/jwks", issuer.trim_end_matches('/'))
}
