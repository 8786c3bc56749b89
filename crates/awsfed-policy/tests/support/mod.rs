//! Shared pieces of the oracle tests: a case (request + policies, in the form both sides read), the
//! oracle process, the exception list.

mod generate;
mod golden;
pub mod rng;

pub use generate::generate_cases;
pub use golden::golden_cases;

use std::path::PathBuf;

use awsfed_policy::{
    Caller, CallerKind, Context, ContextValue, Decision, OrgChain, OrgLevel, Policy,
    PolicyDocument, PolicyKind, PolicySet, Request,
};
use serde_json::{Value, json};

/// A context value as written in a case.
#[derive(Debug, Clone)]
pub enum Val {
    One(String),
    Many(Vec<String>),
}

/// SCPs or RCPs: levels from the root down, each with its policies.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub management: bool,
    pub levels: Vec<(String, Vec<Value>)>,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// `None` for an anonymous request.
    pub principal: Option<String>,
    pub action: String,
    pub resource: String,
    pub resource_account: String,
    pub context: Vec<(String, Val)>,
    pub scps: Option<Chain>,
    pub rcps: Option<Chain>,
    pub identity: Vec<Value>,
    pub boundary: Option<Value>,
    pub session: Option<Value>,
    pub resource_policy: Option<(PolicyKind, Value)>,
    /// Golden cases: the outcome the AWS documentation gives.
    pub expected: Option<Decision>,
}

impl Case {
    pub fn new(
        name: &str,
        principal: Option<&str>,
        action: &str,
        resource: &str,
        account: &str,
    ) -> Self {
        Self {
            name: name.to_owned(),
            principal: principal.map(str::to_owned),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: account.to_owned(),
            context: Vec::new(),
            scps: None,
            rcps: None,
            identity: Vec::new(),
            boundary: None,
            session: None,
            resource_policy: None,
            expected: None,
        }
    }

    fn caller(&self) -> Caller {
        match &self.principal {
            None => Caller::Anonymous,
            Some(p) => Caller::parse(p),
        }
    }

    pub fn request(&self) -> Request {
        let mut context = Context::new();
        for (key, value) in &self.context {
            let value = match value {
                Val::One(v) => ContextValue::Single(v.clone()),
                Val::Many(v) => ContextValue::Multi(v.clone()),
            };
            context.insert(key, value);
        }
        Request::new(self.caller(), &self.action, &self.resource)
            .with_resource_account(&self.resource_account)
            .with_context(context)
    }

    pub fn policy_set(&self) -> PolicySet {
        let compile = |id: String, kind, value: &Value| {
            let document: PolicyDocument = serde_json::from_value(value.clone())
                .unwrap_or_else(|e| panic!("{}: {id} is not a policy document: {e}", self.name));
            Policy::compile(id, kind, &document).unwrap_or_else(|e| panic!("{}: {e}", self.name))
        };
        let chain = |chain: &Chain, kind, prefix: &str| OrgChain {
            management_account: chain.management,
            levels: chain
                .levels
                .iter()
                .map(|(target, policies)| OrgLevel {
                    target: target.clone(),
                    policies: policies
                        .iter()
                        .enumerate()
                        .map(|(i, p)| compile(format!("{prefix}-{target}-{i}"), kind, p))
                        .collect(),
                })
                .collect(),
        };
        PolicySet {
            service_control: self
                .scps
                .as_ref()
                .map(|c| chain(c, PolicyKind::ServiceControl, "scp")),
            resource_control: self
                .rcps
                .as_ref()
                .map(|c| chain(c, PolicyKind::ResourceControl, "rcp")),
            identity: self
                .identity
                .iter()
                .enumerate()
                .map(|(i, p)| compile(format!("identity-{i}"), PolicyKind::Identity, p))
                .collect(),
            permissions_boundary: self
                .boundary
                .as_ref()
                .map(|p| compile("boundary".into(), PolicyKind::PermissionsBoundary, p)),
            session: self
                .session
                .as_ref()
                .map(|p| compile("session".into(), PolicyKind::Session, p)),
            resource: self
                .resource_policy
                .as_ref()
                .map(|(kind, p)| compile("resource".into(), *kind, p)),
        }
    }

    /// The same case as an iam-simulate `Simulation`. The oracle has no notion of a management
    /// account or of service-linked roles, so SCPs/RCPs that do not apply are left out here.
    pub fn simulation(&self) -> Value {
        let caller = self.caller();
        let iam_principal =
            matches!(caller, Caller::Arn(_)) && caller.kind() != CallerKind::IdentityProvider;
        let chain = |chain: &Option<Chain>, applies: bool| -> Value {
            match chain {
                Some(c) if applies && !c.management => Value::Array(
                    c.levels
                        .iter()
                        .map(|(target, policies)| {
                            json!({
                                "orgIdentifier": target,
                                "policies": policies.iter().enumerate()
                                    .map(|(i, p)| json!({"name": format!("{target}-{i}"), "policy": p}))
                                    .collect::<Vec<_>>(),
                            })
                        })
                        .collect(),
                ),
                _ => json!([]),
            }
        };
        let mut context = serde_json::Map::new();
        for (key, value) in &self.context {
            let value = match value {
                Val::One(v) => json!(v),
                Val::Many(v) => json!(v),
            };
            context.insert(key.clone(), value);
        }
        let principal = match &self.principal {
            Some(p) => json!(p),
            None => json!({"type": "Anonymous"}),
        };
        let mut simulation = json!({
            "request": {
                "principal": principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": self.resource_account},
                "contextVariables": context,
            },
            "identityPolicies": self.identity.iter().enumerate()
                .map(|(i, p)| json!({"name": format!("identity-{i}"), "policy": p}))
                .collect::<Vec<_>>(),
            "serviceControlPolicies": chain(&self.scps, iam_principal && !caller.is_service_linked_role()),
            "resourceControlPolicies": chain(&self.rcps, !caller.is_service_linked_role()),
        });
        if let Some(boundary) = &self.boundary {
            simulation["permissionBoundaryPolicies"] =
                json!([{"name": "boundary", "policy": boundary}]);
        }
        if let Some(session) = &self.session {
            simulation["sessionPolicy"] = session.clone();
        }
        if let Some((_, policy)) = &self.resource_policy {
            simulation["resourcePolicy"] = policy.clone();
        }
        simulation
    }
}

/// One oracle answer line.
pub type OracleResult = Value;

/// Maps an oracle answer to a decision; panics with the case name on errors, on unknown answers and
/// when the oracle ignored context keys (the case would not test what it claims).
pub fn oracle_decision(case: &str, result: &OracleResult) -> Decision {
    if let Some(failure) = result.get("failure") {
        panic!("{case}: the oracle failed: {failure}");
    }
    if result["resultType"] != "single" {
        panic!("{case}: the oracle did not run a single simulation: {result}");
    }
    let ignored = result["ignoredContextKeys"].as_array().map_or(0, Vec::len);
    assert_eq!(
        ignored, 0,
        "{case}: the oracle ignored context keys: {result}"
    );
    match result["overallResult"].as_str() {
        Some("Allowed") => Decision::Allow,
        Some("ExplicitlyDenied") => Decision::ExplicitDeny,
        Some("ImplicitlyDenied") => Decision::ImplicitDeny,
        _ => panic!("{case}: unexpected oracle answer {result}"),
    }
}

/// The oracle client, shared with the access analysis' tests.
#[derive(Debug)]
pub struct Oracle(awsfed_testkit::Oracle);

impl Oracle {
    pub fn start() -> Self {
        Self(awsfed_testkit::Oracle::start())
    }

    /// Sends every case and reads the answers in order.
    pub fn run(&mut self, cases: &[Case]) -> Vec<OracleResult> {
        self.0.simulate(cases.iter().map(Case::simulation))
    }
}

/// A documented disagreement: the oracle contradicts the AWS documentation on this golden case.
#[derive(Debug, serde::Deserialize)]
pub struct Exception {
    pub case: String,
    pub oracle: String,
    pub reason: String,
    pub documentation: String,
}

impl Exception {
    pub fn oracle_decision(&self) -> Decision {
        match self.oracle.as_str() {
            "allow" => Decision::Allow,
            "explicit deny" => Decision::ExplicitDeny,
            "implicit deny" => Decision::ImplicitDeny,
            other => panic!("exception `{}`: unknown decision `{other}`", self.case),
        }
    }
}

pub fn load_exceptions() -> Vec<Exception> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle-exceptions.json");
    let text = std::fs::read_to_string(&path).expect("tests/oracle-exceptions.json exists");
    let exceptions: Vec<Exception> = serde_json::from_str(&text).expect("exceptions parse");
    for e in &exceptions {
        assert!(
            !e.reason.is_empty() && !e.documentation.is_empty(),
            "exception `{}` needs a reason and a documentation citation",
            e.case
        );
    }
    exceptions
}
