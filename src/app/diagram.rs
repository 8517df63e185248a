//! The SVG sequence diagram: one lifeline per participant, one numbered arrow per step.
//! A pure function of its props (trace + cursor). Lifeline headers sit in their own
//! sticky strip so they stay visible while the diagram scrolls.

use crate::model::{Fidelity, Outcome, ParticipantKind, Plane, Trace};
use std::rc::Rc;
use yew::prelude::*;

/// Horizontal distance between lifelines: seven lifelines (the usual VM + Key Vault flow)
/// fit beside the side pane on a 1440-px screen without scrolling.
/// (Coordinates are whole pixels: integer formatting keeps the float printer out of the bundle.)
pub const COL: i64 = 134;
/// Vertical distance between arrows.
pub const ROW: i64 = 46;
const LEFT: i64 = 70;
const TOP: i64 = 12;
const HEAD: i64 = 52;
/// Width of a lifeline's header box.
const BOX: i64 = 126;
/// A generous estimate of one character's width in an arrow label (12.5 px; measured up
/// to 8 px when the current step's label is bold).
const CHAR_W: i64 = 8;
/// An estimate of one character's width in a lifeline name (12 px, semibold): a line is
/// squeezed only when it is surely too wide (squeezing a line that fits would stretch it).
const HEAD_CHAR_W: i64 = 7;

/// A header label as one or two lines: a long one breaks at the space nearest its middle.
fn head_lines(label: &str) -> (&str, Option<&str>) {
    let n = label.chars().count();
    if n <= 17 {
        return (label, None);
    }
    let mid = label.len() / 2;
    match label.char_indices().filter(|(_, c)| *c == ' ').map(|(i, _)| i).min_by_key(|i| i.abs_diff(mid)) {
        Some(i) => (&label[..i], Some(&label[i + 1..])),
        None => (label, None),
    }
}

/// `<text>` attributes that squeeze a line into the header box when it would overflow.
fn squeeze(line: &str) -> Option<String> {
    (line.chars().count() as i64 * HEAD_CHAR_W > BOX - 6).then(|| (BOX - 8).to_string())
}

/// Where to centre a label of `label` over `mid` so that it stays inside `0..width`.
fn label_x(label: &str, mid: i64, width: i64) -> i64 {
    let half = label.chars().count() as i64 * CHAR_W / 2 + 4;
    if 2 * half >= width {
        width / 2
    } else {
        mid.clamp(half, width - half)
    }
}

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
    // Keep the current arrow in view as the learner steps: the arrow itself, not its row
    // (which spans the whole width), so a narrow screen also scrolls sideways to it.
    use_effect_with(p.cursor, |_| {
        let doc = gloo::utils::document();
        let arrow = doc.query_selector("svg.sequence .message.current .arrow").ok().flatten();
        if let Some(el) = arrow.or_else(|| doc.query_selector("svg.sequence .message.current").ok().flatten()) {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            opts.set_inline(web_sys::ScrollLogicalPosition::Center);
            el.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    });
    let t = &p.trace;
    let n = t.participants.len().max(1);
    let x = |i: usize| LEFT + COL * i as i64;
    let lifelines_width = LEFT * 2 + COL * (n as i64 - 1);
    // A self-arrow's label goes right of its loop, else left of the lifeline; when it fits
    // on neither side, right, and the diagram widens to hold it.
    let self_label = |from: usize, label: &str| -> (i64, bool) {
        let w = label.chars().count() as i64 * CHAR_W;
        let right = x(from) + 42;
        if right + w <= lifelines_width || x(from) - 28 - w < 0 {
            (right, true)
        } else {
            (x(from) - 28, false)
        }
    };
    let width = t.steps.iter().filter(|s| s.from == s.to && s.fidelity != Fidelity::Narration).fold(lifelines_width, |w, s| {
        let (lx, right) = self_label(s.from, &s.label);
        if right { w.max(lx + s.label.chars().count() as i64 * CHAR_W + 4) } else { w }
    });
    let height = TOP + ROW * t.steps.len() as i64 + 18;
    let heads = t.participants.iter().enumerate().map(|(i, part)| {
        let cx = x(i).to_string();
        let text = match head_lines(&part.label) {
            (one, None) => html! { <text class="head-label" x={cx.clone()} y="30" text-anchor="middle" textLength={squeeze(one)} lengthAdjust="spacingAndGlyphs">{ one }</text> },
            (first, Some(second)) => html! {
                <text class="head-label" x={cx.clone()} y="23" text-anchor="middle">
                    <tspan x={cx.clone()} textLength={squeeze(first)} lengthAdjust="spacingAndGlyphs">{ first }</tspan>
                    <tspan x={cx.clone()} dy="15" textLength={squeeze(second)} lengthAdjust="spacingAndGlyphs">{ second }</tspan>
                </text>
            },
        };
        html! {
            <g class={classes!("lifeline-head", kind_class(part.kind))}>
                <title>{ &part.label }</title>
                <rect class="head" x={(x(i) - BOX / 2).to_string()} y="6" width={BOX.to_string()} height="40" rx="6" />
                { text }
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
            // A note is a sentence or more: what does not fit the box ends in "…" (the
            // inspector and the tooltip have it whole).
            let fit = ((width - 40) / CHAR_W).max(8) as usize;
            let shown = match s.label.char_indices().nth(fit) {
                Some((cut, _)) => format!("{}…", s.label[..cut].trim_end()),
                None => s.label.clone(),
            };
            html! {
                <>
                    <title>{ &s.label }</title>
                    <rect class="note-box" x="8" y={(y - 15).to_string()} width={(width - 16).to_string()} height="30" rx="6" />
                    <text class="label" x={(width / 2).to_string()} y={(y + 4).to_string()} text-anchor="middle">{ shown }</text>
                </>
            }
        } else if s.from == s.to {
            let path = format!("M {x1} {} h 34 v 18 h -30", y - 9);
            let (lx, right) = self_label(s.from, &s.label);
            let anchor = if right { "start" } else { "end" };
            html! {
                <>
                    <path class="arrow" d={path} marker-end="url(#head)" />
                    <text class="label" x={lx.to_string()} y={(y + 4).to_string()} text-anchor={anchor}>{ &s.label }</text>
                </>
            }
        } else {
            let dir = if x2 > x1 { 1 } else { -1 };
            let mid = label_x(&s.label, (x1 + x2) / 2, width);
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
