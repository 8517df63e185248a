//! The scenario format under seeded mutants of the built-ins (see
//! `tests/support/mutate.rs`: types swapped, fields deleted, duplicated, misspelt or
//! added, items deleted or duplicated, bytes flipped, cut or duplicated). For each mutant:
//!
//! - reading it (the app's path: serde, then on refusal the schema check with positions;
//!   then the lenient run and the reference problems) neither panics nor hangs;
//! - serde accepts it exactly when the schema check finds no problem;
//! - every problem has a line and a column;
//! - an accepted scenario runs to a trace, rendered as text.
//!
//! ```text
//! cargo run --no-default-features --profile mutation --example mutate -- [--count N] [--seed S] [--from I] [--hang-secs T]
//! cargo run --no-default-features --profile mutation --example mutate -- --replay I [--seed S]
//! ```
//!
//! Prints the count, the time and every finding; exits 1 after a panic or a disagreement
//! and 2 on a hang (a watchdog thread reports a mutant that runs longer than `--hang-secs`,
//! 20 s by default, and ends the process). A finding's mutant is written to
//! `target/mutation/` and `--replay I` prints mutant I and what the check says about it.

#[path = "../tests/support/mutate.rs"]
mod mutate;

use mi_playground::model::scenario::{parse_checked, reference_diagnostics};
use mi_playground::model::{schema, simulate_lenient, Scenario};
use mi_playground::scenarios::BUILT_INS;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one mutant did.
enum Outcome {
    Accepted,
    Refused,
    Finding(String),
}

fn check(text: &str) -> Outcome {
    let (scenario, diagnostics) = parse_checked(text);
    let by_serde = serde_json::from_str::<Scenario>(text);
    let problems = schema::problems(text);
    if by_serde.is_ok() != problems.is_empty() {
        return Outcome::Finding(format!("serde and the schema check disagree: serde {:?}, schema check {problems:?}", by_serde.err().map(|e| e.to_string())));
    }
    if scenario.is_some() != problems.is_empty() || (scenario.is_none() && diagnostics.is_empty()) {
        return Outcome::Finding(format!("parse_checked and the schema check disagree: {diagnostics:?} vs {problems:?}"));
    }
    if let Some(d) = diagnostics.iter().chain(&problems).find(|d| d.line == 0 || d.column == 0 || d.message.is_empty()) {
        return Outcome::Finding(format!("a diagnostic without a position or message: {d:?}"));
    }
    let Some(sc) = scenario else { return Outcome::Refused };
    let (trace, errors) = simulate_lenient(&sc);
    let refs = reference_diagnostics(text, &sc, errors);
    if let Some(d) = refs.iter().find(|d| d.line == 0 || d.column == 0) {
        return Outcome::Finding(format!("a reference problem without a position: {d:?}"));
    }
    std::hint::black_box(trace.to_text());
    Outcome::Accepted
}

fn arg(args: &[String], name: &str) -> Option<u64> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.replace('_', "").parse().ok())
}

fn save(seed: u64, index: u64, what: &str, text: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/mutation");
    let path = dir.join(format!("{what}-seed{seed}-{index}.json"));
    let _ = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, text));
    path.display().to_string()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = arg(&args, "--count").unwrap_or(1_000_000);
    let seed = arg(&args, "--seed").unwrap_or(1);
    let from = arg(&args, "--from").unwrap_or(0);
    let hang = Duration::from_secs(arg(&args, "--hang-secs").unwrap_or(20));
    let texts: Vec<&str> = BUILT_INS.iter().map(|b| b.json).collect();
    let mutator = Arc::new(mutate::Mutator::new(&texts));

    if let Some(i) = arg(&args, "--replay") {
        let text = mutator.mutant(seed, i);
        println!("{text}\n");
        let (sc, d) = parse_checked(&text);
        println!("serde: {}", if sc.is_some() { "accepted" } else { "refused" });
        for d in d.iter().chain(&schema::problems(&text)) {
            println!("{}:{}: {} (at {})", d.line, d.column, d.text(), d.path);
        }
        return ExitCode::SUCCESS;
    }

    // The mutant being checked and when it started (ms since the run began), for the
    // watchdog and the panic report.
    let current = Arc::new(AtomicU64::new(from));
    let started = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    {
        let (current, started, mutator) = (current.clone(), started.clone(), mutator.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let since = t0.elapsed().as_millis() as u64 - started.load(Ordering::SeqCst);
            if since > hang.as_millis() as u64 {
                let i = current.load(Ordering::SeqCst);
                let path = save(seed, i, "hang", &mutator.mutant(seed, i));
                eprintln!("HANG: mutant {i} (seed {seed}) has run for {:.1} s; saved as {path}; replay with --replay {i} --seed {seed}", since as f64 / 1e3);
                std::process::exit(2);
            }
        });
    }
    {
        let current = current.clone();
        std::panic::set_hook(Box::new(move |info| eprintln!("PANIC: mutant {} (seed {seed}): {info}", current.load(Ordering::SeqCst))));
    }

    let (mut accepted, mut refused, mut findings) = (0u64, 0u64, 0u64);
    let mut slowest = (Duration::ZERO, from);
    println!("mutation run: {count} mutants of the {} built-ins, seed {seed}, from {from}", BUILT_INS.len());
    for i in from..from + count {
        let text = mutator.mutant(seed, i);
        current.store(i, Ordering::SeqCst);
        started.store(t0.elapsed().as_millis() as u64, Ordering::SeqCst);
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&text)));
        slowest = slowest.max((t.elapsed(), i));
        match outcome {
            Ok(Outcome::Accepted) => accepted += 1,
            Ok(Outcome::Refused) => refused += 1,
            Ok(Outcome::Finding(what)) => {
                findings += 1;
                eprintln!("FINDING: mutant {i}: {what}; saved as {}", save(seed, i, "finding", &text));
            }
            Err(_) => {
                findings += 1;
                eprintln!("  mutant {i} saved as {}; replay with --replay {i} --seed {seed}", save(seed, i, "panic", &text));
            }
        }
        let done = i + 1 - from;
        if done % 100_000 == 0 && done < count {
            println!("  {done} mutants, {:.0} s", t0.elapsed().as_secs_f64());
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{count} mutants in {secs:.1} s ({:.0}/s): {accepted} accepted and run, {refused} refused with diagnostics; slowest {:.1} ms (mutant {}); {findings} findings (panics, disagreements, missing positions), no hang",
        count as f64 / secs.max(1e-9),
        slowest.0.as_secs_f64() * 1e3,
        slowest.1
    );
    if findings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
