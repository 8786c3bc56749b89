//! A real SIGKILL while an output folder is staged or swapped in, or while one file is replaced
//! (`plan --out`, `configure`): whatever moment the kill hits, the folder or file is the old or the
//! new one, and the next write leaves no staging folder or temporary file behind — while
//! look-alikes (a user's file under awsfed's name, names that differ slightly) are kept.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use awsfed_files::{MARKER, OutputFile, replace_file, write_folder};
use support::tree;

/// Set for the child process: the folder it writes until killed.
const CHILD: &str = awsfed_env::AWSFED_FILES_KILL_CHILD;
/// Set for the child process: the file it replaces until killed.
const FILE_CHILD: &str = awsfed_env::AWSFED_FILES_KILL_FILE_CHILD;
/// The size of every version of the file the child writes: a whole file has exactly this many.
const FILE_BYTES: usize = 1 << 20;
const ROUNDS: usize = 6;

fn files(fill: &str, count: usize, size: usize) -> Vec<OutputFile> {
    (0..count)
        .map(|i| OutputFile {
            path: format!("accounts/{i:03}.json"),
            contents: fill.repeat(size),
        })
        .collect()
}

/// The child: writes the folder over and over (1 MB each time) until it is killed.
#[test]
#[ignore = "a child process of killed_writes_leave_no_staging_folder"]
fn writer_child() {
    let Some(out) = std::env::var_os(CHILD) else {
        return;
    };
    let out = PathBuf::from(out);
    for round in 0.. {
        let fill = if round % 2 == 0 { "a" } else { "b" };
        write_folder(&out, &files(fill, 16, 64 * 1024), false).expect("the child writes");
    }
}

/// The child: replaces the file over and over (1 MB of `a`, then of `b`, ...) until it is killed.
#[test]
#[ignore = "a child process of killed_file_replacements_leave_no_temporary"]
fn file_writer_child() {
    let Some(path) = std::env::var_os(FILE_CHILD) else {
        return;
    };
    let path = PathBuf::from(path);
    for round in 0.. {
        let fill = if round % 2 == 0 { b'a' } else { b'b' };
        replace_file(&path, &vec![fill; FILE_BYTES], 0o644).expect("the child writes");
    }
}

fn staging_names(dir: &Path) -> BTreeSet<String> {
    names_starting(dir, ".out.awsfed-tmp-")
}

fn names_starting(dir: &Path, prefix: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            name.starts_with(prefix).then_some(name)
        })
        .collect()
}

/// Starts a child test of this binary, which writes until it is killed.
fn spawn_child(test: &str, variable: &str, path: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().expect("the test binary"))
        .args([test, "--exact", "--ignored", "--test-threads=1"])
        .env(variable, path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the child starts")
}

/// Every file the folder's marker lists is there, and nothing else: a whole folder.
fn assert_whole(out: &Path) {
    let marker = std::fs::read_to_string(out.join(MARKER)).expect("a marker");
    let listed: BTreeSet<String> = marker
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("  ").map(|(_, path)| path.to_owned()))
        .collect();
    let held: BTreeSet<String> = tree(out)
        .into_keys()
        .filter(|p| !p.ends_with('/'))
        .collect();
    assert_eq!(held, listed, "{}", out.display());
}

#[test]
fn killed_writes_leave_no_staging_folder() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out");
    let mut left_behind = 0;
    for round in 0..ROUNDS {
        let mut child = spawn_child("writer_child", CHILD, &out);
        // Killed once it has staged `round + 1` folders: the first is a new folder, later ones are
        // swapped with the old, so the rounds hit different moments.
        let mut seen = BTreeSet::new();
        while seen.len() <= round {
            seen.extend(staging_names(dir.path()));
            assert!(
                child.try_wait().expect("the child").is_none(),
                "the child stopped by itself"
            );
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("the child is gone");
        let leftovers = staging_names(dir.path());
        if !leftovers.is_empty() {
            left_behind += 1;
        }
        if out.exists() {
            assert_whole(&out);
        }
        // A look-alike of a dead process, holding a file awsfed did not write.
        let look_alike = dir
            .path()
            .join(format!(".out.awsfed-tmp-{}-999999", child.id()));
        std::fs::create_dir(&look_alike).expect("look-alike");
        std::fs::write(look_alike.join("notes.txt"), "mine").expect("notes");

        write_folder(&out, &files("c", 2, 10), false).expect("the next write");
        assert_eq!(
            staging_names(dir.path()),
            BTreeSet::from([look_alike
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()]),
            "round {round}: left before the write: {leftovers:?}"
        );
        assert_eq!(
            std::fs::read_to_string(look_alike.join("notes.txt")).expect("kept"),
            "mine"
        );
        std::fs::remove_dir_all(&look_alike).expect("clean");
        assert_whole(&out);
        assert_eq!(tree(&out)["accounts/001.json"], "c".repeat(10));
    }
    eprintln!("{ROUNDS} kills, {left_behind} left a staging folder, none survived the next write");
    assert!(
        left_behind > 0,
        "no kill left a staging folder: the test did not exercise the clean-up"
    );
}

/// Files under awsfed's temporary names for `plan.json` that are not awsfed's leftovers: a user's
/// file under the exact name of a dead process (one with content, one empty: untagged, so awsfed
/// cannot prove it wrote either), names that differ slightly, another file's temporary, a link.
/// Each must survive the sweep.
fn look_alikes(dir: &Path, dead: u32) -> Vec<PathBuf> {
    let user_file = dir.join(format!(".plan.json.awsfed-tmp-{dead}-999999"));
    std::fs::write(&user_file, "mine").expect("user file");
    let mut made = vec![user_file];
    for name in [
        format!(".plan.json.awsfed-tmp-{dead}-777777"),
        format!(".plan.json.awsfed-tmp-{dead}"),
        format!(".plan.json.awsfed-tmp-{dead}-1.bak"),
        format!("plan.json.awsfed-tmp-{dead}-1"),
        format!(".other.json.awsfed-tmp-{dead}-1"),
    ] {
        std::fs::write(dir.join(&name), "").expect("look-alike");
        made.push(dir.join(name));
    }
    let link = dir.join(format!(".plan.json.awsfed-tmp-{dead}-888888"));
    std::os::unix::fs::symlink("plan.json", &link).expect("link");
    made.push(link);
    made
}

#[test]
fn killed_file_replacements_leave_no_temporary() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("plan.json");
    let temporaries = || names_starting(dir.path(), ".plan.json.awsfed-tmp-");
    let mut left_behind = 0;
    for round in 0..ROUNDS {
        let mut child = spawn_child("file_writer_child", FILE_CHILD, &path);
        // Killed once `round + 1` temporaries were seen, so the rounds hit different moments of
        // different writes (creating, writing, syncing, renaming).
        let mut seen = BTreeSet::new();
        while seen.len() <= round {
            seen.extend(temporaries());
            assert!(
                child.try_wait().expect("the child").is_none(),
                "the child stopped by itself"
            );
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("the child is gone");
        let leftovers = temporaries();
        left_behind += usize::from(!leftovers.is_empty());
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                bytes.len() == FILE_BYTES && bytes.iter().all(|b| *b == bytes[0]),
                "round {round}: the file is not a whole version"
            );
        }
        let kept = look_alikes(dir.path(), child.id());

        replace_file(&path, b"next", 0o644).expect("the next write");
        assert_eq!(std::fs::read(&path).expect("read"), b"next");
        for look_alike in &kept {
            assert!(
                std::fs::symlink_metadata(look_alike).is_ok(),
                "round {round}: {} was removed",
                look_alike.display()
            );
        }
        let kept_names: BTreeSet<String> = kept
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".plan.json.awsfed-tmp-"))
            .collect();
        assert_eq!(
            temporaries(),
            kept_names,
            "round {round}: left before the write: {leftovers:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&kept[0]).expect("kept"),
            "mine",
            "the user's file is untouched"
        );
        for look_alike in kept {
            std::fs::remove_file(look_alike).expect("clean");
        }
    }
    eprintln!("{ROUNDS} kills, {left_behind} left a temporary file, none survived the next write");
    assert!(
        left_behind > 0,
        "no kill left a temporary file: the test did not exercise the clean-up"
    );
}
