//! How awsfed writes a line for people: `error: …`, `warning: …`, `note: …` and `hint: …`, on
//! stderr (stdout carries only the data a pipe wants). Every such line is made here, so that each
//! command's read the same. No colour: the text is the same on a terminal, in a pipe and in
//! snapshots.

use std::fmt;
use std::io::Write;

/// What a line is, by the word it starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The command failed; the exit code says how.
    Error,
    /// The command goes on, but the user should look.
    Warning,
    /// Something the command did or skipped that the user may not expect.
    Note,
    /// How to fix what the line before says; it follows an error or a warning.
    Hint,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
            Level::Hint => "hint",
        }
    }
}

/// `LEVEL: text`, without a newline (a message may go on over several lines).
pub fn prefixed(level: Level, text: impl fmt::Display) -> String {
    format!("{}: {text}", level.word())
}

/// `LEVEL: text` and a newline.
pub fn line(level: Level, text: impl fmt::Display) -> String {
    let mut line = prefixed(level, text);
    line.push('\n');
    line
}

/// Writes [`line`] to stderr. A stderr that cannot be written to is ignored: there is nowhere
/// else to say so.
pub fn print(level: Level, text: impl fmt::Display) {
    let _ = std::io::stderr()
        .lock()
        .write_all(line(level, text).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_starts_with_its_level() {
        assert_eq!(line(Level::Error, "no model"), "error: no model\n");
        assert_eq!(prefixed(Level::Warning, 3), "warning: 3");
        assert_eq!(line(Level::Note, "kept"), "note: kept\n");
        assert_eq!(line(Level::Hint, "pass --force"), "hint: pass --force\n");
    }
}
