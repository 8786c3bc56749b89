//! roxmltree with the guards untrusted SAML needs.
//!
//! * DTDs: roxmltree refuses a DTD with an internal subset but lets `<!DOCTYPE x>` through,
//!   so the prolog is scanned first and any DOCTYPE is refused.
//! * Size: roxmltree's `nodes_limit`; depth: checked by a walk right after parsing, since
//!   roxmltree has no depth knob (its parser is iterative, so depth cannot overflow the stack
//!   while parsing; the walk keeps the crate's own code from meeting unbounded depth).
//! * Undeclared prefixes: real ADFS output (saml2aws `testdata/assertion.xml`) uses `saml2:`
//!   without declaring it, which namespace-aware parsers refuse. Since elements are matched
//!   by local name only, the prefix is bound to a placeholder namespace on the root element
//!   and the text parsed again; the caller records a [`ParseNote::UndeclaredPrefix`].
//! * Two documents back to back: reported as [`SamlError::TrailingContent`], not as a vague
//!   syntax error.

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::{SamlError, excerpt};
use crate::limits::Limits;
use crate::parse_note::ParseNote;

/// At most this many undeclared prefixes are patched; more means the input is not an IdP's.
const MAX_UNDECLARED_PREFIXES: usize = 8;

/// Parses `text` and hands the root element to `read`, with notes about what was tolerated.
pub(crate) fn with_document<T>(
    text: &str,
    limits: &Limits,
    read: impl FnOnce(Node<'_, '_>, Vec<ParseNote>) -> Result<T, SamlError>,
) -> Result<T, SamlError> {
    let root_start = prolog_end(text)?;
    check_attribute_counts(text, limits.max_attributes_per_element)?;
    let mut patched: Option<String> = None;
    let mut notes = Vec::new();
    loop {
        let current = patched.as_deref().unwrap_or(text);
        match parse_text(current, limits) {
            Ok(document) => {
                check_depth(&document, limits.max_depth)?;
                return read(document.root_element(), notes);
            }
            Err(roxmltree::Error::UnknownNamespace(prefix, _))
                if notes.len() < MAX_UNDECLARED_PREFIXES =>
            {
                let next = declare_on_root(current, root_start, &prefix);
                notes.push(ParseNote::UndeclaredPrefix { prefix });
                patched = Some(next);
            }
            Err(error) => return Err(map_error(current, error, limits)),
        }
    }
}

fn parse_text<'input>(
    text: &'input str,
    limits: &Limits,
) -> Result<Document<'input>, roxmltree::Error> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: limits.max_nodes,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
}

fn map_error(text: &str, error: roxmltree::Error, limits: &Limits) -> SamlError {
    match error {
        roxmltree::Error::DtdDetected => SamlError::DoctypeRejected,
        roxmltree::Error::NodesLimitReached => SamlError::TooManyNodes {
            limit: limits.max_nodes,
        },
        other => {
            let pos = other.pos();
            // If everything before the error is a complete document, the error is trailing
            // content: a second document, as in a value captured twice.
            let offset = byte_offset(text, pos.row, pos.col);
            if other != roxmltree::Error::UnexpectedEndOfStream
                && offset > 0
                && parse_text(&text[..offset], limits).is_ok()
            {
                return SamlError::TrailingContent {
                    line: pos.row,
                    column: pos.col,
                };
            }
            SamlError::MalformedXml {
                line: pos.row,
                column: pos.col,
                message: excerpt(&other.to_string()),
            }
        }
    }
}

/// Byte offset of a 1-based (row, column-in-chars) position, clamped to the text.
fn byte_offset(text: &str, row: u32, col: u32) -> usize {
    let mut line_start = 0;
    for _ in 1..row {
        match text[line_start..].find('\n') {
            Some(newline) => line_start += newline + 1,
            None => return text.len(),
        }
    }
    let col_chars = usize::try_from(col.saturating_sub(1)).unwrap_or(usize::MAX);
    text[line_start..]
        .char_indices()
        .nth(col_chars)
        .map_or(text.len(), |(index, _)| line_start + index)
}

/// Skips the XML declaration, processing instructions, comments and whitespace; returns the
/// offset of the root element's `<`. Refuses any DOCTYPE.
fn prolog_end(text: &str) -> Result<usize, SamlError> {
    let mut offset = 0;
    loop {
        let rest = &text[offset..];
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        if trimmed.starts_with("<?") {
            offset += trimmed.find("?>").map_or(trimmed.len(), |end| end + 2);
        } else if trimmed.starts_with("<!--") {
            offset += trimmed.find("-->").map_or(trimmed.len(), |end| end + 3);
        } else if trimmed.starts_with("<!DOCTYPE") || trimmed.starts_with("<!doctype") {
            return Err(SamlError::DoctypeRejected);
        } else {
            // The root element, or something roxmltree will describe better than we can.
            return Ok(offset);
        }
    }
}

/// Inserts `xmlns:prefix="…"` after the root element's name.
fn declare_on_root(text: &str, root_start: usize, prefix: &str) -> String {
    let name_end = text[root_start..]
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .map_or(text.len(), |end| root_start + end);
    // roxmltree only reports prefixes that parsed as XML names, so no quoting is needed.
    format!(
        "{} xmlns:{prefix}=\"urn:awsfed:undeclared-prefix:{prefix}\"{}",
        &text[..name_end],
        &text[name_end..]
    )
}

/// Counts `=` at tag level in each start tag, skipping quoted values, comments, CDATA and
/// processing instructions: linear, and an upper bound of the attribute count.
fn check_attribute_counts(text: &str, limit: usize) -> Result<(), SamlError> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while let Some(offset) = bytes[index..].iter().position(|&b| b == b'<') {
        index += offset;
        let rest = &bytes[index..];
        let skip_to = |end: &[u8]| {
            rest.windows(end.len())
                .position(|window| window == end)
                .map_or(bytes.len(), |at| index + at + end.len())
        };
        if rest.starts_with(b"<!--") {
            index = skip_to(b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            index = skip_to(b"]]>");
        } else if rest.starts_with(b"<?") {
            index = skip_to(b"?>");
        } else {
            let mut count = 0;
            let mut quote: Option<u8> = None;
            index += 1;
            while let Some(&byte) = bytes.get(index) {
                match (quote, byte) {
                    (Some(open), _) if byte == open => quote = None,
                    (Some(_), _) => {}
                    (None, b'"' | b'\'') => quote = Some(byte),
                    (None, b'=') => {
                        count += 1;
                        if count > limit {
                            return Err(SamlError::TooManyAttributes { limit });
                        }
                    }
                    (None, b'>' | b'<') => break,
                    (None, _) => {}
                }
                index += 1;
            }
        }
    }
    Ok(())
}

fn check_depth(document: &Document<'_>, max_depth: usize) -> Result<(), SamlError> {
    // Descendants come in document order, so a parent's depth is known before its
    // children's; node ids index a flat table (no recursion, linear time).
    let mut depths: Vec<usize> = Vec::new();
    for node in document.root().descendants() {
        let depth = node
            .parent()
            .and_then(|parent| depths.get(parent.id().get_usize()).copied())
            .map_or(0, |parent_depth| {
                parent_depth + usize::from(node.is_element())
            });
        if depth > max_depth {
            return Err(SamlError::TooDeep { limit: max_depth });
        }
        let index = node.id().get_usize();
        if depths.len() <= index {
            depths.resize(index + 1, 0);
        }
        depths[index] = depth;
    }
    Ok(())
}

/// Element children of `node` with local name `name`, in any namespace (or none).
pub(crate) fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |child| child.is_element() && child.tag_name().name() == name)
}

/// The first element child of `node` with local name `name`.
pub(crate) fn child<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> Option<Node<'a, 'input>> {
    children(node, name).next()
}

/// All text under `node`, trimmed: IdPs pretty-print values with newlines and tabs inside.
pub(crate) fn text(node: Node<'_, '_>) -> String {
    let mut text = String::new();
    for descendant in node.descendants() {
        if let Some(part) = descendant.is_text().then(|| descendant.text()).flatten() {
            text.push_str(part);
        }
    }
    text.trim().to_owned()
}

/// An unqualified attribute, trimmed.
pub(crate) fn attribute(node: Node<'_, '_>, name: &'static str) -> Option<String> {
    node.attribute(name).map(|value| value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(String, Vec<ParseNote>), SamlError> {
        with_document(text, &Limits::default(), |root, notes| {
            Ok((root.tag_name().name().to_owned(), notes))
        })
    }

    #[test]
    fn doctype_is_refused_even_without_internal_subset() {
        assert_eq!(parse("<!DOCTYPE r><r/>"), Err(SamlError::DoctypeRejected));
        assert_eq!(
            parse("<?xml version=\"1.0\"?>\n<!-- c --><!DOCTYPE r [<!ENTITY a \"b\">]><r>&a;</r>"),
            Err(SamlError::DoctypeRejected)
        );
    }

    #[test]
    fn undeclared_prefix_is_tolerated() {
        let (root, notes) = parse("<a:r><b:x c:y=\"1\"/></a:r>").unwrap();
        assert_eq!(root, "r");
        assert_eq!(notes.len(), 3);
    }

    #[test]
    fn trailing_document() {
        assert_eq!(
            parse("<r/><r/>"),
            Err(SamlError::TrailingContent { line: 1, column: 5 })
        );
        assert!(matches!(parse("<r>"), Err(SamlError::MalformedXml { .. })));
    }

    #[test]
    fn limits() {
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(parse(&deep), Err(SamlError::TooDeep { limit: 64 }));
        let wide = format!("<a>{}</a>", "<b/>".repeat(60_000));
        assert_eq!(parse(&wide), Err(SamlError::TooManyNodes { limit: 50_000 }));
        let attributes: String = (0..65).map(|i| format!(" a{i}='='")).collect();
        assert_eq!(
            parse(&format!("<r{attributes}/>")),
            Err(SamlError::TooManyAttributes { limit: 64 })
        );
        let fine: String = (0..64).map(|i| format!(" a{i}=\"=\"")).collect();
        assert!(parse(&format!("<!-- = = --><r{fine}><![CDATA[<x a=1 b=2>]]></r>")).is_ok());
    }
}
