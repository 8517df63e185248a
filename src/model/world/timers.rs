//! The virtual clock and the platform's timed work.

use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::world::{short, World};
use crate::model::world::Draft;

impl World {
    /// Moves the clock forward, running the platform's timed work on the way (certificate
    /// roll-over by the MI resource provider, App Service secret rotation).
    pub fn advance(&mut self, secs: u64) {
        let target = self.now.plus(secs);
        let msrp_seen = self.participant_index.contains_key("msrp");
        // Certificate roll-overs that fall inside the window, in time order.
        loop {
            let due = self.certificates.iter().filter(|(_, c)| c.renew_at <= target).min_by_key(|(_, c)| c.renew_at).map(|(k, c)| (k.clone(), c.clone()));
            let Some((pid, old)) = due else { break };
            self.now = old.renew_at.max(self.now);
            let new = self.issue_certificate(&pid, &old.identity);
            if msrp_seen || secs >= 45 * 86_400 {
                let m = self.p_msrp();
                let s = self.push(Draft::control_on(m, &format!("roll certificate of {}", old.identity)).note(&format!("Certificate {} (issued {}) is 45 days old: issue {} valid to {}", short(&old.thumbprint), old.not_before.iso(), short(&new.thumbprint), new.not_after.iso())).fidelity(Fidelity::Conceptual).source("fact sheet §4.2").explain(format!(
                        "The Managed Identity resource provider renews the credential behind {} on its own: certificates expire after 90 days and are rolled after 45. Nobody rotates anything by hand, and the application never sees the certificate; only the host's token endpoint uses it to get tokens. (Microsoft calls this an internal detail that may change.)",
                        old.identity
                    )));
                s.changes.push(Change { op: ChangeOp::Updated, area: "msrp".into(), what: format!("certificate of {}: {} → {}", old.identity, short(&old.thumbprint), short(&new.thumbprint)) });
            }
        }
        self.now = target;
        // App Service rotates IDENTITY_HEADER; modelled as daily (the real cadence is not documented).
        let hosts: Vec<String> = self.app_service_secrets.keys().cloned().collect();
        for h in hosts {
            let (old, set_at) = self.app_service_secrets[&h].clone();
            let rotations = self.now.since(set_at) / 86_400;
            if rotations >= 1 {
                let v = self.rng.hex(32).to_ascii_uppercase();
                self.app_service_secrets.insert(h.clone(), (v.clone(), self.now));
                if let Some(res) = self.resource_by_name(&h).cloned() {
                    let ep = self.p_endpoint(&res);
                    let times = if rotations > 1 { format!(" ({rotations} rotations in this interval, modelled daily)") } else { String::new() };
                    let s = self.push(Draft::runtime_on(ep, "rotate IDENTITY_HEADER").note(&format!("IDENTITY_HEADER {}… → {}…{times}: the app's environment is updated", &old[..6.min(old.len())], &v[..6])).fidelity(Fidelity::Modelled).source("fact sheet §2").explain(format!("The App Service platform rotates the secret behind IDENTITY_HEADER on {} and updates the app's environment. Code that reads the variable on every call keeps working; code that copied it at start-up would now be rejected. (The rotation cadence is not documented; this model rotates daily.)", res.name)));
                    s.changes.push(Change { op: ChangeOp::Updated, area: "host".into(), what: format!("{}: IDENTITY_HEADER rotated", res.name) });
                }
            }
        }
        self.faults.retain(|f| f.until > target);
    }
}
