//! Blob Storage with Entra authorization: `x-ms-version`, token validation, data roles and
//! its XML error bodies (fact sheet §6.2).

use crate::model::arm::Resource;
use crate::model::hosts::Host;
use crate::model::http::{Request, Response};
use crate::model::rbac::{AccessRequest, Decision, short_action};
use crate::model::servers::{Authn, Service};
use crate::model::time::SimTime;
use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::verify::Rejection;
use crate::model::world::World;
use crate::model::world::{Draft, WireError};
use crate::model::trace::StepKind;
use crate::model::sdk::Auth;

/// Every audience an account's Blob endpoint accepts: the global forms and its own
/// account-scoped resource ID, `https://<account>.blob.core.windows.net`, with and without the
/// trailing slash ("Authorize access to blobs using Microsoft Entra ID": resource IDs). Another
/// account's endpoint, or this account's queue endpoint, is a wrong audience.
pub(crate) fn blob_audiences(account: &str) -> Vec<String> {
    let host = format!("https://{}.blob.core.windows.net", account.to_ascii_lowercase());
    Service::Storage.audiences().iter().map(|a| a.to_string()).chain([format!("{host}/"), host]).collect()
}

impl World {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn storage_blob(&mut self, h: &Host, acct: &Resource, method: &str, container: &str, blob: &str, version: Option<&str>, auth: Auth) {
        let app = self.p_app(h);
        let st = self.p_server(acct);
        let Some(token) = self.bearer_for(h, auth, Service::Storage, Service::Storage.resource()) else { return };
        let tenant = self.tenant_of(&acct.id).to_string();
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
        let s = self.push(Draft::runtime(app, st, format!("{method} /{container}/{blob}")).request(req).fidelity(Fidelity::Documented).source("fact sheet §6.2").explain(format!("The code {} the blob with a bearer token. Entra authorization of Blob requests needs x-ms-version 2017-11-09 or later and HTTPS.", if method == "GET" { "reads" } else { "writes" })));
        s.jwt = token.clone();
        if let (Some(t), false) = (&token, matches!(auth, Auth::Scripted(_))) {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::Storage), (t.clone(), self.now));
        }
        let rid = self.rng.guid();
        let time = self.now.iso().replace('Z', ".0000000Z");
        let answer = |e: StorageError| Draft::runtime(st, app, e.label()).error(&WithIds { error: &e, request_id: &rid, time: &time, tenant: &tenant });
        if token.is_none() {
            self.push(answer(StorageError::NoAuthenticationInformation).source("fact sheet §6.2").explain("No token was sent; Storage answers with a bearer challenge."));
            return;
        }
        if version.is_none_or(|v| v < "2017-11-09") {
            let s = self.push(answer(StorageError::BearerNotSupported).source("fact sheet §6.2, golden check 25").explain(format!("{} Storage only understands Bearer tokens from service version 2017-11-09 on, so it fails before even reading the token. SDKs always send a recent x-ms-version; hand-written REST calls forget it.", match version { None => "The request has no x-ms-version header.".to_string(), Some(v) => format!("x-ms-version {v} is older than 2017-11-09.") })));
            s.decision = Some(Decision::new(false, "Bearer not supported in this service version", vec!["✗ x-ms-version must be 2017-11-09 or later for Entra ID authorization.".into()], Some("Send x-ms-version: 2021-08-06 (or any version ≥ 2017-11-09).".into())));
            return;
        }
        let (claims, validation) = match self.authenticate(&req_sent, &tenant, &blob_audiences(&acct.name).iter().map(String::as_str).collect::<Vec<_>>()) {
            Authn::Valid(c, v) => (c, v),
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let s = self.push(answer(StorageError::InvalidAuthenticationInfo(rej.clone())).source("fact sheet §6.2, golden check 28").explain(format!("Storage rejects the token itself: {}.", rej.explain())));
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
            let s = self.push(answer(StorageError::AuthorizationPermissionMismatch).source("fact sheet §6.2, golden checks 26–27").explain(format!("Authenticated but not authorized: {plabel} has no data role allowing '{}' on this container. Owner, Contributor and Reader manage the account (control plane) but never grant blob data access; a Storage Blob Data role is needed.", short_action(action))));
            s.decision = Some(d);
            return;
        }
        let acct_now = self.resources.get(&acct.id.to_ascii_lowercase()).cloned().unwrap_or_else(|| acct.clone());
        if method == "PUT" {
            if let Some(r) = self.resources.get_mut(&acct.id.to_ascii_lowercase()) {
                r.data.containers.entry(container.to_string()).or_default().insert(blob.to_string(), "new content".into());
            }
            let resp = Response::new(201).header("x-ms-request-id", rid.clone()).header("x-ms-version", version.unwrap_or_default()).header("Content-Length", "0");
            let s = self.push(Draft::runtime(st, app, "201 Created").response(resp).fidelity(Fidelity::Documented).source("fact sheet §6.2").explain(format!("The blob is written. {}", d.summary)));
            s.decision = Some(d);
            s.changes.push(Change { op: ChangeOp::Updated, area: "storage".into(), what: format!("{}/{container}/{blob}", acct.name) });
            return;
        }
        let Some(content) = acct_now.data.containers.get(container).and_then(|c| c.get(blob)).cloned() else {
            let s = self.push(answer(StorageError::BlobNotFound).source("fact sheet §6.2").explain("Access is allowed, but there is no such blob."));
            s.decision = Some(d);
            return;
        };
        let resp = Response::new(200).header("Content-Type", "text/plain").header("Content-Length", content.len().to_string()).header("x-ms-request-id", rid.clone()).header("x-ms-version", version.unwrap_or_default()).header("x-ms-blob-type", "BlockBlob").with_body(content);
        let s = self.push(Draft::runtime(st, app, "200 blob content").response(resp).fidelity(Fidelity::Documented).source("fact sheet §6.2, golden check 27").explain(format!("Storage validated the token and the data role: {}.", d.summary)));
        s.decision = Some(d);
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

/// Every error Blob Storage answers in the model: an XML `<Error>` with `Code`, `Message`
/// (ending with the request id and time) and, for authentication failures,
/// `AuthenticationErrorDetail`; the code again in `x-ms-error-code` (fact sheet §6.2,
/// golden checks 25–28: the version, permission, lifetime and audience texts are captured;
/// the other details are modelled in the same IdentityModel wording).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StorageError {
    /// 401 with a bearer challenge: no token.
    NoAuthenticationInformation,
    /// 403: `x-ms-version` missing or older than 2017-11-09.
    BearerNotSupported,
    /// 401 with a bearer challenge: the token failed a check.
    InvalidAuthenticationInfo(Rejection),
    /// 403: a valid token without a data role allowing the action.
    AuthorizationPermissionMismatch,
    /// 404: no such blob.
    BlobNotFound,
}

impl StorageError {
    /// The step's label.
    pub(crate) fn label(&self) -> String {
        match self {
            StorageError::BearerNotSupported => "403 AuthenticationFailed (x-ms-version)".into(),
            StorageError::InvalidAuthenticationInfo(r) => format!("401 InvalidAuthenticationInfo ({})", r.check().name()),
            e => format!("{} {}", e.status(), e.code()),
        }
    }
    fn status(&self) -> u16 {
        match self {
            StorageError::NoAuthenticationInformation | StorageError::InvalidAuthenticationInfo(_) => 401,
            StorageError::BearerNotSupported | StorageError::AuthorizationPermissionMismatch => 403,
            StorageError::BlobNotFound => 404,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            StorageError::NoAuthenticationInformation => "NoAuthenticationInformation",
            StorageError::BearerNotSupported => "AuthenticationFailed",
            StorageError::InvalidAuthenticationInfo(_) => "InvalidAuthenticationInfo",
            StorageError::AuthorizationPermissionMismatch => "AuthorizationPermissionMismatch",
            StorageError::BlobNotFound => "BlobNotFound",
        }
    }
    fn message(&self) -> &'static str {
        match self {
            StorageError::NoAuthenticationInformation | StorageError::InvalidAuthenticationInfo(_) => "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
            StorageError::BearerNotSupported => "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
            StorageError::AuthorizationPermissionMismatch => "This request is not authorized to perform this operation using this permission.",
            StorageError::BlobNotFound => "The specified blob does not exist.",
        }
    }
    /// `AuthenticationErrorDetail`, and whether its text is captured.
    fn detail(&self) -> Option<(&'static str, Fidelity)> {
        match self {
            StorageError::BearerNotSupported => Some(("Authentication scheme Bearer is not supported in this version.", Fidelity::Documented)),
            StorageError::InvalidAuthenticationInfo(r) => Some(match r {
                Rejection::Audience { .. } => ("Audience validation failed. Audience did not match.", Fidelity::Documented),
                Rejection::Expired { .. } => ("Lifetime validation failed. The token is expired.", Fidelity::Documented),
                Rejection::NotYetValid { .. } => ("Lifetime validation failed. The token is not yet valid.", Fidelity::Modelled),
                Rejection::Issuer { .. } => ("Issuer validation failed. Issuer did not match.", Fidelity::Modelled),
                Rejection::UnknownKey { .. } | Rejection::BadSignature { .. } | Rejection::Algorithm { .. } => ("Signature validation failed. Signature is invalid.", Fidelity::Modelled),
                Rejection::Malformed { .. } => ("Token is malformed.", Fidelity::Modelled),
            }),
            _ => None,
        }
    }
}

/// A Storage error with what its response carries besides the error: the request id, the
/// time (`Time:` line) and the tenant its challenge names.
struct WithIds<'a> {
    error: &'a StorageError,
    request_id: &'a str,
    time: &'a str,
    tenant: &'a str,
}

impl WireError for WithIds<'_> {
    fn response(&self) -> Response {
        let e = self.error;
        let (code, rid) = (e.code(), self.request_id);
        let d = e.detail().map(|(d, _)| format!("<AuthenticationErrorDetail>{d}</AuthenticationErrorDetail>")).unwrap_or_default();
        let body = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{}\nRequestId:{rid}\nTime:{}</Message>{d}</Error>", e.message(), self.time);
        let resp = Response::new(e.status()).header("Content-Type", "application/xml").header("Content-Length", body.len().to_string()).header("Server", "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0").header("x-ms-request-id", rid).header("x-ms-error-code", code).with_body(body);
        match e.status() {
            401 => resp.header("WWW-Authenticate", format!("Bearer authorization_uri=https://login.microsoftonline.com/{}/oauth2/authorize resource_id=https://storage.azure.com", self.tenant)),
            _ => resp,
        }
    }
    fn fidelity(&self) -> Fidelity {
        match self.error {
            StorageError::NoAuthenticationInformation | StorageError::BlobNotFound => Fidelity::Modelled,
            StorageError::InvalidAuthenticationInfo(_) => self.error.detail().map(|d| d.1).unwrap_or(Fidelity::Modelled),
            _ => Fidelity::Documented,
        }
    }
    fn kind(&self) -> Option<StepKind> {
        match self.error {
            StorageError::InvalidAuthenticationInfo(r) => Some(StepKind::TokenRefused(r.check())),
            StorageError::AuthorizationPermissionMismatch => Some(StepKind::AccessDenied),
            _ => None,
        }
    }
}
