//! The `stack_sets` section: where the StackSets engine keeps its stack sets and how it runs their
//! operations ("StackSetOperationPreferences", AWS CloudFormation API Reference). Each amount is
//! a count or a percentage, never both (CloudFormation refuses both); a maximum concurrency is at
//! least one account or 1 %, a failure tolerance at least 0. IAM is global, so every stack
//! instance lives in one region, and the region order may name only that region.

use serde::{Deserialize, Serialize};

use crate::message::StackSetsMessage;
use crate::raw::RawStackSets;
use crate::{Diagnostic, Diagnostics, Span, Spanned};

/// Where stack sets live unless the model or a flag says otherwise.
pub const DEFAULT_STACK_SET_REGION: &str = "us-east-1";

/// A count of accounts or a percentage of an operation's accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amount {
    Count(i32),
    Percentage(i32),
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Amount::Count(n) => write!(f, "{n} account(s)"),
            Amount::Percentage(n) => write!(f, "{n}% of the accounts"),
        }
    }
}

/// The StackSets engine's settings from the model; every field may be overridden by a flag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackSetSettings {
    pub region: Option<String>,
    pub max_concurrent: Option<Amount>,
    pub failure_tolerance: Option<Amount>,
    pub region_order: Vec<String>,
}

pub(crate) fn stack_sets(section: &Spanned<RawStackSets>, d: &mut Diagnostics) -> StackSetSettings {
    let raw = &section.value;
    let region = raw.region.as_ref().and_then(|r| {
        if is_region(&r.value) {
            Some(r.value.clone())
        } else {
            d.push(
                Diagnostic::of(&StackSetsMessage::MalformedRegion {
                    region: r.value.clone(),
                })
                .at(r.span),
            );
            None
        }
    });
    let home = region.as_deref().unwrap_or(DEFAULT_STACK_SET_REGION);
    for named in raw.region_order.iter().filter(|r| r.value != home) {
        d.push(
            Diagnostic::of(&StackSetsMessage::SecondRegion {
                named: named.value.clone(),
                home: home.to_owned(),
            })
            .at(named.span),
        );
    }
    let max_concurrent = amount(
        d,
        section.span,
        "max_concurrent",
        (&raw.max_concurrent_count, 1),
        (&raw.max_concurrent_percentage, 1),
    );
    let failure_tolerance = amount(
        d,
        section.span,
        "failure_tolerance",
        (&raw.failure_tolerance_count, 0),
        (&raw.failure_tolerance_percentage, 0),
    );
    if let (Some(Amount::Count(concurrent)), Some(Amount::Count(tolerance)), Some(written)) =
        (max_concurrent, failure_tolerance, &raw.max_concurrent_count)
        && concurrent > tolerance + 1
    {
        d.push(
            Diagnostic::of(&StackSetsMessage::ConcurrencyCapped {
                concurrent,
                tolerance,
            })
            .at(written.span),
        );
    }
    StackSetSettings {
        region,
        max_concurrent,
        failure_tolerance,
        region_order: raw.region_order.iter().map(|r| r.value.clone()).collect(),
    }
}

/// One amount from its count and percentage keys (`min` is the least of either).
fn amount(
    d: &mut Diagnostics,
    section: Span,
    stem: &'static str,
    (count, count_min): (&Option<Spanned<i64>>, i64),
    (percentage, percentage_min): (&Option<Spanned<i64>>, i64),
) -> Option<Amount> {
    let mut out_of_range = |value: &Spanned<i64>, key: String, range: String| {
        d.push(
            Diagnostic::of(&StackSetsMessage::OutOfRange {
                key,
                value: value.value,
                range,
            })
            .at(value.span),
        );
    };
    let count_key = format!("{stem}_count");
    let percentage_key = format!("{stem}_percentage");
    let count = count.as_ref().and_then(|c| {
        if c.value < count_min || c.value > i64::from(i32::MAX) {
            out_of_range(c, count_key.clone(), format!("{count_min}..={}", i32::MAX));
            return None;
        }
        i32::try_from(c.value).ok()
    });
    let percent = percentage.as_ref().and_then(|p| {
        if !(percentage_min..=100).contains(&p.value) {
            out_of_range(p, percentage_key.clone(), format!("{percentage_min}..=100"));
            return None;
        }
        i32::try_from(p.value).ok()
    });
    match (count, percent) {
        (Some(_), Some(_)) => {
            let at = percentage.as_ref().map_or(section, |p| p.span);
            d.push(Diagnostic::of(&StackSetsMessage::CountAndPercentage { stem }).at(at));
            None
        }
        (Some(n), None) => Some(Amount::Count(n)),
        (None, Some(n)) => Some(Amount::Percentage(n)),
        (None, None) => None,
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: lower-case words and a number.
pub fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
}
