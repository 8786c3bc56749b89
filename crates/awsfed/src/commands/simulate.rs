use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_policy::simulation::Simulation;
use awsfed_policy::{Decision, evaluate};
use awsfed_snapshot::{SnapshotError, parse_json};
use serde::Serialize;

use crate::cli::{Cli, OutputFormat};
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;

/// Evaluate one request the way IAM does and explain the decision: allow, explicit deny or
/// implicit deny, the statements that decided it, and for an implicit deny what was missing. The
/// file holds the principal, action, resource, context and the identity, resource or trust,
/// permissions boundary, session, SCP and RCP policies (format:
/// `schemas/simulate-request.schema.json`). Exits 0 whatever the decision.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request file (JSON).
    pub file: PathBuf,
}

/// Request files larger than this are refused.
const MAX_REQUEST_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Serialize)]
struct Explained {
    decision: String,
    statements: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<String>,
    same_account: bool,
}

fn gate_text(gate: &awsfed_policy::Gate) -> String {
    use awsfed_policy::Gate;
    match gate {
        Gate::ServiceControl { level } => format!("no SCP attached at {level} allows it"),
        Gate::Identity => "no identity-based policy allows it".into(),
        Gate::Resource => {
            "the resource-based or trust policy does not grant it to this principal".into()
        }
        Gate::PermissionsBoundary => "the permissions boundary does not allow it".into(),
        Gate::Session => "the session policy does not allow it".into(),
    }
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let name = args.file.display().to_string();
    let bad = |message: String| {
        CommandError::bad_input(message)
            .hint("the request format is schemas/simulate-request.schema.json")
    };
    let text =
        awsfed_files::read_text(&args.file, MAX_REQUEST_BYTES).map_err(|e| bad(e.to_string()))?;
    let simulation: Simulation =
        parse_json(&name, &text).map_err(|e: SnapshotError| bad(e.to_string()))?;
    let (request, set) = simulation
        .compile()
        .map_err(|e| bad(format!("{name}: {e}")))?;
    let evaluation = evaluate(&request, &set);
    let explained = Explained {
        decision: evaluation.decision.to_string(),
        statements: evaluation
            .statements
            .iter()
            .map(|s| s.to_string())
            .collect(),
        missing: evaluation.missing.as_ref().map(gate_text),
        same_account: evaluation.same_account,
    };
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&explained)),
        OutputFormat::Text => {
            let mut out = format!(
                "{}: {} {} on {}\n",
                explained.decision, simulation.principal, simulation.action, simulation.resource
            );
            let why = match evaluation.decision {
                Decision::Allow => "allowed by",
                Decision::ExplicitDeny => "denied by",
                Decision::ImplicitDeny => "nothing allows it",
            };
            if evaluation.decision == Decision::ImplicitDeny {
                let _ = writeln!(
                    out,
                    "  {why}: {}",
                    explained
                        .missing
                        .as_deref()
                        .unwrap_or("no statement applies")
                );
            }
            for statement in &explained.statements {
                let _ = writeln!(out, "  {why}: {statement}");
            }
            print_stdout(&out);
        }
    }
    Ok(ExitCode::SUCCESS)
}
