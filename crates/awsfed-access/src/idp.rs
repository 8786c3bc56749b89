//! The IdP side of access paths: which SAML `Role` attribute values each directory group receives,
//! and what the IdP puts in every assertion (audience, SourceIdentity, session tags).
//!
//! For a model it comes from the compiler ([`awsfed_compile::GroupMapping`]); for an estate awsfed did not
//! build it is read from a small JSON file, the *IdP description* (schema:
//! `schemas/idp-description.schema.json`):
//!
//! ```json
//! {
//!   "format": 1,
//!   "audiences": ["https://signin.aws.amazon.com/saml"],
//!   "source_identity": true,
//!   "session_tags": ["team"],
//!   "transitive_tags": ["team"],
//!   "groups": {
//!     "platform-admins": ["arn:aws:iam::111111111111:role/hub-admins,arn:aws:iam::111111111111:saml-provider/corp"]
//!   }
//! }
//! ```
//!
//! Role values are `role-arn,provider-arn` in either order, as AWS accepts them ("Configure SAML
//! assertions for the authentication response", IAM User Guide).

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::{IdentityProvider, defaults};
use serde::{Deserialize, Serialize};

use awsfed_compile::{GroupMapping, Hop};
use awsfed_snapshot::{SnapshotError, parse_json};

/// The IdP description format version.
pub const IDP_FORMAT: u32 = 1;
/// IdP description files larger than this are refused.
pub const MAX_IDP_FILE_BYTES: usize = 16 * 1024 * 1024;

/// What the IdP puts in every assertion, which decides the extra actions and context of each hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionAttributes {
    /// `SAML:aud` values users sign in through (the assertion's Recipient), sorted.
    pub audiences: Vec<String>,
    /// The IdP sends SourceIdentity: every hop also needs `sts:SetSourceIdentity`.
    pub source_identity: bool,
    /// Session tag keys the IdP sends: the SAML hop also needs `sts:TagSession`.
    pub session_tags: Vec<String>,
    /// Session tags marked transitive: chained hops also need `sts:TagSession`.
    pub transitive_tags: Vec<String>,
    /// The session of a role an IAM user entered (no IdP): its name and MFA context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_user: Option<crate::iam_users::IamUserSession>,
}

/// A `Role` attribute value: the role to enter and the provider that vouches for the assertion.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RolePair {
    pub role_arn: String,
    pub provider_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdpGroup {
    pub name: String,
    /// Sorted, without duplicates.
    pub roles: Vec<RolePair>,
}

/// Every directory group's role values, and the session attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdpMapping {
    pub session: SessionAttributes,
    /// Sorted by name.
    pub groups: Vec<IdpGroup>,
    /// What the model means each group to reach, when a model stands behind the mapping.
    #[serde(skip)]
    pub intent: Option<Intent>,
}

/// What a model intends: the roles each group is granted and the path awsfed's roles live under.
/// Audit compares every path found with it (`access-escalation`, `unowned-role-under-path`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intent {
    /// `naming.role_path`.
    pub role_path: String,
    /// Group name → the role ARNs it may reach: those it enters with SAML and the last hop of
    /// every target the compiler gives it.
    pub granted: BTreeMap<String, BTreeSet<String>>,
    /// The IAM-users hub's intent, when the model has one.
    pub iam_users: Option<IamUsersIntent>,
}

/// What the model means IAM users to reach, and how old their access keys may be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IamUsersIntent {
    /// IAM group name → the directory group it stands for.
    pub groups: BTreeMap<String, String>,
    pub access_key_max_age_days: u32,
}

impl Intent {
    pub fn from_compiled(role_path: &str, groups: &[GroupMapping]) -> Self {
        let granted = groups
            .iter()
            .map(|g| {
                let values = g.role_values.iter().map(|v| v.role_arn.clone());
                let targets = g.targets.iter().filter_map(|t| match t.hops.last()? {
                    Hop::Saml { role_arn, .. } | Hop::AssumeRole { role_arn, .. } => {
                        Some(role_arn.clone())
                    }
                });
                (g.group.clone(), values.chain(targets).collect())
            })
            .collect();
        Intent {
            role_path: role_path.to_owned(),
            granted,
            iam_users: None,
        }
    }

    /// The intent with the IAM-users hub's groups (each directory group granted its spoke roles)
    /// and access-key limit.
    pub fn with_iam_users(
        mut self,
        hub: &awsfed_compile::DesiredIamUsers,
        access_key_max_age_days: u32,
    ) -> Self {
        for group in &hub.groups {
            self.granted
                .entry(group.group.clone())
                .or_default()
                .extend(group.granted_role_arns.iter().cloned());
        }
        self.iam_users = Some(IamUsersIntent {
            groups: hub
                .groups
                .iter()
                .map(|g| (g.name.clone(), g.group.clone()))
                .collect(),
            access_key_max_age_days,
        });
        self
    }

    /// Whether the model grants `group` the role `role_arn`.
    pub fn grants(&self, group: &str, role_arn: &str) -> bool {
        self.granted
            .get(group)
            .is_some_and(|roles| roles.contains(role_arn))
    }
}

impl IdpMapping {
    /// The mapping of a model without a SAML IdP (every account on Identity Center, or people
    /// as IAM users): no group receives a SAML role value.
    pub fn without_saml() -> Self {
        Self {
            session: SessionAttributes {
                audiences: Vec::new(),
                source_identity: false,
                session_tags: Vec::new(),
                transitive_tags: Vec::new(),
                iam_user: None,
            },
            groups: Vec::new(),
            intent: None,
        }
    }

    /// The mapping a compiled model exports: the compiler's group mappings and the model's IdP.
    /// Session tags are taken as transitive, as the compiler assumes when it adds `sts:TagSession`
    /// to chained targets.
    pub fn from_compiled(idp: &IdentityProvider, groups: &[GroupMapping]) -> Self {
        let mut tags = idp.session_tags.clone();
        tags.sort();
        let mut audiences = idp.audiences.clone();
        audiences.sort();
        let mut groups: Vec<IdpGroup> = groups
            .iter()
            .map(|g| {
                let mut roles: Vec<RolePair> = g
                    .role_values
                    .iter()
                    .map(|v| RolePair {
                        role_arn: v.role_arn.clone(),
                        provider_arn: v.provider_arn.clone(),
                    })
                    .collect();
                roles.sort();
                roles.dedup();
                IdpGroup {
                    name: g.group.clone(),
                    roles,
                }
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        IdpMapping {
            session: SessionAttributes {
                audiences,
                source_identity: idp.source_identity.is_some(),
                transitive_tags: tags.clone(),
                session_tags: tags,
                iam_user: None,
            },
            groups,
            intent: None,
        }
    }

    /// The mapping with the model's intent, for audit.
    pub fn with_intent(mut self, intent: Intent) -> Self {
        self.intent = Some(intent);
        self
    }

    /// Reads an IdP description file (untrusted: size- and depth-limited, errors name the line and
    /// column).
    pub fn parse(file: &str, text: &str) -> Result<Self, SnapshotError> {
        if text.len() > MAX_IDP_FILE_BYTES {
            return Err(SnapshotError {
                file: file.to_owned(),
                line: 0,
                column: 0,
                message: format!(
                    "the file is {} bytes; at most {MAX_IDP_FILE_BYTES} are read",
                    text.len()
                ),
            });
        }
        let description: IdpDescription = parse_json(file, text)?;
        description.into_mapping(file)
    }
}

/// The IdP description file as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdpDescription {
    pub format: u32,
    /// Defaults to the global sign-in endpoint.
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub source_identity: bool,
    #[serde(default)]
    pub session_tags: Vec<String>,
    #[serde(default)]
    pub transitive_tags: Vec<String>,
    /// Directory group → `role-arn,provider-arn` values.
    pub groups: BTreeMap<String, Vec<String>>,
}

impl IdpDescription {
    fn into_mapping(self, file: &str) -> Result<IdpMapping, SnapshotError> {
        let error = |message: String| SnapshotError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message,
        };
        if self.format != IDP_FORMAT {
            return Err(error(format!(
                "IdP description format {} is not supported; write \"format\": {IDP_FORMAT}",
                self.format
            )));
        }
        for tag in &self.transitive_tags {
            if !self.session_tags.contains(tag) {
                return Err(error(format!(
                    "transitive tag `{tag}` is not among session_tags; list it there too"
                )));
            }
        }
        let mut groups = Vec::new();
        for (name, values) in self.groups {
            let mut roles = Vec::new();
            for value in values {
                let pair = parse_role_value(&value).ok_or_else(|| {
                    error(format!(
                        "group `{name}`: `{value}` is not a Role attribute value: write `arn:aws:iam::ACCOUNT:role/NAME,arn:aws:iam::ACCOUNT:saml-provider/NAME`"
                    ))
                })?;
                roles.push(pair);
            }
            roles.sort();
            roles.dedup();
            groups.push(IdpGroup { name, roles });
        }
        let mut audiences = if self.audiences.is_empty() {
            vec![defaults::GLOBAL_SIGN_IN_AUDIENCE.to_owned()]
        } else {
            self.audiences
        };
        audiences.sort();
        audiences.dedup();
        let mut session_tags = self.session_tags;
        session_tags.sort();
        let mut transitive_tags = self.transitive_tags;
        transitive_tags.sort();
        Ok(IdpMapping {
            session: SessionAttributes {
                audiences,
                source_identity: self.source_identity,
                session_tags,
                transitive_tags,
                iam_user: None,
            },
            groups,
            intent: None,
        })
    }
}

/// `role-arn,provider-arn` or `provider-arn,role-arn`.
pub fn parse_role_value(value: &str) -> Option<RolePair> {
    let (a, b) = value.split_once(',')?;
    let (a, b) = (a.trim(), b.trim());
    let resource_is = |s: &str, kind: &str| {
        matches!(awsfed_policy::Arn::parts(s), Some([_, "iam", _, _, resource])
            if resource.strip_prefix(kind).is_some_and(|rest| rest.starts_with('/')))
    };
    let is_role = |s: &str| resource_is(s, "role");
    let is_provider = |s: &str| resource_is(s, "saml-provider");
    let (role, provider) = if is_role(a) && is_provider(b) {
        (a, b)
    } else if is_provider(a) && is_role(b) {
        (b, a)
    } else {
        return None;
    };
    Some(RolePair {
        role_arn: role.to_owned(),
        provider_arn: provider.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_values_are_read_in_either_order() {
        let role = "arn:aws:iam::111111111111:role/x";
        let provider = "arn:aws:iam::111111111111:saml-provider/corp";
        let a = parse_role_value(&format!("{role},{provider}")).unwrap();
        let b = parse_role_value(&format!("{provider}, {role}")).unwrap();
        assert_eq!(a, b);
        assert!(parse_role_value(role).is_none());
        assert!(parse_role_value(&format!("{role},{role}")).is_none());
    }

    #[test]
    fn descriptions_are_checked() {
        let ok = IdpMapping::parse(
            "idp.json",
            r#"{"format": 1, "groups": {"g": ["arn:aws:iam::111111111111:role/x,arn:aws:iam::111111111111:saml-provider/corp"]}}"#,
        )
        .unwrap();
        assert_eq!(ok.session.audiences, [defaults::GLOBAL_SIGN_IN_AUDIENCE]);
        let bad = IdpMapping::parse("idp.json", r#"{"format": 1, "groups": {"g": ["nope"]}}"#)
            .unwrap_err();
        assert!(bad.message.contains("group `g`"), "{bad}");
        let unknown =
            IdpMapping::parse("idp.json", "{\"format\": 1,\n \"group\": {}}").unwrap_err();
        assert_eq!(unknown.line, 2, "{unknown}");
    }
}
