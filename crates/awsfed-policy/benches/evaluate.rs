//! Throughput of the evaluator, single-threaded, on the oracle tests' generated cases, and of the
//! oracle (iam-simulate in one node process) on the same cases in the same run.
//!
//! `cargo bench -p awsfed-policy --bench evaluate` (`AWSFED_BENCH_CASES`, default 10000;
//! `AWSFED_SKIP_ORACLE=1` to time only the evaluator).

#[path = "../tests/support/mod.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::hint::black_box;
use std::time::Instant;

use awsfed_policy::evaluate;

fn main() {
    let count: usize = std::env::var(awsfed_env::AWSFED_BENCH_CASES)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let cases = support::generate_cases(0x5eed_a3f5, count);
    // Compiling policies is a one-off per snapshot; time the decisions.
    let prepared: Vec<_> = cases
        .iter()
        .map(|c| (c.request(), c.policy_set()))
        .collect();
    let rounds = 20;
    let start = Instant::now();
    let mut allowed = 0usize;
    for _ in 0..rounds {
        for (request, set) in &prepared {
            allowed +=
                usize::from(black_box(evaluate(black_box(request), black_box(set))).is_allowed());
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ours = (count * rounds) as f64 / elapsed;
    println!(
        "evaluator: {} decisions in {elapsed:.3} s = {ours:.0} decisions/s (single thread; {} allowed)",
        count * rounds,
        allowed / rounds
    );
    let start = Instant::now();
    for case in &cases {
        black_box(case.policy_set());
    }
    let compile = count as f64 / start.elapsed().as_secs_f64();
    println!("compile: {compile:.0} policy sets/s");

    if awsfed_testkit::skip_oracle() {
        return;
    }
    let mut oracle = support::Oracle::start();
    let start = Instant::now();
    let results = oracle.run(&cases);
    let elapsed = start.elapsed().as_secs_f64();
    let theirs = results.len() as f64 / elapsed;
    println!(
        "oracle: {} decisions in {elapsed:.3} s = {theirs:.0} decisions/s",
        results.len()
    );
    println!(
        "ratio: evaluator is {:.0}x the oracle's rate",
        ours / theirs
    );
}
