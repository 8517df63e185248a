//! The Managed Identity resource provider (`Microsoft.ManagedIdentity`): the service
//! principal behind each managed identity and the certificate that is its credential,
//! issued for 90 days and rolled after 45 (fact sheet §4.1, §4.2).
//!
//! The resource provider never issues tokens and never sees application code.

use crate::model::arm::IdentityRef;
use crate::model::directory::{Principal, PrincipalKind};
use crate::model::rng::Rng;
use crate::model::time::SimTime;
use crate::model::world::World;
use crate::model::world::timers::{CERTIFICATE_LIFETIME, CERTIFICATE_RENEWAL};

/// A certificate the MI resource provider issued for an identity (fact sheet §4.2).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// Thumbprint (40 hex digits).
    pub thumbprint: String,
    /// Issued at.
    pub not_before: SimTime,
    /// Expires 90 days later.
    pub not_after: SimTime,
    /// Rolled 45 days after issue.
    pub renew_at: SimTime,
    /// Display name of the identity.
    pub identity: String,
}

impl World {
    /// The MI resource provider issues a certificate (90 days, rolled after 45).
    pub(crate) fn issue_certificate(&mut self, principal_id: &str, name: &str) -> Certificate {
        let c = Certificate { thumbprint: self.rng.hex(40).to_ascii_uppercase(), not_before: self.now, not_after: self.now.plus(CERTIFICATE_LIFETIME), renew_at: self.now.plus(CERTIFICATE_RENEWAL), identity: name.to_string() };
        self.certificates.insert(principal_id.to_ascii_lowercase(), c.clone());
        c
    }
}

/// The service principal behind a managed identity (fact sheet §4.1).
pub(crate) fn mi_principal(u: &IdentityRef, name: &str, user_assigned: bool, rng: &mut Rng) -> Principal {
    Principal {
        object_id: u.principal_id.clone(),
        display_name: name.into(),
        kind: PrincipalKind::ServicePrincipal {
            app_id: u.client_id.clone(),
            service_principal_type: "ManagedIdentity".into(),
            alternative_names: vec![format!("isExplicit={}", if user_assigned { "True" } else { "False" }), u.mi_resource_id.clone()],
            service_principal_names: vec![u.client_id.clone(), format!("https://identity.azure.net/{}", rng.token(43))],
        },
    }
}
