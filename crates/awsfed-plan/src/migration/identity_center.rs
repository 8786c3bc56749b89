//! Migrations into and out of Identity Center. The stages are the same three: *expand* adds the
//! new path beside the old (the permission set is created and the account assignments are made
//! while the account's IAM roles keep their trust; or, the other way, the roles, their trust and
//! the SAML provider are created while the assignments stay), *switch* is the people side (users
//! sign in through the access portal instead of the IdP's Role values, or the reverse), *contract*
//! removes the old path (the roles and the hub policies' grants, or the assignments, and a
//! permission set once no account uses it).
//!
//! The stage lives where it does for the other migrations, on the account's IAM roles: they exist
//! in every stage before contract in both directions. Before the expand stage out of Identity
//! Center the account has no role of awsfed yet: the instance's assignments of awsfed's
//! permission sets there show where it comes from. Identity Center applies assignments
//! asynchronously, and an edited permission set reaches an account only once provisioned again
//! ("Provision permission sets", IAM Identity Center User Guide): the ordinary Identity Center
//! planner and engine do both.

use std::collections::BTreeSet;

use awsfed_compile::{DesiredAccount, DesiredIdentityCenter, DesiredState, RoleKind};
use awsfed_model::{Model, TopologyKind};
use awsfed_snapshot::{AccountSnapshot, PrincipalType, Snapshot};

use super::detect::account_roles;
use super::{AccountMigration, MIGRATION_TAG_KEY, MigrationStage};
use crate::IdentityCenterPlan;
use crate::ownership::is_managed_tagged;

/// Whether the instance holds a group assignment of one of awsfed's permission sets in `account`.
fn assigned_by_awsfed(actual: &Snapshot, account: &str) -> bool {
    let Some(instance) = &actual.identity_center else {
        return false;
    };
    instance.assignments.iter().any(|a| {
        a.account_id == account
            && a.principal_type == PrincipalType::Group
            && instance
                .permission_set(&a.permission_set_arn)
                .is_some_and(|s| is_managed_tagged(&s.tags))
    })
}

/// The account roles (not hub roles) the desired state gives an account.
fn desired_account_roles(account: &DesiredAccount) -> usize {
    account
        .roles
        .iter()
        .filter(|r| !matches!(r.kind, RoleKind::Hub { .. }))
        .count()
}

/// An account the model takes out of Identity Center before its expand stage: it holds no role of
/// awsfed yet, the model gives it some, and awsfed's permission sets are assigned there.
pub(super) fn leaving(
    account: &DesiredAccount,
    snapshot: Option<&AccountSnapshot>,
    actual: &Snapshot,
    model: &Model,
) -> Option<AccountMigration> {
    let no_roles = snapshot.is_none_or(|snapshot| {
        account_roles(
            snapshot,
            &model.naming.role_path,
            &model.naming.hub_role_path,
        )
        .next()
        .is_none()
    });
    let moves = account.topology != TopologyKind::IdentityCenter
        && desired_account_roles(account) > 0
        && no_roles
        && assigned_by_awsfed(actual, &account.id);
    moves.then(|| AccountMigration {
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        from: TopologyKind::IdentityCenter,
        to: account.topology,
        stage: MigrationStage::Planned,
    })
}

/// Out of Identity Center the expand stage creates the roles: it is complete once every role the
/// model gives the account exists (each is created with the migration tag, so tags alone cannot
/// tell an interrupted expand). Other migrations change roles that exist already.
pub(super) fn expand_complete(from: TopologyKind, account: &DesiredAccount, roles: usize) -> bool {
    from != TopologyKind::IdentityCenter || roles >= desired_account_roles(account)
}

/// Both instances' permission sets and assignments (the new state's settings and sets first).
pub(super) fn union_identity_center(
    old: Option<&DesiredIdentityCenter>,
    new: Option<&DesiredIdentityCenter>,
) -> Option<DesiredIdentityCenter> {
    let (old, new) = match (old, new) {
        (None, None) => return None,
        (Some(one), None) | (None, Some(one)) => return Some(one.clone()),
        (Some(old), Some(new)) => (old, new),
    };
    let mut union = new.clone();
    for set in &old.permission_sets {
        if !union.permission_sets.iter().any(|s| s.name == set.name) {
            union.permission_sets.push(set.clone());
        }
    }
    union.permission_sets.sort_by(|a, b| a.name.cmp(&b.name));
    let assignments: BTreeSet<_> = old
        .assignments
        .iter()
        .chain(&new.assignments)
        .cloned()
        .collect();
    union.assignments = assignments.into_iter().collect();
    Some(union)
}

/// A stage's Identity Center part: when neither its state nor the model keeps an account in
/// Identity Center, the instance still needs a plan (with no sets and no assignments), or the
/// assignments of a rolled back or contracted move would stay.
pub(super) fn keep_instance(target: &mut DesiredState, old: &DesiredState, new: &DesiredState) {
    if target.identity_center.is_some() {
        return;
    }
    let Some(settings) = new
        .identity_center
        .as_ref()
        .or(old.identity_center.as_ref())
    else {
        return;
    };
    target.identity_center = Some(DesiredIdentityCenter {
        permission_sets: Vec::new(),
        assignments: Vec::new(),
        ..settings.clone()
    });
}

/// The Identity Center part of a stage's plan, when the stage's state has one and `actual` holds
/// the instance as read.
pub fn stage_identity_center_plan(
    target: &DesiredState,
    actual: &Snapshot,
) -> Option<IdentityCenterPlan> {
    match (&target.identity_center, &actual.identity_center) {
        (Some(wanted), Some(instance)) => Some(crate::plan_identity_center(wanted, instance)),
        _ => None,
    }
}

/// Accounts whose Identity Center assignments a plan must read beside those the model assigns:
/// accounts that may be leaving Identity Center (the model gives them roles that are not
/// deployed yet) and accounts whose roles carry a migration tag naming Identity Center (an
/// assignment the provisioned accounts of a set do not always show).
pub fn identity_center_read_accounts(
    model: &Model,
    desired: &DesiredState,
    actual: &Snapshot,
) -> BTreeSet<String> {
    let role_path = &model.naming.role_path;
    let hub_role_path = &model.naming.hub_role_path;
    desired
        .accounts
        .iter()
        .filter(|account| {
            let Some(snapshot) = actual.accounts.iter().find(|a| a.id == account.id) else {
                return false;
            };
            let mut roles = account_roles(snapshot, role_path, hub_role_path).peekable();
            if roles.peek().is_none() {
                return desired_account_roles(account) > 0;
            }
            roles.any(|r| {
                r.tags
                    .get(MIGRATION_TAG_KEY)
                    .is_some_and(|v| v.contains(TopologyKind::IdentityCenter.as_str()))
            })
        })
        .map(|a| a.id.clone())
        .collect()
}
