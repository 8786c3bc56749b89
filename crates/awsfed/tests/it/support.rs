//! Running the real `awsfed` binary in tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (two levels above this crate).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name).join("awsfed.yaml")
}

/// An `awsfed` invocation with a clean environment for the variables awsfed reads.
pub struct Awsfed {
    command: Command,
}

impl Awsfed {
    pub fn new() -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_awsfed"));
        command
            .env_remove(awsfed_env::AWSFED_CONFIG)
            .env("NO_COLOR", "1");
        Self { command }
    }

    pub fn config(mut self, path: impl AsRef<Path>) -> Self {
        self.command.arg("-c").arg(path.as_ref());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    pub fn run(mut self) -> Run {
        let output = self.command.output().expect("awsfed runs");
        Run { output }
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().expect("awsfed exits with a code")
    }

    pub fn stdout(&self) -> String {
        String::from_utf8(self.output.stdout.clone()).expect("stdout is UTF-8")
    }

    pub fn stderr(&self) -> String {
        String::from_utf8(self.output.stderr.clone()).expect("stderr is UTF-8")
    }

    /// Asserts the exit code, showing both streams when it differs.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// A model file in a fresh temporary folder (with the example metadata beside it).
pub fn model_file(yaml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("awsfed.yaml");
    std::fs::write(&path, yaml).expect("write model");
    std::fs::copy(
        repo().join("examples/hub-and-spoke/corp-idp.xml"),
        dir.path().join("corp-idp.xml"),
    )
    .expect("copy metadata");
    (dir, path)
}

/// `awsfed validate` on `yaml` (see [`model_file`]): exit code and stderr, the folder shown as
/// `<dir>`.
pub fn validate(yaml: &str) -> (i32, String) {
    let (dir, path) = model_file(yaml);
    let run = Awsfed::new().config(&path).arg("validate").run();
    let stderr = run
        .stderr()
        .replace(&dir.path().display().to_string(), "<dir>");
    (run.code(), stderr)
}

/// A free TCP port on 127.0.0.1 for a private server (moto, the gate, a proxy).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A GET or POST without a body on a local server; the response body, or `None` when the server is
/// not answering (yet).
pub fn http(url: &str, method: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let address = url.strip_prefix("http://")?;
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Length: 0\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.").then(|| body.to_owned())
}

/// A child process killed when dropped.
pub struct Process(pub std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every file under `dir`, by relative path.
pub fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    files
}

/// cfn-lint reports nothing on `templates` (none when the tests skip cfn-lint).
pub fn assert_cfn_lint_clean(templates: &[PathBuf]) {
    let Some(cfn_lint) = awsfed_testkit::required_tool(
        awsfed_env::AWSFED_CFN_LINT,
        awsfed_env::AWSFED_SKIP_CFN_LINT,
        "run the tests with scripts/test (it installs cfn-lint and sets AWSFED_CFN_LINT)",
    ) else {
        return;
    };
    let output = std::process::Command::new(&cfn_lint)
        .arg("--")
        .args(templates)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", Path::new(&cfn_lint).display()));
    assert!(
        output.status.success(),
        "cfn-lint found problems in {} templates:\n{}{}",
        templates.len(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `outer` running `inner` (program, arguments, environment and folder), after `outer`'s own
/// arguments.
pub fn wrap(mut outer: Command, inner: &Command) -> Command {
    outer.arg(inner.get_program()).args(inner.get_args());
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => outer.env(key, value),
            None => outer.env_remove(key),
        };
    }
    if let Some(dir) = inner.get_current_dir() {
        outer.current_dir(dir);
    }
    outer
}

/// What a command run on a pseudo-terminal did.
pub struct PtyRun {
    pub code: Option<i32>,
    /// The command's stdout (a file, not the terminal).
    pub stdout: String,
    /// What the terminal showed (stderr, and the prompts), its CR LF line ends made LF; a lone
    /// `\r` (a line redrawn in place) is kept.
    pub shown: String,
}

/// Runs `inner` with a real pseudo-terminal of `columns` columns as its terminal (stdin, stderr,
/// /dev/tty) and its stdout in a file (`tests/support/pty_run.py`, run by `python`), pasting
/// `paste` at its first `> ` prompt.
pub fn on_pty(python: &Path, inner: &Command, columns: u16, paste: Option<&Path>) -> PtyRun {
    let dir = tempfile::tempdir().expect("temporary folder");
    let stdout_file = dir.path().join("stdout");
    let mut runner = Command::new(python);
    runner
        .arg(repo().join("tests/support/pty_run.py"))
        .args(["--columns", &columns.to_string()]);
    if let Some(paste) = paste {
        runner.arg("--paste").arg(paste);
    }
    runner.arg(&stdout_file).arg("--");
    let output = wrap(runner, inner).output().expect("pty_run.py runs");
    assert!(
        output.stderr.is_empty(),
        "pty_run.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PtyRun {
        code: output.status.code(),
        stdout: std::fs::read_to_string(&stdout_file).unwrap_or_default(),
        shown: String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"),
    }
}
