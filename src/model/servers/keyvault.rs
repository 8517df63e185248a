//! Key Vault's data plane: the challenge, token validation, RBAC or access policies, and its
//! error bodies (fact sheet §6.1).

use crate::model::arm::Resource;
use crate::model::hosts::{Host, JSON_UTF8};
use crate::model::http::{Request, Response};
use crate::model::rbac::{AccessRequest, Decision, Verdict};
use crate::model::servers::{Authn, Service};
use crate::model::trace::Fidelity;
use crate::model::token::Claims;
use crate::model::verify::{CheckKind, Rejection, TokenValidation};
use crate::model::world::World;
use crate::model::world::{Draft, WireError};
use crate::model::trace::StepKind;
use crate::model::sdk::Auth;

impl World {
    pub(crate) fn keyvault_get_secret(&mut self, h: &Host, vault: &Resource, secret: &str, auth: Auth) {
        // A scripted token is sent straight away: no challenge round trip.
        let app = self.p_app(h);
        let kv = self.p_server(vault);
        let url = format!("https://{}.vault.azure.net/secrets/{secret}?api-version=7.4", vault.name.to_ascii_lowercase());
        let challenge_key = (h.name.to_ascii_lowercase(), vault.name.to_ascii_lowercase());
        let tenant = self.tenant_of(&vault.id).to_string();
        let challenge = |w: &mut World, expl: String| {
            let e = KeyVaultError::MissingToken { tenant: tenant.clone(), expected: auth == Auth::Sdk };
            w.push(Draft::runtime(kv, app, e.label()).error(&e).source("fact sheet §6.1, golden check 20").explain(expl));
        };
        // The SDK remembers a vault's challenge: only its first call goes out without a token.
        let challenged_now = auth == Auth::Anonymous || (auth == Auth::Sdk && !self.kv_challenges.contains(&challenge_key));
        if challenged_now {
            let req = Request::new("GET", url.clone()).header("Content-Length", "0");
            let expl = if auth == Auth::Anonymous {
                "The code calls Key Vault without any token.".to_string()
            } else {
                "The Key Vault client library starts with an unauthenticated request on purpose. Key Vault's answer tells it which tenant and which resource to ask a token for, so the SDK never has to guess the audience (the 'challenge-based authentication' policy).".to_string()
            };
            self.push(Draft::runtime(app, kv, "GET /secrets (no token)").request(req).fidelity(Fidelity::Documented).source("fact sheet §6.1").explain(expl));
            challenge(self, "Key Vault answers 401 with a WWW-Authenticate challenge naming the authority (the tenant) and the resource https://vault.azure.net. The body says the request is missing a token (AKV10000).".into());
            if auth == Auth::Anonymous {
                return;
            }
            self.kv_challenges.insert(challenge_key);
        }
        let Some(token) = self.bearer_for(h, auth, Service::KeyVault, Service::KeyVault.resource()) else { return };
        let Some(jwt) = token else { return };
        let remembered = auth == Auth::Sdk && !challenged_now;
        let req = Request::new("GET", url).header("Authorization", format!("Bearer {jwt}"));
        let lead = if remembered { "The client remembers this vault's challenge from an earlier call, so it skips the unauthenticated request and sends the token straight away. " } else { "" };
        let s = self.push(Draft::runtime(app, kv, "GET /secrets (Bearer token)").request(req.clone()).fidelity(Fidelity::Documented).source("fact sheet §6.1").explain(format!("{lead}The code sends the access token in the Authorization header. Key Vault will validate it, then check whether this identity may read the secret '{secret}'.")));
        s.jwt = Some(jwt.clone());
        if !matches!(auth, Auth::Scripted(_)) {
            self.sent_tokens.insert((h.name.to_ascii_lowercase(), Service::KeyVault), (jwt.clone(), self.now));
        }
        let (claims, validation) = match self.authenticate(&req, &tenant, Service::KeyVault.audiences()) {
            Authn::Valid(c, v) => (c, v),
            Authn::NoToken => return,
            Authn::Rejected(v) => {
                let rej = v.rejection().cloned().unwrap_or(Rejection::Malformed { why: String::new() });
                let e = KeyVaultError::Unauthorized { rejection: rej.clone(), tenant: tenant.clone() };
                let fid = e.fidelity();
                let fix = match rej.check() {
                    CheckKind::Audience => "Request the token for resource https://vault.azure.net (scope https://vault.azure.net/.default).",
                    CheckKind::Lifetime => "Get a fresh token: the SDK refreshes before expiry; code that keeps a token of its own must too.",
                    CheckKind::Issuer => "Get the token from the tenant the vault belongs to (Key Vault's challenge names it).",
                    _ => "Send the token exactly as Entra ID issued it: any change breaks the signature.",
                };
                let s = self.push(Draft::runtime(kv, app, e.label()).error(&e).source("fact sheet §6.1, §5.4").explain(format!("Key Vault rejects the token before looking at permissions: {}.{}", rej.explain(), if fid == Fidelity::Modelled { " (Status 401 is documented; the exact message for this case is not confirmed and is modelled.)" } else { "" })));
                s.decision = Some(Self::token_decision(&v, fix));
                return;
            }
        };
        let vault_now = self.resources.get(&vault.id.to_ascii_lowercase()).cloned().unwrap_or_else(|| vault.clone());
        let decision = match self.authorize_get_secret(&vault_now, secret, &claims, &validation) {
            Ok(d) => d,
            Err((decision, e)) => {
                let plabel = self.principal_label(&claims.oid);
                let source = if matches!(e, KeyVaultError::ForbiddenByRbac { .. }) { "fact sheet §6.1, golden checks 21, 23" } else { "fact sheet §6.1, golden check 24" };
                let s = self.push(Draft::runtime(kv, app, e.label()).error(&e).source(source).explain(format!("The token is fine, so this is not a 401: Key Vault knows who is calling ({plabel}) but that caller may not read the secret. {}", decision.fix.clone().unwrap_or_default())));
                s.decision = Some(decision);
                return;
            }
        };
        let Some(sec) = vault_now.data.secrets.iter().find(|s| s.name.eq_ignore_ascii_case(secret)) else {
            let e = KeyVaultError::SecretNotFound { name: secret.to_string() };
            let s = self.push(Draft::runtime(kv, app, e.label()).error(&e).source("fact sheet §6.1").explain("Access was allowed, but the vault has no secret by that name."));
            s.decision = Some(decision);
            return;
        };
        let body = serde_json::json!({"value": sec.value, "id": format!("https://{}.vault.azure.net/secrets/{}/{}", vault_now.name.to_ascii_lowercase(), sec.name, sec.version), "attributes": {"enabled": true, "created": sec.created, "updated": sec.created, "recoveryLevel": "Recoverable+Purgeable"}});
        let s = self.push(Draft::runtime(kv, app, "200 secret value").response(Response::new(200).json(JSON_UTF8, body.to_string())).fidelity(Fidelity::Documented).source("fact sheet §6.1, golden check 22").explain(format!("Key Vault validated the token and found permission: {}. It returns the secret's value, its versioned id and attributes.", decision.summary)));
        s.decision = Some(decision);
    }

    /// Key Vault's authorization of a secret read by a caller whose token passed every
    /// check: Azure RBAC (data action `getSecret/action`, deny assignments first) or the
    /// vault's access policies, by its permission model (fact sheet §6.1). Reads the world,
    /// changes nothing: `Ok` with the decision, or the decision and the 403 to answer.
    fn authorize_get_secret(&self, vault_now: &Resource, secret: &str, claims: &Claims, validation: &TokenValidation) -> Result<Decision, (Decision, KeyVaultError)> {
        let caller = format!("appid={};oid={};iss={}", claims.appid, claims.oid, claims.iss);
        let target_scope = format!("{}/secrets/{secret}", vault_now.id);
        let plabel = self.principal_label(&claims.oid);
        let action = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
        let mut deny_id = None;
        let decision = if vault_now.data.enable_rbac_authorization.unwrap_or(true) {
            let req = AccessRequest { principal_id: &claims.oid, groups: &claims.groups, action, data: true, scope: &target_scope, now: self.now };
            if let Verdict::DeniedByDeny(i) = self.rbac.evaluate(&req) {
                deny_id = self.rbac.denies.get(i).map(|d| format!("{}/providers/Microsoft.Authorization/denyAssignments/{}", d.scope, d.name));
            }
            let mut d = self.rbac.check(&req, &plabel);
            let mut lead = validation.lines();
            lead.push("The vault uses the Azure RBAC permission model (enableRbacAuthorization: true): data actions come from role assignments.".into());
            d.reasons.splice(0..0, lead);
            if !d.allowed {
                self.explain_stale_groups(&mut d, claims, action, true, &target_scope);
                let ids: Vec<&str> = std::iter::once(claims.oid.as_str()).chain(claims.groups.iter().map(String::as_str)).collect();
                if vault_now.data.access_policies.iter().any(|p| ids.iter().any(|i| i.eq_ignore_ascii_case(&p.object_id))) {
                    d.reasons.push("An access policy for this caller exists, but an RBAC-mode vault ignores access policies entirely.".into());
                }
            }
            d
        } else {
            let ids: Vec<String> = std::iter::once(claims.oid.clone()).chain(claims.groups.iter().cloned()).collect();
            let hit = vault_now.data.access_policies.iter().find(|p| ids.iter().any(|i| i.eq_ignore_ascii_case(&p.object_id)) && p.secrets.iter().any(|s| s == "get" || s == "all"));
            let mut reasons = validation.lines();
            reasons.push("The vault uses access policies (enableRbacAuthorization: false): Azure RBAC role assignments are ignored for data access.".to_string());
            for p in &vault_now.data.access_policies {
                reasons.push(format!("Access policy for {}: secrets [{}].", self.principal_label(&p.object_id), p.secrets.join(", ")));
            }
            match hit {
                Some(p) => {
                    reasons.push(format!("The policy for {} includes 'get' on secrets.", self.principal_label(&p.object_id)));
                    Decision::new(true, "Allowed by access policy", reasons, None)
                }
                None => {
                    let live = self.directory.groups_of(&claims.oid);
                    let stale = vault_now.data.access_policies.iter().find(|p| live.iter().any(|g| g.eq_ignore_ascii_case(&p.object_id)) && !claims.groups.iter().any(|g| g.eq_ignore_ascii_case(&p.object_id)) && p.secrets.iter().any(|s| s == "get" || s == "all"));
                    match stale {
                        Some(p) => {
                            let g = self.principal_label(&p.object_id);
                            reasons.push(format!("The access policy for group {g} would allow it, and {plabel} is now a member, but this token was issued before the membership: its `groups` claim does not list {g}."));
                            Decision::new(false, "Group membership not in the token yet", reasons, Some("Wait for a new token (managed-identity tokens are cached for about 24 hours), or give the identity its own access policy.".into()))
                        }
                        None => {
                            reasons.push(format!("No access policy gives {plabel} (or its groups) the 'get' secret permission."));
                            Decision::new(false, "No access policy grants secrets/get", reasons, Some(format!("Add an access policy for {plabel} with secret permission 'get' (or switch the vault to Azure RBAC and assign Key Vault Secrets User).")))
                        }
                    }
                }
            }
        };
        if decision.allowed {
            return Ok(decision);
        }
        let rbac = vault_now.data.enable_rbac_authorization.unwrap_or(true);
        let (vault_name, location) = (vault_now.name.clone(), vault_now.location.clone());
        let e = if rbac {
            KeyVaultError::ForbiddenByRbac { caller, action, resource: target_scope.to_ascii_lowercase(), deny_assignment: deny_id, vault: vault_name, location }
        } else {
            KeyVaultError::AccessDenied { caller, vault: vault_name, location }
        };
        Err((decision, e))
    }
}

/// Every error Key Vault answers in the model, each body written here once (fact sheet
/// §6.1; golden checks 20, 21, 23, 24; captures: AKV10000, AKV10022, AKV10032, AKV10046,
/// `[TokenExpired] … S2S12086`, `[BearerReadAccessTokenFailed] … S2S12005`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum KeyVaultError {
    /// 401 AKV10000 with the `WWW-Authenticate` challenge: no token. `expected`: the SDK's
    /// deliberate first request (a challenge in a working flow), not a failure.
    MissingToken { tenant: String, expected: bool },
    /// 401 for a token that failed a check, with the same challenge.
    Unauthorized { rejection: Rejection, tenant: String },
    /// 403 `ForbiddenByRbac` (RBAC-mode vault); `resource` is lower-case, `deny_assignment`
    /// the id of the deny assignment that decided, if one did.
    ForbiddenByRbac { caller: String, action: &'static str, resource: String, deny_assignment: Option<String>, vault: String, location: String },
    /// 403 `AccessDenied` (access-policy vault without `get` on secrets).
    AccessDenied { caller: String, vault: String, location: String },
    /// 404 `SecretNotFound`.
    SecretNotFound { name: String },
}

impl KeyVaultError {
    /// The step's label.
    pub(crate) fn label(&self) -> String {
        match self {
            KeyVaultError::MissingToken { .. } => "401 WWW-Authenticate: Bearer …".into(),
            KeyVaultError::Unauthorized { rejection, .. } => format!("401 Unauthorized ({})", rejection.check().name()),
            KeyVaultError::ForbiddenByRbac { .. } => "403 ForbiddenByRbac".into(),
            KeyVaultError::AccessDenied { .. } => "403 AccessDenied".into(),
            KeyVaultError::SecretNotFound { .. } => "404 SecretNotFound".into(),
        }
    }

    /// `error.code`, `error.message` and `error.innererror.code`.
    fn body(&self) -> serde_json::Value {
        match self {
            KeyVaultError::MissingToken { .. } => serde_json::json!({"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}}),
            KeyVaultError::Unauthorized { rejection, .. } => serde_json::json!({"error": {"code": "Unauthorized", "message": unauthorized_message(rejection)}}),
            KeyVaultError::ForbiddenByRbac { caller, action, resource, deny_assignment, vault, location } => {
                let msg = format!("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction: '{action}'\r\nResource: '{resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: {}\r\nDecisionReason: '{}' \r\nVault: {vault};location={location}\r\n", deny_assignment.as_deref().unwrap_or("null"), if deny_assignment.is_some() { "DeniedWithDenyAssignment" } else { "DeniedWithNoValidRBAC" });
                serde_json::json!({"error": {"code": "Forbidden", "message": msg, "innererror": {"code": "ForbiddenByRbac"}}})
            }
            KeyVaultError::AccessDenied { caller, vault, location } => {
                let msg = format!("The user, group or application '{caller}' does not have secrets get permission on key vault '{vault};location={location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287");
                serde_json::json!({"error": {"code": "Forbidden", "message": msg, "innererror": {"code": "AccessDenied"}}})
            }
            KeyVaultError::SecretNotFound { name } => serde_json::json!({"error": {"code": "SecretNotFound", "message": format!("A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182")}}),
        }
    }
}

impl WireError for KeyVaultError {
    fn response(&self) -> Response {
        let status = match self {
            KeyVaultError::MissingToken { .. } | KeyVaultError::Unauthorized { .. } => 401,
            KeyVaultError::ForbiddenByRbac { .. } | KeyVaultError::AccessDenied { .. } => 403,
            KeyVaultError::SecretNotFound { .. } => 404,
        };
        let resp = Response::new(status);
        let resp = match self {
            KeyVaultError::MissingToken { tenant, .. } | KeyVaultError::Unauthorized { tenant, .. } => resp.header("WWW-Authenticate", format!("Bearer authorization=\"https://login.windows.net/{tenant}\", resource=\"https://vault.azure.net\"")),
            _ => resp,
        };
        resp.json(JSON_UTF8, self.body().to_string())
    }
    fn fidelity(&self) -> Fidelity {
        match self {
            KeyVaultError::Unauthorized { rejection, .. } => match rejection {
                Rejection::Algorithm { .. } | Rejection::BadSignature { .. } | Rejection::NotYetValid { .. } => Fidelity::Modelled,
                _ => Fidelity::Documented,
            },
            KeyVaultError::ForbiddenByRbac { deny_assignment: Some(_), .. } | KeyVaultError::SecretNotFound { .. } => Fidelity::Modelled,
            _ => Fidelity::Documented,
        }
    }
    fn kind(&self) -> Option<StepKind> {
        match self {
            KeyVaultError::MissingToken { expected: true, .. } => Some(StepKind::Challenge),
            KeyVaultError::MissingToken { expected: false, .. } | KeyVaultError::SecretNotFound { .. } => None,
            KeyVaultError::Unauthorized { rejection, .. } => Some(StepKind::TokenRefused(rejection.check())),
            KeyVaultError::ForbiddenByRbac { .. } | KeyVaultError::AccessDenied { .. } => Some(StepKind::AccessDenied),
        }
    }
}

/// Key Vault's 401 message for a refused token.
fn unauthorized_message(r: &Rejection) -> String {
    match r {
        Rejection::Malformed { .. } | Rejection::Algorithm { .. } => "[BearerReadAccessTokenFailed] Error validating token: 'S2S12005'.".into(),
        Rejection::UnknownKey { header, .. } => format!("AKV10046: Unable to resolve the key used for signature validation. EncodedJwtHeader: '{header}'."),
        Rejection::BadSignature { .. } => "Signature validation failed.".into(),
        Rejection::Issuer { found, expected } => format!("AKV10032: Invalid issuer. Expected one of {}, found {}.", expected.join(", "), found.clone().unwrap_or_default()),
        Rejection::Audience { found, .. } => format!("AKV10022: Invalid audience. Expected https://vault.azure.net, found: {}.", found.clone().unwrap_or_default()),
        Rejection::Expired { .. } => "[TokenExpired] Error validating token: 'S2S12086'.".into(),
        Rejection::NotYetValid { .. } => "Token not yet valid.".into(),
    }
}
