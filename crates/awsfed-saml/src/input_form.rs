//! How the caller's input was encoded, reported so `inspect` can explain what it undid.

use serde::Serialize;

/// The outer encoding of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputEncoding {
    /// The XML itself (starts with `<` after an optional BOM and whitespace).
    RawXml,
    /// Standard base64 (`+`, `/`), as the HTTP-POST binding sends it.
    Base64,
    /// URL-safe base64 (`-`, `_`), as some tools and copy paths produce.
    Base64Url,
}

/// What the decoder had to undo to reach the XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InputForm {
    /// The outer encoding.
    pub encoding: InputEncoding,
    /// The value was percent-encoded (`%2B`, `%3D`), as copied from a raw form body or URL.
    pub percent_encoded: bool,
    /// Whitespace (line wrapping, indentation) was removed from the base64.
    pub whitespace_removed: bool,
    /// The base64 lacked its `=` padding.
    pub padding_missing: bool,
    /// Spaces were read back as `+`: the value had been form-decoded once too often,
    /// which turns every `+` of the base64 into a space.
    pub spaces_read_as_plus: bool,
}

impl InputForm {
    pub(crate) fn raw_xml() -> Self {
        Self {
            encoding: InputEncoding::RawXml,
            percent_encoded: false,
            whitespace_removed: false,
            padding_missing: false,
            spaces_read_as_plus: false,
        }
    }
}
