//! Quota checks on what the compiler built: trust sizes, inline policies, managed policies per role,
//! roles and SAML providers per account ("IAM and AWS STS quotas").

use awsfed_model::{AccountIndex, Code, Diagnostic, defaults};

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
            let note = Diagnostic::error(
                Code::TrustPolicyTooLarge,
                format!(
                    "the trust policy of role `{}` in account `{}` is {size} characters; the trust policy quota is {quota} (IAM's default is {}, at most {})",
                    role.name,
                    self.model.accounts[account].name,
                    defaults::TRUST_POLICY_SIZE,
                    defaults::TRUST_POLICY_SIZE_MAX
                ),
            )
            .at(self.model.accounts[account].span)
            .help(raise_trust_quota_help(quota));
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
                Diagnostic::error(
                    Code::InlinePoliciesTooLarge,
                    format!(
                        "the inline policies of role `{}` are {inline} characters; IAM allows {} per role",
                        role.name,
                        defaults::INLINE_POLICIES_SIZE_PER_ROLE
                    ),
                )
                .at(span)
                .help("move statements into a customer managed policy and list its ARN in `managed_policies`"),
            );
        }
        if role.managed_policy_arns.len() > model.quotas.managed_policies_per_role {
            self.notes.push(
                Diagnostic::error(
                    Code::TooManyManagedPolicies,
                    format!(
                        "role `{}` in `{}` would have {} managed policies; the quota is {} (IAM's default {}, at most {})",
                        role.name,
                        model.accounts[account].name,
                        role.managed_policy_arns.len(),
                        model.quotas.managed_policies_per_role,
                        defaults::MANAGED_POLICIES_PER_ROLE,
                        defaults::MANAGED_POLICIES_PER_ROLE_MAX
                    ),
                )
                .at(span)
                .help("combine policies, or raise the quota with Service Quotas and set `quotas.managed_policies_per_role`"),
            );
        }
    }

    pub(super) fn check_account_quotas(&mut self, account: &DesiredAccount) {
        let model = self.model;
        let quota = model.quotas.roles_per_account;
        if account.roles.len() > quota {
            let index = model.account_by_name(&account.name).unwrap_or_default();
            self.notes.push(
                Diagnostic::error(
                    Code::TooManyRoles,
                    format!("account `{}` would hold {} awsfed roles; the quota is {quota}", account.name, account.roles.len()),
                )
                .at(model.accounts[index].span)
                .help(format!(
                    "grant fewer permission sets there, or raise the quota (at most {}) and set `quotas.roles_per_account`",
                    defaults::ROLES_PER_ACCOUNT_MAX
                )),
            );
        }
        let providers = usize::from(account.saml_provider.is_some());
        if providers > defaults::SAML_PROVIDERS_PER_ACCOUNT {
            self.notes.push(Diagnostic::error(
                Code::TooManySamlProviders,
                format!(
                    "account `{}` would hold {providers} SAML providers; IAM allows {}",
                    account.name,
                    defaults::SAML_PROVIDERS_PER_ACCOUNT
                ),
            ));
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
                self.notes.push(
                    Diagnostic::error(
                        Code::PolicyNameCollision,
                        format!(
                            "account `{}` would hold two managed policies named `{}` (for `{other}` and `{}`)",
                            account.name, policy.name, policy.attached_to
                        ),
                    )
                    .help("rename one of the directory groups, or set `naming.hub_role_name`"),
                );
            }
        }
    }
}

pub(super) fn raise_trust_quota_help(quota: usize) -> String {
    if quota < defaults::TRUST_POLICY_SIZE_MAX {
        format!(
            "list fewer audiences, or raise the quota to {} with Service Quotas and set `quotas.trust_policy_size`",
            defaults::TRUST_POLICY_SIZE_MAX
        )
    } else {
        "list fewer audiences or session tags".to_owned()
    }
}
