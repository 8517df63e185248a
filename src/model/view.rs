//! Snapshots of the world for the UI's world view: what the directory, ARM, RBAC, the MI
//! resource provider and the caches hold after each step.
//!
//! A [`WorldView`] is a plain summary (strings and times, no JWTs, no RSA), taken after
//! every step while recording, so it is built to be cheap: every list keeps at most
//! [`CAP`] entries (the first and the last ones, see [`Capped`]) plus its exact total.
//! Every entry has a stable `key` so the UI can diff two views by key.

use super::directory::PrincipalKind;
use super::scenario::Scenario;
use super::time::SimTime;
use super::token::Claims;
use super::trace::Trace;
use super::world::{last_segment, lower, ScenarioError, World};
use serde::Serialize;
use std::collections::BTreeMap;

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

fn app_label(app: &super::scenario::AppSpec) -> String {
    match &app.managed_identity {
        Some(m) => format!("{} · {}({m})", app.sdk, app.credential),
        None => format!("{} · {}", app.sdk, app.credential),
    }
}

impl World {
    /// The world as it is now.
    pub fn snapshot(&self) -> WorldView {
        let dir = &self.directory;
        let label = |oid: &str| dir.get(oid).map(|p| p.display_name.clone()).unwrap_or_else(|| oid.to_string());
        let is_mi = |k: &PrincipalKind| matches!(k, PrincipalKind::ServicePrincipal { service_principal_type: t, .. } if t == "ManagedIdentity");

        // Directory.
        let sps = dir.objects.values().filter(|p| is_mi(&p.kind));
        let mi_count = sps.clone().count();
        let service_principals = capped(sps, mi_count, |p| {
            let (app_id, alt) = match &p.kind {
                PrincipalKind::ServicePrincipal { app_id, alternative_names, .. } => (app_id.clone(), alternative_names.clone()),
                _ => Default::default(),
            };
            SpView { key: format!("sp:{}", p.object_id), display_name: p.display_name.clone(), object_id: p.object_id.clone(), app_id, user_assigned: alt.first().is_some_and(|a| a.eq_ignore_ascii_case("isExplicit=True")), alternative_names: alt }
        });
        let users = dir.objects.values().filter(|p| matches!(p.kind, PrincipalKind::User));
        let users = capped(users.clone(), users.count(), |p| UserView { key: format!("user:{}", p.object_id), name: p.display_name.clone(), object_id: p.object_id.clone() });
        let groups = dir.objects.values().filter(|p| matches!(p.kind, PrincipalKind::Group { .. }));
        let groups = capped(groups.clone(), groups.count(), |p| {
            let members = match &p.kind {
                PrincipalKind::Group { members } => capped(members.iter(), members.len(), |m| label(m)),
                _ => Capped::default(),
            };
            GroupView { key: format!("group:{}", p.object_id), name: p.display_name.clone(), object_id: p.object_id.clone(), members }
        });

        // Resources.
        let resources = capped(self.resources.values(), self.resources.len(), |r| {
            let lname = lower(&r.name);
            let vault = r.data.enable_rbac_authorization.map(|rbac| VaultView {
                rbac,
                secrets: r.data.secrets.iter().map(|s| s.name.clone()).collect(),
                access_policies: r.data.access_policies.iter().map(|a| PolicyView { key: format!("ap:{}", a.object_id.to_ascii_lowercase()), principal: self.principal_label(&a.object_id), secrets: a.secrets.clone() }).collect(),
            });
            ResourceView {
                key: lname.clone().into_owned(),
                name: r.name.clone(),
                arm_type: r.kind.arm_type(),
                resource_group: r.resource_group.clone(),
                identity_type: r.identity_type(),
                principal_id: r.system_assigned.as_ref().map(|s| s.principal_id.clone()),
                user_assigned: r.user_assigned.values().map(|u| AttachedIdentity { name: last_segment(&u.mi_resource_id), client_id: u.client_id.clone(), dangling: dir.get(&u.principal_id).is_none() }).collect(),
                app: self.app_specs.get(lname.as_ref()).map(app_label),
                tenant_id: Some(self.tenant_of(&r.id)).filter(|t| !t.eq_ignore_ascii_case(&dir.tenant_id)).map(str::to_string),
                identity_header_since: self.app_service_secrets.get(lname.as_ref()).map(|(_, t)| *t),
                vault,
                containers: r.data.containers.iter().map(|(c, b)| ContainerView { name: c.clone(), blobs: b.keys().cloned().collect() }).collect(),
            }
        });
        let uamis = self.resources.values().filter(|r| r.data.uami.is_some());
        let mut user_assigned = capped(uamis, self.resources.values().filter(|r| r.data.uami.is_some()).count(), |r| {
            let u = r.data.uami.as_ref().expect("filtered");
            UamiView {
                key: format!("uami:{}", r.id.to_ascii_lowercase()),
                name: r.name.clone(),
                resource_group: r.resource_group.clone(),
                principal_id: u.principal_id.clone(),
                client_id: u.client_id.clone(),
                attached_to: Vec::new(),
                federated: r.data.federated_credentials.iter().map(|f| format!("{}: {} → {}", f.name, f.issuer, f.subject)).collect(),
            }
        });
        if !user_assigned.items.is_empty() {
            // One pass over the hosts: lower-cased identity id → index of its entry.
            let index: BTreeMap<&str, usize> = user_assigned.items.iter().enumerate().map(|(i, u)| (&u.key["uami:".len()..], i)).collect();
            let mut hosts: Vec<Vec<String>> = vec![Vec::new(); index.len()];
            for r in self.resources.values() {
                for k in r.user_assigned.keys() {
                    if let Some(&i) = index.get(k.as_str()) {
                        hosts[i].push(r.name.clone());
                    }
                }
            }
            for (u, h) in user_assigned.items.iter_mut().zip(hosts) {
                u.attached_to = h;
            }
        }
        let laptops = capped(self.laptops.values(), self.laptops.len(), |l| LaptopView {
            key: format!("laptop:{}", l.name.to_ascii_lowercase()),
            name: l.name.clone(),
            az_cli_user: l.az_cli_user.clone(),
            app: l.app.as_ref().map(app_label),
        });

        // RBAC.
        let live = self.rbac.assignments.iter().flatten();
        let assignment_count = live.clone().count();
        let picked = capped(live, assignment_count, |a| {
            let p = dir.get(&a.principal_id);
            let assignment = AssignmentView {
                key: format!("ra:{}", a.name),
                role: self.rbac.roles.get(a.role).map(|r| r.role_name.clone()).unwrap_or_default(),
                principal: p.map(|p| p.display_name.clone()).unwrap_or_else(|| format!("Identity not found (unknown principal {})", a.principal_id)),
                principal_type: if p.is_some() { a.principal_type.clone() } else { "Unknown".into() },
                principal_id: a.principal_id.clone(),
                orphaned: p.is_none(),
                pending: a.effective_at > self.now,
                effective_at: a.effective_at,
            };
            (a.scope.as_str(), assignment)
        });
        let mut by_scope: BTreeMap<&str, Vec<AssignmentView>> = BTreeMap::new();
        for (scope, a) in picked.items {
            by_scope.entry(scope).or_default().push(a);
        }
        let role_assignments = by_scope.into_iter().map(|(s, assignments)| ScopeView { key: format!("scope:{s}"), scope: s.to_string(), assignments }).collect();
        let who = |ids: &[String]| ids.iter().map(|i| if i == "*" { "everyone".to_string() } else { label(i) }).collect::<Vec<_>>();
        let deny_assignments = capped(self.rbac.denies.iter(), self.rbac.denies.len(), |d| DenyView {
            key: format!("deny:{}", d.name),
            name: d.name.clone(),
            scope: d.scope.clone(),
            actions: d.permissions.iter().flat_map(|p| p.actions.iter().chain(&p.data_actions)).cloned().collect(),
            principals: who(&d.principals),
            excluded: who(&d.exclude_principals),
            child_scopes: !d.do_not_apply_to_child_scopes,
        });

        // Tokens and caches.
        let whose = |c: &Claims| match &c.upn {
            Some(u) => u.clone(),
            None => dir.get(&c.oid).map(|p| p.display_name.clone()).unwrap_or_else(|| format!("deleted identity {}", c.oid)),
        };
        let claims_of = |jwt: &str, f: &mut dyn FnMut(&Claims)| {
            if let Some(c) = super::token::decode_claims(jwt) {
                f(&c)
            }
        };
        let host_name = |rid: &str| self.resources.get(rid).map(|r| r.name.clone()).unwrap_or_else(|| last_segment(rid));
        let entries = self
            .endpoint_caches
            .iter()
            .flat_map(|(h, m)| m.iter().map(move |(k, t)| ("endpoint", h, k, t)))
            .chain(self.sdk_caches.iter().flat_map(|(h, m)| m.iter().map(move |(k, t)| ("sdk", h, k, t))));
        let n_entries = self.endpoint_caches.values().chain(self.sdk_caches.values()).map(|m| m.len()).sum();
        let caches = capped(entries, n_entries, |(layer, h, (cid, res), t)| {
            let mut w = t.client_id.clone();
            claims_of(&t.jwt, &mut |c| w = whose(c));
            CacheView {
                key: format!("{layer}:{h}|{cid}|{res}"),
                layer,
                host: if layer == "endpoint" { host_name(h) } else { self.resource_by_name(h).map(|r| r.name.clone()).or_else(|| self.laptops.get(h).map(|l| l.name.clone())).unwrap_or_else(|| h.clone()) },
                whose: w,
                audience: t.resource.clone(),
                expires_on: t.expires_on,
                refresh_on: t.refresh_on,
            }
        });
        let certificates = capped(self.certificates.iter(), self.certificates.len(), |(pid, c)| CertView {
            key: format!("cert:{pid}:{}", c.thumbprint),
            identity: c.identity.clone(),
            thumbprint: c.thumbprint.clone(),
            not_before: c.not_before,
            not_after: c.not_after,
            renew_at: c.renew_at,
        });
        let tokens = capped(self.issued_log.iter().enumerate(), self.issued_log.len(), |(i, (host, jwt))| {
            let mut t = TokenView { key: format!("tok:{i}"), host: host.clone(), whose: String::new(), audience: String::new(), iat: SimTime(0), exp: SimTime(0) };
            claims_of(jwt, &mut |c| {
                t.whose = whose(c);
                t.audience = c.aud.clone();
                t.iat = SimTime(c.iat);
                t.exp = SimTime(c.exp);
            });
            t
        });
        let active = self.faults.iter().filter(|f| f.until > self.now);
        let faults = capped(active.clone(), active.count(), |f| FaultView { key: format!("fault:{}:{}:{}", f.target, f.kind, f.until.0), target: f.target.clone(), kind: f.kind.to_string(), until: f.until });

        WorldView {
            now: self.now,
            tenant_id: dir.tenant_id.clone(),
            domain: dir.domain.clone(),
            mi_count,
            service_principals,
            users,
            groups,
            resources,
            user_assigned,
            laptops,
            assignment_count,
            role_assignments,
            deny_assignments,
            caches,
            certificates,
            tokens,
            faults,
        }
    }
}

/// Runs a scenario recording a [`WorldView`] after every step. Returns
/// `(trace, view before the first step, views, problems)` where `views[i]` belongs to
/// `trace.steps[i]` (always exactly one view per step).
pub fn simulate_with_views(sc: &Scenario) -> (Trace, WorldView, Vec<WorldView>, Vec<ScenarioError>) {
    simulate_with_views_signed(sc, &mut Default::default())
}

/// [`simulate_with_views`] with signatures the caller keeps between runs (see
/// [`simulate_lenient_signed`](super::world::simulate_lenient_signed)).
pub fn simulate_with_views_signed(sc: &Scenario, signatures: &mut super::token::Signatures) -> (Trace, WorldView, Vec<WorldView>, Vec<ScenarioError>) {
    let (mut w, mut errors) = World::build_lenient(sc);
    w.signatures = std::mem::take(signatures);
    let initial = w.snapshot();
    w.views = Some(Vec::new());
    for (i, a) in sc.script.iter().enumerate() {
        w.action = i;
        if let Err(e) = w.apply(a) {
            errors.push(ScenarioError { path: format!("script[{i}]{}", if e.path.is_empty() { String::new() } else { format!(".{}", e.path) }), message: e.message, subject: e.subject });
        }
    }
    let mut views = w.views.take().unwrap_or_default();
    // `finish` may still emit pending narration steps: they change nothing.
    let last = w.snapshot();
    *signatures = std::mem::take(&mut w.signatures);
    let trace = w.finish();
    views.truncate(trace.steps.len());
    views.resize(trace.steps.len(), last);
    settle(&mut views, &trace);
    (trace, initial, views, errors)
}

/// A view is taken as its step is appended, but a few operations record a change on a
/// step and update the state just after it (the SDK caching the token it just got, ARM
/// storing a resource it just answered for). So a step's reported changes show in its
/// own view: when step `i` reports changes in an area, step `i + 1` reports none and the
/// clock did not move, that area of view `i + 1` is also view `i`'s.
fn settle(views: &mut [WorldView], trace: &Trace) {
    for i in 1..views.len() {
        let (Some(st), Some(next_st)) = (trace.steps.get(i - 1), trace.steps.get(i)) else { break };
        let (head, tail) = views.split_at_mut(i);
        let (cur, next) = (&mut head[i - 1], &tail[0]);
        if st.changes.is_empty() || !next_st.changes.is_empty() || cur.now != next.now || *cur == *next {
            continue;
        }
        for c in &st.changes {
            match c.area.as_str() {
                "sdk-cache" => cur.caches = next.caches.clone(),
                "tokens" => cur.tokens = next.tokens.clone(),
                "msrp" => cur.certificates = next.certificates.clone(),
                "faults" => cur.faults = next.faults.clone(),
                "directory" => {
                    cur.mi_count = next.mi_count;
                    cur.service_principals = next.service_principals.clone();
                    cur.users = next.users.clone();
                    cur.groups = next.groups.clone();
                }
                "rbac" => {
                    cur.assignment_count = next.assignment_count;
                    cur.role_assignments = next.role_assignments.clone();
                    cur.deny_assignments = next.deny_assignments.clone();
                }
                _ => {
                    cur.resources = next.resources.clone();
                    cur.user_assigned = next.user_assigned.clone();
                    cur.laptops = next.laptops.clone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
