//! The Identity Center part of a plan: the changes that take the instance as scanned
//! ([`IdentityCenterSnapshot`]) to the permission sets and account assignments the model compiles
//! to ([`DesiredIdentityCenter`]).
//!
//! Order follows what Identity Center accepts (IAM Identity Center API Reference): groups first
//! (an assignment names a principal id), then permission sets and their content, then
//! `ProvisionPermissionSet` to every account already holding a changed set (an edit reaches an
//! account only when provisioned there again, "Provision permission sets", User Guide; a new
//! assignment provisions the set to its account itself), then new assignments, then assignments
//! to remove, and permission sets to remove last (`DeletePermissionSet` refuses a set still
//! assigned).
//!
//! Ownership: a permission set is awsfed's when it carries the managed tag
//! ([`is_managed_tagged`]); assignments carry no tags, so an assignment is awsfed's when its
//! permission set is. A same-named permission set without the tag is a conflict, never a change, and
//! no assignment of it is created or deleted. Drift: every permission set awsfed writes carries a
//! digest tag of its content; a set whose content no longer matches the tag was changed outside
//! awsfed and is listed under [`IdentityCenterPlan::drift`].

mod after_apply;
mod diff;
mod render;

pub(crate) use render::render_identity_center;

use serde::{Deserialize, Serialize};

use awsfed_compile::{PermissionsBoundary, PolicyReference};
use awsfed_policy::PolicyDocument;

pub use after_apply::identity_center_after_apply;
pub use diff::{
    identity_center_fingerprint, permission_set_digest, plan_identity_center, read_scope,
};

use crate::Conflict;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityCenterPlan {
    pub instance_arn: String,
    pub identity_store_id: String,
    pub region: String,
    /// The accounts whose assignments were read (beside those each set is provisioned to) and the
    /// directory groups looked up: `apply` reads the same again before it writes.
    pub accounts: Vec<String>,
    pub groups: Vec<String>,
    /// In execution order.
    pub changes: Vec<IdentityCenterChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// awsfed's permission sets changed outside awsfed (their changes are in `changes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<PermissionSetDrift>,
    /// Digest of the instance as scanned: `apply` refuses the plan when it changed since.
    pub fingerprint: String,
}

/// When a change runs; every change of one step finishes before the next step starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityCenterStep {
    Groups,
    PermissionSets,
    Provisioning,
    Assignments,
    Removals,
}

impl IdentityCenterStep {
    pub fn label(self) -> &'static str {
        match self {
            IdentityCenterStep::Groups => "directory groups",
            IdentityCenterStep::PermissionSets => "permission sets",
            IdentityCenterStep::Provisioning => "provisioning",
            IdentityCenterStep::Assignments => "account assignments",
            IdentityCenterStep::Removals => "removals",
        }
    }
}

// No `deny_unknown_fields`: serde does not support it together with `flatten`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityCenterChange {
    pub step: IdentityCenterStep,
    #[serde(flatten)]
    pub action: IdentityCenterAction,
}

/// One change, by names (the executor finds ids and ARNs in the state it reads before applying).
/// Each is idempotent: `apply` can run it again after an interruption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum IdentityCenterAction {
    /// `groups: create`: a directory group the identity store lacks.
    CreateGroup {
        group: String,
    },
    CreatePermissionSet {
        name: String,
        description: String,
        session_duration: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relay_state: Option<String>,
    },
    UpdatePermissionSet {
        name: String,
        /// `None`: the set has no description and the model names none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        session_duration: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        relay_state: Option<String>,
    },
    AttachManagedPolicy {
        permission_set: String,
        policy_arn: String,
    },
    DetachManagedPolicy {
        permission_set: String,
        policy_arn: String,
    },
    AttachCustomerManagedPolicy {
        permission_set: String,
        policy: PolicyReference,
    },
    DetachCustomerManagedPolicy {
        permission_set: String,
        policy: PolicyReference,
    },
    PutInlinePolicy {
        permission_set: String,
        document: PolicyDocument,
    },
    DeleteInlinePolicy {
        permission_set: String,
    },
    PutPermissionsBoundary {
        permission_set: String,
        boundary: PermissionsBoundary,
    },
    DeletePermissionsBoundary {
        permission_set: String,
    },
    /// The managed tag and the digest of the content just written.
    TagPermissionSet {
        permission_set: String,
        digest: String,
    },
    /// To every account the set is provisioned to (`ALL_PROVISIONED_ACCOUNTS`).
    ProvisionPermissionSet {
        permission_set: String,
        accounts: Vec<String>,
    },
    CreateAssignment {
        group: String,
        permission_set: String,
        account_id: String,
    },
    DeleteAssignment {
        /// The group's display name, or the principal id when the identity store has no name for it.
        principal: String,
        principal_id: String,
        principal_type: awsfed_snapshot::PrincipalType,
        permission_set: String,
        account_id: String,
    },
    DeletePermissionSet {
        name: String,
    },
}

impl IdentityCenterAction {
    /// A short line for progress and summaries.
    pub fn summary(&self) -> String {
        use IdentityCenterAction as A;
        match self {
            A::CreateGroup { group } => format!("create directory group {group}"),
            A::CreatePermissionSet { name, .. } => format!("create permission set {name}"),
            A::UpdatePermissionSet { name, .. } => {
                format!("update settings of permission set {name}")
            }
            A::AttachManagedPolicy {
                permission_set,
                policy_arn,
            } => format!("attach {policy_arn} to permission set {permission_set}"),
            A::DetachManagedPolicy {
                permission_set,
                policy_arn,
            } => format!("detach {policy_arn} from permission set {permission_set}"),
            A::AttachCustomerManagedPolicy {
                permission_set,
                policy,
            } => format!(
                "attach customer managed policy {}{} to permission set {permission_set}",
                policy.path, policy.name
            ),
            A::DetachCustomerManagedPolicy {
                permission_set,
                policy,
            } => format!(
                "detach customer managed policy {}{} from permission set {permission_set}",
                policy.path, policy.name
            ),
            A::PutInlinePolicy { permission_set, .. } => {
                format!("put the inline policy of permission set {permission_set}")
            }
            A::DeleteInlinePolicy { permission_set } => {
                format!("delete the inline policy of permission set {permission_set}")
            }
            A::PutPermissionsBoundary { permission_set, .. } => {
                format!("set the permissions boundary of permission set {permission_set}")
            }
            A::DeletePermissionsBoundary { permission_set } => {
                format!("remove the permissions boundary of permission set {permission_set}")
            }
            A::TagPermissionSet { permission_set, .. } => {
                format!("tag permission set {permission_set}")
            }
            A::ProvisionPermissionSet {
                permission_set,
                accounts,
            } => format!(
                "provision permission set {permission_set} to the {} account(s) holding it",
                accounts.len()
            ),
            A::CreateAssignment {
                group,
                permission_set,
                account_id,
            } => format!("assign {permission_set} in {account_id} to group {group}"),
            A::DeleteAssignment {
                principal,
                permission_set,
                account_id,
                ..
            } => format!("remove {permission_set} in {account_id} from {principal}"),
            A::DeletePermissionSet { name } => format!("delete permission set {name}"),
        }
    }

    /// `create`, `update` or `delete`, for counts.
    pub fn kind(&self) -> &'static str {
        use IdentityCenterAction as A;
        match self {
            A::CreateGroup { .. } | A::CreatePermissionSet { .. } | A::CreateAssignment { .. } => {
                "create"
            }
            A::DeleteAssignment { .. } | A::DeletePermissionSet { .. } => "delete",
            _ => "update",
        }
    }

    /// The permission set the change writes, if any (the executor checks it is awsfed's).
    pub fn permission_set(&self) -> Option<&str> {
        use IdentityCenterAction as A;
        match self {
            A::CreateGroup { .. } => None,
            A::CreatePermissionSet { name, .. }
            | A::UpdatePermissionSet { name, .. }
            | A::DeletePermissionSet { name } => Some(name),
            A::AttachManagedPolicy { permission_set, .. }
            | A::DetachManagedPolicy { permission_set, .. }
            | A::AttachCustomerManagedPolicy { permission_set, .. }
            | A::DetachCustomerManagedPolicy { permission_set, .. }
            | A::PutInlinePolicy { permission_set, .. }
            | A::DeleteInlinePolicy { permission_set }
            | A::PutPermissionsBoundary { permission_set, .. }
            | A::DeletePermissionsBoundary { permission_set }
            | A::TagPermissionSet { permission_set, .. }
            | A::ProvisionPermissionSet { permission_set, .. }
            | A::CreateAssignment { permission_set, .. }
            | A::DeleteAssignment { permission_set, .. } => Some(permission_set),
        }
    }
}

/// One of awsfed's permission sets whose content no longer matches what awsfed wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSetDrift {
    pub permission_set: String,
    /// What differs: `session duration`, `inline policy`, …
    pub what: Vec<String>,
}

impl IdentityCenterPlan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
