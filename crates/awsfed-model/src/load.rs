//! Reading the model text: size and depth limits, UTF-8, YAML syntax and shape. The caller reads the
//! file (this crate does no I/O) and hands over its bytes.

use serde_saphyr::options::DuplicateKeyPolicy;

use crate::message::ReadingMessage;
use crate::raw::RawModel;
use crate::{Diagnostic, Span};

/// Largest model accepted. A 5,000-account model with tags is about 1 MiB; anything far larger is a
/// mistake (or hostile) and is refused before it is parsed.
pub const MAX_MODEL_BYTES: usize = 32 * 1024 * 1024;

/// Deepest nesting accepted. The schema is less than ten levels deep; the limit stops a crafted
/// document from exhausting the stack.
pub const MAX_DEPTH: usize = 64;

/// Checks size and encoding. A model that is not UTF-8 is pointed at the first bad byte.
pub fn decode(bytes: &[u8]) -> Result<&str, Diagnostic> {
    if bytes.len() > MAX_MODEL_BYTES {
        return Err(too_large(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        Diagnostic::of(&ReadingMessage::NotUtf8 {
            byte: bytes[e.valid_up_to()],
        })
        .at(Span {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset: e.valid_up_to(),
            len: 1,
        })
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

pub fn too_large(len: usize) -> Diagnostic {
    Diagnostic::of(&ReadingMessage::ModelTooLarge { len })
}

/// Parses the YAML into the raw model. Syntax errors, unknown keys, duplicate keys and wrong types
/// come back as one diagnostic at the place the parser stopped.
pub fn parse(text: &str) -> Result<RawModel, Diagnostic> {
    if text.len() > MAX_MODEL_BYTES {
        return Err(too_large(text.len()));
    }
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_documents: 1,
            max_aliases: 1_000,
            max_anchors: 1_000,
        },
        duplicate_keys: DuplicateKeyPolicy::Error,
    };
    serde_saphyr::from_str_with_options::<RawModel>(text, options).map_err(|e| yaml_error(text, &e))
}

fn yaml_error(text: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let full = error.without_snippet().to_string();
    // The parser appends its own "at line L, column C"; the diagnostic carries the position itself.
    let message = match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_owned(),
        None => full,
    };
    let diagnostic = Diagnostic::of(&explain(&message));
    match error.location() {
        Some(location) => {
            let mut span = Span::from_location(location);
            if span.offset == 0 && span.line > 1 {
                span.offset = offset_of(text, span.line, span.column);
            }
            diagnostic.at(span)
        }
        None => diagnostic,
    }
}

/// Turns the parser's wording into awsfed's: what went wrong, with a stable code and how to fix it.
fn explain(message: &str) -> ReadingMessage {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let expected = rest
            .split_once(", expected ")
            .map(|(_, expected)| expected.to_owned());
        let field = rest.split(',').next().unwrap_or(rest).to_owned();
        return ReadingMessage::UnknownKey { field, expected };
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest)
            .to_owned();
        return ReadingMessage::DuplicateKey { key };
    }
    let parser = message.to_owned();
    if message.starts_with("missing field ") {
        return ReadingMessage::MissingKey { parser };
    }
    if message.contains("budget") || message.contains("depth") {
        return ReadingMessage::YamlLimit { parser };
    }
    ReadingMessage::Yaml { parser }
}

fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1) as usize)
                    .map_or(l.len(), |(o, _)| o);
        }
        offset += l.len();
    }
    text.len()
}
