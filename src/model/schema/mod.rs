//! Checking a scenario document, with every problem at its place.
//!
//! The format is declared once, by the Rust types of [`super::scenario`]: serde reads
//! them, and schemars derives from the same declaration the JSON Schema that is published
//! (`mip schema`, `docs/scenario.schema.json`, kept current by a test) and that this
//! module checks documents against. [`check`] takes the fast path first: when serde reads the document there is no
//! shape problem to report and no position to compute. Only when serde refuses does it
//! parse the text into a syntax tree that keeps every node's range (jsonc-parser, with
//! comments and the other JSONC extensions switched off) and walk it against the schema,
//! collecting *all* problems (unknown fields with a "did you mean", wrong types, missing
//! fields, values outside an enum, unknown actions), each with its JSON path, line and
//! column. `tests/format.rs` checks over thousands of mutated documents that serde
//! accepts a document exactly when the walk finds nothing.

use super::scenario::{Scenario, MAX_INPUT};
use jsonc_parser::ast::{ObjectPropName, Value as Node};
use jsonc_parser::common::Ranged;
use jsonc_parser::errors::{ParseError, ParseErrorKind};
use jsonc_parser::{CollectOptions, ParseOptions};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Deepest nesting serde_json reads (its recursion limit); deeper documents are refused.
pub const MAX_DEPTH: usize = 128;
/// At most this many problems are reported for one document.
const MAX_PROBLEMS: usize = 500;

/// A problem found in a scenario.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// JSON path, e.g. `world.resources[2].identity.type`; `$` for the whole document.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// `message — hint`.
    pub fn text(&self) -> String {
        match &self.hint {
            Some(h) => format!("{} — {h}", self.message),
            None => self.message.clone(),
        }
    }
}

/// The JSON Schema (draft 2020-12) of the scenario format, derived from the Rust types.
pub fn json_schema() -> Value {
    let generated = schemars::generate::SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<Scenario>().to_value();
    let mut root = Map::new();
    root.insert("$schema".into(), generated.get("$schema").cloned().unwrap_or(Value::Null));
    root.insert("$id".into(), "https://mi-playground.invalid/scenario.schema.json".into());
    root.insert("title".into(), "Managed Identity Playground scenario".into());
    if let Value::Object(o) = generated {
        for (k, v) in o {
            if !root.contains_key(&k) {
                root.insert(k, v);
            }
        }
    }
    Value::Object(root)
}

/// The published schema, `docs/scenario.schema.json`: what [`json_schema`] derives from
/// the types, written out (`tests/format.rs` fails while the file differs from it). The
/// check reads the file rather than running schemars, so the browser's bundle carries
/// neither schemars' generator nor the types' schema functions, only this text (about
/// 8 KB compressed; build.rs writes it without indentation); it is parsed once, on the first
/// document serde refuses.
const PUBLISHED: &str = include_str!(concat!(env!("OUT_DIR"), "/scenario.schema.min.json"));

fn published() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(PUBLISHED).unwrap_or(Value::Null))
}

/// The largest whole number an integer schema allows (`maximum`, or its `format`).
fn maximum(schema: &Value) -> u64 {
    schema.get("maximum").and_then(Value::as_u64).unwrap_or(match schema.get("format").and_then(Value::as_str) {
        Some("uint8") => u8::MAX.into(),
        Some("uint16") => u16::MAX.into(),
        Some("uint32") => u32::MAX.into(),
        _ => u64::MAX,
    })
}

/// Reads a scenario: the scenario when serde reads it (no diagnostics), otherwise every
/// syntax or shape problem with its position. Never panics; input over 4 MiB is refused.
pub fn check(text: &str) -> (Option<Scenario>, Vec<Diagnostic>) {
    if text.len() > MAX_INPUT {
        return (None, vec![too_large(text)]);
    }
    match serde_json::from_str::<Scenario>(text) {
        Ok(sc) => (Some(sc), Vec::new()),
        Err(e) => {
            let mut d = problems(text);
            if d.is_empty() {
                // serde refused something the schema walk accepts: they should never
                // disagree (tests/format.rs), but the document is refused either way.
                let lines = Lines::new(text);
                let (line, column) = lines.line_col(lines.offset_of(e.line(), e.column()));
                d.push(Diagnostic { path: "$".into(), line, column, message: serde_message(&e), hint: None });
            }
            (None, d)
        }
    }
}

/// Every syntax and shape problem of a document, found without serde: the check behind
/// [`check`]'s slow path (public so tests can compare the two).
pub fn problems(text: &str) -> Vec<Diagnostic> {
    if text.len() > MAX_INPUT {
        return vec![too_large(text)];
    }
    let lines = Lines::new(text);
    let root = match parse(text) {
        Ok(Some(root)) => root,
        Ok(None) => return vec![Diagnostic { path: "$".into(), line: 1, column: 1, message: "the document is empty".into(), hint: Some("a scenario is a JSON object: {\"version\": 1, \"name\": …, \"world\": …}".into()) }],
        Err(e) => return vec![syntax_problem(text, &lines, &e)],
    };
    // What jsonc-parser's scanner lets through but JSON does not (control characters in
    // strings, leading zeros), numbers out of range and nesting past serde_json's limit.
    if let Err(e) = serde_json::from_str::<Value>(text) {
        return vec![strict_syntax_problem(&lines, &root, &e)];
    }
    let schema = published();
    let empty = Map::new();
    let mut w = Walker { defs: schema.get("$defs").and_then(Value::as_object).unwrap_or(&empty), lines: &lines, out: Vec::new() };
    w.walk(&root, schema, "", Some("Scenario"), None);
    w.out
}

fn too_large(text: &str) -> Diagnostic {
    Diagnostic { path: "$".into(), line: 1, column: 1, message: format!("the scenario is {} bytes; the limit is {MAX_INPUT} bytes (4 MiB)", text.len()), hint: Some("split the scenario or remove unused parts".into()) }
}

/// Strict JSON: no comments, trailing commas, single quotes, bare words, hex or other
/// JSON5 numbers, or extended escapes.
fn parse(text: &str) -> Result<Option<Node<'_>>, ParseError> {
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options).map(|r| r.value)
}

/// serde_json's message without its " at line L column C" suffix.
fn serde_message(e: &serde_json::Error) -> String {
    let m = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    m.strip_suffix(&suffix).unwrap_or(&m).to_string()
}

/// Byte offsets of line starts, to turn an offset into a 1-based line and column (in
/// characters, as editors count).
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }
    /// Line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
    }
    /// The byte offset of serde_json's position (1-based line; column in bytes, at the
    /// last byte read).
    fn offset_of(&self, line: usize, column: usize) -> usize {
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len());
        let mut at = (start + column.saturating_sub(1)).min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
}

/// Positions of JSON paths in a document (for problems found after serde read it, such as
/// dangling references). Parses the text once.
pub struct Positions<'a> {
    lines: Lines<'a>,
    root: Option<Node<'a>>,
}

impl<'a> Positions<'a> {
    /// Parses `text` for positions (a text that does not parse locates everything at 1:1).
    pub fn new(text: &'a str) -> Positions<'a> {
        let root = if text.len() > MAX_INPUT { None } else { parse(text).ok().flatten() };
        Positions { lines: Lines::new(text), root }
    }
    /// Line and column of a JSON path such as `world.resources[2].name`: of the deepest
    /// part of it that exists (a field's name, an array item's value).
    pub fn locate(&self, path: &str) -> (u32, u32) {
        let Some(root) = &self.root else { return (1, 1) };
        let mut node = root;
        let mut at = root.range().start;
        for seg in path.split('.').filter(|s| *s != "$") {
            let (key, indices) = seg.find('[').map_or((seg, ""), |i| (&seg[..i], &seg[i..]));
            if !key.is_empty() {
                let Some(prop) = node.as_object().and_then(|o| o.properties.iter().find(|p| p.name.as_str() == key)) else { break };
                at = name_range(&prop.name).start;
                node = &prop.value;
            }
            for part in indices.split(']').filter(|p| !p.is_empty()) {
                let Some(item) = part.trim_start_matches('[').parse::<usize>().ok().and_then(|i| node.as_array()?.elements.get(i)) else {
                    return self.lines.line_col(at);
                };
                node = item;
                at = item.range().start;
            }
        }
        self.lines.line_col(at)
    }
}

fn name_range(n: &ObjectPropName) -> jsonc_parser::common::Range {
    match n {
        ObjectPropName::String(s) => s.range,
        ObjectPropName::Word(w) => w.range,
    }
}

fn syntax_problem(text: &str, lines: &Lines, e: &ParseError) -> Diagnostic {
    use jsonc_parser::ParseStringErrorKind as S;
    use ParseErrorKind as K;
    let range = e.range();
    let word = text.get(range.start..range.end).unwrap_or("");
    let (message, hint): (String, Option<String>) = match e.kind() {
        K::UnterminatedObject => ("unexpected end of input: an object is not closed".into(), Some("add the missing '}' (or the rest of the document)".into())),
        K::UnterminatedArray => ("unexpected end of input: an array is not closed".into(), Some("add the missing ']' (or the rest of the document)".into())),
        K::String(S::UnterminatedStringLiteral) => ("unexpected end of input inside a string (a closing quote is missing)".into(), None),
        K::String(S::ExpectedFourHexDigits) => ("\\u needs four hex digits".into(), None),
        K::String(S::InvalidUnicodeEscapeSequence(detail)) => (format!("invalid \\u escape: {detail}"), Some("a surrogate (\\ud800–\\udfff) is only a character as a high-low pair such as \\ud83d\\ude00; or write the character itself".into())),
        K::String(_) => ("unknown escape sequence in a string".into(), Some("JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX".into())),
        K::ExpectedComma if leading_zero(text, range.start).is_some() => {
            let (at, written) = leading_zero(text, range.start).unwrap_or((range.start, ""));
            let (line, column) = lines.line_col(at);
            let fixed = written.trim_start_matches('0');
            return Diagnostic { path: "$".into(), line, column, message: format!("a JSON number cannot start with 0 (write {fixed}, not {written})"), hint: None };
        }
        K::ExpectedComma => {
            // Point at what follows, not at the space before it.
            let gap = text.get(range.start..).map_or(0, |t| t.len() - t.trim_start().len());
            let (line, column) = lines.line_col(range.start + gap);
            return Diagnostic { path: "$".into(), line, column, message: "expected ',' or the end of the object or array (is a comma missing?)".into(), hint: None };
        }
        K::TrailingCommasNotAllowed => ("JSON does not allow a comma before '}' or ']'".into(), Some("remove the trailing comma".into())),
        K::CommentsNotAllowed => ("JSON does not allow comments".into(), Some("remove the comment (a `note` action or the `description` can hold text)".into())),
        K::SingleQuotedStringsNotAllowed => ("JSON strings use double quotes, not single quotes".into(), None),
        K::ExpectedStringObjectProperty => ("expected a field name in double quotes".into(), None),
        K::ExpectedColonAfterObjectKey => ("expected ':' after the field name".into(), None),
        K::ExpectedObjectValue => ("expected a value after ':'".into(), None),
        K::MultipleRootJsonValues => ("unexpected text after the end of the JSON document".into(), None),
        K::UnexpectedWord | K::UnexpectedToken | K::UnexpectedTokenInObject => {
            let word = text.get(range.start..).unwrap_or("").split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
            if word.starts_with(char::is_alphabetic) {
                let hint = suggest(word, &["true", "false", "null"]).map_or("strings need double quotes; the words JSON knows are true, false and null".into(), |s| format!("did you mean {s}?"));
                (format!("'{word}' is not a JSON value"), Some(hint))
            } else {
                ("expected a value (a string, number, object, array, true, false or null)".into(), None)
            }
        }
        K::UnexpectedCloseBrace => ("unexpected '}'".into(), None),
        K::UnexpectedCloseBracket => ("unexpected ']'".into(), None),
        K::UnexpectedColon => ("unexpected ':'".into(), None),
        K::UnexpectedComma => ("unexpected ',' (a value is missing)".into(), None),
        K::ExpectedDigit | K::ExpectedDigitFollowingNegativeSign | K::ExpectedPlusMinusOrDigitInNumberLiteral => ("a number needs digits here".into(), None),
        K::HexadecimalNumbersNotAllowed | K::UnaryPlusNumbersNotAllowed | K::BareDecimalPointNumbersNotAllowed | K::NonFiniteNumbersNotAllowed => {
            (format!("'{word}' is not a JSON number"), Some("JSON numbers are decimal, like 7, -1 or 0.5".into()))
        }
        K::NestingDepthExceeded => (format!("nesting deeper than {MAX_DEPTH} levels"), Some("a scenario nests only a few levels deep".into())),
        other => (other.to_string(), None),
    };
    let (line, column) = lines.line_col(range.start);
    Diagnostic { path: "$".into(), line, column, message, hint }
}

/// A number written with a leading zero whose digits continue at `at` (jsonc-parser reads
/// `07` as `0` followed by `7`): where it starts, and its digits.
fn leading_zero(text: &str, at: usize) -> Option<(usize, &str)> {
    let before = text.get(..at)?;
    let zeros = before.len() - before.trim_end_matches('0').len();
    let start = at - zeros;
    let prev = text.get(..start)?.chars().next_back();
    let digits = text.get(at..)?.chars().take_while(char::is_ascii_digit).count();
    (zeros > 0 && digits > 0 && !prev.is_some_and(|c| c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E')).then(|| (start, &text[start..at + digits]))
}

/// A problem serde_json finds in a text jsonc-parser read: a raw control character in a
/// string, a number with a leading zero or out of range, or nesting past [`MAX_DEPTH`].
fn strict_syntax_problem(lines: &Lines, root: &Node, e: &serde_json::Error) -> Diagnostic {
    let offset = lines.offset_of(e.line(), e.column());
    let (mut at, mut message, mut hint) = (offset, serde_message(e), None);
    match innermost(root, offset) {
        Some(Node::NumberLit(n)) => {
            at = n.range.start;
            let digits = n.value.trim_start_matches('-');
            if digits.len() > 1 && digits.starts_with('0') && digits.as_bytes()[1].is_ascii_digit() {
                let rest = digits.trim_start_matches('0');
                let fixed = if rest.starts_with(|c: char| c.is_ascii_digit()) { rest.to_string() } else { format!("0{rest}") };
                message = format!("a JSON number cannot start with 0 (write {fixed}, not {digits})");
            } else {
                message = format!("the number {} is out of range", n.value);
                hint = Some("whole numbers in a scenario go up to 18446744073709551615".into());
            }
        }
        Some(Node::StringLit(_)) => {
            message = "control characters (such as a raw line break or tab) are not allowed inside a string".into();
            hint = Some("write them as \\n or \\t".into());
        }
        _ if depth(root) > MAX_DEPTH => {
            at = 0;
            message = format!("nesting deeper than {MAX_DEPTH} levels");
            hint = Some("a scenario nests only a few levels deep".into());
        }
        _ => {}
    }
    let (line, column) = lines.line_col(at);
    Diagnostic { path: "$".into(), line, column, message, hint }
}

/// The innermost node whose range holds `offset`.
fn innermost<'b, 'a>(n: &'b Node<'a>, offset: usize) -> Option<&'b Node<'a>> {
    let mut cur = n;
    let mut found = None;
    loop {
        let r = cur.range();
        if !(r.start <= offset && offset < r.end) {
            return found;
        }
        found = Some(cur);
        let next = match cur {
            Node::Object(o) => o.properties.iter().map(|p| &p.value).find(|v| v.range().start <= offset && offset < v.range().end),
            Node::Array(a) => a.elements.iter().find(|v| v.range().start <= offset && offset < v.range().end),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return found,
        }
    }
}

/// Nesting depth of arrays and objects (iterative: the tree may be 512 levels deep).
fn depth(root: &Node) -> usize {
    let mut max = 0;
    let mut stack = vec![(root, 0usize)];
    while let Some((n, d)) = stack.pop() {
        match n {
            Node::Object(o) => {
                max = max.max(d + 1);
                stack.extend(o.properties.iter().map(|p| (&p.value, d + 1)));
            }
            Node::Array(a) => {
                max = max.max(d + 1);
                stack.extend(a.elements.iter().map(|v| (v, d + 1)));
            }
            _ => {}
        }
    }
    max
}

mod walk;
use walk::Walker;

/// The closest option by edit distance (case-insensitive), if close enough.
pub fn suggest<'a>(word: &str, options: &[&'a str]) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    if w.len() > 64 {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for o in options {
        let d = edit_distance(&w, &o.to_ascii_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, o));
        }
    }
    best.filter(|(d, o)| *d <= if w.len() <= 4 || o.len() <= 4 { 1 } else { 2.max(o.len() / 4) }).map(|(_, o)| o)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("clientID", &["clientId", "principalId"]), Some("clientId"));
        assert_eq!(suggest("getsecret", &["getSecret", "getToken"]), Some("getSecret"));
        assert_eq!(suggest("zzzzzz", &["getSecret"]), None);
    }

    #[test]
    fn schema_has_every_object() {
        let s = json_schema();
        for name in ["World", "Resource", "Identity", "Duration", "Sdk", "ResourceKind"] {
            assert!(s["$defs"][name].is_object(), "{name}");
        }
        assert_eq!(s["properties"]["script"]["items"]["$ref"], "#/$defs/Action");
    }

    #[test]
    fn lines_count_characters() {
        let l = Lines::new("ab\n\u{e9}x\n");
        assert_eq!(l.line_col(0), (1, 1));
        assert_eq!(l.line_col(3), (2, 1));
        assert_eq!(l.line_col(5), (2, 2));
        assert_eq!(l.line_col(99), (3, 1));
    }
}
