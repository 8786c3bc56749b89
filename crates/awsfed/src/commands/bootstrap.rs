use std::process::ExitCode;

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;

/// Provision one account on its own.
///
/// The account gets its SAML provider and roles; the hub accounts get the changes that let their hub
/// roles reach it (their assume policies name exact spoke roles). The account must be in the model,
/// or selected by `--discover-ou`/`--discover-tag`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The 12-digit account id.
    #[arg(long, value_name = "ID")]
    pub account: String,
    #[command(flatten)]
    pub reach: ReachArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let runtime = deploy::runtime()?;
    runtime.block_on(async {
        let fleet = deploy::fleet(cli, &args.reach, "aws").await?;
        let model = deploy::load_model(cli, &args.reach, Some(&fleet)).await?;
        let mut desired = deploy::desired(&model)?;
        if !desired.accounts.iter().any(|a| a.id == args.account) {
            return Err(CommandError::bad_input(format!(
                "error: account {} is not in the model",
                args.account
            ))
            .hint("list it under `accounts`, or select it with --discover-ou / --discover-tag"));
        }
        desired
            .accounts
            .retain(|a| a.id == args.account || !a.hubs.is_empty());
        let (plan, snapshot) = deploy::plan_live(&fleet, &model, &desired).await?;
        if cli.output == crate::cli::OutputFormat::Text {
            deploy::show_plan(cli, &plan);
        }
        let members = deploy::members(&fleet).await?;
        crate::commands::apply::apply(cli, &fleet, &plan, &snapshot, &members, Default::default())
            .await
    })
}
