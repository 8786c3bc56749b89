use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_access::{Estate, analyze_with, compare_paths, path_keys};

use crate::cli::{Cli, OutputFormat};
use crate::commands::access::{model_estate, read_idp, read_snapshot};
use crate::commands::verify::describe;
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;

/// Compare the access two snapshots grant: the paths (group → role) added and removed between
/// SNAPSHOT_A and SNAPSHOT_B, following the same IdP mapping in both.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier snapshot (file or folder).
    pub snapshot_a: PathBuf,
    /// The later snapshot (file or folder).
    pub snapshot_b: PathBuf,
    /// The IdP description; default: the model's mapping.
    #[arg(long, value_name = "FILE")]
    pub idp: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let a = read_snapshot(&args.snapshot_a)?;
    let b = read_snapshot(&args.snapshot_b)?;
    let (mapping_a, mapping_b, organization) = match &args.idp {
        Some(file) => {
            let mapping = read_idp(file)?;
            (mapping.clone(), mapping, None)
        }
        None => {
            let (model, _, mapping) = model_estate(&cli.config)?;
            // Each snapshot's Identity Center role values are the ones it read.
            let for_scan = awsfed_access::identity_center::for_scan;
            (
                for_scan(mapping.clone(), &a),
                for_scan(mapping, &b),
                model.organization_id,
            )
        }
    };
    let estate_a = Estate::new(&a, organization.clone());
    let estate_b = Estate::new(&b, organization);
    crate::commands::access::warn_unknown_org_paths(&estate_a);
    crate::commands::access::warn_unknown_org_paths(&estate_b);
    let change = compare_paths(
        &path_keys(&analyze_with(&estate_a, &mapping_a, false)),
        &path_keys(&analyze_with(&estate_b, &mapping_b, false)),
    );
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&change)),
        OutputFormat::Text => print_stdout(&describe(&change, "added", "removed")),
    }
    Ok(ExitCode::SUCCESS)
}
