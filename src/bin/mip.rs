//! `mip`: the Managed Identity Playground on the command line, over the same model.
//!
//! ```text
//! mip run <file | built-in> [--format text|json|markdown|mermaid|svg|html]
//! mip check <file>...
//! mip list
//! mip schema
//! mip jwks
//! mip verify <jwt | -> [--audience <uri>]... [--tenant <id>] [--at <time>]
//! mip samples <file | built-in> [--step N]
//! mip serve <file | built-in> --host <name> [--port N] [--speed X] [--start now|<time>] [--format text|json] [--open [dist]]
//! ```

use mi_playground::export;
use mi_playground::model::{simulate, token, Scenario};
use mi_playground::scenarios;
use std::process::ExitCode;

const USAGE: &str = "usage:
  mip run <file | built-in id> [--format text|json|markdown|mermaid|svg|html]
  mip check <file>...           diagnostics as file:line:column: message; exit 1 on errors
  mip list                      the built-in scenarios
  mip schema                    the JSON Schema of the scenario format
  mip jwks                      the demo tenant's JWKS (verify tokens with it)
  mip verify <jwt | -> [--audience <uri>]... [--tenant <id>] [--at <RFC 3339 time>]
                                check a token as a resource server does (the playground's
                                one validator); exit 1 when it is refused
  mip generate <n>              a generated world of n resources (for performance tests)
  mip samples <file | built-in id> [--step N]
                                the code samples of every request step (or step N), as JSON:
                                step, label, host, lang, code, illustrative
  mip serve <file | built-in id> --host <name> [--port N] [--speed X] [--start now|<time>]
            [--format text|json] [--open [dist]]
                                run the script as setup, then answer the host's token endpoint
                                (IMDS, App Service or Azure Arc) on 127.0.0.1 through the model,
                                with Entra discovery + JWKS; prints the exports an SDK needs,
                                then every step live; --open also serves the playground (the
                                release build in dist/) following the session at /?live;
                                --start now runs the scenario from the wall clock's time, so
                                tokens are valid by ordinary validators' clocks";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("mip: {msg}");
            ExitCode::from(2)
        }
    }
}

fn load(arg: &str) -> Result<(String, String), String> {
    if let Some(b) = scenarios::find(arg) {
        return Ok((format!("{arg}.json"), b.json.to_string()));
    }
    std::fs::read_to_string(arg).map(|t| (arg.to_string(), t)).map_err(|e| format!("cannot read '{arg}': {e} (and it is not a built-in; see `mip list`)"))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    match args.first().map(String::as_str) {
        Some("run") => {
            let mut file = None;
            let mut format = "text".to_string();
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--format" | "-f" => format = it.next().ok_or("--format needs a value")?.clone(),
                    f if f.starts_with("--format=") => format = f["--format=".len()..].to_string(),
                    f if f.starts_with('-') => return Err(format!("unknown option '{f}'\n{USAGE}")),
                    f => file = Some(f.to_string()),
                }
            }
            let file = file.ok_or(format!("run needs a file or built-in id\n{USAGE}"))?;
            let (name, text) = load(&file)?;
            let sc = match parse(&name, &text) {
                Some(sc) => sc,
                None => return Ok(ExitCode::from(1)),
            };
            let trace = match simulate(&sc) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("{name}: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let out = match format.as_str() {
                "text" => trace.to_text(),
                "json" => serde_json::to_string_pretty(&trace).map_err(|e| e.to_string())? + "\n",
                "markdown" | "md" => export::markdown(&sc, &trace),
                "mermaid" => export::mermaid(&trace),
                "svg" => export::svg(&trace),
                "html" => export::html_page(&sc, &trace),
                other => return Err(format!("unknown format '{other}' (text, json, markdown, mermaid, svg, html)")),
            };
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Some("check") => {
            if args.len() < 2 {
                return Err(format!("check needs at least one file\n{USAGE}"));
            }
            let mut bad = false;
            for f in &args[1..] {
                let (name, text) = load(f)?;
                if parse(&name, &text).is_none() {
                    bad = true;
                }
            }
            Ok(if bad { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Some("list") => {
            for b in scenarios::BUILT_INS {
                let sc = b.scenario();
                println!("{:<28} {}", b.id, sc.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("jwks") => {
            let v: serde_json::Value = serde_json::from_str(&token::jwks_json("<tenant id>")).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Some("verify") => verify(&args[1..]),
        Some("serve") => serve(&args[1..]),
        Some("samples") => samples(&args[1..]),
        Some("generate") => {
            let n: usize = args.get(1).and_then(|a| a.parse().ok()).filter(|n| (1..=5000).contains(n)).ok_or("generate needs a size from 1 to 5000")?;
            println!("{}", scenarios::large_world(n).to_json());
            Ok(ExitCode::SUCCESS)
        }
        Some("schema") => {
            println!("{}", serde_json::to_string_pretty(&mi_playground::model::schema::json_schema()).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(format!("unknown command '{other}'\n{USAGE}")),
    }
}

/// `mip verify`: format, signature (against the demo tenant's JWKS), issuer, audience (when
/// `--audience` is given) and lifetime, each printed as a ✓/✗ line. The instant defaults to
/// the token's `nbf`: playground tokens live on a virtual clock, not on yours.
fn verify(args: &[String]) -> Result<ExitCode, String> {
    use mi_playground::model::{verify, SimTime};
    let (mut jwt, mut audiences, mut tenant, mut at) = (None, Vec::new(), None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--audience" => audiences.push(it.next().ok_or("--audience needs a value")?.clone()),
            "--tenant" => tenant = Some(it.next().ok_or("--tenant needs a value")?.clone()),
            "--at" => {
                let t = it.next().ok_or("--at needs a time")?;
                at = Some(SimTime::parse_iso(t).ok_or(format!("'{t}' is not an RFC 3339 UTC time like 2026-01-15T09:00:00Z"))?);
            }
            "-" => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::Read::take(std::io::stdin(), verify::MAX_JWT_LEN as u64 + 1), &mut text).map_err(|e| e.to_string())?;
                jwt = Some(text.trim().to_string());
            }
            f if f.starts_with('-') => return Err(format!("unknown option '{f}'\n{USAGE}")),
            t => jwt = Some(t.to_string()),
        }
    }
    let jwt = jwt.ok_or(format!("verify needs a token (or - to read it from standard input)\n{USAGE}"))?;
    let claims = token::decode_claims(&jwt).unwrap_or_default();
    let tenant = tenant.unwrap_or(claims.tid.clone());
    let now = at.unwrap_or(SimTime(claims.nbf));
    let jwks = verify::parse_jwks(&token::jwks_json(&tenant)).ok_or("the demo JWKS does not parse")?;
    let expect = verify::Expectations { issuers: verify::tenant_issuers(&tenant), audiences: (!audiences.is_empty()).then_some(audiences), now };
    let v = verify::validate(&jwt, &jwks, &expect);
    println!("checked at {} against the demo tenant's JWKS ({})", now.iso(), if at.is_some() { "--at" } else { "the token's nbf; choose with --at" });
    for line in v.lines() {
        println!("{line}");
    }
    println!("{}", if v.ok() { "accepted" } else { "refused: a resource server answers 401" });
    Ok(if v.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Parses, printing every diagnostic as `file:line:column: message — hint`.
fn parse(name: &str, text: &str) -> Option<Scenario> {
    let loaded = mi_playground::model::scenario::load(text);
    for d in &loaded.diagnostics {
        println!("{name}:{}:{}: {} (at {})", d.line, d.column, d.text(), d.path);
    }
    if loaded.diagnostics.is_empty() {
        loaded.scenario
    } else {
        None
    }
}

fn serve(args: &[String]) -> Result<ExitCode, String> {
    let mut file = None;
    let mut host = None;
    let mut start = None;
    let mut opts = mi_playground::serve::Options { port: 8079, speed: 1.0, format: mi_playground::serve::Format::Text, open: None };
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{name} needs a value"));
        match flag {
            "--host" => host = Some(value("--host")?),
            "--port" => opts.port = value("--port")?.parse().map_err(|_| "--port needs a number from 0 to 65535 (0: any free port)")?,
            "--speed" => opts.speed = value("--speed")?.parse().ok().filter(|s: &f64| s.is_finite() && *s > 0.0).ok_or("--speed needs a number above 0 (virtual seconds per real second)")?,
            "--start" => {
                let v = value("--start")?;
                start = Some(if v == "now" {
                    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
                    mi_playground::model::time::UtcTime(mi_playground::model::SimTime(secs))
                } else {
                    mi_playground::model::time::UtcTime::parse(&v).ok_or("--start needs 'now' or an RFC 3339 UTC time (2026-01-15T09:00:00Z)")?
                });
            }
            "--format" | "-f" => {
                opts.format = match value("--format")?.as_str() {
                    "text" => mi_playground::serve::Format::Text,
                    "json" => mi_playground::serve::Format::Json,
                    other => return Err(format!("unknown format '{other}' (text, json)")),
                }
            }
            "--open" => {
                let dir = match inline {
                    Some(v) => v,
                    None if it.peek().is_some_and(|n| !n.starts_with('-') && file.is_some()) => it.next().cloned().unwrap_or_default(),
                    None => "dist".into(),
                };
                opts.open = Some(std::path::PathBuf::from(dir));
            }
            f if f.starts_with('-') => return Err(format!("unknown option '{f}'\n{USAGE}")),
            f => file = Some(f.to_string()),
        }
    }
    let file = file.ok_or(format!("serve needs a file or built-in id\n{USAGE}"))?;
    let host = host.ok_or("serve needs --host <name>: the VM, scale set, App Service app or Arc server whose endpoint to serve")?;
    let (name, text) = load(&file)?;
    let Some(mut sc) = parse(&name, &text) else { return Ok(ExitCode::from(1)) };
    if let Some(t) = start {
        sc.start_time = t;
    }
    let live = mi_playground::model::live::Live::start(sc, &host).map_err(|e| format!("{name}: {e}"))?;
    mi_playground::serve::run(live, opts)?;
    Ok(ExitCode::SUCCESS)
}

fn samples(args: &[String]) -> Result<ExitCode, String> {
    let mut file = None;
    let mut only = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--step" => only = Some(it.next().and_then(|n| n.parse::<usize>().ok()).filter(|n| *n >= 1).ok_or("--step needs a step number from 1")?),
            f if f.starts_with('-') => return Err(format!("unknown option '{f}'\n{USAGE}")),
            f => file = Some(f.to_string()),
        }
    }
    let file = file.ok_or(format!("samples needs a file or built-in id\n{USAGE}"))?;
    let (name, text) = load(&file)?;
    let Some(sc) = parse(&name, &text) else { return Ok(ExitCode::from(1)) };
    let (trace, _, views, _) = mi_playground::model::view::simulate_with_views(&sc);
    let mut out = Vec::new();
    for (i, step) in trace.steps.iter().enumerate() {
        if only.is_some_and(|n| n != i + 1) {
            continue;
        }
        // The code runs on the host whose app sends the step (`app:<host>`).
        let host = trace.participants.get(step.from).and_then(|p| p.key.strip_prefix("app:")).map(str::to_string);
        for smp in mi_playground::samples::samples(&sc, &trace, &views, i) {
            out.push(serde_json::json!({"step": i + 1, "label": step.label, "host": host, "lang": smp.lang, "code": smp.code, "illustrative": smp.illustrative}));
        }
    }
    println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
    Ok(ExitCode::SUCCESS)
}
