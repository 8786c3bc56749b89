//! Roles awsfed does not own, and which of them a trust policy would admit.
//!
//! A trust awsfed writes admits nothing but awsfed's own roles (hub roles, for a spoke). When a
//! role awsfed does not own holds a hub role's name, a spoke trust naming the hub role's ARN would
//! hand the spoke role to whoever controls that role: IAM role names are unique in an account
//! whatever their path ("IAM identifiers", IAM User Guide), so the ARN awsfed would write can only
//! ever resolve to the role that is there. A role awsfed does not own under the hub path is admitted
//! the same way by a trust narrowed to that path with `aws:PrincipalArn`. The plan reports such a
//! trust as a conflict and writes nothing of that role; the executor refuses to write it.
//!
//! The reading of a trust is conservative, so it may refuse a trust IAM would not let such a role
//! through, never the reverse: every `Allow` statement counts, whatever its actions and other
//! conditions; an account principal (`ACCOUNT-ID`, `arn:…:root`, `"*"`, `NotPrincipal`) admits
//! every role of the account unless `aws:PrincipalArn` narrows it ("AWS global condition context
//! keys", IAM User Guide); an exact role ARN admits the role of that name, whatever its path.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use awsfed_policy::{Arn, Conditions, Effect, PolicyDocument, Principal, Wildcard};
use awsfed_snapshot::AccountSnapshot;

use super::ownership::is_ours;

/// Roles awsfed does not own, in the accounts read.
#[derive(Debug, Clone, Default)]
pub struct ForeignRoles {
    /// Account id → role name → role ARN.
    by_account: BTreeMap<String, BTreeMap<String, String>>,
}

/// A role awsfed does not own that a trust would admit, and the principal that admits it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Admission {
    /// The principal as the trust names it.
    pub principal: String,
    /// The ARN of the role awsfed does not own.
    pub role_arn: String,
}

impl fmt::Display for Admission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.principal == self.role_arn {
            write!(f, "{}, a role awsfed does not own", self.role_arn)
        } else if self.principal.contains(":role/") {
            write!(
                f,
                "{}, whose name is held by role {}, which awsfed does not own",
                self.principal, self.role_arn
            )
        } else {
            write!(
                f,
                "role {}, which awsfed does not own, through principal {}",
                self.role_arn, self.principal
            )
        }
    }
}

impl ForeignRoles {
    /// The roles of these accounts that are not awsfed's ([`is_ours`]).
    pub fn new<'a>(
        accounts: impl IntoIterator<Item = &'a AccountSnapshot>,
        role_path: &str,
    ) -> Self {
        let mut by_account: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for account in accounts {
            let foreign: BTreeMap<String, String> = account
                .roles
                .iter()
                .filter(|r| !is_ours(&r.path, &r.tags, role_path))
                .map(|r| (r.name.clone(), r.arn.clone()))
                .collect();
            if !foreign.is_empty() {
                by_account.insert(account.id.clone(), foreign);
            }
        }
        Self { by_account }
    }

    /// The roles awsfed does not own that `trust` would admit, sorted; empty when it admits none.
    pub fn admitted_by(&self, trust: &PolicyDocument) -> Vec<Admission> {
        let mut admitted = BTreeSet::new();
        for statement in trust.statement.iter().filter(|s| s.effect == Effect::Allow) {
            let narrowing = Narrowing::of(&statement.condition);
            if statement.not_principal.is_some() {
                self.account_wide("NotPrincipal", None, &narrowing, &mut admitted);
                continue;
            }
            let values = match &statement.principal {
                Some(Principal::Any(_)) => {
                    self.account_wide("*", None, &narrowing, &mut admitted);
                    continue;
                }
                Some(Principal::Typed(types)) => match types.get("AWS") {
                    Some(values) => values,
                    None => continue,
                },
                None => continue,
            };
            for value in values.iter() {
                match aws_principal(value) {
                    AwsPrincipal::Everyone => {
                        self.account_wide(value, None, &narrowing, &mut admitted)
                    }
                    AwsPrincipal::Account(id) => {
                        self.account_wide(value, Some(id), &narrowing, &mut admitted)
                    }
                    AwsPrincipal::Role { account, name } => {
                        if let Some(arn) = self.by_account.get(account).and_then(|r| r.get(name)) {
                            admitted.insert(Admission {
                                principal: value.to_owned(),
                                role_arn: arn.clone(),
                            });
                        }
                    }
                    AwsPrincipal::Other => {}
                }
            }
        }
        admitted.into_iter().collect()
    }

    /// The roles of one account (every account with `None`) that `narrowing` leaves.
    fn account_wide(
        &self,
        principal: &str,
        account: Option<&str>,
        narrowing: &Narrowing,
        admitted: &mut BTreeSet<Admission>,
    ) {
        let accounts = self
            .by_account
            .iter()
            .filter(|(id, _)| account.is_none_or(|a| a == id.as_str()));
        for (_, roles) in accounts {
            for arn in roles.values().filter(|arn| narrowing.admits(arn)) {
                admitted.insert(Admission {
                    principal: principal.to_owned(),
                    role_arn: arn.clone(),
                });
            }
        }
    }
}

enum AwsPrincipal<'a> {
    Everyone,
    Account(&'a str),
    Role {
        account: &'a str,
        name: &'a str,
    },
    /// Users, sessions, unique ids: not a role awsfed could be asked to admit.
    Other,
}

fn aws_principal(value: &str) -> AwsPrincipal<'_> {
    if value == "*" {
        return AwsPrincipal::Everyone;
    }
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return AwsPrincipal::Account(value);
    }
    match Arn::parts(value) {
        Some([_, "iam", _, account, "root"]) => AwsPrincipal::Account(account),
        Some([_, "iam", _, account, resource]) => match resource.strip_prefix("role/") {
            // The name is the last part of `role/PATH/NAME`.
            Some(rest) => AwsPrincipal::Role {
                account,
                name: rest.rsplit('/').next().unwrap_or(rest),
            },
            None => AwsPrincipal::Other,
        },
        _ => AwsPrincipal::Other,
    }
}

/// What a statement's `aws:PrincipalArn` conditions leave of an account principal: a role must
/// match one value of every such condition.
struct Narrowing {
    conditions: Vec<Vec<Matcher>>,
}

enum Matcher {
    Exact(String),
    ExactIgnoringCase(String),
    Pattern(Wildcard),
}

impl Narrowing {
    fn of(conditions: &Conditions) -> Self {
        let mut narrowing = Vec::new();
        for (operator, keys) in conditions {
            let operator = operator.strip_suffix("IfExists").unwrap_or(operator);
            for (key, values) in keys {
                if !key.eq_ignore_ascii_case("aws:PrincipalArn") {
                    continue;
                }
                let matcher: fn(&str) -> Matcher = match operator {
                    "StringEquals" => |v| Matcher::Exact(v.to_owned()),
                    "StringEqualsIgnoreCase" => |v| Matcher::ExactIgnoringCase(v.to_owned()),
                    "StringLike" | "ArnLike" | "ArnEquals" => {
                        |v| Matcher::Pattern(Wildcard::new(v))
                    }
                    // Anything else (negations, set operators) narrows nothing here.
                    _ => continue,
                };
                narrowing.push(values.iter().map(matcher).collect());
            }
        }
        Self {
            conditions: narrowing,
        }
    }

    fn admits(&self, arn: &str) -> bool {
        self.conditions.iter().all(|values| {
            values.iter().any(|m| match m {
                Matcher::Exact(v) => v == arn,
                Matcher::ExactIgnoringCase(v) => v.eq_ignore_ascii_case(arn),
                Matcher::Pattern(p) => p.matches(arn),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsfed_snapshot::{RoleSnapshot, SNAPSHOT_FORMAT};
    use awsfed_testkit::snapshot;

    const HUB: &str = "111111111111";

    fn role(name: &str, path: &str, ours: bool) -> RoleSnapshot {
        if ours {
            snapshot::managed_role(HUB, path, name)
        } else {
            snapshot::role(HUB, path, name)
        }
    }

    fn foreign() -> ForeignRoles {
        let hub = AccountSnapshot {
            users: Vec::new(),
            groups: Vec::new(),
            format: SNAPSHOT_FORMAT,
            id: HUB.to_owned(),
            name: None,
            roles: vec![
                role("admins", "/awsfed/hub/", true),
                role("developers", "/other/", false),
                role("squatter", "/awsfed/hub/", false),
                role("OrganizationAccountAccessRole", "/", false),
            ],
            saml_providers: Vec::new(),
            policies: Vec::new(),
        };
        ForeignRoles::new([&hub], "/awsfed/")
    }

    fn trust(json: &str) -> PolicyDocument {
        PolicyDocument::from_json(json).expect("a trust policy")
    }

    fn admitted(json: &str) -> Vec<String> {
        foreign()
            .admitted_by(&trust(json))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn exact_hub_role_arns_admit_a_foreign_role_holding_the_name() {
        assert_eq!(
            admitted(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":["arn:aws:iam::111111111111:role/awsfed/hub/admins","arn:aws:iam::111111111111:role/awsfed/hub/developers"]}}]}"#
            ),
            [
                "arn:aws:iam::111111111111:role/awsfed/hub/developers, whose name is held by role arn:aws:iam::111111111111:role/other/developers, which awsfed does not own"
            ]
        );
        assert!(
            admitted(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::111111111111:role/awsfed/hub/admins"}}]}"#
            )
            .is_empty()
        );
        // Another account's role of the same name is not that role.
        assert!(
            admitted(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::222222222222:role/awsfed/hub/developers"}}]}"#
            )
            .is_empty()
        );
    }

    #[test]
    fn an_account_principal_admits_what_principal_arn_leaves_of_it() {
        assert_eq!(
            admitted(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/awsfed/hub/*"}}}]}"#
            ),
            [
                "role arn:aws:iam::111111111111:role/awsfed/hub/squatter, which awsfed does not own, through principal arn:aws:iam::111111111111:root"
            ]
        );
        assert_eq!(
            admitted(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"111111111111"}}]}"#
            )
            .len(),
            3
        );
        assert_eq!(
            admitted(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*","Condition":{"StringEqualsIgnoreCase":{"aws:principalarn":"ARN:AWS:IAM::111111111111:ROLE/OTHER/DEVELOPERS"}}}]}"#
            ),
            [
                "role arn:aws:iam::111111111111:role/other/developers, which awsfed does not own, through principal *"
            ]
        );
        // A deny, a SAML provider and a negated condition admit or narrow nothing.
        assert!(
            admitted(
                r#"{"Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"AWS":"111111111111"}},{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/corp"}}]}"#
            )
            .is_empty()
        );
        assert_eq!(
            admitted(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"111111111111"},"Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/other/*"}}}]}"#
            )
            .len(),
            3
        );
    }
}
