//! The parsed SAML Response: everything `inspect` shows and `login` needs.
//!
//! Elements are found by local name along the paths SAML core defines (Response →
//! Assertion → Subject → …), in any namespace or none: PingFederate output in the wild puts
//! every element in no namespace, ADFS mixes default and prefixed namespaces. Only the
//! first `Assertion` that is a direct child of the Response is read; assertions nested
//! anywhere else (Advice, wrapping attacks) are ignored, and more than one direct child is
//! reported by `validate`.
//!
//! No signature is checked: STS verifies the signature against the IAM SAML provider's
//! metadata, and awsfed only needs the roles to ask STS. Nothing read here is trusted for
//! an authorization decision.

use std::collections::BTreeMap;

use roxmltree::Node;
use serde::Serialize;

use crate::aws_attributes::AwsAttributes;
use crate::decode::{DecodedResponse, decode_saml_response};
use crate::error::{SamlError, excerpt};
use crate::input_form::InputForm;
use crate::limits::Limits;
use crate::parse_note::ParseNote;
use crate::role_pair::RolePair;
use crate::timestamp::Timestamp;
use crate::xml::{attribute, child, children, text, with_document};
use awsfed_policy::sanitize_session_name;

/// The subject's name identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameId {
    /// The identifier, trimmed (may be empty: redacted ECP samples).
    pub value: String,
    /// The `Format` URI.
    pub format: Option<String>,
}

/// One `SubjectConfirmation` with its `SubjectConfirmationData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectConfirmation {
    /// `Method`, normally `urn:oasis:names:tc:SAML:2.0:cm:bearer`.
    pub method: Option<String>,
    /// `Recipient`: the URL the assertion was made for; AWS's `SAML:aud`.
    pub recipient: Option<String>,
    /// `NotBefore` (rare).
    pub not_before: Option<Timestamp>,
    /// `NotOnOrAfter`.
    pub not_on_or_after: Option<Timestamp>,
}

/// `Conditions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conditions {
    /// `NotBefore`.
    pub not_before: Option<Timestamp>,
    /// `NotOnOrAfter`.
    pub not_on_or_after: Option<Timestamp>,
    /// Every `AudienceRestriction/Audience`.
    pub audiences: Vec<String>,
}

/// The first `AuthnStatement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthnStatement {
    /// `AuthnInstant`.
    pub authn_instant: Option<Timestamp>,
    /// `SessionNotOnOrAfter`: caps the STS session.
    pub session_not_on_or_after: Option<Timestamp>,
    /// `AuthnContext/AuthnContextClassRef`.
    pub authn_context_class_ref: Option<String>,
}

/// The readable assertion of a Response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assertion {
    /// The Assertion's own `Issuer`.
    pub issuer: Option<String>,
    /// `IssueInstant`.
    pub issue_instant: Option<Timestamp>,
    /// `Subject/NameID`.
    pub name_id: Option<NameId>,
    /// Every `Subject/SubjectConfirmation`.
    pub subject_confirmations: Vec<SubjectConfirmation>,
    /// `Conditions`.
    pub conditions: Option<Conditions>,
    /// The first `AuthnStatement`.
    pub authn_statement: Option<AuthnStatement>,
    /// Every attribute: name → trimmed values, in document order per name.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// The AWS sign-in attributes, picked out of `attributes`.
    pub aws: AwsAttributes,
}

/// A parsed SAML 2.0 Response. Parsing checks form only; see [`SamlResponse::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SamlResponse {
    /// How the input was encoded.
    pub input_form: InputForm,
    /// What the parser tolerated or noticed.
    pub notes: Vec<ParseNote>,
    /// The Response's `Issuer`.
    pub issuer: Option<String>,
    /// The Response's `Destination`.
    pub destination: Option<String>,
    /// The Response's `IssueInstant`.
    pub issue_instant: Option<Timestamp>,
    /// Top-level `Status/StatusCode` `Value`.
    pub status_code: Option<String>,
    /// How many `EncryptedAssertion` children the Response has.
    pub encrypted_assertions: usize,
    /// How many plain `Assertion` children the Response has.
    pub assertion_count: usize,
    /// The first plain assertion.
    pub assertion: Option<Assertion>,
    #[serde(skip)]
    canonical_base64: String,
}

/// `urn:oasis:names:tc:SAML:2.0:status:Success`.
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// Decodes and parses a SAML Response with the default [`Limits`].
pub fn parse_saml_response(input: impl AsRef<[u8]>) -> Result<SamlResponse, SamlError> {
    parse_saml_response_with_limits(input.as_ref(), &Limits::default())
}

/// Decodes and parses a SAML Response with explicit limits.
pub fn parse_saml_response_with_limits(
    input: &[u8],
    limits: &Limits,
) -> Result<SamlResponse, SamlError> {
    let decoded = decode_saml_response(input, limits)?;
    SamlResponse::from_decoded(decoded, limits)
}

impl SamlResponse {
    /// Parses already-decoded XML.
    pub fn from_decoded(decoded: DecodedResponse, limits: &Limits) -> Result<Self, SamlError> {
        let DecodedResponse {
            xml,
            canonical_base64,
            form,
        } = decoded;
        with_document(&xml, limits, |root, mut notes| {
            let response = find_response(root, &mut notes)?;
            let assertions: Vec<Node<'_, '_>> = children(response, "Assertion").collect();
            let encrypted_assertions = children(response, "EncryptedAssertion").count();
            let assertion = assertions
                .first()
                .map(|node| read_assertion(*node, &mut notes))
                .transpose()?;
            Ok(Self {
                input_form: form,
                issuer: child(response, "Issuer").map(text),
                destination: attribute(response, "Destination"),
                issue_instant: time(response, "IssueInstant", "Response IssueInstant")?,
                status_code: child(response, "Status")
                    .and_then(|status| child(status, "StatusCode"))
                    .and_then(|code| attribute(code, "Value")),
                encrypted_assertions,
                assertion_count: assertions.len(),
                assertion,
                notes,
                canonical_base64,
            })
        })
    }

    /// The Response as standard padded base64 of the IdP's exact bytes: the
    /// `SAMLAssertion` parameter of AssumeRoleWithSAML.
    pub fn canonical_base64(&self) -> &str {
        &self.canonical_base64
    }

    /// The AWS sign-in attributes, if there is a readable assertion.
    pub fn aws(&self) -> Option<&AwsAttributes> {
        self.assertion.as_ref().map(|assertion| &assertion.aws)
    }

    /// The valid Role pairs (empty without a readable assertion).
    pub fn roles(&self) -> &[RolePair] {
        self.aws().map_or(&[], |aws| aws.roles.as_slice())
    }

    /// The RoleSessionName for hub-and-spoke's second hop: the RoleSessionName attribute,
    /// else the NameID, made acceptable to STS by [`sanitize_session_name`].
    pub fn session_name_for_second_hop(&self) -> Option<String> {
        let assertion = self.assertion.as_ref()?;
        assertion
            .aws
            .role_session_name
            .as_deref()
            .or_else(|| assertion.name_id.as_ref().map(|id| id.value.as_str()))
            .filter(|name| !name.is_empty())
            .map(sanitize_session_name)
    }
}

/// The Response element: the root, or the SOAP Body's child under the ECP profile.
fn find_response<'a, 'input>(
    root: Node<'a, 'input>,
    notes: &mut Vec<ParseNote>,
) -> Result<Node<'a, 'input>, SamlError> {
    let not_response = |node: Node<'_, '_>| {
        let name = node.tag_name().name();
        SamlError::NotSamlResponse {
            root: excerpt(name),
            hint: match name.to_ascii_lowercase().as_str() {
                "html" => " (an HTML page: the SAMLResponse is the value of its hidden form field)",
                "authnrequest" => " (a request to the IdP, not its answer)",
                "entitydescriptor" | "entitiesdescriptor" => {
                    " (SAML metadata, not a sign-in response)"
                }
                "assertion" => " (a bare assertion: AWS needs the whole Response around it)",
                _ => "",
            },
        }
    };
    match root.tag_name().name() {
        "Response" => {
            if root.tag_name().namespace().is_none() {
                notes.push(ParseNote::MissingNamespace {
                    element: "Response".to_owned(),
                });
            }
            Ok(root)
        }
        "Envelope" => {
            let response = child(root, "Body")
                .and_then(|body| child(body, "Response"))
                .ok_or_else(|| not_response(root))?;
            notes.push(ParseNote::SoapEnvelope);
            Ok(response)
        }
        _ => Err(not_response(root)),
    }
}

fn read_assertion(node: Node<'_, '_>, notes: &mut Vec<ParseNote>) -> Result<Assertion, SamlError> {
    let subject = child(node, "Subject");
    let name_id = subject
        .and_then(|subject| child(subject, "NameID"))
        .map(|name_id| NameId {
            value: text(name_id),
            format: attribute(name_id, "Format"),
        });
    let subject_confirmations = subject
        .into_iter()
        .flat_map(|subject| children(subject, "SubjectConfirmation"))
        .map(|confirmation| {
            let data = child(confirmation, "SubjectConfirmationData");
            Ok(SubjectConfirmation {
                method: attribute(confirmation, "Method"),
                recipient: data.and_then(|data| attribute(data, "Recipient")),
                not_before: data
                    .map(|data| time(data, "NotBefore", "SubjectConfirmationData NotBefore"))
                    .transpose()?
                    .flatten(),
                not_on_or_after: data
                    .map(|data| time(data, "NotOnOrAfter", "SubjectConfirmationData NotOnOrAfter"))
                    .transpose()?
                    .flatten(),
            })
        })
        .collect::<Result<Vec<_>, SamlError>>()?;
    let conditions = child(node, "Conditions")
        .map(|conditions| {
            Ok::<_, SamlError>(Conditions {
                not_before: time(conditions, "NotBefore", "Conditions NotBefore")?,
                not_on_or_after: time(conditions, "NotOnOrAfter", "Conditions NotOnOrAfter")?,
                audiences: children(conditions, "AudienceRestriction")
                    .flat_map(|restriction| children(restriction, "Audience"))
                    .map(text)
                    .collect(),
            })
        })
        .transpose()?;
    let authn_statement = child(node, "AuthnStatement")
        .map(|statement| {
            Ok::<_, SamlError>(AuthnStatement {
                authn_instant: time(statement, "AuthnInstant", "AuthnStatement AuthnInstant")?,
                session_not_on_or_after: time(
                    statement,
                    "SessionNotOnOrAfter",
                    "AuthnStatement SessionNotOnOrAfter",
                )?,
                authn_context_class_ref: child(statement, "AuthnContext")
                    .and_then(|context| child(context, "AuthnContextClassRef"))
                    .map(text),
            })
        })
        .transpose()?;

    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in children(node, "AttributeStatement") {
        for element in children(statement, "EncryptedAttribute") {
            note_encrypted(element, notes);
        }
        for element in children(statement, "Attribute") {
            let Some(name) = attribute(element, "Name") else {
                continue;
            };
            attributes
                .entry(name)
                .or_default()
                .extend(children(element, "AttributeValue").map(text));
        }
    }
    if let Some(encrypted_id) = subject.and_then(|subject| child(subject, "EncryptedID")) {
        note_encrypted(encrypted_id, notes);
    }
    let aws = AwsAttributes::from_attributes(&attributes, notes);

    Ok(Assertion {
        issuer: child(node, "Issuer").map(text),
        issue_instant: time(node, "IssueInstant", "Assertion IssueInstant")?,
        name_id,
        subject_confirmations,
        conditions,
        authn_statement,
        attributes,
        aws,
    })
}

fn note_encrypted(node: Node<'_, '_>, notes: &mut Vec<ParseNote>) {
    let note = ParseNote::EncryptedElement {
        element: node.tag_name().name().to_owned(),
    };
    if !notes.contains(&note) {
        notes.push(note);
    }
}

/// An `xs:dateTime` attribute; present but unparseable is an error naming `field`.
fn time(
    node: Node<'_, '_>,
    name: &'static str,
    field: &'static str,
) -> Result<Option<Timestamp>, SamlError> {
    attribute(node, name)
        .map(|value| {
            Timestamp::parse_xs_datetime(&value).ok_or_else(|| SamlError::InvalidTimestamp {
                field,
                value: excerpt(&value),
            })
        })
        .transpose()
}
