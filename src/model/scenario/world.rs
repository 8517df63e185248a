//! The initial world a scenario declares: tenants, subscriptions, resource groups,
//! resources and their identities, principals, roles and assignments, timing settings.

use crate::model::arm::{AppServiceKind, AppServiceOs, IdentityType, ResourceKind};
use crate::model::strict::string_enum;
use crate::model::time::Duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The initial state of the tenant and subscriptions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "World")]
pub struct WorldSpec {
    /// The Entra tenant.
    #[serde(default, deserialize_with = "crate::model::strict::object")]
    pub tenant: TenantSpec,
    /// Subscriptions with their resource groups.
    #[serde(deserialize_with = "crate::model::strict::objects")]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// Users (operators, developers).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub users: Vec<UserSpec>,
    /// Security groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub groups: Vec<GroupSpec>,
    /// Azure resources, including user-assigned identities.
    #[serde(default, deserialize_with = "crate::model::strict::objects")]
    pub resources: Vec<ResourceSpec>,
    /// App registrations (an application object plus its service principal), e.g. an API
    /// that managed identities call with app roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub app_registrations: Vec<AppRegistrationSpec>,
    /// Developer machines outside Azure (for `DefaultAzureCredential` on a laptop).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub laptops: Vec<LaptopSpec>,
    /// Custom role definitions (built-in roles are always present).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub role_definitions: Vec<RoleDefinitionSpec>,
    /// Role assignments that exist at the start (already propagated).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub role_assignments: Vec<RoleAssignmentSpec>,
    /// Deny assignments (Azure-managed; cannot be created by actions).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub deny_assignments: Vec<DenyAssignmentSpec>,
    /// Timing knobs.
    #[serde(default, deserialize_with = "crate::model::strict::object")]
    pub settings: Settings,
}

/// The tenant.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Tenant")]
pub struct TenantSpec {
    /// Tenant id; generated from the seed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Primary domain, e.g. `contoso.onmicrosoft.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// A subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Subscription")]
pub struct SubscriptionSpec {
    /// Display name (also usable as a scope name).
    pub name: String,
    /// Subscription id; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// The tenant the subscription trusts, when it is not the world's `tenant`: managed
    /// identities of its resources live in that tenant (their tokens' `iss` and `tid`),
    /// and its resource servers accept tokens from that tenant only (Key Vault: 401
    /// AKV10032 for another tenant's token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// Resource groups.
    #[serde(default, deserialize_with = "crate::model::strict::objects")]
    pub resource_groups: Vec<ResourceGroupSpec>,
    /// Optional management group above the subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_group: Option<String>,
}

/// A resource group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "ResourceGroup")]
pub struct ResourceGroupSpec {
    /// Name, e.g. `rg-app`.
    pub name: String,
    /// Region, e.g. `westeurope`.
    #[serde(default = "default_location")]
    pub location: String,
}

fn default_location() -> String {
    "westeurope".into()
}

/// A user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "User")]
pub struct UserSpec {
    /// Short name used in references, e.g. `alice`.
    pub name: String,
    /// Object id; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
}

/// A security group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Group")]
pub struct GroupSpec {
    /// Display name used in references.
    pub name: String,
    /// Object id; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// Members: user names, resource names (their system-assigned identity) or identity names.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A resource in a resource group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Resource")]
pub struct ResourceSpec {
    /// ARM resource type, e.g. `Microsoft.Compute/virtualMachines`.
    #[serde(rename = "type")]
    pub resource_type: ResourceKind,
    /// Resource name, unique in the scenario.
    pub name: String,
    /// Resource group name.
    pub resource_group: String,
    /// Subscription name; the first subscription when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// Region; the resource group's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The ARM `identity` block, as in a PUT body.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::model::strict::optional_object")]
    pub identity: Option<IdentityBlock>,
    /// Type-specific properties.
    #[serde(default, skip_serializing_if = "Properties::is_empty", deserialize_with = "crate::model::strict::object")]
    pub properties: Properties,
    /// The application code running on a compute resource.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::model::strict::optional_object")]
    pub app: Option<AppSpec>,
}

/// The ARM `identity` block: `type` plus the `userAssignedIdentities` map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Identity")]
pub struct IdentityBlock {
    /// Which identities the resource has: `None`, `SystemAssigned`, `UserAssigned` or
    /// `SystemAssigned, UserAssigned` (either comma form).
    #[serde(rename = "type")]
    pub identity_type: IdentityType,
    /// Key: user-assigned identity resource id or name. Value: `{}` to attach, `null` to detach.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_assigned_identities: BTreeMap<String, UserAssignedEntry>,
}

/// Properties of the resource types the model knows; each applies to some types only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Properties {
    /// Key Vault: `true` = Azure RBAC data actions, `false` = access policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_rbac_authorization: Option<bool>,
    /// Key Vault: secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub secrets: Vec<SecretSpec>,
    /// Key Vault (access-policy model): policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub access_policies: Vec<AccessPolicySpec>,
    /// Storage: blob containers.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub containers: Vec<ContainerSpec>,
    /// App Service: `app` or `functionapp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AppServiceKind>,
    /// App Service: the operating system of the plan, `windows` (when absent) or `linux`.
    /// It shows on the wire in the legacy 2017-09-01 token response's `expires_on` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<AppServiceOs>,
    /// SQL database: Entra principals created as contained users (`CREATE USER … FROM EXTERNAL PROVIDER`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contained_users: Vec<String>,
    /// AKS workload: Kubernetes namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// AKS workload: service account name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// AKS workload: the user-assigned identity the service account is annotated with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_identity: Option<String>,
    /// AKS workload / user-assigned identity: the cluster's OIDC issuer URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_issuer: Option<String>,
    /// User-assigned identity: federated identity credentials.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub federated_identity_credentials: Vec<FederatedCredentialSpec>,
}

impl Properties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self == &Properties::default()
    }
}

/// A Key Vault secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Secret")]
pub struct SecretSpec {
    /// Secret name.
    pub name: String,
    /// Secret value (demo data; shown as text only).
    pub value: String,
}

/// A Key Vault access policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "AccessPolicy")]
pub struct AccessPolicySpec {
    /// The principal: a name reference or object id.
    pub object_id: String,
    /// Secret permissions, e.g. `["get", "list"]`.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// A blob container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Container")]
pub struct ContainerSpec {
    /// Container name.
    pub name: String,
    /// Blobs in it.
    #[serde(default, deserialize_with = "crate::model::strict::objects")]
    pub blobs: Vec<BlobSpec>,
}

/// A blob.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Blob")]
pub struct BlobSpec {
    /// Blob name.
    pub name: String,
    /// Text content.
    #[serde(default)]
    pub content: String,
}

/// A federated identity credential on a user-assigned identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "FederatedIdentityCredential")]
pub struct FederatedCredentialSpec {
    /// Credential name.
    pub name: String,
    /// Token issuer, e.g. the AKS OIDC issuer URL.
    pub issuer: String,
    /// Subject, e.g. `system:serviceaccount:default:workload-sa`.
    pub subject: String,
    /// Audiences; `["api://AzureADTokenExchange"]` by default.
    #[serde(default = "default_fic_audiences")]
    pub audiences: Vec<String>,
}

fn default_fic_audiences() -> Vec<String> {
    vec!["api://AzureADTokenExchange".into()]
}

/// The code on a compute resource and its SDK.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "App")]
pub struct AppSpec {
    /// Which SDK family: `dotnet`, `python` or `js`.
    #[serde(default)]
    pub sdk: Sdk,
    /// `DefaultAzureCredential` or `ManagedIdentityCredential`.
    #[serde(default)]
    pub credential: Credential,
    /// For `ManagedIdentityCredential`: which user-assigned identity (name, client id or resource id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_identity: Option<String>,
    /// Extra environment variables the code sees (the platform adds its own).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// AKS workload identity: the code read the projected service-account token
    /// (`AZURE_FEDERATED_TOKEN_FILE`) once and keeps sending that string as its client
    /// assertion (a `ClientAssertionCredential` built from a fixed string), instead of
    /// reading the file again on each exchange as `WorkloadIdentityCredential` does. The
    /// kubelet rotates the file; the kept token expires after an hour.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keeps_federated_token: bool,
    /// AKS workload identity: the code sends a forged client assertion instead of the
    /// projected token: `tampered` (the cluster's token with its subject rewritten to the
    /// one the identity's federated credential trusts, signature kept) or `attacker` (a
    /// token with the trusted subject, signed with a key the cluster does not publish).
    /// Entra ID refuses both at the signature check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forged_assertion: Option<AssertionForgery>,
}

string_enum! {
    /// How a workload's client assertion is forged (`forgedAssertion`).
    pub enum AssertionForgery {
        /// The projected token with its subject rewritten; the cluster's signature no
        /// longer verifies (AADSTS700027).
        Tampered = "tampered",
        /// A token signed with a key no issuer publishes (`kid` `attacker-demo-key`): the
        /// issuer's JWKS lacks the key (AADSTS7000272).
        Attacker = "attacker",
    }
}

string_enum! {
    /// The Azure SDK family the application code uses; each has its own credential
    /// chain, retry schedule and IMDS probe (fact sheet §3.5).
    pub enum Sdk default Dotnet {
        /// Azure SDK for .NET (`Azure.Identity`).
        Dotnet = "dotnet",
        /// Azure SDK for Python (`azure-identity`).
        Python = "python",
        /// Azure SDK for JavaScript (`@azure/identity`).
        Js = "js",
    }
}

string_enum! {
    /// A role assignment's `principalType` (SPEC-AUTHZ; `MSI` also exists but is not used for
    /// managed identities, which are `ServicePrincipal`).
    pub enum PrincipalType {
        /// A user.
        User = "User",
        /// A security group.
        Group = "Group",
        /// A service principal: an application's or a managed identity's.
        ServicePrincipal = "ServicePrincipal",
        /// A group from another tenant.
        ForeignGroup = "ForeignGroup",
        /// A device.
        Device = "Device",
    }
}

string_enum! {
    /// The credential class the application code constructs.
    pub enum Credential default DefaultAzureCredential {
        /// The managed identity of the host only.
        ManagedIdentityCredential = "ManagedIdentityCredential",
        /// A chain: environment, workload identity, managed identity, then developer tools.
        DefaultAzureCredential = "DefaultAzureCredential",
    }
}

string_enum! {
    /// A fault a scenario injects into a service for a while.
    pub enum FaultKind {
        /// 429 Too Many Requests.
        Throttle = "throttle",
        /// 503 Service Unavailable (or errors of that kind).
        Outage = "outage",
        /// IMDS is being updated: 410 Gone.
        Updating = "updating",
    }
}

string_enum! {
    /// Which earlier token a replay sends (the `replay` of a resource call's `token`).
    pub enum Replay default Last {
        /// The last token this host's credential gave it for this service (Key Vault,
        /// Storage, ARM or SQL) and that it sent there; scripted tokens do not count.
        Last = "last",
    }
}

string_enum! {
    /// A key that signs a forged token (`signedBy`).
    pub enum ForgeKey {
        /// A key no tenant publishes (`kid` `attacker-demo-key`): every resource server
        /// refuses its tokens at the signature check.
        Attacker = "attacker",
    }
}

/// A token a resource call sends as the scenario says, not as the SDK would get it: the
/// tampering and replay experiments (a learner's "Edit this token" becomes one of these).
/// Either `jwt` (exact bytes) or `replay`; `setClaims` and `signedBy` then change it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenSource {
    /// Send an earlier token again, as it was: no refresh, so an expired token reaches the
    /// server and gets its lifetime error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
    /// Send exactly this compact JWT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    /// Claims to change before sending (`null` removes one). The signature is kept, so the
    /// server's signature check fails.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set_claims: BTreeMap<String, serde_json::Value>,
    /// Sign the (changed) token again with this key instead of keeping its signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<ForgeKey>,
}

/// A value of the `userAssignedIdentities` map in an ARM `identity` block: `{}` attaches
/// the identity, `null` detaches it (fact sheet §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserAssignedEntry {
    /// `{}`: attach.
    Attach,
    /// `null`: detach.
    Detach,
}

impl Serialize for UserAssignedEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            UserAssignedEntry::Attach => s.serialize_map(Some(0))?.end(),
            UserAssignedEntry::Detach => s.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for UserAssignedEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = UserAssignedEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("{} (attach) or null (detach)")
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(UserAssignedEntry::Detach)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(UserAssignedEntry::Detach)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_map(self)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                match map.next_key::<serde::de::IgnoredAny>()? {
                    None => Ok(UserAssignedEntry::Attach),
                    Some(_) => Err(serde::de::Error::invalid_length(1, &self)),
                }
            }
        }
        d.deserialize_option(V)
    }
}

impl JsonSchema for UserAssignedEntry {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UserAssignedEntry".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "{} attaches the identity; null detaches it.",
            "oneOf": [{"type": "object", "maxProperties": 0}, {"type": "null"}]
        })
    }
}

/// An app registration: an application object and its service principal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "AppRegistration")]
pub struct AppRegistrationSpec {
    /// Display name used in references.
    pub name: String,
    /// App ID URI that tokens can be requested for, e.g. `api://orders-api`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_uri: Option<String>,
    /// App roles the API defines, e.g. `Orders.Read`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_roles: Vec<String>,
    /// App roles granted to principals (e.g. a managed identity): they appear in its tokens' `roles`.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::model::strict::objects")]
    pub app_role_assignments: Vec<AppRoleAssignmentSpec>,
}

/// An app role granted to a principal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "AppRoleAssignment")]
pub struct AppRoleAssignmentSpec {
    /// The principal: a name reference or object id.
    pub principal_id: String,
    /// The app role's value.
    pub role: String,
}

/// A developer laptop outside Azure, or (with `cloudShell`) a user's Azure Cloud Shell session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Laptop")]
pub struct LaptopSpec {
    /// Name used as a `host` in actions.
    pub name: String,
    /// User signed in to the Azure CLI (`az login`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub az_cli_user: Option<String>,
    /// Azure Cloud Shell: this host is the Cloud Shell session of this user (a user name or
    /// object id), not a laptop. The session sets `MSI_ENDPOINT` without `MSI_SECRET`, and
    /// its endpoint gives code the user's own delegated token (fact sheet §3.2); the Azure
    /// CLI in it is signed in as the same user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_shell: Option<String>,
    /// The code and SDK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppSpec>,
}

/// A custom role definition (same shape as Azure's, with names instead of GUIDs allowed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "RoleDefinition")]
pub struct RoleDefinitionSpec {
    /// Role name.
    pub role_name: String,
    /// GUID; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Permission blocks.
    #[serde(deserialize_with = "crate::model::strict::objects")]
    pub permissions: Vec<PermissionSpec>,
    /// Where the role may be assigned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignable_scopes: Vec<String>,
}

/// One permissions block of a role definition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "Permission")]
pub struct PermissionSpec {
    /// Control-plane actions granted.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Control-plane actions subtracted (not a deny).
    #[serde(default)]
    pub not_actions: Vec<String>,
    /// Data-plane actions granted.
    #[serde(default)]
    pub data_actions: Vec<String>,
    /// Data-plane actions subtracted.
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

/// A role assignment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "RoleAssignment")]
pub struct RoleAssignmentSpec {
    /// The principal: a name reference or an object id.
    pub principal_id: String,
    /// Role name (`Key Vault Secrets User`) or role definition GUID / id.
    pub role_definition_id: String,
    /// Scope: a full ARM id, or the name of a subscription, resource group or resource.
    pub scope: String,
}

/// A deny assignment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(rename = "DenyAssignment")]
pub struct DenyAssignmentSpec {
    /// Name.
    pub deny_assignment_name: String,
    /// Denied actions (same shape as a role's permissions).
    #[serde(deserialize_with = "crate::model::strict::objects")]
    pub permissions: Vec<PermissionSpec>,
    /// Scope (ARM id or name).
    pub scope: String,
    /// Principals denied (name references or object ids); `Everyone` for all.
    pub principals: Vec<String>,
    /// Principals exempt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_principals: Vec<String>,
    /// When true, the deny applies at `scope` only.
    #[serde(default)]
    pub do_not_apply_to_child_scopes: bool,
}

/// Timing knobs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// How long a new role assignment takes to reach the authorization caches (`0s` to `30m`; docs: up to 10 minutes).
    #[serde(default = "default_propagation")]
    pub rbac_propagation: Duration,
    /// How long after a change IMDS sees a new identity assignment or removal.
    #[serde(default = "default_zero")]
    pub identity_propagation: Duration,
    /// How long a service principal created during the run takes to reach the directory
    /// replica ARM's role-assignment API reads: a role assignment without `principalType`
    /// in that window gets 400 `PrincipalNotFound` (Azure RBAC troubleshooting: "a few
    /// minutes" at most; the default, 1 minute, is this model's choice [U]).
    #[serde(default = "default_replication")]
    pub directory_replication: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { rbac_propagation: default_propagation(), identity_propagation: default_zero(), directory_replication: default_replication() }
    }
}

fn default_propagation() -> Duration {
    Duration::from_secs(300)
}
fn default_replication() -> Duration {
    Duration::from_secs(60)
}
fn default_zero() -> Duration {
    Duration::from_secs(0)
}

