//! The exports say what the transcript says: Mermaid numbers every step as the transcript
//! does (a step a participant takes on its own is a self-message; narration is a note that
//! carries its number), and an expected challenge is never drawn or marked as a failure.

use mi_playground::export;
use mi_playground::model::{simulate, Fidelity, Outcome};
use mi_playground::scenarios::BUILT_INS;

/// The numbered items of a Mermaid sequence diagram, as Mermaid numbers them: messages
/// take the running `autonumber` counter (`autonumber N` sets it), notes take none (ours
/// carry `N. ` in their text). Returns (number, kind, text).
fn mermaid_items(src: &str) -> Vec<(usize, &'static str, String)> {
    let mut out = Vec::new();
    let mut counter = 1;
    for line in src.lines().map(str::trim) {
        if let Some(n) = line.strip_prefix("autonumber ") {
            counter = n.parse().expect("autonumber N");
        } else if let Some(rest) = line.strip_prefix("Note over ") {
            let text = rest.split_once(": ").expect("note text").1;
            let (n, t) = text.split_once(". ").expect("numbered note");
            out.push((n.parse().expect("note number"), "note", t.to_string()));
        } else if line.starts_with('P') && line.contains(": ") {
            let (arrow_part, text) = line.split_once(": ").unwrap();
            let kind = if arrow_part.contains("-x") { "failure" } else { "message" };
            out.push((counter, kind, text.to_string()));
            counter += 1;
        }
    }
    out
}

#[test]
fn mermaid_numbering_matches_the_transcript_in_every_built_in() {
    let mut self_steps = 0;
    let mut notes = 0;
    for b in BUILT_INS {
        let t = simulate(&b.scenario()).unwrap();
        let src = export::mermaid(&t);
        let items = mermaid_items(&src);
        assert_eq!(items.len(), t.steps.len(), "{}: one numbered item per step", b.id);
        // The transcript's numbering: "  N. [time] …".
        let text = t.to_text();
        let numbers: Vec<usize> = text.lines().filter_map(|l| l.trim_start().split_once(". [").and_then(|(n, _)| n.parse().ok())).collect();
        assert_eq!(numbers, (1..=t.steps.len()).collect::<Vec<_>>(), "{}: transcript numbering", b.id);
        for (k, (st, (n, kind, label))) in t.steps.iter().zip(&items).enumerate() {
            assert_eq!(*n, k + 1, "{}: step {} is numbered {n} in Mermaid", b.id, k + 1);
            let expect_note = st.fidelity == Fidelity::Narration;
            assert_eq!(*kind == "note", expect_note, "{} step {}: {kind}", b.id, k + 1);
            let words: Vec<&str> = st.label.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2).collect();
            assert!(words.iter().all(|w| label.contains(w)), "{} step {}: Mermaid '{label}' vs transcript '{}'", b.id, k + 1, st.label);
            if st.from == st.to && !expect_note {
                assert!(src.contains(&format!("P{}->>P{}: ", st.from, st.from)) || src.contains(&format!("P{}-x P{}", st.from, st.from)) || src.contains(&format!("P{}-xP{}: ", st.from, st.from)), "{} step {}: a self-message", b.id, k + 1);
                self_steps += 1;
            }
            notes += usize::from(expect_note);
            assert_eq!(*kind == "failure", st.outcome == Outcome::Failure, "{} step {}: failures and only failures are -x", b.id, k + 1);
        }
    }
    assert!(self_steps > 20 && notes > 10, "self-steps {self_steps}, notes {notes}");
}

#[test]
fn an_expected_challenge_is_not_a_failure_in_any_export() {
    let mut expected = 0;
    for b in BUILT_INS {
        let sc = b.scenario();
        let t = simulate(&sc).unwrap();
        let md = export::markdown(&sc, &t);
        let html = export::html_page(&sc, &t);
        let mm = export::mermaid(&t);
        for (k, st) in t.steps.iter().enumerate().filter(|(_, s)| s.outcome == Outcome::Expected) {
            expected += 1;
            let heading = md.lines().find(|l| l.starts_with(&format!("## {}. ", k + 1))).unwrap();
            assert!(heading.ends_with("(expected)") && !heading.contains('✗'), "{} step {}: {heading}", b.id, k + 1);
            let line = mm.lines().filter(|l| l.trim_start().starts_with('P')).nth(k - t.steps[..k].iter().filter(|s| s.fidelity == Fidelity::Narration).count()).unwrap();
            assert!(!line.contains("-x") && line.ends_with("(expected)"), "{} step {}: {line}", b.id, k + 1);
            let escaped = export::escape(&st.label);
            assert!(html.contains(&format!("{escaped} (expected)</h3>")), "{} step {}: HTML heading", b.id, k + 1);
        }
    }
    assert!(expected >= 10, "only {expected} expected challenges in the built-ins");
}
