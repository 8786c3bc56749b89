use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use awsfed_access::{IdpMapping, Intent, PathView};
use awsfed_files::ReadError;
use awsfed_model::Model;
use awsfed_snapshot::{
    MAX_SNAPSHOT_ACCOUNTS, MAX_SNAPSHOT_FILE_BYTES, Snapshot, SnapshotError, read_snapshot_file,
    read_snapshot_folder,
};

use crate::cli::{Cli, OutputFormat};
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;
use crate::load::load;
use awsfed_files::message::{self, Level};

/// Show who can reach what: every directory group × account × role path, through the SAML hop and,
/// for hub-and-spoke, the AssumeRole hop. Each hop is decided by awsfed's IAM policy evaluator with
/// the policies AWS applies to it (trust, identity, boundary, SCPs, RCPs) and the actions the IdP
/// needs (SetSourceIdentity, TagSession). IAM users (`iam-user:NAME`) are listed too, each with how
/// its own AssumeRole is signed (MFA, or its keys alone) and any role chained on from it. Reads the
/// compiled model, or a snapshot.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this directory group (and the IAM users in the IAM group standing for it), or one IAM
    /// user, as `iam-user:NAME`.
    #[arg(long)]
    pub group: Option<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Where the estate and the IdP mapping come from.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Analyse a snapshot (a file, or a folder as `awsfed scan --out` writes it) instead of the
    /// state the compiled model would deploy.
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,
    /// The IdP description (JSON: group → Role attribute values, audiences, SourceIdentity, session
    /// tags) for an estate awsfed did not build; default: the model's IdP mapping.
    #[arg(long, value_name = "FILE")]
    pub idp: Option<PathBuf>,
}

/// An estate and its IdP mapping, ready for analysis.
pub struct Input {
    pub snapshot: Snapshot,
    pub mapping: IdpMapping,
    pub organization_id: Option<String>,
}

/// The compiled model and the mapping it exports.
pub fn model_estate(config: &Path) -> Result<(Model, Snapshot, IdpMapping), CommandError> {
    let (model, ..) = load(config)?.into_model()?;
    let state = awsfed_compile::compile(&model);
    let mut snapshot = Snapshot::from_desired(&state);
    let mut mapping = match &model.identity_provider {
        Some(idp) => IdpMapping::from_compiled(idp, &state.groups),
        None => IdpMapping::without_saml(),
    }
    .with_intent({
        let intent = Intent::from_compiled(&model.naming.role_path, &state.groups);
        let hub = state.accounts.iter().find_map(|a| a.iam_users.as_ref());
        match (hub, &model.iam_users) {
            (Some(hub), Some(users)) => intent.with_iam_users(hub, users.access_key_max_age_days),
            _ => intent,
        }
    });
    if let Some(identity_center) = &state.identity_center {
        awsfed_access::identity_center::add_desired(
            &mut snapshot,
            &mut mapping,
            &state.partition,
            identity_center,
        );
    }
    Ok((model, snapshot, mapping))
}

impl InputArgs {
    pub fn load(&self, cli: &Cli) -> Result<Input, CommandError> {
        match &self.snapshot {
            None => {
                let (model, snapshot, mapping) = model_estate(&cli.config)?;
                let mapping = match &self.idp {
                    Some(file) => read_idp(file)?,
                    None => mapping,
                };
                Ok(Input {
                    snapshot,
                    mapping,
                    organization_id: model.organization_id,
                })
            }
            Some(path) => {
                let snapshot = read_snapshot(path)?;
                let (mapping, organization_id) = match &self.idp {
                    Some(file) => (read_idp(file)?, None),
                    None => {
                        let (model, _, mapping) = model_estate(&cli.config).map_err(|e| {
                            e.hint("pass --idp FILE to describe the IdP of an estate awsfed did not build")
                        })?;
                        let mapping = awsfed_access::identity_center::for_scan(mapping, &snapshot);
                        (mapping, model.organization_id)
                    }
                };
                Ok(Input {
                    snapshot,
                    mapping,
                    organization_id,
                })
            }
        }
    }
}

/// Policies that name accounts by OU path in a snapshot without its organisation: the analysis
/// assumed every OU for them (see `awsfed_access::UnknownOrgPaths`), so it says so, loudly.
pub fn warn_unknown_org_paths(estate: &awsfed_access::Estate<'_>) {
    const SHOWN: usize = 5;
    let Some(unknown) = &estate.unknown_org_paths else {
        return;
    };
    let count = unknown.policies.len();
    let mut named: Vec<String> = unknown
        .policies
        .iter()
        .take(SHOWN)
        .map(|p| awsfed_files::terminal::escape(p).into_owned())
        .collect();
    if count > SHOWN {
        named.push(format!("and {} more", count - SHOWN));
    }
    message::print(
        Level::Warning,
        format_args!(
            "{} name{} accounts by their OU path (aws:ResourceOrgPaths), but the snapshot holds no organization.json, so which accounts {} cannot be decided: {}. Every account is taken to be in each OU named, so paths through {} are shown as possible, not proven; none is left out",
            if count == 1 { "a policy" } else { "policies" },
            if count == 1 { "s" } else { "" },
            if count == 1 {
                "it reaches"
            } else {
                "they reach"
            },
            named.join(", "),
            if count == 1 { "it" } else { "them" },
        ),
    );
    message::print(
        Level::Hint,
        "scan again with Organizations read access (organizations:DescribeOrganization, ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent) so that the snapshot holds organization.json",
    );
}

fn snapshot_error(error: SnapshotError) -> CommandError {
    CommandError::bad_input(error.to_string()).hint(
        "snapshots are written by `awsfed scan --out DIR`; fix or re-scan the file named above",
    )
}

fn read_limited(path: &Path, max: usize) -> Result<String, CommandError> {
    let whole = |message: String| {
        snapshot_error(SnapshotError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message,
        })
    };
    awsfed_files::read_text(path, max as u64).map_err(|e| match e {
        ReadError::TooLarge { size, .. } => {
            whole(format!("the file is {size} bytes; at most {max} are read"))
        }
        ReadError::NotUtf8 { .. } => whole("the file is not UTF-8 text".into()),
        other => crate::read::read_error(other),
    })
}

/// Reads a snapshot file or folder, with size limits; errors name the file, line and column.
pub fn read_snapshot(path: &Path) -> Result<Snapshot, CommandError> {
    if path.is_dir() {
        let organization_file = path.join("organization.json");
        // Anything there (a link to /dev/zero too) is read, and refused if it is not a file.
        let organization = if std::fs::symlink_metadata(&organization_file).is_ok() {
            Some(read_limited(&organization_file, MAX_SNAPSHOT_FILE_BYTES)?)
        } else {
            None
        };
        let identity_center_file = path.join("identity-center.json");
        let identity_center = if std::fs::symlink_metadata(&identity_center_file).is_ok() {
            Some(read_limited(
                &identity_center_file,
                MAX_SNAPSHOT_FILE_BYTES,
            )?)
        } else {
            None
        };
        let folder = path.join("accounts");
        let entries = std::fs::read_dir(&folder).map_err(|e| {
            CommandError::bad_input(format!(
                "`{}` is not a snapshot folder: {e}",
                path.display()
            ))
            .hint("a snapshot folder holds accounts/ACCOUNT-ID.json (and organization.json); `awsfed scan --out DIR` writes one")
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        if files.len() > MAX_SNAPSHOT_ACCOUNTS {
            return Err(CommandError::bad_input(format!(
                "{} holds {} account files; at most {MAX_SNAPSHOT_ACCOUNTS} are read",
                folder.display(),
                files.len()
            )));
        }
        let mut accounts = Vec::with_capacity(files.len());
        for file in files {
            let text = read_limited(&file, MAX_SNAPSHOT_FILE_BYTES)?;
            accounts.push((file.display().to_string(), text));
        }
        let organization_name = organization_file.display().to_string();
        let identity_center_name = identity_center_file.display().to_string();
        read_snapshot_folder(
            organization
                .as_deref()
                .map(|text| (organization_name.as_str(), text)),
            identity_center
                .as_deref()
                .map(|text| (identity_center_name.as_str(), text)),
            &accounts,
        )
        .map_err(snapshot_error)
    } else {
        let text = read_limited(path, MAX_SNAPSHOT_FILE_BYTES)?;
        read_snapshot_file(&path.display().to_string(), &text).map_err(snapshot_error)
    }
}

pub fn read_idp(path: &Path) -> Result<IdpMapping, CommandError> {
    let text = read_limited(path, awsfed_access::MAX_IDP_FILE_BYTES)?;
    IdpMapping::parse(&path.display().to_string(), &text).map_err(|e| {
        CommandError::bad_input(e.to_string())
            .hint("the IdP description format is in schemas/idp-description.schema.json")
    })
}

/// Refuses a `--group` that is neither a directory group of the mapping, nor one the model's IAM
/// users are grouped by, nor an IAM user of the estate (`iam-user:NAME`), naming some that are.
pub fn check_group(
    mapping: &IdpMapping,
    snapshot: &Snapshot,
    group: Option<&str>,
) -> Result<(), CommandError> {
    let Some(group) = group else { return Ok(()) };
    let known = known_principals(mapping, snapshot);
    if known.iter().any(|g| g == group) {
        return Ok(());
    }
    let shown: Vec<&str> = known.iter().map(String::as_str).take(10).collect();
    Err(CommandError::bad_input(format!(
        "no directory group or IAM user `{group}` in the IdP mapping or the estate"
    ))
    .hint(format!("groups and users: {}", shown.join(", "))))
}

/// Directory groups (the IdP's, then those IAM groups stand for), then `iam-user:NAME` of every
/// IAM user of the estate.
fn known_principals(mapping: &IdpMapping, snapshot: &Snapshot) -> Vec<String> {
    let mut known: Vec<String> = mapping.groups.iter().map(|g| g.name.clone()).collect();
    let iam_groups = mapping
        .intent
        .as_ref()
        .and_then(|i| i.iam_users.as_ref())
        .map(|u| {
            u.groups
                .values()
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
        })
        .unwrap_or_default();
    known.extend(
        iam_groups
            .into_iter()
            .filter(|g| !known.contains(g))
            .collect::<Vec<_>>(),
    );
    known.extend(
        snapshot
            .accounts
            .iter()
            .flat_map(|a| &a.users)
            .map(|u| awsfed_access::iam_users::principal_name(&u.name)),
    );
    known
}

/// Whether a path view belongs to `--group`: the directory group's own paths, and those of the IAM
/// users in an IAM group standing for it; or one IAM user's, by `iam-user:NAME`.
pub fn in_group(view: &PathView, mapping: &IdpMapping, group: Option<&str>) -> bool {
    let Some(group) = group else { return true };
    if view.group == group {
        return true;
    }
    let Some(user) = &view.iam_user else {
        return false;
    };
    let stands_for = mapping
        .intent
        .as_ref()
        .and_then(|i| i.iam_users.as_ref())
        .map(|u| &u.groups);
    user.groups.iter().any(|g| {
        stands_for
            .and_then(|s| s.get(g))
            .is_some_and(|d| d == group)
    })
}

pub fn hours(seconds: u32) -> String {
    if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else {
        format!("{}m", seconds / 60)
    }
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let input = args.input.load(cli)?;
    let group = args.group.as_deref();
    check_group(&input.mapping, &input.snapshot, group)?;
    let estate = awsfed_access::Estate::new(&input.snapshot, input.organization_id.clone());
    warn_unknown_org_paths(&estate);
    let analysis = awsfed_access::analyze_with(&estate, &input.mapping, false);
    let views: Vec<PathView> = PathView::all(&analysis, false)
        .into_iter()
        .filter(|v| in_group(v, &input.mapping, group))
        .collect();
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&views)),
        OutputFormat::Text => print_stdout(&matrix(&views)),
    }
    if !analysis.broken.is_empty() {
        message::print(
            Level::Warning,
            format_args!(
                "{} IdP role value{} lead nowhere (run `awsfed audit` for details)",
                analysis.broken.len(),
                if analysis.broken.len() == 1 { "" } else { "s" }
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per path: group (or IAM user), account, role, how (direct, or via the hub role and
/// any role chained through after it; an IAM user's first hop from its MFA session or its keys
/// alone), session length.
fn matrix(views: &[PathView]) -> String {
    let width = |f: &dyn Fn(&PathView) -> usize, min: usize| {
        views.iter().map(f).max().unwrap_or(0).max(min)
    };
    let g = width(&|v| v.group.len(), 5);
    let a = width(&|v| v.account_name.len(), 7);
    let r = width(&|v| v.role_name.len(), 4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:g$}  {:a$}  {:12}  {:r$}  {:7}  VIA",
        "GROUP", "ACCOUNT", "ID", "ROLE", "SESSION"
    );
    for v in views {
        let name = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_owned();
        let first = match &v.iam_user {
            Some(user) if user.mfa => "MFA",
            Some(_) => "keys alone",
            None if v.identity_center => "Identity Center",
            None => "SAML",
        };
        let via = match &v.via {
            // A longer chain names every role between: `hub-admins → Admin`.
            Some(hub) => std::iter::once(hub)
                .chain(&v.through)
                .map(|arn| name(arn))
                .collect::<Vec<_>>()
                .join(" → "),
            None => first.to_owned(),
        };
        // An IAM user's chain starts with how the user signed its own hop.
        let via = match (&v.iam_user, &v.via) {
            (Some(_), Some(_)) => format!("{first}: {via}"),
            _ => via,
        };
        let _ = writeln!(
            out,
            "{:g$}  {:a$}  {:12}  {:r$}  {:7}  {via}",
            v.group,
            v.account_name,
            v.account_id,
            v.role_name,
            hours(v.max_session_seconds)
        );
    }
    let groups: std::collections::BTreeSet<&str> = views.iter().map(|v| v.group.as_str()).collect();
    let named: std::collections::BTreeSet<&str> = views
        .iter()
        .filter(|v| v.iam_user.is_some())
        .map(|v| v.group.as_str())
        .collect();
    let principals = match (groups.len() - named.len(), named.len()) {
        (groups, 0) => format!("{groups} groups"),
        (0, users) => format!("{users} IAM users"),
        (groups, users) => format!("{groups} groups and {users} IAM users"),
    };
    let _ = writeln!(out, "\n{} paths from {principals}", views.len());
    out
}
