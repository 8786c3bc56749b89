//! Output folders: what awsfed refuses, replaces and keeps.

mod support;

use awsfed_files::{MARKER, OutputFile, WriteError, write_folder};
use support::{siblings, tree};

fn file(path: &str, contents: &str) -> OutputFile {
    OutputFile {
        path: path.to_owned(),
        contents: contents.to_owned(),
    }
}

#[test]
fn a_new_folder_is_written_and_a_rewrite_replaces_only_awsfeds_files() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out");
    write_folder(
        &out,
        &[file("accounts/a.json", "a"), file("idp.json", "i")],
        false,
    )
    .expect("new folder");
    assert_eq!(
        tree(&out).keys().collect::<Vec<_>>(),
        ["accounts/", "accounts/a.json", "idp.json"]
    );
    write_folder(
        &out,
        &[file("accounts/b.json", "b"), file("idp.json", "j")],
        false,
    )
    .expect("awsfed's own folder is replaced");
    let files = tree(&out);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["accounts/", "accounts/b.json", "idp.json"]
    );
    assert_eq!(files["idp.json"], "j");
    assert_eq!(siblings(dir.path()), ["out"], "no staging folder left");
}

#[test]
fn a_folder_with_the_model_in_it_is_refused_and_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("awsfed.yaml"), "version: 1\n").expect("model");
    std::fs::write(dir.path().join("corp-idp.xml"), "<x/>").expect("metadata");
    let before = tree(dir.path());
    let error = write_folder(dir.path(), &[file("idp.json", "i")], false).expect_err("refused");
    assert!(error.is_bad_input());
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` holds 2 files awsfed did not write: `awsfed.yaml`, `corp-idp.xml`; nothing was written",
            dir.path().display()
        )
    );
    assert_eq!(tree(dir.path()), before);
    assert!(!dir.path().join(MARKER).exists());
}

#[test]
fn force_writes_beside_terraform_state_and_keeps_it() {
    let dir = tempfile::tempdir().expect("dir");
    let tf = dir.path().join("tf");
    write_folder(
        &tf,
        &[file("main.tf.json", "1"), file("old.tf.json", "o")],
        false,
    )
    .expect("first");
    std::fs::write(tf.join("terraform.tfstate"), "state").expect("state");
    std::fs::create_dir_all(tf.join(".terraform/providers")).expect(".terraform");
    std::fs::write(tf.join(".terraform/providers/p"), "p").expect("provider");
    let error = write_folder(&tf, &[file("main.tf.json", "2")], false).expect_err("refused");
    match &error {
        WriteError::Foreign { entries, .. } => {
            assert_eq!(entries, &[".terraform/", "terraform.tfstate"]);
        }
        other => panic!("{other}"),
    }
    let written = write_folder(&tf, &[file("main.tf.json", "2")], true).expect("forced");
    assert_eq!(written.kept, [".terraform/", "terraform.tfstate"]);
    let files = tree(&tf);
    assert_eq!(files["main.tf.json"], "2");
    assert_eq!(files["terraform.tfstate"], "state");
    assert_eq!(files[".terraform/providers/p"], "p");
    assert!(
        !files.contains_key("old.tf.json"),
        "awsfed's stale file goes"
    );
    assert_eq!(siblings(dir.path()), ["tf"]);
    // The marker now lists the new file only, so the next forced run keeps the state again.
    let marker = std::fs::read_to_string(tf.join(MARKER)).expect("marker");
    assert!(
        marker.contains("  main.tf.json\n") && !marker.contains("old.tf.json"),
        "{marker}"
    );
}

#[test]
fn a_file_awsfed_wrote_and_the_user_edited_is_the_users() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out");
    write_folder(&out, &[file("idp.json", "i")], false).expect("first");
    std::fs::write(out.join("idp.json"), "edited").expect("edit");
    let error = write_folder(&out, &[file("other.json", "o")], false).expect_err("refused");
    assert!(matches!(error, WriteError::Foreign { ref entries, .. } if entries == &["idp.json"]));
    let written = write_folder(&out, &[file("other.json", "o")], true).expect("forced");
    assert_eq!(written.kept, ["idp.json"]);
    assert_eq!(
        tree(&out)["idp.json"],
        "edited",
        "an edited file is never deleted"
    );
}

#[test]
fn a_marker_edited_to_name_the_users_file_does_not_make_it_awsfeds() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("awsfed.yaml"), "version: 1\n").expect("model");
    std::fs::write(
        dir.path().join(MARKER),
        format!("{}  awsfed.yaml\n", "0".repeat(64)),
    )
    .expect("forged marker");
    let error = write_folder(dir.path(), &[file("idp.json", "i")], false).expect_err("refused");
    assert!(matches!(error, WriteError::Foreign { .. }), "{error}");
    assert!(dir.path().join("awsfed.yaml").exists());
}

#[test]
fn an_empty_folder_and_a_symlinked_folder_are_written() {
    let dir = tempfile::tempdir().expect("dir");
    let real = dir.path().join("real");
    std::fs::create_dir(&real).expect("empty");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink("real", &link).expect("link");
    write_folder(&link, &[file("idp.json", "i")], false).expect("empty folder");
    write_folder(&link, &[file("idp.json", "j")], false).expect("awsfed's folder");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(tree(&real)["idp.json"], "j");
    assert_eq!(siblings(dir.path()), ["link", "real"]);
}

#[test]
fn a_regular_file_named_as_the_folder_is_refused_and_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out.json");
    std::fs::write(&out, "mine").expect("file");
    let error = write_folder(&out, &[file("idp.json", "i")], true).expect_err("refused");
    assert!(error.is_bad_input());
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` is a regular file, not a folder; awsfed writes a folder of files there",
            out.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&out).expect("kept"), "mine");
    assert_eq!(siblings(dir.path()), ["out.json"]);
}

#[test]
fn paths_leaving_the_folder_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    for path in ["../x", "/etc/x", "a//b", "./a", MARKER] {
        let error =
            write_folder(&dir.path().join("out"), &[file(path, "x")], false).expect_err(path);
        assert!(
            matches!(error, WriteError::OutsideFolder(_)),
            "{path}: {error}"
        );
    }
    assert!(siblings(dir.path()).is_empty());
}

#[test]
fn a_failed_write_leaves_the_old_folder_and_nothing_beside_it() {
    // A file and a folder at the same path cannot both be written: staging fails part-way.
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out");
    write_folder(&out, &[file("idp.json", "i")], false).expect("first");
    let error =
        write_folder(&out, &[file("a", "1"), file("a/b", "2")], false).expect_err("cannot stage");
    assert!(!error.is_bad_input(), "{error}");
    assert_eq!(tree(&out)["idp.json"], "i");
    assert_eq!(siblings(dir.path()), ["out"]);
}
