//! The built-in role catalogue (fact sheet §7.6, D-BR-ID): the one home of role names, ids
//! and permission patterns; the validator, the form and RBAC read it from here.

/// Built-in role table (fact sheet §7.6): name, GUID, actions, notActions, dataActions, notDataActions.
const KV_CONTROL: &[&str] = &[
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
    "Microsoft.KeyVault/checkNameAvailability/read",
    "Microsoft.KeyVault/deletedVaults/read",
    "Microsoft.KeyVault/locations/*/read",
    "Microsoft.KeyVault/vaults/*/read",
    "Microsoft.KeyVault/operations/read",
];
const MI_COMMON: &[&str] = &[
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Support/*",
];

pub(super) type BuiltIn = (&'static str, &'static str, Vec<&'static str>, Vec<&'static str>, Vec<&'static str>, Vec<&'static str>);

/// The built-in roles the model knows, by name, in catalogue order: the one list the
/// validator's suggestions and the form's role picker read.
pub fn built_in_role_names() -> Vec<&'static str> {
    builtin_roles().into_iter().map(|b| b.0).collect()
}

pub(super) fn builtin_roles() -> Vec<BuiltIn> {
    vec![
        ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", vec!["*"], vec![], vec![], vec![]),
        (
            "Contributor",
            "b24988ac-6180-42a0-ab88-20f7382dd24c",
            vec!["*"],
            vec![
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
                "Microsoft.Purview/consents/write",
                "Microsoft.Purview/consents/delete",
                "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
                "Microsoft.Subscription/cancel/action",
                "Microsoft.Subscription/enable/action",
            ],
            vec![],
            vec![],
        ),
        ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7", vec!["*/read"], vec![], vec![], vec![]),
        ("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", vec!["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], vec![], vec![], vec![]),
        (
            "Role Based Access Control Administrator",
            "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
            vec!["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"],
            vec![],
            vec![],
            vec![],
        ),
        (
            "Key Vault Secrets User",
            "4633458b-17de-408a-b874-0445c86b69e6",
            vec![],
            vec![],
            vec!["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
            vec![],
        ),
        ("Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", KV_CONTROL.to_vec(), vec![], vec!["Microsoft.KeyVault/vaults/secrets/*"], vec![]),
        ("Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483", KV_CONTROL.to_vec(), vec![], vec!["Microsoft.KeyVault/vaults/*"], vec![]),
        (
            "Key Vault Reader",
            "21090545-7ca7-4776-b22c-e363652d74d2",
            KV_CONTROL.to_vec(),
            vec![],
            vec!["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
            vec![],
        ),
        (
            "Storage Blob Data Reader",
            "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
            vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
            ],
            vec![],
            vec!["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
            vec![],
        ),
        (
            "Storage Blob Data Contributor",
            "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
                "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                "Microsoft.Storage/storageAccounts/blobServices/containers/write",
                "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
            ],
            vec![],
            vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            ],
            vec![],
        ),
        (
            "Managed Identity Operator",
            "f1a07417-d97a-45cb-824c-7a7467783830",
            [&["Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"][..], MI_COMMON].concat(),
            vec![],
            vec![],
            vec![],
        ),
        (
            "Managed Identity Contributor",
            "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
            [
                &[
                    "Microsoft.ManagedIdentity/userAssignedIdentities/read",
                    "Microsoft.ManagedIdentity/userAssignedIdentities/write",
                    "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
                    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
                    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
                    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete",
                    "Microsoft.ManagedIdentity/userAssignedIdentities/revokeTokens/action",
                ][..],
                MI_COMMON,
            ]
            .concat(),
            vec![],
            vec![],
            vec![],
        ),
    ]
}

pub(super) fn lower_all(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_ascii_lowercase()).collect()
}
