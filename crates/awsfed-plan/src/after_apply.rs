//! What IAM holds once a plan is applied, worked out without AWS: the part of IAM's behaviour the
//! plan relies on (a created role holds what `CreateRole` was given, `TagRole` adds tags and
//! replaces the ones with the same key, `CreatePolicy` attaches to its role, `DeletePolicy`
//! detaches it everywhere), and Identity Center's part as
//! [`crate::identity_center::identity_center_after_apply`] works it out. It lets the cost of a
//! migration's later stages come from the planner `apply` uses, each stage planned against the
//! state the one before leaves.

use std::collections::BTreeMap;

use awsfed_snapshot::{
    AccountSnapshot, ManagedPolicySnapshot, RoleSnapshot, SNAPSHOT_FORMAT, SamlProviderSnapshot,
    Snapshot,
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
            .or_insert_with(|| AccountSnapshot {
                format: SNAPSHOT_FORMAT,
                id: id.clone(),
                name: None,
                roles: Vec::new(),
                saml_providers: Vec::new(),
                policies: Vec::new(),
            });
        for change in &account_plan.changes {
            if !change_role(account, &change.action) {
                change_account(account, &change.action);
            }
        }
        account.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        account.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
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
        }
        Action::DeleteRole { role } => account.roles.retain(|r| &r.name != role),
        _ => {}
    }
}
