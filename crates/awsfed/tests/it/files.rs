//! The user's files: `--out` folders never lose a file awsfed did not write, output files are
//! replaced atomically, every file input is bounded by the bytes read, untrusted text is escaped.

use std::path::Path;

use crate::support::{Awsfed, example, model_file, read_tree};

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
    let before = read_tree(dir.path());
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
    assert_eq!(read_tree(dir.path()), before);
    // The same from inside the folder, as `--out .`.
    Awsfed::new()
        .current_dir(dir.path())
        .args(["-c", "awsfed.yaml", "compile", "--out", "."])
        .run()
        .expect_code(2);
    assert_eq!(read_tree(dir.path()), before);
    // Forced: awsfed's files beside the model, which is kept.
    Awsfed::new()
        .config(&model)
        .args(["compile", "--force", "--out"])
        .arg(dir.path())
        .run()
        .expect_code(0);
    let after = read_tree(dir.path());
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
    let exported = read_tree(&tf);
    // The second export into awsfed's own folder replaces it.
    export(false).expect_code(0);
    assert_eq!(read_tree(&tf), exported);
    std::fs::write(tf.join("terraform.tfstate"), "{\"version\": 4}").unwrap();
    std::fs::create_dir_all(tf.join(".terraform/providers")).unwrap();
    std::fs::write(tf.join(".terraform/providers/aws"), "binary").unwrap();
    let with_state = read_tree(&tf);
    let run = export(false).expect_code(2);
    insta::assert_snapshot!(redact(&run.stderr(), dir.path()), @r"
    error: `[DIR]/tf` holds 2 files awsfed did not write: `.terraform/`, `terraform.tfstate`; nothing was written
    hint: name a new or empty folder, or pass --force to write awsfed's files beside them (awsfed never deletes a file it did not write)
    ");
    assert_eq!(read_tree(&tf), with_state);
    let run = export(true).expect_code(0);
    assert!(
        run.stderr().contains("note: kept 2 file(s) in"),
        "{}",
        run.stderr()
    );
    assert_eq!(read_tree(&tf), with_state);
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
        read_tree(dir.path()).into_iter().collect::<Vec<_>>(),
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
        .env_remove(awsfed_env::AWSFED_CONFIG);
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
    let names: Vec<String> = read_tree(dir.path()).into_keys().collect();
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
    let before = read_tree(dir.path());
    let run = with_small_file_limit(&["-c", &model, "compile", "--out", "out"], dir.path())
        .expect_code(1);
    assert!(run.stderr().contains("File too large"), "{}", run.stderr());
    assert_eq!(read_tree(dir.path()), before);
}

/// Runs awsfed with a time limit: reading a FIFO or a device must end, not hang.
fn run_within(seconds: u64, mut command: std::process::Command) -> crate::support::Run {
    use std::time::{Duration, Instant};
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("awsfed starts");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(seconds) {
            let _ = child.kill();
            panic!(
                "awsfed {:?} did not finish in {seconds} s",
                command.get_args()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::support::Run {
        output: child.wait_with_output().expect("output"),
    }
}

fn awsfed(args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_awsfed"));
    command.env_remove(awsfed_env::AWSFED_CONFIG).args(args);
    command
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs (coreutils)");
    assert!(made.success());
}

#[test]
fn the_model_as_a_device_or_a_fifo_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("awsfed.yaml");
    mkfifo(&fifo);
    let fifo = fifo.display().to_string();
    for (model, kind) in [
        ("/dev/zero", "a character device"),
        (&fifo, "a FIFO (named pipe)"),
    ] {
        let run = run_within(20, awsfed(&["-c", model, "validate"])).expect_code(2);
        assert_eq!(
            run.stderr(),
            format!(
                "error: `{model}` is {kind}, not a regular file; awsfed reads only regular files (a symlink to one is fine)\nhint: name the model with -c FILE (default ./awsfed.yaml)\n"
            )
        );
    }
}

#[test]
fn metadata_file_on_a_device_is_a_diagnostic_on_its_line() {
    let yaml = std::fs::read_to_string(example("hub-and-spoke"))
        .unwrap()
        .replace("metadata_file: corp-idp.xml", "metadata_file: /dev/zero");
    let (dir, model) = model_file(&yaml);
    let mut command = awsfed(&["-c", "awsfed.yaml", "validate"]);
    command.current_dir(dir.path());
    let run = run_within(20, command).expect_code(2);
    insta::assert_snapshot!(run.stderr(), @r"
    error[unreadable-metadata]: cannot read metadata file `/dev/zero`: `/dev/zero` is a character device, not a regular file; awsfed reads only regular files (a symlink to one is fine)
      --> awsfed.yaml:6:18
      |
    6 |   metadata_file: /dev/zero
      |                  ^^^^^^^^^
      = help: the path is relative to the model file

    1 error, 0 warnings
    ");
    drop(model);
}

#[test]
fn snapshots_linked_to_devices_or_fifos_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = example("hub-and-spoke").display().to_string();
    let file = dir.path().join("snapshot.json");
    std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
    let folder = dir.path().join("folder");
    std::fs::create_dir_all(folder.join("accounts")).unwrap();
    std::fs::write(
        folder.join("accounts/111111111111.json"),
        r#"{"format": 1, "id": "111111111111", "roles": [], "policies": [], "saml_providers": []}"#,
    )
    .unwrap();
    let organization = folder.join("organization.json");
    std::os::unix::fs::symlink("/dev/zero", &organization).unwrap();
    let fifo_folder = dir.path().join("fifo");
    std::fs::create_dir_all(fifo_folder.join("accounts")).unwrap();
    mkfifo(&fifo_folder.join("accounts/111111111111.json"));
    let cases = [
        (file.clone(), file.clone(), "a character device"),
        (folder.clone(), organization.clone(), "a character device"),
        (
            fifo_folder.clone(),
            fifo_folder.join("accounts/111111111111.json"),
            "a FIFO (named pipe)",
        ),
    ];
    for (snapshot, named, kind) in cases {
        let snapshot = snapshot.display().to_string();
        for command in [
            vec!["-c", &model, "verify", "--snapshot", &snapshot],
            vec!["-c", &model, "plan", "--snapshot", &snapshot],
        ] {
            let run = run_within(20, awsfed(&command)).expect_code(2);
            assert!(
                run.stderr().starts_with(&format!(
                    "error: `{}` is {kind}, not a regular file",
                    named.display()
                )),
                "{command:?}: {}",
                run.stderr()
            );
        }
    }
}

#[test]
fn every_other_file_input_refuses_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let model = example("hub-and-spoke").display().to_string();
    let commands: [&[&str]; 6] = [
        &["-c", &model, "apply", "/dev/zero"],
        &["-c", &model, "who-can", "--idp", "/dev/zero", "prod/Admin"],
        &["simulate", "/dev/zero"],
        &["saml", "inspect", "/dev/zero"],
        &["login", "--client", "/dev/zero", "prod/Admin"],
        &["creds", "--client", "/dev/zero", "prod/Admin"],
    ];
    for args in commands {
        let mut command = awsfed(args);
        command
            .env("HOME", dir.path())
            .env(awsfed_env::AWSFED_CACHE_DIR, dir.path().join("cache"));
        let run = run_within(20, command);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(
            run.stderr()
                .contains("`/dev/zero` is a character device, not a regular file"),
            "{args:?}: {}",
            run.stderr()
        );
    }
}

#[test]
fn an_error_on_a_22_mb_line_quotes_a_bounded_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let accounts: Vec<String> = (0..750_000)
        .map(|i| format!("a{i}: {{id: \"{i:012}\"}}"))
        .collect();
    let line = format!("accounts: {{{}, bad: {{id: 12}}}}", accounts.join(", "));
    assert!(line.len() > 22_900_000, "{}", line.len());
    let model = dir.path().join("awsfed.yaml");
    std::fs::write(&model, format!("version: 1\n{line}\n")).unwrap();
    let run = run_within(
        120,
        awsfed(&["-c", &model.display().to_string(), "validate"]),
    )
    .expect_code(2);
    let stderr = run.stderr();
    assert!(stderr.len() < 8_000, "{} bytes of stderr", stderr.len());
    let quoted = stderr
        .lines()
        .find(|l| l.starts_with("2 | "))
        .expect("the line");
    assert!(
        quoted.starts_with("2 | …") && quoted.ends_with('…'),
        "{quoted}"
    );
}

/// A response whose NameID and RoleSessionName try to forge lines and reorder text.
fn forged_response() -> Vec<u8> {
    let fixture =
        std::fs::read_to_string(crate::signin_support::real_saml("google-3roles.xml")).unwrap();
    let forged =
        "mallory&#10;NameID:               alice@corp.example&#13;\u{202e}elpmaxe\u{9b}31m";
    let xml = fixture.replace("first.last@example.com", forged);
    assert_ne!(xml, fixture);
    xml.into_bytes()
}

#[test]
fn saml_inspect_shows_forged_text_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("forged.xml");
    std::fs::write(&file, forged_response()).unwrap();
    let run = Awsfed::new()
        .args(["saml", "inspect", "--at", "2030-01-01T00:00:00Z"])
        .arg(&file)
        .run();
    let stdout = run.stdout();
    let starting =
        |prefix: &str| -> Vec<&str> { stdout.lines().filter(|l| l.starts_with(prefix)).collect() };
    assert_eq!(
        starting("NameID"),
        [
            "NameID:               mallory\\nNameID:               alice@corp.example\\r\\u{202e}elpmaxe\\u{9b}31m (unspecified)"
        ],
        "no forged NameID line: {stdout}"
    );
    assert_eq!(
        starting("RoleSessionName"),
        [
            "RoleSessionName:      mallory\\nNameID:               alice@corp.example\\r\\u{202e}elpmaxe\\u{9b}31m"
        ],
        "{stdout}"
    );
    assert!(
        !stdout
            .chars()
            .any(|c| c == '\r' || c == '\u{9b}' || c == '\u{202e}'),
        "{stdout:?}"
    );
    let json = Awsfed::new()
        .args([
            "saml",
            "inspect",
            "--output",
            "json",
            "--at",
            "2030-01-01T00:00:00Z",
        ])
        .arg(&file)
        .run()
        .stdout();
    assert!(
        !json.chars().any(|c| c == '\u{9b}' || c == '\u{202e}'),
        "{json}"
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["response"]["assertion"]["name_id"]["value"],
        "mallory\nNameID:               alice@corp.example\r\u{202e}elpmaxe\u{9b}31m"
    );
}

#[test]
fn configure_writes_through_a_symlinked_config_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    Awsfed::new()
        .config(example("hub-and-spoke"))
        .args(["export", "client", "--out"])
        .arg(dir.path().join("client"))
        .run()
        .expect_code(0);
    let dotfiles = dir.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let user = "[default]\nregion = eu-west-1\n";
    std::fs::write(dotfiles.join("aws-config"), user).unwrap();
    std::fs::create_dir_all(dir.path().join("home/.aws")).unwrap();
    let config = dir.path().join("home/.aws/config");
    std::os::unix::fs::symlink(dotfiles.join("aws-config"), &config).unwrap();
    Awsfed::new()
        .arg("configure")
        .arg("--client")
        .arg(dir.path().join("client/client.json"))
        .arg("--config-file")
        .arg(&config)
        .run()
        .expect_code(0);
    assert!(
        std::fs::symlink_metadata(&config)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = std::fs::read_to_string(dotfiles.join("aws-config")).unwrap();
    assert!(
        written.starts_with(user) && written.contains("credential_process"),
        "{written}"
    );
    let names: Vec<String> = read_tree(&dir.path().join("home/.aws"))
        .into_keys()
        .collect();
    assert_eq!(names, ["config"], "no temporary left");
}
