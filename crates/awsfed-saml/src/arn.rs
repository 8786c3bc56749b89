//! The two IAM ARNs a Role attribute value pairs up.
//!
//! Format (IAM User Guide, "IAM identifiers"): `arn:<partition>:iam::<account-id>:role/<path><name>`
//! and `arn:<partition>:iam::<account-id>:saml-provider/<name>`. Account ids are 12 digits,
//! but redacted real samples carry 3-, 8- and 9-digit ones; they are kept as written and
//! flagged through [`AccountId::is_twelve_digits`] rather than refused, because refusing
//! would hide the rest of the assertion from `inspect`.

use std::fmt;

use serde::Serialize;

/// An account id as written in an ARN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AccountId {
    /// The text between the fourth and fifth colon.
    pub value: String,
    /// Whether it is the 12 digits AWS account ids always are.
    pub twelve_digits: bool,
}

impl AccountId {
    fn new(value: &str) -> Self {
        Self {
            value: value.to_owned(),
            twelve_digits: value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()),
        }
    }

    /// Whether it is the 12 digits AWS account ids always are.
    pub fn is_twelve_digits(&self) -> bool {
        self.twelve_digits
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// `arn:<partition>:iam::<account>:role/<path><name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RoleArn {
    /// The whole ARN, as written.
    pub arn: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The role's account.
    pub account_id: AccountId,
    /// `/` or `/some/path/`.
    pub path: String,
    /// The role name.
    pub name: String,
}

/// `arn:<partition>:iam::<account>:saml-provider/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ProviderArn {
    /// The whole ARN, as written.
    pub arn: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The provider's account.
    pub account_id: AccountId,
    /// The IAM SAML provider name.
    pub name: String,
}

/// Either ARN kind, as found in one half of a Role value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IamArn {
    Role(RoleArn),
    Provider(ProviderArn),
}

/// Why a text is not a role or SAML provider ARN. The message names the ARN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{arn:?} is not an IAM role or SAML provider ARN ({reason})")]
pub struct ArnError {
    /// The offending text (shortened).
    pub arn: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl IamArn {
    pub(crate) fn parse(text: &str) -> Result<Self, ArnError> {
        let fail = |reason| ArnError {
            arn: crate::error::excerpt(text),
            reason,
        };
        let Some([partition, service, region, account, resource]) = awsfed_policy::Arn::parts(text)
        else {
            return Err(fail("expected arn:<partition>:iam::<account>:<resource>"));
        };
        if !partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            return Err(fail("bad partition"));
        }
        if service != "iam" {
            return Err(fail("service is not iam"));
        }
        if !region.is_empty() {
            return Err(fail("IAM ARNs have no region"));
        }
        if account.is_empty() {
            return Err(fail("no account id"));
        }
        let account_id = AccountId::new(account);
        if let Some(path_and_name) = resource.strip_prefix("role/") {
            let (path, name) = match path_and_name.rfind('/') {
                Some(slash) => (
                    format!("/{}", &path_and_name[..=slash]),
                    &path_and_name[slash + 1..],
                ),
                None => ("/".to_owned(), path_and_name),
            };
            if name.is_empty() || path.contains("//") {
                return Err(fail("empty role name or path segment"));
            }
            Ok(Self::Role(RoleArn {
                arn: text.to_owned(),
                partition: partition.to_owned(),
                account_id,
                path,
                name: name.to_owned(),
            }))
        } else if let Some(name) = resource.strip_prefix("saml-provider/") {
            if name.is_empty() || name.contains('/') {
                return Err(fail("bad SAML provider name"));
            }
            Ok(Self::Provider(ProviderArn {
                arn: text.to_owned(),
                partition: partition.to_owned(),
                account_id,
                name: name.to_owned(),
            }))
        } else {
            Err(fail("resource is neither role/… nor saml-provider/…"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_with_and_without_path() {
        let IamArn::Role(role) =
            IamArn::parse("arn:aws:iam::123456789012:role/a/b/SSO.Admin").unwrap()
        else {
            panic!("not a role");
        };
        assert_eq!(
            (role.path.as_str(), role.name.as_str()),
            ("/a/b/", "SSO.Admin")
        );
        assert!(role.account_id.is_twelve_digits());
        let IamArn::Role(role) = IamArn::parse("arn:aws-cn:iam::123:role/User").unwrap() else {
            panic!("not a role");
        };
        assert_eq!(
            (role.partition.as_str(), role.path.as_str()),
            ("aws-cn", "/")
        );
        assert!(!role.account_id.is_twelve_digits());
    }

    #[test]
    fn provider() {
        let IamArn::Provider(p) =
            IamArn::parse("arn:aws:iam::012345678901:saml-provider/Okta").unwrap()
        else {
            panic!("not a provider");
        };
        assert_eq!(p.account_id.value, "012345678901");
        assert_eq!(p.name, "Okta");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "arn:aws:iam::1:user/bob",
            "arn:aws:sts::1:role/x",
            "arn:aws:iam:us-east-1:1:role/x",
            "arn:aws:iam:::role/x",
            "arn:aws:iam::1:role/",
            "arn:aws:iam::1:role//x",
            "arn:aws:iam::1:saml-provider/a/b",
            "arn:AWS:iam::1:role/x",
            "role/x",
        ] {
            assert!(IamArn::parse(bad).is_err(), "{bad}");
        }
    }
}
