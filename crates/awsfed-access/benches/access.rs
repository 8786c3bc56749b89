//! Access analysis at scale: the full `access` matrix and one `who-can` on a generated model of
//! 1,000 accounts × 10 permission sets × 200 groups (`scripts/generate-model.py`). Prints wall and
//! CPU times and the process's peak resident memory. `who-can` runs on one thread; the matrix on as
//! many as the process may use (at most 8).
//!
//! `cargo bench -p awsfed-access --bench access` (`AWSFED_BENCH_ACCOUNTS` changes the size);
//! `taskset -c 0 cargo bench -p awsfed-access --bench access` for one thread.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use awsfed_access::{Estate, IdpMapping, PathView, analyze_target, analyze_with};
use awsfed_compile::compile;
use awsfed_model::{load, resolve};
use awsfed_snapshot::Snapshot;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time of the whole process (every thread) in milliseconds: on a loaded machine wall time
/// also counts the time other processes held the cores.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses: utime and stime are 14th and 15th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    // The kernel reports in USER_HZ, 100 on Linux.
    ticks * 10.0
}

fn main() {
    let accounts: usize = std::env::var(awsfed_env::AWSFED_BENCH_ACCOUNTS)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::temp_dir().join(format!("awsfed-access-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = Command::new("python3")
        .arg(root.join("scripts/generate-model.py"))
        .args([
            "--accounts",
            &accounts.to_string(),
            "--permission-sets",
            "10",
            "--groups",
            "200",
        ])
        .output()
        .expect("python3 runs scripts/generate-model.py");
    assert!(yaml.status.success());
    std::fs::write(dir.join("awsfed.yaml"), &yaml.stdout).unwrap();
    std::fs::copy(
        root.join("examples/large/corp-idp.xml"),
        dir.join("corp-idp.xml"),
    )
    .unwrap();

    let start = Instant::now();
    let text = String::from_utf8(yaml.stdout).unwrap();
    let raw = load::parse(&text).unwrap();
    let mut read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| e.to_string());
    let model = resolve(&raw, &mut read)
        .0
        .expect("the generated model is valid");
    let state = compile(&model);
    let snapshot = Snapshot::from_desired(&state);
    let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
    let prepared = start.elapsed();
    let roles: usize = snapshot.accounts.iter().map(|a| a.roles.len()).sum();

    // who-can: a spoke role every group kind reaches.
    let (start, cpu) = (Instant::now(), cpu_ms());
    let estate = Estate::new(&snapshot, model.organization_id.clone());
    let indexed = start.elapsed();
    let target = estate
        .role_index(&format!(
            "arn:aws:iam::{}:role/awsfed/Set00",
            200_000_000_000u64 + 4
        ))
        .or_else(|| (0..estate.roles.len()).find(|&i| estate.role(i).role.name == "Set00"))
        .expect("a Set00 role");
    let who = analyze_target(&estate, &mapping, target);
    let (who_can, who_can_cpu) = (start.elapsed(), cpu_ms() - cpu);
    let who_paths = who.paths.len();
    drop(who);

    let (start, cpu) = (Instant::now(), cpu_ms());
    let estate = Estate::new(&snapshot, model.organization_id.clone());
    let analysis = analyze_with(&estate, &mapping, false);
    let views: Vec<PathView> = analysis
        .paths
        .iter()
        .map(|p| PathView::new(&analysis, p, false))
        .collect();
    let (matrix, matrix_cpu) = (start.elapsed(), cpu_ms() - cpu);
    let hops = analysis.hops.len();

    let threads = std::thread::available_parallelism().map_or(1, |n| usize::from(n).min(8));
    println!(
        "model: {accounts} accounts, 10 permission sets, 200 groups → {roles} roles (load + compile {:.0} ms)",
        prepared.as_secs_f64() * 1e3
    );
    println!(
        "who-can {}: {who_paths} paths in {:.1} ms (of which indexing the estate {:.1} ms; CPU {who_can_cpu:.0} ms)",
        estate.role(target).role.arn,
        who_can.as_secs_f64() * 1e3,
        indexed.as_secs_f64() * 1e3
    );
    println!(
        "access matrix: {} paths, {hops} hops evaluated in {:.0} ms (CPU {matrix_cpu:.0} ms, {threads} threads)",
        views.len(),
        matrix.as_secs_f64() * 1e3
    );
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
    let _ = std::fs::remove_dir_all(&dir);
}
