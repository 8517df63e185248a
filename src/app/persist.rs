//! Effects at the edge: browser storage (autosave), the URL fragment (deep links), files
//! (import / export), the theme and motion preferences.

use gloo::utils::{document, window};
use wasm_bindgen::JsCast;

/// Scenarios longer than this are not put into the URL (links would be megabytes long).
pub const MAX_LINKED_TEXT: usize = 200_000;

/// Storage key of the autosaved work.
pub const KEY: &str = "mip.playground.v1";

/// Storage key of the recent-work list (work a link, a built-in or an import replaced).
pub const RECENT_KEY: &str = "mip.playground.recent.v1";

pub use crate::player::{Recent, Saved};

fn storage() -> Option<web_sys::Storage> {
    if !super::IN_BROWSER {
        return None;
    }
    window().local_storage().ok().flatten()
}

/// Saves the work (silently does nothing when storage is unavailable or full).
pub fn save(s: &Saved) {
    let v = serde_json::json!({"text": s.text, "builtin": s.builtin, "step": s.step, "name": s.name}).to_string();
    if let Some(st) = storage() {
        let _ = st.set_item(KEY, &v);
    }
}

/// The saved work, or `Err(key it was moved to)` when the stored value was damaged: it
/// is set aside under a new key, never silently dropped.
pub fn load() -> Result<Option<Saved>, String> {
    let Some(st) = storage() else { return Ok(None) };
    let Ok(Some(raw)) = st.get_item(KEY) else { return Ok(None) };
    match parse_saved(&raw) {
        Some(s) => Ok(Some(s)),
        None => {
            let mut n = 1;
            while st.get_item(&format!("{KEY}.damaged-{n}")).ok().flatten().is_some() && n < 100 {
                n += 1;
            }
            let aside = format!("{KEY}.damaged-{n}");
            let _ = st.set_item(&aside, &raw);
            let _ = st.remove_item(KEY);
            Err(aside)
        }
    }
}

fn parse_saved(raw: &str) -> Option<Saved> {
    use serde_json::Value;
    let v: Value = serde_json::from_str(raw).ok().filter(Value::is_object)?;
    let text = v.get("text")?.as_str()?.to_string();
    let builtin = v.get("builtin").and_then(Value::as_str).map(str::to_string);
    let step = v.get("step").and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    let name = v.get("name").and_then(Value::as_str).map(str::to_string);
    Some(Saved { text, builtin, step, name })
}

/// The recent-work list (an unreadable one reads as empty; its slots are rewritten on
/// the next change).
pub fn load_recent() -> Vec<Recent> {
    use serde_json::Value;
    let Some(raw) = storage().and_then(|st| st.get_item(RECENT_KEY).ok().flatten()) else { return Vec::new() };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&raw) else { return Vec::new() };
    items
        .iter()
        .filter_map(|v| {
            let name = v.get("name")?.as_str()?;
            let text = v.get("text")?.as_str()?;
            let step = v.get("step").and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
            Some(Recent { name: name.into(), text: text.into(), step })
        })
        .take(crate::player::RECENT_SLOTS)
        .collect()
}

/// Saves the recent-work list; when storage is full, the oldest slots give way.
pub fn save_recent(recent: &[Recent]) {
    let Some(st) = storage() else { return };
    for keep in (0..=recent.len()).rev() {
        let v = serde_json::Value::Array(recent[..keep].iter().map(|r| serde_json::json!({"name": &*r.name, "text": &*r.text, "step": r.step})).collect()).to_string();
        if st.set_item(RECENT_KEY, &v).is_ok() {
            return;
        }
    }
}

/// Display mode from the query string: `?present`, `?embed`, or `?notes` (the
/// presenter's speaker-notes window).
pub fn mode() -> &'static str {
    if !super::IN_BROWSER {
        return "";
    }
    let q = window().location().search().unwrap_or_default();
    let has = |k: &str| q.trim_start_matches('?').split('&').any(|p| p == k || p.starts_with(&format!("{k}=")));
    if has("embed") {
        "embed"
    } else if has("notes") {
        "notes"
    } else if has("present") {
        "present"
    } else {
        ""
    }
}

/// The page's address without query or fragment.
pub fn base_url() -> String {
    if !super::IN_BROWSER {
        return String::new();
    }
    let l = window().location();
    format!("{}{}", l.origin().unwrap_or_default(), l.pathname().unwrap_or_default())
}

/// Copies text to the clipboard; `done` is called with `true` once the browser confirms
/// it, `false` when it refuses (or has no clipboard API).
pub fn copy(text: &str, done: impl FnOnce(bool) + 'static) {
    use wasm_bindgen::closure::Closure;
    let promise = js_sys::Reflect::get(&window(), &"navigator".into())
        .and_then(|nav| js_sys::Reflect::get(&nav, &"clipboard".into()))
        .ok()
        .filter(|cb| !cb.is_undefined())
        .and_then(|cb| {
            let f = js_sys::Reflect::get(&cb, &"writeText".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
            f.call1(&cb, &text.into()).ok()?.dyn_into::<js_sys::Promise>().ok()
        });
    let Some(promise) = promise else { return done(false) };
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(done)));
    let d2 = done.clone();
    let ok = Closure::once_into_js(move |_: wasm_bindgen::JsValue| {
        if let Some(f) = d2.take() {
            f(true)
        }
    });
    let err = Closure::once_into_js(move |_: wasm_bindgen::JsValue| {
        if let Some(f) = done.take() {
            f(false)
        }
    });
    if let Some(then) = js_sys::Reflect::get(&promise, &"then".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let _ = then.call2(&promise, &ok, &err);
    }
}

/// Whether the page follows a live `mip serve` session (`?live`): it polls `./_mip/live`.
pub fn live_mode() -> bool {
    super::IN_BROWSER && window().location().search().unwrap_or_default().trim_start_matches('?').split('&').any(|p| p == "live")
}

/// GETs a same-origin URL (no cache) and calls `done` with the body of a 2xx answer, or
/// `None` (network error, other status).
pub fn fetch_text(url: &str, done: impl FnOnce(Option<String>) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    let call = |target: &JsValue, name: &str, args: &[JsValue]| -> Option<js_sys::Promise> {
        let f = js_sys::Reflect::get(target, &name.into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
        let r = match args {
            [] => f.call0(target),
            [a] => f.call1(target, a),
            [a, b, ..] => f.call2(target, a, b),
        };
        r.ok()?.dyn_into::<js_sys::Promise>().ok()
    };
    let init = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&init, &"cache".into(), &"no-store".into());
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(done)));
    let fail = {
        let done = done.clone();
        move || {
            if let Some(f) = done.take() {
                f(None)
            }
        }
    };
    let Some(fetched) = call(&window(), "fetch", &[url.into(), init.into()]) else { return fail() };
    let (f1, f2, f3) = (fail.clone(), fail.clone(), fail);
    let on_response = Closure::once_into_js(move |resp: JsValue| {
        let ok = js_sys::Reflect::get(&resp, &"ok".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false);
        let Some(text) = ok.then(|| call(&resp, "text", &[])).flatten() else { return f1() };
        let on_text = Closure::once_into_js(move |t: JsValue| match (t.as_string(), done.take()) {
            (Some(t), Some(f)) => f(Some(t)),
            (None, Some(f)) => f(None),
            _ => {}
        });
        then(&text, on_text, Closure::once_into_js(move |_: JsValue| f2()));
    });
    then(&fetched, on_response, Closure::once_into_js(move |_: JsValue| f3()));
}

/// `promise.then(ok, err)` with callbacks made by `Closure::once_into_js`.
fn then(promise: &js_sys::Promise, ok: wasm_bindgen::JsValue, err: wasm_bindgen::JsValue) {
    if let Some(f) = js_sys::Reflect::get(promise, &"then".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let _ = f.call2(promise, &ok, &err);
    }
}

/// A file name made from a scenario's title: lower case, words joined by `-`, at most
/// 60 characters (`A VM reads a Key Vault secret` → `a-vm-reads-a-key-vault-secret`).
pub fn file_stem(title: &str) -> String {
    let mut out = String::new();
    // ASCII rules only (Unicode case tables would cost the bundle more than they give a
    // file name): other letters are kept as they are.
    for w in title.split(|c: char| c.is_ascii() && !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if out.len() + w.len() + 1 > 60 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_ascii_lowercase());
    }
    if out.is_empty() { "scenario".into() } else { out }
}

/// The URL fragment without `#`.
pub fn hash() -> String {
    if !super::IN_BROWSER {
        return String::new();
    }
    window().location().hash().unwrap_or_default().trim_start_matches('#').to_string()
}

/// Replaces the URL fragment without adding a history entry.
pub fn set_hash(frag: &str) {
    if let Ok(h) = window().history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("#{frag}")));
    }
}

/// Offers `text` as a file download.
pub fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = document().create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download(name);
            if let Some(body) = document().body() {
                let _ = body.append_child(&a);
                a.click();
                let _ = body.remove_child(&a);
            }
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Applies the theme choice to `<html data-theme>` (absent = follow the system).
pub fn apply_theme(theme: super::state::Theme) {
    if let Some(root) = document().document_element() {
        let _ = match theme {
            super::state::Theme::System => root.remove_attribute("data-theme"),
            super::state::Theme::Light => root.set_attribute("data-theme", "light"),
            super::state::Theme::Dark => root.set_attribute("data-theme", "dark"),
        };
    }
}

/// True when the learner asked the system for reduced motion.
pub fn reduced_motion() -> bool {
    if !super::IN_BROWSER {
        return false;
    }
    window().match_media("(prefers-reduced-motion: reduce)").ok().flatten().is_some_and(|m| m.matches())
}

/// A `BroadcastChannel` between the presenter's window and its speaker-notes window
/// (same origin): each posts the fragment it shows, the other follows.
pub struct Channel {
    channel: wasm_bindgen::JsValue,
    _on_message: wasm_bindgen::closure::Closure<dyn FnMut(wasm_bindgen::JsValue)>,
}

impl Channel {
    /// Opens channel `name`; `on_message` gets every string another window posts.
    /// `None` where the browser has no `BroadcastChannel`.
    pub fn open(name: &str, on_message: impl Fn(String) + 'static) -> Option<Channel> {
        if !super::IN_BROWSER {
            return None;
        }
        let ctor = js_sys::Reflect::get(&window(), &"BroadcastChannel".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
        let channel = js_sys::Reflect::construct(&ctor, &js_sys::Array::of1(&name.into())).ok()?;
        let cb = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |e: wasm_bindgen::JsValue| {
            if let Some(s) = js_sys::Reflect::get(&e, &"data".into()).ok().and_then(|d| d.as_string()) {
                on_message(s);
            }
        });
        js_sys::Reflect::set(&channel, &"onmessage".into(), cb.as_ref().unchecked_ref()).ok()?;
        Some(Channel { channel, _on_message: cb })
    }

    /// Posts a string to the other windows.
    pub fn post(&self, s: &str) {
        if let Some(f) = js_sys::Reflect::get(&self.channel, &"postMessage".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            let _ = f.call1(&self.channel, &s.into());
        }
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        if let Some(f) = js_sys::Reflect::get(&self.channel, &"close".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            let _ = f.call0(&self.channel);
        }
    }
}

/// Opens `url` in a separate window named `name` (reused if open).
pub fn open_window(url: &str, name: &str) {
    let _ = window().open_with_url_and_target_and_features(url, name, "popup,width=760,height=640");
}

/// The viewport's width in CSS pixels.
pub fn viewport_width() -> i64 {
    window().inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(1280.0) as i64
}

/// The inner width (without a scroll bar) of the first element matching `selector`.
pub fn client_width(selector: &str) -> Option<i64> {
    document().query_selector(selector).ok().flatten().map(|e| i64::from(e.client_width()))
}

/// Runs `f` just before the next frame is painted (`requestAnimationFrame`). Effects that
/// read the layout (sizes, positions) go through it, so they never force an extra layout
/// in the middle of an update: the browser lays the page out once, for the frame.
pub fn next_frame(f: impl FnOnce() + 'static) {
    let cb = wasm_bindgen::closure::Closure::once_into_js(f);
    let _ = window().request_animation_frame(cb.unchecked_ref());
}
