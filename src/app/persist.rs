//! Effects at the edge: browser storage (autosave), the URL fragment (deep links), files
//! (import / export), the theme and motion preferences.

use gloo::utils::{document, window};
use wasm_bindgen::JsCast;

/// Scenarios longer than this are not put into the URL (links would be megabytes long).
pub const MAX_LINKED_TEXT: usize = 200_000;

/// Storage key of the autosaved work.
pub const KEY: &str = "mip.playground.v1";

/// What autosave keeps.
pub struct Saved {
    /// The scenario text.
    pub text: String,
    /// The built-in id, if unmodified.
    pub builtin: Option<String>,
    /// The step shown.
    pub step: usize,
}

fn storage() -> Option<web_sys::Storage> {
    if !super::IN_BROWSER {
        return None;
    }
    window().local_storage().ok().flatten()
}

/// Saves the work (silently does nothing when storage is unavailable or full).
pub fn save(s: &Saved) {
    let v = serde_json::json!({"text": s.text, "builtin": s.builtin, "step": s.step}).to_string();
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
    Some(Saved { text, builtin, step })
}

/// Display mode from the query string: `?present` or `?embed`.
pub fn mode() -> &'static str {
    if !super::IN_BROWSER {
        return "";
    }
    let q = window().location().search().unwrap_or_default();
    let has = |k: &str| q.trim_start_matches('?').split('&').any(|p| p == k || p.starts_with(&format!("{k}=")));
    if has("embed") {
        "embed"
    } else if has("present") {
        "present"
    } else {
        ""
    }
}

/// The page's address without query or fragment.
pub fn base_url() -> String {
    let l = window().location();
    format!("{}{}", l.origin().unwrap_or_default(), l.pathname().unwrap_or_default())
}

/// Copies text to the clipboard when the browser allows it (best effort).
pub fn copy(text: &str) {
    let Ok(nav) = js_sys::Reflect::get(&window(), &"navigator".into()) else { return };
    let Ok(cb) = js_sys::Reflect::get(&nav, &"clipboard".into()) else { return };
    if cb.is_undefined() {
        return;
    }
    if let Ok(f) = js_sys::Reflect::get(&cb, &"writeText".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call1(&cb, &text.into());
        }
    }
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
