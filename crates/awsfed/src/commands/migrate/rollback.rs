use std::process::ExitCode;

use awsfed_plan::migration::{MigrationStage, StageTarget};

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;

/// Return the migrating accounts to the topology they had, from any stage before contract.
///
/// Trusts, providers, hub policies and tags go back to what the old topology deploys. After the
/// switch the IdP sends the new Role values, which the old state does not accept: put the old ones
/// back first (the delta is printed), then run again with `--idp-reverted`. Change the model back
/// afterwards, or the next plan starts the migration again.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The IdP sends the old Role values again (needed after the switch was confirmed).
    #[arg(long)]
    pub idp_reverted: bool,
    #[command(flatten)]
    pub reach: ReachArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    deploy::runtime()?.block_on(super::apply_stage(
        cli,
        &args.reach,
        StageTarget::Rollback,
        args.idp_reverted,
        |staged| {
            if staged.migration.stage() == Some(MigrationStage::Switched)
                && !args.idp_reverted
                && let Some(states) = &staged.states
            {
                let delta = awsfed_export::idp_delta(
                    &states.new,
                    &states.old,
                    awsfed_export::RoleValueOrder::RoleFirst,
                );
                crate::commands::print_stderr(&format!(
                    "The IdP switch was confirmed: put the old Role values back first.\n{}{}",
                    super::render::delta_text(&delta),
                    super::portal::portal_text(&super::portal::portal_delta(
                        &states.new,
                        &states.old
                    ))
                ));
            }
            Ok(())
        },
    ))
}
