//! Seeded mutants of scenario documents, shared by `tests/format.rs` (a few thousand in
//! every test run) and `examples/mutate.rs` (a million in release, a slice in CI).
//!
//! A mutant is a built-in scenario changed by one to four structural edits — a value
//! swapped for one of another type (or for a string the format gives meaning to), a field
//! deleted, duplicated, misspelt or added, an array item deleted or duplicated — and, one
//! time in three, by damage to its bytes: a bit flipped, a byte replaced by JSON
//! punctuation, deleted or inserted, a span duplicated, or the text cut short. Mutant
//! `index` of the run seeded with `seed` is always the same text, so any finding replays.

#![allow(dead_code)]

use mi_playground::model::rng::Rng;
use serde_json::{Map, Value};

/// Values of every JSON type, edge numbers, and strings the format gives meaning to.
const VALUES: &[&str] = &[
    "null", "true", "false", "0", "1", "-1", "-0", "1.5", "1e2", "1e308", "4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
    "\"\"", "\"x\"", "\"💥\"", "\"\\u00e9\"", "\"SystemAssigned\"", "\"SystemAssigned,UserAssigned\"", "\"None\"", "\"python\"", "\"DefaultAzureCredential\"",
    "\"GET\"", "\"PUT\"", "\"throttle\"", "\"10m\"", "\"0s\"", "\"3650d\"", "\"99999w\"", "\"2026-01-15T09:00:00Z\"", "\"2026-02-30T09:00:00Z\"",
    "\"Microsoft.Web/sites\"", "\"Microsoft.KeyVault/vaults\"", "\"vm-web\"", "\"kv-app\"", "\"sdk\"", "\"none\"", "\"https://vault.azure.net\"", "\"Owner\"",
    "[]", "[\"\"]", "[[\"a\", \"b\"]]", "[{}]", "[null]", "{}", "{\"name\": \"x\"}", "{\"action\": \"note\", \"text\": \"t\"}", "{\"action\": \"getToken\"}",
];

/// Marks a key to be written twice (removed from the text after serializing).
const DUP: &str = "\u{1}dup\u{1}";

/// Builds mutants of a fixed set of documents.
pub struct Mutator {
    bases: Vec<Value>,
    values: Vec<Value>,
}

impl Mutator {
    /// Mutants of these JSON documents (each must parse).
    pub fn new(texts: &[&str]) -> Mutator {
        Mutator {
            bases: texts.iter().map(|t| serde_json::from_str(t).expect("base documents are JSON")).collect(),
            values: VALUES.iter().map(|t| serde_json::from_str(t).expect("mutation values are JSON")).collect(),
        }
    }

    /// Mutant number `index` of the run seeded with `seed`.
    pub fn mutant(&self, seed: u64, index: u64) -> String {
        let mut rng = Rng::new(seed, index);
        let mut v = self.bases[pick(&mut rng, self.bases.len())].clone();
        for _ in 0..[1, 1, 1, 2, 2, 3, 4][pick(&mut rng, 7)] {
            self.edit(&mut v, &mut rng);
        }
        let text = if pick(&mut rng, 8) == 0 { serde_json::to_string(&v) } else { serde_json::to_string_pretty(&v) }.unwrap_or_default();
        let marker = serde_json::to_string(DUP).unwrap_or_default();
        let text = text.replace(marker.trim_matches('"'), "");
        if pick(&mut rng, 3) == 0 { damage(text, &mut rng) } else { text }
    }

    /// One structural edit at a random node.
    fn edit(&self, v: &mut Value, rng: &mut Rng) {
        let node = random_node(v, rng);
        match (pick(rng, 9), node) {
            (0, Value::Object(m)) if !m.is_empty() => {
                let k = nth_key(m, rng);
                m.shift_remove(&k);
            }
            (1, Value::Object(m)) if !m.is_empty() => {
                let k = nth_key(m, rng);
                let dup = m[&k].clone();
                m.insert(format!("{DUP}{k}"), dup);
            }
            (2, Value::Object(m)) if !m.is_empty() => {
                // A misspelt key: one character changed, dropped or doubled.
                let k = nth_key(m, rng);
                if let Some(val) = m.shift_remove(&k) {
                    m.insert(misspell(&k, rng), val);
                }
            }
            (3, Value::Object(m)) => {
                let val = self.values[pick(rng, self.values.len())].clone();
                m.insert(["extra", "clientID", "type", "action", "name"][pick(rng, 5)].to_string(), val);
            }
            (4, Value::Array(a)) if !a.is_empty() => {
                a.remove(pick(rng, a.len()));
            }
            (5, Value::Array(a)) if !a.is_empty() => {
                let i = pick(rng, a.len());
                let dup = a[i].clone();
                a.insert(i, dup);
            }
            (6, node) => {
                // A value of the same JSON type, so that more mutants still read and run.
                let same: Vec<&Value> = self.values.iter().filter(|x| std::mem::discriminant(*x) == std::mem::discriminant(node)).collect();
                match node {
                    Value::Bool(b) => *b = !*b,
                    _ if !same.is_empty() => *node = same[pick(rng, same.len())].clone(),
                    _ => {}
                }
            }
            (_, node) => *node = self.values[pick(rng, self.values.len())].clone(),
        }
    }
}

fn pick(rng: &mut Rng, n: usize) -> usize {
    (rng.next_u64() % n.max(1) as u64) as usize
}

fn nth_key(m: &Map<String, Value>, rng: &mut Rng) -> String {
    m.keys().nth(pick(rng, m.len())).cloned().unwrap_or_default()
}

/// A node reached by up to eight random steps down from the root.
fn random_node<'a>(v: &'a mut Value, rng: &mut Rng) -> &'a mut Value {
    let mut path = Vec::new();
    let mut cur: &Value = v;
    for _ in 0..pick(rng, 9) {
        let n = match cur {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if n == 0 || pick(rng, 4) == 0 {
            break;
        }
        let i = pick(rng, n);
        path.push(i);
        cur = match cur {
            Value::Object(m) => m.values().nth(i).expect("index in range"),
            Value::Array(a) => &a[i],
            _ => break,
        };
    }
    path.into_iter().fold(v, |node, i| match node {
        Value::Object(m) => m.values_mut().nth(i).expect("index in range"),
        Value::Array(a) => &mut a[i],
        other => other,
    })
}

fn misspell(k: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = k.chars().collect();
    if c.is_empty() {
        return "x".into();
    }
    let i = pick(rng, c.len());
    match pick(rng, 3) {
        0 => c[i] = if c[i].is_ascii_uppercase() { c[i].to_ascii_lowercase() } else { c[i].to_ascii_uppercase() },
        1 => drop(c.remove(i)),
        _ => c.insert(i, c[i]),
    }
    c.into_iter().collect()
}

/// Bytes that matter to JSON's grammar.
const PUNCT: &[u8] = b"{}[],:\"\\0-.e ";

/// Byte-level damage; the result is read as UTF-8 with replacement characters, as a
/// browser would hand it over.
fn damage(text: String, rng: &mut Rng) -> String {
    let mut b = text.into_bytes();
    if b.is_empty() {
        return String::new();
    }
    let i = pick(rng, b.len());
    match pick(rng, 6) {
        0 => b[i] ^= 1 << pick(rng, 8),
        1 => b[i] = PUNCT[pick(rng, PUNCT.len())],
        2 => drop(b.remove(i)),
        3 => b.insert(i, PUNCT[pick(rng, PUNCT.len())]),
        4 => {
            let j = (i + 1 + pick(rng, 64)).min(b.len());
            let span = b[i..j].to_vec();
            b.splice(j..j, span);
        }
        _ => b.truncate(i),
    }
    String::from_utf8_lossy(&b).into_owned()
}
