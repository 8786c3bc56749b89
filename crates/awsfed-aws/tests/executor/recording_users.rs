//! The recording IAM's users and groups ([`IamUserApi`]): kept in its state like roles, every write
//! recorded with the user or group it touched.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_aws::{CallError, Entity, GroupEntity, IamUserApi};
use awsfed_snapshot::UserCredentials;

use crate::recording_iam::{RecordingIam, State, missing_entity};

#[derive(Debug, Clone, Default)]
pub struct User {
    pub path: String,
    pub tags: BTreeMap<String, String>,
    pub attached: BTreeSet<String>,
    pub inline: BTreeSet<String>,
    pub credentials: UserCredentials,
}

#[derive(Debug, Clone, Default)]
pub struct Group {
    pub path: String,
    pub members: BTreeSet<String>,
    pub attached: BTreeSet<String>,
    pub inline: BTreeSet<String>,
}

type Call<T> = Result<T, CallError>;

impl RecordingIam {
    fn user_write(&self, operation: &'static str, what: String) {
        self.user_writes.lock().unwrap().push((operation, what));
    }

    fn with_user<T>(
        &self,
        operation: &'static str,
        name: &str,
        f: impl FnOnce(&mut User) -> T,
    ) -> Call<T> {
        let mut state = self.state.lock().unwrap();
        state
            .users
            .get_mut(name)
            .map(f)
            .ok_or_else(|| missing_entity(operation, name))
    }

    fn with_group<T>(
        &self,
        operation: &'static str,
        name: &str,
        f: impl FnOnce(&mut State, &mut Group) -> T,
    ) -> Call<T> {
        let mut state = self.state.lock().unwrap();
        let mut group = state
            .groups
            .remove(name)
            .ok_or_else(|| missing_entity(operation, name))?;
        let value = f(&mut state, &mut group);
        state.groups.insert(name.to_owned(), group);
        Ok(value)
    }
}

impl IamUserApi for RecordingIam {
    async fn create_user(
        &self,
        name: &str,
        path: &str,
        tags: &BTreeMap<String, String>,
    ) -> Call<()> {
        self.user_write("CreateUser", format!("user {name}"));
        let mut state = self.state.lock().unwrap();
        if state.users.contains_key(name) {
            return Err(CallError::new(
                "iam:CreateUser",
                "EntityAlreadyExists",
                name,
            ));
        }
        state.users.insert(
            name.to_owned(),
            User {
                path: path.to_owned(),
                tags: tags.clone(),
                ..User::default()
            },
        );
        Ok(())
    }

    async fn get_user(&self, name: &str) -> Call<Entity> {
        self.with_user("iam:GetUser", name, |u| Entity {
            path: u.path.clone(),
            tags: u.tags.clone(),
        })
    }

    async fn tag_user(&self, name: &str, tags: &BTreeMap<String, String>) -> Call<()> {
        self.user_write("TagUser", format!("user {name}"));
        self.with_user("iam:TagUser", name, |u| u.tags.extend(tags.clone()))
    }

    async fn delete_user(&self, name: &str) -> Call<()> {
        self.user_write("DeleteUser", format!("user {name}"));
        let mut state = self.state.lock().unwrap();
        let in_group = state.groups.values().any(|g| g.members.contains(name));
        match state.users.get(name) {
            None => Err(missing_entity("iam:DeleteUser", name)),
            Some(u)
                if in_group
                    || !u.attached.is_empty()
                    || !u.inline.is_empty()
                    || !u.credentials.held().is_empty() =>
            {
                Err(CallError::new("iam:DeleteUser", "DeleteConflict", name))
            }
            Some(_) => {
                state.users.remove(name);
                Ok(())
            }
        }
    }

    async fn user_credentials(&self, name: &str) -> Call<UserCredentials> {
        self.with_user("iam:ListAccessKeys", name, |u| u.credentials.clone())
    }

    async fn list_groups_for_user(&self, name: &str) -> Call<Vec<String>> {
        let state = self.state.lock().unwrap();
        if !state.users.contains_key(name) {
            return Err(missing_entity("iam:ListGroupsForUser", name));
        }
        Ok(state
            .groups
            .iter()
            .filter(|(_, g)| g.members.contains(name))
            .map(|(n, _)| n.clone())
            .collect())
    }

    async fn list_attached_user_policies(&self, name: &str) -> Call<Vec<String>> {
        self.with_user("iam:ListAttachedUserPolicies", name, |u| {
            u.attached.iter().cloned().collect()
        })
    }

    async fn list_user_policies(&self, name: &str) -> Call<Vec<String>> {
        self.with_user("iam:ListUserPolicies", name, |u| {
            u.inline.iter().cloned().collect()
        })
    }

    async fn attach_user_policy(&self, user: &str, arn: &str) -> Call<()> {
        self.user_write("AttachUserPolicy", format!("user {user}"));
        self.with_user("iam:AttachUserPolicy", user, |u| {
            u.attached.insert(arn.to_owned());
        })
    }

    async fn detach_user_policy(&self, user: &str, arn: &str) -> Call<()> {
        self.user_write("DetachUserPolicy", format!("user {user}"));
        self.with_user("iam:DetachUserPolicy", user, |u| {
            u.attached.remove(arn);
        })
    }

    async fn delete_user_policy(&self, user: &str, name: &str) -> Call<()> {
        self.user_write("DeleteUserPolicy", format!("user {user}"));
        self.with_user("iam:DeleteUserPolicy", user, |u| {
            u.inline.remove(name);
        })
    }

    async fn create_group(&self, name: &str, path: &str) -> Call<()> {
        self.user_write("CreateGroup", format!("group {name}"));
        let mut state = self.state.lock().unwrap();
        if state.groups.contains_key(name) {
            return Err(CallError::new(
                "iam:CreateGroup",
                "EntityAlreadyExists",
                name,
            ));
        }
        state.groups.insert(
            name.to_owned(),
            Group {
                path: path.to_owned(),
                ..Group::default()
            },
        );
        Ok(())
    }

    async fn get_group(&self, name: &str) -> Call<GroupEntity> {
        self.with_group("iam:GetGroup", name, |_, g| GroupEntity {
            path: g.path.clone(),
            members: g.members.iter().cloned().collect(),
        })
    }

    async fn delete_group(&self, name: &str) -> Call<()> {
        self.user_write("DeleteGroup", format!("group {name}"));
        let mut state = self.state.lock().unwrap();
        match state.groups.get(name) {
            None => Err(missing_entity("iam:DeleteGroup", name)),
            Some(g) if !g.members.is_empty() || !g.attached.is_empty() || !g.inline.is_empty() => {
                Err(CallError::new("iam:DeleteGroup", "DeleteConflict", name))
            }
            Some(_) => {
                state.groups.remove(name);
                Ok(())
            }
        }
    }

    async fn add_user_to_group(&self, user: &str, group: &str) -> Call<()> {
        self.user_write("AddUserToGroup", format!("group {group}"));
        self.with_group("iam:AddUserToGroup", group, |state, g| {
            if state.users.contains_key(user) {
                g.members.insert(user.to_owned());
                Ok(())
            } else {
                Err(missing_entity("iam:AddUserToGroup", user))
            }
        })?
    }

    async fn remove_user_from_group(&self, user: &str, group: &str) -> Call<()> {
        self.user_write("RemoveUserFromGroup", format!("group {group}"));
        self.with_group("iam:RemoveUserFromGroup", group, |_, g| {
            g.members.remove(user);
        })
    }

    async fn attach_group_policy(&self, group: &str, arn: &str) -> Call<()> {
        self.user_write("AttachGroupPolicy", format!("group {group}"));
        self.with_group("iam:AttachGroupPolicy", group, |_, g| {
            g.attached.insert(arn.to_owned());
        })
    }

    async fn detach_group_policy(&self, group: &str, arn: &str) -> Call<()> {
        self.user_write("DetachGroupPolicy", format!("group {group}"));
        self.with_group("iam:DetachGroupPolicy", group, |_, g| {
            g.attached.remove(arn);
        })
    }

    async fn list_attached_group_policies(&self, group: &str) -> Call<Vec<String>> {
        self.with_group("iam:ListAttachedGroupPolicies", group, |_, g| {
            g.attached.iter().cloned().collect()
        })
    }

    async fn list_group_policies(&self, group: &str) -> Call<Vec<String>> {
        self.with_group("iam:ListGroupPolicies", group, |_, g| {
            g.inline.iter().cloned().collect()
        })
    }

    async fn delete_group_policy(&self, group: &str, name: &str) -> Call<()> {
        self.user_write("DeleteGroupPolicy", format!("group {group}"));
        self.with_group("iam:DeleteGroupPolicy", group, |_, g| {
            g.inline.remove(name);
        })
    }

    async fn list_policy_users_and_groups(&self, arn: &str) -> Call<(Vec<String>, Vec<String>)> {
        let state = self.state.lock().unwrap();
        let users = state
            .users
            .iter()
            .filter(|(_, u)| u.attached.contains(arn))
            .map(|(n, _)| n.clone())
            .collect();
        let groups = state
            .groups
            .iter()
            .filter(|(_, g)| g.attached.contains(arn))
            .map(|(n, _)| n.clone())
            .collect();
        Ok((users, groups))
    }
}
