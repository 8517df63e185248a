//! ARM's identity operations: PATCH of a resource's `identity` block, user-assigned
//! identities as resources, deletion (fact sheet §4.1, §4.3).

use crate::model::arm::{IdentityRef, IdentityType, Resource, resource_id, ResourceData, ResourceKind};
use crate::model::http::{Request, Response};
use crate::model::msrp::mi_principal;
use crate::model::scenario::{IdentityBlock, UserAssignedEntry};
use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::world::{err, last_segment, ScenarioError, short, World};
use std::collections::{BTreeMap, BTreeSet};
use crate::model::world::{Draft, Pid};
use crate::model::world::{Subject, SubjectKind};

impl World {
    pub(crate) fn patch_identity(&mut self, by: &str, resource: &str, edit: IdentityEdit) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some(res) = self.resource_by_name(resource).cloned() else { return err("resource", format!("'{resource}' is not a resource in this scenario"), Subject::of(SubjectKind::Name, &resource)) };
        // Work out the requested identity block.
        let (want_sys, mut want_users) = (res.system_assigned.is_some(), res.user_assigned.clone());
        let mut want_sys = want_sys;
        let mut body_block = serde_json::Map::new();
        match &edit {
            IdentityEdit::EnableSystem => want_sys = true,
            IdentityEdit::DisableSystem => want_sys = false,
            IdentityEdit::Attach(name) => {
                let Some(u) = self.find_uami(name) else { return err("identity", format!("'{name}' is not a user-assigned identity in this scenario"), Subject::of(SubjectKind::Name, &name)) };
                body_block.insert("userAssignedIdentities".into(), serde_json::json!({ u.mi_resource_id.clone(): {} }));
                want_users.insert(u.mi_resource_id.to_ascii_lowercase(), u);
            }
            IdentityEdit::Detach(name) => {
                let Some(u) = self.find_uami(name) else { return err("identity", format!("'{name}' is not a user-assigned identity in this scenario"), Subject::of(SubjectKind::Name, &name)) };
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
                    let Some(ui) = self.find_uami(k) else { return err("identity.userAssignedIdentities", format!("'{k}' is not a user-assigned identity in this scenario"), Subject::of(SubjectKind::Name, &k)) };
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
        let api = res.kind.api_version();
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
        self.push(Draft::control(op, arm, format!("PATCH {} ({what})", res.name)).request(req).fidelity(Fidelity::Documented).source("fact sheet §4.3").explain(format!(
                "{by} asks Azure Resource Manager to change the identity block of {}. Whether from the portal, the CLI or a template, it ends up as this PATCH of the resource's `identity` property: `type` says which kinds of identity the resource has, and the `userAssignedIdentities` map adds identities (value `{{}}`) or removes them (value `null`).",
                res.name
            )));
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
            let e = super::ArmError::InvalidIdentityType { message: msg };
            self.push(Draft::control(arm, op, e.label()).error(&e).source("fact sheet §3.1").explain(format!("{msg} ARM rejects the request before anything is created.")));
            return Ok(());
        }
        let mut changes = Vec::new();
        let msrp = self.p_msrp();
        let entra = self.p_entra();
        let rid = res.id.to_ascii_lowercase();
        // System-assigned: create or delete.
        if want_sys && res.system_assigned.is_none() {
            self.push(Draft::control(arm, msrp, "create system-assigned identity").internal(&format!("Create an identity for {}", res.name), serde_json::json!({"resourceId": res.id, "tenantId": self.directory.tenant_id})).source("fact sheet §4.2").explain(format!("ARM hands the request to the Managed Identity resource provider (Microsoft.ManagedIdentity), which owns every managed identity. The identity is tied to {}: same lifetime, deleted with it.", res.name)));
            let uref = IdentityRef { principal_id: self.rng.guid(), client_id: self.rng.guid(), mi_resource_id: res.id.clone() };
            let sp = mi_principal(&uref, &res.name, false, &mut self.rng);
            let sp_json = serde_json::to_value(&sp).unwrap_or_default();
            self.directory.add_at(sp, self.now);
            let count = self.directory.managed_identity_count();
            let s = self.push(Draft::control(msrp, entra, "create service principal").internal(&format!("Create service principal '{}' (servicePrincipalType ManagedIdentity)", res.name), sp_json).source("fact sheet §4.1").explain(format!("The resource provider creates a service principal in the tenant that trusts the subscription. It is an ordinary enterprise application object, with two differences: there is no application object behind it, and its credentials are managed by Azure, not by you. Its object id becomes the identity's principalId and its appId the clientId. The directory now holds {count} managed-identity service principal(s).")));
            s.changes.push(Change { op: ChangeOp::Added, area: "directory".into(), what: format!("service principal {} (ManagedIdentity), objectId {}, appId {}", res.name, uref.principal_id, uref.client_id) });
            let cert = self.issue_certificate(&uref.principal_id, &res.name);
            let s = self.push(Draft::control_on(msrp, "issue certificate").note(&format!("Certificate {} valid {} → {}, renew at {}", short(&cert.thumbprint), cert.not_before.iso(), cert.not_after.iso(), cert.renew_at.iso())).fidelity(Fidelity::Conceptual).source("fact sheet §4.2").explain("The resource provider issues a certificate as the identity's credential. It expires after 90 days and the provider rolls it after 45, so the credential is never seen by you and never goes stale."));
            s.changes.push(Change { op: ChangeOp::Added, area: "msrp".into(), what: format!("certificate {} for {}", short(&cert.thumbprint), res.name) });
            self.push(Draft::control(msrp, arm, "principalId, clientId").internal("Identity created", serde_json::json!({"principalId": uref.principal_id, "clientId": uref.client_id, "tenantId": self.directory.tenant_id, "clientSecretUrl": format!("https://control-{}.identity.azure.net{}/credentials?tid={}&oid={}&aid={}", res.location, res.id, self.directory.tenant_id, uref.principal_id, uref.client_id)})).source("fact sheet §4.2").explain("The resource provider returns the new ids. `clientSecretUrl` is the internal credential endpoint the platform uses; it is not for application code."));
            changes.push(Change { op: ChangeOp::Added, area: "arm".into(), what: format!("{}: identity.principalId = {}", res.name, uref.principal_id) });
            self.known_identities.insert(res.name.to_ascii_lowercase(), uref.clone());
            if let Some(r) = self.resources.get_mut(&rid) {
                r.system_assigned = Some(uref);
            }
        } else if !want_sys {
            if let Some(old) = res.system_assigned.clone() {
                self.push(Draft::control(arm, msrp, "delete system-assigned identity").internal(&format!("Delete the identity of {}", res.name), serde_json::json!({"principalId": old.principal_id})).source("fact sheet §4.1").explain("Turning the system-assigned identity off deletes it: the service principal goes, and its role assignments stay behind pointing at an unknown principal."));
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
            let s = self.push(Draft::control(arm, ep, "configure identities on host").internal(&format!("Host {} may now use {} identity(ies)", res.name, ids.len()), serde_json::json!({"identities": ids, "credential": "client id + certificate (held by the platform, never by your code)"})).source("fact sheet §4.2").explain(format!("ARM updates the token endpoint on {} with each identity's client id and certificate. From now on, code on this host can ask its local endpoint for tokens without holding any secret.", res.name)));
            s.changes.push(Change { op: ChangeOp::Updated, area: "host".into(), what: format!("{} token endpoint: {} identity(ies)", res.name, ids.len()) });
            // A removed identity's tokens leave the endpoint cache.
            let keep: BTreeSet<String> = res_now.system_assigned.iter().map(|s| s.client_id.clone()).chain(res_now.user_assigned.values().map(|u| u.client_id.clone())).collect();
            if let Some(c) = self.endpoint_caches.get_mut(&rid) {
                c.retain(|(cid, _), _| keep.contains(cid));
            }
        }
        let resp_body = serde_json::json!({"id": res_now.id, "name": res_now.name, "type": res_now.kind.arm_type(), "location": res_now.location, "identity": res_now.identity_json(&self.directory.tenant_id)});
        let resp = Response::new(200).json("application/json; charset=utf-8", serde_json::to_string_pretty(&resp_body).unwrap_or_default());
        let s = self.push(Draft::control(arm, op, format!("200 identity.type = {}", res_now.identity_type())).response(resp).fidelity(Fidelity::Documented).source("fact sheet §4.3").explain("ARM answers with the resource's identity block. `principalId` and `tenantId` are read-only and describe only the system-assigned identity; each user-assigned identity appears in the map with its own principalId and clientId."));
        s.changes = changes;
        Ok(())
    }

    pub(crate) fn remove_identity_sp(&mut self, from: Pid, entra: Pid, ident: &IdentityRef, name: &str) {
        let count_before = self.directory.managed_identity_count();
        self.directory.remove(&ident.principal_id);
        self.certificates.remove(&ident.principal_id.to_ascii_lowercase());
        let orphaned: Vec<String> = self.rbac.assignments_of(&ident.principal_id).map(|a| format!("{} at {}", self.rbac.roles[a.role].role_name, a.scope)).collect();
        let s = self.push(Draft::control(from, entra, "delete service principal").internal(&format!("Delete service principal '{name}'"), serde_json::json!({"objectId": ident.principal_id})).source("fact sheet §4.1").explain(format!("The identity's service principal is deleted ({} → {} managed-identity service principals). Its role assignments are NOT deleted: {} now show 'Identity not found' with principal type Unknown until someone cleans them up. Tokens already issued stay valid until they expire.", count_before, self.directory.managed_identity_count(), if orphaned.is_empty() { "none existed, but any would".to_string() } else { orphaned.join(", ") })));
        s.changes.push(Change { op: ChangeOp::Removed, area: "directory".into(), what: format!("service principal {name} ({})", ident.principal_id) });
        s.changes.push(Change { op: ChangeOp::Removed, area: "msrp".into(), what: format!("certificate of {name}") });
        for o in orphaned {
            s.changes.push(Change { op: ChangeOp::Updated, area: "rbac".into(), what: format!("{o}: principal now Unknown (orphaned)") });
        }
    }

    pub(crate) fn create_uami(&mut self, by: &str, name: &str, rg: &str) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        if self.resource_by_name(name).is_some() {
            return err("name", format!("a resource named '{name}' already exists"), Subject::of(SubjectKind::Name, &name));
        }
        let Some(sub) = self.subscriptions.iter().find(|s| s.resource_groups.contains_key(rg)).cloned() else {
            return err("resourceGroup", format!("resource group '{rg}' is not declared"), Subject::of(SubjectKind::Name, &rg));
        };
        let id = resource_id(&sub.id, rg, ResourceKind::UserAssignedIdentity, name);
        let location = sub.resource_groups[rg].clone();
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let req = Request::new("PUT", format!("https://management.azure.com{id}?api-version={}", ResourceKind::UserAssignedIdentity.api_version())).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&serde_json::json!({"location": location})).unwrap_or_default());
        self.push(Draft::control(op, arm, format!("PUT userAssignedIdentities/{name}")).request(req).fidelity(Fidelity::Documented).source("fact sheet §4.3").explain(format!("{by} creates a user-assigned identity: a standalone ARM resource of type Microsoft.ManagedIdentity/userAssignedIdentities. Unlike a system-assigned identity, it lives until someone deletes it and can be attached to many resources.")));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.ManagedIdentity/userAssignedIdentities/write", &id).is_some() {
            return Ok(());
        }
        let msrp = self.p_msrp();
        let entra = self.p_entra();
        self.push(Draft::control(arm, msrp, "create identity resource").internal(&format!("Create {name}"), serde_json::json!({"resourceId": id})).source("fact sheet §4.2").explain("ARM forwards the PUT to the Managed Identity resource provider."));
        let uref = IdentityRef { principal_id: self.rng.guid(), client_id: self.rng.guid(), mi_resource_id: id.clone() };
        let sp = mi_principal(&uref, name, true, &mut self.rng);
        let sp_json = serde_json::to_value(&sp).unwrap_or_default();
        self.directory.add_at(sp, self.now);
        let s = self.push(Draft::control(msrp, entra, "create service principal").internal(&format!("Create service principal '{name}' (ManagedIdentity)"), sp_json).source("fact sheet §4.1").explain(format!("A service principal backs the identity, with `alternativeNames` [\"isExplicit=True\", <resource id>] marking it as user-assigned. The directory now holds {} managed-identity service principal(s).", self.directory.managed_identity_count())));
        s.changes.push(Change { op: ChangeOp::Added, area: "directory".into(), what: format!("service principal {name} (ManagedIdentity), objectId {}", uref.principal_id) });
        let cert = self.issue_certificate(&uref.principal_id, name);
        let s = self.push(Draft::control_on(msrp, "issue certificate").note(&format!("Certificate {} valid to {}", short(&cert.thumbprint), cert.not_after.iso())).fidelity(Fidelity::Conceptual).source("fact sheet §4.2").explain("The resource provider issues the identity's certificate (90 days, rolled after 45)."));
        s.changes.push(Change { op: ChangeOp::Added, area: "msrp".into(), what: format!("certificate {} for {name}", short(&cert.thumbprint)) });
        let body = serde_json::json!({"id": id, "location": location, "name": name, "properties": {"clientId": uref.client_id, "principalId": uref.principal_id, "tenantId": self.directory.tenant_id}, "type": "Microsoft.ManagedIdentity/userAssignedIdentities"});
        let s = self.push(Draft::control(arm, op, "201 Created (clientId, principalId)").response(Response::new(201).json("application/json; charset=utf-8", serde_json::to_string_pretty(&body).unwrap_or_default())).fidelity(Fidelity::Documented).source("fact sheet §4.3").explain("The identity exists, but nothing can use it yet: it must be attached to a resource, and it has no role assignments."));
        s.changes.push(Change { op: ChangeOp::Added, area: "arm".into(), what: format!("user-assigned identity {name}") });
        self.known_identities.insert(name.to_ascii_lowercase(), uref.clone());
        let data = ResourceData { uami: Some(uref), ..Default::default() };
        self.names.insert(name.to_ascii_lowercase(), id.to_ascii_lowercase());
        self.resources.insert(id.to_ascii_lowercase(), Resource { id, name: name.into(), kind: ResourceKind::UserAssignedIdentity, subscription_id: sub.id, resource_group: rg.into(), location, system_assigned: None, user_assigned: BTreeMap::new(), data });
        Ok(())
    }

    pub(crate) fn delete_resource(&mut self, by: &str, name: &str) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some(res) = self.resource_by_name(name).cloned() else { return err("resource", format!("'{name}' is not a resource in this scenario"), Subject::of(SubjectKind::Name, &name)) };
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let api = res.kind.api_version();
        self.push(Draft::control(op, arm, format!("DELETE {}", res.name)).request(Request::new("DELETE", format!("https://management.azure.com{}?api-version={api}", res.id)).header("Authorization", "Bearer <operator's ARM token>")).fidelity(Fidelity::Documented).source("fact sheet §4.1").explain(format!("{by} deletes {}.", res.name)));
        let action = format!("{}/delete", res.kind.arm_type());
        if self.arm_authorize(op, arm, by, &oid, &action, &res.id).is_some() {
            return Ok(());
        }
        let msrp = self.p_msrp();
        let entra = self.p_entra();
        let rid = res.id.to_ascii_lowercase();
        if let Some(s) = &res.system_assigned {
            self.push(Draft::control(arm, msrp, "delete system-assigned identity").internal(&format!("{} is going: delete its identity", res.name), serde_json::json!({"principalId": s.principal_id})).source("fact sheet §4.1, golden check 38").explain("A system-assigned identity shares its resource's lifecycle, so deleting the resource deletes the identity."));
            self.remove_identity_sp(msrp, entra, s, &res.name);
        }
        if let Some(u) = &res.data.uami {
            self.push(Draft::control(arm, msrp, "delete identity resource").internal(&format!("Delete {}", res.name), serde_json::json!({"principalId": u.principal_id})).source("fact sheet §4.1, golden check 39").explain("Deleting a user-assigned identity removes its service principal. Resources it was attached to keep a dangling reference, and IMDS can no longer issue tokens for it."));
            self.remove_identity_sp(msrp, entra, u, &res.name);
            // Hosts keep their (now dangling) reference in userAssignedIdentities, but their
            // token endpoints can no longer get (or serve) tokens for it.
            for c in self.endpoint_caches.values_mut() {
                c.retain(|(cid, _), _| cid != &u.client_id);
            }
        }
        if !res.user_assigned.is_empty() {
            self.push(Draft::control_on(arm, "user-assigned identities survive").note(&format!("{} stay(s): user-assigned identities have their own lifecycle", res.user_assigned.values().map(|u| last_segment(&u.mi_resource_id)).collect::<Vec<_>>().join(", "))).fidelity(Fidelity::Documented).source("fact sheet §4.1").explain("Deleting a resource only detaches its user-assigned identities; they keep existing (with their role assignments) until deleted explicitly."));
        }
        self.resources.remove(&rid);
        self.names.remove(&res.name.to_ascii_lowercase());
        self.endpoint_caches.remove(&rid);
        let s = self.push(Draft::control(arm, op, "200 deleted").response(Response::new(200)).fidelity(Fidelity::Documented).source("fact sheet §4.1").explain(format!("{} is gone.", res.name)));
        s.changes.push(Change { op: ChangeOp::Removed, area: "arm".into(), what: format!("resource {}", res.name) });
        Ok(())
    }
}

/// An edit of a resource's identity block.
pub(crate) enum IdentityEdit {
    EnableSystem,
    DisableSystem,
    Attach(String),
    Detach(String),
    Raw(IdentityBlock),
}
