//! Routing of runtime script actions to the participant that handles them.

use crate::model::arm::ResourceKind;
use crate::model::scenario::{Action, FaultKind};
use crate::model::time::human_duration;
use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::world::{Fault, ScenarioError, World};
use crate::model::world::Draft;
use crate::model::sdk::Auth;
use crate::model::world::{Subject, SubjectKind};

impl World {
    pub(crate) fn apply_runtime(&mut self, a: &Action) -> Result<(), ScenarioError> {
        match a {
            Action::GetToken { host, resource } => {
                let h = self.host(host)?;
                self.sdk_get_token(&h, resource, true);
                Ok(())
            }
            Action::TokenRequest { host, method, path, query, headers, repeat } => {
                let h = self.host(host)?;
                self.raw_token_request(&h, *method, path.as_deref(), query, headers, *repeat);
                Ok(())
            }
            Action::GetSecret { host, vault, secret, auth, token } => {
                let h = self.host(host)?;
                let Some(v) = self.resource_by_name(vault).cloned().filter(|r| r.kind == ResourceKind::KeyVault) else {
                    return Err(ScenarioError { path: "vault".into(), message: format!("'{vault}' is not a Key Vault in this scenario"), subject: Subject::of(SubjectKind::Name, &vault) });
                };
                self.keyvault_get_secret(&h, &v, secret, Auth::of(auth, token.as_ref()));
                Ok(())
            }
            Action::BlobRequest { host, method, account, container, blob, x_ms_version, auth, token } => {
                let h = self.host(host)?;
                let Some(acct) = self.resource_by_name(account).cloned().filter(|r| r.kind == ResourceKind::StorageAccount) else {
                    return Err(ScenarioError { path: "account".into(), message: format!("'{account}' is not a storage account in this scenario"), subject: Subject::of(SubjectKind::Name, &account) });
                };
                self.storage_blob(&h, &acct, method.as_str(), container, blob, x_ms_version.as_deref(), Auth::of(auth, token.as_ref()));
                Ok(())
            }
            Action::ArmRequest { host, method, target, auth, token, api_version } => {
                let h = self.host(host)?;
                // A name may be followed by a path below it (`kv/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()`).
                let (name, below) = target.find(['/', '?']).map(|i| target.split_at(i)).unwrap_or((target.as_str(), ""));
                let path = if target.starts_with('/') { target.clone() } else {
                    match self.resolve_scope(name).map(|p| format!("{p}{below}")) {
                        Some(p) => p,
                        None => return Err(ScenarioError { path: "target".into(), message: format!("'{target}' is not a resource, resource group or subscription in this scenario"), subject: Subject::of(SubjectKind::Name, &target) }),
                    }
                };
                self.arm_api(&h, method.as_str(), &path, api_version.as_deref(), Auth::of(auth, token.as_ref()));
                Ok(())
            }
            Action::SqlConnect { host, database, auth, token } => {
                let h = self.host(host)?;
                let Some(db) = self.resource_by_name(database).cloned().filter(|r| r.kind == ResourceKind::SqlDatabase) else {
                    return Err(ScenarioError { path: "database".into(), message: format!("'{database}' is not a SQL database in this scenario"), subject: Subject::of(SubjectKind::Name, &database) });
                };
                self.sql_connect(&h, &db, Auth::of(auth, token.as_ref()));
                Ok(())
            }
            Action::ConfigureApp { host, sdk, credential, managed_identity, env } => {
                let h = self.host(host)?;
                let mut app = h.app.clone();
                if let Some(s) = sdk {
                    app.sdk = *s;
                }
                if let Some(c) = credential {
                    app.credential = *c;
                }
                if let Some(m) = managed_identity {
                    app.managed_identity = if m.is_empty() { None } else { Some(m.clone()) };
                }
                for (k, v) in env {
                    if v.is_empty() {
                        app.env.remove(k);
                    } else {
                        app.env.insert(k.clone(), v.clone());
                    }
                }
                let key = host.to_ascii_lowercase();
                match self.laptops.get_mut(&key) {
                    Some(l) => l.app = Some(app.clone()),
                    None => {
                        self.app_specs.insert(key.clone(), app.clone());
                    }
                }
                self.sdk_caches.remove(&key);
                self.dac_settled.remove(&key);
                // A restarted process reads its token file again.
                self.kept_federated_tokens.remove(&key);
                let p = self.p_app(&h);
                let who = match &app.managed_identity {
                    Some(m) => format!("{}(clientId of {m})", app.credential),
                    None => format!("{}()", app.credential),
                };
                let s = self.push(Draft::runtime_on(p, "deploy new code").note(&format!("The app now uses {who} with the {} SDK", app.sdk)).fidelity(Fidelity::Narration).source("scenario").explain(format!("The developer changes the code or configuration on {} and restarts it: the credential is now {who}. The restart empties the SDK's in-memory token cache (the host's endpoint cache is unaffected).", h.name)));
                s.changes.push(Change { op: ChangeOp::Updated, area: "app".into(), what: format!("{}: {who}", h.name) });
                Ok(())
            }
            Action::Fault { target, kind, duration, host } => {
                let secs = duration.secs();
                let t = target.to_ascii_lowercase();
                let key = if t == "imds" {
                    let Some(h) = host else { return Err(ScenarioError { path: "host".into(), message: "an imds fault needs the host it applies to".into(), subject: None }) };
                    self.host(h)?;
                    format!("imds:{}", h.to_ascii_lowercase())
                } else {
                    if t != "entra" && self.resource_by_name(&t).is_none() {
                        return Err(ScenarioError { path: "target".into(), message: format!("'{target}' is not imds, entra or a resource name"), subject: Subject::of(SubjectKind::Name, &target) });
                    }
                    t
                };
                let until = self.now.plus(secs);
                self.faults.push(Fault { target: key.clone(), kind: *kind, until });
                let who = if key == "entra" {
                    self.p_entra()
                } else if let Some(h) = key.strip_prefix("imds:") {
                    match self.resource_by_name(h).cloned() {
                        Some(r) => self.p_endpoint(&r),
                        None => self.p_arm(),
                    }
                } else {
                    match self.resource_by_name(&key).cloned() {
                        Some(r) => self.p_server(&r),
                        None => self.p_arm(),
                    }
                };
                let s = self.push(Draft::runtime_on(who, &format!("fault: {kind} on {target}")).note(&format!("For {}: {kind}", human_duration(secs as i64))).fidelity(Fidelity::Conceptual).source("scenario fault injection").explain(format!("The scenario injects a fault: {target} answers with {} for the next {}.", match kind { FaultKind::Throttle => "429 Too Many Requests", FaultKind::Updating => "410 Gone (IMDS updating)", FaultKind::Outage => "errors (service unavailable)" }, human_duration(secs as i64))));
                s.changes.push(Change { op: ChangeOp::Added, area: "faults".into(), what: format!("{kind} on {target} until {}", until.iso()) });
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
