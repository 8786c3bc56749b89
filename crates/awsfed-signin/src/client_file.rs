//! The client file: everything a user's machine needs to sign in, and nothing secret. Written by
//! `awsfed export client` from the compiled model, read by `login`, `creds`, `exec`, `env` and
//! `configure`. Users see account names and permission sets, never raw role ARNs.
//!
//! A target (`ACCOUNT/PERMISSION_SET`) can be reached by several directory groups; under
//! hub-and-spoke each group goes through its own hub role, so a target has one path per distinct
//! hop list, and sign-in takes the path whose first role the user's SAML response grants.

use serde::{Deserialize, Serialize};

use crate::error::SignInError;

pub const CLIENT_FILE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFile {
    pub version: u32,
    pub identity_provider: IdentityProviderInfo,
    /// Sorted by name.
    pub accounts: Vec<ClientAccount>,
    /// Sorted by name.
    pub targets: Vec<ClientTarget>,
    /// Where the model has an IAM-users hub: what signing in as one of its users needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_users: Option<ClientIamUsers>,
}

/// The IAM-users hub: people sign in with their own long-term keys (from the standard credential
/// chain, never written by awsfed), trade them for an MFA session (`sts:GetSessionToken`), and
/// assume the spoke roles from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientIamUsers {
    /// The account the users are in.
    pub account_id: String,
    pub account_name: String,
    /// The users' IAM path.
    pub path: String,
    /// The MFA device's serial number, `{user}` standing for the user name: the self-service
    /// policy lets each user create one virtual device, named after themself.
    pub mfa_serial: String,
    /// How long the MFA session lasts, in seconds (the model's `mfa_max_age`: every spoke trust
    /// refuses an older MFA sign-in).
    pub session_duration: u32,
    /// Spoke trusts require the session's SourceIdentity to be the user name.
    pub source_identity: bool,
    /// Users whose hops need no MFA (the model's `mfa: false`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub without_mfa: Vec<String>,
}

impl ClientIamUsers {
    /// The serial number of `user`'s MFA device.
    pub fn mfa_serial_of(&self, user: &str) -> String {
        self.mfa_serial.replace("{user}", user)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProviderInfo {
    /// IAM SAML provider name, the same in every account.
    pub provider_name: String,
    /// Where users start an IdP-initiated sign-in to AWS, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signin_url: Option<String>,
    /// The port of `awsfed login --browser`'s listener, when the model's trusts accept its audience
    /// (`identity_provider.browser_sign_in`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientAccount {
    pub name: String,
    pub id: String,
    /// The AWS Region people work in there (the model's `region` or `default_region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientTarget {
    /// `ACCOUNT/PERMISSION_SET`.
    pub name: String,
    pub account_name: String,
    pub account_id: String,
    pub permission_set: String,
    /// The longest session the final hop gives, in seconds.
    pub max_session_duration: u32,
    /// One per distinct hop list, sorted.
    pub paths: Vec<ClientPath>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientPath {
    /// The directory groups that reach the target this way, sorted.
    pub groups: Vec<String>,
    /// The IAM users that reach it this way (an `iam-user` path), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    pub hops: Vec<ClientHop>,
}

/// One hop, as `awsfed_compile::Hop` serialises it (`awsfed_export::client_file` converts it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ClientHop {
    /// `sts:AssumeRoleWithSAML` with the assertion.
    Saml {
        role_arn: String,
        provider_arn: String,
        max_session_duration: u32,
    },
    /// `sts:AssumeRole` from the previous hop's session.
    AssumeRole {
        role_arn: String,
        max_session_duration: u32,
    },
    /// `sts:GetSessionToken` with the long-term keys of an IAM user of this account and an MFA
    /// code (the client file's `iam_users`); an `assume-role` follows, which is no role chaining.
    IamUser { account_id: String },
}

impl ClientPath {
    /// The role entered with SAML.
    pub fn first_role(&self) -> Option<(&str, &str, u32)> {
        match self.hops.first() {
            Some(ClientHop::Saml {
                role_arn,
                provider_arn,
                max_session_duration,
            }) => Some((role_arn, provider_arn, *max_session_duration)),
            _ => None,
        }
    }
}

impl ClientFile {
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a client file always serialises");
        text.push('\n');
        text
    }

    pub fn from_json(text: &str, path: &std::path::Path) -> Result<Self, SignInError> {
        let file: Self = serde_json::from_str(text).map_err(|e| SignInError::ClientFile {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if file.version != CLIENT_FILE_VERSION {
            return Err(SignInError::ClientFile {
                path: path.to_owned(),
                reason: format!(
                    "version {} is not {CLIENT_FILE_VERSION}; export it again with this awsfed",
                    file.version
                ),
            });
        }
        Ok(file)
    }

    /// The target named `ACCOUNT/PERMISSION_SET` (account name or id).
    pub fn target(&self, name: &str) -> Result<&ClientTarget, SignInError> {
        let found = self.targets.iter().find(|t| t.name == name).or_else(|| {
            let (account, set) = name.split_once('/')?;
            self.targets
                .iter()
                .find(|t| t.account_id == account && t.permission_set == set)
        });
        found.ok_or_else(|| SignInError::UnknownTarget {
            name: name.to_owned(),
            suggestions: self.suggestions(name),
        })
    }

    /// Up to three targets close to `name`: the same permission set in the accounts whose names
    /// are nearest to a mistyped account (`prdo/Admin` → `prod/Admin`), else the targets nearest
    /// to the whole name (a mistyped permission set).
    fn suggestions(&self, name: &str) -> Vec<String> {
        let (account, set) = name.split_once('/').unwrap_or((name, ""));
        let known_account = self
            .accounts
            .iter()
            .any(|a| a.name == account || a.id == account);
        let mut close: Vec<(usize, &str)> = if known_account {
            self.targets
                .iter()
                .filter(|t| t.account_name == account || t.account_id == account)
                .map(|t| (distance(set, &t.permission_set), t.name.as_str()))
                .collect()
        } else {
            self.targets
                .iter()
                .map(|t| {
                    // A wrong account weighs more than a wrong permission set.
                    let score =
                        2 * distance(account, &t.account_name) + distance(set, &t.permission_set);
                    (score, t.name.as_str())
                })
                .collect()
        };
        close.sort();
        let best = close.first().map_or(0, |(score, _)| *score);
        let limit = if known_account {
            3.max(set.len() / 2)
        } else {
            2 * 3.max(account.len() / 2) + 3.max(set.len() / 2)
        };
        close
            .into_iter()
            .filter(|(score, _)| *score <= limit && *score <= best + 2)
            .take(3)
            .map(|(_, n)| n.to_owned())
            .collect()
    }

    /// The Region of the target's account, when the model names one.
    pub fn region_of(&self, target: &ClientTarget) -> Option<&str> {
        self.accounts
            .iter()
            .find(|a| a.id == target.account_id)
            .and_then(|a| a.region.as_deref())
    }

    /// The provider of a role entered with SAML, from any target's first hop.
    pub fn provider_of(&self, role_arn: &str) -> Option<(&str, u32)> {
        self.targets.iter().flat_map(|t| &t.paths).find_map(|p| {
            p.first_role()
                .filter(|(role, _, _)| *role == role_arn)
                .map(|(_, provider, max)| (provider, max))
        })
    }
}

/// Edit distance ignoring case.
fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(&a.to_ascii_lowercase(), &b.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn client() -> ClientFile {
        let target = |account: &str, id: &str, set: &str| ClientTarget {
            name: format!("{account}/{set}"),
            account_name: account.to_owned(),
            account_id: id.to_owned(),
            permission_set: set.to_owned(),
            max_session_duration: 3_600,
            paths: Vec::new(),
        };
        ClientFile {
            version: CLIENT_FILE_VERSION,
            identity_provider: IdentityProviderInfo {
                provider_name: "corp".to_owned(),
                signin_url: None,
                browser_port: None,
            },
            accounts: [
                ("dev", "333333333333"),
                ("prod", "222222222222"),
                ("staging", "444444444444"),
            ]
            .iter()
            .map(|(name, id)| ClientAccount {
                name: (*name).to_owned(),
                id: (*id).to_owned(),
                region: None,
            })
            .collect(),
            targets: vec![
                target("dev", "333333333333", "Admin"),
                target("dev", "333333333333", "ReadOnly"),
                target("prod", "222222222222", "Admin"),
                target("prod", "222222222222", "ReadOnly"),
                target("staging", "444444444444", "ReadOnly"),
            ],
            iam_users: None,
        }
    }

    fn suggested(name: &str) -> Vec<String> {
        match client().target(name) {
            Err(SignInError::UnknownTarget { suggestions, .. }) => suggestions,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn a_mistyped_account_or_permission_set_gets_the_nearest_targets() {
        assert_eq!(suggested("prdo/ReadOnly"), ["prod/ReadOnly"]);
        assert_eq!(suggested("production/ReadOnly"), ["prod/ReadOnly"]);
        assert_eq!(suggested("stagign/ReadOnly"), ["staging/ReadOnly"]);
        assert_eq!(suggested("prod/ReadOnyl"), ["prod/ReadOnly"]);
        assert_eq!(suggested("dev/Admni"), ["dev/Admin"]);
        assert!(suggested("zzzzzzzzzzzz/Nothing").is_empty());
        assert!(client().target("222222222222/Admin").is_ok());
    }

    #[test]
    fn other_versions_are_refused() {
        let error = ClientFile::from_json(
            r#"{"version":2,"identity_provider":{"provider_name":"corp"},"accounts":[],"targets":[]}"#,
            Path::new("c.json"),
        )
        .expect_err("version 2");
        assert!(error.to_string().contains("export it again"), "{error}");
    }
}
