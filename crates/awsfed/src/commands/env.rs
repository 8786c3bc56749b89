use std::process::ExitCode;

use crate::cli::Cli;
use crate::commands::print_stdout;
use crate::commands::sign_in::{SignInArgs, destination, load_client, open_cache, sign_in};
use crate::error::CommandError;

/// Print `export` lines for a POSIX shell with a target's credentials:
/// `eval "$(awsfed env ACCOUNT/PERMISSION_SET)"`. The variables are the ones every AWS SDK reads
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and
/// `AWS_CREDENTIAL_EXPIRATION`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The target, `ACCOUNT/PERMISSION_SET`.
    pub target: String,
    #[command(flatten)]
    pub signin: SignInArgs,
}

pub fn run(_cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let client = load_client(&args.signin)?;
    let destination = destination(Some(&client), Some(&args.target), None)?;
    let cache = open_cache()?;
    let report = sign_in(&args.signin, &cache, &destination, false)?;
    print_stdout(&report.credentials.shell_exports());
    Ok(ExitCode::SUCCESS)
}
