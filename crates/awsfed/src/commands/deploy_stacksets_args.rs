//! The engine flags of `plan` and `apply`, and the StackSets engine's settings: flags override the
//! model's `stack_sets` section, which overrides CloudFormation's defaults.

use awsfed_model::{Amount, StackSetSettings, is_region};
use awsfed_plan::stacksets::Preferences;

use crate::error::CommandError;

pub use awsfed_model::DEFAULT_STACK_SET_REGION as DEFAULT_REGION;

/// Which engine carries a plan out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineKind {
    /// awsfed's own executor, account by account through the bootstrap role.
    Awsfed,
    /// CloudFormation StackSets (service-managed, from the management account or a delegated
    /// administrator).
    Stacksets,
}

/// The engine and the StackSets engine's settings (shared by plan and apply).
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// What deploys the model: `awsfed` (account by account; the default) or `stacksets`
    /// (CloudFormation StackSets: one stack set per role class with automatic deployment to the
    /// OUs it targets; plain stacks for the hub accounts and the management account). `apply
    /// PLAN` takes the engine the plan file records.
    #[arg(long, value_enum)]
    pub engine: Option<EngineKind>,
    /// [stacksets] The region of the stack sets and of every stack instance (IAM is global, so
    /// one region only). Default: the model's `stack_sets.region`, else us-east-1.
    #[arg(long, value_name = "REGION")]
    pub stackset_region: Option<String>,
    /// [stacksets] Accounts an operation deploys to at once: a count (`10`) or a percentage of the
    /// targeted accounts (`25%`). Overrides the model's `stack_sets.max_concurrent_*`.
    #[arg(long, value_name = "N|P%")]
    pub max_concurrent: Option<String>,
    /// [stacksets] Accounts an operation may fail in before CloudFormation stops it: a count or a
    /// percentage. Overrides the model's `stack_sets.failure_tolerance_*`.
    #[arg(long, value_name = "N|P%")]
    pub failure_tolerance: Option<String>,
    /// [stacksets] The order regions are deployed in (comma-separated); it may name only the
    /// stack sets' region, since IAM is global. Overrides the model's `stack_sets.region_order`.
    #[arg(long, value_name = "REGION,…", value_delimiter = ',')]
    pub region_order: Vec<String>,
    /// [stacksets] Seconds between two polls of a running operation.
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub poll_interval: u64,
}

impl EngineArgs {
    pub fn stacksets(&self) -> bool {
        self.engine == Some(EngineKind::Stacksets)
    }

    /// The flags alone, checked before AWS is contacted.
    pub fn check_flags(&self) -> Result<(), CommandError> {
        for region in self.stackset_region.iter().chain(&self.region_order) {
            if !is_region(region) {
                return Err(CommandError::bad_input(format!(
                    "`{region}` is not an AWS region name"
                ))
                .hint("write a region such as `us-east-1` or `eu-west-1`"));
            }
        }
        amount("--max-concurrent", self.max_concurrent.as_deref(), 1)?;
        amount("--failure-tolerance", self.failure_tolerance.as_deref(), 0)?;
        Ok(())
    }

    /// The stack sets' region: the flag, else the model's, else us-east-1.
    pub fn region(&self, model: &StackSetSettings) -> String {
        self.stackset_region
            .clone()
            .or_else(|| model.region.clone())
            .unwrap_or_else(|| DEFAULT_REGION.to_owned())
    }

    /// The operation preferences: each flag given overrides the model's setting. A region order
    /// naming a second region is refused.
    pub fn preferences(&self, model: &StackSetSettings) -> Result<Preferences, CommandError> {
        self.check_flags()?;
        let region = self.region(model);
        let region_order = if self.region_order.is_empty() {
            model.region_order.clone()
        } else {
            self.region_order.clone()
        };
        if let Some(other) = region_order.iter().find(|r| **r != region) {
            return Err(CommandError::bad_input(format!(
                "the region order names {other}, but awsfed deploys stack instances to {region} only: IAM is global, and a second region would create the same roles again"
            ))
            .hint("leave out --region-order (and the model's `stack_sets.region_order`), or name only the stack sets' region (--stackset-region or `stack_sets.region`)"));
        }
        Ok(Preferences {
            region,
            max_concurrent: amount("--max-concurrent", self.max_concurrent.as_deref(), 1)?
                .or(model.max_concurrent),
            failure_tolerance: amount("--failure-tolerance", self.failure_tolerance.as_deref(), 0)?
                .or(model.failure_tolerance),
            region_order,
        })
    }
}

/// `10` or `25%` (a percentage from `min` to 100).
fn amount(flag: &str, text: Option<&str>, min: i32) -> Result<Option<Amount>, CommandError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let bad = || {
        CommandError::bad_input(format!(
            "{flag} `{text}` is neither a count nor a percentage"
        ))
        .hint(format!(
            "write a whole number (`10`) or a percentage from {min}% to 100% (`25%`)"
        ))
    };
    match text.strip_suffix('%') {
        Some(percent) => {
            let value: i32 = percent.trim().parse().map_err(|_| bad())?;
            if !(min..=100).contains(&value) {
                return Err(bad());
            }
            Ok(Some(Amount::Percentage(value)))
        }
        None => {
            let value: i32 = text.trim().parse().map_err(|_| bad())?;
            if value < min {
                return Err(bad());
            }
            Ok(Some(Amount::Count(value)))
        }
    }
}
