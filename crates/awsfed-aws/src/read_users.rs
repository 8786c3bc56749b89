//! IAM users and groups from the same `GetAccountAuthorizationDetails` pages as roles (filtered to
//! `User` and `Group` too): each user with its groups, attached and inline policies and tags, each
//! group with its attached and inline policies ("GetAccountAuthorizationDetails", IAM API
//! Reference). Credentials are metadata only, read per user (`ListAccessKeys`, `ListMFADevices`,
//! `GetLoginProfile`): for every user on a full scan, otherwise for the users under awsfed's path,
//! whose deletion depends on them.

use std::collections::BTreeMap;

use awsfed_policy::PolicyDocument;
use awsfed_snapshot::{IamGroupSnapshot, UserSnapshot};

use crate::AwsError;
use crate::iam::IamUserApi;
use crate::read::{ReadOptions, document};

const OPERATION: &str = "iam:GetAccountAuthorizationDetails";

pub(crate) fn user_snapshot(
    user: &aws_sdk_iam::types::UserDetail,
) -> Result<UserSnapshot, AwsError> {
    let name = user.user_name().unwrap_or_default().to_owned();
    let inline_policies = inline(
        user.user_policy_list()
            .iter()
            .map(|p| (p.policy_name(), p.policy_document())),
        &format!("IAM user {name}"),
    )?;
    let mut groups: Vec<String> = user.group_list().to_vec();
    groups.sort();
    Ok(UserSnapshot {
        path: user.path().unwrap_or("/").to_owned(),
        arn: user.arn().unwrap_or_default().to_owned(),
        groups,
        managed_policy_arns: sorted_arns(user.attached_managed_policies()),
        inline_policies,
        tags: user
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
        credentials: None,
        name,
    })
}

pub(crate) fn group_snapshot(
    group: &aws_sdk_iam::types::GroupDetail,
) -> Result<IamGroupSnapshot, AwsError> {
    let name = group.group_name().unwrap_or_default().to_owned();
    let inline_policies = inline(
        group
            .group_policy_list()
            .iter()
            .map(|p| (p.policy_name(), p.policy_document())),
        &format!("IAM group {name}"),
    )?;
    Ok(IamGroupSnapshot {
        path: group.path().unwrap_or("/").to_owned(),
        arn: group.arn().unwrap_or_default().to_owned(),
        managed_policy_arns: sorted_arns(group.attached_managed_policies()),
        inline_policies,
        name,
    })
}

/// Reads the credentials metadata of the users that need it (see the module docs).
pub(crate) async fn read_credentials(
    iam: &aws_sdk_iam::Client,
    users: &mut [UserSnapshot],
    options: &ReadOptions,
) -> Result<(), AwsError> {
    for user in users
        .iter_mut()
        .filter(|u| options.full || awsfed_plan::is_under_path(&u.path, &options.role_path))
    {
        user.credentials = Some(iam.user_credentials(&user.name).await?);
    }
    Ok(())
}

fn inline<'a>(
    policies: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
    owner: &str,
) -> Result<BTreeMap<String, PolicyDocument>, AwsError> {
    let mut inline = BTreeMap::new();
    for (name, text) in policies {
        let name = name.unwrap_or_default().to_owned();
        let parsed = document(
            text.unwrap_or_default(),
            OPERATION,
            &format!("inline policy {name} of {owner}"),
        )?;
        inline.insert(name, parsed);
    }
    Ok(inline)
}

fn sorted_arns(attached: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    let mut arns: Vec<String> = attached
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect();
    arns.sort();
    arns
}
