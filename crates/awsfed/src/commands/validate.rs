use std::process::ExitCode;

use awsfed_model::{Diagnostics, Severity};
use serde::Serialize;

use crate::cli::{Cli, OutputFormat};
use crate::commands::{print_stderr, print_stdout, to_json};
use crate::error::CommandError;
use crate::load::load;
use crate::render::render_diagnostics;
use awsfed_files::message::{self, Level};

/// Check the model: syntax, references, naming rules and every IAM quota its compiled policies must
/// fit. Exits 0 when valid, 2 with diagnostics (FILE:LINE:COLUMN, the line, and how to fix it)
/// when not.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fail on warnings too (except those the model lists under `allow_warnings`).
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    valid: bool,
    errors: usize,
    warnings: usize,
    diagnostics: &'a Diagnostics,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let loaded = load(&cli.config)?;
    let mut diagnostics = loaded.diagnostics.clone();
    let mut allowed = std::collections::BTreeSet::new();
    if let Some(model) = &loaded.model {
        let options = awsfed_compile::CompileOptions {
            group_targets: false,
            ..Default::default()
        };
        let mut state = awsfed_compile::compile_with(model, &options);
        diagnostics.0.extend(
            state
                .notes
                .drain(..)
                .filter(|n| n.severity != Severity::Note),
        );
        // Freeing a large state just before exiting costs a fifth of the run; the process exit
        // returns the memory anyway.
        std::mem::forget(state);
        diagnostics.sort();
        allowed = model.allow_warnings.clone();
    }
    let denied_warnings = diagnostics
        .warnings()
        .filter(|w| !allowed.contains(&w.code))
        .count();
    let fails_on_warnings = args.deny_warnings && denied_warnings > 0;
    let valid = !(diagnostics.has_errors() || fails_on_warnings);
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&Report {
            valid,
            errors: diagnostics.errors().count(),
            warnings: diagnostics.warnings().count(),
            diagnostics: &diagnostics,
        })),
        OutputFormat::Text => {
            print_stderr(&render_diagnostics(
                &loaded.path,
                &loaded.text,
                &diagnostics,
            ));
            if valid {
                let model = loaded.model.as_ref().expect("a valid model resolved");
                print_stderr(&format!(
                    "ok: {} is valid ({} accounts, {} permission sets, {} groups)\n",
                    loaded.path.display(),
                    model.accounts.len(),
                    model.permission_sets.len(),
                    model.groups.len()
                ));
            } else if !diagnostics.has_errors() {
                message::print(Level::Error, "warnings are denied (--deny-warnings)");
            }
        }
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
