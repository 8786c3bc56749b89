//! One file per command; each `Args` doc comment is the command's help text.

/// Shared by who-can, access, audit, verify, diff and graph: reading snapshots and IdP descriptions.
pub mod access;
pub mod apply;
pub mod audit;
pub mod bootstrap;
mod bootstrap_reads;
pub mod compare;
pub mod compare_migration;
pub mod compile;
pub mod configure;
pub mod console;
/// `exec --server`: the container credentials endpoint on 127.0.0.1.
mod credential_server;
pub mod creds;
/// Shared by scan, plan, apply and bootstrap.
pub mod deploy;
/// Shared by scan, plan and apply: the Identity Center instance.
pub mod deploy_identity_center;
pub mod deploy_stacksets;
pub mod deploy_stacksets_args;
pub mod deploy_stacksets_file;
pub mod diff;
pub mod env;
pub mod exec;
pub mod export;
pub mod export_client;
pub mod graph;
pub mod import;
pub mod login;
/// An IAM user's MFA code and the profile of their long-term keys.
mod mfa_code;
pub mod migrate;
/// The sign-in prompt's terminal input.
mod paste;
pub mod plan;
pub mod saml;
pub mod scan;
pub mod schema;
pub mod sign_in;
pub mod simulate;
pub mod targets;
mod user_command;
pub mod validate;
pub mod verify;
pub mod who_can;
pub mod whoami;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::CommandError;

pub fn run(cli: &Cli) -> Result<ExitCode, CommandError> {
    match &cli.command {
        Command::Validate(args) => validate::run(cli, args),
        Command::Compile(args) => compile::run(cli, args),
        Command::Compare(args) => compare::run(cli, args),
        Command::Export(args) => export::run(cli, args),
        Command::Schema(args) => schema::run(cli, args),
        Command::Import(args) => import::run(cli, args),
        Command::Saml(args) => saml::run(cli, args),
        Command::Login(args) => login::run(cli, args),
        Command::Creds(args) => creds::run(cli, args),
        Command::Exec(args) => exec::run(cli, args),
        Command::Console(args) => console::run(cli, args),
        Command::Env(args) => env::run(cli, args),
        Command::Targets(args) => targets::run(cli, args),
        Command::Whoami(args) => whoami::run(cli, args),
        Command::Configure(args) => configure::run(cli, args),
        Command::Scan(args) => scan::run(cli, args),
        Command::Plan(args) => plan::run(cli, args),
        Command::Apply(args) => apply::run(cli, args),
        Command::Bootstrap(args) => bootstrap::run(cli, args),
        Command::Migrate(args) => migrate::run(cli, args),
        Command::WhoCan(args) => who_can::run(cli, args),
        Command::Access(args) => access::run(cli, args),
        Command::Simulate(args) => simulate::run(cli, args),
        Command::Audit(args) => audit::run(cli, args),
        Command::Verify(args) => verify::run(cli, args),
        Command::Diff(args) => diff::run(cli, args),
        Command::Graph(args) => graph::run(cli, args),
    }
}

/// Prints data for a pipe; a closed pipe (`awsfed … | head`) is not an error.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub fn print_stderr(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("output types always serialise");
    text.push('\n');
    awsfed_files::terminal::escape_json(text)
}
