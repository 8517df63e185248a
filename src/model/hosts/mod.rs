//! The host token endpoints: what code on a compute resource talks to for a token, one
//! module each (IMDS, App Service, Azure Arc's HIMDS, AKS workload identity), plus what they
//! share: the host's environment, the endpoint's token cache (fact sheet §1.6) and how an
//! endpoint's answer is drawn. Hand-made (curl-style) token requests are routed here too.
//!
//! An endpoint never decides who may read a resource and never signs a token: it selects
//! an identity and asks the token service (`entra`).

pub mod aks;
pub mod app_service;
pub mod arc;
pub mod cloud_shell;
pub mod errors;
pub mod imds;
pub mod oidc_issuer;

pub(crate) use errors::{on_wire, Answer, EndpointError};

use crate::model::token;
use crate::model::arm::{IdentityRef, Resource, ResourceKind};
use crate::model::http::{HttpMethod, Request, Response};
use crate::model::scenario::{AppSpec, Credential, FaultKind, Sdk};
use crate::model::time::{human_duration, SimTime};
use crate::model::trace::{Fidelity, ParticipantKind};
use crate::model::world::{CachedToken, ScenarioError, World};
use std::collections::BTreeMap;
use crate::model::world::{Draft, Pid};
use crate::model::trace::StepKind;
use crate::model::hosts::imds::{ImdsError, IMDS_SERVER};
use crate::model::world::timers::{usable, IMDS_CONCURRENT_REQUESTS};
use crate::model::world::{Subject, SubjectKind};

pub(crate) const IMDS: &str = "http://169.254.169.254";

pub(crate) const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";

pub(crate) const APPSVC_ENDPOINT: &str = "http://localhost:4141/MSI/token";

pub(crate) const ARC_ENDPOINT: &str = "http://localhost:40342/metadata/identity/oauth2/token";

pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// Where the code runs.
#[derive(Clone, Debug)]
pub(crate) struct Host {
    pub(crate) name: String,
    pub(crate) resource: Option<Resource>,
    pub(crate) app: AppSpec,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) az_cli_user: Option<String>,
    /// Azure Cloud Shell: the signed-in portal user whose session this is.
    pub(crate) cloud_shell: Option<String>,
}

/// Which token source a credential uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Imds,
    AppService,
    Arc,
    Workload,
    /// Azure Cloud Shell's `MSI_ENDPOINT` (fact sheet §3.2).
    CloudShell,
}

impl World {
    pub(crate) fn host(&self, name: &str) -> Result<Host, ScenarioError> {
        if let Some(l) = self.laptops.get(&name.to_ascii_lowercase()) {
            let app = l.app.clone().unwrap_or(AppSpec { sdk: Sdk::Dotnet, credential: Credential::DefaultAzureCredential, managed_identity: None, env: BTreeMap::new(), keeps_federated_token: false, forged_assertion: None });
            let mut env = BTreeMap::new();
            if l.cloud_shell.is_some() {
                // Cloud Shell sets MSI_ENDPOINT without MSI_SECRET (fact sheet §3.2, §8.2).
                env.insert("MSI_ENDPOINT".into(), cloud_shell::CLOUD_SHELL_ENDPOINT.into());
                env.insert("AZUREPS_HOST_ENVIRONMENT".into(), "cloud-shell/1.0".into());
            }
            env.extend(app.env.clone());
            // In Cloud Shell the Azure CLI is signed in as the portal user.
            let az_cli_user = l.az_cli_user.clone().or_else(|| l.cloud_shell.clone());
            return Ok(Host { name: l.name.clone(), resource: None, env, app, az_cli_user, cloud_shell: l.cloud_shell.clone() });
        }
        let Some(r) = self.resource_by_name(name) else {
            return Err(ScenarioError { path: "host".into(), message: format!("'{name}' is not a compute resource or laptop in this scenario"), subject: Subject::of(SubjectKind::Name, &name) });
        };
        if !r.kind.is_compute() {
            return Err(ScenarioError { path: "host".into(), message: format!("'{name}' is a {}; code runs on VMs, scale sets, App Service, Arc servers, AKS workloads or laptops", r.kind.arm_type()), subject: Subject::of(SubjectKind::Name, &name) });
        }
        let app = r_app(r, self);
        let mut env = BTreeMap::new();
        match r.kind {
            ResourceKind::AppService => {
                env.insert("IDENTITY_ENDPOINT".into(), APPSVC_ENDPOINT.into());
                let secret = self.app_service_secrets.get(&r.name.to_ascii_lowercase()).map(|s| s.0.clone()).unwrap_or_default();
                env.insert("IDENTITY_HEADER".into(), secret);
            }
            ResourceKind::ArcServer => {
                env.insert("IDENTITY_ENDPOINT".into(), ARC_ENDPOINT.into());
                env.insert("IMDS_ENDPOINT".into(), "http://localhost:40342".into());
            }
            ResourceKind::AksWorkload => {
                if let Some((_, _, ident, _)) = &r.data.workload {
                    if let Some(u) = self.find_uami(ident) {
                        env.insert("AZURE_CLIENT_ID".into(), u.client_id);
                    }
                }
                env.insert("AZURE_TENANT_ID".into(), self.directory.tenant_id.clone());
                env.insert("AZURE_FEDERATED_TOKEN_FILE".into(), "/var/run/secrets/azure/tokens/azure-identity-token".into());
                env.insert("AZURE_AUTHORITY_HOST".into(), "https://login.microsoftonline.com/".into());
            }
            _ => {}
        }
        env.extend(app.env.clone());
        Ok(Host { name: r.name.clone(), resource: Some(r.clone()), app, env, az_cli_user: None, cloud_shell: None })
    }

    /// The lifeline of a host's token endpoint.
    pub(crate) fn p_endpoint(&mut self, r: &Resource) -> Pid {
        let label = match r.kind {
            ResourceKind::AppService => format!("Identity endpoint ({})", r.name),
            ResourceKind::ArcServer => format!("HIMDS ({})", r.name),
            ResourceKind::AksWorkload => format!("kubelet ({})", r.name),
            _ => format!("IMDS ({})", r.name),
        };
        // In a world of several tenants, the endpoint says which tenant its identities live in.
        let label = if self.multi_tenant() { format!("{label} · tenant {}", crate::model::servers::short_tenant(self.tenant_of(&r.id))) } else { label };
        self.participant(&format!("endpoint:{}", r.name.to_ascii_lowercase()), ParticipantKind::TokenEndpoint, &label)
    }

    pub(crate) fn fault(&self, key: &str) -> Option<FaultKind> {
        self.faults.iter().find(|f| f.target == key && f.until > self.now).map(|f| f.kind)
    }

    /// Draws a token endpoint's answer to the app: `error` is what it refused, when it did
    /// (label, fidelity and explanation derive from it).
    pub(crate) fn emit_endpoint_response(&mut self, ep: Pid, app: Pid, res: &Resource, resp: Response, error: Option<&EndpointError>, src: Source) {
        let status = resp.status;
        let jwt = json_field(resp.body.as_deref().unwrap_or(""), "access_token");
        let (label, fidelity, expl) = match error {
            None if status == 200 => {
                let shape = match src {
                    Source::AppService => "Its shape differs from IMDS: there is no `expires_in`, and `expires_on` is an epoch string (api-version 2019-08-01) or, on the legacy 2017-09-01, a date-time text whose form depends on the host's OS.",
                    _ => "Every value is a JSON string, numbers included (IMDS returns all primitives as strings); `expires_on` equals the JWT's `exp` and `not_before` its `nbf`.",
                };
                ("200 access_token".to_string(), Fidelity::Documented, format!("The token endpoint on {} returns the token. {shape}", res.name))
            }
            None => (format!("{status} {}", crate::model::http::reason_phrase(status)), Fidelity::Modelled, format!("The endpoint answered {status}.")),
            Some(e) => {
                let fid = if self.trace.steps.last().map(|s| s.fidelity) == Some(Fidelity::Modelled) || !e.documented() { Fidelity::Modelled } else { Fidelity::Documented };
                let text = match e.description() {
                    Some(d) if !d.is_empty() => truncate(d, 48),
                    _ => crate::model::http::reason_phrase(status).to_string(),
                };
                (format!("{status} {text}"), fid, e.explanation())
            }
        };
        let src_ref = if status == 200 { if src == Source::AppService { "fact sheet §2, golden check 14" } else { "fact sheet §1.3, golden checks 6–7" } } else if src == Source::AppService { "fact sheet §2" } else { "fact sheet §1.4" };
        let kind = if status == 200 { StepKind::TokenIssued } else { StepKind::ServiceError { status } };
        let s = self.push(Draft::runtime(ep, app, label).response(resp).fidelity(fidelity).kind(kind).source(src_ref).explain(expl));
        s.jwt = jwt;
    }

    /// Endpoint cache, then Entra on a miss; builds the endpoint's success body (Entra's
    /// refusal is passed on).
    pub(crate) fn endpoint_token(&mut self, res: &Resource, ep: Pid, ident: &IdentityRef, resource: &str, src: Source, echo: &[(String, String)]) -> Answer {
        let rid = res.id.to_ascii_lowercase();
        let key = (ident.client_id.clone(), resource.to_string());
        let cached = self.endpoint_caches.get(&rid).and_then(|c| c.get(&key)).cloned().filter(|c| usable(c.expires_on, self.now));
        let jwt = match cached {
            Some(c) => {
                let later = if src == Source::AppService { "the same expires_on" } else { "a smaller expires_in" };
                let s = self.push(Draft::runtime_on(ep, "endpoint cache hit").note(&format!("Same token as before for {resource}: {} left", human_duration(c.expires_on.since(self.now)))).fidelity(Fidelity::Documented).kind(StepKind::TokenIssued).source("fact sheet §1.6, golden check 9").explain(format!("The managed-identity subsystem caches tokens per identity and resource for about 24 hours; Entra ID is contacted only on a miss. So two calls minutes apart return the identical access_token with {later}, and restarting the app does not give a fresh token. (When exactly the cache refreshes before expiry is not documented; here it refreshes when under 5 minutes are left.)")));
                s.jwt = Some(c.jwt.clone());
                c.jwt
            }
            None => match self.entra_issue(ep, res, ident, resource) {
                Ok(j) => {
                    let c = token::decode_claims(&j).expect("own token decodes");
                    self.endpoint_caches.entry(rid).or_default().insert(key, CachedToken { jwt: j.clone(), expires_on: SimTime(c.exp), refresh_on: SimTime(c.exp), client_id: ident.client_id.clone(), resource: resource.to_string() });
                    j
                }
                Err(refusal) => return Err(EndpointError::Entra(refusal)),
            },
        };
        let c = token::decode_claims(&jwt).expect("own token decodes");
        let expires_in = c.exp.saturating_sub(self.now.0).to_string();
        match src {
            Source::AppService => {
                let body = serde_json::json!({"access_token": jwt, "expires_on": c.exp.to_string(), "resource": resource, "token_type": "Bearer", "client_id": ident.client_id});
                Ok(Response::new(200).json(JSON_UTF8, body.to_string()))
            }
            _ => {
                let mut m = serde_json::Map::new();
                m.insert("access_token".into(), jwt.into());
                m.insert("client_id".into(), ident.client_id.clone().into());
                m.insert("expires_in".into(), expires_in.clone().into());
                m.insert("expires_on".into(), c.exp.to_string().into());
                m.insert("ext_expires_in".into(), expires_in.into());
                m.insert("not_before".into(), c.nbf.to_string().into());
                for (k, v) in echo {
                    if k != "client_id" {
                        m.insert(k.clone(), v.clone().into());
                    }
                }
                m.insert("resource".into(), resource.into());
                m.insert("token_type".into(), "Bearer".into());
                let server = if src == Source::Arc { "HIMDS" } else { IMDS_SERVER };
                Ok(Response::new(200).json(JSON_UTF8, serde_json::Value::Object(m).to_string()).header("Server", server))
            }
        }
    }

    pub(crate) fn raw_token_request(&mut self, h: &Host, method: HttpMethod, path: Option<&str>, query: &[(String, String)], headers: &[(String, String)], repeat: u32) {
        let app = self.p_app(h);
        let Some(res) = h.resource.clone() else {
            let s = self.push(Draft::runtime_on(app, "no token endpoint").note("Connection to 169.254.169.254 timed out").fidelity(Fidelity::Documented).source("fact sheet §8.3").explain("Outside Azure there is no link-local metadata endpoint: the request times out."));
            s.set_kind(StepKind::Unreachable);
            return;
        };
        let ep = self.p_endpoint(&res);
        let (base, default_path) = match res.kind {
            ResourceKind::AppService => ("http://localhost:4141", "/MSI/token"),
            ResourceKind::ArcServer => ("http://localhost:40342", IMDS_TOKEN_PATH),
            _ => (IMDS, IMDS_TOKEN_PATH),
        };
        let path = path.unwrap_or(default_path);
        let qs = query.iter().map(|(k, v)| format!("{}={}", crate::model::http::encode(k), crate::model::http::encode(&self.expand(v, h)))).collect::<Vec<_>>().join("&");
        let url = if qs.is_empty() { format!("{base}{path}") } else { format!("{base}{path}?{qs}") };
        let mut req = Request::new(method.as_str(), url);
        for (k, v) in headers {
            req = req.header(k, self.expand(v, h));
        }
        let n = repeat.clamp(1, 1000);
        let label = if n > 1 { format!("{n} × {} {path}", req.method) } else { format!("{} {path}", req.method) };
        let missing_meta = req.header_value("Metadata").is_none() && res.kind != ResourceKind::AppService;
        let xff = req.header_value("X-Forwarded-For").is_some();
        let expl = if xff {
            "A request carrying X-Forwarded-For looks like it was relayed by a proxy or a web app on the caller's behalf, the classic server-side request forgery path. IMDS rejects any request with this header, even with Metadata: true.".to_string()
        } else if missing_meta {
            "A hand-made request without the Metadata header, as an attacker who tricks a web app into fetching a URL (SSRF) would send: such fetches cannot add custom headers.".to_string()
        } else if n > 1 {
            format!("{n} token requests fired at once, as a busy app without a token cache might.")
        } else {
            "A hand-made token request (curl style), showing exactly what goes on the wire.".to_string()
        };
        let cite = match res.kind {
            ResourceKind::AppService => "fact sheet §2",
            ResourceKind::ArcServer => "fact sheet §3.1",
            _ if xff || missing_meta => "fact sheet §1.1, golden checks 1, 12",
            _ => "fact sheet §1.1",
        };
        self.push(Draft::runtime(app, ep, label).request(req.clone()).fidelity(Fidelity::Documented).source(cite).explain(expl));
        let mut statuses: BTreeMap<u16, u32> = BTreeMap::new();
        let mut last = None;
        for i in 0..n {
            // 5 concurrent at most: a burst beyond that is refused at once.
            let answer = if n > IMDS_CONCURRENT_REQUESTS && i >= IMDS_CONCURRENT_REQUESTS && res.kind != ResourceKind::AppService {
                Err(ImdsError::Throttled.into())
            } else {
                match res.kind {
                    ResourceKind::AppService => self.appservice_handle(&res, &req, ep),
                    // A missing key, or one that no challenge of this run issued, is challenged (again).
                    ResourceKind::ArcServer if req.header_value("Metadata").is_some() && !crate::model::live::arc_key_accepted(&self.trace, &self.directory.tenant_id, req.header_value("Authorization")) => {
                        let file = format!("/var/opt/azcmagent/tokens/{}.key", self.rng.guid());
                        Ok(arc::challenge(&file))
                    }
                    ResourceKind::ArcServer => self.imds_handle(&res, &arc::without_selectors(&req), ep),
                    _ => self.imds_handle(&res, &req, ep),
                }
            };
            let (resp, error) = on_wire(answer, false);
            *statuses.entry(resp.status).or_default() += 1;
            last = Some((resp, error));
        }
        let (resp, error) = last.expect("at least one request");
        if n > 1 {
            let summary = statuses.iter().map(|(s, c)| format!("{c} × {s}")).collect::<Vec<_>>().join(", ");
            let jwt = json_field(resp.body.as_deref().unwrap_or(""), "access_token");
            let s = self.push(Draft::runtime(ep, app, summary.clone()).response(resp).fidelity(Fidelity::Modelled).source("fact sheet §1.5, golden check 11").explain(format!("Results: {summary}. The managed-identity category of IMDS allows 20 requests per second and 5 concurrent requests per VM; the rest get 429 Too Many Requests (body not documented; modelled). Cache tokens in the app and retry 429 with back-off.")));
            s.jwt = jwt;
            if let Some(status) = statuses.keys().copied().filter(|&k| k >= 400).max() {
                s.set_kind(StepKind::ServiceError { status });
            }
        } else {
            let src = match res.kind {
                ResourceKind::AppService => Source::AppService,
                ResourceKind::ArcServer => Source::Arc,
                _ => Source::Imds,
            };
            if resp.status == 401 && src == Source::Arc {
                self.push(Draft::runtime(ep, app, "401 WWW-Authenticate: Basic realm=<key file>").response(resp).fidelity(Fidelity::Documented).source("fact sheet §3.1").explain("HIMDS challenges the caller to prove it can read a root-only key file.").kind(StepKind::Challenge));
            } else {
                self.emit_endpoint_response(ep, app, &res, resp, error.as_ref(), src);
            }
        }
    }

    /// Expands placeholders in hand-made requests: `$IDENTITY_HEADER` (the host's current
    /// secret) and `$clientId:NAME`, `$principalId:NAME`, `$resourceId:NAME` (ids the
    /// scenario cannot know in advance, of a user-assigned identity or a resource's
    /// system-assigned identity).
    pub(crate) fn expand(&self, v: &str, h: &Host) -> String {
        if v == "$IDENTITY_HEADER" {
            return h.env.get("IDENTITY_HEADER").cloned().unwrap_or_default();
        }
        let Some((field, name)) = v.strip_prefix('$').and_then(|r| r.split_once(':')) else { return v.to_string() };
        let ident = self.identity_ever(name).or_else(|| self.resource_by_name(name).and_then(|r| r.system_assigned.clone()));
        match (field, ident) {
            ("clientId", Some(i)) => i.client_id,
            ("principalId", Some(i)) => i.principal_id,
            ("resourceId", Some(i)) => i.mi_resource_id,
            _ => v.to_string(),
        }
    }
}

pub(crate) fn r_app(r: &Resource, w: &World) -> AppSpec {
    w.app_specs.get(&r.name.to_ascii_lowercase()).cloned().unwrap_or(AppSpec { sdk: Sdk::Dotnet, credential: Credential::ManagedIdentityCredential, managed_identity: None, env: BTreeMap::new(), keeps_federated_token: false, forged_assertion: None })
}

/// A string field of a JSON object body.
pub(crate) fn json_field(body: &str, key: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body).ok()?.get(key)?.as_str().map(str::to_string)
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}


