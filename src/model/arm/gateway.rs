//! ARM's front door for control-plane calls: who the operator is, and the RBAC check every
//! call passes before anything changes (fact sheet §6.4, golden check 30).

use crate::model::http::Response;
use crate::model::rbac::{AccessRequest, Decision};
use crate::model::trace::Fidelity;
use crate::model::world::{ScenarioError, World};
use crate::model::world::{Draft, Pid};
use crate::model::trace::StepKind;
use crate::model::world::{Subject, SubjectKind};

impl World {
    pub(crate) fn operator_id(&self, by: &str) -> Result<String, ScenarioError> {
        self.principal_names.get(&by.to_ascii_lowercase()).cloned().ok_or_else(|| ScenarioError { path: "by".into(), message: format!("'{by}' is not a user in this scenario"), subject: Subject::of(SubjectKind::Name, &by) })
    }

    /// ARM authorizes an operator's control-plane action; on denial emits the 403 response.
    pub(crate) fn arm_authorize(&mut self, op: Pid, arm: Pid, by: &str, oid: &str, action: &str, scope: &str) -> Option<Decision> {
        let groups = self.directory.groups_of(oid);
        let req = AccessRequest { principal_id: oid, groups: &groups, action, data: false, scope, now: self.now };
        let d = self.rbac.check(&req, by);
        if d.allowed {
            return None;
        }
        let body = serde_json::json!({"error": {"code": "AuthorizationFailed", "message": format!("The client '{by}@{}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.", self.directory.domain)}}).to_string();
        let resp = Response::new(403).json("application/json; charset=utf-8", body).header("x-ms-failure-cause", "gateway");
        let expl = format!("ARM checks every control-plane call against Azure RBAC before doing anything. {by} has no role that allows '{action}' at this scope, so nothing changes.");
        let s = self.push(Draft::control(arm, op, "403 AuthorizationFailed").response(resp).fidelity(Fidelity::Documented).kind(StepKind::AccessDenied).source("fact sheet §6.4, golden check 30").explain(expl));
        s.decision = Some(d.clone());
        Some(d)
    }
}
