//! Runtime flows: application code and its SDK, the host's token endpoint (IMDS, App
//! Service, Azure Arc, AKS workload identity), the Entra token service, and the resource
//! servers (Key Vault, Storage, ARM, SQL) with their token validation and authorization.
//!
//! ```text
//!  App/SDK ──(1) token request──▶ host endpoint ──(2) client id + certificate──▶ Entra ID
//!     ▲                              │    ◀──────────(3) signed JWT────────────────┘
//!     └────────(4) token JSON────────┘
//!  App/SDK ──(5) Authorization: Bearer <JWT>──▶ resource server ──▶ validate, authorize ──▶ 200/401/403
//! ```

use super::arm::{IdentityRef, Resource, ResourceKind};
use super::http::{build_query, HttpMethod, Request, Response};
use super::rbac::{short_action, AccessRequest, Decision};
use super::scenario::{Action, AppSpec, ForgeKey, TokenSource, Credential, FaultKind, Sdk};
use super::time::{human_duration, SimTime};
use super::token::{self, Claims, MI_TOKEN_LIFETIME};
use super::trace::{Change, ChangeOp, Fidelity, Message, Outcome, ParticipantKind, Plane};
use super::verify::{self, CheckKind, Expectations, Rejection, TokenValidation};
use super::world::{CachedToken, Fault, ScenarioError, World};
use std::collections::BTreeMap;

const IMDS: &str = "http://169.254.169.254";
const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";
const APPSVC_ENDPOINT: &str = "http://localhost:4141/MSI/token";
const ARC_ENDPOINT: &str = "http://localhost:40342/metadata/identity/oauth2/token";
const AZ_CLI_APP_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const JSON_UTF8: &str = "application/json; charset=utf-8";
/// Audiences ARM accepts, as its error message lists them (fact sheet §6.4, golden check 29).
const ARM_AUDIENCES: [&str; 4] = ["https://management.core.windows.net/", "https://management.core.windows.net", "https://management.azure.com/", "https://management.azure.com"];
/// Audiences Key Vault accepts (fact sheet §6.1).
const KV_AUDIENCES: [&str; 2] = ["https://vault.azure.net", "https://vault.azure.net/"];
/// Audiences Blob Storage accepts (fact sheet §6.2).
const STORAGE_AUDIENCES: [&str; 2] = ["https://storage.azure.com/", "https://storage.azure.com"];
/// Audiences Azure SQL accepts (fact sheet §6.3).
const SQL_AUDIENCES: [&str; 2] = ["https://database.windows.net/", "https://database.windows.net"];
/// Resources (App ID URIs) the demo tenant knows; anything else is AADSTS50001.
const KNOWN_RESOURCES: [&str; 6] = ["https://management.azure.com", "https://management.core.windows.net", "https://vault.azure.net", "https://storage.azure.com", "https://database.windows.net", "https://graph.microsoft.com"];

/// Where the code runs.
#[derive(Clone, Debug)]
pub(crate) struct Host {
    name: String,
    resource: Option<Resource>,
    app: AppSpec,
    env: BTreeMap<String, String>,
    az_cli_user: Option<String>,
}

/// Which token source a credential uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Imds,
    AppService,
    Arc,
    Workload,
}

/// The resource servers a host sends tokens to (for replaying the last one sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Service {
    KeyVault,
    Storage,
    Arm,
    Sql,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::KeyVault => "Key Vault",
            Service::Storage => "Storage",
            Service::Arm => "Azure Resource Manager",
            Service::Sql => "Azure SQL",
        }
    }
}

/// What a resource server made of the request's credentials.
enum Authn {
    /// No `Authorization` header.
    NoToken,
    /// Every check passed.
    Valid(Claims, TokenValidation),
    /// A check failed.
    Rejected(TokenValidation),
}

/// Result of asking the SDK for a token.
enum Got {
    Token(String),
    Failed,
}

impl World {
    pub(crate) fn apply_runtime(&mut self, a: &Action) -> Result<(), ScenarioError> {
        match a {
            Action::GetToken { host, resource } => {
                let h = self.host(host)?;
                self.sdk_get_token(&h, resource, true);
                Ok(())
            }
            Action::TokenRequest { host, method, path, query, headers, repeat } => {
                let h = self.host(host)?;
                self.raw_token_request(&h, *method, path.as_deref(), query, headers, *repeat);
                Ok(())
            }
            Action::GetSecret { host, vault, secret, auth, token } => {
                let h = self.host(host)?;
                let Some(v) = self.resource_by_name(vault).cloned().filter(|r| r.kind == ResourceKind::KeyVault) else {
                    return Err(ScenarioError { path: "vault".into(), message: format!("'{vault}' is not a Key Vault in this scenario") });
                };
                self.keyvault_get_secret(&h, &v, secret, auth, token.as_ref());
                Ok(())
            }
            Action::BlobRequest { host, method, account, container, blob, x_ms_version, auth, token } => {
                let h = self.host(host)?;
                let Some(acct) = self.resource_by_name(account).cloned().filter(|r| r.kind == ResourceKind::StorageAccount) else {
                    return Err(ScenarioError { path: "account".into(), message: format!("'{account}' is not a storage account in this scenario") });
                };
                self.storage_blob(&h, &acct, method.as_str(), container, blob, x_ms_version.as_deref(), auth, token.as_ref());
                Ok(())
            }
            Action::ArmRequest { host, method, target, auth, token } => {
                let h = self.host(host)?;
                let path = if target.starts_with('/') { target.clone() } else {
                    match self.resolve_scope(target) {
                        Some(p) => p,
                        None => return Err(ScenarioError { path: "target".into(), message: format!("'{target}' is not a resource, resource group or subscription in this scenario") }),
                    }
                };
                self.arm_api(&h, method.as_str(), &path, auth, token.as_ref());
                Ok(())
            }
            Action::SqlConnect { host, database, auth, token } => {
                let h = self.host(host)?;
                let Some(db) = self.resource_by_name(database).cloned().filter(|r| r.kind == ResourceKind::SqlDatabase) else {
                    return Err(ScenarioError { path: "database".into(), message: format!("'{database}' is not a SQL database in this scenario") });
                };
                self.sql_connect(&h, &db, auth, token.as_ref());
                Ok(())
            }
            Action::ConfigureApp { host, sdk, credential, managed_identity, env } => {
                let h = self.host(host)?;
                let mut app = h.app.clone();
                if let Some(s) = sdk {
                    app.sdk = *s;
                }
                if let Some(c) = credential {
                    app.credential = *c;
                }
                if let Some(m) = managed_identity {
                    app.managed_identity = if m.is_empty() { None } else { Some(m.clone()) };
                }
                for (k, v) in env {
                    if v.is_empty() {
                        app.env.remove(k);
                    } else {
                        app.env.insert(k.clone(), v.clone());
                    }
                }
                let key = host.to_ascii_lowercase();
                match self.laptops.get_mut(&key) {
                    Some(l) => l.app = Some(app.clone()),
                    None => {
                        self.app_specs.insert(key.clone(), app.clone());
                    }
                }
                self.sdk_caches.remove(&key);
                self.dac_settled.remove(&key);
                let p = self.p_app(&h);
                let who = match &app.managed_identity {
                    Some(m) => format!("{}(clientId of {m})", app.credential),
                    None => format!("{}()", app.credential),
                };
                let s = self.note(p, "deploy new code", Plane::Runtime, &format!("The app now uses {who} with the {} SDK", app.sdk), Fidelity::Narration, "scenario", format!("The developer changes the code or configuration on {} and restarts it: the credential is now {who}. The restart empties the SDK's in-memory token cache (the host's endpoint cache is unaffected).", h.name));
                s.changes.push(Change { op: ChangeOp::Updated, area: "app".into(), what: format!("{}: {who}", h.name) });
                Ok(())
            }
            Action::Fault { target, kind, duration, host } => {
                let secs = duration.secs();
                let t = target.to_ascii_lowercase();
                let key = if t == "imds" {
                    let Some(h) = host else { return Err(ScenarioError { path: "host".into(), message: "an imds fault needs the host it applies to".into() }) };
                    self.host(h)?;
                    format!("imds:{}", h.to_ascii_lowercase())
                } else {
                    if t != "entra" && self.resource_by_name(&t).is_none() {
                        return Err(ScenarioError { path: "target".into(), message: format!("'{target}' is not imds, entra or a resource name") });
                    }
                    t
                };
                let until = self.now.plus(secs);
                self.faults.push(Fault { target: key.clone(), kind: *kind, until });
                let who = if key == "entra" {
                    self.p_entra()
                } else if let Some(h) = key.strip_prefix("imds:") {
                    match self.resource_by_name(h).cloned() {
                        Some(r) => self.p_endpoint(&r),
                        None => self.p_arm(),
                    }
                } else {
                    match self.resource_by_name(&key).cloned() {
                        Some(r) => self.p_server(&r),
                        None => self.p_arm(),
                    }
                };
                let s = self.note(who, &format!("fault: {kind} on {target}"), Plane::Runtime, &format!("For {}: {kind}", human_duration(secs as i64)), Fidelity::Conceptual, "scenario fault injection", format!("The scenario injects a fault: {target} answers with {} for the next {}.", match kind { FaultKind::Throttle => "429 Too Many Requests", FaultKind::Updating => "410 Gone (IMDS updating)", FaultKind::Outage => "errors (service unavailable)" }, human_duration(secs as i64)));
                s.changes.push(Change { op: ChangeOp::Added, area: "faults".into(), what: format!("{kind} on {target} until {}", until.iso()) });
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn host(&self, name: &str) -> Result<Host, ScenarioError> {
        if let Some(l) = self.laptops.get(&name.to_ascii_lowercase()) {
            let app = l.app.clone().unwrap_or(AppSpec { sdk: Sdk::Dotnet, credential: Credential::DefaultAzureCredential, managed_identity: None, env: BTreeMap::new() });
            return Ok(Host { name: l.name.clone(), resource: None, env: app.env.clone(), app, az_cli_user: l.az_cli_user.clone() });
        }
        let Some(r) = self.resource_by_name(name) else {
            return Err(ScenarioError { path: "host".into(), message: format!("'{name}' is not a compute resource or laptop in this scenario") });
        };
        if !r.kind.is_compute() {
            return Err(ScenarioError { path: "host".into(), message: format!("'{name}' is a {}; code runs on VMs, scale sets, App Service, Arc servers, AKS workloads or laptops", r.kind.arm_type()) });
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
        Ok(Host { name: r.name.clone(), resource: Some(r.clone()), app, env, az_cli_user: None })
    }

    /// The lifeline of a host's token endpoint.
    pub(crate) fn p_endpoint(&mut self, r: &Resource) -> usize {
        let label = match r.kind {
            ResourceKind::AppService => format!("Identity endpoint ({})", r.name),
            ResourceKind::ArcServer => format!("HIMDS ({})", r.name),
            ResourceKind::AksWorkload => format!("kubelet ({})", r.name),
            _ => format!("IMDS ({})", r.name),
        };
        self.participant(&format!("endpoint:{}", r.name.to_ascii_lowercase()), ParticipantKind::TokenEndpoint, &label)
    }

    fn p_app(&mut self, h: &Host) -> usize {
        self.participant(&format!("app:{}", h.name.to_ascii_lowercase()), ParticipantKind::App, &format!("App on {}", h.name))
    }

    fn p_server(&mut self, r: &Resource) -> usize {
        let label = match r.kind {
            ResourceKind::KeyVault => format!("Key Vault {}", r.name),
            ResourceKind::StorageAccount => format!("Storage {}", r.name),
            ResourceKind::SqlDatabase => format!("SQL {}", r.name),
            _ => r.name.clone(),
        };
        self.participant(&format!("server:{}", r.name.to_ascii_lowercase()), ParticipantKind::ResourceServer, &label)
    }

    fn fault(&self, key: &str) -> Option<FaultKind> {
        self.faults.iter().find(|f| f.target == key && f.until > self.now).map(|f| f.kind)
    }

    // ----- SDK ---------------------------------------------------------------------------

    /// Which identity a host's credential asks for (client id), if the app names one.
    fn requested_identity(&self, h: &Host) -> Option<IdentityRef> {
        let key = h.app.managed_identity.clone().or_else(|| if h.app.credential == Credential::DefaultAzureCredential { h.env.get("AZURE_CLIENT_ID").cloned() } else { None })?;
        // Code holds the identity's client id, which outlives the identity itself.
        self.identity_ever(&key).or_else(|| Some(IdentityRef { principal_id: String::new(), client_id: key.clone(), mi_resource_id: String::new() }))
    }

    fn source_of(&self, h: &Host) -> Source {
        let e = |k: &str| h.env.contains_key(k);
        if e("IDENTITY_ENDPOINT") && e("IDENTITY_HEADER") {
            Source::AppService
        } else if e("IDENTITY_ENDPOINT") && e("IMDS_ENDPOINT") {
            Source::Arc
        } else if e("AZURE_FEDERATED_TOKEN_FILE") && e("AZURE_CLIENT_ID") && e("AZURE_TENANT_ID") {
            Source::Workload
        } else {
            Source::Imds
        }
    }

    /// `credential.GetToken(resource)`: SDK cache, credential selection, then the source's flow.
    fn sdk_get_token(&mut self, h: &Host, resource: &str, explicit: bool) -> Got {
        let app = self.p_app(h);
        let wanted = self.requested_identity(h);
        let cache_key = (wanted.as_ref().map(|w| w.client_id.clone()).unwrap_or_else(|| "SYSTEM_ASSIGNED_MANAGED_IDENTITY".into()), resource.to_string());
        let hk = h.name.to_ascii_lowercase();
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        let cached = self.sdk_caches.get(&hk).and_then(|c| c.get(&cache_key)).cloned();
        if let Some(c) = &cached {
            let left = c.expires_on.since(self.now);
            if left > 300 && self.now < c.refresh_on {
                let s = self.note(app, "SDK cache hit", Plane::Runtime, &format!("Token for {scope} served from the SDK's cache: {} left, refresh from {}", human_duration(left), c.refresh_on.iso()), Fidelity::Documented, "fact sheet §8.4",
                    format!("{} asks for a token, but the SDK still holds one for this identity and scope, so no request leaves the process. MSAL-based SDKs keep a managed-identity token until its half-life (for tokens of 2 hours or more) and treat one with under 5 minutes left as expired.", if explicit { "The code" } else { "The client library" }));
                s.jwt = Some(c.jwt.clone());
                return Got::Token(c.jwt.clone());
            }
            let why = if left <= 0 {
                format!("it expired {} ago", human_duration(-left))
            } else if left <= 300 {
                format!("only {} left (under 5 minutes counts as expired)", human_duration(left))
            } else { format!("its refresh time {} has passed (half of its lifetime)", c.refresh_on.iso()) };
            self.note(app, "SDK cache: refresh due", Plane::Runtime, &format!("Cached token for {scope}: {why}"), Fidelity::Documented, "fact sheet §8.4, golden checks 40–41",
                format!("The SDK's cached token is due for refresh: {why}. It asks the token source again; if that fails while the old token is still valid, MSAL falls back to the cached one."));
        }
        let got = self.credential_get_token(h, app, resource, wanted.as_ref());
        match got {
            Got::Token(jwt) => {
                if let Some(c) = token::decode_claims(&jwt) {
                    let expires_on = SimTime(c.exp);
                    let expires_in = c.exp.saturating_sub(self.now.0);
                    let refresh_on = if expires_in >= 7200 { self.now.plus(expires_in / 2) } else { SimTime(c.exp.saturating_sub(300)) };
                    let entry = CachedToken { jwt: jwt.clone(), expires_on, refresh_on, client_id: c.appid.clone(), resource: resource.to_string() };
                    self.sdk_caches.entry(hk).or_default().insert(cache_key, entry);
                    if let Some(last) = self.trace.steps.last_mut() {
                        last.changes.push(Change { op: ChangeOp::Updated, area: "sdk-cache".into(), what: format!("{}: token for {resource} (refresh {}, expires {})", h.name, refresh_on.iso(), expires_on.iso()) });
                    }
                }
                Got::Token(jwt)
            }
            Got::Failed => {
                if let Some(c) = cached.filter(|c| c.expires_on.since(self.now) > 300) {
                    if let Some(last) = self.trace.steps.last_mut().filter(|s| s.label == "SDK raises") {
                        last.label = "refresh failed".into();
                        last.explanation = "The refresh attempt failed. Because the cached token has not expired yet, MSAL does not raise: it keeps using the cached token (next step).".into();
                    }
                    let s = self.note(app, "SDK keeps cached token", Plane::Runtime, "Refresh failed; the cached token is still valid and is used", Fidelity::Documented, "fact sheet §8.4", "The refresh attempt failed, but the cached token has not expired, so MSAL returns it instead of raising an error.".into());
                    s.jwt = Some(c.jwt.clone());
                    return Got::Token(c.jwt);
                }
                Got::Failed
            }
        }
    }

    fn credential_get_token(&mut self, h: &Host, app: usize, resource: &str, wanted: Option<&IdentityRef>) -> Got {
        let sdk = h.app.sdk;
        if h.app.credential == Credential::DefaultAzureCredential {
            return self.dac_get_token(h, app, resource, wanted, sdk);
        }
        if h.resource.is_none() {
            let s = self.note(app, "ManagedIdentityCredential: no managed identity", Plane::Runtime, "No IMDS endpoint answers on this machine", Fidelity::Documented, "fact sheet §8.3",
                "ManagedIdentityCredential outside Azure: there is no token endpoint at 169.254.169.254, the request times out and the credential raises CredentialUnavailableException.".into());
            s.outcome = super::trace::Outcome::Failure;
            return Got::Failed;
        }
        let src = self.source_of(h);
        self.mi_source_get_token(h, app, src, resource, wanted, sdk, false)
    }

    fn dac_get_token(&mut self, h: &Host, app: usize, resource: &str, wanted: Option<&IdentityRef>, sdk: Sdk) -> Got {
        let hk = h.name.to_ascii_lowercase();
        if let Some(settled) = self.dac_settled.get(&hk).cloned() {
            return match settled.as_str() {
                "AzureCliCredential" => self.az_cli_token(h, app, resource),
                _ => {
                    let src = self.source_of(h);
                    if src == Source::Workload { self.workload_token(h, app, resource, sdk) } else { self.mi_source_get_token(h, app, src, resource, wanted, sdk, false) }
                }
            };
        }
        let e = |k: &str| h.env.contains_key(k);
        let mut tried = Vec::new();
        let env_ok = e("AZURE_TENANT_ID") && e("AZURE_CLIENT_ID") && (e("AZURE_CLIENT_SECRET") || e("AZURE_CLIENT_CERTIFICATE_PATH"));
        tried.push(format!("EnvironmentCredential: {}", if env_ok { "configured" } else { "unavailable (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET not all set)" }));
        let wl_ok = e("AZURE_FEDERATED_TOKEN_FILE") && e("AZURE_CLIENT_ID") && e("AZURE_TENANT_ID");
        if !env_ok {
            tried.push(format!("WorkloadIdentityCredential: {}", if wl_ok { "configured (AKS workload identity env vars present)" } else { "unavailable (AZURE_FEDERATED_TOKEN_FILE not set)" }));
        }
        let order = match sdk {
            Sdk::Python => "Environment → WorkloadIdentity → ManagedIdentity → SharedTokenCache → AzureCli → AzurePowerShell → AzureDeveloperCli",
            Sdk::Js => "Environment → WorkloadIdentity → ManagedIdentity → VisualStudioCode → AzureCli → AzurePowerShell → AzureDeveloperCli",
            Sdk::Dotnet => "Environment → WorkloadIdentity → ManagedIdentity → VisualStudio → VisualStudioCode → AzureCli → AzurePowerShell → AzureDeveloperCli",
        };
        let next = if env_ok { "EnvironmentCredential is used" } else if wl_ok { "WorkloadIdentityCredential is used" } else { "next: ManagedIdentityCredential" };
        self.note(app, "DefaultAzureCredential: walk the chain", Plane::Runtime, &format!("{}; {next}", tried.join("; ")), Fidelity::Documented, "fact sheet §8.1",
            format!("DefaultAzureCredential ({sdk} SDK) tries credentials in a fixed order: {order}. The first that can produce a token wins and the chain sticks to it. Environment variables come first, so a leftover AZURE_CLIENT_SECRET on a machine silently shadows its managed identity."));
        if env_ok {
            let s = self.note(app, "EnvironmentCredential", Plane::Runtime, "A client secret from environment variables would be used (not modelled further)", Fidelity::Conceptual, "fact sheet §8.1", "The environment names a service principal with a secret, so DefaultAzureCredential uses it and never reaches the managed identity. This is a common reason why 'the managed identity has the role but I still get 403'.".into());
            s.outcome = super::trace::Outcome::Failure;
            return Got::Failed;
        }
        if wl_ok {
            self.dac_settled.insert(hk, "WorkloadIdentityCredential".into());
            return self.workload_token(h, app, resource, sdk);
        }
        // ManagedIdentityCredential, with the IMDS probe where the source is IMDS.
        let src = self.source_of(h);
        if src == Source::Imds {
            if h.resource.is_none() {
                let probe = Request::new("GET", format!("{IMDS}{IMDS_TOKEN_PATH}?{}", build_query(&[("api-version", "2018-02-01"), ("resource", resource)])));
                let s = self.step(app, app, "probe IMDS (no Metadata header, 1 s timeout)", Plane::Runtime, Message::Request(probe), Fidelity::Documented, "fact sheet §8.3, golden check 43",
                    "Inside the chain, the SDK first probes IMDS with a short timeout and no Metadata header. On a laptop nothing listens at 169.254.169.254, the probe times out after about a second, ManagedIdentityCredential reports itself unavailable without retrying, and the chain moves on.".to_string());
                s.outcome = super::trace::Outcome::Failure;
                if let Some(user) = h.az_cli_user.clone() {
                    self.dac_settled.insert(hk, "AzureCliCredential".into());
                    let _ = user;
                    return self.az_cli_token(h, app, resource);
                }
                let s = self.note(app, "CredentialUnavailableException", Plane::Runtime, "DefaultAzureCredential failed to retrieve a token from the included credentials", Fidelity::Documented, "fact sheet §8.1",
                    "Every credential in the chain was unavailable: no environment credentials, no managed identity, and no developer tool signed in (try `az login`).".into());
                s.outcome = super::trace::Outcome::Failure;
                return Got::Failed;
            }
            return match self.mi_source_get_token(h, app, src, resource, wanted, sdk, true) {
                Got::Token(t) => {
                    self.dac_settled.insert(hk, "ManagedIdentityCredential".into());
                    Got::Token(t)
                }
                Got::Failed => Got::Failed,
            };
        }
        let r = self.mi_source_get_token(h, app, src, resource, wanted, sdk, false);
        if matches!(r, Got::Token(_)) {
            self.dac_settled.insert(hk, "ManagedIdentityCredential".into());
        }
        r
    }

    /// ManagedIdentityCredential against one source, with the SDK's retries.
    #[allow(clippy::too_many_arguments)]
    fn mi_source_get_token(&mut self, h: &Host, app: usize, src: Source, resource: &str, wanted: Option<&IdentityRef>, sdk: Sdk, probe: bool) -> Got {
        let Some(res) = h.resource.clone() else { return Got::Failed };
        match src {
            Source::Workload => return self.workload_token(h, app, resource, sdk),
            Source::Arc => {
                if wanted.is_some() {
                    let s = self.note(app, "ManagedIdentityCredential: user-assigned not supported on Arc", Plane::Runtime, "The SDK raises before sending any request", Fidelity::Documented, "fact sheet §3.1, golden check 18",
                        "Azure Arc-enabled servers have only a system-assigned identity. Asking for a user-assigned one makes the SDK fail immediately, before any HTTP call.".into());
                    s.outcome = super::trace::Outcome::Failure;
                    return Got::Failed;
                }
                return self.arc_flow(h, app, &res, resource);
            }
            _ => {}
        }
        if probe && src == Source::Imds && sdk != Sdk::Python {
            // .NET / JS probe: a request without Metadata; a 400 proves IMDS is there.
            let req = Request::new("GET", format!("{IMDS}{IMDS_TOKEN_PATH}?{}", build_query(&[("api-version", "2018-02-01"), ("resource", resource)])));
            let ep = self.p_endpoint(&res);
            self.step(app, ep, "probe: GET token (no Metadata)", Plane::Runtime, Message::Request(req.clone()), Fidelity::Documented, "fact sheet §8.3",
                "Inside DefaultAzureCredential the SDK first sends a probe without the Metadata header and with a 1-second timeout. Any answer (a 400 is guaranteed) proves IMDS is reachable; silence means 'not on Azure' and the chain moves on without long retries.".to_string());
            let resp = self.imds_handle(&res, &req, ep);
            self.step(ep, app, format!("{} probe answered: IMDS is here", resp.status), Plane::Runtime, Message::Response(resp), Fidelity::Documented, "fact sheet §1.4, §8.3",
                "The probe's 400 'Required metadata header not specified' is the expected answer: IMDS exists, so ManagedIdentityCredential is available. Now the real request follows.".to_string()).outcome = super::trace::Outcome::Ok;
        }
        let delays: Vec<u64> = match (src, sdk) {
            (Source::Imds, Sdk::Python) => vec![2, 4, 8, 16, 32],
            (Source::Imds, Sdk::Js) => vec![1, 2, 3, 4, 5],
            (Source::Imds, _) => vec![1, 2, 4],
            _ => vec![1, 1, 1],
        };
        let mut attempt = 0;
        loop {
            let (req, ep) = match src {
                Source::AppService => (self.appservice_request(h, resource, wanted), self.p_endpoint(&res)),
                _ => {
                    let mut q: Vec<(&str, &str)> = vec![("api-version", "2018-02-01"), ("resource", resource)];
                    let cid;
                    if let Some(w) = wanted {
                        cid = w.client_id.clone();
                        q.push(("client_id", &cid));
                    }
                    (Request::new("GET", format!("{IMDS}{IMDS_TOKEN_PATH}?{}", build_query(&q))).header("Metadata", "true"), self.p_endpoint(&res))
                }
            };
            let (label, src_ref, expl) = match src {
                Source::AppService => (
                    format!("GET {} (X-IDENTITY-HEADER)", "/MSI/token"),
                    "fact sheet §2",
                    format!("On App Service and Functions the platform injects IDENTITY_ENDPOINT (a local URL) and IDENTITY_HEADER (a secret it rotates). The SDK calls that endpoint with api-version 2019-08-01 and the secret in X-IDENTITY-HEADER, which proves the caller can read the app's environment{}.", if wanted.is_some() { "; client_id picks the user-assigned identity" } else { "" }),
                ),
                _ => (
                    format!("GET {IMDS_TOKEN_PATH}"),
                    "fact sheet §1.1",
                    format!("The SDK asks the Instance Metadata Service, a link-local endpoint (169.254.169.254) reachable only from inside the VM. `Metadata: true` proves the request was made on purpose (a defence against SSRF), `resource` names the API the token is for and becomes its audience{}.", if wanted.is_some() { ", and `client_id` picks which user-assigned identity to use" } else { "; with no client_id, IMDS picks the identity" }),
                ),
            };
            self.step(app, ep, label, Plane::Runtime, Message::Request(req.clone()), Fidelity::Documented, src_ref, expl);
            let resp = match src {
                Source::AppService => self.appservice_handle(&res, &req, ep),
                _ => self.imds_handle(&res, &req, ep),
            };
            let status = resp.status;
            let jwt = json_field(resp.body.as_deref().unwrap_or(""), "access_token");
            self.emit_endpoint_response(ep, app, &res, resp, src);
            if let Some(t) = jwt {
                return Got::Token(t);
            }
            let retryable = matches!(status, 404 | 408 | 410 | 429 | 500..=599);
            let budget = if status == 410 { 7 } else { delays.len() };
            if !retryable || attempt >= budget || probe && status == 404 {
                let why = if retryable { "the retry budget is spent" } else { "a 4xx other than 404/408/410/429 is a design-time error, so the SDK does not retry" };
                let s = self.note(app, "SDK raises", Plane::Runtime, &format!("{} after {} attempt(s): {why}", if status == 400 { "CredentialUnavailableException" } else { "AuthenticationFailedException" }, attempt + 1), Fidelity::Documented, "fact sheet §1.5, §8.3",
                    format!("The credential gives up and raises: {why}. The exception carries the endpoint's error text; on IMDS a 400 usually means the requested identity is not assigned to this resource."));
                s.outcome = super::trace::Outcome::Failure;
                return Got::Failed;
            }
            let wait = if status == 410 { 10 } else { delays[attempt.min(delays.len() - 1)] };
            attempt += 1;
            self.note(app, &format!("retry {attempt} in {wait}s"), Plane::Runtime, &format!("Status {status} is retryable: wait {wait}s (virtual clock) and try again"), Fidelity::Documented, "fact sheet §1.5, golden check 42",
                if status == 410 {
                    format!("IMDS answered 410: it is being updated and will be back within 70 seconds. The SDK waits a fixed 10 s and retries, up to 7 times. The virtual clock moves on by {wait} s.")
                } else {
                    format!("The {sdk} SDK retries {status} with exponential back-off (MSAL .NET: 1 s, 2 s, 4 s, three retries). The virtual clock moves on by {wait} s.")
                });
            self.advance(wait);
        }
    }

    fn emit_endpoint_response(&mut self, ep: usize, app: usize, res: &Resource, resp: Response, src: Source) {
        let status = resp.status;
        let body = resp.body.clone().unwrap_or_default();
        let jwt = json_field(&body, "access_token");
        let (label, fidelity, expl) = if status == 200 {
            let shape = match src {
                Source::AppService => "Its shape differs from IMDS: `expires_on` is an epoch string and there is no `expires_in`.",
                _ => "Every value is a JSON string, numbers included (IMDS returns all primitives as strings); `expires_on` equals the JWT's `exp` and `not_before` its `nbf`.",
            };
            ("200 access_token".to_string(), Fidelity::Documented, format!("The token endpoint on {} returns the token. {shape}", res.name))
        } else {
            let err = json_field(&body, "error_description").or_else(|| json_field(&body, "message")).unwrap_or_default();
            let fid = if self.trace.steps.last().map(|s| s.fidelity) == Some(Fidelity::Modelled) || modelled_error(status, &err) { Fidelity::Modelled } else { Fidelity::Documented };
            (format!("{status} {}", if err.is_empty() { super::http::reason_phrase(status).to_string() } else { truncate(&err, 48) }), fid, endpoint_error_explanation(status, &err))
        };
        let src_ref = if status == 200 { if src == Source::AppService { "fact sheet §2, golden check 14" } else { "fact sheet §1.3, golden checks 6–7" } } else if src == Source::AppService { "fact sheet §2" } else { "fact sheet §1.4" };
        let s = self.step(ep, app, label, Plane::Runtime, Message::Response(resp), fidelity, src_ref, expl);
        s.jwt = jwt;
    }

    // ----- IMDS -----------------------------------------------------------------------------

    /// IMDS: validates a request exactly as documented and answers it (emitting the
    /// token-service round trip on a cache miss).
    fn imds_handle(&mut self, res: &Resource, req: &Request, ep: usize) -> Response {
        let err = |status: u16, body: &str| Response::new(status).json(JSON_UTF8, body).header("Server", "IMDS/150.870.65.1854");
        let hk = format!("imds:{}", res.name.to_ascii_lowercase());
        match self.fault(&hk) {
            Some(FaultKind::Throttle) => return err(429, r#"{"error":"too_many_requests","error_description":"Too many requests"}"#),
            Some(FaultKind::Updating) => return err(410, r#"{"error":"service_unavailable","error_description":"IMDS is updating; available within 70 seconds"}"#),
            Some(FaultKind::Outage) => return err(503, r#"{"error":"service_unavailable","error_description":"Service unavailable"}"#),
            None => {}
        }
        if req.method != "GET" {
            return err(405, r#"{"error":"method_not_allowed","error_description":"Method not allowed"}"#);
        }
        // One trailing slash is the same path: msal-node (7.x) canonicalizes the URL it builds
        // from AZURE_POD_IDENTITY_AUTHORITY_HOST to `…/oauth2/token/` (seen under `mip serve`),
        // and IMDS serves it (inferred: @azure/identity depends on it in AKS pod identity).
        let path = req.path().strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(req.path()).to_string();
        let metadata = req.header_value("Metadata");
        if metadata != Some("true") {
            return err(400, r#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#);
        }
        if req.header_count("X-Forwarded-For") > 0 {
            return err(400, r#"{"error":"invalid_request","error_description":"Request contains X-Forwarded-For header"}"#);
        }
        let q = req.query();
        let mut seen = std::collections::BTreeSet::new();
        if q.iter().any(|(k, _)| !seen.insert(k.to_ascii_lowercase())) {
            return err(400, r#"{"error":"invalid_request","error_description":"Duplicate query parameter"}"#);
        }
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if path.eq_ignore_ascii_case("/metadata/identity/info") {
            if get("api-version").is_none() {
                return err(400, r#"{"error":"Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds","newest-versions":["2023-07-01","2021-12-13","2021-05-01"]}"#);
            }
            return Response::new(200).json(JSON_UTF8, format!(r#"{{"tenantId":"{}"}}"#, self.directory.tenant_id)).header("Server", "IMDS/150.870.65.1854");
        }
        if !path.eq_ignore_ascii_case(IMDS_TOKEN_PATH) {
            return err(404, r#"{"error":"not_found","error_description":"Not found"}"#);
        }
        if get("api-version").is_none() {
            return err(400, r#"{"error":"Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds","newest-versions":["2023-07-01","2021-12-13","2021-05-01"]}"#);
        }
        let Some(resource) = get("resource").filter(|r| !r.is_empty()) else {
            return err(400, r#"{"error":"invalid_request","error_description":"Required query variable 'resource' is missing"}"#);
        };
        let selectors: Vec<(String, String)> = q.iter().filter(|(k, _)| k == "client_id" || k == "object_id" || k == "msi_res_id").cloned().collect();
        if selectors.len() > 1 {
            return err(400, r#"{"error":"invalid_request","error_description":"Only one of client_id, object_id or msi_res_id may be specified"}"#);
        }
        // Throttling: 20 requests per second and 5 at once per VM (fact sheet §1.5).
        let window = self.imds_requests.entry(res.name.to_ascii_lowercase()).or_default();
        let now = self.now;
        window.retain(|t| t.0 == now.0);
        window.push(now);
        if window.len() > 20 {
            return err(429, r#"{"error":"too_many_requests","error_description":"Too many requests"}"#);
        }
        // Identity selection (fact sheet §1.2).
        let Some(res) = self.resources.get(&res.id.to_ascii_lowercase()).cloned() else {
            return err(400, r#"{"error":"invalid_request","error_description":"Identity not found"}"#);
        };
        let ident = match selectors.first() {
            Some((k, v)) => {
                let all: Vec<&IdentityRef> = res.system_assigned.iter().chain(res.user_assigned.values()).collect();
                let hit = all.into_iter().find(|i| match k.as_str() {
                    "client_id" => i.client_id.eq_ignore_ascii_case(v),
                    "object_id" => i.principal_id.eq_ignore_ascii_case(v),
                    _ => i.mi_resource_id.eq_ignore_ascii_case(v),
                });
                match hit {
                    Some(i) => i.clone(),
                    None => return err(400, r#"{"error":"invalid_request","error_description":"Identity not found"}"#),
                }
            }
            None => match (&res.system_assigned, res.user_assigned.len()) {
                (Some(s), _) => s.clone(),
                (None, 1) => res.user_assigned.values().next().cloned().expect("one entry"),
                (None, 0) => return err(400, r#"{"error":"invalid_request","error_description":"Identity not found"}"#),
                (None, _) => {
                    return err(400, r#"{"error":"invalid_request","error_description":"Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"}"#)
                }
            },
        };
        let echo: Vec<(String, String)> = selectors.clone();
        self.endpoint_token(&res, ep, &ident, &resource, Source::Imds, &echo)
    }

    /// Endpoint cache, then Entra on a miss; builds the endpoint's success body.
    fn endpoint_token(&mut self, res: &Resource, ep: usize, ident: &IdentityRef, resource: &str, src: Source, echo: &[(String, String)]) -> Response {
        let rid = res.id.to_ascii_lowercase();
        let key = (ident.client_id.clone(), resource.to_string());
        let cached = self.endpoint_caches.get(&rid).and_then(|c| c.get(&key)).cloned().filter(|c| c.expires_on.since(self.now) > 300);
        let jwt = match cached {
            Some(c) => {
                let later = if src == Source::AppService { "the same expires_on" } else { "a smaller expires_in" };
                let s = self.note(ep, "endpoint cache hit", Plane::Runtime, &format!("Same token as before for {resource}: {} left", human_duration(c.expires_on.since(self.now))), Fidelity::Documented, "fact sheet §1.6, golden check 9",
                    format!("The managed-identity subsystem caches tokens per identity and resource for about 24 hours; Entra ID is contacted only on a miss. So two calls minutes apart return the identical access_token with {later}, and restarting the app does not give a fresh token. (When exactly the cache refreshes before expiry is not documented; here it refreshes when under 5 minutes are left.)"));
                s.jwt = Some(c.jwt.clone());
                c.jwt
            }
            None => match self.entra_issue(ep, res, ident, resource) {
                Ok(j) => {
                    let c = token::decode_claims(&j).expect("own token decodes");
                    self.endpoint_caches.entry(rid).or_default().insert(key, CachedToken { jwt: j.clone(), expires_on: SimTime(c.exp), refresh_on: SimTime(c.exp), client_id: ident.client_id.clone(), resource: resource.to_string() });
                    j
                }
                Err(resp) => return resp,
            },
        };
        let c = token::decode_claims(&jwt).expect("own token decodes");
        let expires_in = c.exp.saturating_sub(self.now.0).to_string();
        match src {
            Source::AppService => {
                let body = serde_json::json!({"access_token": jwt, "expires_on": c.exp.to_string(), "resource": resource, "token_type": "Bearer", "client_id": ident.client_id});
                Response::new(200).json(JSON_UTF8, body.to_string())
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
                let server = if src == Source::Arc { "HIMDS" } else { "IMDS/150.870.65.1854" };
                Response::new(200).json(JSON_UTF8, serde_json::Value::Object(m).to_string()).header("Server", server)
            }
        }
    }

    // ----- Entra token service ---------------------------------------------------------------

    /// The endpoint asks Entra ID for a token with the identity's certificate (platform-internal).
    fn entra_issue(&mut self, ep: usize, res: &Resource, ident: &IdentityRef, resource: &str) -> Result<String, Response> {
        let entra = self.p_entra();
        let cert = self.certificates.get(&ident.principal_id.to_ascii_lowercase()).cloned();
        self.internal(ep, entra, "token request (client id + certificate)", Plane::Runtime, &format!("Client-credentials request for {resource} as {}", ident.client_id),
            serde_json::json!({"client_id": ident.client_id, "resource": resource, "credential": cert.as_ref().map(|c| format!("certificate {}", c.thumbprint)).unwrap_or_else(|| "certificate (none on record)".into())}),
            "fact sheet §4.2",
            format!("The endpoint on {} authenticates to Entra ID as the identity, using the client id and certificate the MI resource provider gave it. The exact protocol between the platform and Entra is internal and not documented, so this arrow is drawn conceptually.", res.name));
        let err = |status: u16, e: &str, d: &str| Response::new(status).json(JSON_UTF8, serde_json::json!({"error": e, "error_description": d}).to_string());
        if self.fault("entra").is_some() {
            self.internal(entra, ep, "503 (Entra ID unavailable)", Plane::Runtime, "Entra ID did not answer", serde_json::Value::Null, "fact sheet §1.4", "The token service is unavailable (injected fault).".into()).outcome = super::trace::Outcome::Failure;
            return Err(err(500, "unknown", "Failed to retrieve token from the Active directory. For details see logs in C:\\User\\Admin\\AppData\\Local\\Temp\\tmpXXXX"));
        }
        if self.directory.get(&ident.principal_id).is_none() {
            self.internal(entra, ep, "error: service principal not found", Plane::Runtime, "No such service principal", serde_json::json!({"client_id": ident.client_id}), "fact sheet §4.1, golden check 39",
                "The identity's service principal no longer exists in the directory, so Entra ID refuses to issue new tokens. Tokens issued earlier remain valid until they expire.".into()).outcome = super::trace::Outcome::Failure;
            return Err(err(400, "invalid_request", "Identity not found"));
        }
        if cert.as_ref().is_some_and(|c| c.not_after <= self.now) {
            self.internal(entra, ep, "error: certificate expired", Plane::Runtime, "Credential expired", serde_json::Value::Null, "fact sheet §4.2", "The identity's certificate has expired (the resource provider normally rolls it at 45 days).".into()).outcome = super::trace::Outcome::Failure;
            return Err(err(500, "unknown", "Failed to retrieve token from the Active directory."));
        }
        let known = KNOWN_RESOURCES.iter().any(|k| k.eq_ignore_ascii_case(resource.trim_end_matches('/')))
            || self.directory.objects.values().any(|p| matches!(&p.kind, super::directory::PrincipalKind::Application { identifier_uris, .. } if identifier_uris.iter().any(|u| u.trim_end_matches('/').eq_ignore_ascii_case(resource.trim_end_matches('/')))));
        if !known {
            let d = format!("AADSTS50001: The application named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", self.directory.tenant_id);
            self.internal(entra, ep, "AADSTS50001 invalid_resource", Plane::Runtime, "Unknown resource", serde_json::json!({"error": "invalid_resource", "error_description": d}), "fact sheet §1.4",
                format!("Entra ID does not know an API whose App ID URI is '{resource}', so it cannot issue a token for it. Check the spelling (and trailing slash) of the resource.")).outcome = super::trace::Outcome::Failure;
            return Err(Response::new(400).json(JSON_UTF8, serde_json::json!({"error": "invalid_resource", "error_description": d}).to_string()));
        }
        let jwt = self.mint(ident, resource, &res.name);
        let claims = token::decode_claims(&jwt).expect("own token decodes");
        let groups_note = if claims.groups.is_empty() { String::new() } else { format!(" The identity is in {} group(s), carried in the `groups` claim for the token's whole life.", claims.groups.len()) };
        let s = self.internal(entra, ep, "signed JWT (24 h 5 min)", Plane::Runtime, &format!("Access token for {resource}, expires {}", SimTime(claims.exp).iso()), serde_json::json!({"aud": claims.aud, "oid": claims.oid, "appid": claims.appid, "exp": claims.exp}), "fact sheet §5",
            format!("Entra ID signs an app-only access token (RS256, demo tenant key {}). `aud` is exactly the requested resource, `oid`/`sub` the identity's object id, `appid` its client id, `appidacr` \"2\" (certificate), and it lives 24 hours 5 minutes; managed-identity token lifetimes are not configurable.{groups_note}", token::KID));
        s.jwt = Some(jwt.clone());
        s.changes.push(Change { op: ChangeOp::Added, area: "tokens".into(), what: format!("token for {} → {resource} (exp {})", res.name, SimTime(claims.exp).iso()) });
        Ok(jwt)
    }

    /// Signs a managed-identity token. `iat`/`nbf` are backdated 5 minutes, which is how
    /// `exp − iat` is 24 h 5 min while a fresh `expires_in` is about 24 h (fact sheet §1.3, §5.3 [I]).
    fn mint(&mut self, ident: &IdentityRef, resource: &str, host: &str) -> String {
        let tid = self.directory.tenant_id.clone();
        let iss = format!("https://sts.windows.net/{tid}/");
        let iat = self.now.0.saturating_sub(300);
        let groups = self.directory.groups_of(&ident.principal_id);
        let pid = ident.principal_id.to_ascii_lowercase();
        let roles: Vec<String> = self.app_role_grants.iter().filter(|(uri, p, _)| p == &pid && !uri.is_empty() && uri.trim_end_matches('/').eq_ignore_ascii_case(resource.trim_end_matches('/'))).map(|(_, _, r)| r.clone()).collect();
        let claims = Claims {
            aud: resource.to_string(),
            iss: iss.clone(),
            iat,
            nbf: iat,
            exp: iat + MI_TOKEN_LIFETIME,
            aio: self.rng.token(56),
            appid: ident.client_id.clone(),
            appidacr: "2".into(),
            scp: None,
            groups,
            idp: iss,
            idtyp: "app".into(),
            oid: ident.principal_id.clone(),
            rh: format!("1.{}.", self.rng.token(54)),
            roles,
            upn: None,
            sub: ident.principal_id.clone(),
            tid,
            uti: self.rng.token(22),
            ver: "1.0".into(),
            xms_mirid: ident.mi_resource_id.clone(),
            xms_tcdt: self.tenant_created,
        };
        let jwt = token::sign(&claims);
        self.issued_log.push((host.to_string(), jwt.clone()));
        jwt
    }

    // ----- App Service --------------------------------------------------------------------

    fn appservice_request(&self, h: &Host, resource: &str, wanted: Option<&IdentityRef>) -> Request {
        let ep = h.env.get("IDENTITY_ENDPOINT").cloned().unwrap_or_else(|| APPSVC_ENDPOINT.into());
        let mut q: Vec<(&str, &str)> = vec![("resource", resource), ("api-version", "2019-08-01")];
        let cid;
        if let Some(w) = wanted {
            cid = w.client_id.clone();
            q.push(("client_id", &cid));
        }
        Request::new("GET", format!("{ep}?{}", build_query(&q))).header("X-IDENTITY-HEADER", h.env.get("IDENTITY_HEADER").cloned().unwrap_or_default())
    }

    fn appservice_handle(&mut self, res: &Resource, req: &Request, ep: usize) -> Response {
        let corr = self.rng.guid();
        let err = |status: u16, msg: &str, corr: &str| {
            Response::new(status).json(JSON_UTF8, serde_json::json!({"statusCode": status, "message": msg, "correlationId": corr}).to_string()).header("Server", "Kestrel").header("X-CORRELATION-ID", corr)
        };
        let q = req.query();
        let get = |k: &str| q.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.clone());
        let api = get("api-version").unwrap_or_default();
        let secret = self.app_service_secrets.get(&res.name.to_ascii_lowercase()).map(|s| s.0.clone()).unwrap_or_default();
        let legacy = api == "2017-09-01";
        let presented = if legacy { req.header_value("secret") } else { req.header_value("X-IDENTITY-HEADER") };
        if presented != Some(secret.as_str()) {
            return err(401, "The request is missing a valid X-IDENTITY-HEADER.", &corr);
        }
        if api != "2019-08-01" && !legacy {
            return err(400, "The api-version is not supported.", &corr);
        }
        let Some(resource) = get("resource").filter(|r| !r.is_empty()) else { return err(400, "The resource parameter is required.", &corr) };
        let Some(res) = self.resources.get(&res.id.to_ascii_lowercase()).cloned() else { return err(400, "Unable to load the proper Managed Identity.", &corr) };
        let sel = if legacy { get("clientid").map(|v| ("client_id", v)) } else { get("client_id").map(|v| ("client_id", v)).or_else(|| get("principal_id").or_else(|| get("object_id")).map(|v| ("principal_id", v))).or_else(|| get("mi_res_id").map(|v| ("mi_res_id", v))) };
        let ident = match sel {
            Some((k, v)) => res.system_assigned.iter().chain(res.user_assigned.values()).find(|i| match k {
                "client_id" => i.client_id.eq_ignore_ascii_case(&v),
                "principal_id" => i.principal_id.eq_ignore_ascii_case(&v),
                _ => i.mi_resource_id.eq_ignore_ascii_case(&v),
            }).cloned(),
            None => res.system_assigned.clone(),
        };
        let Some(ident) = ident else { return err(400, "Unable to load the proper Managed Identity.", &corr) };
        let resp = self.endpoint_token(&res, ep, &ident, &resource, Source::AppService, &[]);
        if legacy && resp.status == 200 {
            // 2017-09-01: expires_on as a date-time string (exact format unconfirmed).
            let body = resp.body.clone().unwrap_or_default();
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&body) {
                let exp: u64 = v["expires_on"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
                v["expires_on"] = SimTime(exp).legacy_app_service().into();
                if let Some(o) = v.as_object_mut() {
                    o.remove("client_id");
                }
                return Response::new(200).json(JSON_UTF8, v.to_string());
            }
        }
        resp
    }

    // ----- Azure Arc --------------------------------------------------------------------

    fn arc_flow(&mut self, _h: &Host, app: usize, res: &Resource, resource: &str) -> Got {
        let ep = self.p_endpoint(res);
        let url = format!("{ARC_ENDPOINT}?{}", build_query(&[("api-version", "2020-06-01"), ("resource", resource)]));
        let req1 = Request::new("GET", url.clone()).header("Metadata", "true");
        self.step(app, ep, "GET token (HIMDS, no credential)", Plane::Runtime, Message::Request(req1), Fidelity::Documented, "fact sheet §3.1, golden check 17",
            "On an Azure Arc-enabled server the SDK finds IDENTITY_ENDPOINT and IMDS_ENDPOINT pointing at the local Hybrid Instance Metadata Service (port 40342). The first request carries no credential on purpose: HIMDS answers with a challenge.".to_string());
        if res.system_assigned.is_none() {
            let resp = Response::new(400).json(JSON_UTF8, r#"{"error":"invalid_request","error_description":"Identity not found"}"#);
            self.emit_endpoint_response(ep, app, res, resp, Source::Arc);
            return Got::Failed;
        }
        let file = format!("/var/opt/azcmagent/tokens/{}.key", self.rng.guid());
        let key = self.rng.token(44);
        let resp1 = Response::new(401).header("WWW-Authenticate", format!("Basic realm={file}")).with_body("");
        self.step(ep, app, "401 WWW-Authenticate: Basic realm=<key file>", Plane::Runtime, Message::Response(resp1), Fidelity::Documented, "fact sheet §3.1",
            format!("HIMDS writes a one-time secret to {file} and names that file in the challenge. Only a process with elevated rights (root, or Administrators on Windows) can read it, which is how Arc proves the caller is privileged on the machine.")).outcome = Outcome::Expected;
        self.note(app, "read the key file", Plane::Runtime, &format!("Read {file} (≤ 4096 bytes, .key, needs root)"), Fidelity::Documented, "fact sheet §3.1",
            "The SDK checks that the path is inside the agent's tokens folder, ends in .key and is at most 4 KB, then reads it.".into());
        let req2 = Request::new("GET", url).header("Metadata", "true").header("Authorization", format!("Basic {key}"));
        self.step(app, ep, "GET token (Authorization: Basic <file contents>)", Plane::Runtime, Message::Request(req2), Fidelity::Documented, "fact sheet §3.1",
            "The same request again, now with `Authorization: Basic` followed by the file's raw contents (not base64-encoded again).".to_string());
        let ident = res.system_assigned.clone().expect("checked above");
        let resp = self.endpoint_token(res, ep, &ident, resource, Source::Arc, &[]);
        let jwt = json_field(resp.body.as_deref().unwrap_or(""), "access_token");
        self.emit_endpoint_response(ep, app, res, resp, Source::Arc);
        match jwt {
            Some(t) => Got::Token(t),
            None => Got::Failed,
        }
    }

    // ----- AKS workload identity ------------------------------------------------------------

    fn workload_token(&mut self, h: &Host, app: usize, resource: &str, sdk: Sdk) -> Got {
        let Some(res) = h.resource.clone() else { return Got::Failed };
        let Some((ns, sa, ident_name, issuer)) = res.data.workload.clone() else {
            let s = self.note(app, "WorkloadIdentityCredential unavailable", Plane::Runtime, "No projected service-account token on this host", Fidelity::Documented, "fact sheet §3.5", "Workload identity needs the AKS webhook's environment variables and token file.".into());
            s.outcome = super::trace::Outcome::Failure;
            return Got::Failed;
        };
        let kubelet = self.p_endpoint(&res);
        let entra = self.p_entra();
        let client_id = h.env.get("AZURE_CLIENT_ID").cloned().unwrap_or_default();
        let subject = format!("system:serviceaccount:{ns}:{sa}");
        let now = self.now.0;
        let sa_claims = serde_json::json!({"aud": ["api://AzureADTokenExchange"], "exp": now + 3600, "iat": now, "iss": issuer, "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": sa}}, "nbf": now, "sub": subject});
        let sa_jwt = sign_other(&sa_claims);
        let s = self.internal(kubelet, app, "projected service-account token", Plane::Runtime, "/var/run/secrets/azure/tokens/azure-identity-token", sa_claims.clone(), "fact sheet §3.5",
            format!("The kubelet projects a short-lived Kubernetes service-account token for {subject} into the pod, with audience api://AzureADTokenExchange, and rotates it. The AKS webhook set AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST. (Here the token is signed with the demo key; a real cluster signs it with its own OIDC issuer key.)"));
        s.jwt = Some(sa_jwt.clone());
        let form = format!("client_id={}&scope={}&grant_type=client_credentials&client_assertion_type={}&client_assertion={}", client_id, super::http::encode(&format!("{}/.default", resource.trim_end_matches('/'))), super::http::encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), sa_jwt);
        let req = Request::new("POST", format!("https://login.microsoftonline.com/{}/oauth2/v2.0/token", self.directory.tenant_id)).header("Content-Type", "application/x-www-form-urlencoded").body(form);
        self.step(app, entra, "POST /oauth2/v2.0/token (client_assertion)", Plane::Runtime, Message::Request(req), Fidelity::Documented, "fact sheet §3.5",
            format!("WorkloadIdentityCredential ({sdk}) exchanges the service-account token for an Entra token: a client-credentials request for the user-assigned identity's client id, with the Kubernetes token as client_assertion. No IMDS, no secret in the pod."));
        let uami = self.find_uami(&client_id).filter(|u| u.mi_resource_id.to_ascii_lowercase().ends_with(&format!("/{}", ident_name.to_ascii_lowercase())) || self.find_uami(&ident_name).map(|x| x.client_id == u.client_id).unwrap_or(false));
        let fics = uami.as_ref().and_then(|u| self.resources.get(&u.mi_resource_id.to_ascii_lowercase())).map(|r| r.data.federated_credentials.clone()).unwrap_or_default();
        let matched = fics.iter().find(|f| f.issuer == issuer && f.subject == subject && f.audiences.iter().any(|a| a == "api://AzureADTokenExchange"));
        let alive = uami.as_ref().is_some_and(|u| self.directory.get(&u.principal_id).is_some());
        match (uami, matched, alive) {
            (Some(u), Some(f), true) => {
                let fname = f.name.clone();
                let jwt = self.mint(&u, resource, &h.name);
                let body = serde_json::json!({"token_type": "Bearer", "expires_in": MI_TOKEN_LIFETIME - 301, "ext_expires_in": MI_TOKEN_LIFETIME - 301, "access_token": jwt});
                let s = self.step(entra, app, "200 access_token", Plane::Runtime, Message::Response(Response::new(200).json(JSON_UTF8, body.to_string())), Fidelity::Modelled, "fact sheet §3.5",
                    format!("Entra ID finds federated identity credential '{fname}' on the identity whose issuer, subject and audience match the assertion, and issues a token for the identity. The v2 endpoint returns numbers as numbers (unlike IMDS). The token lifetime here follows the managed-identity rule; it is not confirmed for federated exchanges."));
                s.jwt = Some(jwt.clone());
                Got::Token(jwt)
            }
            (u, _, alive) => {
                let (code, desc) = if u.is_none() || !alive {
                    ("unauthorized_client", format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory."))
                } else {
                    ("invalid_request", format!("AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: 'api://AzureADTokenExchange'."))
                };
                let body = serde_json::json!({"error": code, "error_description": desc});
                let code_label = desc.split(':').next().unwrap_or("error").to_string();
                let s = self.step(entra, app, format!("400 {code_label}"), Plane::Runtime, Message::Response(Response::new(400).json(JSON_UTF8, body.to_string())), Fidelity::Modelled, "fact sheet §3.5",
                    "Entra ID refuses the exchange: the identity needs a federated identity credential whose issuer is the cluster's OIDC issuer URL and whose subject is exactly system:serviceaccount:<namespace>:<name>.".to_string());
                s.outcome = super::trace::Outcome::Failure;
                Got::Failed
            }
        }
    }

    // ----- Azure CLI (laptop) ------------------------------------------------------------------

    fn az_cli_token(&mut self, h: &Host, app: usize, resource: &str) -> Got {
        let Some(user) = h.az_cli_user.clone() else {
            let s = self.note(app, "AzureCliCredential unavailable", Plane::Runtime, "Please run 'az login' to set up an account", Fidelity::Documented, "fact sheet §8.1", "No one is signed in to the Azure CLI on this machine.".into());
            s.outcome = super::trace::Outcome::Failure;
            return Got::Failed;
        };
        let Some(oid) = self.resolve_principal(&user) else { return Got::Failed };
        let entra = self.p_entra();
        let skipped = match h.app.sdk {
            Sdk::Python => "SharedTokenCacheCredential (no shared cache)",
            Sdk::Js => "VisualStudioCodeCredential (not signed in)",
            Sdk::Dotnet => "VisualStudioCredential and VisualStudioCodeCredential (not signed in)",
        };
        self.note(app, "az account get-access-token", Plane::Runtime, &format!("{skipped} unavailable; AzureCliCredential runs `az account get-access-token --resource {resource}`"), Fidelity::Documented, "fact sheet §8.1",
            format!("After ManagedIdentityCredential, the chain tries the developer tools in order; {skipped} cannot help here, so it reaches AzureCliCredential, which shells out to the Azure CLI. The CLI uses {user}'s sign-in (from `az login`): the code now runs as {user}, not as any managed identity."));
        let tid = self.directory.tenant_id.clone();
        let iss = format!("https://sts.windows.net/{tid}/");
        let iat = self.now.0.saturating_sub(300);
        let claims = Claims {
            aud: resource.to_string(),
            iss: iss.clone(),
            iat,
            nbf: iat,
            exp: iat + 4500,
            aio: self.rng.token(56),
            appid: AZ_CLI_APP_ID.into(),
            appidacr: "0".into(),
            scp: Some("user_impersonation".into()),
            groups: self.directory.groups_of(&oid),
            idp: iss,
            idtyp: "user".into(),
            oid: oid.clone(),
            rh: format!("1.{}.", self.rng.token(54)),
            roles: vec![],
            upn: Some(format!("{user}@{}", self.directory.domain)),
            sub: self.rng.token(43),
            tid,
            uti: self.rng.token(22),
            ver: "1.0".into(),
            xms_mirid: String::new(),
            xms_tcdt: self.tenant_created,
        };
        let jwt = token::sign(&claims);
        self.issued_log.push((h.name.clone(), jwt.clone()));
        let s = self.internal(entra, app, "user token (delegated, ~75 min)", Plane::Runtime, &format!("Delegated token for {user}"), serde_json::json!({"aud": resource, "upn": format!("{user}@{}", self.directory.domain), "idtyp": "user"}), "fact sheet §5.3, §8.1",
            format!("A delegated user token (idtyp user, scp user_impersonation, appid of the Azure CLI) with a normal 60–90 minute lifetime. Resource servers authorize {user}'s own role assignments, so code that works on a developer's laptop may fail on a VM, and the other way round."));
        s.jwt = Some(jwt.clone());
        Got::Token(jwt)
    }

    // ----- raw token requests -----------------------------------------------------------------

    fn raw_token_request(&mut self, h: &Host, method: HttpMethod, path: Option<&str>, query: &[(String, String)], headers: &[(String, String)], repeat: u32) {
        let app = self.p_app(h);
        let Some(res) = h.resource.clone() else {
            let s = self.note(app, "no token endpoint", Plane::Runtime, "Connection to 169.254.169.254 timed out", Fidelity::Documented, "fact sheet §8.3", "Outside Azure there is no link-local metadata endpoint: the request times out.".into());
            s.outcome = super::trace::Outcome::Failure;
            return;
        };
        let ep = self.p_endpoint(&res);
        let (base, default_path) = match res.kind {
            ResourceKind::AppService => ("http://localhost:4141", "/MSI/token"),
            ResourceKind::ArcServer => ("http://localhost:40342", IMDS_TOKEN_PATH),
            _ => (IMDS, IMDS_TOKEN_PATH),
        };
        let path = path.unwrap_or(default_path);
        let qs = query.iter().map(|(k, v)| format!("{}={}", super::http::encode(k), super::http::encode(&self.expand(v, h)))).collect::<Vec<_>>().join("&");
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
        self.step(app, ep, label, Plane::Runtime, Message::Request(req.clone()), Fidelity::Documented, cite, expl);
        let mut statuses: BTreeMap<u16, u32> = BTreeMap::new();
        let mut last = None;
        for i in 0..n {
            // 5 concurrent at most: a burst beyond that is refused at once.
            let resp = if n > 5 && i >= 5 && res.kind != ResourceKind::AppService {
                Response::new(429).json(JSON_UTF8, r#"{"error":"too_many_requests","error_description":"Too many requests"}"#).header("Server", "IMDS/150.870.65.1854")
            } else {
                match res.kind {
                    ResourceKind::AppService => self.appservice_handle(&res, &req, ep),
                    // A missing key, or one that no challenge of this run issued, is challenged (again).
                    ResourceKind::ArcServer if req.header_value("Metadata").is_some() && !super::live::arc_key_accepted(&self.trace, &self.directory.tenant_id, req.header_value("Authorization")) => {
                        let file = format!("/var/opt/azcmagent/tokens/{}.key", self.rng.guid());
                        Response::new(401).header("WWW-Authenticate", format!("Basic realm={file}")).with_body("")
                    }
                    _ => self.imds_handle(&res, &req, ep),
                }
            };
            *statuses.entry(resp.status).or_default() += 1;
            last = Some(resp);
        }
        let resp = last.expect("at least one request");
        if n > 1 {
            let summary = statuses.iter().map(|(s, c)| format!("{c} × {s}")).collect::<Vec<_>>().join(", ");
            let jwt = json_field(resp.body.as_deref().unwrap_or(""), "access_token");
            let s = self.step(ep, app, summary.clone(), Plane::Runtime, Message::Response(resp), Fidelity::Modelled, "fact sheet §1.5, golden check 11",
                format!("Results: {summary}. The managed-identity category of IMDS allows 20 requests per second and 5 concurrent requests per VM; the rest get 429 Too Many Requests (body not documented; modelled). Cache tokens in the app and retry 429 with back-off."));
            s.jwt = jwt;
            if statuses.keys().any(|&k| k >= 400) {
                s.outcome = super::trace::Outcome::Failure;
            }
        } else {
            let src = match res.kind {
                ResourceKind::AppService => Source::AppService,
                ResourceKind::ArcServer => Source::Arc,
                _ => Source::Imds,
            };
            if resp.status == 401 && src == Source::Arc {
                self.step(ep, app, "401 WWW-Authenticate: Basic realm=<key file>", Plane::Runtime, Message::Response(resp), Fidelity::Documented, "fact sheet §3.1", "HIMDS challenges the caller to prove it can read a root-only key file.".to_string()).outcome = Outcome::Expected;
            } else {
                self.emit_endpoint_response(ep, app, &res, resp, src);
            }
        }
    }

    /// Expands placeholders in hand-made requests: `$IDENTITY_HEADER` (the host's current
    /// secret) and `$clientId:NAME`, `$principalId:NAME`, `$resourceId:NAME` (ids the
    /// scenario cannot know in advance, of a user-assigned identity or a resource's
    /// system-assigned identity).
    fn expand(&self, v: &str, h: &Host) -> String {
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

    // ----- resource servers ------------------------------------------------------------------

    /// Gets the bearer token for a resource call. `auth`: `sdk` (challenge first for Key
    /// Vault), `none`, or a resource URI to request instead of the right one.
    fn bearer_for(&mut self, h: &Host, auth: &str, token: Option<&TokenSource>, service: Service, right_resource: &str) -> Option<Option<String>> {
        if let Some(t) = token {
            return self.scripted_token(h, t, service).map(Some);
        }
        match auth {
            "none" => Some(None),
            "sdk" => match self.sdk_get_token(h, right_resource, false) {
                Got::Token(t) => Some(Some(t)),
                Got::Failed => None,
            },
            other => match self.sdk_get_token(h, other, false) {
                Got::Token(t) => Some(Some(t)),
                Got::Failed => None,
            },
        }
    }

    /// The token a resource call sends when the scenario scripts it (`token` on the action):
    /// exact bytes, or the token this host last sent to the service, then with claims
    /// changed (signature kept) or signed again by another key. Drawn as a step of the app,
    /// so the learner sees what is about to be sent. `None` (with a failure note) when
    /// there is nothing to replay.
    fn scripted_token(&mut self, h: &Host, t: &TokenSource, service: Service) -> Option<String> {
        let app = self.p_app(h);
        let key = (h.name.to_ascii_lowercase(), service);
        let (base, origin) = match (&t.jwt, t.replay) {
            (Some(jwt), _) => (jwt.trim().to_string(), "the token written in the scenario".to_string()),
            (None, _) => match self.sent_tokens.get(&key).cloned() {
                Some((jwt, at)) => (jwt, format!("the token it sent to {} at {}", service.name(), at.iso())),
                None => {
                    let s = self.note(app, "nothing to replay", Plane::Runtime, &format!("{} has sent no token to {} yet", h.name, service.name()), Fidelity::Narration, "scenario",
                        format!("The scenario replays the last token {} sent to {}, but it has not sent one yet, so there is nothing to send.", h.name, service.name()));
                    s.outcome = super::trace::Outcome::Failure;
                    return None;
                }
            },
        };
        let mut jwt = base.clone();
        let mut what = Vec::new();
        if !t.set_claims.is_empty() {
            let mut payload: serde_json::Map<String, serde_json::Value> = token::decode_parts(&jwt).and_then(|(_, p, _)| serde_json::from_str(&p).ok()).unwrap_or_default();
            for (k, v) in &t.set_claims {
                if v.is_null() {
                    payload.shift_remove(k);
                    what.push(format!("removes {k}"));
                } else {
                    // `$principalId:NAME`-style placeholders name ids the author cannot know.
                    let v = match v.as_str() {
                        Some(text) => serde_json::Value::String(self.expand(text, h)),
                        None => v.clone(),
                    };
                    what.push(format!("sets {k} to {v}"));
                    payload.insert(k.clone(), v);
                }
            }
            jwt = token::with_payload(&jwt, &serde_json::Value::Object(payload).to_string());
        }
        if let Some(ForgeKey::Attacker) = t.signed_by {
            let payload = jwt.split('.').nth(1).unwrap_or("").to_string();
            let header = token::b64url(&serde_json::to_vec(&token::access_token_header(token::SigningKeyId::Attacker)).unwrap_or_default());
            jwt = token::sign_segments(&header, &payload, token::SigningKeyId::Attacker);
            what.push(format!("signs it again with a key of its own (kid {})", token::ATTACKER_KID));
        }
        let changed = if what.is_empty() { "unchanged".to_string() } else { what.join(", ") };
        let exact = t.jwt.is_some() && what.is_empty();
        let expl = if exact {
            "The code sends exactly the token written in the scenario (for example one edited in the JWT view), without asking its credential. The server checks it like any other: the signature covers the header and the payload byte for byte, so a token changed anywhere after Entra ID signed it is refused.".to_string()
        } else if what.is_empty() {
            format!("The code sends {origin} again, as it was: no credential is asked, so nothing refreshes it. Whatever the server thinks of it now (its lifetime, its audience) is what comes back.")
        } else if t.signed_by.is_some() {
            format!("The code takes {origin} and {changed}. The signature is valid for that key, but Entra ID never published the key, so no resource server can trust it.")
        } else {
            format!("The code takes {origin} and {changed}, keeping the original signature. The signature covers the header and the payload, so any change breaks it: this is the experiment that shows why a token cannot be edited.")
        };
        let s = self.note(app, if exact { "send the token as written" } else if what.is_empty() { "replay an earlier token" } else { "send a changed token" }, Plane::Runtime, &format!("Sends {origin}: {changed}"), Fidelity::Narration, "scenario (token replay and tampering)", expl);
        s.jwt = Some(jwt.clone());
        Some(jwt)
    }

    /// A resource server's first job: read `Authorization: Bearer <jwt>` from the request
    /// it received and run the one validator (`verify::validate`) with its own audiences
    /// and its tenant's issuers, at the virtual time. Nothing else is consulted: a token
    /// the token service never issued, or changed by one byte, fails like on real Azure.
    fn authenticate(&self, req: &Request, audiences: &[&str]) -> Authn {
        let Some(header) = req.header_value("Authorization") else { return Authn::NoToken };
        let jwt = header.strip_prefix("Bearer ").unwrap_or(header);
        let expect = Expectations { issuers: verify::tenant_issuers(&self.directory.tenant_id), audiences: Some(audiences.iter().map(|a| a.to_string()).collect()), now: self.now };
        let v = verify::validate(jwt, &self.jwks, &expect);
        match v.result.clone() {
            Ok(claims) => Authn::Valid(claims, v),
            Err(_) => Authn::Rejected(v),
        }
    }

    /// The decision shown for a refused token: every check made, the failed one last.
    fn token_decision(v: &TokenValidation, fix: &str) -> Decision {
        let what = v.rejection().map(|r| r.check().name()).unwrap_or("token");
        Decision::new(false, format!("Token rejected: {what}"), v.lines(), Some(fix.to_string()))
    }

    /// When a denial would be an allow with the caller's current group memberships, the
    /// token's `groups` claim is stale: say so (fact sheet §7.7, golden check 37).
    fn explain_stale_groups(&self, d: &mut Decision, claims: &Claims, action: &str, data: bool, scope: &str) {
        let live = self.directory.groups_of(&claims.oid);
        let missing: Vec<String> = live.iter().filter(|g| !claims.groups.iter().any(|c| c.eq_ignore_ascii_case(g))).cloned().collect();
        if missing.is_empty() {
            return;
        }
        let req = AccessRequest { principal_id: &claims.oid, groups: &live, action, data, scope, now: self.now };
        if !matches!(self.rbac.evaluate(&req), super::rbac::Verdict::Allowed(_)) {
            return;
        }
        let names = missing.iter().map(|g| self.principal_label(g)).collect::<Vec<_>>().join(", ");
        d.reasons.push(format!(
            "A role assignment to group {names} would allow this, and the identity is now a member, but this token was issued at {} before the membership: its `groups` claim does not list {names}. Resources authorize what the token says.",
            SimTime(claims.iat + 300).iso()
        ));
        d.summary = "Group membership not in the token yet".into();
        d.fix = Some("Wait for a new token (managed-identity tokens are cached for about 24 hours, in the SDK and on the host), or assign the role to the identity directly.".into());
    }

    fn keyvault_get_secret(&mut self, h: &Host, vault: &Resource, secret: &str, auth: &str, token: Option<&TokenSource>) {
        // A scripted token is sent straight away: no challenge round trip.
        let auth = if token.is_some() { "scripted" } else { auth };
        let app = self.p_app(h);
        let kv = self.p_server(vault);
        let url = format!("https://{}.vault.azure.net/secrets/{secret}?api-version=7.4", vault.name.to_ascii_lowercase());
        let challenge_key = (h.name.to_ascii_lowercase(), vault.name.to_ascii_lowercase());
        let tenant = self.directory.tenant_id.clone();
        let challenge = |w: &mut World, label: &str, expl: String| {
            let body = r#"{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}"#;
            let resp = Response::new(401).header("WWW-Authenticate", format!("Bearer authorization=\"https://login.windows.net/{tenant}\", resource=\"https://vault.azure.net\"")).json(JSON_UTF8, body);
            let expected = auth == "sdk";
            let s = w.step(kv, app, label.to_string(), Plane::Runtime, Message::Response(resp), Fidelity::Documented, "fact sheet §6.1, golden check 20", expl);
            if expected {
                s.outcome = Outcome::Expected;
            }
        };
        if auth == "none" || (auth == "sdk" && !self.kv_challenges.contains(&challenge_key)) {
            let req = Request::new("GET", url.clone()).header("Content-Length", "0");
            let expl = if auth == "none" {
                "The code calls Key Vault without any token.".to_string()
            } else {
                "The Key Vault client library starts with an unauthenticated request on purpose. Key Vault's answer tells it which tenant and which resource to ask a token for, so the SDK never has to guess the audience (the 'challenge-based authentication' policy).".to_string()
            };
            self.step(app, kv, "GET /secrets (no token)", Plane::Runtime, Message::Request(req), Fidelity::Documented, "fact sheet §6.1", expl);
            challenge(self, "401 WWW-Authenticate: Bearer …", "Key Vault answers 401 with a WWW-Authenticate challenge naming the authority (the tenant) and the resource https://vault.azure.net. The body says the request is missing a token (AKV10000).".into());
            if auth == "none" {
                return;
            }
            self.kv_challenges.insert(challenge_key);
        }
        let steps_before = self.trace.steps.len();
        let Some(token) = self.bearer_for(h, auth, token, Service::KeyVault, "https://vault.azure.net") else { return };
        let Some(jwt) = token else { return };
        let remembered = auth == "sdk" && self.trace.steps.get(steps_before.saturating_sub(1)).is_some_and(|s| !s.label.starts_with("401"));
        let req = Request::new("GET", url).header("Authorization", format!("Bearer {jwt}"));
        let lead = if remembered { "The client remembers this vault's challenge from an earlier call, so it skips the unauthenticated request and sends the token straight away. " } else { "" };
        let s = self.step(app, kv, "GET /secrets (Bearer token)", Plane::Runtime, Message::Request(req.clone()), Fidelity::Documented, "fact sheet §6.1",
            format!("{lead}The code sends the access token in the Authorization header. Key Vault will validate it, then check whether this identity may read the secret '{secret}'."));
        s.jwt = Some(jwt.clone());
        if auth != "scripted" {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::KeyVault), (jwt.clone(), self.now));
        }
        let (claims, validation) = match self.authenticate(&req, &KV_AUDIENCES) {
            Authn::Valid(c, v) => (c, v),
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let (msg, fid) = keyvault_unauthorized(&rej);
                let body = serde_json::json!({"error": {"code": "Unauthorized", "message": msg}}).to_string();
                let resp = Response::new(401).header("WWW-Authenticate", format!("Bearer authorization=\"https://login.windows.net/{tenant}\", resource=\"https://vault.azure.net\"")).json(JSON_UTF8, body);
                let fix = match rej.check() {
                    CheckKind::Audience => "Request the token for resource https://vault.azure.net (scope https://vault.azure.net/.default).",
                    CheckKind::Lifetime => "Get a fresh token: the SDK refreshes before expiry; code that keeps a token of its own must too.",
                    CheckKind::Issuer => "Get the token from the tenant the vault belongs to (Key Vault's challenge names it).",
                    _ => "Send the token exactly as Entra ID issued it: any change breaks the signature.",
                };
                let s = self.step(kv, app, format!("401 Unauthorized ({})", rej.check().name()), Plane::Runtime, Message::Response(resp), fid, "fact sheet §6.1, §5.4",
                    format!("Key Vault rejects the token before looking at permissions: {}.{}", rej.explain(), if fid == Fidelity::Modelled { " (Status 401 is documented; the exact message for this case is not confirmed and is modelled.)" } else { "" }));
                s.decision = Some(Self::token_decision(&v, fix));
                return;
            }
        };
        let vault_now = self.resources.get(&vault.id.to_ascii_lowercase()).cloned().unwrap_or_else(|| vault.clone());
        let caller = format!("appid={};oid={};iss={}", claims.appid, claims.oid, claims.iss);
        let target_scope = format!("{}/secrets/{secret}", vault_now.id);
        let plabel = self.principal_label(&claims.oid);
        let action = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
        let decision = if vault_now.data.enable_rbac_authorization.unwrap_or(true) {
            let req = AccessRequest { principal_id: &claims.oid, groups: &claims.groups, action, data: true, scope: &target_scope, now: self.now };
            let mut d = self.rbac.check(&req, &plabel);
            let mut lead = validation.lines();
            lead.push("The vault uses the Azure RBAC permission model (enableRbacAuthorization: true): data actions come from role assignments.".into());
            d.reasons.splice(0..0, lead);
            if !d.allowed {
                self.explain_stale_groups(&mut d, &claims, action, true, &target_scope);
                let ids: Vec<&str> = std::iter::once(claims.oid.as_str()).chain(claims.groups.iter().map(String::as_str)).collect();
                if vault_now.data.access_policies.iter().any(|p| ids.iter().any(|i| i.eq_ignore_ascii_case(&p.object_id))) {
                    d.reasons.push("An access policy for this caller exists, but an RBAC-mode vault ignores access policies entirely.".into());
                }
            }
            d
        } else {
            let ids: Vec<String> = std::iter::once(claims.oid.clone()).chain(claims.groups.iter().cloned()).collect();
            let hit = vault_now.data.access_policies.iter().find(|p| ids.iter().any(|i| i.eq_ignore_ascii_case(&p.object_id)) && p.secrets.iter().any(|s| s == "get" || s == "all"));
            let mut reasons = validation.lines();
            reasons.push("The vault uses access policies (enableRbacAuthorization: false): Azure RBAC role assignments are ignored for data access.".to_string());
            for p in &vault_now.data.access_policies {
                reasons.push(format!("Access policy for {}: secrets [{}].", self.principal_label(&p.object_id), p.secrets.join(", ")));
            }
            match hit {
                Some(p) => {
                    reasons.push(format!("The policy for {} includes 'get' on secrets.", self.principal_label(&p.object_id)));
                    Decision::new(true, "Allowed by access policy", reasons, None)
                }
                None => {
                    let live = self.directory.groups_of(&claims.oid);
                    let stale = vault_now.data.access_policies.iter().find(|p| live.iter().any(|g| g.eq_ignore_ascii_case(&p.object_id)) && !claims.groups.iter().any(|g| g.eq_ignore_ascii_case(&p.object_id)) && p.secrets.iter().any(|s| s == "get" || s == "all"));
                    match stale {
                        Some(p) => {
                            let g = self.principal_label(&p.object_id);
                            reasons.push(format!("The access policy for group {g} would allow it, and {plabel} is now a member, but this token was issued before the membership: its `groups` claim does not list {g}."));
                            Decision::new(false, "Group membership not in the token yet", reasons, Some("Wait for a new token (managed-identity tokens are cached for about 24 hours), or give the identity its own access policy.".into()))
                        }
                        None => {
                            reasons.push(format!("No access policy gives {plabel} (or its groups) the 'get' secret permission."));
                            Decision::new(false, "No access policy grants secrets/get", reasons, Some(format!("Add an access policy for {plabel} with secret permission 'get' (or switch the vault to Azure RBAC and assign Key Vault Secrets User).")))
                        }
                    }
                }
            }
        };
        if !decision.allowed {
            let rbac = vault_now.data.enable_rbac_authorization.unwrap_or(true);
            let body = if rbac {
                let msg = format!("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction: '{action}'\r\nResource: '{}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: {};location={}\r\n", target_scope.to_ascii_lowercase(), vault_now.name, vault_now.location);
                serde_json::json!({"error": {"code": "Forbidden", "message": msg, "innererror": {"code": "ForbiddenByRbac"}}})
            } else {
                let msg = format!("The user, group or application '{caller}' does not have secrets get permission on key vault '{};location={}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287", vault_now.name, vault_now.location);
                serde_json::json!({"error": {"code": "Forbidden", "message": msg, "innererror": {"code": "AccessDenied"}}})
            };
            let label = if rbac { "403 ForbiddenByRbac" } else { "403 AccessDenied" };
            let s = self.step(kv, app, label, Plane::Runtime, Message::Response(Response::new(403).json(JSON_UTF8, body.to_string())), Fidelity::Documented, if rbac { "fact sheet §6.1, golden checks 21, 23" } else { "fact sheet §6.1, golden check 24" },
                format!("The token is fine, so this is not a 401: Key Vault knows who is calling ({plabel}) but that caller may not read the secret. {}", decision.fix.clone().unwrap_or_default()));
            s.decision = Some(decision);
            return;
        }
        let Some(sec) = vault_now.data.secrets.iter().find(|s| s.name.eq_ignore_ascii_case(secret)) else {
            let body = serde_json::json!({"error": {"code": "SecretNotFound", "message": format!("A secret with (name/id) {secret} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")}});
            let s = self.step(kv, app, "404 SecretNotFound", Plane::Runtime, Message::Response(Response::new(404).json(JSON_UTF8, body.to_string())), Fidelity::Modelled, "fact sheet §6.1",
                "Access was allowed, but the vault has no secret by that name.".to_string());
            s.decision = Some(decision);
            return;
        };
        let body = serde_json::json!({"value": sec.value, "id": format!("https://{}.vault.azure.net/secrets/{}/{}", vault_now.name.to_ascii_lowercase(), sec.name, sec.version), "attributes": {"enabled": true, "created": sec.created, "updated": sec.created, "recoveryLevel": "Recoverable+Purgeable"}});
        let s = self.step(kv, app, "200 secret value", Plane::Runtime, Message::Response(Response::new(200).json(JSON_UTF8, body.to_string())), Fidelity::Documented, "fact sheet §6.1, golden check 22",
            format!("Key Vault validated the token and found permission: {}. It returns the secret's value, its versioned id and attributes.", decision.summary));
        s.decision = Some(decision);
    }

    #[allow(clippy::too_many_arguments)]
    fn storage_blob(&mut self, h: &Host, acct: &Resource, method: &str, container: &str, blob: &str, version: Option<&str>, auth: &str, scripted: Option<&TokenSource>) {
        let app = self.p_app(h);
        let st = self.p_server(acct);
        let Some(token) = self.bearer_for(h, auth, scripted, Service::Storage, "https://storage.azure.com/") else { return };
        let url = format!("https://{}.blob.core.windows.net/{container}/{blob}", acct.name.to_ascii_lowercase());
        let mut req = Request::new(method, url);
        if let Some(v) = version {
            req = req.header("x-ms-version", v);
        }
        req = req.header("x-ms-date", http_date(self.now));
        if let Some(t) = &token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if method == "PUT" {
            req = req.header("x-ms-blob-type", "BlockBlob").body("new content");
        }
        let req_sent = req.clone();
        let s = self.step(app, st, format!("{method} /{container}/{blob}"), Plane::Runtime, Message::Request(req), Fidelity::Documented, "fact sheet §6.2",
            format!("The code {} the blob with a bearer token. Entra authorization of Blob requests needs x-ms-version 2017-11-09 or later and HTTPS.", if method == "GET" { "reads" } else { "writes" }));
        s.jwt = token.clone();
        if let (Some(t), None) = (&token, scripted) {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::Storage), (t.clone(), self.now));
        }
        let rid = self.rng.guid();
        let time = self.now.iso().replace('Z', ".0000000Z");
        let xml_err = |status: u16, code: &str, message: &str, detail: Option<&str>| {
            let d = detail.map(|d| format!("<AuthenticationErrorDetail>{d}</AuthenticationErrorDetail>")).unwrap_or_default();
            let body = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{rid}\nTime:{time}</Message>{d}</Error>");
            Response::new(status).header("Content-Type", "application/xml").header("Content-Length", body.len().to_string()).header("Server", "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0").header("x-ms-request-id", rid.clone()).header("x-ms-error-code", code).with_body(body)
        };
        if token.is_none() {
            let resp = xml_err(401, "NoAuthenticationInformation", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.", None)
                .header("WWW-Authenticate", format!("Bearer authorization_uri=https://login.microsoftonline.com/{}/oauth2/authorize resource_id=https://storage.azure.com", self.directory.tenant_id));
            self.step(st, app, "401 NoAuthenticationInformation", Plane::Runtime, Message::Response(resp), Fidelity::Modelled, "fact sheet §6.2", "No token was sent; Storage answers with a bearer challenge.".to_string());
            return;
        }
        if version.is_none_or(|v| v < "2017-11-09") {
            let resp = xml_err(403, "AuthenticationFailed", "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.", Some("Authentication scheme Bearer is not supported in this version."));
            let s = self.step(st, app, "403 AuthenticationFailed (x-ms-version)", Plane::Runtime, Message::Response(resp), Fidelity::Documented, "fact sheet §6.2, golden check 25",
                format!("{} Storage only understands Bearer tokens from service version 2017-11-09 on, so it fails before even reading the token. SDKs always send a recent x-ms-version; hand-written REST calls forget it.", match version { None => "The request has no x-ms-version header.".to_string(), Some(v) => format!("x-ms-version {v} is older than 2017-11-09.") }));
            s.decision = Some(Decision::new(false, "Bearer not supported in this service version", vec!["✗ x-ms-version must be 2017-11-09 or later for Entra ID authorization.".into()], Some("Send x-ms-version: 2021-08-06 (or any version ≥ 2017-11-09).".into())));
            return;
        }
        let (claims, validation) = match self.authenticate(&req_sent, &STORAGE_AUDIENCES) {
            Authn::Valid(c, v) => (c, v),
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let (detail, fid) = storage_authentication_detail(&rej);
                let resp = xml_err(401, "InvalidAuthenticationInfo", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.", Some(detail))
                    .header("WWW-Authenticate", format!("Bearer authorization_uri=https://login.microsoftonline.com/{}/oauth2/authorize resource_id=https://storage.azure.com", self.directory.tenant_id));
                let s = self.step(st, app, format!("401 InvalidAuthenticationInfo ({})", rej.check().name()), Plane::Runtime, Message::Response(resp), fid, "fact sheet §6.2, golden check 28", format!("Storage rejects the token itself: {}.", rej.explain()));
                s.decision = Some(Self::token_decision(&v, "Request a token for https://storage.azure.com/, send it unchanged, and refresh it before it expires."));
                return;
            }
        };
        let action = if method == "GET" { "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read" } else { "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write" };
        let scope = format!("{}/blobServices/default/containers/{container}", acct.id);
        let plabel = self.principal_label(&claims.oid);
        let req = AccessRequest { principal_id: &claims.oid, groups: &claims.groups, action, data: true, scope: &scope, now: self.now };
        let mut d = self.rbac.check(&req, &plabel);
        d.reasons.splice(0..0, validation.lines());
        if !d.allowed {
            self.explain_stale_groups(&mut d, &claims, action, true, &scope);
            let resp = xml_err(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.", None);
            let s = self.step(st, app, "403 AuthorizationPermissionMismatch", Plane::Runtime, Message::Response(resp), Fidelity::Documented, "fact sheet §6.2, golden checks 26–27",
                format!("Authenticated but not authorized: {plabel} has no data role allowing '{}' on this container. Owner, Contributor and Reader manage the account (control plane) but never grant blob data access; a Storage Blob Data role is needed.", short_action(action)));
            s.decision = Some(d);
            return;
        }
        let acct_now = self.resources.get(&acct.id.to_ascii_lowercase()).cloned().unwrap_or_else(|| acct.clone());
        if method == "PUT" {
            if let Some(r) = self.resources.get_mut(&acct.id.to_ascii_lowercase()) {
                r.data.containers.entry(container.to_string()).or_default().insert(blob.to_string(), "new content".into());
            }
            let resp = Response::new(201).header("x-ms-request-id", rid.clone()).header("x-ms-version", version.unwrap_or_default()).header("Content-Length", "0");
            let s = self.step(st, app, "201 Created", Plane::Runtime, Message::Response(resp), Fidelity::Documented, "fact sheet §6.2", format!("The blob is written. {}", d.summary));
            s.decision = Some(d);
            s.changes.push(Change { op: ChangeOp::Updated, area: "storage".into(), what: format!("{}/{container}/{blob}", acct.name) });
            return;
        }
        let Some(content) = acct_now.data.containers.get(container).and_then(|c| c.get(blob)).cloned() else {
            let resp = xml_err(404, "BlobNotFound", "The specified blob does not exist.", None);
            let s = self.step(st, app, "404 BlobNotFound", Plane::Runtime, Message::Response(resp), Fidelity::Modelled, "fact sheet §6.2", "Access is allowed, but there is no such blob.".to_string());
            s.decision = Some(d);
            return;
        };
        let resp = Response::new(200).header("Content-Type", "text/plain").header("Content-Length", content.len().to_string()).header("x-ms-request-id", rid.clone()).header("x-ms-version", version.unwrap_or_default()).header("x-ms-blob-type", "BlockBlob").with_body(content);
        let s = self.step(st, app, "200 blob content", Plane::Runtime, Message::Response(resp), Fidelity::Documented, "fact sheet §6.2, golden check 27", format!("Storage validated the token and the data role: {}.", d.summary));
        s.decision = Some(d);
    }

    fn arm_api(&mut self, h: &Host, method: &str, path: &str, auth: &str, scripted: Option<&TokenSource>) {
        let app = self.p_app(h);
        let arm = self.p_arm();
        let Some(token) = self.bearer_for(h, auth, scripted, Service::Arm, "https://management.azure.com/") else { return };
        let mut req = Request::new(method, format!("https://management.azure.com{path}?api-version=2022-09-01"));
        if let Some(t) = &token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let req_sent = req.clone();
        let s = self.step(app, arm, format!("{method} {}", super::rbac::short_scope(path)), Plane::Runtime, Message::Request(req), Fidelity::Documented, "fact sheet §6.4",
            "The code calls Azure Resource Manager (the control plane) with its token.".to_string());
        s.jwt = token.clone();
        if let (Some(t), None) = (&token, scripted) {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::Arm), (t.clone(), self.now));
        }
        let Some(jwt) = token else {
            let body = r#"{"error":{"code":"AuthenticationFailed","message":"Authentication failed. The 'Authorization' header is missing."}}"#;
            self.step(arm, app, "401 AuthenticationFailed", Plane::Runtime, Message::Response(Response::new(401).json(JSON_UTF8, body)), Fidelity::Modelled, "fact sheet §6.4", "No token, no entry.".to_string());
            return;
        };
        let (claims, validation) = match self.authenticate(&req_sent, &ARM_AUDIENCES) {
            Authn::Valid(c, v) => (c, v),
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let (code, msg, fid) = arm_unauthorized(&rej, &self.directory.tenant_id);
                let body = serde_json::json!({"error": {"code": code, "message": msg}}).to_string();
                let s = self.step(arm, app, format!("401 {code}"), Plane::Runtime, Message::Response(Response::new(401).json(JSON_UTF8, body)), fid, "fact sheet §6.4, golden check 29", format!("ARM rejects the token: {}.", rej.explain()));
                s.decision = Some(Self::token_decision(&v, "Request the token for https://management.azure.com/ from the subscription's tenant, and send it unchanged before it expires."));
                return;
            }
        };
        let _ = &jwt;
        let target = self.resources.values().find(|r| r.id.eq_ignore_ascii_case(path)).cloned();
        let action = match (method, &target) {
            ("GET", Some(r)) => format!("{}/read", r.kind.arm_type()),
            ("GET", None) => "Microsoft.Resources/subscriptions/resourceGroups/read".to_string(),
            ("DELETE", Some(r)) => format!("{}/delete", r.kind.arm_type()),
            (_, Some(r)) => r.kind.write_action(),
            (_, None) => "Microsoft.Resources/subscriptions/resourceGroups/write".to_string(),
        };
        let plabel = self.principal_label(&claims.oid);
        let req = AccessRequest { principal_id: &claims.oid, groups: &claims.groups, action: &action, data: false, scope: path, now: self.now };
        let mut d = self.rbac.check(&req, &plabel);
        d.reasons.splice(0..0, validation.lines());
        if !d.allowed {
            self.explain_stale_groups(&mut d, &claims, &action, false, path);
            let body = serde_json::json!({"error": {"code": "AuthorizationFailed", "message": format!("The client '{}' with object id '{}' does not have authorization to perform action '{action}' over scope '{path}' or the scope is invalid. If access was recently granted, please refresh your credentials.", claims.oid, claims.oid)}}).to_string();
            let s = self.step(arm, app, "403 AuthorizationFailed", Plane::Runtime, Message::Response(Response::new(403).json(JSON_UTF8, body)), Fidelity::Documented, "fact sheet §6.4, golden check 30",
                format!("ARM accepts the token but {plabel} has no role allowing '{action}' here."));
            s.decision = Some(d);
            return;
        }
        let body = match &target {
            Some(r) => {
                let mut v = serde_json::json!({"id": r.id, "name": r.name, "type": r.kind.arm_type(), "location": r.location, "identity": r.identity_json(&self.directory.tenant_id)});
                if let Some(rbac) = r.data.enable_rbac_authorization {
                    v["properties"] = serde_json::json!({"tenantId": self.directory.tenant_id, "enableRbacAuthorization": rbac, "vaultUri": format!("https://{}.vault.azure.net/", r.name.to_ascii_lowercase())});
                }
                if r.kind == ResourceKind::UserAssignedIdentity {
                    if let Some(u) = &r.data.uami {
                        v["properties"] = serde_json::json!({"clientId": u.client_id, "principalId": u.principal_id, "tenantId": self.directory.tenant_id});
                    }
                }
                v
            }
            None => serde_json::json!({"id": path}),
        };
        let s = self.step(arm, app, "200 OK", Plane::Runtime, Message::Response(Response::new(200).json(JSON_UTF8, serde_json::to_string_pretty(&body).unwrap_or_default())), Fidelity::Documented, "fact sheet §6.4", format!("Allowed: {}.", d.summary));
        s.decision = Some(d);
    }

    fn sql_connect(&mut self, h: &Host, db: &Resource, auth: &str, scripted: Option<&TokenSource>) {
        let app = self.p_app(h);
        let sql = self.p_server(db);
        let Some(token) = self.bearer_for(h, auth, scripted, Service::Sql, "https://database.windows.net/") else { return };
        let Some(jwt) = token else { return };
        let s = self.internal(app, sql, "TDS login with access token", Plane::Runtime, &format!("Connect to {} with an Entra access token (no password)", db.name), serde_json::json!({"server": format!("{}.database.windows.net", db.name), "authentication": "access token (FEDAUTH)"}), "fact sheet §6.3",
            "SQL is not HTTP: the driver (e.g. Microsoft.Data.SqlClient with Authentication=Active Directory Managed Identity) passes the token in the TDS login. Drawn conceptually.".into());
        s.jwt = Some(jwt.clone());
        if scripted.is_none() {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::Sql), (jwt.clone(), self.now));
        }
        // The TDS login carries the token like a bearer header carries it over HTTP.
        let login = Request::new("LOGIN", format!("tds://{}.database.windows.net", db.name)).header("Authorization", format!("Bearer {jwt}"));
        let claims = match self.authenticate(&login, &SQL_AUDIENCES) {
            Authn::Valid(c, _) => c,
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let s = self.internal(sql, app, "Login failed (token)", Plane::Runtime, "Login failed for user '<token-identified principal>'.", serde_json::json!({"error": 18456}), "fact sheet §6.3", format!("SQL rejects the token: {}.", rej.explain()));
                s.outcome = super::trace::Outcome::Failure;
                s.decision = Some(Self::token_decision(&v, "Request the token for https://database.windows.net/ and send it unchanged before it expires."));
                return;
            }
        };
        let ids: Vec<String> = std::iter::once(claims.oid.clone()).chain(claims.groups.iter().cloned()).collect();
        let db_now = self.resources.get(&db.id.to_ascii_lowercase()).cloned().unwrap_or_else(|| db.clone());
        let plabel = self.principal_label(&claims.oid);
        if db_now.data.contained_users.iter().any(|u| ids.iter().any(|i| i.eq_ignore_ascii_case(u))) {
            self.internal(sql, app, "login OK", Plane::Runtime, &format!("Connected as [{plabel}]"), serde_json::Value::Null, "fact sheet §6.3", format!("A contained database user exists for {plabel} (CREATE USER [{plabel}] FROM EXTERNAL PROVIDER), so the login succeeds. Database permissions come from that user's roles, not from Azure RBAC."));
        } else {
            let s = self.internal(sql, app, "Login failed for user '<token-identified principal>'", Plane::Runtime, "Error 18456", serde_json::Value::Null, "fact sheet §6.3",
                format!("The token is valid, but the database has no user for {plabel}. Azure RBAC roles on the server do not grant database access: run CREATE USER [{plabel}] FROM EXTERNAL PROVIDER in the database."));
            s.outcome = super::trace::Outcome::Failure;
        }
    }
}

fn r_app(r: &Resource, w: &World) -> AppSpec {
    w.app_specs.get(&r.name.to_ascii_lowercase()).cloned().unwrap_or(AppSpec { sdk: Sdk::Dotnet, credential: Credential::ManagedIdentityCredential, managed_identity: None, env: BTreeMap::new() })
}

/// Signs a non-Entra JWT (the Kubernetes service-account token) with the demo key.
fn sign_other(claims: &serde_json::Value) -> String {
    token::sign_with_header(&serde_json::json!({"alg": "RS256", "kid": "aks-demo-oidc-key"}), claims)
}

/// A string field of a JSON object body.
pub(crate) fn json_field(body: &str, key: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body).ok()?.get(key)?.as_str().map(str::to_string)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).collect::<String>() + "…" }
}

/// Error bodies whose exact bytes the fact sheet does not confirm.
fn modelled_error(status: u16, desc: &str) -> bool {
    !matches!(desc, "Required metadata header not specified" | "Identity not found" | "Unable to load the proper Managed Identity.")
        && !desc.starts_with("Multiple user assigned identities exist")
        || status == 429
}

fn endpoint_error_explanation(status: u16, desc: &str) -> String {
    match (status, desc) {
        (400, "Required metadata header not specified") => "IMDS refuses any request without `Metadata: true`. A browser or a server-side request forgery (SSRF) cannot add that header, so an attacker who makes your app fetch http://169.254.169.254/… gets this error instead of a token.".into(),
        (400, "Identity not found") => "IMDS has no identity matching the request: the client_id / object_id / msi_res_id is not assigned to this VM, or the VM has no identity at all (maybe it was detached, deleted, or has not propagated yet).".into(),
        (400, d) if d.starts_with("Multiple user assigned") => "The VM has no system-assigned identity and several user-assigned ones, so IMDS cannot guess which one you mean. Pass client_id, object_id or msi_res_id (in the SDK: ManagedIdentityCredential(clientId) or AZURE_CLIENT_ID for DefaultAzureCredential).".into(),
        (400, "Unable to load the proper Managed Identity.") => "The App Service identity endpoint cannot find the requested identity on this app: the client_id is not attached, or no identity was named and there is no system-assigned one.".into(),
        (400, d) if d.contains("X-Forwarded-For") => "IMDS rejects requests that carry X-Forwarded-For: they look proxied, which is how SSRF attacks arrive. The documents say only that such requests are rejected; the status and body here are modelled.".into(),
        (400, d) if d.starts_with("AADSTS50001") => "Entra ID does not know that resource, and IMDS passes the error on.".into(),
        (401, _) => "The App Service endpoint checks X-IDENTITY-HEADER against IDENTITY_HEADER, which the platform rotates; a missing or stale value is rejected. (Status and body not documented; modelled.)".into(),
        (429, _) => "Too many requests: IMDS allows 20 managed-identity requests per second and 5 at once per VM. Retry with back-off. (Body not documented; modelled.)".into(),
        (410, _) => "IMDS is being updated and will be back within 70 seconds; clients retry.".into(),
        (404, _) => "Not found: either the path is wrong or IMDS is updating. 404 is retryable for IMDS.".into(),
        (s, _) if s >= 500 => "A transient server error; safe to retry after at least a second.".into(),
        _ => format!("The endpoint answered {status}."),
    }
}

/// RFC 1123 date for `x-ms-date`.
fn http_date(t: SimTime) -> String {
    let days = t.0 / 86_400;
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let iso = t.iso();
    let (y, m, d) = (&iso[0..4], &iso[5..7], &iso[8..10]);
    let mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m.parse::<usize>().unwrap_or(1).clamp(1, 12) - 1];
    format!("{wd}, {d} {mon} {y} {} GMT", &iso[11..19])
}

/// Key Vault's 401 message for a refused token, and how sure we are of its bytes
/// (fact sheet §6.1; captures: AKV10022, AKV10032, AKV10046, `[TokenExpired] … S2S12086`,
/// `[BearerReadAccessTokenFailed] … S2S12005`).
fn keyvault_unauthorized(r: &Rejection) -> (String, Fidelity) {
    match r {
        Rejection::Malformed { .. } => ("[BearerReadAccessTokenFailed] Error validating token: 'S2S12005'.".into(), Fidelity::Documented),
        Rejection::Algorithm { .. } => ("[BearerReadAccessTokenFailed] Error validating token: 'S2S12005'.".into(), Fidelity::Modelled),
        Rejection::UnknownKey { header, .. } => (format!("AKV10046: Unable to resolve the key used for signature validation. EncodedJwtHeader: '{header}'."), Fidelity::Documented),
        Rejection::BadSignature { .. } => ("Signature validation failed.".into(), Fidelity::Modelled),
        Rejection::Issuer { found, expected } => (format!("AKV10032: Invalid issuer. Expected one of {}, found {}.", expected.join(", "), found.clone().unwrap_or_default()), Fidelity::Documented),
        Rejection::Audience { found, .. } => (format!("AKV10022: Invalid audience. Expected https://vault.azure.net, found: {}.", found.clone().unwrap_or_default()), Fidelity::Documented),
        Rejection::Expired { .. } => ("[TokenExpired] Error validating token: 'S2S12086'.".into(), Fidelity::Documented),
        Rejection::NotYetValid { .. } => ("Token not yet valid.".into(), Fidelity::Modelled),
    }
}

/// Storage's `AuthenticationErrorDetail` for a refused token (fact sheet §6.2, golden
/// check 28: the lifetime and audience texts are captured; the others are modelled in the
/// same IdentityModel wording).
fn storage_authentication_detail(r: &Rejection) -> (&'static str, Fidelity) {
    match r {
        Rejection::Audience { .. } => ("Audience validation failed. Audience did not match.", Fidelity::Documented),
        Rejection::Expired { .. } => ("Lifetime validation failed. The token is expired.", Fidelity::Documented),
        Rejection::NotYetValid { .. } => ("Lifetime validation failed. The token is not yet valid.", Fidelity::Modelled),
        Rejection::Issuer { .. } => ("Issuer validation failed. Issuer did not match.", Fidelity::Modelled),
        Rejection::UnknownKey { .. } | Rejection::BadSignature { .. } | Rejection::Algorithm { .. } => ("Signature validation failed. Signature is invalid.", Fidelity::Modelled),
        Rejection::Malformed { .. } => ("Token is malformed.", Fidelity::Modelled),
    }
}

/// ARM's 401 code and message for a refused token (fact sheet §6.4: the audience error
/// is captured; expiry, tenant and signature texts are modelled).
fn arm_unauthorized(r: &Rejection, tenant: &str) -> (&'static str, String, Fidelity) {
    match r {
        Rejection::Audience { found, .. } => ("InvalidAuthenticationTokenAudience", format!("The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", found.clone().unwrap_or_default()), Fidelity::Documented),
        Rejection::Expired { exp, now } => ("ExpiredAuthenticationToken", format!("The access token expiry UTC time '{}' is earlier than current UTC time '{}'.", SimTime(*exp).us_date_time(), now.us_date_time()), Fidelity::Modelled),
        Rejection::Issuer { found, .. } => ("InvalidAuthenticationTokenTenant", format!("The access token is from the wrong issuer '{}'. It must match the tenant 'https://sts.windows.net/{tenant}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{tenant}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.", found.clone().unwrap_or_default()), Fidelity::Modelled),
        _ => ("InvalidAuthenticationToken", "The access token is invalid.".into(), Fidelity::Modelled),
    }
}
