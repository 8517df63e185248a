//! The scenario gallery: the built-in library, searchable, with learning goals.

use yew::prelude::*;

/// Props of [`Gallery`].
#[derive(Properties, PartialEq)]
pub struct GalleryProps {
    /// The id of the scenario shown now, if it is a built-in.
    pub current: Option<AttrValue>,
    /// Called with a built-in id when the learner opens one.
    pub on_open: Callback<AttrValue>,
}

/// The gallery component.
#[function_component(Gallery)]
pub fn gallery(p: &GalleryProps) -> Html {
    let _ = (&p.current, &p.on_open);
    html! { <section class="gallery"></section> }
}
