//! Scenario edits, as data: what the form editor can change, each applied to a copy of
//! the scenario by [`Edit::apply`]. The rules of an edit live here, tested natively —
//! removing a user-assigned identity also detaches it, drops its role assignments and
//! group memberships; the `identity.type` string follows what is left; a duration that
//! does not parse changes nothing — so the form only renders controls and sends edits.
//!
//! Also here: what the script does to a resource's identity ([`identity_story`]), so a
//! control can say what state it shows ("off at the start; step 1 enables it").

use super::arm::{AppServiceOs, IdentityType, ResourceKind};
use super::scenario::{Action, AssertionForgery, AuthChoice, Credential, IdentityBlock, Properties, ResourceSpec, RoleAssignmentSpec, Scenario, TokenSource, UserAssignedEntry};
use super::time::Duration;
use std::collections::BTreeMap;

/// One change to a scenario. Names are the scenario's own (resource, identity, host
/// names); `step` is a 0-based index into the script.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Change a compute resource's ARM type (a VM becomes an App Service app…); the
    /// App Service `kind` is dropped for other types.
    SetResourceType {
        /// Resource name.
        resource: String,
        /// The new ARM type.
        resource_type: ResourceKind,
    },
    /// Turn the system-assigned identity on or off in the initial world.
    SetSystemAssigned {
        /// Resource name.
        resource: String,
        /// On or off.
        on: bool,
    },
    /// Attach or detach a user-assigned identity in the initial world.
    SetUserAssigned {
        /// Resource name.
        resource: String,
        /// User-assigned identity name.
        identity: String,
        /// Attached or not.
        attached: bool,
    },
    /// Add a user-assigned identity resource.
    AddIdentity {
        /// Its name (must be new).
        name: String,
        /// Resource group.
        resource_group: String,
        /// Subscription name, when not the first.
        subscription: Option<String>,
    },
    /// Remove a user-assigned identity resource, with its attachments, role assignments
    /// and group memberships.
    RemoveIdentity {
        /// Its name.
        name: String,
    },
    /// Add a role assignment that exists at the start (ignored if it exists already).
    AddRoleAssignment(RoleAssignmentSpec),
    /// Remove the initial role assignment at `index`, if it still is `assignment`.
    RemoveRoleAssignment {
        /// Index in `world.roleAssignments`.
        index: usize,
        /// The assignment expected there.
        assignment: RoleAssignmentSpec,
    },
    /// A Key Vault's permission model: Azure RBAC (`true`) or access policies.
    SetVaultRbac {
        /// Vault name.
        vault: String,
        /// `enableRbacAuthorization`.
        rbac: bool,
    },
    /// The credential class of the code on a host (or laptop).
    SetCredential {
        /// Host or laptop name.
        host: String,
        /// The credential class.
        credential: Credential,
    },
    /// Which identity the code asks for: a user-assigned identity's name, a client id or
    /// resource id; `None` (or blank) for the system-assigned one.
    SetManagedIdentity {
        /// Host or laptop name.
        host: String,
        /// The identity, or `None`.
        managed_identity: Option<String>,
    },
    /// The resource (audience) a `getToken` step asks for.
    SetTokenResource {
        /// Script index.
        step: usize,
        /// E.g. `https://vault.azure.net`.
        resource: String,
    },
    /// The token a resource call sends: `sdk`, `none` or an audience.
    SetAuth {
        /// Script index.
        step: usize,
        /// The `auth` value.
        auth: String,
    },
    /// An `advanceClock` step's duration (`90s`, `10m`, `24h`, `45d`); one that does not
    /// parse changes nothing.
    SetDuration {
        /// Script index.
        step: usize,
        /// The duration.
        duration: String,
    },
    /// Remove any script step.
    RemoveStep {
        /// Script index.
        step: usize,
    },
    /// Send a resource call again, right after script index `after`, with exactly these
    /// JWT bytes (`token: {"jwt": …}`): the JWT view's "Edit this token". Only a resource
    /// call (`getSecret`, `blobRequest`, `armRequest`, `sqlConnect`) can be re-sent; for any
    /// other step the edit changes nothing.
    SendToken {
        /// Script index of the resource call to copy.
        after: usize,
        /// The compact JWT to send, as the learner edited it.
        jwt: String,
    },
    /// An App Service app's plan OS (App Service only). Windows, the default, stays
    /// unwritten when the document did not say it.
    SetAppServiceOs {
        /// Resource name.
        resource: String,
        /// The OS.
        os: AppServiceOs,
    },
    /// AKS workload identity: the client assertion the code sends (`forgedAssertion`);
    /// `None` for the projected token itself.
    SetForgedAssertion {
        /// Host name (an AKS workload with code).
        host: String,
        /// How the assertion is forged, if it is.
        forgery: Option<AssertionForgery>,
    },
    /// Whether a `laptops` entry is a user's Azure Cloud Shell session (`cloudShell`):
    /// `Some(user)` makes it that user's session, `None` (or blank) a laptop again.
    SetCloudShell {
        /// The entry's name.
        host: String,
        /// The signed-in user (a user name of the scenario).
        user: Option<String>,
    },
    /// Insert an `advanceClock` step before script index `before` (the length: at the end).
    InsertWait {
        /// Script index.
        before: usize,
        /// The duration; one that does not parse inserts nothing.
        duration: String,
    },
}

/// Is it a user-assigned identity resource?
pub fn is_uami(r: &ResourceSpec) -> bool {
    r.resource_type == ResourceKind::UserAssignedIdentity
}

/// Does its initial identity block turn the system-assigned identity on?
pub fn has_system_assigned(r: &ResourceSpec) -> bool {
    r.identity.as_ref().is_some_and(|b| b.identity_type.system())
}

/// A `userAssignedIdentities` key (name or resource id) naming identity `name`.
fn key_is(key: &str, name: &str) -> bool {
    key.rsplit('/').next().unwrap_or(key).eq_ignore_ascii_case(name)
}

/// Is user-assigned identity `name` attached in the initial identity block?
pub fn attached(r: &ResourceSpec, name: &str) -> bool {
    r.identity.as_ref().is_some_and(|b| b.user_assigned_identities.iter().any(|(k, v)| *v == UserAssignedEntry::Attach && key_is(k, name)))
}

fn resource_mut<'a>(s: &'a mut Scenario, name: &str) -> Option<&'a mut ResourceSpec> {
    s.world.resources.iter_mut().find(|r| r.name == name)
}

/// Changes a resource's identity block and recomputes `identity.type` from what is left.
fn set_identity(r: &mut ResourceSpec, sys: bool, f: impl FnOnce(&mut BTreeMap<String, UserAssignedEntry>)) {
    let b = r.identity.get_or_insert_with(|| IdentityBlock { identity_type: IdentityType::None, user_assigned_identities: BTreeMap::new() });
    f(&mut b.user_assigned_identities);
    let ua = b.user_assigned_identities.values().any(|v| *v == UserAssignedEntry::Attach);
    b.identity_type = IdentityType::from_flags(sys, ua);
}

/// The `auth` field of a resource call.
pub fn auth_of(a: &Action) -> Option<&str> {
    match a {
        Action::GetSecret { auth, .. } | Action::BlobRequest { auth, .. } | Action::ArmRequest { auth, .. } | Action::SqlConnect { auth, .. } => Some(auth.as_str()),
        _ => None,
    }
}

fn auth_mut(a: &mut Action) -> Option<&mut AuthChoice> {
    match a {
        Action::GetSecret { auth, .. } | Action::BlobRequest { auth, .. } | Action::ArmRequest { auth, .. } | Action::SqlConnect { auth, .. } => Some(auth),
        _ => None,
    }
}

/// The `token` slot of a resource call (see [`Edit::SendToken`]).
fn token_mut(a: &mut Action) -> Option<&mut Option<TokenSource>> {
    match a {
        Action::GetSecret { token, .. } | Action::BlobRequest { token, .. } | Action::ArmRequest { token, .. } | Action::SqlConnect { token, .. } => Some(token),
        _ => None,
    }
}

/// Can script action `a` be re-sent with another token ([`Edit::SendToken`])?
pub fn is_resource_call(a: &Action) -> bool {
    matches!(a, Action::GetSecret { .. } | Action::BlobRequest { .. } | Action::ArmRequest { .. } | Action::SqlConnect { .. })
}

/// Where an edited copy of the token shown at `step` of `trace` would be sent: the
/// script index of the resource call that carries it (the step's own action, else the
/// first later call that sends the same token) and the server's name, e.g.
/// `(3, "Key Vault kv-contoso")`. `None` when no resource call in the run sends it.
pub fn resend_target(sc: &Scenario, trace: &super::Trace, step: usize) -> Option<(usize, String)> {
    let jwt = trace.steps.get(step)?.jwt.as_deref()?;
    let action = trace.steps[step..].iter().filter(|s| s.jwt.as_deref() == Some(jwt)).map(|s| s.action).find(|&a| sc.script.get(a).is_some_and(is_resource_call))?;
    let server = match sc.script.get(action)? {
        Action::GetSecret { vault, .. } => format!("Key Vault {vault}"),
        Action::BlobRequest { account, .. } => format!("Storage {account}"),
        Action::ArmRequest { .. } => "Azure Resource Manager".to_string(),
        Action::SqlConnect { database, .. } => format!("Azure SQL {database}"),
        _ => return None,
    };
    Some((action, server))
}

impl Edit {
    /// The scenario with this edit applied, or `None` when it changes nothing (a name that
    /// is not there, a duration that does not parse, an assignment that exists already).
    pub fn apply(&self, sc: &Scenario) -> Option<Scenario> {
        let mut s = sc.clone();
        self.apply_to(&mut s);
        (s != *sc).then_some(s)
    }

    /// Where the edit inserts (`+1`) or removes (`-1`) a script step: `(index, delta)`.
    /// The player uses it to keep the learner on the same action.
    pub fn script_shift(&self) -> Option<(usize, isize)> {
        match self {
            Edit::RemoveStep { step } => Some((*step, -1)),
            Edit::InsertWait { before, .. } => Some((*before, 1)),
            Edit::SendToken { after, .. } => Some((after + 1, 1)),
            _ => None,
        }
    }

    fn apply_to(&self, s: &mut Scenario) {
        match self {
            Edit::SetResourceType { resource, resource_type } => {
                if let Some(r) = resource_mut(s, resource) {
                    if *resource_type != ResourceKind::AppService {
                        r.properties.kind = None;
                        r.properties.os = None;
                    }
                    r.resource_type = *resource_type;
                }
            }
            Edit::SetSystemAssigned { resource, on } => {
                if let Some(r) = resource_mut(s, resource) {
                    set_identity(r, *on, |_| {});
                }
            }
            Edit::SetUserAssigned { resource, identity, attached } => {
                if let Some(r) = resource_mut(s, resource) {
                    let sys = has_system_assigned(r);
                    set_identity(r, sys, |m| {
                        m.retain(|k, _| !key_is(k, identity));
                        if *attached {
                            m.insert(identity.clone(), UserAssignedEntry::Attach);
                        }
                    });
                }
            }
            Edit::AddIdentity { name, resource_group, subscription } => {
                let name = name.trim();
                if name.is_empty() || s.world.resources.iter().any(|r| r.name.eq_ignore_ascii_case(name)) {
                    return;
                }
                s.world.resources.push(ResourceSpec {
                    resource_type: ResourceKind::UserAssignedIdentity,
                    name: name.into(),
                    resource_group: resource_group.clone(),
                    subscription: subscription.clone(),
                    location: None,
                    identity: None,
                    properties: Properties::default(),
                    app: None,
                });
            }
            Edit::RemoveIdentity { name } => {
                s.world.resources.retain(|r| !(is_uami(r) && r.name == *name));
                for r in &mut s.world.resources {
                    if r.identity.as_ref().is_some_and(|b| b.user_assigned_identities.keys().any(|k| key_is(k, name))) {
                        let sys = has_system_assigned(r);
                        set_identity(r, sys, |m| m.retain(|k, _| !key_is(k, name)));
                    }
                }
                s.world.role_assignments.retain(|a| !a.principal_id.eq_ignore_ascii_case(name));
                for g in &mut s.world.groups {
                    g.members.retain(|m| !m.eq_ignore_ascii_case(name));
                }
            }
            Edit::AddRoleAssignment(spec) => {
                if !spec.principal_id.is_empty() && !spec.role_definition_id.is_empty() && !spec.scope.is_empty() && !s.world.role_assignments.contains(spec) {
                    s.world.role_assignments.push(spec.clone());
                }
            }
            Edit::RemoveRoleAssignment { index, assignment } => {
                if s.world.role_assignments.get(*index) == Some(assignment) {
                    s.world.role_assignments.remove(*index);
                }
            }
            Edit::SetVaultRbac { vault, rbac } => {
                if let Some(r) = resource_mut(s, vault).filter(|r| r.resource_type == ResourceKind::KeyVault) {
                    r.properties.enable_rbac_authorization = Some(*rbac);
                }
            }
            Edit::SetCredential { host, credential } => {
                if let Some(app) = app_mut(s, host) {
                    app.credential = *credential;
                }
            }
            Edit::SetManagedIdentity { host, managed_identity } => {
                if let Some(app) = app_mut(s, host) {
                    app.managed_identity = managed_identity.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
                }
            }
            Edit::SetTokenResource { step, resource: new } => {
                if let Some(Action::GetToken { resource, .. }) = s.script.get_mut(*step) {
                    *resource = new.clone();
                }
            }
            Edit::SetAuth { step, auth } => {
                if let Some(a) = s.script.get_mut(*step).and_then(auth_mut) {
                    *a = AuthChoice::from(auth.as_str());
                }
            }
            Edit::SetDuration { step, duration: new } => {
                if let (Some(d), Some(Action::AdvanceClock { duration })) = (Duration::parse(new.trim()), s.script.get_mut(*step)) {
                    *duration = d;
                }
            }
            Edit::RemoveStep { step } => {
                if *step < s.script.len() {
                    s.script.remove(*step);
                }
            }
            Edit::SendToken { after, jwt } => {
                let Some(mut call) = s.script.get(*after).cloned() else { return };
                let Some(slot) = token_mut(&mut call) else { return };
                *slot = Some(TokenSource { jwt: Some(jwt.trim().to_string()), ..TokenSource::default() });
                s.script.insert(after + 1, call);
            }
            Edit::SetAppServiceOs { resource, os } => {
                if let Some(r) = resource_mut(s, resource).filter(|r| r.resource_type == ResourceKind::AppService) {
                    r.properties.os = if *os == AppServiceOs::Windows && r.properties.os.is_none() { None } else { Some(*os) };
                }
            }
            Edit::SetForgedAssertion { host, forgery } => {
                if let Some(r) = resource_mut(s, host).filter(|r| r.resource_type == ResourceKind::AksWorkload) {
                    if let Some(app) = r.app.as_mut() {
                        app.forged_assertion = *forgery;
                    }
                }
            }
            Edit::SetCloudShell { host, user } => {
                if let Some(l) = s.world.laptops.iter_mut().find(|l| l.name == *host) {
                    l.cloud_shell = user.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(str::to_string);
                }
            }
            Edit::InsertWait { before, duration } => {
                if let Some(d) = Duration::parse(duration.trim()) {
                    let at = (*before).min(s.script.len());
                    s.script.insert(at, Action::AdvanceClock { duration: d });
                }
            }
        }
    }
}

fn app_mut<'a>(s: &'a mut Scenario, host: &str) -> Option<&'a mut super::scenario::AppSpec> {
    match s.world.resources.iter_mut().find(|r| r.name == host) {
        Some(r) => r.app.as_mut(),
        None => s.world.laptops.iter_mut().find(|l| l.name == host).and_then(|l| l.app.as_mut()),
    }
}

/// What a script step does to a resource's identity block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityChange {
    /// Turns the system-assigned identity on.
    EnablesSystemAssigned,
    /// Turns it off.
    DisablesSystemAssigned,
    /// Attaches a user-assigned identity (its name).
    Attaches(String),
    /// Detaches one.
    Detaches(String),
    /// Replaces the whole block (`patchIdentity`) with this `type`.
    Sets(IdentityType),
    /// Deletes the resource.
    Deletes,
}

/// The script steps that change `resource`'s identity: `(script index, change)`, in order.
pub fn identity_story(sc: &Scenario, resource: &str) -> Vec<(usize, IdentityChange)> {
    use Action::*;
    sc.script
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let c = match a {
                EnableSystemAssigned { resource: r, .. } if r.eq_ignore_ascii_case(resource) => IdentityChange::EnablesSystemAssigned,
                DisableSystemAssigned { resource: r, .. } if r.eq_ignore_ascii_case(resource) => IdentityChange::DisablesSystemAssigned,
                AttachUserAssignedIdentity { resource: r, identity, .. } if r.eq_ignore_ascii_case(resource) => IdentityChange::Attaches(identity.clone()),
                DetachUserAssignedIdentity { resource: r, identity, .. } if r.eq_ignore_ascii_case(resource) => IdentityChange::Detaches(identity.clone()),
                PatchIdentity { resource: r, identity, .. } if r.eq_ignore_ascii_case(resource) => IdentityChange::Sets(identity.identity_type),
                DeleteResource { resource: r, .. } if r.eq_ignore_ascii_case(resource) => IdentityChange::Deletes,
                _ => return None,
            };
            Some((i, c))
        })
        .collect()
}

/// The script steps that switch `vault`'s permission model: `(script index, Azure RBAC?)`.
pub fn vault_story(sc: &Scenario, vault: &str) -> Vec<(usize, bool)> {
    sc.script
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            Action::SetVaultPermissionModel { vault: v, enable_rbac_authorization, .. } if v.eq_ignore_ascii_case(vault) => Some((i, *enable_rbac_authorization)),
            _ => None,
        })
        .collect()
}

/// The script steps that redeploy the code on `host` (a new credential, identity or
/// environment): script indices.
pub fn redeploys(sc: &Scenario, host: &str) -> Vec<usize> {
    sc.script.iter().enumerate().filter(|(_, a)| matches!(a, Action::ConfigureApp { host: h, .. } if h.eq_ignore_ascii_case(host))).map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios;

    fn kv() -> Scenario {
        scenarios::find("vm-keyvault").unwrap().scenario()
    }

    #[test]
    fn system_assigned_toggle_recomputes_the_identity_type() {
        let sc = kv();
        let on = Edit::SetSystemAssigned { resource: "vm-web".into(), on: true }.apply(&sc).unwrap();
        assert_eq!(on.world.resources[0].identity.as_ref().unwrap().identity_type, IdentityType::SystemAssigned);
        assert!(has_system_assigned(&on.world.resources[0]));
        assert_eq!(Edit::SetSystemAssigned { resource: "vm-web".into(), on: true }.apply(&on), None, "no change, no new document");
        assert_eq!(Edit::SetSystemAssigned { resource: "nope".into(), on: true }.apply(&sc), None);
    }

    #[test]
    fn removing_an_identity_detaches_it_and_drops_its_assignments() {
        let sc = scenarios::find("multiple-uami-client-id").unwrap().scenario();
        let uami = "id-orders".to_string();
        assert!(sc.world.resources.iter().any(|r| attached(r, &uami)) && sc.world.role_assignments.iter().any(|a| a.principal_id == uami));
        let out = Edit::RemoveIdentity { name: uami.clone() }.apply(&sc).unwrap();
        assert!(!out.world.resources.iter().any(|r| r.name == uami));
        assert!(!out.world.resources.iter().any(|r| attached(r, &uami)));
        assert!(!out.world.role_assignments.iter().any(|a| a.principal_id.eq_ignore_ascii_case(&uami)));
        let host = out.world.resources.iter().find(|r| attached(r, "id-reports")).unwrap();
        assert_eq!(host.identity.as_ref().unwrap().identity_type, IdentityType::UserAssigned, "id-reports stays attached");
        let gone = Edit::RemoveIdentity { name: "id-reports".into() }.apply(&out).unwrap();
        let host = gone.world.resources.iter().find(|r| r.name == host.name).unwrap();
        assert_eq!(host.identity.as_ref().unwrap().identity_type, IdentityType::None, "nothing left: type None");
    }

    #[test]
    fn role_assignments_are_added_once_and_removed_only_where_expected() {
        let sc = kv();
        let ra = RoleAssignmentSpec { principal_id: "alice".into(), role_definition_id: "Reader".into(), scope: "kv-contoso".into() };
        let added = Edit::AddRoleAssignment(ra.clone()).apply(&sc).unwrap();
        assert_eq!(Edit::AddRoleAssignment(ra.clone()).apply(&added), None);
        let owner = sc.world.role_assignments[0].clone();
        assert_eq!(Edit::RemoveRoleAssignment { index: 0, assignment: ra }.apply(&added), None, "index 0 is not that assignment");
        let removed = Edit::RemoveRoleAssignment { index: 0, assignment: owner }.apply(&added).unwrap();
        assert_eq!(removed.world.role_assignments.len(), 1);
    }

    #[test]
    fn script_steps_can_be_removed_and_waits_inserted_with_valid_durations_only() {
        let sc = kv();
        assert_eq!(Edit::InsertWait { before: 0, duration: "soon".into() }.apply(&sc), None);
        let w = Edit::InsertWait { before: 99, duration: " 10m ".into() }.apply(&sc).unwrap();
        assert_eq!(w.script.last(), Some(&Action::AdvanceClock { duration: Duration::parse("10m").unwrap() }));
        assert_eq!(Edit::SetDuration { step: 2, duration: "later".into() }.apply(&sc), None);
        let d = Edit::SetDuration { step: 2, duration: "1h".into() }.apply(&sc).unwrap();
        assert_eq!(d.script[2], Action::AdvanceClock { duration: Duration::parse("1h").unwrap() });
        // Every step can go, the Key Vault role assignment included.
        let r = Edit::RemoveStep { step: 1 }.apply(&sc).unwrap();
        assert_eq!(r.script.len(), sc.script.len() - 1);
        assert!(!r.script.iter().any(|a| matches!(a, Action::CreateRoleAssignment { .. })));
        assert_eq!(Edit::RemoveStep { step: 1 }.script_shift(), Some((1, -1)));
    }

    #[test]
    fn an_edited_token_is_sent_again_right_after_its_call_and_refused() {
        let sc = kv();
        let trace = super::super::simulate(&sc).unwrap();
        let (call, sent) = trace.steps.iter().enumerate().find(|(_, s)| s.jwt.is_some() && is_resource_call(&sc.script[s.action])).map(|(i, s)| (i, s.clone())).unwrap();
        let jwt = sent.jwt.clone().unwrap();
        // One claim changed, the signature kept.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        let payload = String::from_utf8(super::super::token::b64url_decode(&parts[1]).unwrap()).unwrap();
        parts[1] = super::super::token::b64url(payload.replacen("\"oid\":\"", "\"oid\":\"0", 1).as_bytes());
        let edited = parts.join(".");
        let e = Edit::SendToken { after: sent.action, jwt: format!(" {edited}\n") };
        assert_eq!(e.script_shift(), Some((sent.action + 1, 1)));
        let out = e.apply(&sc).unwrap();
        assert_eq!(out.script.len(), sc.script.len() + 1);
        let t = super::super::simulate(&out).unwrap();
        let k = t.steps.iter().position(|s| s.action == sent.action + 1 && s.jwt.as_deref() == Some(edited.as_str())).expect("the edited bytes are sent");
        assert!(k > call);
        assert_eq!(t.steps[k].from, t.steps[k].to, "the app's note shows the token it is about to send");
        let (request, answer) = (&t.steps[k + 1], &t.steps[k + 2]);
        assert_eq!(request.from, t.steps[k].from);
        assert_eq!((answer.from, answer.to), (request.to, request.from), "the server answers");
        assert!(matches!(&answer.message, super::super::Message::Response(r) if r.status == 401), "{:?}", answer.message);
        assert_eq!(answer.outcome, super::super::Outcome::Failure);
        assert_eq!(resend_target(&sc, &trace, call), Some((sent.action, "Key Vault kv-contoso".to_string())));
        assert_eq!(resend_target(&sc, &trace, 0), None, "no token at step 1");
        // Only resource calls can be re-sent.
        assert_eq!(Edit::SendToken { after: 0, jwt: edited }.apply(&sc), None);
    }

    #[test]
    fn the_identity_story_says_what_the_script_does_to_a_resource() {
        assert_eq!(identity_story(&kv(), "vm-web"), vec![(0, IdentityChange::EnablesSystemAssigned)]);
        assert_eq!(identity_story(&kv(), "kv-contoso"), vec![]);
        let mut sc = kv();
        sc.script.push(Action::SetVaultPermissionModel { by: "alice".into(), vault: "kv-contoso".into(), enable_rbac_authorization: false });
        sc.script.push(Action::ConfigureApp { host: "vm-web".into(), sdk: None, credential: Some(Credential::DefaultAzureCredential), managed_identity: None, env: Default::default() });
        assert_eq!(vault_story(&sc, "KV-contoso"), vec![(4, false)]);
        assert_eq!(redeploys(&sc, "vm-web"), vec![5]);
        assert_eq!(redeploys(&kv(), "vm-web"), Vec::<usize>::new());
    }

    #[test]
    fn code_settings_follow_the_host() {
        let sc = kv();
        let c = Edit::SetCredential { host: "vm-web".into(), credential: Credential::DefaultAzureCredential }.apply(&sc).unwrap();
        assert_eq!(c.world.resources[0].app.as_ref().unwrap().credential, Credential::DefaultAzureCredential);
        let m = Edit::SetManagedIdentity { host: "vm-web".into(), managed_identity: Some("  ".into()) }.apply(&sc);
        assert_eq!(m, None, "blank is the same as not set");
        let t = Edit::SetResourceType { resource: "vm-web".into(), resource_type: ResourceKind::AppService }.apply(&sc).unwrap();
        assert_eq!(t.world.resources[0].resource_type, ResourceKind::AppService);
    }

    /// The form's host pickers of issue 13: the App Service OS (Windows stays unwritten, an
    /// App Service type change keeps it, another type drops it), the forged-assertion switch
    /// (AKS workloads only) and Cloud Shell (laptop entries only); each edit re-simulates to
    /// the behaviour it names.
    #[test]
    fn host_kind_pickers_os_forgery_and_cloud_shell() {
        let sc = kv();
        let app = Edit::SetResourceType { resource: "vm-web".into(), resource_type: ResourceKind::AppService }.apply(&sc).unwrap();
        assert_eq!(Edit::SetAppServiceOs { resource: "vm-web".into(), os: AppServiceOs::Windows }.apply(&app), None, "the default stays unwritten");
        let linux = Edit::SetAppServiceOs { resource: "vm-web".into(), os: AppServiceOs::Linux }.apply(&app).unwrap();
        assert_eq!(linux.world.resources[0].properties.os, Some(AppServiceOs::Linux));
        assert!(linux.to_json().contains(r#""os": "linux""#));
        assert_eq!(Edit::SetAppServiceOs { resource: "vm-web".into(), os: AppServiceOs::Linux }.apply(&sc), None, "not an App Service app");
        let back = Edit::SetResourceType { resource: "vm-web".into(), resource_type: ResourceKind::VirtualMachine }.apply(&linux).unwrap();
        assert_eq!(back.world.resources[0].properties.os, None);

        let aks = scenarios::find("aks-workload-identity").unwrap().scenario();
        let forged = Edit::SetForgedAssertion { host: "aks-shop-orders-api".into(), forgery: Some(AssertionForgery::Attacker) }.apply(&aks).unwrap();
        let t = super::super::simulate(&forged).unwrap();
        assert!(t.steps.iter().any(|s| s.label.starts_with("401 AADSTS7000272")), "refused at the signature");
        assert_eq!(Edit::SetForgedAssertion { host: "aks-shop-orders-api".into(), forgery: None }.apply(&forged), Some(aks.clone()));
        assert_eq!(Edit::SetForgedAssertion { host: "vm-web".into(), forgery: Some(AssertionForgery::Tampered) }.apply(&sc), None, "AKS workloads only");

        let dac = scenarios::find("dac-laptop-vs-vm").unwrap().scenario();
        let shell = Edit::SetCloudShell { host: "alice-laptop".into(), user: Some("alice".into()) }.apply(&dac).unwrap();
        assert_eq!(shell.world.laptops[0].cloud_shell.as_deref(), Some("alice"));
        let t = super::super::simulate(&shell).unwrap();
        assert!(t.steps.iter().any(|s| matches!(&s.message, super::super::Message::Request(r) if r.url == "http://localhost:50342/oauth2/token")), "the SDK finds Cloud Shell's endpoint");
        assert_eq!(Edit::SetCloudShell { host: "alice-laptop".into(), user: Some(" ".into()) }.apply(&shell), Some(dac.clone()), "blank: a laptop again");
    }
}
