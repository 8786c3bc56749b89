use std::process::{Command, ExitCode, Stdio};
use std::time::SystemTime;

use awsfed_signin::console::{
    container_url, default_destination, federation_endpoint, login_url, session_duration,
    signin_token, signin_token_url,
};

use crate::cli::Cli;
use crate::commands::sign_in::{SignInArgs, destination, load_client, open_cache, sign_in};
use crate::commands::{print_stderr, print_stdout};
use crate::error::CommandError;
use awsfed_files::terminal::escape;

/// The `Issuer` of the login URL: the console sends the user there when the session ends.
const ISSUER: &str = "awsfed";

/// Open the AWS console as a target's session.
///
/// Signs in as `creds` does, trades the session for a sign-in token at the AWS federation endpoint
/// (`getSigninToken`) and opens its `login` URL in the browser. A hub-and-spoke target's session
/// is chained: AWS takes no console session length for it, and the console session ends with the
/// session (at most one hour). A direct target's console session lasts `--duration`, else the
/// role's maximum (at most 12 hours). The login URL signs in whoever opens it in the next 15
/// minutes: awsfed never writes it to standard error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The target, `ACCOUNT/PERMISSION_SET`.
    pub target: String,
    #[command(flatten)]
    pub signin: SignInArgs,
    /// Print the login URL on standard output instead of opening a browser.
    #[arg(long)]
    pub print_url: bool,
    /// The console page to open. Default: the console home of the account's Region.
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
    /// The Region whose sign-in endpoint and console to use. Default: the account's Region from
    /// the model, else the global endpoint.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// How long the console session lasts (`4h`, `90m`; 15m to 12h), direct targets only.
    #[arg(long, value_name = "DURATION", value_parser = awsfed_model::duration::parse_duration)]
    pub duration: Option<u32>,
    /// Open the URL with this shell command instead of the system's opener, e.g.
    /// `firefox -P work` for a browser profile; the URL is its last argument.
    #[arg(long, value_name = "CMD")]
    pub open_with: Option<String>,
    /// Open in this Firefox container (the "Open external links in a container" add-on), so
    /// several accounts' consoles stay signed in side by side.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
}

pub fn run(_cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let client = load_client(&args.signin)?;
    let destination = destination(Some(&client), Some(&args.target), None)?;
    let awsfed_signin::Destination::Target(target) = &destination else {
        unreachable!("a named target");
    };
    let region = args.region.as_deref().or_else(|| client.region_of(target));
    let endpoint = match std::env::var(awsfed_env::AWSFED_FEDERATION_ENDPOINT) {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => federation_endpoint(region).map_err(console_error)?,
    };
    let page = match &args.destination {
        Some(page) => page.clone(),
        None => default_destination(region).map_err(console_error)?,
    };
    let cache = open_cache()?;
    let report = sign_in(&args.signin, &cache, &destination, false)?;
    // Two hops: the session is AssumeRole'd from another session, which AWS treats as chained.
    let chained = report.roles.len() > 1;
    let duration = session_duration(chained, target.max_session_duration, args.duration)
        .map_err(console_error)?;
    let answer = awsfed_aws::get_signin_token_answer(
        &endpoint,
        &signin_token_url(&endpoint, &report.credentials, duration),
    )
    .map_err(|e| CommandError::failed(escape(&e.to_string()).into_owned()))?;
    let token = signin_token(&answer).map_err(console_error)?;
    let mut url = login_url(&endpoint, &token, &page, ISSUER);
    if let Some(name) = &args.container {
        url = container_url(name, &url);
    }
    let ends = match duration {
        Some(seconds) => format!("lasts {}", awsfed_model::duration::format_duration(seconds)),
        None => {
            let left = report.credentials.seconds_left(SystemTime::now()).max(0) / 60;
            format!("ends with the session, in {left} min")
        }
    };
    let label = escape(&args.target);
    if args.print_url {
        print_stdout(&format!("{url}\n"));
        print_stderr(&format!(
            "awsfed: the console session of {label} {ends}; the URL signs in whoever opens it in the next 15 minutes\n"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    open_browser(args.open_with.as_deref(), &url)?;
    print_stderr(&format!(
        "awsfed: opened the AWS console as {label} in the browser; the console session {ends}\n"
    ));
    Ok(ExitCode::SUCCESS)
}

/// Runs the opener with the URL as an argument (never inside the shell text, never on stderr).
fn open_browser(open_with: Option<&str>, url: &str) -> Result<(), CommandError> {
    let mut command = match open_with {
        Some(shell) => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!("{shell} \"$1\""))
                .arg("awsfed-console");
            command
        }
        None if cfg!(target_os = "macos") => Command::new("open"),
        None => Command::new("xdg-open"),
    };
    let status = command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status();
    let program = open_with.unwrap_or(if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    });
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(CommandError::failed(format!(
            "the browser opener `{}` failed ({status})",
            escape(program)
        ))
        .hint("pass --open-with CMD, or --print-url and open the URL yourself")),
        Err(e) => Err(CommandError::failed(format!(
            "cannot run the browser opener `{}`: {e}",
            escape(program)
        ))
        .hint("pass --open-with CMD, or --print-url and open the URL yourself")),
    }
}

fn console_error(error: awsfed_signin::console::ConsoleError) -> CommandError {
    use awsfed_signin::console::ConsoleError;
    let message = escape(&error.to_string()).into_owned();
    match error {
        ConsoleError::NoToken(_) => CommandError::failed(message),
        ConsoleError::ChainedDuration => CommandError::bad_input(message)
            .hint("leave out --duration: the console session ends with the session"),
        _ => CommandError::bad_input(message),
    }
}
