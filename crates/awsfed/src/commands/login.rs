use std::process::ExitCode;

use std::time::SystemTime;

use crate::cli::{Cli, OutputFormat};
use crate::commands::sign_in::{
    SignInArgs, destination, expiry_text, load_client, open_cache, pick_target, sign_in,
};
use crate::commands::{print_stderr, print_stdout, to_json};
use crate::error::CommandError;

/// Sign in to a target and cache its sessions, so that `creds`, `exec`, `env` and the AWS
/// profiles of `awsfed configure` work without asking again. Without TARGET on a terminal, pick
/// one from the client file. The SAML response comes from `--saml-file`, `--saml-command`, or a
/// prompt on the terminal; one response serves every role it grants while it is valid.
///
/// `--output json` prints the session (target, roles, expiry; never keys) on stdout.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The target, `ACCOUNT/PERMISSION_SET`.
    pub target: Option<String>,
    /// Sign in again even when cached sessions are still valid.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub signin: SignInArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let client = load_client(&args.signin)?;
    let target = match &args.target {
        Some(target) => target.clone(),
        None => pick_target(&client)?,
    };
    let destination = destination(Some(&client), Some(&target), None)?;
    let cache = open_cache()?;
    let report = sign_in(
        &args.signin,
        Some(&client),
        &cache,
        &destination,
        args.force,
    )?;
    let how = if report.sts_calls.is_empty() {
        "cached session".to_owned()
    } else {
        format!("{} STS call(s)", report.sts_calls.len())
    };
    let path = report
        .roles
        .iter()
        .map(|arn| arn.rsplit('/').next().unwrap_or(arn))
        .collect::<Vec<_>>()
        .join(" -> ");
    let session = report
        .session_name
        .as_deref()
        .map_or(String::new(), |name| format!(" as {name}"));
    let line = format!(
        "signed in to {target} ({path}{session}; {how}), valid until {}",
        expiry_text(&report)
    );
    print_stderr(&format!("{}\n", awsfed_files::terminal::escape(&line)));
    if cli.output == OutputFormat::Json {
        print_stdout(&to_json(&SignedIn {
            target: &target,
            roles: &report.roles,
            session_name: report.session_name.as_deref(),
            sts_calls: report.sts_calls.len(),
            expiration: report.credentials.expiration_rfc3339(),
            seconds_left: report.credentials.seconds_left(SystemTime::now()),
        }));
    }
    Ok(ExitCode::SUCCESS)
}

/// What `--output json` prints: the session, never its keys.
#[derive(Debug, serde::Serialize)]
struct SignedIn<'a> {
    target: &'a str,
    /// The role ARNs of the hops taken.
    roles: &'a [String],
    session_name: Option<&'a str>,
    /// STS calls made (0: the cached session).
    sts_calls: usize,
    expiration: String,
    seconds_left: i64,
}
