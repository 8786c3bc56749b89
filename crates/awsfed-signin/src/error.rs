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
