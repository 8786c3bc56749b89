use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use awsfed_export::profile_name_part;
use awsfed_signin::managed_block::{self, Profile};
use awsfed_signin::{ClientFile, ClientHop, ClientTarget};

use crate::cli::{Cli, OutputFormat};
use crate::commands::sign_in::{SignInArgs, load_client};
use crate::commands::{print_stderr, print_stdout, to_json};
use crate::error::CommandError;
use awsfed_files::message::{self, Level};

/// Write one AWS profile per target of the client file into `~/.aws/config`, each with
/// `credential_process = awsfed creds ACCOUNT/PERMISSION_SET`, so every AWS SDK and tool signs in
/// through awsfed. The profiles live in one marked block; lines outside it are never changed,
/// profiles that were in the block and are no longer targets are removed, and a profile of the
/// same name defined outside the block is left alone (awsfed skips its own). `--dry-run` prints
/// the diff and writes nothing.
///
/// Without `--region`, a region an earlier run wrote into a profile stays. `--output json` prints the profiles added, updated, removed and skipped, and the diff.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the change as a unified diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The AWS config file. Default: `$AWS_CONFIG_FILE`, else `~/.aws/config`.
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Only the targets this directory group reaches.
    #[arg(long)]
    pub group: Option<String>,
    /// `region` of every profile. Default: the account's Region from the client file (the model's
    /// `region` or `default_region`), else the region an earlier run wrote.
    #[arg(long)]
    pub region: Option<String>,
    /// How the profiles run awsfed (a path when it is not on PATH).
    #[arg(long, value_name = "PROGRAM", default_value = "awsfed")]
    pub command: String,
    #[command(flatten)]
    pub signin: SignInArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let client = load_client(&args.signin)?;
    let path = config_path(args)?;
    let existing = match awsfed_files::read_text(&path, crate::read::MAX_AWS_CONFIG_BYTES) {
        Ok(text) => text,
        Err(awsfed_files::ReadError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            String::new()
        }
        Err(e) => return Err(crate::read::read_error(e)),
    };
    let block_error = |e: managed_block::BlockError| {
        CommandError::bad_input(format!("`{}`: {e}", path.display()))
            .hint("fix the markers by hand; awsfed will not guess which lines are its own")
    };
    // Without --region, a region an earlier run wrote stays.
    let earlier_regions = managed_block::block_values(&existing, "region").map_err(block_error)?;
    let profiles = profiles(&client, args, &earlier_regions)?;
    let edit = managed_block::apply(&existing, &profiles).map_err(block_error)?;
    for name in &edit.skipped {
        message::print(
            Level::Warning,
            format_args!(
                "profile {name} is defined outside awsfed's block; left as it is, and awsfed's profile of that name was not written"
            ),
        );
    }
    let summary = format!(
        "{} profiles: {} added, {} updated, {} removed{}",
        profiles.len() - edit.skipped.len(),
        edit.added.len(),
        edit.updated.len(),
        edit.removed.len(),
        if edit.removed.is_empty() {
            String::new()
        } else {
            format!(" ({})", edit.removed.join(", "))
        }
    );
    let diff = managed_block::diff(&existing, &edit.text, &path.display().to_string());
    let written = !args.dry_run && edit.changed(&existing);
    if written {
        write_atomically(&path, &edit.text)?;
    }
    if cli.output == OutputFormat::Json {
        print_stdout(&to_json(&Outcome {
            config_file: path.display().to_string(),
            dry_run: args.dry_run,
            written,
            added: &edit.added,
            updated: &edit.updated,
            removed: &edit.removed,
            skipped: &edit.skipped,
            diff,
        }));
    } else if args.dry_run {
        print_stdout(&diff);
    }
    if args.dry_run {
        print_stderr(&format!("dry run, nothing written: {summary}\n"));
    } else if written {
        print_stderr(&format!("wrote {}: {summary}\n", path.display()));
    } else {
        print_stderr(&format!("{} is up to date: {summary}\n", path.display()));
    }
    Ok(ExitCode::SUCCESS)
}

/// What `--output json` prints: the profiles by what happened to them, and the change as a diff.
#[derive(Debug, serde::Serialize)]
struct Outcome<'a> {
    config_file: String,
    dry_run: bool,
    written: bool,
    added: &'a [String],
    updated: &'a [String],
    removed: &'a [String],
    /// Defined outside awsfed's block by the user: left alone.
    skipped: &'a [String],
    diff: String,
}

fn config_path(args: &Args) -> Result<PathBuf, CommandError> {
    if let Some(path) = &args.config_file {
        return Ok(path.clone());
    }
    if let Some(path) = std::env::var_os(awsfed_env::AWS_CONFIG_FILE).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    std::env::var_os(awsfed_env::HOME)
        .map(|home| PathBuf::from(home).join(".aws").join("config"))
        .ok_or_else(|| CommandError::bad_input("HOME is not set").hint("pass --config-file FILE"))
}

/// An argument for `credential_process`, which the SDKs split like a shell.
fn argument(text: &str) -> String {
    if text.is_empty() || text.contains(|c: char| c.is_whitespace() || "\"'\\".contains(c)) {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_owned()
    }
}

fn profiles(
    client: &ClientFile,
    args: &Args,
    earlier_regions: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<Profile>, CommandError> {
    let targets: Vec<&ClientTarget> = client
        .targets
        .iter()
        .filter(|t| {
            args.group
                .as_ref()
                .is_none_or(|g| t.paths.iter().any(|p| p.groups.contains(g)))
        })
        .collect();
    if targets.is_empty() {
        let mut error = CommandError::bad_input("no targets to configure");
        if let Some(group) = &args.group {
            error = CommandError::bad_input(format!(
                "directory group `{group}` reaches no target in the client file"
            ));
        }
        return Err(error);
    }
    let client_arg = args
        .signin
        .client
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    let mut profiles: Vec<Profile> = targets
        .iter()
        .map(|target| {
            let mut command = format!(
                "{} creds {}",
                argument(&args.command),
                argument(&target.name)
            );
            if let Some(client) = &client_arg {
                command.push_str(&format!(
                    " --client {}",
                    argument(&client.to_string_lossy())
                ));
            }
            let name = format!(
                "{}-{}",
                profile_name_part(&target.account_name),
                profile_name_part(&target.permission_set)
            );
            let mut lines = vec![("credential_process".to_owned(), command)];
            // --region, else the account's Region from the model, else what an earlier run wrote.
            let region = args
                .region
                .as_deref()
                .or_else(|| client.region_of(target))
                .or_else(|| earlier_regions.get(&name).map(String::as_str));
            if let Some(region) = region {
                lines.push(("region".to_owned(), region.to_owned()));
            }
            Profile {
                name,
                comment: Some(describe(target)),
                lines,
            }
        })
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    profiles.dedup_by(|a, b| a.name == b.name);
    Ok(profiles)
}

fn describe(target: &ClientTarget) -> String {
    let hops = target.paths.first().map_or(0, |p| p.hops.len());
    let as_iam_user = target
        .paths
        .first()
        .is_some_and(|p| matches!(p.hops.first(), Some(ClientHop::IamUser { .. })));
    let how = if as_iam_user {
        "your IAM user's MFA session, then the account's role (IAM-users hub)".to_owned()
    } else if hops > 1 {
        let hubs: Vec<&str> = target
            .paths
            .iter()
            .filter_map(|p| match p.hops.first() {
                Some(ClientHop::Saml { role_arn, .. }) => role_arn.rsplit('/').next(),
                _ => None,
            })
            .collect();
        format!("through {} (hub-and-spoke)", hubs.join(" or "))
    } else {
        "SAML straight into the account (direct)".to_owned()
    };
    format!("{} in {}: {how}", target.name, target.account_id)
}

/// Temporary file beside the config, then rename: readers never see half a file. A symlinked
/// config (a dotfiles repository) is written through to its target and the link kept. The mode of
/// an existing file is kept; a new one is 0600 in a 0700 `~/.aws`.
fn write_atomically(path: &Path, text: &str) -> Result<(), CommandError> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(parent)
        .map_err(|e| CommandError::failed(format!("cannot write `{}`: {e}", path.display())))?;
    awsfed_files::replace_file(path, text.as_bytes(), 0o600)
        .map(drop)
        .map_err(|e| CommandError::failed(e.to_string()))
}
