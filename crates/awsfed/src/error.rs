use std::fmt::Write;
use std::process::ExitCode;

/// The most characters of one line of an error message.
const MAX_LINE_CHARS: usize = 4_000;

/// Why a command failed, and which exit code that means.
#[derive(Debug)]
pub struct CommandError {
    pub kind: ErrorKind,
    /// Already rendered (diagnostics render themselves with their snippets).
    pub message: String,
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Exit 2: the model, a file or the arguments are wrong.
    BadInput,
    /// Exit 1: the input is fine but the result needs the user's action.
    Failed,
}

impl CommandError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::BadInput,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Failed,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn render(&self) -> String {
        // A message may quote its input (a serde error names an unknown field); no line of it
        // echoes megabytes of a file.
        let mut out: String = self
            .message
            .split_inclusive('\n')
            .map(|line| match line.strip_suffix('\n') {
                Some(line) => format!(
                    "{}\n",
                    awsfed_files::terminal::shorten(line, MAX_LINE_CHARS)
                ),
                None => awsfed_files::terminal::shorten(line, MAX_LINE_CHARS).into_owned(),
            })
            .collect();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        for hint in &self.hints {
            let _ = writeln!(out, "hint: {hint}");
        }
        out
    }

    pub fn exit_code(&self) -> ExitCode {
        match self.kind {
            ErrorKind::BadInput => ExitCode::from(2),
            ErrorKind::Failed => ExitCode::from(1),
        }
    }
}
