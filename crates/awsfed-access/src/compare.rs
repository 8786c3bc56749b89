//! Comparing the access of two estates (`verify`: intended vs actual; `diff`: snapshot vs
//! snapshot): a path is identified by its group (or IAM user), the role it ends in and the role it
//! passes through (an Identity Center reserved role by its account and permission set: AWS picks
//! its suffix).

use std::collections::BTreeSet;

use serde::Serialize;

use super::identity_center::comparable_role_arn;
use super::paths::Analysis;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PathKey {
    pub group: String,
    pub role_arn: String,
    /// The role entered with SAML, on a chained path (the hub role, where awsfed built it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Every path of an analysis, as keys.
/// IAM users' paths are keyed by `iam-user:NAME`, `via` the role the user entered.
pub fn path_keys(analysis: &Analysis<'_, '_>) -> BTreeSet<PathKey> {
    let groups = analysis.paths.iter().map(|p| PathKey {
        group: analysis.mapping.groups[p.group].name.clone(),
        role_arn: comparable_role_arn(&analysis.estate.role(p.target).role.arn),
        via: p
            .is_chained()
            .then(|| comparable_role_arn(&analysis.hops[p.saml_hop].role_arn)),
    });
    let users = analysis.user_paths.iter().map(|p| PathKey {
        group: analysis.user_name(p),
        role_arn: comparable_role_arn(&analysis.estate.role(p.target).role.arn),
        via: p
            .is_chained()
            .then(|| comparable_role_arn(&analysis.hops[p.first_hop].role_arn)),
    });
    groups.chain(users).collect()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PathChange {
    /// In the second set only (extra access in `verify`).
    pub added: Vec<PathKey>,
    /// In the first set only (missing access in `verify`).
    pub removed: Vec<PathKey>,
}

impl PathChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

pub fn compare_paths(before: &BTreeSet<PathKey>, after: &BTreeSet<PathKey>) -> PathChange {
    PathChange {
        added: after.difference(before).cloned().collect(),
        removed: before.difference(after).cloned().collect(),
    }
}
