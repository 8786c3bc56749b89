//! The sign-in rules, checked against a caller-supplied `now`.
//!
//! Kept apart from parsing so `awsfed saml inspect` can show an expired or role-less
//! assertion while `awsfed login` refuses it before calling STS. The rules come from "Configure
//! SAML assertions for the authentication response" (IAM User Guide) and the STS API
//! reference for AssumeRoleWithSAML; STS remains the judge (it also checks the signature,
//! which this crate does not), these checks only turn its opaque failures into clear ones.

use std::time::{Duration, SystemTime};

use crate::aws_attributes::AwsAttributes;
use crate::error::{SamlError, excerpt};
use crate::saml_response::{Assertion, STATUS_SUCCESS, SamlResponse};
use crate::timestamp::Timestamp;
use awsfed_policy::{is_sign_in_endpoint, is_valid_session_name};

/// STS's maximum length of `SAMLAssertion` (the base64 text), from the STS API model
/// (`SAMLAssertionType`, 4 to 100,000 characters).
pub const STS_MAX_ASSERTION_CHARS: usize = 100_000;

/// Shortest SessionDuration AWS accepts, in seconds.
pub const SESSION_DURATION_MIN_SECONDS: u32 = 900;
/// Longest SessionDuration AWS accepts, in seconds (12 hours).
pub const SESSION_DURATION_MAX_SECONDS: u32 = 43_200;

const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// How strict [`SamlResponse::validate`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationOptions {
    /// How far this machine's clock may be from the IdP's: validity windows are widened by
    /// this much on both ends. Default 60 s.
    pub clock_skew: Duration,
    /// Require every bearer Recipient to be an AWS sign-in endpoint. Default true; turn off
    /// for test IdPs that post elsewhere.
    pub require_aws_recipient: bool,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        Self {
            clock_skew: Duration::from_secs(60),
            require_aws_recipient: true,
        }
    }
}

impl SamlResponse {
    /// The first reason AWS sign-in would refuse this response, if any.
    pub fn validate(&self, now: SystemTime, options: &ValidationOptions) -> Result<(), SamlError> {
        match self.problems(now, options).into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every reason AWS sign-in would refuse this response, most fundamental first.
    pub fn problems(&self, now: SystemTime, options: &ValidationOptions) -> Vec<SamlError> {
        let now = Timestamp::from(now);
        let mut problems = Vec::new();
        let status_failed = self
            .status_code
            .as_deref()
            .filter(|status| *status != STATUS_SUCCESS)
            .map(|status| SamlError::IdpStatus {
                status: excerpt(status),
            });

        let Some(assertion) = &self.assertion else {
            problems.push(if let Some(status) = status_failed {
                status
            } else if self.encrypted_assertions > 0 {
                SamlError::EncryptedAssertion
            } else {
                SamlError::NoAssertion
            });
            return problems;
        };
        problems.extend(status_failed);
        if self.assertion_count > 1 {
            problems.push(SamlError::MultipleAssertions {
                count: self.assertion_count,
            });
        }

        let window = Window {
            now,
            skew: options.clock_skew,
        };
        check_validity_windows(assertion, &window, &mut problems);
        check_bearer_confirmations(assertion, options, &mut problems);
        check_roles(assertion, &mut problems);
        check_session_attributes(&assertion.aws, &mut problems);

        if self.canonical_base64().len() > STS_MAX_ASSERTION_CHARS {
            problems.push(SamlError::TooLongForSts {
                length: self.canonical_base64().len(),
                limit: STS_MAX_ASSERTION_CHARS,
            });
        }
        problems
    }
}

/// The validity windows: the Conditions, every SubjectConfirmationData and the AuthnStatement's
/// session end, each against `now` with the allowed clock skew.
fn check_validity_windows(assertion: &Assertion, window: &Window, problems: &mut Vec<SamlError>) {
    if let Some(conditions) = &assertion.conditions {
        window.check(
            problems,
            [
                "Conditions",
                "Conditions NotBefore",
                "Conditions NotOnOrAfter",
            ],
            conditions.not_before,
            conditions.not_on_or_after,
        );
    }
    for confirmation in &assertion.subject_confirmations {
        window.check(
            problems,
            [
                "SubjectConfirmationData",
                "SubjectConfirmationData NotBefore",
                "SubjectConfirmationData NotOnOrAfter",
            ],
            confirmation.not_before,
            confirmation.not_on_or_after,
        );
    }
    if let Some(statement) = &assertion.authn_statement {
        window.check(
            problems,
            ["AuthnStatement", "", "AuthnStatement SessionNotOnOrAfter"],
            None,
            statement.session_not_on_or_after,
        );
    }
}

/// Every bearer SubjectConfirmation needs a Recipient (an AWS sign-in endpoint unless the options
/// allow any) and a NotOnOrAfter.
fn check_bearer_confirmations(
    assertion: &Assertion,
    options: &ValidationOptions,
    problems: &mut Vec<SamlError>,
) {
    let bearers: Vec<_> = assertion
        .subject_confirmations
        .iter()
        .filter(|confirmation| {
            confirmation
                .method
                .as_deref()
                .is_none_or(|method| method == BEARER)
        })
        .collect();
    if bearers.is_empty() {
        problems.push(SamlError::MissingSubjectConfirmation {
            missing: "bearer SubjectConfirmation",
        });
    }
    for confirmation in bearers {
        match &confirmation.recipient {
            None => problems.push(SamlError::MissingSubjectConfirmation {
                missing: "SubjectConfirmationData Recipient",
            }),
            Some(recipient) if options.require_aws_recipient && !is_sign_in_endpoint(recipient) => {
                problems.push(SamlError::RecipientNotAwsSignIn {
                    recipient: excerpt(recipient),
                });
            }
            Some(_) => {}
        }
        if confirmation.not_on_or_after.is_none() {
            problems.push(SamlError::MissingSubjectConfirmation {
                missing: "SubjectConfirmationData NotOnOrAfter",
            });
        }
    }
}

/// The Role attribute: every value well-formed, and at least one.
fn check_roles(assertion: &Assertion, problems: &mut Vec<SamlError>) {
    let aws = &assertion.aws;
    for malformed in &aws.malformed_roles {
        problems.push(SamlError::MalformedRoleValue {
            value: excerpt(&malformed.value),
            reason: malformed.reason.clone(),
        });
    }
    if aws.roles.is_empty() && aws.malformed_roles.is_empty() {
        problems.push(SamlError::NoAwsRoles {
            near_misses: AwsAttributes::role_near_misses(&assertion.attributes),
        });
    }
}

fn check_session_attributes(aws: &AwsAttributes, problems: &mut Vec<SamlError>) {
    if let Some(name) = aws.role_session_name.as_deref()
        && !is_valid_session_name(name)
    {
        problems.push(SamlError::InvalidRoleSessionName {
            value: excerpt(name),
        });
    }
    if let Some(identity) = aws.source_identity.as_deref()
        && !is_valid_session_name(identity)
    {
        problems.push(SamlError::InvalidSourceIdentity {
            value: excerpt(identity),
        });
    }
    if let Some(duration) = aws.session_duration.as_deref() {
        let in_range = duration.parse::<u32>().is_ok_and(|seconds| {
            (SESSION_DURATION_MIN_SECONDS..=SESSION_DURATION_MAX_SECONDS).contains(&seconds)
        });
        if !in_range {
            problems.push(SamlError::InvalidSessionDuration {
                value: excerpt(duration),
            });
        }
    }
}

struct Window {
    now: Timestamp,
    skew: Duration,
}

impl Window {
    /// `names` = [element, NotBefore field, NotOnOrAfter field].
    fn check(
        &self,
        problems: &mut Vec<SamlError>,
        names: [&'static str; 3],
        not_before: Option<Timestamp>,
        not_on_or_after: Option<Timestamp>,
    ) {
        let [element, before_field, after_field] = names;
        if let (Some(not_before), Some(not_on_or_after)) = (not_before, not_on_or_after)
            && not_before >= not_on_or_after
        {
            problems.push(SamlError::EmptyValidityWindow {
                field: element,
                not_before,
                not_on_or_after,
            });
            return;
        }
        if let Some(not_on_or_after) = not_on_or_after
            && self.now >= not_on_or_after.shifted(self.skew, true)
        {
            problems.push(SamlError::Expired {
                field: after_field,
                not_on_or_after,
                now: self.now,
            });
        }
        if let Some(not_before) = not_before
            && self.now < not_before.shifted(self.skew, false)
        {
            problems.push(SamlError::NotYetValid {
                field: before_field,
                not_before,
                now: self.now,
            });
        }
    }
}
