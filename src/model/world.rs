//! The world: every participant's state, and the loop that turns scenario actions into
//! trace steps. Control-plane operations live here; runtime flows (SDK, token
//! endpoints, token service, resource servers) are in `runtime`.
//!
//! Run loop: `World::build(&scenario)` validates references and sets up the initial
//! state (no steps), then `World::apply(action)` runs one action to completion, emitting
//! its steps. `simulate` does both and returns the trace.

use super::arm::{resource_id, IdentityRef, IdentityType, Resource, ResourceData, ResourceKind};
use super::directory::{Directory, Principal, PrincipalKind};
use super::http::{Request, Response};
use super::rbac::{AccessRequest, Decision, Rbac};
use super::rng::Rng;
use super::scenario::{Action, IdentityBlock, LaptopSpec, Scenario, UserAssignedEntry};
use super::time::SimTime;
use super::trace::{Change, ChangeOp, Fidelity, Message, Outcome, Participant, ParticipantKind, Plane, Step, Trace};
use super::collections::{Map, Resources};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Why a scenario could not be run. Outcomes inside the simulated world (a 403, an
/// unknown identity at IMDS) are never errors: they are steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where: e.g. `script[3].resource`.
    pub path: String,
    /// What is wrong (lower-case, no trailing dot).
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ScenarioError {}

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, ScenarioError> {
    Err(ScenarioError { path: path.into(), message: message.into() })
}

/// A subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Resource groups: name → location.
    pub resource_groups: BTreeMap<String, String>,
    /// Management group, if any.
    pub management_group: Option<String>,
}

/// A certificate the MI resource provider issued for an identity (fact sheet §4.2).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// Thumbprint (40 hex digits).
    pub thumbprint: String,
    /// Issued at.
    pub not_before: SimTime,
    /// Expires 90 days later.
    pub not_after: SimTime,
    /// Rolled 45 days after issue.
    pub renew_at: SimTime,
    /// Display name of the identity.
    pub identity: String,
}

/// A token held in a cache (host endpoint or SDK).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedToken {
    /// The JWT.
    pub jwt: String,
    /// `exp`.
    pub expires_on: SimTime,
    /// When the SDK should try to refresh (MSAL half-life rule); `expires_on` for endpoint caches.
    pub refresh_on: SimTime,
    /// Which identity (client id).
    pub client_id: String,
    /// Audience.
    pub resource: String,
}

/// An injected fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// `imds:<host>`, `entra`, or a resource name (lower-case).
    pub target: String,
    /// What the service does meanwhile.
    pub kind: super::scenario::FaultKind,
    /// Active until.
    pub until: SimTime,
}

/// The whole simulated world.
pub struct World {
    /// The virtual clock.
    pub now: SimTime,
    pub(crate) rng: Rng,
    /// The Entra tenant.
    pub directory: Directory,
    /// Tenant creation time (`xms_tcdt`).
    pub tenant_created: u64,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Resources in creation order, by lower-cased ARM id.
    pub resources: Resources,
    /// Lower-cased resource name → lower-cased id (a lookup index; never iterated).
    pub(crate) names: Map<String, String>,
    /// User and group names → object id (a lookup index; never iterated).
    pub(crate) principal_names: Map<String, String>,
    /// The application code on each compute resource (by lower-cased name).
    pub app_specs: BTreeMap<String, super::scenario::AppSpec>,
    /// Developer laptops.
    pub laptops: BTreeMap<String, LaptopSpec>,
    /// RBAC.
    pub rbac: Rbac,
    /// MI resource provider certificates by principal id.
    pub certificates: BTreeMap<String, Certificate>,
    /// Host endpoint token caches: host id → (client id, resource) → token.
    pub endpoint_caches: BTreeMap<String, BTreeMap<(String, String), CachedToken>>,
    /// SDK token caches: host name → (client id, resource) → token.
    pub sdk_caches: BTreeMap<String, BTreeMap<(String, String), CachedToken>>,
    /// The JWKS Entra ID publishes (`…/discovery/keys`): what resource servers verify
    /// signatures with.
    pub(crate) jwks: jsonwebtoken::jwk::JwkSet,
    /// The last token each host sent to each resource service, and when (`token.replay`).
    pub(crate) sent_tokens: BTreeMap<(String, super::runtime::Service), (String, SimTime)>,
    /// Issued tokens in order (for the world view): (host name, jwt).
    pub issued_log: Vec<(String, String)>,
    /// Faults in force.
    pub faults: Vec<Fault>,
    /// App Service `IDENTITY_HEADER` per host name, with the time it was set.
    pub app_service_secrets: BTreeMap<String, (String, SimTime)>,
    /// Key Vault challenges already answered per (host, vault): the SDK skips the unauthenticated call.
    pub(crate) kv_challenges: BTreeSet<(String, String)>,
    /// Hosts whose `DefaultAzureCredential` already settled on a credential.
    pub(crate) dac_settled: BTreeMap<String, String>,
    /// IMDS request times per host (throttling window).
    pub(crate) imds_requests: BTreeMap<String, Vec<SimTime>>,
    /// Every identity that ever existed, by lower-cased name: code and scenarios keep
    /// referring to deleted identities by the ids they had.
    pub(crate) known_identities: BTreeMap<String, IdentityRef>,
    /// App roles granted: (App ID URI, principal object id lower-case, role).
    pub(crate) app_role_grants: Vec<(String, String, String)>,
    /// Narration waiting for the next step (it is anchored to that step's sender).
    pending_notes: Vec<String>,
    /// RBAC propagation delay (seconds).
    pub rbac_propagation: u64,
    /// The trace so far.
    pub trace: Trace,
    /// When recording: a snapshot of the world after every step (for the UI's world view).
    pub(crate) views: Option<Vec<super::view::WorldView>>,
    participant_index: Map<String, usize>,
    pub(crate) action: usize,
    /// Every name the scenario declares (see `skip`): tells a reference to something the
    /// run deleted or has not created yet from a name that exists nowhere.
    pub(crate) declared: Map<String, super::skip::Declared>,
}

/// Runs a scenario to the end and returns its trace, or the first problem in it.
pub fn simulate(scenario: &Scenario) -> Result<Trace, ScenarioError> {
    let (trace, mut errors) = simulate_lenient(scenario);
    if errors.is_empty() {
        Ok(trace)
    } else {
        Err(errors.swap_remove(0))
    }
}

/// Runs a scenario, skipping malformed parts (a world item or an action with a dangling
/// reference), and reports every problem alongside the trace of what could run.
pub fn simulate_lenient(scenario: &Scenario) -> (Trace, Vec<ScenarioError>) {
    let (mut w, mut errors) = World::build_lenient(scenario);
    for (i, a) in scenario.script.iter().enumerate() {
        w.action = i;
        if let Err(e) = w.apply(a) {
            errors.push(ScenarioError { path: format!("script[{i}]{}", if e.path.is_empty() { String::new() } else { format!(".{}", e.path) }), message: e.message });
        }
    }
    (w.finish(), errors)
}

impl World {
    /// Sets up the initial world from a scenario. Fails on the first dangling reference;
    /// [`World::build_lenient`] reports them all.
    pub fn build(sc: &Scenario) -> Result<World, ScenarioError> {
        let (w, mut errors) = World::build_lenient(sc);
        if errors.is_empty() {
            Ok(w)
        } else {
            Err(errors.swap_remove(0))
        }
    }

    /// Sets up the initial world, skipping whatever is malformed and reporting every problem.
    pub fn build_lenient(sc: &Scenario) -> (World, Vec<ScenarioError>) {
        let mut errors = Vec::new();
        let mut fail = |path: String, message: String| errors.push(ScenarioError { path, message });
        if sc.version != super::scenario::FORMAT_VERSION {
            fail("version".into(), format!("unsupported version {} (this build reads version {})", sc.version, super::scenario::FORMAT_VERSION));
        }
        let start = sc.start_time.0;
        let mut rng = Rng::new(sc.seed, 1);
        let spec = &sc.world;
        let tenant_id = spec.tenant.tenant_id.clone().unwrap_or_else(|| rng.guid());
        let rbac_propagation = spec.settings.rbac_propagation.secs();
        let mut w = World {
            now: start,
            rng,
            directory: Directory { tenant_id: tenant_id.clone(), domain: spec.tenant.domain.clone().unwrap_or_else(|| "contoso.onmicrosoft.com".into()), ..Default::default() },
            tenant_created: start.0.saturating_sub(3 * 365 * 86_400),
            subscriptions: Vec::new(),
            resources: Resources::default(),
            names: Map::default(),
            principal_names: Map::default(),
            app_specs: BTreeMap::new(),
            laptops: BTreeMap::new(),
            rbac: Rbac::with_builtins(),
            certificates: BTreeMap::new(),
            endpoint_caches: BTreeMap::new(),
            sdk_caches: BTreeMap::new(),
            sent_tokens: BTreeMap::new(),
            jwks: super::verify::parse_jwks(&super::token::jwks_json(&tenant_id)).unwrap_or(jsonwebtoken::jwk::JwkSet { keys: Vec::new() }),
            issued_log: Vec::new(),
            faults: Vec::new(),
            app_service_secrets: BTreeMap::new(),
            kv_challenges: BTreeSet::new(),
            dac_settled: BTreeMap::new(),
            known_identities: BTreeMap::new(),
            app_role_grants: Vec::new(),
            pending_notes: Vec::new(),
            imds_requests: BTreeMap::new(),
            rbac_propagation,
            trace: Trace::default(),
            views: None,
            participant_index: Map::default(),
            action: 0,
            declared: super::skip::declared_names(sc),
        };
        let mut fail = |path: String, message: String| errors.push(ScenarioError { path, message });
        if spec.subscriptions.is_empty() {
            fail("world.subscriptions".into(), "at least one subscription is needed".into());
        }
        for (i, s) in spec.subscriptions.iter().enumerate() {
            let id = s.subscription_id.clone().unwrap_or_else(|| w.rng.guid());
            if let Some(mg) = &s.management_group {
                w.rbac.set_management_group(&id, mg);
            }
            let mut rgs = BTreeMap::new();
            for rg in &s.resource_groups {
                if rgs.insert(rg.name.clone(), rg.location.clone()).is_some() {
                    fail(format!("world.subscriptions[{i}].resourceGroups"), format!("resource group '{}' is declared twice", rg.name));
                }
            }
            w.subscriptions.push(Subscription { id, name: s.name.clone(), resource_groups: rgs, management_group: s.management_group.clone() });
        }
        for (i, u) in spec.users.iter().enumerate() {
            let id = u.object_id.clone().unwrap_or_else(|| w.rng.guid());
            if let Err(e) = w.add_principal_name(&u.name, &id, &format!("world.users[{i}]")) {
                fail(e.path, e.message);
                continue;
            }
            w.directory.add(Principal { object_id: id, display_name: u.name.clone(), kind: PrincipalKind::User });
        }
        for (i, g) in spec.groups.iter().enumerate() {
            let id = g.object_id.clone().unwrap_or_else(|| w.rng.guid());
            if let Err(e) = w.add_principal_name(&g.name, &id, &format!("world.groups[{i}]")) {
                fail(e.path, e.message);
                continue;
            }
            w.directory.add(Principal { object_id: id, display_name: g.name.clone(), kind: PrincipalKind::Group { members: Vec::new() } });
        }
        // Resources: user-assigned identities first, so hosts can attach them.
        let mut order: Vec<usize> = (0..spec.resources.len()).collect();
        order.sort_by_key(|&i| spec.resources[i].resource_type != ResourceKind::UserAssignedIdentity);
        for i in order {
            if let Err(e) = w.build_resource(sc, i) {
                fail(e.path, e.message);
            }
        }
        for (i, l) in spec.laptops.iter().enumerate() {
            if w.names.contains_key(&l.name.to_ascii_lowercase()) || w.laptops.contains_key(&l.name.to_ascii_lowercase()) {
                fail(format!("world.laptops[{i}].name"), format!("name '{}' is already used", l.name));
                continue;
            }
            w.laptops.insert(l.name.to_ascii_lowercase(), l.clone());
        }
        for (i, g) in spec.groups.iter().enumerate() {
            let Some(gid) = w.principal_names.get(&g.name.to_ascii_lowercase()).cloned() else { continue };
            for (j, m) in g.members.iter().enumerate() {
                let Some(mid) = w.resolve_principal(m) else {
                    fail(format!("world.groups[{i}].members[{j}]"), format!("'{m}' is not a user, group or identity in this scenario"));
                    continue;
                };
                if let Some(Principal { kind: PrincipalKind::Group { members }, .. }) = w.directory.objects.get_mut(&gid.to_ascii_lowercase()) {
                    members.push(mid);
                }
            }
        }
        for (i, a) in spec.app_registrations.iter().enumerate() {
            let (app_oid, sp_oid, app_id) = (w.rng.guid(), w.rng.guid(), w.rng.guid());
            if w.principal_names.contains_key(&a.name.to_ascii_lowercase()) || w.names.contains_key(&a.name.to_ascii_lowercase()) {
                fail(format!("world.appRegistrations[{i}].name"), format!("name '{}' is already used", a.name));
                continue;
            }
            w.principal_names.insert(a.name.to_ascii_lowercase(), sp_oid.clone());
            w.directory.add(Principal { object_id: app_oid, display_name: a.name.clone(), kind: PrincipalKind::Application { app_id: app_id.clone(), identifier_uris: a.identifier_uri.iter().cloned().collect(), app_roles: a.app_roles.clone() } });
            w.directory.add(Principal {
                object_id: sp_oid.clone(),
                display_name: a.name.clone(),
                kind: PrincipalKind::ServicePrincipal { app_id: app_id.clone(), service_principal_type: "Application".into(), alternative_names: vec![], service_principal_names: a.identifier_uri.iter().cloned().chain(std::iter::once(app_id.clone())).collect() },
            });
            for (j, x) in a.app_role_assignments.iter().enumerate() {
                if !a.app_roles.contains(&x.role) {
                    fail(format!("world.appRegistrations[{i}].appRoleAssignments[{j}].role"), format!("'{}' is not one of the app roles of '{}' ({})", x.role, a.name, a.app_roles.join(", ")));
                    continue;
                }
                let Some(pid) = w.resolve_principal(&x.principal_id) else {
                    fail(format!("world.appRegistrations[{i}].appRoleAssignments[{j}].principalId"), format!("'{}' is not a principal in this scenario", x.principal_id));
                    continue;
                };
                w.app_role_grants.push((a.identifier_uri.clone().unwrap_or_default(), pid.to_ascii_lowercase(), x.role.clone()));
            }
        }
        for (i, rd) in spec.role_definitions.iter().enumerate() {
            let id = rd.id.clone().unwrap_or_else(|| w.rng.guid());
            if w.rbac.find_role(&rd.role_name).is_some() {
                fail(format!("world.roleDefinitions[{i}].roleName"), format!("a role named '{}' already exists", rd.role_name));
                continue;
            }
            let perms = rd.permissions.iter().map(|p| Rbac::permissions(&p.actions, &p.not_actions, &p.data_actions, &p.not_data_actions)).collect();
            w.rbac.add_role(super::rbac::RoleDefinition { id, role_name: rd.role_name.clone(), role_type: "CustomRole", permissions: perms });
        }
        // Many assignments share a scope: resolve and lower-case each distinct one once.
        let mut scopes: Map<&str, (String, String)> = Map::default();
        for (i, ra) in spec.role_assignments.iter().enumerate() {
            let path = || format!("world.roleAssignments[{i}]");
            let principal = w.resolve_principal_typed(&ra.principal_id);
            if principal.is_none() {
                fail(format!("{}.principalId", path()), format!("role assignment refers to principal '{}' that does not exist", ra.principal_id));
            }
            let role = w.rbac.find_role(&ra.role_definition_id);
            if role.is_none() {
                fail(format!("{}.roleDefinitionId", path()), format!("unknown role '{}'", ra.role_definition_id));
            }
            if !scopes.contains_key(ra.scope.as_str()) {
                let Some(scope) = w.resolve_scope(&ra.scope) else {
                    fail(format!("{}.scope", path()), format!("unknown scope '{}'", ra.scope));
                    continue;
                };
                let lowered = scope.to_ascii_lowercase();
                scopes.insert(ra.scope.as_str(), (scope, lowered));
            }
            let (Some((pid, ptype)), Some(role)) = (principal, role) else { continue };
            let (scope, lowered) = &scopes[ra.scope.as_str()];
            let name = w.rng.guid();
            w.rbac.assign_lowered(name, scope, lowered, role, &pid, ptype, start, start);
        }
        for (i, d) in spec.deny_assignments.iter().enumerate() {
            let path = format!("world.denyAssignments[{i}]");
            let Some(scope) = w.resolve_scope(&d.scope) else {
                fail(format!("{path}.scope"), format!("unknown scope '{}'", d.scope));
                continue;
            };
            let mut ps = Vec::new();
            for (j, p) in d.principals.iter().enumerate() {
                if p.eq_ignore_ascii_case("everyone") {
                    ps.push("*".to_string());
                } else if let Some(id) = w.resolve_principal(p) {
                    ps.push(id);
                } else {
                    fail(format!("{path}.principals[{j}]"), format!("unknown principal '{p}'"));
                }
            }
            let ex = d.exclude_principals.iter().filter_map(|p| w.resolve_principal(p)).collect();
            let perms = d.permissions.iter().map(|p| Rbac::permissions(&p.actions, &p.not_actions, &p.data_actions, &p.not_data_actions)).collect();
            w.rbac.add_deny(&d.deny_assignment_name, perms, &scope, ps, ex, d.do_not_apply_to_child_scopes);
        }
        (w, errors)
    }

    fn add_principal_name(&mut self, name: &str, id: &str, path: &str) -> Result<(), ScenarioError> {
        if self.principal_names.insert(name.to_ascii_lowercase(), id.to_string()).is_some() {
            return err(format!("{path}.name"), format!("name '{name}' is already used by another user or group"));
        }
        Ok(())
    }

    fn build_resource(&mut self, sc: &Scenario, i: usize) -> Result<(), ScenarioError> {
        let r = &sc.world.resources[i];
        let path = format!("world.resources[{i}]");
        let kind = r.resource_type;
        let sub = match &r.subscription {
            Some(s) => self.subscriptions.iter().find(|x| x.name.eq_ignore_ascii_case(s) || x.id.eq_ignore_ascii_case(s)),
            None => self.subscriptions.first(),
        };
        let Some(sub) = sub else { return err(format!("{path}.subscription"), format!("unknown subscription '{}'", r.subscription.clone().unwrap_or_default())) };
        let Some(rg_loc) = sub.resource_groups.get(&r.resource_group) else {
            return err(format!("{path}.resourceGroup"), format!("resource group '{}' is not declared in subscription '{}'", r.resource_group, sub.name));
        };
        let location = r.location.clone().unwrap_or_else(|| rg_loc.clone());
        let sub_id = sub.id.clone();
        if self.names.contains_key(&r.name.to_ascii_lowercase()) {
            return err(format!("{path}.name"), format!("resource name '{}' is used twice (names must be unique in a scenario)", r.name));
        }
        let id = resource_id(&sub_id, &r.resource_group, kind, &r.name);
        let p = &r.properties;
        let mut data = ResourceData { kind: p.kind, ..Default::default() };
        if kind == ResourceKind::KeyVault {
            data.enable_rbac_authorization = Some(p.enable_rbac_authorization.unwrap_or(true));
            for s in &p.secrets {
                let version = self.rng.hex(32);
                data.secrets.push(super::arm::Secret { name: s.name.clone(), value: s.value.clone(), version, created: self.now.0.saturating_sub(30 * 86_400) });
            }
        }
        for c in &p.containers {
            data.containers.insert(c.name.clone(), c.blobs.iter().map(|b| (b.name.clone(), b.content.clone())).collect());
        }
        if kind == ResourceKind::UserAssignedIdentity {
            let principal_id = self.rng.guid();
            let client_id = self.rng.guid();
            let uref = IdentityRef { principal_id: principal_id.clone(), client_id: client_id.clone(), mi_resource_id: id.clone() };
            self.directory.add(mi_principal(&uref, &r.name, true, &mut self.rng));
            self.issue_certificate(&principal_id, &r.name);
            self.known_identities.insert(r.name.to_ascii_lowercase(), uref.clone());
            data.uami = Some(uref);
            for f in &p.federated_identity_credentials {
                data.federated_credentials.push(super::arm::FederatedCredential { name: f.name.clone(), issuer: f.issuer.clone(), subject: f.subject.clone(), audiences: f.audiences.clone() });
            }
        }
        if kind == ResourceKind::AksWorkload {
            let ns = p.namespace.clone().unwrap_or_else(|| "default".into());
            let sa = p.service_account.clone().unwrap_or_else(|| "workload-sa".into());
            let Some(ident) = p.workload_identity.clone() else {
                return err(format!("{path}.properties.workloadIdentity"), "an AKS workload needs the user-assigned identity its service account is annotated with");
            };
            let issuer = p.oidc_issuer.clone().unwrap_or_else(|| format!("https://oidc.prod-aks.azure.com/{}/{}/", self.directory.tenant_id, self.rng.guid()));
            data.workload = Some((ns, sa, ident, issuer));
        }
        let mut res = Resource {
            id: id.clone(),
            name: r.name.clone(),
            kind,
            subscription_id: sub_id,
            resource_group: r.resource_group.clone(),
            location,
            system_assigned: None,
            user_assigned: BTreeMap::new(),
            data,
        };
        if let Some(block) = &r.identity {
            if block.identity_type.system() {
                if !kind.supports_system_assigned() {
                    return err(format!("{path}.identity.type"), format!("{} does not support a system-assigned identity here", kind.arm_type()));
                }
                let uref = IdentityRef { principal_id: self.rng.guid(), client_id: self.rng.guid(), mi_resource_id: id.clone() };
                self.directory.add(mi_principal(&uref, &r.name, false, &mut self.rng));
                self.issue_certificate(&uref.principal_id, &r.name);
                self.known_identities.insert(r.name.to_ascii_lowercase(), uref.clone());
                res.system_assigned = Some(uref);
            }
            for (k, v) in &block.user_assigned_identities {
                if *v == UserAssignedEntry::Detach {
                    continue;
                }
                let Some(u) = self.find_uami(k) else {
                    return err(format!("{path}.identity.userAssignedIdentities"), format!("'{k}' is not a user-assigned identity in this scenario"));
                };
                if !kind.supports_user_assigned() {
                    return err(format!("{path}.identity.userAssignedIdentities"), format!("{} does not support user-assigned identities", kind.arm_type()));
                }
                res.user_assigned.insert(u.mi_resource_id.to_ascii_lowercase(), u);
            }
        }
        if kind == ResourceKind::AppService {
            let secret = self.rng.hex(32).to_ascii_uppercase();
            self.app_service_secrets.insert(r.name.to_ascii_lowercase(), (secret, self.now));
        }
        for (j, u) in p.contained_users.iter().enumerate() {
            let Some(pid) = self.resolve_principal(u) else {
                return err(format!("{path}.properties.containedUsers[{j}]"), format!("'{u}' is not a principal in this scenario"));
            };
            res.data.contained_users.push(pid);
        }
        if let Some(app) = &r.app {
            if !kind.is_compute() {
                return err(format!("{path}.app"), format!("code cannot run on a {}", kind.arm_type()));
            }
            self.app_specs.insert(r.name.to_ascii_lowercase(), app.clone());
        }
        self.names.insert(r.name.to_ascii_lowercase(), id.to_ascii_lowercase());
        self.resources.insert(id.to_ascii_lowercase(), res);
        // Access policies reference principals that may be declared later: resolve after all resources.
        if !p.access_policies.is_empty() {
            let mut aps = Vec::new();
            for (j, a) in p.access_policies.iter().enumerate() {
                let Some(pid) = self.resolve_principal(&a.object_id) else {
                    return err(format!("{path}.properties.accessPolicies[{j}].objectId"), format!("access policy refers to principal '{}' that does not exist", a.object_id));
                };
                aps.push(super::arm::AccessPolicy { object_id: pid, secrets: a.secrets.iter().map(|s| s.to_ascii_lowercase()).collect() });
            }
            if let Some(res) = self.resources.get_mut(&id.to_ascii_lowercase()) {
                res.data.access_policies = aps;
            }
        }
        Ok(())
    }

    /// The MI resource provider issues a certificate (90 days, rolled after 45).
    pub(crate) fn issue_certificate(&mut self, principal_id: &str, name: &str) -> Certificate {
        let c = Certificate { thumbprint: self.rng.hex(40).to_ascii_uppercase(), not_before: self.now, not_after: self.now.plus(90 * 86_400), renew_at: self.now.plus(45 * 86_400), identity: name.to_string() };
        self.certificates.insert(principal_id.to_ascii_lowercase(), c.clone());
        c
    }

    /// Finds a user-assigned identity by name, resource id or client id.
    pub fn find_uami(&self, key: &str) -> Option<IdentityRef> {
        let k = key.to_ascii_lowercase();
        let by_name = self.names.get(&k).and_then(|id| self.resources.get(id));
        let by_id = self.resources.get(&k);
        by_name
            .or(by_id)
            .and_then(|r| r.data.uami.clone())
            .or_else(|| self.resources.values().filter_map(|r| r.data.uami.as_ref()).find(|u| u.client_id.eq_ignore_ascii_case(key) || u.principal_id.eq_ignore_ascii_case(key)).cloned())
    }

    /// An identity by name, including deleted ones (their ids live on in code and role assignments).
    pub fn identity_ever(&self, name: &str) -> Option<IdentityRef> {
        self.find_uami(name).or_else(|| self.known_identities.get(&name.to_ascii_lowercase()).cloned())
    }

    /// A resource by name (case-insensitive).
    pub fn resource_by_name(&self, name: &str) -> Option<&Resource> {
        self.names.get(lower(name).as_ref()).and_then(|id| self.resources.get(id))
    }

    /// Resolves a principal reference (user/group name, resource name = its system-assigned
    /// identity, user-assigned identity name, or an object id) to an object id.
    pub fn resolve_principal(&self, r: &str) -> Option<String> {
        self.resolve_principal_typed(r).map(|(id, _)| id)
    }

    fn resolve_principal_typed(&self, r: &str) -> Option<(String, &'static str)> {
        let k = lower(r);
        if let Some(id) = self.principal_names.get(k.as_ref()) {
            let t = self.directory.get(id).map(|p| p.principal_type()).unwrap_or("User");
            return Some((id.clone(), t));
        }
        if let Some(res) = self.resource_by_name(r) {
            if let Some(u) = &res.data.uami {
                return Some((u.principal_id.clone(), "ServicePrincipal"));
            }
            if let Some(s) = &res.system_assigned {
                return Some((s.principal_id.clone(), "ServicePrincipal"));
            }
            return None;
        }
        if let Some(p) = self.directory.get(r) {
            return Some((p.object_id.clone(), p.principal_type()));
        }
        if let Some(i) = self.known_identities.get(k.as_ref()) {
            return Some((i.principal_id.clone(), "ServicePrincipal"));
        }
        // A GUID that names nobody (e.g. a deleted identity) is still a valid principal id.
        if is_guid(r) {
            return Some((k.into_owned(), "ServicePrincipal"));
        }
        None
    }

    /// Resolves a scope reference: an ARM id (kept as written), `/`, or the name of a
    /// subscription, resource group or resource.
    pub fn resolve_scope(&self, s: &str) -> Option<String> {
        if s.starts_with('/') {
            return Some(s.trim_end_matches('/').to_string()).map(|x| if x.is_empty() { "/".into() } else { x });
        }
        if let Some(r) = self.resource_by_name(s) {
            return Some(r.id.clone());
        }
        for sub in &self.subscriptions {
            if sub.name.eq_ignore_ascii_case(s) {
                return Some(format!("/subscriptions/{}", sub.id));
            }
        }
        for sub in &self.subscriptions {
            if let Some((rg, _)) = sub.resource_groups.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
                return Some(format!("/subscriptions/{}/resourceGroups/{rg}", sub.id));
            }
        }
        None
    }

    /// A display label for an object id (name, or the id itself for an unknown principal).
    pub fn principal_label(&self, oid: &str) -> String {
        self.directory.get(oid).map(|p| p.display_name.clone()).unwrap_or_else(|| format!("unknown principal {oid}"))
    }

    /// Ends the run: orders lifelines left to right by kind and returns the trace.
    pub fn finish(mut self) -> Trace {
        if !self.pending_notes.is_empty() {
            let who = if self.trace.participants.is_empty() { self.p_arm() } else { 0 };
            for text in std::mem::take(&mut self.pending_notes) {
                self.note(who, &text, Plane::Runtime, &text, Fidelity::Narration, "scenario narration", text.clone());
            }
        }
        let n = self.trace.participants.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (self.trace.participants[i].kind, i));
        let mut new_index = vec![0; n];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let parts = order.iter().map(|&i| self.trace.participants[i].clone()).collect();
        self.trace.participants = parts;
        for s in &mut self.trace.steps {
            s.from = new_index[s.from];
            s.to = new_index[s.to];
        }
        self.trace
    }

    // ----- trace building -------------------------------------------------------------

    /// The index of a participant, adding it on first use.
    pub(crate) fn participant(&mut self, key: &str, kind: ParticipantKind, label: &str) -> usize {
        if let Some(&i) = self.participant_index.get(key) {
            return i;
        }
        let i = self.trace.participants.len();
        self.trace.participants.push(Participant { key: key.into(), kind, label: label.into() });
        self.participant_index.insert(key.into(), i);
        i
    }

    pub(crate) fn p_operator(&mut self, name: &str) -> usize {
        self.participant(&format!("operator:{}", name.to_ascii_lowercase()), ParticipantKind::Operator, name)
    }
    pub(crate) fn p_arm(&mut self) -> usize {
        self.participant("arm", ParticipantKind::Arm, "Azure Resource Manager")
    }
    pub(crate) fn p_msrp(&mut self) -> usize {
        self.participant("msrp", ParticipantKind::MiResourceProvider, "MI resource provider")
    }
    pub(crate) fn p_entra(&mut self) -> usize {
        self.participant("entra", ParticipantKind::Entra, "Entra ID")
    }

    /// Appends a step and returns it for further decoration.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn step(&mut self, from: usize, to: usize, label: impl Into<String>, plane: Plane, message: Message, fidelity: Fidelity, source: &str, explanation: impl Into<String>) -> &mut Step {
        for text in std::mem::take(&mut self.pending_notes) {
            self.step(from, from, text.clone(), plane, Message::Note { summary: text.clone() }, Fidelity::Narration, "scenario narration", text);
        }
        let failed = matches!(&message, Message::Response(r) if r.status >= 400);
        self.trace.steps.push(Step {
            from,
            to,
            label: label.into(),
            plane,
            message,
            outcome: if failed { Outcome::Failure } else { Outcome::Ok },
            fidelity,
            source: source.into(),
            explanation: explanation.into(),
            changes: Vec::new(),
            decision: None,
            jwt: None,
            time: self.now,
            action: self.action,
        });
        if self.views.is_some() {
            let v = self.snapshot();
            if let Some(views) = self.views.as_mut() {
                views.push(v);
            }
        }
        self.trace.steps.last_mut().expect("just pushed")
    }

    /// A platform-internal message (drawn conceptually).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn internal(&mut self, from: usize, to: usize, label: &str, plane: Plane, summary: &str, detail: serde_json::Value, source: &str, explanation: String) -> &mut Step {
        let detail = if detail.is_null() { String::new() } else { serde_json::to_string_pretty(&detail).unwrap_or_default() };
        self.step(from, to, label, plane, Message::Internal { summary: summary.into(), detail }, Fidelity::Conceptual, source, explanation)
    }

    /// A note on one lifeline.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn note(&mut self, who: usize, label: &str, plane: Plane, summary: &str, fidelity: Fidelity, source: &str, explanation: String) -> &mut Step {
        self.step(who, who, label, plane, Message::Note { summary: summary.into() }, fidelity, source, explanation)
    }

    // ----- actions ------------------------------------------------------------------------

    /// Runs one action to completion. `Err` only for a malformed action (unknown names…);
    /// an action the run has made impossible becomes a skipped step (see `skip`).
    pub fn apply(&mut self, a: &Action) -> Result<(), ScenarioError> {
        if let Some(skip) = self.impossible(a) {
            self.skip(skip);
            return Ok(());
        }
        match a {
            Action::EnableSystemAssigned { by, resource } => self.patch_identity(by, resource, IdentityEdit::EnableSystem),
            Action::DisableSystemAssigned { by, resource } => self.patch_identity(by, resource, IdentityEdit::DisableSystem),
            Action::AttachUserAssignedIdentity { by, resource, identity } => self.patch_identity(by, resource, IdentityEdit::Attach(identity.clone())),
            Action::DetachUserAssignedIdentity { by, resource, identity } => self.patch_identity(by, resource, IdentityEdit::Detach(identity.clone())),
            Action::PatchIdentity { by, resource, identity } => self.patch_identity(by, resource, IdentityEdit::Raw(identity.clone())),
            Action::CreateUserAssignedIdentity { by, name, resource_group } => self.create_uami(by, name, resource_group),
            Action::DeleteUserAssignedIdentity { by, name } => self.delete_resource(by, name),
            Action::DeleteResource { by, resource } => self.delete_resource(by, resource),
            Action::CreateRoleAssignment { by, principal_id, role_definition_id, scope } => self.create_role_assignment(by, principal_id, role_definition_id, scope),
            Action::DeleteRoleAssignment { by, principal_id, role_definition_id, scope } => self.delete_role_assignment(by, principal_id, role_definition_id, scope),
            Action::AddGroupMember { by, group, member } => self.add_group_member(by, group, member),
            Action::SetAccessPolicy { by, vault, object_id, secrets } => self.set_access_policy(by, vault, object_id, secrets),
            Action::SetVaultPermissionModel { by, vault, enable_rbac_authorization } => self.set_vault_model(by, vault, *enable_rbac_authorization),
            Action::AdvanceClock { duration } => {
                self.advance(duration.secs());
                Ok(())
            }
            Action::Note { text } => {
                // Narration belongs to no service: it sits on the lifeline the story last
                // reached (or, at the very start, the next step's sender) and the diagram
                // draws it across the whole width.
                match self.trace.steps.last().map(|s| (s.to, s.plane)) {
                    Some((who, plane)) => {
                        self.note(who, text, plane, text, Fidelity::Narration, "scenario narration", text.clone());
                    }
                    None => self.pending_notes.push(text.clone()),
                }
                Ok(())
            }
            other => self.apply_runtime(other),
        }
    }

    /// Moves the clock forward, running the platform's timed work on the way (certificate
    /// roll-over by the MI resource provider, App Service secret rotation).
    pub fn advance(&mut self, secs: u64) {
        let target = self.now.plus(secs);
        let msrp_seen = self.participant_index.contains_key("msrp");
        // Certificate roll-overs that fall inside the window, in time order.
        loop {
            let due = self.certificates.iter().filter(|(_, c)| c.renew_at <= target).min_by_key(|(_, c)| c.renew_at).map(|(k, c)| (k.clone(), c.clone()));
            let Some((pid, old)) = due else { break };
            self.now = old.renew_at.max(self.now);
            let new = self.issue_certificate(&pid, &old.identity);
            if msrp_seen || secs >= 45 * 86_400 {
                let m = self.p_msrp();
                let s = self.note(
                    m,
                    &format!("roll certificate of {}", old.identity),
                    Plane::Control,
                    &format!("Certificate {} (issued {}) is 45 days old: issue {} valid to {}", short(&old.thumbprint), old.not_before.iso(), short(&new.thumbprint), new.not_after.iso()),
                    Fidelity::Conceptual,
                    "fact sheet §4.2",
                    format!(
                        "The Managed Identity resource provider renews the credential behind {} on its own: certificates expire after 90 days and are rolled after 45. Nobody rotates anything by hand, and the application never sees the certificate; only the host's token endpoint uses it to get tokens. (Microsoft calls this an internal detail that may change.)",
                        old.identity
                    ),
                );
                s.changes.push(Change { op: ChangeOp::Updated, area: "msrp".into(), what: format!("certificate of {}: {} → {}", old.identity, short(&old.thumbprint), short(&new.thumbprint)) });
            }
        }
        self.now = target;
        // App Service rotates IDENTITY_HEADER; modelled as daily (the real cadence is not documented).
        let hosts: Vec<String> = self.app_service_secrets.keys().cloned().collect();
        for h in hosts {
            let (old, set_at) = self.app_service_secrets[&h].clone();
            let rotations = self.now.since(set_at) / 86_400;
            if rotations >= 1 {
                let v = self.rng.hex(32).to_ascii_uppercase();
                self.app_service_secrets.insert(h.clone(), (v.clone(), self.now));
                if let Some(res) = self.resource_by_name(&h).cloned() {
                    let ep = self.p_endpoint(&res);
                    let times = if rotations > 1 { format!(" ({rotations} rotations in this interval, modelled daily)") } else { String::new() };
                    let s = self.note(ep, "rotate IDENTITY_HEADER", Plane::Runtime, &format!("IDENTITY_HEADER {}… → {}…{times}: the app's environment is updated", &old[..6.min(old.len())], &v[..6]), Fidelity::Modelled, "fact sheet §2",
                        format!("The App Service platform rotates the secret behind IDENTITY_HEADER on {} and updates the app's environment. Code that reads the variable on every call keeps working; code that copied it at start-up would now be rejected. (The rotation cadence is not documented; this model rotates daily.)", res.name));
                    s.changes.push(Change { op: ChangeOp::Updated, area: "host".into(), what: format!("{}: IDENTITY_HEADER rotated", res.name) });
                }
            }
        }
        self.faults.retain(|f| f.until > target);
    }

    fn operator_id(&self, by: &str) -> Result<String, ScenarioError> {
        self.principal_names.get(&by.to_ascii_lowercase()).cloned().ok_or_else(|| ScenarioError { path: "by".into(), message: format!("'{by}' is not a user in this scenario") })
    }

    /// ARM authorizes an operator's control-plane action; on denial emits the 403 response.
    fn arm_authorize(&mut self, op: usize, arm: usize, by: &str, oid: &str, action: &str, scope: &str) -> Option<Decision> {
        let groups = self.directory.groups_of(oid);
        let req = AccessRequest { principal_id: oid, groups: &groups, action, data: false, scope, now: self.now };
        let d = self.rbac.check(&req, by);
        if d.allowed {
            return None;
        }
        let body = serde_json::json!({"error": {"code": "AuthorizationFailed", "message": format!("The client '{by}@{}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.", self.directory.domain)}}).to_string();
        let resp = Response::new(403).json("application/json; charset=utf-8", body).header("x-ms-failure-cause", "gateway");
        let expl = format!("ARM checks every control-plane call against Azure RBAC before doing anything. {by} has no role that allows '{action}' at this scope, so nothing changes.");
        let s = self.step(arm, op, "403 AuthorizationFailed", Plane::Control, Message::Response(resp), Fidelity::Documented, "fact sheet §6.4, golden check 30", expl);
        s.decision = Some(d.clone());
        Some(d)
    }

    fn patch_identity(&mut self, by: &str, resource: &str, edit: IdentityEdit) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some(res) = self.resource_by_name(resource).cloned() else { return err("resource", format!("'{resource}' is not a resource in this scenario")) };
        // Work out the requested identity block.
        let (want_sys, mut want_users) = (res.system_assigned.is_some(), res.user_assigned.clone());
        let mut want_sys = want_sys;
        let mut body_block = serde_json::Map::new();
        match &edit {
            IdentityEdit::EnableSystem => want_sys = true,
            IdentityEdit::DisableSystem => want_sys = false,
            IdentityEdit::Attach(name) => {
                let Some(u) = self.find_uami(name) else { return err("identity", format!("'{name}' is not a user-assigned identity in this scenario")) };
                body_block.insert("userAssignedIdentities".into(), serde_json::json!({ u.mi_resource_id.clone(): {} }));
                want_users.insert(u.mi_resource_id.to_ascii_lowercase(), u);
            }
            IdentityEdit::Detach(name) => {
                let Some(u) = self.find_uami(name) else { return err("identity", format!("'{name}' is not a user-assigned identity in this scenario")) };
                body_block.insert("userAssignedIdentities".into(), serde_json::json!({ u.mi_resource_id.clone(): null }));
                want_users.remove(&u.mi_resource_id.to_ascii_lowercase());
            }
            IdentityEdit::Raw(IdentityBlock { identity_type, user_assigned_identities }) => {
                want_sys = identity_type.system();
                if !identity_type.user() {
                    want_users.clear();
                }
                let mut m = serde_json::Map::new();
                for (k, v) in user_assigned_identities {
                    let Some(ui) = self.find_uami(k) else { return err("identity.userAssignedIdentities", format!("'{k}' is not a user-assigned identity in this scenario")) };
                    let attach = *v == UserAssignedEntry::Attach;
                    m.insert(ui.mi_resource_id.clone(), if attach { serde_json::json!({}) } else { serde_json::Value::Null });
                    if attach {
                        want_users.insert(ui.mi_resource_id.to_ascii_lowercase(), ui);
                    } else {
                        want_users.remove(&ui.mi_resource_id.to_ascii_lowercase());
                    }
                }
                if !m.is_empty() {
                    body_block.insert("userAssignedIdentities".into(), m.into());
                }
            }
        }
        let new_type = IdentityType::from_flags(want_sys, !want_users.is_empty());
        let mut block = serde_json::Map::new();
        block.insert("type".into(), new_type.as_str().into());
        block.extend(body_block);
        let api = match res.kind {
            ResourceKind::VirtualMachine | ResourceKind::ScaleSet => "2024-07-01",
            ResourceKind::AppService => "2023-12-01",
            ResourceKind::ArcServer => "2024-07-10",
            _ => "2023-01-01",
        };
        let body = serde_json::json!({ "identity": block });
        let body_text = serde_json::to_string_pretty(&body).unwrap_or_default();
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let req = Request::new("PATCH", format!("https://management.azure.com{}?api-version={api}", res.id))
            .header("Authorization", "Bearer <operator's ARM token>")
            .header("Content-Type", "application/json")
            .body(body_text);
        let what = match &edit {
            IdentityEdit::EnableSystem => "enable system-assigned identity".to_string(),
            IdentityEdit::DisableSystem => "disable system-assigned identity".to_string(),
            IdentityEdit::Attach(n) => format!("attach {n}"),
            IdentityEdit::Detach(n) => format!("detach {n}"),
            IdentityEdit::Raw(_) => "PATCH identity".to_string(),
        };
        self.step(
            op,
            arm,
            format!("PATCH {} ({what})", res.name),
            Plane::Control,
            Message::Request(req),
            Fidelity::Documented,
            "fact sheet §4.3",
            format!(
                "{by} asks Azure Resource Manager to change the identity block of {}. Whether from the portal, the CLI or a template, it ends up as this PATCH of the resource's `identity` property: `type` says which kinds of identity the resource has, and the `userAssignedIdentities` map adds identities (value `{{}}`) or removes them (value `null`).",
                res.name
            ),
        );
        // Authorization: write on the resource, plus assign/action on every newly attached identity.
        if self.arm_authorize(op, arm, by, &oid, &res.kind.write_action(), &res.id).is_some() {
            return Ok(());
        }
        for (k, u) in &want_users {
            if !res.user_assigned.contains_key(k) && self.arm_authorize(op, arm, by, &oid, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", &u.mi_resource_id).is_some() {
                return Ok(());
            }
        }
        if want_sys && !res.kind.supports_system_assigned() || (!want_users.is_empty() && !res.kind.supports_user_assigned()) {
            let msg = if res.kind == ResourceKind::ArcServer { "Azure Arc-enabled servers support only a system-assigned identity." } else { "This resource type does not support that identity type." };
            let body = serde_json::json!({"error": {"code": "InvalidIdentityType", "message": msg}}).to_string();
            self.step(arm, op, "400 InvalidIdentityType", Plane::Control, Message::Response(Response::new(400).json("application/json; charset=utf-8", body)), Fidelity::Modelled, "fact sheet §3.1", format!("{msg} ARM rejects the request before anything is created."));
            return Ok(());
        }
        let mut changes = Vec::new();
        let msrp = self.p_msrp();
        let entra = self.p_entra();
        let rid = res.id.to_ascii_lowercase();
        // System-assigned: create or delete.
        if want_sys && res.system_assigned.is_none() {
            self.internal(arm, msrp, "create system-assigned identity", Plane::Control, &format!("Create an identity for {}", res.name), serde_json::json!({"resourceId": res.id, "tenantId": self.directory.tenant_id}), "fact sheet §4.2",
                format!("ARM hands the request to the Managed Identity resource provider (Microsoft.ManagedIdentity), which owns every managed identity. The identity is tied to {}: same lifetime, deleted with it.", res.name));
            let uref = IdentityRef { principal_id: self.rng.guid(), client_id: self.rng.guid(), mi_resource_id: res.id.clone() };
            let sp = mi_principal(&uref, &res.name, false, &mut self.rng);
            let sp_json = serde_json::to_value(&sp).unwrap_or_default();
            self.directory.add(sp);
            let count = self.directory.managed_identity_count();
            let s = self.internal(msrp, entra, "create service principal", Plane::Control, &format!("Create service principal '{}' (servicePrincipalType ManagedIdentity)", res.name), sp_json, "fact sheet §4.1",
                format!("The resource provider creates a service principal in the tenant that trusts the subscription. It is an ordinary enterprise application object, with two differences: there is no application object behind it, and its credentials are managed by Azure, not by you. Its object id becomes the identity's principalId and its appId the clientId. The directory now holds {count} managed-identity service principal(s)."));
            s.changes.push(Change { op: ChangeOp::Added, area: "directory".into(), what: format!("service principal {} (ManagedIdentity), objectId {}, appId {}", res.name, uref.principal_id, uref.client_id) });
            let cert = self.issue_certificate(&uref.principal_id, &res.name);
            let s = self.note(msrp, "issue certificate", Plane::Control, &format!("Certificate {} valid {} → {}, renew at {}", short(&cert.thumbprint), cert.not_before.iso(), cert.not_after.iso(), cert.renew_at.iso()), Fidelity::Conceptual, "fact sheet §4.2",
                "The resource provider issues a certificate as the identity's credential. It expires after 90 days and the provider rolls it after 45, so the credential is never seen by you and never goes stale.".to_string());
            s.changes.push(Change { op: ChangeOp::Added, area: "msrp".into(), what: format!("certificate {} for {}", short(&cert.thumbprint), res.name) });
            self.internal(msrp, arm, "principalId, clientId", Plane::Control, "Identity created", serde_json::json!({"principalId": uref.principal_id, "clientId": uref.client_id, "tenantId": self.directory.tenant_id, "clientSecretUrl": format!("https://control-{}.identity.azure.net{}/credentials?tid={}&oid={}&aid={}", res.location, res.id, self.directory.tenant_id, uref.principal_id, uref.client_id)}), "fact sheet §4.2",
                "The resource provider returns the new ids. `clientSecretUrl` is the internal credential endpoint the platform uses; it is not for application code.".to_string());
            changes.push(Change { op: ChangeOp::Added, area: "arm".into(), what: format!("{}: identity.principalId = {}", res.name, uref.principal_id) });
            self.known_identities.insert(res.name.to_ascii_lowercase(), uref.clone());
            if let Some(r) = self.resources.get_mut(&rid) {
                r.system_assigned = Some(uref);
            }
        } else if !want_sys {
            if let Some(old) = res.system_assigned.clone() {
                self.internal(arm, msrp, "delete system-assigned identity", Plane::Control, &format!("Delete the identity of {}", res.name), serde_json::json!({"principalId": old.principal_id}), "fact sheet §4.1",
                    "Turning the system-assigned identity off deletes it: the service principal goes, and its role assignments stay behind pointing at an unknown principal.".into());
                self.remove_identity_sp(msrp, entra, &old, &res.name);
                changes.push(Change { op: ChangeOp::Removed, area: "arm".into(), what: format!("{}: system-assigned identity {}", res.name, old.principal_id) });
                if let Some(r) = self.resources.get_mut(&rid) {
                    r.system_assigned = None;
                }
            }
        }
        // User-assigned: attachments.
        for (k, u) in &want_users {
            if !res.user_assigned.contains_key(k) {
                changes.push(Change { op: ChangeOp::Added, area: "arm".into(), what: format!("{}: userAssignedIdentities += {}", res.name, last_segment(&u.mi_resource_id)) });
            }
        }
        for (k, u) in &res.user_assigned {
            if !want_users.contains_key(k) {
                changes.push(Change { op: ChangeOp::Removed, area: "arm".into(), what: format!("{}: userAssignedIdentities −= {}", res.name, last_segment(&u.mi_resource_id)) });
            }
        }
        if let Some(r) = self.resources.get_mut(&rid) {
            r.user_assigned = want_users;
        }
        let res_now = self.resources[&rid].clone();
        // ARM pushes the identities to the host's token endpoint.
        if res_now.kind.is_compute() {
            let ep = self.p_endpoint(&res_now);
            let ids: Vec<serde_json::Value> = res_now.system_assigned.iter().map(|s| serde_json::json!({"kind": "system-assigned", "clientId": s.client_id})).chain(res_now.user_assigned.values().map(|u| serde_json::json!({"kind": "user-assigned", "clientId": u.client_id, "resourceId": u.mi_resource_id}))).collect();
            let s = self.internal(arm, ep, "configure identities on host", Plane::Control, &format!("Host {} may now use {} identity(ies)", res.name, ids.len()), serde_json::json!({"identities": ids, "credential": "client id + certificate (held by the platform, never by your code)"}), "fact sheet §4.2",
                format!("ARM updates the token endpoint on {} with each identity's client id and certificate. From now on, code on this host can ask its local endpoint for tokens without holding any secret.", res.name));
            s.changes.push(Change { op: ChangeOp::Updated, area: "host".into(), what: format!("{} token endpoint: {} identity(ies)", res.name, ids.len()) });
            // A removed identity's tokens leave the endpoint cache.
            let keep: BTreeSet<String> = res_now.system_assigned.iter().map(|s| s.client_id.clone()).chain(res_now.user_assigned.values().map(|u| u.client_id.clone())).collect();
            if let Some(c) = self.endpoint_caches.get_mut(&rid) {
                c.retain(|(cid, _), _| keep.contains(cid));
            }
        }
        let resp_body = serde_json::json!({"id": res_now.id, "name": res_now.name, "type": res_now.kind.arm_type(), "location": res_now.location, "identity": res_now.identity_json(&self.directory.tenant_id)});
        let resp = Response::new(200).json("application/json; charset=utf-8", serde_json::to_string_pretty(&resp_body).unwrap_or_default());
        let s = self.step(arm, op, format!("200 identity.type = {}", res_now.identity_type()), Plane::Control, Message::Response(resp), Fidelity::Documented, "fact sheet §4.3",
            "ARM answers with the resource's identity block. `principalId` and `tenantId` are read-only and describe only the system-assigned identity; each user-assigned identity appears in the map with its own principalId and clientId.".to_string());
        s.changes = changes;
        Ok(())
    }

    fn remove_identity_sp(&mut self, from: usize, entra: usize, ident: &IdentityRef, name: &str) {
        let count_before = self.directory.managed_identity_count();
        self.directory.remove(&ident.principal_id);
        self.certificates.remove(&ident.principal_id.to_ascii_lowercase());
        let orphaned: Vec<String> = self.rbac.assignments_of(&ident.principal_id).map(|a| format!("{} at {}", self.rbac.roles[a.role].role_name, a.scope)).collect();
        let s = self.internal(from, entra, "delete service principal", Plane::Control, &format!("Delete service principal '{name}'"), serde_json::json!({"objectId": ident.principal_id}), "fact sheet §4.1",
            format!("The identity's service principal is deleted ({} → {} managed-identity service principals). Its role assignments are NOT deleted: {} now show 'Identity not found' with principal type Unknown until someone cleans them up. Tokens already issued stay valid until they expire.", count_before, self.directory.managed_identity_count(), if orphaned.is_empty() { "none existed, but any would".to_string() } else { orphaned.join(", ") }));
        s.changes.push(Change { op: ChangeOp::Removed, area: "directory".into(), what: format!("service principal {name} ({})", ident.principal_id) });
        s.changes.push(Change { op: ChangeOp::Removed, area: "msrp".into(), what: format!("certificate of {name}") });
        for o in orphaned {
            s.changes.push(Change { op: ChangeOp::Updated, area: "rbac".into(), what: format!("{o}: principal now Unknown (orphaned)") });
        }
    }

    fn create_uami(&mut self, by: &str, name: &str, rg: &str) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        if self.resource_by_name(name).is_some() {
            return err("name", format!("a resource named '{name}' already exists"));
        }
        let Some(sub) = self.subscriptions.iter().find(|s| s.resource_groups.contains_key(rg)).cloned() else {
            return err("resourceGroup", format!("resource group '{rg}' is not declared"));
        };
        let id = resource_id(&sub.id, rg, ResourceKind::UserAssignedIdentity, name);
        let location = sub.resource_groups[rg].clone();
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let req = Request::new("PUT", format!("https://management.azure.com{id}?api-version=2023-01-31")).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&serde_json::json!({"location": location})).unwrap_or_default());
        self.step(op, arm, format!("PUT userAssignedIdentities/{name}"), Plane::Control, Message::Request(req), Fidelity::Documented, "fact sheet §4.3",
            format!("{by} creates a user-assigned identity: a standalone ARM resource of type Microsoft.ManagedIdentity/userAssignedIdentities. Unlike a system-assigned identity, it lives until someone deletes it and can be attached to many resources."));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.ManagedIdentity/userAssignedIdentities/write", &id).is_some() {
            return Ok(());
        }
        let msrp = self.p_msrp();
        let entra = self.p_entra();
        self.internal(arm, msrp, "create identity resource", Plane::Control, &format!("Create {name}"), serde_json::json!({"resourceId": id}), "fact sheet §4.2", "ARM forwards the PUT to the Managed Identity resource provider.".into());
        let uref = IdentityRef { principal_id: self.rng.guid(), client_id: self.rng.guid(), mi_resource_id: id.clone() };
        let sp = mi_principal(&uref, name, true, &mut self.rng);
        let sp_json = serde_json::to_value(&sp).unwrap_or_default();
        self.directory.add(sp);
        let s = self.internal(msrp, entra, "create service principal", Plane::Control, &format!("Create service principal '{name}' (ManagedIdentity)"), sp_json, "fact sheet §4.1",
            format!("A service principal backs the identity, with `alternativeNames` [\"isExplicit=True\", <resource id>] marking it as user-assigned. The directory now holds {} managed-identity service principal(s).", self.directory.managed_identity_count()));
        s.changes.push(Change { op: ChangeOp::Added, area: "directory".into(), what: format!("service principal {name} (ManagedIdentity), objectId {}", uref.principal_id) });
        let cert = self.issue_certificate(&uref.principal_id, name);
        let s = self.note(msrp, "issue certificate", Plane::Control, &format!("Certificate {} valid to {}", short(&cert.thumbprint), cert.not_after.iso()), Fidelity::Conceptual, "fact sheet §4.2", "The resource provider issues the identity's certificate (90 days, rolled after 45).".into());
        s.changes.push(Change { op: ChangeOp::Added, area: "msrp".into(), what: format!("certificate {} for {name}", short(&cert.thumbprint)) });
        let body = serde_json::json!({"id": id, "location": location, "name": name, "properties": {"clientId": uref.client_id, "principalId": uref.principal_id, "tenantId": self.directory.tenant_id}, "type": "Microsoft.ManagedIdentity/userAssignedIdentities"});
        let s = self.step(arm, op, "201 Created (clientId, principalId)", Plane::Control, Message::Response(Response::new(201).json("application/json; charset=utf-8", serde_json::to_string_pretty(&body).unwrap_or_default())), Fidelity::Documented, "fact sheet §4.3",
            "The identity exists, but nothing can use it yet: it must be attached to a resource, and it has no role assignments.".to_string());
        s.changes.push(Change { op: ChangeOp::Added, area: "arm".into(), what: format!("user-assigned identity {name}") });
        self.known_identities.insert(name.to_ascii_lowercase(), uref.clone());
        let data = ResourceData { uami: Some(uref), ..Default::default() };
        self.names.insert(name.to_ascii_lowercase(), id.to_ascii_lowercase());
        self.resources.insert(id.to_ascii_lowercase(), Resource { id, name: name.into(), kind: ResourceKind::UserAssignedIdentity, subscription_id: sub.id, resource_group: rg.into(), location, system_assigned: None, user_assigned: BTreeMap::new(), data });
        Ok(())
    }

    fn delete_resource(&mut self, by: &str, name: &str) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some(res) = self.resource_by_name(name).cloned() else { return err("resource", format!("'{name}' is not a resource in this scenario")) };
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let api = if res.kind == ResourceKind::UserAssignedIdentity { "2023-01-31" } else { "2024-07-01" };
        self.step(op, arm, format!("DELETE {}", res.name), Plane::Control, Message::Request(Request::new("DELETE", format!("https://management.azure.com{}?api-version={api}", res.id)).header("Authorization", "Bearer <operator's ARM token>")), Fidelity::Documented, "fact sheet §4.1",
            format!("{by} deletes {}.", res.name));
        let action = format!("{}/delete", res.kind.arm_type());
        if self.arm_authorize(op, arm, by, &oid, &action, &res.id).is_some() {
            return Ok(());
        }
        let msrp = self.p_msrp();
        let entra = self.p_entra();
        let rid = res.id.to_ascii_lowercase();
        if let Some(s) = &res.system_assigned {
            self.internal(arm, msrp, "delete system-assigned identity", Plane::Control, &format!("{} is going: delete its identity", res.name), serde_json::json!({"principalId": s.principal_id}), "fact sheet §4.1, golden check 38",
                "A system-assigned identity shares its resource's lifecycle, so deleting the resource deletes the identity.".into());
            self.remove_identity_sp(msrp, entra, s, &res.name);
        }
        if let Some(u) = &res.data.uami {
            self.internal(arm, msrp, "delete identity resource", Plane::Control, &format!("Delete {}", res.name), serde_json::json!({"principalId": u.principal_id}), "fact sheet §4.1, golden check 39",
                "Deleting a user-assigned identity removes its service principal. Resources it was attached to keep a dangling reference, and IMDS can no longer issue tokens for it.".into());
            self.remove_identity_sp(msrp, entra, u, &res.name);
            // Hosts keep their (now dangling) reference in userAssignedIdentities, but their
            // token endpoints can no longer get (or serve) tokens for it.
            for c in self.endpoint_caches.values_mut() {
                c.retain(|(cid, _), _| cid != &u.client_id);
            }
        }
        if !res.user_assigned.is_empty() {
            self.note(arm, "user-assigned identities survive", Plane::Control, &format!("{} stay(s): user-assigned identities have their own lifecycle", res.user_assigned.values().map(|u| last_segment(&u.mi_resource_id)).collect::<Vec<_>>().join(", ")), Fidelity::Documented, "fact sheet §4.1",
                "Deleting a resource only detaches its user-assigned identities; they keep existing (with their role assignments) until deleted explicitly.".into());
        }
        self.resources.remove(&rid);
        self.names.remove(&res.name.to_ascii_lowercase());
        self.endpoint_caches.remove(&rid);
        let s = self.step(arm, op, "200 deleted", Plane::Control, Message::Response(Response::new(200)), Fidelity::Documented, "fact sheet §4.1", format!("{} is gone.", res.name));
        s.changes.push(Change { op: ChangeOp::Removed, area: "arm".into(), what: format!("resource {}", res.name) });
        Ok(())
    }

    fn create_role_assignment(&mut self, by: &str, principal: &str, role: &str, scope: &str) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some((pid, ptype)) = self.resolve_principal_typed(principal) else { return err("principalId", format!("'{principal}' is not a principal in this scenario (or its identity is not enabled yet)")) };
        let Some(ri) = self.rbac.find_role(role) else { return err("roleDefinitionId", format!("unknown role '{role}'")) };
        let Some(scope_id) = self.resolve_scope(scope) else { return err("scope", format!("unknown scope '{scope}'")) };
        let name = self.rng.guid();
        let role_def = self.rbac.roles[ri].clone();
        let sub_for_def = self.subscriptions.first().map(|s| s.id.clone()).unwrap_or_default();
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let body = serde_json::json!({"properties": {"roleDefinitionId": format!("/subscriptions/{sub_for_def}{}", role_def.resource_id()), "principalId": pid, "principalType": ptype}});
        let req = Request::new("PUT", format!("https://management.azure.com{scope_id}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01")).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&body).unwrap_or_default());
        let plabel = self.principal_label(&pid);
        self.step(op, arm, format!("PUT roleAssignment: {} → {plabel}", role_def.role_name), Plane::Control, Message::Request(req), Fidelity::Documented, "fact sheet §7.3",
            format!("{by} grants '{}' to {plabel} at {scope_id}. A role assignment joins three things: who (principalId), what (the role definition) and where (the scope, inherited by everything below it). For a managed identity, principalType ServicePrincipal avoids replication-delay errors.", role_def.role_name));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.Authorization/roleAssignments/write", &scope_id).is_some() {
            return Ok(());
        }
        let eff = self.now.plus(self.rbac_propagation);
        self.rbac.assign(name.clone(), &scope_id, ri, &pid, ptype, self.now, eff);
        let resp = serde_json::json!({"id": format!("{scope_id}/providers/Microsoft.Authorization/roleAssignments/{name}"), "name": name, "type": "Microsoft.Authorization/roleAssignments", "properties": {"roleDefinitionId": format!("/subscriptions/{sub_for_def}{}", role_def.resource_id()), "principalId": pid, "principalType": ptype, "scope": scope_id}});
        let prop = super::time::human_duration(self.rbac_propagation as i64);
        let s = self.step(arm, op, "201 Created", Plane::Control, Message::Response(Response::new(201).json("application/json; charset=utf-8", serde_json::to_string_pretty(&resp).unwrap_or_default())), Fidelity::Documented, "fact sheet §7.3, §7.7",
            format!("The assignment is stored, but authorization caches pick it up only after a while (up to 10 minutes per the docs; {prop} in this scenario). A request in between is still denied."));
        s.changes.push(Change { op: ChangeOp::Added, area: "rbac".into(), what: format!("{} → {plabel} at {} (effective {})", role_def.role_name, scope_id, eff.iso()) });
        Ok(())
    }

    fn delete_role_assignment(&mut self, by: &str, principal: &str, role: &str, scope: &str) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some(pid) = self.resolve_principal(principal) else { return err("principalId", format!("'{principal}' is not a principal in this scenario")) };
        let Some(ri) = self.rbac.find_role(role) else { return err("roleDefinitionId", format!("unknown role '{role}'")) };
        let Some(scope_id) = self.resolve_scope(scope) else { return err("scope", format!("unknown scope '{scope}'")) };
        let Some(idx) = self.rbac.find_assignment(&pid, ri, &scope_id) else { return err("", format!("no assignment of '{role}' to '{principal}' at '{scope}' exists")) };
        let name = self.rbac.assignments[idx].as_ref().map(|a| a.name.clone()).unwrap_or_default();
        let op = self.p_operator(by);
        let arm = self.p_arm();
        self.step(op, arm, "DELETE roleAssignment", Plane::Control, Message::Request(Request::new("DELETE", format!("https://management.azure.com{scope_id}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01")).header("Authorization", "Bearer <operator's ARM token>")), Fidelity::Documented, "fact sheet §7.3", format!("{by} removes the assignment."));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.Authorization/roleAssignments/delete", &scope_id).is_some() {
            return Ok(());
        }
        self.rbac.unassign(idx);
        let rn = self.rbac.roles[ri].role_name.clone();
        let s = self.step(arm, op, "200 OK", Plane::Control, Message::Response(Response::new(200)), Fidelity::Documented, "fact sheet §7.3", "The assignment is gone. Tokens already issued are not revoked; the next authorization check simply finds nothing.".to_string());
        s.changes.push(Change { op: ChangeOp::Removed, area: "rbac".into(), what: format!("{rn} at {scope_id}") });
        Ok(())
    }

    fn vault(&self, vault: &str) -> Result<Resource, ScenarioError> {
        self.resource_by_name(vault).filter(|r| r.kind == ResourceKind::KeyVault).cloned().ok_or_else(|| ScenarioError { path: "vault".into(), message: format!("'{vault}' is not a Key Vault in this scenario") })
    }

    fn set_access_policy(&mut self, by: &str, vault: &str, principal: &str, secrets: &[String]) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let v = self.vault(vault)?;
        let Some(pid) = self.resolve_principal(principal) else { return err("objectId", format!("'{principal}' is not a principal in this scenario")) };
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let kind = if secrets.is_empty() { "remove" } else { "replace" };
        let body = serde_json::json!({"properties": {"accessPolicies": [{"tenantId": self.directory.tenant_id, "objectId": pid, "permissions": {"secrets": secrets}}]}});
        let req = Request::new("PUT", format!("https://management.azure.com{}/accessPolicies/{kind}?api-version=2023-07-01", v.id)).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&body).unwrap_or_default());
        let plabel = self.principal_label(&pid);
        self.step(op, arm, format!("PUT accessPolicies/{kind}: {plabel}"), Plane::Control, Message::Request(req), Fidelity::Documented, "fact sheet §6.1",
            format!("{by} {} the access policy of {plabel} on {} (secrets: [{}]). Access policies are part of the vault's own configuration, so changing them is a control-plane write on the vault.", if secrets.is_empty() { "removes" } else { "sets" }, v.name, secrets.join(", ")));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.KeyVault/vaults/accessPolicies/write", &v.id).is_some() {
            return Ok(());
        }
        if let Some(r) = self.resources.get_mut(&v.id.to_ascii_lowercase()) {
            r.data.access_policies.retain(|p| !p.object_id.eq_ignore_ascii_case(&pid));
            if !secrets.is_empty() {
                r.data.access_policies.push(super::arm::AccessPolicy { object_id: pid.clone(), secrets: secrets.iter().map(|s| s.to_ascii_lowercase()).collect() });
            }
        }
        let note = if v.data.enable_rbac_authorization.unwrap_or(true) { " Note: this vault uses Azure RBAC, so the policy has no effect until the vault is switched to access policies." } else { " Access policies take effect quickly, though a retry may be needed." };
        let s = self.step(arm, op, "200 OK", Plane::Control, Message::Response(Response::new(200)), Fidelity::Documented, "fact sheet §6.1", format!("The vault's access policies are updated.{note}"));
        s.changes.push(Change { op: if secrets.is_empty() { ChangeOp::Removed } else { ChangeOp::Updated }, area: "keyvault".into(), what: format!("{}: access policy for {plabel}: secrets [{}]", v.name, secrets.join(", ")) });
        Ok(())
    }

    fn set_vault_model(&mut self, by: &str, vault: &str, rbac: bool) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let v = self.vault(vault)?;
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let body = serde_json::json!({"properties": {"enableRbacAuthorization": rbac}});
        let req = Request::new("PATCH", format!("https://management.azure.com{}?api-version=2023-07-01", v.id)).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&body).unwrap_or_default());
        self.step(op, arm, format!("PATCH {} enableRbacAuthorization={rbac}", v.name), Plane::Control, Message::Request(req), Fidelity::Documented, "fact sheet §6.1",
            format!("{by} switches {} to {}. The switch is all or nothing: the other model's grants stop counting at once.", v.name, if rbac { "the Azure RBAC permission model" } else { "access policies" }));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.KeyVault/vaults/write", &v.id).is_some() {
            return Ok(());
        }
        if let Some(r) = self.resources.get_mut(&v.id.to_ascii_lowercase()) {
            r.data.enable_rbac_authorization = Some(rbac);
        }
        let s = self.step(arm, op, "200 OK", Plane::Control, Message::Response(Response::new(200)), Fidelity::Documented, "fact sheet §6.1", "The vault's permission model is changed.".to_string());
        s.changes.push(Change { op: ChangeOp::Updated, area: "keyvault".into(), what: format!("{}: enableRbacAuthorization = {rbac}", v.name) });
        Ok(())
    }

    fn add_group_member(&mut self, by: &str, group: &str, member: &str) -> Result<(), ScenarioError> {
        let _ = self.operator_id(by)?;
        let Some(gid) = self.principal_names.get(&group.to_ascii_lowercase()).cloned() else { return err("group", format!("'{group}' is not a group in this scenario")) };
        let Some(mid) = self.resolve_principal(member) else { return err("member", format!("'{member}' is not a principal in this scenario")) };
        let op = self.p_operator(by);
        let entra = self.p_entra();
        let req = Request::new("POST", format!("https://graph.microsoft.com/v1.0/groups/{gid}/members/$ref")).header("Authorization", "Bearer <operator's Graph token>").header("Content-Type", "application/json").body(serde_json::json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{mid}")}).to_string());
        let ml = self.principal_label(&mid);
        self.step(op, entra, format!("add {ml} to group {group}"), Plane::Control, Message::Request(req), Fidelity::Documented, "fact sheet §7.7",
            format!("{by} adds {ml} to the group {group} through Microsoft Graph."));
        if let Some(Principal { kind: PrincipalKind::Group { members }, .. }) = self.directory.objects.get_mut(&gid.to_ascii_lowercase()) {
            if !members.contains(&mid) {
                members.push(mid.clone());
            }
        }
        let s = self.step(entra, op, "204 No Content", Plane::Control, Message::Response(Response::new(204)), Fidelity::Documented, "fact sheet §7.7, golden check 37",
            format!("Membership changes at once in the directory, but a managed identity's group memberships travel inside its token as the `groups` claim, and its tokens are cached for about 24 hours. Until {ml} gets a new token, resources still see the old membership."));
        s.changes.push(Change { op: ChangeOp::Added, area: "directory".into(), what: format!("{ml} ∈ {group}") });
        Ok(())
    }
}

/// An edit of a resource's identity block.
enum IdentityEdit {
    EnableSystem,
    DisableSystem,
    Attach(String),
    Detach(String),
    Raw(IdentityBlock),
}

/// The service principal behind a managed identity (fact sheet §4.1).
pub(crate) fn mi_principal(u: &IdentityRef, name: &str, user_assigned: bool, rng: &mut Rng) -> Principal {
    Principal {
        object_id: u.principal_id.clone(),
        display_name: name.into(),
        kind: PrincipalKind::ServicePrincipal {
            app_id: u.client_id.clone(),
            service_principal_type: "ManagedIdentity".into(),
            alternative_names: vec![format!("isExplicit={}", if user_assigned { "True" } else { "False" }), u.mi_resource_id.clone()],
            service_principal_names: vec![u.client_id.clone(), format!("https://identity.azure.net/{}", rng.token(43))],
        },
    }
}

/// First 8 characters of a thumbprint, for labels.
pub(crate) fn short(s: &str) -> String {
    s.chars().take(8).collect::<String>() + "…"
}

/// The last segment of an ARM id.
pub(crate) fn last_segment(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// `s` lower-cased, borrowed when it already is (the common case for ids and names).
pub(crate) fn lower(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Looks like a GUID (8-4-4-4-12 hex digits).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36 && b.iter().enumerate().all(|(i, &c)| if [8, 13, 18, 23].contains(&i) { c == b'-' } else { c.is_ascii_hexdigit() })
}
