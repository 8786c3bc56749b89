use std::os::unix::process::CommandExt;
use std::process::ExitCode;

use awsfed_signin::env_vars;

use crate::cli::Cli;
use crate::commands::sign_in::{
    SignInArgs, destination, load_client, open_cache, region_environment, sign_in,
};
use crate::error::CommandError;

/// Run a command with a target's credentials in its environment: `awsfed exec prod/ReadOnly --
/// aws s3 ls`. `AWS_PROFILE` and `AWS_DEFAULT_PROFILE` are removed so the command uses these
/// credentials; `AWSFED_TARGET` names the target; `AWS_REGION` and `AWS_DEFAULT_REGION` are the
/// account's Region when the model names one. The command replaces awsfed (its exit status is
/// the command's; 127 when the command is not found, 126 when it cannot be run, as in shells).
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
    for (name, value) in report
        .credentials
        .environment()
        .into_iter()
        .chain(region_environment(&client, &destination))
    {
        command.env(name, value);
    }
    let error = command.exec();
    // Shells exit 127 for a command not found and 126 for one found but not runnable ("Exit
    // Status for Commands", POSIX Shell Command Language 2.8.2); callers and scripts test for them.
    eprintln!("error: cannot run `{program}`: {error}");
    Ok(ExitCode::from(
        if error.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        },
    ))
}
