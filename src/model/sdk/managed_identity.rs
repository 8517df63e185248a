//! `ManagedIdentityCredential` against one token source, with the SDK's probe and retry
//! schedule (fact sheet §1.5, §8.3).

use crate::model::arm::IdentityRef;
use crate::model::hosts::{Host, IMDS, IMDS_TOKEN_PATH, json_field, Source};
use crate::model::http::{build_query, Request};
use crate::model::scenario::Sdk;
use crate::model::sdk::Got;
use crate::model::trace::Fidelity;
use crate::model::world::World;
use crate::model::world::{Draft, Pid};
use crate::model::trace::{StepKind, CredentialFailure};
use crate::model::hosts::on_wire;

impl World {
    /// ManagedIdentityCredential against one source, with the SDK's retries.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn mi_source_get_token(&mut self, h: &Host, app: Pid, src: Source, resource: &str, wanted: Option<&IdentityRef>, sdk: Sdk, probe: bool) -> Got {
        if src == Source::CloudShell {
            return self.cloud_shell_token(h, app, resource, wanted);
        }
        let Some(res) = h.resource.clone() else { return Got::Failed };
        match src {
            Source::Workload => return self.workload_token(h, app, resource, sdk),
            Source::Arc => {
                if wanted.is_some() {
                    let s = self.push(Draft::runtime_on(app, "ManagedIdentityCredential: user-assigned not supported on Arc").note("The SDK raises before sending any request").fidelity(Fidelity::Documented).source("fact sheet §3.1, golden check 18").explain("Azure Arc-enabled servers have only a system-assigned identity. Asking for a user-assigned one makes the SDK fail immediately, before any HTTP call."));
                    s.set_kind(StepKind::Credential(CredentialFailure::Unavailable));
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
            self.push(Draft::runtime(app, ep, "probe: GET token (no Metadata)").request(req.clone()).fidelity(Fidelity::Documented).source("fact sheet §8.3").explain("Inside DefaultAzureCredential the SDK first sends a probe without the Metadata header and with a 1-second timeout. Any answer (a 400 is guaranteed) proves IMDS is reachable; silence means 'not on Azure' and the chain moves on without long retries."));
            let (resp, _) = on_wire(self.imds_handle(&res, &req, ep), false);
            self.push(Draft::runtime(ep, app, format!("{} probe answered: IMDS is here", resp.status)).response(resp).fidelity(Fidelity::Documented).source("fact sheet §1.4, §8.3").explain("The probe's 400 'Required metadata header not specified' is the expected answer: IMDS exists, so ManagedIdentityCredential is available. Now the real request follows.").kind(StepKind::ProbeAnswered));
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
                return Got::Token(t);
            }
            let retryable = matches!(status, 404 | 408 | 410 | 429 | 500..=599);
            let budget = if status == 410 { 7 } else { delays.len() };
            if !retryable || attempt >= budget || probe && status == 404 {
                let why = if retryable { "the retry budget is spent" } else { "a 4xx other than 404/408/410/429 is a design-time error, so the SDK does not retry" };
                let s = self.push(Draft::runtime_on(app, "SDK raises").note(&format!("{} after {} attempt(s): {why}", crate::model::sdk::raised(sdk, if status == 400 { crate::model::sdk::Raise::Unavailable } else { crate::model::sdk::Raise::Failed }), attempt + 1)).fidelity(Fidelity::Documented).source("fact sheet §1.5, §8.3").explain(format!("The credential gives up and raises: {why}. The exception carries the endpoint's error text; on IMDS a 400 usually means the requested identity is not assigned to this resource.")));
                s.set_kind(StepKind::Credential(CredentialFailure::Raised));
                return Got::Failed;
            }
            let wait = if status == 410 { 10 } else { delays[attempt.min(delays.len() - 1)] };
            attempt += 1;
            self.push(Draft::runtime_on(app, &format!("retry {attempt} in {wait}s")).note(&format!("Status {status} is retryable: wait {wait}s (virtual clock) and try again")).fidelity(Fidelity::Documented).source("fact sheet §1.5, golden check 42").explain(if status == 410 {
                    format!("IMDS answered 410: it is being updated and will be back within 70 seconds. The SDK waits a fixed 10 s and retries, up to 7 times. The virtual clock moves on by {wait} s.")
                } else {
                    format!("The {sdk} SDK retries {status} with exponential back-off (MSAL .NET: 1 s, 2 s, 4 s, three retries). The virtual clock moves on by {wait} s.")
                }));
            self.advance(wait);
        }
    }
}
