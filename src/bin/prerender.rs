//! Prints the playground's first screen (the first built-in scenario at step 1, as a
//! first-time visitor sees it) as HTML, rendered natively by Yew's server renderer. The
//! Trunk post-build hook (`scripts/csp-hook.mjs`) puts it into `index.html`, so the
//! sequence diagram is drawn before the WebAssembly has loaded; the app replaces it when
//! it starts. It sits in an inert `<template>`; `static/pre.js` puts it on the page only
//! when it is what the visit will show (not for a link elsewhere, saved work, present or
//! embed mode).

fn main() {
    print!("{}", mi_playground::app::prerender());
}
