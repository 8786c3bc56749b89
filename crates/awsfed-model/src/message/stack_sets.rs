//! The `stack_sets` section's messages: the StackSets engine's region and operation preferences
//! ("StackSetOperationPreferences", AWS CloudFormation API Reference).

use super::Message;
use crate::Code;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackSetsMessage {
    MalformedRegion {
        region: String,
    },
    /// `region_order` names `named`, but the stack instances live in `home` only.
    SecondRegion {
        named: String,
        home: String,
    },
    /// `key: value` is outside `range`.
    OutOfRange {
        key: String,
        value: i64,
        range: String,
    },
    /// `{stem}_count` and `{stem}_percentage` are both given.
    CountAndPercentage {
        stem: &'static str,
    },
    /// `max_concurrent_count` above `failure_tolerance_count` + 1.
    ConcurrencyCapped {
        concurrent: i32,
        tolerance: i32,
    },
}

impl Message for StackSetsMessage {
    fn code(&self) -> Code {
        match self {
            Self::MalformedRegion { .. } | Self::SecondRegion { .. } => Code::StackSetRegion,
            Self::OutOfRange { .. } | Self::CountAndPercentage { .. } => Code::StackSetPreference,
            Self::ConcurrencyCapped { .. } => Code::ConcurrencyCapped,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::MalformedRegion { region } => format!("`{region}` is not an AWS region name"),
            Self::SecondRegion { named, home } => format!(
                "`region_order` names {named}, but stack instances live in {home} only: IAM is global, and a second region would create the same roles again"
            ),
            Self::OutOfRange { key, value, range } => {
                format!("`{key}: {value}` is outside {range}")
            }
            Self::CountAndPercentage { stem } => {
                format!("`{stem}_count` and `{stem}_percentage` are both given")
            }
            Self::ConcurrencyCapped {
                concurrent,
                tolerance,
            } => format!(
                "`max_concurrent_count: {concurrent}` with `failure_tolerance_count: {tolerance}` deploys to at most {} account(s) at once",
                tolerance + 1
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::MalformedRegion { .. } => {
                "write a region such as `us-east-1` or `eu-west-1`".to_owned()
            }
            Self::SecondRegion { home, .. } => {
                format!("leave out `region_order`, or name only {home}")
            }
            Self::OutOfRange { key, range, .. } => {
                format!("CloudFormation accepts {range} for {key}")
            }
            Self::CountAndPercentage { stem } => format!(
                "CloudFormation takes one of them: keep `{stem}_count` or `{stem}_percentage`"
            ),
            Self::ConcurrencyCapped { .. } => "CloudFormation's default concurrency mode (STRICT_FAILURE_TOLERANCE) runs at most failure tolerance + 1 accounts at once; raise `failure_tolerance_count` to go faster".to_owned(),
        })
    }
}
