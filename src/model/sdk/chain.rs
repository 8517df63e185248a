//! `DefaultAzureCredential`: the chain walked in the SDK's order, and the developer-tool
//! credential reached on a laptop (`AzureCliCredential`) (fact sheet §8.1).

use crate::model::arm::IdentityRef;
use crate::model::hosts::{Host, IMDS, IMDS_TOKEN_PATH, Source};
use crate::model::http::{build_query, Request};
use crate::model::scenario::Sdk;
use crate::model::sdk::{chain_moves_on, raised, version, Got, Raise};
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
        self.push(Draft::runtime_on(app, "DefaultAzureCredential: walk the chain").note(&format!("{}; {next}", tried.join("; "))).fidelity(Fidelity::Documented).source("fact sheet §8.1").explain(format!("DefaultAzureCredential ({}) tries credentials in a fixed order: {order}. The first that can produce a token wins and the chain sticks to it. Environment variables come first, so a leftover AZURE_CLIENT_SECRET on a machine silently shadows its managed identity.", version(sdk))));
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
        let why = if src == Source::Imds && h.resource.is_none() {
            let probe = Request::new("GET", format!("{IMDS}{IMDS_TOKEN_PATH}?{}", build_query(&[("api-version", "2018-02-01"), ("resource", resource)])));
            let s = self.push(Draft::runtime(app, app, "probe IMDS (no Metadata header, 1 s timeout)").request(probe).fidelity(Fidelity::Documented).source("fact sheet §8.3, golden check 43").explain("Inside the chain, the SDK first probes IMDS with a short timeout and no Metadata header. On a laptop nothing listens at 169.254.169.254, the probe times out after about a second, ManagedIdentityCredential reports itself unavailable without retrying, and the chain moves on."));
            s.set_kind(StepKind::Unreachable);
            Raise::Unavailable
        } else {
            match self.mi_source_try(h, app, src, resource, wanted, sdk, src == Source::Imds) {
                Ok(t) => {
                    self.dac_settled.insert(hk, "ManagedIdentityCredential".into());
                    return Got::Token(t);
                }
                Err(why) => why,
            }
        };
        if !chain_moves_on(sdk, why) {
            let e = raised(sdk, why);
            let s = self.push(Draft::runtime_on(app, format!("DefaultAzureCredential stops: {e}")).note(&format!("ManagedIdentityCredential raised {e}, not an 'unavailable' error: the chain does not try the developer tools ({})", version(sdk))).fidelity(Fidelity::Documented).source(match sdk {
                Sdk::Dotnet => "Azure.Identity DefaultAzureCredential.cs GetTokenFromSourcesAsync (catches CredentialUnavailableException only)",
                _ => "azure-identity 1.27.0 _credentials/chained.py get_token_info (breaks on any other exception)",
            }).explain(format!("DefaultAzureCredential moves on only past a credential that says it is unavailable. Here the managed identity endpoint answered, so ManagedIdentityCredential counts as the credential this environment meant to use, and its failure ({e}) ends the chain: the code sees that exception, not a list of every credential.")));
            s.set_kind(StepKind::Credential(CredentialFailure::Raised));
            return Got::Failed;
        }
        if h.az_cli_user.is_some() {
            self.dac_settled.insert(hk, "AzureCliCredential".into());
            return self.az_cli_token(h, app, resource);
        }
        // Every credential was unavailable: the chain raises, naming each.
        let on_azure = h.resource.is_some();
        let mut attempts = vec![("EnvironmentCredential", "unavailable: environment variables are not fully configured".to_string()), ("WorkloadIdentityCredential", "unavailable: AZURE_FEDERATED_TOKEN_FILE not set".to_string())];
        attempts.push(("ManagedIdentityCredential", if why == Raise::Unavailable { "unavailable: no response from the managed identity endpoint".into() } else { format!("{} (see above)", raised(sdk, why)) }));
        let tools: &[&str] = match sdk {
            Sdk::Python => &["SharedTokenCacheCredential", "AzureCliCredential", "AzurePowerShellCredential", "AzureDeveloperCliCredential"],
            Sdk::Js => &["VisualStudioCodeCredential", "AzureCliCredential", "AzurePowerShellCredential", "AzureDeveloperCliCredential"],
            Sdk::Dotnet => &["VisualStudioCredential", "VisualStudioCodeCredential", "AzureCliCredential", "AzurePowerShellCredential", "AzureDeveloperCliCredential"],
        };
        for t in tools {
            attempts.push((t, if on_azure { "unavailable: not installed on this host".into() } else { "unavailable: not signed in".into() }));
        }
        let list = attempts.iter().map(|(c, m)| format!("{c}: {m}")).collect::<Vec<_>>().join("; ");
        let e = raised(sdk, Raise::ChainFailed);
        let s = self.push(Draft::runtime_on(app, e).note(&format!("DefaultAzureCredential failed to retrieve a token from the included credentials. {list}")).fidelity(Fidelity::Documented).source(match sdk {
            Sdk::Dotnet => "Azure.Identity DefaultAzureCredential.cs (CredentialUnavailableException.CreateAggregateException); fact sheet §8.1",
            Sdk::Python => "azure-identity 1.27.0 _credentials/chained.py (\"Attempted credentials:\"); fact sheet §8.1",
            Sdk::Js => "@azure/identity 4.14.1 chainedTokenCredential.js (AggregateAuthenticationError); fact sheet §8.1",
        }).explain(format!("Every credential in the chain said it was unavailable, so DefaultAzureCredential ({}) raises {e}, whose message lists each credential and why it could not help. {}", version(sdk), if on_azure { "The managed identity endpoint answered but gave no token, and no developer tool exists on an Azure host, so nothing was left to try." } else { "No environment credentials, no managed identity and no developer tool signed in (try `az login`)." })));
        s.set_kind(StepKind::Credential(CredentialFailure::Unavailable));
        Got::Failed
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
        let jwt = self.mint_user(&oid, &user, resource, AZ_CLI_APP_ID, &h.name);
        let s = self.push(Draft::runtime(entra, app, "user token (delegated, ~75 min)").internal(&format!("Delegated token for {user}"), serde_json::json!({"aud": resource, "upn": format!("{user}@{}", self.directory.domain), "idtyp": "user"})).kind(StepKind::TokenIssued).source("fact sheet §5.3, §8.1").explain(format!("A delegated user token (idtyp user, scp user_impersonation, appid of the Azure CLI) with a normal 60–90 minute lifetime. Resource servers authorize {user}'s own role assignments, so code that works on a developer's laptop may fail on a VM, and the other way round.")));
        s.jwt = Some(jwt.clone());
        Got::Token(jwt)
    }
}

pub(crate) const AZ_CLI_APP_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
