//! The client file: everything a user's machine needs to sign in, and nothing secret. Written by
//! `awsfed export client` from the compiled model, read by `login`, `creds`, `exec`, `env` and
//! `configure`. Users see account names and permission sets, never raw role ARNs.
//!
//! A target (`ACCOUNT/PERMISSION_SET`) can be reached by several directory groups; under
//! hub-and-spoke each group goes through its own hub role, so a target has one path per distinct
//! hop list, and sign-in takes the path whose first role the user's SAML response grants.

use std::collections::BTreeMap;

use awsfed_core::DesiredState;
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProviderInfo {
    /// IAM SAML provider name, the same in every account.
    pub provider_name: String,
    /// Where users start an IdP-initiated sign-in to AWS, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signin_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientAccount {
    pub name: String,
    pub id: String,
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
    pub hops: Vec<ClientHop>,
}

/// One hop, as `awsfed_core::Hop` serialises it.
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
}

impl From<&awsfed_core::Hop> for ClientHop {
    fn from(hop: &awsfed_core::Hop) -> Self {
        match hop {
            awsfed_core::Hop::Saml {
                role_arn,
                provider_arn,
                max_session_duration,
            } => Self::Saml {
                role_arn: role_arn.clone(),
                provider_arn: provider_arn.clone(),
                max_session_duration: *max_session_duration,
            },
            awsfed_core::Hop::AssumeRole {
                role_arn,
                max_session_duration,
            } => Self::AssumeRole {
                role_arn: role_arn.clone(),
                max_session_duration: *max_session_duration,
            },
        }
    }
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
    pub fn from_desired(desired: &DesiredState, signin_url: Option<String>) -> Self {
        let accounts = desired
            .accounts
            .iter()
            .map(|a| ClientAccount {
                name: a.name.clone(),
                id: a.id.clone(),
            })
            .collect();
        let mut targets: BTreeMap<String, ClientTarget> = BTreeMap::new();
        for group in &desired.groups {
            for target in &group.targets {
                let entry = targets
                    .entry(target.name())
                    .or_insert_with(|| ClientTarget {
                        name: target.name(),
                        account_name: target.account_name.clone(),
                        account_id: target.account_id.clone(),
                        permission_set: target.permission_set.clone(),
                        max_session_duration: target.max_session_duration,
                        paths: Vec::new(),
                    });
                let hops: Vec<ClientHop> = target.hops.iter().map(ClientHop::from).collect();
                match entry.paths.iter_mut().find(|p| p.hops == hops) {
                    Some(path) => path.groups.push(group.group.clone()),
                    None => entry.paths.push(ClientPath {
                        groups: vec![group.group.clone()],
                        hops,
                    }),
                }
            }
        }
        let mut targets: Vec<ClientTarget> = targets.into_values().collect();
        for target in &mut targets {
            for path in &mut target.paths {
                path.groups.sort();
                path.groups.dedup();
            }
            target.paths.sort_by(|a, b| a.groups.cmp(&b.groups));
        }
        Self {
            version: CLIENT_FILE_VERSION,
            identity_provider: IdentityProviderInfo {
                provider_name: desired.provider_name.clone(),
                signin_url,
            },
            accounts,
            targets,
        }
    }

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
        found.ok_or_else(|| {
            let needle = name.to_ascii_lowercase();
            let suggestions = self
                .targets
                .iter()
                .filter(|t| {
                    let hay = t.name.to_ascii_lowercase();
                    needle
                        .split(['/', '-', '_'])
                        .any(|part| part.len() >= 2 && hay.contains(part))
                })
                .take(5)
                .map(|t| t.name.clone())
                .collect();
            SignInError::UnknownTarget {
                name: name.to_owned(),
                suggestions,
            }
        })
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
