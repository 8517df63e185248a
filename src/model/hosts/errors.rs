//! What a host's token endpoint refused, as one type for the SDK and the diagram: IMDS's
//! and App Service's own refusals and Entra ID's, passed on. A step's label, fidelity and
//! explanation derive from it here, never from the body's text.

use crate::model::entra::token_service::EntraRefusal;
use crate::model::hosts::app_service::{self, AppServiceError};
use crate::model::hosts::imds::{ImdsError, IMDS_SERVER};
use crate::model::hosts::JSON_UTF8;
use crate::model::http::Response;

/// A token endpoint's answer: a response with a token (or IMDS's identity info), or a
/// typed refusal.
pub(crate) type Answer = Result<Response, EndpointError>;

/// Why a host's token endpoint did not return a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EndpointError {
    /// IMDS (or Azure Arc's HIMDS, which answers the same way) refused the request.
    Imds(ImdsError),
    /// App Service's identity endpoint refused it (with the request's correlation id).
    AppService(AppServiceError, String),
    /// Entra ID refused to issue the token; IMDS (or HIMDS) passes the error on.
    Entra(EntraRefusal),
    /// Entra ID refused to issue the token; App Service's endpoint passes it on in its own
    /// body shape (with the request's correlation id).
    AppServiceRelay(EntraRefusal, String),
}

impl From<ImdsError> for EndpointError {
    fn from(e: ImdsError) -> EndpointError {
        EndpointError::Imds(e)
    }
}

impl EndpointError {
    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        match self {
            EndpointError::Imds(e) => e.status(),
            EndpointError::AppService(e, _) => e.status(),
            EndpointError::Entra(e) | EndpointError::AppServiceRelay(e, _) => e.status(),
        }
    }

    /// The response on the wire. `himds`: Azure Arc's HIMDS, which sends no `Server` header
    /// with its refusals; IMDS sends its `Server` header with every answer, its own
    /// refusals and Entra ID's alike. App Service writes Entra ID's refusal in its own
    /// `statusCode`/`message`/`correlationId` body, which is what its clients parse (MSAL's
    /// App Service source reads `message`, not `error_description`).
    pub(crate) fn response(&self, himds: bool) -> Response {
        match self {
            EndpointError::Imds(e) if himds => Response::new(e.status()).json(JSON_UTF8, e.body()),
            EndpointError::Imds(e) => Response::new(e.status()).json(JSON_UTF8, e.body()).header("Server", IMDS_SERVER),
            EndpointError::AppService(e, corr) => e.response(corr),
            EndpointError::Entra(e) if himds => e.response(),
            EndpointError::Entra(e) => e.response().header("Server", IMDS_SERVER),
            EndpointError::AppServiceRelay(e, corr) => app_service::error_response(e.status(), e.description(), corr),
        }
    }

    /// The error text the SDK's exception carries (IMDS's `error_description`, App
    /// Service's `message`), `None` when the body has none.
    pub(crate) fn description(&self) -> Option<&str> {
        match self {
            EndpointError::Imds(e) => e.description(),
            EndpointError::AppService(e, _) => Some(e.message()),
            EndpointError::Entra(e) | EndpointError::AppServiceRelay(e, _) => Some(e.description()),
        }
    }

    /// Whether the fact sheet confirms the exact bytes (otherwise they are modelled).
    pub(crate) fn documented(&self) -> bool {
        matches!(
            self,
            EndpointError::Imds(ImdsError::MissingMetadata | ImdsError::IdentityNotFound | ImdsError::MultipleUserAssigned)
                | EndpointError::AppService(AppServiceError::IdentityNotLoaded, _)
                | EndpointError::Entra(EntraRefusal::ServicePrincipalGone)
        )
    }

    /// What the refusal means for the learner.
    pub(crate) fn explanation(&self) -> String {
        use EndpointError::*;
        match self {
            Imds(ImdsError::MissingMetadata) => "IMDS refuses any request without `Metadata: true`. A browser or a server-side request forgery (SSRF) cannot add that header, so an attacker who makes your app fetch http://169.254.169.254/… gets this error instead of a token.".into(),
            Imds(ImdsError::IdentityNotFound) | Entra(EntraRefusal::ServicePrincipalGone) => "IMDS has no identity matching the request: the client_id / object_id / msi_res_id is not assigned to this VM, or the VM has no identity at all (maybe it was detached, deleted, or has not propagated yet).".into(),
            Imds(ImdsError::MultipleUserAssigned) => "The VM has no system-assigned identity and several user-assigned ones, so IMDS cannot guess which one you mean. Pass client_id, object_id or msi_res_id (in the SDK: ManagedIdentityCredential(clientId) or AZURE_CLIENT_ID for DefaultAzureCredential).".into(),
            AppService(AppServiceError::IdentityNotLoaded, _) => "The App Service identity endpoint cannot find the requested identity on this app: the client_id is not attached, or no identity was named and there is no system-assigned one.".into(),
            Imds(ImdsError::ForwardedFor) => "IMDS rejects requests that carry X-Forwarded-For: they look proxied, which is how SSRF attacks arrive. The documents say only that such requests are rejected; the status and body here are modelled.".into(),
            Entra(EntraRefusal::UnknownResource(_)) => "Entra ID does not know that resource, and IMDS passes the error on.".into(),
            AppServiceRelay(e, _) => format!("{} App Service's endpoint passes Entra ID's refusal on in its own body (statusCode, message, correlationId), the shape its clients parse. (Body modelled.)", Entra(e.clone()).explanation()),
            AppService(AppServiceError::MissingIdentityHeader, _) => "The App Service endpoint checks X-IDENTITY-HEADER against IDENTITY_HEADER, which the platform rotates; a missing or stale value is rejected. (Status and body not documented; modelled.)".into(),
            Imds(ImdsError::Throttled) => "Too many requests: IMDS allows 20 managed-identity requests per second and 5 at once per VM. Retry with back-off. (Body not documented; modelled.)".into(),
            Imds(ImdsError::Updating) => "IMDS is being updated and will be back within 70 seconds; clients retry.".into(),
            Imds(ImdsError::PathNotFound) => "Not found: either the path is wrong or IMDS is updating. 404 is retryable for IMDS.".into(),
            e if e.status() >= 500 => "A transient server error; safe to retry after at least a second.".into(),
            e => format!("The endpoint answered {}.", e.status()),
        }
    }
}

/// An answer as it goes on the wire, with what was refused. `himds`: Azure Arc's HIMDS
/// answered (its refusals carry no `Server` header).
pub(crate) fn on_wire(answer: Answer, himds: bool) -> (Response, Option<EndpointError>) {
    match answer {
        Ok(r) => (r, None),
        Err(e) => (e.response(himds), Some(e)),
    }
}
