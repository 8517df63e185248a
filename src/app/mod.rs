//! The browser UI (feature `web`). It renders what the model produced and never decides
//! anything about identity itself: every arrow, status and explanation comes from the
//! [`crate::model::Trace`].

mod diagram;
mod form;
mod gallery;
mod inspector;
mod json_editor;
mod jwt;
mod world_view;

use crate::model::{simulate, Trace};
use crate::scenarios;
use std::rc::Rc;
use yew::prelude::*;

/// Mounts the app on `<body>`.
pub fn start() {
    yew::Renderer::<App>::new().render();
}

/// Everything the UI shows, derived from the scenario.
#[derive(Clone, PartialEq)]
pub struct Playground {
    /// Title of the scenario.
    pub title: String,
    /// Learning goal.
    pub goal: String,
    /// The simulated trace (shared, never recomputed on render).
    pub trace: Rc<Trace>,
    /// Index of the current step.
    pub cursor: usize,
    /// An error that stopped the simulation (malformed scenario).
    pub error: Option<String>,
}

/// What the learner can do.
pub enum Msg {
    /// Go to a step.
    Seek(usize),
    /// One step forward.
    Next,
    /// One step back.
    Prev,
    /// First step.
    First,
    /// Last step.
    Last,
}

impl Reducible for Playground {
    type Action = Msg;
    fn reduce(self: Rc<Self>, action: Msg) -> Rc<Self> {
        let last = self.trace.steps.len().saturating_sub(1);
        let cursor = match action {
            Msg::Seek(i) => i.min(last),
            Msg::Next => (self.cursor + 1).min(last),
            Msg::Prev => self.cursor.saturating_sub(1),
            Msg::First => 0,
            Msg::Last => last,
        };
        if cursor == self.cursor {
            return self;
        }
        Rc::new(Playground { cursor, ..(*self).clone() })
    }
}

fn initial() -> Playground {
    let b = &scenarios::BUILT_INS[0];
    let sc = b.scenario();
    match simulate(&sc) {
        Ok(trace) => Playground { title: sc.name.clone(), goal: sc.learning_goal.clone(), trace: Rc::new(trace), cursor: 0, error: None },
        Err(e) => Playground { title: sc.name.clone(), goal: String::new(), trace: Rc::new(Trace::default()), cursor: 0, error: Some(e.to_string()) },
    }
}

#[function_component(App)]
fn app() -> Html {
    let state = use_reducer(initial);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            let listener = gloo::events::EventListener::new_with_options(&gloo::utils::document(), "keydown", opts, move |e| {
                let Some(e) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(e) else { return };
                let tag = e.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()).map(|el| el.tag_name()).unwrap_or_default();
                if tag == "INPUT" || tag == "TEXTAREA" || tag == "SELECT" {
                    return;
                }
                let msg = match e.key().as_str() {
                    "ArrowRight" => Msg::Next,
                    "ArrowLeft" => Msg::Prev,
                    "Home" => Msg::First,
                    "End" => Msg::Last,
                    _ => return,
                };
                e.prevent_default();
                state.dispatch(msg);
            });
            move || drop(listener)
        });
    }
    let total = state.trace.steps.len();
    let cb = |m: fn() -> Msg| {
        let s = state.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(m()))
    };
    let on_seek = {
        let s = state.clone();
        Callback::from(move |i: usize| s.dispatch(Msg::Seek(i)))
    };
    html! {
        <div class="app">
            <header class="topbar">
                <h1>{ "Managed Identity Playground" }</h1>
                <p class="scenario-title">{ &state.title }</p>
            </header>
            if let Some(e) = &state.error {
                <p class="error" role="alert">{ e }</p>
            }
            <nav class="controls" aria-label="Step controls">
                <button id="first" onclick={cb(|| Msg::First)} disabled={state.cursor == 0} title="First step (Home)">{ "« First" }</button>
                <button id="prev" onclick={cb(|| Msg::Prev)} disabled={state.cursor == 0} title="Previous step (←)">{ "◀ Previous" }</button>
                <span class="counter" aria-live="polite">{ format!("Step {} of {}", (state.cursor + 1).min(total), total) }</span>
                <button id="next" onclick={cb(|| Msg::Next)} disabled={state.cursor + 1 >= total} title="Next step (→)">{ "Next ▶" }</button>
                <button id="last" onclick={cb(|| Msg::Last)} disabled={state.cursor + 1 >= total} title="Last step (End)">{ "Last »" }</button>
            </nav>
            <main class="panes">
                <section class="diagram-pane" aria-label="Sequence diagram">
                    <diagram::Diagram trace={state.trace.clone()} cursor={state.cursor} on_seek={on_seek} />
                </section>
                <aside class="inspector-pane" aria-label="Step inspector">
                    <inspector::Inspector trace={state.trace.clone()} cursor={state.cursor} />
                </aside>
            </main>
            if !state.goal.is_empty() {
                <footer class="goal"><strong>{ "Learning goal: " }</strong>{ &state.goal }</footer>
            }
        </div>
    }
}
