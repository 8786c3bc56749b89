use std::fmt::Write;
use std::process::ExitCode;

use awsfed_access::audit::{Finding, RULES, Severity, audit, sarif};
use awsfed_access::{Estate, analyze};

use crate::cli::{Cli, OutputFormat};
use crate::commands::access::InputArgs;
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;

/// Audit federation: trusts open to whole accounts or organisations, hub roles that may assume
/// anything, spoke trusts not bound to the federated user, missing or global-only SAML:aud, IdP
/// values that lead nowhere, orphan roles, missing sts:SetSourceIdentity / sts:TagSession, chained
/// sessions over an hour, MFA conditions SAML cannot meet, deleted-role principals, providers in
/// another account, paths the model does not grant (escalations through role chaining, with the
/// chain), roles under awsfed's path it does not own, expiring metadata, IAM users who reach a role
/// without MFA, IAM group policies wider than the model's grants, access keys older than
/// `iam_users.access_key_max_age_days`. Each finding has a severity, its place and the fix. Exits 1
/// when a finding is at or above --fail-on.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Exit 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Report format; `--output json` also gives JSON.
    #[arg(long, value_enum)]
    pub format: Option<AuditFormat>,
    /// Measure metadata expiry from this date (RFC 3339) instead of now.
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Sarif,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let now = match &args.now {
        Some(date) => awsfed_policy::parse_date_millis(date).ok_or_else(|| {
            CommandError::bad_input(format!("--now `{date}` is not a date"))
                .hint("write it as RFC 3339: 2026-11-25T00:00:00Z")
        })?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    };
    let input = args.input.load(cli)?;
    let estate = Estate::new(&input.snapshot, input.organization_id.clone());
    crate::commands::access::warn_unknown_org_paths(&estate);
    let analysis = analyze(&estate, &input.mapping);
    let findings = audit(&analysis, now);
    let format = args.format.unwrap_or(match cli.output {
        OutputFormat::Json => AuditFormat::Json,
        OutputFormat::Text => AuditFormat::Text,
    });
    let artifact = match &args.input.snapshot {
        Some(path) => path.display().to_string(),
        None => cli.config.display().to_string(),
    };
    match format {
        AuditFormat::Json => print_stdout(&to_json(&findings)),
        AuditFormat::Sarif => print_stdout(&to_json(&sarif(&findings, &artifact))),
        AuditFormat::Text => print_stdout(&text(&findings)),
    }
    let threshold = match args.fail_on {
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Never => None,
    };
    let fail = threshold.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let title = RULES
            .iter()
            .find(|r| r.id == f.rule)
            .map_or("", |r| r.title);
        let _ = writeln!(out, "{}[{}]: {title}", f.severity, f.rule);
        let _ = write!(out, "  --> {}", f.location);
        if let Some(i) = f.statement {
            let _ = write!(out, " (trust statement {i})");
        }
        let _ = writeln!(out, "\n  {}\n  fix: {}\n", f.message, f.fix);
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} findings: {} critical, {} high, {} medium, {} low",
        findings.len(),
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    );
    out
}
