//! `awsfed migrate`: moving accounts between topologies in stages (expand, switch, contract), each
//! an ordinary plan proved before it is applied. The stages themselves are in
//! `awsfed_plan::migration`, the proof in `awsfed_access::migration_proof`.

pub mod confirm_switch;
pub mod next;
pub mod plan;
pub mod portal;
pub mod render;
pub mod rollback;
pub mod stage;
pub mod status;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use awsfed_aws::Fleet;
use awsfed_compile::DesiredState;
use awsfed_model::Model;
use awsfed_plan::PlanOptions;
use awsfed_plan::migration::StageTarget;
use awsfed_snapshot::Snapshot;

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;

/// Move accounts between topologies without anyone losing or gaining access.
///
/// When an account's `topology:` in the model differs from what is deployed, `plan` and `apply`
/// never swap its trust: they carry out a migration in stages. *expand*: the account's roles trust
/// the old and the new path side by side, its SAML provider is created, the hub policies keep
/// granting it. *switch*: the IdP changes its Role values (`migrate plan` prints the delta as
/// `export idp` writes it); you confirm with `migrate confirm-switch`. *contract*: the old path
/// goes. Into Identity Center, *expand* creates the permission sets and assignments while the
/// account's roles stay, *switch* moves users to the access portal (`migrate plan` lists the
/// assignments that then carry the access), *contract* deletes the roles and the hub grants; out of
/// it, the reverse (a permission set goes once no account uses it). The stage is recorded in the
/// tag awsfed:migration on the account's roles, so any machine can continue. Before each stage,
/// awsfed computes every directory group's access before, during and after it (Identity Center's
/// assignments included) and refuses (exit 1, listing the paths) a stage that would remove an
/// intended path or add one that is in neither the old nor the new model.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: MigrateCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum MigrateCommand {
    Plan(plan::Args),
    Status(status::Args),
    #[command(alias = "apply")]
    Next(next::Args),
    ConfirmSwitch(confirm_switch::Args),
    Rollback(rollback::Args),
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    match &args.command {
        MigrateCommand::Plan(args) => plan::run(cli, args),
        MigrateCommand::Status(args) => status::run(cli, args),
        MigrateCommand::Next(args) => next::run(cli, args),
        MigrateCommand::ConfirmSwitch(args) => confirm_switch::run(cli, args),
        MigrateCommand::Rollback(args) => rollback::run(cli, args),
    }
}

/// Where `migrate plan` and `migrate status` read the accounts.
#[derive(Debug, clap::Args)]
pub struct SourceArgs {
    /// Read a snapshot folder from `awsfed scan` instead of AWS.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub reach: ReachArgs,
}

/// The model, its compiled state and the accounts as they are.
pub struct Loaded {
    pub fleet: Option<Arc<Fleet>>,
    pub model: Model,
    pub desired: DesiredState,
    pub state: Snapshot,
    pub options: PlanOptions,
    /// What was read of the Identity Center instance (live only; a scan holds it in `state`).
    pub identity_center: Option<crate::commands::deploy_identity_center::StageRead>,
}

/// Reads the accounts live, or from a snapshot folder written by `awsfed scan`.
pub async fn load(cli: &Cli, source: &SourceArgs) -> Result<Loaded, CommandError> {
    let reach = &source.reach;
    if let Some(folder) = &source.snapshot {
        let model = deploy::load_model(cli, reach, None).await?;
        deploy::refuse_iam_users(&model, deploy::UsersRefusal::Migrate)?;
        let desired = deploy::desired(&model)?;
        let state = crate::commands::access::read_snapshot(folder)?;
        let caller = awsfed_aws::Caller {
            account_id: String::new(),
            arn: String::new(),
        };
        let options = deploy::plan_options(&model, &caller);
        return Ok(Loaded {
            fleet: None,
            model,
            desired,
            state,
            options,
            identity_center: None,
        });
    }
    let fleet = deploy::fleet(cli, reach, "aws").await?;
    let model = deploy::load_model(cli, reach, Some(&fleet)).await?;
    crate::commands::deploy_stacksets::refuse_if_stacksets(
        &fleet,
        reach,
        &crate::commands::deploy_stacksets::model_region(&model),
        crate::commands::deploy_stacksets::DefaultEngine::Migrate,
    )
    .await?;
    deploy::refuse_iam_users(&model, deploy::UsersRefusal::Migrate)?;
    let desired = deploy::desired_live(&fleet, &model).await?;
    let mut state = deploy::read_for_plan(
        &fleet,
        deploy::accounts_of(&desired),
        &desired.provider_name,
        &model.naming.role_path,
    )
    .await?;
    let identity_center = crate::commands::deploy_identity_center::read_for_stage(
        &fleet, &model, &desired, &mut state,
    )
    .await?;
    let options = deploy::plan_options(&model, fleet.caller());
    Ok(Loaded {
        fleet: Some(fleet),
        model,
        desired,
        state,
        options,
        identity_center,
    })
}

/// Plans the stage, proves it, and applies it with the ordinary engine.
pub async fn apply_stage(
    cli: &Cli,
    reach: &ReachArgs,
    target: StageTarget,
    idp_reverted: bool,
    precondition: impl FnOnce(&stage::Staged) -> Result<(), CommandError>,
) -> Result<ExitCode, CommandError> {
    let source = SourceArgs {
        snapshot: None,
        reach: reach.clone(),
    };
    let loaded = load(cli, &source).await?;
    let fleet = loaded.fleet.clone().expect("loaded live");
    let mut staged = stage::stage(
        &loaded.model,
        &loaded.desired,
        &loaded.state,
        &loaded.options,
        target,
        idp_reverted,
    )?;
    if staged.migration.is_empty() {
        return Err(CommandError::failed(
            "no account is moving between topologies: the deployed topology of every account is the model's",
        )
        .hint("change an account's `topology:` in the model to start a migration"));
    }
    precondition(&staged)?;
    stage::refuse_unproven(&staged, target)?;
    crate::commands::deploy_identity_center::finish_stage(loaded.identity_center, &mut staged.plan);
    if let Some(proof) = &staged.proof {
        crate::commands::print_stderr(&render::proof_text(
            stage::stage_name(&staged.migration, target),
            proof,
        ));
    }
    deploy::check_live_quotas(&fleet, &mut staged.plan, &loaded.state, &loaded.model).await;
    let members = deploy::members(&fleet).await?;
    crate::commands::apply::apply(
        cli,
        &fleet,
        &staged.plan,
        &loaded.state,
        &members,
        BTreeMap::new(),
        staged.proof.as_ref(),
    )
    .await
}
