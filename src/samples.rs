//! Code samples for a step, generated from the scenario's own names and ids, each one
//! right for the step's host kind, SDK and identity, and meant to run as pasted.
//!
//! - **Token requests** (to IMDS, App Service's `IDENTITY_ENDPOINT`, Azure Arc's HIMDS, or
//!   Entra ID for AKS workload identity): curl and raw PowerShell send the step's request
//!   (values that change per machine or per hour — the App Service endpoint and its rotating
//!   `IDENTITY_HEADER`, Arc's key file, the pod's service-account token — come from the
//!   environment the platform sets, never from the trace); C#, Python and JavaScript ask the
//!   step's credential for the same token.
//! - **Resource calls** (Key Vault, Blob Storage, ARM): curl first gets a token from the
//!   host's own endpoint (`TOKEN=…`), then sends the step's request; the SDKs, the `az` CLI
//!   and Azure PowerShell do the same call their own way, signed in the way that works on
//!   that host (managed identity, federated token on AKS, the developer's sign-in on a laptop).
//! - **Control-plane steps** (identity blocks, role assignments, user-assigned identities,
//!   access policies): curl sends the ARM request with the operator's token; the `az` CLI,
//!   Azure PowerShell and Bicep use the commands for the target's resource type.
//!
//! SDK code never names a token endpoint: the SDKs read `IDENTITY_ENDPOINT`,
//! `IDENTITY_HEADER`, `IMDS_ENDPOINT`, `AZURE_POD_IDENTITY_AUTHORITY_HOST` and the
//! workload-identity variables themselves, so the same code can later be pointed at a local
//! endpoint. Every command, cmdlet, parameter and resource type used here is pinned, with its
//! source, in `tests/samples.rs`.

use crate::model::arm::{AppServiceKind, ResourceKind};
use crate::model::http::{encode, Request};
use crate::model::rbac::Rbac;
use crate::model::scenario::{self, Action, AppSpec, Credential, Scenario};
use crate::model::token::decode_claims;
use crate::model::view::{simulate_with_views, ResourceView, WorldView};
use crate::model::{Message, ParticipantKind, Plane, Trace};
use serde_json::Value;

/// One sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Language or tool: one of [`LANGS`].
    pub lang: &'static str,
    /// The code.
    pub code: String,
    /// False when it sends the step's own request (curl, raw PowerShell); true when it is an
    /// equivalent call through an SDK or a tool.
    pub illustrative: bool,
}

/// The languages and tools, in the order samples are listed (the step's own SDK language
/// is moved first among C#, Python and JavaScript).
pub const LANGS: [&str; 8] = ["curl", "C#", "Python", "JavaScript", "PowerShell", "az CLI", "Azure PowerShell", "Bicep"];

/// IMDS token endpoint (fact sheet §1.1).
const IMDS_TOKEN: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
/// Azure Arc HIMDS token endpoint (fact sheet §3.1).
const ARC_TOKEN: &str = "http://localhost:40342/metadata/identity/oauth2/token";
/// ARM's audience (fact sheet §6.4).
const ARM: &str = "https://management.azure.com/";
/// A live `x-ms-date` (Storage rejects stale dates on signed requests; the trace's is virtual).
const SHELL_DATE: &str = "$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')";

fn s(lang: &'static str, code: String, illustrative: bool) -> Sample {
    Sample { lang, code, illustrative }
}

/// The samples for step `i` of `t`, the trace of `sc`; `views` are the world views of the
/// same run (`simulate_with_views`), one per step. Empty when the step is not a request.
pub fn samples(sc: &Scenario, t: &Trace, views: &[WorldView], i: usize) -> Vec<Sample> {
    let Some(step) = t.steps.get(i) else { return Vec::new() };
    let Message::Request(r) = &step.message else { return Vec::new() };
    let cx = Cx { sc, t, views, i, r, action: sc.script.get(step.action) };
    let mut out = if step.plane == Plane::Control { control(&cx) } else { runtime(&cx) };
    out.sort_by_key(|x| LANGS.iter().position(|l| *l == x.lang).unwrap_or(LANGS.len()));
    if let Some(first) = cx.host().map(|h| h.app.lang()) {
        // The step's own SDK first among the SDK samples.
        if let (Some(a), Some(b)) = (out.iter().position(|x| x.lang == "C#"), out.iter().position(|x| x.lang == first)) {
            if b > a {
                let x = out.remove(b);
                out.insert(a, x);
            }
        }
    }
    out
}

/// The samples for step `i` of a scenario, simulating it first (for the CLI and tests; the
/// UI passes the views it already has).
pub fn samples_of(sc: &Scenario, i: usize) -> Vec<Sample> {
    let (t, _, views, _) = simulate_with_views(sc);
    samples(sc, &t, &views, i)
}

/// What a sample is built from.
struct Cx<'a> {
    sc: &'a Scenario,
    t: &'a Trace,
    views: &'a [WorldView],
    i: usize,
    r: &'a Request,
    action: Option<&'a Action>,
}

/// The kinds of host code runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostKind {
    Vm,
    ScaleSet,
    AppService,
    FunctionApp,
    Arc,
    Aks,
    Laptop,
}

/// The SDK family (the scenario's `sdk`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sdk {
    Dotnet,
    Python,
    Js,
}

/// The credential class (the scenario's `credential`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cred {
    Default,
    ManagedIdentity,
}

/// The application as configured at the step.
#[derive(Clone, Debug)]
struct App {
    sdk: Sdk,
    cred: Cred,
    managed_identity: Option<String>,
}

impl App {
    fn from_spec(a: &AppSpec) -> App {
        let sdk = match a.sdk {
            scenario::Sdk::Python => Sdk::Python,
            scenario::Sdk::Js => Sdk::Js,
            scenario::Sdk::Dotnet => Sdk::Dotnet,
        };
        let cred = if a.credential == Credential::ManagedIdentityCredential { Cred::ManagedIdentity } else { Cred::Default };
        App { sdk, cred, managed_identity: a.managed_identity.clone() }
    }
    fn lang(&self) -> &'static str {
        match self.sdk {
            Sdk::Dotnet => "C#",
            Sdk::Python => "Python",
            Sdk::Js => "JavaScript",
        }
    }
}

/// The host of a runtime step, as it is at that step.
#[derive(Clone, Debug)]
struct Host {
    name: String,
    kind: HostKind,
    app: App,
    /// Has a system-assigned identity.
    system: bool,
    /// Attached user-assigned identities: (name, client id).
    user: Vec<(String, String)>,
}

impl<'a> Cx<'a> {
    fn step(&self) -> &'a crate::model::Step {
        &self.t.steps[self.i]
    }
    fn view(&self) -> Option<&'a WorldView> {
        self.views.get(self.i)
    }
    fn kind_of(&self, p: usize) -> Option<ParticipantKind> {
        self.t.participants.get(p).map(|p| p.kind)
    }
    /// The resource view of `name` at this step (lists are capped in huge worlds).
    fn resource_view(&self, name: &str) -> Option<&'a ResourceView> {
        self.view()?.resources.items.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    }
    /// The scenario's declaration of a resource.
    fn spec(&self, name: &str) -> Option<&'a crate::model::scenario::ResourceSpec> {
        self.sc.world.resources.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    }
    /// The resource kind a name was declared with, and whether it is a Function app.
    fn declared_kind(&self, name: &str) -> Option<(ResourceKind, bool)> {
        let spec = self.spec(name)?;
        Some((spec.resource_type, spec.properties.kind == Some(AppServiceKind::FunctionApp)))
    }
    /// Region of a declared resource (its own, else its resource group's).
    fn location(&self, name: &str) -> String {
        let Some(spec) = self.spec(name) else { return "westeurope".into() };
        if let Some(l) = &spec.location {
            return l.clone();
        }
        self.sc.world.subscriptions.iter().flat_map(|s| s.resource_groups.iter()).find(|g| g.name.eq_ignore_ascii_case(&spec.resource_group)).map(|g| g.location.clone()).unwrap_or_else(|| "westeurope".into())
    }

    /// The application on `host` after the `configureApp` actions before this step.
    fn app_at(&self, host: &str) -> Option<App> {
        let declared = self.spec(host).and_then(|r| r.app.as_ref()).or_else(|| self.sc.world.laptops.iter().find(|l| l.name.eq_ignore_ascii_case(host)).and_then(|l| l.app.as_ref()))?;
        let mut app = App::from_spec(declared);
        let upto = self.step().action.min(self.sc.script.len());
        for a in &self.sc.script[..upto] {
            if let Action::ConfigureApp { host: h, sdk, credential, managed_identity, .. } = a {
                if h.eq_ignore_ascii_case(host) {
                    let mut spec = AppSpec { sdk: Default::default(), credential: Default::default(), managed_identity: app.managed_identity.clone(), env: Default::default(), keeps_federated_token: false, forged_assertion: None };
                    spec.sdk = sdk.unwrap_or(match app.sdk {
                        Sdk::Dotnet => scenario::Sdk::Dotnet,
                        Sdk::Python => scenario::Sdk::Python,
                        Sdk::Js => scenario::Sdk::Js,
                    });
                    spec.credential = credential.unwrap_or(if app.cred == Cred::ManagedIdentity { Credential::ManagedIdentityCredential } else { Credential::DefaultAzureCredential });
                    if let Some(m) = managed_identity {
                        spec.managed_identity = (!m.is_empty()).then(|| m.clone());
                    }
                    app = App::from_spec(&spec);
                }
            }
        }
        Some(app)
    }

    /// The host whose code sends a runtime request.
    fn host(&self) -> Option<Host> {
        let name = match self.action? {
            Action::GetToken { host, .. } | Action::TokenRequest { host, .. } | Action::GetSecret { host, .. } | Action::BlobRequest { host, .. } | Action::ArmRequest { host, .. } | Action::SqlConnect { host, .. } => host.clone(),
            _ => return None,
        };
        let app = self.app_at(&name)?;
        if self.sc.world.laptops.iter().any(|l| l.name.eq_ignore_ascii_case(&name)) {
            return Some(Host { name, kind: HostKind::Laptop, app, system: false, user: Vec::new() });
        }
        let (rk, function) = self.declared_kind(&name)?;
        let kind = match rk {
            ResourceKind::ScaleSet => HostKind::ScaleSet,
            ResourceKind::AppService if function => HostKind::FunctionApp,
            ResourceKind::AppService => HostKind::AppService,
            ResourceKind::ArcServer => HostKind::Arc,
            ResourceKind::AksWorkload => HostKind::Aks,
            _ => HostKind::Vm,
        };
        let (system, user) = match self.resource_view(&name) {
            Some(v) => (v.principal_id.is_some(), v.user_assigned.iter().map(|u| (u.name.clone(), u.client_id.clone())).collect()),
            None => (self.spec(&name).and_then(|s| s.identity.as_ref()).is_some_and(|b| b.identity_type.system()), Vec::new()),
        };
        Some(Host { name, kind, app, system, user })
    }

    /// The client id of a user-assigned identity known by name, client id or resource id.
    fn client_id_of(&self, key: &str, host: &Host) -> Option<String> {
        if is_guid(key) {
            return Some(key.to_string());
        }
        let last = key.rsplit('/').next().unwrap_or(key);
        if let Some((_, c)) = host.user.iter().find(|(n, _)| n.eq_ignore_ascii_case(last)) {
            return Some(c.clone());
        }
        self.view()?.user_assigned.items.iter().find(|u| u.name.eq_ignore_ascii_case(last)).map(|u| u.client_id.clone())
    }

    /// The user-assigned identity SDK code on `host` must name, with the reason, or `None`
    /// when the system-assigned identity (or AKS's injected `AZURE_CLIENT_ID`) is right.
    fn sdk_client_id(&self, host: &Host) -> Option<(String, String)> {
        if matches!(host.kind, HostKind::Aks | HostKind::Laptop) {
            return None;
        }
        if let Some(c) = query(self.r, "client_id").or_else(|| query(self.r, "clientid")) {
            return Some((c, "the identity this step's request names".into()));
        }
        // Arc: only a request that names one (Python and JavaScript send it; HIMDS ignores it).
        if host.kind == HostKind::Arc {
            return None;
        }
        if let Some(m) = &host.app.managed_identity {
            if let Some(c) = self.client_id_of(m, host) {
                return Some((c, format!("the client ID of {m}, the identity the app is configured with")));
            }
        }
        if !host.system {
            if let Some((n, c)) = host.user.first() {
                let why = if host.user.len() == 1 {
                    format!("{} has no system-assigned identity: name {n} (its only user-assigned identity) so the request does not depend on the platform's choice", host.name)
                } else {
                    format!("{} has {} user-assigned identities and no system-assigned one: without a client ID the endpoint answers 400", host.name, host.user.len())
                };
                return Some((c.clone(), why));
            }
        }
        None
    }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36 && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn query(r: &Request, k: &str) -> Option<String> {
    r.query().into_iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v)
}

/// `resource` → `resource/.default` (v1 resource URI to v2 scope; one trailing slash dropped).
fn scope_of(resource: &str) -> String {
    format!("{}/.default", resource.strip_suffix('/').unwrap_or(resource))
}

/// Single-quotes a shell word (nothing inside is expanded).
fn sq(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:=@,+%".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Single-quotes a PowerShell string.
fn psq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A double-quoted C#/Python/JavaScript string literal.
fn dq(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A JSON text as a value (`None` when it is not JSON).
fn parse_value(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text).ok()
}

/// The JSON body as one compact line (the model's pretty bodies are for reading).
fn compact(body: &str) -> String {
    parse_value(body).map(|v| v.to_string()).unwrap_or_else(|| body.to_string())
}

/// A segment after `key` in an ARM path (`resourceGroups` → the group name).
fn seg(path: &str, key: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    parts.iter().position(|p| p.eq_ignore_ascii_case(key)).and_then(|i| parts.get(i + 1)).map(|p| p.to_string()).unwrap_or_default()
}

/// `/subscriptions/…/providers/Ns/type/name` → (kind, name) of the last provider segment.
fn arm_target(path: &str) -> Option<(ResourceKind, String)> {
    let p = path.split("/providers/").last()?;
    let parts: Vec<&str> = p.split('/').collect();
    // Ns/type/name or Ns/type/parent/child/name
    match parts.len() {
        3 => Some((ResourceKind::from_type(&format!("{}/{}", parts[0], parts[1]))?, parts[2].to_string())),
        5 => Some((ResourceKind::from_type(&format!("{}/{}/{}", parts[0], parts[1], parts[3]))?, parts[4].to_string())),
        _ => None,
    }
}

// ----- runtime -------------------------------------------------------------------------

fn runtime(cx: &Cx) -> Vec<Sample> {
    let Some(host) = cx.host() else { return vec![s("curl", curl_exact(cx.r, &[]), false)] };
    let to = cx.kind_of(cx.step().to);
    match (to, cx.action) {
        (Some(ParticipantKind::TokenEndpoint), _) | (Some(ParticipantKind::App), _) => token_request(cx, &host),
        (Some(ParticipantKind::Entra), _) => workload_exchange(cx, &host),
        // Entra ID reading the cluster's issuer: the same public GET works from anywhere.
        (Some(ParticipantKind::OidcIssuer), _) => vec![s("curl", curl_exact(cx.r, &[]), false)],
        (_, Some(Action::GetSecret { vault, secret, .. })) => key_vault(cx, &host, vault, secret),
        (_, Some(Action::BlobRequest { method, account, container, blob, .. })) => blob_call(cx, &host, method.as_str(), account, container, blob),
        (_, Some(Action::ArmRequest { .. })) => arm_call(cx, &host),
        _ if cx.r.url.starts_with("https://") => vec![s("curl", resource_curl(cx, &host), false)],
        _ => Vec::new(),
    }
}

/// The credential construction in each language for `host`.
struct Creds {
    cs: String,
    py: String,
    js: String,
    /// Comment lines explaining a client id or a credential choice (language-neutral text).
    why: Option<String>,
    /// `Connect-AzAccount` or the sign-in lines for Azure PowerShell.
    ps_login: String,
    /// The `az login` line(s).
    az_login: String,
}

fn creds(cx: &Cx, host: &Host) -> Creds {
    let cid = cx.sdk_client_id(host);
    let why = cid.as_ref().map(|(_, w)| format!("User-assigned identity: {w}."));
    let (cs, py, js) = match (host.kind, host.app.cred, &cid) {
        (HostKind::Aks, Cred::ManagedIdentity, _) => ("new WorkloadIdentityCredential()".to_string(), "WorkloadIdentityCredential()".to_string(), "new WorkloadIdentityCredential()".to_string()),
        (_, Cred::ManagedIdentity, Some((c, _))) => (format!("new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId({}))", dq(c)), format!("ManagedIdentityCredential(client_id={})", dq(c)), format!("new ManagedIdentityCredential({{ clientId: {} }})", dq(c))),
        (_, Cred::ManagedIdentity, None) => ("new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)".to_string(), "ManagedIdentityCredential()".to_string(), "new ManagedIdentityCredential()".to_string()),
        (_, Cred::Default, Some((c, _))) => (format!("new DefaultAzureCredential(new DefaultAzureCredentialOptions {{ ManagedIdentityClientId = {} }})", dq(c)), format!("DefaultAzureCredential(managed_identity_client_id={})", dq(c)), format!("new DefaultAzureCredential({{ managedIdentityClientId: {} }})", dq(c))),
        (_, Cred::Default, None) => ("new DefaultAzureCredential()".to_string(), "DefaultAzureCredential()".to_string(), "new DefaultAzureCredential()".to_string()),
    };
    let why = match (host.kind, host.app.cred) {
        (HostKind::Aks, Cred::ManagedIdentity) => Some("AKS workload identity: the pod has no IMDS identity; WorkloadIdentityCredential reads AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE.".to_string()),
        (HostKind::Aks, Cred::Default) => Some("AKS workload identity: DefaultAzureCredential picks WorkloadIdentityCredential from AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE.".to_string()),
        (HostKind::Laptop, Cred::Default) => Some("On a laptop DefaultAzureCredential finds no managed identity and uses the developer's `az login`.".to_string()),
        _ => why,
    };
    let id_flag = cid.as_ref().map(|(c, _)| c.clone());
    let (ps_login, az_login) = match host.kind {
        HostKind::Aks => (
            "Connect-AzAccount -ServicePrincipal -ApplicationId $env:AZURE_CLIENT_ID -Tenant $env:AZURE_TENANT_ID -FederatedToken (Get-Content -Raw $env:AZURE_FEDERATED_TOKEN_FILE)".to_string(),
            "az login --service-principal --username \"$AZURE_CLIENT_ID\" --tenant \"$AZURE_TENANT_ID\" \\\n  --federated-token \"$(cat \"$AZURE_FEDERATED_TOKEN_FILE\")\" --allow-no-subscriptions".to_string(),
        ),
        HostKind::Laptop => ("Connect-AzAccount".to_string(), "az login".to_string()),
        _ => match &id_flag {
            Some(c) => (format!("Connect-AzAccount -Identity -AccountId {c}"), format!("az login --identity --client-id {c} --allow-no-subscriptions")),
            None => ("Connect-AzAccount -Identity".to_string(), "az login --identity --allow-no-subscriptions".to_string()),
        },
    };
    Creds { cs, py, js, why, ps_login, az_login }
}

fn comment(prefix: &str, text: &Option<String>) -> String {
    text.as_ref().map(|t| format!("{prefix} {t}\n")).unwrap_or_default()
}

fn cs_class(cred_expr: &str) -> &'static str {
    if cred_expr.contains("WorkloadIdentityCredential") {
        "WorkloadIdentityCredential"
    } else if cred_expr.contains("DefaultAzureCredential") {
        "DefaultAzureCredential"
    } else {
        "ManagedIdentityCredential"
    }
}

/// C#, Python and JavaScript samples that ask the credential for a token.
///
/// The scope is one the SDK turns into exactly `resource`: `resource/.default`, or, for a
/// resource ending in `/`, the resource itself (every SDK cuts only a `/.default` suffix
/// and passes any other scope through: `model::sdk::scope_to_resource`).
fn sdk_get_token(c: &Creds, resource: &str) -> Vec<Sample> {
    let scope = if resource.ends_with('/') { resource.to_string() } else { scope_of(resource) };
    let class = cs_class(&c.cs);
    vec![
        s("C#", format!("{}using Azure.Core;\nusing Azure.Identity;\n\nvar credential = {};\nAccessToken token = await credential.GetTokenAsync(new TokenRequestContext(new[] {{ {} }}));\nConsole.WriteLine($\"expires {{token.ExpiresOn}}\");", comment("//", &c.why), c.cs, dq(&scope)), true),
        s("Python", format!("{}from azure.identity import {class}\n\ncredential = {}\ntoken = credential.get_token({})\nprint(\"expires\", token.expires_on)", comment("#", &c.why), c.py, dq(&scope)), true),
        s("JavaScript", format!("{}import {{ {class} }} from \"@azure/identity\";\n\nconst credential = {};\nconst token = await credential.getToken({});\nconsole.log(\"expires\", new Date(token.expiresOnTimestamp));", comment("//", &c.why), c.js, dq(&scope)), true),
    ]
}

/// A curl command for `r` with the given replacements of header values (name, shell word).
fn curl_exact(r: &Request, replace: &[(&str, String)]) -> String {
    curl_with(r, &sq(&r.url), replace)
}

fn curl_with(r: &Request, url_word: &str, replace: &[(&str, String)]) -> String {
    let mut c = String::from("curl -s");
    if r.method != "GET" {
        c.push_str(&format!(" -X {}", r.method));
    }
    c.push_str(&format!(" {url_word}"));
    for (n, v) in &r.headers {
        match replace.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)) {
            Some((_, word)) if word.is_empty() => {}
            Some((_, word)) => c.push_str(&format!(" \\\n  -H {word}")),
            None => c.push_str(&format!(" \\\n  -H {}", sq(&format!("{n}: {v}")))),
        }
    }
    if let Some(b) = r.body.as_deref().filter(|b| !b.is_empty()) {
        let b = if r.header_value("content-type").is_some_and(|t| t.contains("json")) { compact(b) } else { b.to_string() };
        c.push_str(&format!(" \\\n  --data-binary {}", sq(&b)));
    }
    c
}

/// Runs `cmd` `n` times at once when a step sends identical requests in parallel.
fn repeated(cmd: String, n: u32) -> String {
    if n <= 1 {
        return cmd;
    }
    format!("# {n} identical requests at once\nfor _ in $(seq {n}); do\n  {} &\ndone\nwait", cmd.replace('\n', "\n  "))
}

fn token_request(cx: &Cx, host: &Host) -> Vec<Sample> {
    let r = cx.r;
    let resource = query(r, "resource").unwrap_or_default();
    let repeat = match cx.action {
        Some(Action::TokenRequest { repeat, .. }) => *repeat,
        _ => 1,
    };
    let qs = r.url.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
    let mut out = Vec::new();
    let basic = r.header_value("authorization").is_some_and(|v| v.starts_with("Basic "));
    let (curl, ps) = match host.kind {
        HostKind::AppService | HostKind::FunctionApp => {
            let curl = format!(
                "# IDENTITY_ENDPOINT and IDENTITY_HEADER are set by the platform; the header value rotates, so read it on every call\n{}",
                curl_with(r, &format!("\"$IDENTITY_ENDPOINT?{qs}\""), &[("x-identity-header", "\"X-IDENTITY-HEADER: $IDENTITY_HEADER\"".into())])
            );
            let ps = format!("$uri = $env:IDENTITY_ENDPOINT + {}\n$response = Invoke-RestMethod -Method {} -Uri $uri -Headers @{{ 'X-IDENTITY-HEADER' = $env:IDENTITY_HEADER }}\n$response.access_token", psq(&format!("?{qs}")), title(&r.method));
            (curl, ps)
        }
        HostKind::Arc if basic => {
            let curl = format!(
                "# Run as root (or a member of the himds group): only they can read the challenge file\nURL={}\nKEY_FILE=$(curl -s -D - -o /dev/null -H 'Metadata: true' \"$URL\" | grep -i '^www-authenticate:' | cut -d '=' -f 2 | tr -d '[:cntrl:]')\ncurl -s \"$URL\" \\\n  -H 'Metadata: true' \\\n  -H \"Authorization: Basic $(cat \"$KEY_FILE\")\"",
                sq(&r.url)
            );
            (curl, arc_ps(&r.url))
        }
        HostKind::Arc => {
            let curl = format!("# -D - prints the response headers: the 401's WWW-Authenticate names the challenge file\n{}", curl_exact(r, &[]).replacen("curl -s", "curl -s -D -", 1));
            let ps = format!("# The 401 is the expected challenge: its WWW-Authenticate header names the key file\ntry {{ Invoke-WebRequest -Method Get -Uri {} -Headers @{{ Metadata = 'true' }} -UseBasicParsing }}\ncatch {{ $_.Exception.Response.Headers['WWW-Authenticate'] }}", psq(&r.url));
            (curl, ps)
        }
        _ => {
            let imds = r.url.starts_with("http://169.254.169.254");
            let mut curl = curl_exact(r, &[("content-length", String::new())]);
            if imds {
                // IMDS must be reached without a proxy (fact sheet §1.1).
                curl = curl.replacen("curl -s", "curl -s --noproxy '*'", 1);
            }
            let headers: Vec<String> = r.headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("content-length")).map(|(n, v)| format!("{} = {}", psq(n), psq(v))).collect();
            let hdr = if headers.is_empty() { String::new() } else { format!(" -Headers @{{ {} }}", headers.join("; ")) };
            // A form body (Cloud Shell's POST) goes with -Body.
            let body = r.body.as_deref().filter(|b| !b.is_empty()).map(|b| format!(" -Body {}", psq(b))).unwrap_or_default();
            let ps = format!("$response = Invoke-RestMethod -Method {} -Uri {}{hdr}{body}\n$response.access_token", title(&r.method), psq(&r.url));
            (curl, ps)
        }
    };
    out.push(s("curl", repeated(curl, repeat), false));
    let ps = if repeat > 1 { format!("# One of the step's {repeat} identical requests\n{ps}") } else { ps };
    if !resource.is_empty() {
        out.extend(sdk_get_token(&creds(cx, host), &resource));
    }
    out.push(s("PowerShell", ps, false));
    out
}

/// The documented Arc challenge flow in Windows PowerShell (D-ARC).
fn arc_ps(url: &str) -> String {
    format!(
        "# Run elevated: the key file is readable by administrators only\n$uri = {}\ntry {{ Invoke-WebRequest -Method Get -Uri $uri -Headers @{{ Metadata = 'true' }} -UseBasicParsing }}\ncatch {{ $challenge = $_.Exception.Response.Headers['WWW-Authenticate'] }}\n$keyFile = ($challenge -split 'Basic realm=')[1]\n$secret = Get-Content -Raw $keyFile\n$response = Invoke-RestMethod -Method Get -Uri $uri -Headers @{{ Metadata = 'true'; Authorization = \"Basic $secret\" }}\n$response.access_token",
        psq(url)
    )
}

fn title(method: &str) -> String {
    let m = method.to_ascii_lowercase();
    let mut c = m.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

/// Form fields of an `application/x-www-form-urlencoded` body, decoded.
fn form_fields(body: &str) -> Vec<(String, String)> {
    crate::model::http::parse_query(body)
}

/// The AKS workload-identity exchange: the projected service-account token as a client
/// assertion to Entra ID (fact sheet §3.5).
fn workload_exchange(cx: &Cx, host: &Host) -> Vec<Sample> {
    let fields = form_fields(cx.r.body.as_deref().unwrap_or_default());
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let scope = get("scope");
    let mut curl = String::from("# The workload-identity webhook injects AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE\ncurl -s \"${AZURE_AUTHORITY_HOST%/}/$AZURE_TENANT_ID/oauth2/v2.0/token\"");
    for (k, v) in &fields {
        let word = match k.as_str() {
            "client_id" => "\"client_id=$AZURE_CLIENT_ID\"".to_string(),
            "client_assertion" => "\"client_assertion=$(cat \"$AZURE_FEDERATED_TOKEN_FILE\")\"".to_string(),
            _ => sq(&format!("{k}={v}")),
        };
        curl.push_str(&format!(" \\\n  --data-urlencode {word}"));
    }
    let mut out = vec![s("curl", curl, false)];
    if let Some(resource) = scope.strip_suffix("/.default") {
        out.extend(sdk_get_token(&creds(cx, host), resource));
    }
    let ps = format!(
        "$uri = $env:AZURE_AUTHORITY_HOST.TrimEnd('/') + '/' + $env:AZURE_TENANT_ID + '/oauth2/v2.0/token'\n$body = @{{\n  client_id = $env:AZURE_CLIENT_ID\n  scope = {}\n  grant_type = 'client_credentials'\n  client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'\n  client_assertion = Get-Content -Raw $env:AZURE_FEDERATED_TOKEN_FILE\n}}\n$response = Invoke-RestMethod -Method Post -Uri $uri -Body $body\n$response.access_token",
        psq(&scope)
    );
    out.push(s("PowerShell", ps, false));
    out
}

/// The token a resource call carries: its audience, and the client id when it belongs to a
/// user-assigned identity.
fn bearer(cx: &Cx) -> Option<(String, Option<String>)> {
    let raw = cx.step().jwt.clone().or_else(|| cx.r.header_value("authorization").and_then(|v| v.strip_prefix("Bearer ")).map(str::to_string))?;
    let c = decode_claims(&raw)?;
    let uami = c.xms_mirid.to_ascii_lowercase().contains("/providers/microsoft.managedidentity/userassignedidentities/");
    Some((c.aud, uami.then_some(c.appid)))
}

/// Shell lines that put a token for `aud` into `$TOKEN`, the way `host` gets one.
fn token_prelude(host: &Host, aud: &str, cid: Option<&str>) -> String {
    let res = encode(aud);
    let cid_q = cid.map(|c| format!("&client_id={c}")).unwrap_or_default();
    match host.kind {
        HostKind::Vm | HostKind::ScaleSet => format!("TOKEN=$(curl -s --noproxy '*' -H 'Metadata: true' \\\n  '{IMDS_TOKEN}?api-version=2018-02-01&resource={res}{cid_q}' | jq -r .access_token)"),
        HostKind::AppService | HostKind::FunctionApp => format!("TOKEN=$(curl -s -H \"X-IDENTITY-HEADER: $IDENTITY_HEADER\" \\\n  \"$IDENTITY_ENDPOINT?api-version=2019-08-01&resource={res}{cid_q}\" | jq -r .access_token)"),
        HostKind::Arc => format!(
            "# Run as root (or a member of the himds group): only they can read the challenge file\nURL='{ARC_TOKEN}?api-version=2020-06-01&resource={res}'\nKEY_FILE=$(curl -s -D - -o /dev/null -H 'Metadata: true' \"$URL\" | grep -i '^www-authenticate:' | cut -d '=' -f 2 | tr -d '[:cntrl:]')\nTOKEN=$(curl -s -H 'Metadata: true' -H \"Authorization: Basic $(cat \"$KEY_FILE\")\" \"$URL\" | jq -r .access_token)"
        ),
        HostKind::Aks => format!(
            "TOKEN=$(curl -s \"${{AZURE_AUTHORITY_HOST%/}}/$AZURE_TENANT_ID/oauth2/v2.0/token\" \\\n  --data-urlencode \"client_id=$AZURE_CLIENT_ID\" \\\n  --data-urlencode {} \\\n  --data-urlencode 'grant_type=client_credentials' \\\n  --data-urlencode 'client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer' \\\n  --data-urlencode \"client_assertion=$(cat \"$AZURE_FEDERATED_TOKEN_FILE\")\" | jq -r .access_token)",
            sq(&format!("scope={}", scope_of(aud)))
        ),
        HostKind::Laptop => format!("TOKEN=$(az account get-access-token --resource {} --query accessToken --output tsv)", sq(aud)),
    }
}

/// The audience a resource server expects (fact sheet §6).
fn expected_audience(r: &Request) -> Option<&'static str> {
    let host = r.url.split("://").nth(1)?.split('/').next()?;
    if host.ends_with(".vault.azure.net") {
        Some("https://vault.azure.net")
    } else if host.ends_with(".blob.core.windows.net") {
        Some("https://storage.azure.com/")
    } else if host == "management.azure.com" {
        Some(ARM)
    } else {
        None
    }
}

/// curl for a resource call: a token from the host's endpoint, then the step's request.
fn resource_curl(cx: &Cx, host: &Host) -> String {
    let r = cx.r;
    let mut replace: Vec<(&str, String)> = vec![("x-ms-date", format!("\"x-ms-date: {SHELL_DATE}\""))];
    let mut pre = String::new();
    if let Some((aud, cid)) = bearer(cx) {
        if let Some(want) = expected_audience(r) {
            if aud.trim_end_matches('/') != want.trim_end_matches('/') {
                pre.push_str(&format!("# As in this step: a token for {aud}, not for {want} (the service answers 401)\n"));
            }
        }
        pre.push_str(&token_prelude(host, &aud, cid.as_deref()));
        pre.push('\n');
        replace.push(("authorization", "\"Authorization: Bearer $TOKEN\"".into()));
    }
    format!("{pre}{}", curl_exact(r, &replace))
}

fn key_vault(cx: &Cx, host: &Host, vault: &str, secret: &str) -> Vec<Sample> {
    let c = creds(cx, host);
    let url = format!("https://{}.vault.azure.net/", vault.to_ascii_lowercase());
    let class = cs_class(&c.cs);
    let vault_l = vault.to_ascii_lowercase();
    let mut out = vec![
        s("curl", resource_curl(cx, host), false),
        s("C#", format!("{}using Azure.Identity;\nusing Azure.Security.KeyVault.Secrets;\n\nvar client = new SecretClient(new Uri({}), {});\nKeyVaultSecret secret = await client.GetSecretAsync({});\nConsole.WriteLine(secret.Value);", comment("//", &c.why), dq(&url), c.cs, dq(secret)), true),
        s("Python", format!("{}from azure.identity import {class}\nfrom azure.keyvault.secrets import SecretClient\n\nclient = SecretClient(vault_url={}, credential={})\nsecret = client.get_secret({})\nprint(secret.value)", comment("#", &c.why), dq(&url), c.py, dq(secret)), true),
        s("JavaScript", format!("{}import {{ {class} }} from \"@azure/identity\";\nimport {{ SecretClient }} from \"@azure/keyvault-secrets\";\n\nconst client = new SecretClient({}, {});\nconst secret = await client.getSecret({});\nconsole.log(secret.value);", comment("//", &c.why), dq(&url), c.js, dq(secret)), true),
    ];
    if host.kind != HostKind::Arc {
        out.push(s("az CLI", format!("{}\naz keyvault secret show --vault-name {} --name {} --query value --output tsv", c.az_login, sq(&vault_l), sq(secret)), true));
        out.push(s("Azure PowerShell", format!("{}\nGet-AzKeyVaultSecret -VaultName {} -Name {} -AsPlainText", c.ps_login, psq(&vault_l), psq(secret)), true));
    } else {
        out.push(s("PowerShell", arc_resource_ps(&format!("{url}secrets/{secret}?api-version=7.4"), "https://vault.azure.net"), false));
    }
    out
}

/// On Arc: the challenge flow, then the call with the token (Windows PowerShell, D-ARC).
fn arc_resource_ps(url: &str, resource: &str) -> String {
    let token_url = format!("{ARC_TOKEN}?api-version=2020-06-01&resource={}", encode(resource));
    format!("{}\n$data = Invoke-RestMethod -Method Get -Uri {} -Headers @{{ Authorization = \"Bearer $($response.access_token)\" }}\n$data", arc_ps(&token_url).trim_end_matches("\n$response.access_token"), psq(url))
}

fn blob_call(cx: &Cx, host: &Host, method: &str, account: &str, container: &str, blob: &str) -> Vec<Sample> {
    let c = creds(cx, host);
    let put = method.eq_ignore_ascii_case("PUT");
    let account_url = format!("https://{}.blob.core.windows.net", account.to_ascii_lowercase());
    let blob_url = format!("{account_url}/{container}/{blob}");
    let file = blob.rsplit('/').next().unwrap_or(blob);
    let content = cx.r.body.clone().unwrap_or_default();
    let class = cs_class(&c.cs);
    let (cs_op, py_op, js_op) = if put {
        (
            format!("await blob.UploadAsync(BinaryData.FromString({}), overwrite: true);", dq(&content)),
            format!("blob.upload_blob({}, overwrite=True)", dq(&content)),
            format!("const data = {};\nawait blob.getBlockBlobClient().upload(data, Buffer.byteLength(data));", dq(&content)),
        )
    } else {
        ("var content = await blob.DownloadContentAsync();\nConsole.WriteLine(content.Value.Content.ToString());".to_string(), "data = blob.download_blob().readall()\nprint(data.decode())".to_string(), "const data = await blob.downloadToBuffer();\nconsole.log(data.toString());".to_string())
    };
    let mut out = vec![
        s("curl", resource_curl(cx, host), false),
        s("C#", format!("{}using Azure.Identity;\nusing Azure.Storage.Blobs;\n\nvar blob = new BlobClient(new Uri({}), {});\n{cs_op}", comment("//", &c.why), dq(&blob_url), c.cs), true),
        s("Python", format!("{}from azure.identity import {class}\nfrom azure.storage.blob import BlobClient\n\nblob = BlobClient(account_url={}, container_name={}, blob_name={}, credential={})\n{py_op}", comment("#", &c.why), dq(&account_url), dq(container), dq(blob), c.py), true),
        s("JavaScript", format!("{}import {{ {class} }} from \"@azure/identity\";\nimport {{ BlobClient }} from \"@azure/storage-blob\";\n\nconst blob = new BlobClient({}, {});\n{js_op}", comment("//", &c.why), dq(&blob_url), c.js), true),
    ];
    if host.kind != HostKind::Arc {
        let az = if put {
            format!("printf '%s' {} > {}\naz storage blob upload --auth-mode login --account-name {} --container-name {} --name {} --file {} --overwrite", sq(&content), sq(file), sq(&account.to_ascii_lowercase()), sq(container), sq(blob), sq(file))
        } else {
            format!("az storage blob download --auth-mode login --account-name {} --container-name {} --name {} --file {}", sq(&account.to_ascii_lowercase()), sq(container), sq(blob), sq(file))
        };
        out.push(s("az CLI", format!("{}\n{az}", c.az_login), true));
        let ps = if put {
            format!("Set-Content -Path {} -Value {} -NoNewline\nSet-AzStorageBlobContent -Container {} -Blob {} -File {} -Context $ctx -Force", psq(file), psq(&content), psq(container), psq(blob), psq(file))
        } else {
            format!("Get-AzStorageBlobContent -Container {} -Blob {} -Destination {} -Context $ctx", psq(container), psq(blob), psq(file))
        };
        out.push(s("Azure PowerShell", format!("{}\n$ctx = New-AzStorageContext -StorageAccountName {} -UseConnectedAccount\n{ps}", c.ps_login, psq(&account.to_ascii_lowercase())), true));
    }
    out
}

fn arm_call(cx: &Cx, host: &Host) -> Vec<Sample> {
    let c = creds(cx, host);
    let r = cx.r;
    let path = r.url.strip_prefix("https://management.azure.com").unwrap_or(&r.url).to_string();
    let class = cs_class(&c.cs);
    let scope = scope_of(ARM);
    let note = match bearer(cx) {
        Some((aud, _)) if aud.trim_end_matches('/') != ARM.trim_end_matches('/') => Some(format!("This step sends a token for {aud}; asking for the ARM scope, as here, is the fix.")),
        _ => None,
    };
    let why = match (&c.why, &note) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.clone().or(b.clone()),
    };
    let mut out = vec![
        s("curl", resource_curl(cx, host), false),
        s("C#", format!("{}using System.Net.Http.Headers;\nusing Azure.Core;\nusing Azure.Identity;\n\nvar credential = {};\nAccessToken token = await credential.GetTokenAsync(new TokenRequestContext(new[] {{ {} }}));\nusing var http = new HttpClient();\nhttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(\"Bearer\", token.Token);\nvar response = await http.SendAsync(new HttpRequestMessage(new HttpMethod({}), {}));\nConsole.WriteLine($\"{{(int)response.StatusCode}} {{await response.Content.ReadAsStringAsync()}}\");", comment("//", &why), c.cs, dq(&scope), dq(&r.method), dq(&r.url)), true),
        s("Python", format!("{}import urllib.error\nimport urllib.request\n\nfrom azure.identity import {class}\n\ncredential = {}\ntoken = credential.get_token({})\nrequest = urllib.request.Request({}, method={}, headers={{\"Authorization\": \"Bearer \" + token.token}})\ntry:\n    with urllib.request.urlopen(request) as response:\n        print(response.status, response.read().decode())\nexcept urllib.error.HTTPError as error:\n    print(error.code, error.read().decode())", comment("#", &why), c.py, dq(&scope), dq(&r.url), dq(&r.method)), true),
        s("JavaScript", format!("{}import {{ {class} }} from \"@azure/identity\";\n\nconst credential = {};\nconst token = await credential.getToken({});\nconst response = await fetch({}, {{ method: {}, headers: {{ Authorization: `Bearer ${{token.token}}` }} }});\nconsole.log(response.status, await response.text());", comment("//", &why), c.js, dq(&scope), dq(&r.url), dq(&r.method)), true),
    ];
    if host.kind != HostKind::Arc {
        out.push(s("az CLI", format!("{}\naz rest --method {} --url {}", c.az_login, r.method.to_ascii_lowercase(), sq(&r.url)), true));
        out.push(s("Azure PowerShell", format!("{}\nInvoke-AzRestMethod -Method {} -Path {}", c.ps_login, r.method.to_ascii_uppercase(), psq(&path)), true));
    } else {
        out.push(s("PowerShell", arc_resource_ps(&r.url, ARM), false));
    }
    out
}

// ----- control plane -------------------------------------------------------------------

/// curl for an operator's request: the operator's own token, then the request.
fn operator_curl(r: &Request) -> String {
    let aud = if r.url.starts_with("https://graph.microsoft.com") { "https://graph.microsoft.com" } else { ARM };
    format!("TOKEN=$(az account get-access-token --resource {aud} --query accessToken --output tsv)\n{}", curl_exact(r, &[("authorization", "\"Authorization: Bearer $TOKEN\"".into())]))
}

fn control(cx: &Cx) -> Vec<Sample> {
    let r = cx.r;
    let mut out = vec![s("curl", operator_curl(r), false)];
    let path = r.path().to_string();
    match cx.action {
        Some(Action::EnableSystemAssigned { .. } | Action::DisableSystemAssigned { .. } | Action::AttachUserAssignedIdentity { .. } | Action::DetachUserAssignedIdentity { .. } | Action::PatchIdentity { .. }) => out.extend(identity_patch(cx, &path)),
        Some(Action::CreateRoleAssignment { .. }) => out.extend(role_assignment_create(cx, &path)),
        Some(Action::DeleteRoleAssignment { .. }) => out.extend(role_assignment_delete(cx, &path)),
        Some(Action::CreateUserAssignedIdentity { name, resource_group, .. }) => {
            let location = parse_value(r.body.as_deref().unwrap_or_default()).and_then(|v| v.get("location").and_then(Value::as_str).map(str::to_string)).unwrap_or_else(|| "westeurope".into());
            out.push(s("az CLI", format!("az identity create --resource-group {} --name {} --location {}", sq(resource_group), sq(name), sq(&location)), true));
            out.push(s("Azure PowerShell", format!("New-AzUserAssignedIdentity -ResourceGroupName {} -Name {} -Location {}", psq(resource_group), psq(name), psq(&location)), true));
            out.push(s("Bicep", format!("resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {{\n  name: '{name}'\n  location: '{location}'\n}}"), true));
        }
        Some(Action::DeleteResource { .. } | Action::DeleteUserAssignedIdentity { .. }) => {
            let id = r.url.strip_prefix("https://management.azure.com").and_then(|p| p.split('?').next()).unwrap_or(&path).to_string();
            out.push(s("az CLI", format!("az resource delete --ids {}", sq(&id)), true));
            out.push(s("Azure PowerShell", format!("Remove-AzResource -ResourceId {} -Force", psq(&id)), true));
        }
        Some(Action::AddGroupMember { .. }) => {
            let group = seg(&path, "groups");
            let member = parse_value(r.body.as_deref().unwrap_or_default()).and_then(|v| v.get("@odata.id").and_then(Value::as_str).map(|s| s.rsplit('/').next().unwrap_or(s).to_string())).unwrap_or_default();
            out.push(s("az CLI", format!("az ad group member add --group {group} --member-id {member}"), true));
            out.push(s("Azure PowerShell", format!("Add-AzADGroupMember -TargetGroupObjectId {group} -MemberObjectId {member}"), true));
        }
        Some(Action::SetAccessPolicy { vault, secrets, .. }) => {
            let oid = parse_value(r.body.as_deref().unwrap_or_default()).and_then(|v| v.pointer("/properties/accessPolicies/0/objectId").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
            let vault_l = vault.to_ascii_lowercase();
            if secrets.is_empty() {
                out.push(s("az CLI", format!("az keyvault delete-policy --name {} --object-id {oid}", sq(&vault_l)), true));
                out.push(s("Azure PowerShell", format!("Remove-AzKeyVaultAccessPolicy -VaultName {} -ObjectId {oid}", psq(&vault_l)), true));
            } else {
                let perms: Vec<String> = secrets.iter().map(|p| p.to_ascii_lowercase()).collect();
                out.push(s("az CLI", format!("az keyvault set-policy --name {} --object-id {oid} --secret-permissions {}", sq(&vault_l), perms.join(" ")), true));
                out.push(s("Azure PowerShell", format!("Set-AzKeyVaultAccessPolicy -VaultName {} -ObjectId {oid} -PermissionsToSecrets {}", psq(&vault_l), perms.join(",")), true));
            }
        }
        Some(Action::SetVaultPermissionModel { vault, enable_rbac_authorization, .. }) => {
            let vault_l = vault.to_ascii_lowercase();
            let rg = seg(&path, "resourceGroups");
            out.push(s("az CLI", format!("az keyvault update --name {} --resource-group {} --enable-rbac-authorization {enable_rbac_authorization}", sq(&vault_l), sq(&rg)), true));
            out.push(s("Azure PowerShell", format!("Update-AzKeyVault -VaultName {} -ResourceGroupName {} -EnableRbacAuthorization ${enable_rbac_authorization}", psq(&vault_l), psq(&rg)), true));
        }
        _ => {}
    }
    out
}

/// The identity block after a PATCH: (system-assigned?, user-assigned ARM ids). Read from
/// ARM's 200 answer when there is one, else from the request (what was asked for) and the
/// identities attached before it.
fn identity_after(cx: &Cx, target: &str) -> (bool, Vec<String>) {
    let step = cx.step();
    let answer = cx.t.steps.iter().skip(cx.i + 1).take_while(|s| s.action == step.action).find_map(|s| match &s.message {
        Message::Response(resp) if resp.status == 200 => parse_value(resp.body.as_deref().unwrap_or_default()).and_then(|v| v.get("identity").cloned()),
        _ => None,
    });
    let from_answer = answer.is_some();
    let block = answer.or_else(|| parse_value(cx.r.body.as_deref().unwrap_or_default()).and_then(|v| v.get("identity").cloned())).unwrap_or(Value::Null);
    let ty = block.get("type").and_then(Value::as_str).unwrap_or("None").to_ascii_lowercase().replace(' ', "");
    let system = ty.starts_with("systemassigned");
    let mut users: Vec<String> = Vec::new();
    if ty.contains("userassigned") {
        let map = block.get("userAssignedIdentities").and_then(Value::as_object);
        if !from_answer {
            // The request holds changes only: start from the identities attached before it
            // (their ids rebuilt from the world view).
            if let Some(v) = cx.resource_view(target) {
                for u in &v.user_assigned {
                    if let Some(uv) = cx.view().and_then(|w| w.user_assigned.items.iter().find(|x| x.name.eq_ignore_ascii_case(&u.name))) {
                        users.push(uv.key.trim_start_matches("uami:").to_string());
                    }
                }
            }
        }
        for (k, v) in map.into_iter().flatten() {
            users.retain(|u| !u.eq_ignore_ascii_case(k));
            if !v.is_null() {
                users.push(k.clone());
            }
        }
    }
    (system, users)
}

/// az, Azure PowerShell and Bicep for a change of a resource's identity block.
fn identity_patch(cx: &Cx, path: &str) -> Vec<Sample> {
    let r = cx.r;
    let Some((kind, name)) = arm_target(path) else { return Vec::new() };
    let rg = seg(path, "resourceGroups");
    let function = cx.declared_kind(&name).is_some_and(|(_, f)| f);
    let before = cx.resource_view(&name);
    let (sys_before, users_before): (bool, Vec<String>) = match before {
        Some(v) => (v.principal_id.is_some(), v.user_assigned.iter().map(|u| u.name.to_ascii_lowercase()).collect()),
        None => (false, Vec::new()),
    };
    let (sys_after, users_after) = identity_after(cx, &name);
    let last = |id: &String| id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase();
    let added: Vec<&String> = users_after.iter().filter(|u| !users_before.contains(&last(u))).collect();
    let removed_names: Vec<&String> = users_before.iter().filter(|n| !users_after.iter().any(|u| last(u) == **n)).collect();
    // Removed identities by id: from the request's null entries.
    let req_block = parse_value(r.body.as_deref().unwrap_or_default()).and_then(|v| v.get("identity").cloned()).unwrap_or(Value::Null);
    let removed: Vec<String> = removed_names
        .iter()
        .map(|n| req_block.get("userAssignedIdentities").and_then(Value::as_object).and_then(|m| m.keys().find(|k| last(k) == **n).cloned()).unwrap_or_else(|| (*n).clone()))
        .collect();
    let api = r.url.split("api-version=").nth(1).unwrap_or("").to_string();
    let body = compact(r.body.as_deref().unwrap_or_default());
    let mut out = Vec::new();

    // az CLI: the group for the resource type.
    let group = match kind {
        ResourceKind::VirtualMachine => Some("vm"),
        ResourceKind::ScaleSet => Some("vmss"),
        ResourceKind::AppService if function => Some("functionapp"),
        ResourceKind::AppService => Some("webapp"),
        _ => None,
    };
    match group {
        Some(g) => {
            let mut lines = Vec::new();
            let ids = |sys: bool, users: &[String]| -> String {
                let mut v: Vec<String> = Vec::new();
                if sys {
                    v.push("'[system]'".into());
                }
                v.extend(users.iter().map(|u| sq(u)));
                v.join(" ")
            };
            let add_users: Vec<String> = added.iter().map(|u| (*u).clone()).collect();
            let add_sys = sys_after && !sys_before;
            if add_sys || !add_users.is_empty() {
                let list = if add_users.is_empty() { String::new() } else { format!(" \\\n  --identities {}", ids(add_sys, &add_users)) };
                lines.push(format!("az {g} identity assign --resource-group {} --name {}{list}", sq(&rg), sq(&name)));
            }
            let rm_sys = sys_before && !sys_after;
            if rm_sys || !removed.is_empty() {
                let list = if removed.is_empty() { String::new() } else { format!(" \\\n  --identities {}", ids(rm_sys, &removed)) };
                lines.push(format!("az {g} identity remove --resource-group {} --name {}{list}", sq(&rg), sq(&name)));
            }
            if lines.is_empty() {
                lines.push(format!("# Nothing changes: {name} already has this identity block\naz {g} identity show --resource-group {} --name {}", sq(&rg), sq(&name)));
            }
            out.push(s("az CLI", lines.join("\n"), true));
        }
        None => out.push(s("az CLI", format!("az rest --method patch \\\n  --url {} \\\n  --body {}", sq(&r.url), sq(&body)), true)),
    }

    // Azure PowerShell.
    let ps_type = match (sys_after, !users_after.is_empty()) {
        (true, true) => "SystemAssignedUserAssigned",
        (true, false) => "SystemAssigned",
        (false, true) => "UserAssigned",
        (false, false) => "None",
    };
    let ps_ids = if users_after.is_empty() { String::new() } else { format!(" -IdentityId @({})", users_after.iter().map(|u| psq(u)).collect::<Vec<_>>().join(", ")) };
    let rest = format!("Invoke-AzRestMethod -Method PATCH -Path {} -Payload {}", psq(r.url.strip_prefix("https://management.azure.com").unwrap_or(&r.url)), psq(&body));
    let ps = match kind {
        ResourceKind::VirtualMachine => format!("$vm = Get-AzVM -ResourceGroupName {} -Name {}\nUpdate-AzVM -ResourceGroupName {} -VM $vm -IdentityType {ps_type}{ps_ids}", psq(&rg), psq(&name), psq(&rg)),
        ResourceKind::AppService if function && ps_type != "SystemAssignedUserAssigned" => {
            let ids = if users_after.is_empty() { String::new() } else { format!(" -IdentityID @({})", users_after.iter().map(|u| psq(u)).collect::<Vec<_>>().join(", ")) };
            format!("Update-AzFunctionApp -Name {} -ResourceGroupName {} -IdentityType {ps_type}{ids} -Force", psq(&name), psq(&rg))
        }
        ResourceKind::AppService if !function && users_after.is_empty() && users_before.is_empty() => format!("Set-AzWebApp -Name {} -ResourceGroupName {} -AssignIdentity ${sys_after}", psq(&name), psq(&rg)),
        ResourceKind::AppService => format!("# Az.Websites cannot set this identity combination: send ARM the same PATCH\n{rest}"),
        _ => rest,
    };
    out.push(s("Azure PowerShell", ps, true));

    // Bicep: the resource's identity block as it is after the change.
    let bicep_type = match kind {
        ResourceKind::VirtualMachine => Some("Microsoft.Compute/virtualMachines"),
        ResourceKind::ScaleSet => Some("Microsoft.Compute/virtualMachineScaleSets"),
        ResourceKind::AppService => Some("Microsoft.Web/sites"),
        ResourceKind::ArcServer => Some("Microsoft.HybridCompute/machines"),
        _ => None,
    };
    if let Some(ty) = bicep_type {
        let id_type = crate::model::arm::IdentityType::from_flags(sys_after, !users_after.is_empty()).as_str();
        let mut identity = format!("  identity: {{\n    type: '{id_type}'\n");
        if !users_after.is_empty() {
            identity.push_str("    userAssignedIdentities: {\n");
            for u in &users_after {
                identity.push_str(&format!("      '{u}': {{}}\n"));
            }
            identity.push_str("    }\n");
        }
        identity.push_str("  }\n");
        let kind_line = match kind {
            ResourceKind::AppService => format!("  kind: '{}'\n", if function { "functionapp" } else { "app" }),
            _ => String::new(),
        };
        out.push(s(
            "Bicep",
            format!("// A deployment PUTs the whole resource: keep {name}'s other properties in the same declaration\nresource target '{ty}@{api}' = {{\n  name: '{name}'\n  location: '{}'\n{kind_line}{identity}}}", cx.location(&name)),
            true,
        ));
    }
    out
}

/// Bicep types and API versions of resources a role assignment can be scoped to.
fn bicep_existing(kind: ResourceKind) -> Option<(&'static str, &'static str)> {
    match kind {
        ResourceKind::KeyVault | ResourceKind::StorageAccount | ResourceKind::VirtualMachine | ResourceKind::ScaleSet | ResourceKind::AppService | ResourceKind::UserAssignedIdentity => Some((kind.arm_type(), kind.api_version())),
        _ => None,
    }
}

/// The role's display name for a role definition GUID: the built-ins, else the name the
/// world view shows for the assignment `assignment` (custom roles).
fn role_name(cx: &Cx, role_guid: &str, assignment: &str) -> Option<String> {
    let rbac = Rbac::with_builtins();
    if let Some(i) = rbac.find_role(role_guid) {
        return Some(rbac.roles[i].role_name.clone());
    }
    let key = format!("ra:{assignment}");
    let step = cx.step();
    let last = cx.t.steps.iter().enumerate().skip(cx.i).take_while(|(_, s)| s.action == step.action).map(|(j, _)| j).last().unwrap_or(cx.i);
    [cx.i, last].iter().filter_map(|j| cx.views.get(*j)).flat_map(|v| v.role_assignments.iter()).flat_map(|sv| sv.assignments.iter()).find(|a| a.key.eq_ignore_ascii_case(&key)).map(|a| a.role.clone())
}

fn role_assignment_create(cx: &Cx, path: &str) -> Vec<Sample> {
    let body = parse_value(cx.r.body.as_deref().unwrap_or_default()).unwrap_or(Value::Null);
    let pick = |k: &str| body.pointer(&format!("/properties/{k}")).and_then(Value::as_str).unwrap_or("").to_string();
    let (pid, role_id, ptype) = (pick("principalId"), pick("roleDefinitionId"), pick("principalType"));
    let ptype = if ptype.is_empty() { "ServicePrincipal".to_string() } else { ptype };
    let role_guid = role_id.rsplit('/').next().unwrap_or("").to_string();
    let assignment = path.rsplit('/').next().unwrap_or("").to_string();
    let scope = path.split("/providers/Microsoft.Authorization").next().unwrap_or("").to_string();
    let name = role_name(cx, &role_guid, &assignment);
    let az_role = name.clone().unwrap_or_else(|| role_guid.clone());
    let ps_role = match &name {
        Some(n) => format!("-RoleDefinitionName {}", psq(n)),
        None => format!("-RoleDefinitionId {role_guid}"),
    };
    let mut out = vec![
        s("az CLI", format!("az role assignment create \\\n  --assignee-object-id {pid} --assignee-principal-type {ptype} \\\n  --role {} \\\n  --scope {}", sq(&az_role), sq(&scope)), true),
        s("Azure PowerShell", format!("New-AzRoleAssignment -ObjectId {pid} {ps_role} -Scope {}", psq(&scope)), true),
    ];
    // Bicep: deployed to the resource group (or subscription) that holds the scope.
    let comment_role = name.as_deref().map(|n| format!("    // {n}\n")).unwrap_or_default();
    let props = format!("  properties: {{\n{comment_role}    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role_guid}')\n    principalId: '{pid}'\n    principalType: '{ptype}'\n  }}\n}}");
    let rg = seg(&scope, "resourceGroups");
    let bicep = if scope.contains("/providers/") {
        arm_target(&scope).and_then(|(k, n)| bicep_existing(k).map(|(ty, api)| (n, ty, api))).map(|(n, ty, api)| {
            format!("// Deploy to resource group {rg}\nresource target '{ty}@{api}' existing = {{\n  name: '{n}'\n}}\n\nresource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid(target.id, '{pid}', '{role_guid}')\n  scope: target\n{props}")
        })
    } else if !rg.is_empty() {
        Some(format!("// Deploy to resource group {rg}\nresource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid(resourceGroup().id, '{pid}', '{role_guid}')\n{props}"))
    } else if scope.starts_with("/subscriptions/") {
        Some(format!("targetScope = 'subscription'\n\nresource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid(subscription().id, '{pid}', '{role_guid}')\n{props}"))
    } else {
        None
    };
    if let Some(b) = bicep {
        out.push(s("Bicep", b, true));
    }
    out
}

fn role_assignment_delete(cx: &Cx, path: &str) -> Vec<Sample> {
    let id = path.to_string();
    let assignment = path.rsplit('/').next().unwrap_or("").to_string();
    let scope = path.split("/providers/Microsoft.Authorization").next().unwrap_or("").to_string();
    let key = format!("ra:{assignment}");
    let found = cx.view().and_then(|v| v.role_assignments.iter().flat_map(|sv| sv.assignments.iter()).find(|a| a.key.eq_ignore_ascii_case(&key)));
    let mut out = vec![s("az CLI", format!("az role assignment delete --ids {}", sq(&id)), true)];
    let ps = match found {
        Some(a) => format!("Remove-AzRoleAssignment -ObjectId {} -RoleDefinitionName {} -Scope {}", a.principal_id, psq(&a.role), psq(&scope)),
        None => format!("Get-AzRoleAssignment -Scope {} | Where-Object RoleAssignmentName -eq {} | Remove-AzRoleAssignment", psq(&scope), psq(&assignment)),
    };
    out.push(s("Azure PowerShell", ps, true));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(id: &str, i: usize) -> Vec<Sample> {
        samples_of(&crate::scenarios::find(id).unwrap().scenario(), i)
    }
    fn code<'a>(v: &'a [Sample], lang: &str) -> &'a str {
        v.iter().find(|s| s.lang == lang).map(|s| s.code.as_str()).unwrap_or_else(|| panic!("no {lang} sample"))
    }

    #[test]
    fn samples_use_the_scenarios_names_and_ids() {
        let enable = all("vm-keyvault", 0);
        assert!(code(&enable, "az CLI").contains("az vm identity assign --resource-group rg-app --name vm-web"));
        assert!(code(&enable, "Bicep").contains("type: 'SystemAssigned'"));
        let grant = all("vm-keyvault", 7);
        assert!(code(&grant, "az CLI").contains("--role 'Key Vault Secrets User'") && code(&grant, "az CLI").contains("/vaults/kv-contoso"));
        let imds = all("vm-keyvault", 11);
        assert!(imds.iter().any(|s| s.lang == "curl" && !s.illustrative && s.code.contains("-H 'Metadata: true'")));
        assert!(code(&imds, "Python").contains("get_token(\"https://vault.azure.net/.default\")"));
        let kv = all("vm-keyvault", 15);
        assert!(code(&kv, "C#").contains("GetSecretAsync(\"db-password\")"));
        assert!(code(&kv, "curl").contains("\"Authorization: Bearer $TOKEN\""));
        assert!(all("vm-keyvault", 16).is_empty(), "responses have no samples");
    }

    #[test]
    fn sql_is_not_http_so_no_curl() {
        let json = r#"{"version":1,"name":"sql","seed":3,"world":{"subscriptions":[{"name":"s","resourceGroups":[{"name":"rg"}]}],
          "resources":[{"type":"Microsoft.Compute/virtualMachines","name":"vm-a","resourceGroup":"rg","identity":{"type":"SystemAssigned"},"app":{"sdk":"dotnet","credential":"ManagedIdentityCredential"}},
                       {"type":"Microsoft.Sql/servers/databases","name":"sqldb-orders","resourceGroup":"rg","properties":{"containedUsers":["vm-a"]}}]},
          "script":[{"action":"sqlConnect","host":"vm-a","database":"sqldb-orders"}]}"#;
        let sc = Scenario::from_json(json).unwrap();
        let (t, _, views, _) = simulate_with_views(&sc);
        for i in 0..t.steps.len() {
            for smp in samples(&sc, &t, &views, i) {
                assert!(!smp.code.contains("tds://"), "step {}: {}", i + 1, smp.code);
            }
        }
        assert!(code(&samples(&sc, &t, &views, 0), "Python").contains("https://database.windows.net/.default"));
    }

    #[test]
    fn the_steps_own_sdk_comes_first() {
        // appservice-storage runs Python.
        let v = all("appservice-storage", 9);
        let langs: Vec<&str> = v.iter().map(|s| s.lang).collect();
        assert_eq!(&langs[..4], &["curl", "Python", "C#", "JavaScript"]);
    }
}
