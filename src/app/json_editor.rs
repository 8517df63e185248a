//! The JSON editor: the scenario source with line numbers and the model's diagnostics
//! shown inline at their line.
//!
//! The `<textarea>` is *uncontrolled*: its value is written only when `text` changes to
//! something the learner did not type (a gallery pick, a form edit), so a 10,000-line
//! document is not copied into the DOM on every keystroke and the caret never jumps.
//! The gutter is one text node per run of unmarked lines, rebuilt only when the line
//! count or the diagnostics change, and scrolled with the textarea imperatively.
//!
//! Test hooks: `textarea#json-source.json-source`, `.json-gutter .gutter-mark[data-line]`,
//! `.json-status`, `.json-diagnostics button.diag[data-line][data-column]`.

use crate::model::schema::Diagnostic;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// Props of [`JsonEditor`].
#[derive(Properties, PartialEq)]
pub struct JsonEditorProps {
    /// The source text.
    pub text: AttrValue,
    /// Problems to show at their lines.
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// Called with the new text on every edit.
    pub on_input: Callback<String>,
}

/// Texts emitted but possibly not yet echoed back through `text` (a parent may lag).
const ECHOES: usize = 8;

fn line_count(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\n').count() + 1
}

fn get_value(el: &JsValue) -> String {
    js_sys::Reflect::get(el, &"value".into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// `el[method](...args)`, ignoring failures (used for `setSelectionRange` without the
/// `HtmlTextAreaElement` web-sys feature).
fn call(el: &JsValue, method: &str, args: &[JsValue]) {
    if let Some(f) = js_sys::Reflect::get(el, &method.into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let _ = f.apply(el, &args.iter().collect::<js_sys::Array>());
    }
}

/// The UTF-16 offset (what `setSelectionRange` counts) of a 1-based line and column,
/// the column counted in characters as the model's reader does; clamped to the text.
fn utf16_offset(text: &str, line: u32, column: u32) -> u32 {
    let mut off = 0usize;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line as usize {
            return (off + l.chars().take(column.saturating_sub(1) as usize).map(char::len_utf16).sum::<usize>()) as u32;
        }
        off += l.encode_utf16().count() + 1;
    }
    off.saturating_sub(1) as u32
}

/// The gutter: line numbers with the lines that carry a diagnostic marked.
fn gutter(lines: usize, diagnostics: &[Diagnostic]) -> Html {
    let mut marks: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for d in diagnostics {
        let l = (d.line as usize).clamp(1, lines);
        marks.entry(l).or_default().push(format!("{}:{} {}", d.line, d.column, d.text()));
    }
    let numbers = |from: usize, to: usize| -> String {
        let mut s = String::with_capacity((to - from) * 6);
        for n in from..to {
            s.push_str(&n.to_string());
            s.push('\n');
        }
        s
    };
    let mut parts = Vec::with_capacity(marks.len() * 2 + 1);
    let mut next = 1;
    for (l, msgs) in marks {
        if l > next {
            parts.push(html! { { numbers(next, l) } });
        }
        parts.push(html! { <span class="gutter-mark" data-line={l.to_string()} title={msgs.join("\n")}>{ l }</span> });
        parts.push(html! { "\n" });
        next = l + 1;
    }
    if next <= lines {
        parts.push(html! { { numbers(next, lines + 1) } });
    }
    html! { for parts }
}

/// The JSON editor component.
#[function_component(JsonEditor)]
pub fn json_editor(p: &JsonEditorProps) -> Html {
    let area = use_node_ref();
    let gutter_ref = use_node_ref();
    let emitted = use_mut_ref(VecDeque::<String>::new);
    let lines = use_state_eq(|| line_count(&p.text));

    // Write `text` into the textarea unless it is (an echo of) what the learner typed.
    {
        let (area, emitted, lines) = (area.clone(), emitted.clone(), lines.clone());
        use_effect_with(p.text.clone(), move |text| {
            let mut em = emitted.borrow_mut();
            if let Some(i) = em.iter().position(|s| s.as_str() == text.as_str()) {
                em.drain(..=i);
            } else {
                em.clear();
                if let Some(el) = area.get() {
                    let _ = js_sys::Reflect::set(&el, &"value".into(), &JsValue::from_str(text));
                }
                lines.set(line_count(text));
            }
        });
    }
    // Keep the gutter aligned after every render (its content may have changed).
    {
        let (area, gutter_ref) = (area.clone(), gutter_ref.clone());
        use_effect(move || {
            if let (Some(a), Some(g)) = (area.cast::<web_sys::Element>(), gutter_ref.cast::<web_sys::Element>()) {
                g.set_scroll_top(a.scroll_top());
            }
        });
    }
    let gutter_html = use_memo((*lines, p.diagnostics.clone()), |(n, d)| gutter(*n, d));

    let oninput = {
        let (emitted, lines, on_input) = (emitted.clone(), lines.clone(), p.on_input.clone());
        Callback::from(move |e: InputEvent| {
            let Some(t) = e.target() else { return };
            let v = get_value(&t);
            lines.set(line_count(&v));
            {
                let mut em = emitted.borrow_mut();
                if em.len() == ECHOES {
                    em.pop_front();
                }
                em.push_back(v.clone());
            }
            on_input.emit(v);
        })
    };
    let onscroll = {
        let (area, gutter_ref) = (area.clone(), gutter_ref.clone());
        Callback::from(move |_: Event| {
            if let (Some(a), Some(g)) = (area.cast::<web_sys::Element>(), gutter_ref.cast::<web_sys::Element>()) {
                g.set_scroll_top(a.scroll_top());
            }
        })
    };
    let jump = |line: u32, column: u32| {
        let area = area.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(el) = area.cast::<web_sys::HtmlElement>() else { return };
            let text = get_value(&el);
            let off = JsValue::from(utf16_offset(&text, line, column));
            let _ = el.focus();
            call(&el, "setSelectionRange", &[off.clone(), off]);
            // Bring the line into view, a third of the way down.
            let total = line_count(&text) as f64;
            let lh = el.scroll_height() as f64 / total.max(1.0);
            let top = (line.saturating_sub(1) as f64 * lh - el.client_height() as f64 / 3.0).max(0.0);
            el.set_scroll_top(top as i32);
        })
    };

    let n = p.diagnostics.len();
    let status = match n {
        0 => "No problems.".to_string(),
        1 => "1 problem:".to_string(),
        n => format!("{n} problems:"),
    };
    let items = p.diagnostics.iter().map(|d| {
        html! {
            <li>
                <button type="button" class="diag" data-line={d.line.to_string()} data-column={d.column.to_string()} title={d.path.clone()}
                    onclick={jump(d.line, d.column)}>
                    <span class="diag-pos">{ format!("{}:{}", d.line, d.column) }</span>
                    { " " }
                    <span class="diag-msg">{ &d.message }</span>
                    if let Some(h) = &d.hint {
                        <span class="diag-hint">{ " — " }{ h }</span>
                    }
                </button>
            </li>
        }
    });
    html! {
        <section class="json-editor" aria-label="Scenario JSON">
            <div class={classes!("json-frame", (n > 0).then_some("has-problems"))}>
                <div class="json-gutter" ref={gutter_ref} aria-hidden="true"><pre>{ (*gutter_html).clone() }</pre></div>
                <textarea id="json-source" class="json-source" ref={area.clone()} spellcheck="false" autocomplete="off" autocapitalize="off"
                    wrap="off" aria-label="Scenario JSON source" aria-describedby="json-status" aria-invalid={(n > 0).then_some("true")}
                    {oninput} {onscroll} />
            </div>
            <p id="json-status" class={classes!("json-status", (n > 0).then_some("bad"))} aria-live="polite">{ status }</p>
            if n > 0 {
                <ul class="json-diagnostics" aria-label="Problems in the JSON">{ for items }</ul>
            }
        </section>
    }
}
