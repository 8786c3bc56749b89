//! What the compiler chose (the narrowed and named forms of trusts and hub policies) and IAM's
//! quotas on what it built.

use super::{Message, plural, policies};
use crate::{Code, defaults};

/// A spoke trust in the narrowed form: the hub account by a path instead of principals one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NarrowedTrust {
    /// The spoke roles of permission set `role` in `accounts` accounts (the first five `named`)
    /// trust the hub account narrowed to `hub_role_path`.
    SpokeTrustNarrowed {
        role: String,
        accounts: usize,
        named: Vec<String>,
        hub_role_path: String,
        quota: usize,
    },
    UserTrustNarrowed {
        role: String,
        accounts: usize,
        user_arn_prefix: String,
        quota: usize,
    },
}

impl Message for NarrowedTrust {
    fn code(&self) -> Code {
        match self {
            Self::SpokeTrustNarrowed { .. } => Code::SpokeTrustNarrowed,
            Self::UserTrustNarrowed { .. } => Code::UserTrustNarrowed,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::SpokeTrustNarrowed {
                role,
                accounts,
                named,
                hub_role_path,
                quota,
            } => {
                let more = if *accounts > named.len() {
                    format!(" and {} more", accounts - named.len())
                } else {
                    String::new()
                };
                format!(
                    "role `{role}` in {accounts} account{} ({}{more}) trusts the hub account narrowed by aws:PrincipalArn to the hub path `{hub_role_path}*`: listing its hub roles one by one would pass the {quota}-character trust policy quota; each hub role's own policy still names exact spoke roles",
                    plural(*accounts),
                    named.join(", "),
                )
            }
            Self::UserTrustNarrowed {
                role,
                accounts,
                user_arn_prefix,
                quota,
            } => format!(
                "role `{role}` in {accounts} account{} trusts the hub account narrowed by aws:PrincipalArn to the IAM users' path `{user_arn_prefix}`: listing its users one by one would pass the {quota}-character trust policy quota; each IAM group's own policy still names exact spoke roles",
                plural(*accounts),
            ),
        }
    }
}

/// The form a hub policy took to fit the quotas, or that none fits. `what` is what holds the
/// policy: `hub role` or `IAM group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubPolicyChoice {
    HubPolicyByAccount {
        what: &'static str,
        name: String,
        spokes: usize,
        policies: usize,
    },
    HubPolicyByOrgPaths {
        what: &'static str,
        name: String,
        ous: usize,
        spokes: usize,
        policies: usize,
    },
    HubPolicyComplement {
        what: &'static str,
        name: String,
        spokes: usize,
        organization: String,
        excluded: usize,
        policies: usize,
        max_policies: usize,
    },
    /// `complete`: whether the model says it holds every account of the organisation.
    HubPolicyByOrganization {
        what: &'static str,
        name: String,
        spokes: usize,
        organization: String,
        max_policies: usize,
        complete: bool,
    },
    HubPolicyTooLarge {
        what: &'static str,
        name: String,
        spokes: usize,
        max_policies: usize,
    },
}

impl Message for HubPolicyChoice {
    fn code(&self) -> Code {
        match self {
            Self::HubPolicyByAccount { .. } => Code::HubPolicyByAccount,
            Self::HubPolicyByOrgPaths { .. } => Code::HubPolicyByOrgPaths,
            Self::HubPolicyComplement { .. } => Code::HubPolicyComplement,
            Self::HubPolicyByOrganization { .. } => Code::HubPolicyByOrganization,
            Self::HubPolicyTooLarge { .. } => Code::HubPolicyTooLarge,
        }
    }

    fn text(&self) -> String {
        let size = defaults::MANAGED_POLICY_SIZE;
        match self {
            Self::HubPolicyByAccount {
                what,
                name,
                spokes,
                policies: count,
            } => format!(
                "{what} `{name}` names its {spokes} spoke roles by role name and aws:ResourceAccount in {count} managed {}: exact ARNs would pass the {size}-character managed policy quota; the roles allowed are the same",
                policies(*count),
            ),
            Self::HubPolicyByOrgPaths {
                what,
                name,
                ous,
                spokes,
                policies: count,
            } => format!(
                "{what} `{name}` names {ous} OU{} of its OU grants by path (aws:ResourceOrgPaths, read from Organizations) and any other spoke roles by account, {spokes} spoke roles in {count} managed {}: exact ARNs would pass the {size}-character managed policy quota; every account in those OUs is granted, and an account added to them later is granted too, as an OU grant says",
                plural(*ous),
                policies(*count),
            ),
            Self::HubPolicyComplement {
                what,
                name,
                spokes,
                organization,
                excluded,
                policies: count,
                max_policies,
            } => format!(
                "{what} `{name}` names its {spokes} spoke roles as every account of organisation {organization} except the {excluded} not granted (StringNotEquals aws:ResourceAccount), in {count} managed {}: account lists would pass {max_policies} managed policies; the roles allowed are the same, since `organization.complete` says the model holds every account of the organisation",
                policies(*count),
            ),
            Self::HubPolicyByOrganization {
                what,
                name,
                spokes,
                organization,
                max_policies,
                complete,
            } => {
                let why = if *complete {
                    "even the accounts not granted are too many to list"
                } else {
                    "the model does not say it holds every account of the organisation (`organization.complete`), so the accounts not granted cannot be named exactly"
                };
                format!(
                    "{what} `{name}` may assume its role names in any account of organisation {organization}: its {spokes} spoke roles do not fit {max_policies} managed policies by account list, and {why}; spoke trusts still admit only granted hub roles"
                )
            }
            Self::HubPolicyTooLarge {
                what,
                name,
                spokes,
                max_policies,
            } => format!(
                "{what} `{name}` grants {spokes} spoke roles, which do not fit {max_policies} managed policies of {size} characters"
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::HubPolicyByOrganization { .. } => format!(
                "raise `quotas.managed_policies_per_role` (up to {}) to keep exact account lists, or set `organization.complete: true` when the model lists every account of the organisation",
                defaults::MANAGED_POLICIES_PER_ROLE_MAX
            ),
            Self::HubPolicyTooLarge { .. } => format!(
                "set `organization.id` so the compiler can narrow by organisation, or raise `quotas.managed_policies_per_role` (up to {})",
                defaults::MANAGED_POLICIES_PER_ROLE_MAX
            ),
            _ => return None,
        })
    }
}

/// What the compiler built passes one of IAM's quotas or name rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamLimit {
    PolicyNameCollision {
        account: String,
        policy: String,
        first: String,
        second: String,
    },
    /// The trust of `role` in `account`, or without a role the account's SAML trust.
    TrustPolicyTooLarge {
        role: Option<String>,
        account: String,
        size: usize,
        quota: usize,
    },
    InlinePoliciesTooLarge {
        role: String,
        size: usize,
    },
    TooManyManagedPolicies {
        role: String,
        account: String,
        count: usize,
        quota: usize,
    },
    TooManyRoles {
        account: String,
        count: usize,
        quota: usize,
    },
    TooManySamlProviders {
        account: String,
        count: usize,
    },
}

impl Message for IamLimit {
    fn code(&self) -> Code {
        match self {
            Self::PolicyNameCollision { .. } => Code::PolicyNameCollision,
            Self::TrustPolicyTooLarge { .. } => Code::TrustPolicyTooLarge,
            Self::InlinePoliciesTooLarge { .. } => Code::InlinePoliciesTooLarge,
            Self::TooManyManagedPolicies { .. } => Code::TooManyManagedPolicies,
            Self::TooManyRoles { .. } => Code::TooManyRoles,
            Self::TooManySamlProviders { .. } => Code::TooManySamlProviders,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::PolicyNameCollision {
                account,
                policy,
                first,
                second,
            } => format!(
                "account `{account}` would hold two managed policies named `{policy}` (for `{first}` and `{second}`)"
            ),
            Self::TrustPolicyTooLarge {
                role,
                account,
                size,
                quota,
            } => {
                let trust = match role {
                    Some(role) => {
                        format!("the trust policy of role `{role}` in account `{account}`")
                    }
                    None => format!(
                        "the SAML trust policy of account `{account}` (the trust of every role people enter with SAML there)"
                    ),
                };
                format!(
                    "{trust} is {size} characters; the trust policy quota is {quota} (IAM's default is {}, at most {})",
                    defaults::TRUST_POLICY_SIZE,
                    defaults::TRUST_POLICY_SIZE_MAX
                )
            }
            Self::InlinePoliciesTooLarge { role, size } => format!(
                "the inline policies of role `{role}` are {size} characters; IAM allows {} per role",
                defaults::INLINE_POLICIES_SIZE_PER_ROLE
            ),
            Self::TooManyManagedPolicies {
                role,
                account,
                count,
                quota,
            } => format!(
                "role `{role}` in `{account}` would have {count} managed policies; the quota is {quota} (IAM's default {}, at most {})",
                defaults::MANAGED_POLICIES_PER_ROLE,
                defaults::MANAGED_POLICIES_PER_ROLE_MAX
            ),
            Self::TooManyRoles {
                account,
                count,
                quota,
            } => {
                format!("account `{account}` would hold {count} awsfed roles; the quota is {quota}")
            }
            Self::TooManySamlProviders { account, count } => format!(
                "account `{account}` would hold {count} SAML providers; IAM allows {}",
                defaults::SAML_PROVIDERS_PER_ACCOUNT
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::PolicyNameCollision { .. } => {
                "rename one of the directory groups, or set `naming.hub_role_name`".to_owned()
            }
            Self::TrustPolicyTooLarge { quota, .. } => raise_trust_quota_help(*quota),
            Self::InlinePoliciesTooLarge { .. } => "move statements into a customer managed policy and list its ARN in `managed_policies`".to_owned(),
            Self::TooManyManagedPolicies { .. } => "combine policies, or raise the quota with Service Quotas and set `quotas.managed_policies_per_role`".to_owned(),
            Self::TooManyRoles { .. } => format!(
                "grant fewer permission sets there, or raise the quota (at most {}) and set `quotas.roles_per_account`",
                defaults::ROLES_PER_ACCOUNT_MAX
            ),
            _ => return None,
        })
    }
}

fn raise_trust_quota_help(quota: usize) -> String {
    if quota < defaults::TRUST_POLICY_SIZE_MAX {
        format!(
            "list fewer audiences, or raise the quota to {} with Service Quotas and set `quotas.trust_policy_size`",
            defaults::TRUST_POLICY_SIZE_MAX
        )
    } else {
        "list fewer audiences or session tags".to_owned()
    }
}
