//! Reading the model text: size and depth limits, UTF-8, YAML syntax and shape. The caller reads the
//! file (this crate does no I/O) and hands over its bytes.

use serde_saphyr::options::DuplicateKeyPolicy;

use crate::raw::RawModel;
use crate::{Code, Diagnostic, Span};

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
        Diagnostic::error(
            Code::NotUtf8,
            format!(
                "the model is not UTF-8 text: invalid byte 0x{:02x}",
                bytes[e.valid_up_to()]
            ),
        )
        .at(Span {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset: e.valid_up_to(),
            len: 1,
        })
        .help("save the file as UTF-8")
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

pub fn too_large(len: usize) -> Diagnostic {
    Diagnostic::error(
        Code::ModelTooLarge,
        format!(
            "the model is {len} bytes; the limit is {MAX_MODEL_BYTES} bytes ({} MiB)",
            MAX_MODEL_BYTES / 1024 / 1024
        ),
    )
    .help("check that -c names the model file and not something else")
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
    let (code, message, help) = explain(&message);
    let mut diagnostic = Diagnostic::error(code, message);
    if let Some(help) = help {
        diagnostic = diagnostic.help(help);
    }
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

/// Turns the parser's wording into awsfed's: a stable code, a message, and how to fix it.
fn explain(message: &str) -> (Code, String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let help = rest
            .split_once(", expected ")
            .map(|(_, expected)| format!("expected {expected}; check the spelling"));
        let field = rest.split(',').next().unwrap_or(rest);
        return (Code::UnknownKey, format!("unknown key {field}"), help);
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return (
            Code::DuplicateKey,
            format!("`{key}` is defined twice"),
            Some("each name may appear once; merge the two entries or rename one".to_owned()),
        );
    }
    if message.starts_with("missing field ") {
        return (
            Code::MissingKey,
            message.replace("missing field", "missing key"),
            Some("add the key; see `awsfed.schema.json` for the model format".to_owned()),
        );
    }
    if message.contains("budget") || message.contains("depth") {
        return (
            Code::YamlLimit,
            message.to_owned(),
            Some(format!(
                "the model may nest at most {MAX_DEPTH} levels and use at most 1,000 anchors and aliases"
            )),
        );
    }
    (Code::Yaml, message.to_owned(), None)
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
