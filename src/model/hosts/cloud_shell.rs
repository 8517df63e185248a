//! Azure Cloud Shell: the portal user's shell session. Its local endpoint
//! (`MSI_ENDPOINT=http://localhost:50342/oauth2/token`, set without `MSI_SECRET`) hands the
//! code the signed-in user's own **delegated** token, not an app token: code in Cloud Shell
//! acts as the user, with the user's role assignments (fact sheet §3.2, golden check 19;
//! azure-docs `articles/cloud-shell/msi-authorization.md`, which also documents the
//! endpoint's token cache). SDKs pick it when `MSI_ENDPOINT` is set alone (§8.2).

use crate::model::arm::IdentityRef;
use crate::model::hosts::{Host, JSON_UTF8};
use crate::model::http::{encode, Request, Response};
use crate::model::sdk::Got;
use crate::model::time::SimTime;
use crate::model::token;
use crate::model::trace::{CredentialFailure, Fidelity, ParticipantKind, StepKind};
use crate::model::world::timers::usable;
use crate::model::world::{CachedToken, World};
use crate::model::world::{Draft, Pid};

/// Cloud Shell's token endpoint (`MSI_ENDPOINT`), fact sheet §3.2.
pub(crate) const CLOUD_SHELL_ENDPOINT: &str = "http://localhost:50342/oauth2/token";

/// The client a Cloud Shell token is issued to: the Azure portal's (the session is the
/// portal's). Which client id real Cloud Shell tokens carry in `appid` is unconfirmed [U].
const PORTAL_APP_ID: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";

/// Why the Cloud Shell endpoint refuses a request: status and `{"error":{"code","message"}}`
/// body written here (the shape is documented, fact sheet §3.2; codes and texts are
/// modelled [U]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CloudShellError {
    /// 400: no `Metadata: true` header.
    MissingMetadata,
    /// 400: no `resource` in the form body.
    ResourceRequired,
    /// 400: Entra ID knows no API with that App ID URI (AADSTS50001, passed on).
    UnknownResource(String),
}

impl CloudShellError {
    fn code(&self) -> &'static str {
        match self {
            CloudShellError::MissingMetadata | CloudShellError::ResourceRequired => "BadRequest",
            CloudShellError::UnknownResource(_) => "invalid_resource",
        }
    }

    fn message(&self) -> String {
        match self {
            CloudShellError::MissingMetadata => "Required metadata header not specified or not correct".into(),
            CloudShellError::ResourceRequired => "Required form field 'resource' not specified".into(),
            CloudShellError::UnknownResource(d) => d.clone(),
        }
    }

    /// The response: 400 with `{"error":{"code","message"}}`.
    pub(crate) fn response(&self) -> Response {
        Response::new(400).json(JSON_UTF8, serde_json::json!({"error": {"code": self.code(), "message": self.message()}}).to_string())
    }
}

impl World {
    /// The lifeline of a Cloud Shell session's token endpoint.
    pub(crate) fn p_cloud_shell(&mut self, h: &Host) -> Pid {
        self.participant(&format!("endpoint:{}", h.name.to_ascii_lowercase()), ParticipantKind::TokenEndpoint, &format!("Cloud Shell endpoint ({})", h.name))
    }

    /// `ManagedIdentityCredential` in Cloud Shell: a form POST to `MSI_ENDPOINT` with
    /// `Metadata: true`, answered with the portal user's token. A user-assigned identity
    /// cannot be asked for: Cloud Shell has none (the SDK refuses before any request).
    pub(crate) fn cloud_shell_token(&mut self, h: &Host, app: Pid, resource: &str, wanted: Option<&IdentityRef>) -> Got {
        if wanted.is_some() {
            let s = self.push(Draft::runtime_on(app, "ManagedIdentityCredential: no user-assigned identity in Cloud Shell").note("The SDK raises before sending any request").fidelity(Fidelity::Documented).source("fact sheet §3.2").explain("Cloud Shell's endpoint hands out the signed-in user's token; there is no managed identity to choose, so asking for a user-assigned one (client id, resource id) fails in the SDK."));
            s.set_kind(StepKind::Credential(CredentialFailure::Unavailable));
            return Got::Failed;
        }
        let ep = self.p_cloud_shell(h);
        let url = h.env.get("MSI_ENDPOINT").cloned().unwrap_or_else(|| CLOUD_SHELL_ENDPOINT.into());
        let req = Request::new("POST", url).header("Metadata", "true").header("Content-Type", "application/x-www-form-urlencoded").body(format!("resource={}", encode(resource)));
        self.push(Draft::runtime(app, ep, "POST /oauth2/token (resource=…)").request(req.clone()).source("fact sheet §3.2, §8.2, golden check 19").explain(format!("MSI_ENDPOINT is set and MSI_SECRET is not: that is how the SDK recognises Azure Cloud Shell. ManagedIdentityCredential ({}) POSTs a form with `resource` to the local endpoint, with `Metadata: true`. No identity is selected: the session has exactly one principal, the user signed in to the portal.", h.app.sdk)));
        match self.cloud_shell_handle(h, &req, ep) {
            Ok((resp, jwt)) => {
                let s = self.push(Draft::runtime(ep, app, "200 access_token (the user's own token)").response(resp).fidelity(Fidelity::Modelled).kind(StepKind::TokenIssued).source("fact sheet §3.2, golden check 19").explain("The endpoint returns a delegated token of the signed-in user (`idtyp` user, `upn`, `scp`), not an app token: code in Cloud Shell runs as the user, so what it may do is what the user's own role assignments allow. The body is read like IMDS's (string values); its exact bytes are unconfirmed."));
                s.jwt = Some(jwt.clone());
                Got::Token(jwt)
            }
            Err(e) => {
                self.push(Draft::runtime(ep, app, format!("400 {}", e.code())).response(e.response()).fidelity(Fidelity::Modelled).kind(StepKind::ServiceError { status: 400 }).source("fact sheet §3.2").explain(format!("The Cloud Shell endpoint refuses the request; its errors come as {{\"error\":{{\"code\",\"message\"}}}}: {}", e.message())));
                let s = self.push(Draft::runtime_on(app, "SDK raises").note("ManagedIdentityCredential authentication failed").fidelity(Fidelity::Documented).source("fact sheet §3.2").explain("The credential raises with the endpoint's error message; a 400 is not retried."));
                s.set_kind(StepKind::Credential(CredentialFailure::Raised));
                Got::Failed
            }
        }
    }

    /// The endpoint: checks the request, then serves the user's token from its cache or asks
    /// Entra ID for one (platform-internal). Returns the response and the token.
    pub(crate) fn cloud_shell_handle(&mut self, h: &Host, req: &Request, ep: Pid) -> Result<(Response, String), CloudShellError> {
        if req.header_value("Metadata") != Some("true") {
            return Err(CloudShellError::MissingMetadata);
        }
        let form = crate::model::http::parse_query(req.body.as_deref().unwrap_or(""));
        let Some(resource) = form.into_iter().find(|(k, _)| k == "resource").map(|(_, v)| v).filter(|v| !v.is_empty()) else { return Err(CloudShellError::ResourceRequired) };
        let user = h.cloud_shell.clone().unwrap_or_default();
        let key = (format!("user:{}", user.to_ascii_lowercase()), resource.clone());
        let cache = format!("cloudshell:{}", h.name.to_ascii_lowercase());
        let cached = self.endpoint_caches.get(&cache).and_then(|c| c.get(&key)).cloned().filter(|c| usable(c.expires_on, self.now));
        let jwt = match cached {
            Some(c) => {
                let s = self.push(Draft::runtime_on(ep, "endpoint cache hit").note(&format!("Same token as before for {resource}")).fidelity(Fidelity::Documented).kind(StepKind::TokenIssued).source("fact sheet §3.2; azure-docs cloud-shell/msi-authorization").explain("Cloud Shell's local endpoint caches tokens: Entra ID is asked again only on a miss or when the token has expired."));
                s.jwt = Some(c.jwt.clone());
                c.jwt
            }
            None => {
                let entra = self.p_entra();
                self.push(Draft::runtime(ep, entra, "token request (the portal user's session)").internal(&format!("Delegated token for {user} and {resource}"), serde_json::json!({"user": user, "resource": resource})).source("fact sheet §3.2").explain(format!("Cloud Shell asks Entra ID for a token on behalf of {user}, using the session the user signed in to the portal with. How it does so is internal, so this arrow is drawn conceptually.")));
                let Some(oid) = self.resolve_principal(&user) else { return Err(CloudShellError::ResourceRequired) };
                if !self.entra_knows(&resource) {
                    let d = format!("AADSTS500011: The resource principal named {resource} was not found in the tenant named {}.", self.directory.tenant_id);
                    self.push(Draft::runtime(entra, ep, "AADSTS500011 invalid_resource").internal("Unknown resource", serde_json::json!({"error": "invalid_resource"})).kind(StepKind::IssueRefused).source("fact sheet §1.4").explain(format!("Entra ID knows no API whose App ID URI is '{resource}'.")));
                    return Err(CloudShellError::UnknownResource(d));
                }
                let jwt = self.mint_user(&oid, &user, &resource, PORTAL_APP_ID, &h.name);
                let c = token::decode_claims(&jwt).unwrap_or_default();
                let s = self.push(Draft::runtime(entra, ep, "user token (delegated)").internal(&format!("Delegated token for {user}, expires {}", SimTime(c.exp).iso()), serde_json::json!({"aud": c.aud, "upn": c.upn, "idtyp": c.idtyp, "scp": c.scp})).kind(StepKind::TokenIssued).source("fact sheet §3.2, §5.3").explain(format!("Entra ID issues a delegated token for {user}: `upn` and `oid` are the user's, `scp` user_impersonation, `idtyp` user, with a user token's 60–90 minute lifetime. The `appid` is the client of the portal session (which one exactly is unconfirmed).")));
                s.jwt = Some(jwt.clone());
                self.endpoint_caches.entry(cache).or_default().insert(key, CachedToken { jwt: jwt.clone(), expires_on: SimTime(c.exp), refresh_on: SimTime(c.exp), client_id: PORTAL_APP_ID.into(), resource: resource.clone() });
                jwt
            }
        };
        let c = token::decode_claims(&jwt).unwrap_or_default();
        let expires_in = c.exp.saturating_sub(self.now.0).to_string();
        let body = serde_json::json!({"access_token": jwt, "refresh_token": "", "expires_in": expires_in, "expires_on": c.exp.to_string(), "not_before": c.nbf.to_string(), "resource": resource, "token_type": "Bearer"});
        Ok((Response::new(200).json(JSON_UTF8, body.to_string()), jwt))
    }
}
