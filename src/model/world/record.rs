//! Recording: lifelines (participants) and steps of the trace.
//!
//! **Participants.** Each lifeline gets a [`Pid`] on first use, and keeps it for the whole
//! run: the participants' code holds `Pid`s, never lane numbers. The trace's lanes are
//! always in the diagram's order (by [`ParticipantKind`], then first use): a lifeline that
//! joins left of others shifts their lanes in the steps already recorded, so the trace is
//! well-formed after every step (what a live view of a running scenario reads), and
//! [`World::finish`] has nothing to renumber.
//!
//! **Steps.** A participant describes a step as a [`Draft`] (who, to whom, the label, the
//! plane, the message, its fidelity, its source and its explanation, each by name) and
//! [`World::push`] records it at the current virtual time and action.

use crate::model::trace::{Fidelity, Message, Participant, ParticipantKind, Plane, Step, StepKind};
use crate::model::world::World;

/// A participant, as the model's code refers to it: stable from its first use to the end
/// of the run (unlike its lane in the trace, which moves when a lifeline joins on its left).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pid(pub(crate) usize);

/// A step being described, before it is recorded by [`World::push`].
pub(crate) struct Draft {
    plane: Plane,
    from: Pid,
    to: Pid,
    label: String,
    message: Message,
    fidelity: Fidelity,
    source: String,
    explanation: String,
    kind: Option<StepKind>,
}

impl Draft {
    /// A message from `from` to `to` on `plane`, labelled `label` on its arrow.
    pub(crate) fn new(plane: Plane, from: Pid, to: Pid, label: impl Into<String>) -> Draft {
        Draft { plane, from, to, label: label.into(), message: Message::Note { summary: String::new() }, fidelity: Fidelity::Documented, source: String::new(), explanation: String::new(), kind: None }
    }

    /// A runtime message (token requests, resource calls).
    pub(crate) fn runtime(from: Pid, to: Pid, label: impl Into<String>) -> Draft {
        Draft::new(Plane::Runtime, from, to, label)
    }

    /// A control-plane message (ARM operations, provisioning, role assignments).
    pub(crate) fn control(from: Pid, to: Pid, label: impl Into<String>) -> Draft {
        Draft::new(Plane::Control, from, to, label)
    }

    /// Something a participant does on its own lifeline, on `plane`.
    pub(crate) fn on(plane: Plane, who: Pid, label: impl Into<String>) -> Draft {
        Draft::new(plane, who, who, label)
    }

    /// [`Draft::on`] the runtime plane.
    pub(crate) fn runtime_on(who: Pid, label: impl Into<String>) -> Draft {
        Draft::on(Plane::Runtime, who, label)
    }

    /// [`Draft::on`] the control plane.
    pub(crate) fn control_on(who: Pid, label: impl Into<String>) -> Draft {
        Draft::on(Plane::Control, who, label)
    }

    /// The payload.
    pub(crate) fn message(mut self, message: Message) -> Draft {
        self.message = message;
        self
    }

    /// An HTTP request on the wire.
    pub(crate) fn request(self, r: crate::model::http::Request) -> Draft {
        self.message(Message::Request(r))
    }

    /// An HTTP response on the wire.
    pub(crate) fn response(self, r: crate::model::http::Response) -> Draft {
        self.message(Message::Response(r))
    }

    /// A platform-internal message with no public wire format (drawn conceptually):
    /// `summary` in a sentence, `detail` shown as pretty JSON (nothing for `null`).
    pub(crate) fn internal(mut self, summary: &str, detail: serde_json::Value) -> Draft {
        let detail = if detail.is_null() { String::new() } else { serde_json::to_string_pretty(&detail).unwrap_or_default() };
        self.message = Message::Internal { summary: summary.into(), detail };
        self.fidelity = Fidelity::Conceptual;
        self
    }

    /// What happens on the lifeline, in a sentence.
    pub(crate) fn note(mut self, summary: &str) -> Draft {
        self.message = Message::Note { summary: summary.into() };
        self
    }

    /// How far the bytes can be trusted.
    pub(crate) fn fidelity(mut self, fidelity: Fidelity) -> Draft {
        self.fidelity = fidelity;
        self
    }

    /// Where the behaviour is described (fact-sheet section, golden check).
    pub(crate) fn source(mut self, source: &str) -> Draft {
        self.source = source.into();
        self
    }

    /// What the step is, when the recorder knows more than its message says
    /// ([`StepKind::of_message`] otherwise).
    pub(crate) fn kind(mut self, kind: StepKind) -> Draft {
        self.kind = Some(kind);
        self
    }

    /// A service's typed error as this step's answer: its response, fidelity and kind
    /// (each service writes its error bodies in one place, e.g. [`crate::model::arm::ArmError`]).
    pub(crate) fn error(self, e: &impl WireError) -> Draft {
        let d = self.response(e.response()).fidelity(e.fidelity());
        match e.kind() {
            Some(k) => d.kind(k),
            None => d,
        }
    }

    /// Why the step happens and what it means, in a paragraph.
    pub(crate) fn explain(mut self, explanation: impl Into<String>) -> Draft {
        self.explanation = explanation.into();
        self
    }
}

impl World {
    /// The participant with `key`, added on first use.
    pub(crate) fn participant(&mut self, key: &str, kind: ParticipantKind, label: &str) -> Pid {
        if let Some(&p) = self.participant_index.get(key) {
            return p;
        }
        let pid = Pid(self.lanes.len());
        // Its lane: after every lifeline of its kind or a kind further left.
        let lane = self.trace.participants.iter().filter(|p| p.kind <= kind).count();
        for l in &mut self.lanes {
            if *l >= lane {
                *l += 1;
            }
        }
        for s in &mut self.trace.steps {
            if s.from >= lane {
                s.from += 1;
            }
            if s.to >= lane {
                s.to += 1;
            }
        }
        self.lanes.push(lane);
        self.trace.participants.insert(lane, Participant { key: key.into(), kind, label: label.into() });
        self.participant_index.insert(key.into(), pid);
        pid
    }

    /// The participant drawn in `lane` of the trace.
    pub(crate) fn pid_in_lane(&self, lane: usize) -> Pid {
        Pid(self.lanes.iter().position(|&l| l == lane).unwrap_or(0))
    }

    pub(crate) fn p_operator(&mut self, name: &str) -> Pid {
        self.participant(&format!("operator:{}", name.to_ascii_lowercase()), ParticipantKind::Operator, name)
    }

    pub(crate) fn p_arm(&mut self) -> Pid {
        self.participant("arm", ParticipantKind::Arm, "Azure Resource Manager")
    }

    pub(crate) fn p_msrp(&mut self) -> Pid {
        self.participant("msrp", ParticipantKind::MiResourceProvider, "MI resource provider")
    }

    pub(crate) fn p_entra(&mut self) -> Pid {
        self.participant("entra", ParticipantKind::Entra, "Entra ID")
    }

    /// Records a step (after any narration waiting for a lifeline) at the current virtual
    /// time and action, and returns it for further decoration. Its outcome derives from
    /// its kind.
    pub(crate) fn push(&mut self, d: Draft) -> &mut Step {
        for text in std::mem::take(&mut self.pending_notes) {
            self.push(Draft::on(d.plane, d.from, text.clone()).note(&text).fidelity(Fidelity::Narration).source("scenario narration").explain(text));
        }
        let kind = d.kind.unwrap_or_else(|| StepKind::of_message(&d.message, d.fidelity));
        self.trace.steps.push(Step {
            from: self.lanes[d.from.0],
            to: self.lanes[d.to.0],
            label: d.label,
            plane: d.plane,
            message: d.message,
            outcome: kind.outcome(),
            kind,
            fidelity: d.fidelity,
            source: d.source,
            explanation: d.explanation,
            changes: Vec::new(),
            decision: None,
            jwt: None,
            time: self.now,
            action: self.action,
        });
        if self.views.is_some() {
            let v = self.snapshot();
            if let Some(views) = self.views.as_mut() {
                views.push(v);
            }
        }
        self.trace.steps.last_mut().expect("just pushed")
    }
}

/// A service's error as it goes on the wire: one enum per service implements this
/// (ARM's `ArmError`, Key Vault's `KeyVaultError`, Storage's `StorageError`; the host
/// endpoints' `EndpointError` is drawn by `hosts::emit_endpoint_response`), so a step's response, fidelity and kind (and, through each
/// enum's `label`, its label) come from the typed error, never from text.
pub(crate) trait WireError {
    /// The whole HTTP response.
    fn response(&self) -> crate::model::http::Response;
    /// Documented bytes or modelled.
    fn fidelity(&self) -> crate::model::trace::Fidelity;
    /// What the step is, where the message alone does not say it.
    fn kind(&self) -> Option<StepKind>;
}
