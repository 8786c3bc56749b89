//! The plan: ordered changes that take the actual state (a [`Snapshot`](awsfed_snapshot::Snapshot)
//! read by `awsfed scan`) to the desired state (what the model compiles to). Pure: it tests
//! without AWS, and `awsfed apply` only executes what it says.
//!
//! Ordering follows what IAM accepts ("Modifying a role trust policy", IAM User Guide: a trust
//! naming a role that does not exist is rejected with `MalformedPolicyDocument: Invalid principal`):
//! SAML providers first, then hub roles (trusting the providers), then account roles (spoke roles
//! trusting the hub roles, and direct roles), then the hub assume policies, then updates, deletions
//! last. [`Phase`] is that order; `apply` finishes a phase in every account before it starts the next.
//!
//! Ownership: only roles and policies under the model's role path that carry the managed tag are
//! ever updated or deleted ([`is_ours`], the one place that decides); a same-named resource awsfed
//! does not own is a [`Conflict`], never a change, and nothing is attached to or from it. A role
//! whose trust would admit a role awsfed does not own ([`ForeignRoles`]: one holding a hub role's
//! name, or under the hub path) is a conflict too.
//!
//! Drift: every role and policy awsfed writes carries a digest tag of the content it wrote. When the
//! content in AWS no longer matches its digest tag, someone changed it outside awsfed; the plan
//! lists it under [`Plan::drift`] and its changes put it back.

mod after_apply;
mod approval;
mod diff;
mod foreign_roles;
mod hub_move;
pub mod identity_center;
pub mod migration;
mod normalize;
mod ownership;
mod quotas;
mod read;
mod render;
pub mod stacksets;

use std::collections::BTreeMap;

use awsfed_policy::PolicyDocument;
use serde::{Deserialize, Serialize};

pub use after_apply::after_apply;
pub use approval::first_difference;
pub use diff::{PlanOptions, fingerprint, plan, policy_digest};
pub use foreign_roles::{Admission, ForeignRoles};
pub use identity_center::{
    IdentityCenterAction, IdentityCenterChange, IdentityCenterPlan, IdentityCenterStep,
    PermissionSetDrift, plan_identity_center,
};
pub use normalize::{normalize, same_policy};
pub use ownership::{
    STACK_PREFIX, is_awsfed_policy_arn, is_managed_tagged, is_our_stack, is_ours, is_under_path,
    policy_arn_path,
};
pub use quotas::{AccountQuotas, QuotaSource, check_quotas, needs_quotas};
pub use read::MAX_PLAN_BYTES;
pub use render::render_text;

/// The plan format version written into `plan.json`.
pub const PLAN_FORMAT: u32 = 1;

/// The tag holding the digest of the content awsfed last wrote to a role or policy.
pub const DIGEST_TAG_KEY: &str = "awsfed:digest";

/// The tag holding the digest of a role's session length and description, which
/// `GetAccountAuthorizationDetails` does not report.
pub const SETTINGS_TAG_KEY: &str = "awsfed:settings";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format: u32,
    /// The IAM path of everything awsfed owns.
    pub role_path: String,
    /// The SAML provider name of the model (the only provider whose metadata is read).
    pub provider_name: String,
    /// The IAM path of the IAM users and groups awsfed owns, when the model has IAM users or the
    /// accounts hold users or groups under it; empty otherwise (no user or group is written).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub users_path: String,
    /// Accounts with changes or conflicts, sorted by account id.
    pub accounts: Vec<AccountPlan>,
    /// Managed resources changed outside awsfed (their changes are in `accounts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<Drift>,
    /// What the administrator must do after applying (the IdP side of a rollout).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// Fingerprints of every account the plan was made from, including unchanged ones: `apply`
    /// refuses the plan when any of them changed since (a stale plan).
    pub fingerprints: BTreeMap<String, String>,
    /// Permission sets and account assignments, when the model has `identity-center` accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_center: Option<IdentityCenterPlan>,
}

impl Plan {
    /// Whether applying would change anything.
    pub fn is_empty(&self) -> bool {
        self.accounts.iter().all(|a| a.changes.is_empty())
            && self
                .identity_center
                .as_ref()
                .is_none_or(IdentityCenterPlan::is_empty)
    }

    pub fn change_count(&self) -> usize {
        self.accounts.iter().map(|a| a.changes.len()).sum::<usize>()
            + self.identity_center.as_ref().map_or(0, |c| c.changes.len())
    }

    pub fn conflict_count(&self) -> usize {
        self.accounts
            .iter()
            .map(|a| a.conflicts.len())
            .sum::<usize>()
            + self
                .identity_center
                .as_ref()
                .map_or(0, |c| c.conflicts.len())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPlan {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// In execution order.
    pub changes: Vec<Change>,
    /// Resources awsfed needs but cannot take over; the account is reported as failed by `apply`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

/// When a change runs; every account finishes one phase before any starts the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Providers,
    /// IAM users, IAM groups, their policies and memberships: before the spoke trusts that name
    /// the users (IAM rejects a trust naming a user that does not exist).
    IamUsers,
    HubRoles,
    AccountRoles,
    HubPolicies,
    Updates,
    Deletions,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Providers,
        Phase::IamUsers,
        Phase::HubRoles,
        Phase::AccountRoles,
        Phase::HubPolicies,
        Phase::Updates,
        Phase::Deletions,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Providers => "SAML providers",
            Phase::IamUsers => "IAM users and groups",
            Phase::HubRoles => "hub roles",
            Phase::AccountRoles => "spoke and direct roles",
            Phase::HubPolicies => "hub assume policies",
            Phase::Updates => "updates",
            Phase::Deletions => "deletions",
        }
    }
}

// No `deny_unknown_fields`: serde does not support it together with `flatten`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub phase: Phase,
    #[serde(flatten)]
    pub action: Action,
}

/// One change. Each is idempotent when executed: `apply` can run it again after an interruption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    CreateSamlProvider {
        name: String,
        metadata_document: String,
        tags: BTreeMap<String, String>,
    },
    /// Metadata rotation.
    UpdateSamlProvider {
        arn: String,
        metadata_document: String,
    },
    DeleteSamlProvider {
        arn: String,
    },
    CreateRole {
        name: String,
        path: String,
        description: String,
        max_session_duration: u32,
        trust_policy: PolicyDocument,
        /// Only policies that exist before the role (the awsfed policies attach themselves).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        managed_policy_arns: Vec<String>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        inline_policies: BTreeMap<String, PolicyDocument>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permissions_boundary: Option<String>,
        tags: BTreeMap<String, String>,
    },
    UpdateTrust {
        role: String,
        trust_policy: PolicyDocument,
        previous: PolicyDocument,
    },
    UpdateRole {
        role: String,
        max_session_duration: u32,
        description: String,
    },
    PutInlinePolicy {
        role: String,
        name: String,
        document: PolicyDocument,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<PolicyDocument>,
    },
    DeleteInlinePolicy {
        role: String,
        name: String,
    },
    AttachPolicy {
        role: String,
        policy_arn: String,
    },
    DetachPolicy {
        role: String,
        policy_arn: String,
    },
    PutPermissionsBoundary {
        role: String,
        policy_arn: String,
    },
    DeletePermissionsBoundary {
        role: String,
    },
    /// Rewrites the digest tag after the role's content changed.
    TagRole {
        role: String,
        tags: BTreeMap<String, String>,
    },
    /// Removes tags awsfed no longer sets: the migration tag once a migration ends or is rolled
    /// back (`TagRole` only adds and overwrites).
    UntagRole {
        role: String,
        keys: Vec<String>,
    },
    CreatePolicy {
        name: String,
        path: String,
        description: String,
        document: PolicyDocument,
        tags: BTreeMap<String, String>,
        /// The hub role it is attached to once created; empty for the IAM users' policies, which
        /// `AttachUserPolicy` and `AttachGroupPolicy` changes attach.
        attach_to: String,
    },
    /// A new default version (the oldest non-default one goes when five exist), then the digest tag.
    /// When a version the policy still holds has the document (a rollback, a model changed back),
    /// that version is made the default again instead and the versions awsfed wrote after it are
    /// deleted.
    UpdatePolicy {
        arn: String,
        document: PolicyDocument,
        previous: PolicyDocument,
        tags: BTreeMap<String, String>,
        /// The id of the version holding the document, when the read found one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restores: Option<String>,
    },
    /// Detached from every role, IAM user and IAM group (all awsfed's: a plan keeps a policy
    /// someone else's hold, as a conflict), its old versions deleted, then deleted.
    DeletePolicy {
        arn: String,
    },
    /// Its policies detached and inline policies deleted, then deleted.
    DeleteRole {
        role: String,
    },
    /// An IAM user of the IAM-users hub; no password, access key or MFA device (those are the
    /// user's own).
    CreateUser {
        name: String,
        path: String,
        tags: BTreeMap<String, String>,
    },
    /// Rewrites the user's digest tag after its memberships or policies changed.
    TagUser {
        user: String,
        tags: BTreeMap<String, String>,
    },
    /// Removed from its groups, its policies detached and inline policies deleted, then deleted;
    /// refused while it holds access keys, an MFA device or a console password.
    DeleteUser {
        user: String,
    },
    CreateGroup {
        name: String,
        path: String,
    },
    /// Its members removed, its policies detached and inline policies deleted, then deleted.
    DeleteGroup {
        group: String,
    },
    AddUserToGroup {
        user: String,
        group: String,
    },
    RemoveUserFromGroup {
        user: String,
        group: String,
    },
    AttachUserPolicy {
        user: String,
        policy_arn: String,
    },
    DetachUserPolicy {
        user: String,
        policy_arn: String,
    },
    AttachGroupPolicy {
        group: String,
        policy_arn: String,
    },
    DetachGroupPolicy {
        group: String,
        policy_arn: String,
    },
    DeleteUserInlinePolicy {
        user: String,
        name: String,
    },
    DeleteGroupInlinePolicy {
        group: String,
        name: String,
    },
}

impl Action {
    /// A short line for progress and summaries.
    pub fn summary(&self) -> String {
        match self {
            Action::CreateSamlProvider { name, .. } => format!("create SAML provider {name}"),
            Action::UpdateSamlProvider { arn, .. } => {
                format!("update SAML provider metadata {arn}")
            }
            Action::DeleteSamlProvider { arn } => format!("delete SAML provider {arn}"),
            Action::CreateRole { name, .. } => format!("create role {name}"),
            Action::UpdateTrust { role, .. } => format!("update trust of role {role}"),
            Action::UpdateRole { role, .. } => format!("update settings of role {role}"),
            Action::PutInlinePolicy { role, name, .. } => {
                format!("put inline policy {name} on role {role}")
            }
            Action::DeleteInlinePolicy { role, name } => {
                format!("delete inline policy {name} of role {role}")
            }
            Action::AttachPolicy { role, policy_arn } => {
                format!("attach {policy_arn} to role {role}")
            }
            Action::DetachPolicy { role, policy_arn } => {
                format!("detach {policy_arn} from role {role}")
            }
            Action::PutPermissionsBoundary { role, policy_arn } => {
                format!("set permissions boundary {policy_arn} on role {role}")
            }
            Action::DeletePermissionsBoundary { role } => {
                format!("remove permissions boundary of role {role}")
            }
            Action::TagRole { role, .. } => format!("tag role {role}"),
            Action::UntagRole { role, keys } => {
                format!("remove tag {} from role {role}", keys.join(", "))
            }
            Action::CreatePolicy { name, .. } => format!("create policy {name}"),
            Action::UpdatePolicy {
                arn,
                restores: Some(version),
                ..
            } => format!(
                "update policy {arn}: restore version {version} (the versions awsfed wrote after it are deleted)"
            ),
            Action::UpdatePolicy { arn, .. } => format!("update policy {arn}"),
            Action::DeletePolicy { arn } => format!("delete policy {arn}"),
            Action::DeleteRole { role } => format!("delete role {role}"),
            Action::CreateUser { name, .. } => format!("create IAM user {name}"),
            Action::TagUser { user, .. } => format!("tag IAM user {user}"),
            Action::DeleteUser { user } => format!("delete IAM user {user}"),
            Action::CreateGroup { name, .. } => format!("create IAM group {name}"),
            Action::DeleteGroup { group } => format!("delete IAM group {group}"),
            Action::AddUserToGroup { user, group } => {
                format!("add IAM user {user} to group {group}")
            }
            Action::RemoveUserFromGroup { user, group } => {
                format!("remove IAM user {user} from group {group}")
            }
            Action::AttachUserPolicy { user, policy_arn } => {
                format!("attach {policy_arn} to IAM user {user}")
            }
            Action::DetachUserPolicy { user, policy_arn } => {
                format!("detach {policy_arn} from IAM user {user}")
            }
            Action::AttachGroupPolicy { group, policy_arn } => {
                format!("attach {policy_arn} to IAM group {group}")
            }
            Action::DetachGroupPolicy { group, policy_arn } => {
                format!("detach {policy_arn} from IAM group {group}")
            }
            Action::DeleteUserInlinePolicy { user, name } => {
                format!("delete inline policy {name} of IAM user {user}")
            }
            Action::DeleteGroupInlinePolicy { group, name } => {
                format!("delete inline policy {name} of IAM group {group}")
            }
        }
    }

    /// The role a change is about, if any (used to protect the caller's own role).
    pub fn role(&self) -> Option<&str> {
        match self {
            Action::CreateRole { name, .. } => Some(name),
            Action::UpdateTrust { role, .. }
            | Action::UpdateRole { role, .. }
            | Action::PutInlinePolicy { role, .. }
            | Action::DeleteInlinePolicy { role, .. }
            | Action::AttachPolicy { role, .. }
            | Action::DetachPolicy { role, .. }
            | Action::PutPermissionsBoundary { role, .. }
            | Action::DeletePermissionsBoundary { role }
            | Action::TagRole { role, .. }
            | Action::UntagRole { role, .. }
            | Action::DeleteRole { role } => Some(role),
            _ => None,
        }
    }
}

/// A managed resource whose content no longer matches what awsfed wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drift {
    pub account_id: String,
    /// `role NAME` or `policy ARN`.
    pub resource: String,
    /// What differs: `trust policy`, `inline policy NAME`, …
    pub what: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    pub resource: String,
    pub reason: String,
    pub hint: String,
}

#[cfg(test)]
mod tests;
