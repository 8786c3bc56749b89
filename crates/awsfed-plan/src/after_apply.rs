//! What IAM holds once a plan is applied, worked out without AWS: the part of IAM's behaviour the
//! plan relies on (a created role holds what `CreateRole` was given, `TagRole` adds tags and
//! replaces the ones with the same key, `CreatePolicy` attaches to its role, `DeletePolicy`
//! detaches it everywhere), and Identity Center's part as
//! [`crate::identity_center::identity_center_after_apply`] works it out. It lets the cost of a
//! migration's later stages come from the planner `apply` uses, each stage planned against the
//! state the one before leaves.

use std::collections::BTreeMap;

use awsfed_snapshot::{
    AccountSnapshot, IamGroupSnapshot, ManagedPolicySnapshot, RoleSnapshot, SamlProviderSnapshot,
    Snapshot, UserSnapshot,
};

use crate::{Action, Plan};

/// The accounts of `snapshot` after every change of `plan`. A change naming a role the account
/// does not hold changes nothing (a plan made from that snapshot never names one).
pub fn after_apply(snapshot: &Snapshot, plan: &Plan) -> Snapshot {
    let mut accounts: BTreeMap<String, AccountSnapshot> = snapshot
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.clone()))
        .collect();
    for account_plan in &plan.accounts {
        let id = &account_plan.account_id;
        let account = accounts
            .entry(id.clone())
            .or_insert_with(|| AccountSnapshot::empty(id));
        for change in &account_plan.changes {
            if !change_role(account, &change.action) {
                change_account(account, &change.action);
            }
        }
        account.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        account.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        account.users.sort_by(|a, b| a.arn.cmp(&b.arn));
        account.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
    }
    // Identity Center's part, when the plan has one and the snapshot read the instance.
    let identity_center = match (&snapshot.identity_center, &plan.identity_center) {
        (Some(instance), Some(changes)) => Some(
            crate::identity_center::identity_center_after_apply(instance, changes),
        ),
        (instance, _) => instance.clone(),
    };
    Snapshot {
        accounts: accounts.into_values().collect(),
        identity_center,
        ..snapshot.clone()
    }
}

/// A change to one existing role; false when the action is not one.
fn change_role(account: &mut AccountSnapshot, action: &Action) -> bool {
    // Creating and deleting a role change the account, not one role in it.
    let name = match action {
        Action::CreateRole { .. } | Action::DeleteRole { .. } => return false,
        other => match other.role() {
            Some(name) => name,
            None => return false,
        },
    };
    let Some(role) = account.roles.iter_mut().find(|r| r.name == name) else {
        return true;
    };
    match action {
        Action::UpdateTrust { trust_policy, .. } => role.trust_policy = trust_policy.clone(),
        Action::UpdateRole {
            max_session_duration,
            description,
            ..
        } => {
            role.max_session_duration = *max_session_duration;
            role.description = Some(description.clone());
        }
        Action::PutInlinePolicy { name, document, .. } => {
            role.inline_policies.insert(name.clone(), document.clone());
        }
        Action::DeleteInlinePolicy { name, .. } => {
            role.inline_policies.remove(name);
        }
        Action::AttachPolicy { policy_arn, .. } => attach(role, policy_arn),
        Action::DetachPolicy { policy_arn, .. } => {
            role.managed_policy_arns.retain(|a| a != policy_arn);
        }
        Action::PutPermissionsBoundary { policy_arn, .. } => {
            role.permissions_boundary = Some(policy_arn.clone());
        }
        Action::DeletePermissionsBoundary { .. } => role.permissions_boundary = None,
        Action::TagRole { tags, .. } => role.tags.extend(tags.clone()),
        Action::UntagRole { keys, .. } => role.tags.retain(|k, _| !keys.contains(k)),
        _ => {}
    }
    true
}

fn attach(role: &mut RoleSnapshot, policy_arn: &str) {
    if !role.managed_policy_arns.iter().any(|a| a == policy_arn) {
        role.managed_policy_arns.push(policy_arn.to_owned());
        role.managed_policy_arns.sort();
    }
}

/// A change that creates or deletes something in the account.
fn change_account(account: &mut AccountSnapshot, action: &Action) {
    let id = account.id.clone();
    match action {
        Action::CreateSamlProvider {
            name,
            metadata_document,
            tags,
        } => account.saml_providers.push(SamlProviderSnapshot {
            arn: format!("arn:aws:iam::{id}:saml-provider/{name}"),
            name: name.clone(),
            metadata_document: metadata_document.clone(),
            valid_until: None,
            tags: tags.clone(),
        }),
        Action::UpdateSamlProvider {
            arn,
            metadata_document,
        } => {
            for provider in account.saml_providers.iter_mut().filter(|p| &p.arn == arn) {
                provider.metadata_document = metadata_document.clone();
            }
        }
        Action::DeleteSamlProvider { arn } => account.saml_providers.retain(|p| &p.arn != arn),
        Action::CreateRole {
            name,
            path,
            description,
            max_session_duration,
            trust_policy,
            managed_policy_arns,
            inline_policies,
            permissions_boundary,
            tags,
        } => account.roles.push(RoleSnapshot {
            name: name.clone(),
            path: path.clone(),
            arn: format!("arn:aws:iam::{id}:role{path}{name}"),
            role_id: "AROAEXAMPLE".to_owned(),
            trust_policy: trust_policy.clone(),
            inline_policies: inline_policies.clone(),
            managed_policy_arns: managed_policy_arns.clone(),
            permissions_boundary: permissions_boundary.clone(),
            max_session_duration: *max_session_duration,
            description: Some(description.clone()),
            tags: tags.clone(),
        }),
        Action::CreatePolicy {
            name,
            path,
            document,
            tags,
            attach_to,
            ..
        } => {
            let arn = format!("arn:aws:iam::{id}:policy{path}{name}");
            account.policies.push(ManagedPolicySnapshot {
                arn: arn.clone(),
                name: name.clone(),
                path: path.clone(),
                document: document.clone(),
                tags: tags.clone(),
                other_versions: Vec::new(),
            });
            if let Some(role) = account.roles.iter_mut().find(|r| &r.name == attach_to) {
                attach(role, &arn);
            }
        }
        Action::UpdatePolicy {
            arn,
            document,
            tags,
            ..
        } => {
            for policy in account.policies.iter_mut().filter(|p| &p.arn == arn) {
                policy.document = document.clone();
                policy.tags.extend(tags.clone());
            }
        }
        Action::DeletePolicy { arn } => {
            account.policies.retain(|p| &p.arn != arn);
            for role in &mut account.roles {
                role.managed_policy_arns.retain(|a| a != arn);
            }
            for user in &mut account.users {
                user.managed_policy_arns.retain(|a| a != arn);
            }
            for group in &mut account.groups {
                group.managed_policy_arns.retain(|a| a != arn);
            }
        }
        Action::DeleteRole { role } => account.roles.retain(|r| &r.name != role),
        other => change_users(account, other),
    }
}

/// IAM users and groups: created empty, memberships and attachments as IAM keeps them (on both
/// sides: `GetAccountAuthorizationDetails` lists a user's groups).
fn change_users(account: &mut AccountSnapshot, action: &Action) {
    let id = account.id.clone();
    let user = |account: &mut AccountSnapshot, name: &str, f: &dyn Fn(&mut UserSnapshot)| {
        account
            .users
            .iter_mut()
            .filter(|u| u.name == name)
            .for_each(f);
    };
    let group = |account: &mut AccountSnapshot, name: &str, f: &dyn Fn(&mut IamGroupSnapshot)| {
        account
            .groups
            .iter_mut()
            .filter(|g| g.name == name)
            .for_each(f);
    };
    match action {
        Action::CreateUser { name, path, tags } => account.users.push(UserSnapshot {
            name: name.clone(),
            path: path.clone(),
            arn: format!("arn:aws:iam::{id}:user{path}{name}"),
            groups: Vec::new(),
            managed_policy_arns: Vec::new(),
            inline_policies: BTreeMap::new(),
            tags: tags.clone(),
            credentials: None,
        }),
        Action::TagUser { user: name, tags } => {
            user(account, name, &|u| u.tags.extend(tags.clone()));
        }
        Action::DeleteUser { user } => account.users.retain(|u| &u.name != user),
        Action::CreateGroup { name, path } => account.groups.push(IamGroupSnapshot {
            name: name.clone(),
            path: path.clone(),
            arn: format!("arn:aws:iam::{id}:group{path}{name}"),
            managed_policy_arns: Vec::new(),
            inline_policies: BTreeMap::new(),
        }),
        Action::DeleteGroup { group } => {
            account.groups.retain(|g| &g.name != group);
            for u in &mut account.users {
                u.groups.retain(|g| g != group);
            }
        }
        Action::AddUserToGroup { user: name, group } => user(account, name, &|u| {
            insert_sorted(&mut u.groups, group);
        }),
        Action::RemoveUserFromGroup { user: name, group } => {
            user(account, name, &|u| u.groups.retain(|g| g != group));
        }
        Action::AttachUserPolicy {
            user: name,
            policy_arn,
        } => user(account, name, &|u| {
            insert_sorted(&mut u.managed_policy_arns, policy_arn);
        }),
        Action::DetachUserPolicy {
            user: name,
            policy_arn,
        } => {
            user(account, name, &|u| {
                u.managed_policy_arns.retain(|a| a != policy_arn)
            });
        }
        Action::AttachGroupPolicy {
            group: name,
            policy_arn,
        } => group(account, name, &|g| {
            insert_sorted(&mut g.managed_policy_arns, policy_arn);
        }),
        Action::DetachGroupPolicy {
            group: name,
            policy_arn,
        } => {
            group(account, name, &|g| {
                g.managed_policy_arns.retain(|a| a != policy_arn)
            });
        }
        Action::DeleteUserInlinePolicy {
            user: name,
            name: policy,
        } => {
            user(account, name, &|u| {
                u.inline_policies.remove(policy);
            });
        }
        Action::DeleteGroupInlinePolicy {
            group: name,
            name: policy,
        } => {
            group(account, name, &|g| {
                g.inline_policies.remove(policy);
            });
        }
        _ => {}
    }
}

fn insert_sorted(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
        list.sort();
    }
}
