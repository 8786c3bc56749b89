//! One request and every policy that applies to it, as a JSON document: the input of
//! `awsfed simulate` (schema: `schemas/simulate-request.schema.json`).
//!
//! ```json
//! {
//!   "principal": "arn:aws:sts::111111111111:assumed-role/hub-admins/alice@example.com",
//!   "action": "sts:AssumeRole",
//!   "resource": "arn:aws:iam::222222222222:role/awsfed/Admin",
//!   "context": {"aws:SourceIdentity": "alice@example.com", "aws:TagKeys": ["team"]},
//!   "identity_policies": [ { "Version": "2012-10-17", "Statement": [] } ],
//!   "resource_policy": { "Version": "2012-10-17", "Statement": [] },
//!   "resource_policy_kind": "trust",
//!   "service_control_policies": [ { "target": "r-root", "policies": [ {} ] } ]
//! }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::document::PolicyDocument;
use crate::evaluator::{OrgChain, OrgLevel, PolicySet};
use crate::policy::{Policy, PolicyKind};
use crate::request::{Caller, Context, ContextValue, Request};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// An ARN (user, role, session, account root, SAML provider), a service principal, or
    /// `"anonymous"`.
    pub principal: String,
    pub action: String,
    #[serde(default = "any_resource")]
    pub resource: String,
    /// The resource's account when its ARN has none (S3 buckets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_account: Option<String>,
    /// Context keys: a string for single-valued keys, a list for multivalued ones.
    #[serde(default)]
    pub context: BTreeMap<String, ContextInput>,
    #[serde(default)]
    pub identity_policies: Vec<PolicyDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PolicyDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_policy: Option<PolicyDocument>,
    /// The resource-based policy, or the role trust policy when the request assumes a role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<PolicyDocument>,
    #[serde(default)]
    pub resource_policy_kind: ResourcePolicyKind,
    /// SCPs of the principal's account, from the organisation root down to the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_control_policies: Option<Vec<OrgLevelInput>>,
    /// RCPs of the resource's account, from the root down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_control_policies: Option<Vec<OrgLevelInput>>,
    /// The principal's account is the management account (SCPs do not apply).
    #[serde(default)]
    pub management_account: bool,
}

fn any_resource() -> String {
    "*".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContextInput {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourcePolicyKind {
    #[default]
    Resource,
    Trust,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgLevelInput {
    /// The root, OU or account id.
    pub target: String,
    pub policies: Vec<PolicyDocument>,
}

impl Simulation {
    /// The request: the principal (`anonymous` or any principal string), action, resource, its
    /// account and the context keys.
    fn request(&self) -> Request {
        let caller = if self.principal.eq_ignore_ascii_case("anonymous") {
            Caller::Anonymous
        } else {
            Caller::parse(&self.principal)
        };
        let mut context = Context::new();
        for (key, value) in &self.context {
            context.insert(
                key,
                match value {
                    ContextInput::One(v) => ContextValue::Single(v.clone()),
                    ContextInput::Many(v) => ContextValue::Multi(v.clone()),
                },
            );
        }
        let request = Request::new(caller, &self.action, &self.resource).with_context(context);
        match &self.resource_account {
            Some(account) => request.with_resource_account(account),
            None => request,
        }
    }

    /// The request and its compiled policies; an error names the policy that does not compile.
    pub fn compile(&self) -> Result<(Request, PolicySet), crate::PolicyError> {
        let request = self.request();
        let set = PolicySet {
            service_control: self
                .service_control_policies
                .as_deref()
                .map(|l| {
                    org_chain(
                        l,
                        PolicyKind::ServiceControl,
                        "service_control_policies",
                        self.management_account,
                    )
                })
                .transpose()?,
            resource_control: self
                .resource_control_policies
                .as_deref()
                .map(|l| {
                    org_chain(
                        l,
                        PolicyKind::ResourceControl,
                        "resource_control_policies",
                        false,
                    )
                })
                .transpose()?,
            identity: self
                .identity_policies
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    Policy::compile(format!("identity_policies[{i}]"), PolicyKind::Identity, d)
                })
                .collect::<Result<_, _>>()?,
            permissions_boundary: self
                .permissions_boundary
                .as_ref()
                .map(|d| {
                    Policy::compile("permissions_boundary", PolicyKind::PermissionsBoundary, d)
                })
                .transpose()?,
            session: self
                .session_policy
                .as_ref()
                .map(|d| Policy::compile("session_policy", PolicyKind::Session, d))
                .transpose()?,
            resource: self
                .resource_policy
                .as_ref()
                .map(|d| {
                    let kind = match self.resource_policy_kind {
                        ResourcePolicyKind::Resource => PolicyKind::Resource,
                        ResourcePolicyKind::Trust => PolicyKind::Trust,
                    };
                    Policy::compile("resource_policy", kind, d)
                })
                .transpose()?,
        };
        Ok((request, set))
    }
}

/// The SCPs or RCPs of an organisation chain, compiled level by level; a policy is named by its
/// place in the request (`service_control_policies[TARGET][INDEX]`).
fn org_chain(
    levels: &[OrgLevelInput],
    kind: PolicyKind,
    name: &str,
    management_account: bool,
) -> Result<OrgChain, crate::PolicyError> {
    let levels = levels
        .iter()
        .map(|level| {
            let policies = level
                .policies
                .iter()
                .enumerate()
                .map(|(i, d)| Policy::compile(format!("{name}[{}][{i}]", level.target), kind, d))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(OrgLevel {
                target: level.target.clone(),
                policies,
            })
        })
        .collect::<Result<Vec<_>, crate::PolicyError>>()?;
    Ok(OrgChain {
        levels,
        management_account,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decision, evaluate};

    #[test]
    fn a_simulation_file_decides_like_the_evaluator() {
        let text = r#"{
            "principal": "arn:aws:sts::111111111111:assumed-role/hub/alice",
            "action": "sts:AssumeRole",
            "resource": "arn:aws:iam::222222222222:role/awsfed/Admin",
            "context": {"aws:SourceIdentity": "alice", "aws:TagKeys": ["team"]},
            "identity_policies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}],
            "resource_policy": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/hub"}, "Action": "sts:AssumeRole", "Condition": {"Null": {"aws:SourceIdentity": "false"}}}},
            "resource_policy_kind": "trust"
        }"#;
        let simulation: Simulation = serde_json::from_str(text).unwrap();
        let (request, set) = simulation.compile().unwrap();
        assert_eq!(evaluate(&request, &set).decision, Decision::Allow);
        assert!(
            serde_json::from_str::<Simulation>(r#"{"principal": "x", "action": "a", "extra": 1}"#)
                .is_err()
        );
    }
}
