//! Building the initial world from a scenario: every reference resolved, every problem
//! reported with its path, no step emitted.

use crate::model::arm::{IdentityRef, Resource, resource_id, ResourceData, ResourceKind};
use crate::model::collections::{Map, Resources};
use crate::model::directory::{Directory, Principal, PrincipalKind};
use crate::model::msrp::mi_principal;
use crate::model::rbac::Rbac;
use crate::model::rng::Rng;
use crate::model::scenario::{Scenario, UserAssignedEntry};
use crate::model::trace::Trace;
use crate::model::world::{err, ScenarioError};
use std::collections::{BTreeMap, BTreeSet};
use crate::model::world::{Subscription, World};
use crate::model::world::{Subject, SubjectKind};

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
        let mut fail = |path: String, message: String, subject: Option<Subject>| errors.push(ScenarioError { path, message, subject });
        if sc.version != crate::model::scenario::FORMAT_VERSION {
            fail("version".into(), format!("unsupported version {} (this build reads version {})", sc.version, crate::model::scenario::FORMAT_VERSION), None);
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
            jwks: crate::model::verify::parse_jwks(&crate::model::token::jwks_json(&tenant_id)).unwrap_or(jsonwebtoken::jwk::JwkSet { keys: Vec::new() }),
            issued_log: Vec::new(),
            faults: Vec::new(),
            app_service_secrets: BTreeMap::new(),
            kv_challenges: BTreeSet::new(),
            dac_settled: BTreeMap::new(),
            known_identities: BTreeMap::new(),
            app_role_grants: Vec::new(),
            pending_notes: Vec::new(),
            imds_requests: BTreeMap::new(),
            kept_federated_tokens: BTreeMap::new(),
            rbac_propagation,
            directory_replication: spec.settings.directory_replication.secs(),
            trace: Trace::default(),
            views: None,
            participant_index: Map::default(),
            lanes: Vec::new(),
            action: 0,
            declared: crate::model::skip::declared_names(sc),
            signatures: Default::default(),
        };
        let mut fail = |path: String, message: String, subject: Option<Subject>| errors.push(ScenarioError { path, message, subject });
        if spec.subscriptions.is_empty() {
            fail("world.subscriptions".into(), "at least one subscription is needed".into(), None);
        }
        for (i, s) in spec.subscriptions.iter().enumerate() {
            let id = s.subscription_id.clone().unwrap_or_else(|| w.rng.guid());
            if let Some(mg) = &s.management_group {
                w.rbac.set_management_group(&id, mg);
            }
            let mut rgs = BTreeMap::new();
            for rg in &s.resource_groups {
                if rgs.insert(rg.name.clone(), rg.location.clone()).is_some() {
                    fail(format!("world.subscriptions[{i}].resourceGroups"), format!("resource group '{}' is declared twice", rg.name), Subject::of(SubjectKind::Name, &rg.name));
                }
            }
            let tenant_id = s.tenant_id.clone().unwrap_or_else(|| w.directory.tenant_id.clone());
            w.subscriptions.push(Subscription { id, name: s.name.clone(), tenant_id, resource_groups: rgs, management_group: s.management_group.clone() });
        }
        for (i, u) in spec.users.iter().enumerate() {
            let id = u.object_id.clone().unwrap_or_else(|| w.rng.guid());
            if let Err(e) = w.add_principal_name(&u.name, &id, &format!("world.users[{i}]")) {
                fail(e.path, e.message, e.subject);
                continue;
            }
            w.directory.add(Principal { object_id: id, display_name: u.name.clone(), kind: PrincipalKind::User });
        }
        for (i, g) in spec.groups.iter().enumerate() {
            let id = g.object_id.clone().unwrap_or_else(|| w.rng.guid());
            if let Err(e) = w.add_principal_name(&g.name, &id, &format!("world.groups[{i}]")) {
                fail(e.path, e.message, e.subject);
                continue;
            }
            w.directory.add(Principal { object_id: id, display_name: g.name.clone(), kind: PrincipalKind::Group { members: Vec::new() } });
        }
        // Resources: user-assigned identities first, so hosts can attach them.
        let mut order: Vec<usize> = (0..spec.resources.len()).collect();
        order.sort_by_key(|&i| spec.resources[i].resource_type != ResourceKind::UserAssignedIdentity);
        for i in order {
            if let Err(e) = w.build_resource(sc, i) {
                fail(e.path, e.message, e.subject);
            }
        }
        for (i, l) in spec.laptops.iter().enumerate() {
            if w.names.contains_key(&l.name.to_ascii_lowercase()) || w.laptops.contains_key(&l.name.to_ascii_lowercase()) {
                fail(format!("world.laptops[{i}].name"), format!("name '{}' is already used", l.name), Subject::of(SubjectKind::Name, &l.name));
                continue;
            }
            if let Some(user) = l.cloud_shell.as_deref().filter(|u| w.resolve_principal(u).is_none()) {
                fail(format!("world.laptops[{i}].cloudShell"), format!("'{user}' is not a user of this scenario: a Cloud Shell session belongs to a signed-in user"), Subject::of(SubjectKind::Name, user));
            }
            w.laptops.insert(l.name.to_ascii_lowercase(), l.clone());
        }
        for (i, g) in spec.groups.iter().enumerate() {
            let Some(gid) = w.principal_names.get(&g.name.to_ascii_lowercase()).cloned() else { continue };
            for (j, m) in g.members.iter().enumerate() {
                let Some(mid) = w.resolve_principal(m) else {
                    fail(format!("world.groups[{i}].members[{j}]"), format!("'{m}' is not a user, group or identity in this scenario"), Subject::of(SubjectKind::Name, &m));
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
                fail(format!("world.appRegistrations[{i}].name"), format!("name '{}' is already used", a.name), Subject::of(SubjectKind::Name, &a.name));
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
                    fail(format!("world.appRegistrations[{i}].appRoleAssignments[{j}].role"), format!("'{}' is not one of the app roles of '{}' ({})", x.role, a.name, a.app_roles.join(", ")), Subject::of(SubjectKind::Name, &x.role));
                    continue;
                }
                let Some(pid) = w.resolve_principal(&x.principal_id) else {
                    fail(format!("world.appRegistrations[{i}].appRoleAssignments[{j}].principalId"), format!("'{}' is not a principal in this scenario", x.principal_id), Subject::of(SubjectKind::Name, &x.principal_id));
                    continue;
                };
                w.app_role_grants.push((a.identifier_uri.clone().unwrap_or_default(), pid.to_ascii_lowercase(), x.role.clone()));
            }
        }
        for (i, rd) in spec.role_definitions.iter().enumerate() {
            let id = rd.id.clone().unwrap_or_else(|| w.rng.guid());
            if w.rbac.find_role(&rd.role_name).is_some() {
                fail(format!("world.roleDefinitions[{i}].roleName"), format!("a role named '{}' already exists", rd.role_name), Subject::of(SubjectKind::Name, &rd.role_name));
                continue;
            }
            let perms = rd.permissions.iter().map(|p| Rbac::permissions(&p.actions, &p.not_actions, &p.data_actions, &p.not_data_actions)).collect();
            w.rbac.add_role(crate::model::rbac::RoleDefinition { id, role_name: rd.role_name.clone(), role_type: "CustomRole", permissions: perms });
        }
        // Many assignments share a scope: resolve and lower-case each distinct one once.
        let mut scopes: Map<&str, (String, String)> = Map::default();
        for (i, ra) in spec.role_assignments.iter().enumerate() {
            let path = || format!("world.roleAssignments[{i}]");
            let principal = w.resolve_principal_typed(&ra.principal_id);
            if principal.is_none() {
                fail(format!("{}.principalId", path()), format!("role assignment refers to principal '{}' that does not exist", ra.principal_id), Subject::of(SubjectKind::Name, &ra.principal_id));
            }
            let role = w.rbac.find_role(&ra.role_definition_id);
            if role.is_none() {
                fail(format!("{}.roleDefinitionId", path()), format!("unknown role '{}'", ra.role_definition_id), Subject::of(SubjectKind::Role, &ra.role_definition_id));
            }
            if !scopes.contains_key(ra.scope.as_str()) {
                let Some(scope) = w.resolve_scope(&ra.scope) else {
                    fail(format!("{}.scope", path()), format!("unknown scope '{}'", ra.scope), Subject::of(SubjectKind::Name, &ra.scope));
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
                fail(format!("{path}.scope"), format!("unknown scope '{}'", d.scope), Subject::of(SubjectKind::Name, &d.scope));
                continue;
            };
            let mut ps = Vec::new();
            for (j, p) in d.principals.iter().enumerate() {
                if p.eq_ignore_ascii_case("everyone") {
                    ps.push("*".to_string());
                } else if let Some(id) = w.resolve_principal(p) {
                    ps.push(id);
                } else {
                    fail(format!("{path}.principals[{j}]"), format!("unknown principal '{p}'"), Subject::of(SubjectKind::Name, &p));
                }
            }
            let ex = d.exclude_principals.iter().filter_map(|p| w.resolve_principal(p)).collect();
            let perms = d.permissions.iter().map(|p| Rbac::permissions(&p.actions, &p.not_actions, &p.data_actions, &p.not_data_actions)).collect();
            w.rbac.add_deny(&d.deny_assignment_name, perms, &scope, ps, ex, d.do_not_apply_to_child_scopes);
        }
        (w, errors)
    }

    pub(crate) fn add_principal_name(&mut self, name: &str, id: &str, path: &str) -> Result<(), ScenarioError> {
        if self.principal_names.insert(name.to_ascii_lowercase(), id.to_string()).is_some() {
            return err(format!("{path}.name"), format!("name '{name}' is already used by another user or group"), Subject::of(SubjectKind::Name, &name));
        }
        Ok(())
    }

    pub(crate) fn build_resource(&mut self, sc: &Scenario, i: usize) -> Result<(), ScenarioError> {
        let r = &sc.world.resources[i];
        let path = format!("world.resources[{i}]");
        let kind = r.resource_type;
        let sub = match &r.subscription {
            Some(s) => self.subscriptions.iter().find(|x| x.name.eq_ignore_ascii_case(s) || x.id.eq_ignore_ascii_case(s)),
            None => self.subscriptions.first(),
        };
        let Some(sub) = sub else { return err(format!("{path}.subscription"), format!("unknown subscription '{}'", r.subscription.clone().unwrap_or_default()), Subject::of(SubjectKind::Name, &r.subscription.clone().unwrap_or_default())) };
        let Some(rg_loc) = sub.resource_groups.get(&r.resource_group) else {
            return err(format!("{path}.resourceGroup"), format!("resource group '{}' is not declared in subscription '{}'", r.resource_group, sub.name), Subject::of(SubjectKind::Name, &r.resource_group));
        };
        let location = r.location.clone().unwrap_or_else(|| rg_loc.clone());
        let sub_id = sub.id.clone();
        if self.names.contains_key(&r.name.to_ascii_lowercase()) {
            return err(format!("{path}.name"), format!("resource name '{}' is used twice (names must be unique in a scenario)", r.name), Subject::of(SubjectKind::Name, &r.name));
        }
        let id = resource_id(&sub_id, &r.resource_group, kind, &r.name);
        let p = &r.properties;
        let mut data = ResourceData { kind: p.kind, os: p.os, ..Default::default() };
        if kind == ResourceKind::KeyVault {
            data.enable_rbac_authorization = Some(p.enable_rbac_authorization.unwrap_or(true));
            for s in &p.secrets {
                let version = self.rng.hex(32);
                data.secrets.push(crate::model::arm::Secret { name: s.name.clone(), value: s.value.clone(), version, created: self.now.0.saturating_sub(30 * 86_400) });
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
                data.federated_credentials.push(crate::model::arm::FederatedCredential { name: f.name.clone(), issuer: f.issuer.clone(), subject: f.subject.clone(), audiences: f.audiences.clone() });
            }
        }
        if kind == ResourceKind::AksWorkload {
            let ns = p.namespace.clone().unwrap_or_else(|| "default".into());
            let sa = p.service_account.clone().unwrap_or_else(|| "workload-sa".into());
            let Some(ident) = p.workload_identity.clone() else {
                return err(format!("{path}.properties.workloadIdentity"), "an AKS workload needs the user-assigned identity its service account is annotated with", None);
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
                    return err(format!("{path}.identity.type"), format!("{} does not support a system-assigned identity here", kind.arm_type()), None);
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
                    return err(format!("{path}.identity.userAssignedIdentities"), format!("'{k}' is not a user-assigned identity in this scenario"), Subject::of(SubjectKind::Name, &k));
                };
                if !kind.supports_user_assigned() {
                    return err(format!("{path}.identity.userAssignedIdentities"), format!("{} does not support user-assigned identities", kind.arm_type()), None);
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
                return err(format!("{path}.properties.containedUsers[{j}]"), format!("'{u}' is not a principal in this scenario"), Subject::of(SubjectKind::Name, &u));
            };
            res.data.contained_users.push(pid);
        }
        if let Some(app) = &r.app {
            if !kind.is_compute() {
                return err(format!("{path}.app"), format!("code cannot run on a {}", kind.arm_type()), None);
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
                    return err(format!("{path}.properties.accessPolicies[{j}].objectId"), format!("access policy refers to principal '{}' that does not exist", a.object_id), Subject::of(SubjectKind::Name, &a.object_id));
                };
                aps.push(crate::model::arm::AccessPolicy { object_id: pid, secrets: a.secrets.iter().map(|s| s.to_ascii_lowercase()).collect() });
            }
            if let Some(res) = self.resources.get_mut(&id.to_ascii_lowercase()) {
                res.data.access_policies = aps;
            }
        }
        Ok(())
    }
}
