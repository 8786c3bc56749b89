//! One value of the AWS `Role` attribute: a role ARN and a SAML provider ARN.
//!
//! AWS accepts the pair in either order ("Configure SAML assertions for the authentication
//! response", IAM User Guide: "role ARN and the SAML provider ARN, separated by a comma";
//! Okta and ADFS write the provider first, Google and Entra ID the role first). Google
//! Workspace has been seen appending a trailing comma (aws-google-auth issue #12), which is
//! tolerated. Role names may themselves contain commas (`[\w+=,.@-]`), so the value is split
//! only at commas that start a new `arn:`.

use serde::Serialize;

use crate::arn::{ArnError, IamArn, ProviderArn, RoleArn};

/// A role the assertion allows, with the provider to present for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolePair {
    /// The role to assume (`RoleArn` of AssumeRoleWithSAML).
    pub role: RoleArn,
    /// The IAM SAML provider (`PrincipalArn` of AssumeRoleWithSAML).
    pub provider: ProviderArn,
    /// Whether the value listed the provider first.
    pub provider_first: bool,
}

/// Why a Role value is not a pair.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RolePairError {
    /// Nothing but whitespace and commas.
    #[error("it is empty")]
    Empty,
    /// One ARN, or more than two.
    #[error("it splits into {count} ARN field(s) where exactly two are expected")]
    FieldCount {
        /// How many `arn:` fields were found.
        count: usize,
    },
    /// One half is not a role or provider ARN.
    #[error("{0}")]
    Arn(#[from] ArnError),
    /// Two roles, no provider.
    #[error("it names two roles and no SAML provider")]
    TwoRoles,
    /// Two providers, no role.
    #[error("it names two SAML providers and no role")]
    TwoProviders,
}

/// Splits one Role attribute value into its role and provider ARNs.
pub fn split_role_value(value: &str) -> Result<RolePair, RolePairError> {
    let value = value
        .trim()
        .trim_end_matches(|c: char| c == ',' || c.is_whitespace());
    if value
        .trim_start_matches(|c: char| c == ',' || c.is_whitespace())
        .is_empty()
    {
        return Err(RolePairError::Empty);
    }
    let fields = split_at_arn_commas(value);
    let [first, second] = fields.as_slice() else {
        return Err(RolePairError::FieldCount {
            count: fields.len(),
        });
    };
    match (IamArn::parse(first)?, IamArn::parse(second)?) {
        (IamArn::Role(role), IamArn::Provider(provider)) => Ok(RolePair {
            role,
            provider,
            provider_first: false,
        }),
        (IamArn::Provider(provider), IamArn::Role(role)) => Ok(RolePair {
            role,
            provider,
            provider_first: true,
        }),
        (IamArn::Role(_), IamArn::Role(_)) => Err(RolePairError::TwoRoles),
        (IamArn::Provider(_), IamArn::Provider(_)) => Err(RolePairError::TwoProviders),
    }
}

/// Splits at each comma whose next non-blank text is `arn:`, trimming the pieces.
fn split_at_arn_commas(value: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut start = 0;
    for (index, _) in value.match_indices(',') {
        if value[index + 1..].trim_start().starts_with("arn:") {
            fields.push(value[start..index].trim());
            start = index + 1;
        }
    }
    fields.push(value[start..].trim());
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/Admin";
    const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/Corp";

    #[test]
    fn either_order_whitespace_and_trailing_comma() {
        for value in [
            format!("{ROLE},{PROVIDER}"),
            format!("{PROVIDER},{ROLE}"),
            format!("\n   {ROLE} ,\t{PROVIDER}\n  "),
            format!("{ROLE},{PROVIDER},"),
            format!("{PROVIDER}, {ROLE} , "),
        ] {
            let pair = split_role_value(&value).unwrap();
            assert_eq!(pair.role.arn, ROLE, "{value}");
            assert_eq!(pair.provider.arn, PROVIDER, "{value}");
        }
        assert!(
            split_role_value(&format!("{PROVIDER},{ROLE}"))
                .unwrap()
                .provider_first
        );
    }

    #[test]
    fn comma_inside_role_name() {
        let pair = split_role_value(&format!("arn:aws:iam::1:role/a,b,{PROVIDER}")).unwrap();
        assert_eq!(pair.role.name, "a,b");
    }

    #[test]
    fn malformed() {
        assert_eq!(split_role_value(" , "), Err(RolePairError::Empty));
        assert_eq!(
            split_role_value(ROLE),
            Err(RolePairError::FieldCount { count: 1 })
        );
        assert_eq!(
            split_role_value(&format!("{ROLE},{PROVIDER},{ROLE}")),
            Err(RolePairError::FieldCount { count: 3 })
        );
        assert_eq!(
            split_role_value(&format!("{ROLE},{ROLE}")),
            Err(RolePairError::TwoRoles)
        );
        assert_eq!(
            split_role_value(&format!("{PROVIDER},{PROVIDER}")),
            Err(RolePairError::TwoProviders)
        );
        assert!(matches!(
            split_role_value(&format!("{ROLE},arn:aws:iam::1:user/bob")),
            Err(RolePairError::Arn(_))
        ));
        // The Microsoft role claim sometimes carries bare role names.
        assert_eq!(
            split_role_value("Admin"),
            Err(RolePairError::FieldCount { count: 1 })
        );
    }
}
