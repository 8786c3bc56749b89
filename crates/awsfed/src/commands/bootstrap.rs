use std::collections::BTreeSet;
use std::process::ExitCode;

use awsfed_compile::DesiredState;
use awsfed_model::Model;
use awsfed_plan::Plan;
use awsfed_plan::migration::{StageTarget, join_new_account};
use awsfed_snapshot::Snapshot;

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::commands::deploy_stacksets;
use crate::commands::migrate::stage;
use crate::error::CommandError;

/// Provision one account on its own.
///
/// The account gets its SAML provider and roles; the hub accounts get the changes that let their hub
/// roles reach it (their assume policies name exact spoke roles), and an IAM-users hub the
/// changes to its users, groups and group policies (the account's trusts name the users). The account must be in the model,
/// or selected by `--discover-ou`/`--discover-tag`. While accounts of its OU are moving to its
/// topology (`awsfed migrate`), it joins their migration at its stage: after the expand stage it
/// trusts the old and the new path as they do, and the next stages carry it along.
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
        deploy_stacksets::refuse_if_stacksets(
            &fleet,
            &args.reach,
            &deploy_stacksets::model_region(&model),
            deploy_stacksets::DefaultEngine::Bootstrap,
        )
        .await?;
        let desired = deploy::desired_live(&fleet, &model).await?;
        if !desired.accounts.iter().any(|a| a.id == args.account) {
            return Err(CommandError::bad_input(format!(
                "account {} is not in the model",
                args.account
            ))
            .hint("list it under `accounts`, or select it with --discover-ou / --discover-tag"));
        }
        let hubs_and_account = restricted(&desired, |a| a.id == args.account || !a.hubs.is_empty());
        let read = |d: &DesiredState| {
            deploy::read_for_plan(
                &fleet,
                deploy::accounts_of(d),
                &desired.provider_name,
                &model.naming.role_path,
            )
        };
        let mut snapshot = read(&hubs_and_account).await?;
        // The accounts that may be moving: they decide the stage the hub policies are in, and
        // a new account's OU peers decide the stage it joins.
        let moving = crate::commands::bootstrap_reads::may_be_moving(
            &model,
            &desired,
            &snapshot,
            &args.account,
        );
        let others = restricted(&desired, |a| moving.contains(&a.id));
        if !others.accounts.is_empty() {
            snapshot.accounts.extend(read(&others).await?.accounts);
        }
        let mut plan = staged_plan(&model, &desired, &snapshot, &fleet, &args.account)?;
        deploy::check_live_quotas(&fleet, &mut plan, &snapshot, &model).await;
        crate::commands::deploy_identity_center::plan_live(&fleet, &hubs_and_account, &mut plan)
            .await?;
        if cli.output == crate::cli::OutputFormat::Text {
            deploy::show_plan(cli, &plan);
        }
        let members = deploy::members(&fleet).await?;
        crate::commands::apply::apply(
            cli,
            &fleet,
            &plan,
            &snapshot,
            &members,
            Default::default(),
            None,
        )
        .await
    })
}

fn restricted(
    desired: &DesiredState,
    keep: impl Fn(&awsfed_compile::DesiredAccount) -> bool,
) -> DesiredState {
    let mut kept = desired.clone();
    kept.accounts.retain(|a| keep(a));
    kept
}

/// The next stage of any migration under way, the new account joining its OU's, planned for the
/// new account and the hub accounts only (the others are `apply`'s).
fn staged_plan(
    model: &Model,
    desired: &DesiredState,
    snapshot: &Snapshot,
    fleet: &awsfed_aws::Fleet,
    account_id: &str,
) -> Result<Plan, CommandError> {
    let read: BTreeSet<&str> = snapshot.accounts.iter().map(|a| a.id.as_str()).collect();
    let in_reach = restricted(desired, |a| read.contains(a.id.as_str()));
    let mut migration = awsfed_plan::migration::detect(model, &in_reach, snapshot)
        .map_err(stage::migration_error)?;
    let joined = join_new_account(&mut migration, model, account_id);
    let staged = stage::stage_of(
        model,
        desired,
        snapshot,
        &deploy::plan_options(model, fleet.caller()),
        StageTarget::Forward,
        false,
        migration,
    )?;
    stage::refuse_unproven(&staged, StageTarget::Forward)?;
    let mut plan = staged.plan;
    let kept = |id: &str| {
        id == account_id
            || desired
                .accounts
                .iter()
                .any(|a| a.id == id && !a.hubs.is_empty())
    };
    plan.accounts.retain(|a| kept(&a.account_id));
    plan.fingerprints.retain(|id, _| kept(id));
    if joined {
        plan.hints.push(format!(
            "migration: account {account_id} joins the migration of its OU at its stage (`awsfed migrate status`)"
        ));
        plan.hints.sort();
    }
    Ok(plan)
}
