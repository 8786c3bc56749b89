//! Replacing one file atomically: the new contents go to a temporary file beside the target, which
//! is then renamed over it (rename(2) is atomic within a filesystem), so a reader sees the old file
//! or the new one and a failure (a full disk) leaves the old file and no temporary behind.
//!
//! A SIGKILL between creating the temporary file and the rename leaves it behind, so each write
//! first removes the temporaries of its target that a killed awsfed left ([`sweep`]). awsfed tags
//! its temporary file (the extended attribute [`TEMPORARY_TAG`], set right after creating it), so
//! a file the user made under such a name is never taken for one.
//!
//! A symlink is written *through*: the file it points to is replaced and the link stays, as a
//! user who keeps `~/.aws/config` in a dotfiles repository expects.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::fs::XattrFlags;

use crate::WriteError;

/// The extended attribute on a temporary file awsfed creates, and its value.
const TEMPORARY_TAG: &str = "user.awsfed.temporary";
const TAG_VALUE: &[u8] = b"replace_file";

/// Links followed before giving up, as the kernel does (`ELOOP` after 40).
const MAX_LINKS: usize = 40;

/// Replaces the file at `path` (through symlinks) with `contents`. The file keeps its permission
/// bits; a new file gets `new_mode`. Returns the path written.
pub fn replace_file(path: &Path, contents: &[u8], new_mode: u32) -> Result<PathBuf, WriteError> {
    let target = follow_links(path)?;
    let io = |what: &'static str, path: &Path| {
        let path = path.display().to_string();
        move |source| WriteError::Io { what, path, source }
    };
    let mode = match std::fs::metadata(&target) {
        Ok(metadata) if metadata.is_file() => metadata.permissions().mode() & 0o7777,
        Ok(metadata) => {
            return Err(WriteError::NotAFile {
                path: target.display().to_string(),
                kind: crate::folder::kind_of(&metadata),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_mode,
        Err(e) => return Err(io("read", &target)(e)),
    };
    sweep(&target);
    let temporary = temporary_beside(&target);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temporary)?;
        // Without the tag (a filesystem without user extended attributes) a leftover is kept.
        let _ = rustix::fs::fsetxattr(&file, TEMPORARY_TAG, TAG_VALUE, XattrFlags::empty());
        // `mode` is filtered by the umask on creation; the old file's bits are kept exactly.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(io("write", &target)(e));
    }
    Ok(target)
}

/// The file a chain of symlinks ends at (which need not exist yet).
fn follow_links(path: &Path) -> Result<PathBuf, WriteError> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = std::fs::read_link(&current).map_err(|source| WriteError::Io {
                    what: "follow the link",
                    path: current.display().to_string(),
                    source,
                })?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(WriteError::Io {
        what: "follow the links of",
        path: path.display().to_string(),
        source: std::io::Error::other("too many levels of symbolic links"),
    })
}

/// A name in the target's folder no other writer uses: the process id and a counter.
pub(crate) fn temporary_beside(target: &Path) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    target.with_file_name(format!(
        ".{name}.awsfed-tmp-{}-{unique}",
        std::process::id()
    ))
}

/// Removes the temporary files of `target` a killed awsfed left: named exactly
/// `.TARGET.awsfed-tmp-PID-N` with PID gone (see [`crate::leftover`]), a regular file (not a link)
/// with one name, and awsfed's: tagged with [`TEMPORARY_TAG`], or empty (killed between creating
/// it and tagging it; an empty file holds nothing to lose). Anything else is left as it is.
fn sweep(target: &Path) {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    for leftover in crate::leftover::of_gone_processes(parent, &name.to_string_lossy()) {
        let Ok(metadata) = std::fs::symlink_metadata(&leftover) else {
            continue;
        };
        if metadata.is_file() && metadata.nlink() == 1 && (metadata.len() == 0 || tagged(&leftover))
        {
            let _ = std::fs::remove_file(&leftover);
        }
    }
}

fn tagged(path: &Path) -> bool {
    let mut value = [0u8; 32];
    rustix::fs::lgetxattr(path, TEMPORARY_TAG, &mut value[..])
        .is_ok_and(|len| value.get(..len) == Some(TAG_VALUE))
}
