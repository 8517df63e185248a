//! A small JSON reader that keeps the line and column of every value and key, so that
//! scenario diagnostics can point at the exact place. Hostile input is bounded: at most
//! [`MAX_INPUT`] bytes and [`MAX_DEPTH`] levels of nesting; nothing here can panic or recurse
//! without limit.

/// Largest scenario accepted, in bytes.
pub const MAX_INPUT: usize = 4 << 20;
/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 64;

/// A position in the text (1-based line and column, column counted in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

/// A JSON value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub val: Val,
    /// Where it starts.
    pub pos: Pos,
}

/// JSON values. Numbers keep their source text.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as written.
    Num(String),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Node>),
    /// An object: keys (with their positions) and values, in order.
    Obj(Vec<(String, Pos, Node)>),
}

impl Val {
    /// The JSON type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::Str(_) => "a string",
            Val::Arr(_) => "an array",
            Val::Obj(_) => "an object",
        }
    }
}

/// A syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub pos: Pos,
}

/// Parses a whole document.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.len() > MAX_INPUT {
        return Err(SyntaxError { message: format!("the scenario is {} bytes; the limit is {} bytes (4 MiB)", text.len(), MAX_INPUT), pos: Pos { line: 1, col: 1 } });
    }
    let mut p = Parser { s: text.as_bytes(), i: 0, line: 1, col: 1 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the end of the JSON document"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line: u32,
    col: u32,
}

impl Parser<'_> {
    fn pos(&self) -> Pos {
        Pos { line: self.line, col: self.col }
    }
    fn err(&self, m: &str) -> SyntaxError {
        SyntaxError { message: m.to_string(), pos: self.pos() }
    }
    fn bump(&mut self) {
        if let Some(&c) = self.s.get(self.i) {
            self.i += 1;
            if c == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if c & 0xC0 != 0x80 {
                self.col += 1;
            }
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }
    fn lit(&mut self, word: &str, v: Val) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        if self.s[self.i..].starts_with(word.as_bytes()) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(Node { val: v, pos })
        } else {
            Err(self.err("expected a value (a string, number, object, array, true, false or null)"))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let pos = self.pos();
        match self.peek() {
            None => Err(self.err("unexpected end of input: the document is truncated")),
            Some(b'{') => {
                self.bump();
                let mut fields = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.bump();
                    return Ok(Node { val: Val::Obj(fields), pos });
                }
                loop {
                    self.ws();
                    let kpos = self.pos();
                    if self.peek() != Some(b'"') {
                        return Err(self.err("expected a field name in double quotes"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return Err(self.err("expected ':' after the field name"));
                    }
                    self.bump();
                    self.ws();
                    let v = self.value(depth + 1)?;
                    fields.push((k, kpos, v));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.bump(),
                        Some(b'}') => {
                            self.bump();
                            return Ok(Node { val: Val::Obj(fields), pos });
                        }
                        None => return Err(self.err("unexpected end of input: an object is not closed")),
                        _ => return Err(self.err("expected ',' or '}' (is a comma missing?)")),
                    }
                }
            }
            Some(b'[') => {
                self.bump();
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.bump();
                    return Ok(Node { val: Val::Arr(items), pos });
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.bump(),
                        Some(b']') => {
                            self.bump();
                            return Ok(Node { val: Val::Arr(items), pos });
                        }
                        None => return Err(self.err("unexpected end of input: an array is not closed")),
                        _ => return Err(self.err("expected ',' or ']' (is a comma missing?)")),
                    }
                }
            }
            Some(b'"') => Ok(Node { val: Val::Str(self.string()?), pos }),
            Some(b't') => self.lit("true", Val::Bool(true)),
            Some(b'f') => self.lit("false", Val::Bool(false)),
            Some(b'n') => self.lit("null", Val::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                if self.peek() == Some(b'-') {
                    self.bump();
                }
                let digits = |p: &mut Self| {
                    let s = p.i;
                    while let Some(b'0'..=b'9') = p.peek() {
                        p.bump();
                    }
                    p.i > s
                };
                let int_start = self.i;
                if !digits(self) {
                    return Err(self.err("a number needs digits"));
                }
                if self.s[int_start] == b'0' && self.i - int_start > 1 {
                    self.col -= (self.i - int_start) as u32; // digits are one column each
                    self.i = int_start;
                    return Err(self.err("a JSON number cannot start with 0 (write 7, not 07)"));
                }
                if self.peek() == Some(b'.') {
                    self.bump();
                    if !digits(self) {
                        return Err(self.err("a number needs digits after '.'"));
                    }
                }
                if let Some(b'e' | b'E') = self.peek() {
                    self.bump();
                    if let Some(b'+' | b'-') = self.peek() {
                        self.bump();
                    }
                    if !digits(self) {
                        return Err(self.err("a number needs digits in its exponent"));
                    }
                }
                let raw = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                Ok(Node { val: Val::Num(raw), pos })
            }
            Some(b'\'') => Err(self.err("JSON strings use double quotes, not single quotes")),
            Some(_) => Err(self.err("expected a value (a string, number, object, array, true, false or null)")),
        }
    }
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.bump(); // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unexpected end of input inside a string (a closing quote is missing)")),
                Some(b'"') => {
                    self.bump();
                    return String::from_utf8(out).map_err(|_| self.err("the string is not valid UTF-8"));
                }
                Some(b'\\') => {
                    self.bump();
                    let c = self.peek().ok_or_else(|| self.err("unexpected end of input in an escape"))?;
                    self.bump();
                    match c {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) && self.s[self.i..].starts_with(b"\\u") {
                                self.bump();
                                self.bump();
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(self.err("unknown escape sequence in a string")),
                    }
                }
                Some(c) if c < 0x20 => return Err(self.err("control characters (such as a raw line break) are not allowed inside a string")),
                Some(c) => {
                    out.push(c);
                    self.bump();
                }
            }
        }
    }
    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.peek().and_then(|c| (c as char).to_digit(16)).ok_or_else(|| self.err("\\u needs four hex digits"))?;
            v = v * 16 + d;
            self.bump();
        }
        Ok(v)
    }
}

/// Pretty-prints JSON text keeping its key order (services care about it); `None` when
/// the text is not a JSON object or array.
pub fn pretty(text: &str) -> Option<String> {
    fn go(n: &Node, indent: usize, out: &mut String) {
        let pad = "  ".repeat(indent + 1);
        match &n.val {
            Val::Obj(f) if !f.is_empty() => {
                out.push_str("{\n");
                for (i, (k, _, v)) in f.iter().enumerate() {
                    out.push_str(&format!("{pad}{}: ", serde_json::Value::String(k.clone())));
                    go(v, indent + 1, out);
                    out.push_str(if i + 1 < f.len() { ",\n" } else { "\n" });
                }
                out.push_str(&"  ".repeat(indent));
                out.push('}');
            }
            Val::Arr(a) if !a.is_empty() => {
                out.push_str("[\n");
                for (i, v) in a.iter().enumerate() {
                    out.push_str(&pad);
                    go(v, indent + 1, out);
                    out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
                }
                out.push_str(&"  ".repeat(indent));
                out.push(']');
            }
            Val::Obj(_) => out.push_str("{}"),
            Val::Arr(_) => out.push_str("[]"),
            Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Num(r) => out.push_str(r),
            Val::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        }
    }
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let n = parse(text).ok()?;
    let mut out = String::new();
    go(&n, 0, &mut out);
    Some(out)
}

/// Parses JSON text into a `serde_json::Value` (`None` for anything malformed). The
/// bundle reads JSON with this parser only, so serde_json's reader is not linked.
pub fn parse_value(text: &str) -> Option<serde_json::Value> {
    parse(text).ok().map(|n| to_value(&n))
}

/// A number that is not an integer, to within a few units in the last place: scenarios,
/// tokens and service bodies hold no fractions, and an exact decimal-to-binary conversion
/// would add about 10 KB of tables to the bundle. Non-finite results give `None`.
fn approx_f64(raw: &str) -> Option<f64> {
    let (mantissa, exp) = match raw.find(['e', 'E']) {
        Some(i) => (&raw[..i], raw[i + 1..].trim_start_matches('+').parse::<i32>().ok()?),
        None => (raw, 0),
    };
    let (neg, mantissa) = mantissa.strip_prefix('-').map_or((false, mantissa), |m| (true, m));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut v = 0f64;
    for c in int.bytes().chain(frac.bytes()) {
        v = v * 10.0 + c.checked_sub(b'0').filter(|d| *d < 10)? as f64;
    }
    let e = exp.saturating_sub(frac.len() as i32).clamp(-700, 700);
    v = if e < 0 { v / 10f64.powi(-e) } else { v * 10f64.powi(e) };
    let v = if neg { -v } else { v };
    v.is_finite().then_some(v)
}

/// Converts to a `serde_json::Value` (numbers that are not integers become floats).
pub fn to_value(n: &Node) -> serde_json::Value {
    use serde_json::Value;
    match &n.val {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(raw) => raw.parse::<u64>().map(Value::from).or_else(|_| raw.parse::<i64>().map(Value::from)).unwrap_or_else(|_| approx_f64(raw).and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)),
        Val::Str(s) => Value::String(s.clone()),
        Val::Arr(a) => Value::Array(a.iter().map(to_value).collect()),
        Val::Obj(o) => Value::Object(o.iter().map(|(k, _, v)| (k.clone(), to_value(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_serde_json() {
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"\u00e9\n","a":-5},"a":2}"#,
            "[1.5, -0.25, 1e3, 2.5E-3, 12345678901234567890, -9223372036854775808, 0.1]",
            r#""x""#,
            "{\"k\": 3.14159265358979}",
        ] {
            assert_eq!(parse_value(text), serde_json::from_str::<serde_json::Value>(text).ok(), "{text}");
        }
        for bad in ["", "{", "[1,]", "01", "1e", "-", "{\"a\" 1}"] {
            assert!(parse_value(bad).is_none() && serde_json::from_str::<serde_json::Value>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn approximate_floats_are_close() {
        for raw in ["0.1", "1.5", "-2.75e10", "6.02214076e23", "1e-300", "123.456e-7", "9.999999999999999e22", "1e400"] {
            let exact: f64 = raw.parse().unwrap();
            match approx_f64(raw) {
                Some(v) => assert!(((v - exact) / exact).abs() < 1e-14, "{raw}: {v} vs {exact}"),
                None => assert!(!exact.is_finite(), "{raw}"),
            }
        }
    }

    #[test]
    fn positions_and_values() {
        let n = parse("{\n  \"a\": [1, \"x\\u00e9\"],\n  \"b\": null\n}").unwrap();
        let Val::Obj(f) = &n.val else { panic!() };
        assert_eq!(f[0].1, Pos { line: 2, col: 3 });
        assert_eq!(f[1].1, Pos { line: 3, col: 3 });
        let Val::Arr(a) = &f[0].2.val else { panic!() };
        assert_eq!(a[1].val, Val::Str("xé".into()));
        assert_eq!(a[1].pos, Pos { line: 2, col: 12 });
    }

    #[test]
    fn hostile_input_is_an_error_not_a_crash() {
        assert!(parse(&"[".repeat(100_000)).unwrap_err().message.contains("nesting"));
        assert!(parse(&" ".repeat(MAX_INPUT + 1)).unwrap_err().message.contains("limit"));
        assert!(parse("{\"a\": 1").unwrap_err().message.contains("end of input"));
        assert!(parse("{'a': 1}").is_err());
        assert!(parse("\"\\ud800\"").is_ok());
        assert_eq!(to_value(&parse("1e999999").unwrap()), serde_json::Value::Null);
        assert!(parse("nul").is_err());
        assert!(parse("").is_err());
    }
}
