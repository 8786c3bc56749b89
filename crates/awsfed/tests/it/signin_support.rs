//! Helpers of the sign-in tests: the awsfed binary with an isolated home and cache, standard
//! input, and the external test tools (moto, the pysaml2 IdP, the trust gate).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `awsfed` with a clean environment: its own HOME, cache and AWS config, no AWS variables.
pub fn awsfed(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_awsfed"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("AWS_") || key.starts_with("AWSFED_") || key.starts_with("XDG_") {
            command.env_remove(&key);
        }
    }
    command
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"));
    command
}

/// Runs with `input` on standard input (and no terminal).
pub fn run_with_stdin(mut command: Command, input: &[u8]) -> Output {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("awsfed starts");
    if let Some(mut stdin) = child.stdin.take() {
        // The command may exit before reading everything; that is its answer, not a test failure.
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().expect("awsfed runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A real IdP fixture.
pub fn real_saml(name: &str) -> PathBuf {
    crate::support::repo()
        .join("../shared/fixtures/saml/real")
        .join(name)
}
