//! The exam-style question bank (`scenarios/questions.json`): AZ-204 managed-identity
//! questions, each tied to a built-in scenario and a step so "show me" opens it there.

use serde_json::Value;

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
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(BANK_JSON) else { return Vec::new() };
    items
        .iter()
        .filter_map(|n| {
            let s = |k: &str| n.get(k).and_then(Value::as_str).map(str::to_string);
            let num = |k: &str| n.get(k).and_then(Value::as_u64).and_then(|v| usize::try_from(v).ok());
            let choices = n.get("choices").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default();
            Some(Question { id: s("id")?, objective: s("objective").unwrap_or_default(), question: s("question")?, choices, answer: num("answer")?, explanation: s("explanation").unwrap_or_default(), scenario: s("scenario")?, step: num("step")? })
        })
        .collect()
}
