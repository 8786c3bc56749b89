//! Deleting a role or a managed policy awsfed owns. IAM refuses to delete either while anything is
//! attached ("Deleting roles or instance profiles", "Deleting IAM policies", IAM User Guide), so
//! the attachments go first — but only attachments between awsfed's own resources: a policy still
//! attached to a role awsfed does not own, or a role inside an instance profile, is refused before
//! anything is changed (someone else uses it; they detach it).

use crate::AwsError;
use crate::execute::tolerant;
use crate::guard::{Guard, Write};
use crate::iam::IamApi;

pub(crate) async fn delete_policy<C: IamApi>(
    iam: &C,
    guard: &Guard,
    arn: &str,
) -> Result<(), AwsError> {
    guard.check(Write::Policy { arn })?;
    let Some(roles) = tolerant(&["NoSuchEntity"], iam.list_entities_for_policy(arn)).await? else {
        return Ok(());
    };
    // Every detach is checked before the first is made.
    for role in &roles {
        guard.check(Write::Role { name: role }).map_err(|e| {
            AwsError::Refused(format!(
                "policy {arn} is attached to role {role}, which awsfed does not own, so it is not deleted ({e})"
            ))
        })?;
    }
    // The IAM users' policies are attached to users and groups.
    let (users, groups) = tolerant(&["NoSuchEntity"], iam.list_policy_users_and_groups(arn))
        .await?
        .unwrap_or_default();
    for user in &users {
        guard.check(Write::User { name: user }).map_err(|e| {
            AwsError::Refused(format!(
                "policy {arn} is attached to IAM user {user}, which awsfed does not own, so it is not deleted ({e})"
            ))
        })?;
    }
    for group in &groups {
        guard.check(Write::Group { name: group }).map_err(|e| {
            AwsError::Refused(format!(
                "policy {arn} is attached to IAM group {group}, which awsfed does not own, so it is not deleted ({e})"
            ))
        })?;
    }
    for role in &roles {
        tolerant(&["NoSuchEntity"], iam.detach_role_policy(role, arn)).await?;
    }
    for user in &users {
        tolerant(&["NoSuchEntity"], iam.detach_user_policy(user, arn)).await?;
    }
    for group in &groups {
        tolerant(&["NoSuchEntity"], iam.detach_group_policy(group, arn)).await?;
    }
    if let Some(versions) = tolerant(&["NoSuchEntity"], iam.list_policy_versions(arn)).await? {
        for version in versions.iter().filter(|v| !v.is_default) {
            tolerant(
                &["NoSuchEntity"],
                iam.delete_policy_version(arn, &version.id),
            )
            .await?;
        }
    }
    tolerant(&["NoSuchEntity"], iam.delete_policy(arn)).await?;
    Ok(())
}

pub(crate) async fn delete_role<C: IamApi>(
    iam: &C,
    guard: &Guard,
    role: &str,
) -> Result<(), AwsError> {
    guard.check(Write::Role { name: role })?;
    let Some(profiles) =
        tolerant(&["NoSuchEntity"], iam.list_instance_profiles_for_role(role)).await?
    else {
        return Ok(());
    };
    if !profiles.is_empty() {
        let (noun, them) = if profiles.len() == 1 {
            ("profile", "it")
        } else {
            ("profiles", "them")
        };
        return Err(AwsError::Refused(format!(
            "role {role} is in instance {noun} {}, which awsfed does not own, so it is not deleted; remove it from {them} and run again",
            profiles.join(", ")
        )));
    }
    if let Some(attached) =
        tolerant(&["NoSuchEntity"], iam.list_attached_role_policies(role)).await?
    {
        for arn in &attached {
            tolerant(&["NoSuchEntity"], iam.detach_role_policy(role, arn)).await?;
        }
    }
    if let Some(inline) = tolerant(&["NoSuchEntity"], iam.list_role_policies(role)).await? {
        for name in &inline {
            tolerant(&["NoSuchEntity"], iam.delete_role_policy(role, name)).await?;
        }
    }
    tolerant(&["NoSuchEntity"], iam.delete_role(role)).await?;
    Ok(())
}
