use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::commands::deploy_stacksets::{self, EngineArgs};
use crate::error::CommandError;

/// Show the ordered changes that would make the accounts match the model.
///
/// Order: SAML providers, hub roles, spoke and direct roles, hub assume policies, updates,
/// deletions last.
/// Reads every account of the model live (assuming the bootstrap role), or a snapshot folder
/// written by `awsfed scan` with `--snapshot`. Only roles and policies under the model's path that
/// carry the awsfed:managed tag are ever changed or deleted. Exit 0 (1 with conflicts; with
/// `--detailed-exitcode`, 2 when changes are pending).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the plan here for `awsfed apply PLAN` (either engine; the file records which).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when the plan has changes (0 when there are none).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan against a snapshot folder from `awsfed scan` instead of reading AWS.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub reach: ReachArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    if args.engine.stacksets() {
        if args.snapshot.is_some() {
            return Err(CommandError::bad_input(
                "--engine stacksets plans live only: --snapshot belongs to the default engine",
            )
            .hint("run `awsfed plan --engine stacksets --out FILE`, review it, then `awsfed apply FILE` (which plans again and applies only that plan)"));
        }
        return deploy_stacksets::run_plan(
            cli,
            &args.reach,
            &args.engine,
            args.detailed_exitcode,
            args.out.as_deref(),
        );
    }
    let runtime = deploy::runtime()?;
    let plan = runtime.block_on(async {
        if let Some(folder) = &args.snapshot {
            let model = deploy::load_model(cli, &args.reach, None).await?;
            let snapshot = crate::commands::access::read_snapshot(folder)?;
            let desired = deploy::desired_from_snapshot(&model, &snapshot)?;
            let caller = awsfed_aws::Caller {
                account_id: String::new(),
                arn: String::new(),
            };
            let mut plan = crate::commands::migrate::stage::planned(
                &model,
                &desired,
                &snapshot,
                &deploy::plan_options(&model, &caller),
            )?;
            let accounts: Vec<String> =
                plan.accounts.iter().map(|a| a.account_id.clone()).collect();
            deploy::check_model_quotas(&mut plan, &snapshot, &model, &accounts);
            crate::commands::deploy_identity_center::plan_offline(&desired, &snapshot, &mut plan)?;
            return Ok::<_, CommandError>(plan);
        }
        let fleet = deploy::fleet(cli, &args.reach, "aws").await?;
        let model = deploy::load_model(cli, &args.reach, Some(&fleet)).await?;
        deploy_stacksets::refuse_if_stacksets(
            &fleet,
            &args.reach,
            &args.engine.region(&model.stack_sets),
            deploy_stacksets::DefaultEngine::Plan,
        )
        .await?;
        let desired = deploy::desired_live(&fleet, &model).await?;
        let (plan, _) = deploy::plan_live(&fleet, &model, &desired).await?;
        Ok(plan)
    })?;
    if let Some(out) = &args.out {
        write_plan(out, &plan)?;
    }
    deploy::show_plan(cli, &plan);
    Ok(if plan.conflict_count() > 0 {
        ExitCode::from(1)
    } else if args.detailed_exitcode && !plan.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes a plan file (either engine's) atomically: a failure (a full disk) leaves the old file
/// and no temporary.
pub fn write_plan<T: serde::Serialize>(
    out: &std::path::Path,
    plan: &T,
) -> Result<(), CommandError> {
    crate::write::write_file(out, &crate::commands::to_json(plan))
}
