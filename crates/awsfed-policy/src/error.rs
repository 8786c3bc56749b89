//! Errors for policies that IAM would reject or that cannot be evaluated. Each one says which policy,
//! which statement (index and `Sid`), which field, and what is wrong.

use std::fmt;

use thiserror::Error;

use crate::policy::PolicyKind;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("policy `{policy}`{location}: {problem}")]
pub struct PolicyError {
    pub policy: String,
    pub location: Box<Location>,
    pub problem: Box<Problem>,
}

/// Where in the document the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// Zero-based statement index, when the problem is inside a statement.
    pub statement: Option<usize>,
    pub sid: Option<String>,
    /// The element path: `Action`, `Principal.AWS`, `Condition.StringEquals.aws:username`.
    pub field: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(index) = self.statement {
            write!(f, ", statement {index}")?;
            if let Some(sid) = &self.sid {
                write!(f, " (Sid `{sid}`)")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ", {field}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    #[error("the document is not valid policy JSON: {0}")]
    Json(String),
    #[error("unsupported policy language version `{0}`: use `2012-10-17`")]
    UnsupportedVersion(String),
    #[error("the policy has no statements")]
    NoStatements,
    #[error("one of {0} is required")]
    Missing(&'static str),
    #[error("{0} and {1} cannot both be present; keep one")]
    Both(&'static str, &'static str),
    #[error("this element is not allowed in this policy type ({0})")]
    NotAllowed(PolicyKind),
    #[error("the list is empty")]
    Empty,
    #[error("`{value}` is not a valid action: {reason}")]
    Action { value: String, reason: &'static str },
    #[error(
        "`{value}` is not a valid resource: use `*` or an ARN (arn:partition:service:region:account:resource)"
    )]
    Resource { value: String },
    #[error("unknown principal type `{0}`: use AWS, Federated, Service or CanonicalUser")]
    PrincipalType(String),
    #[error("`{value}` is not a valid principal: {reason}")]
    Principal { value: String, reason: &'static str },
    #[error(
        "a resource control policy statement must be `\"Effect\": \"Deny\"` with `\"Principal\": \"*\"` \
         and an Action list without `*` (RCPFullAWSAccess is implied)"
    )]
    ResourceControlShape,
    #[error("unknown condition operator: see \"IAM JSON policy elements: Condition operators\"")]
    Operator,
    #[error("`{value}` is not valid here: expected {expected}")]
    ConditionValue {
        value: String,
        expected: &'static str,
    },
}
