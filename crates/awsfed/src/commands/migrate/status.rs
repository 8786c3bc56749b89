use std::collections::BTreeSet;
use std::process::ExitCode;

use awsfed_access::migration_proof::paths_beside_identity_center;
use awsfed_access::{IdpMapping, PathKey, arn_account};
use awsfed_compile::{DesiredIdentityCenter, DesiredState};
use awsfed_plan::migration::StageTarget;
use awsfed_snapshot::Snapshot;
use serde::Serialize;

use crate::cli::{Cli, OutputFormat};
use crate::commands::deploy;
use crate::error::CommandError;

/// Show each moving account's stage and which sign-in paths work there: old, new or both.
///
/// The paths are worked out from the accounts as they are (live, or a scan with `--snapshot`):
/// "old" when every path of the old topology into the account works with the old Role values,
/// "new" when every path of the new one works with the new values. An Identity Center path works
/// when the instance holds its assignment (Identity Center makes the reserved role and its
/// provider in the account).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub source: super::SourceArgs,
}

#[derive(Debug, Serialize)]
pub struct AccountStatus {
    pub account_name: String,
    pub account_id: String,
    pub from: &'static str,
    pub to: &'static str,
    pub stage: &'static str,
    /// `old`, `new`, `both` or `none`.
    pub working_paths: &'static str,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let loaded = deploy::runtime()?.block_on(super::load(cli, &args.source))?;
    let staged = super::stage::stage(
        &loaded.model,
        &loaded.desired,
        &loaded.state,
        &loaded.options,
        StageTarget::Forward,
        false,
    )?;
    let rows = match (&staged.states, &loaded.model.identity_provider) {
        (Some(states), Some(idp)) => {
            let org = || loaded.model.organization_id.clone();
            let working = |state: &DesiredState| {
                let mapping = IdpMapping::from_compiled(idp, &state.groups);
                let paths = |snapshot, center: Option<&DesiredIdentityCenter>| {
                    paths_beside_identity_center(
                        snapshot,
                        &mapping,
                        &state.partition,
                        center,
                        state.organization_paths.as_ref(),
                        org(),
                    )
                };
                let intended = paths(
                    Snapshot::from_desired(state),
                    state.identity_center.as_ref(),
                );
                let assigned = assigned(&loaded.state, state.identity_center.as_ref());
                let found = paths(loaded.state.clone(), assigned.as_ref());
                (intended, found)
            };
            let (old_intended, old_found) = working(&states.old);
            let (new_intended, new_found) = working(&states.new);
            staged
                .migration
                .accounts
                .iter()
                .map(|a| {
                    let works = |intended: &BTreeSet<PathKey>, found: &BTreeSet<PathKey>| {
                        let mut into = intended
                            .iter()
                            .filter(|k| arn_account(&k.role_arn) == Some(a.account_id.as_str()))
                            .peekable();
                        into.peek().is_some() && into.all(|k| found.contains(k))
                    };
                    AccountStatus {
                        account_name: a.account_name.clone(),
                        account_id: a.account_id.clone(),
                        from: a.from.as_str(),
                        to: a.to.as_str(),
                        stage: a.stage.label(),
                        working_paths: match (
                            works(&old_intended, &old_found),
                            works(&new_intended, &new_found),
                        ) {
                            (true, true) => "both",
                            (true, false) => "old",
                            (false, true) => "new",
                            (false, false) => "none",
                        },
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    };
    crate::commands::print_stdout(&match cli.output {
        OutputFormat::Json => crate::commands::to_json(&serde_json::json!({
            "stage": staged.migration.stage(),
            "accounts": rows,
        })),
        OutputFormat::Text => super::render::status_text(staged.migration.stage(), &rows),
    });
    Ok(ExitCode::SUCCESS)
}

/// The assignments of `wanted` that the instance as read holds.
fn assigned(
    live: &Snapshot,
    wanted: Option<&DesiredIdentityCenter>,
) -> Option<DesiredIdentityCenter> {
    let (wanted, instance) = (wanted?, live.identity_center.as_ref()?);
    let held = |a: &&awsfed_compile::DesiredAssignment| {
        instance.assignments.iter().any(|found| {
            found.account_id == a.account_id
                && instance.group_name(&found.principal_id) == Some(a.group.as_str())
                && instance
                    .permission_set(&found.permission_set_arn)
                    .is_some_and(|s| s.name == a.permission_set)
        })
    };
    Some(DesiredIdentityCenter {
        assignments: wanted.assignments.iter().filter(held).cloned().collect(),
        ..wanted.clone()
    })
}
