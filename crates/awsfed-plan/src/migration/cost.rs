//! What each stage of a migration costs: every stage planned in turn with the planner `apply`
//! uses, each against the state the stage before leaves ([`crate::after_apply`]), so a stage's
//! figure is the number of changes `apply` makes in it.

use awsfed_compile::DesiredState;
use awsfed_model::Model;
use awsfed_snapshot::{DirectoryGroupSnapshot, IdentityCenterSnapshot, Snapshot};

use super::{
    MigrationCost, MigrationError, MigrationStage, StageCost, StageTarget, detect, direct_session,
    identity_center_session, old_entry_session, stage_states,
};
use crate::{Plan, PlanOptions, after_apply, plan};

/// The plan of one stage against `actual`, the migration detected there as `plan` and `apply`
/// detect it.
fn stage_plan(
    model: &Model,
    desired: &DesiredState,
    actual: &Snapshot,
    options: &PlanOptions,
    target: StageTarget,
) -> Result<Plan, MigrationError> {
    let migration = detect(model, desired, actual)?;
    let states = stage_states(model, desired, &migration, target)?;
    let mut planned = plan(&states.target, actual, options);
    planned.identity_center = super::stage_identity_center_plan(&states.target, actual);
    Ok(planned)
}

/// The changes of every stage still to come from `actual` (a stage already done costs 0):
/// expand, switch (the IdP's `idp_changes` and the tags recording it) and contract. Identity
/// Center's changes count apart, when `actual` holds the instance.
pub fn migration_cost(
    model: &Model,
    desired: &DesiredState,
    actual: &Snapshot,
    options: &PlanOptions,
    idp_changes: usize,
) -> Result<MigrationCost, MigrationError> {
    let migration = detect(model, desired, actual)?;
    let old = stage_states(model, desired, &migration, StageTarget::Rollback)?.old;
    let mut state = actual.clone();
    let mut stages = Vec::new();
    let mut cost = |name: &str, planned: Option<&Plan>, idp_changes| {
        let identity_center_changes = planned
            .and_then(|p| p.identity_center.as_ref())
            .map_or(0, |c| c.changes.len());
        stages.push(StageCost {
            stage: name.to_owned(),
            iam_changes: planned.map_or(0, Plan::change_count) - identity_center_changes,
            identity_center_changes,
            idp_changes,
        });
    };
    let switched = migration.stage() == Some(MigrationStage::Switched);
    if switched {
        cost("expand", None, 0);
        cost("switch", None, idp_changes);
    } else {
        let expand = stage_plan(model, desired, &state, options, StageTarget::Forward)?;
        state = after_apply(&state, &expand);
        cost("expand", Some(&expand), 0);
        let switch = stage_plan(model, desired, &state, options, StageTarget::ConfirmSwitch)?;
        state = after_apply(&state, &switch);
        cost("switch", Some(&switch), idp_changes);
    }
    let contract = stage_plan(model, desired, &state, options, StageTarget::Forward)?;
    cost("contract", Some(&contract), 0);
    Ok(MigrationCost {
        stages,
        switch_window_seconds: awsfed_model::defaults::CHAINED_SESSION_SECONDS,
        old_entry_session_seconds: old_entry_session(&old, &migration),
        identity_center_session_seconds: identity_center_session(&old, &migration),
        direct_session_seconds: direct_session(&old, &migration),
    })
}

/// The cost of moving from the model `from`, deployed as it says, to the model `to` (the same
/// model with other topologies): `from` is planned onto empty accounts and applied in memory, then
/// each stage is planned as [`migration_cost`] does. `compare` shows it.
pub fn cost_between(
    from: &Model,
    to: &Model,
    options: &PlanOptions,
    idp_changes: usize,
) -> Result<(usize, MigrationCost), MigrationError> {
    let from_desired = awsfed_compile::compile(from);
    let desired = awsfed_compile::compile(to);
    let empty = Snapshot {
        format: awsfed_snapshot::SNAPSHOT_FORMAT,
        organization: None,
        identity_center: empty_instance(from, &from_desired, &desired),
        accounts: Vec::new(),
    };
    let mut first = plan(&from_desired, &empty, options);
    first.identity_center = super::stage_identity_center_plan(&from_desired, &empty);
    let deployed = after_apply(&empty, &first);
    let moving = detect(to, &desired, &deployed)?.accounts.len();
    Ok((
        moving,
        migration_cost(to, &desired, &deployed, options, idp_changes)?,
    ))
}

/// An instance holding nothing but the model's directory groups (as SCIM provisions them), when
/// either model has Identity Center accounts: what [`cost_between`] deploys onto.
fn empty_instance(
    model: &Model,
    from: &DesiredState,
    to: &DesiredState,
) -> Option<IdentityCenterSnapshot> {
    let wanted = from
        .identity_center
        .as_ref()
        .or(to.identity_center.as_ref())?;
    Some(IdentityCenterSnapshot {
        format: awsfed_snapshot::SNAPSHOT_FORMAT,
        instance_arn: wanted
            .instance_arn
            .clone()
            .unwrap_or_else(|| "arn:aws:sso:::instance/ssoins-compare".to_owned()),
        identity_store_id: wanted
            .identity_store_id
            .clone()
            .unwrap_or_else(|| "d-compare".to_owned()),
        region: wanted.region.clone().unwrap_or_default(),
        permission_sets: Vec::new(),
        assignments: Vec::new(),
        groups: model
            .groups
            .iter()
            .map(|g| DirectoryGroupSnapshot {
                display_name: g.name.clone(),
                id: format!("id-{}", g.name),
            })
            .collect(),
        users: Vec::new(),
    })
}
