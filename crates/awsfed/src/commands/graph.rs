use std::process::ExitCode;

use awsfed_access::{Analysis, Estate, PathView, analyze_with, graph_dot, graph_mermaid};

use crate::cli::Cli;
use crate::commands::access::{InputArgs, check_group, in_group};
use crate::commands::print_stdout;
use crate::error::CommandError;

/// Draw the access graph: directory groups → roles entered with SAML → roles assumed from them;
/// IAM users → the roles they assume (MFA or keys alone) → roles assumed from them.
/// Graphviz DOT (`awsfed graph | dot -Tsvg > access.svg`) or a Mermaid flowchart.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The graph language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Only this directory group (and the IAM users in the IAM group standing for it), or one IAM
    /// user, as `iam-user:NAME`.
    #[arg(long)]
    pub group: Option<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let input = args.input.load(cli)?;
    check_group(&input.mapping, &input.snapshot, args.group.as_deref())?;
    let estate = Estate::new(&input.snapshot, input.organization_id.clone());
    crate::commands::access::warn_unknown_org_paths(&estate);
    let mut analysis: Analysis<'_, '_> = analyze_with(&estate, &input.mapping, false);
    if let Some(group) = args.group.as_deref() {
        let mapping = &input.mapping;
        analysis
            .paths
            .retain(|p| mapping.groups[p.group].name == group);
        // The IAM users of the group (or the one user named), as `access --group` keeps them.
        let keep: Vec<bool> = analysis
            .user_paths
            .iter()
            .map(|p| {
                in_group(
                    &PathView::of_user(&analysis, p, false),
                    mapping,
                    Some(group),
                )
            })
            .collect();
        let mut keep = keep.into_iter();
        analysis.user_paths.retain(|_| keep.next().unwrap_or(false));
    }
    print_stdout(&match args.format {
        GraphFormat::Dot => graph_dot(&analysis),
        GraphFormat::Mermaid => graph_mermaid(&analysis),
    });
    Ok(ExitCode::SUCCESS)
}
