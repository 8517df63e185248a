//! The exam-style question bank (`scenarios/questions.json`): AZ-204 managed-identity
//! questions, each tied to a built-in scenario and a step so "show me" opens it there.

use crate::model::json::{parse, Val};

/// One question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// `q01` …
    pub id: String,
    /// The exam objective.
    pub objective: String,
    /// The question.
    pub question: String,
    /// The choices.
    pub choices: Vec<String>,
    /// Index of the right choice.
    pub answer: usize,
    /// Why.
    pub explanation: String,
    /// Built-in scenario id.
    pub scenario: String,
    /// 1-based step that shows the answer.
    pub step: usize,
}

/// The bank's JSON text.
pub const BANK_JSON: &str = include_str!("../scenarios/questions.json");

/// The parsed bank (entries that do not have the expected shape are skipped).
pub fn bank() -> Vec<Question> {
    let Ok(root) = parse(BANK_JSON) else { return Vec::new() };
    let Val::Arr(items) = root.val else { return Vec::new() };
    items
        .iter()
        .filter_map(|n| {
            let Val::Obj(f) = &n.val else { return None };
            let get = |k: &str| f.iter().find(|(n, _, _)| n == k).map(|(_, _, v)| &v.val);
            let s = |k: &str| match get(k) {
                Some(Val::Str(s)) => Some(s.clone()),
                _ => None,
            };
            let num = |k: &str| match get(k) {
                Some(Val::Num(n)) => n.parse::<usize>().ok(),
                _ => None,
            };
            let choices = match get("choices") {
                Some(Val::Arr(a)) => a.iter().filter_map(|c| if let Val::Str(s) = &c.val { Some(s.clone()) } else { None }).collect(),
                _ => Vec::new(),
            };
            Some(Question { id: s("id")?, objective: s("objective").unwrap_or_default(), question: s("question")?, choices, answer: num("answer")?, explanation: s("explanation").unwrap_or_default(), scenario: s("scenario")?, step: num("step")? })
        })
        .collect()
}
