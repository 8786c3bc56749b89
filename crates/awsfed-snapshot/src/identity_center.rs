//! IAM Identity Center as `awsfed scan` reads it from the management or delegated-administrator
//! account: the instance, its permission sets (with everything `DescribePermissionSet`,
//! `ListManagedPoliciesInPermissionSet`, `ListCustomerManagedPolicyReferencesInPermissionSet`,
//! `GetInlinePolicyForPermissionSet`, `GetPermissionsBoundaryForPermissionSet` and
//! `ListTagsForResource` return), the accounts each is provisioned to, the account assignments, and
//! the identity store's groups and users the assignments name.
//!
//! The roles Identity Center creates in each account (`AWSReservedSSO_<set>_<hash>` under
//! `/aws-reserved/sso.amazonaws.com/`, trusted by the instance's SAML provider in that account) are
//! ordinary IAM roles: they sit in each [`crate::AccountSnapshot`]'s `roles`, with their policies,
//! like every other role the scan reads ("Referencing permission sets in resource policies", IAM
//! Identity Center User Guide). [`reserved_role_permission_set`] names the permission set behind one.
//!
//! On disk it is `identity-center.json` beside `organization.json` in a snapshot folder, or the
//! `identity_center` field of a one-file snapshot.

use std::collections::BTreeMap;

use awsfed_compile::{PermissionsBoundary, PolicyReference};
use awsfed_policy::PolicyDocument;
use serde::{Deserialize, Serialize};

/// The path Identity Center creates its roles under in every account it provisions.
pub const RESERVED_ROLE_PATH: &str = "/aws-reserved/sso.amazonaws.com/";
/// The prefix of every such role's name: `AWSReservedSSO_<permission set>_<16 hex digits>`.
pub const RESERVED_ROLE_PREFIX: &str = "AWSReservedSSO_";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityCenterSnapshot {
    pub format: u32,
    /// `arn:aws:sso:::instance/ssoins-…`.
    pub instance_arn: String,
    /// `d-…`.
    pub identity_store_id: String,
    /// The region the instance lives in.
    pub region: String,
    /// Sorted by name.
    pub permission_sets: Vec<PermissionSetSnapshot>,
    /// Sorted by permission set ARN, account, principal type and id.
    pub assignments: Vec<AssignmentSnapshot>,
    /// The identity store's groups (id and display name), sorted by display name then id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<DirectoryGroupSnapshot>,
    /// The identity store's users that assignments name directly (id and user name), sorted by
    /// user name then id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<DirectoryUserSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSetSnapshot {
    /// `arn:aws:sso:::permissionSet/ssoins-…/ps-…`.
    pub arn: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO-8601 (`PT8H`), as Identity Center reports it; `None` when it reports none (one hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_state: Option<String>,
    /// AWS managed policy ARNs, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
    /// Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_managed_policies: Vec<PolicyReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_policy: Option<PolicyDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Accounts the permission set is provisioned to (`ListAccountsForProvisionedPermissionSet`),
    /// sorted. An edit reaches an account only once provisioned there again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisioned_accounts: Vec<String>,
}

/// Who an assignment gives the permission set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PrincipalType {
    Group,
    User,
}

/// One account assignment: the principal gets the permission set in the account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentSnapshot {
    pub permission_set_arn: String,
    pub account_id: String,
    pub principal_type: PrincipalType,
    /// The identity store's id of the group or user.
    pub principal_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryGroupSnapshot {
    pub display_name: String,
    pub id: String,
}

/// A single user an assignment names: Identity Center lets a permission set be assigned to a user
/// as well as to a group ("Assign user access to AWS accounts", IAM Identity Center User Guide).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryUserSnapshot {
    pub user_name: String,
    pub id: String,
}

impl IdentityCenterSnapshot {
    /// Sorts what the format promises sorted (hand-edited files may not be).
    pub fn sort(&mut self) {
        self.permission_sets.sort_by(|a, b| a.name.cmp(&b.name));
        for set in &mut self.permission_sets {
            set.managed_policies.sort();
            set.customer_managed_policies.sort();
            set.provisioned_accounts.sort();
        }
        self.assignments.sort();
        self.groups.sort();
        self.users.sort();
    }

    pub fn permission_set(&self, arn: &str) -> Option<&PermissionSetSnapshot> {
        self.permission_sets.iter().find(|s| s.arn == arn)
    }

    pub fn group_name(&self, id: &str) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.display_name.as_str())
    }

    pub fn user_name(&self, id: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.user_name.as_str())
    }
}

/// The permission set name behind a reserved role: `AWSReservedSSO_ReadOnly_0123456789abcdef`
/// under [`RESERVED_ROLE_PATH`] gives `ReadOnly`. Identity Center appends `_` and 16 hexadecimal
/// digits; a permission set name may itself hold `_`, so the cut is the last one.
pub fn reserved_role_permission_set<'a>(path: &str, role_name: &'a str) -> Option<&'a str> {
    if !path.starts_with(RESERVED_ROLE_PATH) {
        return None;
    }
    let rest = role_name.strip_prefix(RESERVED_ROLE_PREFIX)?;
    let (set, hash) = rest.rsplit_once('_')?;
    (!set.is_empty() && !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_roles_name_their_permission_set() {
        let path = "/aws-reserved/sso.amazonaws.com/eu-west-1/";
        assert_eq!(
            reserved_role_permission_set(path, "AWSReservedSSO_Read_Only_0123456789abcdef"),
            Some("Read_Only")
        );
        assert_eq!(
            reserved_role_permission_set("/awsfed/", "AWSReservedSSO_Admin_0123456789abcdef"),
            None
        );
        assert_eq!(
            reserved_role_permission_set(path, "AWSReservedSSO_Admin_xyz"),
            None
        );
        assert_eq!(reserved_role_permission_set(path, "Admin"), None);
    }
}
