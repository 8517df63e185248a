//! The scenario format, declared once: this table drives validation (every problem, with
//! its path, position and a hint) and the published JSON Schema (`mip schema`).

use super::json::{Node, Pos, Val};
use super::time::{parse_duration, SimTime};

/// A field's type.
#[derive(Clone, Copy)]
pub enum Ty {
    /// A string.
    Str,
    /// A non-negative integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// A duration such as `10m`, `24h`, `45d`.
    Duration,
    /// An RFC 3339 UTC time such as `2026-01-15T09:00:00Z`.
    Time,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// An object.
    Obj(&'static Obj),
    /// An array of items.
    Arr(&'static Ty),
    /// An object used as a map from string keys to values of this type.
    Map(&'static Ty),
    /// `{}` (attach) or `null` (detach).
    EmptyOrNull,
    /// A `[name, value]` pair of strings.
    Pair,
    /// A string or `null`.
    StrOrNull,
    /// The script: an array of objects tagged by `action`.
    Actions,
}

/// An object type.
pub struct Obj {
    /// Name in the JSON Schema's `$defs`.
    pub name: &'static str,
    /// Description.
    pub doc: &'static str,
    /// Fields.
    pub fields: &'static [F],
}

/// A field.
pub struct F {
    /// JSON name.
    pub name: &'static str,
    /// Type.
    pub ty: Ty,
    /// Must be present.
    pub req: bool,
    /// Description.
    pub doc: &'static str,
}

const fn f(name: &'static str, ty: Ty, doc: &'static str) -> F {
    F { name, ty, req: false, doc }
}
const fn r(name: &'static str, ty: Ty, doc: &'static str) -> F {
    F { name, ty, req: true, doc }
}

/// Resource types the model knows.
pub const RESOURCE_TYPES: &[&str] = &[
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Compute/virtualMachineScaleSets",
    "Microsoft.Web/sites",
    "Microsoft.HybridCompute/machines",
    "Microsoft.ContainerService/managedClusters",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Sql/servers/databases",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
];
const IDENTITY_TYPES: &[&str] = &["None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "SystemAssigned,UserAssigned"];
const SDKS: &[&str] = &["dotnet", "python", "js"];
const CREDENTIALS: &[&str] = &["DefaultAzureCredential", "ManagedIdentityCredential"];
const FAULTS: &[&str] = &["throttle", "outage", "updating"];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The whole document.
pub static SCENARIO: Obj = Obj {
    name: "Scenario",
    doc: "A Managed Identity Playground scenario: a world and a script of actions.",
    fields: &[
        r("version", Ty::Int, "Format version; must be 1."),
        r("name", Ty::Str, "Title shown in the gallery."),
        f("description", Ty::Str, "What happens, in a sentence or two."),
        f("learningGoal", Ty::Str, "What the learner should take away."),
        f("seed", Ty::Int, "Seed for every generated id; the same seed gives the same trace."),
        f("startTime", Ty::Time, "Virtual start time (UTC)."),
        r("world", Ty::Obj(&WORLD), "The initial world."),
        f("script", Ty::Actions, "Actions, run in order."),
    ],
};

static WORLD: Obj = Obj {
    name: "World",
    doc: "The tenant, subscriptions, resources and permissions at the start.",
    fields: &[
        f("tenant", Ty::Obj(&TENANT), "The Entra tenant."),
        r("subscriptions", Ty::Arr(&Ty::Obj(&SUBSCRIPTION)), "Subscriptions with their resource groups."),
        f("users", Ty::Arr(&Ty::Obj(&USER)), "Users (operators, developers)."),
        f("groups", Ty::Arr(&Ty::Obj(&GROUP)), "Security groups."),
        f("resources", Ty::Arr(&Ty::Obj(&RESOURCE)), "Azure resources, user-assigned identities included."),
        f("appRegistrations", Ty::Arr(&Ty::Obj(&APP_REGISTRATION)), "App registrations (application object + service principal)."),
        f("laptops", Ty::Arr(&Ty::Obj(&LAPTOP)), "Developer machines outside Azure."),
        f("roleDefinitions", Ty::Arr(&Ty::Obj(&ROLE_DEFINITION)), "Custom roles (built-in roles always exist)."),
        f("roleAssignments", Ty::Arr(&Ty::Obj(&ROLE_ASSIGNMENT)), "Role assignments in force at the start."),
        f("denyAssignments", Ty::Arr(&Ty::Obj(&DENY_ASSIGNMENT)), "Deny assignments."),
        f("settings", Ty::Obj(&SETTINGS), "Timing knobs."),
    ],
};

static TENANT: Obj = Obj { name: "Tenant", doc: "The Entra tenant.", fields: &[f("tenantId", Ty::Str, "Tenant id (GUID); generated when absent."), f("domain", Ty::Str, "Primary domain.")] };

static SUBSCRIPTION: Obj = Obj {
    name: "Subscription",
    doc: "A subscription.",
    fields: &[
        r("name", Ty::Str, "Display name; usable as a scope."),
        f("subscriptionId", Ty::Str, "GUID; generated when absent."),
        f("resourceGroups", Ty::Arr(&Ty::Obj(&RESOURCE_GROUP)), "Resource groups."),
        f("managementGroup", Ty::Str, "Management group above it."),
    ],
};

static RESOURCE_GROUP: Obj = Obj { name: "ResourceGroup", doc: "A resource group.", fields: &[r("name", Ty::Str, "Name."), f("location", Ty::Str, "Region (default westeurope).")] };

static USER: Obj = Obj { name: "User", doc: "A user.", fields: &[r("name", Ty::Str, "Short name used in references."), f("objectId", Ty::Str, "Object id; generated when absent.")] };

static GROUP: Obj = Obj {
    name: "Group",
    doc: "A security group.",
    fields: &[r("name", Ty::Str, "Name used in references."), f("objectId", Ty::Str, "Object id; generated when absent."), f("members", Ty::Arr(&Ty::Str), "Members: users, identities (resource or identity names).")],
};

static RESOURCE: Obj = Obj {
    name: "Resource",
    doc: "An Azure resource.",
    fields: &[
        r("type", Ty::Enum(RESOURCE_TYPES), "ARM resource type."),
        r("name", Ty::Str, "Name, unique in the scenario."),
        r("resourceGroup", Ty::Str, "Resource group name."),
        f("subscription", Ty::Str, "Subscription name (default: the first)."),
        f("location", Ty::Str, "Region (default: the resource group's)."),
        f("identity", Ty::Obj(&IDENTITY), "The ARM identity block."),
        f("properties", Ty::Obj(&PROPERTIES), "Type-specific properties."),
        f("app", Ty::Obj(&APP), "The code running on a compute resource."),
    ],
};

static IDENTITY: Obj = Obj {
    name: "Identity",
    doc: "The ARM `identity` block.",
    fields: &[r("type", Ty::Enum(IDENTITY_TYPES), "Which identities the resource has."), f("userAssignedIdentities", Ty::Map(&Ty::EmptyOrNull), "Identity name or resource id → {} (attach) or null (detach).")],
};

static PROPERTIES: Obj = Obj {
    name: "Properties",
    doc: "Type-specific properties.",
    fields: &[
        f("enableRbacAuthorization", Ty::Bool, "Key Vault: Azure RBAC (true) or access policies (false)."),
        f("secrets", Ty::Arr(&Ty::Obj(&SECRET)), "Key Vault: secrets."),
        f("accessPolicies", Ty::Arr(&Ty::Obj(&ACCESS_POLICY)), "Key Vault: access policies."),
        f("containers", Ty::Arr(&Ty::Obj(&CONTAINER)), "Storage: blob containers."),
        f("kind", Ty::Enum(&["app", "functionapp"]), "App Service: app or functionapp."),
        f("containedUsers", Ty::Arr(&Ty::Str), "SQL database: principals created FROM EXTERNAL PROVIDER."),
        f("namespace", Ty::Str, "AKS workload: namespace."),
        f("serviceAccount", Ty::Str, "AKS workload: service account."),
        f("workloadIdentity", Ty::Str, "AKS workload: the user-assigned identity of the service account."),
        f("oidcIssuer", Ty::Str, "AKS workload: the cluster's OIDC issuer URL."),
        f("federatedIdentityCredentials", Ty::Arr(&Ty::Obj(&FIC)), "User-assigned identity: federated credentials."),
    ],
};

static SECRET: Obj = Obj { name: "Secret", doc: "A Key Vault secret.", fields: &[r("name", Ty::Str, "Name."), r("value", Ty::Str, "Value (demo data).")] };
static ACCESS_POLICY: Obj = Obj { name: "AccessPolicy", doc: "A Key Vault access policy.", fields: &[r("objectId", Ty::Str, "Principal reference or object id."), f("secrets", Ty::Arr(&Ty::Str), "Secret permissions, e.g. get, list.")] };
static CONTAINER: Obj = Obj { name: "Container", doc: "A blob container.", fields: &[r("name", Ty::Str, "Name."), f("blobs", Ty::Arr(&Ty::Obj(&BLOB)), "Blobs.")] };
static BLOB: Obj = Obj { name: "Blob", doc: "A blob.", fields: &[r("name", Ty::Str, "Name."), f("content", Ty::Str, "Text content.")] };
static FIC: Obj = Obj {
    name: "FederatedIdentityCredential",
    doc: "A federated identity credential.",
    fields: &[r("name", Ty::Str, "Name."), r("issuer", Ty::Str, "Issuer URL."), r("subject", Ty::Str, "Subject, e.g. system:serviceaccount:ns:sa."), f("audiences", Ty::Arr(&Ty::Str), "Audiences (default api://AzureADTokenExchange).")],
};

static APP: Obj = Obj {
    name: "App",
    doc: "Application code and its SDK.",
    fields: &[
        f("sdk", Ty::Enum(SDKS), "SDK family."),
        f("credential", Ty::Enum(CREDENTIALS), "Credential class."),
        f("managedIdentity", Ty::Str, "User-assigned identity to use (name, client id or resource id)."),
        f("env", Ty::Map(&Ty::Str), "Extra environment variables."),
    ],
};

static APP_REGISTRATION: Obj = Obj {
    name: "AppRegistration",
    doc: "An app registration: an application object and its service principal.",
    fields: &[
        r("name", Ty::Str, "Display name used in references."),
        f("identifierUri", Ty::Str, "App ID URI tokens can be requested for, e.g. api://orders-api."),
        f("appRoles", Ty::Arr(&Ty::Str), "App roles the API defines."),
        f("appRoleAssignments", Ty::Arr(&Ty::Obj(&APP_ROLE_ASSIGNMENT)), "App roles granted to principals (they appear in `roles`)."),
    ],
};

static APP_ROLE_ASSIGNMENT: Obj = Obj { name: "AppRoleAssignment", doc: "An app role granted to a principal.", fields: &[r("principalId", Ty::Str, "Principal reference or object id."), r("role", Ty::Str, "The app role's value.")] };

static LAPTOP: Obj = Obj {
    name: "Laptop",
    doc: "A developer machine outside Azure.",
    fields: &[r("name", Ty::Str, "Host name used in actions."), f("azCliUser", Ty::Str, "User signed in to the Azure CLI."), f("app", Ty::Obj(&APP), "The code and SDK.")],
};

static PERMISSION: Obj = Obj {
    name: "Permission",
    doc: "A permissions block.",
    fields: &[
        f("actions", Ty::Arr(&Ty::Str), "Control-plane actions granted."),
        f("notActions", Ty::Arr(&Ty::Str), "Control-plane actions subtracted (not a deny)."),
        f("dataActions", Ty::Arr(&Ty::Str), "Data actions granted."),
        f("notDataActions", Ty::Arr(&Ty::Str), "Data actions subtracted."),
    ],
};

static ROLE_DEFINITION: Obj = Obj {
    name: "RoleDefinition",
    doc: "A custom role.",
    fields: &[
        r("roleName", Ty::Str, "Name."),
        f("id", Ty::Str, "GUID; generated when absent."),
        f("description", Ty::Str, "Description."),
        r("permissions", Ty::Arr(&Ty::Obj(&PERMISSION)), "Permission blocks."),
        f("assignableScopes", Ty::Arr(&Ty::Str), "Where it may be assigned."),
    ],
};

static ROLE_ASSIGNMENT: Obj = Obj {
    name: "RoleAssignment",
    doc: "A role assignment.",
    fields: &[
        r("principalId", Ty::Str, "Principal: a name reference or object id."),
        r("roleDefinitionId", Ty::Str, "Role name or GUID."),
        r("scope", Ty::Str, "ARM id, or the name of a subscription, resource group or resource."),
    ],
};

static DENY_ASSIGNMENT: Obj = Obj {
    name: "DenyAssignment",
    doc: "A deny assignment.",
    fields: &[
        r("denyAssignmentName", Ty::Str, "Name."),
        r("permissions", Ty::Arr(&Ty::Obj(&PERMISSION)), "Denied permissions."),
        r("scope", Ty::Str, "Scope."),
        r("principals", Ty::Arr(&Ty::Str), "Principals denied; Everyone for all."),
        f("excludePrincipals", Ty::Arr(&Ty::Str), "Principals exempt."),
        f("doNotApplyToChildScopes", Ty::Bool, "Only at the scope itself."),
    ],
};

static SETTINGS: Obj = Obj {
    name: "Settings",
    doc: "Timing knobs.",
    fields: &[f("rbacPropagation", Ty::Duration, "Delay before a new role assignment is effective (default 5m)."), f("identityPropagation", Ty::Duration, "Delay before IMDS sees identity changes (default 0s).")],
};

macro_rules! action {
    ($name:ident, $tag:literal, $doc:literal, [$($field:expr),* $(,)?]) => {
        static $name: Obj = Obj { name: $tag, doc: $doc, fields: &[$($field),*] };
    };
}

action!(A_ENABLE, "enableSystemAssigned", "Turn on a resource's system-assigned identity.", [r("by", Ty::Str, "Operator."), r("resource", Ty::Str, "Resource name.")]);
action!(A_DISABLE, "disableSystemAssigned", "Turn off a resource's system-assigned identity.", [r("by", Ty::Str, "Operator."), r("resource", Ty::Str, "Resource name.")]);
action!(A_CREATE_UAMI, "createUserAssignedIdentity", "Create a user-assigned identity.", [r("by", Ty::Str, "Operator."), r("name", Ty::Str, "Identity name."), r("resourceGroup", Ty::Str, "Resource group.")]);
action!(A_DELETE_UAMI, "deleteUserAssignedIdentity", "Delete a user-assigned identity.", [r("by", Ty::Str, "Operator."), r("name", Ty::Str, "Identity name.")]);
action!(A_ATTACH, "attachUserAssignedIdentity", "Attach a user-assigned identity.", [r("by", Ty::Str, "Operator."), r("resource", Ty::Str, "Resource name."), r("identity", Ty::Str, "Identity name.")]);
action!(A_DETACH, "detachUserAssignedIdentity", "Detach a user-assigned identity.", [r("by", Ty::Str, "Operator."), r("resource", Ty::Str, "Resource name."), r("identity", Ty::Str, "Identity name.")]);
action!(A_PATCH, "patchIdentity", "ARM PATCH of the identity block.", [r("by", Ty::Str, "Operator."), r("resource", Ty::Str, "Resource name."), r("identity", Ty::Obj(&IDENTITY), "The new identity block.")]);
action!(A_CREATE_RA, "createRoleAssignment", "Create a role assignment.", [r("by", Ty::Str, "Operator."), r("principalId", Ty::Str, "Principal reference."), r("roleDefinitionId", Ty::Str, "Role name or GUID."), r("scope", Ty::Str, "Scope reference.")]);
action!(A_DELETE_RA, "deleteRoleAssignment", "Delete a role assignment.", [r("by", Ty::Str, "Operator."), r("principalId", Ty::Str, "Principal reference."), r("roleDefinitionId", Ty::Str, "Role name or GUID."), r("scope", Ty::Str, "Scope reference.")]);
action!(A_GROUP, "addGroupMember", "Add a member to a group.", [r("by", Ty::Str, "Operator."), r("group", Ty::Str, "Group name."), r("member", Ty::Str, "Member reference.")]);
action!(A_SET_POLICY, "setAccessPolicy", "Add, replace or remove (no permissions) a Key Vault access policy.", [r("by", Ty::Str, "Operator."), r("vault", Ty::Str, "Vault name."), r("objectId", Ty::Str, "Principal reference."), f("secrets", Ty::Arr(&Ty::Str), "Secret permissions; empty removes the policy.")]);
action!(A_SET_MODEL, "setVaultPermissionModel", "Switch a vault between access policies and Azure RBAC.", [r("by", Ty::Str, "Operator."), r("vault", Ty::Str, "Vault name."), r("enableRbacAuthorization", Ty::Bool, "true: Azure RBAC; false: access policies.")]);
action!(A_DELETE, "deleteResource", "Delete a resource.", [r("by", Ty::Str, "Operator."), r("resource", Ty::Str, "Resource name.")]);
action!(A_CLOCK, "advanceClock", "Move the virtual clock forward.", [r("duration", Ty::Duration, "How far, e.g. 10m, 24h, 46d.")]);
action!(A_GET_TOKEN, "getToken", "The code asks its credential for a token.", [r("host", Ty::Str, "Host."), r("resource", Ty::Str, "Resource (audience).")]);
action!(A_TOKEN_REQUEST, "tokenRequest", "A hand-made request to the host's token endpoint.", [
    r("host", Ty::Str, "Host."),
    f("method", Ty::Enum(METHODS), "HTTP method (default GET)."),
    f("path", Ty::Str, "Path (default: the endpoint's token path)."),
    f("query", Ty::Arr(&Ty::Pair), "Query parameters as [name, value] pairs; values may use $clientId:NAME, $principalId:NAME, $resourceId:NAME."),
    f("headers", Ty::Arr(&Ty::Pair), "Headers as [name, value] pairs; $IDENTITY_HEADER expands to the host's secret."),
    f("repeat", Ty::Int, "Send this many at once (default 1)."),
]);
action!(A_SECRET, "getSecret", "The code reads a Key Vault secret.", [r("host", Ty::Str, "Host."), r("vault", Ty::Str, "Vault name."), r("secret", Ty::Str, "Secret name."), f("auth", Ty::Str, "sdk (default), none, or a resource URI to request a token for.")]);
action!(A_BLOB, "blobRequest", "The code reads or writes a blob.", [
    r("host", Ty::Str, "Host."),
    f("method", Ty::Enum(&["GET", "PUT"]), "GET (default) or PUT."),
    r("account", Ty::Str, "Storage account."),
    r("container", Ty::Str, "Container."),
    r("blob", Ty::Str, "Blob."),
    f("xMsVersion", Ty::StrOrNull, "x-ms-version header; null omits it."),
    f("auth", Ty::Str, "sdk (default), none, or a resource URI."),
]);
action!(A_ARM, "armRequest", "The code calls ARM.", [r("host", Ty::Str, "Host."), f("method", Ty::Enum(METHODS), "HTTP method (default GET)."), r("target", Ty::Str, "Resource name or ARM path."), f("auth", Ty::Str, "sdk (default), none, or a resource URI.")]);
action!(A_SQL, "sqlConnect", "The code connects to Azure SQL with a token.", [r("host", Ty::Str, "Host."), r("database", Ty::Str, "SQL database resource name."), f("auth", Ty::Str, "sdk (default), none, or a resource URI.")]);
action!(A_CONFIGURE, "configureApp", "Redeploy the code on a host with a different credential setup.", [
    r("host", Ty::Str, "Host."),
    f("sdk", Ty::Enum(SDKS), "SDK family."),
    f("credential", Ty::Enum(CREDENTIALS), "Credential class."),
    f("managedIdentity", Ty::Str, "User-assigned identity to name; empty for none."),
    f("env", Ty::Map(&Ty::Str), "Environment variables to set; an empty value removes one."),
]);
action!(A_FAULT, "fault", "Inject a fault.", [r("target", Ty::Str, "imds, entra, or a resource name."), r("kind", Ty::Enum(FAULTS), "throttle, outage or updating."), r("duration", Ty::Duration, "How long."), f("host", Ty::Str, "Host, for imds.")]);
action!(A_NOTE, "note", "Narration shown as a note.", [r("text", Ty::Str, "Text.")]);

/// Every action, by its `action` tag.
pub static ACTIONS: &[&Obj] = &[
    &A_ENABLE, &A_DISABLE, &A_CREATE_UAMI, &A_DELETE_UAMI, &A_ATTACH, &A_DETACH, &A_PATCH, &A_CREATE_RA, &A_DELETE_RA, &A_GROUP, &A_SET_POLICY, &A_SET_MODEL, &A_DELETE, &A_CLOCK, &A_GET_TOKEN, &A_TOKEN_REQUEST, &A_SECRET, &A_BLOB, &A_ARM, &A_SQL, &A_CONFIGURE, &A_FAULT, &A_NOTE,
];

/// A problem found in a scenario.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// JSON path, e.g. `world.resources[2].identity.type`.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// `message — hint`.
    pub fn text(&self) -> String {
        match &self.hint {
            Some(h) => format!("{} — {h}", self.message),
            None => self.message.clone(),
        }
    }
}

/// Checks a parsed document against the schema, collecting every problem.
pub fn check(root: &Node, out: &mut Vec<Diagnostic>) {
    check_ty(root, Ty::Obj(&SCENARIO), "", out);
}

fn push(out: &mut Vec<Diagnostic>, path: &str, pos: Pos, message: String, hint: Option<String>) {
    if out.len() < 500 {
        out.push(Diagnostic { path: if path.is_empty() { "$".into() } else { path.to_string() }, line: pos.line, column: pos.col, message, hint });
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn check_ty(n: &Node, ty: Ty, path: &str, out: &mut Vec<Diagnostic>) {
    let want = |out: &mut Vec<Diagnostic>, what: &str| push(out, path, n.pos, format!("expected {what}, found {}", n.val.type_name()), None);
    match ty {
        Ty::Str => {
            if !matches!(n.val, Val::Str(_)) {
                want(out, "a string");
            }
        }
        Ty::StrOrNull => {
            if !matches!(n.val, Val::Str(_) | Val::Null) {
                want(out, "a string or null");
            }
        }
        Ty::Int => match &n.val {
            Val::Num(raw) => {
                if raw.parse::<u64>().is_err() {
                    let hint = if raw.starts_with('-') || raw.contains(['.', 'e', 'E']) { "use a whole number of 0 or more" } else { "the largest allowed is 18446744073709551615" };
                    push(out, path, n.pos, format!("'{raw}' is not a whole number that fits"), Some(hint.into()));
                }
            }
            _ => want(out, "a whole number"),
        },
        Ty::Bool => {
            if !matches!(n.val, Val::Bool(_)) {
                want(out, "true or false");
            }
        }
        Ty::Duration => match &n.val {
            Val::Str(s) if parse_duration(s).is_some() => {}
            Val::Str(s) => push(out, path, n.pos, format!("'{s}' is not a duration"), Some("write it like 90s, 10m, 24h, 45d or 1h30m (at most ten years)".into())),
            _ => want(out, "a duration string such as \"10m\""),
        },
        Ty::Time => match &n.val {
            Val::Str(s) if SimTime::parse_iso(s).is_some() => {}
            Val::Str(s) => push(out, path, n.pos, format!("'{s}' is not a UTC time"), Some("write it like 2026-01-15T09:00:00Z".into())),
            _ => want(out, "a time string such as \"2026-01-15T09:00:00Z\""),
        },
        Ty::Enum(options) => match &n.val {
            Val::Str(s) if options.contains(&s.as_str()) => {}
            Val::Str(s) => {
                let hint = suggest(s, options).map(|o| format!("did you mean '{o}'?")).unwrap_or_else(|| format!("one of: {}", options.join(", ")));
                push(out, path, n.pos, format!("'{s}' is not allowed here"), Some(hint));
            }
            _ => want(out, "a string"),
        },
        Ty::EmptyOrNull => match &n.val {
            Val::Null => {}
            Val::Obj(o) if o.is_empty() => {}
            _ => push(out, path, n.pos, format!("expected {{}} (attach) or null (detach), found {}", n.val.type_name()), None),
        },
        Ty::Pair => match &n.val {
            Val::Arr(a) if a.len() == 2 && a.iter().all(|x| matches!(x.val, Val::Str(_))) => {}
            _ => push(out, path, n.pos, "expected a [name, value] pair of strings".into(), Some("for example [\"Metadata\", \"true\"]".into())),
        },
        Ty::Arr(item) => match &n.val {
            Val::Arr(a) => {
                for (i, x) in a.iter().enumerate() {
                    check_ty(x, *item, &format!("{path}[{i}]"), out);
                }
            }
            _ => want(out, "an array"),
        },
        Ty::Map(v) => match &n.val {
            Val::Obj(o) => {
                for (k, _, x) in o {
                    check_ty(x, *v, &join(path, k), out);
                }
            }
            _ => want(out, "an object"),
        },
        Ty::Obj(obj) => check_obj(n, obj, path, &[], out),
        Ty::Actions => match &n.val {
            Val::Arr(a) => {
                for (i, x) in a.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    let Val::Obj(fields) = &x.val else {
                        push(out, &p, x.pos, format!("expected an action object, found {}", x.val.type_name()), None);
                        continue;
                    };
                    let Some((_, _, tag)) = fields.iter().find(|(k, _, _)| k == "action") else {
                        push(out, &p, x.pos, "this action has no \"action\" field".into(), Some("add e.g. \"action\": \"getSecret\"".into()));
                        continue;
                    };
                    let Val::Str(t) = &tag.val else {
                        push(out, &join(&p, "action"), tag.pos, "\"action\" must be a string".into(), None);
                        continue;
                    };
                    match ACTIONS.iter().find(|o| o.name == t) {
                        Some(o) => check_obj(x, o, &p, &["action"], out),
                        None => {
                            let names: Vec<&str> = ACTIONS.iter().map(|o| o.name).collect();
                            let hint = suggest(t, &names).map(|o| format!("did you mean '{o}'?")).unwrap_or_else(|| format!("known actions: {}", names.join(", ")));
                            push(out, &join(&p, "action"), tag.pos, format!("unknown action '{t}'"), Some(hint));
                        }
                    }
                }
            }
            _ => want(out, "an array of actions"),
        },
    }
}

fn check_obj(n: &Node, obj: &Obj, path: &str, extra: &[&str], out: &mut Vec<Diagnostic>) {
    let Val::Obj(fields) = &n.val else {
        push(out, path, n.pos, format!("expected an object ({}), found {}", obj.name, n.val.type_name()), None);
        return;
    };
    let names: Vec<&str> = obj.fields.iter().map(|f| f.name).collect();
    let mut seen: Vec<&str> = Vec::new();
    for (k, kpos, v) in fields {
        if seen.contains(&k.as_str()) {
            push(out, &join(path, k), *kpos, format!("field `{k}` appears twice"), Some("keep one".into()));
            continue;
        }
        seen.push(k);
        if extra.contains(&k.as_str()) {
            continue;
        }
        match obj.fields.iter().find(|f| f.name == k) {
            Some(f) => check_ty(v, f.ty, &join(path, k), out),
            None => {
                let hint = suggest(k, &names).map(|s| format!("did you mean `{s}`?")).unwrap_or_else(|| format!("{} allows: {}", obj.name, names.join(", ")));
                push(out, &join(path, k), *kpos, format!("unknown field `{k}`"), Some(hint));
            }
        }
    }
    for fld in obj.fields.iter().filter(|f| f.req) {
        if !fields.iter().any(|(k, _, _)| k == fld.name) {
            push(out, path, n.pos, format!("missing field `{}`", fld.name), Some(format!("{} needs `{}`: {}", obj.name, fld.name, fld.doc)));
        }
    }
}

/// The closest option by edit distance (case-insensitive), if close enough.
pub fn suggest<'a>(word: &str, options: &[&'a str]) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    if w.len() > 64 {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for o in options {
        let d = edit_distance(&w, &o.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, o));
        }
    }
    best.filter(|(d, o)| *d <= if w.len() <= 4 || o.len() <= 4 { 1 } else { 2.max(o.len() / 4) }).map(|(_, o)| o)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Finds the position of a JSON path (`world.resources[2].name`) in the document: the
/// deepest node that exists along it.
pub fn locate(root: &Node, path: &str) -> Pos {
    let mut n = root;
    let mut pos = root.pos;
    for seg in path.split('.') {
        let (key, idx) = match seg.find('[') {
            Some(i) => (&seg[..i], Some(&seg[i..])),
            None => (seg, None),
        };
        if !key.is_empty() {
            let Val::Obj(fields) = &n.val else { return pos };
            let Some((_, kpos, v)) = fields.iter().find(|(k, _, _)| k == key) else { return pos };
            pos = *kpos;
            n = v;
        }
        if let Some(idx) = idx {
            for part in idx.split(']').filter(|p| !p.is_empty()) {
                let Some(i) = part.trim_start_matches('[').parse::<usize>().ok() else { return pos };
                let Val::Arr(items) = &n.val else { return pos };
                let Some(x) = items.get(i) else { return pos };
                n = x;
                pos = x.pos;
            }
        }
    }
    pos
}

/// The JSON Schema (draft 2020-12) of the scenario format.
pub fn json_schema() -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut defs = Map::new();
    fn ty_schema(t: Ty, defs: &mut Map<String, Value>) -> Value {
        match t {
            Ty::Str => json!({"type": "string"}),
            Ty::StrOrNull => json!({"type": ["string", "null"]}),
            Ty::Int => json!({"type": "integer", "minimum": 0}),
            Ty::Bool => json!({"type": "boolean"}),
            Ty::Duration => json!({"type": "string", "pattern": "^([0-9]+[smhdw])+$", "examples": ["10m", "24h", "46d"]}),
            Ty::Time => json!({"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"}),
            Ty::Enum(o) => json!({"enum": o}),
            Ty::EmptyOrNull => json!({"oneOf": [{"type": "object", "maxProperties": 0}, {"type": "null"}]}),
            Ty::Pair => json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}], "minItems": 2, "maxItems": 2}),
            Ty::Arr(i) => json!({"type": "array", "items": ty_schema(*i, defs)}),
            Ty::Map(v) => json!({"type": "object", "additionalProperties": ty_schema(*v, defs)}),
            Ty::Obj(o) => {
                obj_schema(o, defs, None);
                json!({"$ref": format!("#/$defs/{}", o.name)})
            }
            Ty::Actions => {
                let variants: Vec<Value> = ACTIONS
                    .iter()
                    .map(|a| {
                        obj_schema(a, defs, Some(a.name));
                        json!({"$ref": format!("#/$defs/{}", a.name)})
                    })
                    .collect();
                json!({"type": "array", "items": {"oneOf": variants}})
            }
        }
    }
    fn obj_schema(o: &Obj, defs: &mut Map<String, Value>, tag: Option<&str>) {
        if defs.contains_key(o.name) {
            return;
        }
        defs.insert(o.name.into(), Value::Null);
        let mut props = Map::new();
        let mut required: Vec<&str> = Vec::new();
        if let Some(t) = tag {
            props.insert("action".into(), json!({"const": t}));
            required.push("action");
        }
        for f in o.fields {
            let mut s = ty_schema(f.ty, defs);
            if let Some(m) = s.as_object_mut() {
                m.insert("description".into(), f.doc.into());
            }
            props.insert(f.name.into(), s);
            if f.req {
                required.push(f.name);
            }
        }
        defs.insert(o.name.into(), json!({"type": "object", "description": o.doc, "properties": props, "required": required, "additionalProperties": false}));
    }
    let root = ty_schema(Ty::Obj(&SCENARIO), &mut defs);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://mi-playground.invalid/scenario.schema.json",
        "title": "Managed Identity Playground scenario",
        "$ref": root["$ref"],
        "$defs": defs
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("clientID", &["clientId", "principalId"]), Some("clientId"));
        assert_eq!(suggest("getsecret", &["getSecret", "getToken"]), Some("getSecret"));
        assert_eq!(suggest("zzzzzz", &["getSecret"]), None);
    }

    #[test]
    fn schema_has_every_object() {
        let s = json_schema();
        for name in ["Scenario", "World", "Resource", "Identity", "getSecret", "tokenRequest"] {
            assert!(s["$defs"][name].is_object(), "{name}");
        }
    }
}
