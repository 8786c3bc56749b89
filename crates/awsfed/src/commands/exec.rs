use std::os::unix::process::CommandExt;
use std::process::ExitCode;

use awsfed_signin::env_vars;

use crate::cli::Cli;
use crate::commands::sign_in::{SignInArgs, destination, load_client, open_cache, sign_in};
use crate::error::CommandError;

/// Run a command with a target's credentials in its environment: `awsfed exec prod/ReadOnly --
/// aws s3 ls`. `AWS_PROFILE` and `AWS_DEFAULT_PROFILE` are removed so the command uses these
/// credentials; `AWSFED_TARGET` names the target. The command replaces awsfed (its exit status is
/// the command's).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The target, `ACCOUNT/PERMISSION_SET`.
    pub target: String,
    #[command(flatten)]
    pub signin: SignInArgs,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(_cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let client = load_client(&args.signin)?;
    let destination = destination(Some(&client), Some(&args.target), None)?;
    let cache = open_cache()?;
    let report = sign_in(&args.signin, &cache, &destination, false)?;
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CommandError::bad_input(
            "error: name the command to run after `--`",
        ));
    };
    let mut command = std::process::Command::new(program);
    command
        .args(rest)
        .env_remove(env_vars::AWS_PROFILE)
        .env_remove(env_vars::AWS_DEFAULT_PROFILE)
        .env(env_vars::AWSFED_TARGET, &args.target);
    for (name, value) in report.credentials.environment() {
        command.env(name, value);
    }
    let error = command.exec();
    Err(CommandError::failed(format!(
        "error: cannot run `{program}`: {error}"
    )))
}
