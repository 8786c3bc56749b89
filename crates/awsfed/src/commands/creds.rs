use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use awsfed_signin::{Cache, SignIn};

use crate::cli::Cli;
use crate::commands::print_stdout;
use crate::commands::sign_in::{SignInArgs, destination, load_client, open_cache, sign_in};
use crate::error::CommandError;

/// Print credentials for a target in the `credential_process` format (JSON: `Version` 1,
/// `AccessKeyId`, `SecretAccessKey`, `SessionToken`, `Expiration`), for `~/.aws/config` profiles:
///
///     credential_process = awsfed creds ACCOUNT/PERMISSION_SET
///
/// Cached sessions are reused while they have at least 15 minutes left; a hub-and-spoke target's
/// second hop is renewed from the cached hub session without the IdP. Parallel calls make one STS
/// call per hop. With no valid cache and no terminal to ask on, it fails at once (exit 1).
#[derive(Debug, clap::Args)]
#[command(
    override_usage = "awsfed creds [OPTIONS] <TARGET>\n       awsfed creds [OPTIONS] --role-arn <ARN>"
)]
pub struct Args {
    /// The target, `ACCOUNT/PERMISSION_SET` (account name or id); required unless --role-arn.
    #[arg(required_unless_present = "role_arn")]
    pub target: Option<String>,
    /// Sign in to this role with SAML alone (the hub profiles of `awsfed export aws-config`).
    #[arg(long, value_name = "ARN", conflicts_with = "target")]
    pub role_arn: Option<String>,
    #[command(flatten)]
    pub signin: SignInArgs,
}

pub fn run(_cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    // `--role-arn` works without a client file (the provider then comes from the assertion).
    let client = match (&args.target, load_client(&args.signin)) {
        (_, Ok(client)) => Some(client),
        (Some(_), Err(error)) => return Err(error),
        (None, Err(_)) => None,
    };
    let destination = destination(
        client.as_ref(),
        args.target.as_deref(),
        args.role_arn.as_deref(),
    )?;
    let cache = open_cache()?;
    let report = sign_in(&args.signin, client.as_ref(), &cache, &destination, false)?;
    print_stdout(&report.credentials.credential_process_json());
    Ok(ExitCode::SUCCESS)
}

/// `awsfed creds TARGET`, with at most `--client FILE` beside it (the two forms `awsfed configure`
/// writes), when the cache holds a fresh session: printed without building the command-line
/// parser, which costs more than the cache work itself on every `credential_process` call.
/// Anything else (other options, a miss, an error) is `None`, and the full path runs and reports
/// as usual.
pub fn cache_hit(mut args: impl Iterator<Item = OsString>) -> Option<ExitCode> {
    let (_, command) = (args.next()?, args.next()?);
    if command != "creds" {
        return None;
    }
    let rest: Vec<OsString> = args.take(4).collect();
    let (target, client) = match rest.as_slice() {
        [target] => (target, None),
        [target, flag, path] if flag == "--client" => (target, Some(path)),
        [flag, path, target] if flag == "--client" => (target, Some(path)),
        _ => return None,
    };
    let target = target.to_str().filter(|t| !t.starts_with('-'))?;
    // Without `--client` the parser reads it from AWSFED_CLIENT; empty values and paths that look
    // like options are left to the parser's errors.
    let client = match client
        .cloned()
        .or_else(|| std::env::var_os(awsfed_env::AWSFED_CLIENT))
    {
        Some(path) if path.is_empty() || path.to_string_lossy().starts_with('-') => return None,
        path => path.map(PathBuf::from),
    };
    let client = crate::commands::sign_in::load_client_file(client.as_ref()).ok()?;
    let destination = destination(Some(&client), Some(target), None).ok()?;
    let cache = Cache::open(Cache::default_dir()?).ok()?;
    let signin = SignIn {
        cache: &cache,
        now: SystemTime::now(),
        validation: awsfed_saml::ValidationOptions::default(),
        force: false,
        iam_users: None,
    };
    let report = signin.fresh_cached_session(&destination)?;
    print_stdout(&report.credentials.credential_process_json());
    Some(ExitCode::SUCCESS)
}

/// With `AWSFED_TIMING` set, says on stderr how long the process spent in `main` (argument parsing,
/// client file, cache, output): the part of a `credential_process` call that is awsfed's own, next
/// to process start (`scripts/bench-creds` reports both).
pub fn report_timing(started: std::time::Instant, parsing: Option<std::time::Duration>) {
    if std::env::var_os(awsfed_env::AWSFED_TIMING).is_some() {
        let parsing = match parsing {
            Some(parsing) => format!("{} µs parsing the command line", parsing.as_micros()),
            None => "command-line parser skipped".to_owned(),
        };
        crate::commands::print_stderr(&format!(
            "awsfed: timing: {} µs in-process ({parsing})\n",
            started.elapsed().as_micros()
        ));
    }
}
