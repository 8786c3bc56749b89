//! RoleSessionName and SourceIdentity rules.
//!
//! STS accepts 2 to 64 characters of `[\w+=,.@-]` for both (STS API reference,
//! AssumeRole `RoleSessionName` and `SourceIdentity`; the same pattern applies to the SAML
//! attributes, IAM User Guide "Configure SAML assertions for the authentication response").
//! `\w` there is ASCII: letters, digits and `_`.

/// Shortest session name STS accepts.
pub const SESSION_NAME_MIN_CHARS: usize = 2;
/// Longest session name STS accepts.
pub const SESSION_NAME_MAX_CHARS: usize = 64;

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

/// Whether STS accepts `name` as a RoleSessionName (or SourceIdentity).
pub fn is_valid_session_name(name: &str) -> bool {
    (SESSION_NAME_MIN_CHARS..=SESSION_NAME_MAX_CHARS).contains(&name.len())
        && name.chars().all(is_allowed)
}

/// Turns any text into a name STS accepts: each disallowed character becomes `_`, the
/// result is cut to 64 characters and padded with `_` to 2.
///
/// Hub-and-spoke's second hop (`sts:AssumeRole` into the spoke) needs a RoleSessionName;
/// awsfed reuses the assertion's so CloudTrail ties both hops to one person, and NameIDs such
/// as `EXAMPLE\wolfeidau` or non-ASCII names must be made acceptable first.
pub fn sanitize_session_name(name: &str) -> String {
    let mut sanitized: String = name
        .chars()
        .map(|c| if is_allowed(c) { c } else { '_' })
        .take(SESSION_NAME_MAX_CHARS)
        .collect();
    while sanitized.len() < SESSION_NAME_MIN_CHARS {
        sanitized.push('_');
    }
    sanitized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        assert_eq!(
            sanitize_session_name("EXAMPLE\\wolfeidau"),
            "EXAMPLE_wolfeidau"
        );
        assert_eq!(
            sanitize_session_name("john.doe@example.com"),
            "john.doe@example.com"
        );
        assert_eq!(sanitize_session_name(""), "__");
        assert_eq!(sanitize_session_name("x"), "x_");
        assert_eq!(sanitize_session_name("Jérôme 李"), "J_r_me__");
        assert_eq!(sanitize_session_name(&"a".repeat(100)).len(), 64);
    }

    #[test]
    fn validates() {
        assert!(is_valid_session_name("wolfeidau@example.com"));
        assert!(!is_valid_session_name("a"));
        assert!(!is_valid_session_name("a b"));
        assert!(!is_valid_session_name(&"a".repeat(65)));
        assert!(is_valid_session_name(&"a".repeat(64)));
    }
}
