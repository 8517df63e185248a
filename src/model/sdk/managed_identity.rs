//! `ManagedIdentityCredential` against one token source, with the SDK's probe and retry
//! schedule (fact sheet §1.5, §8.3).

use crate::model::arm::IdentityRef;
use crate::model::hosts::{Host, IMDS, IMDS_TOKEN_PATH, json_field, Source};
use crate::model::http::{build_query, Request};
use crate::model::scenario::Sdk;
use crate::model::sdk::{Got, Raise};
use crate::model::trace::Fidelity;
use crate::model::world::World;
use crate::model::world::{Draft, Pid};
use crate::model::trace::{StepKind, CredentialFailure};
use crate::model::hosts::on_wire;

impl World {
    /// ManagedIdentityCredential against one source, with the SDK's retries.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn mi_source_get_token(&mut self, h: &Host, app: Pid, src: Source, resource: &str, wanted: Option<&IdentityRef>, sdk: Sdk, probe: bool) -> Got {
        match self.mi_source_try(h, app, src, resource, wanted, sdk, probe) {
            Ok(t) => Got::Token(t),
            Err(_) => Got::Failed,
        }
    }

    /// `mi_source_get_token`, with why the credential gave up (what decides whether
    /// DefaultAzureCredential moves on).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn mi_source_try(&mut self, h: &Host, app: Pid, src: Source, resource: &str, wanted: Option<&IdentityRef>, sdk: Sdk, probe: bool) -> Result<String, Raise> {
        if src == Source::CloudShell {
            return match self.cloud_shell_token(h, app, resource, wanted) {
                Got::Token(t) => Ok(t),
                Got::Failed => Err(Raise::Failed),
            };
        }
        let Some(res) = h.resource.clone() else { return Err(Raise::Unavailable) };
        match src {
            Source::Workload => return match self.workload_token(h, app, resource, sdk) {
                Got::Token(t) => Ok(t),
                Got::Failed => Err(Raise::Failed),
            },
            Source::Arc => {
                if wanted.is_some() && sdk == Sdk::Dotnet {
                    let s = self.push(Draft::runtime_on(app, "ManagedIdentityCredential: user-assigned not supported on Arc").note(&format!("{}, before any request ({})", crate::model::sdk::raised(sdk, Raise::ArcUserAssigned), crate::model::sdk::version(sdk))).fidelity(Fidelity::Documented).source("MSAL.NET AzureArcManagedIdentitySource.cs:67; fact sheet §3.1, golden check 18").explain("Azure Arc-enabled servers have only a system-assigned identity. MSAL.NET's Azure Arc source refuses a user-assigned identity when it is created (MsalServiceException user_assigned_managed_identity_not_supported), so Azure.Identity raises AuthenticationFailedException before any HTTP call. The Python and JavaScript SDKs behave differently: they send the request and check the answer."));
                    s.set_kind(StepKind::Credential(CredentialFailure::Raised));
                    return Err(Raise::ArcUserAssigned);
                }
                return self.arc_flow(h, app, &res, resource, wanted, sdk);
            }
            _ => {}
        }
        if probe && src == Source::Imds {
            // Inside a chain every SDK probes: a request without Metadata (a 400 proves IMDS
            // is there): azure-identity 1.27 imds.py `_request_token` (`within_credential_chain`),
            // Azure.Identity ImdsManagedIdentityProbeSource.cs, @azure/identity imdsMsi.js.
            let req = Request::new("GET", format!("{IMDS}{IMDS_TOKEN_PATH}?{}", build_query(&[("api-version", "2018-02-01"), ("resource", resource)])));
            let ep = self.p_endpoint(&res);
            self.push(Draft::runtime(app, ep, "probe: GET token (no Metadata)").request(req.clone()).fidelity(Fidelity::Documented).source("fact sheet §8.3").explain("Inside DefaultAzureCredential the SDK first sends a probe without the Metadata header and with a 1-second timeout. Any answer (a 400 is guaranteed) proves IMDS is reachable; silence means 'not on Azure' and the chain moves on without long retries."));
            let (resp, _) = on_wire(self.imds_handle(&res, &req, ep), false);
            self.push(Draft::runtime(ep, app, format!("{} probe answered: IMDS is here", resp.status)).response(resp).fidelity(Fidelity::Documented).source("fact sheet §1.4, §8.3").explain("The probe's 400 'Required metadata header not specified' is the expected answer: IMDS exists, so ManagedIdentityCredential is available. Now the real request follows.").kind(StepKind::ProbeAnswered));
        }
        let (mut attempt, mut waited_ms, mut advanced) = (0, 0u64, 0u64);
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
                    format!("The SDK asks the Instance Metadata Service, a link-local endpoint (169.254.169.254) reachable only from inside the VM. `Metadata: true` proves the request was made on purpose (a defence against SSRF), `resource` names the API the token is for and becomes its audience ({} makes it from the code's scope by cutting `/.default`, so `https://management.azure.com/.default` is sent as `https://management.azure.com`){}.", crate::model::sdk::version(sdk), if wanted.is_some() { ", and `client_id` picks which user-assigned identity to use" } else { "; with no client_id, IMDS picks the identity" }),
                ),
            };
            self.push(Draft::runtime(app, ep, label).request(req.clone()).fidelity(Fidelity::Documented).source(src_ref).explain(expl));
            let answer = match src {
                Source::AppService => self.appservice_handle(&res, &req, ep),
                _ => self.imds_handle(&res, &req, ep),
            };
            let (resp, error) = on_wire(answer, false);
            let status = resp.status;
            let jwt = json_field(resp.body.as_deref().unwrap_or(""), "access_token");
            self.emit_endpoint_response(ep, app, &res, resp, error.as_ref(), src);
            if let Some(t) = jwt {
                return Ok(t);
            }
            let backoff = if src == Source::Imds { imds_backoff(sdk, status, probe) } else { other_backoff(status) };
            let wait = backoff.and_then(|b| b.waits_ms.get(attempt).map(|&ms| (b, ms)));
            let Some((b, wait_ms)) = wait else {
                let why = match (backoff, sdk) {
                    (Some(_), _) => "the retry budget is spent",
                    (None, Sdk::Dotnet) => "a 4xx other than 404/408/410/429 is a design-time error, so the SDK does not retry",
                    (None, Sdk::Python) => "azure-identity retries only 404, 410, 429 and 5xx; other answers are final",
                    (None, Sdk::Js) => "@azure/identity retries only 404, 408, 410 and 5xx (429 only with Retry-After); other answers are final",
                };
                let s = self.push(Draft::runtime_on(app, "SDK raises").note(&format!("{} after {} attempt(s): {why}", crate::model::sdk::raised(sdk, Raise::Failed), attempt + 1)).fidelity(Fidelity::Documented).source("fact sheet §1.5, §8.3").explain(format!("The credential gives up and raises ({}): {why}. The exception carries the endpoint's error text; on IMDS a 400 usually means the requested identity is not assigned to this resource.", crate::model::sdk::version(sdk))));
                s.set_kind(StepKind::Credential(CredentialFailure::Raised));
                return Err(Raise::Failed);
            };
            attempt += 1;
            // The virtual clock counts whole seconds: it moves on so that the time waited in
            // all equals the exact waits added up, rounded up.
            waited_ms += u64::from(wait_ms);
            let step = waited_ms.div_ceil(1000) - advanced;
            advanced += step;
            let shown = if b.jitter { format!("{}–{}s", secs(wait_ms / 2), secs(wait_ms)) } else { format!("{}s", secs(wait_ms)) };
            let clock = if step * 1000 == u64::from(wait_ms) { String::new() } else { format!("; the virtual clock counts whole seconds and moves on by {step} s") };
            self.push(Draft::runtime_on(app, &format!("retry {attempt} in {shown}")).note(&format!("Status {status} is retryable: wait {shown} (virtual clock) and try again{clock}")).fidelity(Fidelity::Documented).source(b.source).explain(if status == 410 && sdk == Sdk::Dotnet {
                    format!("IMDS answered 410: it is being updated and will be back within 70 seconds. The SDK waits a fixed 10 s and retries, up to 7 times ({}). The virtual clock moves on by {step} s.", crate::model::sdk::version(sdk))
                } else {
                    format!("{} retries {status} with its own back-off: {}. {}The virtual clock moves on by {step} s.", crate::model::sdk::version(sdk), b.schedule, if b.jitter { "Each wait is randomised between half and all of its value, so the model waits the longest. " } else { "" })
                }));
            if step > 0 {
                self.advance(step);
            }
        }
    }
}

/// An SDK's retry schedule for one status: the waits before each retry (milliseconds),
/// whether each is randomised (between half and all of it), what it is, and its source.
#[derive(Clone, Copy)]
struct Backoff {
    waits_ms: &'static [u32],
    jitter: bool,
    schedule: &'static str,
    source: &'static str,
}

/// How the SDK retries an IMDS answer, `None` when it does not (fact sheet §1.5):
/// - .NET (MSAL.NET Http/Retry/ImdsRetryPolicy.cs, HttpRetryConditions.cs): 404, 408, 429,
///   5xx after 1, 2, 4 s; 410 every 10 s, 7 times; the probe never retries 404.
/// - Python (azure-identity 1.27 _credentials/imds.py `PIPELINE_SETTINGS`, `ImdsRetryPolicy`;
///   azure-core `RetryPolicy.get_backoff_time`): 404, 410, 429, 5xx, five retries after
///   0, 1.6, 3.2, 6.4, 12.8 s (backoff factor 0.8); 410 with factor 2.5: 0, 5, 10, 20, 40 s.
/// - JavaScript (@azure/identity 4.14.1 managedIdentityCredential/imdsRetryPolicy.js, msal
///   retries disabled; core-rest-pipeline's default exponential policy underneath): 404 five
///   times from 0.8 s doubling, 410 from 3 s; 408 and 5xx but 501/505 three times from 1 s;
///   each wait jittered to 50–100 %; 429 only with `Retry-After`, which IMDS does not send.
fn imds_backoff(sdk: Sdk, status: u16, probe: bool) -> Option<Backoff> {
    const NET: &str = "fact sheet §1.5, golden check 42";
    const PY: &str = "azure-identity 1.27 _credentials/imds.py (PIPELINE_SETTINGS, ImdsRetryPolicy); fact sheet §1.5";
    const JS: &str = "@azure/identity 4.14.1 managedIdentityCredential/imdsRetryPolicy.js; core-rest-pipeline exponentialRetryStrategy";
    let b = |waits_ms, jitter, schedule, source| Some(Backoff { waits_ms, jitter, schedule, source });
    match (sdk, status) {
        (Sdk::Dotnet, 410) => b(&[10_000; 7], false, "10 s, 7 times", NET),
        (Sdk::Dotnet, 404) if probe => None,
        (Sdk::Dotnet, 404 | 408 | 429 | 500..=599) => b(&[1000, 2000, 4000], false, "1 s, 2 s, 4 s (three retries)", NET),
        (Sdk::Python, 410) => b(&[0, 5000, 10_000, 20_000, 40_000], false, "0, 5, 10, 20, 40 s (five retries, at least 70 s in all)", PY),
        (Sdk::Python, 404 | 429 | 500..=599) => b(&[0, 1600, 3200, 6400, 12_800], false, "0, 1.6, 3.2, 6.4, 12.8 s (five retries)", PY),
        (Sdk::Js, 404) => b(&[800, 1600, 3200, 6400, 12_800], true, "0.8, 1.6, 3.2, 6.4, 12.8 s (five retries)", JS),
        (Sdk::Js, 410) => b(&[3000, 6000, 12_000, 24_000, 48_000], true, "3, 6, 12, 24, 48 s (five retries)", JS),
        (Sdk::Js, 408 | 500 | 502..=504 | 506..=599) => b(&[1000, 2000, 4000], true, "1, 2, 4 s (three retries)", JS),
        _ => None,
    }
}

/// Retries against the other sources (App Service): MSAL.NET DefaultRetryPolicy.cs, 1 s
/// three times (410: 10 s, 7 times), for every SDK (not yet read per SDK).
fn other_backoff(status: u16) -> Option<Backoff> {
    const SRC: &str = "fact sheet §1.5, golden check 42";
    match status {
        410 => Some(Backoff { waits_ms: &[10_000; 7], jitter: false, schedule: "10 s, 7 times", source: SRC }),
        404 | 408 | 429 | 500..=599 => Some(Backoff { waits_ms: &[1000; 3], jitter: false, schedule: "1 s, three times", source: SRC }),
        _ => None,
    }
}

/// Milliseconds as seconds for a label, to the nearest tenth: `2`, `1.6`, `0.4`. Integer
/// arithmetic on purpose: formatting an `f64` links core's float printer into the wasm
/// (about 12 KB gzip).
fn secs(ms: u32) -> String {
    if ms % 1000 == 0 {
        return (ms / 1000).to_string();
    }
    let tenths = (ms + 50) / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    #[test]
    fn seconds_to_the_nearest_tenth() {
        for (ms, want) in [(2000, "2"), (1600, "1.6"), (400, "0.4"), (12_800, "12.8"), (1234, "1.2"), (1990, "2.0"), (50, "0.1")] {
            assert_eq!(super::secs(ms), want, "{ms} ms");
        }
    }
}
