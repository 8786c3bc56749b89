use std::process::ExitCode;

use crate::cli::Cli;
use crate::commands::print_stdout;
use crate::error::CommandError;

/// Print the JSON Schema of the model format (the same as the checked-in `awsfed.schema.json`).
/// Point your editor's YAML language server at it for completion and checks while typing.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_cli: &Cli, _args: &Args) -> Result<ExitCode, CommandError> {
    print_stdout(&awsfed_model::json_schema());
    Ok(ExitCode::SUCCESS)
}
