use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::SystemTime;

use awsfed_signin::console::{
    container_url, default_destination, federation_endpoint, federation_host, file_url, login_url,
    redirect_page, session_duration, signin_token, signin_token_url,
};

use crate::cli::Cli;
use crate::commands::credential_server::random_token;
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
/// minutes: awsfed never writes it to standard error, and never puts it on a command line, where
/// every local user can read it (`ps`, `/proc/PID/cmdline`). The browser gets the `file://` URL of
/// a page only you can read (mode 0600, in `$XDG_RUNTIME_DIR/awsfed`, else the cache folder) that
/// sends it on to the console; pages older than 15 minutes are removed by the next `console`.
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
    /// Open with this shell command instead of the system's opener, e.g. `firefox -P work` for a
    /// browser profile; its last argument is the `file://` URL of the private page.
    #[arg(long, value_name = "CMD")]
    pub open_with: Option<String>,
    /// The folder of the private page, for a browser that cannot read the default one (a snap or
    /// flatpak browser reads neither hidden folders of your home nor `$XDG_RUNTIME_DIR`).
    #[arg(long, value_name = "DIR", conflicts_with = "url_argument")]
    pub page_dir: Option<PathBuf>,
    /// Pass the login URL itself to the opener, for one that cannot open local files. Unsafe on a
    /// shared machine: while the opener runs, other local users can read the URL in the process
    /// list and open the console as you.
    #[arg(long)]
    pub url_argument: bool,
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
    // The Region's sign-in endpoint makes the token and must be the one that takes it back
    // ("Enable custom identity broker access to the AWS console", IAM User Guide).
    let endpoint = federation_endpoint(region).map_err(console_error)?;
    // AWSFED_FEDERATION_ENDPOINT (a local stand-in in the tests) receives the token request as
    // the Region's endpoint would: same path and query, the endpoint's host name as `Host`.
    let (request_endpoint, host) = match std::env::var(awsfed_env::AWSFED_FEDERATION_ENDPOINT) {
        Ok(stand_in) if !stand_in.is_empty() => (
            stand_in,
            Some(federation_host(region).map_err(console_error)?),
        ),
        _ => (endpoint.clone(), None),
    };
    let page = match &args.destination {
        Some(page) => page.clone(),
        None => default_destination(region).map_err(console_error)?,
    };
    let cache = open_cache()?;
    let report = sign_in(&args.signin, Some(&client), &cache, &destination, false)?;
    // A spoke session assumed from the hub role's session is role chaining; one assumed from an
    // IAM user's MFA session is not.
    let chained = report.chained;
    let duration = session_duration(chained, target.max_session_duration, args.duration)
        .map_err(console_error)?;
    let answer = awsfed_aws::get_signin_token_answer(
        &request_endpoint,
        &signin_token_url(&request_endpoint, &report.credentials, duration),
        host.as_deref(),
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
    if args.url_argument {
        open_browser(args.open_with.as_deref(), &url)?;
    } else {
        let dir = page_dir(args.page_dir.as_deref())?;
        remove_old_pages(&dir);
        let page = write_page(&dir, &url)?;
        if let Err(error) = open_browser(args.open_with.as_deref(), &file_url(&page)) {
            let _ = std::fs::remove_file(&page);
            return Err(error);
        }
    }
    print_stderr(&format!(
        "awsfed: opened the AWS console as {label} in the browser; the console session {ends}\n"
    ));
    Ok(ExitCode::SUCCESS)
}

/// The login URL's token lasts 15 minutes ("Enable custom identity broker access to the AWS
/// console", IAM User Guide): a page older than that opens nothing and is removed.
const PAGE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(15 * 60);
const PAGE_PREFIX: &str = "awsfed-console-";

/// `--page-dir`, else `$XDG_RUNTIME_DIR/awsfed` (the user's own, in memory, emptied at logout:
/// XDG Base Directory Specification), else the sign-in cache folder; created mode 0700.
fn page_dir(chosen: Option<&Path>) -> Result<PathBuf, CommandError> {
    if let Some(dir) = chosen {
        return Ok(dir.to_owned());
    }
    let runtime = std::env::var_os(awsfed_env::XDG_RUNTIME_DIR)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir());
    let dir = match runtime {
        Some(runtime) => runtime.join("awsfed"),
        None => open_cache()?.dir().to_owned(),
    };
    // awsfed's own folder: private even when something else made it first.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .and_then(|()| std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)))
        .map_err(|e| page_error(&dir, &e))?;
    Ok(dir)
}

/// Writes the page that forwards to `url` under a random name, readable by its owner only.
fn write_page(dir: &Path, url: &str) -> Result<PathBuf, CommandError> {
    let name = format!("{PAGE_PREFIX}{}.html", &random_token()?[..32]);
    let path = dir.join(name);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        // The mode given to open is filtered by the umask; 0600 must hold whatever it is.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(redirect_page(url).as_bytes())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&path);
        page_error(&path, &e)
    })?;
    Ok(path)
}

/// Removes the pages earlier runs left once their token has expired; a page still in its 15
/// minutes may be one a browser has not opened yet.
fn remove_old_pages(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let old = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > PAGE_LIFETIME);
        if old && name.starts_with(PAGE_PREFIX) && name.ends_with(".html") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn page_error(path: &Path, error: &std::io::Error) -> CommandError {
    CommandError::failed(format!(
        "cannot write the console page `{}`: {error}",
        escape(&path.display().to_string())
    ))
    .hint("pass --page-dir DIR, or --print-url and open the URL yourself")
}

/// Runs the opener with `url` as an argument (never inside the shell text, never on stderr).
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
