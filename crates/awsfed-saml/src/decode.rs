//! Turning what the user pasted into the XML text and the base64 STS wants.
//!
//! The HTTP-POST binding (SAML bindings §3.5) sends `SAMLResponse` as standard base64 in a
//! form field. Users meet it in several damaged forms, all accepted here:
//!
//! * wrapped at 64 or 76 columns, indented, with CRLF line ends: whitespace is dropped;
//! * without `=` padding (Okta Identity Engine pages): padding is not required;
//! * percent-encoded (`%2B`, `%3D`), as copied out of a raw form body or a URL;
//! * URL-safe base64 (`-`, `_`);
//! * the XML itself.
//!
//! `+` is **not** turned into a space: `+` is a base64 digit, and the `+`-means-space rule
//! of `application/x-www-form-urlencoded` applies to the form body, which the browser or
//! the IdP page has already undone. When a value was form-decoded once too often every `+`
//! has become a space; the decoder notices (the first try yields no XML), reads the spaces
//! back as `+` and says so in [`InputForm::spaces_read_as_plus`].
//!
//! AssumeRoleWithSAML takes "the base64 encoded SAML authentication response" (STS API
//! reference, `SAMLAssertion`), so the decoded bytes are re-encoded as standard padded
//! base64: that is [`DecodedResponse::canonical_base64`]. The bytes are kept exactly as the
//! IdP produced them, so the XML signature STS verifies is untouched.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

use crate::error::{SamlError, excerpt};
use crate::input_form::{InputEncoding, InputForm};
use crate::limits::Limits;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

const LENIENT_CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT_CONFIG);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT_CONFIG);

/// The XML of a SAML Response and its canonical base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedResponse {
    /// The XML text, without BOM or leading whitespace.
    pub xml: String,
    /// Standard, padded base64 of the exact decoded bytes: the `SAMLAssertion` for STS.
    pub canonical_base64: String,
    /// What the decoder undid.
    pub form: InputForm,
}

/// Decodes a `SAMLResponse` value (or raw XML) into XML text. See the module docs for the
/// accepted forms.
pub fn decode_saml_response(input: &[u8], limits: &Limits) -> Result<DecodedResponse, SamlError> {
    if input.len() > limits.max_input_bytes {
        return Err(SamlError::InputTooLarge {
            size: input.len(),
            limit: limits.max_input_bytes,
        });
    }
    let trimmed = trim_bom_and_whitespace(input);
    if trimmed.is_empty() {
        return Err(SamlError::EmptyInput);
    }
    if trimmed.starts_with(b"\xFF\xFE") || trimmed.starts_with(b"\xFE\xFF") {
        return Err(SamlError::NotUtf8);
    }
    if trimmed[0] == b'<' {
        return xml_result(trimmed.to_vec(), InputForm::raw_xml());
    }
    if let Some(position) = trimmed.iter().position(|b| !b.is_ascii()) {
        return Err(SamlError::InvalidBase64 {
            reason: format!("it contains a non-ASCII byte at offset {position}"),
        });
    }

    let percent_encoded = trimmed.contains(&b'%');
    let text: Vec<u8> = if percent_encoded {
        percent_encoding::percent_decode(trimmed).collect()
    } else {
        trimmed.to_vec()
    };
    let text = trim_bom_and_whitespace(&text);
    if text.first() == Some(&b'<') {
        // Percent-encoded XML, as found in a redirect URL or a raw form body.
        let mut form = InputForm::raw_xml();
        form.percent_encoded = true;
        return xml_result(text.to_vec(), form);
    }

    decode_base64(text, percent_encoded)
}

/// Decodes base64 (standard or URL-safe, wrapped, unpadded, or with `+` turned into spaces by a
/// form decoder) whose result must be the Response XML.
fn decode_base64(text: &[u8], percent_encoded: bool) -> Result<DecodedResponse, SamlError> {
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let url_safe = compact.iter().any(|b| matches!(b, b'-' | b'_'));
    let engine = if url_safe {
        &LENIENT_URL_SAFE
    } else {
        &LENIENT_STANDARD
    };
    let mut form = InputForm {
        encoding: if url_safe {
            InputEncoding::Base64Url
        } else {
            InputEncoding::Base64
        },
        percent_encoded,
        whitespace_removed: compact.len() != text.len(),
        padding_missing: !compact.len().is_multiple_of(4) && !compact.ends_with(b"="),
        spaces_read_as_plus: false,
    };

    // A `+` turned into a space by one form-decoding too many. Wrapped base64 never has a
    // space between two digits of one line, so such a space is read back as `+`, first when
    // it is the only sign of damage, and as a fallback when plain decoding yields no XML.
    let plus_repair = || -> Option<Vec<u8>> {
        if url_safe || compact.contains(&b'+') || !text.contains(&b' ') {
            return None;
        }
        let repaired: Vec<u8> = text
            .iter()
            .filter(|b| !matches!(b, b'\t' | b'\n' | b'\r' | b'\x0C'))
            .map(|&b| if b == b' ' { b'+' } else { b })
            .collect();
        let bytes = LENIENT_STANDARD.decode(&repaired).ok()?;
        looks_like_xml(&bytes).then_some(bytes)
    };
    let plus_repaired = |form: &mut InputForm| {
        let bytes = plus_repair()?;
        let digits = text
            .iter()
            .filter(|b| !b.is_ascii_whitespace() || **b == b' ')
            .count();
        form.spaces_read_as_plus = true;
        form.whitespace_removed = digits != text.len();
        form.padding_missing = !digits.is_multiple_of(4) && !text.ends_with(b"=");
        Some(bytes)
    };
    if has_space_inside_a_line(text)
        && let Some(bytes) = plus_repaired(&mut form)
    {
        return xml_result(bytes, form);
    }
    let first_try = engine.decode(&compact);
    if let Ok(bytes) = &first_try
        && looks_like_xml(bytes)
    {
        return xml_result(first_try.unwrap_or_default(), form);
    }
    if let Some(bytes) = plus_repaired(&mut form) {
        return xml_result(bytes, form);
    }

    match first_try {
        Err(error) => Err(SamlError::InvalidBase64 {
            reason: error.to_string(),
        }),
        Ok(bytes) if trim_bom_and_whitespace(&bytes).first() == Some(&b'<') => {
            Err(SamlError::NotUtf8)
        }
        Ok(bytes) => Err(SamlError::DecodedNotXml {
            first_bytes: excerpt(&String::from_utf8_lossy(&bytes[..bytes.len().min(16)])),
        }),
    }
}

fn xml_result(bytes: Vec<u8>, form: InputForm) -> Result<DecodedResponse, SamlError> {
    let canonical_base64 = STANDARD.encode(&bytes);
    let text = trim_bom_and_whitespace(&bytes);
    if text.starts_with(b"\xFF\xFE") || text.starts_with(b"\xFE\xFF") {
        return Err(SamlError::NotUtf8);
    }
    let xml = std::str::from_utf8(text)
        .map_err(|_| SamlError::NotUtf8)?
        .to_owned();
    Ok(DecodedResponse {
        xml,
        canonical_base64,
        form,
    })
}

/// A run of spaces with a non-blank byte on each side (`++` becomes two spaces).
fn has_space_inside_a_line(text: &[u8]) -> bool {
    text.split(|b| matches!(b, b'\n' | b'\r'))
        .any(|line| line.trim_ascii().contains(&b' '))
}

/// UTF-8 XML, or UTF-16 text (a BOM) that [`xml_result`] then refuses with a clear error.
/// Requiring valid UTF-8 lets a wrong reading of damaged base64 fall through to the next.
fn looks_like_xml(bytes: &[u8]) -> bool {
    let text = trim_bom_and_whitespace(bytes);
    (text.first() == Some(&b'<') && std::str::from_utf8(text).is_ok())
        || text.starts_with(b"\xFF\xFE")
        || text.starts_with(b"\xFE\xFF")
}

fn trim_bom_and_whitespace(bytes: &[u8]) -> &[u8] {
    let mut bytes = bytes.trim_ascii_start();
    while let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        bytes = rest.trim_ascii_start();
    }
    bytes.trim_ascii_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";

    fn decode(input: &str) -> Result<DecodedResponse, SamlError> {
        decode_saml_response(input.as_bytes(), &Limits::default())
    }

    #[test]
    fn raw_xml_with_bom_and_whitespace() {
        let decoded = decode(&format!("\u{feff}\n  {XML}\n")).unwrap();
        assert_eq!(decoded.xml, XML);
        assert_eq!(decoded.form, InputForm::raw_xml());
        assert_eq!(decoded.canonical_base64, STANDARD.encode(XML));
    }

    #[test]
    fn base64_forms() {
        let b64 = STANDARD.encode(XML);
        let unpadded = b64.trim_end_matches('=');
        assert_ne!(unpadded, b64, "the sample must need padding for this test");
        let wrapped: String = b64
            .as_bytes()
            .chunks(10)
            .map(|c| format!("  {}\r\n", std::str::from_utf8(c).unwrap()))
            .collect();
        let percent = b64
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        for input in [b64.clone(), unpadded.to_owned(), wrapped, percent] {
            let decoded = decode(&input).unwrap();
            assert_eq!(decoded.xml, XML, "{input}");
            assert_eq!(decoded.canonical_base64, b64, "{input}");
        }
        assert!(decode(unpadded).unwrap().form.padding_missing);
        assert!(
            decode(&b64.replace('=', "%3D"))
                .unwrap()
                .form
                .percent_encoded
        );
    }

    #[test]
    fn plus_turned_into_space_is_repaired() {
        // Find an XML whose base64 has a `+` well inside it.
        let xml = "<r>\u{fb}\u{ef}\u{be}</r>";
        let b64 = STANDARD.encode(xml);
        assert!(b64[2..b64.len() - 2].contains('+'), "{b64}");
        let decoded = decode(&b64.replace('+', " ")).unwrap();
        assert_eq!(decoded.xml, xml);
        assert_eq!(decoded.canonical_base64, b64);
        assert!(decoded.form.spaces_read_as_plus);
    }

    #[test]
    fn errors() {
        assert_eq!(decode("  \n"), Err(SamlError::EmptyInput));
        assert!(matches!(
            decode("not base64 at all!"),
            Err(SamlError::InvalidBase64 { .. })
        ));
        assert!(matches!(
            decode(&STANDARD.encode("hello world")),
            Err(SamlError::DecodedNotXml { .. })
        ));
        assert!(matches!(
            decode("Zm9v\u{e9}"),
            Err(SamlError::InvalidBase64 { .. })
        ));
        let limits = Limits {
            max_input_bytes: 8,
            ..Limits::default()
        };
        assert_eq!(
            decode_saml_response(XML.as_bytes(), &limits),
            Err(SamlError::InputTooLarge {
                size: XML.len(),
                limit: 8
            })
        );
        assert_eq!(
            decode_saml_response(b"\xFF\xFE<\x00", &Limits::default()),
            Err(SamlError::NotUtf8)
        );
    }
}
