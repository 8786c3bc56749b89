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
}
