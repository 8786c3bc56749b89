use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::ExitCode;

use awsfed_files::terminal::escape;
use awsfed_signin::ClientFile;
use awsfed_signin::shared_files::credential_settings;

use crate::cli::Cli;
use crate::commands::credential_server::CredentialServer;
use crate::commands::sign_in::{
    SignInArgs, destination, load_client, open_cache, region_environment, sign_in,
};
use crate::error::CommandError;
use awsfed_files::message::{self, Level};

/// Run a command with a target's credentials in its environment: `awsfed exec prod/ReadOnly --
/// aws s3 ls`. `AWS_PROFILE` and `AWS_DEFAULT_PROFILE` are removed so the command uses these
/// credentials; `AWSFED_TARGET` names the target; `AWS_REGION` and `AWS_DEFAULT_REGION` are the
/// account's Region when the model names one. The command replaces awsfed (its exit status is
/// the command's; 127 when the command is not found, 126 when it cannot be run, as in shells).
///
/// With `--server`, awsfed stays beside the command and serves the target's credentials on
/// 127.0.0.1 as the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with a
/// random `AWS_CONTAINER_AUTHORIZATION_TOKEN`; no keys in the environment), renewing the session
/// when the SDK asks again: a hub-and-spoke target's spoke session is renewed from the cached hub
/// session, so a long `terraform apply` outlives the one-hour limit of chained sessions. Renewals
/// never prompt; when the hub session ends they need `--saml-command`. The SDKs try keys in the
/// environment and the `default` profile of `~/.aws/credentials` and `~/.aws/config` before the
/// endpoint, so the command's environment leaves out `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE` and the like, and a file
/// whose `default` profile holds credentials is replaced by `/dev/null` for it
/// (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`); awsfed says on stderr what it left out.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The target, `ACCOUNT/PERMISSION_SET`.
    pub target: String,
    #[command(flatten)]
    pub signin: SignInArgs,
    /// Serve renewed credentials to the command from 127.0.0.1 instead of putting one session in
    /// its environment.
    #[arg(long)]
    pub server: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(_cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let client = load_client(&args.signin)?;
    let destination = destination(Some(&client), Some(&args.target), None)?;
    let cache = open_cache()?;
    let report = sign_in(&args.signin, Some(&client), &cache, &destination, false)?;
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CommandError::bad_input(
            "name the command to run after `--`",
        ));
    };
    let mut command = std::process::Command::new(program);
    command
        .args(rest)
        .env_remove(awsfed_env::AWS_PROFILE)
        .env_remove(awsfed_env::AWS_DEFAULT_PROFILE)
        .env(awsfed_env::AWSFED_TARGET, &args.target);
    for (name, value) in region_environment(&client, &destination) {
        command.env(name, value);
    }
    if args.server {
        return run_beside(command, program, args, client);
    }
    for (name, value) in report.credentials.environment() {
        command.env(name, value);
    }
    let error = command.exec();
    Ok(cannot_run(program, &error))
}

/// Variables the SDKs' credential chains read before the container endpoint ("Standardized
/// credential providers", AWS SDKs and Tools Reference Guide): keys, the profile to use, web
/// identity, and the container endpoint's own relative URI and token file, which win over the full
/// URI and the token.
const OVERRIDING_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    awsfed_env::AWS_PROFILE,
    awsfed_env::AWS_DEFAULT_PROFILE,
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// The `default` profile is the one an SDK uses once `AWS_PROFILE` is gone; where it holds
/// credentials, the SDK would sign with them and never ask the server. The command gets
/// `/dev/null` as that file instead (its other settings, the Region among them, go too; `exec`
/// sets `AWS_REGION` when the model names the account's Region).
fn hide_default_profiles(command: &mut std::process::Command) {
    let home = std::env::var_os(awsfed_env::HOME).map(std::path::PathBuf::from);
    for (variable, file, config_file) in [
        (
            awsfed_env::AWS_SHARED_CREDENTIALS_FILE,
            "credentials",
            false,
        ),
        (awsfed_env::AWS_CONFIG_FILE, "config", true),
    ] {
        let path = match std::env::var_os(variable).filter(|v| !v.is_empty()) {
            Some(path) => std::path::PathBuf::from(path),
            None => match &home {
                Some(home) => home.join(".aws").join(file),
                None => continue,
            },
        };
        let Ok(text) = awsfed_files::read_text(&path, crate::read::MAX_AWS_CONFIG_BYTES) else {
            continue;
        };
        let settings = credential_settings(&text, "default", config_file);
        if settings.is_empty() {
            continue;
        }
        command.env(variable, "/dev/null");
        message::print(
            Level::Note,
            format_args!(
                "the `default` profile of `{}` holds credentials ({}), which SDKs would use before the credentials server: the command sees {variable}=/dev/null",
                escape(&path.display().to_string()),
                settings.join(", ")
            ),
        );
    }
}

/// Shells exit 127 for a command not found and 126 for one found but not runnable ("Exit Status
/// for Commands", POSIX Shell Command Language 2.8.2); callers and scripts test for them.
fn cannot_run(program: &str, error: &std::io::Error) -> ExitCode {
    message::print(
        Level::Error,
        format_args!("cannot run `{program}`: {error}"),
    );
    ExitCode::from(if error.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}

/// Runs the command as a child with the credentials server's address and token, serving until it
/// exits; its exit status is awsfed's (128 + N when signal N ended it, as shells report).
fn run_beside(
    mut command: std::process::Command,
    program: &str,
    args: &Args,
    client: ClientFile,
) -> Result<ExitCode, CommandError> {
    let server = CredentialServer::start()?;
    let removed: Vec<&str> = OVERRIDING_VARIABLES
        .iter()
        .copied()
        .filter(|name| std::env::var_os(name).is_some())
        .collect();
    for name in OVERRIDING_VARIABLES {
        command.env_remove(name);
    }
    if !removed.is_empty() {
        message::print(
            Level::Note,
            format_args!(
                "the command's environment leaves out {}: SDKs would use them before the credentials server",
                removed.join(", ")
            ),
        );
    }
    hide_default_profiles(&mut command);
    command
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &server.url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &server.token);
    let mut signin = args.signin.clone();
    signin.no_prompt = true;
    let target = args.target.clone();
    server.serve(move || {
        let destination = destination(Some(&client), Some(&target), None)?;
        let cache = open_cache()?;
        Ok(sign_in(&signin, Some(&client), &cache, &destination, false)?.credentials)
    });
    // Ctrl-C reaches the command too (one process group); awsfed keeps serving until it exits.
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGQUIT] {
        let _ = signal_hook::flag::register(signal, std::sync::Arc::clone(&interrupted));
    }
    let status = match command.status() {
        Ok(status) => status,
        Err(error) => return Ok(cannot_run(program, &error)),
    };
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
