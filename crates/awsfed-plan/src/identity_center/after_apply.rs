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
    let arn = |name: &str| format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{name}");
    for change in &plan.changes {
        let set_name = change.action.permission_set().map(str::to_owned);
        let set = |state: &mut IdentityCenterSnapshot| {
            let name = set_name.clone().expect("a permission set change");
            state
                .permission_sets
                .iter_mut()
                .find(|s| s.name == name)
                .expect("the set exists")
                .clone()
        };
        let edit = |state: &mut IdentityCenterSnapshot, f: &dyn Fn(&mut PermissionSetSnapshot)| {
            let name = set_name.clone().expect("a permission set change");
            f(state
                .permission_sets
                .iter_mut()
                .find(|s| s.name == name)
                .expect("exists"));
        };
        match &change.action {
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
                arn: arn(name),
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
            A::UpdatePermissionSet {
                description,
                session_duration,
                relay_state,
                ..
            } => edit(&mut state, &|s| {
                s.description = description.clone();
                s.session_duration = Some(session_duration.clone());
                s.relay_state = relay_state.clone();
            }),
            A::AttachManagedPolicy { policy_arn, .. } => {
                edit(&mut state, &|s| s.managed_policies.push(policy_arn.clone()))
            }
            A::DetachManagedPolicy { policy_arn, .. } => edit(&mut state, &|s| {
                s.managed_policies.retain(|p| p != policy_arn)
            }),
            A::AttachCustomerManagedPolicy { policy, .. } => edit(&mut state, &|s| {
                s.customer_managed_policies.push(policy.clone())
            }),
            A::DetachCustomerManagedPolicy { policy, .. } => edit(&mut state, &|s| {
                s.customer_managed_policies.retain(|p| p != policy)
            }),
            A::PutInlinePolicy { document, .. } => {
                edit(&mut state, &|s| s.inline_policy = Some(document.clone()))
            }
            A::DeleteInlinePolicy { .. } => edit(&mut state, &|s| s.inline_policy = None),
            A::PutPermissionsBoundary { boundary, .. } => edit(&mut state, &|s| {
                s.permissions_boundary = Some(boundary.clone())
            }),
            A::DeletePermissionsBoundary { .. } => {
                edit(&mut state, &|s| s.permissions_boundary = None)
            }
            A::TagPermissionSet { digest, .. } => edit(&mut state, &|s| {
                s.tags.insert(DIGEST_TAG_KEY.to_owned(), digest.clone());
            }),
            A::ProvisionPermissionSet { .. } => {}
            A::CreateAssignment {
                group, account_id, ..
            } => {
                let target = set(&mut state);
                state.assignments.push(AssignmentSnapshot {
                    permission_set_arn: target.arn.clone(),
                    account_id: account_id.clone(),
                    principal_type: PrincipalType::Group,
                    principal_id: state
                        .groups
                        .iter()
                        .find(|g| g.display_name == *group)
                        .map_or_else(|| format!("id-{group}"), |g| g.id.clone()),
                });
                edit(&mut state, &|s| {
                    s.provisioned_accounts.push(account_id.clone())
                });
            }
            A::DeleteAssignment {
                principal_id,
                account_id,
                ..
            } => {
                let target = set(&mut state);
                state.assignments.retain(|a| {
                    !(a.permission_set_arn == target.arn
                        && a.account_id == *account_id
                        && a.principal_id == *principal_id)
                });
                // The last assignment of a set in an account takes the set (its reserved role)
                // out of the account.
                let held = state
                    .assignments
                    .iter()
                    .any(|a| a.permission_set_arn == target.arn && a.account_id == *account_id);
                if !held {
                    edit(&mut state, &|s| {
                        s.provisioned_accounts.retain(|a| a != account_id)
                    });
                }
            }
            A::DeletePermissionSet { name } => state.permission_sets.retain(|s| s.name != *name),
        }
    }
    state.sort();
    for set in &mut state.permission_sets {
        set.provisioned_accounts.dedup();
    }
    state
}
