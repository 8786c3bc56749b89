//! The provider trust: the trust of every role people enter with SAML (hub and direct roles).

use awsfed_model::{AccountIndex, Diagnostic, defaults};
use awsfed_policy::{PolicyDocument, Principal, Statement, StringList, iam_size};

use super::Compiler;
use super::quotas::raise_trust_quota_help;

impl Compiler<'_> {
    /// The trust of every role users enter with SAML, and its size: the same for every such role of
    /// an account, so built once per account.
    pub(super) fn provider_trust(&mut self, account: AccountIndex) -> (PolicyDocument, usize) {
        if let Some(cached) = self.provider_trusts.get(&account) {
            return cached.clone();
        }
        let document = self.build_provider_trust(account);
        let size = iam_size(&document);
        self.provider_trusts
            .insert(account, (document.clone(), size));
        let quota = self.model.quotas.trust_policy_size;
        if size > quota {
            let idp = self.model.idp();
            self.notes.push(
                Diagnostic::error(
                    "trust-policy-too-large",
                    format!(
                        "the SAML trust policy of account `{}` (the trust of every role people enter with SAML there) is {size} characters; the trust policy quota is {quota} (IAM's default is {}, at most {})",
                        self.model.accounts[account].name,
                        defaults::TRUST_POLICY_SIZE,
                        defaults::TRUST_POLICY_SIZE_MAX
                    ),
                )
                .at(idp.audiences_span)
                .help(raise_trust_quota_help(quota)),
            );
        }
        (document, size)
    }

    /// The account's provider for `sts:AssumeRoleWithSAML`, with the audiences pinned.
    pub(super) fn build_provider_trust(&self, account: AccountIndex) -> PolicyDocument {
        let statement = Statement::allow(self.trust_actions("sts:AssumeRoleWithSAML"))
            .with_principal(Principal::federated(self.provider_arns[account].clone()))
            .with_condition(
                "StringEquals",
                "SAML:aud",
                StringList(self.model.idp().audiences.clone()),
            );
        PolicyDocument::new(vec![statement])
    }
}
