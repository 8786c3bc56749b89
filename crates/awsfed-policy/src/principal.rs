//! Matching the `Principal` / `NotPrincipal` of resource-based policies and role trust policies
//! against the caller ("AWS JSON policy elements: Principal", "AWS JSON policy elements:
//! NotPrincipal", IAM User Guide).
//!
//! - `"*"` and `{"AWS": "*"}` match everyone, anonymous callers included.
//! - An account (`"111122223333"` or `arn:aws:iam::111122223333:root`) matches every principal of
//!   that account, but only *delegates* to it: the account's own identity-based policies must still
//!   allow the request ("Specifying a principal" → "AWS account principals").
//! - A role ARN matches the role's sessions (`assumed-role/Role/session`) and a user ARN the user's
//!   federated-user sessions; such grants are still limited by the session's permissions boundary and
//!   session policy ("Session policies"; "Permissions boundaries for IAM entities").
//! - An exact ARN, a `Federated` provider, a `Service` principal or a `CanonicalUser` match when the
//!   caller is exactly that principal. Wildcards inside a principal ARN are not allowed.
//! - `NotPrincipal` matches every caller that none of its entries matches in any of the ways above.

use crate::arn::Arn;
use crate::error::Problem;
use crate::request::{Caller, CallerKind};

/// How strongly a statement's principal names the caller; later variants win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    None,
    /// The caller's account is named: the grant is delegated to the account's IAM policies.
    Account,
    /// The role whose session the caller is.
    SessionRole,
    /// The IAM user whose federated-user session the caller is.
    SessionUser,
    /// `"*"` (or a `NotPrincipal` that leaves the caller out): everyone, the caller included.
    Everyone,
    /// The caller itself: its exact ARN, its provider, its service name.
    Exact,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalEntry {
    Any,
    Account(String),
    Arn(String),
    Federated(String),
    Service(String),
    CanonicalUser(String),
}

impl PrincipalEntry {
    /// Reads one value of the `AWS` principal type.
    pub(crate) fn aws(value: &str) -> Result<Self, Problem> {
        if value == "*" {
            return Ok(PrincipalEntry::Any);
        }
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(PrincipalEntry::Account(value.to_owned()));
        }
        let bad = |reason| Problem::Principal {
            value: value.to_owned(),
            reason,
        };
        if value.contains(['*', '?']) {
            return Err(bad(
                "wildcards are not allowed inside a principal; use \"*\" with an \
                 ArnLike condition on aws:PrincipalArn",
            ));
        }
        if value.starts_with("arn:") {
            let [_, service, _, account, resource] = Arn::split(value)
                .map_err(|_| bad("an AWS principal is an account id or an ARN"))?;
            if service == "iam" && resource == "root" {
                return Ok(PrincipalEntry::Account(account.to_owned()));
            }
            return Ok(PrincipalEntry::Arn(value.to_owned()));
        }
        // IAM rewrites a principal whose user or role was deleted to its unique id (AIDA…, AROA…);
        // it stays in the document but matches nobody.
        if value.starts_with("AIDA") || value.starts_with("AROA") {
            return Ok(PrincipalEntry::Arn(value.to_owned()));
        }
        Err(bad(
            "an AWS principal is \"*\", a 12-digit account id or an ARN",
        ))
    }

    #[cfg(test)]
    fn matches(&self, caller: &Caller) -> PrincipalMatch {
        self.matches_with(caller, &CallerFacts::new(caller))
    }

    pub(crate) fn matches_with(&self, caller: &Caller, facts: &CallerFacts<'_>) -> PrincipalMatch {
        let exact = |yes: bool| {
            if yes {
                PrincipalMatch::Exact
            } else {
                PrincipalMatch::None
            }
        };
        match (self, caller) {
            (PrincipalEntry::Any, _) => PrincipalMatch::Everyone,
            (_, Caller::Anonymous) => PrincipalMatch::None,
            (PrincipalEntry::Service(s), Caller::Service(c)) => exact(s == c),
            (PrincipalEntry::Service(_), _) => PrincipalMatch::None,
            (PrincipalEntry::Federated(s) | PrincipalEntry::CanonicalUser(s), caller) => {
                exact(caller_text_is(caller, s))
            }
            (PrincipalEntry::Account(id), caller) => {
                if caller.account() == Some(id.as_str()) {
                    PrincipalMatch::Account
                } else {
                    PrincipalMatch::None
                }
            }
            (PrincipalEntry::Arn(named), Caller::Arn(arn)) => {
                if caller_text_is(caller, named) {
                    return PrincipalMatch::Exact;
                }
                match facts.kind {
                    CallerKind::AssumedRole
                        if facts
                            .session_role
                            .is_some_and(|name| role_of_session(named, name, arn)) =>
                    {
                        PrincipalMatch::SessionRole
                    }
                    CallerKind::FederatedUser if user_of_session(named, arn) => {
                        PrincipalMatch::SessionUser
                    }
                    _ => PrincipalMatch::None,
                }
            }
            (PrincipalEntry::Arn(_), _) => PrincipalMatch::None,
        }
    }
}

/// What the entries of a principal list ask of the caller, worked out once per list: a spoke trust
/// names many hub roles and is checked for every hop into it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallerFacts<'c> {
    kind: CallerKind,
    /// For an assumed-role session, the role's name (`assumed-role/NAME/session`).
    session_role: Option<&'c str>,
}

impl<'c> CallerFacts<'c> {
    pub(crate) fn new(caller: &'c Caller) -> Self {
        let session_role = match caller {
            Caller::Arn(arn) => arn
                .resource
                .strip_prefix("assumed-role/")
                .and_then(|rest| rest.split('/').next()),
            _ => None,
        };
        Self {
            kind: caller.kind(),
            session_role,
        }
    }
}

fn caller_text_is(caller: &Caller, text: &str) -> bool {
    match caller {
        Caller::Anonymous => false,
        Caller::Arn(arn) => {
            // Compare without allocating: arn:partition:service:region:account:resource. The
            // resource is the text's end, the cheapest part to reject on.
            if !text.ends_with(arn.resource.as_str()) {
                return false;
            }
            Arn::parts(text)
                == Some([
                    arn.partition.as_str(),
                    arn.service.as_str(),
                    arn.region.as_str(),
                    arn.account.as_str(),
                    arn.resource.as_str(),
                ])
        }
        Caller::Service(s) | Caller::Other(s) => s == text,
    }
}

/// `arn:aws:iam::A:role/path/Name` names the session `arn:aws:sts::A:assumed-role/Name/session`
/// (role names are unique per account whatever the path, and case-insensitive).
fn role_of_session(role_arn: &str, session_role: &str, session: &Arn) -> bool {
    // Without allocating: a trust lists many roles and is checked for every request. Most entries
    // name another role: reject those on the name first.
    let (arn, name) = (role_arn.as_bytes(), session_role.as_bytes());
    if arn.len() <= name.len()
        || arn[arn.len() - name.len() - 1] != b'/'
        || !arn[arn.len() - name.len()..].eq_ignore_ascii_case(name)
    {
        return false;
    }
    let Some([partition, "iam", _region, account, resource]) = Arn::parts(role_arn) else {
        return false;
    };
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return false;
    };
    let role_name = path_and_name.rsplit('/').next().unwrap_or_default();
    !role_name.is_empty()
        && account == session.account
        && partition == session.partition
        && session_role.eq_ignore_ascii_case(role_name)
}

/// `arn:aws:iam::A:user/Name` names the session `arn:aws:sts::A:federated-user/Name`.
fn user_of_session(user_arn: &str, session: &Arn) -> bool {
    let Some(name) = session.resource.strip_prefix("federated-user/") else {
        return false;
    };
    let expected = format!(
        "arn:{}:iam::{}:user/{}",
        session.partition, session.account, name
    );
    user_arn == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(entry: &PrincipalEntry, caller: &str) -> PrincipalMatch {
        entry.matches(&Caller::parse(caller))
    }

    #[test]
    fn accounts_roles_sessions() {
        let account = PrincipalEntry::aws("arn:aws:iam::111122223333:root").unwrap();
        assert_eq!(account, PrincipalEntry::Account("111122223333".into()));
        assert_eq!(
            m(&account, "arn:aws:iam::111122223333:user/bob"),
            PrincipalMatch::Account
        );
        assert_eq!(
            m(&account, "arn:aws:iam::999999999999:user/bob"),
            PrincipalMatch::None
        );
        let role = PrincipalEntry::aws("arn:aws:iam::111122223333:role/awsfed/Admin").unwrap();
        assert_eq!(
            m(&role, "arn:aws:sts::111122223333:assumed-role/Admin/alice"),
            PrincipalMatch::SessionRole
        );
        assert_eq!(
            m(&role, "arn:aws:iam::111122223333:role/awsfed/Admin"),
            PrincipalMatch::Exact
        );
        let user = PrincipalEntry::aws("arn:aws:iam::111122223333:user/bob").unwrap();
        assert_eq!(
            m(&user, "arn:aws:sts::111122223333:federated-user/bob"),
            PrincipalMatch::SessionUser
        );
        assert_eq!(
            m(&PrincipalEntry::Any, "anything"),
            PrincipalMatch::Everyone
        );
        assert_eq!(
            PrincipalEntry::Any.matches(&Caller::Anonymous),
            PrincipalMatch::Everyone
        );
    }

    #[test]
    fn federated_and_service() {
        let saml = PrincipalEntry::Federated("arn:aws:iam::111122223333:saml-provider/corp".into());
        assert_eq!(
            m(&saml, "arn:aws:iam::111122223333:saml-provider/corp"),
            PrincipalMatch::Exact
        );
        let ec2 = PrincipalEntry::Service("ec2.amazonaws.com".into());
        assert_eq!(m(&ec2, "ec2.amazonaws.com"), PrincipalMatch::Exact);
        assert_eq!(m(&ec2, "lambda.amazonaws.com"), PrincipalMatch::None);
    }

    #[test]
    fn malformed_principals() {
        assert!(PrincipalEntry::aws("arn:aws:iam::111122223333:role/*").is_err());
        assert!(PrincipalEntry::aws("bob").is_err());
        assert!(PrincipalEntry::aws("1111").is_err());
    }
}
