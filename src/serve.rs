//! `mip serve`: a host's managed-identity token endpoint on 127.0.0.1, answered by the
//! model ([`crate::model::live`]), plus Entra's discovery document and JWKS, and with
//! `--open` the playground itself, following the live trace from the same origin.
//!
//! Native only (never in the wasm bundle). This is the IO side: the socket, the wall clock
//! (virtual time = the clock after the scenario's script + real elapsed time × speed), the
//! terminal and the Azure Arc key files. Robustness: the listener binds 127.0.0.1 only;
//! requests must name a loopback `Host`; headers are capped at [`MAX_HEADER_BYTES`] and
//! bodies at [`MAX_BODY_BYTES`] (431 / 413 otherwise, bodies never read past the cap); a
//! malformed request gets a 400 from the HTTP library; a panic in one request's handling
//! is caught and answered 500; the session bounds what it records
//! ([`crate::model::live::MAX_RECORDED`]).

use crate::model::http::Response as ModelResponse;
use crate::model::live::{Endpoint, Live, LiveRequest};
use crate::model::{token, SimTime};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Header bytes (names + values) a request may carry.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Body bytes a request may carry (token requests have none).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Threads answering requests.
const WORKERS: usize = 4;
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
    let server = tiny_http::Server::http(("127.0.0.1", opts.port)).map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    let port = server.server_addr().to_ip().map(|a| a.port()).ok_or("no TCP address")?;
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
    let server = Arc::new(server);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (server, shared, stop) = (server.clone(), shared.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match server.recv_timeout(Duration::from_millis(200)) {
                        Ok(Some(rq)) => {
                            let shared = shared.clone();
                            // One request's failure is its own 500, never the server's end.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || serve_one(&shared, rq)));
                        }
                        Ok(None) => {}
                        Err(_) => std::thread::sleep(Duration::from_millis(50)),
                    }
                }
            })
        })
        .collect();
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

fn serve_one(shared: &Shared, mut rq: tiny_http::Request) {
    let header_bytes: usize = rq.headers().iter().map(|h| h.field.as_str().as_str().len() + h.value.as_str().len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return send(rq, plain(431, "request headers too large"));
    }
    let host_ok = rq.headers().iter().filter(|h| h.field.equiv("Host")).all(|h| {
        let v = h.value.as_str();
        v == shared.authority || v.strip_prefix("localhost").is_some_and(|port| shared.authority.ends_with(port) && port.starts_with(':'))
    });
    if !host_ok {
        return send(rq, plain(400, "Host must be 127.0.0.1:PORT or localhost:PORT"));
    }
    match rq.body_length() {
        Some(n) if n > MAX_BODY_BYTES => return send(rq, plain(413, "request body too large")),
        _ => {
            // Read (and drop) at most the cap: a chunked body over it is refused.
            let mut sink = Vec::new();
            if rq.as_reader().take(MAX_BODY_BYTES as u64 + 1).read_to_end(&mut sink).is_err() {
                return send(rq, plain(400, "unreadable request body"));
            }
            if sink.len() > MAX_BODY_BYTES {
                return send(rq, plain(413, "request body too large"));
            }
        }
    }
    let target = rq.url().to_string();
    let path = target.split('?').next().unwrap_or("").to_string();
    let method = rq.method().as_str().to_string();
    let Ok(mut live) = shared.live.lock() else { return send(rq, plain(500, "session lock poisoned")) };
    if live.endpoint().serves(&path) {
        let elapsed = shared.wall_start.elapsed().as_secs_f64() * shared.opts.speed;
        let at = SimTime(live.started().0.saturating_add(elapsed.min(1e15) as u64));
        let headers = rq.headers().iter().map(|h| (h.field.as_str().as_str().to_string(), h.value.as_str().to_string())).collect();
        let reply = live.handle(at, &LiveRequest { method, target, headers });
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
            text.push_str(&format!("# refused before the model: {} {} → {}\n", rq.method(), truncate(&path, 80), reply.response.status));
        }
        // Printed under the session's lock, so the terminal shows steps in trace order.
        print(shared, &text);
        drop(live);
        return send(rq, from_model(&reply.response));
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
        return send(rq, plain(405, "method not allowed"));
    }
    if let Some(body) = snapshot {
        return send(rq, json(200, body).with_header(header("Cache-Control", "no-store")));
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
        return send(rq, json(200, doc.to_string()));
    }
    if under_tenant(&path, "/discovery/keys") || under_tenant(&path, "/discovery/v2.0/keys") {
        return send(rq, json(200, token::jwks_json(&tid)));
    }
    if let Some(dir) = &shared.opts.open {
        return send(rq, static_file(dir, &path));
    }
    send(rq, plain(404, "not found"))
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

type Reply = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap_or_else(|_| tiny_http::Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("ASCII header"))
}

fn plain(status: u16, text: &str) -> Reply {
    tiny_http::Response::from_string(format!("{text}\n")).with_status_code(status).with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn json(status: u16, body: String) -> Reply {
    tiny_http::Response::from_string(body).with_status_code(status).with_header(header("Content-Type", "application/json; charset=utf-8"))
}

/// The model's response, headers and body as the model wrote them.
fn from_model(r: &ModelResponse) -> Reply {
    let mut resp = tiny_http::Response::from_data(r.body.clone().unwrap_or_default().into_bytes()).with_status_code(r.status);
    for (n, v) in &r.headers {
        if !n.eq_ignore_ascii_case("Content-Length") {
            resp.add_header(header(n, v));
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
    tiny_http::Response::from_data(bytes).with_header(header("Content-Type", kind)).with_header(header("Content-Security-Policy", CSP)).with_header(header("Cache-Control", "no-store"))
}

fn send(rq: tiny_http::Request, resp: Reply) {
    let _ = rq.respond(resp);
}
