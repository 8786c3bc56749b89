//! A plan's creations checked against an account's IAM quotas.
//!
//! The compiler validates against the model's `quotas` (IAM's defaults unless raised), but an
//! account's real quotas are whatever Service Quotas granted it, and how many roles it already
//! holds is only known there. `iam:GetAccountSummary` reports both ("GetAccountSummary", IAM API
//! Reference: `RolesQuota`/`Roles`, `AttachedPoliciesPerRoleQuota`, `AssumeRolePolicySizeQuota`,
//! `PolicySizeQuota`); connected commands read it for the accounts whose plan creates or grows
//! something those quotas bound ([`needs_quotas`]), so a converged plan makes no extra call.
//! Offline (a plan from a snapshot) the model's quotas stand in ([`AccountQuotas::from_model`]).
//!
//! An account that would pass a quota gets a [`Conflict`] and none of its changes: IAM would
//! reject part of them with `LimitExceeded`, leaving the account half-applied.

use std::collections::BTreeMap;

use awsfed_model::{Quotas, defaults};
use awsfed_policy::iam_size;
use serde::{Deserialize, Serialize};

use super::{AccountPlan, Action, Conflict, Plan};
use awsfed_snapshot::Snapshot;

/// An account's quotas and role count, as `iam:GetAccountSummary` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountQuotas {
    /// Roles the account holds now (every path, service-linked roles included).
    pub roles: usize,
    pub roles_quota: usize,
    pub attached_policies_per_role_quota: usize,
    /// Trust policy length, counted as IAM does (whitespace excluded).
    pub assume_role_policy_size_quota: usize,
    pub policy_size_quota: usize,
}

impl AccountQuotas {
    /// What the model assumes, for a plan made without AWS; `roles` is what the snapshot holds.
    pub fn from_model(quotas: &Quotas, roles: usize) -> Self {
        Self {
            roles,
            roles_quota: quotas.roles_per_account,
            attached_policies_per_role_quota: quotas.managed_policies_per_role,
            assume_role_policy_size_quota: quotas.trust_policy_size,
            policy_size_quota: defaults::MANAGED_POLICY_SIZE,
        }
    }
}

/// Whether an account's plan creates a role, attaches a policy or writes a trust or managed policy:
/// the changes a quota can refuse. Only such accounts need their quotas read.
pub fn needs_quotas(account: &AccountPlan) -> bool {
    account.changes.iter().any(|c| {
        matches!(
            c.action,
            Action::CreateRole { .. }
                | Action::AttachPolicy { .. }
                | Action::CreatePolicy { .. }
                | Action::UpdateTrust { .. }
                | Action::UpdatePolicy { .. }
        )
    })
}

/// Adds a conflict to every account of the plan whose changes would pass its quotas (accounts
/// without an entry in `quotas` are not checked) and drops that account's changes.
pub fn check_quotas(
    plan: &mut Plan,
    quotas: &BTreeMap<String, AccountQuotas>,
    actual: &Snapshot,
    source: QuotaSource,
) {
    for account in &mut plan.accounts {
        let Some(quota) = quotas.get(&account.account_id) else {
            continue;
        };
        let attached: BTreeMap<&str, usize> = actual
            .accounts
            .iter()
            .find(|a| a.id == account.account_id)
            .map(|a| {
                a.roles
                    .iter()
                    .map(|r| (r.name.as_str(), r.managed_policy_arns.len()))
                    .collect()
            })
            .unwrap_or_default();
        let conflicts = account_conflicts(account, quota, &attached, source);
        if !conflicts.is_empty() {
            account.changes.clear();
            account.conflicts.extend(conflicts);
        }
    }
    plan.accounts
        .retain(|a| !a.changes.is_empty() || !a.conflicts.is_empty());
}

/// Where the quotas came from, for the conflict's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaSource {
    /// `iam:GetAccountSummary` of the account.
    Live,
    /// The model's `quotas` (IAM's defaults unless raised there).
    Model,
}

impl QuotaSource {
    fn quota(self, what: &str) -> String {
        match self {
            QuotaSource::Live => format!("the account's {what} quota"),
            QuotaSource::Model => format!("the model's {what} quota"),
        }
    }
}

fn account_conflicts(
    account: &AccountPlan,
    quota: &AccountQuotas,
    attached: &BTreeMap<&str, usize>,
    source: QuotaSource,
) -> Vec<Conflict> {
    let mut conflicts: Vec<Conflict> = role_count_conflict(account, quota, source)
        .into_iter()
        .collect();
    conflicts.extend(attachment_conflicts(account, quota, attached, source));
    conflicts.extend(size_conflicts(account, quota, source));
    conflicts
}

/// Roles the plan creates past the account's roles quota (deletions run last).
fn role_count_conflict(
    account: &AccountPlan,
    quota: &AccountQuotas,
    source: QuotaSource,
) -> Option<Conflict> {
    let creates = account
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::CreateRole { .. }))
        .count();
    (creates > 0 && quota.roles + creates > quota.roles_quota).then(|| Conflict {
            resource: format!("{creates} new roles"),
            reason: format!(
                "the account holds {} roles and the plan creates {creates} (deletions run last), past {} of {}",
                quota.roles,
                source.quota("roles"),
                quota.roles_quota
            ),
            hint: format!(
                "raise the account's IAM roles quota with Service Quotas (at most {}) and set `quotas.roles_per_account`, delete roles it no longer uses, or grant fewer permission sets there",
                defaults::ROLES_PER_ACCOUNT_MAX
            ),
    })
}

/// Roles that would hold more managed policies than the quota at their peak.
fn attachment_conflicts(
    account: &AccountPlan,
    quota: &AccountQuotas,
    attached: &BTreeMap<&str, usize>,
    source: QuotaSource,
) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    // Attachments run before detachments (policies are created and attached in the hub policy
    // phase, detached in updates), so a role's peak is what it holds plus every attachment.
    let mut peak: BTreeMap<&str, usize> = BTreeMap::new();
    for change in &account.changes {
        let (role, added) = match &change.action {
            Action::CreateRole {
                name,
                managed_policy_arns,
                ..
            } => (name.as_str(), managed_policy_arns.len()),
            Action::AttachPolicy { role, .. } => (role.as_str(), 1),
            Action::CreatePolicy { attach_to, .. } => (attach_to.as_str(), 1),
            _ => continue,
        };
        *peak
            .entry(role)
            .or_insert_with(|| attached.get(role).copied().unwrap_or(0)) += added;
    }
    for (role, count) in peak {
        if count > quota.attached_policies_per_role_quota {
            conflicts.push(Conflict {
                resource: format!("role {role}"),
                reason: format!(
                    "the role would have {count} managed policies attached, past {} of {}",
                    source.quota("managed policies per role"),
                    quota.attached_policies_per_role_quota
                ),
                hint: format!(
                    "raise the account's managed policies per role quota with Service Quotas (at most {}), or set `quotas.managed_policies_per_role` to {} so the compiler fits within it",
                    defaults::MANAGED_POLICIES_PER_ROLE_MAX,
                    quota.attached_policies_per_role_quota
                ),
            });
        }
    }
    conflicts
}

/// Trust and managed policies the plan writes past their size quotas.
fn size_conflicts(
    account: &AccountPlan,
    quota: &AccountQuotas,
    source: QuotaSource,
) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    for change in &account.changes {
        let (resource, document, trust) = match &change.action {
            Action::CreateRole {
                name, trust_policy, ..
            } => (format!("role {name}"), trust_policy, true),
            Action::UpdateTrust {
                role, trust_policy, ..
            } => (format!("role {role}"), trust_policy, true),
            Action::CreatePolicy { name, document, .. } => {
                (format!("policy {name}"), document, false)
            }
            Action::UpdatePolicy { arn, document, .. } => {
                (format!("policy {arn}"), document, false)
            }
            _ => continue,
        };
        let size = iam_size(document);
        if trust && size > quota.assume_role_policy_size_quota {
            conflicts.push(Conflict {
                resource,
                reason: format!(
                    "its trust policy is {size} characters, past {} of {}",
                    source.quota("trust policy size"),
                    quota.assume_role_policy_size_quota
                ),
                hint: format!(
                    "raise the account's role trust policy length quota with Service Quotas (at most {}), or set `quotas.trust_policy_size` to {} so the compiler narrows trusts to fit",
                    defaults::TRUST_POLICY_SIZE_MAX,
                    quota.assume_role_policy_size_quota
                ),
            });
        } else if !trust && size > quota.policy_size_quota {
            conflicts.push(Conflict {
                resource,
                reason: format!(
                    "the policy is {size} characters, past {} of {}",
                    source.quota("managed policy size"),
                    quota.policy_size_quota
                ),
                hint: "this quota cannot be raised; grant fewer accounts per hub role, or set `organization.id` so the compiler can narrow by organisation".to_owned(),
            });
        }
    }
    conflicts
}
