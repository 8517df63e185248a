//! The browser UI (feature `web`). It renders what the model produced and never decides
//! anything about identity itself: every arrow, status and explanation comes from the
//! [`crate::model::Trace`].

mod diagram;
mod form;
mod gallery;
mod inspector;
mod json_editor;
mod jwt;
mod persist;
mod quiz;
mod samples_view;
mod state;
mod transcript;
mod world_view;

use crate::scenarios;
use crate::share;
use state::{Doc, Msg, Playground, Tab, Theme, SPEEDS};
use yew::prelude::*;

/// Mounts the app on `<body>`.
pub fn start() {
    metric("appStartMs", now_ms());
    yew::Renderer::<App>::new().render();
}

/// The first screen as HTML (no hydration markers), rendered natively at build time: see
/// `src/bin/prerender.rs`. Wrapped in `<div id="prerender">`, which the app removes once
/// it has drawn its own first frame.
#[cfg(feature = "prerender")]
pub fn prerender() -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a single-threaded runtime starts");
    let html = runtime.block_on(yew::ServerRenderer::<App>::new().hydratable(false).render());
    format!("<div id=\"prerender\">{html}</div>")
}

/// False when the app is rendered to HTML at build time (natively, by `prerender`): the
/// start-up code then sees no URL, no storage and no clock, that is, a first visit.
const IN_BROWSER: bool = cfg!(target_arch = "wasm32");

fn now_ms() -> f64 {
    if !IN_BROWSER {
        return 0.0;
    }
    gloo::utils::window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// Reports a figure to `window.__peerMetrics` (read by the peer harness in `../shared/peer`).
fn metric(name: &str, value: f64) {
    if !IN_BROWSER {
        return;
    }
    let w = gloo::utils::window();
    let key = wasm_bindgen::JsValue::from_str("__peerMetrics");
    let obj = js_sys::Reflect::get(&w, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| js_sys::Object::new().into());
    let _ = js_sys::Reflect::set(&obj, &wasm_bindgen::JsValue::from_str(name), &wasm_bindgen::JsValue::from_f64(value));
    let _ = js_sys::Reflect::set(&w, &key, &obj);
}

/// The state at start-up: a deep link wins, then the autosaved work, then the first built-in.
fn initial() -> Playground {
    let (link, id, step) = share::parse_fragment(&persist::hash());
    let step0 = step.unwrap_or(1).saturating_sub(1);
    if let Some(link) = link {
        return match share::decode(&link) {
            Ok(sc) => Playground::new(Doc::derive(&sc.to_json(), None, None), step0, None),
            Err(e) => Playground::new(Doc::builtin(&scenarios::BUILT_INS[0]), 0, Some(format!("This link could not be opened: {e}").into())),
        };
    }
    if let Some(id) = id {
        return match scenarios::find(&id) {
            Some(b) => Playground::new(Doc::builtin(b), step0, None),
            None => Playground::new(Doc::builtin(&scenarios::BUILT_INS[0]), 0, Some(format!("There is no built-in scenario called '{id}'; showing the first one.").into())),
        };
    }
    match persist::load() {
        Ok(Some(saved)) => {
            let builtin = saved.builtin.as_deref().and_then(scenarios::find).filter(|b| b.json == saved.text).map(|b| AttrValue::from(b.id));
            Playground::new(Doc::derive(&saved.text, builtin, None), saved.step, None)
        }
        Ok(None) => Playground::new(Doc::builtin(&scenarios::BUILT_INS[0]), 0, None),
        Err(aside) => Playground::new(
            Doc::builtin(&scenarios::BUILT_INS[0]),
            0,
            Some(format!("Your saved work could not be read, so the playground started clean. The damaged value was kept in browser storage under '{aside}'.").into()),
        ),
    }
}

#[function_component(App)]
fn app() -> Html {
    let mode = use_memo((), |_| persist::mode());
    let present = *mode == "present";
    let embed = *mode == "embed";
    let notes = use_state(|| false);
    let dialog = use_state(|| None::<&'static str>);
    let state = use_reducer(|| {
        let t0 = now_ms();
        let s = initial();
        metric("initialStateMs", now_ms() - t0);
        s
    });
    use_effect_with((), |_| {
        // The build-time rendering of the first screen (if any) gives way to the live app,
        // in the same task as this first render, so no frame shows both.
        if let Ok(Some(el)) = gloo::utils::document().query_selector("#prerender") {
            el.remove();
        }
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = root.set_attribute("data-live", "");
        }
        metric("firstRenderDoneMs", now_ms());
    });
    let json_view = use_state(|| false);
    let reduced = use_memo((), |_| persist::reduced_motion());

    // Keyboard: ← → step, Space play/pause, Home/End (not while typing).
    {
        let state = state.clone();
        use_effect_with(present, move |present| {
            let present = *present;
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            let listener = gloo::events::EventListener::new_with_options(&gloo::utils::document(), "keydown", opts, move |e| {
                let Some(e) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(e) else { return };
                if e.ctrl_key() || e.meta_key() || e.alt_key() {
                    return;
                }
                // Text entry keeps its keys; a focused button or checkbox keeps Space; the
                // scrubber (a range input) lets Space play and pause.
                let el = e.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok());
                let tag = el.as_ref().map(|el| el.tag_name()).unwrap_or_default();
                let input_type = el.as_ref().and_then(|el| el.get_attribute("type")).unwrap_or_default();
                let typing = matches!(tag.as_str(), "TEXTAREA" | "SELECT") || (tag == "INPUT" && input_type != "range");
                let space_taken = e.key() == " " && (tag == "BUTTON" || input_type == "checkbox");
                if typing || space_taken || (tag == "INPUT" && e.key() != " ") {
                    return;
                }
                let msg = match e.key().as_str() {
                    "ArrowRight" => Msg::Next,
                    "ArrowLeft" => Msg::Prev,
                    "Home" => Msg::First,
                    "End" => Msg::Last,
                    " " if present => Msg::Next,
                    " " => Msg::TogglePlay,
                    "PageDown" if present => Msg::Next,
                    "PageUp" if present => Msg::Prev,
                    _ => return,
                };
                e.prevent_default();
                state.dispatch(msg);
            });
            move || drop(listener)
        });
    }
    // Playback.
    {
        let state = state.clone();
        use_effect_with((state.playing, state.speed), move |(playing, speed)| {
            let timer = playing.then(|| {
                let ms = SPEEDS[*speed].1;
                gloo::timers::callback::Interval::new(ms, move || state.dispatch(Msg::Tick))
            });
            move || drop(timer)
        });
    }
    // Autosave and the URL fragment follow the document and the step. Small scenarios are
    // saved at once; a large one (a 1,000-resource world is 1.5 MB of text) after a short
    // idle delay, off the edit → paint path, and in any case when the page is hidden or
    // closed, so no edit is lost.
    {
        let doc = state.doc.clone();
        use_effect_with((doc, state.cursor), |(doc, cursor)| {
            let large = doc.scenario.world.resources.len() + doc.scenario.world.role_assignments.len() > 300;
            let pending = std::rc::Rc::new(std::cell::Cell::new(true));
            let save = {
                let (doc, cursor, pending) = (doc.clone(), *cursor, pending.clone());
                move || {
                    if !pending.replace(false) {
                        return;
                    }
                    let text = doc.text();
                    persist::save(&persist::Saved { text: text.to_string(), builtin: doc.builtin.as_ref().map(|b| b.to_string()), step: cursor });
                    let step = cursor + 1;
                    match &doc.builtin {
                        Some(id) => persist::set_hash(&format!("scenario={id}&step={step}")),
                        None if !doc.stale && text.len() <= persist::MAX_LINKED_TEXT => persist::set_hash(&format!("s={}&step={step}", share::encode(&doc.scenario))),
                        None => persist::set_hash(&format!("step={step}")),
                    }
                }
            };
            let (timer, hide) = if large {
                let s1 = save.clone();
                let s2 = save.clone();
                (
                    Some(gloo::timers::callback::Timeout::new(300, s1)),
                    Some(gloo::events::EventListener::new(&gloo::utils::window(), "pagehide", move |_| s2())),
                )
            } else {
                save();
                (None, None)
            };
            move || {
                drop(timer);
                drop(hide);
                // A superseded save is skipped; the next effect saves the newer state.
            }
        });
    }
    use_effect_with(state.theme, |t| persist::apply_theme(*t));

    let total = state.doc.trace.steps.len();
    let cur = state.cursor;
    let send = |m: fn() -> Msg| {
        let s = state.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(m()))
    };
    let on_seek = {
        let s = state.clone();
        Callback::from(move |i: usize| s.dispatch(Msg::Seek(i)))
    };
    let on_scrub = {
        let s = state.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                s.dispatch(Msg::Seek(i.value().parse::<usize>().unwrap_or(1).saturating_sub(1)));
            }
        })
    };
    let on_speed = {
        let s = state.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                s.dispatch(Msg::Speed(i.selected_index().max(0) as usize));
            }
        })
    };
    let tab = |t: Tab, label: &'static str, id: &'static str| {
        let s = state.clone();
        let selected = state.tab == t;
        html! { <button role="tab" id={id} aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("selected"))} onclick={Callback::from(move |_| s.dispatch(Msg::Tab(t)))}>{ label }</button> }
    };
    let on_open = {
        let s = state.clone();
        Callback::from(move |id: AttrValue| s.dispatch(Msg::Open(id)))
    };
    let on_text = {
        let s = state.clone();
        Callback::from(move |t: String| s.dispatch(Msg::Text(t)))
    };
    let on_form = {
        let s = state.clone();
        Callback::from(move |sc: crate::model::Scenario| s.dispatch(Msg::Scenario(Box::new(sc))))
    };
    let on_theme = {
        let s = state.clone();
        let next = match state.theme {
            Theme::System => Theme::Dark,
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::System,
        };
        Callback::from(move |_: MouseEvent| s.dispatch(Msg::Theme(next)))
    };
    let on_export = {
        let doc = state.doc.clone();
        Callback::from(move |_: MouseEvent| persist::download("scenario.json", "application/json", &doc.text()))
    };
    let on_import = {
        let s = state.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let s = s.clone();
            let reader = gloo::file::callbacks::read_as_text(&gloo::file::Blob::from(file), move |r| match r {
                Ok(text) => {
                    s.dispatch(Msg::Text(text));
                    s.dispatch(Msg::Tab(Tab::Edit));
                }
                Err(_) => s.dispatch(Msg::Notice(Some("That file could not be read.".into()))),
            });
            std::mem::forget(reader); // keep the read alive until it completes
            input.set_value("");
        })
    };
    let theme_label = match state.theme {
        Theme::System => "Theme: system",
        Theme::Dark => "Theme: dark",
        Theme::Light => "Theme: light",
    };
    let step = state.doc.trace.steps.get(cur);
    let caption = step.map(|s| {
        let t = &state.doc.trace;
        format!("Step {} of {}: {} → {}: {}", cur + 1, total, t.participants[s.from].label, t.participants[s.to].label, s.label)
    });
    let ticks = state.doc.trace.steps.iter().enumerate().map(|(i, s)| {
        let cls = classes!("tick", (s.outcome == crate::model::Outcome::Failure).then_some("fail"), (i == cur).then_some("current"), (i < cur).then_some("past"));
        html! { <span class={cls}></span> }
    });
    html! {
        <div class={classes!("app", present.then_some("present"), embed.then_some("embed"))}>
            <header class="topbar">
                <h1>{ "Managed Identity Playground" }</h1>
                <p class="scenario-title" id="scenario-title">{ &state.doc.scenario.name }</p>
                <div class="top-actions">
                    <button id="undo" onclick={send(|| Msg::Undo)} disabled={state.undo.is_empty()} title="Undo the last edit">{ "Undo" }</button>
                    <button id="redo" onclick={send(|| Msg::Redo)} disabled={state.redo.is_empty()} title="Redo">{ "Redo" }</button>
                    <label class="file-button" title="Open a scenario file">{ "Import" }<input id="import" type="file" accept=".json,application/json" onchange={on_import} /></label>
                    <button id="export" onclick={on_export} title="Save the scenario as a file">{ "Export" }</button>
                    <details class="more-exports">
                        <summary>{ "More exports" }</summary>
                        <div class="menu">
                            { for [("export-svg", "Diagram (SVG)"), ("export-mermaid", "Mermaid source"), ("export-markdown", "Markdown transcript"), ("export-html", "HTML page (no WebAssembly)")].into_iter().map(|(id, label)| {
                                let doc = state.doc.clone();
                                let onclick = Callback::from(move |_: MouseEvent| {
                                    let t = &doc.trace;
                                    let sc = &doc.scenario;
                                    match id {
                                        "export-svg" => persist::download("diagram.svg", "image/svg+xml", &crate::export::svg(t)),
                                        "export-mermaid" => persist::download("diagram.mmd", "text/plain", &crate::export::mermaid(t)),
                                        "export-markdown" => persist::download("transcript.md", "text/markdown", &crate::export::markdown(sc, t)),
                                        _ => persist::download("scenario.html", "text/html", &crate::export::html_page(sc, t)),
                                    }
                                });
                                html! { <button id={id} {onclick}>{ label }</button> }
                            }) }
                        </div>
                    </details>
                    <button id="copy-link" onclick={{ let d = dialog.clone(); Callback::from(move |_| { persist::copy(&gloo::utils::window().location().href().unwrap_or_default()); d.set(Some("link")); }) }}>{ "Copy link" }</button>
                    <button id="embed-button" onclick={{ let d = dialog.clone(); Callback::from(move |_| d.set(Some("embed"))) }}>{ "Embed" }</button>
                    <button id="theme" onclick={on_theme} aria-label={theme_label}>{ theme_label }</button>
                </div>
            </header>
            if let Some(kind) = *dialog {
                <section class="dialog" role="dialog" aria-label={if kind == "embed" { "Embed this step" } else { "Link to this step" }}>
                    { {
                        let href = gloo::utils::window().location().href().unwrap_or_default();
                        let frag = href.split_once('#').map(|(_, f)| f.to_string()).unwrap_or_default();
                        let text = if kind == "embed" {
                            format!("<iframe src=\"{}?embed#{}\" title=\"{}\" width=\"100%\" height=\"540\" loading=\"lazy\" style=\"border:0\"></iframe>", persist::base_url(), frag, crate::export::escape(&state.doc.scenario.name))
                        } else {
                            href
                        };
                        html! {
                            <>
                                <p>{ if kind == "embed" { "Paste this into your page. The frame opens paused on the current step; sites that block WebAssembly can use the HTML page from More exports instead." } else { "The link carries the scenario (even an edited one) and the step; it was copied to the clipboard if the browser allowed it." } }</p>
                                <textarea id="dialog-text" readonly=true rows="3" value={text} />
                            </>
                        }
                    } }
                    <button id="dialog-close" onclick={{ let d = dialog.clone(); Callback::from(move |_| d.set(None)) }}>{ "Close" }</button>
                </section>
            }
            if let Some(n) = &state.notice {
                <p class="notice" role="status">
                    { n }
                    <button class="dismiss" onclick={{ let s = state.clone(); Callback::from(move |_| s.dispatch(Msg::Notice(None))) }}>{ "Dismiss" }</button>
                </p>
            }
            if state.doc.stale {
                <p class="notice warn" role="status">{ format!("The scenario text has {} problem(s); the diagram shows the last version that worked. See the Edit tab.", state.doc.diagnostics.len()) }</p>
            }
            <nav class="controls" aria-label="Step controls">
                <button id="first" onclick={send(|| Msg::First)} disabled={cur == 0} title="First step (Home)">{ "« First" }</button>
                <button id="prev" onclick={send(|| Msg::Prev)} disabled={cur == 0} title="Previous step (←)">{ "◀ Prev" }</button>
                <button id="play" onclick={send(|| Msg::TogglePlay)} aria-pressed={state.playing.to_string()} title="Play / pause (Space)">{ if state.playing { "❚❚ Pause" } else { "▶ Play" } }</button>
                <button id="next" onclick={send(|| Msg::Next)} disabled={cur + 1 >= total} title="Next step (→)">{ "Next ▶" }</button>
                <button id="last" onclick={send(|| Msg::Last)} disabled={cur + 1 >= total} title="Last step (End)">{ "Last »" }</button>
                <label class="speed">{ "Speed " }
                    <select id="speed" onchange={on_speed}>
                        { for SPEEDS.iter().enumerate().map(|(i, s)| html! { <option selected={i == state.speed}>{ s.0 }</option> }) }
                    </select>
                </label>
                <div class="scrubber">
                    <input id="scrubber" type="range" min="1" max={total.max(1).to_string()} value={(cur + 1).to_string()} oninput={on_scrub} aria-label="Step" />
                    <div class="ticks" aria-hidden="true">{ for ticks }</div>
                </div>
                <span class="counter" id="counter">{ format!("{} / {}", (cur + 1).min(total), total) }</span>
                <button id="predict" aria-pressed={state.predict.to_string()} onclick={send(|| Msg::TogglePredict)} title="Stop before each decisive step and guess what happens">{ "Predict" }</button>
                if state.predict {
                    <span class="score" id="score">{ format!("{} / {} right", state.answers.values().filter(|(_, r)| *r).count(), state.answers.len()) }</span>
                }
            </nav>
            <p class="caption" aria-live="polite" id="caption">{ caption.unwrap_or_default() }</p>
            if present {
                <div class="speaker">
                    <button id="notes-toggle" aria-pressed={notes.to_string()} onclick={{ let n = notes.clone(); Callback::from(move |_| n.set(!*n)) }}>{ "Speaker notes" }</button>
                    if *notes {
                        <p id="speaker-notes" class="notes">{ step.map(|s| inspector::rich(&s.explanation)).unwrap_or_default() }</p>
                    }
                </div>
            }
            if let (Some(i), Some(choices)) = (state.pending, state.pending.and_then(|i| state::prediction_choices(&state.doc.trace, i))) {
                <section class="predict-card" role="dialog" aria-label="Predict the next step" id="predict-card">
                    <p>{ format!("Step {}: what will {} answer?", i + 1, state.doc.trace.participants[state.doc.trace.steps[i].from].label) }</p>
                    <div class="choices">
                        { for choices.into_iter().map(|c| {
                            let s = state.clone();
                            let v = AttrValue::from(c.clone());
                            html! { <button class="choice" data-choice={c.clone()} onclick={Callback::from(move |_| s.dispatch(Msg::Predict(v.clone())))}>{ c }</button> }
                        }) }
                    </div>
                </section>
            }
            if let Some((chosen, right)) = state.answers.get(&cur) {
                <p class={classes!("predict-result", if *right { "right" } else { "wrong" })} id="predict-result" role="status">
                    { if *right { format!("✓ Right: {chosen}.") } else { format!("✗ You said {chosen}; it was {}.", state.doc.trace.steps.get(cur).map(|s| s.label.clone()).unwrap_or_default()) } }
                </p>
            }
            <main class="panes">
                <section class="diagram-pane" aria-label="Sequence diagram">
                    <diagram::Diagram trace={state.doc.trace.clone()} cursor={cur} on_seek={on_seek.clone()} animate={!*reduced} />
                </section>
                <aside class="side-pane">
                    <div class="tabs" role="tablist">
                        { tab(Tab::Inspector, "Step", "tab-step") }
                        { tab(Tab::World, "World", "tab-world") }
                        { tab(Tab::Edit, "Edit", "tab-edit") }
                        { tab(Tab::Gallery, "Scenarios", "tab-gallery") }
                        { tab(Tab::Transcript, "Transcript", "tab-transcript") }
                        { tab(Tab::Quiz, "Quiz", "tab-quiz") }
                    </div>
                    <div class="tab-body" role="tabpanel">
                        { match state.tab {
                            Tab::Inspector => html! { <inspector::Inspector trace={state.doc.trace.clone()} cursor={cur} doc={state.doc.clone()} /> },
                            Tab::World => {
                                let (initial, views) = state.doc.views();
                                html! { <world_view::WorldPanel initial={initial} views={views} trace={state.doc.trace.clone()} cursor={cur} /> }
                            }
                            Tab::Edit => {
                                let pick = |json: bool| { let v = json_view.clone(); Callback::from(move |_: MouseEvent| v.set(json)) };
                                html! {
                                    <div class="editors">
                                        <div class="edit-switch" role="group" aria-label="Editor">
                                            <button id="edit-form" aria-pressed={(!*json_view).to_string()} onclick={pick(false)}>{ "Form" }</button>
                                            <button id="edit-json" aria-pressed={json_view.to_string()} onclick={pick(true)}>{ format!("JSON{}", if state.doc.diagnostics.is_empty() { String::new() } else { format!(" ({} problem{})", state.doc.diagnostics.len(), if state.doc.diagnostics.len() == 1 { "" } else { "s" }) }) }</button>
                                        </div>
                                        if *json_view {
                                            <json_editor::JsonEditor text={state.doc.text()} diagnostics={state.doc.diagnostics.clone()} on_input={on_text} />
                                        } else {
                                            <form::FormEditor scenario={state.doc.scenario.clone()} on_change={on_form} />
                                        }
                                    </div>
                                }
                            }
                            Tab::Gallery => html! { <gallery::Gallery current={state.doc.builtin.clone()} on_open={on_open} /> },
                            Tab::Quiz => {
                                let s = state.clone();
                                html! { <quiz::Quiz on_show={Callback::from(move |(id, step): (AttrValue, usize)| s.dispatch(Msg::OpenAt(id, step)))} /> }
                            }
                            Tab::Transcript => html! { <transcript::Transcript trace={state.doc.trace.clone()} cursor={cur} on_seek={on_seek.clone()} /> },
                        } }
                    </div>
                </aside>
            </main>
            if !state.doc.scenario.learning_goal.is_empty() {
                <footer class="goal"><strong>{ "Learning goal: " }</strong>{ &state.doc.scenario.learning_goal }</footer>
            }
        </div>
    }
}

