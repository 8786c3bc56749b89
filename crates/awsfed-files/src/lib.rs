//! The user's files, handled so that awsfed never loses one and never reads without bound:
//!
//! - [`read_bytes`]/[`read_text`]: only regular files (a symlink to one is fine), at most a limit of
//!   bytes *read* — never trusting the size a file reports (`/dev/zero` reports 0).
//! - [`write_folder`]: an output folder awsfed owns, listed in a marker, replaced in one step; a
//!   folder holding anything else is refused unless forced, and even then nothing else is deleted.
//! - [`replace_file`]: one file replaced atomically, through a symlink to its target;
//!   [`replace_private_file`] for credentials (0600, a symlink replaced, not followed).
//! - Both first remove what a killed awsfed left beside their target, and only that.
//! - [`terminal::escape`]: text from outside shown on a terminal with its control and bidi
//!   characters as escapes; [`terminal::shorten`] for quoting at most a bounded excerpt.
//! - [`message`]: the `error:`/`warning:`/`note:`/`hint:` lines awsfed writes for people on stderr.

mod folder;
mod leftover;
mod marker;
pub mod message;
mod read;
mod replace;
mod staging;
pub mod terminal;

pub use folder::{OutputFile, Written, write_folder};
pub use marker::MARKER;
pub use read::{ReadError, StreamError, open_regular, read_bytes, read_stream, read_text};
pub use replace::{replace_file, replace_private_file};

/// How many entries a refusal names before it says how many more there are.
const SHOWN_ENTRIES: usize = 8;

/// Why a file or folder was not written. Nothing was changed unless the variant says so.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot {what} `{path}`: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("`{path}` is {kind}, not a folder; awsfed writes a folder of files there")]
    NotAFolder { path: String, kind: &'static str },
    #[error("`{path}` is {kind}, not a regular file awsfed can replace")]
    NotAFile { path: String, kind: &'static str },
    #[error("refusing to write `{0}` outside the output folder")]
    OutsideFolder(String),
    #[error("{}", foreign_message(folder, entries))]
    Foreign {
        folder: String,
        /// Sorted; a subfolder with nothing of awsfed's in it is one entry ending in `/`.
        entries: Vec<String>,
    },
}

impl WriteError {
    /// The folder holds files awsfed did not write, or the path is not a folder: the user must
    /// choose another (exit 2), as opposed to a failed write (exit 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Io { .. })
    }
}

fn foreign_message(folder: &str, entries: &[String]) -> String {
    let mut shown: Vec<String> = entries
        .iter()
        .take(SHOWN_ENTRIES)
        .map(|e| format!("`{e}`"))
        .collect();
    if entries.len() > SHOWN_ENTRIES {
        shown.push(format!("and {} more", entries.len() - SHOWN_ENTRIES));
    }
    format!(
        "`{folder}` holds {} awsfed did not write: {}; nothing was written",
        if entries.len() == 1 {
            "a file".to_owned()
        } else {
            format!("{} files", entries.len())
        },
        shown.join(", ")
    )
}
