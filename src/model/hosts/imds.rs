//! IMDS, the Instance Metadata Service at 169.254.169.254 on VMs and scale sets (fact sheet §1):
//! request validation exactly as documented, identity selection, throttling.

use crate::model::arm::{IdentityRef, Resource};
use crate::model::hosts::{IMDS_TOKEN_PATH, JSON_UTF8, Source};
use crate::model::http::{Request, Response};
use crate::model::scenario::FaultKind;
use crate::model::world::World;
use crate::model::world::Pid;

impl World {
    /// IMDS: validates a request exactly as documented and answers it (emitting the
    /// token-service round trip on a cache miss).
    pub(crate) fn imds_handle(&mut self, res: &Resource, req: &Request, ep: Pid) -> Response {
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
        let path = req.path().to_string();
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
}
