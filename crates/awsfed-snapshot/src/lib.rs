//! The actual IAM state of many accounts, as `awsfed scan` reads it from AWS, and as later analysis
//! (`plan`, `who-can`, `audit`, `verify`, `diff`) reads it back offline.
//!
//! On disk a snapshot is a folder: `organization.json` (when the organisation was read),
//! `identity-center.json` (when an Identity Center instance was read, an [`IdentityCenterSnapshot`])
//! and `accounts/ACCOUNT-ID.json`, one per account, each an [`AccountSnapshot`]; or a single JSON file
//! holding the whole [`Snapshot`]. Both are deterministic: lists sorted, no timestamps beyond what AWS
//! reports for the resources themselves.

use std::collections::BTreeMap;

use awsfed_policy::PolicyDocument;
use serde::{Deserialize, Serialize};

use awsfed_compile::DesiredState;

mod iam_users;
mod identity_center;
mod org_paths;
mod read;
pub use iam_users::{AccessKeySnapshot, IamGroupSnapshot, UserCredentials, UserSnapshot};
pub use identity_center::{
    AssignmentSnapshot, DirectoryGroupSnapshot, DirectoryUserSnapshot, IdentityCenterSnapshot,
    PermissionSetSnapshot, PrincipalType, RESERVED_ROLE_PATH, RESERVED_ROLE_PREFIX,
    reserved_role_permission_set,
};
pub use read::{
    MAX_JSON_DEPTH, MAX_SNAPSHOT_ACCOUNTS, MAX_SNAPSHOT_FILE_BYTES, SnapshotError,
    check_json_limits, parse_json, parse_json_within, read_snapshot_file, read_snapshot_folder,
};

/// The snapshot format version written into every file.
pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub format: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationSnapshot>,
    /// The Identity Center instance, when one was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_center: Option<IdentityCenterSnapshot>,
    /// Sorted by account id.
    pub accounts: Vec<AccountSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSnapshot {
    pub format: u32,
    pub id: String,
    pub management_account_id: String,
    pub root_id: String,
    /// Sorted by id.
    pub ous: Vec<OuSnapshot>,
    /// Sorted by id.
    pub accounts: Vec<OrgAccountSnapshot>,
    /// SCPs and RCPs, sorted by id.
    pub policies: Vec<OrgPolicySnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OuSnapshot {
    pub id: String,
    pub name: String,
    /// The root or another OU.
    pub parent_id: String,
    /// OU names from the root, `/`-separated (`Workloads/Prod`).
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgAccountSnapshot {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, …
    pub status: String,
    /// The root or the OU directly holding the account.
    pub parent_id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgPolicyKind {
    ServiceControl,
    ResourceControl,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgPolicySnapshot {
    pub id: String,
    pub name: String,
    pub kind: OrgPolicyKind,
    pub document: PolicyDocument,
    /// Root, OU and account ids the policy is attached to, sorted.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSnapshot {
    pub format: u32,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Sorted by ARN.
    pub roles: Vec<RoleSnapshot>,
    /// Sorted by ARN.
    pub saml_providers: Vec<SamlProviderSnapshot>,
    /// Customer managed policies (AWS managed ones are referenced by ARN only), sorted by ARN.
    pub policies: Vec<ManagedPolicySnapshot>,
    /// IAM users, sorted by ARN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserSnapshot>,
    /// IAM groups, sorted by ARN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<IamGroupSnapshot>,
}

impl AccountSnapshot {
    /// Account `id` where awsfed has nothing: as a scan reads it, or before the first apply.
    pub fn empty(id: &str) -> Self {
        Self {
            format: SNAPSHOT_FORMAT,
            id: id.to_owned(),
            name: None,
            roles: Vec::new(),
            saml_providers: Vec::new(),
            policies: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSnapshot {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// The unique id (`AROA…`) that trusts naming this role are bound to: recreating the role
    /// changes it and breaks them.
    pub role_id: String,
    pub trust_policy: PolicyDocument,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, PolicyDocument>,
    /// Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    pub max_session_duration: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlProviderSnapshot {
    pub arn: String,
    pub name: String,
    pub metadata_document: String,
    /// As IAM reports it (RFC 3339), when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicySnapshot {
    pub arn: String,
    pub name: String,
    pub path: String,
    /// The default version's document.
    pub document: PolicyDocument,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The versions other than the default, as a live read finds them. Not written to snapshot
    /// files (a scan shows the default document; awsfed's record of its versions is a tag): the
    /// plan uses them to say when an update makes an earlier version the default again.
    #[serde(skip)]
    pub other_versions: Vec<PolicyVersionSnapshot>,
}

/// A version of a customer managed policy that is not its default.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersionSnapshot {
    /// `v1`, `v2`, … as IAM numbers them.
    pub id: String,
    pub document: PolicyDocument,
}

impl Snapshot {
    /// What the accounts would hold once the desired state is applied to empty accounts: the view
    /// access analysis uses for a compiled model. Role ids are derived from the ARN (real ones come
    /// from AWS), the metadata document is not carried.
    pub fn from_desired(state: &DesiredState) -> Snapshot {
        let mut accounts: Vec<AccountSnapshot> = state
            .accounts
            .iter()
            .map(|account| AccountSnapshot {
                format: SNAPSHOT_FORMAT,
                id: account.id.clone(),
                name: Some(account.name.clone()),
                roles: {
                    let mut roles: Vec<RoleSnapshot> = account
                        .roles
                        .iter()
                        .map(|role| RoleSnapshot {
                            name: role.name.clone(),
                            path: role.path.clone(),
                            arn: role.arn.clone(),
                            role_id: synthetic_role_id(&role.arn),
                            trust_policy: role.trust_policy.clone(),
                            inline_policies: role.inline_policies.clone(),
                            managed_policy_arns: role.managed_policy_arns.clone(),
                            permissions_boundary: role.permissions_boundary.clone(),
                            max_session_duration: role.max_session_duration,
                            description: Some(role.description.clone()),
                            tags: role.tags.clone(),
                        })
                        .collect();
                    roles.sort_by(|a, b| a.arn.cmp(&b.arn));
                    roles
                },
                saml_providers: account
                    .saml_provider
                    .iter()
                    .map(|p| SamlProviderSnapshot {
                        arn: p.arn.clone(),
                        name: p.name.clone(),
                        metadata_document: String::new(),
                        valid_until: None,
                        tags: BTreeMap::new(),
                    })
                    .collect(),
                policies: {
                    let mut policies: Vec<ManagedPolicySnapshot> = account
                        .policies
                        .iter()
                        .chain(account.iam_users.iter().flat_map(|u| &u.policies))
                        .map(|p| ManagedPolicySnapshot {
                            arn: p.arn.clone(),
                            name: p.name.clone(),
                            path: p.path.clone(),
                            document: p.document.clone(),
                            tags: p.tags.clone(),
                            other_versions: Vec::new(),
                        })
                        .collect();
                    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
                    policies
                },
                users: account
                    .iam_users
                    .as_ref()
                    .map(iam_users::users_from_desired)
                    .unwrap_or_default(),
                groups: account
                    .iam_users
                    .as_ref()
                    .map(iam_users::groups_from_desired)
                    .unwrap_or_default(),
            })
            .collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        Snapshot {
            format: SNAPSHOT_FORMAT,
            organization: None,
            identity_center: None,
            accounts,
        }
    }
}

/// A stable stand-in for IAM's unique role id: `AROA` and 17 upper-case letters and digits derived
/// from the ARN (FNV-1a), so the same desired state always gives the same snapshot.
pub fn synthetic_role_id(arn: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in arn.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut id = String::from("AROA");
    for i in 0..17 {
        let shift = (i * 5) % 64;
        id.push(char::from(
            ALPHABET[((hash.rotate_right(shift) ^ (i as u64)) & 31) as usize],
        ));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_ids_are_stable_and_look_like_role_ids() {
        let a = synthetic_role_id("arn:aws:iam::111111111111:role/awsfed/Admin");
        assert_eq!(
            a,
            synthetic_role_id("arn:aws:iam::111111111111:role/awsfed/Admin")
        );
        assert_ne!(
            a,
            synthetic_role_id("arn:aws:iam::111111111111:role/awsfed/ReadOnly")
        );
        assert!(a.starts_with("AROA") && a.len() == 21);
    }
}
