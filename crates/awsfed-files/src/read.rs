//! Reading a file the user names, bounded by the bytes actually read.
//!
//! The size a file reports is no limit: `/dev/zero`, a FIFO or `/proc` files report 0 and never end.
//! So only regular files are read (a symlink to one is fine), and at most `limit + 1` bytes are ever
//! taken from them. A FIFO is refused before it is opened, and opened with `O_NONBLOCK` so that one
//! swapped in between the check and the open cannot make awsfed wait for a writer (open(2), "O_NONBLOCK
//! … for a FIFO, open for read-only succeeds immediately").

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "`{path}` is {kind}, not a regular file; awsfed reads only regular files (a symlink to one is fine)"
    )]
    NotRegular { path: String, kind: &'static str },
    #[error("`{path}` is over {limit} bytes, the most awsfed reads from such a file")]
    TooLarge {
        path: String,
        limit: u64,
        /// What the file reports, when that is larger than what was read (a regular file's length).
        size: u64,
    },
    #[error("`{path}` is not UTF-8 text (at byte {offset})")]
    NotUtf8 { path: String, offset: usize },
}

impl ReadError {
    /// The file named in the error.
    pub fn path(&self) -> &str {
        match self {
            Self::Io { path, .. }
            | Self::NotRegular { path, .. }
            | Self::TooLarge { path, .. }
            | Self::NotUtf8 { path, .. } => path,
        }
    }
}

/// Reads at most `limit` bytes of a regular file; a longer file is [`ReadError::TooLarge`].
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, reported) = open_regular(path)?;
    read_stream(file, limit).map_err(|e| match e {
        StreamError::Io(source) => ReadError::Io {
            path: path.display().to_string(),
            source,
        },
        StreamError::TooLarge(read) => ReadError::TooLarge {
            path: path.display().to_string(),
            limit,
            size: read.max(reported),
        },
    })
}

/// Opens a regular file for reading (refusing anything else before it is opened); also returns the
/// length it reports. Read it through [`read_stream`] or `take`, never to its end.
pub fn open_regular(path: &Path) -> Result<(File, u64), ReadError> {
    let io = |source| ReadError::Io {
        path: path.display().to_string(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    check_regular(path, &metadata)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    check_regular(path, &metadata)?;
    Ok((file, metadata.len()))
}

/// [`read_bytes`], as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        path: path.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Reading a stream (standard input, an opened file) failed or went past its limit.
#[derive(Debug)]
pub enum StreamError {
    Io(std::io::Error),
    /// More than the limit arrived: this many bytes were read.
    TooLarge(u64),
}

/// Reads at most `limit` bytes from any reader; one byte more is [`StreamError::TooLarge`].
pub fn read_stream(reader: impl Read, limit: u64) -> Result<Vec<u8>, StreamError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(StreamError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(StreamError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

fn check_regular(path: &Path, metadata: &std::fs::Metadata) -> Result<(), ReadError> {
    let kind = metadata.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(ReadError::NotRegular {
        path: path.display().to_string(),
        kind: what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_regular_file_within_the_limit_is_read_whole() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "hello").expect("write");
        assert_eq!(read_text(&file, 5).expect("read"), "hello");
        let error = read_text(&file, 4).expect_err("too large");
        assert!(
            matches!(
                error,
                ReadError::TooLarge {
                    limit: 4,
                    size: 5,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn a_symlink_to_a_regular_file_is_read() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "hello").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).expect("link");
        assert_eq!(read_text(&link, 10).expect("read"), "hello");
    }

    #[test]
    fn devices_and_folders_are_refused_before_reading() {
        for (path, kind) in [
            ("/dev/zero", "a character device"),
            ("/dev/null", "a character device"),
            ("/", "a folder"),
        ] {
            let error = read_bytes(Path::new(path), 1 << 20).expect_err(path);
            assert!(
                matches!(&error, ReadError::NotRegular { kind: k, .. } if *k == kind),
                "{path}: {error}"
            );
        }
        let dir = tempfile::tempdir().expect("dir");
        let link = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("link");
        let error = read_bytes(&link, 1 << 20).expect_err("zero");
        assert_eq!(
            error.to_string(),
            format!(
                "`{}` is a character device, not a regular file; awsfed reads only regular files (a symlink to one is fine)",
                link.display()
            )
        );
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().expect("dir");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs (coreutils)");
        assert!(made.success());
        let started = Instant::now();
        let error = read_bytes(&fifo, 10).expect_err("fifo");
        assert!(matches!(
            error,
            ReadError::NotRegular {
                kind: "a FIFO (named pipe)",
                ..
            }
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_stream_is_cut_one_byte_past_the_limit() {
        let endless = std::io::repeat(b'x');
        match read_stream(endless, 1000) {
            Err(StreamError::TooLarge(read)) => assert_eq!(read, 1001),
            other => panic!("{other:?}"),
        }
        assert_eq!(read_stream(&b"abc"[..], 3).expect("fits"), b"abc");
    }

    #[test]
    fn text_that_is_not_utf8_names_the_byte() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.txt");
        std::fs::write(&file, b"ok\xff").expect("write");
        let error = read_text(&file, 10).expect_err("not utf-8");
        assert!(matches!(error, ReadError::NotUtf8 { offset: 2, .. }));
    }
}
