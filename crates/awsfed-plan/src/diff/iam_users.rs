//! The IAM-users hub against the account's actual IAM users and groups.
//!
//! Ownership: a user is awsfed's as a role is, under the users' path (`iam_users.path`) **and**
//! tagged `awsfed:managed=true`. IAM groups cannot be tagged ("Tagging IAM resources", IAM User
//! Guide: the taggable IAM resources are roles, users, customer managed policies, identity
//! providers, instance profiles, server certificates and virtual MFA devices; groups are not among
//! them), so a group is awsfed's by its path alone: every IAM group under the users' path is
//! awsfed's, and one the model does not have there is deleted. That path is a boundary only while
//! nobody else may create groups under it: reserve it to the role that deploys awsfed.
//!
//! A membership belongs to the group: IAM authorizes `iam:AddUserToGroup` and
//! `iam:RemoveUserFromGroup` on the group resource ("Actions, resources, and condition keys for
//! AWS Identity and Access Management", Service Authorization Reference). So awsfed removes from
//! its own groups every member the model does not put there, a user it does not own included, and
//! never removes one of its users from a group it does not own.
//!
//! awsfed never creates nor deletes what is the user's own: access keys, MFA devices and the console
//! password. IAM refuses to delete a user who still holds them ("Deleting an IAM user", IAM User
//! Guide), and so does the plan, naming them.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_compile::{DesiredIamGroup, DesiredIamUsers, DesiredUser};
use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use awsfed_snapshot::{IamGroupSnapshot, UserSnapshot};

use super::{AccountPlanner, digest};
use crate::ownership::{is_awsfed_policy_arn, is_ours, is_under_path};
use crate::{Action, DIGEST_TAG_KEY, Drift, Phase};

/// The users' path the plan works with: the given one when the model has IAM users or some
/// account holds a user or group under it (users and groups the model no longer has are then
/// removed); empty otherwise, so a model without IAM users plans (and writes) none.
pub(super) fn effective_users_path(
    desired: &awsfed_compile::DesiredState,
    actual: &awsfed_snapshot::Snapshot,
    users_path: &str,
) -> String {
    if users_path.is_empty() {
        return String::new();
    }
    let modelled = desired.accounts.iter().any(|a| a.iam_users.is_some());
    let held = actual.accounts.iter().any(|a| {
        a.users.iter().any(|u| is_under_path(&u.path, users_path))
            || a.groups.iter().any(|g| is_under_path(&g.path, users_path))
    });
    if modelled || held {
        users_path.to_owned()
    } else {
        String::new()
    }
}

/// What a user's digest tag covers: its groups, attached and inline policies.
pub(crate) fn user_digest<'a>(
    groups: impl IntoIterator<Item = &'a String>,
    managed: impl IntoIterator<Item = &'a String>,
    inline: &BTreeMap<String, awsfed_policy::PolicyDocument>,
) -> String {
    let groups: BTreeSet<&String> = groups.into_iter().collect();
    let managed: BTreeSet<&String> = managed.into_iter().collect();
    let inline: BTreeMap<&String, String> = inline
        .iter()
        .map(|(k, v)| (k, crate::normalize(v).to_json()))
        .collect();
    digest(
        &serde_json::json!({ "groups": groups, "managed": managed, "inline": inline }).to_string(),
    )
}

/// The desired user's tags: the model's and the digest of its groups and policies.
fn user_tags(user: &DesiredUser) -> BTreeMap<String, String> {
    let mut tags = user.tags.clone();
    tags.insert(
        DIGEST_TAG_KEY.to_owned(),
        user_digest(&user.groups, &user.managed_policy_arns, &BTreeMap::new()),
    );
    tags
}

impl<'a> AccountPlanner<'a> {
    fn users_path(&self) -> &str {
        &self.options.users_path
    }

    fn user_owned(&self, user: &UserSnapshot) -> bool {
        is_ours(&user.path, &user.tags, self.users_path())
    }

    fn group_owned(&self, group: &IamGroupSnapshot) -> bool {
        is_under_path(&group.path, self.users_path())
    }

    fn actual_users(&self) -> &'a [UserSnapshot] {
        self.actual.map_or(&[], |a| a.users.as_slice())
    }

    fn actual_groups(&self) -> &'a [IamGroupSnapshot] {
        self.actual.map_or(&[], |a| a.groups.as_slice())
    }

    /// Users, groups, their policies and memberships of the IAM-users hub in this account.
    pub(super) fn iam_users(&mut self) {
        if self.users_path().is_empty() {
            return;
        }
        let Some(hub) = &self.account.iam_users else {
            return;
        };
        let unattachable = self.user_policies(hub);
        let usable_groups = self.iam_groups(hub, &unattachable);
        for user in &hub.users {
            self.user(user, &unattachable, &usable_groups);
        }
        self.remove_strangers(hub);
    }

    /// Creates or updates the users' and groups' policies; returns the ARNs never attached
    /// (a policy of that name exists and is not awsfed's: the conflict says so).
    fn user_policies(&mut self, hub: &DesiredIamUsers) -> BTreeSet<String> {
        let mut unattachable = BTreeSet::new();
        for policy in &hub.policies {
            match self.actual_policy(&policy.name) {
                // Attached to users and groups by their own changes.
                None => self.create_policy_in(Phase::IamUsers, policy, ""),
                Some(actual) => {
                    if !self.owned(&actual.path, &actual.tags) {
                        unattachable.insert(policy.arn.clone());
                        unattachable.insert(actual.arn.clone());
                    }
                    self.update_policy(policy, actual);
                }
            }
        }
        unattachable
    }

    /// Creates the model's groups, puts their policies right; returns the groups users may be
    /// added to (not those whose name a group outside the path holds).
    fn iam_groups(
        &mut self,
        hub: &DesiredIamUsers,
        unattachable: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let mut usable = BTreeSet::new();
        for group in &hub.groups {
            let actual = self.actual_groups().iter().find(|g| g.name == group.name);
            match actual {
                None => {
                    self.push(
                        Phase::IamUsers,
                        Action::CreateGroup {
                            name: group.name.clone(),
                            path: group.path.clone(),
                        },
                    );
                    for arn in group.managed_policy_arns.iter() {
                        if !unattachable.contains(arn) {
                            self.push(
                                Phase::IamUsers,
                                Action::AttachGroupPolicy {
                                    group: group.name.clone(),
                                    policy_arn: arn.clone(),
                                },
                            );
                        }
                    }
                }
                Some(actual) if !self.group_owned(actual) => {
                    self.conflict(
                        format!("IAM group {}", actual.arn),
                        format!(
                            "awsfed needs an IAM group named {} but this one is not under {}; IAM groups cannot be tagged, so awsfed owns only the groups under its path",
                            group.name,
                            self.users_path()
                        ),
                        "rename or delete the existing group (IAM group names are unique in an account whatever the path), then plan again",
                    );
                    continue;
                }
                Some(actual) => self.update_group(group, actual, unattachable),
            }
            usable.insert(group.name.clone());
        }
        usable
    }

    /// An existing group of awsfed's: the model's policies attached, nothing else.
    fn update_group(
        &mut self,
        group: &DesiredIamGroup,
        actual: &IamGroupSnapshot,
        unattachable: &BTreeSet<String>,
    ) {
        let name = &group.name;
        let mut drifted = Vec::new();
        for arn in &group.managed_policy_arns {
            if !actual.managed_policy_arns.contains(arn) && !unattachable.contains(arn) {
                self.push(
                    Phase::IamUsers,
                    Action::AttachGroupPolicy {
                        group: name.clone(),
                        policy_arn: arn.clone(),
                    },
                );
            }
        }
        for arn in &actual.managed_policy_arns {
            if !group.managed_policy_arns.contains(arn) {
                // awsfed attaches only its own policies to its groups: any other was attached by hand.
                if !is_awsfed_policy_arn(arn, &self.options.role_path) {
                    drifted.push(format!("attached {arn}"));
                }
                self.push(
                    Phase::Updates,
                    Action::DetachGroupPolicy {
                        group: name.clone(),
                        policy_arn: arn.clone(),
                    },
                );
            }
        }
        for policy_name in actual.inline_policies.keys() {
            drifted.push(format!("inline policy {policy_name}"));
            self.push(
                Phase::Updates,
                Action::DeleteGroupInlinePolicy {
                    group: name.clone(),
                    name: policy_name.clone(),
                },
            );
        }
        if !drifted.is_empty() {
            self.drift.push(Drift {
                account_id: self.account.id.clone(),
                resource: format!("IAM group {name}"),
                what: drifted,
            });
        }
    }

    fn user(
        &mut self,
        user: &DesiredUser,
        unattachable: &BTreeSet<String>,
        usable_groups: &BTreeSet<String>,
    ) {
        let Some(actual) = self.actual_users().iter().find(|u| u.name == user.name) else {
            self.push(
                Phase::IamUsers,
                Action::CreateUser {
                    name: user.name.clone(),
                    path: user.path.clone(),
                    tags: user_tags(user),
                },
            );
            self.user_attachments(user, &[], unattachable);
            self.user_memberships(user, &[], usable_groups);
            return;
        };
        if !self.user_owned(actual) {
            self.conflict(
                format!("IAM user {}", actual.arn),
                format!(
                    "awsfed needs an IAM user named {} but this one is not under {} with tag {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE}, so awsfed does not own it",
                    user.name,
                    self.users_path()
                ),
                "rename or delete the existing user (IAM user names are unique in an account whatever the path), or give the model's user another name",
            );
            return;
        }
        if actual.path != user.path {
            self.conflict(
                format!("IAM user {}", actual.arn),
                format!(
                    "the model puts IAM user {} under {}, but it exists under {}",
                    user.name, user.path, actual.path
                ),
                "move it with `aws iam update-user --user-name NAME --new-path PATH`, then plan again",
            );
            return;
        }
        let mut drifted = Vec::new();
        drifted.extend(self.user_attachments(user, &actual.managed_policy_arns, unattachable));
        for arn in &actual.managed_policy_arns {
            if !user.managed_policy_arns.contains(arn) {
                self.push(
                    Phase::Updates,
                    Action::DetachUserPolicy {
                        user: user.name.clone(),
                        policy_arn: arn.clone(),
                    },
                );
                drifted.push(format!("attached {arn}"));
            }
        }
        for policy_name in actual.inline_policies.keys() {
            self.push(
                Phase::Updates,
                Action::DeleteUserInlinePolicy {
                    user: user.name.clone(),
                    name: policy_name.clone(),
                },
            );
            drifted.push(format!("inline policy {policy_name}"));
        }
        drifted.extend(self.user_memberships(user, &actual.groups, usable_groups));
        for group in &actual.groups {
            let ours = self
                .actual_groups()
                .iter()
                .any(|g| &g.name == group && self.group_owned(g));
            if ours && !user.groups.contains(group) {
                self.push(
                    Phase::Updates,
                    Action::RemoveUserFromGroup {
                        user: user.name.clone(),
                        group: group.clone(),
                    },
                );
                drifted.push(format!("member of group {group}"));
            }
        }
        self.user_tags(user, actual, drifted);
    }

    /// Attaches the model's policies the user lacks; returns them as drift lines.
    fn user_attachments(
        &mut self,
        user: &DesiredUser,
        attached: &[String],
        unattachable: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut added = Vec::new();
        for arn in &user.managed_policy_arns {
            if !attached.contains(arn) && !unattachable.contains(arn) {
                self.push(
                    Phase::IamUsers,
                    Action::AttachUserPolicy {
                        user: user.name.clone(),
                        policy_arn: arn.clone(),
                    },
                );
                added.push(format!("attached {arn}"));
            }
        }
        added
    }

    /// Adds the user to the model's groups it is not in; returns them as drift lines.
    fn user_memberships(
        &mut self,
        user: &DesiredUser,
        member_of: &[String],
        usable_groups: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut added = Vec::new();
        for group in &user.groups {
            if !member_of.contains(group) && usable_groups.contains(group) {
                self.push(
                    Phase::IamUsers,
                    Action::AddUserToGroup {
                        user: user.name.clone(),
                        group: group.clone(),
                    },
                );
                added.push(format!("member of group {group}"));
            }
        }
        added
    }

    /// The digest tag written again when it is not the model's; drift reported when
    /// the user's groups or policies no longer match the digest awsfed wrote.
    fn user_tags(&mut self, user: &DesiredUser, actual: &UserSnapshot, drifted: Vec<String>) {
        let tags = user_tags(user);
        let actual_digest = user_digest(
            &actual.groups,
            &actual.managed_policy_arns,
            &actual.inline_policies,
        );
        let tagged = actual.tags.get(DIGEST_TAG_KEY);
        if tagged.is_some_and(|d| d != &actual_digest) {
            self.drift.push(Drift {
                account_id: self.account.id.clone(),
                resource: format!("IAM user {}", user.name),
                what: drifted,
            });
        }
        // The digest is of the model's user, so changes that put the user back leave it as is.
        if tags.iter().any(|(k, v)| actual.tags.get(k) != Some(v)) {
            self.push(
                Phase::Updates,
                Action::TagUser {
                    user: user.name.clone(),
                    tags,
                },
            );
        }
    }

    /// Members of awsfed's groups the model does not put there (someone else's users, or users
    /// the model no longer has) are removed from them.
    fn remove_strangers(&mut self, hub: &DesiredIamUsers) {
        let ours: BTreeSet<&str> = self
            .actual_groups()
            .iter()
            .filter(|g| self.group_owned(g))
            .map(|g| g.name.as_str())
            .collect();
        for actual in self.actual_users() {
            let desired = hub
                .users
                .iter()
                .find(|u| u.name == actual.name && self.user_owned(actual));
            if desired.is_some() {
                continue;
            }
            for group in &actual.groups {
                if ours.contains(group.as_str()) && hub.groups.iter().any(|g| &g.name == group) {
                    self.push(
                        Phase::Updates,
                        Action::RemoveUserFromGroup {
                            user: actual.name.clone(),
                            group: group.clone(),
                        },
                    );
                    self.drift.push(Drift {
                        account_id: self.account.id.clone(),
                        resource: format!("IAM group {group}"),
                        what: vec![format!("member {}", actual.arn)],
                    });
                }
            }
        }
    }

    /// Whether every role, IAM user and IAM group the awsfed policy `arn` is attached to is
    /// awsfed's: IAM refuses to delete a policy still attached to anything ("Deleting IAM
    /// policies", IAM User Guide), and awsfed detaches it only from its own. Otherwise the policy
    /// is kept and the plan holds a conflict naming the others (apply re-reads the holders with
    /// `iam:ListEntitiesForPolicy` and refuses the same way).
    pub(super) fn only_ours_hold(&mut self, arn: &str) -> bool {
        let Some(actual) = self.actual else {
            return true;
        };
        let users_path = !self.users_path().is_empty();
        // (what holds it, named; its attached policies; whether it is awsfed's)
        let roles = actual.roles.iter().map(|r| {
            let ours = self.owned(&r.path, &r.tags);
            (format!("role {}", r.arn), &r.managed_policy_arns, ours)
        });
        let users = actual.users.iter().map(|u| {
            let ours = users_path && self.user_owned(u);
            (format!("IAM user {}", u.arn), &u.managed_policy_arns, ours)
        });
        let groups = actual.groups.iter().map(|g| {
            let ours = users_path && self.group_owned(g);
            (format!("IAM group {}", g.arn), &g.managed_policy_arns, ours)
        });
        let foreign: Vec<String> = roles
            .chain(users)
            .chain(groups)
            .filter(|(_, arns, ours)| !ours && arns.iter().any(|a| a == arn))
            .map(|(name, ..)| name)
            .collect();
        if foreign.is_empty() {
            return true;
        }
        self.conflict(
            format!("policy {arn}"),
            format!(
                "the model no longer has this policy, but it is attached to {}, which awsfed does not own: awsfed neither detaches it from them nor deletes it",
                foreign.join(", ")
            ),
            "detach it from them if they are to lose it (`aws iam detach-role-policy`, `detach-user-policy`, `detach-group-policy`), then plan again",
        );
        false
    }

    /// Users and groups of awsfed's that the model no longer has. A user who still holds access
    /// keys, an MFA device or a console password is a conflict naming them: they are the user's.
    pub(super) fn user_and_group_deletions(&mut self) {
        if self.users_path().is_empty() {
            return;
        }
        let hub = self.account.iam_users.as_ref();
        for user in self.actual_users() {
            let modelled = hub.is_some_and(|h| h.users.iter().any(|u| u.name == user.name));
            if modelled || !self.user_owned(user) {
                continue;
            }
            let held = user
                .credentials
                .as_ref()
                .map(|c| c.held())
                .unwrap_or_default();
            if held.is_empty() {
                self.push(
                    Phase::Deletions,
                    Action::DeleteUser {
                        user: user.name.clone(),
                    },
                );
                continue;
            }
            self.conflict(
                format!("IAM user {}", user.arn),
                format!(
                    "the model no longer has this user, but it holds {}; those are the user's own, and awsfed never deletes them (IAM refuses to delete a user who holds them)",
                    held.join(", ")
                ),
                "delete them first (`aws iam delete-access-key`, `aws iam deactivate-mfa-device` then `aws iam delete-virtual-mfa-device`, `aws iam delete-login-profile`), or keep the user in the model; then plan again",
            );
        }
        for group in self.actual_groups() {
            let modelled = hub.is_some_and(|h| h.groups.iter().any(|g| g.name == group.name));
            if !modelled && self.group_owned(group) {
                self.push(
                    Phase::Deletions,
                    Action::DeleteGroup {
                        group: group.name.clone(),
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
    use awsfed_snapshot::{ManagedPolicySnapshot, Snapshot};

    use crate::tests::{empty, options};
    use crate::{Action, after_apply, plan};

    const HUB: &str = "111111111111";

    fn iam_users_model() -> awsfed_model::Model {
        let yaml = include_str!("../../../../examples/iam-users/awsfed.yaml");
        let raw = awsfed_model::load::parse(yaml).expect("the example parses");
        let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |f| Err(f.to_owned()));
        model.unwrap_or_else(|| panic!("{diagnostics:?}"))
    }

    /// The example applied, plus an awsfed policy the model does not have, attached to the users
    /// and groups `holders` names (and to a foreign role when `role`).
    fn with_stale_policy(holders: &[&str], role: bool) -> (Snapshot, String) {
        let model = iam_users_model();
        let desired = awsfed_compile::compile(&model);
        let mut state = after_apply(&empty(), &plan(&desired, &empty(), &options(&model)));
        let hub = state.accounts.iter_mut().find(|a| a.id == HUB).unwrap();
        let arn = format!("arn:aws:iam::{HUB}:policy/awsfed/users/stale-assume");
        hub.policies.push(ManagedPolicySnapshot {
            arn: arn.clone(),
            name: "stale-assume".to_owned(),
            path: "/awsfed/users/".to_owned(),
            document: awsfed_policy::PolicyDocument::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
            )
            .unwrap(),
            tags: BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]),
            other_versions: Vec::new(),
        });
        for user in hub
            .users
            .iter_mut()
            .filter(|u| holders.contains(&u.name.as_str()))
        {
            user.managed_policy_arns.push(arn.clone());
        }
        for group in hub
            .groups
            .iter_mut()
            .filter(|g| holders.contains(&g.name.as_str()))
        {
            group.managed_policy_arns.push(arn.clone());
        }
        if holders.contains(&"contractor") {
            let mut contractor = hub.users[0].clone();
            contractor.name = "contractor".to_owned();
            contractor.path = "/external/".to_owned();
            contractor.arn = format!("arn:aws:iam::{HUB}:user/external/contractor");
            contractor.tags.clear();
            contractor.groups.clear();
            contractor.managed_policy_arns = vec![arn.clone()];
            hub.users.push(contractor);
        }
        if holders.contains(&"finance") {
            let mut finance = hub.groups[0].clone();
            finance.name = "finance".to_owned();
            finance.path = "/external/".to_owned();
            finance.arn = format!("arn:aws:iam::{HUB}:group/external/finance");
            finance.managed_policy_arns = vec![arn.clone()];
            hub.groups.push(finance);
        }
        if role {
            let mut build = awsfed_testkit::snapshot::role(HUB, "/ci/", "build");
            build.managed_policy_arns = vec![arn.clone()];
            hub.roles.push(build);
        }
        (state, arn)
    }

    fn deletes(plan: &crate::Plan, arn: &str) -> bool {
        plan.accounts
            .iter()
            .flat_map(|a| &a.changes)
            .any(|c| matches!(&c.action, Action::DeletePolicy { arn: a } if a == arn))
    }

    /// A policy held only by awsfed's users and groups is deleted (apply detaches it first); one
    /// that someone else's user, group or role holds is kept, and the conflict names each of them.
    #[test]
    fn a_policy_someone_elses_user_group_or_role_holds_is_not_deleted() {
        let model = iam_users_model();
        let desired = awsfed_compile::compile(&model);
        let (ours, arn) = with_stale_policy(&["ada", "developers"], false);
        let planned = plan(&desired, &ours, &options(&model));
        assert!(deletes(&planned, &arn), "{planned:?}");
        assert!(planned.accounts.iter().all(|a| a.conflicts.is_empty()));

        let (theirs, arn) = with_stale_policy(&["ada", "contractor", "finance"], true);
        let planned = plan(&desired, &theirs, &options(&model));
        assert!(!deletes(&planned, &arn), "{planned:?}");
        let conflicts: Vec<String> = planned
            .accounts
            .iter()
            .flat_map(|a| &a.conflicts)
            .map(|c| format!("{}: {} ({})", c.resource, c.reason, c.hint))
            .collect();
        insta::assert_snapshot!(conflicts.join("\n"));
    }
}
