//! Azure Arc-enabled servers: HIMDS on localhost:40342 and its `Basic realm=<key file>`
//! challenge (fact sheet §3.1).

use crate::model::arm::Resource;
use crate::model::hosts::{ARC_ENDPOINT, Host, json_field, Source};
use crate::model::http::{build_query, Request, Response};
use crate::model::sdk::Got;
use crate::model::trace::Fidelity;
use crate::model::world::World;
use crate::model::world::{Draft, Pid};
use crate::model::trace::StepKind;
use crate::model::hosts::imds::ImdsError;
use crate::model::hosts::on_wire;

impl World {
    pub(crate) fn arc_flow(&mut self, _h: &Host, app: Pid, res: &Resource, resource: &str) -> Got {
        let ep = self.p_endpoint(res);
        let url = format!("{ARC_ENDPOINT}?{}", build_query(&[("api-version", "2020-06-01"), ("resource", resource)]));
        let req1 = Request::new("GET", url.clone()).header("Metadata", "true");
        self.push(Draft::runtime(app, ep, "GET token (HIMDS, no credential)").request(req1).fidelity(Fidelity::Documented).source("fact sheet §3.1, golden check 17").explain("On an Azure Arc-enabled server the SDK finds IDENTITY_ENDPOINT and IMDS_ENDPOINT pointing at the local Hybrid Instance Metadata Service (port 40342). The first request carries no credential on purpose: HIMDS answers with a challenge."));
        if res.system_assigned.is_none() {
            let (resp, error) = on_wire(Err(ImdsError::IdentityNotFound.into()), true);
            self.emit_endpoint_response(ep, app, res, resp, error.as_ref(), Source::Arc);
            return Got::Failed;
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
        self.emit_endpoint_response(ep, app, res, resp, error.as_ref(), Source::Arc);
        match jwt {
            Some(t) => Got::Token(t),
            None => Got::Failed,
        }
    }
}

/// HIMDS's answer to a token request without `Authorization`: 401 with
/// `WWW-Authenticate: Basic realm=<path of the key file it just wrote>` and an empty body
/// (`Content-Length: 0`), fact sheet §3.1.
pub(crate) fn challenge(key_file: &str) -> Response {
    Response::new(401).header("WWW-Authenticate", format!("Basic realm={key_file}")).header("Content-Length", "0").with_body("")
}
