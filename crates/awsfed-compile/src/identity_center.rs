//! The Identity Center part of the desired state: the permission sets the instance must hold and
//! the account assignments (directory group → permission set → account) of every
//! `identity-center` account.
//!
//! Identity Center turns each (account, permission set) it provisions into a role
//! `AWSReservedSSO_<set>_<hash>` under `/aws-reserved/sso.amazonaws.com/` in the account, trusted by
//! the instance's own SAML provider ("Referencing permission sets in resource policies", IAM
//! Identity Center User Guide); awsfed owns no IAM there, only the permission sets and assignments.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::identity_center::iso8601_duration;
use awsfed_model::{
    CustomerManagedPolicy, GroupSource, MANAGED_TAG_KEY, MANAGED_TAG_VALUE, Model, PermissionSet,
    TopologyKind,
};
use awsfed_policy::PolicyDocument;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredIdentityCenter {
    /// `None` when the model leaves it to be found with `ListInstances`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_store_id: Option<String>,
    /// `None` when the model has no `identity_center` section (a comparison's what-if).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    pub groups: GroupSource,
    /// Sorted by name.
    pub permission_sets: Vec<DesiredPermissionSet>,
    /// Sorted by group, permission set, account name.
    pub assignments: Vec<DesiredAssignment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredPermissionSet {
    pub name: String,
    /// `None` when the model names none: awsfed then keeps whatever description the instance has
    /// (an imported set without one must not show as changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO-8601, as Identity Center takes it (`PT8H`).
    pub session_duration: String,
    /// The same, in seconds.
    pub session_seconds: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay_state: Option<String>,
    /// AWS managed policy ARNs, sorted.
    pub managed_policies: Vec<String>,
    /// Sorted.
    pub customer_managed_policies: Vec<PolicyReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_policy: Option<PolicyDocument>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// The awsfed managed tag: awsfed changes and deletes only permission sets that carry it.
    pub tags: BTreeMap<String, String>,
}

impl DesiredPermissionSet {
    /// What a permission set awsfed creates (or exports) is described as: the model's description,
    /// else a label naming awsfed.
    pub fn description_to_write(&self) -> String {
        self.description
            .clone()
            .unwrap_or_else(|| format!("awsfed permission set {}", self.name))
    }
}

/// A customer managed policy by path and name, as Identity Center references it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyReference {
    pub path: String,
    pub name: String,
}

impl From<&CustomerManagedPolicy> for PolicyReference {
    fn from(policy: &CustomerManagedPolicy) -> Self {
        Self {
            path: policy.path.clone(),
            name: policy.name.clone(),
        }
    }
}

/// Identity Center takes a boundary as an AWS managed policy ARN or a customer managed policy by
/// path and name (API Reference, PermissionsBoundary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PermissionsBoundary {
    ManagedPolicyArn(String),
    CustomerManagedPolicy(PolicyReference),
}

/// One account assignment: members of the group get the permission set in the account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DesiredAssignment {
    pub group: String,
    pub permission_set: String,
    pub account_name: String,
    pub account_id: String,
}

/// The Identity Center part of a model, when some account is `identity-center`.
pub fn compile_identity_center(model: &Model) -> Option<DesiredIdentityCenter> {
    let in_identity_center =
        |account: usize| model.accounts[account].topology == TopologyKind::IdentityCenter;
    let mut assignments = BTreeSet::new();
    let mut used = vec![false; model.permission_sets.len()];
    for group in &model.groups {
        for grant in &group.grants {
            for &account in grant.accounts.iter().filter(|&&a| in_identity_center(a)) {
                used[grant.permission_set] = true;
                assignments.insert(DesiredAssignment {
                    group: group.name.clone(),
                    permission_set: model.permission_sets[grant.permission_set].name.clone(),
                    account_name: model.accounts[account].name.clone(),
                    account_id: model.accounts[account].id.clone(),
                });
            }
        }
    }
    if !model
        .accounts
        .iter()
        .any(|a| a.topology == TopologyKind::IdentityCenter)
    {
        return None;
    }
    let section = model.identity_center.as_ref();
    Some(DesiredIdentityCenter {
        instance_arn: section.and_then(|s| s.instance_arn.clone()),
        identity_store_id: section.and_then(|s| s.identity_store_id.clone()),
        region: section.map(|s| s.region.clone()),
        start_url: section.and_then(|s| s.start_url.clone()),
        groups: section.map_or(GroupSource::Lookup, |s| s.groups),
        permission_sets: model
            .permission_sets
            .iter()
            .zip(&used)
            .filter(|(_, used)| **used)
            .map(|(set, _)| permission_set(model, set))
            .collect(),
        assignments: assignments.into_iter().collect(),
    })
}

fn permission_set(model: &Model, set: &PermissionSet) -> DesiredPermissionSet {
    DesiredPermissionSet {
        name: set.name.clone(),
        description: set.description.clone(),
        session_duration: iso8601_duration(set.session_duration),
        session_seconds: set.session_duration,
        relay_state: set.relay_state.clone(),
        managed_policies: set.managed_policies.clone(),
        customer_managed_policies: set
            .customer_managed_policies
            .iter()
            .map(PolicyReference::from)
            .collect(),
        inline_policy: set.inline_policy.clone(),
        permissions_boundary: set
            .permissions_boundary
            .as_deref()
            .map(|arn| boundary(model, arn)),
        tags: BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]),
    }
}

/// An AWS managed boundary stays an ARN; a customer managed one (validated as
/// `arn:…:iam::ACCOUNT:policy/PATH/NAME`) becomes its path and name, which Identity Center
/// resolves in each account.
fn boundary(model: &Model, arn: &str) -> PermissionsBoundary {
    if arn.starts_with(&format!("arn:{}:iam::aws:policy/", model.partition)) {
        return PermissionsBoundary::ManagedPolicyArn(arn.to_owned());
    }
    let resource = arn.split_once(":policy").map_or("", |(_, rest)| rest);
    let cut = resource.rfind('/').unwrap_or(0);
    PermissionsBoundary::CustomerManagedPolicy(PolicyReference {
        path: resource[..=cut].to_owned(),
        name: resource[cut + 1..].to_owned(),
    })
}
