//! The question bank: at least 40 questions, each tied to a real scenario step.

use mi_playground::model::simulate;
use mi_playground::questions::bank;
use mi_playground::scenarios;

#[test]
fn the_bank_has_40_well_formed_questions_tied_to_real_steps() {
    let b = bank();
    assert!(b.len() >= 40, "at least 40 questions (found {})", b.len());
    let mut ids = std::collections::BTreeSet::new();
    for q in &b {
        assert!(ids.insert(q.id.clone()), "duplicate id {}", q.id);
        assert!(q.choices.len() >= 3 && q.answer < q.choices.len(), "{}: choices and answer", q.id);
        let s = scenarios::find(&q.scenario).unwrap_or_else(|| panic!("{}: unknown scenario {}", q.id, q.scenario));
        let steps = simulate(&s.scenario()).unwrap().steps.len();
        assert!(q.step >= 1 && q.step <= steps, "{}: step {} of {} in {}", q.id, q.step, steps, q.scenario);
        assert!(!q.explanation.is_empty(), "{}: explanation", q.id);
    }
}
