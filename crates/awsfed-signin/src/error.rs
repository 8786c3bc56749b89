use std::path::PathBuf;

use crate::sts::StsError;

/// Everything sign-in can fail on. Messages never include secrets.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("cannot read the client file `{path}`: {reason}")]
    ClientFile { path: PathBuf, reason: String },
    #[error("no target named `{name}` in the client file")]
    UnknownTarget {
        name: String,
        suggestions: Vec<String>,
    },
    #[error(
        "the role `{role_arn}` is not the first hop of any target, and the SAML response does not grant it"
    )]
    UnknownRole { role_arn: String },
    #[error("no valid cached credentials for `{target}`, and no way to get a SAML response: {why}")]
    NeedAssertion { target: String, why: String },
    #[error("no valid cached credentials for `{target}`, and no MFA code: {why}")]
    NeedMfaCode { target: String, why: String },
    #[error(
        "signing in as an IAM user needs your own access keys from the standard credential chain (the environment, or the profile in ~/.aws/credentials and ~/.aws/config): {why}"
    )]
    LongTermKeys { why: String },
    #[error(
        "the access keys of the credential chain are `{arn}`'s, not those of an IAM user of account {account_id}, where the model's users are"
    )]
    NotIamUser { arn: String, account_id: String },
    #[error("STS refused GetSessionToken for `{user_arn}`: {error}")]
    UserSession { user_arn: String, error: StsError },
    #[error("the SAML response cannot be used: {0}")]
    Assertion(#[from] awsfed_saml::SamlError),
    #[error(
        "the SAML response grants none of the roles that reach `{target}` (it grants: {granted})"
    )]
    NotGranted { target: String, granted: String },
    #[error("{0}")]
    AssertionSource(String),
    /// `--saml-file` names a file that cannot be read: bad input, not a failed sign-in.
    #[error("cannot read the SAML response from `{path}`: {reason}")]
    SamlFile { path: PathBuf, reason: String },
    #[error("STS refused {action} into `{role_arn}`: {error}")]
    Sts {
        action: &'static str,
        role_arn: String,
        error: StsError,
    },
    #[error("the cache folder `{path}`: {reason}")]
    Cache { path: PathBuf, reason: String },
}
