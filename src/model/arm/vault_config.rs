//! Control-plane writes on a Key Vault's configuration through ARM: access policies and the
//! permission model (fact sheet §6.1).

use crate::model::arm::{Resource, ResourceKind};
use crate::model::http::{Request, Response};
use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::world::{err, ScenarioError, World};
use crate::model::world::Draft;
use crate::model::world::{Subject, SubjectKind};

impl World {
    pub(crate) fn vault(&self, vault: &str) -> Result<Resource, ScenarioError> {
        self.resource_by_name(vault).filter(|r| r.kind == ResourceKind::KeyVault).cloned().ok_or_else(|| ScenarioError { path: "vault".into(), message: format!("'{vault}' is not a Key Vault in this scenario"), subject: Subject::of(SubjectKind::Name, &vault) })
    }

    pub(crate) fn set_access_policy(&mut self, by: &str, vault: &str, principal: &str, secrets: &[String]) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let v = self.vault(vault)?;
        let Some(pid) = self.resolve_principal(principal) else { return err("objectId", format!("'{principal}' is not a principal in this scenario"), Subject::of(SubjectKind::Name, &principal)) };
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let kind = if secrets.is_empty() { "remove" } else { "replace" };
        let body = serde_json::json!({"properties": {"accessPolicies": [{"tenantId": self.directory.tenant_id, "objectId": pid, "permissions": {"secrets": secrets}}]}});
        let req = Request::new("PUT", format!("https://management.azure.com{}/accessPolicies/{kind}?api-version={}", v.id, ResourceKind::KeyVault.api_version())).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&body).unwrap_or_default());
        let plabel = self.principal_label(&pid);
        self.push(Draft::control(op, arm, format!("PUT accessPolicies/{kind}: {plabel}")).request(req).fidelity(Fidelity::Documented).source("fact sheet §6.1").explain(format!("{by} {} the access policy of {plabel} on {} (secrets: [{}]). Access policies are part of the vault's own configuration, so changing them is a control-plane write on the vault.", if secrets.is_empty() { "removes" } else { "sets" }, v.name, secrets.join(", "))));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.KeyVault/vaults/accessPolicies/write", &v.id).is_some() {
            return Ok(());
        }
        if let Some(r) = self.resources.get_mut(&v.id.to_ascii_lowercase()) {
            r.data.access_policies.retain(|p| !p.object_id.eq_ignore_ascii_case(&pid));
            if !secrets.is_empty() {
                r.data.access_policies.push(crate::model::arm::AccessPolicy { object_id: pid.clone(), secrets: secrets.iter().map(|s| s.to_ascii_lowercase()).collect() });
            }
        }
        let note = if v.data.enable_rbac_authorization.unwrap_or(true) { " Note: this vault uses Azure RBAC, so the policy has no effect until the vault is switched to access policies." } else { " Access policies take effect quickly, though a retry may be needed." };
        let s = self.push(Draft::control(arm, op, "200 OK").response(Response::new(200)).fidelity(Fidelity::Documented).source("fact sheet §6.1").explain(format!("The vault's access policies are updated.{note}")));
        s.changes.push(Change { op: if secrets.is_empty() { ChangeOp::Removed } else { ChangeOp::Updated }, area: "keyvault".into(), what: format!("{}: access policy for {plabel}: secrets [{}]", v.name, secrets.join(", ")) });
        Ok(())
    }

    pub(crate) fn set_vault_model(&mut self, by: &str, vault: &str, rbac: bool) -> Result<(), ScenarioError> {
        let oid = self.operator_id(by)?;
        let v = self.vault(vault)?;
        let op = self.p_operator(by);
        let arm = self.p_arm();
        let body = serde_json::json!({"properties": {"enableRbacAuthorization": rbac}});
        let req = Request::new("PATCH", format!("https://management.azure.com{}?api-version={}", v.id, ResourceKind::KeyVault.api_version())).header("Authorization", "Bearer <operator's ARM token>").header("Content-Type", "application/json").body(serde_json::to_string_pretty(&body).unwrap_or_default());
        self.push(Draft::control(op, arm, format!("PATCH {} enableRbacAuthorization={rbac}", v.name)).request(req).fidelity(Fidelity::Documented).source("fact sheet §6.1").explain(format!("{by} switches {} to {}. The switch is all or nothing: the other model's grants stop counting at once.", v.name, if rbac { "the Azure RBAC permission model" } else { "access policies" })));
        if self.arm_authorize(op, arm, by, &oid, "Microsoft.KeyVault/vaults/write", &v.id).is_some() {
            return Ok(());
        }
        if let Some(r) = self.resources.get_mut(&v.id.to_ascii_lowercase()) {
            r.data.enable_rbac_authorization = Some(rbac);
        }
        let s = self.push(Draft::control(arm, op, "200 OK").response(Response::new(200)).fidelity(Fidelity::Documented).source("fact sheet §6.1").explain("The vault's permission model is changed."));
        s.changes.push(Change { op: ChangeOp::Updated, area: "keyvault".into(), what: format!("{}: enableRbacAuthorization = {rbac}", v.name) });
        Ok(())
    }
}
