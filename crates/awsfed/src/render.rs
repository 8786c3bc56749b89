//! Diagnostics as people read them: severity, code, message, `FILE:LINE:COLUMN`, the offending line
//! with a marker under the value, and how to fix it. No colour, so output is the same on a terminal,
//! in a pipe and in snapshots.

use std::fmt::Write;
use std::path::Path;

use awsfed_model::{Diagnostic, Diagnostics, Severity};

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
        diagnostic.severity, diagnostic.code, diagnostic.message
    );
    if let Some(span) = diagnostic.span {
        let _ = writeln!(
            out,
            "  --> {}:{}:{}",
            path.display(),
            span.line,
            span.column
        );
        if let Some(line) = text.lines().nth(span.line as usize - 1) {
            let number = span.line.to_string();
            let pad = " ".repeat(number.len());
            let column = span.column.saturating_sub(1) as usize;
            let rest: String = line.chars().skip(column).collect();
            // Underline the value: its byte length when known, else up to the end of the word.
            let width = if span.len > 0 {
                rest.char_indices()
                    .take_while(|(i, _)| *i < span.len)
                    .count()
            } else {
                rest.chars()
                    .take_while(|c| !c.is_whitespace() && *c != ',' && *c != '}')
                    .count()
            }
            .max(1);
            let indent: String = line
                .chars()
                .take(column)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {line}");
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
