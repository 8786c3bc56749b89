//! Identity Center as it would be after a plan, worked out without AWS: lets the cost of a
//! migration's later stages be planned against the state the stage before leaves (as
//! [`crate::after_apply`] does for IAM), and the planner's tests check convergence.

use std::collections::BTreeMap;

use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use awsfed_snapshot::{
    AssignmentSnapshot, DirectoryGroupSnapshot, IdentityCenterSnapshot, PermissionSetSnapshot,
    PrincipalType,
};

use super::{IdentityCenterAction as A, IdentityCenterPlan};
use crate::DIGEST_TAG_KEY;

/// What Identity Center holds once `plan` is applied to `state` (the subset of its behaviour the
/// plan relies on: a new assignment provisions its set to the account). A new permission set gets
/// an ARN made from its name, a new group the id `id-NAME`.
pub fn identity_center_after_apply(
    state: &IdentityCenterSnapshot,
    plan: &IdentityCenterPlan,
) -> IdentityCenterSnapshot {
    let mut state = state.clone();
    for change in &plan.changes {
        apply(&mut state, &change.action);
    }
    state.sort();
    for set in &mut state.permission_sets {
        set.provisioned_accounts.dedup();
    }
    state
}

/// What one action does to `state`.
fn apply(state: &mut IdentityCenterSnapshot, action: &A) {
    match action {
        A::CreateGroup { group } => state.groups.push(DirectoryGroupSnapshot {
            display_name: group.clone(),
            id: format!("id-{group}"),
        }),
        A::CreatePermissionSet {
            name,
            description,
            session_duration,
            relay_state,
        } => state.permission_sets.push(PermissionSetSnapshot {
            arn: format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{name}"),
            name: name.clone(),
            description: Some(description.clone()),
            session_duration: Some(session_duration.clone()),
            relay_state: relay_state.clone(),
            managed_policies: Vec::new(),
            customer_managed_policies: Vec::new(),
            inline_policy: None,
            permissions_boundary: None,
            tags: BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]),
            provisioned_accounts: Vec::new(),
        }),
        A::UpdatePermissionSet { .. }
        | A::AttachManagedPolicy { .. }
        | A::DetachManagedPolicy { .. }
        | A::AttachCustomerManagedPolicy { .. }
        | A::DetachCustomerManagedPolicy { .. }
        | A::PutInlinePolicy { .. }
        | A::DeleteInlinePolicy { .. }
        | A::PutPermissionsBoundary { .. }
        | A::DeletePermissionsBoundary { .. }
        | A::TagPermissionSet { .. } => edit(permission_set(state, action), action),
        A::ProvisionPermissionSet { .. } => {}
        A::CreateAssignment {
            group, account_id, ..
        } => create_assignment(state, action, group, account_id),
        A::DeleteAssignment {
            principal_id,
            account_id,
            ..
        } => delete_assignment(state, action, principal_id, account_id),
        A::DeletePermissionSet { name } => state.permission_sets.retain(|s| s.name != *name),
    }
}

/// The permission set `action` changes.
fn permission_set<'a>(
    state: &'a mut IdentityCenterSnapshot,
    action: &A,
) -> &'a mut PermissionSetSnapshot {
    let name = action.permission_set().expect("a permission set change");
    state
        .permission_sets
        .iter_mut()
        .find(|s| s.name == name)
        .expect("the set exists")
}

/// What an action on a permission set's settings, policies or tags does to it.
fn edit(set: &mut PermissionSetSnapshot, action: &A) {
    match action {
        A::UpdatePermissionSet {
            description,
            session_duration,
            relay_state,
            ..
        } => {
            set.description = description.clone();
            set.session_duration = Some(session_duration.clone());
            set.relay_state = relay_state.clone();
        }
        A::AttachManagedPolicy { policy_arn, .. } => set.managed_policies.push(policy_arn.clone()),
        A::DetachManagedPolicy { policy_arn, .. } => {
            set.managed_policies.retain(|p| p != policy_arn)
        }
        A::AttachCustomerManagedPolicy { policy, .. } => {
            set.customer_managed_policies.push(policy.clone())
        }
        A::DetachCustomerManagedPolicy { policy, .. } => {
            set.customer_managed_policies.retain(|p| p != policy)
        }
        A::PutInlinePolicy { document, .. } => set.inline_policy = Some(document.clone()),
        A::DeleteInlinePolicy { .. } => set.inline_policy = None,
        A::PutPermissionsBoundary { boundary, .. } => {
            set.permissions_boundary = Some(boundary.clone())
        }
        A::DeletePermissionsBoundary { .. } => set.permissions_boundary = None,
        A::TagPermissionSet { digest, .. } => {
            set.tags.insert(DIGEST_TAG_KEY.to_owned(), digest.clone());
        }
        _ => {}
    }
}

/// A new assignment of `group` in `account_id`, which provisions the set there.
fn create_assignment(
    state: &mut IdentityCenterSnapshot,
    action: &A,
    group: &str,
    account_id: &str,
) {
    let permission_set_arn = permission_set(state, action).arn.clone();
    let principal_id = state
        .groups
        .iter()
        .find(|g| g.display_name == group)
        .map_or_else(|| format!("id-{group}"), |g| g.id.clone());
    state.assignments.push(AssignmentSnapshot {
        permission_set_arn,
        account_id: account_id.to_owned(),
        principal_type: PrincipalType::Group,
        principal_id,
    });
    permission_set(state, action)
        .provisioned_accounts
        .push(account_id.to_owned());
}

/// An assignment deleted; the last assignment of a set in an account takes the set (its reserved
/// role) out of the account.
fn delete_assignment(
    state: &mut IdentityCenterSnapshot,
    action: &A,
    principal_id: &str,
    account_id: &str,
) {
    let target = permission_set(state, action).arn.clone();
    state.assignments.retain(|a| {
        !(a.permission_set_arn == target
            && a.account_id == account_id
            && a.principal_id == principal_id)
    });
    let held = state
        .assignments
        .iter()
        .any(|a| a.permission_set_arn == target && a.account_id == account_id);
    if !held {
        permission_set(state, action)
            .provisioned_accounts
            .retain(|a| a != account_id);
    }
}
