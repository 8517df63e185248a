//! The walk of a syntax tree against the JSON Schema: every shape problem with its path.

use super::*;
use crate::model::time::{Duration, UtcTime};
use jsonc_parser::ast::Value as Node;
use jsonc_parser::common::Ranged;
use serde_json::{Map, Value};

/// Walks a syntax tree against the generated schema (the subset of JSON Schema schemars
/// writes for our types: `$ref`, `type`, `enum`, `const`, `properties`, `required`,
/// `additionalProperties`, `items`, `prefixItems`, `maximum`, `anyOf`/`oneOf` for
/// `Option` and for the `action`-tagged script entries), collecting every problem.
pub(super) struct Walker<'s> {
    pub(super) defs: &'s Map<String, Value>,
    pub(super) lines: &'s Lines<'s>,
    pub(super) out: Vec<Diagnostic>,
}

/// The JSON type of a node, for messages.
fn found(n: &Node) -> &'static str {
    match n {
        Node::NullKeyword(_) => "null",
        Node::BooleanLit(_) => "a boolean",
        Node::NumberLit(_) => "a number",
        Node::StringLit(_) => "a string",
        Node::Array(_) => "an array",
        Node::Object(_) => "an object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// The strings of a JSON array (e.g. `required`, `enum`).
fn strs(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

impl<'s> Walker<'s> {
    fn push(&mut self, path: &str, at: usize, message: String, hint: Option<String>) {
        if self.out.len() < MAX_PROBLEMS {
            let (line, column) = self.lines.line_col(at);
            self.out.push(Diagnostic { path: if path.is_empty() { "$".into() } else { path.to_string() }, line, column, message, hint });
        }
    }

    /// Checks `n` against `schema` at `path`; `name` names the object type for hints,
    /// `example` is an example value from the enclosing field, for hints.
    pub(super) fn walk(&mut self, n: &Node, schema: &'s Value, path: &str, name: Option<&str>, example: Option<&'s Value>) {
        let example = schema.get("examples").and_then(|e| e.get(0)).or(example);
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let def_name = r.rsplit('/').next().unwrap_or(r);
            if !self.leaf(n, def_name, path) {
                if let Some(def) = self.defs.get(def_name) {
                    self.walk(n, def, path, Some(def_name), example);
                }
            }
            return;
        }
        if let Some(alts) = schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Value::as_array) {
            return self.alternatives(n, alts, path, name, example);
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            let options: Vec<&str> = options.iter().filter_map(Value::as_str).collect();
            return self.one_of(n, &options, path);
        }
        if let Some(c) = schema.get("const").and_then(Value::as_str) {
            return self.one_of(n, &[c], path);
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(t) => strs(Some(t)),
            None => return,
        };
        let fits = types.iter().any(|t| match (*t, n) {
            ("null", Node::NullKeyword(_)) | ("boolean", Node::BooleanLit(_)) | ("string", Node::StringLit(_)) | ("array", Node::Array(_)) | ("object", Node::Object(_)) | ("number", Node::NumberLit(_)) => true,
            ("integer", Node::NumberLit(x)) => !x.value.contains(['.', 'e', 'E']),
            _ => false,
        });
        if !fits {
            if let (true, Node::NumberLit(x)) = (types.contains(&"integer"), n) {
                return self.bad_integer(x.value, x.range.start, path, schema);
            }
            let what: Vec<String> = types.iter().map(|t| self.type_phrase(t, name, schema)).collect();
            let hint = example.map(|e| format!("for example {e}"));
            return self.push(path, n.range().start, format!("expected {}, found {}", what.join(" or "), found(n)), hint);
        }
        match n {
            Node::NumberLit(x) => {
                if x.value.starts_with('-') || x.value.parse::<u64>().map_or(true, |v| v > maximum(schema)) {
                    self.bad_integer(x.value, x.range.start, path, schema);
                }
            }
            Node::Object(o) => self.object(n, o, schema, path, name.unwrap_or("this object"), &[]),
            Node::Array(a) => self.array(a.range.start, &a.elements, schema, path, example),
            _ => {}
        }
    }

    fn type_phrase(&self, t: &str, name: Option<&str>, schema: &Value) -> String {
        match t {
            "string" => "a string".into(),
            "integer" => "a whole number".into(),
            "number" => "a number".into(),
            "boolean" => "true or false".into(),
            "null" => "null".into(),
            "array" => match schema.get("prefixItems").and_then(Value::as_array) {
                Some(items) => format!("an array of {} items [{}]", items.len(), items.iter().map(|i| i.get("type").and_then(Value::as_str).unwrap_or("value")).collect::<Vec<_>>().join(", ")),
                None => "an array".into(),
            },
            "object" => match name {
                Some(n) if schema.get("properties").is_some() => format!("an object ({n})"),
                _ => "an object".into(),
            },
            other => other.into(),
        }
    }

    fn bad_integer(&mut self, raw: &str, at: usize, path: &str, schema: &Value) {
        let hint = if raw.starts_with('-') || raw.contains(['.', 'e', 'E']) {
            "use a whole number of 0 or more".to_string()
        } else {
            format!("the largest allowed is {}", maximum(schema))
        };
        self.push(path, at, format!("'{raw}' is not a whole number that fits"), Some(hint));
    }

    /// The types whose checks are code, not schema keywords: the same parsers serde uses.
    fn leaf(&mut self, n: &Node, def_name: &str, path: &str) -> bool {
        let at = n.range().start;
        match (def_name, n) {
            ("Duration", Node::StringLit(s)) => {
                if Duration::parse(&s.value).is_none() {
                    let (m, h) = Duration::problem(&s.value);
                    self.push(path, at, m, Some(h));
                }
            }
            ("Duration", _) => self.push(path, at, format!("expected a duration string such as \"10m\", found {}", found(n)), None),
            ("UtcTime", Node::StringLit(s)) => {
                if UtcTime::parse(&s.value).is_none() {
                    let (m, h) = UtcTime::problem(&s.value);
                    self.push(path, at, m, Some(h));
                }
            }
            ("UtcTime", _) => self.push(path, at, format!("expected a time string such as \"2026-01-15T09:00:00Z\", found {}", found(n)), None),
            ("UserAssignedEntry", Node::NullKeyword(_)) => {}
            ("UserAssignedEntry", Node::Object(o)) if o.properties.is_empty() => {}
            ("UserAssignedEntry", _) => self.push(path, at, format!("expected {{}} (attach) or null (detach), found {}", found(n)), None),
            _ => return false,
        }
        true
    }

    fn one_of(&mut self, n: &Node, options: &[&str], path: &str) {
        let at = n.range().start;
        match n {
            Node::StringLit(s) if options.contains(&s.value.as_ref()) => {}
            Node::StringLit(s) => {
                let hint = suggest(&s.value, options).map_or_else(|| format!("one of: {}", options.join(", ")), |o| format!("did you mean '{o}'?"));
                self.push(path, at, format!("'{}' is not allowed here", s.value), Some(hint));
            }
            _ => self.push(path, at, format!("expected a string, found {}", found(n)), Some(format!("one of: {}", options.join(", ")))),
        }
    }

    fn alternatives(&mut self, n: &Node, alts: &'s [Value], path: &str, name: Option<&str>, example: Option<&'s Value>) {
        // `Option<T>`: null, or T.
        let is_null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
        if alts.len() == 2 && alts.iter().any(is_null) {
            if matches!(n, Node::NullKeyword(_)) {
                return;
            }
            if let Some(other) = alts.iter().find(|s| !is_null(s)) {
                return self.walk(n, other, path, name, example);
            }
        }
        // Values listed one by one (`const`, each with its description).
        if alts.iter().all(|s| s.get("const").is_some()) {
            let options: Vec<&str> = alts.iter().filter_map(|s| s.get("const").and_then(Value::as_str)).collect();
            return self.one_of(n, &options, path);
        }
        // Objects tagged by a field whose value names the variant (the script's `action`).
        let variants: Vec<(&str, &str, &Value)> = alts
            .iter()
            .filter_map(|s| {
                let (k, v) = s.get("properties")?.as_object()?.iter().find(|(_, v)| v.get("const").is_some())?;
                Some((k.as_str(), v.get("const")?.as_str()?, s))
            })
            .collect();
        if variants.len() == alts.len() && !variants.is_empty() && variants.iter().all(|(k, _, _)| *k == variants[0].0) {
            return self.tagged(n, variants[0].0, &variants, path);
        }
        // Anything else: one alternative must fit.
        let mut best: Option<Vec<Diagnostic>> = None;
        for alt in alts {
            let mut trial = Walker { defs: self.defs, lines: self.lines, out: Vec::new() };
            trial.walk(n, alt, path, name, example);
            if trial.out.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| trial.out.len() < b.len()) {
                best = Some(trial.out);
            }
        }
        for d in best.unwrap_or_default() {
            if self.out.len() < MAX_PROBLEMS {
                self.out.push(d);
            }
        }
    }

    fn tagged(&mut self, n: &Node, tag: &str, variants: &[(&str, &str, &'s Value)], path: &str) {
        let names: Vec<&str> = variants.iter().map(|(_, v, _)| *v).collect();
        let Node::Object(o) = n else {
            return self.push(path, n.range().start, format!("expected an {tag} object, found {}", found(n)), None);
        };
        let Some(t) = o.properties.iter().find(|p| p.name.as_str() == tag) else {
            return self.push(path, n.range().start, format!("this {tag} has no \"{tag}\" field"), Some(format!("add e.g. \"{tag}\": \"{}\"", names.first().copied().unwrap_or(""))));
        };
        let tag_path = join(path, tag);
        let Node::StringLit(s) = &t.value else {
            return self.push(&tag_path, t.value.range().start, format!("\"{tag}\" must be a string"), Some(format!("one of: {}", names.join(", "))));
        };
        match variants.iter().find(|(_, v, _)| *v == s.value) {
            Some((_, v, schema)) => self.object(n, o, schema, path, v, &[tag]),
            None => {
                let hint = suggest(&s.value, &names).map_or_else(|| format!("known {tag}s: {}", names.join(", ")), |o| format!("did you mean '{o}'?"));
                self.push(&tag_path, s.range.start, format!("unknown {tag} '{}'", s.value), Some(hint));
            }
        }
    }

    fn object(&mut self, n: &Node, o: &jsonc_parser::ast::Object, schema: &'s Value, path: &str, name: &str, skip: &[&str]) {
        let props = schema.get("properties").and_then(Value::as_object);
        let prop = |k: &str| props.and_then(|p| p.get(k));
        let additional = schema.get("additionalProperties");
        let is_struct = props.is_some();
        let allowed: Vec<&str> = props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
        let mut seen: Vec<&str> = Vec::new();
        for p in &o.properties {
            let k = p.name.as_str();
            let kpath = join(path, k);
            let kat = name_range(&p.name).start;
            if is_struct && seen.contains(&k) {
                self.push(&kpath, kat, format!("field `{k}` appears twice"), Some("keep one".into()));
                continue;
            }
            seen.push(k);
            if skip.contains(&k) {
                continue;
            }
            match (prop(k), additional) {
                (Some(s), _) => self.walk(&p.value, s, &kpath, None, None),
                (None, Some(Value::Bool(false))) => {
                    let visible: Vec<&str> = allowed.iter().copied().filter(|a| !skip.contains(a)).collect();
                    let hint = suggest(k, &visible).map_or_else(|| format!("{name} allows: {}", visible.join(", ")), |s| format!("did you mean `{s}`?"));
                    self.push(&kpath, kat, format!("unknown field `{k}`"), Some(hint));
                }
                (None, Some(s)) if s.is_object() => self.walk(&p.value, s, &kpath, None, None),
                (None, _) => {}
            }
        }
        for r in strs(schema.get("required")) {
            if !seen.contains(&r) && !skip.contains(&r) {
                let doc = prop(r).and_then(|p| p.get("description")).and_then(Value::as_str).unwrap_or("");
                let doc = doc.split("\n\n").next().unwrap_or("").replace('\n', " ");
                self.push(path, n.range().start, format!("missing field `{r}`"), Some(format!("{name} needs `{r}`: {doc}")));
            }
        }
    }

    fn array(&mut self, at: usize, items: &[Node], schema: &'s Value, path: &str, example: Option<&'s Value>) {
        let item_example = example.and_then(|e| e.get(0));
        if let Some(prefix) = schema.get("prefixItems").and_then(Value::as_array) {
            if items.len() != prefix.len() {
                let hint = example.map(|e| format!("for example {e}"));
                let n = items.len();
                return self.push(path, at, format!("expected {}, found an array of {n} item{}", self.type_phrase("array", None, schema), if n == 1 { "" } else { "s" }), hint);
            }
            for (i, (x, s)) in items.iter().zip(prefix).enumerate() {
                self.walk(x, s, &format!("{path}[{i}]"), None, item_example);
            }
            return;
        }
        if let Some(s) = schema.get("items") {
            for (i, x) in items.iter().enumerate() {
                self.walk(x, s, &format!("{path}[{i}]"), None, item_example);
            }
        }
    }
}

