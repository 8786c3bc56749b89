//! The attributes AWS sign-in reads, picked out of the assertion by exact name.
//!
//! Names from "Configure SAML assertions for the authentication response" and "Pass session
//! tags in AWS STS" (IAM User Guide). Matching is exact: a bare `Role` attribute (Keycloak),
//! the Microsoft `…/claims/role` claim, and the Redshift or Lake Formation
//! `https://*.amazon.com/SAML/Attributes/*` family are not AWS sign-in attributes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::parse_note::ParseNote;
use crate::role_pair::{RolePair, RolePairError, split_role_value};

/// `https://aws.amazon.com/SAML/Attributes/Role`: `role-arn,provider-arn` values.
pub const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// `https://aws.amazon.com/SAML/Attributes/RoleSessionName`.
pub const ROLE_SESSION_NAME_ATTRIBUTE: &str =
    "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// `https://aws.amazon.com/SAML/Attributes/SessionDuration`, seconds.
pub const SESSION_DURATION_ATTRIBUTE: &str =
    "https://aws.amazon.com/SAML/Attributes/SessionDuration";
/// `https://aws.amazon.com/SAML/Attributes/SourceIdentity`.
pub const SOURCE_IDENTITY_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
/// `https://aws.amazon.com/SAML/Attributes/PrincipalTag:<key>`.
pub const PRINCIPAL_TAG_ATTRIBUTE_PREFIX: &str =
    "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
/// `https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys`.
pub const TRANSITIVE_TAG_KEYS_ATTRIBUTE: &str =
    "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";

/// A Role value that is not a valid pair, kept for `inspect` and reported by `validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedRole {
    /// The value as sent.
    pub value: String,
    /// Why it is not a pair.
    #[serde(serialize_with = "serialize_display")]
    pub reason: RolePairError,
}

fn serialize_display<S: serde::Serializer>(
    value: &RolePairError,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// The AWS sign-in attributes of one assertion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AwsAttributes {
    /// Valid Role pairs, in the IdP's order, without exact duplicates.
    pub roles: Vec<RolePair>,
    /// Role values that are not pairs.
    pub malformed_roles: Vec<MalformedRole>,
    /// RoleSessionName, trimmed, unchecked (see [`crate::is_valid_session_name`]).
    pub role_session_name: Option<String>,
    /// SessionDuration as sent, trimmed, unchecked.
    pub session_duration: Option<String>,
    /// SourceIdentity, trimmed, unchecked.
    pub source_identity: Option<String>,
    /// PrincipalTag:<key> → values.
    pub principal_tags: BTreeMap<String, Vec<String>>,
    /// TransitiveTagKeys values.
    pub transitive_tag_keys: Vec<String>,
}

impl AwsAttributes {
    /// Picks the AWS attributes out of all attributes (name → trimmed values).
    pub(crate) fn from_attributes(
        attributes: &BTreeMap<String, Vec<String>>,
        notes: &mut Vec<ParseNote>,
    ) -> Self {
        let mut aws = Self::default();
        for value in attributes.get(ROLE_ATTRIBUTE).into_iter().flatten() {
            if value.trim_end().ends_with(',') {
                notes.push(ParseNote::TrailingComma {
                    value: value.clone(),
                });
            }
            match split_role_value(value) {
                Ok(pair) => {
                    for (arn, account) in [
                        (&pair.role.arn, &pair.role.account_id),
                        (&pair.provider.arn, &pair.provider.account_id),
                    ] {
                        let note = ParseNote::AccountIdNotTwelveDigits { arn: arn.clone() };
                        if !account.is_twelve_digits() && !notes.contains(&note) {
                            notes.push(note);
                        }
                    }
                    if !aws.roles.contains(&pair) {
                        aws.roles.push(pair);
                    }
                }
                Err(reason) => aws.malformed_roles.push(MalformedRole {
                    value: value.clone(),
                    reason,
                }),
            }
        }
        let mut single = |name: &str| {
            let values = attributes.get(name)?;
            if values.len() > 1 {
                notes.push(ParseNote::ExtraValuesIgnored {
                    attribute: name.to_owned(),
                });
            }
            values.first().cloned()
        };
        aws.role_session_name = single(ROLE_SESSION_NAME_ATTRIBUTE);
        aws.session_duration = single(SESSION_DURATION_ATTRIBUTE);
        aws.source_identity = single(SOURCE_IDENTITY_ATTRIBUTE);
        for (name, values) in attributes {
            if let Some(key) = name.strip_prefix(PRINCIPAL_TAG_ATTRIBUTE_PREFIX) {
                aws.principal_tags.insert(key.to_owned(), values.clone());
            }
        }
        aws.transitive_tag_keys = attributes
            .get(TRANSITIVE_TAG_KEYS_ATTRIBUTE)
            .cloned()
            .unwrap_or_default();
        aws
    }

    /// Attribute names that look like an attempt at the Role attribute but are not it, for
    /// the "no AWS roles" message.
    pub(crate) fn role_near_misses(attributes: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        attributes
            .keys()
            .filter(|name| {
                let lower = name.to_ascii_lowercase();
                name.as_str() != ROLE_ATTRIBUTE
                    && (lower == "role"
                        || lower == "roles"
                        || lower.ends_with("/role")
                        || lower.ends_with("/roles"))
            })
            .cloned()
            .collect()
    }
}
