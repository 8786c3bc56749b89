use std::process::ExitCode;

use crate::cli::Cli;
use crate::commands::print_stdout;
use crate::commands::sign_in::{
    SignInArgs, destination, load_client, open_cache, region_environment, sign_in,
};
use crate::error::CommandError;

/// Print `export` lines for a POSIX shell with a target's credentials:
/// `eval "$(awsfed env ACCOUNT/PERMISSION_SET)"`. The variables are the ones every AWS SDK reads
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and
/// `AWS_CREDENTIAL_EXPIRATION`, and `AWS_REGION` and `AWS_DEFAULT_REGION` when the model names the
/// account's Region.
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
    let report = sign_in(&args.signin, Some(&client), &cache, &destination, false)?;
    let mut exports = report.credentials.shell_exports();
    for (name, value) in region_environment(&client, &destination) {
        exports.push_str(&format!(
            "export {name}={}\n",
            awsfed_signin::shell_quote(&value)
        ));
    }
    print_stdout(&exports);
    Ok(ExitCode::SUCCESS)
}
