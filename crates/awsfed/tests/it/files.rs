//! The user's files: `--out` folders never lose a file awsfed did not write, output files are
//! replaced atomically, every file input is bounded by the bytes read, untrusted text is escaped.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{Awsfed, example, model_file};

/// Every entry under `dir`: files with their contents, folders with a trailing `/`.
fn entries(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder") {
            let path = entry.expect("entry").path();
            let relative = path
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            if path.is_dir() {
                out.insert(format!("{relative}/"), String::new());
                pending.push(path);
            } else {
                out.insert(relative, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// The temporary folder's path shown as `[DIR]`, so snapshots do not depend on it; the export's
/// `note:` lines (printed before the folder is looked at) left out.
fn redact(text: &str, dir: &Path) -> String {
    text.lines()
        .filter(|line| !line.starts_with("note: "))
        .map(|line| format!("{}\n", line.replace(&dir.display().to_string(), "[DIR]")))
        .collect()
}

#[test]
fn compile_out_into_the_models_folder_keeps_the_model_and_metadata() {
    let (dir, model) = model_file(&std::fs::read_to_string(example("hub-and-spoke")).unwrap());
    let before = entries(dir.path());
    let run = Awsfed::new()
        .config(&model)
        .arg("compile")
        .arg("--out")
        .arg(dir.path())
        .run()
        .expect_code(2);
    insta::assert_snapshot!(redact(&run.stderr(), dir.path()), @r"
    error: `[DIR]` holds 2 files awsfed did not write: `awsfed.yaml`, `corp-idp.xml`; nothing was written
    hint: name a new or empty folder, or pass --force to write awsfed's files beside them (awsfed never deletes a file it did not write)
    ");
    assert_eq!(entries(dir.path()), before);
    // The same from inside the folder, as `--out .`.
    Awsfed::new()
        .current_dir(dir.path())
        .args(["-c", "awsfed.yaml", "compile", "--out", "."])
        .run()
        .expect_code(2);
    assert_eq!(entries(dir.path()), before);
    // Forced: awsfed's files beside the model, which is kept.
    Awsfed::new()
        .config(&model)
        .args(["compile", "--force", "--out"])
        .arg(dir.path())
        .run()
        .expect_code(0);
    let after = entries(dir.path());
    assert_eq!(after["awsfed.yaml"], before["awsfed.yaml"]);
    assert_eq!(after["corp-idp.xml"], before["corp-idp.xml"]);
    assert!(after.contains_key("idp.json") && after.contains_key(".awsfed-out"));
}

#[test]
fn export_terraform_out_keeps_terraform_state() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("tf");
    let export = |force: bool| {
        let mut run = Awsfed::new()
            .config(example("hub-and-spoke"))
            .args(["export", "terraform", "--out"])
            .arg(&tf);
        if force {
            run = run.arg("--force");
        }
        run.run()
    };
    export(false).expect_code(0);
    let exported = entries(&tf);
    // The second export into awsfed's own folder replaces it.
    export(false).expect_code(0);
    assert_eq!(entries(&tf), exported);
    std::fs::write(tf.join("terraform.tfstate"), "{\"version\": 4}").unwrap();
    std::fs::create_dir_all(tf.join(".terraform/providers")).unwrap();
    std::fs::write(tf.join(".terraform/providers/aws"), "binary").unwrap();
    let with_state = entries(&tf);
    let run = export(false).expect_code(2);
    insta::assert_snapshot!(redact(&run.stderr(), dir.path()), @r"
    error: `[DIR]/tf` holds 2 files awsfed did not write: `.terraform/`, `terraform.tfstate`; nothing was written
    hint: name a new or empty folder, or pass --force to write awsfed's files beside them (awsfed never deletes a file it did not write)
    ");
    assert_eq!(entries(&tf), with_state);
    let run = export(true).expect_code(0);
    assert!(
        run.stderr().contains("note: kept 2 file(s) in"),
        "{}",
        run.stderr()
    );
    assert_eq!(entries(&tf), with_state);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["tf"], "no staging folder left beside it");
}

#[test]
fn out_naming_a_regular_file_is_refused_and_leaves_nothing_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.json");
    std::fs::write(&file, "mine").unwrap();
    for force in [false, true] {
        let mut command = Awsfed::new()
            .config(example("mixed"))
            .args(["export", "idp", "--out"])
            .arg(&file);
        if force {
            command = command.arg("--force");
        }
        let run = command.run().expect_code(2);
        assert_eq!(
            redact(&run.stderr(), dir.path()),
            "error: `[DIR]/out.json` is a regular file, not a folder; awsfed writes a folder of files there\n"
        );
    }
    assert_eq!(
        entries(dir.path()).into_iter().collect::<Vec<_>>(),
        [("out.json".to_owned(), "mine".to_owned())]
    );
}

/// `sh -c` with the file size limit (`ulimit -f`, 1 KiB blocks) set low and SIGXFSZ ignored: every
/// write past the limit fails with EFBIG, as on a full disk, without needing root for a tmpfs.
fn with_small_file_limit(args: &[&str], dir: &Path) -> crate::support::Run {
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_awsfed"))
        .args(args)
        .current_dir(dir)
        .env_remove("AWSFED_CONFIG");
    crate::support::Run {
        output: command.output().expect("sh runs"),
    }
}

#[test]
fn plan_out_on_a_full_disk_keeps_the_old_plan_and_leaves_no_partial_file() {
    let (dir, model) = model_file(&std::fs::read_to_string(example("hub-and-spoke")).unwrap());
    std::fs::write(
        dir.path().join("empty.json"),
        r#"{"format": 1, "accounts": []}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("plan.json"), "the old plan").unwrap();
    let model = model.display().to_string();
    let args = [
        "-c",
        &model,
        "plan",
        "--snapshot",
        "empty.json",
        "--out",
        "plan.json",
    ];
    let run = with_small_file_limit(&args, dir.path()).expect_code(1);
    assert!(
        run.stderr()
            .contains("error: cannot write `plan.json`: File too large"),
        "{}",
        run.stderr()
    );
    let names: Vec<String> = entries(dir.path()).into_keys().collect();
    assert_eq!(
        names,
        ["awsfed.yaml", "corp-idp.xml", "empty.json", "plan.json"]
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("plan.json")).unwrap(),
        "the old plan"
    );
    // With room, the plan replaces the old one.
    Awsfed::new()
        .current_dir(dir.path())
        .args(args)
        .run()
        .expect_code(0);
    assert!(
        std::fs::read_to_string(dir.path().join("plan.json"))
            .unwrap()
            .starts_with('{')
    );
}

#[test]
fn compile_out_on_a_full_disk_keeps_the_old_folder_and_leaves_nothing_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let model = example("large").display().to_string();
    Awsfed::new()
        .current_dir(dir.path())
        .args(["-c", &model, "compile", "--out", "out"])
        .run()
        .expect_code(0);
    let before = entries(dir.path());
    let run = with_small_file_limit(&["-c", &model, "compile", "--out", "out"], dir.path())
        .expect_code(1);
    assert!(run.stderr().contains("File too large"), "{}", run.stderr());
    assert_eq!(entries(dir.path()), before);
}
