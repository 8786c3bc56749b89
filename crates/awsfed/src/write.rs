//! `--out DIR` folders and single output files, through awsfed-files: a folder holding anything
//! awsfed did not write is refused (exit 2) unless `--force`, and nothing but awsfed's own files is
//! ever deleted; a failure leaves the old folder or file and nothing beside it.

use std::path::Path;

pub use awsfed_files::OutputFile;
use awsfed_files::WriteError;

use crate::error::CommandError;
use awsfed_files::message::{self, Level};

pub fn write_folder(out: &Path, files: &[OutputFile], force: bool) -> Result<(), CommandError> {
    let written = awsfed_files::write_folder(out, files, force).map_err(write_error)?;
    if !written.kept.is_empty() {
        message::print(
            Level::Note,
            format_args!(
                "kept {} file(s) in {} that awsfed did not write",
                written.kept.len(),
                out.display()
            ),
        );
    }
    Ok(())
}

/// Replaces one file atomically (through a symlink to its target).
pub fn write_file(path: &Path, contents: &str) -> Result<(), CommandError> {
    awsfed_files::replace_file(path, contents.as_bytes(), 0o644)
        .map(drop)
        .map_err(write_error)
}

fn write_error(error: WriteError) -> CommandError {
    match &error {
        WriteError::Foreign { .. } => CommandError::bad_input(error.to_string()).hint(
            "name a new or empty folder, or pass --force to write awsfed's files beside them (awsfed never deletes a file it did not write)",
        ),
        _ if error.is_bad_input() => CommandError::bad_input(error.to_string()),
        _ => CommandError::failed(error.to_string())
            .hint("check the folder's permissions and free space; nothing was changed"),
    }
}
