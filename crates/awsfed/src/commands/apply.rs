use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_plan::Plan;

use crate::cli::{Cli, OutputFormat};
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;
use crate::progress::{Reporter, Step};

/// Make the accounts match the model.
///
/// Without PLAN it reads every account, plans and applies in one
/// go (running it again after an interruption converges). With PLAN (from `awsfed plan --out`) it
/// first re-reads the accounts and refuses the plan if any changed since it was made. Changes run
/// phase by phase across accounts with bounded concurrency; a failure in one account is reported and
/// the others go on (exit 1). The role awsfed runs as is never deleted.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan written by `awsfed plan --out`.
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub reach: ReachArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let runtime = deploy::runtime()?;
    runtime.block_on(async {
        let fleet = deploy::fleet(cli, &args.reach, "aws").await?;
        // Accounts that could not be read are reported as failed; the others go on.
        let mut unread = std::collections::BTreeMap::new();
        let plan = match &args.plan {
            Some(path) => {
                let plan = read_plan(path)?;
                let accounts: Vec<(String, Option<String>)> =
                    plan.fingerprints.keys().map(|id| (id.clone(), None)).collect();
                let snapshot =
                    deploy::read_for_plan(&fleet, accounts, &plan.provider_name, &plan.role_path)
                        .await?;
                let stale: Vec<&String> = plan
                    .fingerprints
                    .iter()
                    .filter(|(id, fingerprint)| {
                        let now = awsfed_plan::fingerprint(
                            snapshot.accounts.iter().find(|a| &a.id == *id),
                        );
                        &now != *fingerprint
                    })
                    .map(|(id, _)| id)
                    .collect();
                if !stale.is_empty() {
                    return Err(CommandError::failed(format!(
                        "error: the plan `{}` is stale: {} account(s) changed since it was made (first: {})",
                        path.display(),
                        stale.len(),
                        stale[0]
                    ))
                    .hint("run `awsfed plan --out FILE` again, review it, and apply the new plan; `awsfed apply` without a plan plans and applies in one go"));
                }
                plan
            }
            None => {
                let model = deploy::load_model(cli, &args.reach, Some(&fleet)).await?;
                let desired = deploy::desired(&model)?;
                let (snapshot, failed) = deploy::read_some(
                    &fleet,
                    deploy::accounts_of(&desired),
                    &desired.provider_name,
                    &model.naming.role_path,
                )
                .await;
                let mut plan = awsfed_plan::plan(
                    &desired,
                    &snapshot,
                    &deploy::plan_options(&model, fleet.caller()),
                );
                deploy::without_unread(&mut plan, &failed);
                deploy::check_live_quotas(&fleet, &mut plan, &snapshot, &model).await;
                unread = failed
                    .into_iter()
                    .map(|(id, e)| (id, format!("could not be read: {e}")))
                    .collect();
                plan
            }
        };
        apply(cli, &fleet, &plan, unread).await
    })
}

/// Applies a plan and reports per account.
pub async fn apply(
    cli: &Cli,
    fleet: &std::sync::Arc<awsfed_aws::Fleet>,
    plan: &Plan,
    unread: std::collections::BTreeMap<String, String>,
) -> Result<ExitCode, CommandError> {
    let total = plan.change_count();
    if total == 0 && plan.conflict_count() == 0 {
        crate::commands::print_stderr(&format!(
            "No changes: {} accounts match the model.\n",
            plan.fingerprints.len()
        ));
    }
    let reporter = Reporter::new(plan.accounts.len(), Step::Apply);
    let mut report = fleet.apply(plan, reporter.progress()).await;
    reporter.finish();
    report.failed.extend(unread);
    match cli.output {
        OutputFormat::Json => {
            crate::commands::print_stdout(&crate::commands::to_json(&serde_json::json!({
                "changes_planned": total,
                "changes_applied": report.changes_applied,
                "failed_accounts": report.failed,
            })))
        }
        OutputFormat::Text => {
            if total > 0 {
                crate::commands::print_stderr(&format!(
                    "Applied {} of {total} changes in {} accounts.\n",
                    report.changes_applied,
                    plan.accounts.len()
                ));
            }
        }
    }
    for hint in &plan.hints {
        crate::commands::print_stderr(&format!("hint: {hint}\n"));
    }
    if report.failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut message = format!("error: {} account(s) failed:\n", report.failed.len());
    for (account, error) in &report.failed {
        message.push_str(&format!("  {account}: {error}\n"));
    }
    Err(CommandError::failed(message)
        .hint("the other accounts were applied; fix the cause and run `awsfed apply` again (it only does what is left)"))
}

fn read_plan(path: &std::path::Path) -> Result<Plan, CommandError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommandError::bad_input(format!("error: cannot read plan `{}`: {e}", path.display()))
    })?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        CommandError::bad_input(format!(
            "error: `{}` is not an awsfed plan: {e}",
            path.display()
        ))
        .hint("write one with `awsfed plan --out FILE`")
    })?;
    if plan.format != awsfed_plan::PLAN_FORMAT {
        return Err(CommandError::bad_input(format!(
            "error: plan format {} is not supported (this awsfed writes {})",
            plan.format,
            awsfed_plan::PLAN_FORMAT
        )));
    }
    Ok(plan)
}
