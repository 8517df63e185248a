//! Azure RBAC: role definitions (built-in and custom), role and deny assignments, and
//! the evaluation algorithm of fact sheet §7.5, with an explanation for every decision.
//!
//! Evaluation: (1) the caller's object id plus the group ids its token carries;
//! (2) deny assignments that cover the action at the target scope win; (3) otherwise
//! any role assignment at the target scope or a parent scope whose role grants the
//! action (`Actions − NotActions`, or `DataActions − NotDataActions`) allows it;
//! (4) else deny. Control-plane patterns never match data actions. Assignments made
//! during the scenario only count once their propagation delay has passed.

use super::time::{human_duration, SimTime};
use serde::Serialize;
use super::collections::Map;
use std::collections::BTreeMap;

/// A permissions block with lower-cased patterns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Permissions {
    /// Control-plane actions.
    pub actions: Vec<String>,
    /// Subtracted control-plane actions.
    pub not_actions: Vec<String>,
    /// Data-plane actions.
    pub data_actions: Vec<String>,
    /// Subtracted data-plane actions.
    pub not_data_actions: Vec<String>,
}

impl Permissions {
    fn grants(&self, action: &str, data: bool) -> bool {
        let (allow, sub) = if data { (&self.data_actions, &self.not_data_actions) } else { (&self.actions, &self.not_actions) };
        allow.iter().any(|p| glob(p, action)) && !sub.iter().any(|p| glob(p, action))
    }
    fn subtracted(&self, action: &str, data: bool) -> Option<&str> {
        let (allow, sub) = if data { (&self.data_actions, &self.not_data_actions) } else { (&self.actions, &self.not_actions) };
        if allow.iter().any(|p| glob(p, action)) {
            sub.iter().find(|p| glob(p, action)).map(String::as_str)
        } else {
            None
        }
    }
}

/// A role definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    /// The role's GUID (`name` in ARM).
    pub id: String,
    /// Display name, e.g. `Key Vault Secrets User`.
    pub role_name: String,
    /// `BuiltInRole` or `CustomRole`.
    pub role_type: &'static str,
    /// Permission blocks (patterns stored lower-case).
    pub permissions: Vec<Permissions>,
}

impl RoleDefinition {
    /// True when some block grants the action (any case).
    pub fn grants(&self, action: &str, data: bool) -> bool {
        self.permissions.iter().any(|p| p.grants(action, data))
    }
    /// True when the role has any data action at all.
    pub fn has_data_actions(&self) -> bool {
        self.permissions.iter().any(|p| !p.data_actions.is_empty())
    }
    /// `/providers/Microsoft.Authorization/roleDefinitions/<guid>`.
    pub fn resource_id(&self) -> String {
        format!("/providers/Microsoft.Authorization/roleDefinitions/{}", self.id)
    }
}

/// A role assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// Assignment GUID.
    pub name: String,
    /// Scope as written (ARM id).
    pub scope: String,
    /// Index of the role in [`Rbac::roles`].
    pub role: usize,
    /// Principal object id.
    pub principal_id: String,
    /// `User`, `Group`, `ServicePrincipal`.
    pub principal_type: String,
    /// When it was created.
    pub created: SimTime,
    /// When authorization checks start seeing it.
    pub effective_at: SimTime,
    #[serde(skip)]
    scope_lower: String,
}

/// A deny assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DenyAssignment {
    /// Name.
    pub name: String,
    /// Denied permissions.
    pub permissions: Vec<Permissions>,
    /// Scope.
    pub scope: String,
    /// Principal ids; `*` means everyone.
    pub principals: Vec<String>,
    /// Exempt principal ids.
    pub exclude_principals: Vec<String>,
    /// Applies at `scope` only.
    pub do_not_apply_to_child_scopes: bool,
    #[serde(skip)]
    scope_lower: String,
}

/// Who is asking for what, where.
#[derive(Clone, Copy, Debug)]
pub struct AccessRequest<'a> {
    /// Caller's object id (`oid`).
    pub principal_id: &'a str,
    /// Group object ids the caller's token carries.
    pub groups: &'a [String],
    /// Action, e.g. `Microsoft.KeyVault/vaults/secrets/getSecret/action`.
    pub action: &'a str,
    /// Data-plane action?
    pub data: bool,
    /// Target scope (ARM id).
    pub scope: &'a str,
    /// Evaluation time.
    pub now: SimTime,
}

/// The compact outcome of an evaluation (no strings built): what benchmarks measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Granted by this assignment index.
    Allowed(usize),
    /// Denied by this deny assignment index.
    DeniedByDeny(usize),
    /// No effective assignment grants it; `pending` is an assignment that would once propagated.
    NotFound {
        /// Assignment index still propagating, if any.
        pending: Option<usize>,
    },
}

/// A decision with its explanation, attached to trace steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Allowed or not.
    pub allowed: bool,
    /// Short title, e.g. `No role assignment grants getSecret`.
    pub summary: String,
    /// Each check, in order, in plain language.
    pub reasons: Vec<String>,
    /// What would fix it, when denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Decision {
    /// A decision from a list of reasons.
    pub fn new(allowed: bool, summary: impl Into<String>, reasons: Vec<String>, fix: Option<String>) -> Decision {
        Decision { allowed, summary: summary.into(), reasons, fix }
    }
}

mod roles;
pub use roles::built_in_role_names;
use roles::{builtin_roles, lower_all};


/// Azure's action wildcard, case-insensitive: `*` matches any run of characters,
/// including `/`; and a whole-segment `/*/` also matches a single `/` (zero segments), so
/// `…/userAssignedIdentities/*/assign/action` (Managed Identity Operator) grants
/// `…/userAssignedIdentities/assign/action`, the action attaching an identity needs, and
/// `Microsoft.KeyVault/vaults/*/read` grants `Microsoft.KeyVault/vaults/read` (Key Vault
/// Reader reads vault metadata). Sources: fact sheet §7.1 (D-ROLEDEF: `*` "grants access to
/// all actions that match the string"), §4.3 and the built-in role definitions (D-BR-ID);
/// the zero-segment reading is [I], from what those roles are documented to allow.
/// `pattern` is lower-case; `text` may have any case. Allocation-free.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    if !p.contains(&b'*') {
        return p.eq_ignore_ascii_case(t);
    }
    glob_from(p, t, false)
}

/// [`glob`] on the rest of the pattern and text; `after_slash` when the pattern byte
/// before `p` was a `/`. Backtracks over each `*` (action strings have one or two).
fn glob_from(p: &[u8], t: &[u8], after_slash: bool) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((b'*', [])) => true,
        Some((b'*', rest)) => {
            (after_slash && rest.first() == Some(&b'/') && glob_from(&rest[1..], t, true))
                || (0..=t.len()).any(|k| glob_from(rest, &t[k..], false))
        }
        Some((&c, rest)) => t.first().is_some_and(|&x| c == x.to_ascii_lowercase()) && glob_from(rest, &t[1..], c == b'/'),
    }
}

/// True when an assignment at `assigned` (lower-case) covers `target` (any case): the same
/// scope, a parent at a `/` boundary, the root, or the management group of the target's
/// subscription. Allocation-free.
fn covers(assigned: &str, target: &str, mgs: &BTreeMap<String, String>) -> bool {
    let (a, t) = (assigned.as_bytes(), target.as_bytes());
    if a == b"/" {
        return true;
    }
    // Scopes share long prefixes and differ at the end (resource names), so check the
    // boundary first and compare backwards: a mismatch is found within a few bytes.
    if t.len() >= a.len() && (t.len() == a.len() || t[a.len()] == b'/') && a.iter().rev().zip(t[..a.len()].iter().rev()).all(|(x, y)| *x == y.to_ascii_lowercase()) {
        return true;
    }
    if let Some(mg) = assigned.strip_prefix("/providers/microsoft.management/managementgroups/") {
        if let Some(sub) = subscription_of(target) {
            return mg_lookup(mgs, sub).is_some_and(|m| m.eq_ignore_ascii_case(mg));
        }
    }
    false
}

fn mg_lookup<'a>(mgs: &'a BTreeMap<String, String>, sub: &str) -> Option<&'a str> {
    if sub.bytes().any(|c| c.is_ascii_uppercase()) {
        return mgs.iter().find(|(k, _)| k.eq_ignore_ascii_case(sub)).map(|(_, v)| v.as_str());
    }
    mgs.get(sub).map(String::as_str)
}

fn subscription_of(scope: &str) -> Option<&str> {
    let b = scope.as_bytes();
    const P: &[u8] = b"/subscriptions/";
    if b.len() > P.len() && b[..P.len()].eq_ignore_ascii_case(P) {
        let r = &scope[P.len()..];
        return Some(r.split('/').next().unwrap_or(r));
    }
    None
}

/// The parent scopes of `scope`, from itself up to `/` (ARM ids, as written).
pub fn scope_chain(scope: &str, mg: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let parts: Vec<&str> = scope.trim_end_matches('/').split('/').collect();
    // Walk back over segments, keeping only valid scope boundaries.
    let mut n = parts.len();
    while n > 1 {
        let s = parts[..n].join("/");
        let segs = n - 1;
        // Valid scopes: /subscriptions/x (2), /subscriptions/x/resourceGroups/y (4),
        // resources: 4 + 2 (providers/ns) + 2k (type/name), i.e. 8, 10, 12 …
        if segs == 2 || segs == 4 || (segs >= 8 && segs.is_multiple_of(2)) {
            out.push(s);
        }
        n -= 1;
    }
    if let Some(m) = mg {
        out.push(format!("/providers/Microsoft.Management/managementGroups/{m}"));
    }
    out.push("/".into());
    out
}

/// All of RBAC's state.
#[derive(Clone, Debug, Default)]
pub struct Rbac {
    /// Role definitions: built-ins first, then custom roles.
    pub roles: Vec<RoleDefinition>,
    /// Role assignments (`None` once deleted, so indexes stay stable).
    pub assignments: Vec<Option<RoleAssignment>>,
    /// Deny assignments.
    pub denies: Vec<DenyAssignment>,
    by_principal: Map<String, Vec<usize>>,
    role_by_key: Map<String, usize>,
    mg_of_subscription: BTreeMap<String, String>,
}

impl Rbac {
    /// RBAC with the built-in roles.
    pub fn with_builtins() -> Rbac {
        let mut r = Rbac::default();
        for (name, id, a, na, da, nda) in builtin_roles() {
            r.add_role(RoleDefinition {
                id: id.into(),
                role_name: name.into(),
                role_type: "BuiltInRole",
                permissions: vec![Permissions { actions: lower_all(&a), not_actions: lower_all(&na), data_actions: lower_all(&da), not_data_actions: lower_all(&nda) }],
            });
        }
        r
    }

    /// Adds a role definition and indexes it by name and id.
    pub fn add_role(&mut self, role: RoleDefinition) -> usize {
        let i = self.roles.len();
        self.role_by_key.insert(role.role_name.clone(), i);
        self.role_by_key.insert(role.role_name.to_ascii_lowercase(), i);
        self.role_by_key.insert(role.id.to_ascii_lowercase(), i);
        self.roles.push(role);
        i
    }

    /// Builds a custom role's permissions (lower-cases patterns).
    pub fn permissions(actions: &[String], not_actions: &[String], data_actions: &[String], not_data_actions: &[String]) -> Permissions {
        let l = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect();
        Permissions { actions: l(actions), not_actions: l(not_actions), data_actions: l(data_actions), not_data_actions: l(not_data_actions) }
    }

    /// Finds a role by name, GUID or full role definition id (case-insensitive).
    pub fn find_role(&self, key: &str) -> Option<usize> {
        let k = key.rsplit('/').next().unwrap_or(key);
        match self.role_by_key.get(k) {
            Some(i) => Some(*i),
            None => self.role_by_key.get(&k.to_ascii_lowercase()).copied(),
        }
    }

    /// Records that a subscription sits under a management group.
    pub fn set_management_group(&mut self, subscription_id: &str, mg: &str) {
        self.mg_of_subscription.insert(subscription_id.to_ascii_lowercase(), mg.to_ascii_lowercase());
    }

    /// Adds a role assignment; returns its index.
    #[allow(clippy::too_many_arguments)]
    pub fn assign(&mut self, name: String, scope: &str, role: usize, principal_id: &str, principal_type: &str, created: SimTime, effective_at: SimTime) -> usize {
        self.assign_lowered(name, scope, &scope.to_ascii_lowercase(), role, principal_id, principal_type, created, effective_at)
    }

    /// [`Rbac::assign`] with the lower-cased scope already computed (bulk loading).
    #[allow(clippy::too_many_arguments)]
    pub fn assign_lowered(&mut self, name: String, scope: &str, scope_lower: &str, role: usize, principal_id: &str, principal_type: &str, created: SimTime, effective_at: SimTime) -> usize {
        let i = self.assignments.len();
        self.assignments.push(Some(RoleAssignment {
            name,
            scope: scope.to_string(),
            role,
            principal_id: principal_id.to_string(),
            principal_type: principal_type.to_string(),
            created,
            effective_at,
            scope_lower: scope_lower.to_string(),
        }));
        match self.by_principal.get_mut(principal_id) {
            Some(v) => v.push(i),
            None => {
                self.by_principal.entry(principal_id.to_ascii_lowercase()).or_default().push(i);
            }
        }
        i
    }

    /// Finds a live assignment of `role` to `principal` at exactly `scope`.
    pub fn find_assignment(&self, principal_id: &str, role: usize, scope: &str) -> Option<usize> {
        let sl = scope.to_ascii_lowercase();
        self.by_principal.get(&principal_id.to_ascii_lowercase())?.iter().copied().find(|&i| {
            matches!(&self.assignments[i], Some(a) if a.role == role && a.scope_lower == sl)
        })
    }

    /// Deletes an assignment by index; returns it.
    pub fn unassign(&mut self, i: usize) -> Option<RoleAssignment> {
        let a = self.assignments.get_mut(i)?.take()?;
        if let Some(v) = self.by_principal.get_mut(&a.principal_id.to_ascii_lowercase()) {
            v.retain(|&j| j != i);
        }
        Some(a)
    }

    /// Live assignments of one principal.
    pub fn assignments_of(&self, principal_id: &str) -> impl Iterator<Item = &RoleAssignment> {
        self.by_principal
            .get(&principal_id.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .filter_map(move |&i| self.assignments[i].as_ref())
    }

    /// Adds a deny assignment.
    pub fn add_deny(&mut self, name: &str, permissions: Vec<Permissions>, scope: &str, principals: Vec<String>, exclude: Vec<String>, no_children: bool) {
        self.denies.push(DenyAssignment {
            name: name.into(),
            permissions,
            scope: scope.into(),
            principals: principals.into_iter().map(|p| p.to_ascii_lowercase()).collect(),
            exclude_principals: exclude.into_iter().map(|p| p.to_ascii_lowercase()).collect(),
            do_not_apply_to_child_scopes: no_children,
            scope_lower: scope.to_ascii_lowercase(),
        });
    }

    fn mg_of(&self, sub: &str) -> Option<&str> {
        mg_lookup(&self.mg_of_subscription, sub)
    }

    /// Evaluates a request without building any text or allocating. Indexed by principal:
    /// cost grows with the caller's own assignments, not with the size of the world.
    pub fn evaluate(&self, req: &AccessRequest) -> Verdict {
        let mg = &self.mg_of_subscription;
        let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        for (i, d) in self.denies.iter().enumerate() {
            let applies_to = |id: &str| d.principals.iter().any(|p| p == "*" || p == "everyone" || is(p, id));
            let who = applies_to(req.principal_id) || req.groups.iter().any(|g| applies_to(g));
            let exempt = d.exclude_principals.iter().any(|p| is(p, req.principal_id) || req.groups.iter().any(|g| is(p, g)));
            let scope_ok = if d.do_not_apply_to_child_scopes { is(&d.scope_lower, req.scope) } else { covers(&d.scope_lower, req.scope, mg) };
            if who && !exempt && scope_ok && d.permissions.iter().any(|p| p.grants(req.action, req.data)) {
                return Verdict::DeniedByDeny(i);
            }
        }
        let mut pending = None;
        for id in std::iter::once(req.principal_id).chain(req.groups.iter().map(String::as_str)) {
            let Some(list) = self.assignments_index(id) else { continue };
            for &i in list {
                let Some(a) = &self.assignments[i] else { continue };
                if !covers(&a.scope_lower, req.scope, mg) || !self.roles[a.role].grants(req.action, req.data) {
                    continue;
                }
                if a.effective_at <= req.now {
                    return Verdict::Allowed(i);
                }
                pending.get_or_insert(i);
            }
        }
        Verdict::NotFound { pending }
    }

    fn assignments_index(&self, id: &str) -> Option<&Vec<usize>> {
        if id.bytes().any(|c| c.is_ascii_uppercase()) {
            self.by_principal.get(&id.to_ascii_lowercase())
        } else {
            self.by_principal.get(id)
        }
    }

    /// Evaluates and explains: which assignment granted it, or every check that failed.
    pub fn check(&self, req: &AccessRequest, principal_label: &str) -> Decision {
        let verdict = self.evaluate(req);
        let kind = if req.data { "data action" } else { "control-plane action" };
        let mut reasons = vec![format!(
            "Caller {principal_label} (oid {}){} asks for the {kind} '{}' at scope '{}'.",
            req.principal_id,
            if req.groups.is_empty() { String::new() } else { format!(" with {} group id(s) in its token", req.groups.len()) },
            req.action,
            req.scope
        )];
        let mg = subscription_of(req.scope).and_then(|s| self.mg_of(s));
        let chain = scope_chain(req.scope, mg);
        reasons.push(format!("Scopes searched (an assignment at any of them applies here): {}.", chain.join(" → ")));
        match verdict {
            Verdict::DeniedByDeny(i) => {
                let d = &self.denies[i];
                reasons.push(format!("Deny assignment '{}' at '{}' covers this action for the caller. Deny assignments take precedence over every role assignment.", d.name, d.scope));
                Decision::new(false, format!("Denied by deny assignment '{}'", d.name), reasons, Some("A deny assignment cannot be overridden by a role assignment; it must be removed by whoever manages it (a deployment stack or managed application).".into()))
            }
            Verdict::Allowed(i) => {
                let a = self.assignments[i].as_ref().expect("allowed assignment exists");
                let role = &self.roles[a.role];
                let via = if a.principal_id.eq_ignore_ascii_case(req.principal_id) { "directly".to_string() } else { format!("through group {}", a.principal_id) };
                reasons.push(format!("Role assignment of '{}' at '{}' ({via}) grants '{}'.", role.role_name, a.scope, req.action));
                Decision::new(true, format!("Allowed by {} at {}", role.role_name, short_scope(&a.scope)), reasons, None)
            }
            Verdict::NotFound { pending } => {
                let mut any = false;
                for a in std::iter::once(req.principal_id.to_string()).chain(req.groups.iter().cloned()).flat_map(|id| self.assignments_of(&id).cloned().collect::<Vec<_>>()) {
                    any = true;
                    let role = &self.roles[a.role];
                    let covers_here = covers(&a.scope_lower, req.scope, &self.mg_of_subscription);
                    let al = req.action;
                    let why = if !covers_here {
                        format!("is at '{}', which is not '{}' or one of its parents", a.scope, short_scope(req.scope))
                    } else if req.data && !role.has_data_actions() {
                        "grants control-plane actions only; control-plane permissions (even `*`) never include data actions".to_string()
                    } else if let Some(p) = role.permissions.iter().find_map(|p| p.subtracted(al, req.data)) {
                        format!("would match, but its NotActions remove it ('{p}')")
                    } else if role.grants(al, req.data) {
                        format!("grants it, but was created at {} and is still propagating (effective from {})", a.created.iso(), a.effective_at.iso())
                    } else {
                        format!("does not include '{}'", req.action)
                    };
                    reasons.push(format!("'{}' at '{}' {why}.", role.role_name, short_scope(&a.scope)));
                }
                if !any {
                    reasons.push("The caller (and its groups) has no role assignments at all.".into());
                }
                if let Some(p) = pending {
                    let a = self.assignments[p].as_ref().expect("pending assignment exists");
                    let wait = a.effective_at.since(req.now);
                    reasons.push(format!("An assignment that grants it exists but has not propagated yet: about {} more (RBAC changes can take up to 10 minutes).", human_duration(wait)));
                    return Decision::new(false, "Role assignment not yet propagated".to_string(), reasons, Some(format!("Wait about {} and retry with a fresh request.", human_duration(wait))));
                }
                reasons.push(format!("No effective role assignment at any of these scopes grants '{}'.", req.action));
                // Suggest the resource itself (people assign at the vault or account, rarely
                // at one secret or container).
                let resource_scope = ["/secrets/", "/blobServices/"].iter().find_map(|m| req.scope.find(m).map(|i| &req.scope[..i])).unwrap_or(req.scope);
                let fix = self.suggest_role(req.action, req.data).map(|r| {
                    format!("Assign '{}' to {principal_label} at '{}' (or a parent scope).", self.roles[r].role_name, short_scope(resource_scope))
                });
                Decision::new(false, format!("No role assignment grants {}", short_action(req.action)), reasons, fix)
            }
        }
    }

    /// The least-privileged built-in role that grants the action.
    pub fn suggest_role(&self, action: &str, data: bool) -> Option<usize> {
        let preference = [
            "Key Vault Secrets User",
            "Storage Blob Data Reader",
            "Storage Blob Data Contributor",
            "Key Vault Secrets Officer",
            "Managed Identity Operator",
            "Managed Identity Contributor",
            "Reader",
            "Role Based Access Control Administrator",
            "Contributor",
            "Owner",
        ];
        preference.iter().filter_map(|n| self.find_role(n)).find(|&i| self.roles[i].grants(action, data))
    }
}

/// The last two segments of a scope, for short labels.
pub fn short_scope(scope: &str) -> String {
    let parts: Vec<&str> = scope.trim_end_matches('/').split('/').collect();
    if parts.len() <= 3 {
        return scope.to_string();
    }
    format!("…/{}/{}", parts[parts.len() - 2], parts[parts.len() - 1])
}

/// The action's operation name, e.g. `getSecret` from `…/secrets/getSecret/action`.
pub fn short_action(action: &str) -> String {
    let parts: Vec<&str> = action.split('/').collect();
    match parts.as_slice() {
        [.., op, "action"] => op.to_string(),
        [.., ty, op] => format!("{ty}/{op}"),
        _ => action.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";
    const GET: &str = "Microsoft.KeyVault/vaults/secrets/getSecret/action";

    #[test]
    fn glob_matches() {
        assert!(glob("*", "anything/at/all"));
        assert!(glob("*/read", "microsoft.compute/virtualmachines/read"));
        assert!(glob("microsoft.keyvault/vaults/secrets/*", &GET.to_ascii_lowercase()));
        assert!(!glob("microsoft.keyvault/vaults/secrets/*", "microsoft.keyvault/vaults/keys/read"));
        // A whole-segment `/*/` also matches zero segments (Managed Identity Operator
        // attaches identities; Key Vault Reader reads vault metadata).
        assert!(glob("microsoft.managedidentity/userassignedidentities/*/assign/action", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"));
        assert!(glob("microsoft.managedidentity/userassignedidentities/*/assign/action", "microsoft.managedidentity/userassignedidentities/id-one/assign/action"));
        assert!(!glob("microsoft.managedidentity/userassignedidentities/*/assign/action", "microsoft.managedidentity/userassignedidentitiesassign/action"));
        assert!(glob("microsoft.keyvault/vaults/*/read", "Microsoft.KeyVault/vaults/read"));
        assert!(glob("microsoft.keyvault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/read"));
        assert!(!glob("microsoft.keyvault/vaults/*/read", "Microsoft.KeyVault/vaults/write"));
        assert!(!glob("*/read", "read"), "a leading * is not a whole segment");
        assert!(glob("microsoft.authorization/*/read", "Microsoft.Authorization/roleAssignments/read"));
        assert!(!glob("microsoft.compute/*", "Microsoft.Computer/x"));
    }

    #[test]
    fn scope_chain_walks_up() {
        let c = scope_chain(&format!("{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/s"), Some("mg1"));
        assert_eq!(c.len(), 6);
        assert!(c[0].ends_with("/secrets/s"));
        assert!(c[1].ends_with("/vaults/kv"));
        assert!(c[2].ends_with("/resourceGroups/rg"));
        assert_eq!(c[3], SUB);
        assert_eq!(c[5], "/");
    }
}
