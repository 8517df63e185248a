//! Microsoft Graph on the directory: group membership (fact sheet §7.7).

use crate::model::directory::{Principal, PrincipalKind};
use crate::model::http::{Request, Response};
use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::world::{err, ScenarioError, World};
use crate::model::world::Draft;
use crate::model::world::{Subject, SubjectKind};

impl World {
    pub(crate) fn add_group_member(&mut self, by: &str, group: &str, member: &str) -> Result<(), ScenarioError> {
        let _ = self.operator_id(by)?;
        let Some(gid) = self.principal_names.get(&group.to_ascii_lowercase()).cloned() else { return err("group", format!("'{group}' is not a group in this scenario"), Subject::of(SubjectKind::Name, &group)) };
        let Some(mid) = self.resolve_principal(member) else { return err("member", format!("'{member}' is not a principal in this scenario"), Subject::of(SubjectKind::Name, &member)) };
        let op = self.p_operator(by);
        let entra = self.p_entra();
        let req = Request::new("POST", format!("https://graph.microsoft.com/v1.0/groups/{gid}/members/$ref")).header("Authorization", "Bearer <operator's Graph token>").header("Content-Type", "application/json").body(serde_json::json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{mid}")}).to_string());
        let ml = self.principal_label(&mid);
        self.push(Draft::control(op, entra, format!("add {ml} to group {group}")).request(req).fidelity(Fidelity::Documented).source("fact sheet §7.7").explain(format!("{by} adds {ml} to the group {group} through Microsoft Graph.")));
        if let Some(Principal { kind: PrincipalKind::Group { members }, .. }) = self.directory.objects.get_mut(&gid.to_ascii_lowercase()) {
            if !members.contains(&mid) {
                members.push(mid.clone());
            }
        }
        let s = self.push(Draft::control(entra, op, "204 No Content").response(Response::new(204)).fidelity(Fidelity::Documented).source("fact sheet §7.7, golden check 37").explain(format!("Membership changes at once in the directory, but a managed identity's group memberships travel inside its token as the `groups` claim, and its tokens are cached for about 24 hours. Until {ml} gets a new token, resources still see the old membership.")));
        s.changes.push(Change { op: ChangeOp::Added, area: "directory".into(), what: format!("{ml} ∈ {group}") });
        Ok(())
    }
}
