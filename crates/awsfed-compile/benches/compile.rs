//! Validate + compile benchmark: `cargo bench -p awsfed-compile --bench compile -- MODEL.yaml`.
//!
//! Times each phase of what `awsfed validate` and `awsfed compile` do with a model (read, parse,
//! resolve, compile with and without every group's targets, serialise every account file) and prints
//! the peak resident memory of the process. `scripts/bench-compile` runs it on generated models of
//! 100, 1,000 and 5,000 accounts, one process each, so each peak is that size's own.

use std::path::Path;
use std::time::Instant;

use awsfed_compile::{CompileOptions, compile_with};

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| a.ends_with(".yaml")) else {
        eprintln!("usage: cargo bench -p awsfed-compile --bench compile -- MODEL.yaml");
        return;
    };
    let path = Path::new(&path);
    let start = Instant::now();
    let text = std::fs::read_to_string(path).expect("model readable");
    let raw = awsfed_model::load::parse(&text).expect("model parses");
    let parsed = start.elapsed();
    let base = path.parent().unwrap_or(Path::new("."));
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |file| {
        std::fs::read_to_string(base.join(file)).map_err(|e| e.to_string())
    });
    let model = model.unwrap_or_else(|| panic!("model is valid: {diagnostics:?}"));
    let resolved = start.elapsed();
    let validate = compile_with(
        &model,
        &CompileOptions {
            group_targets: false,
            ..Default::default()
        },
    );
    let validated = start.elapsed();
    let state = compile_with(&model, &CompileOptions::default());
    let compiled = start.elapsed();
    let bytes: usize = state
        .accounts
        .iter()
        .map(|a| serde_json::to_string_pretty(a).expect("serialises").len())
        .sum();
    let written = start.elapsed();
    let roles: usize = state.accounts.iter().map(|a| a.roles.len()).sum();
    let targets: usize = state.groups.iter().map(|g| g.targets.len()).sum();
    println!(
        "{} accounts, {} groups: {roles} roles, {targets} targets, {} MiB of account files",
        model.accounts.len(),
        model.groups.len(),
        bytes / 1024 / 1024
    );
    // `awsfed validate` is parse + resolve + compile without targets; `awsfed compile` is parse +
    // resolve + compile with targets, then writing.
    let with_targets = compiled - validated;
    println!(
        "  parse {:>6.3} s | resolve {:>6.3} s | compile without targets {:>6.3} s | with targets {:>6.3} s | serialise {:>6.3} s",
        parsed.as_secs_f64(),
        (resolved - parsed).as_secs_f64(),
        (validated - resolved).as_secs_f64(),
        with_targets.as_secs_f64(),
        (written - compiled).as_secs_f64(),
    );
    println!(
        "  validate (parse+resolve+compile) {:>6.3} s | validate+compile with targets {:>6.3} s | peak {} MiB (both states held)",
        validated.as_secs_f64(),
        (resolved + with_targets).as_secs_f64(),
        peak_mib()
    );
    // Process exit returns the memory; freeing it only adds time.
    std::mem::forget((validate, state, model, raw));
}

/// Peak resident set (VmHWM) of this process, from /proc.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
