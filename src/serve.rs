//! `mip serve`: a host's managed-identity token endpoint on 127.0.0.1, answered by the
//! model ([`crate::model::live`]), plus Entra's discovery document and JWKS, and with
//! `--open` the playground itself, following the live trace from the same origin.
//!
//! Native only (never in the wasm bundle). This is the IO side: the socket, the wall clock
//! (virtual time = the clock after the scenario's script + real elapsed time × speed), the
//! terminal and the Azure Arc key files. Robustness, by construction: the listener binds
//! 127.0.0.1 only; four threads answer one connection each at a time (a flood waits
//! in a bounded queue and the kernel's backlog, it never spawns threads); every read is
//! bounded: the request line and headers are read into a buffer of [`MAX_HEADER_BYTES`]
//! (parsed by `httparse`; full before the headers end: 431), the body by its
//! Content-Length up to [`MAX_BODY_BYTES`] (413 over it; 411 for chunked bodies), and the
//! whole request within [`IO_TIMEOUT`] (408 after it); a malformed request gets a 400;
//! requests must name a loopback `Host`; every answer closes the connection; a panic in
//! one request's handling is caught and answered 500; the session bounds what it records
//! ([`crate::model::live::MAX_RECORDED`]).

use crate::model::http::Response as ModelResponse;
use crate::model::live::{Endpoint, Live, LiveRequest};
use crate::model::{token, SimTime};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Bytes of a request's line and headers (the whole head, CRLFs included).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Body bytes a request may carry (token requests have none).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Headers a request may carry.
const MAX_HEADERS: usize = 100;
/// Time a connection has to deliver its request (and each write of the answer).
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Threads answering connections.
const WORKERS: usize = 4;
/// Accepted connections waiting for a worker (beyond them, the kernel's backlog).
const QUEUE: usize = 64;
/// The Content-Security-Policy the served playground runs under (as in the browser tests).
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/// The folder Azure SDKs require an Arc challenge's key file to be in (fact sheet §3.1).
pub const ARC_TOKENS_DIR: &str = "/var/opt/azcmagent/tokens";

/// How the terminal shows each step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// As `mip run` prints a trace.
    Text,
    /// One JSON object per line: `{"n", "from", "to", "step"}`.
    Json,
}

/// `mip serve`'s options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Port on 127.0.0.1 (0: any free port; the exports name the one chosen).
    pub port: u16,
    /// Virtual seconds per real second (> 0).
    pub speed: f64,
    /// Terminal format.
    pub format: Format,
    /// Serve the playground from this release build (`dist/`) at `/`.
    pub open: Option<PathBuf>,
}

struct Shared {
    live: Mutex<Live>,
    wall_start: Instant,
    opts: Options,
    base: String,
    authority: String,
    out: Mutex<Box<dyn Write + Send>>,
    key_files: Mutex<Vec<PathBuf>>,
}

/// Runs the server until Ctrl-C (or SIGTERM). Prints the `export` lines an SDK on the host
/// needs, then a line starting `ready:`, then every step as it happens.
pub fn run(live: Live, opts: Options) -> Result<(), String> {
    if !(opts.speed.is_finite() && opts.speed > 0.0) {
        return Err("--speed must be a number above 0".into());
    }
    if let Some(dir) = &opts.open {
        if !dir.join("index.html").is_file() {
            return Err(format!("--open serves the release build, but {} has no index.html (run `trunk build --release` first)", dir.display()));
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", opts.port)).map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    let port = listener.local_addr().map_err(|e| format!("no TCP address: {e}"))?.port();
    // Non-blocking accepts, so the loop below sees Ctrl-C.
    listener.set_nonblocking(true).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let base = format!("http://127.0.0.1:{port}");
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst)).map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    }
    let mut out: Box<dyn Write + Send> = Box::new(std::io::stdout());
    let _ = writeln!(out, "# {} of {} ({}), virtual clock from {} at {}× real time", live.endpoint().name(), live.host(), live.recorded().name, live.started().iso(), opts.speed);
    for (k, v) in live.exports(&base) {
        let _ = writeln!(out, "export {k}={v}");
    }
    if live.endpoint() == Endpoint::Arc {
        let _ = writeln!(out, "# Arc: each challenge's key file is written to {ARC_TOKENS_DIR}/ (mode 0600, the SDKs accept no other folder; reading it needs root) and removed when the server stops");
    }
    for i in live.identities() {
        let _ = writeln!(out, "# identity {} ({}-assigned{}): client id {}", i["name"].as_str().unwrap_or(""), i["kind"].as_str().unwrap_or(""), if i["attached"] == true { "" } else { ", not attached to this host" }, i["clientId"].as_str().unwrap_or(""));
    }
    let _ = writeln!(out, "# Entra: issuer https://sts.windows.net/{tid}/, discovery {base}/{tid}/.well-known/openid-configuration, JWKS {base}/{tid}/discovery/keys", tid = live.tenant_id());
    if opts.open.is_some() {
        let _ = writeln!(out, "# playground following this session: {base}/?live");
    }
    let _ = writeln!(out, "ready: {} of {} on {base} (Ctrl-C stops)", live.endpoint().name(), live.host());
    let _ = out.flush();
    let shared = Arc::new(Shared {
        live: Mutex::new(live),
        wall_start: Instant::now(),
        authority: format!("127.0.0.1:{port}"),
        base,
        opts,
        out: Mutex::new(out),
        key_files: Mutex::new(Vec::new()),
    });
    let (queue, waiting) = mpsc::sync_channel::<TcpStream>(QUEUE);
    let waiting = Arc::new(Mutex::new(waiting));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (waiting, shared) = (waiting.clone(), shared.clone());
            std::thread::spawn(move || loop {
                // The lock is held only while taking the next connection.
                let next = waiting.lock().map_err(|_| ()).and_then(|w| w.recv().map_err(|_| ()));
                let Ok(stream) = next else { break };
                serve_connection(&shared, stream);
            })
        })
        .collect();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            // Blocks while the queue is full: the flood waits in the kernel's backlog.
            Ok((stream, _)) => {
                if queue.send(stream).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(20)),
            // Out of file descriptors and the like: wait, never end.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    drop(queue);
    for w in workers {
        let _ = w.join();
    }
    for f in shared.key_files.lock().map(|v| v.clone()).unwrap_or_default() {
        let _ = std::fs::remove_file(f);
    }
    let mut out = shared.out.lock().map_err(|_| "terminal lock poisoned")?;
    let _ = writeln!(out, "stopped: {} live request(s) served", shared.live.lock().map(|l| l.version()).unwrap_or(0));
    let _ = out.flush();
    Ok(())
}

/// A request's line and headers.
struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

/// Reads one request (every read bounded), answers it and closes the connection.
fn serve_connection(shared: &Shared, mut stream: TcpStream) {
    let deadline = Instant::now() + IO_TIMEOUT;
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let (reply, head_only) = match read_request(&mut stream, deadline) {
        Ok(head) => {
            let head_only = head.method == "HEAD";
            // One request's failure is its own 500, never the server's end.
            let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| respond(shared, &head))).unwrap_or_else(|_| plain(500, "internal error"));
            (reply, head_only)
        }
        Err(None) => return, // closed or timed out before a request began: nobody to answer
        Err(Some(reply)) => {
            let _ = write_reply(&mut stream, &reply, false);
            // Let the client read the refusal: stop writing, then drop (a bounded amount of)
            // what it is still sending, so the close is not a reset that loses the answer.
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = std::io::copy(&mut (&mut stream).take(256 * 1024), &mut std::io::sink());
            return;
        }
    };
    let _ = write_reply(&mut stream, &reply, head_only);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Reads the head (into at most [`MAX_HEADER_BYTES`]) and the body (at most
/// [`MAX_BODY_BYTES`], dropped: no endpoint reads one) before `deadline`. `Err(None)`: the
/// client went away or never started; `Err(Some(reply))`: the refusal to send.
fn read_request(stream: &mut TcpStream, deadline: Instant) -> Result<Head, Option<Reply>> {
    let mut buf = vec![0u8; MAX_HEADER_BYTES];
    let mut len = 0;
    let (head, head_len) = loop {
        if len > 0 {
            let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut rq = httparse::Request::new(&mut slots);
            match rq.parse(&buf[..len]) {
                Ok(httparse::Status::Complete(n)) => break (owned_head(&rq).ok_or_else(|| Some(plain(400, "malformed request")))?, n),
                Ok(httparse::Status::Partial) => {}
                Err(httparse::Error::TooManyHeaders) => return Err(Some(plain(431, "request headers too large"))),
                Err(_) => return Err(Some(plain(400, "malformed request"))),
            }
            if len == buf.len() {
                return Err(Some(plain(431, "request headers too large")));
            }
        }
        match read_some(stream, &mut buf[len..], deadline) {
            Ok(0) => return Err(None),
            Ok(n) => len += n,
            Err(e) if len > 0 && matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Err(Some(plain(408, "request timeout"))),
            Err(_) => return Err(None),
        }
    };
    fn header<'a>(head: &'a Head, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        head.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    if header(&head, "Transfer-Encoding").next().is_some() {
        return Err(Some(plain(411, "chunked request bodies are not accepted: send a Content-Length")));
    }
    let lengths: Vec<&str> = header(&head, "Content-Length").collect();
    let body_len = match lengths.as_slice() {
        [] => 0,
        [v] => match v.trim().parse::<u64>() {
            Ok(n) if n > MAX_BODY_BYTES as u64 => return Err(Some(plain(413, "request body too large"))),
            Ok(n) => n as usize,
            Err(_) => return Err(Some(plain(400, "malformed Content-Length"))),
        },
        _ => return Err(Some(plain(400, "more than one Content-Length"))),
    };
    if body_len > 0 && header(&head, "Expect").any(|v| v.eq_ignore_ascii_case("100-continue")) {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    // The body: what came with the head, then the rest (the buffer is large enough).
    let mut have = (len - head_len).min(body_len);
    while have < body_len {
        let want = (body_len - have).min(buf.len());
        match read_some(stream, &mut buf[..want], deadline) {
            Ok(0) => return Err(None),
            Ok(n) => have += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Err(Some(plain(408, "request timeout"))),
            Err(_) => return Err(None),
        }
    }
    Ok(head)
}

/// One read, waiting no later than `deadline`.
fn read_some(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> std::io::Result<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(left))?;
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// The parsed head as owned strings; `None` when a header value is not visible ASCII.
fn owned_head(rq: &httparse::Request) -> Option<Head> {
    let headers = rq.headers.iter().map(|h| std::str::from_utf8(h.value).ok().filter(|v| v.is_ascii()).map(|v| (h.name.to_string(), v.to_string()))).collect::<Option<Vec<_>>>()?;
    Some(Head { method: rq.method?.to_string(), target: rq.path?.to_string(), headers })
}

/// The answer to a request that arrived whole.
fn respond(shared: &Shared, rq: &Head) -> Reply {
    let host_ok = rq.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("Host")).all(|(_, v)| {
        *v == shared.authority || v.strip_prefix("localhost").is_some_and(|port| shared.authority.ends_with(port) && port.starts_with(':'))
    });
    if !host_ok {
        return plain(400, "Host must be 127.0.0.1:PORT or localhost:PORT");
    }
    let target = rq.target.clone();
    let path = target.split('?').next().unwrap_or("").to_string();
    let method = rq.method.clone();
    let Ok(mut live) = shared.live.lock() else { return plain(500, "session lock poisoned") };
    if live.endpoint().serves(&path) {
        let elapsed = shared.wall_start.elapsed().as_secs_f64() * shared.opts.speed;
        let at = SimTime(live.started().0.saturating_add(elapsed.min(1e15) as u64));
        let headers = rq.headers.clone();
        let reply = live.handle(at, &LiveRequest { method: method.clone(), target, headers });
        if let Some((file, contents)) = &reply.key_file {
            if let Err(e) = write_key_file(Path::new(file), contents) {
                print(shared, &format!("# could not write the Arc key file {file}: {e}\n"));
            } else if let Ok(mut k) = shared.key_files.lock() {
                k.push(PathBuf::from(file));
            }
        }
        let trace = live.trace();
        let mut text = String::new();
        for i in reply.steps.clone() {
            match shared.opts.format {
                Format::Text => text.push_str(&trace.step_text(i)),
                Format::Json => {
                    let s = &trace.steps[i];
                    let label = |p: usize| trace.participants.get(p).map(|p| p.label.clone()).unwrap_or_default();
                    text.push_str(&serde_json::json!({"n": i + 1, "from": label(s.from), "to": label(s.to), "step": s}).to_string());
                    text.push('\n');
                }
            }
        }
        if reply.steps.is_empty() {
            text.push_str(&format!("# refused before the model: {} {} → {}\n", method, truncate(&path, 80), reply.response.status));
        }
        // Printed under the session's lock, so the terminal shows steps in trace order.
        print(shared, &text);
        drop(live);
        return from_model(&reply.response);
    }
    let tid = live.tenant_id().to_string();
    // `?since=N`: a poller that already has version N gets `{"version": N}` only.
    let since = target.split_once('?').map(|(_, q)| crate::model::http::parse_query(q)).unwrap_or_default().into_iter().find(|(k, _)| k == "since").and_then(|(_, v)| v.parse::<u64>().ok());
    let snapshot = (path == "/_mip/live").then(|| {
        if since == Some(live.version()) {
            return serde_json::json!({"version": live.version()}).to_string();
        }
        serde_json::json!({
            "version": live.version(),
            "host": live.host(),
            "endpoint": live.endpoint().name(),
            "steps": live.trace().steps.len(),
            "now": live.now().iso(),
            "tenantId": live.tenant_id(),
            "identities": live.identities(),
            "scenario": live.recorded(),
        })
        .to_string()
    });
    drop(live);
    if method != "GET" && method != "HEAD" {
        return plain(405, "method not allowed");
    }
    if let Some(body) = snapshot {
        return json(200, body).with_header("Cache-Control", "no-store");
    }
    let issuer = format!("https://sts.windows.net/{tid}/");
    let under_tenant = |p: &str, rest: &str| p == rest || p.strip_suffix(rest).is_some_and(|t| t == format!("/{tid}") || t == "/common" || t == "/organizations");
    if under_tenant(&path, "/.well-known/openid-configuration") || under_tenant(&path, "/v2.0/.well-known/openid-configuration") {
        let doc = serde_json::json!({
            "issuer": issuer,
            "jwks_uri": format!("{}/{tid}/discovery/keys", shared.base),
            "token_endpoint": format!("https://login.microsoftonline.com/{tid}/oauth2/token"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "token"],
            "subject_types_supported": ["pairwise"],
            "tenant_region_scope": "EU",
        });
        return json(200, doc.to_string());
    }
    if under_tenant(&path, "/discovery/keys") || under_tenant(&path, "/discovery/v2.0/keys") {
        return json(200, token::jwks_json(&tid));
    }
    if let Some(dir) = &shared.opts.open {
        return static_file(dir, &path);
    }
    plain(404, "not found")
}

fn print(shared: &Shared, text: &str) {
    if let Ok(mut out) = shared.out.lock() {
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn write_key_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(contents.as_bytes())
}

/// An answer: status, headers (Content-Length and Connection are added when sent), body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, body: Vec<u8>) -> Reply {
        Reply { status, headers: Vec::new(), body }
    }

    /// Adds a header; one that could split the response (CR, LF, non-ASCII, a bad name)
    /// becomes `X-Invalid: 1`.
    fn with_header(mut self, name: &str, value: &str) -> Reply {
        let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        let value_ok = value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
        let (n, v) = if name_ok && value_ok { (name, value) } else { ("X-Invalid", "1") };
        self.headers.push((n.to_string(), v.to_string()));
        self
    }
}

/// The reason phrase, with the refusals only the server side sends.
fn reason(status: u16) -> &'static str {
    match status {
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => crate::model::http::reason_phrase(status),
    }
}

/// Writes the answer (without the body for HEAD) and `Connection: close`.
fn write_reply(stream: &mut TcpStream, r: &Reply, head_only: bool) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    for (n, v) in &r.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", r.body.len()));
    let mut bytes = out.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&r.body);
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

fn plain(status: u16, text: &str) -> Reply {
    Reply::new(status, format!("{text}\n").into_bytes()).with_header("Content-Type", "text/plain; charset=utf-8")
}

fn json(status: u16, body: String) -> Reply {
    Reply::new(status, body.into_bytes()).with_header("Content-Type", "application/json; charset=utf-8")
}

/// The model's response, headers and body as the model wrote them.
fn from_model(r: &ModelResponse) -> Reply {
    let mut resp = Reply::new(r.status, r.body.clone().unwrap_or_default().into_bytes());
    for (n, v) in &r.headers {
        if !n.eq_ignore_ascii_case("Content-Length") && !n.eq_ignore_ascii_case("Connection") {
            resp = resp.with_header(n, v);
        }
    }
    resp
}

fn static_file(dir: &Path, path: &str) -> Reply {
    let rel = if path == "/" { "index.html" } else { path.trim_start_matches('/') };
    let decoded = crate::model::http::decode(rel);
    // Only plain relative names inside the build: no `..`, no absolute or hidden parts.
    if decoded.split('/').any(|p| p.is_empty() || p == "." || p == ".." || p.starts_with('.')) || decoded.contains('\\') {
        return plain(404, "not found");
    }
    let file = dir.join(&decoded);
    let Ok(bytes) = std::fs::read(&file) else { return plain(404, "not found") };
    let kind = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
    Reply::new(200, bytes).with_header("Content-Type", kind).with_header("Content-Security-Policy", CSP).with_header("Cache-Control", "no-store")
}
