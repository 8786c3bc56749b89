use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::commands;

/// One model for multi-account AWS SAML federation: compile it to hub-and-spoke or direct, per
/// account; export it; compare the two topologies.
#[derive(Debug, Parser)]
#[command(name = "awsfed", version, propagate_version = true)]
pub struct Cli {
    /// The model file.
    #[arg(
        short = 'c',
        long = "config",
        global = true,
        default_value = "awsfed.yaml",
        env = awsfed_env::AWSFED_CONFIG
    )]
    pub config: PathBuf,
    /// Output format of commands that print data.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Send every AWS call to this endpoint (a local moto server); `AWS_ENDPOINT_URL` works too.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// The AWS profile to use instead of the standard credential chain's default.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// The sign-in commands read no model and reach AWS only through STS with the user's own
/// sessions: the model file, the deploy profile and the deploy endpoint do not apply to them.
const SIGN_IN_COMMANDS: [&str; 8] = [
    "login",
    "creds",
    "exec",
    "console",
    "env",
    "targets",
    "whoami",
    "configure",
];
const NOT_FOR_SIGN_IN: [&str; 3] = ["config", "profile", "endpoint_url"];

impl Cli {
    /// Parses the command line (exiting on a usage error, exit 2), with the global options that do
    /// not apply to the sign-in commands left out of their help.
    pub fn parse_args() -> Self {
        let mut command = Self::command();
        // A subcommand that has an argument of a global's id keeps its own copy (clap propagates
        // globals only where the id is missing): a hidden copy leaves it out of the help.
        let hidden: Vec<clap::Arg> = command
            .get_arguments()
            .filter(|a| NOT_FOR_SIGN_IN.contains(&a.get_id().as_str()))
            .map(|a| a.clone().hide(true))
            .collect();
        for name in SIGN_IN_COMMANDS {
            command = command.mut_subcommand(name, |sub| sub.args(hidden.iter().cloned()));
        }
        let matches = command.get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Validate(commands::validate::Args),
    Compile(commands::compile::Args),
    Compare(commands::compare::Args),
    Export(commands::export::Args),
    Schema(commands::schema::Args),
    Import(commands::import::Args),
    Saml(commands::saml::Args),
    Login(commands::login::Args),
    Creds(commands::creds::Args),
    Exec(commands::exec::Args),
    Console(commands::console::Args),
    Env(commands::env::Args),
    Targets(commands::targets::Args),
    Whoami(commands::whoami::Args),
    Configure(commands::configure::Args),
    Scan(commands::scan::Args),
    Plan(commands::plan::Args),
    Apply(commands::apply::Args),
    Bootstrap(commands::bootstrap::Args),
    Migrate(commands::migrate::Args),
    WhoCan(commands::who_can::Args),
    Access(commands::access::Args),
    Simulate(commands::simulate::Args),
    Audit(commands::audit::Args),
    Verify(commands::verify::Args),
    Diff(commands::diff::Args),
    Graph(commands::graph::Args),
}
