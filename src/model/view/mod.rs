//! Snapshots of the world for the UI's world view: what the directory, ARM, RBAC, the MI
//! resource provider and the caches hold after each step.
//!
//! A [`WorldView`] is a plain summary (strings and times, no JWTs, no RSA), taken after
//! every step while recording, so it is built to be cheap: every list keeps at most
//! [`CAP`] entries (the first and the last ones, see [`Capped`]) plus its exact total.
//! Every entry has a stable `key` so the UI can diff two views by key.

use super::time::SimTime;
use serde::Serialize;

/// How many entries each list of a view keeps at most.
pub const CAP: usize = 100;

/// A list capped at [`CAP`] entries. When `total > items.len()`, `items[..split]` are the
/// first entries and `items[split..]` the last ones (`total - items.len()` are left out
/// between them); otherwise `split == items.len()`. Additions at the end and removals
/// anywhere therefore stay visible when only one thing changes per step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Capped<T> {
    /// The entries kept.
    pub items: Vec<T>,
    /// How many entries the full list has.
    pub total: usize,
    /// Where the left-out entries would be.
    pub split: usize,
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Capped { items: Vec::new(), total: 0, split: 0 }
    }
}

impl<T> Capped<T> {
    /// Some entries were left out.
    pub fn truncated(&self) -> bool {
        self.total > self.items.len()
    }
    /// How many entries were left out.
    pub fn omitted(&self) -> usize {
        self.total - self.items.len()
    }
}

/// The first `CAP / 2` and last `CAP / 2` of the `total` items of `it` (all of them when
/// there are at most `CAP`), mapped by `f`. One pass; only the kept items are mapped.
/// `total` must be the iterator's length.
fn capped<I: Iterator, T>(it: I, total: usize, mut f: impl FnMut(I::Item) -> T) -> Capped<T> {
    if total <= CAP {
        let items: Vec<T> = it.map(f).collect();
        return Capped { split: items.len(), total: items.len(), items };
    }
    let half = CAP / 2;
    let tail_from = total - (CAP - half);
    let items: Vec<T> = it.enumerate().filter(|(i, _)| *i < half || *i >= tail_from).map(|(_, x)| f(x)).collect();
    Capped { items, total, split: half }
}

/// A managed identity's service principal in the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpView {
    /// `sp:<objectId>`.
    pub key: String,
    /// Display name (the resource's name).
    pub display_name: String,
    /// Object id (= `principalId` = token `oid`).
    pub object_id: String,
    /// App id (= `clientId` = token `appid`).
    pub app_id: String,
    /// User-assigned (`isExplicit=True`) rather than system-assigned.
    pub user_assigned: bool,
    /// `["isExplicit=…", "<ARM id>"]`.
    pub alternative_names: Vec<String>,
}

/// A user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// `user:<objectId>`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Object id.
    pub object_id: String,
}

/// A group and its direct members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    /// `group:<objectId>`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Object id.
    pub object_id: String,
    /// Member labels (display names; a deleted member shows its id).
    pub members: Capped<String>,
}

/// A user-assigned identity as a host holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachedIdentity {
    /// The identity's name (last segment of its ARM id).
    pub name: String,
    /// Client id.
    pub client_id: String,
    /// Its service principal no longer exists (the identity was deleted).
    pub dangling: bool,
}

/// A Key Vault's authorization state and secret names (never values).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultView {
    /// `enableRbacAuthorization`: Azure RBAC (true) or access policies (false).
    pub rbac: bool,
    /// Secret names.
    pub secrets: Vec<String>,
    /// Access policies.
    pub access_policies: Vec<PolicyView>,
}

/// One access policy entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// `ap:<objectId>`.
    pub key: String,
    /// Principal label.
    pub principal: String,
    /// Secret permissions.
    pub secrets: Vec<String>,
}

/// A storage container and its blob names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerView {
    /// Container name.
    pub name: String,
    /// Blob names.
    pub blobs: Vec<String>,
}

/// An ARM resource and its `identity` block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceView {
    /// The lower-cased name (resource names are unique in a scenario).
    pub key: String,
    /// Name.
    pub name: String,
    /// ARM type.
    pub arm_type: &'static str,
    /// Resource group.
    pub resource_group: String,
    /// `identity.type` as ARM returns it.
    pub identity_type: &'static str,
    /// `identity.principalId` of the system-assigned identity.
    pub principal_id: Option<String>,
    /// `identity.userAssignedIdentities`.
    pub user_assigned: Vec<AttachedIdentity>,
    /// The code running here: `sdk · credential`.
    pub app: Option<String>,
    /// The tenant its subscription trusts, when that is not the world's tenant.
    pub tenant_id: Option<String>,
    /// App Service: when the current `IDENTITY_HEADER` value was set.
    pub identity_header_since: Option<SimTime>,
    /// Key Vault state.
    pub vault: Option<VaultView>,
    /// Storage containers.
    pub containers: Vec<ContainerView>,
}

/// A user-assigned identity resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UamiView {
    /// `uami:<lower-cased ARM id>`.
    pub key: String,
    /// Name.
    pub name: String,
    /// Resource group.
    pub resource_group: String,
    /// Principal (object) id.
    pub principal_id: String,
    /// Client (app) id.
    pub client_id: String,
    /// Names of the resources it is attached to.
    pub attached_to: Vec<String>,
    /// Federated credentials: `name: issuer → subject`.
    pub federated: Vec<String>,
}

/// A developer laptop (outside Azure).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LaptopView {
    /// `laptop:<lower-cased name>`.
    pub key: String,
    /// Name.
    pub name: String,
    /// User signed in to the Azure CLI.
    pub az_cli_user: Option<String>,
    /// Azure Cloud Shell: the user whose session this is (then not a laptop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_shell: Option<String>,
    /// The code running here.
    pub app: Option<String>,
}

/// A role assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentView {
    /// `ra:<assignment name>`.
    pub key: String,
    /// Role name.
    pub role: String,
    /// Principal label; a deleted principal shows as `Identity not found (unknown principal <id>)`.
    pub principal: String,
    /// Principal type (`Unknown` once the principal is gone).
    pub principal_type: String,
    /// Principal object id.
    pub principal_id: String,
    /// The principal no longer exists.
    pub orphaned: bool,
    /// Still propagating: authorization checks do not see it yet.
    pub pending: bool,
    /// When checks start seeing it.
    pub effective_at: SimTime,
}

/// The role assignments at one scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeView {
    /// `scope:<scope>`.
    pub key: String,
    /// The scope (ARM id).
    pub scope: String,
    /// Assignments at exactly this scope.
    pub assignments: Vec<AssignmentView>,
}

/// A deny assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DenyView {
    /// `deny:<name>`.
    pub key: String,
    /// Name.
    pub name: String,
    /// Scope.
    pub scope: String,
    /// Denied actions and data actions.
    pub actions: Vec<String>,
    /// Principal labels (`everyone` for `*`).
    pub principals: Vec<String>,
    /// Exempt principal labels.
    pub excluded: Vec<String>,
    /// Applies to child scopes too.
    pub child_scopes: bool,
}

/// A token held in a cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheView {
    /// `endpoint:<host>|<client id>|<audience>` or `sdk:…`.
    pub key: String,
    /// `endpoint` (IMDS / App Service / Arc, per host) or `sdk` (in the app's process).
    pub layer: &'static str,
    /// Host name.
    pub host: String,
    /// Whose token: identity name or user.
    pub whose: String,
    /// Audience.
    pub audience: String,
    /// Expiry.
    pub expires_on: SimTime,
    /// When it is refreshed (equals `expires_on` for endpoint caches).
    pub refresh_on: SimTime,
}

/// A certificate held by the MI resource provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertView {
    /// `cert:<principal id>:<thumbprint>` (a roll-over is a removal plus an addition).
    pub key: String,
    /// Identity name.
    pub identity: String,
    /// Thumbprint.
    pub thumbprint: String,
    /// Issued at.
    pub not_before: SimTime,
    /// Expiry.
    pub not_after: SimTime,
    /// Roll-over time.
    pub renew_at: SimTime,
}

/// A token the token service issued (for the lifetime timeline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    /// `tok:<index in issue order>`.
    pub key: String,
    /// Host the token was issued for.
    pub host: String,
    /// Whose token.
    pub whose: String,
    /// Audience.
    pub audience: String,
    /// Issued at.
    pub iat: SimTime,
    /// Expiry.
    pub exp: SimTime,
}

/// A fault in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultView {
    /// `fault:<target>:<kind>:<until>`.
    pub key: String,
    /// `imds:<host>`, `entra` or a resource name.
    pub target: String,
    /// `throttle`, `outage`, `updating`.
    pub kind: String,
    /// Active until.
    pub until: SimTime,
}

/// A summary of the world at one moment (lists capped for very large worlds).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorldView {
    /// The virtual clock.
    pub now: SimTime,
    /// Tenant id.
    pub tenant_id: String,
    /// Primary domain.
    pub domain: String,
    /// Number of managed-identity service principals (exact, never capped).
    pub mi_count: usize,
    /// Managed-identity service principals, in object-id order.
    pub service_principals: Capped<SpView>,
    /// Users.
    pub users: Capped<UserView>,
    /// Groups.
    pub groups: Capped<GroupView>,
    /// ARM resources in creation order (user-assigned identities included).
    pub resources: Capped<ResourceView>,
    /// User-assigned identities.
    pub user_assigned: Capped<UamiView>,
    /// Developer laptops.
    pub laptops: Capped<LaptopView>,
    /// Number of role assignments (exact).
    pub assignment_count: usize,
    /// Role assignments (the same first/last [`CAP`] selection), grouped by scope in scope order.
    pub role_assignments: Vec<ScopeView>,
    /// Deny assignments.
    pub deny_assignments: Capped<DenyView>,
    /// Host endpoint caches, then SDK caches.
    pub caches: Capped<CacheView>,
    /// MI resource provider certificates.
    pub certificates: Capped<CertView>,
    /// Issued tokens in issue order.
    pub tokens: Capped<TokenView>,
    /// Faults in force.
    pub faults: Capped<FaultView>,
}

mod take;
pub use take::{simulate_with_views, simulate_with_views_signed};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trace::Trace;
    use crate::model::world::World;

    fn run(id: &str) -> (Trace, WorldView, Vec<WorldView>) {
        let sc = crate::scenarios::find(id).expect("built-in").scenario();
        let (t, i, v, e) = simulate_with_views(&sc);
        assert!(e.is_empty(), "{e:?}");
        (t, i, v)
    }

    fn has_key<T>(c: &Capped<T>, key: impl Fn(&T) -> bool) -> bool {
        c.items.iter().any(key)
    }

    #[test]
    fn vm_keyvault_views_follow_the_steps() {
        let (trace, initial, views) = run("vm-keyvault");
        assert_eq!(views.len(), trace.steps.len());
        assert!(!views.is_empty());
        // The trace is the same as without recording.
        let sc = crate::scenarios::find("vm-keyvault").unwrap().scenario();
        assert_eq!(crate::model::simulate(&sc).unwrap(), trace);

        assert_eq!(initial.mi_count, 0);
        assert_eq!(views.last().unwrap().mi_count, 1);
        let first = views.iter().position(|v| v.mi_count == 1).expect("identity enabled");
        assert!(views[first..].iter().all(|v| v.mi_count == 1));
        let prev = if first == 0 { &initial } else { &views[first - 1] };
        assert_eq!(prev.mi_count, 0);
        let sp = &views[first].service_principals.items[0];
        assert_eq!(sp.display_name, "vm-web");
        assert!(!sp.user_assigned);
        assert_eq!(sp.alternative_names[0], "isExplicit=False");
        let vm = views.last().unwrap().resources.items.iter().find(|r| r.name == "vm-web").unwrap();
        assert_eq!(vm.identity_type, "SystemAssigned");
        assert_eq!(vm.principal_id.as_deref(), Some(sp.object_id.as_str()));
        assert!(vm.app.is_some());
        let kv = initial.resources.items.iter().find(|r| r.name == "kv-contoso").unwrap();
        assert_eq!(kv.vault.as_ref().unwrap().secrets, ["db-password"]);

        // The role assignment appears (propagating first), at the vault's scope.
        let kvsu = |v: &WorldView| v.role_assignments.iter().flat_map(|s| &s.assignments).find(|a| a.role == "Key Vault Secrets User").cloned();
        assert!(kvsu(&initial).is_none());
        let ra_at = views.iter().position(|v| kvsu(v).is_some()).expect("assignment created");
        let a = kvsu(&views[ra_at]).unwrap();
        assert_eq!(a.principal, "vm-web");
        assert!(a.pending);
        assert!(!kvsu(views.last().unwrap()).unwrap().pending);
        assert_eq!(views[ra_at].assignment_count, initial.assignment_count + 1);
        assert!(views[ra_at].role_assignments.iter().any(|s| s.scope.ends_with("/kv-contoso") && s.assignments.iter().any(|x| x.key == a.key)));

        // Tokens: the endpoint cache, the SDK cache and the issued log fill up after the token step.
        assert!(initial.caches.items.is_empty() && initial.tokens.items.is_empty());
        let last = views.last().unwrap();
        let endpoint = last.caches.items.iter().find(|c| c.layer == "endpoint").expect("endpoint cache entry");
        assert_eq!((endpoint.host.as_str(), endpoint.whose.as_str(), endpoint.audience.as_str()), ("vm-web", "vm-web", "https://vault.azure.net"));
        let sdk = last.caches.items.iter().find(|c| c.layer == "sdk").expect("SDK cache entry");
        // Each cache entry shows in the view of the step that reports it.
        let ep_at = views.iter().position(|v| v.caches.items.iter().any(|c| c.layer == "endpoint")).unwrap();
        let sdk_at = views.iter().position(|v| v.caches.items.iter().any(|c| c.layer == "sdk")).unwrap();
        assert!(ep_at <= sdk_at);
        assert!(trace.steps[sdk_at].changes.iter().any(|c| c.area == "sdk-cache"), "{}", trace.steps[sdk_at].label);
        assert!(sdk.refresh_on < sdk.expires_on);
        assert_eq!(last.tokens.total, 1);
        let t = &last.tokens.items[0];
        assert_eq!(t.exp.since(t.iat), super::super::token::MI_TOKEN_LIFETIME as i64);
        let tok_at = views.iter().position(|v| v.tokens.total == 1).unwrap();
        assert!(tok_at > ra_at);
        assert!(trace.steps[tok_at].jwt.is_some() || trace.steps[tok_at].label.contains("token"));
        assert_eq!(last.certificates.total, 1);
        assert_eq!(last.certificates.items[0].identity, "vm-web");
        assert!(last.now > initial.now);
    }

    #[test]
    fn views_are_deterministic_and_serializable() {
        for b in crate::scenarios::BUILT_INS {
            let sc = b.scenario();
            let (t1, i1, v1, _) = simulate_with_views(&sc);
            let (t2, i2, v2, _) = simulate_with_views(&sc);
            assert_eq!((t1.steps.len(), &i1, &v1), (t2.steps.len(), &i2, &v2), "{}", b.id);
            assert_eq!(v1.len(), t1.steps.len(), "{}", b.id);
            assert!(serde_json::to_string(&v1.last().cloned().unwrap_or_default()).is_ok());
        }
    }

    #[test]
    fn deleted_principals_show_as_not_found() {
        let (trace, initial, views) = run("vm-deletion-orphans");
        assert!(views.last().unwrap().mi_count < initial.mi_count);
        let at = views.iter().position(|v| v.role_assignments.iter().flat_map(|s| &s.assignments).any(|a| a.orphaned)).expect("an orphaned assignment");
        let o = views[at].role_assignments.iter().flat_map(|s| &s.assignments).find(|a| a.orphaned).unwrap();
        assert_eq!(o.principal, format!("Identity not found (unknown principal {})", o.principal_id));
        assert_eq!(o.principal_type, "Unknown");
        // The step that orphans it is the one deleting the service principal.
        assert!(trace.steps[at].changes.iter().any(|c| c.area == "directory" && c.op == crate::model::trace::ChangeOp::Removed));
        assert_eq!(views[at].mi_count + 1, views[at - 1].mi_count);
    }

    #[test]
    fn large_worlds_are_capped() {
        let sc = crate::scenarios::large_world(1000);
        let w = World::build(&sc).expect("valid");
        let v = w.snapshot();
        assert_eq!(v.mi_count, 500);
        assert_eq!((v.service_principals.items.len(), v.service_principals.total), (CAP, 500));
        assert_eq!((v.resources.items.len(), v.resources.total, v.resources.split), (CAP, 1000, CAP / 2));
        assert_eq!(v.resources.items[0].name, "vm-0000");
        assert_eq!(v.resources.items[CAP - 1].name, "kv-0999");
        assert_eq!(v.assignment_count, 10_000);
        assert_eq!(v.role_assignments.iter().map(|s| s.assignments.len()).sum::<usize>(), CAP);
        assert!(has_key(&v.certificates, |c| c.identity == "vm-0000") || v.certificates.truncated());
    }
}
