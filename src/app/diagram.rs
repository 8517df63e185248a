//! The SVG sequence diagram: one lifeline per participant, one numbered arrow per step.
//! A pure function of its props (trace + cursor). Lifeline headers sit in their own
//! sticky strip so they stay visible while the diagram scrolls.

use crate::model::{Fidelity, Outcome, ParticipantKind, Plane, Trace};
use std::rc::Rc;
use yew::prelude::*;

/// Horizontal distance between lifelines.
/// (Coordinates are whole pixels: integer formatting keeps the float printer out of the bundle.)
pub const COL: i64 = 180;
/// Vertical distance between arrows.
pub const ROW: i64 = 46;
const LEFT: i64 = 100;
const TOP: i64 = 12;
const HEAD: i64 = 52;

/// Props of [`Diagram`].
#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    /// The trace to draw.
    pub trace: Rc<Trace>,
    /// The current step.
    pub cursor: usize,
    /// Clicking an arrow seeks to it.
    pub on_seek: Callback<usize>,
    /// Animate the current message travelling along its arrow.
    pub animate: bool,
}

fn kind_class(k: ParticipantKind) -> &'static str {
    match k {
        ParticipantKind::Operator => "p-operator",
        ParticipantKind::Arm => "p-arm",
        ParticipantKind::MiResourceProvider => "p-msrp",
        ParticipantKind::App => "p-app",
        ParticipantKind::TokenEndpoint => "p-endpoint",
        ParticipantKind::Entra => "p-entra",
        ParticipantKind::ResourceServer => "p-server",
    }
}

/// The diagram component.
#[function_component(Diagram)]
pub fn diagram(p: &DiagramProps) -> Html {
    // Keep the current arrow in view as the learner steps.
    use_effect_with(p.cursor, |_| {
        if let Ok(Some(el)) = gloo::utils::document().query_selector("svg.sequence .message.current") {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            opts.set_inline(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    });
    let t = &p.trace;
    let n = t.participants.len().max(1);
    let width = LEFT * 2 + COL * (n as i64 - 1);
    let height = TOP + ROW * t.steps.len() as i64 + 18;
    let x = |i: usize| LEFT + COL * i as i64;
    let heads = t.participants.iter().enumerate().map(|(i, part)| {
        html! {
            <g class={classes!("lifeline-head", kind_class(part.kind))}>
                <rect class="head" x={(x(i) - 82).to_string()} y="6" width="164" height="40" rx="6" />
                <text class="head-label" x={x(i).to_string()} y="31" text-anchor="middle">{ &part.label }</text>
            </g>
        }
    });
    let lifelines = t.participants.iter().enumerate().map(|(i, part)| {
        html! { <line class={classes!("lifeline", kind_class(part.kind))} x1={x(i).to_string()} y1="0" x2={x(i).to_string()} y2={height.to_string()} /> }
    });
    let arrows = t.steps.iter().enumerate().map(|(k, s)| {
        let y = TOP + ROW * k as i64 + ROW / 2;
        let state = if k == p.cursor { "current" } else if k < p.cursor { "past" } else { "future" };
        let mut cls = classes!("message", state);
        if s.outcome == Outcome::Failure {
            cls.push("failure");
        }
        cls.push(if s.plane == Plane::Control { "control" } else { "runtime" });
        if s.fidelity == Fidelity::Conceptual {
            cls.push("conceptual");
        }
        if s.fidelity == Fidelity::Narration {
            cls.push("narration");
        }
        let onclick = {
            let cb = p.on_seek.clone();
            Callback::from(move |_: MouseEvent| cb.emit(k))
        };
        let (x1, x2) = (x(s.from), x(s.to));
        let num = (k + 1).to_string();
        let travel = (k == p.cursor && p.animate && s.from != s.to).then(|| {
            html! {
                <circle key={format!("travel-{k}")} class="travel" cx={x1.to_string()} cy={y.to_string()} r="5">
                    <animate attributeName="cx" from={x1.to_string()} to={x2.to_string()} dur="0.45s" fill="freeze" />
                </circle>
            }
        });
        let body = if s.fidelity == Fidelity::Narration {
            html! {
                <>
                    <rect class="note-box" x="8" y={(y - 15).to_string()} width={(width - 16).to_string()} height="30" rx="6" />
                    <text class="label" x={(width / 2).to_string()} y={(y + 4).to_string()} text-anchor="middle">{ &s.label }</text>
                </>
            }
        } else if s.from == s.to {
            let path = format!("M {x1} {} h 34 v 18 h -30", y - 9);
            html! {
                <>
                    <path class="arrow" d={path} marker-end="url(#head)" />
                    <text class="label" x={(x1 + 42).to_string()} y={(y + 4).to_string()}>{ &s.label }</text>
                </>
            }
        } else {
            let dir = if x2 > x1 { 1 } else { -1 };
            let mid = (x1 + x2) / 2;
            html! {
                <>
                    <line class="arrow" x1={(x1 + 4 * dir).to_string()} y1={y.to_string()} x2={(x2 - 6 * dir).to_string()} y2={y.to_string()} marker-end="url(#head)" />
                    <text class="label" x={mid.to_string()} y={(y - 7).to_string()} text-anchor="middle">{ &s.label }</text>
                </>
            }
        };
        let numx = if s.fidelity == Fidelity::Narration { 24 } else if s.from == s.to { x1 - 16 } else if x2 > x1 { x1 + 14 } else { x1 - 14 };
        html! {
            <g key={k} class={cls} data-step={num.clone()} onclick={onclick} role="listitem" aria-label={format!("Step {num}: {}", s.label)} aria-current={if k == p.cursor { Some("step") } else { None }}>
                <rect class="hit" x="0" y={(y - 22).to_string()} width={width.to_string()} height={ROW.to_string()} />
                { body }
                { for travel }
                <circle class="num-bg" cx={numx.to_string()} cy={(y + 10).to_string()} r="9" />
                <text class="num" x={numx.to_string()} y={format!("{}.5", y + 13)} text-anchor="middle">{ num }</text>
            </g>
        }
    });
    html! {
        <div class="diagram">
            <svg class="heads" xmlns="http://www.w3.org/2000/svg" width={width.to_string()} height={HEAD.to_string()} viewBox={format!("0 0 {width} {HEAD}")} aria-hidden="true">
                { for heads }
            </svg>
            <svg class="sequence" xmlns="http://www.w3.org/2000/svg" width={width.to_string()} height={height.to_string()} viewBox={format!("0 0 {width} {height}")} role="list" aria-label="Sequence diagram of the scenario">
                <defs>
                    <marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" />
                    </marker>
                </defs>
                { for lifelines }
                { for arrows }
            </svg>
        </div>
    }
}
