//! Errors of the AWS side, with what the user can do about them.

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata};

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// An API call failed after the SDK's retries.
    #[error("{operation} failed: {message}")]
    Call {
        operation: String,
        /// The AWS error code when AWS sent one (`AccessDenied`, `Throttling`, …).
        code: Option<String>,
        message: String,
    },
    /// AWS answered with something awsfed cannot read.
    #[error("{operation} returned {what}")]
    Unreadable { operation: String, what: String },
    /// A precondition the user must fix.
    #[error("{0}")]
    Refused(String),
}

impl AwsError {
    pub fn call<E, R>(operation: &str, error: &aws_sdk_iam::error::SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        AwsError::Call {
            operation: operation.to_owned(),
            code: error.code().map(str::to_owned),
            message: match error.message() {
                Some(message) => format!("{}: {message}", error.code().unwrap_or("error")),
                None => DisplayErrorContext(error).to_string(),
            },
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Call { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// What to try, for the errors people meet first.
    pub fn hint(&self) -> Option<&'static str> {
        match self.code()? {
            "AccessDenied" | "AccessDeniedException" => Some(
                "the caller needs iam:* on awsfed's path in each account and sts:AssumeRole on the bootstrap role; check --bootstrap-role and the credentials in use",
            ),
            "AWSOrganizationsNotInUseException" => Some(
                "the caller's account is not in an organisation; list accounts in the model instead of discovering them",
            ),
            "ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId" => {
                Some("refresh the credentials (aws sso login, or a new session) and run again")
            }
            _ => None,
        }
    }
}

/// Whether an error from a change that follows a fresh create is IAM's eventual consistency (the
/// new role or policy is not visible everywhere yet), which resolves by itself within seconds.
pub(crate) fn is_eventual_consistency(code: Option<&str>, message: Option<&str>) -> bool {
    match code {
        Some("MalformedPolicyDocument") => message.is_some_and(|m| m.contains("Invalid principal")),
        Some("NoSuchEntity") => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_eventual_consistency;

    #[test]
    fn only_the_errors_of_fresh_entities_are_retried() {
        assert!(is_eventual_consistency(
            Some("MalformedPolicyDocument"),
            Some(
                "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:role/awsfed/hub-a\""
            )
        ));
        assert!(!is_eventual_consistency(
            Some("MalformedPolicyDocument"),
            Some("Syntax errors in policy.")
        ));
        assert!(is_eventual_consistency(Some("NoSuchEntity"), None));
        assert!(!is_eventual_consistency(Some("AccessDenied"), None));
    }
}
