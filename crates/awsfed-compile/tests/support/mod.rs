//! What the compiler tests share: awsfed's evaluator and the iam-simulate oracle deciding the same
//! requests, which must agree.

use awsfed_policy::simulation::{ContextInput, Simulation};
use awsfed_policy::{Decision, evaluate};
use awsfed_testkit::Oracle;
use serde_json::{Value, json};

/// The same request as iam-simulate reads it.
fn oracle_simulation(simulation: &Simulation) -> Value {
    let context: serde_json::Map<String, Value> = simulation
        .context
        .iter()
        .map(|(k, v)| match v {
            ContextInput::One(v) => (k.clone(), json!(v)),
            ContextInput::Many(v) => (k.clone(), json!(v)),
        })
        .collect();
    json!({
        "request": {
            "principal": simulation.principal,
            "action": simulation.action,
            "resource": {"resource": simulation.resource, "accountId": simulation.resource_account},
            "contextVariables": context,
        },
        "identityPolicies": simulation.identity_policies.iter().enumerate()
            .map(|(i, p)| json!({"name": format!("identity-{i}"), "policy": p}))
            .collect::<Vec<_>>(),
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
        "resourcePolicy": simulation.resource_policy,
    })
}

/// awsfed's evaluator's decisions, which must equal the oracle's.
pub fn decide(simulations: &[Simulation]) -> Vec<Decision> {
    let ours: Vec<Decision> = simulations
        .iter()
        .map(|s| {
            let (request, policies) = s.compile().expect("the request compiles");
            evaluate(&request, &policies).decision
        })
        .collect();
    let theirs: Vec<Decision> = Oracle::start()
        .simulate(simulations.iter().map(oracle_simulation))
        .iter()
        .map(oracle_decision)
        .collect();
    assert_eq!(ours, theirs, "awsfed's evaluator and iam-simulate disagree");
    ours
}

/// The oracle's answer as a decision; a failure, or an ignored context key (the case would not test
/// what it claims), fails the test.
fn oracle_decision(result: &Value) -> Decision {
    assert!(
        result.get("failure").is_none(),
        "the oracle failed: {result}"
    );
    assert_eq!(result["resultType"], "single", "{result}");
    let ignored = result["ignoredContextKeys"].as_array().map_or(0, Vec::len);
    assert_eq!(ignored, 0, "the oracle ignored context keys: {result}");
    match result["overallResult"].as_str() {
        Some("Allowed") => Decision::Allow,
        Some("ExplicitlyDenied") => Decision::ExplicitDeny,
        Some("ImplicitlyDenied") => Decision::ImplicitDeny,
        _ => panic!("unexpected oracle answer {result}"),
    }
}
