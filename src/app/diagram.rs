//! The SVG sequence diagram: one lifeline per participant, one numbered arrow per step.
//! A pure function of its props (trace + cursor). Lifeline headers sit in their own
//! sticky strip so they stay visible while the diagram scrolls.
//!
//! - Sizing: drawn in its own coordinates, shown at the scale the app asks for (fit to
//!   the pane's width within readable limits, or scaled up on a projector).
//! - Outcomes have their own styles, each with a mark, never colour alone: failures
//!   `✗` (red), expected challenges `↺` (amber: a normal 401 in a working flow), skipped
//!   script steps `⊘` (a dashed note). Notes wrap onto up to four lines.
//! - Predict mode: steps not reached yet are drawn as neutral arrows labelled `?`.
//! - The current step is kept in the middle band of the pane, never at an edge.
//! - [`Overview`]: a miniature of a long run beside the diagram, for jumping around.

use crate::model::{Fidelity, Outcome, ParticipantKind, Plane, Step, Trace};
use crate::player::text::wrap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Horizontal distance between lifelines: seven lifelines (the usual VM + Key Vault flow)
/// fit beside the side pane on a 1440-px screen without scrolling.
/// (Coordinates are whole pixels: integer formatting keeps the float printer out of the bundle.)
pub const COL: i64 = 134;
/// Vertical distance between arrows.
pub const ROW: i64 = 46;
/// Extra height per wrapped line of a note.
const NOTE_LINE: i64 = 16;
/// Most lines a note wraps onto.
const NOTE_LINES: usize = 4;
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
    /// Steps from this index on are drawn as `?` (predict mode: not reached yet).
    #[prop_or_default]
    pub hidden_from: Option<usize>,
    /// The width available (CSS pixels; 0: unknown, drawn at natural size).
    #[prop_or_default]
    pub avail: i64,
    /// Smallest and largest scale, in percent, when fitting `avail`.
    #[prop_or((100, 100))]
    pub scale: (i64, i64),
}

/// Is step `k` hidden?
fn hidden(p: &DiagramProps, k: usize) -> bool {
    p.hidden_from.is_some_and(|h| k >= h)
}

/// A note-like step (narration, or a skipped script step) drawn across the whole width.
fn is_note(s: &Step) -> bool {
    s.fidelity == Fidelity::Narration || s.outcome == Outcome::Skipped
}

/// The class and the mark (never colour alone) of an outcome, for the diagram, the
/// ticks, the overview and the transcript alike.
pub fn outcome_mark(o: Outcome) -> (Option<&'static str>, &'static str) {
    match o {
        Outcome::Ok => (None, ""),
        Outcome::Expected => (Some("expected"), "↺ "),
        Outcome::Failure => (Some("failure"), "✗ "),
        Outcome::Skipped => (Some("skipped"), "⊘ "),
    }
}

/// `el.getBoundingClientRect()` as (top, bottom, left, right).
fn rect(el: &web_sys::Element) -> (f64, f64, f64, f64) {
    let r = js_sys::Reflect::get(el, &"getBoundingClientRect".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).and_then(|f| f.call0(el).ok());
    let g = |k: &str| r.as_ref().and_then(|r| js_sys::Reflect::get(r, &k.into()).ok()).and_then(|v| v.as_f64()).unwrap_or(0.0);
    (g("top"), g("bottom"), g("left"), g("right"))
}

/// Scrolls the diagram pane (only the pane, never the page: an embedding page stays put)
/// so the current step sits in the middle half of it, and its arrow is in sight sideways.
fn keep_current_in_view() {
    let doc = gloo::utils::document();
    let (Some(pane), Some(cur)) = (doc.query_selector(".diagram-pane").ok().flatten(), doc.query_selector("svg.sequence .message.current").ok().flatten()) else { return };
    let arrow = cur.query_selector(".arrow").ok().flatten();
    let (pt, pb, pl, pr) = rect(&pane);
    let heads = doc.query_selector("svg.heads").ok().flatten().map(|h| rect(&h)).map(|r| r.1 - r.0).unwrap_or(0.0);
    let (rt, rb, _, _) = rect(&cur);
    let top = pt + heads;
    let h = pb - top;
    let mid = (rt + rb) / 2.0;
    // Only a real change is written: a scroll that the pane would clamp to where it is
    // already costs a layout (the sticky headers) for nothing.
    let set = |now: i32, want: f64, max: i32, write: &dyn Fn(i32)| {
        let want = (want.round() as i32).clamp(0, max.max(0));
        if want != now {
            write(want);
        }
    };
    if h > 0.0 && (mid < top + h * 0.25 || mid > top + h * 0.75) {
        let now = pane.scroll_top();
        set(now, f64::from(now) + mid - (top + h / 2.0), pane.scroll_height() - pane.client_height(), &|v| pane.set_scroll_top(v));
    }
    // Sideways only for an arrow (a note spans the whole width).
    if let Some((_, _, al, ar)) = arrow.map(|a| rect(&a)) {
        if al < pl || ar > pr {
            let now = pane.scroll_left();
            set(now, f64::from(now) + (al + ar) / 2.0 - (pl + pr) / 2.0, pane.scroll_width() - pane.client_width(), &|v| pane.set_scroll_left(v));
        }
    }
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
        ParticipantKind::OidcIssuer => "p-issuer",
    }
}

/// A trace compared by identity (a memo key that never compares whole traces).
#[derive(Clone)]
struct Same(Rc<Trace>);

impl PartialEq for Same {
    fn eq(&self, o: &Same) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// Where everything goes: computed once per trace (and predict-mode reveal), not per step.
struct Layout {
    /// Width of the diagram in its own coordinates.
    width: i64,
    /// Its height.
    height: i64,
    /// The top of each step's row.
    tops: Vec<i64>,
    /// A note's lines (notes and skipped steps), else `None`.
    notes: Vec<Option<Vec<String>>>,
    /// The label as drawn: the outcome's mark and the label, or `?` when hidden.
    labels: Vec<String>,
}

/// x of lifeline `i`.
fn x(i: usize) -> i64 {
    LEFT + COL * i as i64
}

/// Where a self-arrow's label goes: right of its loop, else left of the lifeline; when it
/// fits on neither side, right, and the diagram widens to hold it. `(x, on the right)`.
fn self_label(from: usize, label: &str, lifelines_width: i64) -> (i64, bool) {
    let w = label.chars().count() as i64 * CHAR_W;
    let right = x(from) + 42;
    if right + w <= lifelines_width || x(from) - 28 - w < 0 {
        (right, true)
    } else {
        (x(from) - 28, false)
    }
}

fn layout(t: &Trace, hidden_from: Option<usize>) -> Layout {
    let n = t.participants.len().max(1);
    let lifelines_width = LEFT * 2 + COL * (n as i64 - 1);
    let marked: Vec<String> = t.steps.iter().map(|s| format!("{}{}", outcome_mark(s.outcome).1, s.label)).collect();
    let width = t.steps.iter().zip(&marked).filter(|(s, _)| s.from == s.to && !is_note(s)).fold(lifelines_width, |w, (s, label)| {
        let (lx, right) = self_label(s.from, label, lifelines_width);
        if right { w.max(lx + label.chars().count() as i64 * CHAR_W + 4) } else { w }
    });
    // Notes wrap onto several lines and their rows grow; every other row is ROW high.
    let fit = ((width - 40) / CHAR_W).max(8) as usize;
    let notes: Vec<Option<Vec<String>>> = t.steps.iter().zip(&marked).map(|(s, m)| is_note(s).then(|| wrap(m, fit, NOTE_LINES))).collect();
    let mut tops = Vec::with_capacity(t.steps.len());
    let mut y0 = TOP;
    for n in &notes {
        tops.push(y0);
        y0 += ROW + n.as_ref().map_or(0, |l| (l.len() as i64 - 1) * NOTE_LINE);
    }
    let labels = marked.into_iter().enumerate().map(|(k, m)| if hidden_from.is_some_and(|h| k >= h) { "?".to_string() } else { m }).collect();
    Layout { width, height: y0 + 18, tops, notes, labels }
}

/// The diagram component.
#[function_component(Diagram)]
pub fn diagram(p: &DiagramProps) -> Html {
    let t = &p.trace;
    let lay = use_memo((Same(t.clone()), p.hidden_from), |(t, h)| layout(&t.0, *h));
    let lifelines_width = LEFT * 2 + COL * (t.participants.len().max(1) as i64 - 1);
    let (width, height) = (lay.width, lay.height);
    let pct = if p.avail > 0 { (p.avail * 100 / width).clamp(p.scale.0, p.scale.1) } else { 100 };
    let scaled = |v: i64| (v * pct / 100).to_string();
    // Keep the current step in view as the learner steps (and when the scale or the trace
    // changes). A step is placed at once, while the browser is idle before the frame (as
    // the layout it reads is needed for that frame anyway); after an edit or a resize it
    // waits for the frame, so an edit's update is not held up by a layout of the page.
    let last_cursor = use_mut_ref(|| usize::MAX);
    use_effect_with((p.cursor, pct, t.steps.len()), move |(cursor, _, _)| {
        if last_cursor.replace(*cursor) != *cursor {
            keep_current_in_view();
        } else {
            super::persist::next_frame(keep_current_in_view);
        }
    });
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
    let arrows = (0..t.steps.len()).map(|k| {
        let state = if k == p.cursor { Place::Current } else if k < p.cursor { Place::Past } else { Place::Future };
        html! { <Arrow key={k} trace={t.clone()} lay={lay.clone()} {k} {state} secret={hidden(p, k)} animate={p.animate} lifelines_width={lifelines_width} on_seek={p.on_seek.clone()} /> }
    });
    html! {
        <div class="diagram" data-scale={pct.to_string()}>
            <svg class="heads" xmlns="http://www.w3.org/2000/svg" width={scaled(width)} height={scaled(HEAD)} viewBox={format!("0 0 {width} {HEAD}")} aria-hidden="true">
                { for heads }
            </svg>
            <svg class="sequence" xmlns="http://www.w3.org/2000/svg" width={scaled(width)} height={scaled(height)} viewBox={format!("0 0 {width} {height}")} role="list" aria-label="Sequence diagram of the scenario">
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

/// Where a step is relative to the learner's place.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Already seen.
    Past,
    /// The current step.
    Current,
    /// Not reached yet.
    Future,
}

/// Props of [`Arrow`].
#[derive(Properties)]
struct ArrowProps {
    trace: Rc<Trace>,
    lay: Rc<Layout>,
    k: usize,
    state: Place,
    secret: bool,
    animate: bool,
    lifelines_width: i64,
    on_seek: Callback<usize>,
}

impl PartialEq for ArrowProps {
    /// By identity for the trace and layout, by value for the rest; the seek callback is
    /// made anew on each render of the page but always does the same thing, so it is not
    /// compared: stepping re-renders only the arrows whose place changed.
    fn eq(&self, o: &ArrowProps) -> bool {
        Rc::ptr_eq(&self.trace, &o.trace) && Rc::ptr_eq(&self.lay, &o.lay) && self.k == o.k && self.state == o.state && self.secret == o.secret && self.animate == o.animate && self.lifelines_width == o.lifelines_width
    }
}

/// One step of the diagram: its arrow (or note), label and number.
#[function_component(Arrow)]
fn arrow(p: &ArrowProps) -> Html {
    let (k, lay) = (p.k, &p.lay);
    let s = &p.trace.steps[k];
    let (width, tops, notes) = (lay.width, &lay.tops, &lay.notes);
    let lines = notes[k].as_ref().map_or(1, Vec::len) as i64;
    let y = tops[k] + ROW / 2 + (lines - 1) * NOTE_LINE / 2;
    let current = p.state == Place::Current;
    let mut cls = classes!("message", match p.state {
        Place::Current => "current",
        Place::Past => "past",
        Place::Future => "future",
    });
    let secret = p.secret;
    cls.push(if secret { None } else { outcome_mark(s.outcome).0 });
    if secret {
        cls.push("hidden");
    }
    cls.push(if s.plane == Plane::Control { "control" } else { "runtime" });
    if s.fidelity == Fidelity::Conceptual && !secret {
        cls.push("conceptual");
    }
    if is_note(s) {
        cls.push("narration");
    }
    let shown_label = &lay.labels[k];
    let onclick = p.on_seek.reform(move |_: MouseEvent| k);
    let (x1, x2) = (x(s.from), x(s.to));
    let num = (k + 1).to_string();
    let travel = (current && p.animate && s.from != s.to).then(|| {
        html! {
            <circle key={format!("travel-{k}")} class="travel" cx={x1.to_string()} cy={y.to_string()} r="5">
                <animate attributeName="cx" from={x1.to_string()} to={x2.to_string()} dur="0.45s" fill="freeze" />
            </circle>
        }
    });
    let body = if let Some(note) = &notes[k] {
        // A note is a sentence or more: it wraps (the inspector and the tooltip have it
        // whole, and what does not fit four lines ends in "…").
        let box_h = 30 + (lines - 1) * NOTE_LINE;
        let first = y - (lines - 1) * NOTE_LINE / 2 + 4;
        html! {
            <>
                if !secret { <title>{ &s.label }</title> }
                <rect class="note-box" x="8" y={(y - box_h / 2).to_string()} width={(width - 16).to_string()} height={box_h.to_string()} rx="6" />
                if secret {
                    <text class="label" x={(width / 2).to_string()} y={(y + 4).to_string()} text-anchor="middle">{ "?" }</text>
                } else {
                    <text class="label" x={(width / 2).to_string()} y={first.to_string()} text-anchor="middle">
                        { for note.iter().enumerate().map(|(i, l)| html! { <tspan x={(width / 2).to_string()} dy={if i == 0 { "0".to_string() } else { NOTE_LINE.to_string() }}>{ l.clone() }</tspan> }) }
                    </text>
                }
            </>
        }
    } else if s.from == s.to {
        let path = format!("M {x1} {} h 34 v 18 h -30", y - 9);
        let (lx, right) = self_label(s.from, shown_label, p.lifelines_width);
        let anchor = if right { "start" } else { "end" };
        html! {
            <>
                <path class="arrow" d={path} marker-end="url(#head)" />
                <text class="label" x={lx.to_string()} y={(y + 4).to_string()} text-anchor={anchor}>{ shown_label.clone() }</text>
            </>
        }
    } else {
        let dir = if x2 > x1 { 1 } else { -1 };
        let mid = label_x(shown_label, (x1 + x2) / 2, width);
        html! {
            <>
                <line class="arrow" x1={(x1 + 4 * dir).to_string()} y1={y.to_string()} x2={(x2 - 6 * dir).to_string()} y2={y.to_string()} marker-end="url(#head)" />
                <text class="label" x={mid.to_string()} y={(y - 7).to_string()} text-anchor="middle">{ shown_label.clone() }</text>
            </>
        }
    };
    let numx = if is_note(s) { 24 } else if s.from == s.to { x1 - 16 } else if x2 > x1 { x1 + 14 } else { x1 - 14 };
    let row_h = ROW + (lines - 1) * NOTE_LINE;
    html! {
        <g class={cls} data-step={num.clone()} onclick={onclick} role="listitem" aria-label={format!("Step {num}: {shown_label}")} aria-current={current.then_some("step")}>
            <rect class="hit" x="0" y={tops[k].to_string()} width={width.to_string()} height={row_h.to_string()} />
            { body }
            { for travel }
            <circle class="num-bg" cx={numx.to_string()} cy={(y + 10).to_string()} r="9" />
            <text class="num" x={numx.to_string()} y={format!("{}.5", y + 13)} text-anchor="middle">{ num }</text>
        </g>
    }
}

/// Props of [`Overview`].
#[derive(Properties, PartialEq)]
pub struct OverviewProps {
    /// The trace.
    pub trace: Rc<Trace>,
    /// The current step.
    pub cursor: usize,
    /// Clicking a row seeks to it.
    pub on_seek: Callback<usize>,
    /// Steps from this index on are drawn neutral (predict mode).
    #[prop_or_default]
    pub hidden_from: Option<usize>,
}

/// Runs this long get an overview beside the diagram.
pub const OVERVIEW_FROM: usize = 24;

/// A miniature of the whole run: one thin row per step (its arrow between the lanes,
/// coloured by outcome), the current one marked; a click jumps there. The rows are drawn
/// once per trace; stepping only moves the marker.
#[function_component(Overview)]
pub fn overview(p: &OverviewProps) -> Html {
    const W: i64 = 56;
    const H: i64 = 7;
    let on_seek = p.on_seek.clone();
    let rows = use_memo((Same(p.trace.clone()), p.hidden_from), move |(t, hidden_from)| {
        let t = &t.0;
        let lanes = t.participants.len().max(2) as i64;
        let lx = |i: usize| 4 + (W - 8) * i as i64 / (lanes - 1);
        t.steps
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let y = H * k as i64;
                let secret = hidden_from.is_some_and(|h| k >= h);
                let outcome = if secret { None } else { outcome_mark(s.outcome).0 };
                let cls = classes!("ov-row", outcome, (s.plane == Plane::Control).then_some("control"), secret.then_some("hidden"));
                let (a, b) = if is_note(s) { (2, W - 2) } else if s.from == s.to { (lx(s.from), lx(s.from) + 6) } else { (lx(s.from.min(s.to)), lx(s.from.max(s.to))) };
                let onclick = on_seek.reform(move |_: MouseEvent| k);
                html! {
                    <g key={k} class={cls} {onclick} data-step={(k + 1).to_string()}>
                        <rect class="ov-hit" x="0" y={y.to_string()} width={W.to_string()} height={H.to_string()} />
                        <line class="ov-line" x1={a.to_string()} y1={(y + H / 2).to_string()} x2={b.to_string()} y2={(y + H / 2).to_string()} />
                    </g>
                }
            })
            .collect::<Html>()
    });
    let h = H * p.trace.steps.len() as i64;
    html! {
        <nav class="overview" aria-label="Overview of every step">
            <svg xmlns="http://www.w3.org/2000/svg" width={W.to_string()} height={h.to_string()} viewBox={format!("0 0 {W} {h}")} aria-hidden="true">
                <rect class="ov-current" x="0" y={(H * p.cursor as i64).to_string()} width={W.to_string()} height={H.to_string()} data-step={(p.cursor + 1).to_string()} />
                { (*rows).clone() }
            </svg>
        </nav>
    }
}
