//! ARM's error responses, each written here once: the envelope
//! `{"error":{"code":…,"message":…}}` as `application/json; charset=utf-8`, with the status,
//! the label a step shows (`"<status> <code>"`) and how sure we are of the bytes. Used by the
//! control plane (`gateway.rs`, `identity.rs`, `role_assignments.rs`) and by ARM as the target
//! of application code (`servers/arm_api.rs`). Sources: fact sheet §6.4 and §7.3 ("Resolve
//! errors for resource provider registration", "Troubleshoot Azure RBAC"), golden checks 29–30.

use crate::model::http::Response;
use crate::model::time::SimTime;
use crate::model::trace::{Fidelity, StepKind};
use crate::model::verify::Rejection;

/// Every error ARM answers in the model.
#[derive(Clone, Debug, PartialEq)]
pub enum ArmError {
    /// 401 `AuthenticationFailed`: no `Authorization` header (modelled text).
    MissingAuthorization,
    /// 401 for a token that failed a check; `tenant` is the subscription's tenant.
    Unauthorized {
        /// The failing check.
        rejection: Rejection,
        /// The subscription's tenant id.
        tenant: String,
    },
    /// 403 `AuthorizationFailed` (golden check 30). `client` is how ARM names the caller
    /// (a user's UPN, a service principal's object id); `gateway` adds the
    /// `x-ms-failure-cause: gateway` header control-plane denials carry.
    AuthorizationFailed {
        /// The caller as ARM names it.
        client: String,
        /// The caller's object id.
        oid: String,
        /// The action denied, e.g. `Microsoft.Compute/virtualMachines/write`.
        action: String,
        /// The scope of the request.
        scope: String,
        /// A control-plane denial at ARM's gateway.
        gateway: bool,
    },
    /// 400 `InvalidIdentityType`: an identity type the resource type does not support.
    InvalidIdentityType {
        /// The message.
        message: &'static str,
    },
    /// 400 `PrincipalNotFound`: a role assignment without `principalType` for a principal the
    /// directory replica ARM reads does not have (yet).
    PrincipalNotFound {
        /// The principal's object id (ARM prints it without dashes).
        principal_id: String,
        /// The tenant ARM looked in.
        tenant: String,
    },
    /// 400 `NoRegisteredProviderFound`: an `api-version` the resource type does not register.
    NoRegisteredProvider {
        /// The ARM type, e.g. `Microsoft.Compute/virtualMachines`.
        arm_type: String,
        /// The version asked for.
        api_version: String,
        /// The resource's location.
        location: String,
        /// The versions the type has, newest first.
        supported: &'static [&'static str],
    },
    /// 404: nothing at the path (`SubscriptionNotFound`, `ResourceGroupNotFound`,
    /// `ResourceNotFound`, `InvalidResourceNamespace`).
    NotFound {
        /// The error code.
        code: &'static str,
        /// The message.
        message: String,
    },
}

impl crate::model::world::WireError for ArmError {
    fn response(&self) -> Response {
        ArmError::response(self)
    }
    fn fidelity(&self) -> Fidelity {
        ArmError::fidelity(self)
    }
    fn kind(&self) -> Option<StepKind> {
        ArmError::kind(self)
    }
}

impl ArmError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ArmError::MissingAuthorization | ArmError::Unauthorized { .. } => 401,
            ArmError::AuthorizationFailed { .. } => 403,
            ArmError::InvalidIdentityType { .. } | ArmError::PrincipalNotFound { .. } | ArmError::NoRegisteredProvider { .. } => 400,
            ArmError::NotFound { .. } => 404,
        }
    }

    /// The `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ArmError::MissingAuthorization => "AuthenticationFailed",
            ArmError::Unauthorized { rejection, .. } => match rejection {
                Rejection::Audience { .. } => "InvalidAuthenticationTokenAudience",
                Rejection::Expired { .. } => "ExpiredAuthenticationToken",
                Rejection::Issuer { .. } => "InvalidAuthenticationTokenTenant",
                _ => "InvalidAuthenticationToken",
            },
            ArmError::AuthorizationFailed { .. } => "AuthorizationFailed",
            ArmError::InvalidIdentityType { .. } => "InvalidIdentityType",
            ArmError::PrincipalNotFound { .. } => "PrincipalNotFound",
            ArmError::NoRegisteredProvider { .. } => "NoRegisteredProviderFound",
            ArmError::NotFound { code, .. } => code,
        }
    }

    /// The `error.message`.
    pub fn message(&self) -> String {
        match self {
            ArmError::MissingAuthorization => "Authentication failed. The 'Authorization' header is missing.".into(),
            ArmError::Unauthorized { rejection, tenant } => match rejection {
                Rejection::Audience { found, .. } => format!("The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences {}.", found.clone().unwrap_or_default(), crate::model::servers::Service::Arm.audiences().iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(",")),
                Rejection::Expired { exp, now } => format!("The access token expiry UTC time '{}' is earlier than current UTC time '{}'.", SimTime(*exp).us_date_time(), now.us_date_time()),
                Rejection::Issuer { found, .. } => format!("The access token is from the wrong issuer '{}'. It must match the tenant 'https://sts.windows.net/{tenant}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{tenant}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.", found.clone().unwrap_or_default()),
                _ => "The access token is invalid.".into(),
            },
            ArmError::AuthorizationFailed { client, oid, action, scope, .. } => format!("The client '{client}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
            ArmError::InvalidIdentityType { message } => message.to_string(),
            ArmError::PrincipalNotFound { principal_id, tenant } => format!("Principal {} does not exist in the directory {tenant}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype", principal_id.replace('-', "")),
            ArmError::NoRegisteredProvider { arm_type, api_version, location, supported } => format!("No registered resource provider found for location '{location}' and API version '{api_version}' for type '{}'. The supported api-versions are '{}'. The supported locations are '{location}'.", arm_type.rsplit_once('/').map(|x| x.1).unwrap_or(arm_type), supported.join(", ")),
            ArmError::NotFound { message, .. } => message.clone(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code(), "message": self.message()}})
    }

    /// The whole response.
    pub fn response(&self) -> Response {
        let resp = Response::new(self.status()).json("application/json; charset=utf-8", self.body().to_string());
        match self {
            ArmError::AuthorizationFailed { gateway: true, .. } => resp.header("x-ms-failure-cause", "gateway"),
            _ => resp,
        }
    }

    /// The step's label: status and code.
    pub fn label(&self) -> String {
        format!("{} {}", self.status(), self.code())
    }

    /// Documented (the text is captured or in the docs) or modelled.
    pub fn fidelity(&self) -> Fidelity {
        match self {
            ArmError::Unauthorized { rejection: Rejection::Audience { .. }, .. } | ArmError::AuthorizationFailed { .. } | ArmError::PrincipalNotFound { .. } => Fidelity::Documented,
            _ => Fidelity::Modelled,
        }
    }

    /// What the step is, where the message alone does not say it.
    pub fn kind(&self) -> Option<StepKind> {
        match self {
            ArmError::MissingAuthorization | ArmError::InvalidIdentityType { .. } => None,
            ArmError::Unauthorized { rejection, .. } => Some(StepKind::TokenRefused(rejection.check())),
            ArmError::AuthorizationFailed { .. } => Some(StepKind::AccessDenied),
            e => Some(StepKind::ServiceError { status: e.status() }),
        }
    }
}
