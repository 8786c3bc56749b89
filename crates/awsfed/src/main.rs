//! The `awsfed` command line. It only composes the library crates: parsing arguments, reading files,
//! printing, and turning errors into exit codes (0 success, 1 a finding or failed operation the user
//! must act on, 2 bad input or usage).

mod cli;
mod commands;
mod error;
mod load;
mod progress;
mod read;
mod render;
mod write;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    if let Some(code) = commands::creds::cache_hit(std::env::args_os()) {
        commands::creds::report_timing(started, None);
        return code;
    }
    let cli = cli::Cli::parse_args();
    let parsed = started.elapsed();
    let code = finish(commands::run(&cli));
    if let cli::Command::Creds(_) = &cli.command {
        commands::creds::report_timing(started, Some(parsed));
    }
    code
}

fn finish(result: Result<ExitCode, error::CommandError>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            // A closed stderr leaves nothing else to report to.
            let _ = write!(stderr, "{}", error.render());
            error.exit_code()
        }
    }
}
