use std::fmt::Write;
use std::process::ExitCode;

use awsfed_compile::{Comparison, TopologyFigures};
use awsfed_model::duration::format_duration;

use crate::cli::{Cli, OutputFormat};
use crate::commands::compare_migration::{MigrationFigures, migration_figures, migration_text};
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;
use crate::load::load;

/// Compile the model all three ways — every account hub-and-spoke, direct, Identity Center — and show
/// what each costs to run and what users get: resources to maintain, trust relationships, STS calls
/// per sign-in, session lengths, the cost of one more account, and where the access truth lives.
///
/// Then what moving the model as written to hub-and-spoke or to direct costs in stages: the
/// accounts moving, the IAM changes of expand, switch and contract as `awsfed migrate` makes them,
/// and the IdP changes of the switch.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(cli: &Cli, _args: &Args) -> Result<ExitCode, CommandError> {
    let (model, ..) = load(&cli.config)?.into_model()?;
    let comparison = awsfed_compile::compare(&model);
    let migrations = migration_figures(&model);
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&View {
            comparison: &comparison,
            migrations: &migrations,
        })),
        OutputFormat::Text => print_stdout(&format!(
            "{}{}",
            table(&comparison),
            migration_text(&migrations)
        )),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Serialize)]
struct View<'a> {
    #[serde(flatten)]
    comparison: &'a Comparison,
    migrations: &'a [MigrationFigures],
}

fn table(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} accounts, {} directory groups\n",
        c.accounts, c.groups
    );
    let hs = c.hub_and_spoke.as_ref();
    let direct = c.direct.as_ref();
    let row = |out: &mut String, label: &str, f: &dyn Fn(&TopologyFigures) -> String| {
        let left = hs.map_or_else(|| "(no hub account)".to_owned(), f);
        let middle = direct.map_or_else(|| "(no identity provider)".to_owned(), f);
        let right = f(&c.identity_center);
        let _ = writeln!(out, "{label:34}  {left:>24}  {middle:>24}  {right:>24}");
    };
    let _ = writeln!(
        out,
        "{:34}  {:>24}  {:>24}  {:>24}",
        "", "hub-and-spoke", "direct", "identity-center"
    );
    row(&mut out, "resources to maintain", &|f| {
        f.resources_to_maintain.to_string()
    });
    row(&mut out, "IAM roles", &|f| f.roles.to_string());
    row(&mut out, "SAML providers", &|f| {
        f.saml_providers.to_string()
    });
    row(&mut out, "awsfed managed policies", &|f| {
        f.managed_policies.to_string()
    });
    row(&mut out, "most roles in one account", &|f| {
        f.max_roles_in_an_account.to_string()
    });
    row(&mut out, "trust relationships", &|f| {
        f.trust_relationships.to_string()
    });
    row(&mut out, "IdP Role values", &|f| {
        f.idp_role_values.to_string()
    });
    row(&mut out, "STS calls per sign-in", &|f| {
        f.sts_calls_per_sign_in.to_string()
    });
    row(&mut out, "longest CLI session", &|f| {
        format_duration(f.longest_session)
    });
    row(&mut out, "shortest target maximum", &|f| {
        format_duration(f.shortest_target_session)
    });
    row(&mut out, "policies narrowed to fit quotas", &|f| {
        f.narrowed_policies.to_string()
    });
    let _ = writeln!(out, "\none more account (like the average one):");
    row(&mut out, "  roles to create", &|f| {
        f.per_new_account.roles_to_create.to_string()
    });
    row(&mut out, "  SAML providers to create", &|f| {
        f.per_new_account.saml_providers_to_create.to_string()
    });
    row(&mut out, "  hub policies to update", &|f| {
        f.per_new_account.hub_policies_to_update.to_string()
    });
    row(&mut out, "  IdP values to add", &|f| {
        f.per_new_account.idp_values_to_add.to_string()
    });
    row(&mut out, "  account assignments to create", &|f| {
        f.per_new_account.assignments_to_create.to_string()
    });
    let _ = writeln!(out, "\nwhere the access truth lives:");
    if let Some(hs) = hs {
        let _ = writeln!(out, "  hub-and-spoke:   {}", hs.access_truth);
    }
    if let Some(direct) = direct {
        let _ = writeln!(out, "  direct:          {}", direct.access_truth);
    }
    let _ = writeln!(out, "  identity-center: {}", c.identity_center.access_truth);
    let _ = writeln!(
        out,
        "\nIdentity Center provisions its roles and SAML provider in each account itself (counted above, not maintained)."
    );
    let width = c
        .reach
        .iter()
        .map(|r| r.group.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "\n{:width$}  {:>8}  {:>7}",
        "GROUP", "ACCOUNTS", "TARGETS"
    );
    for reach in &c.reach {
        let _ = writeln!(
            out,
            "{:width$}  {:>8}  {:>7}",
            reach.group, reach.accounts, reach.targets
        );
    }
    out
}
