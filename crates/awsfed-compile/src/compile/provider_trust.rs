//! The provider trust: the trust of every role people enter with SAML (hub and direct roles).
//!
//! A hub role's trust also requires SourceIdentity when the IdP sends it: "You can require users to
//! set a source identity value when they assume a role … by using the `sts:SourceIdentity`
//! condition key in a role trust policy" (STS API Reference, `AssumeRoleWithSAML`, SourceIdentity).
//! The spoke trusts' binding (`sts:SourceIdentity` present) then holds because the first hop refused
//! any session without it, not because the IdP never omits it; STS keeps the value for the whole
//! chain ("Monitor and control actions taken with assumed roles", IAM User Guide).

use awsfed_model::message::IamLimit;
use awsfed_model::{AccountIndex, Diagnostic};
use awsfed_policy::{PolicyDocument, Principal, Statement, StringList, iam_size};

use super::Compiler;

impl Compiler<'_> {
    /// The trust of every role users enter with SAML, and its size: the same for every hub role of
    /// an account and for every direct role, so built once per account and kind.
    pub(super) fn provider_trust(
        &mut self,
        account: AccountIndex,
        hub: bool,
    ) -> (PolicyDocument, usize) {
        if let Some(cached) = self.provider_trusts.get(&(account, hub)) {
            return cached.clone();
        }
        let require_source_identity = hub
            && self
                .model
                .identity_provider
                .as_ref()
                .is_some_and(|idp| idp.source_identity.is_some());
        let document = self.build_provider_trust(account, require_source_identity);
        let size = iam_size(&document);
        self.provider_trusts
            .insert((account, hub), (document.clone(), size));
        let quota = self.model.quotas.trust_policy_size;
        if size > quota {
            let idp = self.model.idp();
            self.notes.push(
                Diagnostic::of(&IamLimit::TrustPolicyTooLarge {
                    role: None,
                    account: self.model.accounts[account].name.clone(),
                    size,
                    quota,
                })
                .at(idp.audiences_span),
            );
        }
        (document, size)
    }

    /// The account's provider for `sts:AssumeRoleWithSAML`, with the audiences pinned, and
    /// SourceIdentity required when asked.
    fn build_provider_trust(
        &self,
        account: AccountIndex,
        require_source_identity: bool,
    ) -> PolicyDocument {
        let statement = Statement::allow(self.trust_actions("sts:AssumeRoleWithSAML"))
            .with_principal(Principal::federated(self.provider_arns[account].clone()))
            .with_condition(
                "StringEquals",
                "SAML:aud",
                StringList(self.model.idp().audiences.clone()),
            );
        if !require_source_identity {
            return PolicyDocument::new(vec![statement]);
        }
        // STS does not supply `sts:SourceIdentity` to the `sts:TagSession` check (Service
        // Authorization Reference, AWS STS), so TagSession keeps its own statement without the
        // requirement; it only succeeds inside an AssumeRoleWithSAML call the first one allowed.
        let mut tag_session = statement.clone();
        let mut assume = statement;
        let actions = assume.action.take().unwrap_or_default();
        let (tags, rest): (Vec<String>, Vec<String>) =
            actions.0.into_iter().partition(|a| a == "sts:TagSession");
        assume.action = Some(StringList(rest));
        assume = assume.with_condition("Null", "sts:SourceIdentity", StringList::one("false"));
        if tags.is_empty() {
            return PolicyDocument::new(vec![assume]);
        }
        tag_session.action = Some(StringList(tags));
        PolicyDocument::new(vec![assume, tag_session])
    }
}
