use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
        env = awsfed_signin::env_vars::AWSFED_CONFIG
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
    Saml(commands::saml::Args),
    Login(commands::login::Args),
    Creds(commands::creds::Args),
    Exec(commands::exec::Args),
    Env(commands::env::Args),
    Whoami(commands::whoami::Args),
    Configure(commands::configure::Args),
    Scan(commands::scan::Args),
    Plan(commands::plan::Args),
    Apply(commands::apply::Args),
    Bootstrap(commands::bootstrap::Args),
    WhoCan(commands::who_can::Args),
    Access(commands::access::Args),
    Simulate(commands::simulate::Args),
    Audit(commands::audit::Args),
    Verify(commands::verify::Args),
    Diff(commands::diff::Args),
    Graph(commands::graph::Args),
}
