//! The role-assignment API (`Microsoft.Authorization/roleAssignments`, fact sheet §7.3).

use crate::model::http::{Request, Response};
use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::world::{err, ScenarioError, World};
use crate::model::world::Draft;
use crate::model::scenario::PrincipalType;
use crate::model::world::{Subject, SubjectKind};

impl World {
    /// `PUT …/roleAssignments/{name}`. Without `principal_type`, ARM looks the principal up in
    /// its directory replica first: one created less than the directory-replication delay ago
    /// (or one that does not exist) is 400 `PrincipalNotFound`. With it, ARM stores the
    /// assignment as sent.
    pub(crate) fn create_role_assignment(&mut self, by: &str, principal: &str, role: &str, scope: &str, principal_type: Option<PrincipalType>) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some((pid, found_type)) = self.resolve_principal_typed(principal) else { return err("principalId", format!("'{principal}' is not a principal in this scenario (or its identity is not enabled yet)"), Subject::of(SubjectKind::Name, &principal)) };
        let Some(ri) = self.rbac.find_role(role) else { return err("roleDefinitionId", format!("unknown role '{role}'"), Subject::of(SubjectKind::Role, &role)) };
        let Some(scope_id) = self.resolve_scope(scope) else { return err("scope", format!("unknown scope '{scope}'"), Subject::of(SubjectKind::Name, &scope)) };
        let name = self.rng.guid();
        let role_def = self.rbac.roles[ri].clone();
        let sub_for_def = self.subscriptions.first().map(|s| s.id.clone()).unwrap_or_default();
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let ptype = principal_type.map(|t| t.as_str()).unwrap_or(found_type);
        let mut props = serde_json::json!({"roleDefinitionId": format!("/subscriptions/{sub_for_def}{}", role_def.resource_id()), "principalId": pid});
        if let Some(t) = principal_type {
            props["principalType"] = t.as_str().into();
        }
        let body = serde_json::json!({"properties": props});
        let req = Request::new("PUT", format!("https://management.azure.com{scope_id}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01")).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&body).unwrap_or_default());
        let plabel = self.principal_label(&pid);
        self.push(Draft::control(op, arm, format!("PUT roleAssignment: {} → {plabel}", role_def.role_name)).request(req).fidelity(Fidelity::Documented).source("fact sheet §7.3").explain(format!("{by} grants '{}' to {plabel} at {scope_id}. A role assignment joins three things: who (principalId), what (the role definition) and where (the scope, inherited by everything below it). For a managed identity, principalType ServicePrincipal avoids replication-delay errors.", role_def.role_name)));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.Authorization/roleAssignments/write", &scope_id).is_some() {
            return Ok(());
        }
        if principal_type.is_none() && !self.directory.replicated(&pid, self.now, self.directory_replication) {
            let tenant = self.tenant_of(&scope_id).to_string();
            let e = super::ArmError::PrincipalNotFound { principal_id: pid.clone(), tenant };
            let why = if self.directory.get(&pid).is_some() { format!("{plabel} was created moments ago and has not reached the directory replica ARM reads yet ({} in this scenario).", crate::model::time::human_duration(self.directory_replication as i64)) } else { format!("No principal {pid} exists in the directory.") };
            self.push(Draft::control(arm, op, e.label()).error(&e).source("fact sheet §7.3").explain(format!("The request has no principalType, so ARM looks the principal up before storing the assignment: {why} Send principalType (ServicePrincipal for a managed identity) and ARM stores the assignment without the look-up; or retry after a while.")));
            return Ok(());
        }
        let eff = self.now.plus(self.rbac_propagation);
        self.rbac.assign(name.clone(), &scope_id, ri, &pid, ptype, self.now, eff);
        let resp = serde_json::json!({"id": format!("{scope_id}/providers/Microsoft.Authorization/roleAssignments/{name}"), "name": name, "type": "Microsoft.Authorization/roleAssignments", "properties": {"roleDefinitionId": format!("/subscriptions/{sub_for_def}{}", role_def.resource_id()), "principalId": pid, "principalType": ptype, "scope": scope_id}});
        let prop = crate::model::time::human_duration(self.rbac_propagation as i64);
        let s = self.push(Draft::control(arm, op, "201 Created").response(Response::new(201).json("application/json; charset=utf-8", serde_json::to_string_pretty(&resp).unwrap_or_default())).fidelity(Fidelity::Documented).source("fact sheet §7.3, §7.7").explain(format!("The assignment is stored, but authorization caches pick it up only after a while (up to 10 minutes per the docs; {prop} in this scenario). A request in between is still denied.")));
        s.changes.push(Change { op: ChangeOp::Added, area: "rbac".into(), what: format!("{} → {plabel} at {} (effective {})", role_def.role_name, scope_id, eff.iso()) });
        Ok(())
    }

    pub(crate) fn delete_role_assignment(&mut self, by: &str, principal: &str, role: &str, scope: &str) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let Some(pid) = self.resolve_principal(principal) else { return err("principalId", format!("'{principal}' is not a principal in this scenario"), Subject::of(SubjectKind::Name, &principal)) };
        let Some(ri) = self.rbac.find_role(role) else { return err("roleDefinitionId", format!("unknown role '{role}'"), Subject::of(SubjectKind::Role, &role)) };
        let Some(scope_id) = self.resolve_scope(scope) else { return err("scope", format!("unknown scope '{scope}'"), Subject::of(SubjectKind::Name, &scope)) };
        let Some(idx) = self.rbac.find_assignment(&pid, ri, &scope_id) else { return err("", format!("no assignment of '{role}' to '{principal}' at '{scope}' exists"), Subject::of(SubjectKind::Name, &role)) };
        let name = self.rbac.assignments[idx].as_ref().map(|a| a.name.clone()).unwrap_or_default();
        let op = self.p_operator(by);
        let arm = self.p_arm();
        self.push(Draft::control(op, arm, "DELETE roleAssignment").request(Request::new("DELETE", format!("https://management.azure.com{scope_id}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01")).header("Authorization", "Bearer <operator's ARM token>")).fidelity(Fidelity::Documented).source("fact sheet §7.3").explain(format!("{by} removes the assignment.")));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.Authorization/roleAssignments/delete", &scope_id).is_some() {
            return Ok(());
        }
        self.rbac.unassign(idx);
        let rn = self.rbac.roles[ri].role_name.clone();
        let s = self.push(Draft::control(arm, op, "200 OK").response(Response::new(200)).fidelity(Fidelity::Documented).source("fact sheet §7.3").explain("The assignment is gone. Tokens already issued are not revoked; the next authorization check simply finds nothing."));
        s.changes.push(Change { op: ChangeOp::Removed, area: "rbac".into(), what: format!("{rn} at {scope_id}") });
        Ok(())
    }
}
