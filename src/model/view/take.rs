//! Taking a view: reading the world after a step into a [`WorldView`], and the simulation
//! that records one view per step.

use super::*;
use crate::model::directory::PrincipalKind;
use crate::model::scenario::Scenario;
use crate::model::time::SimTime;
use crate::model::token::Claims;
use crate::model::trace::Trace;
use crate::model::world::{last_segment, lower, ScenarioError, World};
use std::collections::BTreeMap;

fn app_label(app: &crate::model::scenario::AppSpec) -> String {
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
            az_cli_user: l.az_cli_user.clone().or_else(|| l.cloud_shell.clone()),
            cloud_shell: l.cloud_shell.clone(),
            app: l.app.as_ref().map(app_label),
        });

        // RBAC.
        let live = self.rbac.stored();
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
            if let Some(c) = crate::model::token::decode_claims(jwt) {
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
/// [`simulate_lenient_signed`](crate::model::world::simulate_lenient_signed)).
pub fn simulate_with_views_signed(sc: &Scenario, signatures: &mut crate::model::token::Signatures) -> (Trace, WorldView, Vec<WorldView>, Vec<ScenarioError>) {
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

