//! The trace: what a simulation run produced, step by step. Each step is one arrow in
//! the sequence diagram: a message between two participants, with its wire form when
//! one exists, what it changed, and why it happened.

use super::http::{Request, Response};
use super::rbac::Decision;
use super::time::SimTime;
use serde::Serialize;

/// What kind of actor a lifeline is. The order of the variants is the left-to-right
/// order of lifelines in the diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParticipantKind {
    /// A person (or pipeline) issuing control-plane operations.
    Operator,
    /// Azure Resource Manager, the control plane.
    Arm,
    /// The Managed Identity resource provider (`Microsoft.ManagedIdentity`).
    MiResourceProvider,
    /// The application code running on a host, with its Azure SDK.
    App,
    /// The host's local token endpoint: IMDS, App Service's `IDENTITY_ENDPOINT`, Arc's HIMDS.
    TokenEndpoint,
    /// Microsoft Entra ID: the directory and its token service.
    Entra,
    /// An external token issuer Entra ID trusts through a federated identity credential:
    /// the AKS cluster's OIDC issuer, which publishes its discovery document and JWKS.
    OidcIssuer,
    /// A resource server: Key Vault, Storage, ARM as an API, SQL.
    ResourceServer,
}

/// One lifeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Participant {
    /// Stable key, e.g. `imds:vm-web`.
    pub key: String,
    /// What it is.
    pub kind: ParticipantKind,
    /// Short label for the lifeline header, e.g. `IMDS (vm-web)`.
    pub label: String,
}

/// Control-plane steps configure the world; runtime steps are the token and resource calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Plane {
    /// ARM operations, identity provisioning, role assignments.
    Control,
    /// Token requests and resource calls made by application code.
    Runtime,
}

impl Plane {
    /// `Control` or `Runtime`.
    pub fn name(self) -> &'static str {
        match self {
            Plane::Control => "Control",
            Plane::Runtime => "Runtime",
        }
    }
}

/// How far the bytes shown for a step can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Fidelity {
    /// A documented or observed wire format, shown as the real service sends it.
    Documented,
    /// The documented shape, but the exact bytes are unconfirmed ([U] in the fact sheet): modelled.
    Modelled,
    /// A platform-internal step with no public wire format, drawn conceptually.
    Conceptual,
    /// The scenario author's narration, not a message at all.
    Narration,
}

impl Fidelity {
    /// The label the UI and the text trace show.
    pub fn label(self) -> &'static str {
        match self {
            Fidelity::Documented => "documented wire format",
            Fidelity::Modelled => "modelled (exact bytes unconfirmed)",
            Fidelity::Conceptual => "platform-internal (drawn conceptually)",
            Fidelity::Narration => "narration",
        }
    }
}

impl Step {
    /// The fidelity label for this step: a documented step with no wire message (an SDK's
    /// in-process decision) says so.
    pub fn fidelity_label(&self) -> &'static str {
        match (self.fidelity, &self.message) {
            _ if self.outcome == Outcome::Skipped => "⊘ skipped: not possible at this point of the run",
            (Fidelity::Documented, Message::Note { .. }) => "documented behaviour (in process, no wire message)",
            (f, _) => f.label(),
        }
    }
}

/// The payload of a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Message {
    /// An HTTP request on the wire.
    Request(Request),
    /// An HTTP response on the wire.
    Response(Response),
    /// A platform-internal message with no public wire format; `detail` is a JSON-ish summary.
    Internal {
        /// What is handed over, in a sentence.
        summary: String,
        /// Key facts as pretty JSON text (may be empty).
        detail: String,
    },
    /// Something a participant does on its own (a check, a cache look-up, a wait).
    Note {
        /// What happens.
        summary: String,
    },
}

impl Message {
    /// The message as text: requests and responses as on the wire (JWTs abbreviated),
    /// platform-internal messages as their summary and detail, notes as their summary.
    pub fn wire_text(&self) -> String {
        match self {
            Message::Request(r) => abbreviate_jwts(&r.to_wire()),
            Message::Response(r) => abbreviate_jwts(&r.to_wire()),
            Message::Internal { summary, detail } => if detail.is_empty() { summary.clone() } else { format!("{summary}\n\n{detail}") },
            Message::Note { summary } => summary.clone(),
        }
    }
}

/// Whether the step succeeded, from the learner's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Normal progress.
    Ok,
    /// An error status that is part of a working flow: Key Vault's first 401 challenge to
    /// an SDK, Azure Arc's 401 `Basic realm` challenge. Drawn apart from failures.
    Expected,
    /// A failure the learner should notice (4xx/5xx, a denied check).
    Failure,
    /// A script action that could not run at this point of the run (what it needed was
    /// deleted earlier, or is created only later): shown with its reason, never dropped.
    Skipped,
}

/// What a step is, as data: the one thing its [`Outcome`] (colour and mark) derives from,
/// and what code reads instead of its label or explanation. Every recorded step has one:
/// by default from its message (a request or hand-over is [`StepKind::Sent`], a response
/// below 400 [`StepKind::Answered`], one of 400 or more [`StepKind::ServiceError`]); the
/// participant that records a step says more where it knows more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A request or a platform-internal hand-over on its way: nothing decided yet.
    Sent,
    /// A participant acting on its own: a check, a cache look-up, a wait, a retry.
    Note,
    /// The scenario author's words, not a message.
    Narration,
    /// A successful answer (2xx) or a hand-over that completes a call.
    Answered,
    /// A token issued or handed out: by Entra ID, a host's endpoint or a cache.
    TokenIssued,
    /// A probe answered: any status proves the endpoint is there (IMDS's 400 to the
    /// SDK's probe, fact sheet §8.3).
    ProbeAnswered,
    /// An error status that is part of a working flow: Key Vault's first 401 to an SDK,
    /// Azure Arc's `Basic realm` 401 (fact sheet §6.1, §3.1).
    Challenge,
    /// A resource server refused the token itself (a 401, or SQL's login failure): the
    /// check that failed. The decision lists every check made.
    TokenRefused(super::verify::CheckKind),
    /// The token is valid but the authorization decision (attached) denies: a 403, or a
    /// SQL login with no database user.
    AccessDenied,
    /// Entra ID refused to issue a token (unknown resource, deleted service principal,
    /// expired certificate, an unmatched federated credential).
    IssueRefused,
    /// A service answered with an error status other than the above.
    ServiceError {
        /// The HTTP status (503 for a service that did not answer).
        status: u16,
    },
    /// Nothing answered: no endpoint listens there, or the call timed out.
    Unreachable,
    /// The application's credential did not produce a token.
    Credential(CredentialFailure),
    /// The script replays a token the host has not sent yet: nothing goes out.
    NothingToReplay,
    /// A script action that could not run at this point of the run.
    Skipped,
}

/// How an SDK credential failed to produce a token (fact sheet §8.1, §8.3, §8.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialFailure {
    /// A credential that cannot work on this host (no managed identity, no signed-in
    /// developer tool, an unsupported identity kind): the chain moves on or raises
    /// `CredentialUnavailableException`.
    Unavailable,
    /// The token source answered an error and the retries are spent (or the status is not
    /// retryable): the SDK raises.
    Raised,
    /// A refresh failed while the cached token is still valid: the SDK keeps using it.
    RefreshFailed,
    /// Another credential (environment variables) shadows the managed identity.
    Shadowed,
}

impl StepKind {
    /// Whether the step succeeded from the learner's point of view.
    pub fn outcome(&self) -> Outcome {
        match self {
            StepKind::Sent | StepKind::Note | StepKind::Narration | StepKind::Answered | StepKind::TokenIssued | StepKind::ProbeAnswered => Outcome::Ok,
            StepKind::Challenge => Outcome::Expected,
            StepKind::Skipped => Outcome::Skipped,
            StepKind::TokenRefused(_) | StepKind::AccessDenied | StepKind::IssueRefused | StepKind::ServiceError { .. } | StepKind::Unreachable | StepKind::Credential(_) | StepKind::NothingToReplay => Outcome::Failure,
        }
    }

    /// The kind a step has when its recorder says nothing more: from its message.
    pub fn of_message(message: &Message, fidelity: Fidelity) -> StepKind {
        match message {
            Message::Request(_) | Message::Internal { .. } => StepKind::Sent,
            Message::Response(r) if r.status >= 400 => StepKind::ServiceError { status: r.status },
            Message::Response(_) => StepKind::Answered,
            Message::Note { .. } if fidelity == Fidelity::Narration => StepKind::Narration,
            Message::Note { .. } => StepKind::Note,
        }
    }
}

/// One change to the world's state, for the world view's highlights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Added, updated or removed.
    pub op: ChangeOp,
    /// Which part of the world: `directory`, `arm`, `rbac`, `msrp`, `cache`, `clock` …
    pub area: String,
    /// What changed, in words, e.g. `service principal vm-web (ManagedIdentity)`.
    pub what: String,
}

/// The kind of a [`Change`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeOp {
    /// Something new.
    Added,
    /// Something modified.
    Updated,
    /// Something gone.
    Removed,
}

impl ChangeOp {
    /// `added`, `updated` or `removed` (a CSS class, a word in exports).
    pub fn word(self) -> &'static str {
        match self {
            ChangeOp::Added => "added",
            ChangeOp::Updated => "updated",
            ChangeOp::Removed => "removed",
        }
    }
}

/// One arrow of the sequence diagram.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Index of the sending participant in [`Trace::participants`].
    pub from: usize,
    /// Index of the receiving participant (equal to `from` for a self-note).
    pub to: usize,
    /// Short arrow label, e.g. `GET /metadata/identity/oauth2/token`.
    pub label: String,
    /// Control or runtime.
    pub plane: Plane,
    /// The message.
    pub message: Message,
    /// What the step is ([`StepKind`]); in-process only (the JSON trace carries `outcome`).
    #[serde(skip)]
    pub kind: StepKind,
    /// Ok, expected, failure or skipped: always `kind.outcome()`.
    pub outcome: Outcome,
    /// Documented, modelled or conceptual.
    pub fidelity: Fidelity,
    /// Where the behaviour is described, e.g. `fact sheet §1.4`.
    pub source: String,
    /// One paragraph: why this step happens and what it means.
    pub explanation: String,
    /// State changes this step caused.
    pub changes: Vec<Change>,
    /// For an authorization check or a failed call: the decision and its reasons.
    pub decision: Option<Decision>,
    /// The JWT carried by this message, if any (raw compact form).
    pub jwt: Option<String>,
    /// Virtual time at which the step happens.
    pub time: SimTime,
    /// Index of the script action that produced this step.
    pub action: usize,
}

impl Step {
    /// Sets what the step is, and with it its outcome.
    pub fn set_kind(&mut self, kind: StepKind) -> &mut Step {
        self.outcome = kind.outcome();
        self.kind = kind;
        self
    }
}

/// The result of running a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// Lifelines, left to right.
    pub participants: Vec<Participant>,
    /// Arrows, in order.
    pub steps: Vec<Step>,
}

impl Trace {
    /// Readable text form, one block per step; used by snapshot tests and the CLI.
    pub fn to_text(&self) -> String {
        (0..self.steps.len()).map(|i| self.step_text(i)).collect()
    }

    /// Step `i` (0-based) as [`Trace::to_text`] writes it, numbered from 1; empty when
    /// there is no such step (`mip serve` prints each live step with it).
    pub fn step_text(&self, i: usize) -> String {
        let mut s = String::new();
        if let Some(st) = self.steps.get(i) {
            let from = &self.participants[st.from].label;
            let to = &self.participants[st.to].label;
            let mark = match st.outcome {
                Outcome::Ok => "",
                Outcome::Expected => "  (expected)",
                Outcome::Failure => "  ✗",
                Outcome::Skipped => "  (skipped)",
            };
            let arrow = if st.from == st.to { format!("{from} (self)") } else { format!("{from} -> {to}") };
            s.push_str(&format!("{:>3}. [{}] {}: {}{}\n", i + 1, st.time.iso(), arrow, st.label, mark));
            s.push_str(&format!("     {} · {} · {}\n", st.fidelity_label(), st.plane.name(), st.source));
            match &st.message {
                Message::Request(r) => {
                    for line in abbreviate_jwts(&r.to_wire()).lines() {
                        s.push_str(&format!("     > {line}\n"));
                    }
                }
                Message::Response(r) => {
                    for line in abbreviate_jwts(&r.to_wire()).lines() {
                        s.push_str(&format!("     < {line}\n"));
                    }
                }
                Message::Internal { summary, detail } => {
                    s.push_str(&format!("     = {summary}\n"));
                    for line in detail.lines() {
                        s.push_str(&format!("       {line}\n"));
                    }
                }
                Message::Note { summary } => s.push_str(&format!("     * {summary}\n")),
            }
            for c in &st.changes {
                let op = match c.op {
                    ChangeOp::Added => '+',
                    ChangeOp::Updated => '~',
                    ChangeOp::Removed => '-',
                };
                s.push_str(&format!("     {op} {}: {}\n", c.area, c.what));
            }
            if let Some(d) = &st.decision {
                s.push_str(&format!("     decision: {}\n", if d.allowed { "allowed" } else { "denied" }));
                for r in &d.reasons {
                    s.push_str(&format!("       - {r}\n"));
                }
            }
        }
        s
    }
}

/// Shortens every compact JWT in `text` to its first 16 characters plus its length, so
/// text traces stay readable (the JSON trace keeps the full tokens).
pub fn abbreviate_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')).unwrap_or(tail.len());
        let tok = &tail[..end];
        if tok.matches('.').count() == 2 && tok.len() > 40 {
            out.push_str(&format!("{}…[JWT {} chars]", &tok[..16], tok.len()));
        } else {
            out.push_str(tok);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}
