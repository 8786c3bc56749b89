//! Executing the IAM-users hub's changes: users, IAM groups, memberships and the policies attached
//! to them, each write first put to the account's [`Guard`]. Idempotent like every action
//! ("already exists" on create and "does not exist" on delete are done).
//!
//! Deleting follows what IAM requires ("Deleting an IAM user", "Deleting an IAM group", IAM User
//! Guide): a user leaves its groups and loses its attached and inline policies first, a group loses
//! its members and policies first. A user who still holds access keys, an MFA device or a console
//! password is not deleted: those are the user's, and awsfed never deletes them.

use awsfed_plan::Action;

use crate::AwsError;
use crate::execute::{consistent, tolerant};
use crate::guard::{Guard, Write};
use crate::iam::{Entity, IamApi};

/// Runs one IAM-users action; `false` when `action` is not one.
pub(crate) async fn execute_user_action<C: IamApi>(
    iam: &C,
    guard: &mut Guard,
    action: &Action,
) -> Result<bool, AwsError> {
    match action {
        Action::CreateUser { name, path, tags } => {
            guard.check(Write::CreateUser { name, path, tags })?;
            let created = tolerant(&["EntityAlreadyExists"], iam.create_user(name, path, tags))
                .await?
                .is_some();
            // There already: adopted only when it is awsfed's (a lost answer to an earlier try).
            let found = if created {
                Entity {
                    path: path.clone(),
                    tags: tags.clone(),
                }
            } else {
                iam.get_user(name).await?
            };
            guard.created_user(name, &found);
            guard.check(Write::User { name })?;
        }
        Action::TagUser { user, tags } => {
            guard.check(Write::User { name: user })?;
            consistent(|| iam.tag_user(user, tags)).await?;
        }
        Action::DeleteUser { user } => delete_user(iam, guard, user).await?,
        Action::CreateGroup { name, path } => {
            guard.check(Write::CreateGroup { name, path })?;
            let created = tolerant(&["EntityAlreadyExists"], iam.create_group(name, path))
                .await?
                .is_some();
            let found = if created {
                path.clone()
            } else {
                iam.get_group(name).await?.path
            };
            guard.created_group(name, &found);
            guard.check(Write::Group { name })?;
        }
        Action::DeleteGroup { group } => delete_group(iam, guard, group).await?,
        Action::AddUserToGroup { user, group } => {
            guard.check(Write::AddMember { user, group })?;
            consistent(|| iam.add_user_to_group(user, group)).await?;
        }
        Action::RemoveUserFromGroup { user, group } => {
            guard.check(Write::Group { name: group })?;
            tolerant(&["NoSuchEntity"], iam.remove_user_from_group(user, group)).await?;
        }
        Action::AttachUserPolicy { user, policy_arn } => {
            guard.check(Write::User { name: user })?;
            guard.attachable(policy_arn)?;
            consistent(|| iam.attach_user_policy(user, policy_arn)).await?;
        }
        Action::DetachUserPolicy { user, policy_arn } => {
            guard.check(Write::User { name: user })?;
            tolerant(&["NoSuchEntity"], iam.detach_user_policy(user, policy_arn)).await?;
        }
        Action::AttachGroupPolicy { group, policy_arn } => {
            guard.check(Write::Group { name: group })?;
            guard.attachable(policy_arn)?;
            consistent(|| iam.attach_group_policy(group, policy_arn)).await?;
        }
        Action::DetachGroupPolicy { group, policy_arn } => {
            guard.check(Write::Group { name: group })?;
            tolerant(
                &["NoSuchEntity"],
                iam.detach_group_policy(group, policy_arn),
            )
            .await?;
        }
        Action::DeleteUserInlinePolicy { user, name } => {
            guard.check(Write::User { name: user })?;
            tolerant(&["NoSuchEntity"], iam.delete_user_policy(user, name)).await?;
        }
        Action::DeleteGroupInlinePolicy { group, name } => {
            guard.check(Write::Group { name: group })?;
            tolerant(&["NoSuchEntity"], iam.delete_group_policy(group, name)).await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

async fn delete_user<C: IamApi>(iam: &C, guard: &Guard, user: &str) -> Result<(), AwsError> {
    guard.check(Write::User { name: user })?;
    let Some(credentials) = tolerant(&["NoSuchEntity"], iam.user_credentials(user)).await? else {
        return Ok(());
    };
    let held = credentials.held();
    if !held.is_empty() {
        return Err(AwsError::Refused(format!(
            "IAM user {user} holds {}, which are the user's own: awsfed never deletes them, so the user is not deleted; delete them (aws iam delete-access-key, deactivate-mfa-device, delete-login-profile) and run again",
            held.join(", ")
        )));
    }
    if let Some(groups) = tolerant(&["NoSuchEntity"], iam.list_groups_for_user(user)).await? {
        for group in &groups {
            tolerant(&["NoSuchEntity"], iam.remove_user_from_group(user, group)).await?;
        }
    }
    if let Some(attached) =
        tolerant(&["NoSuchEntity"], iam.list_attached_user_policies(user)).await?
    {
        for arn in &attached {
            tolerant(&["NoSuchEntity"], iam.detach_user_policy(user, arn)).await?;
        }
    }
    if let Some(inline) = tolerant(&["NoSuchEntity"], iam.list_user_policies(user)).await? {
        for name in &inline {
            tolerant(&["NoSuchEntity"], iam.delete_user_policy(user, name)).await?;
        }
    }
    tolerant(&["NoSuchEntity"], iam.delete_user(user)).await?;
    Ok(())
}

async fn delete_group<C: IamApi>(iam: &C, guard: &Guard, group: &str) -> Result<(), AwsError> {
    guard.check(Write::Group { name: group })?;
    let Some(found) = tolerant(&["NoSuchEntity"], iam.get_group(group)).await? else {
        return Ok(());
    };
    for user in &found.members {
        tolerant(&["NoSuchEntity"], iam.remove_user_from_group(user, group)).await?;
    }
    if let Some(attached) =
        tolerant(&["NoSuchEntity"], iam.list_attached_group_policies(group)).await?
    {
        for arn in &attached {
            tolerant(&["NoSuchEntity"], iam.detach_group_policy(group, arn)).await?;
        }
    }
    if let Some(inline) = tolerant(&["NoSuchEntity"], iam.list_group_policies(group)).await? {
        for name in &inline {
            tolerant(&["NoSuchEntity"], iam.delete_group_policy(group, name)).await?;
        }
    }
    tolerant(&["NoSuchEntity"], iam.delete_group(group)).await?;
    Ok(())
}
