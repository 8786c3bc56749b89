use std::process::ExitCode;

use awsfed_files::message::{Level, line, prefixed};

/// The most characters of one line of an error message.
const MAX_LINE_CHARS: usize = 4_000;

/// Why a command failed, and which exit code that means.
#[derive(Debug)]
pub struct CommandError {
    pub kind: ErrorKind,
    /// What went wrong, without the `error: ` its first line is given when printed; or, for
    /// diagnostics (which render themselves with their snippets), the whole rendered text.
    pub message: String,
    /// The message is rendered diagnostics, printed as it is.
    rendered: bool,
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
            rendered: false,
            hints: Vec::new(),
        }
    }

    /// Bad input told by diagnostics already rendered (`error[CODE]: …` with the lines they point
    /// at).
    pub fn diagnostics(rendered: String) -> Self {
        Self {
            rendered: true,
            ..Self::bad_input(rendered)
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Failed,
            message: message.into(),
            rendered: false,
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
        let message = if self.rendered {
            self.message.clone()
        } else {
            prefixed(Level::Error, &self.message)
        };
        let mut out: String = message
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
            out.push_str(&line(Level::Hint, hint));
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
