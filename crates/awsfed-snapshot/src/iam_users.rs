//! IAM users and IAM groups as `scan` reads them: the people of an IAM-users hub, their group
//! memberships and policies, and the metadata of their credentials (never a secret: access key ids,
//! their status and creation date from `iam:ListAccessKeys`, MFA device serial numbers from
//! `iam:ListMFADevices`, and whether a console password exists from `iam:GetLoginProfile`).

use std::collections::BTreeMap;

use awsfed_policy::PolicyDocument;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSnapshot {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// IAM group names, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, PolicyDocument>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The user's own credentials, when they were read (`None`: not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<UserCredentials>,
}

/// What a user holds that is theirs, not awsfed's: awsfed never creates nor deletes any of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCredentials {
    /// Sorted by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_keys: Vec<AccessKeySnapshot>,
    /// Serial numbers (ARNs of virtual devices), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mfa_devices: Vec<String>,
    /// Whether the user has a console password.
    #[serde(default)]
    pub login_profile: bool,
}

impl UserCredentials {
    /// What IAM would refuse to delete the user with, in words, empty when nothing.
    pub fn held(&self) -> Vec<String> {
        let mut held = Vec::new();
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        if !self.access_keys.is_empty() {
            held.push(count(self.access_keys.len(), "access key"));
        }
        if !self.mfa_devices.is_empty() {
            held.push(count(self.mfa_devices.len(), "MFA device"));
        }
        if self.login_profile {
            held.push("a console password".to_owned());
        }
        held
    }
}

/// An access key's metadata (`iam:ListAccessKeys`); the secret is never returned by that call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeySnapshot {
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// As IAM reports it (RFC 3339).
    pub created: String,
}

/// IAM groups cannot be tagged ("Tagging IAM resources", IAM User Guide, lists the taggable
/// resources: groups are not among them), so a group carries no tags here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamGroupSnapshot {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, PolicyDocument>,
}

/// The users a compiled model creates, sorted by ARN: no credentials (awsfed creates none).
pub(crate) fn users_from_desired(hub: &awsfed_compile::DesiredIamUsers) -> Vec<UserSnapshot> {
    let mut users: Vec<UserSnapshot> = hub
        .users
        .iter()
        .map(|u| UserSnapshot {
            name: u.name.clone(),
            path: u.path.clone(),
            arn: u.arn.clone(),
            groups: u.groups.clone(),
            managed_policy_arns: sorted(&u.managed_policy_arns),
            inline_policies: BTreeMap::new(),
            tags: u.tags.clone(),
            credentials: None,
        })
        .collect();
    users.sort_by(|a, b| a.arn.cmp(&b.arn));
    users
}

/// The IAM groups a compiled model creates, sorted by ARN.
pub(crate) fn groups_from_desired(hub: &awsfed_compile::DesiredIamUsers) -> Vec<IamGroupSnapshot> {
    let mut groups: Vec<IamGroupSnapshot> = hub
        .groups
        .iter()
        .map(|g| IamGroupSnapshot {
            name: g.name.clone(),
            path: g.path.clone(),
            arn: g.arn.clone(),
            managed_policy_arns: sorted(&g.managed_policy_arns),
            inline_policies: BTreeMap::new(),
        })
        .collect();
    groups.sort_by(|a, b| a.arn.cmp(&b.arn));
    groups
}

fn sorted(list: &[String]) -> Vec<String> {
    let mut list = list.to_vec();
    list.sort();
    list
}
