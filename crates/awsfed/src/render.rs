//! Diagnostics as people read them: severity, code, message, `FILE:LINE:COLUMN`, the offending line
//! with a marker under the value, and how to fix it. No colour, so output is the same on a terminal,
//! in a pipe and in snapshots.

use std::fmt::Write;
use std::path::Path;

use awsfed_files::terminal::{EXCERPT_CHARS, escape, shorten};
use awsfed_model::{Diagnostic, Diagnostics, Severity};

/// A message quoting a value from the model (an unknown name) says at most this much.
const MAX_MESSAGE_CHARS: usize = 1_000;

pub fn render_diagnostics(path: &Path, text: &str, diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    for diagnostic in &diagnostics.0 {
        out.push_str(&render_diagnostic(path, text, diagnostic));
    }
    out.push_str(&summary(diagnostics));
    out
}

pub fn summary(diagnostics: &Diagnostics) -> String {
    let errors = diagnostics.errors().count();
    let warnings = diagnostics.warnings().count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors + warnings == 0 {
        return String::new();
    }
    format!(
        "{}, {}\n",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

pub fn render_diagnostic(path: &Path, text: &str, diagnostic: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}[{}]: {}",
        diagnostic.severity,
        diagnostic.code,
        escape(&shorten(&diagnostic.message, MAX_MESSAGE_CHARS))
    );
    if let Some(span) = diagnostic.span {
        let _ = writeln!(
            out,
            "  --> {}:{}:{}",
            path.display(),
            span.line,
            span.column
        );
        if let Some(line) = text.lines().nth((span.line as usize).saturating_sub(1)) {
            let number = span.line.to_string();
            let pad = " ".repeat(number.len());
            let (shown, indent, width) =
                excerpt(line, span.column.saturating_sub(1) as usize, span.len);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {shown}");
            let _ = writeln!(out, "{pad} | {indent}{}", "^".repeat(width));
        }
    } else {
        let _ = writeln!(out, "  --> {}", path.display());
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "  = help: {help}");
    }
    if diagnostic.severity == Severity::Note {
        return out;
    }
    out.push('\n');
    out
}

/// The part of `line` shown under a diagnostic: at most [`EXCERPT_CHARS`] characters on each side of
/// the (character) `column`, cut ends marked `…`, control characters escaped; the indent and width
/// of the `^` marker under the value (its byte length `len` when known, else up to the end of the
/// word). Tabs stay tabs so the marker lines up.
fn excerpt(line: &str, column: usize, len: usize) -> (String, String, usize) {
    let start = column.saturating_sub(EXCERPT_CHARS);
    let before: String = line.chars().skip(start).take(column - start).collect();
    let rest: String = line.chars().skip(column).take(EXCERPT_CHARS + 1).collect();
    let width = if len > 0 {
        rest.char_indices().take_while(|(i, _)| *i < len).count()
    } else {
        rest.chars()
            .take_while(|c| !c.is_whitespace() && *c != ',' && *c != '}')
            .count()
    }
    .clamp(1, EXCERPT_CHARS);
    let after: String = rest.chars().take(EXCERPT_CHARS).collect();
    let (open, close) = (
        if start > 0 { "…" } else { "" },
        if rest.chars().count() > EXCERPT_CHARS {
            "…"
        } else {
            ""
        },
    );
    let keep_tabs = |text: &str| -> String {
        text.split('\t')
            .map(|part| escape(part).into_owned())
            .collect::<Vec<_>>()
            .join("\t")
    };
    let shown_before = format!("{open}{}", keep_tabs(&before));
    let shown_value: String = keep_tabs(&after.chars().take(width).collect::<String>());
    let indent: String = shown_before
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let shown = format!("{shown_before}{}{close}", keep_tabs(&after));
    (shown, indent, shown_value.chars().count().max(1))
}
