//! Accounts (names, ids, tags, OUs, Regions), the accounts hubs live in, and account names and ids
//! a selector refers to.

use super::Message;
use crate::Code;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountsMessage {
    MalformedAccountName {
        name: String,
    },
    MalformedAccountId {
        id: String,
    },
    /// Accounts `first` and `second` have the same `id`.
    DuplicateAccountId {
        id: String,
        first: String,
        second: String,
    },
    MalformedTag {
        key: String,
    },
    MalformedOu {
        ou: String,
    },
    MalformedRegion {
        region: String,
    },
    /// A hub account that is not among the accounts; `closest`, the one it most likely misspells.
    UnknownHubAccount {
        account: String,
        closest: Option<String>,
    },
    /// A selector's account name or id that no account has.
    UnknownAccount {
        name: String,
        closest: Option<String>,
    },
    /// `hub_account` and `hubs` both set.
    ConflictingHubs,
}

impl AccountsMessage {
    /// Digits only, but fewer than 12: YAML read an unquoted id as a number.
    fn lost_leading_zeros(id: &str) -> bool {
        id.len() < 12 && id.chars().all(|c| c.is_ascii_digit())
    }
}

impl Message for AccountsMessage {
    fn code(&self) -> Code {
        match self {
            Self::MalformedAccountName { .. } => Code::MalformedAccountName,
            Self::MalformedAccountId { .. } => Code::MalformedAccountId,
            Self::DuplicateAccountId { .. } => Code::DuplicateAccountId,
            Self::MalformedTag { .. } => Code::MalformedTag,
            Self::MalformedOu { .. } => Code::MalformedOu,
            Self::MalformedRegion { .. } => Code::MalformedRegion,
            Self::UnknownHubAccount { .. } | Self::UnknownAccount { .. } => Code::UnknownAccount,
            Self::ConflictingHubs => Code::ConflictingHubs,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::MalformedAccountName { name } => format!("account name `{name}` cannot be used"),
            Self::MalformedAccountId { id } => format!("`{id}` is not a 12-digit AWS account id"),
            Self::DuplicateAccountId { id, first, second } => {
                format!("account id {id} is used by both `{first}` and `{second}`")
            }
            Self::MalformedTag { key } => format!("tag `{key}` is not a valid AWS tag"),
            Self::MalformedOu { ou } => format!("`{ou}` is not an OU path"),
            Self::MalformedRegion { region } => format!("`{region}` is not an AWS Region code"),
            Self::UnknownHubAccount { account, .. } => {
                format!("hub account `{account}` is not in `accounts`")
            }
            Self::UnknownAccount { name, .. } => {
                format!("no account is named `{name}` or has that id")
            }
            Self::ConflictingHubs => "`hub_account` and `hubs` cannot both be set".to_owned(),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::MalformedAccountName { .. } => "account names appear in Okta group names (aws#NAME#ROLE#ID) and in targets (NAME/ROLE): they may not be empty or contain `#`, `/` or surrounding spaces".to_owned(),
            Self::MalformedAccountId { id } if Self::lost_leading_zeros(id) => "quote the id (`id: \"012345678901\"`): unquoted, YAML reads it as a number and drops leading zeros".to_owned(),
            Self::MalformedAccountId { .. } => "an account id is exactly 12 digits".to_owned(),
            Self::DuplicateAccountId { .. } => {
                "each AWS account appears once; remove one entry".to_owned()
            }
            Self::MalformedTag { .. } => {
                "tag keys have 1 to 128 characters, values at most 256".to_owned()
            }
            Self::MalformedOu { .. } => {
                "write OU names from the root down, separated by `/`: `Workloads/Dev`".to_owned()
            }
            Self::MalformedRegion { .. } => {
                "write a Region code such as `eu-west-1` or `us-east-1`".to_owned()
            }
            Self::UnknownHubAccount { closest, .. } => {
                return closest
                    .as_ref()
                    .map(|close| format!("did you mean `{close}`?"));
            }
            Self::UnknownAccount { closest, .. } => match closest {
                Some(close) => format!("did you mean `{close}`?"),
                None => "add the account under `accounts:` or fix the name".to_owned(),
            },
            Self::ConflictingHubs => {
                "use `hub_account` for one hub, or name every hub under `hubs`".to_owned()
            }
        })
    }
}
