//! Directory groups: their hubs, their grants and what the grants' selectors select.

use super::Message;
use crate::Code;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupsMessage {
    /// Groups `first` and `second` would both have the hub role `name`.
    HubRoleNameCollision {
        first: String,
        second: String,
        name: String,
    },
    GroupWithoutGrants {
        group: String,
    },
    /// `topology.default_hub` names no hub; `hubs`, the names there are.
    UnknownDefaultHub {
        hub: String,
        hubs: Vec<String>,
    },
    /// A group's `hub` names no hub; `closest`, the one it most likely misspells.
    UnknownGroupHub {
        hub: String,
        closest: Option<String>,
    },
    UnknownPermissionSet {
        set: String,
        closest: Option<String>,
    },
    /// Two grants of `group` give `set` in some of the same accounts; the first is at
    /// `previous_line`.
    OverlappingGrants {
        group: String,
        set: String,
        previous_line: u32,
    },
    /// `group` is granted hub-and-spoke accounts and the model has no hub account.
    NoHubAccount {
        group: String,
    },
    /// `group` is granted hub-and-spoke accounts and names no hub, with no default hub.
    GroupWithoutHub {
        group: String,
    },
    /// Hub-and-spoke by default, no hub account, and no grants.
    DefaultWithoutHub,
    /// No account has the tag `key` with one of the selector's values.
    NoAccountWithTag {
        key: String,
    },
    NoAccountInOu {
        ou: String,
    },
    SelectsNothing,
}

impl Message for GroupsMessage {
    fn code(&self) -> Code {
        match self {
            Self::HubRoleNameCollision { .. } => Code::HubRoleNameCollision,
            Self::GroupWithoutGrants { .. } => Code::GroupWithoutGrants,
            Self::UnknownDefaultHub { .. } | Self::UnknownGroupHub { .. } => Code::UnknownHub,
            Self::UnknownPermissionSet { .. } => Code::UnknownPermissionSet,
            Self::OverlappingGrants { .. } => Code::OverlappingGrants,
            Self::NoHubAccount { .. } | Self::GroupWithoutHub { .. } | Self::DefaultWithoutHub => {
                Code::MissingHub
            }
            Self::NoAccountWithTag { .. } | Self::NoAccountInOu { .. } | Self::SelectsNothing => {
                Code::SelectsNothing
            }
        }
    }

    fn text(&self) -> String {
        match self {
            Self::HubRoleNameCollision {
                first,
                second,
                name,
            } => format!("groups `{first}` and `{second}` would share the hub role name `{name}`"),
            Self::GroupWithoutGrants { group } => format!("group `{group}` has no grants"),
            Self::UnknownDefaultHub { hub, .. } | Self::UnknownGroupHub { hub, .. } => {
                format!("no hub is named `{hub}`")
            }
            Self::UnknownPermissionSet { set, .. } => {
                format!("no permission set is named `{set}`")
            }
            Self::OverlappingGrants { group, set, .. } => {
                format!("`{group}` is granted `{set}` in some accounts by two grants")
            }
            Self::NoHubAccount { group } => format!(
                "group `{group}` is granted hub-and-spoke accounts but the model has no hub account"
            ),
            Self::GroupWithoutHub { group } => {
                format!("group `{group}` has hub-and-spoke grants but no hub")
            }
            Self::DefaultWithoutHub => {
                "the default topology is hub-and-spoke but the model has no hub account".to_owned()
            }
            Self::NoAccountWithTag { key } => {
                format!("no account has tag `{key}` with this value")
            }
            Self::NoAccountInOu { ou } => format!("no account is in OU `{ou}`"),
            Self::SelectsNothing => "this selector matches no account".to_owned(),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::HubRoleNameCollision { .. } => {
                "characters IAM does not allow in role names become `-`; rename one group"
                    .to_owned()
            }
            Self::GroupWithoutGrants { .. } => {
                "members of this group get no access; add a grant or remove the group".to_owned()
            }
            Self::UnknownDefaultHub { hubs, .. } => format!("hubs: {}", hubs.join(", ")),
            Self::UnknownGroupHub { closest, .. } => match closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => "name the hubs under `topology.hubs`".to_owned(),
            },
            Self::UnknownPermissionSet { closest, .. } => match closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => "define it under `permission_sets:`".to_owned(),
            },
            Self::OverlappingGrants { previous_line, .. } => {
                format!("the grant at line {previous_line} already covers them; merge the two")
            }
            Self::NoHubAccount { .. } => "set `topology.hub_account` to the identity account, or make these accounts `topology: direct`".to_owned(),
            Self::GroupWithoutHub { .. } => {
                "set `hub:` on the group, or `topology.default_hub`".to_owned()
            }
            Self::DefaultWithoutHub => {
                "set `topology.hub_account` to the identity account".to_owned()
            }
            Self::NoAccountWithTag { .. } => {
                "check the tag key and value against the accounts' `tags`".to_owned()
            }
            Self::NoAccountInOu { .. } => {
                "OUs are paths of OU names from the root, such as `Workloads/Prod`".to_owned()
            }
            Self::SelectsNothing => {
                "the grant has no effect; fix the selector or remove the grant".to_owned()
            }
        })
    }
}
