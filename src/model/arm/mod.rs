//! Azure Resource Manager's view of the world: subscriptions, resource groups and
//! resources with their `identity` blocks (fact sheet §4.3). Its operations: the
//! front door every control-plane call passes (`gateway`: who, and the RBAC check),
//! identity blocks (`identity`), role assignments (`role_assignments`) and a vault's
//! configuration (`vault_config`). As the target of application code it is a resource
//! server (`servers::arm_api`).
//!
//! ARM never issues tokens: it creates identities through the MI resource provider.

pub mod error;
pub mod gateway;
pub mod identity;
pub mod role_assignments;
pub mod vault_config;
pub use error::ArmError;

use serde::Serialize;
use std::collections::BTreeMap;
use super::strict::string_enum;


string_enum! {
    /// An Azure resource type the model knows, written as its ARM type.
    pub enum ResourceKind {
        /// `Microsoft.Compute/virtualMachines`.
        VirtualMachine = "Microsoft.Compute/virtualMachines",
        /// `Microsoft.Compute/virtualMachineScaleSets`.
        ScaleSet = "Microsoft.Compute/virtualMachineScaleSets",
        /// `Microsoft.Web/sites` (App Service, Functions).
        AppService = "Microsoft.Web/sites",
        /// `Microsoft.HybridCompute/machines` (Azure Arc-enabled server).
        ArcServer = "Microsoft.HybridCompute/machines",
        /// `Microsoft.ContainerService/managedClusters` workload (a pod's service account).
        AksWorkload = "Microsoft.ContainerService/managedClusters",
        /// `Microsoft.KeyVault/vaults`.
        KeyVault = "Microsoft.KeyVault/vaults",
        /// `Microsoft.Storage/storageAccounts`.
        StorageAccount = "Microsoft.Storage/storageAccounts",
        /// `Microsoft.Sql/servers/databases`.
        SqlDatabase = "Microsoft.Sql/servers/databases",
        /// `Microsoft.ManagedIdentity/userAssignedIdentities`.
        UserAssignedIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities",
    }
}

string_enum! {
    /// Which identities a resource has: the `type` of the ARM `identity` block (fact sheet
    /// §4.3). Both comma forms of the combined value are accepted; the spaced one is written.
    pub enum IdentityType {
        /// No managed identity.
        None = "None",
        /// The system-assigned identity only.
        SystemAssigned = "SystemAssigned",
        /// User-assigned identities only.
        UserAssigned = "UserAssigned",
        /// Both kinds.
        SystemAndUserAssigned = "SystemAssigned, UserAssigned" | "SystemAssigned,UserAssigned",
    }
}

impl IdentityType {
    /// The type for a resource with (or without) a system-assigned identity and user-assigned ones.
    pub fn from_flags(system: bool, user: bool) -> IdentityType {
        match (system, user) {
            (true, true) => IdentityType::SystemAndUserAssigned,
            (true, false) => IdentityType::SystemAssigned,
            (false, true) => IdentityType::UserAssigned,
            (false, false) => IdentityType::None,
        }
    }
    /// Does it include the system-assigned identity?
    pub fn system(self) -> bool {
        matches!(self, IdentityType::SystemAssigned | IdentityType::SystemAndUserAssigned)
    }
    /// Does it include user-assigned identities?
    pub fn user(self) -> bool {
        matches!(self, IdentityType::UserAssigned | IdentityType::SystemAndUserAssigned)
    }
}

string_enum! {
    /// The operating system of an App Service plan (`properties.os` of a scenario's site).
    pub enum AppServiceOs default Windows {
        /// Windows: the legacy `expires_on` is .NET's US date-time, `M/d/yyyy h:mm:ss tt +00:00`.
        Windows = "windows",
        /// Linux: the legacy `expires_on` is `MM/dd/yyyy HH:mm:ss +00:00` (24-hour, no AM/PM).
        Linux = "linux",
    }
}

string_enum! {
    /// The `kind` of an App Service site: a web app or a function app.
    pub enum AppServiceKind {
        /// A web app.
        App = "app",
        /// An Azure Functions app.
        FunctionApp = "functionapp",
    }
}

impl ResourceKind {
    /// The canonical ARM type string.
    pub fn arm_type(self) -> &'static str {
        self.as_str()
    }
    /// Stable `api-version`s its resource provider registers for this type, newest first
    /// (a subset of each provider's list, from its REST API reference); every request the
    /// model writes uses the first. Another version gets ARM's 400
    /// `NoRegisteredProviderFound` ([`ArmError::NoRegisteredProvider`]).
    pub fn api_versions(self) -> &'static [&'static str] {
        match self {
            ResourceKind::VirtualMachine | ResourceKind::ScaleSet => &["2024-07-01", "2024-03-01", "2023-09-01", "2023-07-01", "2023-03-01", "2022-11-01", "2022-08-01"],
            ResourceKind::AppService => &["2023-12-01", "2023-01-01", "2022-09-01", "2022-03-01"],
            ResourceKind::ArcServer => &["2024-07-10", "2024-07-01", "2022-12-27"],
            ResourceKind::AksWorkload => &["2024-09-01", "2024-05-01", "2023-10-01"],
            ResourceKind::KeyVault => &["2023-07-01", "2023-02-01", "2022-07-01", "2021-10-01"],
            ResourceKind::StorageAccount => &["2023-05-01", "2023-01-01", "2022-09-01", "2022-05-01"],
            ResourceKind::SqlDatabase => &["2023-08-01", "2021-11-01"],
            ResourceKind::UserAssignedIdentity => &["2023-01-31", "2018-11-30"],
        }
    }
    /// The `api-version` the model's requests use for this type.
    pub fn api_version(self) -> &'static str {
        self.api_versions()[0]
    }
    /// Reads an ARM type in any case, as it appears in resource ids and URLs (ARM compares
    /// them case-insensitively; scenarios use the exact spelling, see [`ResourceKind::parse`]).
    pub fn from_type(t: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.iter().copied().find(|k| k.as_str().eq_ignore_ascii_case(t))
    }
    /// Can code run here and ask for tokens?
    pub fn is_compute(self) -> bool {
        matches!(self, ResourceKind::VirtualMachine | ResourceKind::ScaleSet | ResourceKind::AppService | ResourceKind::ArcServer | ResourceKind::AksWorkload)
    }
    /// Can this type have a system-assigned identity? (AKS workloads use workload identity; Arc has one.)
    pub fn supports_system_assigned(self) -> bool {
        matches!(self, ResourceKind::VirtualMachine | ResourceKind::ScaleSet | ResourceKind::AppService | ResourceKind::ArcServer)
    }
    /// Can user-assigned identities be attached? (Arc: not supported.)
    pub fn supports_user_assigned(self) -> bool {
        matches!(self, ResourceKind::VirtualMachine | ResourceKind::ScaleSet | ResourceKind::AppService)
    }
    /// The resource provider's write action, e.g. `Microsoft.Compute/virtualMachines/write`.
    pub fn write_action(self) -> String {
        format!("{}/write", self.arm_type())
    }
}

/// An identity (system- or user-assigned) as its hosts see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRef {
    /// Object id of the service principal.
    pub principal_id: String,
    /// App id of the service principal.
    pub client_id: String,
    /// `xms_mirid`: the host's id (system-assigned) or the identity's id (user-assigned).
    pub mi_resource_id: String,
}

/// A Key Vault secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// Version id (32 hex digits).
    pub version: String,
    /// Creation time (epoch).
    pub created: u64,
}

/// An access policy entry (object id → secret permissions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPolicy {
    /// Principal object id.
    pub object_id: String,
    /// Lower-case secret permissions.
    pub secrets: Vec<String>,
}

/// A federated identity credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedCredential {
    /// Name.
    pub name: String,
    /// Issuer.
    pub issuer: String,
    /// Subject.
    pub subject: String,
    /// Audiences.
    pub audiences: Vec<String>,
}

/// Type-specific state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceData {
    /// Key Vault permission model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_rbac_authorization: Option<bool>,
    /// Key Vault secrets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Secret>,
    /// Key Vault access policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_policies: Vec<AccessPolicy>,
    /// Storage: container → blob name → content.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub containers: BTreeMap<String, BTreeMap<String, String>>,
    /// App Service kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<AppServiceKind>,
    /// App Service plan's operating system (Windows when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<AppServiceOs>,
    /// SQL contained users (object ids).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contained_users: Vec<String>,
    /// User-assigned identity: its principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uami: Option<IdentityRef>,
    /// User-assigned identity: federated credentials.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub federated_credentials: Vec<FederatedCredential>,
    /// AKS workload: `namespace`, `serviceAccount`, identity name, issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<(String, String, String, String)>,
}

/// A resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// ARM id, canonical casing.
    pub id: String,
    /// Name.
    pub name: String,
    /// Type.
    pub kind: ResourceKind,
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group.
    pub resource_group: String,
    /// Region.
    pub location: String,
    /// The system-assigned identity, when enabled.
    pub system_assigned: Option<IdentityRef>,
    /// Attached user-assigned identities by lower-cased resource id.
    pub user_assigned: BTreeMap<String, IdentityRef>,
    /// Type-specific state.
    pub data: ResourceData,
}

impl Resource {
    /// The `identity.type` string ARM would return, Compute style (`SystemAssigned, UserAssigned`).
    pub fn identity_type(&self) -> &'static str {
        IdentityType::from_flags(self.system_assigned.is_some(), !self.user_assigned.is_empty()).as_str()
    }
    /// The `identity` block as ARM returns it in a GET.
    pub fn identity_json(&self, tenant_id: &str) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        o.insert("type".into(), self.identity_type().into());
        if let Some(s) = &self.system_assigned {
            o.insert("principalId".into(), s.principal_id.clone().into());
            o.insert("tenantId".into(), tenant_id.into());
        }
        if !self.user_assigned.is_empty() {
            let m: serde_json::Map<String, serde_json::Value> = self
                .user_assigned
                .values()
                .map(|u| (u.mi_resource_id.clone(), serde_json::json!({"principalId": u.principal_id, "clientId": u.client_id})))
                .collect();
            o.insert("userAssignedIdentities".into(), m.into());
        }
        o.into()
    }
}

/// Builds an ARM id.
pub fn resource_id(sub: &str, rg: &str, kind: ResourceKind, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{}/{name}", kind.arm_type())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_type_forms() {
        assert_eq!(IdentityType::parse("SystemAssigned, UserAssigned"), Some(IdentityType::SystemAndUserAssigned));
        assert_eq!(IdentityType::parse("SystemAssigned,UserAssigned"), Some(IdentityType::SystemAndUserAssigned));
        assert_eq!(IdentityType::SystemAndUserAssigned.as_str(), "SystemAssigned, UserAssigned");
        assert_eq!(IdentityType::parse("Both"), None);
        for t in IdentityType::ALL {
            assert_eq!(IdentityType::from_flags(t.system(), t.user()), *t);
        }
    }
}

/// `api-version`s of `Microsoft.Resources` (subscriptions and resource groups), newest first.
pub const RESOURCES_API_VERSIONS: &[&str] = &["2024-03-01", "2022-09-01", "2021-04-01"];

