//! Ownership enforced where changes are made: before every IAM write the executor asks the
//! [`Guard`] of the account, built from the state read from that account for this apply (not from
//! the plan, which is input). A write on anything awsfed does not own ([`awsfed_plan::is_ours`]),
//! on the role awsfed runs as or on the bootstrap role is refused, and the account fails there.
//! So is a trust that would admit a role awsfed does not own in any account read
//! ([`ForeignRoles`]): a spoke trust naming a hub role whose name someone else's role holds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use awsfed_plan::{
    ForeignRoles, is_awsfed_policy_arn, is_managed_tagged, is_ours, policy_arn_path,
};
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::AccountSnapshot;

use crate::AwsError;
use crate::iam::Entity;

/// What an apply may touch, the same for every account.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The model's IAM path (the plan's `role_path`, checked against the model).
    pub role_path: String,
    /// The model's SAML provider name.
    pub provider_name: String,
    pub partition: String,
    /// Roles never written, as `ACCOUNT-ID/ROLE-NAME` (the role awsfed runs as).
    pub protected_roles: BTreeSet<String>,
    /// The role assumed in every member account: never written in any account.
    pub bootstrap_role: String,
    /// Roles awsfed does not own in every account read for this apply: no trust admits one.
    pub foreign_roles: Arc<ForeignRoles>,
    /// The IAM path of the IAM users and groups awsfed owns (see [`awsfed_plan::PlanOptions`]);
    /// empty: no user or group is ever written.
    pub users_path: String,
}

/// One IAM write, by the resources it touches.
#[derive(Debug, Clone, Copy)]
pub enum Write<'a> {
    /// Create or update the model's SAML provider.
    Provider {
        arn: &'a str,
    },
    DeleteProvider {
        arn: &'a str,
    },
    CreateRole {
        name: &'a str,
        path: &'a str,
        tags: &'a BTreeMap<String, String>,
    },
    /// Any change to an existing role: trust, settings, inline policies, boundary, tags, detaching
    /// from it, deleting it.
    Role {
        name: &'a str,
    },
    /// Writing a role's trust policy (creating the role, or updating its trust).
    Trust {
        role: &'a str,
        trust: &'a PolicyDocument,
    },
    /// Attaching a managed policy to a role.
    Attach {
        role: &'a str,
        policy_arn: &'a str,
    },
    CreatePolicy {
        arn: &'a str,
        path: &'a str,
        tags: &'a BTreeMap<String, String>,
    },
    /// Any change to an existing managed policy: versions, tags, deleting it.
    Policy {
        arn: &'a str,
    },
    CreateUser {
        name: &'a str,
        path: &'a str,
        tags: &'a BTreeMap<String, String>,
    },
    /// Any change to an existing IAM user: tags, policies, deleting it.
    User {
        name: &'a str,
    },
    CreateGroup {
        name: &'a str,
        path: &'a str,
    },
    /// Any change to an existing IAM group: policies, removing a member, deleting it.
    Group {
        name: &'a str,
    },
    /// Adding a user to a group: both must be awsfed's, or the group would hand its access to
    /// someone else's user.
    AddMember {
        user: &'a str,
        group: &'a str,
    },
}

/// The ownership of one account's roles, policies and providers, as read, plus what this apply
/// created there.
#[derive(Debug, Clone)]
pub struct Guard {
    account_id: String,
    scope: Scope,
    /// Role name → ours.
    roles: BTreeMap<String, bool>,
    /// Policy ARN → ours.
    policies: BTreeMap<String, bool>,
    /// Provider ARN → carries the managed tag.
    providers: BTreeMap<String, bool>,
    /// IAM user name → ours.
    users: BTreeMap<String, bool>,
    /// IAM group name → ours (under the users' path: groups cannot be tagged).
    groups: BTreeMap<String, bool>,
}

impl Guard {
    pub fn new(account: &AccountSnapshot, scope: &Scope) -> Self {
        let path = &scope.role_path;
        Self {
            account_id: account.id.clone(),
            scope: scope.clone(),
            roles: account
                .roles
                .iter()
                .map(|r| (r.name.clone(), is_ours(&r.path, &r.tags, path)))
                .collect(),
            policies: account
                .policies
                .iter()
                .map(|p| (p.arn.clone(), is_ours(&p.path, &p.tags, path)))
                .collect(),
            providers: account
                .saml_providers
                .iter()
                .map(|p| (p.arn.clone(), is_managed_tagged(&p.tags)))
                .collect(),
            users: account
                .users
                .iter()
                .map(|u| (u.name.clone(), user_is_ours(&u.path, &u.tags, scope)))
                .collect(),
            groups: account
                .groups
                .iter()
                .map(|g| (g.name.clone(), group_is_ours(&g.path, scope)))
                .collect(),
        }
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The ARN of the model's provider in this account.
    pub fn provider_arn(&self) -> String {
        format!(
            "arn:{}:iam::{}:saml-provider/{}",
            self.scope.partition, self.account_id, self.scope.provider_name
        )
    }

    /// Refuses a write on anything awsfed does not own here.
    pub fn check(&self, write: Write<'_>) -> Result<(), AwsError> {
        match write {
            Write::Provider { arn } if arn == self.provider_arn() => Ok(()),
            Write::Provider { arn } => self.refuse(&format!(
                "SAML provider {arn} is not the model's provider ({})",
                self.scope.provider_name
            )),
            Write::DeleteProvider { arn } => match self.providers.get(arn) {
                Some(true) => Ok(()),
                _ => self.refuse(&format!(
                    "SAML provider {arn} does not carry awsfed's managed tag"
                )),
            },
            Write::CreateRole { name, path, tags } => {
                self.not_protected(name)?;
                if !is_ours(path, tags, &self.scope.role_path) {
                    return self.refuse(&format!(
                        "role {name} would be created outside {} or without the managed tag",
                        self.scope.role_path
                    ));
                }
                match self.roles.get(name) {
                    Some(false) => self.refuse(&format!("role {name} exists and is not awsfed's")),
                    _ => Ok(()),
                }
            }
            Write::Role { name } => self.role(name),
            Write::Trust { role, trust } => {
                match self.scope.foreign_roles.admitted_by(trust).first() {
                    Some(admitted) => {
                        self.refuse(&format!("the trust of role {role} would admit {admitted}"))
                    }
                    None => Ok(()),
                }
            }
            Write::Attach { role, policy_arn } => {
                self.role(role)?;
                self.attachable(policy_arn)
            }
            Write::CreatePolicy { arn, path, tags } => {
                if !is_ours(path, tags, &self.scope.role_path)
                    || policy_arn_path(arn) != Some(path)
                    || !self.is_in_account(arn, "policy")
                {
                    return self.refuse(&format!(
                        "policy {arn} would be created outside {} or without the managed tag",
                        self.scope.role_path
                    ));
                }
                match self.policies.get(arn) {
                    Some(false) => self.refuse(&format!("policy {arn} exists and is not awsfed's")),
                    _ => Ok(()),
                }
            }
            Write::Policy { arn } if self.is_our_policy(arn) => Ok(()),
            Write::Policy { arn } => self.refuse(&format!("policy {arn} is not awsfed's")),
            Write::CreateUser { name, path, tags } => {
                if !user_is_ours(path, tags, &self.scope) {
                    return self.refuse(&format!(
                        "IAM user {name} would be created outside {} or without the managed tag",
                        self.users_path()
                    ));
                }
                match self.users.get(name) {
                    Some(false) => {
                        self.refuse(&format!("IAM user {name} exists and is not awsfed's"))
                    }
                    _ => Ok(()),
                }
            }
            Write::User { name } => self.user(name),
            Write::CreateGroup { name, path } => {
                if !group_is_ours(path, &self.scope) {
                    return self.refuse(&format!(
                        "IAM group {name} would be created outside {}",
                        self.users_path()
                    ));
                }
                match self.groups.get(name) {
                    Some(false) => {
                        self.refuse(&format!("IAM group {name} exists and is not awsfed's"))
                    }
                    _ => Ok(()),
                }
            }
            Write::Group { name } => self.group(name),
            Write::AddMember { user, group } => {
                self.user(user)?;
                self.group(group)
            }
        }
    }

    /// Records an IAM user this apply created (or found, after a lost answer).
    pub fn created_user(&mut self, name: &str, found: &Entity) {
        let ours = user_is_ours(&found.path, &found.tags, &self.scope);
        self.users.insert(name.to_owned(), ours);
    }

    /// Records an IAM group this apply created (or found, after a lost answer, under this path).
    pub fn created_group(&mut self, name: &str, path: &str) {
        let ours = group_is_ours(path, &self.scope);
        self.groups.insert(name.to_owned(), ours);
    }

    fn users_path(&self) -> &str {
        &self.scope.users_path
    }

    fn user(&self, name: &str) -> Result<(), AwsError> {
        match self.users.get(name) {
            Some(true) => Ok(()),
            Some(false) => self.refuse(&format!(
                "IAM user {name} is not under {} with tag awsfed:managed=true",
                self.users_path()
            )),
            None => self.refuse(&format!(
                "IAM user {name} was not in the state read for this apply"
            )),
        }
    }

    fn group(&self, name: &str) -> Result<(), AwsError> {
        match self.groups.get(name) {
            Some(true) => Ok(()),
            Some(false) => self.refuse(&format!(
                "IAM group {name} is not under {} (IAM groups cannot be tagged: awsfed owns the groups under its path)",
                self.users_path()
            )),
            None => self.refuse(&format!(
                "IAM group {name} was not in the state read for this apply"
            )),
        }
    }

    /// Refuses a policy under awsfed's path that awsfed does not own: it is never attached to one of
    /// awsfed's roles. (Policies outside the path are the model's `managed_policies`.)
    pub fn attachable(&self, policy_arn: &str) -> Result<(), AwsError> {
        if is_awsfed_policy_arn(policy_arn, &self.scope.role_path)
            && !self.is_our_policy(policy_arn)
        {
            return self.refuse(&format!(
                "policy {policy_arn} is under awsfed's path but awsfed does not own it; it is attached to none of awsfed's roles"
            ));
        }
        Ok(())
    }

    pub fn partition(&self) -> &str {
        &self.scope.partition
    }

    /// Records a role this apply created (or found, after a lost answer, with these path and tags).
    pub fn created_role(&mut self, name: &str, found: &Entity) {
        let ours = is_ours(&found.path, &found.tags, &self.scope.role_path);
        self.roles.insert(name.to_owned(), ours);
    }

    /// Records a policy this apply created (or found, after a lost answer, with these path and tags).
    pub fn created_policy(&mut self, arn: &str, found: &Entity) {
        let ours = is_ours(&found.path, &found.tags, &self.scope.role_path);
        self.policies.insert(arn.to_owned(), ours);
    }

    fn is_our_policy(&self, arn: &str) -> bool {
        self.policies.get(arn) == Some(&true)
    }

    fn is_in_account(&self, arn: &str, kind: &str) -> bool {
        arn.starts_with(&format!(
            "arn:{}:iam::{}:{kind}/",
            self.scope.partition, self.account_id
        ))
    }

    fn role(&self, name: &str) -> Result<(), AwsError> {
        self.not_protected(name)?;
        match self.roles.get(name) {
            Some(true) => Ok(()),
            Some(false) => self.refuse(&format!(
                "role {name} is not under {} with tag awsfed:managed=true",
                self.scope.role_path
            )),
            None => self.refuse(&format!(
                "role {name} was not in the state read for this apply"
            )),
        }
    }

    fn not_protected(&self, name: &str) -> Result<(), AwsError> {
        if name == self.scope.bootstrap_role {
            return self.refuse(&format!(
                "role {name} is the bootstrap role awsfed reaches accounts through"
            ));
        }
        if self
            .scope
            .protected_roles
            .contains(&format!("{}/{name}", self.account_id))
        {
            return self.refuse(&format!("role {name} is the role awsfed is running as"));
        }
        Ok(())
    }

    fn refuse(&self, why: &str) -> Result<(), AwsError> {
        Err(AwsError::Refused(format!(
            "refused in account {}: {why}; awsfed changes only what it owns",
            self.account_id
        )))
    }
}

/// A user is awsfed's as a role is: under the users' path and tagged.
fn user_is_ours(path: &str, tags: &BTreeMap<String, String>, scope: &Scope) -> bool {
    !scope.users_path.is_empty() && is_ours(path, tags, &scope.users_path)
}

/// IAM groups cannot be tagged ("Tagging IAM resources", IAM User Guide: groups are not among the
/// taggable resources), so a group is awsfed's by its path alone.
fn group_is_ours(path: &str, scope: &Scope) -> bool {
    !scope.users_path.is_empty() && awsfed_plan::is_under_path(path, &scope.users_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsfed_policy::PolicyDocument;
    use awsfed_snapshot::{ManagedPolicySnapshot, SNAPSHOT_FORMAT};
    use awsfed_testkit::snapshot::{managed_role, role};

    const ACCOUNT: &str = "111111111111";

    fn account() -> AccountSnapshot {
        AccountSnapshot {
            users: Vec::new(),
            groups: Vec::new(),
            format: SNAPSHOT_FORMAT,
            id: ACCOUNT.to_owned(),
            name: None,
            roles: vec![
                managed_role(ACCOUNT, "/awsfed/", "hub-admins"),
                role(ACCOUNT, "/awsfed/", "hub-developers"),
                managed_role(ACCOUNT, "/other/", "Unrelated"),
                role(ACCOUNT, "/", "OrganizationAccountAccessRole"),
                managed_role(ACCOUNT, "/awsfed/", "deployer"),
            ],
            saml_providers: Vec::new(),
            policies: vec![ManagedPolicySnapshot {
                arn: "arn:aws:iam::111111111111:policy/awsfed/foreign".to_owned(),
                name: "foreign".to_owned(),
                path: "/awsfed/".to_owned(),
                document: PolicyDocument::new(Vec::new()),
                tags: BTreeMap::new(),
                other_versions: Vec::new(),
            }],
        }
    }

    fn guard() -> Guard {
        let account = account();
        Guard::new(
            &account,
            &Scope {
                role_path: "/awsfed/".to_owned(),
                provider_name: "corp".to_owned(),
                partition: "aws".to_owned(),
                protected_roles: BTreeSet::from(["111111111111/deployer".to_owned()]),
                bootstrap_role: "OrganizationAccountAccessRole".to_owned(),
                foreign_roles: Arc::new(ForeignRoles::new([&account], "/awsfed/")),
                users_path: "/awsfed/users/".to_owned(),
            },
        )
    }

    #[test]
    fn only_what_awsfed_owns_is_written() {
        let g = guard();
        assert!(g.check(Write::Role { name: "hub-admins" }).is_ok());
        for name in [
            "hub-developers",
            "Unrelated",
            "OrganizationAccountAccessRole",
            "deployer",
            "Missing",
        ] {
            assert!(g.check(Write::Role { name }).is_err(), "{name}");
        }
        assert!(
            g.check(Write::Attach {
                role: "hub-admins",
                policy_arn: "arn:aws:iam::111111111111:policy/awsfed/foreign"
            })
            .is_err()
        );
        assert!(
            g.check(Write::Attach {
                role: "hub-admins",
                policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess"
            })
            .is_ok()
        );
        let tags = managed_role(ACCOUNT, "/awsfed/", "New").tags;
        assert!(
            g.check(Write::CreateRole {
                name: "hub-developers",
                path: "/awsfed/",
                tags: &tags
            })
            .is_err()
        );
        assert!(
            g.check(Write::CreateRole {
                name: "New",
                path: "/other/",
                tags: &tags
            })
            .is_err()
        );
        assert!(
            g.check(Write::Provider {
                arn: "arn:aws:iam::111111111111:saml-provider/other"
            })
            .is_err()
        );
        assert!(
            g.check(Write::Provider {
                arn: "arn:aws:iam::111111111111:saml-provider/corp"
            })
            .is_ok()
        );
        let refused = g.check(Write::Role { name: "Unrelated" }).unwrap_err();
        insta::assert_snapshot!(refused.to_string(), @"refused in account 111111111111: role Unrelated is not under /awsfed/ with tag awsfed:managed=true; awsfed changes only what it owns");
    }

    /// A trust is written only when it admits no role awsfed does not own, here the untagged
    /// `hub-developers` (the spoke trusts' hub role name), whatever path the trust names it under.
    #[test]
    fn no_trust_admits_a_role_awsfed_does_not_own() {
        let g = guard();
        let trust = |principal: &str| {
            PolicyDocument::from_json(&format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"AWS":"{principal}"}}}}]}}"#
            ))
            .expect("a trust")
        };
        let ours = trust("arn:aws:iam::111111111111:role/awsfed/hub-admins");
        assert!(
            g.check(Write::Trust {
                role: "Admin",
                trust: &ours
            })
            .is_ok()
        );
        let foreign = trust("arn:aws:iam::111111111111:role/awsfed/hub/hub-developers");
        let refused = g
            .check(Write::Trust {
                role: "Admin",
                trust: &foreign,
            })
            .unwrap_err();
        insta::assert_snapshot!(refused.to_string(), @"refused in account 111111111111: the trust of role Admin would admit arn:aws:iam::111111111111:role/awsfed/hub/hub-developers, whose name is held by role arn:aws:iam::111111111111:role/awsfed/hub-developers, which awsfed does not own; awsfed changes only what it owns");
    }
}
