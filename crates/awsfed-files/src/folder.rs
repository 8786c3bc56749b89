//! Output folders (`--out DIR` of `compile`, every `export`, `scan`): awsfed writes only into a folder
//! that is new, empty, or holds nothing but what awsfed wrote there before (its marker lists each
//! file and the SHA-256 of what it wrote). Such a folder is replaced in one step: the new folder is
//! staged beside it and swapped in with `renameat2(RENAME_EXCHANGE)`, so the folder is always either
//! the old or the new one; then the old one's files (and only those) are deleted.
//!
//! A folder holding anything else (the model, `terraform.tfstate`, `.terraform/`) is refused. With
//! `force`, awsfed's files are written into it one by one, each replaced atomically, its own stale
//! files removed, and every other file kept.
//!
//! A staging folder a killed awsfed left beside the folder is removed by the next write into it,
//! when its name and marker say it is awsfed's ([`crate::staging`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::WriteError;
use crate::marker::{self, Listing, MARKER};
use crate::replace::replace_file;

/// A generated file: path relative to the output folder (`/`-separated) and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// How a folder was written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Files in the folder awsfed did not write, kept (only with `force`).
    pub kept: Vec<String>,
}

/// What an existing folder holds: the files still as awsfed wrote them, and everything else.
struct Survey {
    ours: Listing,
    foreign: Vec<String>,
}

/// Writes `files` as the folder `out`; see the module documentation for when it refuses.
pub fn write_folder(out: &Path, files: &[OutputFile], force: bool) -> Result<Written, WriteError> {
    for file in files {
        if !marker::is_relative_inside(&file.path) || file.path == MARKER {
            return Err(WriteError::OutsideFolder(file.path.clone()));
        }
    }
    let listing: Listing = files
        .iter()
        .map(|f| (f.path.clone(), marker::sha256_hex(f.contents.as_bytes())))
        .collect();
    let existing = existing_folder(out)?;
    // What a killed awsfed left beside the folder it was writing.
    let target = existing.as_deref().unwrap_or(out);
    crate::staging::sweep(&parent_of(target), &name_of(target));
    let Some(folder) = existing else {
        create_new(out, files, &listing)?;
        return Ok(Written::default());
    };
    let survey = survey(&folder, &marker::read(&folder))?;
    if survey.foreign.is_empty() {
        replace_whole(&folder, files, &listing, &survey.ours)?;
        return Ok(Written::default());
    }
    if !force {
        return Err(WriteError::Foreign {
            folder: out.display().to_string(),
            entries: survey.foreign,
        });
    }
    merge(&folder, files, &listing, &survey.ours)?;
    Ok(Written {
        kept: survey.foreign,
    })
}

/// The folder `out` names (through a symlink), `None` when nothing is there.
fn existing_folder(out: &Path) -> Result<Option<PathBuf>, WriteError> {
    match std::fs::metadata(out) {
        Ok(metadata) if metadata.is_dir() => std::fs::canonicalize(out)
            .map(Some)
            .map_err(|source| io("resolve", out, source)),
        Ok(metadata) => Err(WriteError::NotAFolder {
            path: out.display().to_string(),
            kind: kind_of(&metadata),
        }),
        Err(_) if std::fs::symlink_metadata(out).is_ok() => Err(WriteError::NotAFolder {
            path: out.display().to_string(),
            kind: "a symlink to nothing",
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(io("read", out, source)),
    }
}

pub(crate) fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "a folder"
    } else if kind.is_file() {
        "a regular file"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

fn io(what: &'static str, path: &Path, source: std::io::Error) -> WriteError {
    WriteError::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}

/// Walks the folder without following links. A subfolder holding nothing of awsfed's is reported
/// as one entry (`.terraform/`), not file by file.
fn survey(folder: &Path, marker: &Listing) -> Result<Survey, WriteError> {
    let mut ours = Listing::new();
    let mut foreign = Vec::new();
    let mut pending = vec![String::new()];
    while let Some(relative) = pending.pop() {
        let dir = folder.join(&relative);
        let entries = std::fs::read_dir(&dir).map_err(|e| io("read", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io("read", &dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            let kind = entry
                .file_type()
                .map_err(|e| io("read", &entry.path(), e))?;
            if kind.is_dir() {
                let prefix = format!("{path}/");
                if marker.keys().any(|k| k.starts_with(&prefix)) {
                    pending.push(path);
                } else {
                    foreign.push(prefix);
                }
            } else if path == MARKER {
                continue;
            } else if kind.is_file()
                && marker.get(&path).is_some_and(|digest| {
                    marker::sha256_file(&entry.path()).is_ok_and(|d| &d == digest)
                })
            {
                ours.insert(path.clone(), marker[&path].clone());
            } else {
                foreign.push(path);
            }
        }
    }
    foreign.sort();
    Ok(Survey { ours, foreign })
}

/// Writes the whole folder under a temporary name beside `target`. The marker goes first, so a
/// staging folder cut short by a kill holds nothing the marker does not name and the next write
/// can remove it ([`crate::staging`]).
fn stage(target: &Path, files: &[OutputFile], listing: &Listing) -> Result<PathBuf, WriteError> {
    let parent = parent_of(target);
    std::fs::create_dir_all(&parent).map_err(|e| io("create", &parent, e))?;
    let staging = crate::replace::temporary_beside(&parent.join(name_of(target)));
    let written = (|| {
        std::fs::create_dir(&staging)?;
        std::fs::write(staging.join(MARKER), marker::render(listing))?;
        for file in files {
            let path = staging.join(&file.path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &file.contents)?;
        }
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(io("write", target, e));
    }
    Ok(staging)
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_owned())
}

fn create_new(out: &Path, files: &[OutputFile], listing: &Listing) -> Result<(), WriteError> {
    let staging = stage(out, files, listing)?;
    std::fs::rename(&staging, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staging);
        io("write", out, e)
    })
}

/// Swaps the staged folder with the old one, then deletes what the old one held of awsfed's.
fn replace_whole(
    folder: &Path,
    files: &[OutputFile],
    listing: &Listing,
    ours: &Listing,
) -> Result<(), WriteError> {
    let staging = stage(folder, files, listing)?;
    if let Err(e) = swap(&staging, folder) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(io("replace", folder, e));
    }
    // The old folder is now at the staging name.
    remove_ours(&staging, ours);
    let _ = std::fs::remove_file(staging.join(MARKER));
    let _ = std::fs::remove_dir(&staging);
    Ok(())
}

/// Exchanges two folders in one step. Where the filesystem cannot (`EINVAL`), the old folder is
/// moved aside and the new one moved in, and moved back if that fails.
fn swap(staging: &Path, folder: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, staging, CWD, folder, RenameFlags::EXCHANGE) {
        Ok(()) => return Ok(()),
        Err(e) if e != rustix::io::Errno::INVAL && e != rustix::io::Errno::NOSYS => {
            return Err(e.into());
        }
        Err(_) => {}
    }
    let aside = crate::replace::temporary_beside(folder);
    std::fs::rename(folder, &aside)?;
    if let Err(e) = std::fs::rename(staging, folder) {
        let _ = std::fs::rename(&aside, folder);
        return Err(e);
    }
    std::fs::rename(&aside, staging)
}

/// Deletes the listed files and the folders they leave empty; nothing else.
fn remove_ours(folder: &Path, ours: &Listing) {
    let mut dirs = BTreeSet::new();
    for path in ours.keys() {
        let _ = std::fs::remove_file(folder.join(path));
        let mut parent = Path::new(path).parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            dirs.insert(dir.to_owned());
            parent = dir.parent();
        }
    }
    // Deepest first; `remove_dir` only removes empty folders.
    for dir in dirs.iter().rev() {
        let _ = std::fs::remove_dir(folder.join(dir));
    }
}

/// `force` into a folder with other files: each of awsfed's files replaced atomically, the marker
/// always listing at least every file awsfed has written there.
fn merge(
    folder: &Path,
    files: &[OutputFile],
    listing: &Listing,
    ours: &Listing,
) -> Result<(), WriteError> {
    let mut union = ours.clone();
    union.extend(listing.iter().map(|(k, v)| (k.clone(), v.clone())));
    replace_file(
        &folder.join(MARKER),
        marker::render(&union).as_bytes(),
        0o644,
    )?;
    for file in files {
        let path = folder.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
        }
        // A link there is the user's: writing through it would change a file outside the folder.
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(WriteError::NotAFile {
                path: path.display().to_string(),
                kind: "a symlink",
            });
        }
        replace_file(&path, file.contents.as_bytes(), 0o644)?;
    }
    let stale: Listing = ours
        .iter()
        .filter(|(path, _)| !listing.contains_key(*path))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    remove_ours(folder, &stale);
    replace_file(
        &folder.join(MARKER),
        marker::render(listing).as_bytes(),
        0o644,
    )?;
    Ok(())
}
