//! What the compiler tests share: awsfed's evaluator and the iam-simulate oracle deciding the same
//! requests, which must agree.

#[path = "../../../../tests/oracle/client.rs"]
mod oracle;

use std::path::Path;

use awsfed_policy::simulation::{ContextInput, Simulation};
use awsfed_policy::{Decision, evaluate};
use serde_json::{Value, json};

use oracle::Oracle;

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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let oracle_input: Vec<Value> = simulations.iter().map(oracle_simulation).collect();
    let theirs = Oracle::start(&root).run(&oracle_input);
    assert_eq!(ours, theirs, "awsfed's evaluator and iam-simulate disagree");
    ours
}
