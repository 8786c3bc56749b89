//! Assume policies: what each hub role or IAM group may assume, in the tightest form that fits the
//! quotas. Both kinds of grantee get the same forms from here, so a rule lives in one place.

use std::collections::BTreeMap;

use awsfed_model::message::HubPolicyChoice;
use awsfed_model::{AccountIndex, Diagnostic, Span, defaults};
use awsfed_policy::{PolicyDocument, Statement, StringList, iam_size, iam_size_of};

use super::{Compiler, GroupIndex, RoleKey};
use crate::desired::{DesiredPolicy, HubPolicyForm};

/// Who an assume policy is for: a hub role, or an IAM group of the IAM-users hub.
pub(super) struct Grantee {
    /// `hub role` or `IAM group`, for notes.
    pub what: &'static str,
    /// The role or group name.
    pub name: String,
    /// Policy names are `PREFIX-assume`, `PREFIX-assume-2`, …
    pub policy_prefix: String,
    pub path: String,
    /// The statement every form copies, with the actions and conditions and no resource.
    pub base: Statement,
    pub max_policies: usize,
    /// Where notes point: the directory group.
    pub span: Span,
    /// The directory group, whose OU grants the OU-path form may name.
    pub group: GroupIndex,
}

impl Compiler<'_> {
    /// The hub role's assume policies, in the tightest form that fits the quotas.
    pub(super) fn hub_policies(
        &mut self,
        group: GroupIndex,
        hub_account: AccountIndex,
        role_name: &str,
        spokes: &[RoleKey],
    ) -> Vec<DesiredPolicy> {
        let grantee = Grantee {
            what: "hub role",
            name: role_name.to_owned(),
            policy_prefix: role_name.to_owned(),
            path: self.model.naming.role_path.clone(),
            base: Statement::allow(self.trust_actions("sts:AssumeRole")),
            max_policies: self.model.quotas.managed_policies_per_role,
            span: self.model.groups[group].span,
            group,
        };
        self.assume_policies(&grantee, hub_account, spokes)
    }

    /// The grantee's assume policies, in the tightest form that fits the quotas.
    pub(super) fn assume_policies(
        &mut self,
        grantee: &Grantee,
        hub_account: AccountIndex,
        spokes: &[RoleKey],
    ) -> Vec<DesiredPolicy> {
        let max_policies = grantee.max_policies;
        let role_name = grantee.name.as_str();
        if let Some(document) = self.exact_arns_document(&grantee.base, spokes) {
            return self.named_hub_policies(
                grantee,
                hub_account,
                vec![document],
                HubPolicyForm::ExactArns,
            );
        }

        // Same roles, shorter text: the OUs of OU grants by path when Organizations' tree is known,
        // else one statement per role name with the account ids as a condition.
        let accounts_by_role = self.accounts_by_role(spokes);
        if let Some((policies, note)) =
            self.org_path_policies(grantee, hub_account, &accounts_by_role)
        {
            self.notes.push(note);
            return policies;
        }
        let statements = self.by_account_statements(&grantee.base, &accounts_by_role);
        if let Some(documents) = pack(statements, max_policies) {
            self.notes.push(
                Diagnostic::of(&HubPolicyChoice::HubPolicyByAccount {
                    what: grantee.what,
                    name: role_name.to_owned(),
                    spokes: spokes.len(),
                    policies: documents.len(),
                })
                .at(grantee.span),
            );
            return self.named_hub_policies(
                grantee,
                hub_account,
                documents,
                HubPolicyForm::RoleNameByAccount,
            );
        }

        if let Some(policies) = self.organization_forms(grantee, hub_account, spokes) {
            return policies;
        }
        self.notes.push(
            Diagnostic::of(&HubPolicyChoice::HubPolicyTooLarge {
                what: grantee.what,
                name: role_name.to_owned(),
                spokes: spokes.len(),
                max_policies,
            })
            .at(grantee.span),
        );
        Vec::new()
    }

    /// The forms that name the organisation, when the model names it: every account of it except
    /// those not granted (exact when the model holds the whole organisation), else any account of
    /// it (a warning).
    fn organization_forms(
        &mut self,
        grantee: &Grantee,
        hub_account: AccountIndex,
        spokes: &[RoleKey],
    ) -> Option<Vec<DesiredPolicy>> {
        let model = self.model;
        let organization = model.organization_id.as_ref()?;
        let max_policies = grantee.max_policies;
        let (role_name, base) = (grantee.name.as_str(), &grantee.base);
        let accounts_by_role = self.accounts_by_role(spokes);
        if model.organization_complete
            && let Some(statements) =
                self.complement_statements(base, &accounts_by_role, organization)
            && let Some(documents) = pack(statements, max_policies)
        {
            let excluded = self.excluded_count(&accounts_by_role);
            self.notes.push(
                Diagnostic::of(&HubPolicyChoice::HubPolicyComplement {
                    what: grantee.what,
                    name: role_name.to_owned(),
                    spokes: spokes.len(),
                    organization: organization.to_owned(),
                    excluded,
                    policies: documents.len(),
                    max_policies,
                })
                .at(grantee.span),
            );
            return Some(self.named_hub_policies(
                grantee,
                hub_account,
                documents,
                HubPolicyForm::RoleNameInOrganizationExcept,
            ));
        }
        let statements = self.by_organization_statements(base, &accounts_by_role, organization);
        let documents = pack(statements, max_policies)?;
        self.notes.push(
            Diagnostic::of(&HubPolicyChoice::HubPolicyByOrganization {
                what: grantee.what,
                name: role_name.to_owned(),
                spokes: spokes.len(),
                organization: organization.to_owned(),
                max_policies,
                complete: model.organization_complete,
            })
            .at(grantee.span),
        );
        Some(self.named_hub_policies(
            grantee,
            hub_account,
            documents,
            HubPolicyForm::RoleNameInOrganization,
        ))
    }

    /// The model's accounts not granted each role name.
    fn not_granted<'s>(&'s self, granted: &[&str]) -> Vec<&'s str> {
        let granted: std::collections::BTreeSet<&str> = granted.iter().copied().collect();
        self.model
            .accounts
            .iter()
            .map(|a| a.id.as_str())
            .filter(|id| !granted.contains(id))
            .collect()
    }

    fn excluded_count(&self, accounts_by_role: &BTreeMap<&str, Vec<&str>>) -> usize {
        accounts_by_role
            .values()
            .map(|ids| self.not_granted(ids).len())
            .max()
            .unwrap_or(0)
    }

    /// One statement per role name: any account of the organisation but those not granted. A
    /// `StringNotEquals` list cannot be split over statements (each would allow what the others
    /// exclude), so `None` when one role's list does not fit a statement.
    fn complement_statements(
        &self,
        base: &Statement,
        accounts_by_role: &BTreeMap<&str, Vec<&str>>,
        organization: &str,
    ) -> Option<Vec<Statement>> {
        let ids_per_statement = (defaults::MANAGED_POLICY_SIZE - 600) / 15;
        accounts_by_role
            .iter()
            .map(|(role, granted)| {
                let mut excluded = self.not_granted(granted);
                if excluded.len() > ids_per_statement {
                    return None;
                }
                excluded.sort_unstable();
                let mut statement = base
                    .clone()
                    .with_resource(StringList::one(self.any_account_role_arn(role)))
                    .with_condition(
                        "StringEquals",
                        "aws:ResourceOrgID",
                        StringList::one(organization.to_owned()),
                    );
                if !excluded.is_empty() {
                    statement = statement.with_condition(
                        "StringNotEquals",
                        "aws:ResourceAccount",
                        StringList(excluded.iter().map(|&id| id.to_owned()).collect()),
                    );
                }
                Some(statement)
            })
            .collect()
    }

    /// Every spoke role ARN in one statement, when that fits one managed policy.
    fn exact_arns_document(&self, base: &Statement, spokes: &[RoleKey]) -> Option<PolicyDocument> {
        let model = self.model;
        // `arn:P:iam::ID:role` + path + name, two quotes and a comma, without building the strings.
        let arn_prefix =
            "arn::iam:::role".len() + model.partition.len() + model.naming.role_path.len();
        let estimate: usize = spokes
            .iter()
            .map(|&(a, s)| {
                arn_prefix + model.accounts[a].id.len() + self.set_role_names[s].len() + 3
            })
            .sum();
        if estimate > defaults::MANAGED_POLICY_SIZE {
            return None;
        }
        let arns = spokes
            .iter()
            .map(|&(a, s)| self.role_arn(a, &self.set_role_names[s]));
        let document =
            PolicyDocument::new(vec![base.clone().with_resource(StringList::sorted(arns))]);
        (iam_size(&document) <= defaults::MANAGED_POLICY_SIZE).then_some(document)
    }

    /// The account ids granted, per spoke role name.
    fn accounts_by_role(&self, spokes: &[RoleKey]) -> BTreeMap<&str, Vec<&str>> {
        let mut accounts_by_role: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for &(a, s) in spokes {
            accounts_by_role
                .entry(self.set_role_names[s].as_str())
                .or_default()
                .push(self.model.accounts[a].id.as_str());
        }
        accounts_by_role
    }

    /// One statement per role name, in any account of the organisation.
    fn by_organization_statements(
        &self,
        base: &Statement,
        accounts_by_role: &BTreeMap<&str, Vec<&str>>,
        organization: &str,
    ) -> Vec<Statement> {
        accounts_by_role
            .keys()
            .map(|role| {
                base.clone()
                    .with_resource(StringList::one(self.any_account_role_arn(role)))
                    .with_condition(
                        "StringEquals",
                        "aws:ResourceOrgID",
                        StringList::one(organization.to_owned()),
                    )
            })
            .collect()
    }

    /// The documents as the grantee's managed policies, named `PREFIX-assume`, `PREFIX-assume-2`, …
    pub(super) fn named_hub_policies(
        &self,
        grantee: &Grantee,
        hub_account: AccountIndex,
        documents: Vec<PolicyDocument>,
        form: HubPolicyForm,
    ) -> Vec<DesiredPolicy> {
        documents
            .into_iter()
            .enumerate()
            .map(|(i, d)| self.hub_policy(grantee, hub_account, i, d, form))
            .collect()
    }

    pub(super) fn any_account_role_arn(&self, role_name: &str) -> String {
        format!(
            "arn:{}:iam::*:role{}{}",
            self.model.partition, self.model.naming.role_path, role_name
        )
    }

    /// One statement per role name and chunk of account ids, each chunk small enough that a
    /// statement always fits one managed policy.
    fn by_account_statements(
        &self,
        base: &Statement,
        accounts_by_role: &BTreeMap<&str, Vec<&str>>,
    ) -> Vec<Statement> {
        // 12 digits, two quotes and a comma per id; leave room for the rest of the statement.
        let ids_per_statement = (defaults::MANAGED_POLICY_SIZE - 600) / 15;
        let mut statements = Vec::new();
        for (role, ids) in accounts_by_role {
            let mut ids = ids.clone();
            ids.sort();
            for chunk in ids.chunks(ids_per_statement) {
                statements.push(
                    base.clone()
                        .with_resource(StringList::one(self.any_account_role_arn(role)))
                        .with_condition(
                            "StringEquals",
                            "aws:ResourceAccount",
                            StringList(chunk.iter().map(|&id| id.to_owned()).collect()),
                        ),
                );
            }
        }
        statements
    }

    fn hub_policy(
        &self,
        grantee: &Grantee,
        account: AccountIndex,
        index: usize,
        document: PolicyDocument,
        form: HubPolicyForm,
    ) -> DesiredPolicy {
        let model = self.model;
        let prefix = &grantee.policy_prefix;
        let name = if index == 0 {
            format!("{prefix}-assume")
        } else {
            format!("{prefix}-assume-{}", index + 1)
        };
        DesiredPolicy {
            arn: format!(
                "arn:{}:iam::{}:policy{}{}",
                model.partition, model.accounts[account].id, grantee.path, name
            ),
            name,
            path: grantee.path.clone(),
            description: format!(
                "Spoke roles {} {} may assume (awsfed)",
                grantee.what, grantee.name
            ),
            document,
            attached_to: grantee.name.clone(),
            form,
            tags: self.tags(),
        }
    }
}

/// Packs statements into as few documents as fit the managed policy quota, first fit in order.
/// `None` when more than `max_documents` would be needed.
///
/// Sizes are added up rather than re-measured: a document's IAM size is the empty document's plus
/// each statement's plus one comma between statements.
pub(super) fn pack(
    statements: Vec<Statement>,
    max_documents: usize,
) -> Option<Vec<PolicyDocument>> {
    let empty = iam_size(&PolicyDocument::new(Vec::new()));
    let mut documents: Vec<(PolicyDocument, usize)> = Vec::new();
    for statement in statements {
        let size = iam_size_of(&statement);
        match documents.last_mut() {
            Some((document, used)) if *used + 1 + size <= defaults::MANAGED_POLICY_SIZE => {
                document.statement.push(statement);
                *used += 1 + size;
            }
            _ => {
                if documents.len() == max_documents {
                    return None;
                }
                documents.push((PolicyDocument::new(vec![statement]), empty + size));
            }
        }
    }
    Some(
        documents
            .into_iter()
            .map(|(document, _)| document)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_documents_fit_and_keep_every_statement() {
        let statements: Vec<Statement> = (0..300)
            .map(|i| {
                Statement::allow(StringList::one("sts:AssumeRole")).with_resource(StringList::one(
                    format!("arn:aws:iam::{i:012}:role/awsfed/Admin"),
                ))
            })
            .collect();
        let documents = pack(statements.clone(), 10).unwrap();
        assert!(documents.len() > 1);
        for document in &documents {
            assert!(iam_size(document) <= defaults::MANAGED_POLICY_SIZE);
        }
        let packed: Vec<Statement> = documents.into_iter().flat_map(|d| d.statement).collect();
        assert_eq!(packed, statements);
        assert!(pack(statements, 1).is_none());
    }
}
