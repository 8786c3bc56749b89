//! Roles as a scan reads them, for tests that build a snapshot by hand (feature `snapshot`).

use std::collections::BTreeMap;

use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::RoleSnapshot;

/// Role `name` at `path` in `account`, as a scan reads it: no policies, no tags, a one-hour
/// session; awsfed does not own it. Change a field with struct update syntax.
pub fn role(account: &str, path: &str, name: &str) -> RoleSnapshot {
    RoleSnapshot {
        name: name.to_owned(),
        path: path.to_owned(),
        arn: format!("arn:aws:iam::{account}:role{path}{name}"),
        role_id: String::new(),
        trust_policy: PolicyDocument::new(Vec::new()),
        inline_policies: BTreeMap::new(),
        managed_policy_arns: Vec::new(),
        permissions_boundary: None,
        max_session_duration: 3600,
        description: None,
        tags: BTreeMap::new(),
    }
}

/// The same role carrying awsfed's managed tag (ours, when `path` is under awsfed's role path).
pub fn managed_role(account: &str, path: &str, name: &str) -> RoleSnapshot {
    RoleSnapshot {
        tags: BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]),
        ..role(account, path, name)
    }
}
