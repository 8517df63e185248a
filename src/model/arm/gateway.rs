//! ARM's front door for control-plane calls: who the operator is, and the RBAC check every
//! call passes before anything changes (fact sheet §6.4, golden check 30).

use crate::model::arm::ArmError;
use crate::model::rbac::{AccessRequest, Decision};
use crate::model::world::{ScenarioError, World};
use crate::model::world::{Draft, Pid};
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
        let e = ArmError::AuthorizationFailed { client: format!("{by}@{}", self.directory.domain), oid: oid.to_string(), action: action.to_string(), scope: scope.to_string(), gateway: true };
        let expl = format!("ARM checks every control-plane call against Azure RBAC before doing anything. {by} has no role that allows '{action}' at this scope, so nothing changes.");
        let s = self.push(Draft::control(arm, op, e.label()).error(&e).source("fact sheet §6.4, golden check 30").explain(expl));
        s.decision = Some(d.clone());
        Some(d)
    }
}
