use std::process::ExitCode;

use awsfed_plan::migration::{MigrationCost, MigrationStage, StageTarget, migration_cost};
use serde::Serialize;

use crate::cli::{Cli, OutputFormat};
use crate::commands::deploy;
use crate::error::CommandError;

use super::stage::{Staged, stage, stage_name};

/// Show the migration the model asks for: its accounts, stages, cost, IdP delta and proof.
///
/// Lists each moving account with its stage; what each stage costs (IAM changes, IdP changes) and
/// the switch window the 1-hour role-chaining cap implies (out of Identity Center, the permission
/// sets' session duration; out of direct, the roles' maximum session duration); the exact IdP
/// delta of the switch (Role values, Okta groups, Entra app roles, as `export idp` writes them);
/// and the next stage's plan with its proof. Exit 0 (1 when the next stage's proof fails).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: super::SourceArgs,
}

/// What `migrate plan` prints.
#[derive(Debug, Serialize)]
pub struct MigrationPlan<'a> {
    pub stage: Option<MigrationStage>,
    pub next_stage: &'static str,
    pub accounts: &'a [awsfed_plan::migration::AccountMigration],
    pub cost: MigrationCost,
    pub switch_delta: awsfed_export::IdpDelta,
    /// Assignments that carry the access through the access portal, or stop carrying it.
    #[serde(skip_serializing_if = "super::portal::PortalDelta::is_empty")]
    pub access_portal: super::portal::PortalDelta,
    pub next_plan: &'a awsfed_plan::Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<&'a awsfed_access::migration_proof::StageProof>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let loaded = deploy::runtime()?.block_on(super::load(cli, &args.source))?;
    let staged = stage(
        &loaded.model,
        &loaded.desired,
        &loaded.state,
        &loaded.options,
        StageTarget::Forward,
        false,
    )?;
    let Some(states) = &staged.states else {
        crate::commands::print_stdout(&match cli.output {
            OutputFormat::Json => crate::commands::to_json(&serde_json::json!({ "accounts": [] })),
            OutputFormat::Text => {
                "No migration: every account is deployed in the model's topology.\n".to_owned()
            }
        });
        return Ok(ExitCode::SUCCESS);
    };
    let delta = awsfed_export::idp_delta(
        &states.old,
        &states.new,
        awsfed_export::RoleValueOrder::RoleFirst,
    );
    let view = MigrationPlan {
        stage: staged.migration.stage(),
        next_stage: next_stage(&staged),
        accounts: &staged.migration.accounts,
        cost: cost(&loaded, &delta)?,
        switch_delta: delta,
        access_portal: super::portal::portal_delta(&states.old, &states.new),
        next_plan: &staged.plan,
        proof: staged.proof.as_ref(),
    };
    crate::commands::print_stdout(&match cli.output {
        OutputFormat::Json => crate::commands::to_json(&view),
        OutputFormat::Text => super::render::plan_text(&view),
    });
    Ok(
        if staged.proof.as_ref().is_some_and(|p| !p.holds()) && !staged.plan.is_empty() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

fn next_stage(staged: &Staged) -> &'static str {
    if staged.migration.stage() == Some(MigrationStage::Expanded) && staged.plan.is_empty() {
        "switch"
    } else {
        stage_name(&staged.migration, StageTarget::Forward)
    }
}

/// Changes per stage, each planned by the planner `apply` uses.
fn cost(
    loaded: &super::Loaded,
    delta: &awsfed_export::IdpDelta,
) -> Result<MigrationCost, CommandError> {
    migration_cost(
        &loaded.model,
        &loaded.desired,
        &loaded.state,
        &loaded.options,
        delta.change_count(),
    )
    .map_err(super::stage::migration_error)
}
