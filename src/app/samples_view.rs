//! The "Code samples" section of the inspector. The samples need the world as it was at
//! the step (which identities the host had), so they read the document's world views;
//! those are computed the first time the learner opens the section, not on every step.

use super::state::Doc;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`CodeSamples`].
#[derive(Properties, PartialEq)]
pub struct CodeSamplesProps {
    /// The document (scenario, trace, and its world views on demand).
    pub doc: Rc<Doc>,
    /// The current step.
    pub cursor: usize,
}

/// Code samples for the current step, or nothing when the step is not a request.
#[function_component(CodeSamples)]
pub fn code_samples(p: &CodeSamplesProps) -> Html {
    let opened = use_state(|| false);
    let is_request = p.doc.trace.steps.get(p.cursor).is_some_and(|s| matches!(s.message, crate::model::Message::Request(_)));
    if !is_request {
        return html! {};
    }
    let ontoggle = {
        let opened = opened.clone();
        Callback::from(move |_: Event| opened.set(true))
    };
    let list = if *opened {
        let (_, views) = p.doc.views();
        crate::samples::samples(&p.doc.scenario, &p.doc.trace, &views, p.cursor)
    } else {
        Vec::new()
    };
    html! {
        <details class="samples" {ontoggle}>
            <summary>{ "Code samples" }</summary>
            { for list.into_iter().map(|s| html! {
                <section class="sample" data-lang={s.lang}>
                    <h4>{ s.lang }<span class={classes!("badge", if s.illustrative { "fid-modelled" } else { "fid-documented" })}>{ if s.illustrative { "illustrative: an equivalent call" } else { "exact request" } }</span></h4>
                    <pre>{ s.code }</pre>
                </section>
            }) }
        </details>
    }
}
