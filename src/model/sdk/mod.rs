//! The application's SDK (Azure Identity / MSAL): `credential.GetToken`, its token cache and
//! refresh rule (fact sheet §8.4), the credential chain (`chain`), `ManagedIdentityCredential`
//! with its retries (`managed_identity`), and the bearer token a client library attaches to
//! a resource call (including scripted replays and tampering).
//!
//! The SDK never validates a token and never decides access: it asks, caches and sends.

pub mod chain;
pub mod managed_identity;

use crate::model::token;
use crate::model::arm::IdentityRef;
use crate::model::hosts::{Host, Source};
use crate::model::scenario::{AuthChoice, Credential, ForgeKey, TokenSource};
use crate::model::servers::Service;
use crate::model::time::{human_duration, SimTime};
use crate::model::trace::{Change, ChangeOp, Fidelity, ParticipantKind};
use crate::model::world::{CachedToken, World};
use crate::model::world::{Draft, Pid};
use crate::model::trace::{StepKind, CredentialFailure};
use crate::model::world::timers::{sdk_refresh_on, usable};

/// Result of asking the SDK for a token.
/// How a resource call gets its bearer token: the action's `auth` and `token`, read once
/// (`auth` is an open set in the format: `sdk`, `none` or any resource URI).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Auth<'a> {
    /// `auth: "sdk"`: the client library asks its credential for the service's own
    /// audience (after Key Vault's challenge, the first time).
    Sdk,
    /// `auth: "none"`: no token at all.
    Anonymous,
    /// `auth: "<resource URI>"`: the credential is asked for that resource instead (the
    /// wrong-audience experiment).
    Resource(&'a str),
    /// `token` on the action: the scenario scripts the token, sent as given (no
    /// challenge, not remembered as the last token sent).
    Scripted(&'a TokenSource),
}

impl<'a> Auth<'a> {
    /// Reads an action's `auth` and `token`.
    pub(crate) fn of(auth: &'a AuthChoice, token: Option<&'a TokenSource>) -> Auth<'a> {
        match (token, auth) {
            (Some(t), _) => Auth::Scripted(t),
            (None, AuthChoice::Sdk) => Auth::Sdk,
            (None, AuthChoice::None) => Auth::Anonymous,
            (None, AuthChoice::Resource(other)) => Auth::Resource(other),
        }
    }
}

pub(crate) enum Got {
    Token(String),
    Failed,
}

impl World {
    pub(crate) fn p_app(&mut self, h: &Host) -> Pid {
        self.participant(&format!("app:{}", h.name.to_ascii_lowercase()), ParticipantKind::App, &format!("App on {}", h.name))
    }

    /// Which identity a host's credential asks for (client id), if the app names one.
    pub(crate) fn requested_identity(&self, h: &Host) -> Option<IdentityRef> {
        let key = h.app.managed_identity.clone().or_else(|| if h.app.credential == Credential::DefaultAzureCredential { h.env.get("AZURE_CLIENT_ID").cloned() } else { None })?;
        // Code holds the identity's client id, which outlives the identity itself.
        self.identity_ever(&key).or_else(|| Some(IdentityRef { principal_id: String::new(), client_id: key.clone(), mi_resource_id: String::new() }))
    }

    pub(crate) fn source_of(&self, h: &Host) -> Source {
        let e = |k: &str| h.env.contains_key(k);
        if e("IDENTITY_ENDPOINT") && e("IDENTITY_HEADER") {
            Source::AppService
        } else if e("IDENTITY_ENDPOINT") && e("IMDS_ENDPOINT") {
            Source::Arc
        } else if e("MSI_ENDPOINT") && !e("MSI_SECRET") {
            Source::CloudShell
        } else if e("AZURE_FEDERATED_TOKEN_FILE") && e("AZURE_CLIENT_ID") && e("AZURE_TENANT_ID") {
            Source::Workload
        } else {
            Source::Imds
        }
    }

    /// `credential.GetToken(resource)`: SDK cache, credential selection, then the source's flow.
    /// `resource` is the API the code names; it asks, as code does, for the scope
    /// `<resource without its trailing slash>/.default`, so the SDK sends the resource
    /// without the slash.
    pub(crate) fn sdk_get_token(&mut self, h: &Host, resource: &str, explicit: bool) -> Got {
        self.sdk_get_token_for_scope(h, &format!("{}/.default", resource.trim_end_matches('/')), explicit)
    }

    /// `credential.GetToken(scope)` with the scope exactly as the code passes it; the SDK
    /// sends `scope_to_resource(scope)`.
    pub(crate) fn sdk_get_token_for_scope(&mut self, h: &Host, scope: &str, explicit: bool) -> Got {
        let app = self.p_app(h);
        let wanted = self.requested_identity(h);
        let resource = scope_to_resource(scope);
        let cache_key = (wanted.as_ref().map(|w| w.client_id.clone()).unwrap_or_else(|| "SYSTEM_ASSIGNED_MANAGED_IDENTITY".into()), resource.to_string());
        let hk = h.name.to_ascii_lowercase();
        let cached = self.sdk_caches.get(&hk).and_then(|c| c.get(&cache_key)).cloned();
        if let Some(c) = &cached {
            let left = c.expires_on.since(self.now);
            if usable(c.expires_on, self.now) && self.now < c.refresh_on {
                let s = self.push(Draft::runtime_on(app, "SDK cache hit").note(&format!("Token for {scope} served from the SDK's cache: {} left, refresh from {}", human_duration(left), c.refresh_on.iso())).fidelity(Fidelity::Documented).kind(StepKind::TokenIssued).source("fact sheet §8.4").explain(format!("{} asks for a token, but the SDK still holds one for this identity and scope, so no request leaves the process. MSAL-based SDKs keep a managed-identity token until its half-life (for tokens of 2 hours or more) and treat one with under 5 minutes left as expired.", if explicit { "The code" } else { "The client library" })));
                s.jwt = Some(c.jwt.clone());
                return Got::Token(c.jwt.clone());
            }
            let why = if left <= 0 {
                format!("it expired {} ago", human_duration(-left))
            } else if !usable(c.expires_on, self.now) {
                format!("only {} left (under 5 minutes counts as expired)", human_duration(left))
            } else { format!("its refresh time {} has passed (half of its lifetime)", c.refresh_on.iso()) };
            self.push(Draft::runtime_on(app, "SDK cache: refresh due").note(&format!("Cached token for {scope}: {why}")).fidelity(Fidelity::Documented).source("fact sheet §8.4, golden checks 40–41").explain(format!("The SDK's cached token is due for refresh: {why}. It asks the token source again; if that fails while the old token is still valid, MSAL falls back to the cached one.")));
        }
        let got = self.credential_get_token(h, app, resource, wanted.as_ref());
        match got {
            Got::Token(jwt) => {
                if let Some(c) = token::decode_claims(&jwt) {
                    let expires_on = SimTime(c.exp);
                    let refresh_on = sdk_refresh_on(self.now, c.exp);
                    let entry = CachedToken { jwt: jwt.clone(), expires_on, refresh_on, client_id: c.appid.clone(), resource: resource.to_string() };
                    self.sdk_caches.entry(hk).or_default().insert(cache_key, entry);
                    if let Some(last) = self.trace.steps.last_mut() {
                        last.changes.push(Change { op: ChangeOp::Updated, area: "sdk-cache".into(), what: format!("{}: token for {resource} (refresh {}, expires {})", h.name, refresh_on.iso(), expires_on.iso()) });
                    }
                }
                Got::Token(jwt)
            }
            Got::Failed => {
                if let Some(c) = cached.filter(|c| usable(c.expires_on, self.now)) {
                    // The credential's last word was "raise": with a valid cached token, MSAL does not.
                    if let Some(last) = self.trace.steps.last_mut().filter(|s| s.kind == StepKind::Credential(CredentialFailure::Raised)) {
                        last.set_kind(StepKind::Credential(CredentialFailure::RefreshFailed));
                        last.label = "refresh failed".into();
                        last.explanation = "The refresh attempt failed. Because the cached token has not expired yet, MSAL does not raise: it keeps using the cached token (next step).".into();
                    }
                    let s = self.push(Draft::runtime_on(app, "SDK keeps cached token").note("Refresh failed; the cached token is still valid and is used").fidelity(Fidelity::Documented).kind(StepKind::TokenIssued).source("fact sheet §8.4").explain("The refresh attempt failed, but the cached token has not expired, so MSAL returns it instead of raising an error."));
                    s.jwt = Some(c.jwt.clone());
                    return Got::Token(c.jwt);
                }
                Got::Failed
            }
        }
    }

    pub(crate) fn credential_get_token(&mut self, h: &Host, app: Pid, resource: &str, wanted: Option<&IdentityRef>) -> Got {
        let sdk = h.app.sdk;
        if h.app.credential == Credential::DefaultAzureCredential {
            return self.dac_get_token(h, app, resource, wanted, sdk);
        }
        if h.resource.is_none() && h.cloud_shell.is_none() {
            let s = self.push(Draft::runtime_on(app, "ManagedIdentityCredential: no managed identity").note("No IMDS endpoint answers on this machine").fidelity(Fidelity::Documented).source("fact sheet §8.3").explain(format!("ManagedIdentityCredential outside Azure: there is no token endpoint at 169.254.169.254, the request times out and the credential raises {}.", raised(sdk, Raise::Unavailable))));
            s.set_kind(StepKind::Credential(CredentialFailure::Unavailable));
            return Got::Failed;
        }
        let src = self.source_of(h);
        self.mi_source_get_token(h, app, src, resource, wanted, sdk, false)
    }

    /// Gets the bearer token for a resource call to `service`, whose own audience is
    /// `right_resource`: `Some(None)` for a call without a token, `None` when none could
    /// be had (the failure is already drawn).
    pub(crate) fn bearer_for(&mut self, h: &Host, auth: Auth, service: Service, right_resource: &str) -> Option<Option<String>> {
        let got = match auth {
            Auth::Scripted(t) => return self.scripted_token(h, t, service).map(Some),
            Auth::Anonymous => return Some(None),
            Auth::Sdk => self.sdk_get_token(h, right_resource, false),
            // The experiment passes its string to the credential as written: a scope without
            // `/.default` reaches the wire unchanged.
            Auth::Resource(other) => self.sdk_get_token_for_scope(h, other, false),
        };
        match got {
            Got::Token(t) => Some(Some(t)),
            Got::Failed => None,
        }
    }

    /// The token a resource call sends when the scenario scripts it (`token` on the action):
    /// exact bytes, or the token this host last sent to the service, then with claims
    /// changed (signature kept) or signed again by another key. Drawn as a step of the app,
    /// so the learner sees what is about to be sent. `None` (with a failure note) when
    /// there is nothing to replay.
    pub(crate) fn scripted_token(&mut self, h: &Host, t: &TokenSource, service: Service) -> Option<String> {
        let app = self.p_app(h);
        let key = (h.name.to_ascii_lowercase(), service);
        let (base, origin) = match (&t.jwt, t.replay) {
            (Some(jwt), _) => (jwt.trim().to_string(), "the token written in the scenario".to_string()),
            (None, _) => match self.sent_tokens.get(&key).cloned() {
                Some((jwt, at)) => (jwt, format!("the token it sent to {} at {}", service.name(), at.iso())),
                None => {
                    let s = self.push(Draft::runtime_on(app, "nothing to replay").note(&format!("{} has sent no token to {} yet", h.name, service.name())).fidelity(Fidelity::Narration).source("scenario").explain(format!("The scenario replays the last token {} sent to {}, but it has not sent one yet, so there is nothing to send.", h.name, service.name())));
                    s.set_kind(StepKind::NothingToReplay);
                    return None;
                }
            },
        };
        let mut jwt = base.clone();
        let mut what = Vec::new();
        if !t.set_claims.is_empty() {
            let mut payload: serde_json::Map<String, serde_json::Value> = token::decode_parts(&jwt).and_then(|(_, p, _)| serde_json::from_str(&p).ok()).unwrap_or_default();
            for (k, v) in &t.set_claims {
                if v.is_null() {
                    payload.shift_remove(k);
                    what.push(format!("removes {k}"));
                } else {
                    // `$principalId:NAME`-style placeholders name ids the author cannot know.
                    let v = match v.as_str() {
                        Some(text) => serde_json::Value::String(self.expand(text, h)),
                        None => v.clone(),
                    };
                    what.push(format!("sets {k} to {v}"));
                    payload.insert(k.clone(), v);
                }
            }
            jwt = token::with_payload(&jwt, &serde_json::Value::Object(payload).to_string());
        }
        if let Some(ForgeKey::Attacker) = t.signed_by {
            let payload = jwt.split('.').nth(1).unwrap_or("").to_string();
            let header = token::b64url(&serde_json::to_vec(&token::access_token_header(token::SigningKeyId::Attacker)).unwrap_or_default());
            jwt = self.signatures.sign_segments(&header, &payload, token::SigningKeyId::Attacker);
            what.push(format!("signs it again with a key of its own (kid {})", token::ATTACKER_KID));
        }
        let changed = if what.is_empty() { "unchanged".to_string() } else { what.join(", ") };
        let exact = t.jwt.is_some() && what.is_empty();
        let expl = if exact {
            "The code sends exactly the token written in the scenario (for example one edited in the JWT view), without asking its credential. The server checks it like any other: the signature covers the header and the payload byte for byte, so a token changed anywhere after Entra ID signed it is refused.".to_string()
        } else if what.is_empty() {
            format!("The code sends {origin} again, as it was: no credential is asked, so nothing refreshes it. Whatever the server thinks of it now (its lifetime, its audience) is what comes back.")
        } else if t.signed_by.is_some() {
            format!("The code takes {origin} and {changed}. The signature is valid for that key, but Entra ID never published the key, so no resource server can trust it.")
        } else {
            format!("The code takes {origin} and {changed}, keeping the original signature. The signature covers the header and the payload, so any change breaks it: this is the experiment that shows why a token cannot be edited.")
        };
        let s = self.push(Draft::runtime_on(app, if exact { "send the token as written" } else if what.is_empty() { "replay an earlier token" } else { "send a changed token" }).note(&format!("Sends {origin}: {changed}")).fidelity(Fidelity::Narration).source("scenario (token replay and tampering)").explain(expl));
        s.jwt = Some(jwt.clone());
        Some(jwt)
    }
}

/// The v1 `resource` a managed-identity credential sends for a v2 scope: the scope without
/// its `/.default` suffix, nothing else changed (so `https://management.azure.com/.default`
/// → `https://management.azure.com`). The same rule in every SDK: azure-identity 1.27
/// `_internal/__init__.py` `_scopes_to_resource`; MSAL.NET `ScopeHelper.RemoveDefaultSuffixIfPresent`
/// (AcquireTokenForManagedIdentityParameterBuilder.cs:49), Azure.Identity `ScopeUtilities`;
/// @azure/identity 4.14.1 managedIdentityCredential/utils.js `mapScopesToResource`.
pub(crate) fn scope_to_resource(scope: &str) -> &str {
    scope.strip_suffix("/.default").unwrap_or(scope)
}

/// Why a credential gives up, for the name of what it raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Raise {
    /// No usable token source here (no endpoint answers; the IMDS probe timed out).
    Unavailable,
    /// Every credential of DefaultAzureCredential's chain failed.
    ChainFailed,
    /// The endpoint answered an error (a 400, or retries spent on 429/5xx).
    Failed,
    /// Azure Arc, user-assigned identity asked for: .NET refuses before any request; Python
    /// and JavaScript send it and fail closed when HIMDS does not confirm the identity.
    ArcUserAssigned,
}

/// The SDK and the version whose behaviour the model shows, named on the steps where SDKs
/// differ. Pins: tests/sdk/requirements.txt (azure-identity 1.27.0, msal 1.39.0),
/// package-lock.json (@azure/identity 4.14.1, @azure/msal-node 7.2.3); .NET: Azure.Identity
/// 1.20.0 (2026-03-30, its CHANGELOG), which depends on Microsoft.Identity.Client 4.83.1.
pub(crate) fn version(sdk: crate::model::scenario::Sdk) -> &'static str {
    use crate::model::scenario::Sdk;
    match sdk {
        Sdk::Dotnet => "Azure.Identity 1.20 + MSAL.NET 4.83",
        Sdk::Python => "azure-identity 1.27 + msal 1.39",
        Sdk::Js => "@azure/identity 4.14 + @azure/msal-node 7.2",
    }
}

/// The exception (Python, JavaScript: error class) each SDK raises, read from the pinned
/// sources (see `version`):
/// - .NET: `ManagedIdentityCredential` wraps every MSAL exception in
///   `AuthenticationFailedException` (ManagedIdentityCredential.cs, `GetTokenImplAsync`:
///   `FailWrapAndThrow`), including IMDS's 400 (MSAL.NET ImdsManagedIdentitySource.cs
///   `HandleResponseAsync`: `MsalServiceException` managed_identity_request_failed) and Arc's
///   user_assigned_managed_identity_not_supported (AzureArcManagedIdentitySource.cs:67);
///   `CredentialUnavailableException` only when no endpoint answers, and for the chain
///   (DefaultAzureCredential.cs: `CreateAggregateException`).
/// - Python: `CredentialUnavailableError` for an endpoint's error (msal returns an error
///   dict; _internal/msal_managed_identity_client.py `_request_token`; imds.py: 400), and
///   `ClientAuthenticationError` when msal raises (Arc's unconfirmed identity,
///   msal/managed_identity.py `_raise_if_arc_did_not_honor_user_assigned_identity`) and for
///   the chain (_credentials/chained.py).
/// - JavaScript: `CredentialUnavailableError` for every failure of the credential
///   (credentials/managedIdentityCredential/index.js, `getToken`'s catch),
///   `AggregateAuthenticationError` for the chain (chainedTokenCredential.js).
pub(crate) fn raised(sdk: crate::model::scenario::Sdk, why: Raise) -> &'static str {
    use crate::model::scenario::Sdk;
    match (sdk, why) {
        (Sdk::Dotnet, Raise::Unavailable | Raise::ChainFailed) => "CredentialUnavailableException",
        (Sdk::Dotnet, Raise::Failed | Raise::ArcUserAssigned) => "AuthenticationFailedException",
        (Sdk::Python, Raise::Unavailable | Raise::Failed) => "CredentialUnavailableError",
        (Sdk::Python, Raise::ChainFailed | Raise::ArcUserAssigned) => "ClientAuthenticationError",
        (Sdk::Js, Raise::ChainFailed) => "AggregateAuthenticationError",
        (Sdk::Js, _) => "CredentialUnavailableError",
    }
}

/// Whether DefaultAzureCredential tries its next credential after this failure: every
/// SDK's chain moves on past a credential that raised its "unavailable" exception and
/// stops at any other (.NET DefaultAzureCredential.cs `GetTokenFromSourcesAsync`, Python
/// chained.py `get_token_info`, JavaScript chainedTokenCredential.js).
pub(crate) fn chain_moves_on(sdk: crate::model::scenario::Sdk, why: Raise) -> bool {
    raised(sdk, why).starts_with("CredentialUnavailable")
}
