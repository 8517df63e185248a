//! The virtual clock and the platform's timed rules, in one place (as quinn-proto's
//! `TimerTable`): the work that happens on its own when time passes ([`Timer`]: certificate
//! roll-over, `IDENTITY_HEADER` rotation, the end of an injected fault) and the lifetimes
//! and windows that code checks when it acts (token expiry and the SDK's refresh point,
//! the endpoint cache's margin, IMDS's throttling limits, certificate lifetimes). RBAC
//! propagation is a scenario setting (`settings.rbacPropagation`) applied when an
//! assignment is made (`arm/role_assignments.rs`: the assignment's effective time).
//!
//! [`World::advance`] asks the table for each timer's deadline and runs what falls inside
//! the interval, timer by timer in [`Timer::VALUES`] order; [`World::next_deadline`] says
//! when the next one is due.

use crate::model::time::SimTime;
use crate::model::trace::{Change, ChangeOp, Fidelity};
use crate::model::world::Draft;
use crate::model::world::{short, World};

const DAY: u64 = 86_400;

/// A managed identity's certificate is valid this long (fact sheet §4.2).
pub(crate) const CERTIFICATE_LIFETIME: u64 = 90 * DAY;
/// ... and rolled by the MI resource provider this long after issue (fact sheet §4.2).
pub(crate) const CERTIFICATE_RENEWAL: u64 = 45 * DAY;
/// App Service rotates `IDENTITY_HEADER` this often: modelled (the cadence is not
/// documented, fact sheet §2).
pub(crate) const IDENTITY_HEADER_ROTATION: u64 = DAY;
/// A cached token with less than this left counts as expired: for the SDK (MSAL) and for
/// the host endpoint's cache (fact sheet §8.4, §1.6 (unconfirmed)).
pub(crate) const EXPIRY_MARGIN: u64 = 300;
/// MSAL refreshes a managed-identity token at half its lifetime when it lives at least
/// this long (fact sheet §8.4).
pub(crate) const HALF_LIFE_REFRESH_FROM: u64 = 7_200;
/// IMDS's managed-identity throttling: at most this many requests per one-second window
/// per VM (fact sheet §1.5) ...
pub(crate) const IMDS_REQUESTS_PER_SECOND: usize = 20;
/// ... and at most this many at once.
pub(crate) const IMDS_CONCURRENT_REQUESTS: u32 = 5;

/// When the SDK refreshes a token expiring at `exp`, obtained at `now` (fact sheet §8.4):
/// half its lifetime for tokens of 2 hours or more, else 5 minutes before expiry.
pub(crate) fn sdk_refresh_on(now: SimTime, exp: u64) -> SimTime {
    let expires_in = exp.saturating_sub(now.0);
    if expires_in >= HALF_LIFE_REFRESH_FROM {
        now.plus(expires_in / 2)
    } else {
        SimTime(exp.saturating_sub(EXPIRY_MARGIN))
    }
}

/// Whether a token expiring at `expires_on` is still usable from a cache at `now`.
pub(crate) fn usable(expires_on: SimTime, now: SimTime) -> bool {
    expires_on.since(now) > EXPIRY_MARGIN as i64
}

/// Work that happens on its own as time passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// The MI resource provider rolls a certificate [`CERTIFICATE_RENEWAL`] after issue.
    CertificateRollover,
    /// App Service rotates an app's `IDENTITY_HEADER` every [`IDENTITY_HEADER_ROTATION`].
    IdentityHeaderRotation,
    /// An injected fault ends.
    FaultEnds,
}

impl Timer {
    /// Every timer, in the order [`World::advance`] runs them.
    pub(crate) const VALUES: [Timer; 3] = [Timer::CertificateRollover, Timer::IdentityHeaderRotation, Timer::FaultEnds];
}

impl World {
    /// When `timer` is next due (`None`: nothing is waiting on it).
    pub(crate) fn deadline(&self, timer: Timer) -> Option<SimTime> {
        match timer {
            Timer::CertificateRollover => self.certificates.values().map(|c| c.renew_at).min(),
            Timer::IdentityHeaderRotation => self.app_service_secrets.values().map(|(_, set_at)| set_at.plus(IDENTITY_HEADER_ROTATION)).min(),
            Timer::FaultEnds => self.faults.iter().map(|f| f.until).min(),
        }
    }

    /// The next moment something happens on its own, and what.
    pub fn next_deadline(&self) -> Option<SimTime> {
        Timer::VALUES.iter().filter_map(|&t| self.deadline(t)).min()
    }

    /// Moves the clock forward by `secs`, running each timer's work that falls inside the
    /// interval: certificate roll-overs at their own times, then (with the clock at the
    /// end of the interval) `IDENTITY_HEADER` rotations and the end of faults.
    pub fn advance(&mut self, secs: u64) {
        let target = self.now.plus(secs);
        // The MI resource provider's lifeline is drawn for a roll-over only when it is
        // already on the diagram or the interval is long enough to be about roll-overs.
        let draw_rollovers = self.participant_index.contains_key("msrp") || secs >= CERTIFICATE_RENEWAL;
        for timer in Timer::VALUES {
            while let Some(due) = self.deadline(timer).filter(|&d| d <= target) {
                match timer {
                    Timer::CertificateRollover => self.roll_certificate(due, draw_rollovers),
                    Timer::IdentityHeaderRotation => {
                        self.now = target;
                        self.rotate_identity_headers();
                    }
                    Timer::FaultEnds => {
                        self.faults.retain(|f| f.until > target);
                    }
                }
            }
        }
        self.now = target;
    }

    /// The certificate due for renewal at `due` is rolled (fact sheet §4.2).
    fn roll_certificate(&mut self, due: SimTime, draw: bool) {
        let Some((pid, old)) = self.certificates.iter().find(|(_, c)| c.renew_at == due).map(|(k, c)| (k.clone(), c.clone())) else { return };
        self.now = old.renew_at.max(self.now);
        let new = self.issue_certificate(&pid, &old.identity);
        if draw {
            let m = self.p_msrp();
            let s = self.push(Draft::control_on(m, &format!("roll certificate of {}", old.identity)).note(&format!("Certificate {} (issued {}) is 45 days old: issue {} valid to {}", short(&old.thumbprint), old.not_before.iso(), short(&new.thumbprint), new.not_after.iso())).fidelity(Fidelity::Conceptual).source("fact sheet §4.2").explain(format!(
                    "The Managed Identity resource provider renews the credential behind {} on its own: certificates expire after 90 days and are rolled after 45. Nobody rotates anything by hand, and the application never sees the certificate; only the host's token endpoint uses it to get tokens. (Microsoft calls this an internal detail that may change.)",
                    old.identity
                )));
            s.changes.push(Change { op: ChangeOp::Updated, area: "msrp".into(), what: format!("certificate of {}: {} → {}", old.identity, short(&old.thumbprint), short(&new.thumbprint)) });
        }
    }

    /// App Service rotates `IDENTITY_HEADER` on every app whose secret is due (one note
    /// per app, counting the rotations the interval held).
    fn rotate_identity_headers(&mut self) {
        let hosts: Vec<String> = self.app_service_secrets.keys().cloned().collect();
        for h in hosts {
            let (old, set_at) = self.app_service_secrets[&h].clone();
            let rotations = self.now.since(set_at) / IDENTITY_HEADER_ROTATION as i64;
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
    }
}
