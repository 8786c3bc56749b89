//! Spoke roles and their trusts: exactly the hub roles and IAM users granted, or the hub accounts
//! narrowed by `aws:PrincipalArn` when the exact list would pass the trust policy quota.

use std::collections::BTreeSet;

use awsfed_model::message::NarrowedTrust;
use awsfed_model::{AccountIndex, Diagnostic, PermissionSetIndex};
use awsfed_policy::{PolicyDocument, Principal, Statement, StringList, iam_size};

use super::{Compiler, GroupIndex};
use crate::desired::{DesiredRole, RoleKind, TrustForm, UserTrustForm};
use crate::narrowed_to_principal_arns;

/// Whom a spoke trust statement admits: principals by exact ARN, or accounts (their roots) narrowed
/// by `ArnLike aws:PrincipalArn` to patterns — the compact form the hub move and migrations build
/// too ([`narrowed_to_principal_arns`]).
pub(super) enum Admitted {
    Exact(StringList),
    Narrowed {
        roots: StringList,
        patterns: StringList,
    },
}

impl Admitted {
    pub(super) fn admit(self, statement: Statement) -> Statement {
        match self {
            Self::Exact(arns) => statement.with_principal(Principal::aws(arns)),
            Self::Narrowed { roots, patterns } => {
                narrowed_to_principal_arns(statement, roots, patterns)
            }
        }
    }
}

/// A spoke trust as built once per set of granted groups.
#[derive(Debug, Clone)]
pub(super) struct SpokeTrust {
    pub document: PolicyDocument,
    pub size: usize,
    pub form: TrustForm,
    pub user_form: Option<UserTrustForm>,
}

impl Compiler<'_> {
    /// A spoke role trusts exactly the hub roles and IAM users of the groups granted it. When that
    /// list would pass the trust policy quota, it trusts the hub accounts narrowed by
    /// `aws:PrincipalArn` to the hub path (or the users' path) instead.
    pub(super) fn spoke_role(
        &mut self,
        account: AccountIndex,
        set: PermissionSetIndex,
        groups: &[GroupIndex],
    ) -> DesiredRole {
        // Every spoke role granted to the same groups gets the same trust; large models have
        // thousands of roles but few distinct group sets.
        let trust = match self.spoke_trusts.get(groups) {
            Some(cached) => cached.clone(),
            None => {
                let built = self.build_spoke_trust(groups);
                self.spoke_trusts.insert(groups.to_vec(), built.clone());
                built
            }
        };
        if trust.form == TrustForm::HubAccountsByHubPath {
            self.narrowed_spokes.entry(set).or_default().push(account);
        }
        if trust.user_form == Some(UserTrustForm::HubAccountByUserPath) {
            self.narrowed_user_spokes
                .entry(set)
                .or_default()
                .push(account);
        }
        let kind = RoleKind::Spoke {
            permission_set: self.model.permission_sets[set].name.clone(),
        };
        let mut role =
            self.permission_set_role(account, set, kind, (trust.document, trust.size), trust.form);
        role.user_trust_form = trust.user_form;
        role
    }

    /// The tightest trust that fits the quota: exact hub roles and users; else the users narrowed
    /// to their path; else the hub roles narrowed to the hub path too. Narrowing names a path only
    /// awsfed's hub roles (or users) use (validation keeps every other role of awsfed off it; see
    /// `awsfed_model`'s naming rules), never a name prefix: any role named to match a prefix would
    /// pass.
    pub(super) fn build_spoke_trust(&self, groups: &[GroupIndex]) -> SpokeTrust {
        let hub_role_arns =
            StringList::sorted(groups.iter().filter_map(|&g| self.hub_role_arns[g].clone()));
        let has_roles = !hub_role_arns.is_empty();
        let has_users = groups.iter().any(|&g| !self.group_users[g].is_empty());
        let quota = self.model.quotas.trust_policy_size;
        let role_forms: &[bool] = if has_roles { &[false, true] } else { &[false] };
        let user_forms: &[bool] = if has_users { &[false, true] } else { &[false] };
        let mut last = None;
        for &narrow_roles in role_forms {
            for &narrow_users in user_forms {
                // Narrowing hub roles while listing users one by one is never tighter than the
                // other way round, and keeps hub-role trusts as they were without users.
                if narrow_roles && !narrow_users && has_users {
                    continue;
                }
                // Cheap bound first: at 200 groups the exact list is far past any quota.
                if !narrow_roles && !narrow_users {
                    let estimate: usize = hub_role_arns.iter().map(|a| a.len() + 3).sum();
                    if estimate > quota {
                        continue;
                    }
                }
                let mut statements = Vec::new();
                if has_roles {
                    statements.extend(self.hub_role_statements(
                        groups,
                        &hub_role_arns,
                        narrow_roles,
                    ));
                }
                if has_users {
                    statements.extend(self.user_trust_statements(groups, narrow_users));
                }
                let document = PolicyDocument::new(statements);
                let size = iam_size(&document);
                let trust = SpokeTrust {
                    document,
                    size,
                    form: match (has_roles, narrow_roles) {
                        (false, _) => TrustForm::IamUsersOnly,
                        (true, false) => TrustForm::HubRoles,
                        (true, true) => TrustForm::HubAccountsByHubPath,
                    },
                    user_form: has_users.then_some(if narrow_users {
                        UserTrustForm::HubAccountByUserPath
                    } else {
                        UserTrustForm::Users
                    }),
                };
                if size <= quota {
                    return trust;
                }
                last = Some(trust);
            }
        }
        last.expect("the narrowest form is always tried")
    }

    /// The hub roles' statements: exact ARNs, or their hub accounts narrowed to the hub path.
    fn hub_role_statements(
        &self,
        groups: &[GroupIndex],
        hub_role_arns: &StringList,
        narrow: bool,
    ) -> Vec<Statement> {
        let model = self.model;
        if !narrow {
            return self
                .spoke_trust(Admitted::Exact(hub_role_arns.clone()))
                .statement;
        }
        // The compact form, as the hub move and migrations build it.
        let hub_accounts: BTreeSet<AccountIndex> = groups
            .iter()
            .filter(|&&g| self.hub_role_arns[g].is_some())
            .filter_map(|&g| model.hub_account_of(&model.groups[g]))
            .collect();
        let patterns = StringList::sorted(hub_accounts.iter().map(|&a| model.hub_role_arn(a, "*")));
        self.spoke_trust(Admitted::Narrowed {
            roots: self.roots(&hub_accounts),
            patterns,
        })
        .statement
    }

    fn roots(&self, accounts: &BTreeSet<AccountIndex>) -> StringList {
        let model = self.model;
        StringList::sorted(
            accounts
                .iter()
                .map(|&a| format!("arn:{}:iam::{}:root", model.partition, model.accounts[a].id)),
        )
    }

    /// One note per permission set whose spoke trusts had to name hub accounts.
    pub(super) fn note_narrowed_spokes(&mut self) {
        let model = self.model;
        let quota = model.quotas.trust_policy_size;
        for (&set, accounts) in &self.narrowed_spokes {
            self.notes.push(
                Diagnostic::of(&NarrowedTrust::SpokeTrustNarrowed {
                    role: self.set_role_names[set].clone(),
                    accounts: accounts.len(),
                    named: accounts
                        .iter()
                        .take(5)
                        .map(|&a| model.accounts[a].name.clone())
                        .collect(),
                    hub_role_path: model.naming.hub_role_path.clone(),
                    quota,
                })
                .at(model.permission_sets[set].span),
            );
        }
    }

    /// The spoke trust statement. It binds the session to the federated user: with SourceIdentity
    /// the value must be present (STS makes it immutable along the chain, "Monitor and control
    /// actions taken with assumed roles"); without it the spoke session name must equal the hub
    /// session's, which the IdP set from the SAML RoleSessionName (`aws:userid` of a role session is
    /// `ROLE-ID:SESSION-NAME`).
    pub(super) fn spoke_trust(&self, admitted: Admitted) -> PolicyDocument {
        let idp = self.model.idp();
        let mut actions = vec!["sts:AssumeRole".to_owned()];
        if idp.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity".to_owned());
        }
        let mut assume = admitted.admit(Statement::allow(StringList(actions)));
        let mut tag_session = assume.clone();
        assume = if idp.source_identity.is_some() {
            assume.with_condition("Null", "sts:SourceIdentity", StringList::one("false"))
        } else {
            assume.with_condition(
                "StringLike",
                "aws:userid",
                StringList::one("*:${sts:RoleSessionName}"),
            )
        };
        if idp.session_tags.is_empty() {
            return PolicyDocument::new(vec![assume]);
        }
        // STS does not supply `sts:SourceIdentity` or `sts:RoleSessionName` to the `sts:TagSession`
        // check (Service Authorization Reference, AWS STS), so the binding condition above would deny
        // the tags. TagSession gets its own statement; it only succeeds inside an AssumeRole call the
        // first statement allowed, and with SourceIdentity the session's `aws:SourceIdentity` must
        // still be present.
        tag_session.action = Some(StringList::one("sts:TagSession"));
        if idp.source_identity.is_some() {
            tag_session =
                tag_session.with_condition("Null", "aws:SourceIdentity", StringList::one("false"));
        }
        PolicyDocument::new(vec![assume, tag_session])
    }
}
