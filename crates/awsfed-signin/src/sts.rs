//! The two STS calls sign-in makes, behind a trait: `awsfed-aws` implements it with the SDK, tests
//! with a fake.

use crate::credentials::Credentials;

/// `sts:AssumeRoleWithSAML` (hop 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlHopRequest<'a> {
    pub role_arn: &'a str,
    pub provider_arn: &'a str,
    /// Canonical base64 of the Response.
    pub saml_assertion: &'a str,
    pub duration_seconds: u32,
}

/// `sts:AssumeRole` from the previous hop's session (hop 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleRequest<'a> {
    pub role_arn: &'a str,
    pub role_session_name: &'a str,
    pub source_identity: Option<&'a str>,
    pub duration_seconds: u32,
}

/// `sts:GetSessionToken` with an IAM user's long-term keys (the IAM-users hub).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTokenRequest<'a> {
    /// The MFA device's serial number and its current code; `None` for a user exempt from MFA.
    pub mfa: Option<(&'a str, &'a str)>,
    pub duration_seconds: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsErrorKind {
    /// The requested DurationSeconds is over the role's MaxSessionDuration (or the chaining cap):
    /// step down and retry.
    DurationTooLong,
    /// The trust or the caller's policy does not allow it.
    AccessDenied,
    /// The assertion has expired or was refused.
    InvalidAssertion,
    /// Anything else, including network failures.
    Other,
}

/// An STS failure: its kind, and STS's own code and message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct StsError {
    pub kind: StsErrorKind,
    pub code: String,
    pub message: String,
}

impl StsError {
    /// Classifies an STS error code and message as the SDK reports them.
    pub fn classify(code: &str, message: &str) -> Self {
        let lower = message.to_ascii_lowercase();
        let kind = if code == "ValidationError"
            && lower.contains("durationseconds")
            && (lower.contains("exceeds") || lower.contains("maxsessionduration"))
        {
            StsErrorKind::DurationTooLong
        } else if code == "AccessDenied" || code == "AccessDeniedException" {
            StsErrorKind::AccessDenied
        } else if code == "ExpiredTokenException" || code == "InvalidIdentityToken" {
            StsErrorKind::InvalidAssertion
        } else {
            StsErrorKind::Other
        };
        Self {
            kind,
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }
}

/// The STS operations of sign-in.
pub trait Sts {
    fn assume_role_with_saml(&self, request: &SamlHopRequest<'_>) -> Result<Credentials, StsError>;
    fn assume_role(
        &self,
        source: &Credentials,
        request: &AssumeRoleRequest<'_>,
    ) -> Result<Credentials, StsError>;
    /// The ARN of whoever the long-term keys of the standard credential chain belong to
    /// (`sts:GetCallerIdentity`, which needs no permission). awsfed never sees where the keys are.
    fn long_term_identity(&self) -> Result<String, StsError>;
    /// `sts:GetSessionToken` with those long-term keys.
    fn session_token(&self, request: &SessionTokenRequest<'_>) -> Result<Credentials, StsError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_errors_are_recognised() {
        let error = StsError::classify(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        );
        assert_eq!(error.kind, StsErrorKind::DurationTooLong);
        let chained = StsError::classify(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        );
        assert_eq!(chained.kind, StsErrorKind::DurationTooLong);
        assert_eq!(
            StsError::classify("AccessDenied", "Not authorized").kind,
            StsErrorKind::AccessDenied
        );
    }
}
