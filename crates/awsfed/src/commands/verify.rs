use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_access::{Estate, PathChange, analyze_with, compare_paths, path_keys};

use crate::cli::{Cli, OutputFormat};
use crate::commands::access::{model_estate, read_idp, read_snapshot};
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;

/// Check that a snapshot grants exactly the access the model intends: every path the deployed
/// trusts and policies allow but the model does not (extra), and every path the model intends that
/// they do not allow (missing). Exits 1 when they differ.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot to check (a file, or a folder as `awsfed scan --out` writes it).
    #[arg(long, value_name = "PATH")]
    pub snapshot: PathBuf,
    /// The IdP description to follow in the snapshot instead of the model's mapping.
    #[arg(long, value_name = "FILE")]
    pub idp: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let (model, intended, mapping) = model_estate(&cli.config)?;
    let actual = read_snapshot(&args.snapshot)?;
    let actual_mapping = match &args.idp {
        Some(file) => read_idp(file)?,
        None => awsfed_access::identity_center::for_scan(mapping.clone(), &actual),
    };
    let intended_estate = Estate::new(&intended, model.organization_id.clone());
    let intended_paths = path_keys(&analyze_with(&intended_estate, &mapping, false));
    let actual_estate = Estate::new(&actual, model.organization_id.clone());
    crate::commands::access::warn_unknown_org_paths(&actual_estate);
    let actual_paths = path_keys(&analyze_with(&actual_estate, &actual_mapping, false));
    let change = compare_paths(&intended_paths, &actual_paths);
    match cli.output {
        OutputFormat::Json => {
            #[derive(serde::Serialize)]
            struct Report<'a> {
                matches: bool,
                extra: &'a [awsfed_access::PathKey],
                missing: &'a [awsfed_access::PathKey],
            }
            print_stdout(&to_json(&Report {
                matches: change.is_empty(),
                extra: &change.added,
                missing: &change.removed,
            }));
        }
        OutputFormat::Text => print_stdout(&describe(&change, "extra", "missing")),
    }
    if change.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}

/// `+`/`-` lines per path, then a count.
pub fn describe(change: &PathChange, added: &str, removed: &str) -> String {
    let mut out = String::new();
    for (sign, word, keys) in [("+", added, &change.added), ("-", removed, &change.removed)] {
        for key in keys {
            let _ = write!(out, "{sign} {word}: {} -> {}", key.group, key.role_arn);
            if let Some(via) = &key.via {
                let _ = write!(out, " (via {via})");
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "{} {added}, {} {removed}",
        change.added.len(),
        change.removed.len()
    );
    out
}
