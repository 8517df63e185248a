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

use crate::model::Trace;
use crate::player::predict::{self, Answer};
use crate::player::{Location, Saved};
use crate::share;
use state::{Doc, Msg, Notice, Playground, Tab, Theme, Zoom, SPEEDS};
use std::rc::Rc;
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

/// The state at start-up: a deep link wins (the learner's own saved work is kept in the
/// recent-work list, with a notice), then the autosaved work, then the first built-in.
fn initial() -> Playground {
    let at = Location::parse(&persist::hash());
    let (saved, damaged) = match persist::load() {
        Ok(s) => (s, None),
        Err(aside) => (None, Some(aside)),
    };
    Playground::start(&at, saved, damaged, persist::load_recent())
}

/// The URL fragment for a document at a step: `scenario=<id>&step=n` for a built-in,
/// `s=<link>&step=n` for the learner's own scenario (when it is not too large), else
/// `step=n`.
fn fragment(doc: &Doc, cursor: usize) -> String {
    let step = cursor + 1;
    match &doc.builtin {
        Some(id) => share::write_fragment(None, Some(id), step),
        None if !doc.stale && doc.text().len() <= persist::MAX_LINKED_TEXT => share::fragment(&doc.scenario, step),
        None => share::write_fragment(None, None, step),
    }
}

/// File names for exports: the built-in's id, or the scenario's title.
fn file_stem(doc: &Doc) -> String {
    match &doc.builtin {
        Some(id) => id.to_string(),
        None => persist::file_stem(&doc.scenario.name),
    }
}

/// The outcome class of tick `i` (neutral when predict mode hides it).
fn tick_class(t: &Trace, i: usize, hidden_from: Option<usize>) -> Option<&'static str> {
    if hidden_from.is_some_and(|h| i >= h) {
        return None;
    }
    diagram::outcome_mark(t.steps[i].outcome).0
}

/// Props of [`Legend`].
#[derive(Properties, PartialEq)]
struct LegendProps {
    /// Shown unfolded.
    open: bool,
}

/// The legend of the diagram's colours, dash styles and marks (a component: it renders
/// once, not on every step).
#[function_component(Legend)]
fn legend(p: &LegendProps) -> Html {
    let open = p.open;
    let swatch = |cls: &'static str, dash: bool| {
        html! {
            <svg class={classes!("swatch", cls)} width="34" height="12" viewBox="0 0 34 12" aria-hidden="true">
                <line x1="1" y1="6" x2="28" y2="6" class="arrow" stroke-dasharray={dash.then_some("6 4")} marker-end="url(#legend-head)" />
            </svg>
        }
    };
    html! {
        <details class="legend" open={open}>
            <summary>{ "Legend" }</summary>
            <svg width="0" height="0" aria-hidden="true" class="defs">
                <defs><marker id="legend-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke" /></marker></defs>
            </svg>
            <ul>
                <li>{ swatch("runtime", false) }{ "call made by code (runtime)" }</li>
                <li>{ swatch("control", false) }{ "control plane (ARM, identity, roles)" }</li>
                <li>{ swatch("conceptual", true) }{ "dashed: platform-internal, no public wire format" }</li>
                <li>{ swatch("failure", false) }<span class="mark failure">{ "✗" }</span>{ " failure" }</li>
                <li>{ swatch("expected", false) }<span class="mark expected">{ "↺" }</span>{ " expected challenge, part of a working flow" }</li>
                <li><span class="chip skipped">{ "⊘" }</span>{ " skipped: not possible at that point" }</li>
                <li><span class="chip note">{ "…" }</span>{ " note" }</li>
                <li><span class="chip current">{ "1" }</span>{ " current step" }</li>
            </ul>
        </details>
    }
}

#[function_component(App)]
fn app() -> Html {
    let mode = use_memo((), |_| persist::mode());
    let present = *mode == "present";
    let embed = *mode == "embed";
    let notes_window = *mode == "notes";
    let dialog = use_state(|| None::<&'static str>);
    let copied = use_state(|| None::<bool>);
    let menu = use_state(|| false);
    let more = use_node_ref();
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
    // The diagram pane's width (the diagram fits it) and the viewport's (narrow layouts).
    // (`_eq`: re-measuring the same width must not re-render the page.)
    let avail = use_state_eq(|| 0i64);
    let viewport = use_state_eq(|| if IN_BROWSER { persist::viewport_width() } else { 1280 });
    {
        let (avail, viewport) = (avail.clone(), viewport.clone());
        use_effect_with((state.side, state.zoom, state.doc.trace.participants.len(), state.doc.trace.steps.len() >= diagram::OVERVIEW_FROM), move |_| {
            let measure = move || {
                viewport.set(persist::viewport_width());
                avail.set(persist::client_width(".diagram-pane").unwrap_or(0));
            };
            persist::next_frame(measure.clone());
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| measure());
            move || drop(listener)
        });
    }

    // Keyboard: ← → step, Space play/pause, Home/End (not while typing); Escape closes menus.
    {
        let state = state.clone();
        let (menu, more) = (menu.clone(), more.clone());
        use_effect_with(present || notes_window, move |present| {
            let present = *present;
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            let listener = gloo::events::EventListener::new_with_options(&gloo::utils::document(), "keydown", opts, move |e| {
                let Some(e) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(e) else { return };
                if e.key() == "Escape" {
                    menu.set(false);
                    if let Some(d) = more.cast::<web_sys::Element>() {
                        let _ = d.remove_attribute("open");
                    }
                    return;
                }
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
    // A click outside the "More exports" menu closes it.
    {
        let more = more.clone();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::document(), "click", move |e| {
                let Some(d) = more.cast::<web_sys::Element>() else { return };
                let inside = e.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok()).is_some_and(|n| d.contains(Some(&n)));
                if !inside {
                    let _ = d.remove_attribute("open");
                }
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
    // Editing the URL by hand (`&step=9`), or following a link into this tab, navigates.
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let listener = gloo::events::EventListener::new(&gloo::utils::window(), "hashchange", move |_| state.dispatch(Msg::Navigate(Location::parse(&persist::hash()))));
            move || drop(listener)
        });
    }
    // `mip serve --open`: follow the live session from the same origin (`?live`). Each poll
    // reads the recorded scenario; a new version re-simulates it and shows its last step.
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let poll = persist::live_mode().then(|| {
                let seen = Rc::new(std::cell::Cell::new(None::<u64>));
                gloo::timers::callback::Interval::new(1000, move || {
                    let (state, seen) = (state.clone(), seen.clone());
                    let url = match seen.get() {
                        Some(v) => format!("./_mip/live?since={v}"),
                        None => "./_mip/live".to_string(),
                    };
                    persist::fetch_text(&url, move |body| {
                        let Some(v) = body.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()) else { return };
                        let version = v["version"].as_u64();
                        if version.is_none() || seen.get() == version || v.get("scenario").is_none() {
                            return;
                        }
                        let first = seen.replace(version).is_none();
                        if let Ok(text) = serde_json::to_string_pretty(&v["scenario"]) {
                            state.dispatch(Msg::Live { text, first });
                        }
                    });
                })
            });
            move || drop(poll)
        });
    }
    // Presenter ↔ speaker notes: each window posts the fragment it shows; the other follows.
    let last_heard = use_mut_ref(|| None::<String>);
    let channel = {
        let state = state.clone();
        let last_heard = last_heard.clone();
        use_memo((), move |_| {
            (present || notes_window).then(|| {
                persist::Channel::open("mip-presenter", move |frag| {
                    *last_heard.borrow_mut() = Some(frag.clone());
                    state.dispatch(Msg::Navigate(Location::parse(&frag)));
                })
            }).flatten()
        })
    };
    // Autosave and the URL fragment follow the document and the step. Small scenarios are
    // saved at once; a large one (a 1,000-resource world is 1.5 MB of text) after a short
    // idle delay, off the edit → paint path, and in any case when the page is hidden or
    // closed, so no edit is lost.
    {
        let doc = state.doc.clone();
        let (channel, last_heard) = (channel.clone(), last_heard.clone());
        use_effect_with((doc, state.cursor), move |(doc, cursor)| {
            let large = doc.scenario.world.resources.len() + doc.scenario.world.role_assignments.len() > 300;
            let pending = std::rc::Rc::new(std::cell::Cell::new(true));
            let save = {
                let (doc, cursor, pending) = (doc.clone(), *cursor, pending.clone());
                move || {
                    if !pending.replace(false) {
                        return;
                    }
                    let text = doc.text();
                    persist::save(&Saved { text: text.to_string(), builtin: doc.builtin.as_ref().map(|b| b.to_string()), step: cursor, name: Some(doc.scenario.name.clone()) });
                    let frag = fragment(&doc, cursor);
                    persist::set_hash(&frag);
                    if let Some(ch) = channel.as_ref() {
                        if last_heard.borrow().as_deref() != Some(frag.as_str()) {
                            ch.post(&frag);
                        }
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
    use_effect_with(state.recent.clone(), |r| persist::save_recent(r));
    // A new step (or the Step tab) is read from the top.
    use_effect_with((state.cursor, state.tab == Tab::Inspector, Rc::as_ptr(&state.doc)), |(_, inspector, _)| {
        if *inspector {
            // (In the next frame: setting a scroll position lays the page out.)
            persist::next_frame(|| {
                if let Ok(Some(el)) = gloo::utils::document().query_selector(".side-pane") {
                    if el.scroll_top() != 0 {
                        el.set_scroll_top(0);
                    }
                }
            });
        }
    });
    use_effect_with(state.theme, |t| persist::apply_theme(*t));

    let total = state.doc.trace.steps.len();
    let cur = state.cursor;
    let hidden_from = state.hidden_from();
    let send = |m: fn() -> Msg| {
        let s = state.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(m()))
    };
    let dispatch = |m: Msg| {
        let s = state.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(m.clone()))
    };
    let on_seek = {
        let s = state.clone();
        Callback::from(move |i: usize| s.dispatch(Msg::Seek(i)))
    };
    let step = state.doc.trace.steps.get(cur);
    let caption = step.map(|s| {
        let t = &state.doc.trace;
        format!("Step {} of {}: {} → {}: {}", cur + 1, total, t.participants[s.from].label, t.participants[s.to].label, s.label)
    });

    if notes_window {
        // The speaker-notes window: what to say about this step, and what comes next.
        let next = state.doc.trace.steps.get(cur + 1);
        return html! {
            <div class="app notes-view">
                <header class="topbar">
                    <h1>{ "Speaker notes" }</h1>
                    <p class="scenario-title" id="scenario-title">{ &state.doc.scenario.name }</p>
                    <nav class="controls" aria-label="Step controls">
                        <button id="prev" onclick={send(|| Msg::Prev)} disabled={cur == 0}>{ "◀ Prev" }</button>
                        <span class="counter" id="counter">{ format!("{} / {}", (cur + 1).min(total), total) }</span>
                        <button id="next" onclick={send(|| Msg::Next)} disabled={cur + 1 >= total}>{ "Next ▶" }</button>
                    </nav>
                </header>
                <main class="notes-body">
                    <h2 id="notes-step" aria-live="polite">{ caption.clone().unwrap_or_default() }</h2>
                    <p id="speaker-notes" class="notes">{ step.map(|s| inspector::rich(&s.explanation)).unwrap_or_default() }</p>
                    if let Some(f) = step.and_then(|s| s.decision.as_ref()).and_then(|d| d.fix.as_ref()) {
                        <p class="notes fix"><strong>{ "Fix: " }</strong>{ inspector::rich(f) }</p>
                    }
                    <p class="next-up" id="next-up">{ match next { Some(n) => format!("Next: {}", n.label), None => "Next: the end of the scenario.".to_string() } }</p>
                </main>
            </div>
        };
    }

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
        Callback::from(move |id: AttrValue| s.dispatch(Msg::Open(Rc::from(id.as_str()))))
    };
    let on_restore = {
        let s = state.clone();
        Callback::from(move |i: usize| s.dispatch(Msg::Restore(i)))
    };
    // A scenario from scratch gets a seed of its own from the platform's random source
    // (getrandom over crypto.getRandomValues): its ids are new, and from then on the
    // document carries the seed, so its trace is deterministic like any other.
    let on_new = {
        let s = state.clone();
        Callback::from(move |()| {
            let mut b = [0u8; 8];
            let seed = if getrandom::getrandom(&mut b).is_ok() { u64::from_le_bytes(b) } else { js_sys::Date::now() as u64 };
            s.dispatch(Msg::Import(crate::scenarios::from_scratch(seed)));
        })
    };
    let on_text = {
        let s = state.clone();
        Callback::from(move |t: String| s.dispatch(Msg::Text(t)))
    };
    let on_form = {
        let s = state.clone();
        Callback::from(move |e: crate::model::edit::Edit| s.dispatch(Msg::Edit(e)))
    };
    let on_theme = {
        let next = match state.theme {
            Theme::System => Theme::Dark,
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::System,
        };
        dispatch(Msg::Theme(next))
    };
    let stem = file_stem(&state.doc);
    let on_export = {
        let (doc, stem) = (state.doc.clone(), stem.clone());
        Callback::from(move |_: MouseEvent| persist::download(&format!("{stem}.json"), "application/json", &doc.text()))
    };
    let on_import = {
        let s = state.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let s = s.clone();
            let reader = gloo::file::callbacks::read_as_text(&gloo::file::Blob::from(file), move |r| match r {
                Ok(text) => s.dispatch(Msg::Import(text)),
                Err(_) => s.dispatch(Msg::Notice(Some(Notice::text("That file could not be read.")))),
            });
            std::mem::forget(reader); // keep the read alive until it completes
            input.set_value("");
        })
    };
    let on_copy = {
        let (d, copied) = (dialog.clone(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            let c = copied.clone();
            c.set(None);
            persist::copy(&gloo::utils::window().location().href().unwrap_or_default(), move |ok| c.set(Some(ok)));
            d.set(Some("link"));
        })
    };
    let on_notes = {
        let doc = state.doc.clone();
        Callback::from(move |e: MouseEvent| {
            persist::open_window(&format!("{}?notes#{}", persist::base_url(), fragment(&doc, cur)), "mip-speaker-notes");
            // Space goes on advancing the slides, not re-pressing this button.
            if let Some(b) = e.target_dyn_into::<web_sys::HtmlElement>() {
                let _ = b.blur();
            }
        })
    };
    let theme_label = match state.theme {
        Theme::System => "Theme: system",
        Theme::Dark => "Theme: dark",
        Theme::Light => "Theme: light",
    };
    let ticks = (0..total).map(|i| {
        let cls = classes!("tick", tick_class(&state.doc.trace, i, hidden_from), (i == cur).then_some("current"), (i < cur).then_some("past"));
        html! { <span class={cls}></span> }
    });
    let narrow = *viewport <= 700;
    // How far the diagram may shrink to fit its pane, or grow (a projector).
    let scale = match (present, embed, state.zoom) {
        (true, _, _) => (80, 180),
        (_, true, _) => (80, 100),
        (_, _, Zoom::Fit) => (75, 100),
        (_, _, Zoom::Actual) => (100, 100),
    };
    // (Only an embed links out: a large scenario's fragment costs a compression.)
    let playground_link = embed.then(|| format!("{}#{}", persist::base_url(), fragment(&state.doc, cur))).unwrap_or_default();
    let predicted = state.predict.answers.get(&cur).copied();
    let answer_text = |i: usize, a: Answer| predict::answerer(&state.doc.trace, i).map(|k| a.text(k)).unwrap_or("");
    html! {
        <div class={classes!("app", present.then_some("present"), embed.then_some("embed"), (!state.side).then_some("side-hidden"))}>
            <header class="topbar">
                <h1>{ "Managed Identity Playground" }</h1>
                <p class="scenario-title" id="scenario-title">{ &state.doc.scenario.name }</p>
                if embed {
                    <a class="open-playground" id="open-playground" href={playground_link.clone()} target="_blank" rel="noopener">{ "Open in the playground ↗" }</a>
                }
                <button id="menu-toggle" class="menu-toggle" aria-expanded={menu.to_string()} aria-controls="top-actions" onclick={{ let m = menu.clone(); Callback::from(move |_| m.set(!*m)) }}>{ if *menu { "Close menu" } else { "Menu" } }</button>
                <div class={classes!("top-actions", menu.then_some("open"))} id="top-actions">
                    <button id="undo" onclick={send(|| Msg::Undo)} disabled={state.undo.is_empty()} title="Undo the last edit">{ "Undo" }</button>
                    <button id="redo" onclick={send(|| Msg::Redo)} disabled={state.redo.is_empty()} title="Redo">{ "Redo" }</button>
                    <label class="file-button" title="Open a scenario file">{ "Import" }<input id="import" type="file" accept=".json,application/json" onchange={on_import} /></label>
                    <button id="export" onclick={on_export} title={format!("Save the scenario as {stem}.json")}>{ "Export" }</button>
                    <details class="more-exports" ref={more.clone()}>
                        <summary>{ "More exports" }</summary>
                        <div class="menu">
                            { for [("export-svg", "Diagram (SVG)"), ("export-mermaid", "Mermaid source"), ("export-markdown", "Markdown transcript"), ("export-html", "HTML page (no WebAssembly)")].into_iter().map(|(id, label)| {
                                let (doc, stem, more) = (state.doc.clone(), stem.clone(), more.clone());
                                let onclick = Callback::from(move |_: MouseEvent| {
                                    let t = &doc.trace;
                                    let sc = &doc.scenario;
                                    match id {
                                        "export-svg" => persist::download(&format!("{stem}.svg"), "image/svg+xml", &crate::export::svg(t)),
                                        "export-mermaid" => persist::download(&format!("{stem}.mmd"), "text/plain", &crate::export::mermaid(t)),
                                        "export-markdown" => persist::download(&format!("{stem}.md"), "text/markdown", &crate::export::markdown(sc, t)),
                                        _ => persist::download(&format!("{stem}.html"), "text/html", &crate::export::html_page(sc, t)),
                                    }
                                    if let Some(d) = more.cast::<web_sys::Element>() {
                                        let _ = d.remove_attribute("open");
                                    }
                                });
                                html! { <button id={id} {onclick}>{ label }</button> }
                            }) }
                        </div>
                    </details>
                    <button id="copy-link" onclick={on_copy}>{ "Copy link" }</button>
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
                        let message = match (kind, *copied) {
                            ("embed", _) => "Paste this into your page. The frame opens paused on the current step; sites that block WebAssembly can use the HTML page from More exports instead.",
                            (_, Some(true)) => "✓ Link copied to the clipboard. It carries the scenario (even an edited one) and the step.",
                            (_, Some(false)) => "The browser did not allow copying: select the link below and copy it. It carries the scenario (even an edited one) and the step.",
                            (_, None) => "Copying the link… It carries the scenario (even an edited one) and the step.",
                        };
                        html! {
                            <>
                                <p id="dialog-message" role="status" class={classes!((kind == "link" && *copied == Some(true)).then_some("copied"))}>{ message }</p>
                                <textarea id="dialog-text" readonly=true rows="3" value={text} />
                            </>
                        }
                    } }
                    <button id="dialog-close" onclick={{ let d = dialog.clone(); Callback::from(move |_| d.set(None)) }}>{ "Close" }</button>
                </section>
            }
            if let Some(n) = &state.notice {
                <p class="notice" role="status" id="notice">
                    { &*n.text }
                    if let Some(slot) = n.restore {
                        <button class="restore" id="notice-restore" onclick={dispatch(Msg::Restore(slot))}>{ "Go back to it" }</button>
                    }
                    <button class="dismiss" onclick={dispatch(Msg::Notice(None))}>{ "Dismiss" }</button>
                </p>
            }
            if state.doc.stale {
                <p class="notice warn" role="status">{ format!("The scenario text has {} problem(s); the diagram shows the last version that worked. See the Edit tab.", state.doc.diagnostics.len()) }</p>
            }
            if !embed && !present && (!state.doc.scenario.learning_goal.is_empty() || !state.started) {
                <div class="intro" id="intro">
                    if !state.doc.scenario.learning_goal.is_empty() {
                        <p class="goal" id="goal"><strong>{ "Goal: " }</strong>{ &state.doc.scenario.learning_goal }</p>
                    }
                    if !state.started && cur == 0 {
                        <p class="start-hint" id="start-hint">{ "Press → (or Next) to take the first step; click any arrow to jump to it." }</p>
                    }
                </div>
            }
            <nav class="controls" aria-label="Step controls">
                <button id="first" onclick={send(|| Msg::First)} disabled={cur == 0} title="First step (Home)" aria-label="First step">{ "«" }<span class="wide">{ " First" }</span></button>
                <button id="prev" onclick={send(|| Msg::Prev)} disabled={cur == 0} title="Previous step (←)" aria-label="Previous step">{ "◀" }<span class="wide">{ " Prev" }</span></button>
                <button id="play" onclick={send(|| Msg::TogglePlay)} aria-pressed={state.playing.to_string()} aria-label="Play" title="Play / pause (Space)">{ if state.playing { "❚❚" } else { "▶" } }<span class="wide">{ if state.playing { " Pause" } else { " Play" } }</span></button>
                <button id="next" onclick={send(|| Msg::Next)} disabled={cur + 1 >= total} title="Next step (→)" aria-label="Next step"><span class="wide">{ "Next " }</span>{ "▶" }</button>
                <button id="last" onclick={send(|| Msg::Last)} disabled={cur + 1 >= total} title="Last step (End)" aria-label="Last step"><span class="wide">{ "Last " }</span>{ "»" }</button>
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
                <button id="predict" aria-pressed={state.predict.on.to_string()} onclick={send(|| Msg::TogglePredict)} title="Stop before each decisive step and guess what happens">{ "Predict" }</button>
                if state.predict.on {
                    <span class="score" id="score">{ { let (r, n) = state.predict.score(); format!("{r} / {n} right") } }</span>
                }
                if present {
                    <button id="notes-toggle" onclick={on_notes} title="Open the speaker notes in a separate window (keep it on your own screen)">{ "Speaker notes ↗" }</button>
                }
                if !embed && !present {
                    <button id="zoom" aria-pressed={(state.zoom == Zoom::Fit).to_string()} onclick={dispatch(Msg::Zoom(if state.zoom == Zoom::Fit { Zoom::Actual } else { Zoom::Fit }))} title="Fit the diagram to the pane's width, or show it at its natural size">{ if state.zoom == Zoom::Fit { "Fit width" } else { "Actual size" } }</button>
                    <button id="side-toggle" aria-expanded={state.side.to_string()} onclick={send(|| Msg::ToggleSide)} title="Show or hide the side panel">{ if state.side { "Hide panel" } else { "Show panel" } }</button>
                }
            </nav>
            <p class="caption" aria-live="polite" id="caption">{ caption.clone().unwrap_or_default() }</p>
            if let (Some(i), Some(choices)) = (state.predict.pending, state.predict.pending.and_then(|i| predict::choices(&state.doc.trace, i))) {
                <section class="predict-card" role="dialog" aria-label="Predict the next step" id="predict-card">
                    <p>{ format!("Step {}: what will {} answer?", i + 1, state.doc.trace.participants[state.doc.trace.steps[i].from].label) }</p>
                    <div class="choices">
                        { for choices.into_iter().map(|a| html! { <button class="choice" data-answer={a.key()} onclick={dispatch(Msg::Predict(a))}>{ answer_text(i, a) }</button> }) }
                    </div>
                </section>
            }
            if let Some(p) = predicted {
                <p class={classes!("predict-result", if p.right { "right" } else { "wrong" })} id="predict-result" role="status">
                    { if p.right {
                        format!("✓ Right: {}.", answer_text(cur, p.chosen))
                    } else {
                        let actual = predict::answer_of(&state.doc.trace, cur).map(|a| answer_text(cur, a)).unwrap_or("");
                        format!("✗ You said {}; it was {} ({}).", answer_text(cur, p.chosen), actual, step.map(|s| s.label.as_str()).unwrap_or(""))
                    } }
                </p>
            }
            <main class="panes">
                <section class="diagram-area" aria-label="Sequence diagram">
                    <div class="diagram-row">
                        <div class="diagram-pane">
                            <diagram::Diagram trace={state.doc.trace.clone()} cursor={cur} on_seek={on_seek.clone()} animate={!*reduced} hidden_from={hidden_from} avail={if state.zoom == Zoom::Fit || present || embed { *avail } else { 0 }} scale={scale} />
                        </div>
                        if total >= diagram::OVERVIEW_FROM && !embed {
                            <diagram::Overview trace={state.doc.trace.clone()} cursor={cur} on_seek={on_seek.clone()} hidden_from={hidden_from} />
                        }
                    </div>
                    if !present {
                        <Legend open={!embed && !narrow} />
                    }
                </section>
                if embed {
                    <section class="embed-explain" id="embed-explain" aria-label="This step">
                        if let Some(s) = step {
                            <h2>{ format!("{}. {}", cur + 1, s.label) }</h2>
                            <p class="explanation">{ inspector::rich(&s.explanation) }</p>
                        }
                    </section>
                } else if !present {
                    <aside class="side-pane" hidden={!state.side}>
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
                                Tab::Inspector => html! { <inspector::Inspector trace={state.doc.trace.clone()} cursor={cur} doc={state.doc.clone()} on_edit={on_form.clone()} /> },
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
                                                <json_editor::JsonEditor text={AttrValue::Rc(state.doc.text())} diagnostics={state.doc.diagnostics.clone()} on_input={on_text} />
                                            } else {
                                                <form::FormEditor scenario={state.doc.scenario.clone()} on_change={on_form} />
                                            }
                                        </div>
                                    }
                                }
                                Tab::Gallery => html! { <gallery::Gallery current={state.doc.builtin.as_deref().map(|b| AttrValue::from(b.to_string()))} on_open={on_open} recent={state.recent.clone()} on_restore={on_restore} on_new={on_new} /> },
                                Tab::Quiz => {
                                    let s = state.clone();
                                    html! { <quiz::Quiz on_show={Callback::from(move |(id, step): (AttrValue, usize)| s.dispatch(Msg::OpenAt(Rc::from(id.as_str()), step)))} /> }
                                }
                                Tab::Transcript => html! { <transcript::Transcript trace={state.doc.trace.clone()} cursor={cur} on_seek={on_seek.clone()} hidden_from={hidden_from} /> },
                            } }
                        </div>
                    </aside>
                }
            </main>
        </div>
    }
}
