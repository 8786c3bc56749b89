//! Which Recipients AWS sign-in accepts: the one rule for sign-in endpoints, used where the model's
//! audiences are validated, where snapshots are audited and where SAML Responses are checked.
//!
//! "Configure SAML assertions for the authentication response" (IAM User Guide): the
//! `SubjectConfirmationData` `Recipient` must match an AWS sign-in endpoint,
//! `https://signin.aws.amazon.com/saml` or the regional
//! `https://<region-code>.signin.aws.amazon.com/saml` ("AWS Sign-In endpoints"); the global
//! `https://signin.aws.amazon.com/static/saml` is also listed; when the provider requires
//! encrypted assertions the URL carries the provider's id as `/saml/acs/<IdP-ID>`. The
//! Recipient becomes the `SAML:aud` condition key, which is why a trust policy pinned to the
//! global endpoint breaks regional sign-in. The China and GovCloud partitions have their own
//! sign-in hosts.

const GLOBAL_HOSTS: [&str; 3] = [
    "signin.aws.amazon.com",
    "signin.amazonaws.cn",
    "signin.amazonaws-us-gov.com",
];

/// Whether `recipient` is an AWS sign-in SAML endpoint (global or regional).
pub fn is_sign_in_endpoint(recipient: &str) -> bool {
    let Some(rest) = recipient.trim().strip_prefix("https://") else {
        return false;
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host_ok = GLOBAL_HOSTS.iter().any(|global| {
        host == *global
            || host
                .strip_suffix(global)
                .and_then(|prefix| prefix.strip_suffix('.'))
                .is_some_and(is_region_code)
    });
    let path_ok = matches!(path, "/saml" | "/saml/" | "/static/saml")
        || path.strip_prefix("/saml/acs/").is_some_and(|id| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    host_ok && path_ok
}

/// A region code as it appears in a regional sign-in host: `us-east-1`, `eu-central-2`,
/// `us-gov-west-1`, `ap-southeast-5`: lowercase letters, digits and hyphens, a letter first, a
/// digit last and at least one hyphen. Deliberately no list of today's regions: a model written
/// for a region launched later must not be refused. The model's `region` fields use it too.
pub fn is_region_code(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text.ends_with(|c: char| c.is_ascii_digit())
        && text.contains('-')
        && !text.contains("--")
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_aws_endpoints() {
        for ok in [
            "https://signin.aws.amazon.com/saml",
            "https://eu-west-1.signin.aws.amazon.com/saml",
            "https://us-gov-west-1.signin.amazonaws-us-gov.com/saml",
            "https://signin.aws.amazon.com/static/saml",
            "https://us-east-1.signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D558H46",
            "https://signin.amazonaws.cn/saml",
        ] {
            assert!(is_sign_in_endpoint(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_others() {
        for bad in [
            "http://signin.aws.amazon.com/saml",
            "https://signin.aws.amazon.com.evil.example/saml",
            "https://evil.example/https://signin.aws.amazon.com/saml",
            "https://signin.aws.amazon.com/saml/other",
            "https://localhost:8443/saml/SSO",
            "urn:amazon:webservices",
            "https://x.signin.aws.amazon.com/saml",
        ] {
            assert!(!is_sign_in_endpoint(bad), "{bad}");
        }
    }
}
