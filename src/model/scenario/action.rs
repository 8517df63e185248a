//! The script: one `Action` per step a learner scripts (control-plane operations by an
//! operator, runtime calls by code on a host, the clock).

use crate::model::http::{BlobMethod, HttpMethod};
use crate::model::time::Duration;
use super::world::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One scripted action. `by` names the operator for control-plane actions; `host` names
/// the compute resource (or laptop) whose code runs a runtime action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "camelCase", deny_unknown_fields)]
pub enum Action {
    /// Turn on the system-assigned identity of a resource (ARM PATCH `identity.type`).
    #[serde(rename_all = "camelCase")]
    EnableSystemAssigned {
        /// Operator.
        by: String,
        /// Resource name.
        resource: String,
    },
    /// Turn off the system-assigned identity (its service principal is deleted).
    #[serde(rename_all = "camelCase")]
    DisableSystemAssigned {
        /// Operator.
        by: String,
        /// Resource name.
        resource: String,
    },
    /// Create a `Microsoft.ManagedIdentity/userAssignedIdentities` resource.
    #[serde(rename_all = "camelCase")]
    CreateUserAssignedIdentity {
        /// Operator.
        by: String,
        /// Identity name.
        name: String,
        /// Resource group name.
        resource_group: String,
    },
    /// Delete a user-assigned identity (attachments and role assignments stay behind).
    #[serde(rename_all = "camelCase")]
    DeleteUserAssignedIdentity {
        /// Operator.
        by: String,
        /// Identity name.
        name: String,
    },
    /// Attach a user-assigned identity to a resource.
    #[serde(rename_all = "camelCase")]
    AttachUserAssignedIdentity {
        /// Operator.
        by: String,
        /// Resource name.
        resource: String,
        /// Identity name.
        identity: String,
    },
    /// Detach a user-assigned identity from a resource (`userAssignedIdentities: {id: null}`).
    #[serde(rename_all = "camelCase")]
    DetachUserAssignedIdentity {
        /// Operator.
        by: String,
        /// Resource name.
        resource: String,
        /// Identity name.
        identity: String,
    },
    /// A raw ARM PATCH of the `identity` block.
    #[serde(rename_all = "camelCase")]
    PatchIdentity {
        /// Operator.
        by: String,
        /// Resource name.
        resource: String,
        /// The new identity block.
        #[serde(deserialize_with = "crate::model::strict::object")]
        identity: IdentityBlock,
    },
    /// Create a role assignment.
    #[serde(rename_all = "camelCase")]
    CreateRoleAssignment {
        /// Operator.
        by: String,
        /// Principal reference.
        principal_id: String,
        /// Role name or id.
        role_definition_id: String,
        /// Scope reference.
        scope: String,
        /// `principalType` sent in the request body (`ServicePrincipal` for a managed
        /// identity). When given, ARM stores it without looking the principal up, so a
        /// principal that has not replicated yet is no error; when absent, ARM looks the
        /// principal up and a new one may give 400 `PrincipalNotFound` (fact sheet §7.3).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        principal_type: Option<PrincipalType>,
    },
    /// Delete a role assignment.
    #[serde(rename_all = "camelCase")]
    DeleteRoleAssignment {
        /// Operator.
        by: String,
        /// Principal reference.
        principal_id: String,
        /// Role name or id.
        role_definition_id: String,
        /// Scope reference.
        scope: String,
    },
    /// Add a member to a group.
    #[serde(rename_all = "camelCase")]
    AddGroupMember {
        /// Operator.
        by: String,
        /// Group name.
        group: String,
        /// Member reference.
        member: String,
    },
    /// Add, replace or (with no permissions) remove a Key Vault access policy.
    #[serde(rename_all = "camelCase")]
    SetAccessPolicy {
        /// Operator.
        by: String,
        /// Vault name.
        vault: String,
        /// Principal reference.
        object_id: String,
        /// Secret permissions; empty removes the policy.
        #[serde(default)]
        secrets: Vec<String>,
    },
    /// Switch a vault between access policies and Azure RBAC.
    #[serde(rename_all = "camelCase")]
    SetVaultPermissionModel {
        /// Operator.
        by: String,
        /// Vault name.
        vault: String,
        /// `true` for Azure RBAC, `false` for access policies.
        enable_rbac_authorization: bool,
    },
    /// Delete a resource (a VM, an app …).
    #[serde(rename_all = "camelCase")]
    DeleteResource {
        /// Operator.
        by: String,
        /// Resource name.
        resource: String,
    },
    /// Move the virtual clock forward.
    #[serde(rename_all = "camelCase")]
    AdvanceClock {
        /// How far: `90s`, `10m`, `24h`, `45d`.
        duration: Duration,
    },
    /// The code asks its credential for a token (`credential.GetToken(scope)`).
    #[serde(rename_all = "camelCase")]
    GetToken {
        /// Host name.
        host: String,
        /// Resource (audience), e.g. `https://vault.azure.net`.
        resource: String,
    },
    /// The code sends a hand-made HTTP request to the host's token endpoint (curl style).
    #[serde(rename_all = "camelCase")]
    TokenRequest {
        /// Host name.
        host: String,
        /// HTTP method.
        #[serde(default)]
        method: HttpMethod,
        /// Path (defaults to the endpoint's token path).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        /// Query parameters as `[name, value]` pairs, in order (values unencoded); values may
        /// use `$clientId:NAME`, `$principalId:NAME` and `$resourceId:NAME`.
        #[serde(default)]
        #[schemars(example = query_example())]
        query: Vec<(String, String)>,
        /// Headers as `[name, value]` pairs, in order; `$IDENTITY_HEADER` expands to the
        /// host's secret.
        #[serde(default)]
        #[schemars(example = headers_example())]
        headers: Vec<(String, String)>,
        /// How many identical requests to send at once (throttling demos).
        #[serde(default = "one")]
        repeat: u32,
    },
    /// The code reads a Key Vault secret.
    #[serde(rename_all = "camelCase")]
    GetSecret {
        /// Host name.
        host: String,
        /// Vault name.
        vault: String,
        /// Secret name.
        secret: String,
        /// Token to send: `sdk` (the credential, with Key Vault's challenge first), `none`,
        /// or a resource URI to request a token for (a deliberate audience mistake).
        #[serde(default = "default_auth")]
        auth: AuthChoice,
        /// A token to send instead of asking the credential (replay and tampering); when
        /// set, `auth` is not used.
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::model::strict::optional_object")]
        token: Option<TokenSource>,
    },
    /// The code reads or writes a blob.
    #[serde(rename_all = "camelCase")]
    BlobRequest {
        /// Host name.
        host: String,
        /// `GET` (read) or `PUT` (write).
        #[serde(default)]
        method: BlobMethod,
        /// Storage account name.
        account: String,
        /// Container.
        container: String,
        /// Blob.
        blob: String,
        /// `x-ms-version` header; `null` to omit it.
        #[serde(default = "default_ms_version")]
        x_ms_version: Option<String>,
        /// As for `getSecret`.
        #[serde(default = "default_auth")]
        auth: AuthChoice,
        /// As for `getSecret`.
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::model::strict::optional_object")]
        token: Option<TokenSource>,
    },
    /// The code calls ARM.
    #[serde(rename_all = "camelCase")]
    ArmRequest {
        /// Host name.
        host: String,
        /// HTTP method.
        #[serde(default)]
        method: HttpMethod,
        /// Target resource name (or a full ARM path); a name may be followed by a path below
        /// it and a `?$filter=`, e.g. `kv/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()`.
        target: String,
        /// `api-version` query parameter; by default the newest stable version the target's
        /// type has. One the type does not register gets ARM's 400 `NoRegisteredProviderFound`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_version: Option<String>,
        /// As for `getSecret`.
        #[serde(default = "default_auth")]
        auth: AuthChoice,
        /// As for `getSecret`.
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::model::strict::optional_object")]
        token: Option<TokenSource>,
    },
    /// The code opens a connection to an Azure SQL database with a token.
    #[serde(rename_all = "camelCase")]
    SqlConnect {
        /// Host name.
        host: String,
        /// SQL database resource name.
        database: String,
        /// As for `getSecret`.
        #[serde(default = "default_auth")]
        auth: AuthChoice,
        /// As for `getSecret`.
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::model::strict::optional_object")]
        token: Option<TokenSource>,
    },
    /// Redeploy the code on a host with a different credential setup (an SDK restart).
    #[serde(rename_all = "camelCase")]
    ConfigureApp {
        /// Host name.
        host: String,
        /// New SDK family.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sdk: Option<Sdk>,
        /// New credential class.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<Credential>,
        /// User-assigned identity to name; `""` for none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        managed_identity: Option<String>,
        /// Environment variables to set (`""` removes one).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        env: BTreeMap<String, String>,
    },
    /// Inject a fault into a service for a while.
    #[serde(rename_all = "camelCase")]
    Fault {
        /// `imds` (on `host`), `entra`, or a resource name.
        target: String,
        /// `throttle` (429), `outage` (503), `updating` (IMDS 410).
        kind: FaultKind,
        /// How long.
        duration: Duration,
        /// Host, for `imds`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
    },
    /// A narration step with no message (shown as a note on the diagram).
    #[serde(rename_all = "camelCase")]
    Note {
        /// Text shown.
        text: String,
    },
}

fn query_example() -> Vec<(&'static str, &'static str)> {
    vec![("api-version", "2018-02-01"), ("resource", "https://vault.azure.net")]
}
fn headers_example() -> Vec<(&'static str, &'static str)> {
    vec![("Metadata", "true")]
}
fn one() -> u32 {
    1
}
fn default_auth() -> AuthChoice {
    AuthChoice::Sdk
}

/// How a resource call authenticates when its `token` is not set, read once from the
/// document's `auth` string: `"sdk"` (the client library's own credential and audience, after
/// Key Vault's challenge the first time), `"none"` (no `Authorization` header), or any other
/// text, a resource URI the credential is asked for instead (the wrong-audience experiment).
/// On the wire of the format it stays that string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum AuthChoice {
    /// `"sdk"`.
    Sdk,
    /// `"none"`.
    None,
    /// A resource URI.
    Resource(String),
}

impl AuthChoice {
    /// The document's text for it.
    pub fn as_str(&self) -> &str {
        match self {
            AuthChoice::Sdk => "sdk",
            AuthChoice::None => "none",
            AuthChoice::Resource(r) => r,
        }
    }
}

impl From<String> for AuthChoice {
    fn from(s: String) -> AuthChoice {
        match s.as_str() {
            "sdk" => AuthChoice::Sdk,
            "none" => AuthChoice::None,
            _ => AuthChoice::Resource(s),
        }
    }
}

impl From<&str> for AuthChoice {
    fn from(s: &str) -> AuthChoice {
        AuthChoice::from(s.to_string())
    }
}

impl From<AuthChoice> for String {
    fn from(a: AuthChoice) -> String {
        match a {
            AuthChoice::Resource(r) => r,
            other => other.as_str().to_string(),
        }
    }
}

impl JsonSchema for AuthChoice {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "String".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(g)
    }
}
fn default_ms_version() -> Option<String> {
    Some("2021-08-06".into())
}

