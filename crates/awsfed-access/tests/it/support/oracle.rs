//! The policy oracle, answering in awsfed's decisions (the client itself is shared with the policy
//! evaluator's tests in `awsfed-testkit`), and the simulations of access hops it is asked.

use awsfed_access::{
    ActionCheck, Estate, HopKind, HopOutcome, SessionAttributes, chained_context, saml_context,
    session_arn_named,
};
use awsfed_policy::{Context, ContextValue, Decision, OrgChain};
use serde_json::{Value, json};

pub use awsfed_testkit::skip_oracle;

#[derive(Debug)]
pub struct Oracle(awsfed_testkit::Oracle);

impl Oracle {
    pub fn start() -> Self {
        Self(awsfed_testkit::Oracle::start())
    }

    /// Runs simulations in order; every answer must be a single decision with no context key
    /// ignored.
    pub fn run(&mut self, simulations: Vec<Value>) -> Vec<Decision> {
        self.0
            .simulate(simulations)
            .into_iter()
            .map(|result| {
                assert!(result.get("failure").is_none(), "oracle failed: {result}");
                assert_eq!(result["resultType"], "single", "{result}");
                let ignored = result["ignoredContextKeys"].as_array().map_or(0, Vec::len);
                assert_eq!(ignored, 0, "the oracle ignored context keys: {result}");
                match result["overallResult"].as_str() {
                    Some("Allowed") => Decision::Allow,
                    Some("ExplicitlyDenied") => Decision::ExplicitDeny,
                    Some("ImplicitlyDenied") => Decision::ImplicitDeny,
                    _ => panic!("unexpected oracle answer {result}"),
                }
            })
            .collect()
    }
}

pub fn context_json(context: &Context) -> Value {
    let mut map = serde_json::Map::new();
    for (key, value) in context.iter() {
        map.insert(
            key.to_owned(),
            match value {
                ContextValue::Single(v) => json!(v),
                ContextValue::Multi(v) => json!(v),
            },
        );
    }
    Value::Object(map)
}

pub fn chain_json(estate: &Estate<'_>, chain: Option<&OrgChain>) -> Value {
    let Some(chain) = chain.filter(|c| !c.management_account) else {
        return json!([]);
    };
    Value::Array(
        chain
            .levels
            .iter()
            .map(|level| {
                json!({
                    "orgIdentifier": level.target,
                    "policies": level.policies.iter().map(|p| json!({
                        "name": p.id(),
                        "policy": estate.document(p.id()).unwrap(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// One action of a hop, as the oracle is asked it.
pub struct HopRequest<'a> {
    pub kind: HopKind,
    /// The SAML provider, or the caller role's ARN.
    pub from: &'a str,
    pub to: &'a str,
    pub action: &'a str,
    /// The SAML hop's audience.
    pub audience: Option<&'a str>,
}

impl<'a> HopRequest<'a> {
    /// One action check of a hop the evaluator decided.
    pub fn of(hop: &'a HopOutcome, check: &'a ActionCheck) -> Self {
        Self {
            kind: hop.kind,
            from: &hop.from,
            to: &hop.role_arn,
            action: &check.action,
            audience: check.audience.as_deref(),
        }
    }
}

/// The iam-simulate simulation of one action of a hop, built from the estate's documents.
pub fn hop_simulation(
    estate: &Estate<'_>,
    session: &SessionAttributes,
    hop: &HopRequest<'_>,
    context_override: Option<&Context>,
) -> Value {
    let target = estate.role_index(hop.to).unwrap();
    let to = estate.role(target);
    let resource = json!({"resource": to.role.arn, "accountId": to.account.id});
    let rcps = chain_json(estate, estate.resource_control(&to.account.id));
    match hop.kind {
        HopKind::Saml => {
            let context = saml_context(session, hop.audience.unwrap());
            json!({
                "request": {
                    "principal": hop.from,
                    "action": hop.action,
                    "resource": resource,
                    "contextVariables": context_json(context_override.unwrap_or(&context)),
                },
                "identityPolicies": [],
                "serviceControlPolicies": [],
                "resourceControlPolicies": rcps,
                "resourcePolicy": to.role.trust_policy,
            })
        }
        HopKind::AssumeRole => {
            let caller = estate.role_index(hop.from).unwrap();
            let from = estate.role(caller);
            let mut context = chained_context(
                hop.action,
                session,
                &from.role.arn,
                &from.role.role_id,
                &to.account.id,
                estate.organization_id.as_deref(),
            );
            awsfed_access::resource_context(estate, &mut context, &to.account.id);
            let mut simulation = json!({
                "request": {
                    "principal": session_arn_named(&from.role.arn, session.session_name()),
                    "action": hop.action,
                    "resource": resource,
                    "contextVariables": context_json(context_override.unwrap_or(&context)),
                },
                "identityPolicies": estate.identity_documents(caller).iter().enumerate()
                    .map(|(i, d)| json!({"name": format!("identity-{i}"), "policy": d}))
                    .collect::<Vec<_>>(),
                "serviceControlPolicies": chain_json(estate, estate.service_control(&from.account.id)),
                "resourceControlPolicies": rcps,
                "resourcePolicy": to.role.trust_policy,
            });
            if let Some(boundary) = from.role.permissions_boundary.as_deref().and_then(|arn| {
                estate
                    .document(arn)
                    .cloned()
                    .or_else(|| Estate::known_aws_managed(arn))
            }) {
                simulation["permissionBoundaryPolicies"] =
                    json!([{"name": "boundary", "policy": boundary}]);
            }
            simulation
        }
    }
}
