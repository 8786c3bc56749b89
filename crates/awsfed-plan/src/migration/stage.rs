//! The desired state each stage deploys, and what each stage costs.

use std::collections::BTreeSet;

use awsfed_compile::{DesiredState, RoleKind};
use awsfed_model::{Model, TopologyKind};
use serde::Serialize;

use super::union::fit_trusts;
use super::{MIGRATION_TAG_KEY, Migration, MigrationError, MigrationStage, union_states};

/// Which way a plan moves the migrating accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageTarget {
    /// The next stage: expand where the switch is not confirmed, contract where it is.
    Forward,
    /// Record the operator's word that the IdP sends the new values (the expand state, tagged).
    ConfirmSwitch,
    /// Back to the topology each account had before the migration, from any stage.
    Rollback,
}

/// The three states a migration is judged by.
#[derive(Debug, Clone)]
pub struct StageStates {
    /// Every migrating account in the topology it is leaving.
    pub old: DesiredState,
    /// The model as written.
    pub new: DesiredState,
    /// What the plan of this stage deploys.
    pub target: DesiredState,
}

/// Whether the old path of an account goes in this forward plan: its switch is confirmed (one
/// confirmed account confirms the migration: the IdP is one for all of them).
pub fn contracting(migration: &Migration, account_id: &str) -> bool {
    let whole = migration.stage() == Some(MigrationStage::Switched);
    migration.get(account_id).is_some_and(|a| {
        a.stage == MigrationStage::Switched || (whole && a.stage == MigrationStage::Expanded)
    })
}

/// The model with the given accounts put back in the topology they leave.
fn model_before(
    model: &Model,
    migration: &Migration,
    keep: impl Fn(&str) -> bool,
) -> Result<Model, MigrationError> {
    let mut before = model.clone();
    for account in migration.accounts.iter().filter(|a| keep(&a.account_id)) {
        if account.from == TopologyKind::HubAndSpoke && before.hubs.is_empty() {
            return Err(MigrationError::NoHub {
                account: account.account_id.clone(),
            });
        }
        if let Some(found) = before
            .accounts
            .iter_mut()
            .find(|a| a.id == account.account_id)
        {
            found.topology = account.from;
        }
    }
    Ok(before)
}

/// The model compiled as `new` was: with the same Organizations tree, so a hub policy takes the
/// form in both states that it has deployed.
fn compile_as(model: &Model, new: &DesiredState) -> DesiredState {
    awsfed_compile::compile_with(
        model,
        &awsfed_compile::CompileOptions {
            organization_paths: new.organization_paths.clone(),
            ..Default::default()
        },
    )
}

/// The states of the stage `target` asks for. `new` is the model compiled.
pub fn stage_states(
    model: &Model,
    new: &DesiredState,
    migration: &Migration,
    target: StageTarget,
) -> Result<StageStates, MigrationError> {
    let old = compile_as(&model_before(model, migration, |_| true)?, new);
    let state = match target {
        StageTarget::Rollback => old.clone(),
        StageTarget::ConfirmSwitch => {
            let mut state = union_states(&old, new);
            fit_trusts(
                &mut state,
                &model.naming.hub_role_path,
                model.quotas.trust_policy_size,
            );
            tag_roles(&mut state, migration, |_| Some(MigrationStage::Switched));
            state
        }
        StageTarget::Forward => {
            let kept = model_before(model, migration, |id| !contracting(migration, id))?;
            let mut state = union_states(&compile_as(&kept, new), new);
            fit_trusts(
                &mut state,
                &model.naming.hub_role_path,
                model.quotas.trust_policy_size,
            );
            tag_roles(&mut state, migration, |id| {
                (!contracting(migration, id)).then_some(MigrationStage::Expanded)
            });
            state
        }
    };
    let mut state = state;
    super::identity_center::keep_instance(&mut state, &old, new);
    Ok(StageStates {
        old,
        new: new.clone(),
        target: state,
    })
}

/// Puts the migration tag on the account roles (not hub roles) of the migrating accounts.
fn tag_roles(
    state: &mut DesiredState,
    migration: &Migration,
    stage_of: impl Fn(&str) -> Option<MigrationStage>,
) {
    for account in &mut state.accounts {
        let (Some(moving), Some(stage)) = (migration.get(&account.id), stage_of(&account.id))
        else {
            continue;
        };
        for role in &mut account.roles {
            if !matches!(role.kind, RoleKind::Hub { .. }) {
                role.tags
                    .insert(MIGRATION_TAG_KEY.to_owned(), moving.tag_value(stage));
            }
        }
    }
}

/// What one stage changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageCost {
    /// `expand`, `switch`, `contract` or `rollback`.
    pub stage: String,
    /// IAM changes the stage's plan makes, as `apply` counts them (tag writes included).
    pub iam_changes: usize,
    /// Identity Center changes (permission sets, provisioning, account assignments).
    #[serde(skip_serializing_if = "is_zero")]
    pub identity_center_changes: usize,
    /// Role values the IdP adds or removes.
    pub idp_changes: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What the whole migration costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationCost {
    pub stages: Vec<StageCost>,
    /// How long a session entered the old way outlives the IdP switch when it is chained: role
    /// chaining caps it at one hour.
    pub switch_window_seconds: u32,
    /// The longest session of the roles users enter with SAML on the old path: a hub session that
    /// long can chain into the accounts again until the contract stage removes the old path.
    pub old_entry_session_seconds: u32,
    /// How long a session signed in through the access portal into an account leaving Identity
    /// Center outlives the switch: its permission set's session duration, 1 to 12 hours ("Set
    /// session duration", IAM Identity Center User Guide), not role chaining's hour. 0 when no
    /// account leaves Identity Center.
    #[serde(skip_serializing_if = "is_zero_seconds")]
    pub identity_center_session_seconds: u32,
    /// How long a SAML session straight into a role of an account leaving direct outlives the
    /// switch: up to the role's maximum session duration (the IdP's `SessionDuration` attribute or
    /// the sign-in's `DurationSeconds`, capped by the role's `MaxSessionDuration`,
    /// "AssumeRoleWithSAML", AWS STS API Reference), not role chaining's hour. 0 when no account
    /// leaves direct.
    #[serde(skip_serializing_if = "is_zero_seconds")]
    pub direct_session_seconds: u32,
}

fn is_zero_seconds(n: &u32) -> bool {
    *n == 0
}

impl MigrationCost {
    /// The switch window: the longest an old-path session outlives the switch, over the moving
    /// accounts' old paths (role chaining's cap, a permission set's session, or a direct role's
    /// maximum session).
    pub fn window_seconds(&self) -> u32 {
        self.switch_window_seconds
            .max(self.identity_center_session_seconds)
            .max(self.direct_session_seconds)
    }
}

/// The longest session of a role entered with SAML in the old state that reaches a migrating
/// account by role chaining (0 when the old path is direct).
pub fn old_entry_session(old: &DesiredState, migration: &Migration) -> u32 {
    let moving: BTreeSet<&str> = migration
        .accounts
        .iter()
        .filter(|a| a.from == TopologyKind::HubAndSpoke)
        .map(|a| a.account_id.as_str())
        .collect();
    if moving.is_empty() {
        return 0;
    }
    old.accounts
        .iter()
        .flat_map(|a| &a.roles)
        .filter(|r| matches!(r.kind, RoleKind::Hub { .. }))
        .map(|r| r.max_session_duration)
        .max()
        .unwrap_or(0)
}

/// The longest session duration of the permission sets the old state assigns in the accounts
/// leaving Identity Center (0 when none leaves it): a portal session into such an account lasts
/// that long after it starts, whatever the IdP sends by then.
pub fn identity_center_session(old: &DesiredState, migration: &Migration) -> u32 {
    let leaving: BTreeSet<&str> = migration
        .accounts
        .iter()
        .filter(|a| a.from == TopologyKind::IdentityCenter)
        .map(|a| a.account_id.as_str())
        .collect();
    let Some(instance) = old.identity_center.as_ref() else {
        return 0;
    };
    instance
        .assignments
        .iter()
        .filter(|a| leaving.contains(a.account_id.as_str()))
        .filter_map(|a| {
            instance
                .permission_sets
                .iter()
                .find(|set| set.name == a.permission_set)
        })
        .map(|set| set.session_seconds)
        .max()
        .unwrap_or(0)
}

/// The longest maximum session duration of the roles the old state gives the accounts leaving
/// direct (0 when none leaves it): users sign in to those roles with SAML, without chaining, so a
/// session lasts up to the role's `MaxSessionDuration` after it starts, whatever the IdP sends by
/// then.
pub fn direct_session(old: &DesiredState, migration: &Migration) -> u32 {
    let leaving: BTreeSet<&str> = migration
        .accounts
        .iter()
        .filter(|a| a.from == TopologyKind::Direct)
        .map(|a| a.account_id.as_str())
        .collect();
    old.accounts
        .iter()
        .filter(|a| leaving.contains(a.id.as_str()))
        .flat_map(|a| &a.roles)
        .filter(|r| matches!(r.kind, RoleKind::Direct { .. }))
        .map(|r| r.max_session_duration)
        .max()
        .unwrap_or(0)
}
