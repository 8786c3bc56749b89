//! Permission sets: their policies and session durations.

use std::fmt;

use super::Message;
use crate::Code;
use crate::duration::format_duration;

/// Why a text is no managed policy ARN (`arn:PARTITION:iam::aws|ACCOUNT:policy/[PATH/]NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyArnProblem {
    MissingPrefix,
    TooFewParts,
    EmptyPart(&'static str),
    /// Its partition `found` is not the model's `model`.
    OtherPartition {
        found: String,
        model: String,
    },
    /// Another service than IAM, or a region.
    NotIam,
    /// Neither `aws` nor a 12-digit account id.
    MalformedAccount(String),
    NotPolicy,
    MissingName,
}

impl fmt::Display for PolicyArnProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingPrefix => f.write_str("it does not start with `arn:`"),
            Self::TooFewParts => f.write_str("an ARN has six `:`-separated parts"),
            Self::EmptyPart(part) => write!(f, "the {part} part is empty"),
            Self::OtherPartition { found, model } => {
                write!(f, "its partition `{found}` is not the model's `{model}`")
            }
            Self::NotIam => {
                f.write_str("managed policies are IAM resources (`arn:…:iam::…`) with no region")
            }
            Self::MalformedAccount(account) => {
                write!(f, "`{account}` is neither `aws` nor a 12-digit account id")
            }
            Self::NotPolicy => f.write_str("the resource must start with `policy/`"),
            Self::MissingName => f.write_str("the policy name is missing"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionSetsMessage {
    /// A `managed_policies` entry of a model in `partition`.
    MalformedManagedPolicyArn {
        arn: String,
        problem: PolicyArnProblem,
        partition: String,
    },
    MalformedBoundaryArn {
        arn: String,
        problem: PolicyArnProblem,
    },
    /// A managed or customer managed policy listed twice.
    DuplicatePolicy {
        policy: String,
    },
    /// A `customer_managed_policies` entry that is no name or path and name: `why`.
    MalformedPolicyReference {
        reference: String,
        why: String,
    },
    /// `session_duration` is no duration: `why`.
    MalformedDuration {
        why: String,
    },
    SessionDurationOutOfRange {
        seconds: u32,
    },
    /// Permission set `set` asks for `seconds` but is reached by role chaining.
    ChainedSessionCapped {
        set: String,
        seconds: u32,
    },
}

impl Message for PermissionSetsMessage {
    fn code(&self) -> Code {
        match self {
            Self::MalformedManagedPolicyArn { .. } | Self::MalformedBoundaryArn { .. } => {
                Code::MalformedArn
            }
            Self::DuplicatePolicy { .. } => Code::DuplicatePolicy,
            Self::MalformedPolicyReference { .. } => Code::MalformedPolicyReference,
            Self::MalformedDuration { .. } => Code::MalformedDuration,
            Self::SessionDurationOutOfRange { .. } => Code::SessionDurationOutOfRange,
            Self::ChainedSessionCapped { .. } => Code::ChainedSessionCapped,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::MalformedManagedPolicyArn { arn, problem, .. }
            | Self::MalformedBoundaryArn { arn, problem } => {
                format!("`{arn}` is not a managed policy ARN: {problem}")
            }
            Self::DuplicatePolicy { policy } => format!("`{policy}` is listed twice"),
            Self::MalformedPolicyReference { reference, why } => {
                format!("`{reference}` is not a customer managed policy reference: {why}")
            }
            Self::MalformedDuration { why } => why.clone(),
            Self::SessionDurationOutOfRange { seconds } => format!(
                "session duration {} is outside 1h–12h",
                format_duration(*seconds)
            ),
            Self::ChainedSessionCapped { set, seconds } => format!(
                "permission set `{set}` asks for {} but is reached by role chaining in hub-and-spoke accounts, which AWS caps at 1h",
                format_duration(*seconds)
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::MalformedManagedPolicyArn { partition, .. } => format!(
                "write arn:{partition}:iam::aws:policy/NAME for AWS managed policies or arn:{partition}:iam::ACCOUNT:policy/PATH/NAME"
            ),
            Self::MalformedBoundaryArn { .. } => {
                "a permissions boundary is a managed policy, named by its ARN".to_owned()
            }
            Self::DuplicatePolicy { .. } => return None,
            Self::MalformedPolicyReference { .. } => "write the policy's name (`Billing`) or its path and name (`/team/Billing`), as in each account's IAM".to_owned(),
            Self::MalformedDuration { .. } => {
                "write a duration such as `1h`, `90m` or `12h`".to_owned()
            }
            Self::SessionDurationOutOfRange { .. } => {
                "IAM's MaxSessionDuration is 3,600 to 43,200 seconds (1h to 12h)".to_owned()
            }
            Self::ChainedSessionCapped { .. } => "the longer setting still applies where the permission set is granted in direct accounts; use `session_duration: 1h` or make those accounts `topology: direct`".to_owned(),
        })
    }
}
