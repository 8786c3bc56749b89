//! Permission-set roles: the role every spoke and direct account gets per permission set granted
//! there, and the direct role, trusted by the account's provider.

use std::collections::BTreeMap;

use awsfed_model::{AccountIndex, PermissionSetIndex};
use awsfed_policy::PolicyDocument;

use super::Compiler;
use crate::desired::{DesiredRole, RoleKind, TrustForm};

impl Compiler<'_> {
    pub(super) fn permission_set_role(
        &mut self,
        account: AccountIndex,
        set: PermissionSetIndex,
        kind: RoleKind,
        (trust_policy, trust_size): (PolicyDocument, usize),
        trust_form: TrustForm,
    ) -> DesiredRole {
        let model = self.model;
        let permission_set = &model.permission_sets[set];
        let name = self.set_role_names[set].clone();
        let description = match &permission_set.description {
            Some(description) => description.clone(),
            None => format!("awsfed permission set {}", permission_set.name),
        };
        let inline_policies: BTreeMap<String, PolicyDocument> = permission_set
            .inline_policy
            .iter()
            .map(|p| (permission_set.name.clone(), p.clone()))
            .collect();
        let role = DesiredRole {
            arn: self.role_arn(account, &name),
            name,
            path: model.naming.role_path.clone(),
            kind,
            description,
            max_session_duration: permission_set.session_duration,
            trust_policy,
            trust_form,
            user_trust_form: None,
            managed_policy_arns: role_policy_arns(model, permission_set, account),
            inline_policies,
            permissions_boundary: permission_set.permissions_boundary.clone(),
            tags: self.tags(),
        };
        // SAML trusts are checked once per account, where they are built.
        if trust_form != TrustForm::SamlProvider {
            self.check_trust_size(&role, account, trust_size);
        }
        self.check_role_policies(&role, account, permission_set.span, self.inline_sizes[set]);
        role
    }

    pub(super) fn direct_role(
        &mut self,
        account: AccountIndex,
        set: PermissionSetIndex,
    ) -> DesiredRole {
        let kind = RoleKind::Direct {
            permission_set: self.model.permission_sets[set].name.clone(),
        };
        let trust = self.provider_trust(account, false);
        self.permission_set_role(account, set, kind, trust, TrustForm::SamlProvider)
    }
}

/// The managed policies of a permission set's role in one account: the ARNs as written, and each
/// customer managed policy reference as that account's policy of the same path and name.
fn role_policy_arns(
    model: &awsfed_model::Model,
    set: &awsfed_model::PermissionSet,
    account: AccountIndex,
) -> Vec<String> {
    let id = &model.accounts[account].id;
    let mut arns = set.managed_policies.clone();
    arns.extend(
        set.customer_managed_policies
            .iter()
            .map(|policy| policy.arn(&model.partition, id)),
    );
    arns.sort();
    arns.dedup();
    arns
}
