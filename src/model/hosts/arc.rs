//! Azure Arc-enabled servers: HIMDS on localhost:40342 and its `Basic realm=<key file>`
//! challenge (fact sheet §3.1).

use crate::model::arm::Resource;
use crate::model::hosts::{ARC_ENDPOINT, Host, json_field, Source};
use crate::model::http::{build_query, Request, Response};
use crate::model::arm::IdentityRef;
use crate::model::scenario::Sdk;
use crate::model::sdk::{raised, version, Raise};
use crate::model::trace::Fidelity;
use crate::model::world::World;
use crate::model::world::{Draft, Pid};
use crate::model::trace::{CredentialFailure, StepKind};
use crate::model::hosts::imds::ImdsError;
use crate::model::hosts::on_wire;

impl World {
    /// The SDK's Azure Arc flow. `wanted` (a user-assigned identity: only the Python and
    /// JavaScript SDKs get here with one) travels as `client_id`; HIMDS ignores it and
    /// answers with the machine's system-assigned identity, and the SDK, finding its
    /// selector not echoed back, fails closed (msal 1.39 managed_identity.py
    /// `_raise_if_arc_did_not_honor_user_assigned_identity`, msal-node 7.2 AzureArc.mjs
    /// `validateUserAssignedIdentityWasHonored`).
    pub(crate) fn arc_flow(&mut self, _h: &Host, app: Pid, res: &Resource, resource: &str, wanted: Option<&IdentityRef>, sdk: Sdk) -> Result<String, Raise> {
        let ep = self.p_endpoint(res);
        let mut q = vec![("api-version", "2020-06-01"), ("resource", resource)];
        if let Some(w) = wanted {
            q.push(("client_id", &w.client_id));
        }
        let url = format!("{ARC_ENDPOINT}?{}", build_query(&q));
        let req1 = Request::new("GET", url.clone()).header("Metadata", "true");
        self.push(Draft::runtime(app, ep, "GET token (HIMDS, no credential)").request(req1).fidelity(Fidelity::Documented).source("fact sheet §3.1, golden check 17").explain("On an Azure Arc-enabled server the SDK finds IDENTITY_ENDPOINT and IMDS_ENDPOINT pointing at the local Hybrid Instance Metadata Service (port 40342). The first request carries no credential on purpose: HIMDS answers with a challenge."));
        if res.system_assigned.is_none() {
            let (resp, error) = on_wire(Err(ImdsError::IdentityNotFound.into()), true);
            self.emit_endpoint_response(ep, app, res, resp, error.as_ref(), Source::Arc);
            return Err(Raise::Failed);
        }
        let file = format!("/var/opt/azcmagent/tokens/{}.key", self.rng.guid());
        let key = self.rng.token(44);
        let resp1 = challenge(&file);
        self.push(Draft::runtime(ep, app, "401 WWW-Authenticate: Basic realm=<key file>").response(resp1).fidelity(Fidelity::Documented).source("fact sheet §3.1").explain(format!("HIMDS writes a one-time secret to {file} and names that file in the challenge. Only a process with elevated rights (root, or Administrators on Windows) can read it, which is how Arc proves the caller is privileged on the machine.")).kind(StepKind::Challenge));
        self.push(Draft::runtime_on(app, "read the key file").note(&format!("Read {file} (≤ 4096 bytes, .key, needs root)")).fidelity(Fidelity::Documented).source("fact sheet §3.1").explain("The SDK checks that the path is inside the agent's tokens folder, ends in .key and is at most 4 KB, then reads it."));
        let req2 = Request::new("GET", url).header("Metadata", "true").header("Authorization", format!("Basic {key}"));
        self.push(Draft::runtime(app, ep, "GET token (Authorization: Basic <file contents>)").request(req2).fidelity(Fidelity::Documented).source("fact sheet §3.1").explain("The same request again, now with `Authorization: Basic` followed by the file's raw contents (not base64-encoded again)."));
        let ident = res.system_assigned.clone().expect("checked above");
        let (resp, error) = on_wire(self.endpoint_token(res, ep, &ident, resource, Source::Arc, &[]), true);
        let jwt = json_field(resp.body.as_deref().unwrap_or(""), "access_token");
        let echoed = json_field(resp.body.as_deref().unwrap_or(""), "client_id");
        self.emit_endpoint_response(ep, app, res, resp, error.as_ref(), Source::Arc);
        match (jwt, wanted) {
            (Some(_), Some(w)) if !echoed.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&w.client_id)) => {
                let s = self.push(Draft::runtime_on(app, "SDK raises: Arc did not confirm the identity").note(&format!("{}: Azure Arc did not confirm the requested user-assigned managed identity in the token response ({})", raised(sdk, Raise::ArcUserAssigned), version(sdk))).fidelity(Fidelity::Documented).source(match sdk {
                    Sdk::Js => "@azure/msal-node 7.2.3 AzureArc.mjs validateUserAssignedIdentityWasHonored; @azure/identity 4.14.1 managedIdentityCredential/index.js",
                    _ => "msal 1.39.0 managed_identity.py:781-805, 857; azure-identity 1.27.0 _internal/msal_managed_identity_client.py",
                }).explain(format!("The SDK sent client_id {} to HIMDS, which answered with a token for the machine's system-assigned identity (client_id {}): Azure Arc-enabled servers have only that one, and an agent that does not support user-assigned identities ignores the selector. MSAL checks that the answer echoes the identity it asked for and, when it does not, refuses to hand back a token for a different identity: the SDK raises {} after the request, where .NET refuses before sending anything.", w.client_id, echoed.as_deref().unwrap_or("none"), raised(sdk, Raise::ArcUserAssigned))));
                s.set_kind(StepKind::Credential(CredentialFailure::Raised));
                Err(Raise::ArcUserAssigned)
            }
            (Some(t), _) => Ok(t),
            (None, _) => Err(Raise::Failed),
        }
    }
}

/// HIMDS's view of a token request: it ignores the user-assigned selectors (`client_id`,
/// `object_id`, `msi_res_id`) and answers for the system-assigned identity (Arc-enabled
/// servers have no other; MSAL's sources describe agents that ignore the selector, [O]).
pub(crate) fn without_selectors(req: &Request) -> Request {
    let Some((path, query)) = req.url.split_once('?') else { return req.clone() };
    let kept: Vec<&str> = query.split('&').filter(|p| !matches!(p.split('=').next(), Some("client_id" | "object_id" | "msi_res_id" | "mi_res_id"))).collect();
    Request { url: format!("{path}?{}", kept.join("&")), ..req.clone() }
}

/// HIMDS's answer to a token request without `Authorization`: 401 with
/// `WWW-Authenticate: Basic realm=<path of the key file it just wrote>` and an empty body
/// (`Content-Length: 0`), fact sheet §3.1.
pub(crate) fn challenge(key_file: &str) -> Response {
    Response::new(401).header("WWW-Authenticate", format!("Basic realm={key_file}")).header("Content-Length", "0").with_body("")
}
