//! The resource servers: Key Vault, Blob Storage, Azure SQL and ARM as a data target, one
//! module each. What they share: reading `Authorization: Bearer` and running the one token
//! validator (`verify`) with their own audiences, the decision shown for a refused token,
//! and the stale-`groups` explanation.
//!
//! A resource server never asks for a token and never changes who holds which role.

pub mod arm_api;
pub mod keyvault;
pub mod sql;
pub mod storage;

use crate::model::verify;
use crate::model::arm::{Resource, ResourceKind};
use crate::model::http::Request;
use crate::model::rbac::{AccessRequest, Decision};
use crate::model::time::SimTime;
use crate::model::token::Claims;
use crate::model::trace::ParticipantKind;
use crate::model::verify::{Expectations, TokenValidation};
use crate::model::world::World;
use crate::model::world::Pid;

/// The resource servers a host sends tokens to (for replaying the last one sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Service {
    KeyVault,
    Storage,
    Arm,
    Sql,
}

impl Service {
    /// The resource an SDK asks a token for when code calls this service: Key Vault's
    /// challenge names `https://vault.azure.net`; the other clients' `.default` scopes become
    /// these resources (fact sheet §6.1–6.4).
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Service::KeyVault => "https://vault.azure.net",
            Service::Storage => "https://storage.azure.com/",
            Service::Arm => "https://management.azure.com/",
            Service::Sql => "https://database.windows.net/",
        }
    }

    /// The audiences the service accepts in a token, the one list its validation and its
    /// error messages read (fact sheet §6.1–6.4; ARM's in the order its 401 lists them,
    /// golden check 29). Blob Storage also accepts the account's own endpoint
    /// ([`storage::blob_audiences`]).
    pub(crate) fn audiences(self) -> &'static [&'static str] {
        match self {
            Service::KeyVault => &["https://vault.azure.net", "https://vault.azure.net/"],
            Service::Storage => &["https://storage.azure.com/", "https://storage.azure.com"],
            Service::Arm => &["https://management.core.windows.net/", "https://management.core.windows.net", "https://management.azure.com/", "https://management.azure.com"],
            Service::Sql => &["https://database.windows.net/", "https://database.windows.net"],
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::KeyVault => "Key Vault",
            Service::Storage => "Storage",
            Service::Arm => "Azure Resource Manager",
            Service::Sql => "Azure SQL",
        }
    }
}

/// What a resource server made of the request's credentials.
pub(crate) enum Authn {
    /// No `Authorization` header.
    NoToken,
    /// Every check passed.
    Valid(Claims, TokenValidation),
    /// A check failed.
    Rejected(TokenValidation),
}

impl World {
    pub(crate) fn p_server(&mut self, r: &Resource) -> Pid {
        let label = match r.kind {
            ResourceKind::KeyVault => format!("Key Vault {}", r.name),
            ResourceKind::StorageAccount => format!("Storage {}", r.name),
            ResourceKind::SqlDatabase => format!("SQL {}", r.name),
            _ => r.name.clone(),
        };
        // In a world of several tenants, a server says which tenant it trusts.
        let label = if self.multi_tenant() { format!("{label} · tenant {}", short_tenant(self.tenant_of(&r.id))) } else { label };
        self.participant(&format!("server:{}", r.name.to_ascii_lowercase()), ParticipantKind::ResourceServer, &label)
    }

    /// A resource server's first job: read `Authorization: Bearer <jwt>` from the request
    /// it received and run the one validator (`verify::validate`) with its own audiences
    /// and its tenant's issuers, at the virtual time. Nothing else is consulted: a token
    /// the token service never issued, or changed by one byte, fails like on real Azure.
    /// `tenant`: the tenant the server's subscription trusts ([`World::tenant_of`]).
    pub(crate) fn authenticate(&self, req: &Request, tenant: &str, audiences: &[&str]) -> Authn {
        let Some(header) = req.header_value("Authorization") else { return Authn::NoToken };
        let jwt = header.strip_prefix("Bearer ").unwrap_or(header);
        let expect = Expectations { issuers: verify::tenant_issuers(tenant), audiences: Some(audiences.iter().map(|a| a.to_string()).collect()), now: self.now };
        let v = verify::validate(jwt, &self.jwks, &expect);
        match v.result.clone() {
            Ok(claims) => Authn::Valid(claims, v),
            Err(_) => Authn::Rejected(v),
        }
    }

    /// The decision shown for a refused token: every check made, the failed one last.
    pub(crate) fn token_decision(v: &TokenValidation, fix: &str) -> Decision {
        let what = v.rejection().map(|r| r.check().name()).unwrap_or("token");
        Decision::new(false, format!("Token rejected: {what}"), v.lines(), Some(fix.to_string()))
    }

    /// When a denial would be an allow with the caller's current group memberships, the
    /// token's `groups` claim is stale: say so (fact sheet §7.7, golden check 37).
    pub(crate) fn explain_stale_groups(&self, d: &mut Decision, claims: &Claims, action: &str, data: bool, scope: &str) {
        let live = self.directory.groups_of(&claims.oid);
        let missing: Vec<String> = live.iter().filter(|g| !claims.groups.iter().any(|c| c.eq_ignore_ascii_case(g))).cloned().collect();
        if missing.is_empty() {
            return;
        }
        let req = AccessRequest { principal_id: &claims.oid, groups: &live, action, data, scope, now: self.now };
        if !matches!(self.rbac.evaluate(&req), crate::model::rbac::Verdict::Allowed(_)) {
            return;
        }
        let names = missing.iter().map(|g| self.principal_label(g)).collect::<Vec<_>>().join(", ");
        d.reasons.push(format!(
            "A role assignment to group {names} would allow this, and the identity is now a member, but this token was issued at {} before the membership: its `groups` claim does not list {names}. Resources authorize what the token says.",
            SimTime(claims.iat + 300).iso()
        ));
        d.summary = "Group membership not in the token yet".into();
        d.fix = Some("Wait for a new token (managed-identity tokens are cached for about 24 hours, in the SDK and on the host), or assign the role to the identity directly.".into());
    }
}

/// A tenant id as labels show it: its first 8 characters and an ellipsis.
pub(crate) fn short_tenant(tenant: &str) -> String {
    format!("{}…", tenant.get(..8).unwrap_or(tenant))
}
