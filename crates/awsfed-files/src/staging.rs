//! Staging folders a killed awsfed left behind. `--out DIR` stages the new folder beside `DIR` as
//! `.DIR.awsfed-tmp-PID-N` and swaps it in; after the swap the old folder sits under that name
//! until its files are deleted. A SIGKILL at any of those moments leaves the staging folder, so
//! the next write into `DIR` removes it first — only when all of these hold:
//!
//! - its name is exactly `.DIR.awsfed-tmp-PID-N` (digits) and it is a folder, not a link;
//! - process PID is gone (a running awsfed's staging folder is left to it);
//! - it holds awsfed's marker, and nothing but the marker and files the marker lists (a file may
//!   hold fewer bytes than listed: the write was cut short), or it is empty (killed before the
//!   marker was written: `stage` writes the marker first).
//!
//! Anything else under such a name is the user's and is left as it is. Only listed files, the
//! marker and folders left empty are removed; nothing is removed recursively.

use std::collections::BTreeSet;
use std::path::Path;

use crate::marker::{self, Listing, MARKER};

/// Removes the staging folders of `target` that a killed awsfed left; see the module docs.
pub(crate) fn sweep(parent: &Path, target_name: &str) {
    for leftover in crate::leftover::of_gone_processes(parent, target_name) {
        // Not a link: `symlink_metadata` does not follow one.
        if std::fs::symlink_metadata(&leftover).is_ok_and(|m| m.is_dir()) {
            remove_if_ours(&leftover);
        }
    }
}

fn remove_if_ours(folder: &Path) {
    let listing = marker::read(folder);
    let Some(files) = only_listed(folder, &listing) else {
        return;
    };
    let mut dirs = BTreeSet::new();
    for path in &files {
        let _ = std::fs::remove_file(folder.join(path));
        let mut parent = Path::new(path).parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            dirs.insert(dir.to_owned());
            parent = dir.parent();
        }
    }
    let _ = std::fs::remove_file(folder.join(MARKER));
    // Deepest first; `remove_dir` only removes empty folders.
    for dir in dirs.iter().rev() {
        let _ = std::fs::remove_dir(folder.join(dir));
    }
    remove_empty_folders(folder);
}

/// Removes the folders under `dir` (and `dir`) that are empty once their empty subfolders are
/// gone; `remove_dir` never removes a folder that holds anything.
fn remove_empty_folders(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty_folders(&entry.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// The files of the folder when it holds nothing but the marker and files it lists (regular files;
/// folders only on the way to them); `None` when it holds anything else, or files without a
/// marker.
fn only_listed(folder: &Path, listing: &Listing) -> Option<Vec<String>> {
    let mut files = Vec::new();
    let mut pending = vec![String::new()];
    while let Some(relative) = pending.pop() {
        for entry in std::fs::read_dir(folder.join(&relative)).ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            let kind = entry.file_type().ok()?;
            if kind.is_dir() {
                let prefix = format!("{path}/");
                // A folder holding no file at all is left by a kill after the old folder's files
                // and marker were removed: nothing of anyone's is in it.
                if !listing.keys().any(|k| k.starts_with(&prefix)) && !holds_no_file(&entry.path())
                {
                    return None;
                }
                pending.push(path);
            } else if path == MARKER && kind.is_file() {
                continue;
            } else if kind.is_file() && listing.contains_key(&path) {
                files.push(path);
            } else {
                return None;
            }
        }
    }
    // Files with no marker naming them are not known to be awsfed's.
    (files.is_empty() || !listing.is_empty()).then_some(files)
}

/// Whether a folder holds only folders (at any depth), never a file or a link.
fn holds_no_file(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.into_iter().all(|entry| {
        entry.is_ok_and(|e| e.file_type().is_ok_and(|t| t.is_dir()) && holds_no_file(&e.path()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_removed_and_anything_else_is_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let parent = dir.path();
        let dead = u32::MAX - 1;
        let make = |name: &str, files: &[(&str, &str)], listed: &[&str]| {
            let folder = parent.join(name);
            std::fs::create_dir_all(&folder).expect("create");
            for (path, contents) in files {
                let path = folder.join(path);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("create");
                std::fs::write(path, contents).expect("write");
            }
            if !listed.is_empty() {
                let listing: Listing = listed
                    .iter()
                    .map(|p| ((*p).to_owned(), marker::sha256_hex(b"complete")))
                    .collect();
                std::fs::write(folder.join(MARKER), marker::render(&listing)).expect("marker");
            }
            folder
        };
        // Cut short: one file partly written, one not yet.
        let partial = make(
            &format!(".out.awsfed-tmp-{dead}-0"),
            &[("accounts/a.json", "compl")],
            &["accounts/a.json", "idp.json"],
        );
        let empty = make(&format!(".out.awsfed-tmp-{dead}-1"), &[], &[]);
        let foreign = make(
            &format!(".out.awsfed-tmp-{dead}-2"),
            &[("idp.json", "complete"), ("notes.txt", "mine")],
            &["idp.json"],
        );
        let unmarked = make(
            &format!(".out.awsfed-tmp-{dead}-3"),
            &[("idp.json", "complete")],
            &[],
        );
        let running = make(
            &format!(".out.awsfed-tmp-{}-4", std::process::id()),
            &[("idp.json", "complete")],
            &["idp.json"],
        );
        let other_name = make(
            &format!(".other.awsfed-tmp-{dead}-0"),
            &[("idp.json", "complete")],
            &["idp.json"],
        );
        let bad_suffix = make(&format!(".out.awsfed-tmp-{dead}"), &[], &[]);
        sweep(parent, "out");
        assert!(!partial.exists());
        assert!(!empty.exists());
        for kept in [&foreign, &unmarked, &running, &other_name, &bad_suffix] {
            assert!(kept.exists(), "{}", kept.display());
        }
        assert!(foreign.join("idp.json").exists());
        assert!(unmarked.join("idp.json").exists());
    }
}
