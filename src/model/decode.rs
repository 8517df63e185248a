//! Decoding a schema-checked [`super::json::Node`] tree into a [`super::scenario::Scenario`]
//! without serde's derive (it keeps the WebAssembly bundle small).
//!
//! The result is exactly what `serde_json::from_str::<Scenario>` gives for every document
//! [`super::schema::check`] accepts, defaults included (the tests compare the two field by
//! field). One gap: the schema lets a `version` or `repeat` above `u32::MAX` through, which
//! serde rejects; here it takes its default (0, 1). Nothing here panics: on a tree the
//! schema would reject, a missing or mistyped value takes its default, a non-string item of
//! a string list is left out, and an action without a known `action` tag is left out.

use super::json::{self, Node, Pos, Val};
use super::scenario::{
    default_location, AccessPolicySpec, Action, AppSpec, BlobSpec, ContainerSpec, DenyAssignmentSpec, FederatedCredentialSpec, GroupSpec, IdentityBlock, LaptopSpec, PermissionSpec, Properties, ResourceGroupSpec, ResourceSpec,
    RoleAssignmentSpec, RoleDefinitionSpec, Scenario, SecretSpec, Settings, SubscriptionSpec, TenantSpec, UserSpec, WorldSpec, AppRegistrationSpec, AppRoleAssignmentSpec};

use std::collections::BTreeMap;

// The defaults of `scenario.rs`'s `#[serde(default = "…")]` functions.
const START_TIME: &str = "2026-01-15T09:00:00Z";
const FIC_AUDIENCE: &str = "api://AzureADTokenExchange";
const SDK: &str = "dotnet";
const CREDENTIAL: &str = "DefaultAzureCredential";
const METHOD: &str = "GET";
const AUTH: &str = "sdk";
const X_MS_VERSION: &str = "2021-08-06";

/// Stands in for a missing field, so lookups can be chained.
static MISSING: Node = Node { val: Val::Null, pos: Pos { line: 0, col: 0 } };

/// The fields of an object (none for any other value).
fn entries(n: &Node) -> &[(String, Pos, Node)] {
    match &n.val {
        Val::Obj(o) => o,
        _ => &[],
    }
}

/// A field's value; the last one wins if a key repeats (as in `json::to_value`).
fn get<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    entries(n).iter().rev().find(|(k, _, _)| k == key).map(|(_, _, v)| v)
}

/// A field's value, or `null` when absent.
fn at<'a>(n: &'a Node, key: &str) -> &'a Node {
    get(n, key).unwrap_or(&MISSING)
}

fn as_str(n: &Node) -> Option<&str> {
    match &n.val {
        Val::Str(s) => Some(s),
        _ => None,
    }
}

/// A string field (`None` when absent, `null` or not a string).
fn str_of(n: &Node, key: &str) -> Option<String> {
    as_str(at(n, key)).map(str::to_string)
}

/// A string field, or `default`.
fn str_or(n: &Node, key: &str, default: &str) -> String {
    str_of(n, key).unwrap_or_else(|| default.to_string())
}

/// A string field, or `""`.
fn text(n: &Node, key: &str) -> String {
    str_of(n, key).unwrap_or_default()
}

/// A whole-number field that fits a `u64` (as serde reads it).
fn int(n: &Node, key: &str) -> Option<u64> {
    match &at(n, key).val {
        Val::Num(raw) => raw.parse().ok(),
        _ => None,
    }
}

fn bool_of(n: &Node, key: &str) -> Option<bool> {
    match at(n, key).val {
        Val::Bool(b) => Some(b),
        _ => None,
    }
}

/// The items of an array field (none when absent or not an array).
fn items<'a>(n: &'a Node, key: &str) -> &'a [Node] {
    match &at(n, key).val {
        Val::Arr(a) => a,
        _ => &[],
    }
}

/// An array field of objects, each decoded with `f`.
fn list<T>(n: &Node, key: &str, f: impl Fn(&Node) -> T) -> Vec<T> {
    items(n, key).iter().map(f).collect()
}

/// An array field of strings.
fn strings(n: &Node, key: &str) -> Vec<String> {
    items(n, key).iter().filter_map(as_str).map(str::to_string).collect()
}

/// An optional object field, decoded with `f` (`None` when absent, `null` or not an object).
fn object<T>(n: &Node, key: &str, f: impl Fn(&Node) -> T) -> Option<T> {
    get(n, key).filter(|v| matches!(v.val, Val::Obj(_))).map(f)
}

/// An object field used as a map of strings.
fn str_map(n: &Node, key: &str) -> BTreeMap<String, String> {
    entries(at(n, key)).iter().filter_map(|(k, _, v)| Some((k.clone(), as_str(v)?.to_string()))).collect()
}

/// An array field of `[name, value]` string pairs.
fn pairs(n: &Node, key: &str) -> Vec<(String, String)> {
    items(n, key)
        .iter()
        .filter_map(|p| match &p.val {
            Val::Arr(a) if a.len() == 2 => Some((as_str(&a[0])?.to_string(), as_str(&a[1])?.to_string())),
            _ => None,
        })
        .collect()
}

/// Builds the scenario from a tree that [`super::schema::check`] accepted, with the same
/// defaults serde applies. Never panics (see the module docs for other trees).
pub fn scenario(root: &Node) -> Scenario {
    Scenario {
        version: int(root, "version").and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
        name: text(root, "name"),
        description: text(root, "description"),
        learning_goal: text(root, "learningGoal"),
        seed: int(root, "seed").unwrap_or(0),
        start_time: str_or(root, "startTime", START_TIME),
        world: world(at(root, "world")),
        script: items(root, "script").iter().filter_map(action).collect(),
    }
}

fn world(w: &Node) -> WorldSpec {
    let tenant = at(w, "tenant");
    let settings = at(w, "settings");
    let default_settings = Settings::default();
    WorldSpec {
        tenant: TenantSpec { tenant_id: str_of(tenant, "tenantId"), domain: str_of(tenant, "domain") },
        subscriptions: list(w, "subscriptions", |s| SubscriptionSpec {
            name: text(s, "name"),
            subscription_id: str_of(s, "subscriptionId"),
            resource_groups: list(s, "resourceGroups", |g| ResourceGroupSpec { name: text(g, "name"), location: str_of(g, "location").unwrap_or_else(default_location) }),
            management_group: str_of(s, "managementGroup"),
        }),
        users: list(w, "users", |u| UserSpec { name: text(u, "name"), object_id: str_of(u, "objectId") }),
        groups: list(w, "groups", |g| GroupSpec { name: text(g, "name"), object_id: str_of(g, "objectId"), members: strings(g, "members") }),
        resources: list(w, "resources", resource),
        app_registrations: list(w, "appRegistrations", |a| AppRegistrationSpec {
            name: text(a, "name"),
            identifier_uri: str_of(a, "identifierUri"),
            app_roles: strings(a, "appRoles"),
            app_role_assignments: list(a, "appRoleAssignments", |x| AppRoleAssignmentSpec { principal_id: text(x, "principalId"), role: text(x, "role") }),
        }),
        laptops: list(w, "laptops", |l| LaptopSpec { name: text(l, "name"), az_cli_user: str_of(l, "azCliUser"), app: object(l, "app", app) }),
        role_definitions: list(w, "roleDefinitions", |d| RoleDefinitionSpec {
            role_name: text(d, "roleName"),
            id: str_of(d, "id"),
            description: text(d, "description"),
            permissions: list(d, "permissions", permission),
            assignable_scopes: strings(d, "assignableScopes"),
        }),
        role_assignments: list(w, "roleAssignments", |a| RoleAssignmentSpec { principal_id: text(a, "principalId"), role_definition_id: text(a, "roleDefinitionId"), scope: text(a, "scope") }),
        deny_assignments: list(w, "denyAssignments", |d| DenyAssignmentSpec {
            deny_assignment_name: text(d, "denyAssignmentName"),
            permissions: list(d, "permissions", permission),
            scope: text(d, "scope"),
            principals: strings(d, "principals"),
            exclude_principals: strings(d, "excludePrincipals"),
            do_not_apply_to_child_scopes: bool_of(d, "doNotApplyToChildScopes").unwrap_or(false),
        }),
        settings: Settings {
            rbac_propagation: str_of(settings, "rbacPropagation").unwrap_or(default_settings.rbac_propagation),
            identity_propagation: str_of(settings, "identityPropagation").unwrap_or(default_settings.identity_propagation),
        },
    }
}

fn resource(r: &Node) -> ResourceSpec {
    let p = at(r, "properties");
    ResourceSpec {
        resource_type: text(r, "type"),
        name: text(r, "name"),
        resource_group: text(r, "resourceGroup"),
        subscription: str_of(r, "subscription"),
        location: str_of(r, "location"),
        identity: object(r, "identity", identity),
        properties: Properties {
            enable_rbac_authorization: bool_of(p, "enableRbacAuthorization"),
            secrets: list(p, "secrets", |s| SecretSpec { name: text(s, "name"), value: text(s, "value") }),
            access_policies: list(p, "accessPolicies", |a| AccessPolicySpec { object_id: text(a, "objectId"), secrets: strings(a, "secrets") }),
            containers: list(p, "containers", |c| ContainerSpec { name: text(c, "name"), blobs: list(c, "blobs", |b| BlobSpec { name: text(b, "name"), content: text(b, "content") }) }),
            kind: str_of(p, "kind"),
            contained_users: strings(p, "containedUsers"),
            namespace: str_of(p, "namespace"),
            service_account: str_of(p, "serviceAccount"),
            workload_identity: str_of(p, "workloadIdentity"),
            oidc_issuer: str_of(p, "oidcIssuer"),
            federated_identity_credentials: list(p, "federatedIdentityCredentials", |f| FederatedCredentialSpec {
                name: text(f, "name"),
                issuer: text(f, "issuer"),
                subject: text(f, "subject"),
                audiences: if matches!(at(f, "audiences").val, Val::Arr(_)) { strings(f, "audiences") } else { vec![FIC_AUDIENCE.to_string()] },
            }),
        },
        app: object(r, "app", app),
    }
}

/// The ARM `identity` block; a `userAssignedIdentities` value `null` is `None` (detach),
/// anything else (`{}`) is kept as a JSON value.
fn identity(i: &Node) -> IdentityBlock {
    IdentityBlock {
        identity_type: text(i, "type"),
        user_assigned_identities: entries(at(i, "userAssignedIdentities")).iter().map(|(k, _, v)| (k.clone(), (!matches!(v.val, Val::Null)).then(|| json::to_value(v)))).collect(),
    }
}

fn app(a: &Node) -> AppSpec {
    AppSpec { sdk: str_or(a, "sdk", SDK), credential: str_or(a, "credential", CREDENTIAL), managed_identity: str_of(a, "managedIdentity"), env: str_map(a, "env") }
}

fn permission(p: &Node) -> PermissionSpec {
    PermissionSpec { actions: strings(p, "actions"), not_actions: strings(p, "notActions"), data_actions: strings(p, "dataActions"), not_data_actions: strings(p, "notDataActions") }
}

/// One script entry, by its `action` tag (`None` for a missing or unknown tag).
fn action(a: &Node) -> Option<Action> {
    let s = |key| text(a, key);
    let method = || str_or(a, "method", METHOD);
    let auth = || str_or(a, "auth", AUTH);
    Some(match as_str(at(a, "action"))? {
        "enableSystemAssigned" => Action::EnableSystemAssigned { by: s("by"), resource: s("resource") },
        "disableSystemAssigned" => Action::DisableSystemAssigned { by: s("by"), resource: s("resource") },
        "createUserAssignedIdentity" => Action::CreateUserAssignedIdentity { by: s("by"), name: s("name"), resource_group: s("resourceGroup") },
        "deleteUserAssignedIdentity" => Action::DeleteUserAssignedIdentity { by: s("by"), name: s("name") },
        "attachUserAssignedIdentity" => Action::AttachUserAssignedIdentity { by: s("by"), resource: s("resource"), identity: s("identity") },
        "detachUserAssignedIdentity" => Action::DetachUserAssignedIdentity { by: s("by"), resource: s("resource"), identity: s("identity") },
        "patchIdentity" => Action::PatchIdentity { by: s("by"), resource: s("resource"), identity: identity(at(a, "identity")) },
        "createRoleAssignment" => Action::CreateRoleAssignment { by: s("by"), principal_id: s("principalId"), role_definition_id: s("roleDefinitionId"), scope: s("scope") },
        "deleteRoleAssignment" => Action::DeleteRoleAssignment { by: s("by"), principal_id: s("principalId"), role_definition_id: s("roleDefinitionId"), scope: s("scope") },
        "addGroupMember" => Action::AddGroupMember { by: s("by"), group: s("group"), member: s("member") },
        "setAccessPolicy" => Action::SetAccessPolicy { by: s("by"), vault: s("vault"), object_id: s("objectId"), secrets: strings(a, "secrets") },
        "setVaultPermissionModel" => Action::SetVaultPermissionModel { by: s("by"), vault: s("vault"), enable_rbac_authorization: bool_of(a, "enableRbacAuthorization").unwrap_or(false) },
        "deleteResource" => Action::DeleteResource { by: s("by"), resource: s("resource") },
        "advanceClock" => Action::AdvanceClock { duration: s("duration") },
        "getToken" => Action::GetToken { host: s("host"), resource: s("resource") },
        "tokenRequest" => Action::TokenRequest {
            host: s("host"),
            method: method(),
            path: str_of(a, "path"),
            query: pairs(a, "query"),
            headers: pairs(a, "headers"),
            repeat: int(a, "repeat").and_then(|v| u32::try_from(v).ok()).unwrap_or(1),
        },
        "getSecret" => Action::GetSecret { host: s("host"), vault: s("vault"), secret: s("secret"), auth: auth() },
        "blobRequest" => Action::BlobRequest {
            host: s("host"),
            method: method(),
            account: s("account"),
            container: s("container"),
            blob: s("blob"),
            // Absent: the default version; `null`: no header.
            x_ms_version: match get(a, "xMsVersion").map(|v| &v.val) {
                Some(Val::Null) => None,
                Some(Val::Str(v)) => Some(v.clone()),
                _ => Some(X_MS_VERSION.to_string()),
            },
            auth: auth(),
        },
        "armRequest" => Action::ArmRequest { host: s("host"), method: method(), target: s("target"), auth: auth() },
        "sqlConnect" => Action::SqlConnect { host: s("host"), database: s("database"), auth: auth() },
        "configureApp" => Action::ConfigureApp { host: s("host"), sdk: str_of(a, "sdk"), credential: str_of(a, "credential"), managed_identity: str_of(a, "managedIdentity"), env: str_map(a, "env") },
        "fault" => Action::Fault { target: s("target"), kind: s("kind"), duration: s("duration"), host: str_of(a, "host") },
        "note" => Action::Note { text: s("text") },
        _ => return None,
    })
}


/// The string value of a top-level key of a JSON object text (`None` when the text is not
/// a JSON object, the key is absent or its value is not a string).
pub fn string_field(text: &str, key: &str) -> Option<String> {
    str_of(&json::parse(text).ok()?, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema;
    use serde_json::{json, Value};

    /// Decodes `text` both ways; they must agree.
    fn same(text: &str) -> Scenario {
        let by_serde: Scenario = serde_json::from_str(text).unwrap_or_else(|e| panic!("serde: {e}\n{text}"));
        let root = json::parse(text).unwrap();
        let mut d = Vec::new();
        schema::check(&root, &mut d);
        assert!(d.is_empty(), "schema: {d:?}");
        let ours = scenario(&root);
        assert_eq!(ours, by_serde, "{text}");
        ours
    }

    #[test]
    fn every_built_in() {
        assert!(!crate::scenarios::BUILT_INS.is_empty());
        for b in crate::scenarios::BUILT_INS {
            let root = json::parse(b.json).unwrap();
            assert_eq!(scenario(&root), serde_json::from_str::<Scenario>(b.json).unwrap(), "{}", b.id);
        }
    }

    /// Every optional field set to a non-default value, every action (`x` marks values
    /// the tests below replace or remove).
    fn full() -> Value {
        let ops = json!({"by": "alice"});
        let with = |mut a: Value, extra: Value| {
            a.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            a.as_object_mut().unwrap().extend(ops.as_object().unwrap().clone());
            a
        };
        json!({
            "version": 1, "name": "everything", "description": "d", "learningGoal": "g", "seed": 18446744073709551615u64, "startTime": "2027-02-03T04:05:06Z",
            "world": {
                "tenant": {"tenantId": "11111111-1111-4111-8111-111111111111", "domain": "contoso.onmicrosoft.com"},
                "subscriptions": [
                    {"name": "sub", "subscriptionId": "22222222-2222-4222-8222-222222222222", "managementGroup": "mg", "resourceGroups": [{"name": "rg", "location": "northeurope"}, {"name": "rg2"}]},
                    {"name": "sub2", "resourceGroups": []}
                ],
                "users": [{"name": "alice", "objectId": "33333333-3333-4333-8333-333333333333"}, {"name": "bob"}],
                "groups": [{"name": "readers", "objectId": "44444444-4444-4444-8444-444444444444", "members": ["vm", "bob"]}, {"name": "empty"}],
                "resources": [
                    {"type": "Microsoft.Compute/virtualMachines", "name": "vm", "resourceGroup": "rg", "subscription": "sub", "location": "eastus",
                     "identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {"u1": {}, "u2": null}},
                     "app": {"sdk": "python", "credential": "ManagedIdentityCredential", "managedIdentity": "u1", "env": {"AZURE_CLIENT_ID": "x", "B": ""}}},
                    {"type": "Microsoft.Web/sites", "name": "app", "resourceGroup": "rg", "identity": {"type": "SystemAssigned"}, "properties": {"kind": "functionapp"}, "app": {}},
                    {"type": "Microsoft.KeyVault/vaults", "name": "kv", "resourceGroup": "rg",
                     "properties": {"enableRbacAuthorization": false, "secrets": [{"name": "s", "value": "v"}], "accessPolicies": [{"objectId": "vm", "secrets": ["get", "list"]}, {"objectId": "bob"}]}},
                    {"type": "Microsoft.Storage/storageAccounts", "name": "st", "resourceGroup": "rg2", "properties": {"containers": [{"name": "c", "blobs": [{"name": "b.txt", "content": "hi"}, {"name": "empty.txt"}]}, {"name": "c2"}]}},
                    {"type": "Microsoft.Sql/servers/databases", "name": "db", "resourceGroup": "rg", "properties": {"containedUsers": ["vm"]}},
                    {"type": "Microsoft.ContainerService/managedClusters", "name": "aks", "resourceGroup": "rg",
                     "properties": {"namespace": "ns", "serviceAccount": "sa", "workloadIdentity": "u1", "oidcIssuer": "https://oidc.example/"}},
                    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "u1", "resourceGroup": "rg",
                     "properties": {"oidcIssuer": "https://oidc.example/", "federatedIdentityCredentials": [
                        {"name": "f1", "issuer": "https://oidc.example/", "subject": "system:serviceaccount:ns:sa", "audiences": ["api://custom", "x"]},
                        {"name": "f2", "issuer": "https://oidc.example/", "subject": "s2", "audiences": []},
                        {"name": "f3", "issuer": "https://oidc.example/", "subject": "s3"}]}},
                    {"type": "Microsoft.HybridCompute/machines", "name": "arc", "resourceGroup": "rg", "identity": {"type": "None", "userAssignedIdentities": {}}}
                ],
                "laptops": [{"name": "laptop", "azCliUser": "bob", "app": {"sdk": "js", "credential": "DefaultAzureCredential"}}, {"name": "bare"}],
                "roleDefinitions": [
                    {"roleName": "Custom", "id": "55555555-5555-4555-8555-555555555555", "description": "c", "assignableScopes": ["sub"],
                     "permissions": [{"actions": ["a"], "notActions": ["b"], "dataActions": ["c"], "notDataActions": ["d"]}, {}]},
                    {"roleName": "Bare", "permissions": []}
                ],
                "roleAssignments": [{"principalId": "vm", "roleDefinitionId": "Key Vault Secrets User", "scope": "kv"}],
                "denyAssignments": [
                    {"denyAssignmentName": "deny", "scope": "rg", "principals": ["Everyone"], "excludePrincipals": ["alice"], "doNotApplyToChildScopes": true, "permissions": [{"dataActions": ["*"]}]},
                    {"denyAssignmentName": "deny2", "scope": "rg", "principals": [], "permissions": []}
                ],
                "settings": {"rbacPropagation": "10m", "identityPropagation": "30s"}
            },
            "script": [
                with(json!({"action": "enableSystemAssigned"}), json!({"resource": "vm"})),
                with(json!({"action": "disableSystemAssigned"}), json!({"resource": "vm"})),
                with(json!({"action": "createUserAssignedIdentity"}), json!({"name": "u3", "resourceGroup": "rg2"})),
                with(json!({"action": "deleteUserAssignedIdentity"}), json!({"name": "u3"})),
                with(json!({"action": "attachUserAssignedIdentity"}), json!({"resource": "vm", "identity": "u1"})),
                with(json!({"action": "detachUserAssignedIdentity"}), json!({"resource": "vm", "identity": "u1"})),
                with(json!({"action": "patchIdentity"}), json!({"resource": "vm", "identity": {"type": "UserAssigned", "userAssignedIdentities": {"u1": {}, "u2": null}}})),
                with(json!({"action": "createRoleAssignment"}), json!({"principalId": "vm", "roleDefinitionId": "Reader", "scope": "rg"})),
                with(json!({"action": "deleteRoleAssignment"}), json!({"principalId": "vm", "roleDefinitionId": "Reader", "scope": "rg"})),
                with(json!({"action": "addGroupMember"}), json!({"group": "readers", "member": "u1"})),
                with(json!({"action": "setAccessPolicy"}), json!({"vault": "kv", "objectId": "u1", "secrets": ["get"]})),
                with(json!({"action": "setVaultPermissionModel"}), json!({"vault": "kv", "enableRbacAuthorization": true})),
                with(json!({"action": "deleteResource"}), json!({"resource": "db"})),
                {"action": "advanceClock", "duration": "1h30m"},
                {"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"},
                {"action": "tokenRequest", "host": "vm", "method": "POST", "path": "/metadata/identity/info", "query": [["api-version", "2018-02-01"], ["client_id", "$clientId:u1"]], "headers": [["Metadata", "true"]], "repeat": 25},
                {"action": "getSecret", "host": "vm", "vault": "kv", "secret": "s", "auth": "none"},
                {"action": "blobRequest", "host": "vm", "method": "PUT", "account": "st", "container": "c", "blob": "b.txt", "xMsVersion": "2017-11-09", "auth": "https://vault.azure.net"},
                {"action": "blobRequest", "host": "vm", "account": "st", "container": "c", "blob": "b.txt", "xMsVersion": null},
                {"action": "armRequest", "host": "vm", "method": "DELETE", "target": "vm", "auth": "none"},
                {"action": "sqlConnect", "host": "vm", "database": "db", "auth": "https://database.windows.net/"},
                {"action": "configureApp", "host": "vm", "sdk": "js", "credential": "DefaultAzureCredential", "managedIdentity": "", "env": {"AZURE_CLIENT_ID": "", "X": "y"}},
                {"action": "fault", "target": "imds", "kind": "throttle", "duration": "5m", "host": "vm"},
                {"action": "fault", "target": "entra", "kind": "outage", "duration": "1m"},
                {"action": "note", "text": "done"}
            ]
        })
    }

    /// Every optional field left out, every action (with only its required fields).
    fn minimal() -> Value {
        json!({
            "version": 1, "name": "defaults",
            "world": {
                "subscriptions": [{"name": "sub", "resourceGroups": [{"name": "rg"}]}],
                "resources": [
                    {"type": "Microsoft.Compute/virtualMachines", "name": "vm", "resourceGroup": "rg", "identity": {"type": "SystemAssigned"}, "app": {}, "properties": {}},
                    {"type": "Microsoft.KeyVault/vaults", "name": "kv", "resourceGroup": "rg", "properties": {"accessPolicies": [{"objectId": "vm"}], "secrets": []}},
                    {"type": "Microsoft.Storage/storageAccounts", "name": "st", "resourceGroup": "rg", "properties": {"containers": [{"name": "c", "blobs": [{"name": "b"}]}]}},
                    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "u1", "resourceGroup": "rg", "properties": {"federatedIdentityCredentials": [{"name": "f", "issuer": "i", "subject": "s"}]}}
                ],
                "groups": [{"name": "g"}],
                "users": [{"name": "alice"}],
                "laptops": [{"name": "laptop", "app": {}}],
                "roleDefinitions": [{"roleName": "r", "permissions": [{}]}],
                "roleAssignments": [],
                "denyAssignments": [{"denyAssignmentName": "d", "scope": "rg", "principals": ["Everyone"], "permissions": [{}]}],
                "tenant": {},
                "settings": {}
            },
            "script": [
                {"action": "enableSystemAssigned", "by": "alice", "resource": "vm"},
                {"action": "disableSystemAssigned", "by": "alice", "resource": "vm"},
                {"action": "createUserAssignedIdentity", "by": "alice", "name": "u2", "resourceGroup": "rg"},
                {"action": "deleteUserAssignedIdentity", "by": "alice", "name": "u2"},
                {"action": "attachUserAssignedIdentity", "by": "alice", "resource": "vm", "identity": "u1"},
                {"action": "detachUserAssignedIdentity", "by": "alice", "resource": "vm", "identity": "u1"},
                {"action": "patchIdentity", "by": "alice", "resource": "vm", "identity": {"type": "None"}},
                {"action": "createRoleAssignment", "by": "alice", "principalId": "vm", "roleDefinitionId": "Reader", "scope": "rg"},
                {"action": "deleteRoleAssignment", "by": "alice", "principalId": "vm", "roleDefinitionId": "Reader", "scope": "rg"},
                {"action": "addGroupMember", "by": "alice", "group": "g", "member": "vm"},
                {"action": "setAccessPolicy", "by": "alice", "vault": "kv", "objectId": "vm"},
                {"action": "setVaultPermissionModel", "by": "alice", "vault": "kv", "enableRbacAuthorization": false},
                {"action": "deleteResource", "by": "alice", "resource": "st"},
                {"action": "advanceClock", "duration": "10m"},
                {"action": "getToken", "host": "vm", "resource": "https://vault.azure.net"},
                {"action": "tokenRequest", "host": "vm"},
                {"action": "getSecret", "host": "vm", "vault": "kv", "secret": "s"},
                {"action": "blobRequest", "host": "vm", "account": "st", "container": "c", "blob": "b"},
                {"action": "armRequest", "host": "vm", "target": "vm"},
                {"action": "sqlConnect", "host": "vm", "database": "db"},
                {"action": "configureApp", "host": "vm"},
                {"action": "fault", "target": "entra", "kind": "updating", "duration": "1m"},
                {"action": "note", "text": ""}
            ]
        })
    }

    /// The variant's position in the enum; the match has no wildcard, so a new variant
    /// fails to compile here until the tests cover it.
    fn variant(a: &Action) -> usize {
        match a {
            Action::EnableSystemAssigned { .. } => 0,
            Action::DisableSystemAssigned { .. } => 1,
            Action::CreateUserAssignedIdentity { .. } => 2,
            Action::DeleteUserAssignedIdentity { .. } => 3,
            Action::AttachUserAssignedIdentity { .. } => 4,
            Action::DetachUserAssignedIdentity { .. } => 5,
            Action::PatchIdentity { .. } => 6,
            Action::CreateRoleAssignment { .. } => 7,
            Action::DeleteRoleAssignment { .. } => 8,
            Action::AddGroupMember { .. } => 9,
            Action::SetAccessPolicy { .. } => 10,
            Action::SetVaultPermissionModel { .. } => 11,
            Action::DeleteResource { .. } => 12,
            Action::AdvanceClock { .. } => 13,
            Action::GetToken { .. } => 14,
            Action::TokenRequest { .. } => 15,
            Action::GetSecret { .. } => 16,
            Action::BlobRequest { .. } => 17,
            Action::ArmRequest { .. } => 18,
            Action::SqlConnect { .. } => 19,
            Action::ConfigureApp { .. } => 20,
            Action::Fault { .. } => 21,
            Action::Note { .. } => 22,
        }
    }
    const VARIANTS: usize = 23;

    fn covers_every_action(sc: &Scenario, doc: &Value) {
        let mut seen = [false; VARIANTS];
        sc.script.iter().for_each(|a| seen[variant(a)] = true);
        assert!(seen.iter().all(|s| *s), "{seen:?}");
        assert_eq!(schema::ACTIONS.len(), VARIANTS);
        for o in schema::ACTIONS {
            assert!(doc["script"].as_array().unwrap().iter().any(|a| a["action"] == o.name), "{}", o.name);
        }
    }

    #[test]
    fn every_action_and_optional_field_with_values() {
        let doc = full();
        let sc = same(&serde_json::to_string_pretty(&doc).unwrap());
        covers_every_action(&sc, &doc);
        // Spot checks that the values are really not the defaults.
        assert_eq!(sc.seed, u64::MAX);
        let blobs: Vec<_> = sc.script.iter().filter_map(|a| if let Action::BlobRequest { x_ms_version, .. } = a { Some(x_ms_version.clone()) } else { None }).collect();
        assert_eq!(blobs, [Some("2017-11-09".to_string()), None]);
        let uai = &sc.world.resources[0].identity.as_ref().unwrap().user_assigned_identities;
        assert_eq!(uai["u1"], Some(Value::Object(Default::default())));
        assert_eq!(uai["u2"], None);
        assert!(matches!(&sc.script[15], Action::TokenRequest { repeat: 25, query, headers, .. } if query.len() == 2 && headers[0] == ("Metadata".into(), "true".into())));
    }

    #[test]
    fn every_action_with_defaults_omitted() {
        let doc = minimal();
        let sc = same(&doc.to_string());
        covers_every_action(&sc, &doc);
        assert_eq!((sc.seed, sc.start_time.as_str()), (0, START_TIME));
        assert_eq!((sc.world.settings.rbac_propagation.as_str(), sc.world.settings.identity_propagation.as_str()), ("5m", "0s"));
        assert_eq!(sc.world.subscriptions[0].resource_groups[0].location, "westeurope");
        let app = sc.world.resources[0].app.as_ref().unwrap();
        assert_eq!((app.sdk.as_str(), app.credential.as_str()), (SDK, CREDENTIAL));
        assert_eq!(sc.world.resources[3].properties.federated_identity_credentials[0].audiences, [FIC_AUDIENCE]);
        assert!(matches!(&sc.script[15], Action::TokenRequest { method, repeat: 1, path: None, .. } if method == "GET"));
        assert!(matches!(&sc.script[16], Action::GetSecret { auth, .. } if auth == "sdk"));
        assert!(matches!(&sc.script[17], Action::BlobRequest { x_ms_version: Some(v), method, .. } if v == X_MS_VERSION && method == "GET"));
        // The smallest document: no script, no settings, no tenant.
        let sc = same(r#"{"version": 1, "name": "n", "world": {"subscriptions": []}}"#);
        assert!(sc.script.is_empty() && sc.world == WorldSpec::default());
    }

    /// The path (child indices) of every node under `n`.
    fn paths(n: &Node, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(here.clone());
        let kids: Vec<&Node> = match &n.val {
            Val::Obj(o) => o.iter().map(|(_, _, v)| v).collect(),
            Val::Arr(a) => a.iter().collect(),
            _ => Vec::new(),
        };
        for (i, k) in kids.into_iter().enumerate() {
            here.push(i);
            paths(k, here, out);
            here.pop();
        }
    }

    fn node_at<'a>(n: &'a mut Node, path: &[usize]) -> &'a mut Node {
        path.iter().fold(n, |n, &i| match &mut n.val {
            Val::Obj(o) => &mut o[i].2,
            Val::Arr(a) => &mut a[i],
            _ => unreachable!(),
        })
    }

    #[test]
    fn mutations_of_the_full_document() {
        assert!(mutations_agree_with_serde(&full()) > 400);
    }

    #[test]
    fn mutations_of_the_minimal_document() {
        assert!(mutations_agree_with_serde(&minimal()) > 200);
    }

    /// Removes each field and array item, and replaces each value with values of every
    /// type: decoding never panics, and whenever the schema accepts the result, serde (as
    /// `load` uses it today) accepts it too and the two agree, so every default is checked
    /// one field at a time. Returns how many trees were compared.
    fn mutations_agree_with_serde(doc: &Value) -> usize {
        let doc = json::parse(&doc.to_string()).unwrap();
        let replacements: Vec<Node> = ["null", "true", "7", "4294967296", "\"x\"", "\"GET\"", "[]", "[\"a\", \"b\"]", "{}", r#"{"action": "note", "text": "t"}"#].iter().map(|t| json::parse(t).unwrap()).collect();
        let mut all = Vec::new();
        paths(&doc, &mut Vec::new(), &mut all);
        let mut compared = 0;
        for path in &all {
            let mut trees = Vec::new();
            let mut key = None;
            if let Some((&last, parent)) = path.split_last() {
                let mut t = doc.clone();
                match &mut node_at(&mut t, parent).val {
                    Val::Obj(o) => key = Some(o.remove(last).0),
                    Val::Arr(a) => drop(a.remove(last)),
                    _ => unreachable!(),
                }
                trees.push(t);
            }
            // The schema's whole numbers are u64 but `version` and `repeat` are u32: serde
            // rejects a larger value where the decoder takes the default (not compared).
            let u32_field = matches!(key.as_deref(), Some("version" | "repeat"));
            for r in replacements.iter().filter(|r| !(u32_field && r.val == Val::Num("4294967296".into()))) {
                let mut t = doc.clone();
                *node_at(&mut t, path) = r.clone();
                trees.push(t);
            }
            for t in trees {
                let ours = scenario(&t);
                let mut problems = Vec::new();
                schema::check(&t, &mut problems);
                if problems.is_empty() {
                    assert_eq!(Some(ours), serde_json::from_value::<Scenario>(json::to_value(&t)).ok(), "{}", json::to_value(&t));
                    compared += 1;
                }
            }
        }
        compared
    }

    #[test]
    fn trees_the_schema_rejects_do_not_panic() {
        for text in ["null", "[]", "7", "\"x\"", "{}", r#"{"world": 5, "script": {}}"#, r#"{"version": -1, "seed": 1e99, "world": {"resources": [5, null, {"identity": [], "properties": 5, "app": "x"}]}, "script": [1, null, {"action": 3}, {"action": "nope"}, {"action": "tokenRequest", "query": [[1, 2], ["a"], "x"], "repeat": 99999999999}, {"action": "patchIdentity", "identity": 5}]}"#] {
            let sc = scenario(&json::parse(text).unwrap());
            assert!(sc.script.len() <= 2);
        }
        let sc = scenario(&json::parse(r#"{"version": 4294967296, "script": [{"action": "tokenRequest", "repeat": 4294967296}]}"#).unwrap());
        assert_eq!(sc.version, 0);
        assert!(matches!(sc.script[0], Action::TokenRequest { repeat: 1, .. }));
    }


    #[test]
    fn string_fields() {
        let body = r#"{"access_token": "eyJ0.x.y", "expires_on": "1768554300", "n": 3, "error_description": "Identity \"x\" not found\n", "message": null}"#;
        assert_eq!(string_field(body, "access_token").as_deref(), Some("eyJ0.x.y"));
        assert_eq!(string_field(body, "error_description").as_deref(), Some("Identity \"x\" not found\n"));
        for key in ["n", "message", "missing"] {
            assert_eq!(string_field(body, key), None);
        }
        for text in ["", "not json", "[\"access_token\"]", "\"access_token\"", r#"{"error": {"message": "nested"}}"#] {
            assert_eq!(string_field(text, "access_token"), None);
            assert_eq!(string_field(text, "message"), None);
        }
        // Agrees with reading through serde_json::Value.
        for (text, key) in [(body, "access_token"), (body, "n"), (r#"{"message": "Caller is not authorized"}"#, "message")] {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(string_field(text, key), v.get(key).and_then(Value::as_str).map(str::to_string));
        }
    }
}
