//! Replacing one file atomically: the new contents go to a temporary file beside the target, which
//! is then renamed over it (rename(2) is atomic within a filesystem), so a reader sees the old file
//! or the new one and a failure (a full disk) leaves the old file and no temporary behind.
//!
//! A SIGKILL between creating the temporary file and the rename leaves it behind, so each write
//! first removes the temporaries of its target that a killed awsfed left ([`sweep`]). awsfed tags
//! its temporary file (the extended attribute [`TEMPORARY_TAG`]) before the file has its name, so
//! a file under such a name without the tag — a user's, even an empty one — is never taken for one.
//!
//! A symlink is written *through*: the file it points to is replaced and the link stays, as a
//! user who keeps `~/.aws/config` in a dotfiles repository expects.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::fs::{AtFlags, CWD, Mode, OFlags, XattrFlags};

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
    write_beside(&target, contents, mode)?;
    Ok(target)
}

/// Replaces the file at `path` with `contents` readable by its owner only (0600, whatever the old
/// file's bits were). A symlink at `path` is replaced, not followed: credentials never land where a
/// link points.
pub fn replace_private_file(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    write_beside(path, contents, 0o600)
}

/// Writes `contents` with permission bits `mode` to a tagged temporary file beside `target` and
/// renames it over `target`, after sweeping the temporaries killed writers left there.
fn write_beside(target: &Path, contents: &[u8], mode: u32) -> Result<(), WriteError> {
    let failed = |source| WriteError::Io {
        what: "write",
        path: target.display().to_string(),
        source,
    };
    sweep(target);
    let temporary = temporary_beside(target);
    // A failure to create it leaves nothing of ours: whatever holds the name is not removed.
    let mut file = create_tagged(&temporary, mode).map_err(failed)?;
    let written = (|| {
        // `mode` is filtered by the umask on creation; the old file's bits are kept exactly.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temporary, target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(failed(e));
    }
    Ok(())
}

/// Creates the temporary file, tagged before its name exists: it is made nameless in the target's
/// folder (`O_TMPFILE`), tagged, and only then linked under `temporary` (`linkat` through
/// `/proc/self/fd`, the unprivileged way open(2) documents), which fails if anything holds that
/// name. So a file under awsfed's temporary name without the tag was never awsfed's, and a kill
/// before the link leaves nothing. Where that is not possible (a filesystem without `O_TMPFILE` or
/// user extended attributes, no `/proc`), the file is created exclusively and tagged at once; a
/// kill between the two leaves an empty untagged file, which is kept like any file not proven ours.
fn create_tagged(temporary: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    if let Some(file) = create_nameless_then_link(temporary, mode) {
        return Ok(file);
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(temporary)?;
    let _ = rustix::fs::fsetxattr(&file, TEMPORARY_TAG, TAG_VALUE, XattrFlags::empty());
    Ok(file)
}

/// The tagged file linked under `temporary`, or `None` when any step is not possible here.
fn create_nameless_then_link(temporary: &Path, mode: u32) -> Option<std::fs::File> {
    let folder = match temporary.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(CWD, folder, flags, Mode::from_raw_mode(mode)).ok()?;
    let file = std::fs::File::from(fd);
    rustix::fs::fsetxattr(&file, TEMPORARY_TAG, TAG_VALUE, XattrFlags::empty()).ok()?;
    let by_descriptor = format!("/proc/self/fd/{}", file.as_raw_fd());
    rustix::fs::linkat(
        CWD,
        by_descriptor.as_str(),
        CWD,
        temporary,
        AtFlags::SYMLINK_FOLLOW,
    )
    .ok()?;
    Some(file)
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
/// with one name, and tagged with [`TEMPORARY_TAG`] (which [`create_tagged`] sets before the name
/// exists). Anything else — an empty untagged file included — is left as it is.
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
        if metadata.is_file() && metadata.nlink() == 1 && tagged(&leftover) {
            let _ = std::fs::remove_file(&leftover);
        }
    }
}

fn tagged(path: &Path) -> bool {
    let mut value = [0u8; 32];
    rustix::fs::lgetxattr(path, TEMPORARY_TAG, &mut value[..])
        .is_ok_and(|len| value.get(..len) == Some(TAG_VALUE))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process id no process has (above the kernel's `pid_max` limit of 2^22).
    const DEAD: u32 = u32::MAX - 1;

    #[test]
    fn the_temporary_is_tagged_before_it_has_its_name() {
        let dir = tempfile::tempdir().expect("dir");
        let temporary = dir.path().join(".plan.json.awsfed-tmp-1-0");
        let file = create_nameless_then_link(&temporary, 0o600);
        assert!(
            file.is_some(),
            "O_TMPFILE, user extended attributes and /proc/self/fd are expected where tests run"
        );
        assert!(tagged(&temporary));
        assert_eq!(std::fs::metadata(&temporary).expect("linked").nlink(), 1);
        // The name is taken: a second link fails instead of replacing what holds it.
        std::fs::write(dir.path().join("other"), "mine").expect("write");
        let taken = dir.path().join("other");
        assert!(create_nameless_then_link(&taken, 0o600).is_none());
        assert_eq!(std::fs::read_to_string(&taken).expect("kept"), "mine");
    }

    #[test]
    fn only_tagged_leftovers_of_gone_writers_are_swept() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("plan.json");
        let untagged = dir.path().join(format!(".plan.json.awsfed-tmp-{DEAD}-0"));
        let tagged_leftover = dir.path().join(format!(".plan.json.awsfed-tmp-{DEAD}-1"));
        std::fs::write(&untagged, "").expect("an empty file of the user's");
        drop(create_tagged(&tagged_leftover, 0o644).expect("a leftover of awsfed's"));
        replace_file(&target, b"{}", 0o644).expect("replace");
        assert!(
            untagged.exists(),
            "an empty untagged file is not proven ours"
        );
        assert!(!tagged_leftover.exists(), "awsfed's leftover is swept");
    }

    #[test]
    fn a_private_file_is_0600_and_replaces_a_link() {
        let dir = tempfile::tempdir().expect("dir");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "theirs").expect("write");
        let path = dir.path().join("hop.json");
        std::os::unix::fs::symlink(&elsewhere, &path).expect("link");
        replace_private_file(&path, b"secret").expect("replace");
        assert_eq!(std::fs::read_to_string(&elsewhere).expect("read"), "theirs");
        let metadata = std::fs::symlink_metadata(&path).expect("meta");
        assert!(metadata.is_file());
        assert_eq!(metadata.permissions().mode() & 0o777, 0o600);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        replace_private_file(&path, b"again").expect("replace");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
