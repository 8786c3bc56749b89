//! Planning a migration stage and proving it: shared by `plan`, `apply` and every `migrate`
//! subcommand, so a stage is the same ordinary plan whichever command makes it.

use awsfed_access::migration_proof::{ProofInput, StageProof, prove_stage};
use awsfed_compile::DesiredState;
use awsfed_model::Model;
use awsfed_plan::migration::{
    Migration, MigrationStage, StageStates, StageTarget, stage_identity_center_plan,
};
use awsfed_plan::{Plan, PlanOptions};
use awsfed_snapshot::Snapshot;

use crate::error::CommandError;

/// A stage's plan, with what it was made from.
#[derive(Debug)]
pub struct Staged {
    pub migration: Migration,
    /// `None` when no account moves.
    pub states: Option<StageStates>,
    pub plan: Plan,
    pub proof: Option<StageProof>,
}

/// The name of the stage a plan carries out.
pub fn stage_name(migration: &Migration, target: StageTarget) -> &'static str {
    match target {
        StageTarget::Rollback => "rollback",
        StageTarget::ConfirmSwitch => "switch",
        StageTarget::Forward => match migration.stage() {
            Some(MigrationStage::Switched) => "contract",
            _ => "expand",
        },
    }
}

/// Detects the migration `actual` and the model imply and plans the stage `target` asks for,
/// proving it when `prove` is set.
pub fn stage(
    model: &Model,
    desired: &DesiredState,
    actual: &Snapshot,
    options: &PlanOptions,
    target: StageTarget,
    idp_reverted: bool,
) -> Result<Staged, CommandError> {
    let migration =
        awsfed_plan::migration::detect(model, desired, actual).map_err(migration_error)?;
    stage_of(
        model,
        desired,
        actual,
        options,
        target,
        idp_reverted,
        migration,
    )
}

/// [`stage`] for a migration already detected (`bootstrap` adds a new account to it).
pub fn stage_of(
    model: &Model,
    desired: &DesiredState,
    actual: &Snapshot,
    options: &PlanOptions,
    target: StageTarget,
    idp_reverted: bool,
    migration: Migration,
) -> Result<Staged, CommandError> {
    if migration.is_empty() {
        let mut plan = awsfed_plan::plan(desired, actual, options);
        plan.identity_center = stage_identity_center_plan(desired, actual);
        return Ok(Staged {
            plan,
            migration,
            states: None,
            proof: None,
        });
    }
    let states = awsfed_plan::migration::stage_states(model, desired, &migration, target)
        .map_err(migration_error)?;
    let mut plan = awsfed_plan::plan(&states.target, actual, options);
    // The instance as read (`deploy_identity_center::read_for_stage`, or a scan's
    // identity-center.json) planned to the stage's permission sets and assignments.
    plan.identity_center = stage_identity_center_plan(&states.target, actual);
    plan.hints.push(hint(&migration, target, plan.is_empty()));
    plan.hints.sort();
    let proof = model.identity_provider.as_ref().map(|idp| {
        prove_stage(
            &states,
            &migration,
            target,
            &ProofInput {
                idp,
                organization_id: model.organization_id.clone(),
                idp_reverted,
            },
        )
    });
    Ok(Staged {
        migration,
        states: Some(states),
        plan,
        proof,
    })
}

/// The ordinary `plan`/`apply`: the next stage of any migration the model asks for, refused when
/// its proof fails.
pub fn planned(
    model: &Model,
    desired: &DesiredState,
    actual: &Snapshot,
    options: &PlanOptions,
) -> Result<Plan, CommandError> {
    let staged = stage(model, desired, actual, options, StageTarget::Forward, false)?;
    refuse_unproven(&staged, StageTarget::Forward)?;
    Ok(staged.plan)
}

pub fn migration_error(e: awsfed_plan::migration::MigrationError) -> CommandError {
    CommandError::failed(e.to_string()).hint(e.hint())
}

/// Exit 1, listing the paths, when the stage would take access away or give access neither model
/// intends.
pub fn refuse_unproven(staged: &Staged, target: StageTarget) -> Result<(), CommandError> {
    let Some(proof) = &staged.proof else {
        return Ok(());
    };
    if proof.holds() || staged.plan.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "the {} stage would change access beyond the migration; nothing was changed:\n",
        stage_name(&staged.migration, target)
    );
    for check in &proof.checks {
        for key in &check.missing {
            message.push_str(&format!(
                "  {}: loses {}\n",
                check.idp.label(),
                path_text(key)
            ));
        }
        for key in &check.unintended {
            message.push_str(&format!(
                "  {}: gains {} (in neither the old nor the new model)\n",
                check.idp.label(),
                path_text(key)
            ));
        }
    }
    let hint = if target == StageTarget::Rollback {
        "the IdP sends the new Role values: put the old ones back (`awsfed migrate rollback` prints them), then run `awsfed migrate rollback --idp-reverted`"
    } else {
        "`awsfed migrate plan` shows the stages and the proof; fix the model or the deployed state and plan again"
    };
    Err(CommandError::failed(message).hint(hint))
}

/// `GROUP → ROLE-ARN (via ENTRY-ROLE)`.
pub fn path_text(key: &awsfed_access::PathKey) -> String {
    match &key.via {
        Some(via) => format!("{} → {} via {via}", key.group, key.role_arn),
        None => format!("{} → {}", key.group, key.role_arn),
    }
}

fn hint(migration: &Migration, target: StageTarget, converged: bool) -> String {
    let count = migration.accounts.len();
    let accounts = format!("{count} account{}", if count == 1 { "" } else { "s" });
    match (target, migration.stage(), converged) {
        (StageTarget::Rollback, ..) => format!(
            "migration rollback: {accounts} go back to the topology they had; the model still moves them, so change it back or the next plan starts the migration again"
        ),
        (StageTarget::ConfirmSwitch, ..) => format!(
            "migration switch: {accounts} record that the IdP sends the new Role values; the next plan is the contract stage"
        ),
        (_, Some(MigrationStage::Switched), _) => format!(
            "migration contract: {accounts} lose the old path (the IdP switch was confirmed)"
        ),
        (_, _, true) => format!(
            "migration: the expand stage is applied in {accounts}; switch the IdP to the new Role values (`awsfed migrate plan` prints them), then run `awsfed migrate confirm-switch`"
        ),
        _ => format!(
            "migration expand: {accounts} move between topologies, so this plan trusts the old and the new path side by side instead of swapping them (`awsfed migrate status`)"
        ),
    }
}
