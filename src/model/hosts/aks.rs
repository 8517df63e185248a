//! AKS workload identity: the kubelet's projected service-account token and its exchange
//! for an Entra token through a federated identity credential (fact sheet §3.5).

use crate::model::entra::token_service::{FederationRefusal, TOKEN_EXCHANGE_AUDIENCE};
use crate::model::hosts::{Host, JSON_UTF8};
use crate::model::http::{Request, Response};
use crate::model::scenario::{AssertionForgery, Sdk};
use crate::model::sdk::Got;
use crate::model::token::{self, SigningKeyId, MI_TOKEN_LIFETIME};
use crate::model::verify::{self, Rejection};
use crate::model::time::SimTime;
use crate::model::trace::Fidelity;
use crate::model::world::World;
use crate::model::world::{Draft, Pid};
use crate::model::trace::{StepKind, CredentialFailure};

impl World {
    /// The pod's code forges its client assertion (`forgedAssertion`): it claims the subject
    /// the identity's federated credential trusts for this issuer (the first such), either by
    /// rewriting the projected token's payload (the signature kept) or by signing a token of
    /// its own with a key the cluster does not publish.
    fn forge_assertion(&mut self, app: Pid, how: AssertionForgery, client_id: &str, jwt: &str, mut claims: serde_json::Value) -> (String, serde_json::Value) {
        let issuer = claims["iss"].as_str().unwrap_or("").to_string();
        let trusted = self.find_uami(client_id).and_then(|u| self.resources.get(&u.mi_resource_id.to_ascii_lowercase())).and_then(|r| r.data.federated_credentials.iter().find(|f| f.issuer == issuer).map(|f| f.subject.clone()));
        if let Some(sub) = &trusted {
            claims["sub"] = sub.clone().into();
            if let Some(sa) = sub.rsplit(':').next() {
                claims["kubernetes.io"]["serviceaccount"]["name"] = sa.into();
            }
        }
        let subject = claims["sub"].as_str().unwrap_or("").to_string();
        let (forged, label, what) = match how {
            AssertionForgery::Tampered => (token::with_payload(jwt, &claims.to_string()), "client assertion: the token with its subject rewritten", "rewrites the payload of the projected token to claim the subject the identity's federated credential trusts, and keeps the cluster's signature, which was made over the original payload"),
            AssertionForgery::Attacker => (self.signatures.sign_service_account(&claims, SigningKeyId::Attacker), "client assertion: a token signed with the attacker's key", "builds a token of its own with the cluster's issuer, the trusted subject and the right audience, and signs it with a key it holds (kid attacker-demo-key), which the cluster's issuer does not publish"),
        };
        let s = self.push(Draft::runtime_on(app, label).note(&format!("The code sends a forged assertion claiming {subject}")).fidelity(Fidelity::Conceptual).source("fact sheet §3.5").explain(format!("An experiment: instead of the token the kubelet projected, the code {what}. Every claim Entra ID compares is now right, so only the signature can tell.")));
        s.jwt = Some(forged.clone());
        (forged, claims)
    }

    pub(crate) fn workload_token(&mut self, h: &Host, app: Pid, resource: &str, sdk: Sdk) -> Got {
        let Some(res) = h.resource.clone() else { return Got::Failed };
        let Some((ns, sa, ident_name, issuer)) = res.data.workload.clone() else {
            let s = self.push(Draft::runtime_on(app, "WorkloadIdentityCredential unavailable").note("No projected service-account token on this host").fidelity(Fidelity::Documented).source("fact sheet §3.5").explain("Workload identity needs the AKS webhook's environment variables and token file."));
            s.set_kind(StepKind::Credential(CredentialFailure::Unavailable));
            return Got::Failed;
        };
        let kubelet = self.p_endpoint(&res);
        let entra = self.p_entra();
        let client_id = h.env.get("AZURE_CLIENT_ID").cloned().unwrap_or_default();
        let subject = format!("system:serviceaccount:{ns}:{sa}");
        let now = self.now.0;
        let host_key = h.name.to_ascii_lowercase();
        let kept = if h.app.keeps_federated_token { self.kept_federated_tokens.get(&host_key).cloned() } else { None };
        let (sa_jwt, sa_claims) = match kept {
            Some((jwt, claims)) => {
                let exp = claims["exp"].as_u64().unwrap_or(0);
                let s = self.push(Draft::runtime_on(app, "client assertion: the service-account token read at start").note(&format!("The code sends the token it read from AZURE_FEDERATED_TOKEN_FILE at start (exp {}), not the file's current content", SimTime(exp).iso())).fidelity(Fidelity::Documented).source("fact sheet §3.5").explain("This code read the projected token file once and keeps the string. The kubelet has rotated the file since (it refreshes the token well before its hour is up), but the code never reads it again."));
                s.jwt = Some(jwt.clone());
                (jwt, claims)
            }
            None => {
                let sa_claims = serde_json::json!({"aud": [TOKEN_EXCHANGE_AUDIENCE], "exp": now + 3600, "iat": now, "iss": issuer, "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": sa}}, "nbf": now, "sub": subject});
                let sa_jwt = self.signatures.sign_service_account(&sa_claims, SigningKeyId::Cluster);
                let s = self.push(Draft::runtime(kubelet, app, "projected service-account token").internal("/var/run/secrets/azure/tokens/azure-identity-token", sa_claims.clone()).source("fact sheet §3.5").explain(format!("The kubelet projects a short-lived Kubernetes service-account token for {subject} into the pod, with audience api://AzureADTokenExchange, and rotates it. The AKS webhook set AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST. The cluster signs the token with its service-account key (kid {}), whose public half its OIDC issuer publishes.", token::CLUSTER_KID)));
                s.jwt = Some(sa_jwt.clone());
                if h.app.keeps_federated_token {
                    self.kept_federated_tokens.insert(host_key, (sa_jwt.clone(), sa_claims.clone()));
                }
                match h.app.forged_assertion {
                    Some(f) => self.forge_assertion(app, f, &client_id, &sa_jwt, sa_claims),
                    None => (sa_jwt, sa_claims),
                }
            }
        };
        let form = format!("client_id={}&scope={}&grant_type=client_credentials&client_assertion_type={}&client_assertion={}", client_id, crate::model::http::encode(&format!("{}/.default", resource.trim_end_matches('/'))), crate::model::http::encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), sa_jwt);
        let req = Request::new("POST", format!("https://login.microsoftonline.com/{}/oauth2/v2.0/token", self.directory.tenant_id)).header("Content-Type", "application/x-www-form-urlencoded").body(form);
        self.push(Draft::runtime(app, entra, "POST /oauth2/v2.0/token (client_assertion)").request(req).fidelity(Fidelity::Documented).source("fact sheet §3.5").explain(format!("WorkloadIdentityCredential ({sdk}) exchanges the service-account token for an Entra token: a client-credentials request for the user-assigned identity's client id, with the Kubernetes token as client_assertion. No IMDS, no secret in the pod.")));
        let uami = self.find_uami(&client_id).filter(|u| u.mi_resource_id.to_ascii_lowercase().ends_with(&format!("/{}", ident_name.to_ascii_lowercase())) || self.find_uami(&ident_name).map(|x| x.client_id == u.client_id).unwrap_or(false));
        let fics = uami.as_ref().and_then(|u| self.resources.get(&u.mi_resource_id.to_ascii_lowercase())).map(|r| r.data.federated_credentials.clone()).unwrap_or_default();
        let tenant = self.directory.tenant_id.clone();
        // Entra ID's order: the application (the identity), the assertion's lifetime, a
        // federated credential that trusts its issuer (before any request to that issuer:
        // Entra ID reads metadata only of issuers a credential names), the issuer's keys and
        // the signature, and only then the claims a valid signature vouches for (subject,
        // audience) [I: each code names only what was checked before it].
        let (a_iss, a_sub) = (sa_claims["iss"].as_str().unwrap_or("").to_string(), sa_claims["sub"].as_str().unwrap_or("").to_string());
        let decision = match uami.filter(|u| self.directory.get(&u.principal_id).is_some()) {
            None => Err(FederationRefusal::UnknownClient { client_id: client_id.clone(), tenant }),
            Some(_) if !(sa_claims["nbf"].as_u64().unwrap_or(0)..sa_claims["exp"].as_u64().unwrap_or(0)).contains(&now) => Err(FederationRefusal::AssertionLifetime { now: self.now, nbf: SimTime(sa_claims["nbf"].as_u64().unwrap_or(0)), exp: SimTime(sa_claims["exp"].as_u64().unwrap_or(0)) }),
            Some(u) => FederationRefusal::check_issuer(&fics, &a_iss).and_then(|()| {
                let jwks = self.oidc_discovery(entra, &a_iss);
                let keys = verify::parse_jwks(&jwks).unwrap_or(jsonwebtoken::jwk::JwkSet { keys: Vec::new() });
                match verify::verify_signature(&sa_jwt, &keys) {
                    Ok(()) => Ok(()),
                    Err(Rejection::UnknownKey { kid, .. }) => Err(FederationRefusal::UnknownSigningKey { kid: kid.unwrap_or_default(), issuer: a_iss.clone() }),
                    Err(Rejection::BadSignature { kid }) => Err(FederationRefusal::BadSignature { kid }),
                    Err(_) => Err(FederationRefusal::BadSignature { kid: String::new() }),
                }
            }).and_then(|()| FederationRefusal::check(&fics, &a_iss, &a_sub, TOKEN_EXCHANGE_AUDIENCE).map(|f| (u, f.name.clone()))),
        };
        match decision {
            Ok((u, fname)) => {
                let jwt = self.mint(&u, resource, &h.name);
                let body = serde_json::json!({"token_type": "Bearer", "expires_in": MI_TOKEN_LIFETIME - 301, "ext_expires_in": MI_TOKEN_LIFETIME - 301, "access_token": jwt});
                let s = self.push(Draft::runtime(entra, app, "200 access_token").response(Response::new(200).json(JSON_UTF8, body.to_string())).fidelity(Fidelity::Modelled).kind(StepKind::TokenIssued).source("fact sheet §3.5").explain(format!("Entra ID verified the assertion's signature with the issuer's published key and finds federated identity credential '{fname}' on the identity whose issuer, subject and audience match the assertion, and issues a token for the identity. The v2 endpoint returns numbers as numbers (unlike IMDS). The token lifetime here follows the managed-identity rule; it is not confirmed for federated exchanges.")));
                s.jwt = Some(jwt.clone());
                Got::Token(jwt)
            }
            Err(refusal) => {
                let resp = Response::new(refusal.status()).json(JSON_UTF8, refusal.body().to_string());
                let s = self.push(Draft::runtime(entra, app, format!("{} {}", refusal.status(), refusal.code())).response(resp).fidelity(Fidelity::Modelled).source("fact sheet §3.5").explain(refusal.explain()));
                s.set_kind(StepKind::IssueRefused);
                Got::Failed
            }
        }
    }
}
