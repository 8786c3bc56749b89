//! SAML Response decoding and parsing for AWS sign-in, built for untrusted input.
//!
//! ```text
//! bytes ──decode──▶ XML + canonical base64 ──parse──▶ SamlResponse ──validate(now)──▶ ok / SamlError
//! ```
//!
//! * [`parse_saml_response`] accepts what users paste (base64 in its damaged forms, or XML),
//!   refuses DTDs and oversized or over-deep documents, and reads the Response by local
//!   names so every IdP's namespace habits work. It checks form only.
//! * [`SamlResponse::validate`] applies the sign-in rules against a `now` the caller passes
//!   in (the crate never reads the clock), so `awsfed saml inspect` can show an expired
//!   assertion that `awsfed login` refuses.
//! * [`SamlResponse::canonical_base64`] is the `SAMLAssertion` to send to STS;
//!   [`RolePair`] gives its `RoleArn` and `PrincipalArn`.
//!
//! No signature is verified here: STS does that against the IAM SAML provider.

mod arn;
mod aws_attributes;
mod decode;
mod error;
mod input_form;
mod limits;
mod parse_note;
mod role_pair;
mod saml_response;
mod timestamp;
mod validation;
mod xml;

pub use arn::{AccountId, ArnError, ProviderArn, RoleArn};
pub use aws_attributes::{
    AwsAttributes, MalformedRole, PRINCIPAL_TAG_ATTRIBUTE_PREFIX, ROLE_ATTRIBUTE,
    ROLE_SESSION_NAME_ATTRIBUTE, SESSION_DURATION_ATTRIBUTE, SOURCE_IDENTITY_ATTRIBUTE,
    TRANSITIVE_TAG_KEYS_ATTRIBUTE,
};
pub use decode::{DecodedResponse, decode_saml_response};
pub use error::SamlError;
pub use input_form::{InputEncoding, InputForm};
pub use limits::Limits;
pub use parse_note::ParseNote;
pub use role_pair::{RolePair, RolePairError, split_role_value};
pub use saml_response::{
    Assertion, AuthnStatement, Conditions, NameId, STATUS_SUCCESS, SamlResponse,
    SubjectConfirmation, parse_saml_response, parse_saml_response_with_limits,
};
// The identifier rules live in awsfed-policy, shared with the model and the export.
pub use awsfed_policy::{
    SESSION_NAME_MAX_CHARS, SESSION_NAME_MIN_CHARS, is_sign_in_endpoint, is_valid_session_name,
    sanitize_session_name,
};
pub use timestamp::Timestamp;
pub use validation::{
    SESSION_DURATION_MAX_SECONDS, SESSION_DURATION_MIN_SECONDS, STS_MAX_ASSERTION_CHARS,
    ValidationOptions,
};
