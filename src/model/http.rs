//! HTTP messages as they appear on the wire. The model builds these for every step that
//! has a documented wire format; the UI and the CLI only render them.

use serde::Serialize;

use super::strict::string_enum;

string_enum! {
    /// An HTTP method a scenario's hand-made request may use.
    pub enum HttpMethod default Get {
        /// `GET`.
        Get = "GET",
        /// `POST`.
        Post = "POST",
        /// `PUT`.
        Put = "PUT",
        /// `PATCH`.
        Patch = "PATCH",
        /// `DELETE`.
        Delete = "DELETE",
        /// `HEAD`.
        Head = "HEAD",
        /// `OPTIONS`.
        Options = "OPTIONS",
    }
}

string_enum! {
    /// The HTTP method of a Blob Storage request in a scenario: read or write a blob.
    pub enum BlobMethod default Get {
        /// Get Blob (read).
        Get = "GET",
        /// Put Blob (write).
        Put = "PUT",
    }
}

/// Pretty-prints JSON text, two-space indented, keys in their order (services care about
/// it); `None` when the text is not a JSON object or array.
pub fn pretty_json(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if !(v.is_object() || v.is_array()) {
        return None;
    }
    serde_json::to_string_pretty(&v).ok()
}

/// A request: method, full URL (with query string), headers in sending order, optional body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Request {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    pub method: String,
    /// Absolute URL including the query string, percent-encoded as sent.
    pub url: String,
    /// Header name and value pairs, in order.
    pub headers: Vec<(String, String)>,
    /// Body text, if any.
    pub body: Option<String>,
}

/// A response: status, reason phrase, headers, optional body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// Status code, e.g. `200`, `403`.
    pub status: u16,
    /// Reason phrase, e.g. `Forbidden`.
    pub reason: String,
    /// Header name and value pairs, in order.
    pub headers: Vec<(String, String)>,
    /// Body text, if any.
    pub body: Option<String>,
}

impl Request {
    /// A request with no headers or body.
    pub fn new(method: &str, url: impl Into<String>) -> Request {
        Request { method: method.into(), url: url.into(), headers: Vec::new(), body: None }
    }
    /// Adds a header (builder style).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Sets the body (builder style).
    pub fn body(mut self, body: impl Into<String>) -> Request {
        self.body = Some(body.into());
        self
    }
    /// The first header with this name, compared case-insensitively as HTTP does.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
    /// Every header with this name (case-insensitive).
    pub fn header_count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count()
    }
    /// The path part of the URL (after the host, before `?`).
    pub fn path(&self) -> &str {
        let after_scheme = self.url.split_once("://").map(|(_, r)| r).unwrap_or(&self.url);
        let path_q = after_scheme.find('/').map(|i| &after_scheme[i..]).unwrap_or("/");
        path_q.split('?').next().unwrap_or("/")
    }
    /// The decoded query parameters, in order (duplicates kept).
    pub fn query(&self) -> Vec<(String, String)> {
        match self.url.split_once('?') {
            Some((_, q)) => parse_query(q),
            None => Vec::new(),
        }
    }
    /// The request line and headers as text (`GET /path HTTP/1.1` …), with the body after a blank line.
    pub fn to_wire(&self) -> String {
        let after_scheme = self.url.split_once("://").map(|(_, r)| r).unwrap_or(&self.url);
        let (host, target) = match after_scheme.find('/') {
            Some(i) => (&after_scheme[..i], &after_scheme[i..]),
            None => (after_scheme, "/"),
        };
        let mut s = format!("{} {} HTTP/1.1\nHost: {}\n", self.method, target, host);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\n"));
        }
        if let Some(b) = &self.body {
            s.push('\n');
            s.push_str(b);
        }
        s
    }
}

impl Response {
    /// A response with the standard reason phrase and no headers.
    pub fn new(status: u16) -> Response {
        Response { status, reason: reason_phrase(status).into(), headers: Vec::new(), body: None }
    }
    /// Adds a header (builder style).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Sets a JSON body with `Content-Type` and `Content-Length` (builder style).
    pub fn json(self, content_type: &str, body: impl Into<String>) -> Response {
        let body = body.into();
        self.header("Content-Type", content_type).header("Content-Length", body.len().to_string()).with_body(body)
    }
    /// Sets the body as is (builder style).
    pub fn with_body(mut self, body: impl Into<String>) -> Response {
        self.body = Some(body.into());
        self
    }
    /// The first header with this name (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
    /// Status line, headers and body as text.
    pub fn to_wire(&self) -> String {
        let mut s = format!("HTTP/1.1 {} {}\n", self.status, self.reason);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\n"));
        }
        if let Some(b) = &self.body {
            s.push('\n');
            s.push_str(b);
        }
        s
    }
    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The standard reason phrase for a status code.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Percent-encodes a query component the way SDKs do (`:` → `%3A`, `/` → `%2F`, space → `%20`).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` as space; invalid escapes are kept literally.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match (hexval(b[i + 1]), hexval(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hexval(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Splits a query string into decoded pairs.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Builds `k=v&k2=v2` with each value percent-encoded.
pub fn build_query(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", k, encode(v))).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trip() {
        let q = build_query(&[("api-version", "2018-02-01"), ("resource", "https://vault.azure.net")]);
        assert_eq!(q, "api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net");
        let r = Request::new("GET", format!("http://169.254.169.254/metadata/identity/oauth2/token?{q}"));
        assert_eq!(r.path(), "/metadata/identity/oauth2/token");
        assert_eq!(r.query()[1], ("resource".into(), "https://vault.azure.net".into()));
        assert_eq!(decode("%zz%4"), "%zz%4");
    }
}
