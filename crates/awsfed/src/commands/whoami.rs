use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use awsfed_aws::SigninSts;
use awsfed_files::terminal::escape;
use serde::Serialize;

use crate::cli::{Cli, OutputFormat};
use crate::commands::print_stdout;
use crate::commands::sign_in::{SignInArgs, destination, load_client, open_cache, sign_in};
use crate::commands::to_json;
use crate::error::CommandError;

/// Show who you are signed in as: every cached session (role, session name, SourceIdentity, time
/// left), or with TARGET, what STS says about that target's session (`sts:GetCallerIdentity`).
/// Never prints keys.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A target to ask STS about, `ACCOUNT/PERMISSION_SET`.
    pub target: Option<String>,
    #[command(flatten)]
    pub signin: SignInArgs,
}

#[derive(Debug, Serialize)]
struct Session {
    role_arn: String,
    via: String,
    session_name: Option<String>,
    source_identity: Option<String>,
    expiration: String,
    seconds_left: i64,
}

#[derive(Debug, Serialize)]
struct Identity {
    target: String,
    account: String,
    arn: String,
    user_id: String,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let cache = open_cache()?;
    if let Some(target) = &args.target {
        let client = load_client(&args.signin)?;
        let destination = destination(Some(&client), Some(target), None)?;
        let report = sign_in(&args.signin, Some(&client), &cache, &destination, false)?;
        let sts = SigninSts::from_env().map_err(|e| CommandError::failed(e.to_string()))?;
        let identity = sts
            .caller_identity(&report.credentials)
            .map_err(|e| CommandError::failed(format!("GetCallerIdentity failed: {e}")))?;
        let identity = Identity {
            target: target.clone(),
            account: identity.account,
            arn: identity.arn,
            user_id: identity.user_id,
        };
        match cli.output {
            OutputFormat::Json => print_stdout(&to_json(&identity)),
            OutputFormat::Text => print_stdout(&format!(
                "{}\n  account {}\n  {}\n",
                escape(&identity.target),
                escape(&identity.account),
                escape(&identity.arn)
            )),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let now = SystemTime::now();
    let sessions: Vec<Session> = cache
        .hops()
        .into_iter()
        .map(|hop| Session {
            seconds_left: hop.credentials.seconds_left(now),
            expiration: hop.credentials.expiration_rfc3339(),
            role_arn: hop.role_arn,
            via: hop.via,
            session_name: hop.session_name,
            source_identity: hop.source_identity,
        })
        .collect();
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&sessions)),
        OutputFormat::Text => {
            let mut out = String::new();
            if sessions.is_empty() {
                out.push_str("no cached sessions; sign in with `awsfed login`\n");
            }
            for session in &sessions {
                let state = if session.seconds_left > 0 {
                    format!("{} min left", session.seconds_left / 60)
                } else {
                    "expired".to_owned()
                };
                let _ = writeln!(
                    out,
                    "{}\n  via {}\n  session {}  source identity {}  until {} ({state})",
                    escape(&session.role_arn),
                    escape(&session.via),
                    escape(session.session_name.as_deref().unwrap_or("-")),
                    escape(session.source_identity.as_deref().unwrap_or("-")),
                    escape(&session.expiration)
                );
            }
            print_stdout(&out);
        }
    }
    Ok(ExitCode::SUCCESS)
}
