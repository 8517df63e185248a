//! Entra ID's token service: app-only tokens for managed identities, asked for by a host's
//! endpoint with the identity's certificate (platform-internal, fact sheet §4.2, §5).

use crate::model::token;
use crate::model::arm::{IdentityRef, Resource};
use crate::model::hosts::JSON_UTF8;
use crate::model::http::Response;
use crate::model::time::SimTime;
use crate::model::token::{Claims, MI_TOKEN_LIFETIME};
use crate::model::trace::{Change, ChangeOp};
use crate::model::world::World;
use crate::model::world::{Draft, Pid};
use crate::model::trace::StepKind;

impl World {
    /// The endpoint asks Entra ID for a token with the identity's certificate (platform-internal).
    pub(crate) fn entra_issue(&mut self, ep: Pid, res: &Resource, ident: &IdentityRef, resource: &str) -> Result<String, EntraRefusal> {
        let entra = self.p_entra();
        let cert = self.certificates.get(&ident.principal_id.to_ascii_lowercase()).cloned();
        self.push(Draft::runtime(ep, entra, "token request (client id + certificate)").internal(&format!("Client-credentials request for {resource} as {}", ident.client_id), serde_json::json!({"client_id": ident.client_id, "resource": resource, "credential": cert.as_ref().map(|c| format!("certificate {}", c.thumbprint)).unwrap_or_else(|| "certificate (none on record)".into())})).source("fact sheet §4.2").explain(format!("The endpoint on {} authenticates to Entra ID as the identity, using the client id and certificate the MI resource provider gave it. The exact protocol between the platform and Entra is internal and not documented, so this arrow is drawn conceptually.", res.name)));
        if self.fault("entra").is_some() {
            self.push(Draft::runtime(entra, ep, "503 (Entra ID unavailable)").internal("Entra ID did not answer", serde_json::Value::Null).source("fact sheet §1.4").explain("The token service is unavailable (injected fault).").kind(StepKind::ServiceError { status: 503 }));
            return Err(EntraRefusal::Unavailable);
        }
        if self.directory.get(&ident.principal_id).is_none() {
            self.push(Draft::runtime(entra, ep, "error: service principal not found").internal("No such service principal", serde_json::json!({"client_id": ident.client_id})).source("fact sheet §4.1, golden check 39").explain("The identity's service principal no longer exists in the directory, so Entra ID refuses to issue new tokens. Tokens issued earlier remain valid until they expire.").kind(StepKind::IssueRefused));
            return Err(EntraRefusal::ServicePrincipalGone);
        }
        if cert.as_ref().is_some_and(|c| c.not_after <= self.now) {
            self.push(Draft::runtime(entra, ep, "error: certificate expired").internal("Credential expired", serde_json::Value::Null).source("fact sheet §4.2").explain("The identity's certificate has expired (the resource provider normally rolls it at 45 days).").kind(StepKind::IssueRefused));
            return Err(EntraRefusal::CertificateExpired);
        }
        if !self.entra_knows(resource) {
            let d = format!("AADSTS50001: The application named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", self.tenant_of(&ident.mi_resource_id));
            let refusal = EntraRefusal::UnknownResource(d);
            self.push(Draft::runtime(entra, ep, "AADSTS50001 invalid_resource").internal("Unknown resource", refusal.body()).source("fact sheet §1.4").explain(format!("Entra ID does not know an API whose App ID URI is '{resource}', so it cannot issue a token for it. Check the spelling (and trailing slash) of the resource.")).kind(StepKind::IssueRefused));
            return Err(refusal);
        }
        let jwt = self.mint(ident, resource, &res.name);
        let claims = token::decode_claims(&jwt).expect("own token decodes");
        let tenant_note = if self.multi_tenant() { format!(" The identity lives in tenant {} (the tenant its resource's subscription trusts), so `iss` and `tid` name that tenant.", claims.tid) } else { String::new() };
        let groups_note = if claims.groups.is_empty() { String::new() } else { format!(" The identity is in {} group(s), carried in the `groups` claim for the token's whole life.", claims.groups.len()) };
        let s = self.push(Draft::runtime(entra, ep, "signed JWT (24 h 5 min)").internal(&format!("Access token for {resource}, expires {}", SimTime(claims.exp).iso()), serde_json::json!({"aud": claims.aud, "oid": claims.oid, "appid": claims.appid, "exp": claims.exp})).kind(StepKind::TokenIssued).source("fact sheet §5").explain(format!("Entra ID signs an app-only access token (RS256, demo tenant key {}). `aud` is exactly the requested resource, `oid`/`sub` the identity's object id, `appid` its client id, `appidacr` \"2\" (certificate), and it lives 24 hours 5 minutes; managed-identity token lifetimes are not configurable.{tenant_note}{groups_note}", token::KID)));
        s.jwt = Some(jwt.clone());
        s.changes.push(Change { op: ChangeOp::Added, area: "tokens".into(), what: format!("token for {} → {resource} (exp {})", res.name, SimTime(claims.exp).iso()) });
        Ok(jwt)
    }

    /// Does the tenant know an API with this App ID URI (the common APIs, ARM's legacy URI,
    /// Storage's account endpoints, the tenant's app registrations)? Anything else is AADSTS50001.
    pub(crate) fn entra_knows(&self, resource: &str) -> bool {
        APIS.iter().chain([LEGACY_ARM].iter()).any(|k| k.eq_ignore_ascii_case(resource.trim_end_matches('/')))
            || storage_account_endpoint(resource).is_some()
            || self.directory.objects.values().any(|p| matches!(&p.kind, crate::model::directory::PrincipalKind::Application { identifier_uris, .. } if identifier_uris.iter().any(|u| u.trim_end_matches('/').eq_ignore_ascii_case(resource.trim_end_matches('/')))))
    }

    /// Signs a delegated (user) v1 access token for `user` (object id `oid`) and `resource`,
    /// issued to client `appid`: `scp` user_impersonation, `idtyp` user, `upn`, 75 minutes
    /// (user tokens live 60–90 minutes, fact sheet §5.3), `iat` backdated 5 minutes.
    pub(crate) fn mint_user(&mut self, oid: &str, user: &str, resource: &str, appid: &str, host: &str) -> String {
        let tid = self.directory.tenant_id.clone();
        let iss = format!("https://sts.windows.net/{tid}/");
        let iat = self.now.0.saturating_sub(300);
        let claims = Claims {
            aud: resource.to_string(),
            iss: iss.clone(),
            iat,
            nbf: iat,
            exp: iat + 4500,
            aio: self.rng.token(56),
            appid: appid.into(),
            appidacr: "0".into(),
            scp: Some("user_impersonation".into()),
            groups: self.directory.groups_of(oid),
            idp: iss,
            idtyp: "user".into(),
            oid: oid.to_string(),
            rh: format!("1.{}.", self.rng.token(54)),
            roles: vec![],
            upn: Some(format!("{user}@{}", self.directory.domain)),
            sub: self.rng.token(43),
            tid,
            uti: self.rng.token(22),
            ver: "1.0".into(),
            xms_mirid: String::new(),
            xms_tcdt: self.tenant_created,
        };
        let jwt = self.signatures.sign(&claims);
        self.issued_log.push((host.to_string(), jwt.clone()));
        jwt
    }

    /// Signs a managed-identity token. `iat`/`nbf` are backdated 5 minutes, which is how
    /// `exp − iat` is 24 h 5 min while a fresh `expires_in` is about 24 h (fact sheet §1.3, §5.3 [I]).
    pub(crate) fn mint(&mut self, ident: &IdentityRef, resource: &str, host: &str) -> String {
        // A managed identity lives in the tenant its resource's subscription trusts.
        let tid = self.tenant_of(&ident.mi_resource_id).to_string();
        let iss = format!("https://sts.windows.net/{tid}/");
        let iat = self.now.0.saturating_sub(300);
        let groups = self.directory.groups_of(&ident.principal_id);
        let pid = ident.principal_id.to_ascii_lowercase();
        let roles: Vec<String> = self.app_role_grants.iter().filter(|(uri, p, _)| p == &pid && !uri.is_empty() && uri.trim_end_matches('/').eq_ignore_ascii_case(resource.trim_end_matches('/'))).map(|(_, _, r)| r.clone()).collect();
        let claims = Claims {
            aud: resource.to_string(),
            iss: iss.clone(),
            iat,
            nbf: iat,
            exp: iat + MI_TOKEN_LIFETIME,
            aio: self.rng.token(56),
            appid: ident.client_id.clone(),
            appidacr: "2".into(),
            scp: None,
            groups,
            idp: iss,
            idtyp: "app".into(),
            oid: ident.principal_id.clone(),
            rh: format!("1.{}.", self.rng.token(54)),
            roles,
            upn: None,
            sub: ident.principal_id.clone(),
            tid,
            uti: self.rng.token(22),
            ver: "1.0".into(),
            xms_mirid: ident.mi_resource_id.clone(),
            xms_tcdt: self.tenant_created,
        };
        let jwt = self.signatures.sign(&claims);
        self.issued_log.push((host.to_string(), jwt.clone()));
        jwt
    }
}

/// The APIs code on a host commonly asks tokens for, by App ID URI (the form's choices).
/// With ARM's legacy App ID URI and the tenant's own app registrations, the resources Entra ID
/// knows; anything else is AADSTS50001.
pub const APIS: [&str; 5] = ["https://vault.azure.net", "https://storage.azure.com", "https://management.azure.com", "https://database.windows.net", "https://graph.microsoft.com"];
/// ARM's older App ID URI, which the tenant still knows (fact sheet §6.4).
const LEGACY_ARM: &str = "https://management.core.windows.net";

/// Storage's data-plane services, whose account endpoints are resource IDs of their own.
const STORAGE_SERVICES: [&str; 5] = ["blob", "queue", "table", "file", "dfs"];

/// `Some((account, service))` when `resource` is an account-scoped Storage resource ID,
/// `https://<account>.<service>.core.windows.net` with or without the trailing slash
/// (lower-case account names of 3–24 letters and digits). Storage documents these beside
/// `https://storage.azure.com/` ("Authorize access to blobs using Microsoft Entra ID",
/// resource IDs); Entra ID issues them for any account name, as the Azure Storage service
/// principal's wildcard names cover the host [I], so whether the account exists is the
/// resource server's question, not Entra's.
pub(crate) fn storage_account_endpoint(resource: &str) -> Option<(&str, &'static str)> {
    let host = resource.strip_prefix("https://")?.strip_suffix('/').unwrap_or(resource.strip_prefix("https://")?);
    let (account, rest) = host.split_once('.')?;
    let service = STORAGE_SERVICES.iter().find(|s| rest.strip_prefix(**s).and_then(|r| r.strip_prefix(".core.windows.net")).is_some_and(|r| r.is_empty()))?;
    let ok = (3..=24).contains(&account.len()) && account.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    ok.then_some((account, *service))
}

/// Why Entra ID refuses to issue a managed identity's token, as the host's endpoint passes
/// it on (fact sheet §1.4, §4.1, §4.2): each refusal's status and body are written here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EntraRefusal {
    /// The token service did not answer (injected fault): the endpoint says 500.
    Unavailable,
    /// The identity's service principal is gone (the identity was deleted).
    ServicePrincipalGone,
    /// The identity's certificate has expired.
    CertificateExpired,
    /// AADSTS50001: no API with that App ID URI in the tenant (the full description).
    UnknownResource(String),
}

impl EntraRefusal {
    /// The HTTP status the endpoint answers with.
    pub(crate) fn status(&self) -> u16 {
        match self {
            EntraRefusal::Unavailable | EntraRefusal::CertificateExpired => 500,
            EntraRefusal::ServicePrincipalGone | EntraRefusal::UnknownResource(_) => 400,
        }
    }

    /// The OAuth `error` code.
    pub(crate) fn error(&self) -> &'static str {
        match self {
            EntraRefusal::Unavailable | EntraRefusal::CertificateExpired => "unknown",
            EntraRefusal::ServicePrincipalGone => "invalid_request",
            EntraRefusal::UnknownResource(_) => "invalid_resource",
        }
    }

    /// The `error_description`.
    pub(crate) fn description(&self) -> &str {
        match self {
            EntraRefusal::Unavailable => "Failed to retrieve token from the Active directory. For details see logs in C:\\User\\Admin\\AppData\\Local\\Temp\\tmpXXXX",
            EntraRefusal::ServicePrincipalGone => "Identity not found",
            EntraRefusal::CertificateExpired => "Failed to retrieve token from the Active directory.",
            EntraRefusal::UnknownResource(d) => d,
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> serde_json::Value {
        serde_json::json!({"error": self.error(), "error_description": self.description()})
    }

    /// The response the endpoint passes on.
    pub(crate) fn response(&self) -> Response {
        Response::new(self.status()).json(JSON_UTF8, self.body().to_string())
    }
}

/// The audience a Kubernetes service-account token carries for Entra ID (fact sheet §3.5).
pub(crate) const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Why Entra ID refuses a workload-identity exchange (a client-credentials request whose
/// `client_assertion` is an external token), in the order Entra ID looks: the application
/// (here the user-assigned identity), then among its federated identity credentials one
/// with the assertion's issuer, then the subject, then the audience. Issuer, subject and
/// audience are compared as exact strings; a subject that matches only when case is
/// ignored has its own code since Entra made the matching case-sensitive (Microsoft Entra
/// "What's new / breaking changes": federated identity credentials now use case-sensitive
/// matching). Codes and texts from captures in public reports (AADSTS700211, 700212,
/// 700213, 7002138; exact bytes beyond the description [O]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FederationRefusal {
    /// AADSTS700016: no application (identity) with that client id in the directory.
    UnknownClient { client_id: String, tenant: String },
    /// AADSTS700211: no federated credential has the assertion's issuer.
    Issuer(String),
    /// AADSTS700213: a credential has the issuer, none has the subject.
    Subject(String),
    /// AADSTS7002138: a credential's subject equals the assertion's only when case is ignored.
    SubjectCase(String),
    /// AADSTS700212: issuer and subject match, the assertion's audience is not among the credential's.
    Audience(String),
    /// AADSTS700024: the assertion is outside its `nbf`..`exp` window (an expired
    /// service-account token kept past the kubelet's rotation).
    AssertionLifetime { now: SimTime, nbf: SimTime, exp: SimTime },
    /// AADSTS7000272: the assertion's `kid` is not in the JWKS the trusted issuer publishes
    /// (signed by a key the cluster does not own). Text from a capture in
    /// Azure/azure-workload-identity#1232 [O].
    UnknownSigningKey { kid: String, issuer: String },
    /// AADSTS700027: the key is the issuer's but the signature does not verify (the token
    /// was changed after signing). The code and text are those Entra ID gives for a client
    /// assertion with an invalid signature (azure-sdk-for-net#29007, AzureAD
    /// passport-azure-ad#453 [O]); that it gives the same for a federated assertion is [U].
    BadSignature { kid: String },
}

impl FederationRefusal {
    /// The first part of Entra ID's decision, made before it reads anything from the
    /// issuer: some federated credential must trust the assertion's issuer (AADSTS700211).
    pub(crate) fn check_issuer(fics: &[crate::model::arm::FederatedCredential], issuer: &str) -> Result<(), FederationRefusal> {
        if fics.iter().any(|f| f.issuer == issuer) { Ok(()) } else { Err(FederationRefusal::Issuer(issuer.into())) }
    }

    /// Entra ID's decision: the federated credential that admits the assertion, or the refusal.
    pub(crate) fn check<'a>(fics: &'a [crate::model::arm::FederatedCredential], issuer: &str, subject: &str, audience: &str) -> Result<&'a crate::model::arm::FederatedCredential, FederationRefusal> {
        let by_issuer: Vec<_> = fics.iter().filter(|f| f.issuer == issuer).collect();
        if by_issuer.is_empty() {
            return Err(FederationRefusal::Issuer(issuer.into()));
        }
        let by_subject: Vec<_> = by_issuer.iter().filter(|f| f.subject == subject).collect();
        if by_subject.is_empty() {
            let case_only = by_issuer.iter().any(|f| f.subject.eq_ignore_ascii_case(subject));
            return Err(if case_only { FederationRefusal::SubjectCase(subject.into()) } else { FederationRefusal::Subject(subject.into()) });
        }
        by_subject.into_iter().find(|f| f.audiences.iter().any(|a| a == audience)).copied().ok_or_else(|| FederationRefusal::Audience(audience.into()))
    }

    /// The AADSTS code, as the description starts with it.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            FederationRefusal::UnknownClient { .. } => "AADSTS700016",
            FederationRefusal::Issuer(_) => "AADSTS700211",
            FederationRefusal::Subject(_) => "AADSTS700213",
            FederationRefusal::SubjectCase(_) => "AADSTS7002138",
            FederationRefusal::Audience(_) => "AADSTS700212",
            FederationRefusal::AssertionLifetime { .. } => "AADSTS700024",
            FederationRefusal::UnknownSigningKey { .. } => "AADSTS7000272",
            FederationRefusal::BadSignature { .. } => "AADSTS700027",
        }
    }

    /// HTTP status: 400 for an unknown client, 401 `invalid_client` for an assertion no
    /// federated credential admits.
    pub(crate) fn status(&self) -> u16 {
        if matches!(self, FederationRefusal::UnknownClient { .. }) { 400 } else { 401 }
    }

    /// The OAuth `error` code.
    pub(crate) fn error(&self) -> &'static str {
        if matches!(self, FederationRefusal::UnknownClient { .. }) { "unauthorized_client" } else { "invalid_client" }
    }

    /// The `error_description`.
    pub(crate) fn description(&self) -> String {
        const CHECK: &str = "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
        let code = self.code();
        match self {
            FederationRefusal::UnknownClient { client_id, tenant } => format!("{code}: Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
            FederationRefusal::Issuer(i) => format!("{code}: No matching federated identity record found for presented assertion issuer '{i}'. {CHECK}"),
            FederationRefusal::Subject(s) => format!("{code}: No matching federated identity record found for presented assertion subject '{s}'. {CHECK}"),
            FederationRefusal::SubjectCase(s) => format!("{code}: No matching federated identity record found for presented assertion subject '{s}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. {CHECK}"),
            FederationRefusal::Audience(a) => format!("{code}: No matching federated identity record found for presented assertion audience '{a}'. {CHECK}"),
            FederationRefusal::AssertionLifetime { now, nbf, exp } => {
                let t = |x: &SimTime| x.iso().replace('Z', ".0000000Z");
                format!("{code}: Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .", t(now), t(nbf), t(exp))
            }
            FederationRefusal::UnknownSigningKey { kid, issuer } => format!("{code}: The certificate with identifier {kid} used to sign the federated credential could not be found in the metadata of identity provider {issuer}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token."),
            FederationRefusal::BadSignature { kid } => format!("{code}: Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{kid}']"),
        }
    }

    /// Why, for the learner: what to compare and fix.
    pub(crate) fn explain(&self) -> &'static str {
        match self {
            FederationRefusal::UnknownClient { .. } => "Entra ID knows no application with the client id the pod sent (AZURE_CLIENT_ID): the identity was deleted, or the service account's azure.workload.identity/client-id annotation names another identity.",
            FederationRefusal::Issuer(_) => "No federated identity credential on the identity has the assertion's issuer. Issuers are compared as exact strings: the credential's issuer must be the cluster's OIDC issuer URL character for character, trailing slash included (az aks show --query oidcIssuerProfile.issuerUrl).",
            FederationRefusal::Subject(_) => "A federated identity credential has the cluster's issuer, but none has the assertion's subject: it must be exactly system:serviceaccount:<namespace>:<service account> of the pod.",
            FederationRefusal::SubjectCase(_) => "A federated identity credential's subject equals the assertion's subject only when letter case is ignored. Entra ID matches subjects case-sensitively (Kubernetes names are lower-case), and says so with this code: fix the credential's subject.",
            FederationRefusal::Audience(_) => "Issuer and subject match, but the assertion's audience is not among the credential's audiences: for Entra ID both must be api://AzureADTokenExchange.",
            FederationRefusal::AssertionLifetime { .. } => "The service-account token sent as client_assertion has expired: Entra ID checks the assertion's nbf and exp before anything else. The kubelet rotates the projected token file; code must read the file again for each exchange (WorkloadIdentityCredential does) instead of keeping the string it read at start.",
            FederationRefusal::UnknownSigningKey { .. } => "The assertion names a signing key (kid) that the issuer's JWKS does not list: whoever signed it does not hold the cluster's service-account key. Entra ID fetched the issuer's discovery document and JWKS because a federated credential trusts that issuer, and only keys published there can sign for it. A token minted elsewhere and given the cluster's issuer, subject and audience is refused here, before subject and audience are compared.",
            FederationRefusal::BadSignature { .. } => "The assertion's kid names the cluster's published key, but the RS256 signature does not verify over the header and payload as sent: the token was changed after the cluster signed it (here its subject was rewritten to one a federated credential trusts). Claims of an unverified token mean nothing, so Entra ID stops before comparing subject and audience. (This code is what Entra ID answers for a client assertion with an invalid signature; for a federated assertion it is unconfirmed.)",
        }
    }

    /// The JSON body (`error_codes` carries the number, as Entra ID's v2 endpoint writes it).
    pub(crate) fn body(&self) -> serde_json::Value {
        let n: u64 = self.code().trim_start_matches("AADSTS").parse().unwrap_or(0);
        serde_json::json!({"error": self.error(), "error_description": self.description(), "error_codes": [n]})
    }
}
