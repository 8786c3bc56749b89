use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awsfed_files::terminal::escape;
use awsfed_saml::{Limits, SamlError, SamlResponse, Timestamp, ValidationOptions};
use serde::Serialize;

use crate::cli::{Cli, OutputFormat};
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;

/// Work with SAML Responses.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SamlCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SamlCommand {
    Inspect(InspectArgs),
}

/// Decode a SAML Response and show its AWS attributes, roles and validity window, and every reason
/// AWS sign-in would refuse it. Reads the base64 `SAMLResponse` form value (in any of its damaged
/// copy-and-paste forms) or the XML. No signature is checked: STS does that.
///
/// Exit status: 0 when the response is usable for sign-in now, 1 when sign-in would refuse it, 2
/// when it cannot be read at all.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The file holding the response; `-` or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// Judge the validity window at this instant (RFC 3339, UTC) instead of now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Accept Recipients that are not AWS sign-in endpoints (test IdPs).
    #[arg(long)]
    pub any_recipient: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    match &args.command {
        SamlCommand::Inspect(inspect) => run_inspect(cli, inspect),
    }
}

fn run_inspect(cli: &Cli, args: &InspectArgs) -> Result<ExitCode, CommandError> {
    let now = match &args.at {
        None => SystemTime::now(),
        Some(text) => parse_instant(text)?,
    };
    let input = read_input(args.file.as_ref())?;
    let response = awsfed_saml::parse_saml_response(&input).map_err(|error| {
        if cli.output == OutputFormat::Json {
            // Scripts read stdout: they get an answer there too, not only the message on stderr.
            print_stdout(&to_json(&Unreadable {
                usable: false,
                error: error.to_string(),
            }));
        }
        CommandError::bad_input(format!("{}", escape(&error.to_string())))
            .hint("`awsfed saml inspect` reads the SAMLResponse form value or the XML")
    })?;
    let options = ValidationOptions {
        require_aws_recipient: !args.any_recipient,
        ..ValidationOptions::default()
    };
    let problems = response.problems(now, &options);
    let report = Report::new(&response, &problems, now);
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&report)),
        OutputFormat::Text => print_stdout(&render_text(&response, &report)),
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads at most one byte more than the parser accepts (which then refuses it, saying so), so a
/// huge stream cannot exhaust memory; a named file must be a regular file.
fn read_input(file: Option<&PathBuf>) -> Result<Vec<u8>, CommandError> {
    let limit = Limits::default().max_input_bytes as u64 + 1;
    match file {
        Some(path) if path.as_os_str() != "-" => crate::read::read_bytes_or_more(path, limit)
            .map_err(|e| {
                crate::read::read_error(e)
                    .hint("to read a pipe, pass `-` and pipe it to standard input")
            }),
        _ => crate::read::read_stdin(limit),
    }
}

pub fn parse_instant(text: &str) -> Result<SystemTime, CommandError> {
    Timestamp::parse_xs_datetime(text)
        .and_then(|t| u64::try_from(t.unix_seconds()).ok())
        .map(|seconds| UNIX_EPOCH + Duration::from_secs(seconds))
        .ok_or_else(|| {
            CommandError::bad_input(format!(
                "`{text}` is not an instant; write it like 2026-01-31T12:00:00Z"
            ))
        })
}

/// What `--output json` prints when the input is no SAML Response at all (exit 2).
#[derive(Debug, Serialize)]
struct Unreadable {
    usable: bool,
    error: String,
}

/// What `--output json` prints.
#[derive(Debug, Serialize)]
struct Report<'a> {
    /// Sign-in would accept it at `checked_at`.
    usable: bool,
    checked_at: Timestamp,
    /// Every reason sign-in would refuse it, most fundamental first.
    problems: Vec<String>,
    /// The RoleSessionName a second (AssumeRole) hop would use.
    second_hop_session_name: Option<String>,
    response: &'a SamlResponse,
}

impl<'a> Report<'a> {
    fn new(response: &'a SamlResponse, problems: &[SamlError], now: SystemTime) -> Self {
        Self {
            usable: problems.is_empty(),
            checked_at: Timestamp::from(now),
            problems: problems.iter().map(ToString::to_string).collect(),
            second_hop_session_name: response.session_name_for_second_hop(),
            response,
        }
    }
}

fn render_text(response: &SamlResponse, report: &Report<'_>) -> String {
    let mut out = String::new();
    subject_fields(&mut out, response);
    aws_fields(&mut out, response, report);
    roles_and_notes(&mut out, response);
    verdict(&mut out, report);
    out
}

/// One `Name:  value` line. Every value comes from the response: escaped, so none can forge a
/// line or move the cursor.
fn field(out: &mut String, name: &str, value: Option<String>) {
    let _ = writeln!(
        out,
        "{:<22}{}",
        escape(&format!("{name}:")),
        value.as_deref().map_or(Cow::Borrowed("-"), escape)
    );
}

/// Who issued the response, to whom, about whom, and when it is valid.
fn subject_fields(out: &mut String, response: &SamlResponse) {
    let assertion = response.assertion.as_ref();
    field(
        out,
        "Issuer",
        response
            .issuer
            .clone()
            .or_else(|| assertion.and_then(|a| a.issuer.clone())),
    );
    field(out, "Destination", response.destination.clone());
    field(
        out,
        "Status",
        response.status_code.as_deref().map(short_status),
    );
    field(
        out,
        "NameID",
        assertion
            .and_then(|a| a.name_id.as_ref())
            .map(|id| match &id.format {
                Some(format) => format!("{} ({})", id.value, short_status(format)),
                None => id.value.clone(),
            }),
    );
    let recipients: Vec<String> = assertion
        .map(|a| {
            a.subject_confirmations
                .iter()
                .filter_map(|c| c.recipient.clone())
                .collect()
        })
        .unwrap_or_default();
    field(out, "Recipient", join(&recipients));
    let conditions = assertion.and_then(|a| a.conditions.as_ref());
    field(out, "Audience", conditions.and_then(|c| join(&c.audiences)));
    let not_before = conditions.and_then(|c| c.not_before);
    let not_on_or_after = conditions.and_then(|c| c.not_on_or_after).or_else(|| {
        assertion.and_then(|a| {
            a.subject_confirmations
                .iter()
                .find_map(|c| c.not_on_or_after)
        })
    });
    field(
        out,
        "Valid",
        Some(format!(
            "{} .. {}",
            not_before.map_or_else(|| "-".to_owned(), |t| t.to_string()),
            not_on_or_after.map_or_else(|| "-".to_owned(), |t| t.to_string())
        )),
    );
    field(
        out,
        "Session ends",
        assertion
            .and_then(|a| a.authn_statement.as_ref())
            .and_then(|s| s.session_not_on_or_after)
            .map(|t| t.to_string()),
    );
}

/// The AWS attributes: session name, SourceIdentity, duration and session tags.
fn aws_fields(out: &mut String, response: &SamlResponse, report: &Report<'_>) {
    let aws = response.aws();
    field(
        out,
        "RoleSessionName",
        aws.and_then(|a| a.role_session_name.clone()),
    );
    field(
        out,
        "Second-hop session",
        report.second_hop_session_name.clone(),
    );
    field(
        out,
        "SourceIdentity",
        aws.and_then(|a| a.source_identity.clone()),
    );
    field(
        out,
        "SessionDuration",
        aws.and_then(|a| a.session_duration.clone()),
    );
    if let Some(aws) = aws {
        for (key, values) in &aws.principal_tags {
            field(out, &format!("PrincipalTag:{key}"), Some(values.join(", ")));
        }
        field(out, "TransitiveTagKeys", join(&aws.transitive_tag_keys));
    }
}

fn roles_and_notes(out: &mut String, response: &SamlResponse) {
    let roles = response.roles();
    let _ = writeln!(out, "\nRoles ({}):", roles.len());
    for pair in roles {
        let _ = writeln!(
            out,
            "  {}\n    via {}",
            escape(&pair.role.arn),
            escape(&pair.provider.arn)
        );
    }
    if let Some(aws) = response.aws() {
        for malformed in &aws.malformed_roles {
            let _ = writeln!(
                out,
                "  unusable value \"{}\": {}",
                escape(&malformed.value),
                escape(&malformed.reason.to_string())
            );
        }
    }
    if response.encrypted_assertions > 0 {
        let _ = writeln!(
            out,
            "\n{} encrypted assertion(s) cannot be read",
            response.encrypted_assertions
        );
    }
    if !response.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for note in &response.notes {
            let _ = writeln!(out, "  {}", escape(&note.to_string()));
        }
    }
}

fn verdict(out: &mut String, report: &Report<'_>) {
    let _ = writeln!(out, "\nAt {}:", report.checked_at);
    if report.problems.is_empty() {
        let _ = writeln!(out, "  usable for AWS sign-in");
    } else {
        for problem in &report.problems {
            let _ = writeln!(out, "  refused: {}", escape(problem));
        }
    }
}

fn join(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join(", "))
}

/// `urn:oasis:names:tc:SAML:2.0:status:Success` → `Success`.
fn short_status(uri: &str) -> String {
    uri.rsplit(':').next().unwrap_or(uri).to_owned()
}
