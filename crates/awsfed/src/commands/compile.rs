use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_compile::DesiredState;

use crate::cli::{Cli, OutputFormat};
use crate::commands::{print_stderr, print_stdout, to_json};
use crate::error::CommandError;
use crate::load::{load, undeployable};
use crate::render::render_diagnostics;
use crate::write::{OutputFile, write_folder};

/// Compile the model to its desired state: per account the SAML provider, roles, trust and
/// permission policies; per directory group the SAML `Role` attribute values; for Identity Center
/// accounts the permission sets and account assignments. The same model always gives
/// byte-identical output.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write one JSON file per account (`accounts/NAME.json`), the IdP mapping (`idp.json`) and,
    /// when some account is Identity Center, `identity-center.json` into this folder, replacing
    /// what awsfed wrote there before.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write into a folder that holds files awsfed did not write: awsfed's files are replaced and
    /// every other file is kept.
    #[arg(long)]
    pub force: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let (model, diagnostics, text, path) = load(&cli.config)?.into_model()?;
    // Every group's targets are printed only with the whole state; the files and the table need
    // the role values alone, and at thousands of accounts the targets are most of the work.
    let options = awsfed_compile::CompileOptions {
        group_targets: cli.output == OutputFormat::Json,
        ..Default::default()
    };
    let state = awsfed_compile::compile_with(&model, &options);
    let mut shown = diagnostics.clone();
    shown.0.extend(state.notes.iter().cloned());
    shown.sort();
    print_stderr(&render_diagnostics(&path, &text, &shown));
    if undeployable(&state.notes) {
        return Err(CommandError::bad_input(
            "the compiled state does not fit IAM's quotas (see above); nothing was written",
        ));
    }
    if let Some(out) = &args.out {
        write_folder(out, &files(&state), args.force)?;
        print_stderr(&format!(
            "wrote {} account files and idp.json to {}\n",
            state.accounts.len(),
            out.display()
        ));
    }
    match cli.output {
        OutputFormat::Json => print_json(&state),
        OutputFormat::Text if args.out.is_none() => print_stdout(&summary(&state)),
        OutputFormat::Text => {}
    }
    // Freeing a large state just before exiting only costs time.
    std::mem::forget(state);
    Ok(ExitCode::SUCCESS)
}

/// Streams the state to stdout: at thousands of accounts it is hundreds of megabytes, which need not
/// sit in memory twice. A closed pipe is not an error.
fn print_json(state: &DesiredState) {
    use std::io::Write;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    if serde_json::to_writer_pretty(&mut stdout, state).is_ok() {
        let _ = stdout.write_all(b"\n");
    }
    let _ = stdout.flush();
}

/// The IdP mapping: for each directory group, the SAML `Role` attribute values its members receive.
#[derive(serde::Serialize)]
struct IdpMapping<'a> {
    group: &'a str,
    role_values: &'a [awsfed_compile::RoleValue],
}

pub fn files(state: &DesiredState) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = state
        .accounts
        .iter()
        .map(|account| OutputFile {
            path: format!("accounts/{}.json", account.name),
            contents: to_json(account),
        })
        .collect();
    let mapping: Vec<IdpMapping> = state
        .groups
        .iter()
        .map(|g| IdpMapping {
            group: &g.group,
            role_values: &g.role_values,
        })
        .collect();
    files.push(OutputFile {
        path: "idp.json".to_owned(),
        contents: to_json(&mapping),
    });
    if let Some(identity_center) = &state.identity_center {
        files.push(OutputFile {
            path: "identity-center.json".to_owned(),
            contents: to_json(identity_center),
        });
    }
    files
}

/// One line per account: what awsfed will own there.
pub fn summary(state: &DesiredState) -> String {
    let mut out = String::new();
    let width = state
        .accounts
        .iter()
        .map(|a| a.name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let topology = state
        .accounts
        .iter()
        .map(|a| a.topology.as_str().len())
        .max()
        .unwrap_or(13)
        .max(13);
    let _ = writeln!(
        out,
        "{:width$}  {:12}  {:topology$}  {:8}  {:>5}  {:>8}",
        "ACCOUNT", "ID", "TOPOLOGY", "PROVIDER", "ROLES", "POLICIES"
    );
    for account in &state.accounts {
        let _ = writeln!(
            out,
            "{:width$}  {:12}  {:topology$}  {:8}  {:>5}  {:>8}",
            account.name,
            account.id,
            account.topology.as_str(),
            if account.saml_provider.is_some() {
                "yes"
            } else {
                "-"
            },
            account.roles.len(),
            account.policies.len()
        );
    }
    let roles: usize = state.accounts.iter().map(|a| a.roles.len()).sum();
    let values: usize = state.groups.iter().map(|g| g.role_values.len()).sum();
    let _ = writeln!(
        out,
        "\n{} accounts, {} SAML providers, {roles} roles, {} groups, {values} IdP Role values",
        state.accounts.len(),
        state
            .accounts
            .iter()
            .filter(|a| a.saml_provider.is_some())
            .count(),
        state.groups.len()
    );
    if let Some(ic) = &state.identity_center {
        let accounts: std::collections::BTreeSet<&str> = ic
            .assignments
            .iter()
            .map(|a| a.account_id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "Identity Center: {} permission sets, {} account assignments in {} accounts",
            ic.permission_sets.len(),
            ic.assignments.len(),
            accounts.len()
        );
    }
    for account in &state.accounts {
        if let Some(hub) = &account.iam_users {
            let with_mfa = hub.users.iter().filter(|u| u.mfa).count();
            let _ = writeln!(
                out,
                "IAM users in {} (hub {}): {} users ({with_mfa} with MFA required) in {} IAM groups, {} policies under {}",
                account.name,
                hub.hub,
                hub.users.len(),
                hub.groups.len(),
                hub.policies.len(),
                hub.path
            );
        }
    }
    out
}
