//! Azure Resource Manager as the target of application code (a data call with a bearer
//! token, fact sheet §6.4).

use crate::model::arm::{ArmError, ResourceKind, RESOURCES_API_VERSIONS};

/// `api-version`s of `Microsoft.Authorization/roleAssignments`, newest first.
const ROLE_ASSIGNMENT_API_VERSIONS: &[&str] = &["2022-04-01", "2020-04-01-preview"];
use crate::model::hosts::{Host, JSON_UTF8};
use crate::model::http::{Request, Response};
use crate::model::rbac::AccessRequest;
use crate::model::servers::{Authn, Service};
use crate::model::trace::Fidelity;
use crate::model::verify::Rejection;
use crate::model::world::World;
use crate::model::world::Draft;
use crate::model::sdk::Auth;


impl World {
    /// Application code calls ARM at `path` (a resource, resource group or subscription id,
    /// or any other path: ARM answers 404 for what does not exist). `api_version`: by default
    /// the newest the target's type registers.
    pub(crate) fn arm_api(&mut self, h: &Host, method: &str, path: &str, api_version: Option<&str>, auth: Auth) {
        let app = self.p_app(h);
        let arm = self.p_arm();
        let Some(token) = self.bearer_for(h, auth, Service::Arm, Service::Arm.resource()) else { return };
        let (path, filter) = match path.split_once("?$filter=") {
            Some((p, f)) => (p, Some(f.to_string())),
            None => (path, None),
        };
        let list_scope = path.strip_suffix("/providers/Microsoft.Authorization/roleAssignments").filter(|s| !s.is_empty() && (self.arm_place(s).exists() || self.resources.values().any(|r| r.id.eq_ignore_ascii_case(s)))).map(str::to_string);
        let target = self.resources.values().find(|r| r.id.eq_ignore_ascii_case(path)).cloned();
        let place = self.arm_place(path);
        let (arm_type, versions, location) = match (&target, &place) {
            (Some(r), _) => (r.kind.arm_type().to_string(), r.kind.api_versions(), r.location.clone()),
            (None, ArmPlace::Subscription) => ("Microsoft.Resources/subscriptions".to_string(), RESOURCES_API_VERSIONS, String::new()),
            (None, ArmPlace::ResourceGroup { location: loc }) => ("Microsoft.Resources/resourceGroups".to_string(), RESOURCES_API_VERSIONS, loc.clone()),
            (None, _) if list_scope.is_some() => ("Microsoft.Authorization/roleAssignments".to_string(), ROLE_ASSIGNMENT_API_VERSIONS, String::new()),
            (None, ArmPlace::Missing { arm_type, .. }) => (arm_type.clone(), RESOURCES_API_VERSIONS, String::new()),
        };
        let api = api_version.unwrap_or(versions[0]).to_string();
        let filter_q = filter.as_deref().map(|f| format!("&$filter={}", crate::model::http::encode(f))).unwrap_or_default();
        let mut req = Request::new(method, format!("https://management.azure.com{path}?api-version={}{filter_q}", crate::model::http::encode(&api)));
        if let Some(t) = &token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let req_sent = req.clone();
        let s = self.push(Draft::runtime(app, arm, format!("{method} {}", crate::model::rbac::short_scope(path))).request(req).fidelity(Fidelity::Documented).source("fact sheet §6.4").explain("The code calls Azure Resource Manager (the control plane) with its token."));
        s.jwt = token.clone();
        if let (Some(t), false) = (&token, matches!(auth, Auth::Scripted(_))) {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::Arm), (t.clone(), self.now));
        }
        let Some(jwt) = token else {
            let e = ArmError::MissingAuthorization;
            self.push(Draft::runtime(arm, app, e.label()).error(&e).source("fact sheet §6.4").explain("No token, no entry."));
            return;
        };
        let (claims, validation) = match self.authenticate(&req_sent, &self.tenant_of(path).to_string(), Service::Arm.audiences()) {
            Authn::Valid(c, v) => (c, v),
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let e = ArmError::Unauthorized { rejection: rej.clone(), tenant: self.tenant_of(path).to_string() };
                let s = self.push(Draft::runtime(arm, app, e.label()).error(&e).source("fact sheet §6.4, golden check 29").explain(format!("ARM rejects the token: {}.", rej.explain())));
                s.decision = Some(Self::token_decision(&v, "Request the token for https://management.azure.com/ from the subscription's tenant, and send it unchanged before it expires."));
                return;
            }
        };
        let _ = &jwt;
        if target.is_some() && !versions.contains(&api.as_str()) {
            let e = ArmError::NoRegisteredProvider { arm_type: arm_type.clone(), api_version: api.clone(), location, supported: versions };
            self.push(Draft::runtime(arm, app, e.label()).error(&e).source("fact sheet §6.4").explain(format!("Every ARM request names an api-version, and each resource type has its own list: {arm_type} has no version {api}. ARM refuses before the resource provider sees the request. Use one of the versions the error lists (SDKs pin one per resource type).")));
            return;
        }
        let action = match (method, &target) {
            (_, None) if list_scope.is_some() => "Microsoft.Authorization/roleAssignments/read".to_string(),
            ("GET", Some(r)) => format!("{}/read", r.kind.arm_type()),
            ("GET", None) => "Microsoft.Resources/subscriptions/resourceGroups/read".to_string(),
            ("DELETE", Some(r)) => format!("{}/delete", r.kind.arm_type()),
            (_, Some(r)) => r.kind.write_action(),
            (_, None) => "Microsoft.Resources/subscriptions/resourceGroups/write".to_string(),
        };
        let plabel = self.principal_label(&claims.oid);
        let check_scope = list_scope.clone().unwrap_or_else(|| path.to_string());
        let req = AccessRequest { principal_id: &claims.oid, groups: &claims.groups, action: &action, data: false, scope: &check_scope, now: self.now };
        let mut d = self.rbac.check(&req, &plabel);
        d.reasons.splice(0..0, validation.lines());
        if !d.allowed {
            self.explain_stale_groups(&mut d, &claims, &action, false, path);
            let e = ArmError::AuthorizationFailed { client: claims.oid.clone(), oid: claims.oid.clone(), action: action.clone(), scope: path.to_string(), gateway: false };
            let s = self.push(Draft::runtime(arm, app, e.label()).error(&e).source("fact sheet §6.4, golden check 30").explain(format!("ARM accepts the token but {plabel} has no role allowing '{action}' here.")));
            s.decision = Some(d);
            return;
        }
        if let Some(scope) = &list_scope {
            let (body, orphans) = self.role_assignment_list(scope, filter.as_deref());
            let n = body["value"].as_array().map(Vec::len).unwrap_or(0);
            let orphan_note = if orphans == 0 { String::new() } else { format!(" {orphans} of them name a principal the directory no longer has: the assignment stays, with the principalType it was stored with, until someone deletes it (the portal lists it as \"Identity not found\").") };
            let s = self.push(Draft::runtime(arm, app, format!("200 {n} role assignment(s)")).response(Response::new(200).json(JSON_UTF8, serde_json::to_string_pretty(&body).unwrap_or_default())).fidelity(Fidelity::Documented).source("fact sheet §7.3").explain(format!("ARM lists the role assignments {} the scope{}.{orphan_note}", if filter.as_deref() == Some("atScope()") { "at and above" } else { "at, above and below" }, filter.as_deref().filter(|f| *f != "atScope()").map(|f| format!(" matching {f}")).unwrap_or_default())));
            s.decision = Some(d);
            return;
        }
        if let ArmPlace::Missing { code, message, .. } = &place {
            if target.is_none() {
                let e = ArmError::NotFound { code, message: message.clone() };
                let s = self.push(Draft::runtime(arm, app, e.label()).error(&e).source("fact sheet §6.4").explain(format!("The caller may read at that scope, but nothing exists at {path}: ARM answers 404 (a caller without read access there gets 403 first).")));
                s.decision = Some(d);
                return;
            }
        }
        let body = match &target {
            Some(r) => {
                let mut v = serde_json::json!({"id": r.id, "name": r.name, "type": r.kind.arm_type(), "location": r.location, "identity": r.identity_json(&self.directory.tenant_id)});
                if let Some(rbac) = r.data.enable_rbac_authorization {
                    v["properties"] = serde_json::json!({"tenantId": self.directory.tenant_id, "enableRbacAuthorization": rbac, "vaultUri": format!("https://{}.vault.azure.net/", r.name.to_ascii_lowercase())});
                }
                if r.kind == ResourceKind::UserAssignedIdentity {
                    if let Some(u) = &r.data.uami {
                        v["properties"] = serde_json::json!({"clientId": u.client_id, "principalId": u.principal_id, "tenantId": self.directory.tenant_id});
                    }
                }
                v
            }
            None => serde_json::json!({"id": path}),
        };
        let s = self.push(Draft::runtime(arm, app, "200 OK").response(Response::new(200).json(JSON_UTF8, serde_json::to_string_pretty(&body).unwrap_or_default())).fidelity(Fidelity::Documented).source("fact sheet §6.4").explain(format!("Allowed: {}.", d.summary)));
        s.decision = Some(d);
    }
}


/// What an ARM path names: a subscription, a resource group (name, location), or nothing
/// that exists, with ARM's 404 code and message for it. (Resources are looked up by id.)
enum ArmPlace {
    Subscription,
    ResourceGroup { location: String },
    Missing { arm_type: String, code: &'static str, message: String },
}

impl ArmPlace {
    fn exists(&self) -> bool {
        !matches!(self, ArmPlace::Missing { .. })
    }
}

impl World {
    /// `GET {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=…]`: the
    /// list shape (`value`, each with `properties`, `id`, `type`, `name`), SPEC-AUTHZ. No
    /// filter: assignments at, above and below the scope; `atScope()`: at and above;
    /// `principalId eq '<id>'`: that principal's, at, above and below. With the number of
    /// assignments whose principal the directory no longer has.
    fn role_assignment_list(&self, scope: &str, filter: Option<&str>) -> (serde_json::Value, usize) {
        let scope_l = scope.to_ascii_lowercase();
        let sub_for_def = self.subscriptions.first().map(|s| s.id.clone()).unwrap_or_default();
        let principal = filter.and_then(|f| f.strip_prefix("principalId eq '")).and_then(|f| f.strip_suffix('\''));
        let at_scope = filter == Some("atScope()");
        let mut orphans = 0;
        let value: Vec<serde_json::Value> = self.rbac.assignments.iter().flatten().filter(|a| {
            let a_l = a.scope.to_ascii_lowercase();
            let above = scope_l == a_l || scope_l.starts_with(&format!("{a_l}/")) || a_l == "/";
            let below = a_l.starts_with(&format!("{scope_l}/"));
            (above || (!at_scope && below)) && principal.is_none_or(|p| p.eq_ignore_ascii_case(&a.principal_id))
        }).map(|a| {
            if self.directory.get(&a.principal_id).is_none() {
                orphans += 1;
            }
            let role = &self.rbac.roles[a.role];
            serde_json::json!({"properties": {"roleDefinitionId": format!("/subscriptions/{sub_for_def}{}", role.resource_id()), "principalId": a.principal_id, "principalType": a.principal_type, "scope": a.scope, "condition": null, "conditionVersion": null, "createdOn": a.created.iso(), "updatedOn": a.created.iso(), "createdBy": null, "updatedBy": null, "delegatedManagedIdentityResourceId": null, "description": null}, "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{}", a.scope, a.name), "type": "Microsoft.Authorization/roleAssignments", "name": a.name})
        }).collect();
        (serde_json::json!({"value": value}), orphans)
    }

    fn arm_place(&self, path: &str) -> ArmPlace {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let sub = segs.get(1).and_then(|id| self.subscriptions.iter().find(|s| eq(&s.id, id)));
        match (segs.as_slice(), sub) {
            ([s, _], Some(_)) if eq(s, "subscriptions") => ArmPlace::Subscription,
            ([s, id, ..], None) if eq(s, "subscriptions") => ArmPlace::Missing { arm_type: "Microsoft.Resources/subscriptions".into(), code: "SubscriptionNotFound", message: format!("The subscription '{id}' could not be found.") },
            ([s, _, r, rg, rest @ ..], Some(sub)) if eq(s, "subscriptions") && eq(r, "resourceGroups") => match sub.resource_groups.iter().find(|(n, _)| eq(n, rg)) {
                None => ArmPlace::Missing { arm_type: "Microsoft.Resources/resourceGroups".into(), code: "ResourceGroupNotFound", message: format!("Resource group '{rg}' could not be found.") },
                Some((_, loc)) if rest.is_empty() => ArmPlace::ResourceGroup { location: loc.clone() },
                Some((n, _)) => {
                    let (ty, name) = match rest {
                        [p, ns, ty, name, ..] if eq(p, "providers") => (format!("{ns}/{ty}"), name.to_string()),
                        _ => (rest.join("/"), String::new()),
                    };
                    ArmPlace::Missing { arm_type: ty.clone(), code: "ResourceNotFound", message: format!("The Resource '{ty}/{name}' under resource group '{n}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix") }
                }
            },
            _ => ArmPlace::Missing { arm_type: String::new(), code: "InvalidResourceNamespace", message: format!("The resource namespace in '{path}' is invalid.") },
        }
    }
}
