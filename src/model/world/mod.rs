//! The world: every participant's state, and the loop that routes scenario actions to the
//! participant that handles them and records what happens as trace steps. The
//! participants' behaviour lives in their own modules (`arm`, `msrp`, `entra`, `hosts`,
//! `servers`, `sdk`, with `rbac`); here are the state, the lookups they share, building
//! (`build`), recording (`record`), routing of runtime actions (`script`) and the clock
//! (`timers`).
//!
//! Run loop: `World::build(&scenario)` validates references and sets up the initial
//! state (no steps), then `World::apply(action)` runs one action to completion, emitting
//! its steps. `simulate` does both and returns the trace.

use crate::model::arm::{IdentityRef, Resource};
use crate::model::arm::identity::IdentityEdit;
use crate::model::directory::Directory;
use crate::model::rbac::Rbac;
use crate::model::rng::Rng;
use crate::model::time::SimTime;
use std::fmt;
use crate::model::scenario::{Action, LaptopSpec, Scenario};
use crate::model::trace::{Fidelity, Trace};
use crate::model::collections::{Map, Resources};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::model::msrp::Certificate;

mod build;
mod record;
pub(crate) use record::{Draft, Pid, WireError};
mod script;
pub(crate) mod timers;

/// Why a scenario could not be run. Outcomes inside the simulated world (a 403, an
/// unknown identity at IMDS) are never errors: they are steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where: e.g. `script[3].resource`.
    pub path: String,
    /// What is wrong (lower-case, no trailing dot).
    pub message: String,
    /// The name the problem is about, as the scenario wrote it: what a "did you mean"
    /// compares with the names that exist.
    pub subject: Option<Subject>,
}

/// The name a [`ScenarioError`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// As written in the scenario.
    pub name: String,
    /// What it should have named.
    pub kind: SubjectKind,
}

/// What kind of name a [`Subject`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// A role definition (compared with the built-in roles).
    Role,
    /// Anything else the scenario declares: a user, group, resource, laptop, subscription
    /// or resource group.
    Name,
}

impl Subject {
    /// `Some` subject `name` of `kind`.
    pub fn of(kind: SubjectKind, name: &(impl AsRef<str> + ?Sized)) -> Option<Subject> {
        Some(Subject { name: name.as_ref().to_string(), kind })
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ScenarioError {}

pub(crate) fn err<T>(path: impl Into<String>, message: impl Into<String>, subject: Option<Subject>) -> Result<T, ScenarioError> {
    Err(ScenarioError { path: path.into(), message: message.into(), subject })
}

/// A subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The tenant it trusts (lower-case GUID).
    pub tenant_id: String,
    /// Resource groups: name → location.
    pub resource_groups: BTreeMap<String, String>,
    /// Management group, if any.
    pub management_group: Option<String>,
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
    pub kind: crate::model::scenario::FaultKind,
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
    pub app_specs: BTreeMap<String, crate::model::scenario::AppSpec>,
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
    pub(crate) sent_tokens: BTreeMap<(String, crate::model::servers::Service), (String, SimTime)>,
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
    /// Service-account tokens kept by code that reads its token file once (lower-cased
    /// host name → the compact JWT and its claims).
    pub(crate) kept_federated_tokens: BTreeMap<String, (String, serde_json::Value)>,
    /// RBAC propagation delay (seconds).
    pub rbac_propagation: u64,
    /// Directory replication delay (seconds) for principals created during the run.
    pub directory_replication: u64,
    /// The trace so far.
    pub trace: Trace,
    /// When recording: a snapshot of the world after every step (for the UI's world view).
    pub(crate) views: Option<Vec<crate::model::view::WorldView>>,
    participant_index: Map<String, Pid>,
    /// Each participant's lane in the trace, by [`Pid`].
    lanes: Vec<usize>,
    pub(crate) action: usize,
    /// Every name the scenario declares (see `skip`): tells a reference to something the
    /// run deleted or has not created yet from a name that exists nowhere.
    pub(crate) declared: Map<String, crate::model::skip::Declared>,
    /// Signatures made in this run (or lent by the caller, see [`simulate_lenient_signed`]).
    pub(crate) signatures: crate::model::token::Signatures,
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
    simulate_lenient_signed(scenario, &mut Default::default())
}

/// [`simulate_lenient`] with signatures the caller keeps between runs: a run reuses the
/// signatures of tokens an earlier run already signed (re-simulating after an edit signs
/// only what changed) and leaves its own in `signatures`.
pub fn simulate_lenient_signed(scenario: &Scenario, signatures: &mut crate::model::token::Signatures) -> (Trace, Vec<ScenarioError>) {
    let (mut w, mut errors) = World::build_lenient(scenario);
    w.signatures = std::mem::take(signatures);
    for (i, a) in scenario.script.iter().enumerate() {
        w.action = i;
        if let Err(e) = w.apply(a) {
            errors.push(ScenarioError { path: format!("script[{i}]{}", if e.path.is_empty() { String::new() } else { format!(".{}", e.path) }), message: e.message, subject: e.subject });
        }
    }
    *signatures = std::mem::take(&mut w.signatures);
    (w.finish(), errors)
}

impl World {

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

    pub(crate) fn resolve_principal_typed(&self, r: &str) -> Option<(String, &'static str)> {
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

    /// The tenant an ARM id (resource, resource group or subscription) belongs to: its
    /// subscription's; the world's tenant for anything else.
    pub fn tenant_of(&self, arm_id: &str) -> &str {
        let sub = arm_id.trim_start_matches('/').split('/').nth(1).unwrap_or("");
        self.subscriptions.iter().find(|s| s.id.eq_ignore_ascii_case(sub)).map(|s| s.tenant_id.as_str()).unwrap_or(&self.directory.tenant_id)
    }

    /// Whether the world holds more than one tenant (labels then name them).
    pub fn multi_tenant(&self) -> bool {
        self.subscriptions.iter().any(|s| !s.tenant_id.eq_ignore_ascii_case(&self.directory.tenant_id))
    }

    /// A display label for an object id (name, or the id itself for an unknown principal).
    pub fn principal_label(&self, oid: &str) -> String {
        self.directory.get(oid).map(|p| p.display_name.clone()).unwrap_or_else(|| format!("unknown principal {oid}"))
    }

    /// Ends the run (narration still waiting for a lifeline is drawn) and returns the trace.
    pub fn finish(mut self) -> Trace {
        if !self.pending_notes.is_empty() {
            let who = if self.trace.participants.is_empty() { self.p_arm() } else { Pid(0) };
            for text in std::mem::take(&mut self.pending_notes) {
                self.push(Draft::runtime_on(who, &text).note(&text).fidelity(Fidelity::Narration).source("scenario narration").explain(text.clone()));
            }
        }
        self.trace
    }

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
            Action::CreateRoleAssignment { by, principal_id, role_definition_id, scope, principal_type } => self.create_role_assignment(by, principal_id, role_definition_id, scope, *principal_type),
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
                match self.trace.steps.last().map(|s| (s.to, s.plane)).map(|(lane, plane)| (self.pid_in_lane(lane), plane)) {
                    Some((who, plane)) => {
                        self.push(Draft::on(plane, who, text).note(text).fidelity(Fidelity::Narration).source("scenario narration").explain(text.clone()));
                    }
                    None => self.pending_notes.push(text.clone()),
                }
                Ok(())
            }
            other => self.apply_runtime(other),
        }
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
