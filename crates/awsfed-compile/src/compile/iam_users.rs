//! The IAM-users hub: IAM users in the hub account, an IAM group per directory group they are in,
//! the groups' assume policies (the same forms as hub roles', from `hub_policies`), the spoke-trust
//! statements that admit the users, and the users' self-service policies.
//!
//! AWS behaviour relied on (IAM User Guide unless said otherwise):
//! - "Configure MFA-protected API access": a session from `GetSessionToken` with an MFA code
//!   carries `aws:MultiFactorAuthPresent` and `aws:MultiFactorAuthAge` (seconds since the MFA
//!   sign-in); long-term access keys carry neither, so `Bool aws:MultiFactorAuthPresent true`
//!   refuses them and `BoolIfExists … false` matches them.
//! - "AWS global condition context keys": `aws:username` is the IAM user's name in requests an
//!   IAM user signs, and `${aws:username}` in a policy is replaced by it.
//! - STS API Reference, `GetSessionToken`: credentials it returns may call `sts:AssumeRole`; a role
//!   assumed with them is no role chaining, so its session may last the role's maximum.
//! - STS API Reference, `AssumeRole` (`SourceIdentity`): the caller sets it and the trust can
//!   require a value; the identity policy must allow `sts:SetSourceIdentity` too.
//! - "AWS: Allows MFA-authenticated IAM users to manage their own credentials on the Security
//!   credentials page": what a user needs to change their password and manage their own access
//!   keys and MFA device, and which calls must stay open before MFA is set up.

use std::collections::BTreeSet;

use awsfed_model::iam_users::limits;
use awsfed_model::message::NarrowedTrust;
use awsfed_model::{AccountIndex, Diagnostic, IamUsers};
use awsfed_policy::{Effect, PolicyDocument, Principal, Statement, StringList};

use super::hub_policies::Grantee;
use super::spoke_trusts::Admitted;
use super::{Compiler, GroupIndex, RoleKey};
use crate::desired::{
    DesiredIamGroup, DesiredIamUsers, DesiredPolicy, DesiredUser, Hop, HubPolicyForm, Target,
};

/// The self-service policy's name, attached to every user.
pub const SELF_SERVICE_POLICY: &str = "awsfed-self-service";
/// The MFA requirement's name, attached to every user whose `mfa` holds.
pub const REQUIRE_MFA_POLICY: &str = "awsfed-require-mfa";

/// What a user may do before signing in with MFA: set up the MFA device, change the password
/// (the first sign-in may demand it before MFA exists), read the password rules, and get the
/// MFA session itself.
const BEFORE_MFA: &[&str] = &[
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetAccountPasswordPolicy",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
];

impl Compiler<'_> {
    /// The conditions every MFA hop asks for: MFA present, and no older than `mfa_max_age`.
    fn with_mfa(&self, statement: Statement) -> Statement {
        let users = self.model.iam_users.as_ref().expect("only with IAM users");
        statement
            .with_condition(
                "Bool",
                "aws:MultiFactorAuthPresent",
                StringList::one("true"),
            )
            .with_condition(
                "NumericLessThanEquals",
                "aws:MultiFactorAuthAge",
                StringList::one(users.mfa_max_age.to_string()),
            )
    }

    /// `sts:AssumeRole`, and `sts:SetSourceIdentity` when the users set their name as it.
    fn user_actions(&self) -> StringList {
        let users = self.model.iam_users.as_ref().expect("only with IAM users");
        let mut actions = vec!["sts:AssumeRole".to_owned()];
        if users.source_identity {
            actions.push("sts:SetSourceIdentity".to_owned());
        }
        StringList(actions)
    }

    /// The spoke-trust statements admitting the users of these groups: users who must use MFA
    /// (exact ARNs, or the hub account narrowed to the users' path), and each user who need not,
    /// by ARN. With `source_identity`, the session's SourceIdentity must be the user's own name.
    pub(super) fn user_trust_statements(
        &self,
        groups: &[GroupIndex],
        narrow: bool,
    ) -> Vec<Statement> {
        let model = self.model;
        let users = model.iam_users.as_ref().expect("only with IAM users");
        let members: BTreeSet<usize> = groups
            .iter()
            .flat_map(|&g| self.group_users[g].iter().copied())
            .collect();
        let arns = |mfa: bool| {
            StringList::sorted(
                members
                    .iter()
                    .filter(|&&u| users.users[u].mfa == mfa)
                    .map(|&u| self.user_arns[u].clone()),
            )
        };
        let mut base = Statement::allow(self.user_actions());
        if users.source_identity {
            base = base.with_condition(
                "StringEquals",
                "sts:SourceIdentity",
                StringList::one("${aws:username}"),
            );
        }
        let mut statements = Vec::new();
        let with_mfa = arns(true);
        if !with_mfa.is_empty() {
            let hub = model.hubs[users.hub].account;
            let admitted = if narrow {
                Admitted::Narrowed {
                    roots: StringList::one(format!(
                        "arn:{}:iam::{}:root",
                        model.partition, model.accounts[hub].id
                    )),
                    patterns: StringList::one(self.user_arn_prefix.clone() + "*"),
                }
            } else {
                Admitted::Exact(with_mfa)
            };
            let statement = admitted.admit(base.clone());
            statements.push(self.with_mfa(statement));
        }
        let without_mfa = arns(false);
        if !without_mfa.is_empty() {
            statements.push(base.with_principal(Principal::aws(without_mfa)));
        }
        statements
    }

    /// One note per permission set whose spoke trusts had to name the users' path.
    pub(super) fn note_narrowed_user_spokes(&mut self) {
        let model = self.model;
        let quota = model.quotas.trust_policy_size;
        for (&set, accounts) in &self.narrowed_user_spokes {
            self.notes.push(
                Diagnostic::of(&NarrowedTrust::UserTrustNarrowed {
                    role: self.set_role_names[set].clone(),
                    accounts: accounts.len(),
                    user_arn_prefix: self.user_arn_prefix.clone(),
                    quota,
                })
                .at(model.permission_sets[set].span),
            );
        }
    }

    /// The IAM-users hub in its account: users, groups and policies.
    pub(super) fn iam_users(&mut self) -> Option<(AccountIndex, DesiredIamUsers)> {
        let model = self.model;
        let users = model.iam_users.as_ref()?;
        let hub_account = model.hubs[users.hub].account;
        let mut policies = vec![
            self.own_policy(
                hub_account,
                SELF_SERVICE_POLICY,
                self.self_service_document(hub_account),
            ),
            self.own_policy(hub_account, REQUIRE_MFA_POLICY, require_mfa_document()),
        ];
        let mut groups = Vec::new();
        for g in users.groups_used() {
            let (group, assume) = self.iam_group(g, hub_account, users);
            groups.push(group);
            policies.extend(assume);
        }
        let desired_users = users
            .users
            .iter()
            .enumerate()
            .map(|(u, user)| {
                let mut managed_policy_arns = vec![policies[0].arn.clone()];
                if user.mfa {
                    managed_policy_arns.push(policies[1].arn.clone());
                }
                DesiredUser {
                    name: user.name.clone(),
                    path: users.path.clone(),
                    arn: self.user_arns[u].clone(),
                    groups: user
                        .groups
                        .iter()
                        .map(|&g| IamUsers::group_name(&model.groups[g].name))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                    mfa: user.mfa,
                    managed_policy_arns,
                    tags: self.tags(),
                    targets: if self.group_targets {
                        self.user_targets(&user.groups)
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        Some((
            hub_account,
            DesiredIamUsers {
                hub: model.hubs[users.hub].name.clone(),
                path: users.path.clone(),
                mfa_max_age: users.mfa_max_age,
                source_identity: users.source_identity,
                users: desired_users,
                groups,
                policies,
            },
        ))
    }

    /// A directory group's IAM group and its assume policies: MFA required unless one of its
    /// users is exempt, whose spoke trusts then still require it of everyone else.
    fn iam_group(
        &mut self,
        g: GroupIndex,
        hub_account: AccountIndex,
        users: &IamUsers,
    ) -> (DesiredIamGroup, Vec<DesiredPolicy>) {
        let model = self.model;
        let name = IamUsers::group_name(&model.groups[g].name);
        let mfa = users.members(g).all(|u| u.mfa);
        let mut base = Statement::allow(self.user_actions());
        if mfa {
            base = self.with_mfa(base);
        }
        let grantee = Grantee {
            what: "IAM group",
            name: name.clone(),
            policy_prefix: format!("{name}-users"),
            path: users.path.clone(),
            base,
            max_policies: limits::MANAGED_POLICIES_PER_GROUP,
            span: model.groups[g].span,
            group: g,
        };
        let spokes = self.group_spokes[g].clone();
        let policies = if spokes.is_empty() {
            Vec::new()
        } else {
            self.assume_policies(&grantee, hub_account, &spokes)
        };
        let group = DesiredIamGroup {
            arn: format!(
                "arn:{}:iam::{}:group{}{name}",
                model.partition, model.accounts[hub_account].id, users.path
            ),
            name,
            path: users.path.clone(),
            group: model.groups[g].name.clone(),
            mfa,
            managed_policy_arns: policies.iter().map(|p| p.arn.clone()).collect(),
            granted_role_arns: self
                .user_targets(&[g])
                .iter()
                .map(|t| t.hops[0].role_arn().to_owned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        (group, policies)
    }

    /// Every spoke role the user's groups are granted: one `AssumeRole` each.
    fn user_targets(&self, groups: &[GroupIndex]) -> Vec<Target> {
        let model = self.model;
        let keys: BTreeSet<RoleKey> = groups
            .iter()
            .flat_map(|&g| self.group_spokes[g].iter().copied())
            .collect();
        keys.into_iter()
            .map(|(account, set)| {
                let permission_set = &model.permission_sets[set];
                Target {
                    account_name: model.accounts[account].name.clone(),
                    account_id: model.accounts[account].id.clone(),
                    permission_set: permission_set.name.clone(),
                    hops: vec![Hop::AssumeRole {
                        role_arn: self.role_arn(account, &self.set_role_names[set]),
                        max_session_duration: permission_set.session_duration,
                    }],
                    max_session_duration: permission_set.session_duration,
                }
            })
            .collect()
    }

    fn own_policy(
        &self,
        account: AccountIndex,
        name: &str,
        document: PolicyDocument,
    ) -> DesiredPolicy {
        let model = self.model;
        let path = &model.iam_users.as_ref().expect("only with IAM users").path;
        DesiredPolicy {
            arn: format!(
                "arn:{}:iam::{}:policy{path}{name}",
                model.partition, model.accounts[account].id
            ),
            name: name.to_owned(),
            path: path.clone(),
            description: if name == SELF_SERVICE_POLICY {
                "IAM users manage their own password, access keys and MFA device (awsfed)"
                    .to_owned()
            } else {
                "IAM users can do nothing but set up MFA until they sign in with it (awsfed)"
                    .to_owned()
            },
            document,
            attached_to: String::new(),
            form: HubPolicyForm::ExactArns,
            tags: self.tags(),
        }
    }

    /// Each user may change their own password and manage their own access keys and MFA device,
    /// and nobody else's: every resource is the caller's own user (`${aws:username}` under the
    /// users' path) or the virtual MFA device named after them. Removing an MFA device needs an
    /// MFA session, so a leaked password or key cannot take MFA away.
    fn self_service_document(&self, hub: AccountIndex) -> PolicyDocument {
        let model = self.model;
        let account = format!("arn:{}:iam::{}:", model.partition, model.accounts[hub].id);
        let own_user = format!("{}${{aws:username}}", self.user_arn_prefix);
        let own_device = format!("{account}mfa/${{aws:username}}");
        let actions = |list: &[&str]| StringList::sorted(list.iter().map(|a| (*a).to_owned()));
        PolicyDocument::new(vec![
            Statement::allow(actions(&[
                "iam:GetAccountPasswordPolicy",
                "iam:ListVirtualMFADevices",
            ]))
            .with_sid("ReadPasswordRulesAndDevices")
            .with_resource(StringList::one("*")),
            Statement::allow(actions(&[
                "iam:ChangePassword",
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:EnableMFADevice",
                "iam:GetAccessKeyLastUsed",
                "iam:GetLoginProfile",
                "iam:GetUser",
                "iam:ListAccessKeys",
                "iam:ListMFADevices",
                "iam:ResyncMFADevice",
                "iam:UpdateAccessKey",
            ]))
            .with_sid("OwnPasswordKeysAndDevice")
            .with_resource(StringList::one(own_user.clone())),
            Statement::allow(actions(&["iam:CreateVirtualMFADevice"]))
                .with_sid("CreateOwnVirtualDevice")
                .with_resource(StringList::one(own_device.clone())),
            Statement::allow(actions(&[
                "iam:DeactivateMFADevice",
                "iam:DeleteVirtualMFADevice",
            ]))
            .with_sid("RemoveOwnDeviceWithMfa")
            .with_resource(StringList::sorted([own_user, own_device]))
            .with_condition(
                "Bool",
                "aws:MultiFactorAuthPresent",
                StringList::one("true"),
            ),
        ])
    }
}

/// Everything but [`BEFORE_MFA`] is denied to a request without MFA. `BoolIfExists` matches when
/// the key is absent, which is how long-term access keys sign.
fn require_mfa_document() -> PolicyDocument {
    let mut deny = Statement::allow(StringList(Vec::new()))
        .with_sid("NothingElseWithoutMfa")
        .with_resource(StringList::one("*"))
        .with_condition(
            "BoolIfExists",
            "aws:MultiFactorAuthPresent",
            StringList::one("false"),
        );
    deny.effect = Effect::Deny;
    deny.action = None;
    deny.not_action = Some(StringList::sorted(
        BEFORE_MFA.iter().map(|a| (*a).to_owned()),
    ));
    PolicyDocument::new(vec![deny])
}
