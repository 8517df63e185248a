//! The exam-style question bank (`scenarios/questions.json`): AZ-204 managed-identity
//! questions, each tied to a built-in scenario and a step so "show me" opens it there.

use serde_json::Value;
use std::collections::BTreeMap;

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

/// The bank's JSON text. Native builds only: the page fetches `questions.json` (a copy
/// of the same file beside it, cached offline by the service worker) when the quiz first
/// opens, so the bank is not in the wasm (about 11 KB gzip, ARCHITECTURE "The bundle").
#[cfg(not(target_arch = "wasm32"))]
pub const BANK_JSON: &str = include_str!("../scenarios/questions.json");

/// The parsed bank (native builds; see [`BANK_JSON`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn bank() -> Vec<Question> {
    parse(BANK_JSON)
}

/// Parses a bank's JSON text (an array of questions); entries that do not have the
/// expected shape are skipped, and text that is not a JSON array gives an empty bank.
pub fn parse(text: &str) -> Vec<Question> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else { return Vec::new() };
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

/// One learner's work on one question.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attempt {
    /// Wrong choices picked, in order (a learner may retry until right).
    pub wrong: Vec<usize>,
    /// The right choice was picked.
    pub solved: bool,
    /// The learner asked to see the answer without finding it.
    pub revealed: bool,
}

impl Attempt {
    /// The question is over: the right answer is on screen, with the explanation.
    pub fn finished(&self) -> bool {
        self.solved || self.revealed
    }
    /// Right at the first pick: the score counts these.
    pub fn right_first_time(&self) -> bool {
        self.solved && self.wrong.is_empty()
    }
}

/// Progress through the bank, one question at a time: which question is shown and every
/// attempt so far (by question id, so a changed bank keeps what still applies).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Index of the question on screen.
    pub current: usize,
    /// Attempts by question id.
    pub attempts: BTreeMap<String, Attempt>,
}

impl Progress {
    /// The attempt on `q` (empty when untouched).
    pub fn attempt(&self, q: &Question) -> Attempt {
        self.attempts.get(&q.id).cloned().unwrap_or_default()
    }

    /// Picks `choice` for `q`. Ignored once the question is over, for a choice already
    /// picked, or for an index that is not a choice.
    pub fn pick(&mut self, q: &Question, choice: usize) {
        let a = self.attempts.entry(q.id.clone()).or_default();
        if a.finished() || a.wrong.contains(&choice) || choice >= q.choices.len() {
            return;
        }
        if choice == q.answer {
            a.solved = true;
        } else {
            a.wrong.push(choice);
        }
    }

    /// Shows the answer of `q` without a right pick (it does not count as right).
    pub fn reveal(&mut self, q: &Question) {
        self.attempts.entry(q.id.clone()).or_default().revealed = true;
    }

    /// Moves to question `i` (clamped to the bank).
    pub fn go(&mut self, i: usize, total: usize) {
        self.current = i.min(total.saturating_sub(1));
    }

    /// (right at the first pick, questions finished).
    pub fn score(&self, bank: &[Question]) -> (usize, usize) {
        let finished = bank.iter().filter(|q| self.attempt(q).finished()).count();
        let right = bank.iter().filter(|q| self.attempt(q).right_first_time()).count();
        (right, finished)
    }

    /// Clears the questions not answered right at the first pick, and shows the first of them.
    pub fn retry_missed(&mut self, bank: &[Question]) {
        self.attempts.retain(|_, a| a.right_first_time());
        self.current = bank.iter().position(|q| !self.attempt(q).right_first_time()).unwrap_or(0);
    }

    /// Compact text for storage: `current;id:w1.w2:s:r;…` (`s`/`r` are 0 or 1).
    pub fn encode(&self) -> String {
        let mut s = self.current.to_string();
        for (id, a) in &self.attempts {
            let wrong: Vec<String> = a.wrong.iter().map(|w| w.to_string()).collect();
            s.push_str(&format!(";{id}:{}:{}:{}", wrong.join("."), u8::from(a.solved), u8::from(a.revealed)));
        }
        s
    }

    /// Reads [`Progress::encode`]'s text; anything malformed is skipped (progress is a
    /// convenience, never a reason to fail).
    pub fn decode(text: &str) -> Progress {
        let mut parts = text.split(';');
        let current = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let attempts = parts
            .filter_map(|p| {
                let f: Vec<&str> = p.split(':').collect();
                let [id, wrong, solved, revealed] = f.as_slice() else { return None };
                let wrong = wrong.split('.').filter(|w| !w.is_empty()).map(|w| w.parse().ok()).collect::<Option<Vec<usize>>>()?;
                Some((id.to_string(), Attempt { wrong, solved: *solved == "1", revealed: *revealed == "1" }))
            })
            .collect();
        Progress { current, attempts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picking_retrying_revealing_and_the_score() {
        let b = bank();
        let q = &b[0];
        let wrong = (q.answer + 1) % q.choices.len();
        let mut p = Progress::default();
        p.pick(q, wrong);
        assert!(!p.attempt(q).finished(), "a wrong pick leaves the question open for a retry");
        p.pick(q, wrong);
        assert_eq!(p.attempt(q).wrong, vec![wrong], "the same wrong pick counts once");
        p.pick(q, q.answer);
        assert!(p.attempt(q).solved && !p.attempt(q).right_first_time());
        let q2 = &b[1];
        p.pick(q2, q2.answer);
        assert!(p.attempt(q2).right_first_time());
        p.pick(q2, (q2.answer + 1) % q2.choices.len());
        assert!(p.attempt(q2).wrong.is_empty(), "no picks after the question is over");
        p.reveal(&b[2]);
        assert_eq!(p.score(&b), (1, 3));
        let round = Progress::decode(&p.encode());
        assert_eq!(round, p);
        p.retry_missed(&b);
        assert_eq!(p.score(&b), (1, 1));
        assert_eq!(p.current, 0, "back to the first question not right at the first pick");
        assert_eq!(Progress::decode("x;;q01:a:1:0;q02::1:0"), Progress { current: 0, attempts: [("q02".to_string(), Attempt { wrong: vec![], solved: true, revealed: false })].into() });
    }
}
