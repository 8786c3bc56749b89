//! Text awsfed did not write itself (a SAML assertion, a file someone sent, an answer from AWS)
//! printed on a terminal. Control characters could move the cursor, forge a line (`&#10;NameID:
//! alice@corp.example` inside a NameID) or, as C1 `U+009B` (CSI), start an escape sequence; the
//! bidirectional controls reorder what is shown (Trojan Source, CVE-2021-42574). Every printer of
//! such text goes through [`escape`], which shows each of them as a Rust-style escape instead.

use std::borrow::Cow;

/// The most characters of one line of a file a message quotes, on each side of the place it points
/// at: a 22.9 MB line is not echoed, a long flow-style list still is.
pub const EXCERPT_CHARS: usize = 1_000;

/// `text` with every C0 and C1 control, DEL and bidirectional control shown as an escape (`\n`,
/// `\u{9b}`, `\u{202e}`); anything else unchanged.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// C0 controls, DEL, C1 controls; the bidi embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and marks (U+200E, U+200F, U+061C).
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
        )
}

/// Escapes the characters that [`escape`] does as `\uXXXX` inside JSON text (which is the same
/// JSON value): serde_json writes C1 and bidi controls raw, and JSON output is read on terminals too.
pub fn escape_json(json: String) -> String {
    if !json.chars().any(needs_escape_in_json) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape_in_json(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Outside strings JSON has only ASCII whitespace, which serde_json writes and is not touched.
fn needs_escape_in_json(c: char) -> bool {
    needs_escape(c) && !matches!(c, '\n' | '\r' | '\t' | ' ')
}

/// A message cut to at most `max` characters, saying how many were left out.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let left = text[cut..].chars().count();
            Cow::Owned(format!("{}… ({left} more characters)", &text[..cut]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_and_other_text_kept() {
        assert_eq!(escape("alice@corp.example"), "alice@corp.example");
        assert_eq!(escape("Zoë 😀 ü"), "Zoë 😀 ü");
        assert_eq!(
            escape("a\nNameID: b\r\u{1b}[2J\u{7f}\u{9b}31m\u{202e}cba\u{2066}\u{200f}"),
            "a\\nNameID: b\\r\\u{1b}[2J\\u{7f}\\u{9b}31m\\u{202e}cba\\u{2066}\\u{200f}"
        );
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_controls() {
        let value = serde_json::json!({ "name": "a\u{9b}b\u{202e}c\n" });
        let escaped = escape_json(serde_json::to_string_pretty(&value).unwrap());
        assert!(
            !escaped.chars().any(|c| c == '\u{9b}' || c == '\u{202e}'),
            "{escaped}"
        );
        assert!(
            escaped.contains("\\u009b") && escaped.contains("\\u202e"),
            "{escaped}"
        );
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn long_text_is_shortened_on_a_character_boundary() {
        assert_eq!(shorten("ééé", 3), "ééé");
        assert_eq!(shorten("éééé", 2), "éé… (2 more characters)");
    }
}
