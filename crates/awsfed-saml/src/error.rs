//! The one error type of the crate. Each variant carries exactly what its message needs;
//! values taken from the untrusted input are shortened with [`excerpt`] when the error is
//! built, so a hostile 1 MiB attribute cannot flood a terminal.

use crate::role_pair::RolePairError;
use crate::timestamp::Timestamp;

/// Everything that can be wrong with a SAML Response, from the bytes up to the sign-in rules.
///
/// Decoding and parsing errors come from [`crate::parse_saml_response`]; the rest come from
/// [`crate::SamlResponse::validate`], so `inspect` can still show what fails `login`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SamlError {
    // ---- decoding ----
    /// Nothing but whitespace was given.
    #[error(
        "the SAML response is empty: pass the SAMLResponse form value (base64) or the XML itself"
    )]
    EmptyInput,

    /// The input is over [`crate::Limits::max_input_bytes`].
    #[error(
        "the SAML response is {size} bytes, over the {limit}-byte limit; real responses are a few \
         tens of kilobytes and STS refuses more than 100,000 characters, so check what was captured"
    )]
    InputTooLarge {
        /// Input size in bytes.
        size: usize,
        /// The limit in force.
        limit: usize,
    },

    /// Not XML and not decodable as base64.
    #[error(
        "the SAML response is neither XML nor valid base64 ({reason}); pass the SAMLResponse form \
         value exactly as the IdP posted it"
    )]
    InvalidBase64 {
        /// What the base64 decoder objected to.
        reason: String,
    },

    /// Base64 that decodes to something other than XML.
    #[error(
        "the SAMLResponse decodes to {first_bytes:?}, which is not XML; if it came from an \
         HTTP-Redirect binding it is DEFLATE-compressed, which AWS does not accept: configure the \
         IdP to use the HTTP-POST binding for AWS"
    )]
    DecodedNotXml {
        /// The first decoded bytes, lossily shown.
        first_bytes: String,
    },

    /// The XML is not UTF-8 (for instance UTF-16 with a byte-order mark).
    #[error("the SAML response is not UTF-8 text; convert it to UTF-8 (every IdP emits UTF-8)")]
    NotUtf8,

    // ---- XML ----
    /// A `<!DOCTYPE` was found; DTDs are refused outright.
    #[error(
        "the SAML response contains a DOCTYPE declaration, which is refused: a DTD enables \
         entity-expansion and external-entity attacks and no SAML IdP sends one; capture the \
         response again straight from the IdP"
    )]
    DoctypeRejected,

    /// The XML is not well-formed.
    #[error("the SAML response is malformed XML at line {line}, column {column}: {message}")]
    MalformedXml {
        /// 1-based line of the problem.
        line: u32,
        /// 1-based column of the problem.
        column: u32,
        /// roxmltree's description.
        message: String,
    },

    /// A complete document is followed by more content, typically a second copy.
    #[error(
        "the SAML response holds more than one XML document (the second starts at line {line}, \
         column {column}); pass exactly one SAMLResponse value"
    )]
    TrailingContent {
        /// 1-based line where the extra content starts.
        line: u32,
        /// 1-based column where the extra content starts.
        column: u32,
    },

    /// Over [`crate::Limits::max_nodes`].
    #[error(
        "the SAML response has more than {limit} XML nodes; a real one has a few hundred, so this \
         input is refused"
    )]
    TooManyNodes {
        /// The limit in force.
        limit: u32,
    },

    /// Over [`crate::Limits::max_depth`].
    #[error(
        "the SAML response nests elements more than {limit} levels deep; a real one nests about \
         ten, so this input is refused"
    )]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },

    /// Well-formed XML whose root is not a SAML 2.0 `Response`.
    #[error(
        "the document is a <{root}>, not a SAML 2.0 <Response>{hint}; capture the SAMLResponse \
         value the IdP posts to https://signin.aws.amazon.com/saml"
    )]
    NotSamlResponse {
        /// Local name of the element found instead.
        root: String,
        /// Extra advice for well-known wrong captures (an HTML page, an AuthnRequest).
        hint: &'static str,
    },

    /// Over [`crate::Limits::max_attributes_per_element`].
    #[error(
        "an element of the SAML response has more than {limit} attributes; a real one has fewer \
         than 15, so this input is refused"
    )]
    TooManyAttributes {
        /// The limit in force.
        limit: usize,
    },

    /// A SAML time attribute is not an `xs:dateTime`.
    #[error(
        "{field} is {value:?}, which is not a valid xs:dateTime (like 2024-01-31T12:00:00Z); the \
         IdP produced a broken assertion: report it to the IdP administrator"
    )]
    InvalidTimestamp {
        /// Element and attribute, e.g. `SubjectConfirmationData NotOnOrAfter`.
        field: &'static str,
        /// The text found.
        value: String,
    },

    // ---- sign-in rules (validate) ----
    /// The assertion is encrypted, so its roles cannot be read here.
    #[error(
        "the assertion is encrypted (EncryptedAssertion), so awsfed cannot read the roles in it. \
         AWS can decrypt it only if the IAM SAML provider holds the matching private key \
         (assertion encryption mode Allowed or Required), and sign-in from the command line \
         needs to read the Role attribute to know which roles to ask for: turn off assertion \
         encryption for the AWS application in the IdP (the console sign-in keeps working), \
         then run `awsfed saml inspect` on a new response to check it"
    )]
    EncryptedAssertion,

    /// The Response carries no assertion at all.
    #[error(
        "the SAML response contains no Assertion; the IdP did not authenticate the user: retry the \
         sign-in and check the IdP's logs"
    )]
    NoAssertion,

    /// The IdP reported a non-success status.
    #[error(
        "the IdP answered with status {status:?} instead of Success; sign-in failed at the IdP: \
         check the IdP's logs and the user's assignment to the AWS application"
    )]
    IdpStatus {
        /// The top-level `StatusCode Value`.
        status: String,
    },

    /// More than one assertion: ambiguous, and a classic signature-wrapping shape.
    #[error(
        "the SAML response contains {count} assertions; AWS sign-in expects exactly one: configure \
         the IdP to send a single assertion"
    )]
    MultipleAssertions {
        /// How many were found.
        count: usize,
    },

    /// `NotBefore` is not before `NotOnOrAfter`: no instant is valid.
    #[error(
        "{field} NotBefore ({not_before}) is not before NotOnOrAfter ({not_on_or_after}), so the \
         assertion is valid at no time: fix the IdP's clock or its assertion lifetime settings"
    )]
    EmptyValidityWindow {
        /// Which element, e.g. `Conditions`.
        field: &'static str,
        /// Start of the window.
        not_before: Timestamp,
        /// End of the window.
        not_on_or_after: Timestamp,
    },

    /// The assertion has expired.
    #[error(
        "the SAML assertion expired: {field} is {not_on_or_after} and it is now {now}; sign in to \
         the IdP again (if this repeats, check this machine's clock)"
    )]
    Expired {
        /// Which time ended, e.g. `Conditions NotOnOrAfter`.
        field: &'static str,
        /// When.
        not_on_or_after: Timestamp,
        /// The caller's `now`.
        now: Timestamp,
    },

    /// The assertion is not valid yet.
    #[error(
        "the SAML assertion is not valid yet: {field} is {not_before} and it is now {now}; check \
         this machine's clock and the IdP's clock, or allow more clock skew"
    )]
    NotYetValid {
        /// Which time has not come, e.g. `Conditions NotBefore`.
        field: &'static str,
        /// When it starts.
        not_before: Timestamp,
        /// The caller's `now`.
        now: Timestamp,
    },

    /// AWS requires exactly one `SubjectConfirmationData` with `Recipient` and `NotOnOrAfter`.
    #[error(
        "the assertion has no {missing}; AWS requires a SubjectConfirmationData with both \
         Recipient and NotOnOrAfter: fix the AWS application in the IdP"
    )]
    MissingSubjectConfirmation {
        /// What is missing.
        missing: &'static str,
    },

    /// The Recipient is not an AWS sign-in endpoint.
    #[error(
        "the assertion's Recipient is {recipient:?}, not an AWS sign-in endpoint \
         (https://signin.aws.amazon.com/saml or https://<region>.signin.aws.amazon.com/saml): this \
         response was made for another application; pick the AWS application in the IdP"
    )]
    RecipientNotAwsSignIn {
        /// The Recipient found.
        recipient: String,
    },

    /// No `https://aws.amazon.com/SAML/Attributes/Role` attribute.
    #[error("{}", no_aws_roles_message(near_misses))]
    NoAwsRoles {
        /// Attribute names that look like a role attribute but are not AWS's.
        near_misses: Vec<String>,
    },

    /// A Role value that is not a `role-arn,provider-arn` pair.
    #[error(
        "the AWS Role attribute value {value:?} is malformed: {reason}; each value must be \
         `arn:aws:iam::<account>:role/<name>,arn:aws:iam::<account>:saml-provider/<name>`: fix the \
         value in the IdP"
    )]
    MalformedRoleValue {
        /// The value as sent.
        value: String,
        /// What is wrong with it.
        reason: RolePairError,
    },

    /// RoleSessionName outside STS's rules.
    #[error(
        "the RoleSessionName attribute {value:?} is not 2-64 characters of letters, digits and \
         +=,.@_- as STS requires: change the IdP's mapping (an e-mail address or user name works)"
    )]
    InvalidRoleSessionName {
        /// The value as sent.
        value: String,
    },

    /// SourceIdentity outside STS's rules.
    #[error(
        "the SourceIdentity attribute {value:?} is not 2-64 characters of letters, digits and \
         +=,.@_- as STS requires: change the IdP's mapping"
    )]
    InvalidSourceIdentity {
        /// The value as sent.
        value: String,
    },

    /// SessionDuration not an integer in 900..=43200.
    #[error(
        "the SessionDuration attribute {value:?} is not a whole number of seconds from 900 to \
         43200: fix the value in the IdP"
    )]
    InvalidSessionDuration {
        /// The value as sent.
        value: String,
    },

    /// The canonical base64 is longer than STS accepts.
    #[error(
        "the SAML response is {length} characters of base64, over the {limit} STS accepts for \
         AssumeRoleWithSAML: send fewer attributes (group lists are the usual cause)"
    )]
    TooLongForSts {
        /// Length of the canonical base64.
        length: usize,
        /// STS's limit.
        limit: usize,
    },
}

fn no_aws_roles_message(near_misses: &[String]) -> String {
    let mut message = String::from(
        "the SAML response has no https://aws.amazon.com/SAML/Attributes/Role attribute, so there \
         is no role to sign in to: assign the user to the AWS application in the IdP and map the \
         user's groups to that attribute",
    );
    if !near_misses.is_empty() {
        message.push_str(&format!(
            " (found {}, which AWS does not read)",
            near_misses
                .iter()
                .map(|name| format!("{name:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    message
}

/// Shortens untrusted text for an error message (at most 160 characters).
pub(crate) fn excerpt(text: &str) -> String {
    const MAX_CHARS: usize = 160;
    match text.char_indices().nth(MAX_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}
