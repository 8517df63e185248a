//! Recording: lifelines (participants) and steps of the trace.

use crate::model::trace::{Fidelity, Message, Outcome, Participant, ParticipantKind, Plane, Step};
use crate::model::world::World;

impl World {
    /// The index of a participant, adding it on first use.
    pub(crate) fn participant(&mut self, key: &str, kind: ParticipantKind, label: &str) -> usize {
        if let Some(&i) = self.participant_index.get(key) {
            return i;
        }
        let i = self.trace.participants.len();
        self.trace.participants.push(Participant { key: key.into(), kind, label: label.into() });
        self.participant_index.insert(key.into(), i);
        i
    }

    pub(crate) fn p_operator(&mut self, name: &str) -> usize {
        self.participant(&format!("operator:{}", name.to_ascii_lowercase()), ParticipantKind::Operator, name)
    }

    pub(crate) fn p_arm(&mut self) -> usize {
        self.participant("arm", ParticipantKind::Arm, "Azure Resource Manager")
    }

    pub(crate) fn p_msrp(&mut self) -> usize {
        self.participant("msrp", ParticipantKind::MiResourceProvider, "MI resource provider")
    }

    pub(crate) fn p_entra(&mut self) -> usize {
        self.participant("entra", ParticipantKind::Entra, "Entra ID")
    }

    /// Appends a step and returns it for further decoration.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn step(&mut self, from: usize, to: usize, label: impl Into<String>, plane: Plane, message: Message, fidelity: Fidelity, source: &str, explanation: impl Into<String>) -> &mut Step {
        for text in std::mem::take(&mut self.pending_notes) {
            self.step(from, from, text.clone(), plane, Message::Note { summary: text.clone() }, Fidelity::Narration, "scenario narration", text);
        }
        let failed = matches!(&message, Message::Response(r) if r.status >= 400);
        self.trace.steps.push(Step {
            from,
            to,
            label: label.into(),
            plane,
            message,
            outcome: if failed { Outcome::Failure } else { Outcome::Ok },
            fidelity,
            source: source.into(),
            explanation: explanation.into(),
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

    /// A platform-internal message (drawn conceptually).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn internal(&mut self, from: usize, to: usize, label: &str, plane: Plane, summary: &str, detail: serde_json::Value, source: &str, explanation: String) -> &mut Step {
        let detail = if detail.is_null() { String::new() } else { serde_json::to_string_pretty(&detail).unwrap_or_default() };
        self.step(from, to, label, plane, Message::Internal { summary: summary.into(), detail }, Fidelity::Conceptual, source, explanation)
    }

    /// A note on one lifeline.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn note(&mut self, who: usize, label: &str, plane: Plane, summary: &str, fidelity: Fidelity, source: &str, explanation: String) -> &mut Step {
        self.step(who, who, label, plane, Message::Note { summary: summary.into() }, fidelity, source, explanation)
    }
}
