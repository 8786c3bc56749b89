//! The IAM calls for IAM users and IAM groups (the IAM-users hub), as a trait beside [`IamApi`]
//! (which requires it), implemented by the SDK client here. None of them creates, reads or deletes
//! a secret: `user_credentials` reads metadata only (`ListAccessKeys` never returns a secret key).

use std::collections::BTreeMap;
use std::future::Future;

use awsfed_snapshot::{AccessKeySnapshot, UserCredentials};

use super::{Call, CallError, Entity, sdk_tags, tag_map};

/// An IAM group as IAM reports it now: its path (groups have no tags) and its members.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupEntity {
    pub path: String,
    pub members: Vec<String>,
}

/// The IAM users and groups API as the executor uses it. Every method is one IAM call, except
/// `user_credentials` (three) and the list calls (every page).
pub trait IamUserApi: Send + Sync {
    fn create_user(
        &self,
        name: &str,
        path: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Call<()>> + Send;
    fn get_user(&self, name: &str) -> impl Future<Output = Call<Entity>> + Send;
    fn tag_user(
        &self,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Call<()>> + Send;
    fn delete_user(&self, name: &str) -> impl Future<Output = Call<()>> + Send;
    /// Access keys (metadata), MFA devices and whether a console password exists.
    fn user_credentials(&self, name: &str) -> impl Future<Output = Call<UserCredentials>> + Send;
    fn list_groups_for_user(&self, name: &str) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn list_attached_user_policies(
        &self,
        name: &str,
    ) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn list_user_policies(&self, name: &str) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn attach_user_policy(&self, user: &str, arn: &str) -> impl Future<Output = Call<()>> + Send;
    fn detach_user_policy(&self, user: &str, arn: &str) -> impl Future<Output = Call<()>> + Send;
    fn delete_user_policy(&self, user: &str, name: &str) -> impl Future<Output = Call<()>> + Send;
    fn create_group(&self, name: &str, path: &str) -> impl Future<Output = Call<()>> + Send;
    fn get_group(&self, name: &str) -> impl Future<Output = Call<GroupEntity>> + Send;
    fn delete_group(&self, name: &str) -> impl Future<Output = Call<()>> + Send;
    fn add_user_to_group(&self, user: &str, group: &str) -> impl Future<Output = Call<()>> + Send;
    fn remove_user_from_group(
        &self,
        user: &str,
        group: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn attach_group_policy(&self, group: &str, arn: &str) -> impl Future<Output = Call<()>> + Send;
    fn detach_group_policy(&self, group: &str, arn: &str) -> impl Future<Output = Call<()>> + Send;
    fn list_attached_group_policies(
        &self,
        group: &str,
    ) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn list_group_policies(&self, group: &str) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn delete_group_policy(&self, group: &str, name: &str)
    -> impl Future<Output = Call<()>> + Send;
    /// The users and the groups a managed policy is attached to.
    fn list_policy_users_and_groups(
        &self,
        arn: &str,
    ) -> impl Future<Output = Call<(Vec<String>, Vec<String>)>> + Send;
}

impl IamUserApi for aws_sdk_iam::Client {
    async fn create_user(
        &self,
        name: &str,
        path: &str,
        tags: &BTreeMap<String, String>,
    ) -> Call<()> {
        let tags = sdk_tags(tags)?;
        sent!(
            "iam:CreateUser",
            self.create_user()
                .user_name(name)
                .path(path)
                .set_tags(Some(tags))
        )
        .map(drop)
    }

    async fn get_user(&self, name: &str) -> Call<Entity> {
        let output = sent!("iam:GetUser", self.get_user().user_name(name))?;
        Ok(output.user().map_or_else(Entity::default, |u| Entity {
            path: u.path().to_owned(),
            tags: tag_map(u.tags()),
        }))
    }

    async fn tag_user(&self, name: &str, tags: &BTreeMap<String, String>) -> Call<()> {
        let tags = sdk_tags(tags)?;
        sent!(
            "iam:TagUser",
            self.tag_user().user_name(name).set_tags(Some(tags))
        )
        .map(drop)
    }

    async fn delete_user(&self, name: &str) -> Call<()> {
        sent!("iam:DeleteUser", self.delete_user().user_name(name)).map(drop)
    }

    async fn user_credentials(&self, name: &str) -> Call<UserCredentials> {
        let mut access_keys = every_page!(
            "iam:ListAccessKeys",
            self.list_access_keys().user_name(name),
            |page: &aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput| page
                .access_key_metadata()
                .iter()
                .map(|k| AccessKeySnapshot {
                    id: k.access_key_id().unwrap_or_default().to_owned(),
                    status: k
                        .status()
                        .map_or_else(String::new, |s| s.as_str().to_owned()),
                    created: k
                        .create_date()
                        .and_then(|t| {
                            t.fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
                                .ok()
                        })
                        .unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        );
        access_keys.sort_by(|a, b| a.id.cmp(&b.id));
        let mut mfa_devices = every_page!(
            "iam:ListMFADevices",
            self.list_mfa_devices().user_name(name),
            |page: &aws_sdk_iam::operation::list_mfa_devices::ListMfaDevicesOutput| page
                .mfa_devices()
                .iter()
                .map(|d| d.serial_number().to_owned())
                .collect::<Vec<_>>()
        );
        mfa_devices.sort();
        let login_profile = match self.get_login_profile().user_name(name).send().await {
            Ok(_) => true,
            Err(e) => {
                let e = CallError::sdk("iam:GetLoginProfile", &e);
                if e.code() != Some("NoSuchEntity") {
                    return Err(e);
                }
                false
            }
        };
        Ok(UserCredentials {
            access_keys,
            mfa_devices,
            login_profile,
        })
    }

    async fn list_groups_for_user(&self, name: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListGroupsForUser",
            self.list_groups_for_user().user_name(name),
            |page: &aws_sdk_iam::operation::list_groups_for_user::ListGroupsForUserOutput| page
                .groups()
                .iter()
                .map(|g| g.group_name().to_owned())
                .collect::<Vec<_>>()
        ))
    }

    async fn list_attached_user_policies(&self, name: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListAttachedUserPolicies",
            self.list_attached_user_policies().user_name(name),
            |page: &aws_sdk_iam::operation::list_attached_user_policies::ListAttachedUserPoliciesOutput| page
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned))
                .collect::<Vec<_>>()
        ))
    }

    async fn list_user_policies(&self, name: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListUserPolicies",
            self.list_user_policies().user_name(name),
            |page: &aws_sdk_iam::operation::list_user_policies::ListUserPoliciesOutput| page
                .policy_names()
                .to_vec()
        ))
    }

    async fn attach_user_policy(&self, user: &str, arn: &str) -> Call<()> {
        sent!(
            "iam:AttachUserPolicy",
            self.attach_user_policy().user_name(user).policy_arn(arn)
        )
        .map(drop)
    }

    async fn detach_user_policy(&self, user: &str, arn: &str) -> Call<()> {
        sent!(
            "iam:DetachUserPolicy",
            self.detach_user_policy().user_name(user).policy_arn(arn)
        )
        .map(drop)
    }

    async fn delete_user_policy(&self, user: &str, name: &str) -> Call<()> {
        sent!(
            "iam:DeleteUserPolicy",
            self.delete_user_policy().user_name(user).policy_name(name)
        )
        .map(drop)
    }

    async fn create_group(&self, name: &str, path: &str) -> Call<()> {
        sent!(
            "iam:CreateGroup",
            self.create_group().group_name(name).path(path)
        )
        .map(drop)
    }

    async fn get_group(&self, name: &str) -> Call<GroupEntity> {
        let mut path = String::from("/");
        let members = every_page!(
            "iam:GetGroup",
            self.get_group().group_name(name),
            |page: &aws_sdk_iam::operation::get_group::GetGroupOutput| {
                if let Some(group) = page.group() {
                    path = group.path().to_owned();
                }
                page.users()
                    .iter()
                    .map(|u| u.user_name().to_owned())
                    .collect::<Vec<_>>()
            }
        );
        Ok(GroupEntity { path, members })
    }

    async fn delete_group(&self, name: &str) -> Call<()> {
        sent!("iam:DeleteGroup", self.delete_group().group_name(name)).map(drop)
    }

    async fn add_user_to_group(&self, user: &str, group: &str) -> Call<()> {
        sent!(
            "iam:AddUserToGroup",
            self.add_user_to_group().user_name(user).group_name(group)
        )
        .map(drop)
    }

    async fn remove_user_from_group(&self, user: &str, group: &str) -> Call<()> {
        sent!(
            "iam:RemoveUserFromGroup",
            self.remove_user_from_group()
                .user_name(user)
                .group_name(group)
        )
        .map(drop)
    }

    async fn attach_group_policy(&self, group: &str, arn: &str) -> Call<()> {
        sent!(
            "iam:AttachGroupPolicy",
            self.attach_group_policy().group_name(group).policy_arn(arn)
        )
        .map(drop)
    }

    async fn detach_group_policy(&self, group: &str, arn: &str) -> Call<()> {
        sent!(
            "iam:DetachGroupPolicy",
            self.detach_group_policy().group_name(group).policy_arn(arn)
        )
        .map(drop)
    }

    async fn list_attached_group_policies(&self, group: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListAttachedGroupPolicies",
            self.list_attached_group_policies().group_name(group),
            |page: &aws_sdk_iam::operation::list_attached_group_policies::ListAttachedGroupPoliciesOutput| page
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned))
                .collect::<Vec<_>>()
        ))
    }

    async fn list_group_policies(&self, group: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListGroupPolicies",
            self.list_group_policies().group_name(group),
            |page: &aws_sdk_iam::operation::list_group_policies::ListGroupPoliciesOutput| page
                .policy_names()
                .to_vec()
        ))
    }

    async fn delete_group_policy(&self, group: &str, name: &str) -> Call<()> {
        sent!(
            "iam:DeleteGroupPolicy",
            self.delete_group_policy()
                .group_name(group)
                .policy_name(name)
        )
        .map(drop)
    }

    async fn list_policy_users_and_groups(&self, arn: &str) -> Call<(Vec<String>, Vec<String>)> {
        let pairs = every_page!(
            "iam:ListEntitiesForPolicy",
            self.list_entities_for_policy().policy_arn(arn),
            |page: &aws_sdk_iam::operation::list_entities_for_policy::ListEntitiesForPolicyOutput| {
                let users = page.policy_users().iter().filter_map(|u| u.user_name().map(|n| (true, n.to_owned())));
                let groups = page.policy_groups().iter().filter_map(|g| g.group_name().map(|n| (false, n.to_owned())));
                users.chain(groups).collect::<Vec<_>>()
            }
        );
        let (users, groups): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(user, _)| *user);
        Ok((
            users.into_iter().map(|(_, n)| n).collect(),
            groups.into_iter().map(|(_, n)| n).collect(),
        ))
    }
}
