//! Every code sample of every step of the 18 built-ins, regenerated and checked the way
//! the real tools would take it:
//!
//! - shell (curl, az CLI): `bash -n`, plus rules encoded here in the spirit of shellcheck —
//!   no `$VAR` inside single quotes (SC2016: never expanded), no unquoted glob characters
//!   (`[system]` would match files), every `$VAR` either set by the sample or one the
//!   platform sets (`IDENTITY_ENDPOINT`, the AKS workload-identity variables …);
//! - Python: `python3 -m py_compile`; JavaScript: `node --check` (as an ES module);
//! - az, Azure PowerShell, PowerShell, C#, Python/JavaScript SDK calls and Bicep: every
//!   command, cmdlet, parameter, SDK type and resource type@api-version must appear in the
//!   pinned tables below, each row naming the source it was checked against;
//! - and the bugs as kinds: host kind ↔ command group, attach ≠ remove, user-assigned
//!   blocks carry their map, user-assigned-only hosts name a client id, AKS uses the
//!   federated token, App Service reads its endpoint and rotating header from the environment.

use mi_playground::model::arm::ResourceKind;
use mi_playground::model::scenario::{Action, Scenario};
use mi_playground::model::view::{simulate_with_views, WorldView};
use mi_playground::model::{Message, Trace};
use mi_playground::samples::{samples, Sample};
use mi_playground::scenarios::BUILT_INS;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

// ----- pinned names ----------------------------------------------------------------------

/// az commands and the parameters the samples may pass.
const AZ: &[(&str, &[&str], &str)] = &[
    ("az login", &["--identity", "--client-id", "--allow-no-subscriptions", "--service-principal", "--username", "--tenant", "--federated-token"], "Azure/azure-cli src/azure-cli/azure/cli/command_modules/profile/__init__.py @39505ed (login arguments, incl. --federated-token and the managed-identity --client-id)"),
    ("az account get-access-token", &["--resource", "--query", "--output"], "Azure/azure-cli profile/__init__.py @39505ed (get-access-token --resource); --query/--output are global"),
    ("az vm identity assign", &["--resource-group", "--name", "--identities"], "learn.microsoft.com/cli/azure/vm/identity (--identities, '[system]' for the system-assigned identity)"),
    ("az vm identity remove", &["--resource-group", "--name", "--identities"], "learn.microsoft.com/cli/azure/vm/identity; Azure/azure-cli vm/_help.py (remove defaults to [system])"),
    ("az vm identity show", &["--resource-group", "--name"], "learn.microsoft.com/cli/azure/vm/identity"),
    ("az vmss identity assign", &["--resource-group", "--name", "--identities"], "learn.microsoft.com/cli/azure/vmss/identity; entra-docs qs-configure-cli-windows-vmss"),
    ("az vmss identity remove", &["--resource-group", "--name", "--identities"], "learn.microsoft.com/cli/azure/vmss/identity"),
    ("az vmss identity show", &["--resource-group", "--name"], "learn.microsoft.com/cli/azure/vmss/identity"),
    ("az webapp identity assign", &["--resource-group", "--name", "--identities"], "learn.microsoft.com/cli/azure/webapp/identity; azure-docs app-service/overview-managed-identity.md"),
    ("az webapp identity remove", &["--resource-group", "--name", "--identities"], "azure-docs app-service/overview-managed-identity.md (Remove an identity)"),
    ("az webapp identity show", &["--resource-group", "--name"], "learn.microsoft.com/cli/azure/webapp/identity"),
    ("az functionapp identity assign", &["--resource-group", "--name", "--identities"], "learn.microsoft.com/cli/azure/functionapp/identity"),
    ("az functionapp identity remove", &["--resource-group", "--name", "--identities"], "learn.microsoft.com/cli/azure/functionapp/identity"),
    ("az functionapp identity show", &["--resource-group", "--name"], "learn.microsoft.com/cli/azure/functionapp/identity"),
    ("az identity create", &["--resource-group", "--name", "--location"], "azure-docs app-service/overview-managed-identity.md; learn.microsoft.com/cli/azure/identity"),
    ("az resource delete", &["--ids"], "learn.microsoft.com/cli/azure/resource"),
    ("az role assignment create", &["--assignee-object-id", "--assignee-principal-type", "--role", "--scope"], "learn.microsoft.com/cli/azure/role/assignment"),
    ("az role assignment delete", &["--ids"], "learn.microsoft.com/cli/azure/role/assignment"),
    ("az ad group member add", &["--group", "--member-id"], "learn.microsoft.com/cli/azure/ad/group/member"),
    ("az keyvault set-policy", &["--name", "--object-id", "--secret-permissions"], "learn.microsoft.com/cli/azure/keyvault"),
    ("az keyvault delete-policy", &["--name", "--object-id"], "learn.microsoft.com/cli/azure/keyvault"),
    ("az keyvault update", &["--name", "--resource-group", "--enable-rbac-authorization"], "learn.microsoft.com/cli/azure/keyvault"),
    ("az keyvault secret show", &["--vault-name", "--name", "--query", "--output"], "learn.microsoft.com/cli/azure/keyvault/secret"),
    ("az storage blob download", &["--auth-mode", "--account-name", "--container-name", "--name", "--file"], "learn.microsoft.com/cli/azure/storage/blob"),
    ("az storage blob upload", &["--auth-mode", "--account-name", "--container-name", "--name", "--file", "--overwrite"], "learn.microsoft.com/cli/azure/storage/blob"),
    ("az rest", &["--method", "--url", "--body"], "learn.microsoft.com/cli/azure/reference-index#az-rest"),
];

/// PowerShell cmdlets (Az modules and built-ins) and their parameters.
const PS: &[(&str, &[&str], &str)] = &[
    ("Connect-AzAccount", &["Identity", "AccountId", "ServicePrincipal", "ApplicationId", "Tenant", "FederatedToken"], "Azure/azure-powershell src/Accounts/Accounts/help/Connect-AzAccount.md @32d5ea1 (ManagedServiceLogin; ClientAssertionParameterSet -FederatedToken)"),
    ("Invoke-AzRestMethod", &["Method", "Path", "Payload"], "Azure/azure-powershell src/Accounts/Accounts/help/Invoke-AzRestMethod.md @03bc37a"),
    ("Get-AzVM", &["ResourceGroupName", "Name"], "Azure/azure-powershell src/Compute/Compute/help/Get-AzVM.md"),
    ("Update-AzVM", &["ResourceGroupName", "VM", "IdentityType", "IdentityId"], "Azure/azure-powershell src/Compute/Compute/help/Update-AzVM.md @0576c60 (IdentityType: SystemAssigned, UserAssigned, SystemAssignedUserAssigned, None)"),
    ("Update-AzFunctionApp", &["Name", "ResourceGroupName", "IdentityType", "IdentityID", "Force"], "Azure/azure-powershell src/Functions/help/Update-AzFunctionApp.md @1cc08d9 (IdentityType: SystemAssigned, UserAssigned, None)"),
    ("Set-AzWebApp", &["Name", "ResourceGroupName", "AssignIdentity"], "azure-docs app-service/overview-managed-identity.md (Set-AzWebApp -AssignIdentity; user-assigned on App Service is not supported by Azure PowerShell)"),
    ("New-AzUserAssignedIdentity", &["ResourceGroupName", "Name", "Location"], "azure-docs app-service/overview-managed-identity.md; learn.microsoft.com/powershell/module/az.managedserviceidentity"),
    ("Remove-AzResource", &["ResourceId", "Force"], "learn.microsoft.com/powershell/module/az.resources/remove-azresource"),
    ("New-AzRoleAssignment", &["ObjectId", "RoleDefinitionName", "RoleDefinitionId", "Scope"], "learn.microsoft.com/powershell/module/az.resources/new-azroleassignment"),
    ("Remove-AzRoleAssignment", &["ObjectId", "RoleDefinitionName", "Scope"], "learn.microsoft.com/powershell/module/az.resources/remove-azroleassignment"),
    ("Get-AzRoleAssignment", &["Scope"], "learn.microsoft.com/powershell/module/az.resources/get-azroleassignment"),
    ("Add-AzADGroupMember", &["TargetGroupObjectId", "MemberObjectId"], "azure-docs key-vault tutorial (Add-AzADGroupMember -TargetGroupObjectId -MemberObjectId)"),
    ("Set-AzKeyVaultAccessPolicy", &["VaultName", "ObjectId", "PermissionsToSecrets"], "learn.microsoft.com/powershell/module/az.keyvault/set-azkeyvaultaccesspolicy"),
    ("Remove-AzKeyVaultAccessPolicy", &["VaultName", "ObjectId"], "learn.microsoft.com/powershell/module/az.keyvault/remove-azkeyvaultaccesspolicy"),
    ("Update-AzKeyVault", &["VaultName", "ResourceGroupName", "EnableRbacAuthorization"], "learn.microsoft.com/powershell/module/az.keyvault/update-azkeyvault"),
    ("Get-AzKeyVaultSecret", &["VaultName", "Name", "AsPlainText"], "learn.microsoft.com/powershell/module/az.keyvault/get-azkeyvaultsecret"),
    ("New-AzStorageContext", &["StorageAccountName", "UseConnectedAccount"], "learn.microsoft.com/powershell/module/az.storage/new-azstoragecontext"),
    ("Get-AzStorageBlobContent", &["Container", "Blob", "Destination", "Context"], "learn.microsoft.com/powershell/module/az.storage/get-azstorageblobcontent"),
    ("Set-AzStorageBlobContent", &["Container", "Blob", "File", "Context", "Force"], "learn.microsoft.com/powershell/module/az.storage/set-azstorageblobcontent"),
    ("Invoke-RestMethod", &["Method", "Uri", "Headers", "Body"], "PowerShell Microsoft.PowerShell.Utility; azure-docs app-service/overview-managed-identity.md (token via $env:IDENTITY_ENDPOINT)"),
    ("Invoke-WebRequest", &["Method", "Uri", "Headers", "UseBasicParsing"], "azure-docs azure-arc/servers/managed-identity-authentication.md (challenge flow)"),
    ("Get-Content", &["Raw", "Path"], "PowerShell Microsoft.PowerShell.Management"),
    ("Set-Content", &["Path", "Value", "NoNewline"], "PowerShell Microsoft.PowerShell.Management"),
    ("Where-Object", &["EQ"], "PowerShell Microsoft.PowerShell.Core (simplified syntax)"),
];

/// Bicep resource types with the API versions the samples use.
const BICEP: &[(&str, &str)] = &[
    ("Microsoft.Compute/virtualMachines@2024-07-01", "Azure/azure-rest-api-specs compute/…/ComputeRP/stable/2024-07-01/virtualMachine.json"),
    ("Microsoft.Compute/virtualMachineScaleSets@2024-07-01", "Azure/azure-rest-api-specs compute/…/ComputeRP/stable/2024-07-01"),
    ("Microsoft.Web/sites@2023-12-01", "Azure/azure-rest-api-specs web/…/Microsoft.Web/stable/2023-12-01/CommonDefinitions.json (ManagedServiceIdentity: 'SystemAssigned, UserAssigned')"),
    ("Microsoft.HybridCompute/machines@2024-07-10", "Azure/azure-rest-api-specs hybridcompute/…/stable/2024-07-10/HybridCompute.json"),
    ("Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31", "fact sheet SPEC-MSI stable/2023-01-31"),
    ("Microsoft.Authorization/roleAssignments@2022-04-01", "fact sheet SPEC-AUTHZ stable/2022-04-01"),
    ("Microsoft.KeyVault/vaults@2023-07-01", "Azure/azure-rest-api-specs keyvault/…/stable/2023-07-01 (updateVault.json)"),
    ("Microsoft.Storage/storageAccounts@2023-05-01", "Azure/azure-rest-api-specs storage/…/stable/2023-05-01/storage.json"),
];

/// SDK names: `(language, name, keyword/option names allowed with it, source)`.
const SDK: &[(&str, &str, &[&str], &str)] = &[
    ("C#", "ManagedIdentityCredential", &[], "Azure/azure-sdk-for-net sdk/identity/Azure.Identity/src/ManagedIdentityId.cs (SystemAssigned, FromUserAssignedClientId)"),
    ("C#", "DefaultAzureCredential", &["ManagedIdentityClientId"], "learn.microsoft.com/dotnet/api/azure.identity.defaultazurecredentialoptions.managedidentityclientid"),
    ("C#", "DefaultAzureCredentialOptions", &["ManagedIdentityClientId"], "learn.microsoft.com/dotnet/api/azure.identity.defaultazurecredentialoptions"),
    ("C#", "WorkloadIdentityCredential", &[], "Azure.Identity WorkloadIdentityCredential"),
    ("C#", "TokenRequestContext", &[], "Azure.Core TokenRequestContext"),
    ("C#", "SecretClient", &[], "Azure.Security.KeyVault.Secrets SecretClient(Uri, TokenCredential)"),
    ("C#", "BlobClient", &[], "Azure.Storage.Blobs BlobClient(Uri, TokenCredential)"),
    ("C#", "Uri", &[], "System.Uri"),
    ("C#", "HttpClient", &[], "System.Net.Http.HttpClient"),
    ("C#", "HttpRequestMessage", &[], "System.Net.Http"),
    ("C#", "HttpMethod", &[], "System.Net.Http"),
    ("C#", "AuthenticationHeaderValue", &[], "System.Net.Http.Headers"),
    ("Python", "ManagedIdentityCredential", &["client_id"], "azure-identity 1.27.0 (PyPI): ManagedIdentityCredential(*, client_id=None, identity_config=None)"),
    ("Python", "DefaultAzureCredential", &["managed_identity_client_id"], "azure-identity 1.27.0 _credentials/default.py (managed_identity_client_id)"),
    ("Python", "WorkloadIdentityCredential", &[], "azure-identity 1.27.0 (reads AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE)"),
    ("Python", "SecretClient", &["vault_url", "credential"], "azure-keyvault-secrets 4.12.0: SecretClient(vault_url, credential)"),
    ("Python", "BlobClient", &["account_url", "container_name", "blob_name", "credential"], "azure-storage-blob 12.31.1: BlobClient(account_url, container_name, blob_name, snapshot=None, credential=None)"),
    ("Python", "upload_blob", &["overwrite"], "azure-storage-blob 12.31.1 BlobClient.upload_blob(data, …, **kwargs overwrite)"),
    ("JavaScript", "ManagedIdentityCredential", &["clientId"], "@azure/identity 4.13.1 (npm): ManagedIdentityCredentialClientIdOptions.clientId"),
    ("JavaScript", "DefaultAzureCredential", &["managedIdentityClientId"], "@azure/identity 4.13.1 defaultAzureCredentialOptions.d.ts"),
    ("JavaScript", "WorkloadIdentityCredential", &[], "@azure/identity 4.13.1"),
    ("JavaScript", "SecretClient", &[], "@azure/keyvault-secrets: new SecretClient(vaultUrl, credential)"),
    ("JavaScript", "BlobClient", &[], "@azure/storage-blob: new BlobClient(url, credential); downloadToBuffer, getBlockBlobClient().upload"),
    ("JavaScript", "Date", &[], "ECMAScript"),
];

/// Variables the platform sets for the code (fact sheet §2, §3.1, §3.5).
const PLATFORM_VARS: [&str; 6] = ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"];

// ----- generation --------------------------------------------------------------------------

struct Gen {
    id: &'static str,
    sc: Scenario,
    trace: Trace,
    views: Vec<WorldView>,
    per_step: Vec<Vec<Sample>>,
}

/// All built-ins simulated once (signing tokens is slow in a debug build) and their samples.
fn generate() -> &'static [Gen] {
    static GENS: OnceLock<Vec<Gen>> = OnceLock::new();
    GENS.get_or_init(|| {
        BUILT_INS
            .iter()
            .map(|b| {
                let sc = b.scenario();
                let (trace, _, views, _) = simulate_with_views(&sc);
                let per_step = (0..trace.steps.len()).map(|i| samples(&sc, &trace, &views, i)).collect();
                Gen { id: b.id, sc, trace, views, per_step }
            })
            .collect()
    })
}

fn tmp() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("samples-check");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tool_ok(cmd: &str) -> bool {
    Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success())
}

// ----- a small shell scanner -----------------------------------------------------------------

/// Problems the rules find, plus the variables used (outside single quotes).
#[derive(Default)]
struct ShellScan {
    problems: Vec<String>,
    used: BTreeSet<String>,
}

fn var_name(chars: &[char], i: usize) -> Option<(String, usize)> {
    // $NAME or ${NAME…}
    let mut j = i + 1;
    let braced = chars.get(j) == Some(&'{');
    if braced {
        j += 1;
    }
    let start = j;
    while chars.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
        j += 1;
    }
    (j > start && chars[start].is_ascii_alphabetic() || j > start && chars[start] == '_').then(|| (chars[start..j].iter().collect(), j))
}

/// Scans from `i` in unquoted context until `end` (')' for `$(`) or the end.
fn scan(chars: &[char], mut i: usize, end: Option<char>, out: &mut ShellScan) -> usize {
    let mut word_start = true;
    while i < chars.len() {
        let c = chars[i];
        if Some(c) == end {
            return i + 1;
        }
        match c {
            '#' if word_start => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\\' => i += 2,
            '\'' => {
                let close = chars[i + 1..].iter().position(|&x| x == '\'').map(|p| i + 1 + p);
                let Some(close) = close else {
                    out.problems.push("unterminated single quote".into());
                    return chars.len();
                };
                let inner: String = chars[i + 1..close].iter().collect();
                let ic: Vec<char> = inner.chars().collect();
                for (k, ch) in ic.iter().enumerate() {
                    if *ch == '$' && ic.get(k + 1).is_some_and(|n| n.is_ascii_uppercase() || *n == '{' || *n == '(') {
                        out.problems.push(format!("single-quoted expansion (never expanded): '{inner}'"));
                        break;
                    }
                }
                i = close + 1;
            }
            '"' => i = scan_double(chars, i + 1, out),
            '$' if chars.get(i + 1) == Some(&'(') => i = scan(chars, i + 2, Some(')'), out),
            '$' => match var_name(chars, i) {
                Some((n, j)) => {
                    out.used.insert(n);
                    i = j;
                }
                None => i += 1,
            },
            '[' | '*' | '?' => {
                out.problems.push(format!("unquoted glob character '{c}'"));
                i += 1;
            }
            _ => i += 1,
        }
        word_start = c.is_whitespace() || c == ';' || c == '(' || c == '|' || c == '&';
    }
    i
}

fn scan_double(chars: &[char], mut i: usize, out: &mut ShellScan) -> usize {
    while i < chars.len() {
        match chars[i] {
            '"' => return i + 1,
            '\\' => i += 2,
            '$' if chars.get(i + 1) == Some(&'(') => i = scan(chars, i + 2, Some(')'), out),
            '$' => match var_name(chars, i) {
                Some((n, j)) => {
                    out.used.insert(n);
                    i = j;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    out.problems.push("unterminated double quote".into());
    i
}

fn shell_problems(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = ShellScan::default();
    scan(&chars, 0, None, &mut out);
    let assigned: BTreeSet<String> = code
        .lines()
        .flat_map(|l| l.split([';', ' ']).map(str::trim))
        .filter_map(|w| w.split_once('=').map(|(n, _)| n.to_string()))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    for v in &out.used {
        if !assigned.contains(v) && !PLATFORM_VARS.contains(&v.as_str()) && v != "_" {
            out.problems.push(format!("${v} is never set"));
        }
    }
    out.problems
}

/// A line with every quoted string replaced by `Q` (so words and options can be split).
fn unquote(line: &str) -> String {
    let mut bare = String::new();
    let mut q: Option<char> = None;
    for c in line.chars() {
        match (q, c) {
            (None, '\'' | '"') => {
                q = Some(c);
                bare.push('Q');
            }
            (Some(x), _) if c == x => q = None,
            (Some(_), _) => {}
            (None, c) => bare.push(c),
        }
    }
    bare
}

/// The words of a shell line outside quotes (quoted words become `Q`).
fn shell_words(line: &str) -> Vec<String> {
    unquote(line).split_whitespace().map(str::to_string).collect()
}

fn az_problems(code: &str) -> Vec<String> {
    let joined = code.replace("\\\n", " ");
    let mut problems = Vec::new();
    for line in joined.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let words = shell_words(line);
        let Some(start) = words.iter().position(|w| w == "az") else { continue };
        let words = &words[start..];
        let Some((cmd, params, _)) = AZ.iter().filter(|(c, _, _)| {
            let parts: Vec<&str> = c.split(' ').collect();
            words.len() >= parts.len() && words[..parts.len()].iter().zip(&parts).all(|(a, b)| a == b)
        }).max_by_key(|(c, _, _)| c.len()) else {
            problems.push(format!("unknown az command: {line}"));
            continue;
        };
        for w in words.iter().filter(|w| w.starts_with("--")) {
            if !params.contains(&w.as_str()) {
                problems.push(format!("{cmd}: parameter {w} is not in the pinned table"));
            }
        }
    }
    problems
}

fn ps_problems(code: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with('#')) {
        // Drop quoted text, then split at the places a new command can start.
        let bare = unquote(line);
        for segment in bare.split(['(', ')', '{', '}', '|', ';']) {
            let words: Vec<&str> = segment.split_whitespace().collect();
            let Some(pos) = words.iter().position(|w| w.contains('-') && w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !w.starts_with('$')) else { continue };
            let name = words[pos];
            let Some((_, params, _)) = PS.iter().find(|(c, _, _)| *c == name) else {
                problems.push(format!("cmdlet {name} is not in the pinned table"));
                continue;
            };
            for w in &words[pos + 1..] {
                if let Some(p) = w.strip_prefix('-').filter(|p| p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())) {
                    if !params.iter().any(|x| x.eq_ignore_ascii_case(p)) {
                        problems.push(format!("{name}: parameter -{p} is not in the pinned table"));
                    }
                }
            }
        }
    }
    problems
}

fn balanced(code: &str) -> bool {
    let mut stack = Vec::new();
    let mut q: Option<char> = None;
    let mut prev = ' ';
    for c in code.chars() {
        match q {
            Some(x) if c == x && prev != '\\' => q = None,
            Some(_) => {}
            None => match c {
                '"' | '`' => q = Some(c),
                '(' | '{' | '[' => stack.push(c),
                ')' => {
                    if stack.pop() != Some('(') {
                        return false;
                    }
                }
                '}' => {
                    if stack.pop() != Some('{') {
                        return false;
                    }
                }
                ']' => {
                    if stack.pop() != Some('[') {
                        return false;
                    }
                }
                _ => {}
            },
        }
        prev = c;
    }
    stack.is_empty() && q.is_none()
}

/// Identifiers after `new ` (C#, JavaScript) or called at module level (Python classes).
fn sdk_problems(lang: &str, code: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let known = |n: &str| SDK.iter().find(|(l, name, _, _)| *l == lang && *name == n);
    let names: Vec<String> = match lang {
        "C#" | "JavaScript" => code.split("new ").skip(1).map(|r| r.chars().take_while(|c| c.is_ascii_alphanumeric()).collect()).collect(),
        _ => code.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').filter(|w| w.ends_with("Credential") || w.ends_with("Client")).map(str::to_string).collect(),
    };
    for n in names.iter().filter(|n| !n.is_empty()) {
        if known(n).is_none() {
            problems.push(format!("{lang}: {n} is not in the pinned table"));
        }
    }
    // Keyword arguments / option names used with pinned names.
    for (l, name, allowed, _) in SDK.iter().filter(|(l, _, _, _)| *l == lang) {
        for (k, _) in code.match_indices(&format!("{name}(")) {
            let rest = &code[k + name.len() + 1..];
            let args: String = rest.chars().take_while(|c| *c != ')' && *c != '(').collect();
            let keys: Vec<&str> = match *l {
                "Python" => args.split(',').filter_map(|a| a.split_once('=').map(|(k, _)| k.trim())).collect(),
                "JavaScript" => args.split(['{', ',']).filter_map(|a| a.split_once(':').map(|(k, _)| k.trim())).collect(),
                _ => args.split(['{', ',']).filter_map(|a| a.split_once('=').map(|(k, _)| k.trim())).filter(|k| !k.contains('"')).collect(),
            };
            for key in keys.iter().filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
                if !allowed.contains(key) {
                    problems.push(format!("{lang}: {name}({key}=…) is not in the pinned table"));
                }
            }
        }
    }
    problems
}

fn bicep_problems(code: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for line in code.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("resource ") {
            let Some(ty) = rest.split('\'').nth(1) else {
                problems.push(format!("no type in: {line}"));
                continue;
            };
            if !BICEP.iter().any(|(t, _)| *t == ty) {
                problems.push(format!("resource type {ty} is not in the pinned table"));
            }
        }
        if let Some(t) = line.trim_start().strip_prefix("type: '") {
            let t = t.trim_end_matches('\'');
            if !["SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None"].contains(&t) {
                problems.push(format!("identity type {t}"));
            }
            if t.contains("UserAssigned") && !code.contains("userAssignedIdentities: {\n      '/subscriptions/") {
                problems.push("a user-assigned identity block without its userAssignedIdentities map".into());
            }
        }
    }
    if !balanced(&code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")) {
        problems.push("unbalanced brackets".into());
    }
    problems
}

// ----- the tests ---------------------------------------------------------------------------

#[test]
fn every_sample_passes_its_checks() {
    let gens = generate();
    let dir = tmp();
    let (bash, python, node) = (tool_ok("bash"), tool_ok("python3"), tool_ok("node"));
    let mut problems = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut n = 0;
    let mut distinct = 0;
    let mut seen = BTreeSet::new();
    let mut py_files: Vec<(String, PathBuf)> = Vec::new();
    let mut js_files: Vec<(String, PathBuf)> = Vec::new();
    for g in gens {
        for (i, list) in g.per_step.iter().enumerate() {
            let mut langs = BTreeSet::new();
            for smp in list {
                assert!(langs.insert(smp.lang), "{} step {}: two {} samples", g.id, i + 1, smp.lang);
                *counts.entry(smp.lang).or_default() += 1;
                n += 1;
                let at = format!("{} step {} {}", g.id, i + 1, smp.lang);
                if !seen.insert((smp.lang, smp.code.clone())) {
                    continue;
                }
                distinct += 1;
                let mut p: Vec<String> = Vec::new();
                match smp.lang {
                    "curl" | "az CLI" => {
                        p.extend(shell_problems(&smp.code));
                        if smp.lang == "az CLI" || smp.code.contains("az ") {
                            p.extend(az_problems(&smp.code));
                        }
                        if bash {
                            let f = dir.join(format!("{}-{}-{}.sh", g.id, i + 1, smp.lang.replace(' ', "_")));
                            std::fs::write(&f, &smp.code).unwrap();
                            let o = Command::new("bash").arg("-n").arg(&f).output().unwrap();
                            if !o.status.success() {
                                p.push(format!("bash -n: {}", String::from_utf8_lossy(&o.stderr)));
                            }
                        }
                    }
                    "Python" => {
                        p.extend(sdk_problems("Python", &smp.code));
                        let f = dir.join(format!("{}_{}.py", g.id.replace('-', "_"), i + 1));
                        std::fs::write(&f, &smp.code).unwrap();
                        py_files.push((at.clone(), f));
                    }
                    "JavaScript" => {
                        p.extend(sdk_problems("JavaScript", &smp.code));
                        let f = dir.join(format!("{}-{}.mjs", g.id, i + 1));
                        std::fs::write(&f, &smp.code).unwrap();
                        js_files.push((at.clone(), f));
                    }
                    "C#" => {
                        p.extend(sdk_problems("C#", &smp.code));
                        if !balanced(&smp.code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")) {
                            p.push("unbalanced brackets or quotes".into());
                        }
                        for m in ["ManagedIdentityId."] {
                            for (k, _) in smp.code.match_indices(m) {
                                let member: String = smp.code[k + m.len()..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                                if !["SystemAssigned", "FromUserAssignedClientId"].contains(&member.as_str()) {
                                    p.push(format!("ManagedIdentityId.{member}"));
                                }
                            }
                        }
                    }
                    "PowerShell" | "Azure PowerShell" => {
                        p.extend(ps_problems(&smp.code));
                        if !balanced(&smp.code.replace('`', "")) {
                            p.push("unbalanced brackets or quotes".into());
                        }
                    }
                    "Bicep" => p.extend(bicep_problems(&smp.code)),
                    other => p.push(format!("unknown language {other}")),
                }
                problems.extend(p.into_iter().map(|x| format!("{at}: {x}")));
            }
        }
    }
    // The language tools, batched: one py_compile for every file (per file only to find a
    // culprit), node --check a few at a time.
    if python && !py_files.is_empty() {
        let all = Command::new("python3").args(["-m", "py_compile"]).args(py_files.iter().map(|(_, f)| f)).output().unwrap();
        if !all.status.success() {
            for (at, f) in &py_files {
                let o = Command::new("python3").args(["-m", "py_compile"]).arg(f).output().unwrap();
                if !o.status.success() {
                    problems.push(format!("{at}: py_compile: {}", String::from_utf8_lossy(&o.stderr)));
                }
            }
        }
    }
    if node {
        for chunk in js_files.chunks(8) {
            let children: Vec<_> = chunk.iter().map(|(at, f)| (at, Command::new("node").arg("--check").arg(f).stderr(std::process::Stdio::piped()).spawn().unwrap())).collect();
            for (at, c) in children {
                let o = c.wait_with_output().unwrap();
                if !o.status.success() {
                    problems.push(format!("{at}: node --check: {}", String::from_utf8_lossy(&o.stderr)));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
    // Not vacuous: every kind was generated and checked, many times.
    for l in mi_playground::samples::LANGS {
        assert!(counts.get(l).copied().unwrap_or(0) >= 5, "only {:?} {l} samples", counts.get(l));
    }
    assert!(n > 500, "only {n} samples");
    eprintln!("checked {n} samples ({distinct} distinct): {counts:?} (bash {bash}, python3 {python}, node {node})");
}

/// The resource kind and Function-app flag of a declared resource.
fn declared(sc: &Scenario, name: &str) -> (ResourceKind, bool) {
    let r = sc.world.resources.iter().find(|r| r.name.eq_ignore_ascii_case(name)).unwrap();
    (r.resource_type, r.properties.kind == Some(mi_playground::model::arm::AppServiceKind::FunctionApp))
}

fn code<'a>(list: &'a [Sample], lang: &str) -> Option<&'a str> {
    list.iter().find(|s| s.lang == lang).map(|s| s.code.as_str())
}

#[test]
fn control_plane_samples_match_the_target_and_the_change() {
    let mut checked = 0;
    for g in generate() {
        for (i, step) in g.trace.steps.iter().enumerate() {
            let list = &g.per_step[i];
            let Some(action) = g.sc.script.get(step.action) else { continue };
            let (resource, attach) = match action {
                Action::EnableSystemAssigned { resource, .. } | Action::DisableSystemAssigned { resource, .. } => (resource, None),
                Action::AttachUserAssignedIdentity { resource, identity, .. } => (resource, Some(identity)),
                _ => continue,
            };
            if !matches!(step.message, Message::Request(_)) {
                continue;
            }
            let (kind, function) = declared(&g.sc, resource);
            let az = code(list, "az CLI").unwrap();
            let ps = code(list, "Azure PowerShell").unwrap();
            let bicep = code(list, "Bicep").unwrap();
            let (group, bicep_type) = match (kind, function) {
                (ResourceKind::VirtualMachine, _) => ("az vm ", "Microsoft.Compute/virtualMachines@"),
                (ResourceKind::AppService, true) => ("az functionapp ", "Microsoft.Web/sites@"),
                (ResourceKind::AppService, false) => ("az webapp ", "Microsoft.Web/sites@"),
                other => panic!("{}: no expectation for {other:?}", g.id),
            };
            assert!(az.contains(group), "{} step {}: {resource} needs '{group}': {az}", g.id, i + 1);
            assert!(bicep.contains(bicep_type), "{} step {}: {bicep}", g.id, i + 1);
            if kind != ResourceKind::VirtualMachine {
                assert!(!ps.contains("AzVM") && !az.contains("az vm ") && !bicep.contains("virtualMachines"), "{} step {}: VM commands for a {kind:?}", g.id, i + 1);
            }
            if let Some(identity) = attach {
                assert!(az.contains("identity assign") && !az.contains("identity remove"), "{} step {}: attaching must assign: {az}", g.id, i + 1);
                assert!(az.contains(&format!("userAssignedIdentities/{identity}")), "{} step {}: {az}", g.id, i + 1);
                assert!(ps.contains("-IdentityId") || ps.contains("-IdentityID") || ps.contains("Invoke-AzRestMethod"), "{} step {}: {ps}", g.id, i + 1);
                assert!(bicep.contains("userAssignedIdentities") && bicep.contains(&format!("userAssignedIdentities/{identity}'")), "{} step {}: {bicep}", g.id, i + 1);
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "checked {checked} identity changes");
}

#[test]
fn runtime_samples_are_right_for_the_host_and_its_identity() {
    let mut uami_only = 0;
    let mut aks = 0;
    let mut appsvc = 0;
    for g in generate() {
        let views = &g.views;
        for (i, step) in g.trace.steps.iter().enumerate() {
            let list = &g.per_step[i];
            let Message::Request(r) = &step.message else { continue };
            let host = match g.sc.script.get(step.action) {
                Some(Action::GetSecret { host, .. } | Action::BlobRequest { host, .. } | Action::ArmRequest { host, .. } | Action::GetToken { host, .. } | Action::TokenRequest { host, .. }) => host.clone(),
                _ => continue,
            };
            let Some(spec) = g.sc.world.resources.iter().find(|x| x.name.eq_ignore_ascii_case(&host)) else { continue };
            let kind = spec.resource_type;
            let all: String = list.iter().map(|s| s.code.as_str()).collect::<Vec<_>>().join("\n");
            // App Service: the endpoint and the rotating header come from the environment.
            if kind == ResourceKind::AppService {
                assert!(!all.contains("localhost:4141"), "{} step {}: hard-coded App Service endpoint", g.id, i + 1);
                if let Some(h) = r.header_value("x-identity-header") {
                    assert!(!all.contains(h), "{} step {}: hard-coded IDENTITY_HEADER", g.id, i + 1);
                }
                if list.iter().any(|s| s.lang == "curl" && s.code.contains("IDENTITY_ENDPOINT")) {
                    appsvc += 1;
                }
            }
            // AKS workload identity: no IMDS identity to sign in with.
            if kind == ResourceKind::AksWorkload {
                assert!(!all.contains("Connect-AzAccount -Identity") && !all.contains("az login --identity") && !all.contains("169.254.169.254"), "{} step {}: IMDS sign-in on AKS", g.id, i + 1);
                if let Some(ps) = code(list, "Azure PowerShell") {
                    assert!(ps.contains("-FederatedToken"), "{} step {}: {ps}", g.id, i + 1);
                    aks += 1;
                }
            }
            // Hosts with user-assigned identities only: every SDK/tool sample names one.
            let v = views[i].resources.items.iter().find(|x| x.name.eq_ignore_ascii_case(&host));
            if let Some(v) = v.filter(|v| v.principal_id.is_none() && !v.user_assigned.is_empty()) {
                if matches!(kind, ResourceKind::VirtualMachine | ResourceKind::AppService) {
                    let ids: Vec<&str> = v.user_assigned.iter().map(|u| u.client_id.as_str()).collect();
                    for smp in list.iter().filter(|s| ["C#", "Python", "JavaScript", "az CLI", "Azure PowerShell"].contains(&s.lang)) {
                        assert!(ids.iter().any(|c| smp.code.contains(c)), "{} step {} {}: no client id on a user-assigned-only host:\n{}", g.id, i + 1, smp.lang, smp.code);
                    }
                    uami_only += 1;
                }
            }
        }
    }
    assert!(uami_only >= 3 && aks >= 2 && appsvc >= 3, "uami-only {uami_only}, aks {aks}, app service {appsvc}");
}

#[test]
fn the_pinned_tables_name_their_sources() {
    for (c, _, src) in AZ {
        assert!(!src.is_empty(), "{c}");
    }
    for (c, _, src) in PS {
        assert!(!src.is_empty(), "{c}");
    }
    for (c, src) in BICEP {
        assert!(!src.is_empty(), "{c}");
    }
    for (_, c, _, src) in SDK {
        assert!(!src.is_empty(), "{c}");
    }
}

#[test]
fn the_shell_rules_catch_the_bugs_they_are_for() {
    assert!(!shell_problems("curl -H 'Authorization: Bearer $TOKEN' x").is_empty(), "single-quoted $TOKEN");
    assert!(!shell_problems("curl -H \"Authorization: Bearer $TOKEN\" x").is_empty(), "$TOKEN never set");
    assert!(shell_problems("TOKEN=$(curl -s x | jq -r .access_token)\ncurl -H \"Authorization: Bearer $TOKEN\" x").is_empty());
    assert!(!shell_problems("az vm identity remove --identities [system]").is_empty(), "unquoted glob");
    assert!(shell_problems("curl 'https://graph.microsoft.com/v1.0/groups/1/members/$ref'").is_empty(), "a literal lower-case $ref is fine");
    assert!(!az_problems("az vm identity assign --resource-group a --name b --bogus").is_empty());
    assert!(!ps_problems("Update-AzVM -ResourceGroupName a -VM $vm -IdentityIds x").is_empty());
    assert!(!bicep_problems("resource t 'Microsoft.Compute/virtualMachines@2024-07-01' = {\n  identity: {\n    type: 'UserAssigned'\n  }\n}").is_empty());
}
