//! Differential tests: the evaluator against `@cloud-copilot/iam-simulate` (the oracle), on
//! hand-written golden cases (expected outcomes written from the AWS documentation) and on a seeded
//! generator of cases built around each request so that outcomes are not trivially deny.
//!
//! The oracle is AGPL and is installed at test time: `npm ci --prefix tests/oracle`. Without node or
//! the installed package these tests fail, unless `AWSFED_SKIP_ORACLE=1`.
//!
//! Environment: `AWSFED_ORACLE_CASES` (generated cases, default 10000), `AWSFED_ORACLE_SEED`
//! (generator seed, default fixed), `AWSFED_SKIP_ORACLE=1` (skip the oracle, still run the golden
//! cases against their written expectations).

mod support;

use support::{Case, Oracle, generate_cases, golden_cases, load_exceptions, oracle_decision};

use awsfed_policy::{Decision, evaluate};
use awsfed_testkit::skip_oracle;

/// Golden cases: our decision must equal the one written from the docs; the oracle must agree, or
/// disagree exactly as the exception list documents.
#[test]
fn golden_cases_follow_the_aws_documentation() {
    let cases = golden_cases();
    let exceptions = load_exceptions();
    for exception in &exceptions {
        assert!(
            cases.iter().any(|c| c.name == exception.case),
            "exception `{}` names no golden case",
            exception.case
        );
    }
    let mut failures = Vec::new();
    for case in &cases {
        let set = case.policy_set();
        let ours = evaluate(&case.request(), &set).decision;
        let expected = case.expected.expect("golden cases have expectations");
        if ours != expected {
            failures.push(format!(
                "{}: expected {expected}, evaluator says {ours}",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "golden cases failed:\n{}",
        failures.join("\n")
    );
    if skip_oracle() {
        return;
    }
    let mut oracle = Oracle::start();
    let results = oracle.run(&cases);
    for (case, result) in cases.iter().zip(results) {
        let oracle_says = oracle_decision(&case.name, &result);
        let expected = case.expected.expect("golden cases have expectations");
        match exceptions.iter().find(|e| e.case == case.name) {
            Some(exception) if oracle_says != exception.oracle_decision() => {
                failures.push(format!(
                    "{}: exception lists the oracle as {}, it now says {oracle_says}: \
                     update tests/oracle-exceptions.json",
                    case.name,
                    exception.oracle_decision()
                ));
            }
            Some(_) => {}
            None if oracle_says != expected => failures.push(format!(
                "{}: the documentation says {expected}, the oracle says {oracle_says}",
                case.name
            )),
            None => {}
        }
    }
    assert!(
        failures.is_empty(),
        "oracle disagreements:\n{}",
        failures.join("\n")
    );
}

/// Generated cases: every decision must agree with the oracle.
#[test]
fn generated_cases_agree_with_the_oracle() {
    if skip_oracle() {
        return;
    }
    let count = std::env::var(awsfed_env::AWSFED_ORACLE_CASES)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed = std::env::var(awsfed_env::AWSFED_ORACLE_SEED)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_a3f5_u64);
    let cases = generate_cases(seed, count);
    let mut oracle = Oracle::start();
    let results = oracle.run(&cases);
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    let mut disagreements = Vec::new();
    for (case, result) in cases.iter().zip(&results) {
        let set = case.policy_set();
        let ours = evaluate(&case.request(), &set).decision;
        let theirs = oracle_decision(&case.name, result);
        *tally.entry(format!("{ours}")).or_default() += 1;
        if ours != theirs {
            disagreements.push(format!(
                "{}: evaluator {ours}, oracle {theirs}\n  {}",
                case.name,
                serde_json::to_string(&case.simulation()).unwrap_or_default()
            ));
        }
    }
    if let Ok(path) = std::env::var(awsfed_env::AWSFED_ORACLE_DUMP) {
        std::fs::write(path, disagreements.join("\n")).expect("write the dump");
    }
    eprintln!(
        "oracle: {} generated cases (seed {seed:#x}), {} agree; decisions {tally:?}",
        cases.len(),
        cases.len() - disagreements.len()
    );
    let allow = tally.get("allow").copied().unwrap_or(0);
    assert!(
        allow * 5 >= cases.len(),
        "the generator should make at least a fifth of the cases allowed: {tally:?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree with the oracle (first 5):\n{}",
        disagreements.len(),
        cases.len(),
        disagreements
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn decisions_are_named_for_people() {
    assert_eq!(Decision::ExplicitDeny.to_string(), "explicit deny");
    let _unused: Option<Case> = None;
}
