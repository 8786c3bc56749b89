//! Replacing one file: atomically, through symlinks, leaving nothing beside it on failure.

mod support;

use std::os::unix::fs::PermissionsExt;

use awsfed_files::{WriteError, replace_file};
use support::siblings;

#[test]
fn a_symlinked_file_is_written_through_and_the_link_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let real = dir.path().join("dotfiles-config");
    std::fs::write(&real, "old").expect("write");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let link = dir.path().join("config");
    std::os::unix::fs::symlink("dotfiles-config", &link).expect("link");
    let written = replace_file(&link, b"new", 0o600).expect("replace");
    assert_eq!(written, real);
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
    let mode = std::fs::metadata(&real).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(siblings(dir.path()), ["config", "dotfiles-config"]);
}

#[test]
fn a_dangling_symlink_creates_its_target() {
    let dir = tempfile::tempdir().expect("dir");
    let link = dir.path().join("config");
    std::os::unix::fs::symlink(dir.path().join("target"), &link).expect("link");
    replace_file(&link, b"x", 0o600).expect("replace");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("target")).expect("read"),
        "x"
    );
    let mode = std::fs::metadata(&link).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn a_failed_rename_leaves_the_old_target_and_no_temporary() {
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("plan.json");
    std::fs::create_dir(&target).expect("a folder where the file goes");
    let error = replace_file(&target, b"{}", 0o644).expect_err("a folder");
    assert!(matches!(error, WriteError::NotAFile { .. }), "{error}");
    assert_eq!(siblings(dir.path()), ["plan.json"]);
}

#[test]
fn a_link_to_a_device_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("plan.json");
    std::os::unix::fs::symlink("/dev/full", &target).expect("link");
    let error = replace_file(&target, b"{}", 0o644).expect_err("a device");
    assert!(matches!(error, WriteError::NotAFile { .. }), "{error}");
    assert_eq!(siblings(dir.path()), ["plan.json"]);
}
