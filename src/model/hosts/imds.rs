//! IMDS, the Instance Metadata Service at 169.254.169.254 on VMs and scale sets (fact sheet §1):
//! request validation exactly as documented, identity selection, throttling.

use crate::model::arm::{IdentityRef, Resource};
use crate::model::hosts::{Answer, IMDS_TOKEN_PATH, JSON_UTF8, Source};
use crate::model::http::{Request, Response};
use crate::model::scenario::FaultKind;
use crate::model::world::World;
use crate::model::world::Pid;
use crate::model::world::timers::IMDS_REQUESTS_PER_SECOND;

impl World {
    /// IMDS: validates a request exactly as documented and answers it (emitting the
    /// token-service round trip on a cache miss): a token response, or why not.
    pub(crate) fn imds_handle(&mut self, res: &Resource, req: &Request, ep: Pid) -> Answer {
        let hk = format!("imds:{}", res.name.to_ascii_lowercase());
        match self.fault(&hk) {
            Some(FaultKind::Throttle) => return Err(ImdsError::Throttled.into()),
            Some(FaultKind::Updating) => return Err(ImdsError::Updating.into()),
            Some(FaultKind::Outage) => return Err(ImdsError::Unavailable.into()),
            None => {}
        }
        if req.method != "GET" {
            return Err(ImdsError::MethodNotAllowed.into());
        }
        // One trailing slash is the same path: msal-node (7.x) canonicalizes the URL it builds
        // from AZURE_POD_IDENTITY_AUTHORITY_HOST to `…/oauth2/token/` (seen under `mip serve`),
        // and IMDS serves it (inferred: @azure/identity depends on it in AKS pod identity).
        let path = req.path().strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(req.path()).to_string();
        let metadata = req.header_value("Metadata");
        if metadata != Some("true") {
            return Err(ImdsError::MissingMetadata.into());
        }
        if req.header_count("X-Forwarded-For") > 0 {
            return Err(ImdsError::ForwardedFor.into());
        }
        let q = req.query();
        let mut seen = std::collections::BTreeSet::new();
        if q.iter().any(|(k, _)| !seen.insert(k.to_ascii_lowercase())) {
            return Err(ImdsError::DuplicateQuery.into());
        }
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if path.eq_ignore_ascii_case("/metadata/identity/info") {
            if get("api-version").is_none() {
                return Err(ImdsError::BadApiVersion.into());
            }
            return Ok(Response::new(200).json(JSON_UTF8, format!(r#"{{"tenantId":"{}"}}"#, self.directory.tenant_id)).header("Server", IMDS_SERVER));
        }
        if !path.eq_ignore_ascii_case(IMDS_TOKEN_PATH) {
            return Err(ImdsError::PathNotFound.into());
        }
        if get("api-version").is_none() {
            return Err(ImdsError::BadApiVersion.into());
        }
        let Some(resource) = get("resource").filter(|r| !r.is_empty()) else {
            return Err(ImdsError::MissingResource.into());
        };
        let selectors: Vec<(String, String)> = q.iter().filter(|(k, _)| k == "client_id" || k == "object_id" || k == "msi_res_id").cloned().collect();
        if selectors.len() > 1 {
            return Err(ImdsError::SeveralSelectors.into());
        }
        // Throttling: 20 requests per second and 5 at once per VM (fact sheet §1.5).
        let window = self.imds_requests.entry(res.name.to_ascii_lowercase()).or_default();
        let now = self.now;
        window.retain(|t| t.0 == now.0);
        window.push(now);
        if window.len() > IMDS_REQUESTS_PER_SECOND {
            return Err(ImdsError::Throttled.into());
        }
        // Identity selection (fact sheet §1.2).
        let Some(res) = self.resources.get(&res.id.to_ascii_lowercase()).cloned() else {
            return Err(ImdsError::IdentityNotFound.into());
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
                    None => return Err(ImdsError::IdentityNotFound.into()),
                }
            }
            None => match (&res.system_assigned, res.user_assigned.len()) {
                (Some(s), _) => s.clone(),
                (None, 1) => res.user_assigned.values().next().cloned().expect("one entry"),
                (None, 0) => return Err(ImdsError::IdentityNotFound.into()),
                (None, _) => {
                    return Err(ImdsError::MultipleUserAssigned.into())
                }
            },
        };
        let echo: Vec<(String, String)> = selectors.clone();
        self.endpoint_token(&res, ep, &ident, &resource, Source::Imds, &echo)
    }
}

/// IMDS's value of the `Server` header.
pub(crate) const IMDS_SERVER: &str = "IMDS/150.870.65.1854";

/// Why IMDS refuses a token request (fact sheet §1.4, §1.5): each refusal's status and
/// body are written here and nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImdsError {
    /// 429: over 20 requests per second (or 5 at once) on this VM, or an injected throttle.
    Throttled,
    /// 410: IMDS is being updated (back within 70 seconds).
    Updating,
    /// 503: IMDS is unavailable (injected outage).
    Unavailable,
    /// 405: a method other than GET.
    MethodNotAllowed,
    /// 400: no `Metadata: true` header (the SSRF defence).
    MissingMetadata,
    /// 400: an `X-Forwarded-For` header (the request looks proxied).
    ForwardedFor,
    /// 400: a query parameter given twice.
    DuplicateQuery,
    /// 400: no (or an unknown) `api-version`.
    BadApiVersion,
    /// 404: no such path.
    PathNotFound,
    /// 400: no `resource`.
    MissingResource,
    /// 400: more than one of `client_id`, `object_id`, `msi_res_id`.
    SeveralSelectors,
    /// 400: no identity on this resource matches the request.
    IdentityNotFound,
    /// 400: several user-assigned identities, no system-assigned one, and none named.
    MultipleUserAssigned,
}

impl ImdsError {
    /// The HTTP status.
    pub(crate) fn status(self) -> u16 {
        match self {
            ImdsError::Throttled => 429,
            ImdsError::Updating => 410,
            ImdsError::Unavailable => 503,
            ImdsError::MethodNotAllowed => 405,
            ImdsError::PathNotFound => 404,
            _ => 400,
        }
    }

    /// The OAuth-style `error` code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            ImdsError::Throttled => "too_many_requests",
            ImdsError::Updating | ImdsError::Unavailable => "service_unavailable",
            ImdsError::MethodNotAllowed => "method_not_allowed",
            ImdsError::PathNotFound => "not_found",
            ImdsError::BadApiVersion => "Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds",
            _ => "invalid_request",
        }
    }

    /// The `error_description` (`None`: the api-version refusal has none).
    pub(crate) fn description(self) -> Option<&'static str> {
        Some(match self {
            ImdsError::Throttled => "Too many requests",
            ImdsError::Updating => "IMDS is updating; available within 70 seconds",
            ImdsError::Unavailable => "Service unavailable",
            ImdsError::MethodNotAllowed => "Method not allowed",
            ImdsError::MissingMetadata => "Required metadata header not specified",
            ImdsError::ForwardedFor => "Request contains X-Forwarded-For header",
            ImdsError::DuplicateQuery => "Duplicate query parameter",
            ImdsError::BadApiVersion => return None,
            ImdsError::PathNotFound => "Not found",
            ImdsError::MissingResource => "Required query variable 'resource' is missing",
            ImdsError::SeveralSelectors => "Only one of client_id, object_id or msi_res_id may be specified",
            ImdsError::IdentityNotFound => "Identity not found",
            ImdsError::MultipleUserAssigned => "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request",
        })
    }

    /// The JSON body, as IMDS writes it (compact; the api-version refusal lists the newest versions).
    pub(crate) fn body(self) -> String {
        match self.description() {
            Some(d) => format!(r#"{{"error":"{}","error_description":"{d}"}}"#, self.code()),
            None => format!(r#"{{"error":"{}","newest-versions":["2023-07-01","2021-12-13","2021-05-01"]}}"#, self.code()),
        }
    }
}
