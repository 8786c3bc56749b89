//! Role paths and name templates (`naming:`), the names they make, and the hubs accounts belong to.

use super::Message;
use crate::Code;
use crate::model::defaults;

/// Why a hub role path cannot hold hub roles alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubPathProblem {
    /// It is `naming.role_path` itself.
    IsRolePath,
    /// `naming.role_path` lies below it.
    AboveRolePath,
    /// It is not under `naming.role_path`.
    OutsideRolePath,
}

/// Which role a name is too long for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKind {
    /// A permission set's role (under `naming.role_path`).
    PermissionSet,
    /// A group's hub role (under `naming.hub_role_path`).
    Hub,
}

impl RoleKind {
    fn what(self) -> &'static str {
        match self {
            Self::PermissionSet => "permission set",
            Self::Hub => "hub",
        }
    }

    /// The `naming` setting of the role's path.
    fn path_setting(self) -> &'static str {
        match self {
            Self::PermissionSet => "naming.role_path",
            Self::Hub => "naming.hub_role_path",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamingMessage {
    /// `naming.KEY` is no IAM path awsfed can own.
    MalformedRolePath {
        path: String,
        key: String,
    },
    HubPathNotExclusive {
        hub_role_path: String,
        role_path: String,
        problem: HubPathProblem,
    },
    /// `template` uses a placeholder other than `allowed`.
    UnknownPlaceholder {
        template: String,
        allowed: Vec<String>,
    },
    MalformedRoleName {
        template: String,
    },
    /// Group `group`'s hub role and permission set `set`'s role would both be `name` in `account`.
    RoleNameCollision {
        group: String,
        set: String,
        name: String,
        account: String,
    },
    UnknownHub {
        hub: String,
        closest: Option<String>,
    },
    /// Group `group` of hub `group_hub` is granted `set` in `account` of hub `account_hub`, and in
    /// `crossing` accounts of other hubs in all (`others`: the next five, with their hubs).
    CrossHubGrant {
        group: String,
        group_hub: String,
        set: String,
        account: String,
        account_hub: String,
        crossing: usize,
        others: Vec<(String, String)>,
    },
    SharedHubAccount {
        first: String,
        second: String,
        account: String,
    },
    RoleNameTooLong {
        role: RoleKind,
        name: String,
    },
    /// The role's `path` and `name` together are longer than the console's switch-role accepts.
    SwitchRoleTooLong {
        role: RoleKind,
        path: String,
        name: String,
    },
}

impl Message for NamingMessage {
    fn code(&self) -> Code {
        match self {
            Self::MalformedRolePath { .. } => Code::MalformedRolePath,
            Self::HubPathNotExclusive { .. } => Code::HubPathNotExclusive,
            Self::UnknownPlaceholder { .. } => Code::UnknownPlaceholder,
            Self::MalformedRoleName { .. } => Code::MalformedRoleName,
            Self::RoleNameCollision { .. } => Code::RoleNameCollision,
            Self::UnknownHub { .. } => Code::UnknownHub,
            Self::CrossHubGrant { .. } => Code::CrossHubGrant,
            Self::SharedHubAccount { .. } => Code::SharedHubAccount,
            Self::RoleNameTooLong { .. } => Code::RoleNameTooLong,
            Self::SwitchRoleTooLong { .. } => Code::SwitchRoleTooLong,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::MalformedRolePath { path, .. } => format!("`{path}` is not a usable IAM path"),
            Self::HubPathNotExclusive {
                hub_role_path: hub,
                role_path,
                problem,
            } => {
                let why = match problem {
                    HubPathProblem::IsRolePath => format!(
                        "permission-set roles live there too, so a narrowed spoke trust (`ArnLike aws:PrincipalArn …:role{hub}*`) would admit every permission-set role of the hub account, not only hub roles"
                    ),
                    HubPathProblem::AboveRolePath => format!(
                        "permission-set roles live below it (at `{role_path}`), so a narrowed spoke trust (`ArnLike aws:PrincipalArn …:role{hub}*`) would admit them, not only hub roles"
                    ),
                    HubPathProblem::OutsideRolePath => format!(
                        "awsfed owns only what is under `naming.role_path` (`{role_path}`), so it would neither manage nor audit roles at `{hub}`"
                    ),
                };
                format!("`naming.hub_role_path` `{hub}` cannot hold hub roles: {why}")
            }
            Self::UnknownPlaceholder { template, .. } => {
                format!("`{template}` uses an unknown placeholder")
            }
            Self::MalformedRoleName { template } => {
                format!("`{template}` makes role names with characters IAM does not allow")
            }
            Self::RoleNameCollision {
                group,
                set,
                name,
                account,
            } => format!(
                "the hub role of group `{group}` and the role of permission set `{set}` would both be named `{name}` in account `{account}`; IAM role names are unique in an account whatever their path"
            ),
            Self::UnknownHub { hub, .. } => format!("no hub is named `{hub}`"),
            Self::CrossHubGrant {
                group,
                group_hub,
                set,
                account,
                account_hub,
                crossing,
                others,
            } => {
                let others_named: Vec<String> = others
                    .iter()
                    .map(|(account, hub)| format!("`{account}` (hub `{hub}`)"))
                    .collect();
                let more = match crossing - 1 {
                    0 => String::new(),
                    n if n > others.len() => format!(
                        "; also {} and {} more",
                        others_named.join(", "),
                        n - others.len()
                    ),
                    _ => format!("; also {}", others_named.join(", ")),
                };
                format!(
                    "group `{group}` federates through hub `{group_hub}` but is granted `{set}` in account `{account}`, which belongs to hub `{account_hub}`{more}"
                )
            }
            Self::SharedHubAccount {
                first,
                second,
                account,
            } => format!(
                "hubs `{first}` and `{second}` are both in account `{account}`, but accounts belong to hubs: a spoke trust narrowed to the hub path admits every hub role of that account, so one team's people could enter the other's accounts"
            ),
            Self::RoleNameTooLong { role, name } => format!(
                "{} role name `{name}` is {} characters; IAM allows {}",
                role.what(),
                name.len(),
                defaults::ROLE_NAME_LENGTH
            ),
            Self::SwitchRoleTooLong { role, path, name } => format!(
                "path and name of {} role `{path}{name}` are {} characters; the console's switch-role accepts {}",
                role.what(),
                path.len() + name.len(),
                defaults::SWITCH_ROLE_PATH_AND_NAME
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::MalformedRolePath { key, .. } => format!(
                "`naming.{key}`: an IAM path starts and ends with `/`, such as `/awsfed/`; awsfed owns everything under it, so `/` alone is refused"
            ),
            Self::HubPathNotExclusive { role_path, .. } => format!(
                "use a path below `{role_path}` that no permission-set role uses, such as `{role_path}{}` (the default)",
                defaults::HUB_ROLE_PATH_BELOW_ROLE_PATH
            ),
            Self::UnknownPlaceholder { allowed, .. } => {
                format!("the placeholders here are {}", allowed.join(", "))
            }
            Self::MalformedRoleName { .. } => {
                "role names may hold letters, digits and + = , . @ _ -".to_owned()
            }
            Self::RoleNameCollision { .. } => "change `naming.hub_role_name` (for example `hub-{group}`), or rename the group or the permission set".to_owned(),
            Self::UnknownHub { closest, .. } => match closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => "name the hubs under `topology.hubs` (with `hub_account`, the hub is `default`)"
                    .to_owned(),
            },
            Self::CrossHubGrant {
                group_hub,
                set,
                account,
                account_hub,
                ..
            } => format!(
                "people reach an account only through its own hub: grant `{set}` in `{account}` to a group of hub `{account_hub}` (`hub: {account_hub}` on the group) instead, move the account to hub `{group_hub}` (`hub:` on the account or `topology.ou_hubs`), or make it `topology: direct`"
            ),
            Self::SharedHubAccount { .. } => "give each team's hub an account of its own, or remove `hub:` from the accounts and `topology.ou_hubs`".to_owned(),
            Self::RoleNameTooLong { .. } => "shorten the name or the naming pattern".to_owned(),
            Self::SwitchRoleTooLong { role, .. } => format!(
                "shorten `{}` or the name so people can switch to the role in the console",
                role.path_setting()
            ),
        })
    }
}
