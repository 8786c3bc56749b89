use std::process::ExitCode;

use awsfed_plan::migration::{MigrationStage, StageTarget};

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;

/// Record that the IdP now sends the new Role values (the switch stage).
///
/// awsfed cannot see the IdP: this is your word that the Role values, Okta groups or Entra app
/// roles `awsfed migrate plan` printed are in place. It tags the migrating accounts' roles with the
/// switch stage (nothing else changes), after proving that the new values reach every granted
/// target. The next `awsfed migrate next` (or `awsfed apply`) removes the old path.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub reach: ReachArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    deploy::runtime()?.block_on(super::apply_stage(
        cli,
        &args.reach,
        StageTarget::ConfirmSwitch,
        false,
        |staged| match staged.migration.stage() {
            Some(MigrationStage::Expanded | MigrationStage::Switched) => Ok(()),
            _ => Err(CommandError::failed(
                "the expand stage is not applied yet, so the new path does not work everywhere",
            )
            .hint("run `awsfed migrate next` first, then switch the IdP, then confirm")),
        },
    ))
}
