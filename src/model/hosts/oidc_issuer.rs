//! The AKS cluster's OIDC issuer: the public endpoint where a cluster publishes what Entra
//! ID needs to check its service-account tokens, the discovery document
//! (`<issuer>/.well-known/openid-configuration`) and the JWKS it names
//! (`<issuer>/openid/v1/jwks`) (azure-workload-identity docs, "OpenID Connect Issuer":
//! "AAD leverages OpenID Connect (OIDC) to discover public signing keys and verify the
//! authenticity of the service account token before exchanging it"). Its signing key is
//! the demo cluster key of `token.rs` (`SigningKeyId::Cluster`).
//!
//! Entra ID reads both documents on every exchange here: whether and for how long it caches
//! an issuer's metadata is not documented, so nothing is assumed.
//!
//! The issuer answers; it never decides whether a token is accepted (Entra ID does).

use crate::model::http::{Request, Response};
use crate::model::token;
use crate::model::trace::{Fidelity, ParticipantKind};
use crate::model::world::World;
use crate::model::world::{Draft, Pid};

const SOURCE: &str = "fact sheet §3.5; azure-workload-identity docs: OpenID Connect Issuer";

impl World {
    /// The lifeline of the issuer at `issuer` (an issuer URL; several workloads of one
    /// cluster share it), labelled by the first characters of its last path segment.
    pub(crate) fn p_oidc_issuer(&mut self, issuer: &str) -> Pid {
        let id: String = issuer.trim_end_matches('/').rsplit('/').next().unwrap_or("").chars().take(8).collect();
        self.participant(&format!("issuer:{}", issuer.to_ascii_lowercase()), ParticipantKind::OidcIssuer, &format!("OIDC issuer ({id}…)"))
    }

    /// Entra ID (`entra`) reads the discovery document of `issuer`, then the JWKS it names,
    /// drawing the four messages; returns the JWKS text (`{"keys": [...]}`).
    pub(crate) fn oidc_discovery(&mut self, entra: Pid, issuer: &str) -> String {
        let p = self.p_oidc_issuer(issuer);
        let discovery = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        self.push(Draft::runtime(entra, p, "GET /.well-known/openid-configuration").request(Request::new("GET", discovery)).source(SOURCE).explain(format!("A federated identity credential on the identity trusts the issuer {issuer}, so Entra ID asks that issuer which keys sign its tokens. It starts where OpenID Connect discovery starts: the issuer URL followed by /.well-known/openid-configuration. The document is public (no credential is sent): anyone can read it with curl.")));
        let doc = token::cluster_openid_configuration_json(issuer);
        self.push(Draft::runtime(p, entra, "200 discovery document").response(Response::new(200).json("application/json", doc)).fidelity(Fidelity::Modelled).source(SOURCE).explain("The discovery document names the issuer (the `iss` its tokens carry, which must equal the URL it was read from) and `jwks_uri`, where the public keys are. A Kubernetes service-account issuer publishes only these fields: it issues ID-token-like JWTs with public subjects, signed RS256."));
        let jwks_uri = token::cluster_jwks_uri(issuer);
        self.push(Draft::runtime(entra, p, "GET /openid/v1/jwks").request(Request::new("GET", jwks_uri)).source(SOURCE).explain("Entra ID follows `jwks_uri` to the issuer's JSON Web Key Set."));
        let jwks = token::cluster_jwks_json();
        self.push(Draft::runtime(p, entra, "200 JWKS (the cluster's public key)").response(Response::new(200).json("application/json", jwks.clone())).fidelity(Fidelity::Modelled).source(SOURCE).explain(format!("The JWKS lists the public half of the key the cluster signs service-account tokens with: `kid` {} (Kubernetes derives it from the key: base64url of the SHA-256 of the public key), `n` and `e`. The private half never leaves the cluster. Any standard JWT library can verify the projected token with this document, as Entra ID does next.", token::CLUSTER_KID)));
        jwks
    }
}
