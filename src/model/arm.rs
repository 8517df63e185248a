//! Azure Resource Manager's view of the world: subscriptions, resource groups and
//! resources with their `identity` blocks (fact sheet §4.3).

use serde::Serialize;
use std::collections::BTreeMap;

/// The resource types the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ResourceKind {
    /// `Microsoft.Compute/virtualMachines`.
    VirtualMachine,
    /// `Microsoft.Compute/virtualMachineScaleSets`.
    ScaleSet,
    /// `Microsoft.Web/sites` (App Service, Functions).
    AppService,
    /// `Microsoft.HybridCompute/machines` (Azure Arc-enabled server).
    ArcServer,
    /// `Microsoft.ContainerService/managedClusters` workload (a pod's service account).
    AksWorkload,
    /// `Microsoft.KeyVault/vaults`.
    KeyVault,
    /// `Microsoft.Storage/storageAccounts`.
    StorageAccount,
    /// `Microsoft.Sql/servers/databases`.
    SqlDatabase,
    /// `Microsoft.ManagedIdentity/userAssignedIdentities`.
    UserAssignedIdentity,
}

impl ResourceKind {
    /// Parses an ARM type (case-insensitive).
    pub fn from_type(t: &str) -> Option<ResourceKind> {
        Some(match t.to_ascii_lowercase().as_str() {
            "microsoft.compute/virtualmachines" => ResourceKind::VirtualMachine,
            "microsoft.compute/virtualmachinescalesets" => ResourceKind::ScaleSet,
            "microsoft.web/sites" => ResourceKind::AppService,
            "microsoft.hybridcompute/machines" => ResourceKind::ArcServer,
            "microsoft.containerservice/managedclusters" => ResourceKind::AksWorkload,
            "microsoft.keyvault/vaults" => ResourceKind::KeyVault,
            "microsoft.storage/storageaccounts" => ResourceKind::StorageAccount,
            "microsoft.sql/servers/databases" => ResourceKind::SqlDatabase,
            "microsoft.managedidentity/userassignedidentities" => ResourceKind::UserAssignedIdentity,
            _ => return None,
        })
    }
    /// The canonical ARM type string.
    pub fn arm_type(self) -> &'static str {
        match self {
            ResourceKind::VirtualMachine => "Microsoft.Compute/virtualMachines",
            ResourceKind::ScaleSet => "Microsoft.Compute/virtualMachineScaleSets",
            ResourceKind::AppService => "Microsoft.Web/sites",
            ResourceKind::ArcServer => "Microsoft.HybridCompute/machines",
            ResourceKind::AksWorkload => "Microsoft.ContainerService/managedClusters",
            ResourceKind::KeyVault => "Microsoft.KeyVault/vaults",
            ResourceKind::StorageAccount => "Microsoft.Storage/storageAccounts",
            ResourceKind::SqlDatabase => "Microsoft.Sql/servers/databases",
            ResourceKind::UserAssignedIdentity => "Microsoft.ManagedIdentity/userAssignedIdentities",
        }
    }
    /// Every type the model knows, for hints and the schema.
    pub const ALL: [ResourceKind; 9] = [
        ResourceKind::VirtualMachine,
        ResourceKind::ScaleSet,
        ResourceKind::AppService,
        ResourceKind::ArcServer,
        ResourceKind::AksWorkload,
        ResourceKind::KeyVault,
        ResourceKind::StorageAccount,
        ResourceKind::SqlDatabase,
        ResourceKind::UserAssignedIdentity,
    ];
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
    pub kind: Option<String>,
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
        match (self.system_assigned.is_some(), !self.user_assigned.is_empty()) {
            (true, true) => "SystemAssigned, UserAssigned",
            (true, false) => "SystemAssigned",
            (false, true) => "UserAssigned",
            (false, false) => "None",
        }
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

/// Accepts the documented forms of `identity.type` (both comma forms, any case) and
/// returns (system-assigned?, user-assigned?), or `None` for an unknown value.
pub fn parse_identity_type(t: &str) -> Option<(bool, bool)> {
    let norm: String = t.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    Some(match norm.as_str() {
        "none" => (false, false),
        "systemassigned" => (true, false),
        "userassigned" => (false, true),
        "systemassigned,userassigned" => (true, true),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_type_forms() {
        assert_eq!(parse_identity_type("SystemAssigned, UserAssigned"), Some((true, true)));
        assert_eq!(parse_identity_type("SystemAssigned,UserAssigned"), Some((true, true)));
        assert_eq!(parse_identity_type("userAssigned"), Some((false, true)));
        assert_eq!(parse_identity_type("None"), Some((false, false)));
        assert_eq!(parse_identity_type("Both"), None);
    }
}
