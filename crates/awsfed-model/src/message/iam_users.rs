//! The `iam_users:` section's checks: names, paths, groups, MFA and IAM's counts.

use super::Message;
use crate::Code;
use crate::duration::format_duration;
use crate::iam_users::{defaults, limits};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamUsersMessage {
    /// Users whose names differ only in case.
    IamNameCollision {
        first: String,
        second: String,
    },
    IamUserWithoutMfa {
        user: String,
    },
    /// No hub account to hold the users.
    MissingHub,
    MalformedIamUserPath {
        path: String,
        role_path: String,
    },
    /// `mfa_max_age` is no duration: `why`.
    MalformedDuration {
        why: String,
    },
    MfaMaxAgeOutOfRange {
        seconds: u32,
    },
    MalformedIamUserName {
        user: String,
    },
    /// A user's group that is not a directory group; `closest`, the one it most likely misspells.
    UnknownGroup {
        group: String,
        closest: Option<String>,
    },
    IamUserGroupOtherHub {
        user: String,
        group: String,
        group_hub: String,
        users_hub: String,
    },
    TooManyGroupsPerUser {
        user: String,
        groups: usize,
    },
    IamUserWithoutGroups {
        user: String,
    },
    TooManyIamUsers {
        users: usize,
    },
    TooManyIamGroups {
        groups: usize,
    },
    /// Directory group `group` would be the IAM group `name`, too long.
    MalformedIamGroupName {
        group: String,
        name: String,
    },
}

impl Message for IamUsersMessage {
    fn code(&self) -> Code {
        match self {
            Self::IamNameCollision { .. } => Code::IamNameCollision,
            Self::IamUserWithoutMfa { .. } => Code::IamUserWithoutMfa,
            Self::MissingHub => Code::MissingHub,
            Self::MalformedIamUserPath { .. } => Code::MalformedIamUserPath,
            Self::MalformedDuration { .. } => Code::MalformedDuration,
            Self::MfaMaxAgeOutOfRange { .. } => Code::MfaMaxAgeOutOfRange,
            Self::MalformedIamUserName { .. } => Code::MalformedIamUserName,
            Self::UnknownGroup { .. } => Code::UnknownGroup,
            Self::IamUserGroupOtherHub { .. } => Code::IamUserGroupOtherHub,
            Self::TooManyGroupsPerUser { .. } => Code::TooManyGroupsPerUser,
            Self::IamUserWithoutGroups { .. } => Code::IamUserWithoutGroups,
            Self::TooManyIamUsers { .. } => Code::TooManyIamUsers,
            Self::TooManyIamGroups { .. } => Code::TooManyIamGroups,
            Self::MalformedIamGroupName { .. } => Code::MalformedIamGroupName,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::IamNameCollision { first, second } => {
                format!("users `{first}` and `{second}` differ only in case")
            }
            Self::IamUserWithoutMfa { user } => {
                format!("user `{user}` may assume roles without MFA")
            }
            Self::MissingHub => "`iam_users` needs a hub account to hold the users".to_owned(),
            Self::MalformedIamUserPath { path, .. } => {
                format!("`{path}` cannot hold awsfed's IAM users")
            }
            Self::MalformedDuration { why } => why.clone(),
            Self::MfaMaxAgeOutOfRange { seconds } => {
                format!("`mfa_max_age` is {}", format_duration(*seconds))
            }
            Self::MalformedIamUserName { user } => format!("`{user}` is not an IAM user name"),
            Self::UnknownGroup { group, .. } => format!("no group is named `{group}`"),
            Self::IamUserGroupOtherHub {
                user,
                group,
                group_hub,
                users_hub,
            } => format!(
                "user `{user}` is in group `{group}`, which federates through hub `{group_hub}`, but the users live in hub `{users_hub}`"
            ),
            Self::TooManyGroupsPerUser { user, groups } => format!(
                "user `{user}` is in {groups} groups; IAM allows {} per user",
                limits::GROUPS_PER_USER
            ),
            Self::IamUserWithoutGroups { user } => format!("user `{user}` is in no group"),
            Self::TooManyIamUsers { users } => format!(
                "{users} IAM users; an account holds {} by default",
                limits::USERS_PER_ACCOUNT
            ),
            Self::TooManyIamGroups { groups } => format!(
                "the users are in {groups} groups; an account holds {} IAM groups by default",
                limits::GROUPS_PER_ACCOUNT
            ),
            Self::MalformedIamGroupName { group, name } => format!(
                "group `{group}` would be the IAM group `{name}` of {} characters; IAM allows {}",
                name.len(),
                limits::GROUP_NAME_LENGTH
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::IamNameCollision { .. } => {
                "IAM user names are unique in an account without regard to case; rename one".to_owned()
            }
            Self::IamUserWithoutMfa { .. } => "leave `mfa` out (MFA is required by default); keep `mfa: false` for break-glass users only".to_owned(),
            Self::MissingHub => {
                "set `topology.hub_account`, or `iam_users.hub` to one of `topology.hubs`".to_owned()
            }
            Self::MalformedIamUserPath { role_path, .. } => format!(
                "`iam_users.path` is an IAM path (starting and ending with `/`, at most {} characters) strictly below `naming.role_path` (`{role_path}`), such as `{role_path}{}`",
                limits::PATH_LENGTH,
                defaults::PATH_BELOW_ROLE_PATH
            ),
            Self::MalformedDuration { .. } => {
                "write a duration such as `1h`, `90m` or `12h`".to_owned()
            }
            Self::MfaMaxAgeOutOfRange { .. } => format!(
                "GetSessionToken gives an IAM user's session {} to {}; pick a value in that range",
                format_duration(limits::SESSION_TOKEN_MIN_SECONDS),
                format_duration(limits::SESSION_TOKEN_MAX_SECONDS)
            ),
            Self::MalformedIamUserName { .. } => format!(
                "an IAM user name has 1 to {} characters: letters, digits and `+=,.@_-`",
                limits::USER_NAME_LENGTH
            ),
            Self::UnknownGroup { closest, .. } => match closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => "define it under `groups:`".to_owned(),
            },
            Self::IamUserGroupOtherHub { .. } => "IAM users reach only the spoke roles of their own hub's groups; move the group to that hub or leave it out".to_owned(),
            Self::TooManyGroupsPerUser { .. } => {
                "merge groups, or grant the user's access through fewer groups".to_owned()
            }
            Self::IamUserWithoutGroups { .. } => "the user can manage their own credentials but reach no role; add `groups: [...]` or remove the user".to_owned(),
            Self::TooManyIamUsers { .. } => "federate most people with a SAML IdP (`identity_provider`) and keep IAM users for the few who need them".to_owned(),
            Self::TooManyIamGroups { .. } => {
                "merge directory groups, or raise the quota with Service Quotas".to_owned()
            }
            Self::MalformedIamGroupName { .. } => "shorten the group name".to_owned(),
        })
    }
}
