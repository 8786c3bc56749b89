use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use awsfed_files::terminal::escape;
use awsfed_signin::{ClientHop, ClientTarget, Destination, SignIn};
use serde::Serialize;

use crate::cli::{Cli, OutputFormat};
use crate::commands::sign_in::{load_client_file, open_cache};
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;

/// List the targets of the client file, with how each is reached and how long its cached session
/// has left. Reads only the client file and the cache: no STS call, no prompt.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the targets this directory group reaches.
    #[arg(long)]
    pub group: Option<String>,
    /// The client file (`awsfed export client`). Default: `$AWSFED_CLIENT`, else
    /// `$XDG_CONFIG_HOME/awsfed/client.json` (`~/.config/awsfed/client.json`).
    #[arg(long, value_name = "FILE", env = awsfed_env::AWSFED_CLIENT)]
    pub client: Option<std::path::PathBuf>,
}

/// One target, as `--output json` prints it.
#[derive(Debug, Serialize)]
struct Target<'a> {
    name: &'a str,
    account_name: &'a str,
    account_id: &'a str,
    permission_set: &'a str,
    /// `direct` (one SAML hop) or `hub-and-spoke` (SAML into a hub role, then AssumeRole).
    topology: &'static str,
    /// The directory groups that reach it, sorted.
    groups: Vec<&'a str>,
    max_session_duration: u32,
    /// The cached session of the final hop, if any (expired ones too).
    session: Option<Session>,
}

#[derive(Debug, Serialize)]
struct Session {
    expiration: String,
    /// Negative once expired.
    seconds_left: i64,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let client = load_client_file(args.client.as_ref())?;
    let cache = open_cache()?;
    let now = SystemTime::now();
    let signin = SignIn {
        cache: &cache,
        now,
        validation: awsfed_saml::ValidationOptions::default(),
        force: false,
        iam_users: None,
    };
    let targets: Vec<Target<'_>> = client
        .targets
        .iter()
        .filter(|t| {
            args.group
                .as_ref()
                .is_none_or(|g| t.paths.iter().any(|p| p.groups.contains(g)))
        })
        .map(|target| describe(target, &signin, now))
        .collect();
    if targets.is_empty()
        && let Some(group) = &args.group
    {
        return Err(CommandError::bad_input(format!(
            "directory group `{}` reaches no target in the client file",
            escape(group)
        )));
    }
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&targets)),
        OutputFormat::Text => print_stdout(&render_text(&targets)),
    }
    Ok(ExitCode::SUCCESS)
}

fn describe<'a>(target: &'a ClientTarget, signin: &SignIn<'_>, now: SystemTime) -> Target<'a> {
    let mut groups: Vec<&str> = target
        .paths
        .iter()
        .flat_map(|p| p.groups.iter().map(String::as_str))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let two_hops = target.paths.iter().any(|p| p.hops.len() > 1);
    let as_iam_user = target
        .paths
        .iter()
        .all(|p| matches!(p.hops.first(), Some(ClientHop::IamUser { .. })));
    let session = signin
        .cached_session(&Destination::Target(target))
        .map(|report| Session {
            expiration: report.credentials.expiration_rfc3339(),
            seconds_left: report.credentials.seconds_left(now),
        });
    Target {
        name: &target.name,
        account_name: &target.account_name,
        account_id: &target.account_id,
        permission_set: &target.permission_set,
        topology: if as_iam_user {
            "iam-users"
        } else if two_hops {
            "hub-and-spoke"
        } else {
            "direct"
        },
        groups,
        max_session_duration: target.max_session_duration,
        session,
    }
}

fn render_text(targets: &[Target<'_>]) -> String {
    let rows: Vec<[String; 4]> = targets
        .iter()
        .map(|t| {
            let session = match &t.session {
                None => "-".to_owned(),
                Some(s) if s.seconds_left <= 0 => "expired".to_owned(),
                Some(s) => format!("{} min left", s.seconds_left / 60),
            };
            [
                escape(t.name).into_owned(),
                t.account_id.to_owned(),
                t.topology.to_owned(),
                session,
            ]
        })
        .collect();
    let header = ["TARGET", "ACCOUNT", "TOPOLOGY", "SESSION"].map(str::to_owned);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if targets.is_empty() {
        out.push_str("the client file names no targets\n");
    }
    out
}
