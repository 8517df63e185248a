//! Code samples for a step, generated from the scenario's actual names and ids: for token
//! requests and resource calls curl, C# (`Azure.Identity`), Python (`azure-identity`),
//! JavaScript (`@azure/identity`) and PowerShell; for control-plane steps the `az` CLI,
//! Azure PowerShell and a Bicep fragment. curl reproduces the request exactly; the SDK and
//! tool samples are illustrative (they produce an equivalent request).

use crate::model::http::Request;
use crate::model::{Message, Plane, Trace};

/// One sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Language or tool, e.g. `curl`, `C#`.
    pub lang: &'static str,
    /// The code.
    pub code: String,
    /// True when it is an equivalent, not the exact request.
    pub illustrative: bool,
}

fn s(lang: &'static str, code: String, illustrative: bool) -> Sample {
    Sample { lang, code, illustrative }
}

fn curl(r: &Request) -> String {
    let mut c = format!("curl -s -X {} '{}'", r.method, r.url.replace('\'', "%27"));
    for (n, v) in &r.headers {
        let v = if n.eq_ignore_ascii_case("authorization") && v.starts_with("Bearer ") { "Bearer $TOKEN".to_string() } else { v.clone() };
        c.push_str(&format!(" \\\n  -H '{n}: {}'", v.replace('\'', "")));
    }
    if let Some(b) = &r.body {
        c.push_str(&format!(" \\\n  -d '{}'", b.replace('\'', "").replace('\n', " ")));
    }
    c
}

fn query(r: &Request, k: &str) -> Option<String> {
    r.query().into_iter().find(|(n, _)| n == k).map(|(_, v)| v)
}

/// A segment after `key` in an ARM path (`resourceGroups` → the group name).
fn seg(path: &str, key: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    parts.iter().position(|p| p.eq_ignore_ascii_case(key)).and_then(|i| parts.get(i + 1)).map(|p| p.to_string()).unwrap_or_default()
}

/// The samples for step `i` (empty when the step is not a request).
pub fn samples(t: &Trace, i: usize) -> Vec<Sample> {
    let Some(step) = t.steps.get(i) else { return Vec::new() };
    let Message::Request(r) = &step.message else { return Vec::new() };
    let mut out = vec![s("curl", curl(r), false)];
    let path = r.path().to_string();
    let host = r.url.split("://").nth(1).and_then(|x| x.split('/').next()).unwrap_or("");
    if step.plane == Plane::Control {
        let arm_path = path.clone();
        let rg = seg(&arm_path, "resourceGroups");
        let name = arm_path.rsplit('/').next().unwrap_or("").to_string();
        if r.method == "PATCH" && r.body.as_deref().is_some_and(|b| b.contains("\"identity\"")) {
            let user = r.body.as_deref().is_some_and(|b| b.contains("userAssignedIdentities"));
            let system = r.body.as_deref().is_some_and(|b| b.contains("SystemAssigned"));
            let ty = if system && user { "'SystemAssigned, UserAssigned'" } else if system { "'SystemAssigned'" } else if user { "'UserAssigned'" } else { "'None'" };
            out.push(s("az CLI", if system { format!("az vm identity assign --resource-group {rg} --name {name}") } else { format!("az vm identity remove --resource-group {rg} --name {name} --identities [system]") }, true));
            out.push(s("Azure PowerShell", format!("$vm = Get-AzVM -ResourceGroupName {rg} -Name {name}\nUpdate-AzVM -ResourceGroupName {rg} -VM $vm -IdentityType {}", ty.trim_matches('\'').replace(", ", "")), true));
            out.push(s("Bicep", format!("resource vm 'Microsoft.Compute/virtualMachines@2024-07-01' = {{\n  name: '{name}'\n  location: resourceGroup().location\n  identity: {{\n    type: {ty}\n  }}\n  // properties: …\n}}"), true));
        } else if path.contains("/roleAssignments/") {
            let body = r.body.clone().unwrap_or_default();
            let pick = |k: &str| body.split(&format!("\"{k}\": \"")).nth(1).and_then(|x| x.split('"').next()).unwrap_or("").to_string();
            let (pid, role) = (pick("principalId"), pick("roleDefinitionId"));
            let role_guid = role.rsplit('/').next().unwrap_or("").to_string();
            let scope = path.split("/providers/Microsoft.Authorization").next().unwrap_or("").to_string();
            let label = step.label.split(": ").nth(1).and_then(|x| x.split(" → ").next()).unwrap_or("").to_string();
            if r.method == "PUT" {
                out.push(s("az CLI", format!("az role assignment create \\\n  --assignee-object-id {pid} --assignee-principal-type ServicePrincipal \\\n  --role \"{label}\" \\\n  --scope {scope}"), true));
                out.push(s("Azure PowerShell", format!("New-AzRoleAssignment -ObjectId {pid} -RoleDefinitionName \"{label}\" -Scope {scope}"), true));
                out.push(s("Bicep", format!("resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid('{scope}', '{pid}', '{role_guid}')\n  // scope: the target resource (use an existing resource reference)\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role_guid}')\n    principalId: '{pid}'\n    principalType: 'ServicePrincipal'\n  }}\n}}"), true));
            } else {
                out.push(s("az CLI", format!("az role assignment delete --ids {path}"), true));
                out.push(s("Azure PowerShell", format!("Remove-AzRoleAssignment -Scope {scope} -ObjectId <principalId> -RoleDefinitionName <role>"), true));
            }
        } else if path.contains("/userAssignedIdentities/") && r.method == "PUT" {
            out.push(s("az CLI", format!("az identity create --resource-group {rg} --name {name}"), true));
            out.push(s("Azure PowerShell", format!("New-AzUserAssignedIdentity -ResourceGroupName {rg} -Name {name} -Location westeurope"), true));
            out.push(s("Bicep", format!("resource id 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {{\n  name: '{name}'\n  location: resourceGroup().location\n}}"), true));
        } else if r.method == "DELETE" {
            out.push(s("az CLI", format!("az resource delete --ids {path}"), true));
            out.push(s("Azure PowerShell", format!("Remove-AzResource -ResourceId {path} -Force"), true));
        }
        return out;
    }
    let resource = query(r, "resource");
    if let Some(res) = resource.filter(|_| path.to_ascii_lowercase().contains("token")) {
        let cid = query(r, "client_id").or_else(|| query(r, "clientid"));
        let scope = format!("{}/.default", res.trim_end_matches('/'));
        let (cs_new, py_new, js_new) = match &cid {
            Some(c) => (format!("new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(\"{c}\"))"), format!("ManagedIdentityCredential(client_id=\"{c}\")"), format!("new ManagedIdentityCredential({{ clientId: \"{c}\" }})")),
            None => ("new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)".to_string(), "ManagedIdentityCredential()".to_string(), "new ManagedIdentityCredential()".to_string()),
        };
        out.push(s("C#", format!("using Azure.Core;\nusing Azure.Identity;\n\nvar credential = {cs_new};\nAccessToken token = await credential.GetTokenAsync(new TokenRequestContext(new[] {{ \"{scope}\" }}));"), true));
        out.push(s("Python", format!("from azure.identity import ManagedIdentityCredential\n\ncredential = {py_new}\ntoken = credential.get_token(\"{scope}\")"), true));
        out.push(s("JavaScript", format!("import {{ ManagedIdentityCredential }} from \"@azure/identity\";\n\nconst credential = {js_new};\nconst token = await credential.getToken(\"{scope}\");"), true));
        let headers = r.headers.iter().map(|(n, v)| format!("'{n}' = '{v}'")).collect::<Vec<_>>().join("; ");
        out.push(s("PowerShell", format!("$response = Invoke-RestMethod -Method {} -Uri '{}' -Headers @{{ {headers} }}\n$response.access_token", r.method, r.url), false));
        return out;
    }
    if host.ends_with(".vault.azure.net") {
        let vault = host.split('.').next().unwrap_or("");
        let secret = seg(&path, "secrets");
        out.push(s("C#", format!("using Azure.Identity;\nusing Azure.Security.KeyVault.Secrets;\n\nvar client = new SecretClient(new Uri(\"https://{vault}.vault.azure.net/\"), new DefaultAzureCredential());\nKeyVaultSecret secret = await client.GetSecretAsync(\"{secret}\");"), true));
        out.push(s("Python", format!("from azure.identity import DefaultAzureCredential\nfrom azure.keyvault.secrets import SecretClient\n\nclient = SecretClient(\"https://{vault}.vault.azure.net/\", DefaultAzureCredential())\nsecret = client.get_secret(\"{secret}\")"), true));
        out.push(s("JavaScript", format!("import {{ DefaultAzureCredential }} from \"@azure/identity\";\nimport {{ SecretClient }} from \"@azure/keyvault-secrets\";\n\nconst client = new SecretClient(\"https://{vault}.vault.azure.net/\", new DefaultAzureCredential());\nconst secret = await client.getSecret(\"{secret}\");"), true));
        out.push(s("PowerShell", format!("Connect-AzAccount -Identity\nGet-AzKeyVaultSecret -VaultName {vault} -Name {secret} -AsPlainText"), true));
    } else if host.ends_with(".blob.core.windows.net") {
        let account = host.split('.').next().unwrap_or("");
        let mut p = path.trim_start_matches('/').splitn(2, '/');
        let (container, blob) = (p.next().unwrap_or(""), p.next().unwrap_or(""));
        out.push(s("C#", format!("using Azure.Identity;\nusing Azure.Storage.Blobs;\n\nvar blob = new BlobClient(new Uri(\"https://{account}.blob.core.windows.net/{container}/{blob}\"), new DefaultAzureCredential());\nvar content = await blob.DownloadContentAsync();"), true));
        out.push(s("Python", format!("from azure.identity import DefaultAzureCredential\nfrom azure.storage.blob import BlobClient\n\nblob = BlobClient(\"https://{account}.blob.core.windows.net\", \"{container}\", \"{blob}\", credential=DefaultAzureCredential())\ndata = blob.download_blob().readall()"), true));
        out.push(s("JavaScript", format!("import {{ DefaultAzureCredential }} from \"@azure/identity\";\nimport {{ BlobClient }} from \"@azure/storage-blob\";\n\nconst blob = new BlobClient(\"https://{account}.blob.core.windows.net/{container}/{blob}\", new DefaultAzureCredential());\nconst data = await blob.downloadToBuffer();"), true));
        out.push(s("PowerShell", format!("Connect-AzAccount -Identity\n$ctx = New-AzStorageContext -StorageAccountName {account} -UseConnectedAccount\nGet-AzStorageBlobContent -Container {container} -Blob {blob} -Context $ctx"), true));
    } else if host == "management.azure.com" {
        out.push(s("az CLI", format!("az login --identity\naz rest --method {} --url 'https://management.azure.com{}'", r.method.to_ascii_lowercase(), r.url.split("management.azure.com").nth(1).unwrap_or("")), true));
        out.push(s("PowerShell", format!("Connect-AzAccount -Identity\nInvoke-AzRestMethod -Method {} -Path '{}'", r.method, r.url.split("management.azure.com").nth(1).unwrap_or("")), true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::simulate;

    fn trace(id: &str) -> Trace {
        simulate(&crate::scenarios::find(id).unwrap().scenario()).unwrap()
    }

    #[test]
    fn samples_use_the_scenarios_names_and_ids() {
        let t = trace("vm-keyvault");
        let enable = samples(&t, 0);
        assert!(enable.iter().any(|s| s.lang == "az CLI" && s.code.contains("az vm identity assign --resource-group rg-app --name vm-web")));
        assert!(enable.iter().any(|s| s.lang == "Bicep" && s.code.contains("type: 'SystemAssigned'")));
        let grant = samples(&t, 7);
        assert!(grant.iter().any(|s| s.lang == "az CLI" && s.code.contains("--role \"Key Vault Secrets User\"") && s.code.contains("/vaults/kv-contoso")));
        let imds = samples(&t, 11);
        assert!(imds.iter().any(|s| s.lang == "curl" && !s.illustrative && s.code.contains("-H 'Metadata: true'")));
        assert!(imds.iter().any(|s| s.lang == "Python" && s.code.contains("get_token(\"https://vault.azure.net/.default\")")));
        let kv = samples(&t, 15);
        assert!(kv.iter().any(|s| s.lang == "C#" && s.code.contains("GetSecretAsync(\"db-password\")")));
        assert!(kv.iter().any(|s| s.lang == "curl" && s.code.contains("Bearer $TOKEN")));
        assert!(samples(&t, 16).is_empty(), "responses have no samples");
        for b in crate::scenarios::BUILT_INS {
            let t = simulate(&b.scenario()).unwrap();
            for i in 0..t.steps.len() {
                let _ = samples(&t, i);
            }
        }
    }
}
