//! Model benchmarks (`cargo bench --no-default-features`). Prints figures; asserts nothing
//! about time (budgets are read from this output, not enforced by flaky timed tests).
//!
//! - each built-in flow: build the world and run its script;
//! - RBAC: checks per second with 10,000 role assignments over 1,000 resources;
//! - a whole 1,000-resource world: build + run.

use mi_playground::model::rbac::AccessRequest;
use mi_playground::model::token::Signatures;
use mi_playground::model::world::simulate_lenient_signed;
use mi_playground::model::{simulate, World};
use mi_playground::scenarios::{large_world, BUILT_INS};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    f(); // warm-up (also signs the key's lazy state)
    median((0..runs).map(|_| {
        let t = Instant::now();
        f();
        t.elapsed()
    }).collect())
}

fn main() {
    // Warm: the run reuses the signatures of a previous run of the same scenario, as the
    // playground does along a chain of edits (the world owns its signatures; nothing is
    // cached process-wide). Cold: every token signed afresh, as `simulate` does.
    println!("== built-in flows (build + run, median of 20; warm = signatures kept from the previous run)");
    for b in BUILT_INS {
        let sc = b.scenario();
        let steps = simulate(&sc).map(|t| t.steps.len()).unwrap_or(0);
        let mut sigs = Signatures::default();
        let d = time(20, || {
            black_box(simulate_lenient_signed(black_box(&sc), &mut sigs));
        });
        let c = time(5, || {
            black_box(simulate(black_box(&sc)).ok());
        });
        println!("{:<28} {:>4} steps  {:>9.3} ms  (cold {:.3} ms)", b.id, steps, d.as_secs_f64() * 1e3, c.as_secs_f64() * 1e3);
    }

    println!("== RBAC: 10,000 role assignments over 1,000 resources");
    let sc = large_world(1000);
    let w = World::build(&sc).expect("large world builds");
    let live = w.rbac.assignments.iter().flatten().count();
    let principals: Vec<String> = (0..1000).step_by(2).map(|i| w.resolve_principal(&format!("vm-{i:04}")).unwrap()).collect();
    let scopes: Vec<String> = (0..1000).map(|i| {
        let name = if i % 2 == 0 { format!("vm-{i:04}") } else { format!("kv-{i:04}") };
        format!("{}/secrets/s", w.resource_by_name(&name).unwrap().id)
    }).collect();
    let actions = [("Microsoft.KeyVault/vaults/secrets/getSecret/action", true), ("Microsoft.Compute/virtualMachines/read", false), ("Microsoft.Authorization/roleAssignments/write", false)];
    let n = 1_000_000usize;
    let mut allowed = 0usize;
    let t = Instant::now();
    for i in 0..n {
        let (action, data) = actions[i % 3];
        let req = AccessRequest { principal_id: &principals[(i * 31) % principals.len()], groups: &[], action, data, scope: &scopes[(i * 17) % scopes.len()], now: w.now };
        if matches!(black_box(w.rbac.evaluate(&req)), mi_playground::model::rbac::Verdict::Allowed(_)) {
            allowed += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!("{live} assignments, {n} checks in {:.1} ms: {:.2} M checks/s ({allowed} allowed)  [target ≥ 1 M/s]", secs * 1e3, n as f64 / secs / 1e6);
    let t = Instant::now();
    let m = 20_000;
    for i in 0..m {
        let req = AccessRequest { principal_id: &principals[i % principals.len()], groups: &[], action: actions[0].0, data: true, scope: &scopes[i % scopes.len()], now: w.now };
        black_box(w.rbac.check(&req, "x"));
    }
    println!("explained decisions (with reasons): {:.0} k/s", m as f64 / t.elapsed().as_secs_f64() / 1e3);

    println!("== the UI's edit pipeline on a 1,000-resource scenario (what one form edit costs)");
    let sc = large_world(1000);
    let t = Instant::now();
    let text = sc.to_json();
    let t_ser = t.elapsed();
    let t = Instant::now();
    let (parsed, diags) = mi_playground::model::scenario::parse_checked(&text);
    let t_parse = t.elapsed();
    assert!(diags.is_empty() && parsed.is_some());
    let t = Instant::now();
    let (trace, _, views, _) = mi_playground::model::view::simulate_with_views(parsed.as_ref().unwrap());
    let t_sim = t.elapsed();
    println!("{} bytes of JSON: serialize {:.1} ms, parse (serde) {:.1} ms, simulate with {} views {:.1} ms", text.len(), t_ser.as_secs_f64() * 1e3, t_parse.as_secs_f64() * 1e3, views.len(), t_sim.as_secs_f64() * 1e3);
    black_box(trace);

    println!("== whole world (warm = token signatures kept from the previous run, as after an edit)");
    for size in [100usize, 1000] {
        let mut sc = large_world(size);
        sc.seed = 1000 + size as u64; // fresh ids, so the first run signs for real
        let t = Instant::now();
        black_box(simulate(&sc).ok());
        println!("{size:>5} resources: cold build + run {:.3} ms (includes RSA signing)", t.elapsed().as_secs_f64() * 1e3);
        let mut sigs = Signatures::default();
        let d = time(10, || {
            black_box(simulate_lenient_signed(black_box(&sc), &mut sigs));
        });
        let b = time(10, || {
            black_box(World::build(black_box(&sc)).ok());
        });
        println!("{size:>5} resources: build {:.3} ms, warm build + run {:.3} ms  [target < 10 ms for 1,000]", b.as_secs_f64() * 1e3, d.as_secs_f64() * 1e3);
    }
}
