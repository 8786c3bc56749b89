//! Things the parser tolerated or noticed, for `inspect` to show.

use serde::Serialize;

/// A remark about the input that is not an error.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ParseNote {
    /// A namespace prefix was used without being declared (real ADFS output does this with
    /// `saml2:`); it was bound to a placeholder namespace so the rest could be read.
    UndeclaredPrefix {
        /// The prefix.
        prefix: String,
    },
    /// The Response was wrapped in a SOAP envelope (the ECP profile).
    SoapEnvelope,
    /// An ARN in a Role value has an account id that is not 12 digits.
    AccountIdNotTwelveDigits {
        /// The ARN.
        arn: String,
    },
    /// An AWS attribute that takes one value had several; the first is used.
    ExtraValuesIgnored {
        /// The attribute name.
        attribute: String,
    },
    /// Encrypted parts (EncryptedAttribute, EncryptedID) that cannot be read.
    EncryptedElement {
        /// The element's local name.
        element: String,
    },
    /// A Role value ends with a comma (Google Workspace has been seen doing this); AWS and awsfed
    /// read the pair without it.
    TrailingComma {
        /// The value as sent.
        value: String,
    },
    /// The Response element is in no XML namespace (PingFederate output in the wild); SAML core
    /// puts it in `urn:oasis:names:tc:SAML:2.0:protocol`. Elements are read by local name.
    MissingNamespace {
        /// The element's local name.
        element: String,
    },
}

impl std::fmt::Display for ParseNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UndeclaredPrefix { prefix } => write!(
                f,
                "the namespace prefix `{prefix}:` is used but never declared; it was read as a placeholder namespace"
            ),
            Self::SoapEnvelope => write!(
                f,
                "the Response is wrapped in a SOAP envelope (the ECP profile); the Response inside it was read"
            ),
            Self::AccountIdNotTwelveDigits { arn } => write!(
                f,
                "the account id in `{arn}` is not 12 digits (a spreadsheet or YAML may have dropped leading zeros); STS will refuse it"
            ),
            Self::ExtraValuesIgnored { attribute } => write!(
                f,
                "the attribute `{attribute}` has several values; only the first is used"
            ),
            Self::EncryptedElement { element } => {
                write!(f, "an encrypted `{element}` cannot be read here")
            }
            Self::TrailingComma { value } => write!(
                f,
                "the Role value `{value}` ends with a comma; it was read without it"
            ),
            Self::MissingNamespace { element } => write!(
                f,
                "the `{element}` element is in no XML namespace (SAML puts it in urn:oasis:names:tc:SAML:2.0:protocol); it was read by its name"
            ),
        }
    }
}
