//! `DefaultAzureCredential`: the chain walked in the SDK's order, and the developer-tool
//! credential reached on a laptop (`AzureCliCredential`) (fact sheet §8.1).

use crate::model::arm::IdentityRef;
use crate::model::hosts::{Host, IMDS, IMDS_TOKEN_PATH, Source};
use crate::model::http::{build_query, Request};
use crate::model::scenario::Sdk;
use crate::model::sdk::Got;
use crate::model::token::Claims;
use crate::model::trace::Fidelity;
use crate::model::world::World;
use crate::model::world::{Draft, Pid};
use crate::model::trace::{StepKind, CredentialFailure};

impl World {
    pub(crate) fn dac_get_token(&mut self, h: &Host, app: Pid, resource: &str, wanted: Option<&IdentityRef>, sdk: Sdk) -> Got {
        let hk = h.name.to_ascii_lowercase();
        if let Some(settled) = self.dac_settled.get(&hk).cloned() {
            return match settled.as_str() {
                "AzureCliCredential" => self.az_cli_token(h, app, resource),
                _ => {
                    let src = self.source_of(h);
                    if src == Source::Workload { self.workload_token(h, app, resource, sdk) } else { self.mi_source_get_token(h, app, src, resource, wanted, sdk, false) }
                }
            };
        }
        let e = |k: &str| h.env.contains_key(k);
        let mut tried = Vec::new();
        let env_ok = e("AZURE_TENANT_ID") && e("AZURE_CLIENT_ID") && (e("AZURE_CLIENT_SECRET") || e("AZURE_CLIENT_CERTIFICATE_PATH"));
        tried.push(format!("EnvironmentCredential: {}", if env_ok { "configured" } else { "unavailable (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET not all set)" }));
        let wl_ok = e("AZURE_FEDERATED_TOKEN_FILE") && e("AZURE_CLIENT_ID") && e("AZURE_TENANT_ID");
        if !env_ok {
            tried.push(format!("WorkloadIdentityCredential: {}", if wl_ok { "configured (AKS workload identity env vars present)" } else { "unavailable (AZURE_FEDERATED_TOKEN_FILE not set)" }));
        }
        let order = match sdk {
            Sdk::Python => "Environment → WorkloadIdentity → ManagedIdentity → SharedTokenCache → AzureCli → AzurePowerShell → AzureDeveloperCli",
            Sdk::Js => "Environment → WorkloadIdentity → ManagedIdentity → VisualStudioCode → AzureCli → AzurePowerShell → AzureDeveloperCli",
            Sdk::Dotnet => "Environment → WorkloadIdentity → ManagedIdentity → VisualStudio → VisualStudioCode → AzureCli → AzurePowerShell → AzureDeveloperCli",
        };
        let next = if env_ok { "EnvironmentCredential is used" } else if wl_ok { "WorkloadIdentityCredential is used" } else { "next: ManagedIdentityCredential" };
        self.push(Draft::runtime_on(app, "DefaultAzureCredential: walk the chain").note(&format!("{}; {next}", tried.join("; "))).fidelity(Fidelity::Documented).source("fact sheet §8.1").explain(format!("DefaultAzureCredential ({sdk} SDK) tries credentials in a fixed order: {order}. The first that can produce a token wins and the chain sticks to it. Environment variables come first, so a leftover AZURE_CLIENT_SECRET on a machine silently shadows its managed identity.")));
        if env_ok {
            let s = self.push(Draft::runtime_on(app, "EnvironmentCredential").note("A client secret from environment variables would be used (not modelled further)").fidelity(Fidelity::Conceptual).source("fact sheet §8.1").explain("The environment names a service principal with a secret, so DefaultAzureCredential uses it and never reaches the managed identity. This is a common reason why 'the managed identity has the role but I still get 403'."));
            s.set_kind(StepKind::Credential(CredentialFailure::Shadowed));
            return Got::Failed;
        }
        if wl_ok {
            self.dac_settled.insert(hk, "WorkloadIdentityCredential".into());
            return self.workload_token(h, app, resource, sdk);
        }
        // ManagedIdentityCredential, with the IMDS probe where the source is IMDS.
        let src = self.source_of(h);
        if src == Source::Imds {
            if h.resource.is_none() {
                let probe = Request::new("GET", format!("{IMDS}{IMDS_TOKEN_PATH}?{}", build_query(&[("api-version", "2018-02-01"), ("resource", resource)])));
                let s = self.push(Draft::runtime(app, app, "probe IMDS (no Metadata header, 1 s timeout)").request(probe).fidelity(Fidelity::Documented).source("fact sheet §8.3, golden check 43").explain("Inside the chain, the SDK first probes IMDS with a short timeout and no Metadata header. On a laptop nothing listens at 169.254.169.254, the probe times out after about a second, ManagedIdentityCredential reports itself unavailable without retrying, and the chain moves on."));
                s.set_kind(StepKind::Unreachable);
                if let Some(user) = h.az_cli_user.clone() {
                    self.dac_settled.insert(hk, "AzureCliCredential".into());
                    let _ = user;
                    return self.az_cli_token(h, app, resource);
                }
                let s = self.push(Draft::runtime_on(app, crate::model::sdk::raised(sdk, crate::model::sdk::Raise::ChainFailed)).note("DefaultAzureCredential failed to retrieve a token from the included credentials").fidelity(Fidelity::Documented).source("fact sheet §8.1").explain("Every credential in the chain was unavailable: no environment credentials, no managed identity, and no developer tool signed in (try `az login`)."));
                s.set_kind(StepKind::Credential(CredentialFailure::Unavailable));
                return Got::Failed;
            }
            return match self.mi_source_get_token(h, app, src, resource, wanted, sdk, true) {
                Got::Token(t) => {
                    self.dac_settled.insert(hk, "ManagedIdentityCredential".into());
                    Got::Token(t)
                }
                Got::Failed => Got::Failed,
            };
        }
        let r = self.mi_source_get_token(h, app, src, resource, wanted, sdk, false);
        if matches!(r, Got::Token(_)) {
            self.dac_settled.insert(hk, "ManagedIdentityCredential".into());
        }
        r
    }

    pub(crate) fn az_cli_token(&mut self, h: &Host, app: Pid, resource: &str) -> Got {
        let Some(user) = h.az_cli_user.clone() else {
            let s = self.push(Draft::runtime_on(app, "AzureCliCredential unavailable").note("Please run 'az login' to set up an account").fidelity(Fidelity::Documented).source("fact sheet §8.1").explain("No one is signed in to the Azure CLI on this machine."));
            s.set_kind(StepKind::Credential(CredentialFailure::Unavailable));
            return Got::Failed;
        };
        let Some(oid) = self.resolve_principal(&user) else { return Got::Failed };
        let entra = self.p_entra();
        let skipped = match h.app.sdk {
            Sdk::Python => "SharedTokenCacheCredential (no shared cache)",
            Sdk::Js => "VisualStudioCodeCredential (not signed in)",
            Sdk::Dotnet => "VisualStudioCredential and VisualStudioCodeCredential (not signed in)",
        };
        self.push(Draft::runtime_on(app, "az account get-access-token").note(&format!("{skipped} unavailable; AzureCliCredential runs `az account get-access-token --resource {resource}`")).fidelity(Fidelity::Documented).source("fact sheet §8.1").explain(format!("After ManagedIdentityCredential, the chain tries the developer tools in order; {skipped} cannot help here, so it reaches AzureCliCredential, which shells out to the Azure CLI. The CLI uses {user}'s sign-in (from `az login`): the code now runs as {user}, not as any managed identity.")));
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
            appid: AZ_CLI_APP_ID.into(),
            appidacr: "0".into(),
            scp: Some("user_impersonation".into()),
            groups: self.directory.groups_of(&oid),
            idp: iss,
            idtyp: "user".into(),
            oid: oid.clone(),
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
        self.issued_log.push((h.name.clone(), jwt.clone()));
        let s = self.push(Draft::runtime(entra, app, "user token (delegated, ~75 min)").internal(&format!("Delegated token for {user}"), serde_json::json!({"aud": resource, "upn": format!("{user}@{}", self.directory.domain), "idtyp": "user"})).kind(StepKind::TokenIssued).source("fact sheet §5.3, §8.1").explain(format!("A delegated user token (idtyp user, scp user_impersonation, appid of the Azure CLI) with a normal 60–90 minute lifetime. Resource servers authorize {user}'s own role assignments, so code that works on a developer's laptop may fail on a VM, and the other way round.")));
        s.jwt = Some(jwt.clone());
        Got::Token(jwt)
    }
}

pub(crate) const AZ_CLI_APP_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
