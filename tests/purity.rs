//! The model / UI boundary, checked. The compiler already refuses a web crate in the
//! model under `--no-default-features` (they are not in the dependency graph); this test
//! also rejects wall clocks, OS randomness and I/O that would compile natively.

use std::fs;
use std::path::Path;

const FORBIDDEN: &[(&str, &str)] = &[
    ("yew", "web UI crate"),
    ("web_sys", "browser API"),
    ("js_sys", "JavaScript API"),
    ("gloo", "browser helpers"),
    ("wasm_bindgen", "JS bindings"),
    ("getrandom", "OS randomness"),
    ("rand::", "OS-seeded randomness"),
    ("thread_rng", "OS-seeded randomness"),
    ("OsRng", "OS randomness (rsa's rand_core can reach it; the model signs deterministically)"),
    ("SystemTime", "wall clock"),
    ("Instant", "wall clock"),
    ("std::time", "wall clock"),
    ("std::env", "process environment"),
    ("std::fs", "file system"),
    ("std::net", "network"),
    ("std::thread", "threads"),
    ("crate::app", "the UI"),
    ("Mutex", "process-global mutable state (a run owns its state: the world, or what its caller lends it)"),
    ("thread_local", "process-global mutable state"),
];

fn scan(dir: &Path, hits: &mut Vec<String>) {
    for entry in fs::read_dir(dir).expect("model dir readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            scan(&path, hits);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).expect("source readable");
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for (word, why) in FORBIDDEN {
                    if code.contains(word) {
                        hits.push(format!("{}:{}: `{word}` ({why}) in the model: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
}

#[test]
fn model_imports_no_browser_clock_or_os_randomness() {
    let mut hits = Vec::new();
    scan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model"), &mut hits);
    assert!(hits.is_empty(), "the model must stay pure:\n{}", hits.join("\n"));
}

/// The playground's reducer (`src/player`) is plain Rust too: it is tested natively and
/// the UI only renders it and sends it messages.
#[test]
fn the_player_imports_no_browser_clock_or_os_randomness() {
    let mut hits = Vec::new();
    scan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/player"), &mut hits);
    assert!(hits.is_empty(), "the player must stay plain Rust:\n{}", hits.join("\n"));
}

#[test]
fn web_dependencies_are_optional() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for dep in ["yew", "wasm-bindgen", "web-sys", "gloo", "js-sys", "getrandom"] {
        let line = manifest.lines().find(|l| l.starts_with(&format!("{dep} ="))).unwrap_or_else(|| panic!("{dep} missing"));
        assert!(line.contains("optional = true"), "{dep} must be optional (feature `web`): {line}");
    }
}
