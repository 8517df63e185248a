//! Size floor, part 1: the identity model and its content (built-in scenarios, question
//! bank, explanations) with no UI, as a wasm library. `scripts/size-floor` builds it for
//! wasm32 and reports its size next to the app's. Every entry point the app uses from the
//! model is reached from `run`, so the linker keeps what the app keeps.

use mi_playground::model::{scenario, token, verify, view};
use mi_playground::{export, questions, scenarios, share};
use std::hint::black_box;

/// Runs built-in scenario `i` through everything the app does with a scenario.
#[no_mangle]
pub extern "C" fn run(i: usize, which: u32) -> usize {
    let built_in = &scenarios::BUILT_INS[i % scenarios::BUILT_INS.len()];
    let mut out = String::new();
    let (parsed, diagnostics) = scenario::parse_checked(built_in.json);
    out.push_str(&diagnostics.len().to_string());
    if let Some(sc) = parsed {
        let (trace, initial, views, errors) = view::simulate_with_views(&sc);
        out.push_str(&trace.to_text());
        out.push_str(&(views.len() + errors.len() + initial.mi_count).to_string());
        let link = share::encode(&sc);
        if let Ok(back) = share::decode(&link) {
            out.push_str(&back.to_json());
        }
        out.push_str(&match which {
            0 => export::svg(&trace),
            1 => export::mermaid(&trace),
            2 => export::markdown(&sc, &trace),
            _ => export::html_page(&sc, &trace),
        });
        let jwks = token::jwks_json(&initial.tenant_id);
        for jwt in trace.steps.iter().filter_map(|s| s.jwt.as_deref()) {
            out.push_str(&token::decode_claims(jwt).map(|c| c.exp).unwrap_or(0).to_string());
            black_box(verify::verify(jwt, &jwks));
        }
    }
    // The page fetches the question bank (questions.json); only its parser is in the wasm.
    out.push_str(&questions::parse(black_box("[]")).len().to_string());
    black_box(&out);
    out.len()
}
