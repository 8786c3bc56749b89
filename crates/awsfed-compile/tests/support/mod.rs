//! What the compiler tests share: the requests they decide, and awsfed's evaluator and the
//! iam-simulate oracle deciding them, which must agree.
// Each test binary uses part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;

use awsfed_policy::simulation::{ContextInput, ResourcePolicyKind, Simulation};
use awsfed_policy::{Decision, PolicyDocument, evaluate};
use awsfed_testkit::Oracle;
use serde_json::{Value, json};

/// Context keys of one value each.
pub fn context<'a>(
    keys: impl IntoIterator<Item = (&'a str, String)>,
) -> BTreeMap<String, ContextInput> {
    keys.into_iter()
        .map(|(k, v)| (k.to_owned(), ContextInput::One(v)))
        .collect()
}

/// The context of a session of hub role `hub_role` (account `hub`) calling into `account`, with
/// session name `e1234`.
pub fn hub_session(hub_role: &str, hub: &str, account: &str) -> Vec<(&'static str, String)> {
    vec![
        ("aws:PrincipalArn", hub_role.to_owned()),
        ("aws:PrincipalAccount", hub.to_owned()),
        ("aws:PrincipalType", "AssumedRole".to_owned()),
        ("aws:userid", "AROAEXAMPLEROLEID:e1234".to_owned()),
        ("aws:ResourceAccount", account.to_owned()),
    ]
}

/// A trust that admits `principal` (an ARN) to `sts:AssumeRole`, and nothing else.
pub fn trust_admitting(principal: &str) -> PolicyDocument {
    serde_json::from_value(json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]
    }))
    .expect("a trust")
}

/// `action` by `principal` on role `role_arn` of `account`: decided by the role's `trust` and the
/// caller's `identity` policies (no boundary, session policy or organisation policies).
pub fn into_role(
    principal: String,
    action: &str,
    (role_arn, account): (&str, &str),
    context: BTreeMap<String, ContextInput>,
    identity: Vec<PolicyDocument>,
    trust: PolicyDocument,
) -> Simulation {
    Simulation {
        principal,
        action: action.to_owned(),
        resource: role_arn.to_owned(),
        resource_account: Some(account.to_owned()),
        context,
        identity_policies: identity,
        permissions_boundary: None,
        session_policy: None,
        resource_policy: Some(trust),
        resource_policy_kind: ResourcePolicyKind::Trust,
        service_control_policies: None,
        resource_control_policies: None,
        management_account: false,
    }
}

/// `sts:AssumeRole` from a session of hub role `role` (hub account 100000000000) into `ReadOnly`
/// of `account`, whose trust admits the hub role, with `resource_keys` describing the account's
/// place in the organisation: the decision is the hub policies' (`identity`).
pub fn hub_policy_request(
    role: &str,
    account: &str,
    resource_keys: BTreeMap<String, ContextInput>,
    identity: &[PolicyDocument],
) -> Simulation {
    const HUB: &str = "100000000000";
    let hub_role = format!("arn:aws:iam::{HUB}:role/awsfed/hub/{role}");
    let mut keys = hub_session(&hub_role, HUB, account);
    keys.push(("sts:RoleSessionName", "e1234".to_owned()));
    let mut context = context(keys);
    context.extend(resource_keys);
    into_role(
        format!("arn:aws:sts::{HUB}:assumed-role/{role}/e1234"),
        "sts:AssumeRole",
        (
            &format!("arn:aws:iam::{account}:role/awsfed/ReadOnly"),
            account,
        ),
        context,
        identity.to_vec(),
        trust_admitting(&hub_role),
    )
}

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
