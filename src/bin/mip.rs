//! `mip`: the Managed Identity Playground on the command line, over the same model.
//!
//! ```text
//! mip run <file | built-in> [--format text|json|markdown|mermaid|svg|html]
//! mip check <file>...
//! mip list
//! mip schema
//! mip jwks
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
  mip generate <n>              a generated world of n resources (for performance tests)";

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
