//! Hub policies by OU: `aws:ResourceOrgPaths` is the Organizations path of the account that owns
//! the resource, `o-ORG/r-ROOT/ou-A/ou-B/` ("AWS global condition context keys", IAM User Guide:
//! multivalued, matched with `ForAnyValue:StringLike`; `…/ou-A/*` is the OU and every OU below
//! it). OU ids are known only from Organizations, so this form is chosen at plan time.
//!
//! Sound only where the OU path grants nothing the model does not: the grant selects by OU alone
//! (`accounts: { ous: [...] }`), and every account Organizations has in that OU and below, whatever
//! its status (a suspended account can be reinstated with its roles), is granted that role by this
//! hub role. An account added to the OU later is then reachable as soon as a role of that name
//! exists there, which is what an OU grant says: the next plan gives it the role and its trust.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::message::HubPolicyChoice;
use awsfed_model::{Diagnostic, defaults};
use awsfed_policy::{Statement, StringList};

use super::hub_policies::{Grantee, pack};
use super::{Compiler, GroupIndex};
use crate::desired::{DesiredPolicy, HubPolicyForm};

/// Where each OU and account sits in Organizations, as `aws:ResourceOrgPaths` names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationPaths {
    /// OU path by names (`Workloads/Dev`) → its entity path (`o-x/r-x/ou-a/ou-b/`).
    pub ous: BTreeMap<String, String>,
    /// Every account of the organisation, whatever its status → the entity path of its parent
    /// (`o-x/r-x/ou-a/`; `o-x/r-x/` at the root).
    pub accounts: BTreeMap<String, String>,
}

impl OrganizationPaths {
    /// The accounts in the OU with entity path `ou_path` or below it.
    fn accounts_under<'p>(&'p self, ou_path: &'p str) -> impl Iterator<Item = &'p str> {
        self.accounts
            .iter()
            .filter(move |(_, path)| path.starts_with(ou_path))
            .map(|(id, _)| id.as_str())
    }
}

impl Compiler<'_> {
    /// The group's OU grants by spoke role name: the OU paths by names.
    fn ou_grants(&self, group: GroupIndex) -> BTreeMap<&str, BTreeSet<&str>> {
        let mut by_role: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for grant in &self.model.groups[group].grants {
            for ou in &grant.ous {
                by_role
                    .entry(self.set_role_names[grant.permission_set].as_str())
                    .or_default()
                    .insert(ou.as_str());
            }
        }
        by_role
    }

    /// The entity paths of the OUs that may stand for `granted` accounts of one role name: named by
    /// an OU grant of that role, known to Organizations, holding accounts, every one of them
    /// granted; OUs below another such OU are left out (the upper pattern covers them).
    fn covering_ous<'p>(
        &self,
        paths: &'p OrganizationPaths,
        ous: &BTreeSet<&str>,
        granted: &BTreeSet<&str>,
    ) -> Vec<&'p str> {
        let mut covering: Vec<&str> = ous
            .iter()
            .filter_map(|ou| paths.ous.get(*ou).map(String::as_str))
            .filter(|path| {
                let mut under = paths.accounts_under(path).peekable();
                under.peek().is_some() && under.all(|id| granted.contains(id))
            })
            .collect();
        covering.sort_unstable();
        covering.dedup();
        let nested: Vec<bool> = covering
            .iter()
            .map(|p| covering.iter().any(|q| q != p && p.starts_with(q)))
            .collect();
        covering
            .into_iter()
            .zip(nested)
            .filter(|(_, nested)| !nested)
            .map(|(p, _)| p)
            .collect()
    }

    /// One statement per role name: the covering OUs by `aws:ResourceOrgPaths`, the other granted
    /// accounts by `aws:ResourceAccount` lists, and how many OUs are named. `None` when no role name
    /// has a covering OU.
    fn org_path_statements(
        &self,
        grantee: &Grantee,
        accounts_by_role: &BTreeMap<&str, Vec<&str>>,
    ) -> Option<(Vec<Statement>, usize)> {
        let paths = self.organization_paths?;
        let ou_grants = self.ou_grants(grantee.group);
        let mut statements = Vec::new();
        let mut ous_used: BTreeSet<&str> = BTreeSet::new();
        let ids_per_statement = (defaults::MANAGED_POLICY_SIZE - 600) / 15;
        for (role, ids) in accounts_by_role {
            let granted: BTreeSet<&str> = ids.iter().copied().collect();
            let covering = ou_grants
                .get(role)
                .map(|ous| self.covering_ous(paths, ous, &granted))
                .unwrap_or_default();
            let resource = StringList::one(self.any_account_role_arn(role));
            if !covering.is_empty() {
                ous_used.extend(covering.iter().copied());
                statements.push(
                    grantee
                        .base
                        .clone()
                        .with_resource(resource.clone())
                        .with_condition(
                            "ForAnyValue:StringLike",
                            "aws:ResourceOrgPaths",
                            StringList(covering.iter().map(|p| format!("{p}*")).collect()),
                        ),
                );
            }
            let mut rest: Vec<&str> = granted
                .iter()
                .copied()
                .filter(|id| {
                    !paths
                        .accounts
                        .get(*id)
                        .is_some_and(|path| covering.iter().any(|ou| path.starts_with(ou)))
                })
                .collect();
            rest.sort_unstable();
            for chunk in rest.chunks(ids_per_statement) {
                statements.push(
                    grantee
                        .base
                        .clone()
                        .with_resource(resource.clone())
                        .with_condition(
                            "StringEquals",
                            "aws:ResourceAccount",
                            StringList(chunk.iter().map(|&id| id.to_owned()).collect()),
                        ),
                );
            }
        }
        (!ous_used.is_empty()).then_some((statements, ous_used.len()))
    }

    /// The grantee's policies naming its OU grants by OU path, with the note saying so, when
    /// Organizations' tree is known, some OU grant covers a whole OU and the result fits the
    /// managed policy quota.
    pub(super) fn org_path_policies(
        &self,
        grantee: &Grantee,
        hub_account: awsfed_model::AccountIndex,
        accounts_by_role: &BTreeMap<&str, Vec<&str>>,
    ) -> Option<(Vec<DesiredPolicy>, Diagnostic)> {
        let (statements, ous) = self.org_path_statements(grantee, accounts_by_role)?;
        let documents = pack(statements, grantee.max_policies)?;
        let spokes: usize = accounts_by_role.values().map(Vec::len).sum();
        let note = Diagnostic::of(&HubPolicyChoice::HubPolicyByOrgPaths {
            what: grantee.what,
            name: grantee.name.clone(),
            ous,
            spokes,
            policies: documents.len(),
        })
        .at(grantee.span);
        let policies = self.named_hub_policies(
            grantee,
            hub_account,
            documents,
            HubPolicyForm::RoleNameByOrgPaths,
        );
        Some((policies, note))
    }
}
