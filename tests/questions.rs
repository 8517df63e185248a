//! The question bank: at least 40 questions, each tied to a real scenario step that is
//! about its subject, with choices that do not give the answer away.

use mi_playground::model::token::decode_parts;
use mi_playground::model::{simulate, Message, Trace};
use mi_playground::questions::{bank, Question, BANK_JSON};
use mi_playground::scenarios;
use serde_json::Value;
use std::collections::BTreeMap;

fn traces() -> BTreeMap<String, Trace> {
    bank().iter().map(|q| q.scenario.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().map(|id| {
        let s = scenarios::find(&id).unwrap_or_else(|| panic!("unknown scenario {id}"));
        let t = simulate(&s.scenario()).unwrap();
        (id, t)
    }).collect()
}

#[test]
fn the_bank_has_40_well_formed_questions_tied_to_real_steps() {
    let b = bank();
    assert!(b.len() >= 40, "at least 40 questions (found {})", b.len());
    let traces = traces();
    let mut ids = std::collections::BTreeSet::new();
    for q in &b {
        assert!(ids.insert(q.id.clone()), "duplicate id {}", q.id);
        assert!(q.choices.len() >= 3, "{}: at least three choices", q.id);
        assert!(q.answer < q.choices.len(), "{}: the answer index {} is not a choice", q.id, q.answer);
        let steps = traces[&q.scenario].steps.len();
        assert!(q.step >= 1 && q.step <= steps, "{}: step {} of {} in {}", q.id, q.step, steps, q.scenario);
        assert!(!q.explanation.is_empty(), "{}: explanation", q.id);
    }
}

#[test]
fn no_question_repeats_a_choice() {
    for q in bank() {
        let mut seen = std::collections::BTreeSet::new();
        for c in &q.choices {
            let norm: String = c.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            assert!(!norm.is_empty(), "{}: an empty choice", q.id);
            assert!(seen.insert(norm), "{}: the choice '{c}' appears twice", q.id);
        }
    }
}

/// Length in characters (the bank is written with non-ASCII punctuation).
fn len(s: &str) -> usize {
    s.chars().count()
}

#[test]
fn the_longest_choice_is_right_in_at_most_a_quarter_of_questions() {
    let b = bank();
    let longest_right = b.iter().filter(|q| len(&q.choices[q.answer]) >= q.choices.iter().map(|c| len(c)).max().unwrap()).count();
    assert!(longest_right * 4 <= b.len(), "the right choice is (one of) the longest in {longest_right} of {} questions", b.len());
    // Nor is it conspicuously long where it is: comparable length and detail.
    for q in &b {
        let others: Vec<usize> = q.choices.iter().enumerate().filter(|(i, _)| *i != q.answer).map(|(_, c)| len(c)).collect();
        let mean = others.iter().sum::<usize>() as f64 / others.len() as f64;
        let ratio = len(&q.choices[q.answer]) as f64 / mean;
        assert!(ratio <= 1.25, "{}: the right choice is {ratio:.2}× the others' mean length", q.id);
    }
    // The shortest is no tell either, and answers sit anywhere.
    let shortest_right = b.iter().filter(|q| len(&q.choices[q.answer]) <= q.choices.iter().map(|c| len(c)).min().unwrap()).count();
    assert!(shortest_right * 4 <= b.len(), "the right choice is the shortest in {shortest_right} questions");
    let mut at = BTreeMap::<usize, usize>::new();
    for q in &b {
        *at.entry(q.answer).or_default() += 1;
    }
    assert!(at.values().all(|n| n * 10 <= b.len() * 4), "answers bunch at one position: {at:?}");
}

/// The typed description of what a question's "show me" step must be: participant
/// kinds, message kind, status, outcome, a header, a query parameter, JWT claims, an
/// authorization decision, a changed area, and wire text its body holds or lacks.
fn check_shows(q: &Question, t: &Trace, shows: &serde_json::Map<String, Value>) -> Vec<String> {
    let st = &t.steps[q.step - 1];
    let mut bad = Vec::new();
    let kind = |p: usize| serde_json::to_value(t.participants[p].kind).unwrap();
    let (headers, body, query): (Vec<(String, String)>, String, Vec<(String, String)>) = match &st.message {
        Message::Request(r) => (r.headers.clone(), r.body.clone().unwrap_or_default(), r.query()),
        Message::Response(r) => (r.headers.clone(), r.body.clone().unwrap_or_default(), Vec::new()),
        Message::Internal { detail, .. } => (Vec::new(), detail.clone(), Vec::new()),
        Message::Note { summary } => (Vec::new(), summary.clone(), Vec::new()),
    };
    for (k, v) in shows {
        let ok = match k.as_str() {
            "from" => kind(st.from) == *v,
            "to" => kind(st.to) == *v,
            "message" => v.as_str() == Some(match st.message {
                Message::Request(_) => "request",
                Message::Response(_) => "response",
                Message::Internal { .. } => "internal",
                Message::Note { .. } => "note",
            }),
            "status" => matches!(&st.message, Message::Response(r) if Some(u64::from(r.status)) == v.as_u64()),
            "outcome" => serde_json::to_value(st.outcome).unwrap() == *v,
            "header" => headers.iter().any(|(n, _)| Some(n.to_ascii_lowercase()) == v.as_str().map(str::to_ascii_lowercase)),
            "query" => query.iter().any(|(n, _)| Some(n.as_str()) == v.as_str()),
            "claims" => {
                let claims: Option<Value> = st.jwt.as_deref().and_then(decode_parts).and_then(|(_, p, _)| serde_json::from_str(&p).ok());
                claims.is_some_and(|c| v.as_array().unwrap().iter().all(|name| c.get(name.as_str().unwrap()).is_some()))
            }
            "decision" => st.decision.as_ref().is_some_and(|d| d.allowed == (v.as_str() == Some("allowed"))),
            "change" => st.changes.iter().any(|c| Some(c.area.as_str()) == v.as_str()),
            "bodyHas" => body.contains(v.as_str().unwrap()),
            "bodyLacks" => !body.contains(v.as_str().unwrap()),
            other => {
                bad.push(format!("unknown key '{other}'"));
                continue;
            }
        };
        if !ok {
            bad.push(format!("{k} = {v}"));
        }
    }
    bad
}

#[test]
fn every_show_me_step_is_about_its_question() {
    let traces = traces();
    let raw: Value = serde_json::from_str(BANK_JSON).unwrap();
    let by_id: BTreeMap<&str, &Value> = raw.as_array().unwrap().iter().map(|q| (q["id"].as_str().unwrap(), q)).collect();
    let mut problems = Vec::new();
    for q in bank() {
        let shows = by_id[q.id.as_str()].get("shows").and_then(Value::as_object).unwrap_or_else(|| panic!("{}: no \"shows\" description", q.id));
        assert!(shows.len() >= 2, "{}: describe the step by at least two typed facts", q.id);
        let t = &traces[&q.scenario];
        for b in check_shows(&q, t, shows) {
            problems.push(format!("{} ({} step {} '{}'): {b}", q.id, q.scenario, q.step, t.steps[q.step - 1].label));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
