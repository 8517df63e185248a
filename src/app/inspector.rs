//! The inspector: the current step's explanation, fidelity label and source, the HTTP
//! message as on the wire (headers that matter highlighted, bodies pretty-printed), the
//! JWT it carries, the authorization decision (verdict and fix first, then the checks
//! with ARM scopes abbreviated, the full ids one click away), and the state it changed.

use crate::model::http::pretty_json;
use crate::player::text::abbreviate_scopes;
use crate::model::{trace::abbreviate_jwts, Fidelity, Message, Outcome, Trace};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`Inspector`].
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The trace.
    pub trace: Rc<Trace>,
    /// The current step.
    pub cursor: usize,
    /// The document, for the code samples (they read its world views) and the token's
    /// verification (computed once per trace).
    pub doc: Rc<super::state::Doc>,
    /// Applies an edit (the JWT view's "Edit this token" sends one).
    #[prop_or_default]
    pub on_edit: Callback<crate::model::edit::Edit>,
}

/// Headers a learner should look at.
const KEY_HEADERS: [&str; 7] = ["metadata", "x-identity-header", "authorization", "www-authenticate", "x-ms-version", "secret", "x-forwarded-for"];

/// XML with one element per line, indented (enough for Storage's error bodies).
fn pretty_xml(text: &str) -> Option<String> {
    if !text.trim_start().starts_with('<') {
        return None;
    }
    let mut out = String::new();
    let mut depth: usize = 0;
    let mut rest = text.trim();
    while let Some(start) = rest.find('<') {
        let before = rest[..start].trim();
        if !before.is_empty() {
            out.push_str(before);
        }
        let Some(end) = rest[start..].find('>') else { break };
        let tag = &rest[start..start + end + 1];
        if tag.starts_with("</") {
            depth = depth.saturating_sub(1);
            if !before.is_empty() {
                out.push_str(tag);
                out.push('\n');
            } else {
                out.push_str(&format!("{}{tag}\n", "  ".repeat(depth)));
            }
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("{}{tag}", "  ".repeat(depth)));
            let closes_soon = rest[start + end + 1..].trim_start().starts_with("</") || !rest[start + end + 1..].trim_start().starts_with('<');
            if !tag.ends_with("/>") && !tag.starts_with("<?") {
                depth += 1;
            }
            if !closes_soon || tag.starts_with("<?") || tag.ends_with("/>") {
                out.push('\n');
            }
        }
        rest = &rest[start + end + 1..];
    }
    Some(out.trim_end().to_string())
}

/// Text with `code spans` rendered as <code> (everything stays text, never HTML).
pub fn rich(text: &str) -> Html {
    if text.matches('`').count() % 2 != 0 {
        return html! { { text.to_string() } };
    }
    let parts = text.split('`').enumerate().map(|(i, part)| if i % 2 == 1 { html! { <code>{ part.to_string() }</code> } } else { html! { { part.to_string() } } });
    html! { <>{ for parts }</> }
}

fn body_view(body: &Option<String>) -> Html {
    let Some(b) = body.as_deref().filter(|b| !b.is_empty()) else { return html! {} };
    let shown = pretty_json(b).or_else(|| pretty_xml(b)).unwrap_or_else(|| b.to_string());
    html! { <pre class="body">{ abbreviate_jwts(&shown) }</pre> }
}

fn headers_view(start: String, headers: &[(String, String)]) -> Html {
    html! {
        <div class="http">
            <div class="start-line">{ start }</div>
            { for headers.iter().map(|(n, v)| {
                let key = KEY_HEADERS.contains(&n.to_ascii_lowercase().as_str());
                html! { <div class={classes!("header", key.then_some("key"))}><span class="hname">{ format!("{n}: ") }</span><span class="hvalue">{ abbreviate_jwts(v) }</span></div> }
            }) }
        </div>
    }
}

/// The inspector component.
#[function_component(Inspector)]
pub fn inspector(p: &InspectorProps) -> Html {
    let full = use_state(|| false);
    let Some(s) = p.trace.steps.get(p.cursor) else {
        return html! { <p class="empty">{ "This scenario has no steps yet: add actions to its script." }</p> };
    };
    // "Edit this token": where an edited copy goes (not while the text is unreadable: the
    // edit would replace it).
    let resend = if p.doc.stale || s.jwt.is_none() { None } else { crate::model::edit::resend_target(&p.doc.scenario, &p.doc.trace, p.cursor) };
    let on_resend = {
        let (cb, after) = (p.on_edit.clone(), resend.as_ref().map(|r| r.0));
        Callback::from(move |jwt: String| {
            if let Some(after) = after {
                cb.emit(crate::model::edit::Edit::SendToken { after, jwt });
            }
        })
    };
    let from = &p.trace.participants[s.from].label;
    let to = &p.trace.participants[s.to].label;
    let fid_class = match s.fidelity {
        Fidelity::Documented => "fid-documented",
        Fidelity::Modelled => "fid-modelled",
        Fidelity::Conceptual => "fid-conceptual",
        Fidelity::Narration if s.outcome == Outcome::Skipped => "fid-skipped",
        Fidelity::Narration => "fid-narration",
    };
    let wire = match &s.message {
        Message::Request(r) => {
            let (host, target) = r.url.split_once("://").map(|(_, rest)| rest.split_once('/').map(|(h, t)| (h.to_string(), format!("/{t}"))).unwrap_or((rest.to_string(), "/".into()))).unwrap_or_default();
            let mut hs = vec![("Host".to_string(), host)];
            hs.extend(r.headers.iter().cloned());
            html! { <section class="wire request"><h3>{ "Request" }</h3>{ headers_view(format!("{} {} HTTP/1.1", r.method, target), &hs) }{ body_view(&r.body) }</section> }
        }
        Message::Response(r) => html! { <section class={classes!("wire", "response", match s.outcome { Outcome::Expected => Some("expected"), _ if r.status >= 400 => Some("error"), _ => None })}><h3>{ "Response" }</h3>{ headers_view(format!("HTTP/1.1 {} {}", r.status, r.reason), &r.headers) }{ body_view(&r.body) }</section> },
        Message::Internal { summary, detail } => html! {
            <section class="wire internal"><h3>{ "Platform-internal message" }</h3><p>{ summary }</p>
                if !detail.is_empty() { <pre class="body">{ abbreviate_jwts(detail) }</pre> }
            </section>
        },
        Message::Note { summary } => html! { <section class="wire note"><p>{ summary }</p></section> },
    };
    html! {
        <div class="inspector" data-step={(p.cursor + 1).to_string()}>
            <h2>{ format!("{}. {}", p.cursor + 1, s.label) }</h2>
            <p class="route">{ format!("{from} → {to} · {}", s.time.iso()) }</p>
            <p class="badges">
                { match s.outcome {
                    Outcome::Ok => html! {},
                    Outcome::Expected => html! { <span class="badge outcome-expected">{ "↺ expected: part of a working flow" }</span> },
                    Outcome::Failure => html! { <span class="badge outcome-failure">{ "✗ failed" }</span> },
                    // (A skipped step's fidelity label says so.)
                    Outcome::Skipped => html! {},
                } }
                <span class={classes!("badge", fid_class)}>{ s.fidelity_label() }</span>
                <span class="badge source">{ &s.source }</span>
                <span class="badge plane">{ if s.plane == crate::model::Plane::Control { "control plane" } else { "runtime" } }</span>
            </p>
            <p class="explanation">{ rich(&s.explanation) }</p>
            if let Some(d) = &s.decision {
                <section class={classes!("decision", if d.allowed { "allowed" } else { "denied" })}>
                    { {
                        // Each text with its ARM scopes shortened (when there are any).
                        let short: Vec<Option<String>> = d.fix.iter().chain(&d.reasons).map(|r| abbreviate_scopes(r)).collect();
                        let any = short.iter().any(Option::is_some);
                        let shown = |r: &String, k: usize| -> (String, Option<String>) {
                            match short[k].as_ref().filter(|_| !*full) {
                                Some(sh) => (sh.clone(), Some(r.clone())),
                                None => (r.clone(), None),
                            }
                        };
                        let first = usize::from(d.fix.is_some());
                        html! {
                            <>
                                <h3 class="verdict">{ if d.allowed { "✓ " } else { "✗ " } }{ &d.summary }</h3>
                                if let Some(f) = &d.fix {
                                    <p class="fix"><strong>{ "Fix: " }</strong>{ rich(&shown(f, 0).0) }</p>
                                }
                                <h4 class="why">{ "How it was decided" }</h4>
                                <ol class="reasons">{ for d.reasons.iter().enumerate().map(|(k, r)| {
                                    let (text, title) = shown(r, first + k);
                                    html! { <li title={title}>{ rich(&text) }</li> }
                                }) }</ol>
                                if any {
                                    <button type="button" id="full-scopes" class="linkish" aria-pressed={full.to_string()} onclick={{ let f = full.clone(); Callback::from(move |_| f.set(!*f)) }}>
                                        { if *full { "Abbreviate scopes" } else { "Show full scopes" } }
                                    </button>
                                }
                            </>
                        }
                    } }
                </section>
            }
            { wire }
            <super::samples_view::CodeSamples doc={p.doc.clone()} cursor={p.cursor} />
            if let (Some(jwt), Some(check)) = (&s.jwt, p.doc.token_check(p.cursor)) {
                <super::jwt::JwtView key={p.cursor} jwt={jwt.clone()} now={s.time} check={check} resend_to={resend.map(|(_, server)| AttrValue::from(server))} on_resend={on_resend} />
            }
            if !s.changes.is_empty() {
                <section class="changes">
                    <h3>{ "What changed" }</h3>
                    <ul>{ for s.changes.iter().map(|c| html! { <li class={c.op.word()}>{ format!("{}: {}", c.area, c.what) }</li> }) }</ul>
                </section>
            }
        </div>
    }
}

