use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use awsfed_plan::Plan;
use awsfed_snapshot::Snapshot;

use crate::cli::{Cli, OutputFormat};
use crate::commands::deploy::{self, ReachArgs};
use crate::commands::deploy_stacksets_file::{self, PlanFile};
use crate::error::CommandError;
use crate::progress::{Reporter, Step};
use awsfed_files::message::{self, Level};

/// Make the accounts match the model.
///
/// Without PLAN it reads every account, plans and applies in one go (running it again after an
/// interruption converges). With PLAN (from `awsfed plan --out`, of either engine: the file
/// records which) it reads the accounts, or the stack sets, again and plans again from the model:
/// the file is applied only when it asks for exactly that plan (a stale or edited plan is refused,
/// naming the first difference). Changes run phase by phase
/// across accounts with bounded concurrency; a failure in one account is reported and the others go
/// on (exit 1). Only roles and policies awsfed owns are written, only in active accounts of the
/// organisation, never the role awsfed runs as nor the bootstrap role.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan written by `awsfed plan --out` (or `awsfed plan --engine stacksets --out`).
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub reach: ReachArgs,
    #[command(flatten)]
    pub engine: crate::commands::deploy_stacksets::EngineArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    // A plan file that cannot be read is bad input, reported before AWS is contacted; it names
    // its engine.
    let plan_file = match args.plan.as_deref() {
        None => None,
        Some(path) => match deploy_stacksets_file::read(path, args.engine.engine)? {
            PlanFile::Default(plan) => Some(*plan),
            PlanFile::StackSets(file) => {
                return crate::commands::deploy_stacksets::run_apply(
                    cli,
                    &args.reach,
                    &args.engine,
                    Some((path, &file)),
                );
            }
        },
    };
    if args.engine.stacksets() {
        return crate::commands::deploy_stacksets::run_apply(cli, &args.reach, &args.engine, None);
    }
    let runtime = deploy::runtime()?;
    runtime.block_on(async {
        let fleet = deploy::fleet(cli, &args.reach, "aws").await?;
        let model = deploy::load_model(cli, &args.reach, Some(&fleet)).await?;
        crate::commands::deploy_stacksets::refuse_if_stacksets(
            &fleet,
            &args.reach,
            &args.engine.region(&model.stack_sets),
            crate::commands::deploy_stacksets::DefaultEngine::Plan,
        )
        .await?;
        let desired = deploy::desired_live(&fleet, &model).await?;
        let members = deploy::members(&fleet).await?;
        let (plan, state, unread) = match (&args.plan, plan_file) {
            (Some(path), Some(file)) => {
                let (plan, state) = deploy::plan_live(&fleet, &model, &desired).await?;
                approve(path, &file, &plan, &state)?;
                (plan, state, BTreeMap::new())
            }
            _ => {
                let (mut state, failed) = deploy::read_some(
                    &fleet,
                    deploy::accounts_of(&desired),
                    &desired.provider_name,
                    &model.naming.role_path,
                )
                .await;
                let read = crate::commands::deploy_identity_center::read_for_stage(
                    &fleet, &model, &desired, &mut state,
                )
                .await?;
                let mut plan = crate::commands::migrate::stage::planned(
                    &model,
                    &desired,
                    &state,
                    &deploy::plan_options(&model, fleet.caller()),
                )?;
                deploy::without_unread(&mut plan, &failed);
                deploy::check_live_quotas(&fleet, &mut plan, &state, &model).await;
                crate::commands::deploy_identity_center::finish_stage(read, &mut plan);
                let unread = failed
                    .into_iter()
                    .map(|(id, e)| (id, format!("could not be read: {e}")))
                    .collect();
                (plan, state, unread)
            }
        };
        apply(cli, &fleet, &plan, &state, &members, unread, None).await
    })
}

/// Refuses a plan file that is not the plan made now: stale (an account changed since) or asking
/// for anything else.
fn approve(path: &Path, file: &Plan, derived: &Plan, state: &Snapshot) -> Result<(), CommandError> {
    let stale: Vec<&String> = file
        .fingerprints
        .iter()
        .filter(|(id, fingerprint)| {
            state.accounts.iter().any(|a| &&a.id == id)
                && &awsfed_plan::fingerprint(state.accounts.iter().find(|a| &&a.id == id))
                    != *fingerprint
        })
        .map(|(id, _)| id)
        .collect();
    if let Some(first) = stale.first() {
        return Err(CommandError::failed(format!(
            "the plan `{}` is stale: {} account(s) changed since it was made (first: {first})",
            path.display(),
            stale.len(),
        ))
        .hint("run `awsfed plan --out FILE` again, review it, and apply the new plan; `awsfed apply` without a plan plans and applies in one go"));
    }
    if let Some(difference) = awsfed_plan::first_difference(derived, file) {
        return Err(CommandError::failed(format!(
            "the plan `{}` is not the plan the model calls for now: {difference}; nothing was changed",
            path.display(),
        ))
        .hint("a plan file is applied only as `awsfed plan --out FILE` wrote it: plan again and apply the new file"));
    }
    Ok(())
}

/// Applies a plan and reports per account; a migration stage's JSON report carries its `proof`
/// (with every path the stage's state gives, so a test can hold them against an oracle).
pub async fn apply(
    cli: &Cli,
    fleet: &std::sync::Arc<awsfed_aws::Fleet>,
    plan: &Plan,
    state: &Snapshot,
    members: &awsfed_aws::Members,
    unread: BTreeMap<String, String>,
    proof: Option<&awsfed_access::migration_proof::StageProof>,
) -> Result<ExitCode, CommandError> {
    let total = plan.change_count();
    if total == 0 && plan.conflict_count() == 0 {
        crate::commands::print_stderr(&format!(
            "No changes: {} accounts match the model.\n",
            plan.fingerprints.len()
        ));
    }
    let reporter = Reporter::new(plan.accounts.len(), Step::Apply);
    let mut report = fleet.apply(plan, state, members, reporter.progress()).await;
    reporter.finish();
    report.failed.extend(unread);
    if let Some(identity_center) = &plan.identity_center {
        let (applied, failed) =
            crate::commands::deploy_identity_center::apply(fleet, identity_center).await?;
        report.changes_applied += applied;
        if !failed.is_empty() {
            report
                .failed
                .insert(identity_center.instance_arn.clone(), failed.join("; "));
        }
    }
    match cli.output {
        OutputFormat::Json => {
            let mut json = serde_json::json!({
                "changes_planned": total,
                "changes_applied": report.changes_applied,
                "failed_accounts": report.failed,
            });
            if let Some(proof) = proof {
                json["proof"] = serde_json::to_value(proof).expect("a proof is JSON");
            }
            crate::commands::print_stdout(&crate::commands::to_json(&json))
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
        message::print(Level::Hint, format_args!("{hint}"));
    }
    if report.failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut message = format!("{} account(s) failed:\n", report.failed.len());
    for (account, error) in &report.failed {
        message.push_str(&format!("  {account}: {error}\n"));
    }
    Err(CommandError::failed(message)
        .hint("the other accounts were applied; fix the cause and run `awsfed apply` again (it only does what is left)"))
}
