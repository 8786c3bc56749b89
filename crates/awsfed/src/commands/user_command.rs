//! The commands a user names for sign-in (`--saml-command`, `--mfa-command`): run by `sh -c` with
//! no input and their errors on ours; only their standard output is read, and only as much of it
//! as the answer can be, and only for as long as `--command-timeout` allows.
//!
//! Why a time limit, and why a long one: such a helper may wait for a person (a browser sign-in
//! at the IdP, a password manager's unlock, a security key's touch), so it gets the 5 minutes
//! `--browser` gives the IdP; but when no one is there (an IDE's `credential_process`, a renewal
//! of `exec --server`), a helper that never ends must not hang its caller for ever. Ctrl-C stops
//! both at once: the helper runs in awsfed's process group, which the terminal signals.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use awsfed_signin::SignInError;

/// What a user's command is for, and how much of an answer it can print.
pub struct Expected {
    /// `SAML`, `MFA`: names the command in errors.
    pub what: &'static str,
    pub max_bytes: usize,
    /// What it should print, for the error when it prints more.
    pub answer: &'static str,
}

/// The SAML parser's own input limit: it refuses anything longer.
pub const SAML: Expected = Expected {
    what: "SAML",
    max_bytes: awsfed_saml::Limits::DEFAULT_MAX_INPUT_BYTES,
    answer: "the base64 SAMLResponse (a few hundred KB at most)",
};

/// A code is 6 digits; room for white space and a line end, as the terminal read allows.
pub const MFA: Expected = Expected {
    what: "MFA",
    max_bytes: 64,
    answer: "the 6-digit code",
};

/// `--command-timeout`'s default: as long as `--browser` waits for the IdP.
pub const DEFAULT_TIMEOUT: &str = "5m";

/// How often a command that closed its output is checked for having exited.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// Runs `command` and returns its standard output. `timeout` of `None` waits as long as it takes.
pub fn run_user_command(
    command: &str,
    expected: &Expected,
    timeout: Option<Duration>,
) -> Result<Vec<u8>, SignInError> {
    let what = expected.what;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| fail(format!("cannot run the {what} command: {e}")))?;
    let deadline = timeout.map(|t| Instant::now() + t);
    let output = match read_output(&mut child, expected.max_bytes, deadline) {
        Ok(bytes) if bytes.len() <= expected.max_bytes => bytes,
        Ok(_) => {
            stop(&mut child);
            return Err(fail(format!(
                "the {what} command printed more than {} bytes and was stopped: it should print only {}",
                expected.max_bytes, expected.answer
            )));
        }
        Err(error) => {
            stop(&mut child);
            return Err(error.message(what, timeout));
        }
    };
    let status = match wait_until(&mut child, deadline) {
        Ok(status) => status,
        Err(error) => {
            stop(&mut child);
            return Err(error.message(what, timeout));
        }
    };
    if !status.success() {
        return Err(fail(format!("the {what} command failed ({status})")));
    }
    Ok(output)
}

enum Failure {
    TimedOut,
    Io(std::io::Error),
}

impl Failure {
    fn message(self, what: &str, timeout: Option<Duration>) -> SignInError {
        match self {
            Failure::TimedOut => {
                let seconds = timeout.map_or(0, |t| u32::try_from(t.as_secs()).unwrap_or(u32::MAX));
                fail(format!(
                    "the {what} command did not finish within {} and was stopped; a helper that waits longer for you (a browser sign-in) needs --command-timeout (e.g. 15m, or 0 for no limit)",
                    awsfed_model::duration::format_duration(seconds)
                ))
            }
            Failure::Io(e) => fail(format!("cannot read the {what} command's output: {e}")),
        }
    }
}

/// Up to `max_bytes + 1` bytes of the child's standard output (one more than allowed shows it
/// printed too much), read on a thread so the deadline holds while it prints nothing.
fn read_output(
    child: &mut Child,
    max_bytes: usize,
    deadline: Option<Instant>,
) -> Result<Vec<u8>, Failure> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (sender, receiver) = mpsc::channel();
    // On a timeout the thread may stay blocked while something the command started holds its
    // output open; it holds nothing else, and ends when that output closes.
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = stdout
            .take(max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map(|_| bytes);
        let _ = sender.send(read);
    });
    let answer = match deadline {
        Some(deadline) => receiver
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| Failure::TimedOut)?,
        None => receiver.recv().map_err(|_| Failure::TimedOut)?,
    };
    answer.map_err(Failure::Io)
}

/// The command's exit, once its output is closed: at once for nearly every command; one that
/// closes its output and lingers is waited for until the deadline.
fn wait_until(child: &mut Child, deadline: Option<Instant>) -> Result<ExitStatus, Failure> {
    let Some(deadline) = deadline else {
        return child.wait().map_err(Failure::Io);
    };
    loop {
        if let Some(status) = child.try_wait().map_err(Failure::Io)? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(Failure::TimedOut);
        }
        std::thread::sleep(EXIT_POLL);
    }
}

/// Kills the command (the shell, or the program it became) and reaps it.
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn fail(message: String) -> SignInError {
    SignInError::AssertionSource(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORT: Option<Duration> = Some(Duration::from_secs(60));

    #[test]
    fn the_answer_is_read_and_a_failure_reported() {
        let code = run_user_command("printf '123456\\n'", &MFA, SHORT).expect("code");
        assert_eq!(code, b"123456\n");
        let error = run_user_command("exit 3", &MFA, SHORT).expect_err("fails");
        assert_eq!(error.to_string(), "the MFA command failed (exit status: 3)");
    }

    #[test]
    fn an_mfa_command_printing_more_than_a_code_is_stopped() {
        // `yes` never ends by itself: only the limit stops it.
        let error = run_user_command("yes 123456", &MFA, None).expect_err("too much");
        assert_eq!(
            error.to_string(),
            "the MFA command printed more than 64 bytes and was stopped: it should print only the 6-digit code"
        );
        // Exactly the limit is an answer (which the code check then judges).
        let exact = run_user_command("head -c 64 /dev/zero", &MFA, SHORT).expect("64 bytes");
        assert_eq!(exact.len(), 64);
    }

    #[test]
    fn a_saml_command_printing_more_than_the_parser_takes_is_stopped() {
        let error =
            run_user_command("yes PHNhbWxwOlJlc3BvbnNlPg==", &SAML, None).expect_err("too much");
        assert_eq!(
            error.to_string(),
            "the SAML command printed more than 1048576 bytes and was stopped: it should print only the base64 SAMLResponse (a few hundred KB at most)"
        );
    }

    #[test]
    fn a_command_that_never_ends_is_stopped_at_the_timeout() {
        let pid_file = tempfile::NamedTempFile::new().expect("temp");
        let command = format!("echo $$ > '{}'; exec sleep 600", pid_file.path().display());
        let error =
            run_user_command(&command, &SAML, Some(Duration::from_secs(1))).expect_err("timed out");
        assert_eq!(
            error.to_string(),
            "the SAML command did not finish within 1s and was stopped; a helper that waits longer for you (a browser sign-in) needs --command-timeout (e.g. 15m, or 0 for no limit)"
        );
        // The command was killed and reaped, not left running.
        let pid = std::fs::read_to_string(pid_file.path()).expect("pid");
        assert!(
            !std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(),
            "the command {pid} still runs"
        );
        // One that closes its output and lingers is waited for, then stopped the same way.
        let error = run_user_command(
            "exec >&-; exec sleep 600",
            &MFA,
            Some(Duration::from_secs(1)),
        )
        .expect_err("timed out");
        assert!(
            error.to_string().contains("did not finish within 1s"),
            "{error}"
        );
    }
}
