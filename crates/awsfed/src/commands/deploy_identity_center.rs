//! The Identity Center instance of a model, for scan, plan and apply: read through `sso-admin` and
//! `identitystore` with the caller's credentials (the management or delegated-administrator
//! account), in the instance's region; the calls each command makes are counted and reported.

use std::sync::Arc;

use awsfed_aws::{Fleet, IdentityCenterClients, InstanceChoice};
use awsfed_compile::{DesiredIdentityCenter, DesiredState};
use awsfed_model::Model;
use awsfed_plan::{IdentityCenterPlan, Plan};
use awsfed_snapshot::{IdentityCenterSnapshot, Snapshot};

use crate::commands::deploy::aws_error;
use crate::error::CommandError;

/// Clients in the instance's region.
pub fn clients(fleet: &Arc<Fleet>, region: &str) -> IdentityCenterClients {
    IdentityCenterClients::new(
        fleet.connection(),
        region,
        fleet.max_attempts(),
        fleet.concurrency(),
    )
}

fn region(desired: &DesiredIdentityCenter) -> Result<&str, CommandError> {
    desired.region.as_deref().ok_or_else(|| {
        CommandError::bad_input(
            "the model has identity-center accounts but no identity_center section",
        )
        .hint("add `identity_center: { region: REGION }` (the region of the Identity Center instance)")
    })
}

/// Reads the model's instance (found with `ListInstances` when the model names none).
pub async fn read(
    fleet: &Arc<Fleet>,
    desired: &DesiredIdentityCenter,
) -> Result<(IdentityCenterSnapshot, IdentityCenterClients), CommandError> {
    let clients = clients(fleet, region(desired)?);
    let choice = InstanceChoice {
        instance_arn: desired.instance_arn.clone(),
        identity_store_id: desired.identity_store_id.clone(),
    };
    let (accounts, groups) = awsfed_plan::identity_center::read_scope(desired);
    let snapshot = awsfed_aws::read_identity_center(&clients, &choice, &accounts, &groups)
        .await
        .map_err(|e| {
            aws_error(&e).hint("Identity Center is managed from the management account or its delegated administrator: run with those credentials")
        })?;
    Ok((snapshot, clients))
}

/// What a plan reads of the instance before it is made, so that a migration into or out of
/// Identity Center is seen ([`awsfed_plan::migration::detect`]) and its stage planned: the
/// instance's clients and the accounts and groups read, which the plan keeps for `apply` to read
/// the same again.
pub struct StageRead {
    clients: IdentityCenterClients,
    accounts: Vec<String>,
    groups: Vec<String>,
}

/// The instance the model names: the desired state's, or the model's `identity_center` section
/// with nothing in it when no account stays in Identity Center (its assignments may still be
/// there, of accounts leaving it).
fn instance_of(model: &Model, desired: &DesiredState) -> Option<DesiredIdentityCenter> {
    if let Some(wanted) = &desired.identity_center {
        return Some(wanted.clone());
    }
    let section = model.identity_center.as_ref()?;
    Some(DesiredIdentityCenter {
        instance_arn: section.instance_arn.clone(),
        identity_store_id: section.identity_store_id.clone(),
        region: Some(section.region.clone()),
        start_url: section.start_url.clone(),
        groups: section.groups,
        permission_sets: Vec::new(),
        assignments: Vec::new(),
    })
}

/// Reads the model's instance into `state` (read from IAM already): the accounts the model
/// assigns in, and those that may be moving out of Identity Center
/// ([`awsfed_plan::migration::identity_center_read_accounts`]). `None` when the model has no
/// instance.
pub async fn read_for_stage(
    fleet: &Arc<Fleet>,
    model: &Model,
    desired: &DesiredState,
    state: &mut Snapshot,
) -> Result<Option<StageRead>, CommandError> {
    let Some(wanted) = instance_of(model, desired) else {
        return Ok(None);
    };
    let clients = clients(fleet, region(&wanted)?);
    let choice = InstanceChoice {
        instance_arn: wanted.instance_arn.clone(),
        identity_store_id: wanted.identity_store_id.clone(),
    };
    let (mut accounts, groups) = awsfed_plan::identity_center::read_scope(&wanted);
    accounts.extend(awsfed_plan::migration::identity_center_read_accounts(
        model, desired, state,
    ));
    let instance = awsfed_aws::read_identity_center(&clients, &choice, &accounts, &groups)
        .await
        .map_err(|e| {
            aws_error(&e).hint("Identity Center is managed from the management account or its delegated administrator: run with those credentials")
        })?;
    state.identity_center = Some(instance);
    Ok(Some(StageRead {
        clients,
        accounts: accounts.into_iter().collect(),
        groups: groups.into_iter().collect(),
    }))
}

/// Gives the plan's Identity Center part the scope `read_for_stage` read (the fingerprint is of
/// that read, so `apply` must read the same), and says how many calls reading took.
pub fn finish_stage(read: Option<StageRead>, plan: &mut Plan) {
    let Some(read) = read else {
        return;
    };
    if let Some(identity_center) = &mut plan.identity_center {
        identity_center.accounts = read.accounts;
        identity_center.groups = read.groups;
    }
    report_calls("planned", &read.clients);
}

/// Adds the Identity Center part to a plan made from a live read, and says how many calls reading
/// took.
pub async fn plan_live(
    fleet: &Arc<Fleet>,
    desired: &DesiredState,
    plan: &mut Plan,
) -> Result<(), CommandError> {
    let Some(wanted) = &desired.identity_center else {
        return Ok(());
    };
    let (actual, clients) = read(fleet, wanted).await?;
    plan.identity_center = Some(awsfed_plan::plan_identity_center(wanted, &actual));
    report_calls("planned", &clients);
    Ok(())
}

/// Adds the Identity Center part to a plan made from a snapshot folder.
pub fn plan_offline(
    desired: &DesiredState,
    snapshot: &awsfed_snapshot::Snapshot,
    plan: &mut Plan,
) -> Result<(), CommandError> {
    let Some(wanted) = &desired.identity_center else {
        return Ok(());
    };
    let actual = snapshot.identity_center.as_ref().ok_or_else(|| {
        CommandError::bad_input(
            "the model has identity-center accounts but the snapshot holds no identity-center.json",
        )
        .hint("scan again with this model: `awsfed scan --out DIR` reads the instance too")
    })?;
    // A migration's stage planned the instance already (`migrate::stage`), for its own state.
    if plan.identity_center.is_none() {
        plan.identity_center = Some(awsfed_plan::plan_identity_center(wanted, actual));
    }
    Ok(())
}

/// Applies the Identity Center part of a plan: (changes applied, failures as `change: error`).
pub async fn apply(
    fleet: &Arc<Fleet>,
    plan: &IdentityCenterPlan,
) -> Result<(usize, Vec<String>), CommandError> {
    if plan.changes.is_empty() {
        return Ok((0, Vec::new()));
    }
    let clients = clients(fleet, &plan.region);
    let report = awsfed_aws::apply_identity_center(&clients, plan)
        .await
        .map_err(|e| aws_error(&e))?;
    report_calls("applied", &clients);
    Ok((
        report.changes_applied,
        report
            .failed
            .into_iter()
            .map(|(change, error)| format!("{change}: {error}"))
            .collect(),
    ))
}

/// `Identity Center: planned with 23 calls (0 writes).` on stderr.
fn report_calls(what: &str, clients: &IdentityCenterClients) {
    crate::commands::print_stderr(&format!(
        "Identity Center: {what} with {} calls ({} writes).\n",
        clients.calls.total(),
        clients.calls.writes()
    ));
}
