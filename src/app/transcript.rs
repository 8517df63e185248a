//! The transcript: every step as text, kept in sync with the diagram. It is the
//! screen-reader and no-motion view, and prints as a handout.

use crate::model::Trace;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`Transcript`].
#[derive(Properties, PartialEq)]
pub struct TranscriptProps {
    /// The trace.
    pub trace: Rc<Trace>,
    /// The current step.
    pub cursor: usize,
    /// Selecting a step seeks to it.
    pub on_seek: Callback<usize>,
    /// Steps from this index on are not shown (predict mode: not reached yet).
    #[prop_or_default]
    pub hidden_from: Option<usize>,
}

/// The transcript component.
#[function_component(Transcript)]
pub fn transcript(p: &TranscriptProps) -> Html {
    use_effect_with(p.cursor, |_| {
        if let Ok(Some(el)) = gloo::utils::document().query_selector(".transcript li.current") {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    });
    let t = &p.trace;
    let items = t.steps.iter().enumerate().map(|(k, s)| {
        let wire = s.message.wire_text();
        let current = k == p.cursor;
        let onclick = {
            let cb = p.on_seek.clone();
            Callback::from(move |_: MouseEvent| cb.emit(k))
        };
        if p.hidden_from.is_some_and(|h| k >= h) {
            return html! {
                <li key={k} class="hidden">
                    <button class="goto" {onclick} aria-label={format!("Go to step {}", k + 1)}>{ format!("{}.", k + 1) }</button>
                    <strong>{ " ?" }</strong>
                </li>
            };
        }
        let (class, mark) = super::diagram::outcome_mark(s.outcome);
        html! {
            <li key={k} class={classes!(current.then_some("current"), class)} aria-current={current.then_some("step")}>
                <button class="goto" {onclick} aria-label={format!("Go to step {}", k + 1)}>{ format!("{}.", k + 1) }</button>
                <strong>{ format!(" {mark}{} → {}: {}", t.participants[s.from].label, t.participants[s.to].label, s.label) }</strong>
                <span class="meta">{ format!(" — {} · {} · {}", s.fidelity_label(), s.source, s.time.iso()) }</span>
                <p>{ super::inspector::rich(&s.explanation) }</p>
                <details><summary>{ "Message" }</summary><pre>{ wire }</pre></details>
            </li>
        }
    });
    html! {
        <section class="transcript" aria-label="Transcript of every step">
            <ol>{ for items }</ol>
        </section>
    }
}
