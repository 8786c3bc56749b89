//! Quota checks on what the compiler built: trust sizes, inline policies, managed policies per role,
//! roles and SAML providers per account ("IAM and AWS STS quotas").

use awsfed_model::message::IamLimit;
use awsfed_model::{AccountIndex, Diagnostic, defaults};

use super::Compiler;
use crate::desired::{DesiredAccount, DesiredRole};

impl Compiler<'_> {
    pub(super) fn check_trust_size(
        &mut self,
        role: &DesiredRole,
        account: AccountIndex,
        size: usize,
    ) {
        let quota = self.model.quotas.trust_policy_size;
        if size > quota {
            let note = Diagnostic::of(&IamLimit::TrustPolicyTooLarge {
                role: Some(role.name.clone()),
                account: self.model.accounts[account].name.clone(),
                size,
                quota,
            })
            .at(self.model.accounts[account].span);
            self.notes.push(note);
        }
    }

    pub(super) fn check_role_policies(
        &mut self,
        role: &DesiredRole,
        account: AccountIndex,
        span: awsfed_model::Span,
        inline: usize,
    ) {
        let model = self.model;

        if inline > defaults::INLINE_POLICIES_SIZE_PER_ROLE {
            self.notes.push(
                Diagnostic::of(&IamLimit::InlinePoliciesTooLarge {
                    role: role.name.clone(),
                    size: inline,
                })
                .at(span),
            );
        }
        if role.managed_policy_arns.len() > model.quotas.managed_policies_per_role {
            self.notes.push(
                Diagnostic::of(&IamLimit::TooManyManagedPolicies {
                    role: role.name.clone(),
                    account: model.accounts[account].name.clone(),
                    count: role.managed_policy_arns.len(),
                    quota: model.quotas.managed_policies_per_role,
                })
                .at(span),
            );
        }
    }

    pub(super) fn check_account_quotas(&mut self, account: &DesiredAccount) {
        let model = self.model;
        let quota = model.quotas.roles_per_account;
        if account.roles.len() > quota {
            let index = model.account_by_name(&account.name).unwrap_or_default();
            self.notes.push(
                Diagnostic::of(&IamLimit::TooManyRoles {
                    account: account.name.clone(),
                    count: account.roles.len(),
                    quota,
                })
                .at(model.accounts[index].span),
            );
        }
        let providers = usize::from(account.saml_provider.is_some());
        if providers > defaults::SAML_PROVIDERS_PER_ACCOUNT {
            self.notes
                .push(Diagnostic::of(&IamLimit::TooManySamlProviders {
                    account: account.name.clone(),
                    count: providers,
                }));
        }
    }
}

impl Compiler<'_> {
    /// Managed policy names are unique in an account whatever their path ("IAM identifiers"): a
    /// hub role's and an IAM group's policy may not share one.
    pub(super) fn check_policy_names(&mut self, account: &DesiredAccount) {
        let users = account.iam_users.iter().flat_map(|u| &u.policies);
        let mut seen = std::collections::BTreeMap::new();
        for policy in account.policies.iter().chain(users) {
            if let Some(other) = seen.insert(policy.name.to_ascii_lowercase(), &policy.attached_to)
            {
                self.notes
                    .push(Diagnostic::of(&IamLimit::PolicyNameCollision {
                        account: account.name.clone(),
                        policy: policy.name.clone(),
                        first: other.clone(),
                        second: policy.attached_to.clone(),
                    }));
            }
        }
    }
}
