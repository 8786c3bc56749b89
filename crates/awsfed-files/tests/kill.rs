//! A real SIGKILL while an output folder is staged or swapped in: whatever moment the kill hits,
//! the folder is the old or the new one, and the next write leaves no staging folder behind — while
//! a look-alike holding a file awsfed did not write is kept.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use awsfed_files::{MARKER, OutputFile, write_folder};
use support::tree;

/// Set for the child process: the folder it writes until killed.
const CHILD: &str = "AWSFED_FILES_KILL_CHILD";
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

fn staging_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            name.starts_with(".out.awsfed-tmp-").then_some(name)
        })
        .collect()
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
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args(["writer_child", "--exact", "--ignored", "--test-threads=1"])
            .env(CHILD, &out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the child starts");
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
