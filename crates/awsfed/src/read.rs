//! Every file a command reads goes through awsfed-files' bounded reader: regular files only (a
//! symlink to one is fine), and never more than a limit of bytes *read* (a device reports size 0).
//! The limits of the files the domain crates define live there; these are the command line's own.

use std::path::Path;

use awsfed_files::ReadError;

use crate::error::CommandError;

/// The client file of 5,000 accounts' targets is a few MB.
pub const MAX_CLIENT_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// `~/.aws/config` with awsfed's block for 5,000 targets is a few MB.
pub const MAX_AWS_CONFIG_BYTES: u64 = 64 * 1024 * 1024;
/// SAML metadata: IAM takes at most 10,000,000 characters, each at most 4 bytes.
pub const MAX_METADATA_BYTES: u64 = awsfed_model::metadata::MAX_METADATA_CHARS as u64 * 4;

/// Reads a text file of at most `limit` bytes; errors are bad input (exit 2) naming the file.
pub fn read_text(path: &Path, limit: u64) -> Result<String, CommandError> {
    awsfed_files::read_text(path, limit).map_err(read_error)
}

/// [`read_text`] for a file the model names, as the message of a diagnostic on that line.
pub fn read_model_file(path: &Path) -> Result<String, String> {
    awsfed_files::read_text(path, MAX_METADATA_BYTES).map_err(|e| match e {
        // The diagnostic names the file already.
        ReadError::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    })
}

pub fn read_error(error: ReadError) -> CommandError {
    CommandError::bad_input(error.to_string())
}

/// At most `limit` bytes of a regular file, *without* treating more as an error: a parser with its
/// own size check (SAML) then says what is wrong with the input, as it does for standard input.
pub fn read_bytes_or_more(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let (file, _) = awsfed_files::open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: path.display().to_string(),
            source,
        })?;
    Ok(bytes)
}

/// At most `limit` bytes of standard input (the parser refuses more).
pub fn read_stdin(limit: u64) -> Result<Vec<u8>, CommandError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| CommandError::bad_input(format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}
