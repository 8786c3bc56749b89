//! What `login`, `creds`, `exec`, `env` and `whoami` share: the client file, the cache, and where
//! the SAML response comes from.
//!
//! The response is asked for only when no cached session will do, in this order: `--saml-file`
//! (`-` = standard input), `--saml-command` (or `AWSFED_SAML_COMMAND`: a helper that prints the
//! base64 SAMLResponse, the SAML analogue of `credential_process`), the last response while it is
//! valid, and finally a prompt on the terminal device. Prompts never go to stdout or stderr, which
//! belong to the caller of `credential_process`; with no terminal the sign-in fails at once.
//!
//! IAM-user targets ask for the MFA device's code the same way: `--mfa-command` (or
//! `AWSFED_MFA_COMMAND`), else a prompt on the terminal device.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use awsfed_aws::SigninSts;
use awsfed_saml::{Limits, SamlResponse, ValidationOptions};
use awsfed_signin::{Cache, ClientFile, Destination, SignIn, SignInError, SignInReport};

use crate::commands::user_command::{self, run_user_command};
use crate::error::CommandError;
use awsfed_files::message::{self, Level};
use awsfed_files::terminal::escape;

/// Options of every command that signs in.
#[derive(Debug, Clone, clap::Args)]
pub struct SignInArgs {
    /// The client file (`awsfed export client`). Default: `$AWSFED_CLIENT`, else
    /// `$XDG_CONFIG_HOME/awsfed/client.json` (`~/.config/awsfed/client.json`).
    #[arg(long, value_name = "FILE", env = awsfed_env::AWSFED_CLIENT)]
    pub client: Option<PathBuf>,
    /// Read the SAML response (base64 SAMLResponse or XML) from this file; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub saml_file: Option<PathBuf>,
    /// Run this shell command to get the SAML response; it prints the base64 SAMLResponse.
    #[arg(long, value_name = "CMD", env = awsfed_env::AWSFED_SAML_COMMAND)]
    pub saml_command: Option<String>,
    /// Receive the SAML response from the browser: listen on 127.0.0.1 for the IdP's HTTP-POST,
    /// opening the client file's sign-in URL. The IdP's AWS app must post to
    /// `http://127.0.0.1:PORT/saml`, which the trusts accept when the model sets
    /// `identity_provider.browser_sign_in`.
    #[arg(long)]
    pub browser: bool,
    /// The port of `--browser`'s listener. Default: the client file's (the model's
    /// `identity_provider.browser_sign_in.port`), else 43821.
    #[arg(long, value_name = "PORT", env = awsfed_env::AWSFED_BROWSER_PORT)]
    pub browser_port: Option<u16>,
    /// Accept SAML Recipients that are not AWS sign-in endpoints (test IdPs).
    #[arg(long, env = awsfed_env::AWSFED_ANY_RECIPIENT, hide = true)]
    pub any_recipient: bool,
    /// IAM users: the profile whose access keys you sign in with when the environment has none
    /// (`AWS_ACCESS_KEY_ID`…). Default: `default`. `AWS_PROFILE` is not used for this: it names
    /// the awsfed profile asking when the AWS CLI runs `awsfed creds`.
    #[arg(long, value_name = "PROFILE", env = awsfed_env::AWSFED_SOURCE_PROFILE)]
    pub source_profile: Option<String>,
    /// IAM users: run this shell command to get the MFA code; it prints the 6-digit code. Default:
    /// ask on the terminal.
    #[arg(long, value_name = "CMD", env = awsfed_env::AWSFED_MFA_COMMAND)]
    pub mfa_command: Option<String>,
    /// How long `--saml-command` and `--mfa-command` may run before they are stopped (`90s`,
    /// `15m`; `0`: no limit). They may wait for you (a browser sign-in, a security key's touch);
    /// Ctrl-C stops them at any time.
    #[arg(
        long,
        value_name = "DURATION",
        env = awsfed_env::AWSFED_COMMAND_TIMEOUT,
        default_value = crate::commands::user_command::DEFAULT_TIMEOUT,
        value_parser = awsfed_model::duration::parse_duration
    )]
    pub command_timeout: u32,
    /// Never prompt on the terminal (`exec --server`'s renewals: the command owns the terminal).
    #[arg(skip)]
    pub no_prompt: bool,
}

impl SignInArgs {
    /// `--command-timeout`, `None` for no limit.
    pub fn command_timeout(&self) -> Option<std::time::Duration> {
        (self.command_timeout > 0)
            .then(|| std::time::Duration::from_secs(self.command_timeout.into()))
    }
}

pub fn client_path(client: Option<&PathBuf>) -> Option<PathBuf> {
    client.cloned().or_else(|| {
        let base = std::env::var_os(awsfed_env::XDG_CONFIG_HOME)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os(awsfed_env::HOME).map(|h| PathBuf::from(h).join(".config"))
            })?;
        Some(base.join("awsfed").join("client.json"))
    })
}

pub fn load_client(args: &SignInArgs) -> Result<ClientFile, CommandError> {
    load_client_file(args.client.as_ref())
}

/// The client file named by `--client`, else found where [`client_path`] looks.
pub fn load_client_file(client: Option<&PathBuf>) -> Result<ClientFile, CommandError> {
    let path = client_path(client).ok_or_else(|| {
        CommandError::bad_input("no client file: HOME is not set")
            .hint("pass --client FILE or set AWSFED_CLIENT")
    })?;
    let text = awsfed_files::read_text(&path, crate::read::MAX_CLIENT_FILE_BYTES).map_err(|e| {
        let message = match e {
            awsfed_files::ReadError::Io { source, .. } => format!(
                "cannot read the client file `{}`: {source}",
                path.display()
            ),
            other => other.to_string(),
        };
        CommandError::bad_input(message)
        .hint("your administrator exports it with `awsfed export client`; pass it with --client FILE, set AWSFED_CLIENT=FILE, or install it at ~/.config/awsfed/client.json")
    })?;
    ClientFile::from_json(&text, &path).map_err(|e| CommandError::bad_input(e.to_string()))
}

pub fn open_cache() -> Result<Cache, CommandError> {
    let dir = Cache::default_dir().ok_or_else(|| {
        CommandError::bad_input("no cache folder: HOME is not set")
            .hint("set AWSFED_CACHE_DIR or XDG_CACHE_HOME")
    })?;
    Cache::open(dir).map_err(signin_error)
}

pub fn validation(args: &SignInArgs) -> ValidationOptions {
    ValidationOptions {
        // The browser flow's Recipient is the local listener.
        require_aws_recipient: !args.any_recipient && !args.browser,
        ..ValidationOptions::default()
    }
}

/// Signs in to `destination` with the real STS.
pub fn sign_in(
    args: &SignInArgs,
    client: Option<&ClientFile>,
    cache: &Cache,
    destination: &Destination<'_>,
    force: bool,
) -> Result<SignInReport, CommandError> {
    let now = SystemTime::now();
    let signin = SignIn {
        cache,
        now,
        validation: validation(args),
        force,
        iam_users: client.and_then(|c| c.iam_users.as_ref()),
    };
    let sts = LazySts {
        source_profile: args.source_profile.clone(),
        ..LazySts::default()
    };
    let mut source = Sources { args, cache, now };
    let report = signin
        .credentials(&sts, destination, &mut source)
        .map_err(signin_error)?;
    if let Some(why) = &report.not_renewed {
        let minutes = report.credentials.seconds_left(now).max(0) / 60;
        message::print(
            Level::Warning,
            format_args!(
                "{}: handing out the cached session, which ends in {minutes} min ({}); it cannot be renewed without a SAML response: {}",
                escape(&destination.label()),
                report.credentials.expiration_rfc3339(),
                escape(why),
            ),
        );
        message::print(Level::Hint, sign_in_again_hint(&destination.label()));
    }
    Ok(report)
}

/// What to do when no SAML response is at hand for `target` (a target or a role ARN).
fn sign_in_again_hint(target: &str) -> String {
    if target.starts_with("arn:") {
        "pass --saml-file FILE or --saml-command CMD".to_owned()
    } else {
        format!(
            "run `awsfed login {}` in a terminal, or pass --saml-file FILE or --saml-command CMD",
            escape(target)
        )
    }
}

/// Where the SAML response and the MFA code come from.
struct Sources<'a> {
    args: &'a SignInArgs,
    cache: &'a Cache,
    now: SystemTime,
}

impl awsfed_signin::AssertionSource for Sources<'_> {
    fn assertion(&mut self, target: &str) -> Result<SamlResponse, SignInError> {
        get_assertion(self.args, self.cache, target, self.now)
    }

    fn mfa_code(&mut self, target: &str, serial: &str) -> Result<String, SignInError> {
        super::mfa_code::mfa_code(self.args, target, serial)
    }
}

/// The real STS, built on first use: a cache hit never starts the SDK.
#[derive(Debug, Default)]
struct LazySts {
    sts: std::cell::OnceCell<Result<SigninSts, awsfed_signin::StsError>>,
    source_profile: Option<String>,
}

impl LazySts {
    fn get(&self) -> Result<&SigninSts, awsfed_signin::StsError> {
        self.sts
            .get_or_init(|| {
                let sts = SigninSts::from_env()?;
                Ok(match &self.source_profile {
                    Some(profile) => sts.with_source_profile(profile),
                    None => sts,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl awsfed_signin::Sts for LazySts {
    fn assume_role_with_saml(
        &self,
        request: &awsfed_signin::SamlHopRequest<'_>,
    ) -> Result<awsfed_signin::Credentials, awsfed_signin::StsError> {
        self.get()?.assume_role_with_saml(request)
    }

    fn assume_role(
        &self,
        source: &awsfed_signin::Credentials,
        request: &awsfed_signin::AssumeRoleRequest<'_>,
    ) -> Result<awsfed_signin::Credentials, awsfed_signin::StsError> {
        self.get()?.assume_role(source, request)
    }

    fn long_term_identity(&self) -> Result<String, awsfed_signin::StsError> {
        super::mfa_code::refuse_awsfed_source_profile(self.source_profile.as_deref())?;
        self.get()?.long_term_identity()
    }

    fn session_token(
        &self,
        request: &awsfed_signin::SessionTokenRequest<'_>,
    ) -> Result<awsfed_signin::Credentials, awsfed_signin::StsError> {
        self.get()?.session_token(request)
    }
}

/// The destination of `TARGET` or `--role-arn`.
pub fn destination<'a>(
    client: Option<&'a ClientFile>,
    target: Option<&str>,
    role_arn: Option<&str>,
) -> Result<Destination<'a>, CommandError> {
    match (target, role_arn) {
        (Some(name), None) => {
            let client = client
                .ok_or_else(|| CommandError::bad_input("naming a target needs the client file"))?;
            client
                .target(name)
                .map(Destination::Target)
                .map_err(signin_error)
        }
        (None, Some(role_arn)) => {
            let known = client.and_then(|c| c.provider_of(role_arn));
            Ok(Destination::Role {
                role_arn: role_arn.to_owned(),
                provider_arn: known.map(|(provider, _)| provider.to_owned()),
                max_session_duration: known.map_or(3_600, |(_, max)| max),
            })
        }
        (Some(_), Some(_)) => Err(CommandError::bad_input(
            "name a target or --role-arn, not both",
        )),
        (None, None) => Err(
            CommandError::bad_input("name a target (ACCOUNT/PERMISSION_SET)")
                .hint("`awsfed login` on a terminal offers a list"),
        ),
    }
}

/// The Region of a target's account from the client file, as `AWS_REGION` and
/// `AWS_DEFAULT_REGION` (the SDKs read the first, the AWS CLI v1 and older SDKs the second).
pub fn region_environment(
    client: &ClientFile,
    destination: &Destination<'_>,
) -> Vec<(&'static str, String)> {
    let Destination::Target(target) = destination else {
        return Vec::new();
    };
    client
        .region_of(target)
        .map(|region| {
            vec![
                (awsfed_env::AWS_REGION, region.to_owned()),
                (awsfed_env::AWS_DEFAULT_REGION, region.to_owned()),
            ]
        })
        .unwrap_or_default()
}

/// Sign-in errors quote the assertion (NameID, attribute values): escaped for the terminal.
pub fn signin_error(error: SignInError) -> CommandError {
    let hints: Vec<String> = match &error {
        SignInError::UnknownTarget { suggestions, .. } if !suggestions.is_empty() => {
            vec![format!("did you mean {}?", suggestions.join(", "))]
        }
        SignInError::UnknownTarget { .. } => {
            vec!["`awsfed login` on a terminal lists the targets of the client file".to_owned()]
        }
        SignInError::NeedAssertion { target, .. } => vec![sign_in_again_hint(target)],
        SignInError::NeedMfaCode { target, .. } => vec![format!(
            "run `awsfed login {}` in a terminal, or pass --mfa-command CMD",
            escape(target)
        )],
        SignInError::LongTermKeys { .. } => vec![
            "put your access keys in the `default` profile of ~/.aws/credentials (or name another with --source-profile); awsfed never writes them".to_owned(),
        ],
        SignInError::UserSession { error, .. }
            if error.kind == awsfed_signin::StsErrorKind::AccessDenied =>
        {
            vec![
                "check the code and your MFA device's clock: STS takes each code once, within its 30 seconds".to_owned(),
            ]
        }
        SignInError::NotIamUser { .. } => vec![
            "use your own IAM user's access keys (--source-profile PROFILE)".to_owned(),
        ],
        SignInError::NotGranted { .. } => vec![
            "ask for the directory group that grants it, or sign in to the IdP with another account".to_owned(),
        ],
        _ => Vec::new(),
    };
    let bad_input = matches!(
        error,
        SignInError::UnknownTarget { .. }
            | SignInError::ClientFile { .. }
            | SignInError::SamlFile { .. }
    );
    let message = format!("{}", escape(&error.to_string()));
    let mut out = if bad_input {
        CommandError::bad_input(message)
    } else {
        CommandError::failed(message)
    };
    for hint in hints {
        out = out.hint(hint);
    }
    out
}

fn get_assertion(
    args: &SignInArgs,
    cache: &Cache,
    target: &str,
    now: SystemTime,
) -> Result<SamlResponse, SignInError> {
    let parse =
        |bytes: Vec<u8>| awsfed_saml::parse_saml_response(bytes).map_err(SignInError::Assertion);
    if let Some(path) = &args.saml_file {
        // One byte over the parser's limit, which then refuses the response saying so.
        let limit = Limits::default().max_input_bytes as u64 + 1;
        let bytes = if path.as_os_str() == "-" {
            crate::read::read_stdin(limit).map_err(|e| e.message)
        } else {
            // The error names the file already; SamlFile names it too, so only the cause goes in.
            crate::read::read_bytes_or_more(path, limit).map_err(|e| match e {
                awsfed_files::ReadError::Io { source, .. } => source.to_string(),
                other => other.to_string(),
            })
        }
        .map_err(|e| SignInError::SamlFile {
            path: path.clone(),
            reason: e,
        })?;
        return parse(bytes);
    }
    if let Some(command) = &args.saml_command {
        return parse(run_user_command(
            command,
            &user_command::SAML,
            args.command_timeout(),
        )?);
    }
    if args.browser {
        return receive_from_browser(args, target).and_then(parse);
    }
    if let Some(cached) = cache.read_assertion()
        && let Ok(response) = awsfed_saml::parse_saml_response(cached.base64.as_bytes())
        && response.validate(now, &validation(args)).is_ok()
    {
        return Ok(response);
    }
    if args.no_prompt {
        return Err(SignInError::NeedAssertion {
            target: target.to_owned(),
            why: "the credentials server does not prompt: the command it runs owns the terminal"
                .to_owned(),
        });
    }
    prompt_on_terminal(target).and_then(parse)
}

/// The listener's port when neither `--browser-port` nor the client file names one.
const DEFAULT_BROWSER_PORT: u16 = 43_821;

/// How long `--browser` waits for the IdP.
const BROWSER_WAIT: std::time::Duration = std::time::Duration::from_secs(300);

/// Listens on 127.0.0.1 for the IdP's HTTP-POST binding (SAML bindings §3.5: an HTML form posting
/// `SAMLResponse`), answers with a page the user can close, and returns the form value.
fn receive_from_browser(args: &SignInArgs, target: &str) -> Result<Vec<u8>, SignInError> {
    use std::net::TcpListener;
    let fail = |what: String| SignInError::AssertionSource(what);
    let idp = load_client(args).ok().map(|c| c.identity_provider);
    let port = args
        .browser_port
        .or_else(|| idp.as_ref().and_then(|i| i.browser_port))
        .unwrap_or(DEFAULT_BROWSER_PORT);
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| fail(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let url = idp.and_then(|i| i.signin_url);
    let message = match &url {
        Some(url) => format!(
            "awsfed: signing in to {target}: open {url} (waiting on http://127.0.0.1:{}/saml)\n",
            port
        ),
        None => format!(
            "awsfed: signing in to {target}: sign in to AWS at your IdP (waiting on http://127.0.0.1:{}/saml)\n",
            port
        ),
    };
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = tty.write_all(message.as_bytes());
    }
    if let Some(url) = &url
        && std::env::var_os(awsfed_env::AWSFED_NO_BROWSER_OPEN).is_none()
    {
        // Best effort: the message above says where to go when no opener exists.
        let _ = Command::new("xdg-open")
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
    listener
        .set_nonblocking(true)
        .map_err(|e| fail(format!("cannot listen: {e}")))?;
    let deadline = std::time::Instant::now() + BROWSER_WAIT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(value) = read_post(stream) {
                    return Ok(value);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() > deadline {
                    return Err(fail(format!(
                        "no SAML response reached http://127.0.0.1:{}/saml within {} s",
                        port,
                        BROWSER_WAIT.as_secs()
                    )));
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(fail(format!("cannot accept a connection: {e}"))),
        }
    }
}

/// One HTTP request: the `SAMLResponse` of a form POST, or `None` (anything else gets a 404).
fn read_post(stream: std::net::TcpStream) -> Option<Vec<u8>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut reader = std::io::BufReader::new(&stream);
    let mut request_line = String::new();
    reader
        .by_ref()
        .take(8 * 1024)
        .read_line(&mut request_line)
        .ok()?;
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.by_ref().take(8 * 1024).read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut writer = &stream;
    let is_post = request_line.starts_with("POST ");
    if !is_post || length == 0 || length > Limits::default().max_input_bytes * 2 {
        let _ = writer
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return None;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let value = body
        .split(|&b| b == b'&')
        .find_map(|pair| pair.strip_prefix(b"SAMLResponse="))
        .map(<[u8]>::to_vec);
    let page: &[u8] = if value.is_some() {
        b"<!doctype html><title>awsfed</title><p>Signed in. You can close this tab."
    } else {
        b"<!doctype html><title>awsfed</title><p>No SAMLResponse in this request."
    };
    let _ = writer.write_all(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            page.len()
        )
        .as_bytes(),
    );
    let _ = writer.write_all(page);
    // The form value is percent-encoded with `+` for spaces; the SAML decoder undoes both.
    value
}

/// Asks on the terminal device. Without one (a daemon, CI, an SDK without a terminal) the answer
/// is an error at once, never a wait.
fn prompt_on_terminal(target: &str) -> Result<Vec<u8>, SignInError> {
    if prompting_off() {
        return Err(SignInError::NeedAssertion {
            target: target.to_owned(),
            why: "prompting is turned off (AWSFED_NO_PROMPT)".to_owned(),
        });
    }
    let tty = terminal().ok_or_else(|| SignInError::NeedAssertion {
        target: target.to_owned(),
        why: "there is no terminal to ask on".to_owned(),
    })?;
    let prompt = format!(
        "awsfed: signing in to {target}. Paste the SAMLResponse (base64 or XML; it is not shown) and press Enter:\n> "
    );
    let limit = Limits::default().max_input_bytes;
    let pasted = super::paste::read_paste(&tty, &prompt, limit).map_err(|e| {
        if e.kind() == std::io::ErrorKind::Interrupted {
            SignInError::AssertionSource("the paste was cancelled (Ctrl-C)".to_owned())
        } else {
            SignInError::AssertionSource(format!("cannot read from the terminal: {e}"))
        }
    })?;
    let _ = writeln!(&tty, "\nawsfed: read {} bytes", pasted.len());
    Ok(pasted)
}

/// Whether `AWSFED_NO_PROMPT` turns prompting off.
pub fn prompting_off() -> bool {
    std::env::var_os(awsfed_env::AWSFED_NO_PROMPT).is_some_and(|v| !v.is_empty())
}

/// The terminal device, to ask on and write prompts to (standard input and output belong to the
/// caller of `credential_process`); `None` without one.
pub fn terminal() -> Option<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}

/// Asks the user to pick a target on the terminal: a number, or text that matches one name.
pub fn pick_target(client: &ClientFile) -> Result<String, CommandError> {
    let tty = terminal().ok_or_else(|| {
        CommandError::bad_input(
            "name a target (ACCOUNT/PERMISSION_SET); there is no terminal to pick one on",
        )
    })?;
    let mut writer = &tty;
    let mut reader = std::io::BufReader::new(&tty);
    let mut candidates: Vec<&str> = client.targets.iter().map(|t| t.name.as_str()).collect();
    loop {
        for (index, name) in candidates.iter().enumerate() {
            let _ = writeln!(writer, "{:>4}  {name}", index + 1);
        }
        let _ = write!(writer, "target (number or part of a name)> ");
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| CommandError::failed(format!("cannot read from the terminal: {e}")))?;
        if read == 0 {
            return Err(CommandError::failed("no target picked"));
        }
        let answer = line.trim();
        if let Ok(number) = answer.parse::<usize>()
            && let Some(name) = number.checked_sub(1).and_then(|i| candidates.get(i))
        {
            return Ok((*name).to_owned());
        }
        let needle = answer.to_ascii_lowercase();
        let matching: Vec<&str> = candidates
            .iter()
            .copied()
            .filter(|name| fuzzy_match(&name.to_ascii_lowercase(), &needle))
            .collect();
        match matching.as_slice() {
            [one] => return Ok((*one).to_owned()),
            [] => {
                let _ = writeln!(writer, "nothing matches `{answer}`");
            }
            _ => candidates = matching,
        }
    }
}

/// The characters of `needle` appear in `name` in order.
fn fuzzy_match(name: &str, needle: &str) -> bool {
    let mut chars = name.chars();
    needle.chars().all(|c| chars.any(|n| n == c))
}

/// `2026-01-01T10:00:00Z (in 59 min)`.
pub fn expiry_text(report: &SignInReport) -> String {
    let left = report.credentials.seconds_left(SystemTime::now()).max(0);
    format!(
        "{} (in {} min)",
        report.credentials.expiration_rfc3339(),
        left / 60
    )
}
