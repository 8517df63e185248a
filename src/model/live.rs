//! A live session (`mip serve`): the world as a scenario's script leaves it, answering
//! real HTTP requests to one host's token endpoint — IMDS (fact sheet §1), App Service
//! (§2) or Azure Arc's HIMDS (§3.1) — on a clock the caller passes in.
//!
//! Each request becomes scenario actions appended to the session's script: the clock moving
//! on (`advanceClock`, when it has) and the request itself (`tokenRequest`, with the
//! method, path, query and headers the client sent), run with [`World::apply`] like any
//! scripted action. The same validation, identity selection, caches, throttling, faults
//! and Entra steps apply, and [`Live::recorded`] re-simulates to exactly the trace the
//! session produced (the model is deterministic), which is how the playground page draws
//! a live session.
//!
//! Pure and sans-IO like the rest of the model: no socket, no wall clock, no file. The
//! server (`src/serve.rs`) reads the clock, does the IO, and writes the Arc key file
//! that a [`Reply`] names.

use super::arm::ResourceKind;
use super::http::{parse_query, HttpMethod, Response};
use super::scenario::{Action, Scenario};
use super::time::{Duration, SimTime};
use super::trace::{Message, Trace};
use super::world::World;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// How many actions a session records before it answers 503 (a restart starts afresh):
/// bounds the memory a long workshop or a flood can take.
pub const MAX_RECORDED: usize = 20_000;

/// Headers a recorded request leaves out: connection plumbing, not part of the request's
/// meaning (the model writes `Host` itself).
const PLUMBING: [&str; 5] = ["host", "content-length", "connection", "transfer-encoding", "keep-alive"];

/// The kind of token endpoint a host has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// IMDS on a VM or scale set: `GET /metadata/identity/oauth2/token` (fact sheet §1.1).
    Imds,
    /// App Service / Functions: `GET /MSI/token` with `X-IDENTITY-HEADER` (fact sheet §2).
    AppService,
    /// Azure Arc's HIMDS: the IMDS path behind a key-file challenge (fact sheet §3.1).
    Arc,
}

impl Endpoint {
    /// The endpoint's name as the platform documents it.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Imds => "IMDS",
            Endpoint::AppService => "App Service identity endpoint",
            Endpoint::Arc => "Azure Arc HIMDS",
        }
    }

    /// The token path (`IDENTITY_ENDPOINT`'s path where the SDK reads one).
    pub fn token_path(self) -> &'static str {
        match self {
            Endpoint::AppService => "/MSI/token",
            _ => "/metadata/identity/oauth2/token",
        }
    }

    /// Whether a request path belongs to this endpoint (and so to the model).
    pub fn serves(self, path: &str) -> bool {
        match self {
            Endpoint::AppService => path.eq_ignore_ascii_case("/MSI/token"),
            _ => path.len() >= 10 && path[..10].eq_ignore_ascii_case("/metadata/"),
        }
    }
}

/// A request as it arrived: method, request target (`/path?query`, percent-encoded as
/// sent) and headers in order.
#[derive(Clone, Debug)]
pub struct LiveRequest {
    /// `GET`, `POST` …, as sent.
    pub method: String,
    /// The request target, e.g. `/metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`.
    pub target: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
}

/// What the session answered.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The response to send (status, headers, body exactly as the model built them).
    pub response: Response,
    /// The steps this request added to [`Live::trace`] (empty when it was refused before
    /// reaching the model: an unsupported method, a `$` placeholder, a full session).
    pub steps: Range<usize>,
    /// An Azure Arc challenge's key file, `(path, contents)`: the server must write it
    /// (mode 0600) before sending the 401, since the client reads it on receipt.
    pub key_file: Option<(String, String)>,
}

/// A live session over one host of a scenario.
pub struct Live {
    scenario: Scenario,
    world: World,
    host: String,
    endpoint: Endpoint,
    started: SimTime,
    version: u64,
}

impl Live {
    /// Runs the scenario's script (the setup) and opens `host`'s token endpoint. `Err` with
    /// a message when the scenario is malformed or the host has no endpoint to serve (only
    /// VMs, scale sets, App Service apps and Arc servers have one).
    pub fn start(scenario: Scenario, host: &str) -> Result<Live, String> {
        let mut world = World::build(&scenario).map_err(|e| format!("{}: {}", e.path, e.message))?;
        for (i, a) in scenario.script.iter().enumerate() {
            world.action = i;
            world.apply(a).map_err(|e| format!("script[{i}]{}: {}", if e.path.is_empty() { String::new() } else { format!(".{}", e.path) }, e.message))?;
        }
        let servable: Vec<String> = world.resources.values().filter(|r| endpoint_of(r.kind).is_some()).map(|r| r.name.clone()).collect();
        let Some(r) = world.resource_by_name(host) else {
            return Err(format!("'{host}' is not a resource of this scenario after its script; hosts with a token endpoint: {}", list(&servable)));
        };
        let Some(endpoint) = endpoint_of(r.kind) else {
            return Err(format!("'{host}' is a {}, which has no managed-identity token endpoint to serve; hosts that have one: {}", r.kind.arm_type(), list(&servable)));
        };
        let host = r.name.clone();
        let started = world.now;
        Ok(Live { scenario, world, host, endpoint, started, version: 0 })
    }

    /// The served host's name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The served endpoint's kind.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The virtual time the session started at (the clock after the script).
    pub fn started(&self) -> SimTime {
        self.started
    }

    /// The virtual clock now (never behind [`Live::started`]).
    pub fn now(&self) -> SimTime {
        self.world.now
    }

    /// The demo tenant's id (the tokens' `tid`, the issuer's path).
    pub fn tenant_id(&self) -> &str {
        &self.world.directory.tenant_id
    }

    /// The trace so far: the script's steps, then the live ones.
    pub fn trace(&self) -> &Trace {
        &self.world.trace
    }

    /// The scenario with every live request appended to its script as actions: it
    /// re-simulates to [`Live::trace`].
    pub fn recorded(&self) -> &Scenario {
        &self.scenario
    }

    /// Counts the requests that reached the model (0 at start).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The identities a caller can name: the host's system-assigned one (`name` is the
    /// host's) and every user-assigned identity of the world, each with whether it is
    /// attached to the host now. JSON objects: `name`, `kind` (`system` / `user`),
    /// `clientId`, `principalId`, `resourceId`, `attached`.
    pub fn identities(&self) -> Vec<serde_json::Value> {
        let host = self.world.resource_by_name(&self.host);
        let entry = |name: &str, kind: &str, i: &super::arm::IdentityRef, attached: bool| serde_json::json!({"name": name, "kind": kind, "clientId": i.client_id, "principalId": i.principal_id, "resourceId": i.mi_resource_id, "attached": attached});
        let mut out = Vec::new();
        if let Some(s) = host.and_then(|h| h.system_assigned.as_ref()) {
            out.push(entry(&self.host, "system", s, true));
        }
        for r in self.world.resources.values().filter(|r| r.kind == ResourceKind::UserAssignedIdentity) {
            if let Some(i) = self.world.find_uami(&r.name) {
                let attached = host.is_some_and(|h| h.user_assigned.values().any(|u| u.client_id == i.client_id));
                out.push(entry(&r.name, "user", &i, attached));
            }
        }
        out
    }

    /// App Service's current `IDENTITY_HEADER` (the platform rotates it; fact sheet §2).
    pub fn identity_header(&self) -> Option<String> {
        self.world.app_service_secrets.get(&self.host.to_ascii_lowercase()).map(|s| s.0.clone())
    }

    /// The environment an SDK on this host reads to find the endpoint at `base`
    /// (`http://127.0.0.1:PORT`), as `(name, value)` pairs (teaching anchors, "How each
    /// SDK can be pointed at a local endpoint").
    pub fn exports(&self, base: &str) -> Vec<(String, String)> {
        match self.endpoint {
            // Every Azure SDK and MSAL honour it; IMDS_ENDPOINT alone would not redirect them.
            Endpoint::Imds => vec![("AZURE_POD_IDENTITY_AUTHORITY_HOST".into(), base.into())],
            Endpoint::AppService => vec![("IDENTITY_ENDPOINT".into(), format!("{base}{}", self.endpoint.token_path())), ("IDENTITY_HEADER".into(), self.identity_header().unwrap_or_default())],
            Endpoint::Arc => vec![("IDENTITY_ENDPOINT".into(), format!("{base}{}", self.endpoint.token_path())), ("IMDS_ENDPOINT".into(), base.into())],
        }
    }

    /// Runs one request through the model at virtual time `at` (a time before the clock is
    /// taken as the clock: it never goes back).
    pub fn handle(&mut self, at: SimTime, req: &LiveRequest) -> Reply {
        let first = self.world.trace.steps.len();
        let refuse = |status: u16, error: &str, description: &str| Reply {
            response: Response::new(status).json("application/json; charset=utf-8", serde_json::json!({"error": error, "error_description": description}).to_string()),
            steps: first..first,
            key_file: None,
        };
        if self.scenario.script.len() + 2 > MAX_RECORDED {
            return refuse(503, "service_unavailable", "This mip serve session has recorded its maximum number of requests; restart it.");
        }
        let Some(method) = HttpMethod::parse(&req.method) else {
            return refuse(405, "method_not_allowed", "Method not allowed");
        };
        let (path, query) = match req.target.split_once('?') {
            Some((p, q)) => (p.to_string(), parse_query(q)),
            None => (req.target.clone(), Vec::new()),
        };
        let headers: Vec<(String, String)> = req.headers.iter().filter(|(n, _)| !PLUMBING.iter().any(|p| n.eq_ignore_ascii_case(p))).cloned().collect();
        // The scenario format expands `$IDENTITY_HEADER`, `$clientId:NAME` … in a hand-made
        // request; a real client's value must never be expanded (it would hand a caller
        // the secret it is meant to prove it knows).
        if query.iter().chain(headers.iter()).any(|(_, v)| v.starts_with('$')) {
            return refuse(400, "invalid_request", "A query or header value starting with '$' is not accepted by mip serve.");
        }
        if at > self.world.now {
            let secs = at.0 - self.world.now.0;
            self.record(Action::AdvanceClock { duration: Duration::from_secs(secs) });
        }
        let default_path = self.endpoint.token_path();
        self.record(Action::TokenRequest {
            host: self.host.clone(),
            method,
            path: if path == default_path { None } else { Some(path) },
            query,
            headers,
            repeat: 1,
        });
        self.version += 1;
        let steps = first..self.world.trace.steps.len();
        let response = self.world.trace.steps[steps.clone()].iter().rev().find_map(|s| match &s.message {
            Message::Response(r) => Some(r.clone()),
            _ => None,
        });
        let Some(response) = response else {
            // The script removed the host's endpoint (e.g. deleted the VM): the step says why.
            let why = self.world.trace.steps.last().map(|s| s.label.clone()).unwrap_or_default();
            return Reply { steps, key_file: None, ..refuse(503, "service_unavailable", &why) };
        };
        let key_file = if response.status == 401 && self.endpoint == Endpoint::Arc {
            response.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("WWW-Authenticate")).and_then(|(_, v)| v.strip_prefix("Basic realm=")).map(|f| (f.to_string(), arc_key(self.tenant_id(), f)))
        } else {
            None
        };
        Reply { response, steps, key_file }
    }

    fn record(&mut self, a: Action) {
        self.world.action = self.scenario.script.len();
        // A recorded action names the served host and existing things only; an error here
        // would mean the scenario changed under the session, and shows as no step.
        let _ = self.world.apply(&a);
        self.scenario.script.push(a);
    }
}

fn endpoint_of(kind: ResourceKind) -> Option<Endpoint> {
    match kind {
        ResourceKind::VirtualMachine | ResourceKind::ScaleSet => Some(Endpoint::Imds),
        ResourceKind::AppService => Some(Endpoint::AppService),
        ResourceKind::ArcServer => Some(Endpoint::Arc),
        _ => None,
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The contents of an Azure Arc challenge's key file: 64 hex digits derived from the
/// tenant and the file's path (deterministic, so a recorded session re-simulates; the real
/// agent writes a random secret, and what protects it is the folder's root-only access).
pub fn arc_key(tenant_id: &str, file: &str) -> String {
    let digest = Sha256::digest(format!("mip arc key\n{tenant_id}\n{file}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `authorization` is `Basic <contents>` of a key file a challenge in `trace` named.
pub(crate) fn arc_key_accepted(trace: &Trace, tenant_id: &str, authorization: Option<&str>) -> bool {
    let Some(presented) = authorization.and_then(|a| a.strip_prefix("Basic ")) else { return false };
    trace.steps.iter().rev().any(|s| match &s.message {
        Message::Response(r) if r.status == 401 => r.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("WWW-Authenticate") && v.strip_prefix("Basic realm=").is_some_and(|f| arc_key(tenant_id, f) == presented)),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::world::simulate;

    fn get(target: &str, headers: &[(&str, &str)]) -> LiveRequest {
        LiveRequest { method: "GET".into(), target: target.into(), headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect() }
    }

    fn builtin(id: &str) -> Scenario {
        crate::scenarios::find(id).expect("built-in").scenario()
    }

    #[test]
    fn a_live_session_re_simulates_to_its_own_trace() {
        let mut live = Live::start(builtin("vm-keyvault"), "vm-web").expect("serves the VM");
        let t0 = live.started();
        let q = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net";
        let r = live.handle(t0.plus(3), &get(q, &[("Metadata", "true"), ("User-Agent", "test")]));
        assert_eq!(r.response.status, 200, "{:?}", r.response.body);
        assert!(r.steps.len() >= 2);
        // msal-node's form of the same URL (a trailing slash) is the same endpoint.
        let slash = live.handle(t0.plus(3), &get(&q.replace("token?", "token/?"), &[("Metadata", "true")]));
        assert_eq!(slash.response.status, 200);
        let probe = live.handle(t0.plus(4), &get("/metadata/identity/oauth2/token", &[]));
        assert_eq!(probe.response.status, 400);
        // The clock never goes back, and the recorded scenario replays byte for byte.
        let again = live.handle(t0, &get(q, &[("Metadata", "true")]));
        assert_eq!(again.response.status, 200);
        assert_eq!(live.now(), t0.plus(4));
        let replay = simulate(live.recorded()).expect("recorded scenario runs");
        assert_eq!(replay.steps.len(), live.trace().steps.len());
        assert_eq!(replay.steps.last().map(|s| &s.message), live.trace().steps.last().map(|s| &s.message));
    }

    #[test]
    fn placeholders_are_never_expanded_for_a_real_client() {
        let mut live = Live::start(builtin("appservice-storage"), "func-reports").expect("serves the app");
        let r = live.handle(live.started(), &get("/MSI/token?api-version=2019-08-01&resource=https%3A%2F%2Fstorage.azure.com", &[("X-IDENTITY-HEADER", "$IDENTITY_HEADER")]));
        assert_eq!(r.response.status, 400);
        assert!(r.steps.is_empty());
        let secret = live.identity_header().expect("a secret");
        let ok = live.handle(live.started(), &get("/MSI/token?api-version=2019-08-01&resource=https%3A%2F%2Fstorage.azure.com", &[("X-IDENTITY-HEADER", &secret)]));
        assert_eq!(ok.response.status, 200, "{:?}", ok.response.body);
    }

    #[test]
    fn arc_challenge_names_a_key_file_and_accepts_only_its_contents() {
        let mut live = Live::start(builtin("arc-challenge"), "arc-lyon-sql01").expect("serves the Arc server");
        let q = "/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https%3A%2F%2Fvault.azure.net";
        let first = live.handle(live.started(), &get(q, &[("Metadata", "true")]));
        assert_eq!(first.response.status, 401);
        let (file, key) = first.key_file.expect("a key file to write");
        assert!(file.starts_with("/var/opt/azcmagent/tokens/") && file.ends_with(".key"));
        let wrong = live.handle(live.started(), &get(q, &[("Metadata", "true"), ("Authorization", "Basic nope")]));
        assert_eq!(wrong.response.status, 401);
        let right = live.handle(live.started(), &get(q, &[("Metadata", "true"), ("Authorization", &format!("Basic {key}"))]));
        assert_eq!(right.response.status, 200, "{:?}", right.response.body);
    }

    #[test]
    fn only_hosts_with_a_token_endpoint_are_served() {
        let e = Live::start(builtin("vm-keyvault"), "kv-contoso").err().unwrap_or_default();
        assert!(e.contains("no managed-identity token endpoint") || e.contains("not a resource"), "{e}");
        assert!(Live::start(builtin("vm-keyvault"), "nope").is_err());
    }
}
