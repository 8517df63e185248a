//! Actions the run makes impossible.
//!
//! A script action can fail to resolve a name for two different reasons, and they are
//! told apart here from typed data (the action's fields and what the scenario declares),
//! never from an error message:
//!
//! - the name exists nowhere in the scenario, or names the wrong kind of thing: the
//!   document is malformed, and [`World::apply`] reports a
//!   [`ScenarioError`](super::world::ScenarioError) (a diagnostic at its position);
//! - the name is declared, but at this point of the run its state does not allow the
//!   action: the resource was deleted by an earlier step or is created only by a later
//!   one, the host's identity was never enabled (say the operator's `PATCH` was refused
//!   after a learner removed their role), the role assignment to remove is not there.
//!   That is an outcome, not an error: the action becomes a **skipped** step
//!   ([`Outcome::Skipped`]) that says why, and the run goes on. Nothing silently vanishes,
//!   and a share link holding such a scenario still opens.

use super::arm::ResourceKind;
use super::collections::Map;
use super::scenario::{Action, Scenario};
use super::trace::{Fidelity, ParticipantKind, Plane};
use super::world::{lower, World};
use crate::model::world::Draft;
use crate::model::trace::StepKind;

/// What a name declares somewhere in the scenario (the world, or a script step that
/// creates it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Declared {
    /// A user or group (principals that no action deletes).
    Principal,
    /// A developer laptop.
    Laptop,
    /// A resource of the world.
    Resource(ResourceKind),
    /// A user-assigned identity that a script step creates.
    CreatedIdentity,
    /// A subscription or resource group (never deleted by a script).
    Container,
}

/// Every name the scenario declares, lower-cased. Built once per run.
pub(crate) fn declared_names(sc: &Scenario) -> Map<String, Declared> {
    let mut m = Map::default();
    let w = &sc.world;
    for r in &w.resources {
        m.entry(r.name.to_ascii_lowercase()).or_insert(Declared::Resource(r.resource_type));
    }
    for n in w.users.iter().map(|u| &u.name).chain(w.groups.iter().map(|g| &g.name)) {
        m.entry(n.to_ascii_lowercase()).or_insert(Declared::Principal);
    }
    for l in &w.laptops {
        m.entry(l.name.to_ascii_lowercase()).or_insert(Declared::Laptop);
    }
    for s in &w.subscriptions {
        m.entry(s.name.to_ascii_lowercase()).or_insert(Declared::Container);
        for g in &s.resource_groups {
            m.entry(g.name.to_ascii_lowercase()).or_insert(Declared::Container);
        }
    }
    for a in &sc.script {
        if let Action::CreateUserAssignedIdentity { name, .. } = a {
            m.entry(name.to_ascii_lowercase()).or_insert(Declared::CreatedIdentity);
        }
    }
    m
}

/// Why an action cannot run now, and where the diagram shows it.
pub(crate) struct Skip {
    /// `Some(operator)` for a control-plane action, `None` for code on a host.
    by: Option<String>,
    /// The host whose code would have run the action.
    host: Option<String>,
    /// What the action would have done, e.g. `assign Key Vault Secrets User to vm-web`.
    what: String,
    /// Why it cannot, in a sentence.
    reason: String,
}

fn any(_: ResourceKind) -> bool {
    true
}
fn compute(k: ResourceKind) -> bool {
    k.is_compute()
}
fn identity_holder(k: ResourceKind) -> bool {
    k == ResourceKind::UserAssignedIdentity || k.supports_system_assigned()
}
fn kind_is(want: ResourceKind) -> impl Fn(ResourceKind) -> bool {
    move |k| k == want
}

impl World {
    /// `name` does not resolve to a resource now, although the scenario declares it as a
    /// resource passing `kind`: why (deleted earlier, or created only later).
    fn missing(&self, name: &str, kind: &dyn Fn(ResourceKind) -> bool) -> Option<String> {
        if self.resource_by_name(name).is_some() {
            return None;
        }
        match self.declared.get(lower(name).as_ref())? {
            Declared::Resource(k) if kind(*k) => Some(format!("{name} no longer exists at this point: an earlier step deleted it")),
            Declared::CreatedIdentity if kind(ResourceKind::UserAssignedIdentity) => Some(if self.known_identities.contains_key(lower(name).as_ref()) {
                format!("{name} no longer exists at this point: an earlier step deleted it")
            } else {
                format!("{name} does not exist yet at this point: it is created only by a later step (or its creation was refused)")
            }),
            _ => None,
        }
    }

    /// `principal` names a declared resource that exists but holds no identity now (or is
    /// gone): why no role can be given to it, or taken from it.
    fn no_principal(&self, principal: &str) -> Option<String> {
        if self.resolve_principal(principal).is_some() {
            return None;
        }
        if let Some(r) = self.resource_by_name(principal) {
            if identity_holder(r.kind) {
                return Some(format!(
                    "{principal} has no managed identity at this point of the run, so there is no principal to assign a role to: its system-assigned identity is off (the step that enables it was refused, or comes later)"
                ));
            }
            return None;
        }
        self.missing(principal, &identity_holder)
    }

    /// The host the code runs on is gone (a deleted VM, app…).
    fn no_host(&self, host: &str) -> Option<String> {
        if self.laptops.contains_key(lower(host).as_ref()) {
            return None;
        }
        self.missing(host, &compute).map(|r| format!("{r}, so no code runs on it"))
    }

    /// When the run makes `a` impossible at this point, why; `None` lets [`World::apply`]
    /// run it (and report a malformed reference as an error). Control-plane actions by an
    /// unknown operator are malformed, never skipped.
    pub(crate) fn impossible(&self, a: &Action) -> Option<Skip> {
        use Action::*;
        let control = |by: &String, what: String, reason: Option<String>| -> Option<Skip> {
            let reason = reason?;
            self.principal_names.contains_key(lower(by).as_ref()).then(|| Skip { by: Some(by.clone()), host: None, what, reason })
        };
        let code = |host: &String, what: String, reason: Option<String>| -> Option<Skip> { reason.map(|reason| Skip { by: None, host: Some(host.clone()), what, reason }) };
        let vault = kind_is(ResourceKind::KeyVault);
        let uami = kind_is(ResourceKind::UserAssignedIdentity);
        match a {
            EnableSystemAssigned { by, resource } => control(by, format!("enable the system-assigned identity of {resource}"), self.missing(resource, &any)),
            DisableSystemAssigned { by, resource } => control(by, format!("disable the system-assigned identity of {resource}"), self.missing(resource, &any)),
            AttachUserAssignedIdentity { by, resource, identity } => control(by, format!("attach {identity} to {resource}"), self.missing(resource, &any).or_else(|| self.missing(identity, &uami))),
            DetachUserAssignedIdentity { by, resource, identity } => control(by, format!("detach {identity} from {resource}"), self.missing(resource, &any).or_else(|| self.missing(identity, &uami))),
            PatchIdentity { by, resource, identity } => control(
                by,
                format!("set the identity of {resource}"),
                self.missing(resource, &any).or_else(|| identity.user_assigned_identities.keys().find_map(|k| self.missing(k, &uami))),
            ),
            CreateUserAssignedIdentity { by, name, .. } => control(by, format!("create identity {name}"), self.resource_by_name(name).map(|_| format!("a resource named {name} already exists at this point"))),
            DeleteUserAssignedIdentity { by, name } => control(by, format!("delete {name}"), self.missing(name, &uami)),
            DeleteResource { by, resource } => control(by, format!("delete {resource}"), self.missing(resource, &any)),
            CreateRoleAssignment { by, principal_id, role_definition_id, scope, .. } => {
                control(by, format!("assign {role_definition_id} to {principal_id}"), self.no_principal(principal_id).or_else(|| self.missing(scope, &any)))
            }
            DeleteRoleAssignment { by, principal_id, role_definition_id, scope } => {
                let absent = || {
                    let (pid, role, scope_id) = (self.resolve_principal(principal_id)?, self.rbac.find_role(role_definition_id)?, self.resolve_scope(scope)?);
                    self.rbac.find_assignment(&pid, role, &scope_id).is_none().then(|| format!("no assignment of {role_definition_id} to {principal_id} at {scope} exists at this point: it was never made, or an earlier step removed it"))
                };
                control(by, format!("remove {role_definition_id} of {principal_id}"), self.no_principal(principal_id).or_else(|| self.missing(scope, &any)).or_else(absent))
            }
            AddGroupMember { by, group, member } => control(by, format!("add {member} to {group}"), self.no_principal(member)),
            SetAccessPolicy { by, vault: v, object_id, .. } => control(by, format!("set the access policy of {object_id} on {v}"), self.missing(v, &vault).or_else(|| self.no_principal(object_id))),
            SetVaultPermissionModel { by, vault: v, .. } => control(by, format!("switch the permission model of {v}"), self.missing(v, &vault)),
            GetToken { host, resource } => code(host, format!("get a token for {resource}"), self.no_host(host)),
            TokenRequest { host, .. } => code(host, "call the token endpoint".into(), self.no_host(host)),
            ConfigureApp { host, .. } => code(host, "redeploy the code".into(), self.no_host(host)),
            GetSecret { host, vault: v, secret, .. } => code(host, format!("read secret {secret} from {v}"), self.no_host(host).or_else(|| self.missing(v, &vault))),
            BlobRequest { host, account, blob, .. } => code(host, format!("access blob {blob} in {account}"), self.no_host(host).or_else(|| self.missing(account, &kind_is(ResourceKind::StorageAccount)))),
            ArmRequest { host, target, .. } => code(host, format!("call ARM on {target}"), self.no_host(host).or_else(|| (!target.starts_with('/')).then(|| self.missing(target.split(['/', '?']).next().unwrap_or(target), &any)).flatten())),
            SqlConnect { host, database, .. } => code(host, format!("connect to {database}"), self.no_host(host).or_else(|| self.missing(database, &kind_is(ResourceKind::SqlDatabase)))),
            Fault { target, host, kind, .. } => {
                let reason = match host {
                    Some(h) if target.eq_ignore_ascii_case("imds") => self.no_host(h),
                    _ if target.eq_ignore_ascii_case("imds") || target.eq_ignore_ascii_case("entra") => None,
                    _ => self.missing(target, &any),
                };
                reason.map(|reason| Skip { by: None, host: None, what: format!("inject {kind} on {target}"), reason })
            }
            AdvanceClock { .. } | Note { .. } => None,
        }
    }

    /// Records `skip` as a step: a note on the operator's (or the host code's) lifeline,
    /// with outcome [`Outcome::Skipped`].
    pub(crate) fn skip(&mut self, skip: Skip) {
        let (who, plane) = match (&skip.by, &skip.host) {
            (Some(by), _) => (self.p_operator(by), Plane::Control),
            (None, Some(h)) => (self.participant(&format!("app:{}", lower(h)), ParticipantKind::App, &format!("App on {h}")), Plane::Runtime),
            (None, None) => (self.p_arm(), Plane::Runtime),
        };
        let explanation = format!(
            "This step of the script could not run: {}. The playground shows it as skipped instead of dropping it, and the rest of the script runs as usual. Change the scenario (for example, restore what an earlier step needed) to see it run.",
            skip.reason
        );
        let s = self.push(Draft::on(plane, who, &format!("skipped: {}", skip.what)).note(&format!("Not run: {}.", skip.what)).fidelity(Fidelity::Narration).source("scenario script").explain(explanation));
        s.set_kind(StepKind::Skipped);
    }
}
