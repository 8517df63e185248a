//! The `mip` command-line tool, end to end.

use std::process::Command;

fn mip(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mip")).args(args).output().expect("mip runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn list_names_every_built_in() {
    let (code, out, _) = mip(&["list"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), mi_playground::scenarios::BUILT_INS.len());
    assert!(out.lines().count() >= 19);
    assert!(out.starts_with("vm-keyvault "));
}

#[test]
fn run_every_built_in_in_every_format() {
    for b in mi_playground::scenarios::BUILT_INS {
        let (code, text, err) = mip(&["run", b.id]);
        assert_eq!(code, 0, "{}: {err}", b.id);
        assert!(text.contains(" 1. ["), "{}", b.id);
        let (code, json, _) = mip(&["run", b.id, "--format", "json"]);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&json).expect("json format is JSON");
        assert!(v["steps"].as_array().is_some_and(|s| !s.is_empty()));
        assert!(v["steps"][0]["explanation"].is_string() && v["steps"][0]["fidelity"].is_string());
        let (code, md, _) = mip(&["run", b.id, "--format=markdown"]);
        assert_eq!(code, 0);
        assert!(md.starts_with("# ") && md.contains("## 1. "));
        let (code, mm, _) = mip(&["run", b.id, "-f", "mermaid"]);
        assert_eq!(code, 0);
        assert!(mm.starts_with("sequenceDiagram\n"));
        let steps = v["steps"].as_array().unwrap().len();
        let messages = mm.lines().filter(|l| l.contains("->>") || l.contains("-->>") || l.contains("-x") || l.trim_start().starts_with("Note over")).count();
        assert_eq!(messages, steps, "{}: one Mermaid line per step", b.id);
    }
}

#[test]
fn run_a_file_and_check_reports_positions() {
    let dir = std::env::temp_dir().join(format!("mip-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\n  \"version\": 1,\n  \"name\": \"x\",\n  \"world\": { \"subscriptions\": [{ \"name\": \"s\" }], \"resources\": [{ \"type\": \"Microsoft.Compute/virtualMachines\", \"name\": \"vm\", \"resourceGroup\": \"rg\", \"app\": { \"clientID\": \"x\" } }] },\n  \"script\": [{ \"action\": \"getTokn\", \"host\": \"vm\", \"resource\": \"r\" }]\n}\n").unwrap();
    let (code, out, _) = mip(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().any(|l| l.contains("bad.json:4:") && l.contains("unknown field `clientID`")), "{out}");
    assert!(lines.iter().any(|l| l.contains("bad.json:5:") && l.contains("did you mean 'getToken'?")), "{out}");
    let good = dir.join("good.json");
    std::fs::write(&good, mi_playground::scenarios::BUILT_INS[0].json).unwrap();
    assert_eq!(mip(&["check", good.to_str().unwrap()]).0, 0);
    assert_eq!(mip(&["run", good.to_str().unwrap()]).0, 0);
    let (code, _, err) = mip(&["run", "no-such-scenario"]);
    assert_eq!(code, 2);
    assert!(err.contains("mip list"));
}

#[test]
fn schema_and_jwks_are_json() {
    let (code, out, _) = mip(&["schema"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let (code, out, _) = mip(&["jwks"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["keys"][0]["kid"], mi_playground::model::token::KID);
    assert_eq!(mip(&["frobnicate"]).0, 2);
    assert_eq!(mip(&["run", "vm-keyvault", "--format", "pdf"]).0, 2);
}

#[test]
fn svg_and_html_fallback_are_self_contained() {
    let (code, svg, _) = mip(&["run", "wrong-audience", "--format", "svg"]);
    assert_eq!(code, 0);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!svg.contains("<script") && !svg.contains(" style=") && !svg.contains("<style"), "no script, no inline style");
    let (code, page, _) = mip(&["run", "vm-keyvault", "--format", "html"]);
    assert_eq!(code, 0);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg") && page.contains("<h2>Transcript</h2>"));
    assert!(!page.contains("<script") && !page.contains(".wasm") && !page.contains("<style") && !page.contains(" style="), "works where WebAssembly and inline styles are blocked");
    assert_eq!(page.matches("<li><h3>").count(), 17, "one transcript entry per step");
}

#[test]
fn the_browser_binary_run_natively_says_so_and_fails() {
    let out = Command::new(env!("CARGO_BIN_EXE_mi-playground")).output().expect("mi-playground runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("`mip`"));
}

#[test]
fn verify_checks_a_token_as_a_resource_server_does() {
    let (_, json, _) = mip(&["run", "vm-keyvault", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let jwt = v["steps"].as_array().unwrap().iter().find_map(|s| s["jwt"].as_str()).unwrap().to_string();
    let (code, out, _) = mip(&["verify", &jwt, "--audience", "https://vault.azure.net"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with('✓')).count(), 5, "{out}");
    assert!(out.trim_end().ends_with("accepted"));
    let (code, out, _) = mip(&["verify", &jwt, "--audience", "https://storage.azure.com/"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ audience: aud is https://vault.azure.net"), "{out}");
    let (code, out, _) = mip(&["verify", &jwt, "--at", "2030-01-01T00:00:00Z"]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ lifetime: the token expired"), "{out}");
    let mut tampered = jwt.clone().into_bytes();
    let i = jwt.find('.').unwrap() + 5;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let (code, out, _) = mip(&["verify", std::str::from_utf8(&tampered).unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("✗ "), "{out}");
    let (code, _, err) = mip(&["verify"]);
    assert_eq!(code, 2);
    assert!(err.contains("verify needs a token"));
}

#[test]
fn serve_refuses_what_it_cannot_serve_before_binding() {
    let (code, _, err) = mip(&["serve", "vm-keyvault", "--host", "kv-contoso", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("no managed-identity token endpoint") && err.contains("vm-web"), "{err}");
    let (code, _, err) = mip(&["serve", "vm-keyvault", "--port", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--host"), "{err}");
    let (code, _, err) = mip(&["serve", "vm-keyvault", "--host", "vm-web", "--speed", "-1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--speed"), "{err}");
    let (code, _, err) = mip(&["serve", "vm-keyvault", "--host", "vm-web", "--start", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("--start"), "{err}");
    let (code, _, err) = mip(&["serve", "vm-keyvault", "--host", "vm-web", "--port", "0", "--open", "/nonexistent-dist"]);
    assert_eq!(code, 2);
    assert!(err.contains("index.html"), "{err}");
}

#[test]
fn samples_prints_each_request_step_s_samples_as_json() {
    let (code, out, err) = mip(&["samples", "vm-keyvault"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let all = v.as_array().expect("an array");
    let py = all.iter().find(|e| e["lang"] == "Python" && e["code"].as_str().is_some_and(|c| c.contains("get_token(")) && e["host"] == "vm-web").expect("a Python token sample on vm-web");
    assert!(py["step"].as_u64().is_some_and(|n| n >= 1) && py["label"].is_string());
    let (code, one, _) = mip(&["samples", "vm-keyvault", "--step", &py["step"].to_string()]);
    assert_eq!(code, 0);
    assert!(serde_json::from_str::<serde_json::Value>(&one).expect("JSON").as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|e| e["step"] == py["step"])));
    assert_eq!(mip(&["samples", "vm-keyvault", "--step", "0"]).0, 2);
}
