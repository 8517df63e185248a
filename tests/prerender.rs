//! `static/pre.js` decides, before the first paint, whether index.html's build-time first
//! screen (the first built-in scenario at step 1) is the one this visit will show. It
//! names that scenario; this keeps the name in step with the library.

#[test]
fn pre_js_names_the_first_built_in_scenario() {
    let pre = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/static/pre.js")).unwrap();
    let first = format!("'scenario={}&step=1'", mi_playground::scenarios::BUILT_INS[0].id);
    assert!(pre.contains(&format!("var FIRST = {first};")), "static/pre.js must name {first}");
}
