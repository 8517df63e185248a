//! The inspector: the current step's explanation, fidelity label, wire message, decision
//! and state changes.

use crate::model::{token, trace::abbreviate_jwts, Fidelity, Message, Trace};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`Inspector`].
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The trace.
    pub trace: Rc<Trace>,
    /// The current step.
    pub cursor: usize,
}

/// The inspector component.
#[function_component(Inspector)]
pub fn inspector(p: &InspectorProps) -> Html {
    let Some(s) = p.trace.steps.get(p.cursor) else {
        return html! { <p class="empty">{ "No steps." }</p> };
    };
    let from = &p.trace.participants[s.from].label;
    let to = &p.trace.participants[s.to].label;
    let fid_class = match s.fidelity {
        Fidelity::Documented => "fid-documented",
        Fidelity::Modelled => "fid-modelled",
        Fidelity::Conceptual => "fid-conceptual",
        Fidelity::Narration => "fid-narration",
    };
    let wire = match &s.message {
        Message::Request(r) => abbreviate_jwts(&r.to_wire()),
        Message::Response(r) => abbreviate_jwts(&r.to_wire()),
        Message::Internal { summary, detail } => if detail.is_empty() { summary.clone() } else { format!("{summary}\n\n{detail}") },
        Message::Note { summary } => summary.clone(),
    };
    let jwt = s.jwt.as_deref().and_then(token::decode_parts).map(|(h, pl, _)| {
        let pretty = |j: &str| serde_json::from_str::<serde_json::Value>(j).ok().and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_else(|| j.to_string());
        html! {
            <details class="jwt" open=true>
                <summary>{ "Access token (JWT), decoded" }</summary>
                <h4 class="jwt-h">{ "Header" }</h4>
                <pre class="jwt-header">{ pretty(&h) }</pre>
                <h4 class="jwt-p">{ "Payload (claims)" }</h4>
                <pre class="jwt-payload">{ pretty(&pl) }</pre>
                <p class="jwt-s">{ format!("Signature: RS256 with the demo tenant key {}", token::KID) }</p>
            </details>
        }
    });
    html! {
        <div class="inspector" data-step={(p.cursor + 1).to_string()}>
            <h2>{ format!("{}. {}", p.cursor + 1, s.label) }</h2>
            <p class="route">{ format!("{from} → {to} · {}", s.time.iso()) }</p>
            <p class="badges">
                <span class={classes!("badge", fid_class)}>{ s.fidelity_label() }</span>
                <span class="badge source">{ &s.source }</span>
            </p>
            <p class="explanation">{ &s.explanation }</p>
            if let Some(d) = &s.decision {
                <section class={classes!("decision", if d.allowed { "allowed" } else { "denied" })}>
                    <h3>{ &d.summary }</h3>
                    <ul>{ for d.reasons.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
                    if let Some(f) = &d.fix {
                        <p class="fix"><strong>{ "Fix: " }</strong>{ f }</p>
                    }
                </section>
            }
            <pre class="wire">{ wire }</pre>
            { for jwt }
            if !s.changes.is_empty() {
                <section class="changes">
                    <h3>{ "What changed" }</h3>
                    <ul>{ for s.changes.iter().map(|c| html! { <li class={format!("{:?}", c.op).to_lowercase()}>{ format!("{}: {}", c.area, c.what) }</li> }) }</ul>
                </section>
            }
        </div>
    }
}
