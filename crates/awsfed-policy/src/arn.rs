//! Amazon Resource Names: `arn:partition:service:region:account-id:resource` ("Amazon Resource Names
//! (ARNs)", AWS General Reference; "IAM identifiers", IAM User Guide).
//!
//! The resource part is everything after the fifth colon and may itself hold colons and slashes
//! (`role/path/to/name`, `assumed-role/name/session`, `table/t/index/i`). IAM role and user ARNs
//! carry their path inside the resource part: `arn:aws:iam::111122223333:role/awsfed/Admin` is the
//! role `Admin` at path `/awsfed/`.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArnError {
    #[error("`{text}` is not an ARN: it must start with `arn:`")]
    MissingPrefix { text: String },
    #[error(
        "`{text}` is not an ARN: it needs six colon-separated parts \
         (arn:partition:service:region:account-id:resource), found {found}"
    )]
    TooFewParts { text: String, found: usize },
    #[error("`{text}` is not an ARN: the {part} part is empty")]
    EmptyPart { text: String, part: &'static str },
}

impl Arn {
    /// Parses an ARN. The partition and service must be present; region and account may be empty
    /// (`arn:aws:s3:::bucket`, `arn:aws:iam::aws:policy/...`); the resource must not be empty.
    pub fn parse(text: &str) -> Result<Self, ArnError> {
        let [partition, service, region, account, resource] = Self::split(text)?.map(str::to_owned);
        Ok(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The five parts after `arn:` (partition, service, region, account, resource), checked as
    /// [`Arn::parse`] checks them, without copying: trusts list many principal ARNs.
    pub fn split(text: &str) -> Result<[&str; 5], ArnError> {
        match Self::parts(text) {
            Some(parts) => Ok(parts),
            None => Err(Self::why_not(text)),
        }
    }

    /// [`Arn::split`] without saying why not, and so without allocating: for the many principals,
    /// resources and patterns that are looked at only to see whether they are ARNs at all.
    pub fn parts(text: &str) -> Option<[&str; 5]> {
        let mut parts = text.strip_prefix("arn:")?.splitn(5, ':');
        let parts = [
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        ];
        let [partition, service, _, _, resource] = parts;
        (!partition.is_empty() && !service.is_empty() && !resource.is_empty()).then_some(parts)
    }

    /// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when the text is no ARN.
    pub fn partition_of(text: &str) -> &str {
        Self::parts(text).map_or("aws", |[partition, ..]| partition)
    }

    /// Why [`Arn::parts`] refused `text`: the first rule it breaks.
    fn why_not(text: &str) -> ArnError {
        let text_owned = || text.to_owned();
        let Some(rest) = text.strip_prefix("arn:") else {
            return ArnError::MissingPrefix { text: text_owned() };
        };
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if parts.len() < 5 {
            return ArnError::TooFewParts {
                text: text_owned(),
                // Counting `arn` itself, as a reader counts the parts.
                found: parts.len() + 1,
            };
        }
        let part = match (parts[0].is_empty(), parts[1].is_empty()) {
            (true, _) => "partition",
            (false, true) => "service",
            (false, false) => "resource",
        };
        ArnError::EmptyPart {
            text: text_owned(),
            part,
        }
    }

    /// The resource type: the resource part up to its first `/` or `:` (`role`, `user`,
    /// `assumed-role`, `saml-provider`, `table`…), or the whole resource part when it has neither.
    pub fn resource_type(&self) -> &str {
        match self.resource.find(['/', ':']) {
            Some(i) => &self.resource[..i],
            None => &self.resource,
        }
    }

    /// For IAM users and roles, `(path, name)`: `role/awsfed/Admin` → (`/awsfed/`, `Admin`).
    pub fn iam_path_and_name(&self) -> Option<(String, &str)> {
        if self.service != "iam" || !matches!(self.resource_type(), "role" | "user") {
            return None;
        }
        let after_type = &self.resource[self.resource_type().len() + 1..];
        let (path, name) = match after_type.rfind('/') {
            Some(i) => (format!("/{}/", &after_type[..i]), &after_type[i + 1..]),
            None => ("/".to_owned(), after_type),
        };
        Some((path, name))
    }

    /// An IAM role ARN with a path (`/` for none).
    pub fn role(partition: &str, account: &str, path: &str, name: &str) -> Self {
        Self::iam_entity(partition, account, "role", path, name)
    }

    /// An IAM user ARN with a path (`/` for none).
    pub fn user(partition: &str, account: &str, path: &str, name: &str) -> Self {
        Self::iam_entity(partition, account, "user", path, name)
    }

    fn iam_entity(partition: &str, account: &str, kind: &str, path: &str, name: &str) -> Self {
        let path = path.trim_matches('/');
        let resource = if path.is_empty() {
            format!("{kind}/{name}")
        } else {
            format!("{kind}/{path}/{name}")
        };
        Self {
            partition: partition.to_owned(),
            service: "iam".to_owned(),
            region: String::new(),
            account: account.to_owned(),
            resource,
        }
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

impl FromStr for Arn {
    type Err = ArnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_role_arns_with_paths() {
        let arn = Arn::parse("arn:aws:iam::111122223333:role/awsfed/team/Admin").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.service, "iam");
        assert_eq!(arn.region, "");
        assert_eq!(arn.account, "111122223333");
        assert_eq!(arn.resource_type(), "role");
        assert_eq!(
            arn.iam_path_and_name(),
            Some(("/awsfed/team/".to_owned(), "Admin"))
        );
        assert_eq!(
            Arn::role("aws", "111122223333", "/awsfed/team/", "Admin"),
            arn
        );
        let plain = Arn::parse("arn:aws:iam::111122223333:user/bob").unwrap();
        assert_eq!(plain.iam_path_and_name(), Some(("/".to_owned(), "bob")));
    }

    #[test]
    fn resource_part_keeps_its_colons() {
        let arn =
            Arn::parse("arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s").unwrap();
        assert_eq!(arn.resource, "log-group:g:log-stream:s");
        assert_eq!(arn.resource_type(), "log-group");
        let s3 = Arn::parse("arn:aws:s3:::bucket/key").unwrap();
        assert_eq!((s3.region.as_str(), s3.account.as_str()), ("", ""));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        insta::assert_snapshot!(
            [
                "aws:iam::1:role/x",
                "arn:aws:iam::1",
                "arn::iam::1:role/x",
                "arn:aws:iam::1:",
            ]
            .iter()
            .map(|t| Arn::parse(t).unwrap_err().to_string())
            .collect::<Vec<_>>()
            .join("\n"),
            @r"
        `aws:iam::1:role/x` is not an ARN: it must start with `arn:`
        `arn:aws:iam::1` is not an ARN: it needs six colon-separated parts (arn:partition:service:region:account-id:resource), found 5
        `arn::iam::1:role/x` is not an ARN: the partition part is empty
        `arn:aws:iam::1:` is not an ARN: the resource part is empty
        "
        );
    }

    proptest! {
        #[test]
        fn round_trips(
            partition in "aws|aws-cn|aws-us-gov",
            service in "[a-z][a-z0-9-]{0,10}",
            region in "|[a-z]{2}-[a-z]+-[0-9]",
            account in "|[0-9]{12}|aws",
            resource in "[a-zA-Z0-9_+=,.@/:-]{1,40}",
        ) {
            let arn = Arn { partition, service, region, account, resource };
            let text = arn.to_string();
            prop_assert_eq!(Arn::parse(&text), Ok(arn.clone()));
            prop_assert_eq!(Arn::parse(&text).map(|a| a.to_string()), Ok(text));
        }

        #[test]
        fn role_constructor_round_trips(
            path in "(/[a-z]{1,5}){0,3}/",
            name in "[A-Za-z0-9+=,.@_-]{1,20}",
        ) {
            let arn = Arn::role("aws", "111122223333", &path, &name);
            let parsed = Arn::parse(&arn.to_string()).unwrap();
            prop_assert_eq!(parsed.iam_path_and_name(), Some((path.clone(), name.as_str())));
        }
    }
}
