//! The scenario gallery: the learner's recent work (scenarios of their own that a link,
//! a built-in or an import replaced), then the built-in library, searchable, with
//! learning goals.
//!
//! Test hooks: `.recent-work .recent[data-slot="…"]` (a `<button>`),
//! `.gallery input[type=search]#gallery-search`, `.gallery .card[data-id="…"]`
//! (a `<button>`, `aria-current="true"` on the scenario shown now), `.gallery-count`,
//! `#new-scenario`.

use crate::scenarios::BUILT_INS;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`Gallery`].
#[derive(Properties, PartialEq)]
pub struct GalleryProps {
    /// The id of the scenario shown now, if it is a built-in.
    pub current: Option<AttrValue>,
    /// Called with a built-in id when the learner opens one.
    pub on_open: Callback<AttrValue>,
    /// The recent-work slots, newest first.
    pub recent: Rc<Vec<crate::player::Recent>>,
    /// Called with a slot index to reopen it.
    pub on_restore: Callback<usize>,
    /// Starts a new scenario from scratch ([`crate::scenarios::from_scratch`]).
    #[prop_or_default]
    pub on_new: Callback<()>,
}

/// One card: what is shown, and the lower-cased text the search runs over.
struct Entry {
    id: &'static str,
    title: String,
    goal: String,
    haystack: String,
}

fn entries() -> Vec<Entry> {
    BUILT_INS
        .iter()
        .map(|b| {
            let sc = b.scenario();
            let haystack = format!("{}\n{}\n{}\n{}", sc.name, b.id, sc.description, sc.learning_goal).to_ascii_lowercase();
            Entry { id: b.id, title: sc.name, goal: sc.learning_goal, haystack }
        })
        .collect()
}

/// True when every word of the (lower-cased) query occurs in the entry (ASCII case
/// folding: the library is in English, and it keeps Unicode case tables out of the wasm).
fn matches(e: &Entry, query: &str) -> bool {
    query.split_whitespace().all(|w| e.haystack.contains(w))
}

/// The gallery component.
#[function_component(Gallery)]
pub fn gallery(p: &GalleryProps) -> Html {
    let all: Rc<Vec<Entry>> = use_memo((), |_| entries());
    let query = use_state(String::new);
    let on_search = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target().and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok()).and_then(|v| v.as_string()).unwrap_or_default();
            query.set(v);
        })
    };
    let q = query.to_ascii_lowercase();
    let shown: Vec<&Entry> = all.iter().filter(|e| matches(e, &q)).collect();
    let count = match shown.len() {
        0 => "No scenario matches the search.".to_string(),
        1 => "1 scenario".to_string(),
        n if n == all.len() => format!("{n} scenarios"),
        n => format!("{n} of {} scenarios", all.len()),
    };
    let cards = shown.iter().map(|e| {
        let current = p.current.as_deref() == Some(e.id);
        let onclick = {
            let on_open = p.on_open.clone();
            let id = AttrValue::Static(e.id);
            Callback::from(move |_: MouseEvent| on_open.emit(id.clone()))
        };
        html! {
            <li key={e.id}>
                <button type="button" class="card" data-id={e.id} aria-current={current.then_some("true")} {onclick}>
                    <span class="card-title">{ &e.title }</span>
                    if !e.goal.is_empty() {
                        <span class="card-goal">{ &e.goal }</span>
                    }
                    <small class="card-id">{ e.id }</small>
                </button>
            </li>
        }
    });
    let recent = p.recent.iter().enumerate().map(|(i, r)| {
        let onclick = p.on_restore.reform(move |_: MouseEvent| i);
        html! {
            <li key={i}>
                <button type="button" class="card recent" data-slot={i.to_string()} {onclick}>
                    <span class="card-title">{ &*r.name }</span>
                    <small class="card-id">{ format!("your scenario · step {}", r.step + 1) }</small>
                </button>
            </li>
        }
    });
    html! {
        <section class="gallery" aria-labelledby="gallery-heading">
            if !p.recent.is_empty() {
                <section class="recent-work" aria-labelledby="recent-heading">
                    <h2 id="recent-heading">{ "Recent work" }</h2>
                    <p class="gallery-count">{ "Your own scenarios that something else replaced on this page, newest first. Opening one keeps what is shown now here too." }</p>
                    <ul class="gallery-list">{ for recent }</ul>
                </section>
            }
            <h2 id="gallery-heading">{ "Scenario library" }</h2>
            <label class="gallery-search">
                <span>{ "Search" }</span>
                <input type="search" id="gallery-search" placeholder="title, id, goal…" autocomplete="off" spellcheck="false"
                    value={(*query).clone()} oninput={on_search} aria-controls="gallery-list" />
            </label>
            <p class="gallery-count" aria-live="polite">{ count }</p>
            <ul class="gallery-list" id="gallery-list">
                <li key="new">
                    <button type="button" class="card new" id="new-scenario" onclick={p.on_new.reform(|_: MouseEvent| ())}>
                        <span class="card-title">{ "New scenario from scratch" }</span>
                        <span class="card-goal">{ "A VM whose code reads a secret, a vault that grants it nothing yet: make it work. Its ids are new, like a tenant of your own." }</span>
                    </button>
                </li>
                { for cards }
            </ul>
        </section>
    }
}
