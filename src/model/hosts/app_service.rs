//! App Service and Functions: the local `IDENTITY_ENDPOINT` checked with `X-IDENTITY-HEADER`
//! (fact sheet §2).

use crate::model::arm::{AppServiceOs, IdentityRef, Resource};
use crate::model::hosts::{Answer, EndpointError, APPSVC_ENDPOINT, Host, JSON_UTF8, Source};
use crate::model::http::{build_query, Request, Response};
use crate::model::time::SimTime;
use crate::model::world::World;
use crate::model::world::Pid;

impl World {
    pub(crate) fn appservice_request(&self, h: &Host, resource: &str, wanted: Option<&IdentityRef>) -> Request {
        let ep = h.env.get("IDENTITY_ENDPOINT").cloned().unwrap_or_else(|| APPSVC_ENDPOINT.into());
        let mut q: Vec<(&str, &str)> = vec![("resource", resource), ("api-version", "2019-08-01")];
        let cid;
        if let Some(w) = wanted {
            cid = w.client_id.clone();
            q.push(("client_id", &cid));
        }
        Request::new("GET", format!("{ep}?{}", build_query(&q))).header("X-IDENTITY-HEADER", h.env.get("IDENTITY_HEADER").cloned().unwrap_or_default())
    }

    pub(crate) fn appservice_handle(&mut self, res: &Resource, req: &Request, ep: Pid) -> Answer {
        let corr = self.rng.guid();
        let err = |e: AppServiceError| Err(EndpointError::AppService(e, corr.clone()));
        let q = req.query();
        let get = |k: &str| q.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.clone());
        let api = get("api-version").unwrap_or_default();
        let secret = self.app_service_secrets.get(&res.name.to_ascii_lowercase()).map(|s| s.0.clone()).unwrap_or_default();
        let legacy = api == "2017-09-01";
        let presented = if legacy { req.header_value("secret") } else { req.header_value("X-IDENTITY-HEADER") };
        if presented != Some(secret.as_str()) {
            return err(AppServiceError::MissingIdentityHeader);
        }
        if api != "2019-08-01" && !legacy {
            return err(AppServiceError::UnsupportedApiVersion);
        }
        let Some(resource) = get("resource").filter(|r| !r.is_empty()) else { return err(AppServiceError::ResourceRequired) };
        let Some(res) = self.resources.get(&res.id.to_ascii_lowercase()).cloned() else { return err(AppServiceError::IdentityNotLoaded) };
        let sel = if legacy { get("clientid").map(|v| ("client_id", v)) } else { get("client_id").map(|v| ("client_id", v)).or_else(|| get("principal_id").or_else(|| get("object_id")).map(|v| ("principal_id", v))).or_else(|| get("mi_res_id").map(|v| ("mi_res_id", v))) };
        let ident = match sel {
            Some((k, v)) => res.system_assigned.iter().chain(res.user_assigned.values()).find(|i| match k {
                "client_id" => i.client_id.eq_ignore_ascii_case(&v),
                "principal_id" => i.principal_id.eq_ignore_ascii_case(&v),
                _ => i.mi_resource_id.eq_ignore_ascii_case(&v),
            }).cloned(),
            None => res.system_assigned.clone(),
        };
        let Some(ident) = ident else { return err(AppServiceError::IdentityNotLoaded) };
        let resp = self.endpoint_token(&res, ep, &ident, &resource, Source::AppService, &[]).map_err(|e| match e {
            EndpointError::Entra(r) => EndpointError::AppServiceRelay(r, corr.clone()),
            e => e,
        })?;
        if legacy && resp.status == 200 {
            // 2017-09-01: expires_on as a date-time string whose form depends on the plan's OS.
            let body = resp.body.clone().unwrap_or_default();
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&body) {
                let exp: u64 = v["expires_on"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
                v["expires_on"] = SimTime(exp).legacy_app_service(res.data.os == Some(AppServiceOs::Linux)).into();
                if let Some(o) = v.as_object_mut() {
                    o.remove("client_id");
                }
                return Ok(Response::new(200).json(JSON_UTF8, v.to_string()));
            }
        }
        Ok(resp)
    }
}

/// Why App Service's identity endpoint refuses a request (fact sheet §2; bodies modelled
/// on its `statusCode`/`message`/`correlationId` shape): written here and nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AppServiceError {
    /// 401: `X-IDENTITY-HEADER` missing or not the current `IDENTITY_HEADER`.
    MissingIdentityHeader,
    /// 400: an `api-version` other than 2019-08-01 (or the legacy 2017-09-01).
    UnsupportedApiVersion,
    /// 400: no `resource`.
    ResourceRequired,
    /// 400: the named identity is not on this app, or none is named and there is no
    /// system-assigned one.
    IdentityNotLoaded,
}

impl AppServiceError {
    /// The HTTP status.
    pub(crate) fn status(self) -> u16 {
        match self {
            AppServiceError::MissingIdentityHeader => 401,
            _ => 400,
        }
    }

    /// The `message` of the body.
    pub(crate) fn message(self) -> &'static str {
        match self {
            AppServiceError::MissingIdentityHeader => "The request is missing a valid X-IDENTITY-HEADER.",
            AppServiceError::UnsupportedApiVersion => "The api-version is not supported.",
            AppServiceError::ResourceRequired => "The resource parameter is required.",
            AppServiceError::IdentityNotLoaded => "Unable to load the proper Managed Identity.",
        }
    }

    /// The response, with the request's correlation id.
    pub(crate) fn response(self, corr: &str) -> Response {
        error_response(self.status(), self.message(), corr)
    }
}

/// App Service's identity endpoint's error body, `{"statusCode", "message", "correlationId"}`
/// with `Server: Kestrel` and `X-CORRELATION-ID`: for its own refusals and for Entra ID's,
/// which it passes on in this shape (fact sheet §2; modelled).
pub(crate) fn error_response(status: u16, message: &str, corr: &str) -> Response {
    Response::new(status).json(JSON_UTF8, serde_json::json!({"statusCode": status, "message": message, "correlationId": corr}).to_string()).header("Server", "Kestrel").header("X-CORRELATION-ID", corr)
}
