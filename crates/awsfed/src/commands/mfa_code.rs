//! An IAM user's sign-in: the MFA code, and the profile of the long-term keys.
//!
//! The code comes from `--mfa-command` (a helper such as a password manager's TOTP command; only
//! its standard output is read) or from the terminal device, never from standard input or output,
//! which belong to the caller of `credential_process`. A code is six digits (STS API Reference,
//! `GetSessionToken`: `TokenCode`, "the value provided by the MFA device", six digits); anything
//! else is refused before STS is asked, and never repeated in a message.

use std::io::{BufRead, Read, Write};

use awsfed_signin::{SignInError, StsError};

use crate::commands::sign_in::{self, SignInArgs};

/// The current code of the MFA device `serial`, for signing in to `target`.
pub fn mfa_code(args: &SignInArgs, target: &str, serial: &str) -> Result<String, SignInError> {
    if let Some(command) = &args.mfa_command {
        let output = crate::commands::user_command::run_user_command(
            command,
            &crate::commands::user_command::MFA,
            args.command_timeout(),
        )?;
        return checked(&String::from_utf8_lossy(&output), "the MFA command");
    }
    if args.no_prompt || sign_in::prompting_off() {
        return Err(SignInError::NeedMfaCode {
            target: target.to_owned(),
            why: if args.no_prompt {
                "the credentials server does not prompt: the command it runs owns the terminal"
            } else {
                "prompting is turned off (AWSFED_NO_PROMPT)"
            }
            .to_owned(),
        });
    }
    let tty = sign_in::terminal().ok_or_else(|| SignInError::NeedMfaCode {
        target: target.to_owned(),
        why: "there is no terminal to ask on".to_owned(),
    })?;
    let mut writer = &tty;
    let _ = write!(
        writer,
        "awsfed: signing in to {target}. MFA code of {serial}: "
    );
    let mut line = String::new();
    std::io::BufReader::new(&tty)
        .take(64)
        .read_line(&mut line)
        .map_err(|e| SignInError::AssertionSource(format!("cannot read from the terminal: {e}")))?;
    checked(&line, "the terminal")
}

/// Six digits, surrounding white space ignored.
fn checked(text: &str, from: &str) -> Result<String, SignInError> {
    let code = text.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(SignInError::AssertionSource(format!(
            "{from} gave no MFA code: a code is 6 digits"
        )))
    }
}

/// A source profile that `awsfed configure` wrote would run `awsfed creds` again to get the keys
/// that `awsfed creds` is asking for. Keys in the environment are read first and need no profile.
pub fn refuse_awsfed_source_profile(profile: Option<&str>) -> Result<(), StsError> {
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty()) {
        return Ok(());
    }
    let profile = profile.unwrap_or(awsfed_aws::DEFAULT_SOURCE_PROFILE);
    let path = match std::env::var_os(awsfed_env::AWS_CONFIG_FILE).filter(|v| !v.is_empty()) {
        Some(path) => std::path::PathBuf::from(path),
        None => match std::env::var_os(awsfed_env::HOME) {
            Some(home) => std::path::PathBuf::from(home).join(".aws").join("config"),
            None => return Ok(()),
        },
    };
    let Ok(text) = awsfed_files::read_text(&path, crate::read::MAX_AWS_CONFIG_BYTES) else {
        return Ok(());
    };
    let ours =
        awsfed_signin::managed_block::block_values(&text, "credential_process").unwrap_or_default();
    if ours.contains_key(profile) {
        return Err(StsError::classify(
            "SourceProfile",
            &format!(
                "the profile `{profile}` is one `awsfed configure` wrote, whose credential_process runs awsfed itself; name the profile with your own access keys (--source-profile)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_six_digits_and_never_repeated() {
        assert_eq!(checked(" 012345\n", "x").expect("code"), "012345");
        for bad in ["12345", "1234567", "12345a", "secret-ish", ""] {
            let error = checked(bad, "the MFA command").expect_err(bad).to_string();
            assert_eq!(
                error,
                "the MFA command gave no MFA code: a code is 6 digits"
            );
        }
    }
}
