use std::process::ExitCode;

use awsfed_plan::migration::{MigrationStage, StageTarget};

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;

/// Apply the next stage of the migration (expand, or contract once the switch is confirmed).
///
/// The stage is an ordinary plan applied by the ordinary engine: idempotent, so running it again
/// after an interruption finishes it. Refused (exit 1, listing the paths) when its proof fails, and
/// while the migration waits for the IdP switch.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub reach: ReachArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    deploy::runtime()?.block_on(super::apply_stage(
        cli,
        &args.reach,
        StageTarget::Forward,
        false,
        |staged| {
            if staged.migration.stage() == Some(MigrationStage::Expanded) && staged.plan.is_empty() {
                return Err(CommandError::failed(
                    "the expand stage is applied; the migration waits for the IdP switch",
                )
                .hint("change the IdP as `awsfed migrate plan` prints, then run `awsfed migrate confirm-switch`; the next stage then removes the old path"));
            }
            Ok(())
        },
    ))
}
