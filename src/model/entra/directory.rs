//! The Entra tenant: users, groups and service principals. A managed identity is a
//! service principal with `servicePrincipalType: "ManagedIdentity"` and no application
//! object; its permissions are not configurable in the directory (fact sheet §4.1).

use serde::Serialize;
use crate::model::time::SimTime;
use std::collections::BTreeMap;

/// What a directory object is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "objectType")]
pub enum PrincipalKind {
    /// A person.
    User,
    /// A security group with member object ids.
    Group {
        /// Direct members (object ids).
        members: Vec<String>,
    },
    /// An application object (app registration). Managed identities never have one.
    Application {
        /// `appId`.
        app_id: String,
        /// App ID URIs.
        identifier_uris: Vec<String>,
        /// App roles defined.
        app_roles: Vec<String>,
    },
    /// A service principal: of a managed identity (`ManagedIdentity`) or of an app registration (`Application`).
    ServicePrincipal {
        /// `appId` (= ARM `clientId` = token `appid`).
        app_id: String,
        /// Always `ManagedIdentity` here.
        service_principal_type: String,
        /// `["isExplicit=False|True", "<ARM id>"]`.
        alternative_names: Vec<String>,
        /// `[appId, "https://identity.azure.net/<opaque>"]`.
        service_principal_names: Vec<String>,
    },
}

/// A directory object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    /// Object id (= ARM `principalId` = token `oid`).
    pub object_id: String,
    /// Display name (for a managed identity, the resource's name).
    pub display_name: String,
    /// Kind-specific data.
    #[serde(flatten)]
    pub kind: PrincipalKind,
}

impl Principal {
    /// `User`, `Group` or `ServicePrincipal`, as role assignments spell `principalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::User => "User",
            PrincipalKind::Group { .. } => "Group",
            PrincipalKind::ServicePrincipal { .. } => "ServicePrincipal",
            PrincipalKind::Application { .. } => "Application",
        }
    }
    /// The app id of a service principal.
    pub fn app_id(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::ServicePrincipal { app_id, .. } => Some(app_id),
            _ => None,
        }
    }
}

/// The tenant's directory.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    /// Tenant id.
    pub tenant_id: String,
    /// Primary domain.
    pub domain: String,
    /// Objects by object id (lower-case), in id order.
    pub objects: BTreeMap<String, Principal>,
    /// Object ids of service principals deleted during the run (for the world view).
    pub deleted: Vec<String>,
    /// When each object created during the run was created (lower-case object id); objects
    /// the world starts with are absent (they have long replicated).
    #[serde(skip)]
    pub created: BTreeMap<String, SimTime>,
}

impl Directory {
    /// Adds an object.
    pub fn add(&mut self, p: Principal) {
        self.objects.insert(p.object_id.to_ascii_lowercase(), p);
    }
    /// Adds an object created at `now`, during the run (see [`Directory::replicated`]).
    pub fn add_at(&mut self, p: Principal, now: SimTime) {
        self.created.insert(p.object_id.to_ascii_lowercase(), now);
        self.add(p);
    }
    /// Whether `object_id` exists and has reached every directory replica (the copy ARM's
    /// role-assignment API reads) by `now`, given the scenario's replication delay in seconds.
    pub fn replicated(&self, object_id: &str, now: SimTime, delay: u64) -> bool {
        self.get(object_id).is_some() && self.created.get(&object_id.to_ascii_lowercase()).is_none_or(|t| t.plus(delay) <= now)
    }
    /// Looks up by object id.
    pub fn get(&self, object_id: &str) -> Option<&Principal> {
        if object_id.bytes().any(|c| c.is_ascii_uppercase()) {
            self.objects.get(&object_id.to_ascii_lowercase())
        } else {
            self.objects.get(object_id)
        }
    }
    /// Removes an object (and its group memberships); returns it.
    pub fn remove(&mut self, object_id: &str) -> Option<Principal> {
        let id = object_id.to_ascii_lowercase();
        let p = self.objects.remove(&id)?;
        for o in self.objects.values_mut() {
            if let PrincipalKind::Group { members } = &mut o.kind {
                members.retain(|m| !m.eq_ignore_ascii_case(&id));
            }
        }
        self.deleted.push(id);
        Some(p)
    }
    /// Number of service principals whose type is `ManagedIdentity`.
    pub fn managed_identity_count(&self) -> usize {
        self.objects.values().filter(|p| matches!(&p.kind, PrincipalKind::ServicePrincipal { service_principal_type, .. } if service_principal_type == "ManagedIdentity")).count()
    }
    /// Transitive group memberships of an object (group object ids, sorted).
    pub fn groups_of(&self, object_id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut frontier = vec![object_id.to_ascii_lowercase()];
        while let Some(id) = frontier.pop() {
            for g in self.objects.values() {
                if let PrincipalKind::Group { members } = &g.kind {
                    if members.iter().any(|m| m.eq_ignore_ascii_case(&id)) && !out.contains(&g.object_id) {
                        out.push(g.object_id.clone());
                        frontier.push(g.object_id.to_ascii_lowercase());
                    }
                }
            }
        }
        out.sort();
        out
    }
}
