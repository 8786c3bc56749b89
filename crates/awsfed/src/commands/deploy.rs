//! What `scan`, `plan`, `apply` and `bootstrap` share: connecting, reaching accounts, Organizations
//! discovery merged into the model, and reading accounts for a plan.
//!
//! Discovery: the model's `discover` section (or `--discover-ou Workloads/Dev`, repeatable and
//! recursive, and `--discover-tag env=dev`, which replace it for one run) adds every active
//! organisation account it selects that the model does not list, named after its Organizations name,
//! with its Organizations tags and OU path, before the model is validated. Grants that select by
//! `ous` or `tags` then cover it, so an account created later under a targeted OU is picked up by
//! the next plan.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use awsfed_aws::{
    AwsError, Caller, ConnectOptions, Connection, Fleet, OrganizationOptions, ReachOptions,
    ReadOptions,
};
use awsfed_compile::DesiredState;
use awsfed_model::raw::RawAccount;
use awsfed_model::{Discover, Model, Span, Spanned};
use awsfed_plan::{AccountQuotas, Plan, PlanOptions, QuotaSource, check_quotas, needs_quotas};
use awsfed_snapshot::{OrganizationSnapshot, Snapshot};

use crate::cli::Cli;
use crate::error::CommandError;
use crate::progress::{Reporter, Step};
use crate::render::render_diagnostics;
use awsfed_files::message::{self, Level};

/// How to reach the accounts (shared by scan, plan, apply, bootstrap).
#[derive(Debug, Clone, clap::Args)]
pub struct ReachArgs {
    /// The role assumed in each member account.
    #[arg(
        long,
        default_value = "OrganizationAccountAccessRole",
        value_name = "NAME"
    )]
    pub bootstrap_role: String,
    /// The external id the bootstrap role's trust requires, if any.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Accounts worked on at the same time.
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub concurrency: usize,
    /// Add organisation accounts under this OU path (recursively) that the model does not list;
    /// replaces the model's `discover` section for this run.
    #[arg(long, value_name = "OU-PATH")]
    pub discover_ou: Vec<String>,
    /// Only discover accounts with this Organizations tag (repeatable; every key must match, a key
    /// given twice accepts either value).
    #[arg(long, value_name = "KEY=VALUE")]
    pub discover_tag: Vec<String>,
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::failed(format!("cannot start the async runtime: {e}")))
}

pub fn aws_error(e: &AwsError) -> CommandError {
    let mut error = CommandError::failed(e.to_string());
    if let Some(hint) = e.hint() {
        error = error.hint(hint);
    }
    error
}

/// Connects with the standard credential chain and learns who the caller is.
pub async fn fleet(
    cli: &Cli,
    args: &ReachArgs,
    partition: &str,
) -> Result<Arc<Fleet>, CommandError> {
    let mut connection: Connection = awsfed_aws::connect(&ConnectOptions {
        profile: cli.profile.clone(),
        endpoint_url: cli.endpoint_url.clone(),
        region: None,
    })
    .await;
    connection.partition = partition.to_owned();
    let caller: Caller = awsfed_aws::caller(&connection).await.map_err(|e| {
        aws_error(&e).hint("awsfed uses the standard AWS credential chain: environment, --profile, SSO cache, credential_process")
    })?;
    Ok(Fleet::new(
        connection,
        caller,
        ReachOptions {
            bootstrap_role: args.bootstrap_role.clone(),
            external_id: args.external_id.clone(),
            ..ReachOptions::default()
        },
        args.concurrency,
    ))
}

/// The accounts an apply may change (see [`awsfed_aws::members`]).
pub async fn members(fleet: &Arc<Fleet>) -> Result<awsfed_aws::Members, CommandError> {
    let members = awsfed_aws::members(fleet.connection()).await.map_err(|e| {
        aws_error(&e).hint(
            "apply changes only active accounts of the organisation, so it must read them (organizations:DescribeOrganization and organizations:ListAccounts, from the management account or a delegated administrator)",
        )
    })?;
    if matches!(members, awsfed_aws::Members::NoOrganization) {
        message::print(
            Level::Note,
            "the caller's account is in no organisation, so accounts are not checked for membership",
        );
    }
    Ok(members)
}

/// The model, with discovered accounts merged in when its `discover` section or `--discover-*`
/// asks for them (the flags, when given, replace the section for this run). When connected and the
/// model says `organization.complete`, the claim is checked against Organizations' account list.
pub async fn load_model(
    cli: &Cli,
    args: &ReachArgs,
    fleet: Option<&Arc<Fleet>>,
) -> Result<Model, CommandError> {
    // Validated as written first, so a bad model fails before any AWS call.
    let (as_written, _, text, path) = crate::load::load(&cli.config)?.into_model()?;
    let selection = if args.discover_ou.is_empty() && args.discover_tag.is_empty() {
        as_written.discover.clone()
    } else {
        Some(discover_flags(args)?)
    };
    if selection.is_none() && !as_written.organization_complete {
        return Ok(as_written);
    }
    let Some(fleet) = fleet else {
        if selection.is_some() {
            message::print(
                Level::Note,
                "accounts are not discovered when working from a snapshot; the model's listed accounts are planned",
            );
        }
        if as_written.organization_complete {
            message::print(
                Level::Note,
                "`organization.complete` is not checked against Organizations when working from a snapshot",
            );
        }
        return Ok(as_written);
    };
    let organization = awsfed_aws::read_organization(
        fleet.connection(),
        OrganizationOptions {
            tags: true,
            policies: false,
        },
    )
    .await
    .map_err(|e| {
        let error = aws_error(&e);
        if as_written.organization_complete {
            error.hint("the model says `organization.complete: true`, which plan checks against Organizations' account list (organizations:ListAccounts)")
        } else {
            error
        }
    })?;
    let model = match selection {
        Some(selection) => with_discovered(&text, &path, &organization, &selection)?,
        None => as_written,
    };
    if model.organization_complete {
        check_complete(&model, &organization)?;
    }
    Ok(model)
}

/// The model with every organisation account `selection` picks that it does not list, validated
/// like listed ones.
fn with_discovered(
    text: &str,
    path: &Path,
    organization: &OrganizationSnapshot,
    selection: &Discover,
) -> Result<Model, CommandError> {
    let mut raw = awsfed_model::load::parse(text).map_err(|d| {
        CommandError::diagnostics(render_diagnostics(
            path,
            text,
            &awsfed_model::Diagnostics(vec![d]),
        ))
    })?;
    let listed: BTreeSet<String> = raw.accounts.values().map(|a| a.id.value.clone()).collect();
    let names: BTreeSet<String> = raw.accounts.keys().map(|k| k.value.clone()).collect();
    for account in &organization.accounts {
        if account.status != "ACTIVE" || listed.contains(&account.id) {
            continue;
        }
        let ou = awsfed_aws::ou_path(organization, account);
        if !selection.selects(ou.as_deref(), &account.tags) {
            continue;
        }
        let mut name = awsfed_model::role_name_safe(&account.name);
        if name.is_empty() || names.contains(&name) {
            name = format!("{name}-{}", account.id);
        }
        let none = |s: &str| Spanned::new(s.to_owned(), Span::NONE);
        raw.accounts.insert(
            none(&name),
            RawAccount {
                id: none(&account.id),
                tags: account
                    .tags
                    .iter()
                    .map(|(k, v)| (none(k), none(v)))
                    .collect(),
                ou: ou.as_deref().map(none),
                topology: None,
                hub: None,
                region: None,
                description: Some("discovered from AWS Organizations".to_owned()),
            },
        );
    }
    let base = path.parent().map(Path::to_owned).unwrap_or_default();
    let mut read_metadata = |file: &str| crate::read::read_model_file(&base.join(file));
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut read_metadata);
    model.ok_or_else(|| CommandError::diagnostics(render_diagnostics(path, text, &diagnostics)))
}

/// `organization.complete` lets hub policies name the few accounts *not* granted and allow the role
/// name in every other account of the organisation (`aws:ResourceOrgID`). An organisation account
/// the model lacks would then be granted: refuse before anything is planned. Every account counts,
/// whatever its status: a suspended account can be reinstated with its roles.
fn check_complete(model: &Model, organization: &OrganizationSnapshot) -> Result<(), CommandError> {
    let listed: BTreeSet<&str> = model.accounts.iter().map(|a| a.id.as_str()).collect();
    let missing: Vec<String> = organization
        .accounts
        .iter()
        .filter(|a| !listed.contains(a.id.as_str()))
        .map(|a| {
            let status = if a.status == "ACTIVE" {
                String::new()
            } else {
                format!(", {}", a.status)
            };
            let management = if a.id == organization.management_account_id {
                ", the management account"
            } else {
                ""
            };
            format!("{} ({}{status}{management})", a.name, a.id)
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(CommandError::failed(format!(
        "the model says `organization.complete: true`, but organisation {} has {} account{} the model does not list: {}",
        organization.id,
        missing.len(),
        if missing.len() == 1 { "" } else { "s" },
        missing.join(", ")
    ))
    .hint("hub policies in the complement form (every account of the organisation but those not granted) would grant roles of those names there too; nothing was planned")
    .hint("list them under `accounts` (or select them with `discover`), or remove `complete: true` so hub policies name granted accounts only"))
}

/// `--discover-ou` and `--discover-tag` as a `discover` section.
fn discover_flags(args: &ReachArgs) -> Result<Discover, CommandError> {
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for tag in &args.discover_tag {
        let (key, value) = tag.split_once('=').ok_or_else(|| {
            CommandError::bad_input(format!("--discover-tag `{tag}` is not KEY=VALUE"))
        })?;
        tags.entry(key.to_owned())
            .or_default()
            .push(value.to_owned());
    }
    Ok(Discover {
        ous: args
            .discover_ou
            .iter()
            .map(|ou| ou.trim_matches('/').to_owned())
            .collect(),
        tags,
    })
}

/// Compiles, refusing an undeployable desired state.
pub fn desired(model: &Model) -> Result<DesiredState, CommandError> {
    let desired = awsfed_compile::compile(model);
    if crate::load::undeployable(&desired.notes) {
        return Err(CommandError::bad_input(
            "the model compiles to a state IAM would reject; run `awsfed compile` for the details",
        ));
    }
    Ok(desired)
}

/// What cannot carry a model with IAM users, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsersRefusal {
    /// `migrate` moves accounts between the SAML ways in (what the IdP sends changes at the switch
    /// stage, and the stage proof follows the IdP's values); IAM users sign in with their own
    /// keys, so no stage of a migration carries them, and a stage that dropped their trust
    /// statements would lock them out unproven.
    Migrate,
    /// The CloudFormation, StackSets and Terraform exports hold no IAM users, groups or memberships
    /// yet, while the spoke trusts they write name the users: IAM refuses a trust naming a user
    /// that does not exist (`Invalid principal`), so a template would not deploy.
    Export,
}

/// `plan`, `apply` and `bootstrap` deploy the IAM-users hub; `migrate` and the IAM exports refuse
/// a model with `iam_users`, whole rather than half-done, saying why and what to do.
pub fn refuse_iam_users(model: &Model, refusal: UsersRefusal) -> Result<(), CommandError> {
    if model.iam_users.is_none() {
        return Ok(());
    }
    let (message, hint) = match refusal {
        UsersRefusal::Migrate => (
            "awsfed cannot migrate a model with `iam_users`: a migration changes what the SAML IdP sends in stages, and IAM users do not sign in through the IdP, so no stage would carry (or prove) their access",
            "change the accounts' topology in the model and `awsfed apply` it: the IAM users' groups and the spoke trusts naming them follow the grants in one plan; or move the users to the IdP first",
        ),
        UsersRefusal::Export => (
            "awsfed cannot export IAM resources for a model with `iam_users` yet: the templates would hold spoke trusts naming IAM users that no template creates, and IAM refuses a trust naming a user that does not exist",
            "deploy it with `awsfed apply` (the users, groups and policies first, then the spoke trusts); `awsfed export client` works with it",
        ),
    };
    Err(CommandError::bad_input(message).hint(hint))
}

/// Compiles for a live plan: as offline, except that when a hub role of an OU grant would fall
/// back to the organisation-wide forms, Organizations' tree is read (OU ids exist only there) so
/// the compiler can name those OUs by `aws:ResourceOrgPaths`. Prints which form each hub policy
/// that is not an exact ARN list took.
pub async fn desired_live(fleet: &Arc<Fleet>, model: &Model) -> Result<DesiredState, CommandError> {
    let offline = awsfed_compile::compile(model);
    let organization = if needs_org_paths(model, &offline) || migrating_may_need_org_paths(model) {
        match awsfed_aws::read_organization(fleet.connection(), OrganizationOptions::default())
            .await
        {
            Ok(organization) => Some(organization),
            Err(e) => {
                awsfed_files::message::print(
                    awsfed_files::message::Level::Warning,
                    format_args!(
                        "Organizations could not be read ({e}), so hub policies of OU grants cannot name their OUs (aws:ResourceOrgPaths) and keep the forms `awsfed compile` gives"
                    ),
                );
                None
            }
        }
    } else {
        None
    };
    with_org_paths(model, offline, organization.as_ref())
}

/// [`desired_live`] for a plan made from a snapshot folder: its `organization.json`, when `scan`
/// wrote one, stands for Organizations.
pub fn desired_from_snapshot(
    model: &Model,
    snapshot: &Snapshot,
) -> Result<DesiredState, CommandError> {
    let offline = awsfed_compile::compile(model);
    let organization = snapshot
        .organization
        .as_ref()
        .filter(|_| needs_org_paths(model, &offline));
    with_org_paths(model, offline, organization)
}

/// The desired state compiled with the organisation's OU paths when there is one, refused when
/// undeployable; prints the form of every hub policy that is not an exact ARN list.
fn with_org_paths(
    model: &Model,
    offline: DesiredState,
    organization: Option<&OrganizationSnapshot>,
) -> Result<DesiredState, CommandError> {
    let desired = match organization {
        Some(organization) => awsfed_compile::compile_with(
            model,
            &awsfed_compile::CompileOptions {
                organization_paths: Some(organization.entity_paths()),
                ..Default::default()
            },
        ),
        None => offline,
    };
    if crate::load::undeployable(&desired.notes) {
        return Err(CommandError::bad_input(
            "the model compiles to a state IAM would reject; run `awsfed compile` for the details",
        ));
    }
    for note in desired.notes.iter().filter(|n| {
        matches!(
            n.code,
            awsfed_model::Code::HubPolicyByOrgPaths
                | awsfed_model::Code::HubPolicyByAccount
                | awsfed_model::Code::HubPolicyComplement
                | awsfed_model::Code::HubPolicyByOrganization
        )
    }) {
        super::print_stderr(&format!(
            "{}[{}]: {}\n",
            note.severity, note.code, note.message
        ));
    }
    Ok(desired)
}

/// Whether a hub role or an IAM-users group of a directory group with an OU grant took a form
/// other than exact ARNs (or none fit): the case the OU-path form may serve. Both kinds of assume
/// policy are compiled alike (`hub_policies`), so one read of the tree serves both.
fn needs_org_paths(model: &Model, offline: &DesiredState) -> bool {
    let ou_granted = || {
        model
            .groups
            .iter()
            .filter(|g| g.grants.iter().any(|grant| !grant.ous.is_empty()))
    };
    let hub_roles: BTreeSet<&str> = ou_granted()
        .filter(|g| g.hub.is_some())
        .filter_map(|g| offline.groups.iter().find(|m| m.group == g.name))
        .flat_map(|g| g.role_values.iter().map(|v| v.role_name.as_str()))
        .collect();
    let iam_groups: BTreeSet<String> = ou_granted()
        .filter(|_| model.iam_users.is_some())
        .map(|g| awsfed_model::IamUsers::group_name(&g.name))
        .collect();
    let not_exact =
        |p: &&awsfed_compile::DesiredPolicy| p.form != awsfed_compile::HubPolicyForm::ExactArns;
    let hub_policy = offline
        .accounts
        .iter()
        .flat_map(|a| &a.policies)
        .filter(not_exact)
        .any(|p| hub_roles.contains(p.attached_to.as_str()));
    let group_policy = offline
        .accounts
        .iter()
        .flat_map(|a| a.iam_users.iter().flat_map(|u| &u.policies))
        .filter(not_exact)
        .any(|p| iam_groups.contains(&p.attached_to));
    hub_policy
        || group_policy
        || offline
            .notes
            .iter()
            .any(|n| n.code == awsfed_model::Code::HubPolicyTooLarge)
}

/// Whether the model with every account out of hub-and-spoke put back in it needs Organizations'
/// tree: a migration away from hub-and-spoke compiles that model for the state it leaves (and
/// rolls back to), whose hub policies may name OU grants by `aws:ResourceOrgPaths` when the
/// model's own, granting fewer spokes, do not. Read for both, its hub policies keep the form they
/// have deployed, and a rollback restores them exactly.
fn migrating_may_need_org_paths(model: &Model) -> bool {
    if model.hubs.is_empty()
        || model
            .accounts
            .iter()
            .all(|a| a.topology == awsfed_model::TopologyKind::HubAndSpoke)
    {
        return false;
    }
    let mut before = model.clone();
    for account in &mut before.accounts {
        account.topology = awsfed_model::TopologyKind::HubAndSpoke;
    }
    let compiled = awsfed_compile::compile_with(
        &before,
        &awsfed_compile::CompileOptions {
            group_targets: false,
            organization_paths: None,
        },
    );
    needs_org_paths(&before, &compiled)
}

pub fn plan_options(model: &Model, caller: &Caller) -> PlanOptions {
    PlanOptions {
        protected_roles: caller.role().into_iter().collect(),
        users_path: users_path(model),
        ..PlanOptions::of_model(model)
    }
}

/// The IAM path of the users and groups awsfed owns: the model's, or the default one (where a
/// model that no longer has `iam_users` had them).
pub fn users_path(model: &Model) -> String {
    model.iam_users.as_ref().map_or_else(
        || {
            format!(
                "{}{}",
                model.naming.role_path,
                awsfed_model::iam_users::defaults::PATH_BELOW_ROLE_PATH
            )
        },
        |users| users.path.clone(),
    )
}

/// Reads the desired accounts live (fails when any cannot be read: a plan over part of the
/// accounts would be misleading).
pub async fn read_for_plan(
    fleet: &Arc<Fleet>,
    accounts: Vec<(String, Option<String>)>,
    provider_name: &str,
    role_path: &str,
) -> Result<Snapshot, CommandError> {
    let total = accounts.len();
    let (snapshot, failed) = read_some(fleet, accounts, provider_name, role_path).await;
    if let Some((account, error)) = failed.iter().next() {
        let mut e = CommandError::failed(format!(
            "{} of {total} accounts could not be read; first: account {account}: {error}",
            failed.len()
        ));
        if let Some(hint) = error.hint() {
            e = e.hint(hint);
        }
        return Err(e.hint("nothing was planned or changed; fix access and run again"));
    }
    Ok(snapshot)
}

/// Reads every account of `desired` live and plans, checking live quotas: the plan and the state it
/// was made from (fails when any account cannot be read).
pub async fn plan_live(
    fleet: &Arc<Fleet>,
    model: &Model,
    desired: &DesiredState,
) -> Result<(Plan, Snapshot), CommandError> {
    let mut state = read_for_plan(
        fleet,
        accounts_of(desired),
        &desired.provider_name,
        &model.naming.role_path,
    )
    .await?;
    let read =
        super::deploy_identity_center::read_for_stage(fleet, model, desired, &mut state).await?;
    let mut plan = super::migrate::stage::planned(
        model,
        desired,
        &state,
        &plan_options(model, fleet.caller()),
    )?;
    check_live_quotas(fleet, &mut plan, &state, model).await;
    super::deploy_identity_center::finish_stage(read, &mut plan);
    Ok((plan, state))
}

/// Reads the accounts that can be read; the others come back with their errors.
pub async fn read_some(
    fleet: &Arc<Fleet>,
    accounts: Vec<(String, Option<String>)>,
    provider_name: &str,
    role_path: &str,
) -> (Snapshot, BTreeMap<String, AwsError>) {
    let reporter = Reporter::new(accounts.len(), Step::Read);
    let (read, failed) = fleet
        .read_accounts(
            accounts,
            ReadOptions {
                full: false,
                provider_name: Some(provider_name.to_owned()),
                role_path: role_path.to_owned(),
            },
            reporter.progress(),
        )
        .await;
    reporter.finish();
    (
        Snapshot {
            format: awsfed_snapshot::SNAPSHOT_FORMAT,
            organization: None,
            identity_center: None,
            accounts: read,
        },
        failed,
    )
}

/// Checks the plan against the quotas of the accounts whose changes a quota can refuse: live
/// (one `iam:GetAccountSummary` each; none when the plan creates nothing), or the model's for
/// accounts whose quotas cannot be read.
pub async fn check_live_quotas(
    fleet: &Arc<Fleet>,
    plan: &mut Plan,
    snapshot: &Snapshot,
    model: &Model,
) {
    let accounts: Vec<String> = plan
        .accounts
        .iter()
        .filter(|a| needs_quotas(a))
        .map(|a| a.account_id.clone())
        .collect();
    if accounts.is_empty() {
        return;
    }
    let (live, failed) = fleet.read_quotas(accounts).await;
    check_quotas(plan, &live, snapshot, QuotaSource::Live);
    if let Some((account, error)) = failed.iter().next() {
        message::print(
            Level::Warning,
            format_args!(
                "the quotas of {} account(s) could not be read (first: account {account}: {error}); they are checked against the model's quotas",
                failed.len()
            ),
        );
        let ids: Vec<String> = failed.into_keys().collect();
        check_model_quotas(plan, snapshot, model, &ids);
    }
}

/// Checks the given accounts of the plan against the model's quotas and their roles in the
/// snapshot (a plan made without AWS).
pub fn check_model_quotas(
    plan: &mut Plan,
    snapshot: &Snapshot,
    model: &Model,
    accounts: &[String],
) {
    let quotas: BTreeMap<String, AccountQuotas> = accounts
        .iter()
        .map(|id| {
            let roles = snapshot
                .accounts
                .iter()
                .find(|a| &a.id == id)
                .map_or(0, |a| a.roles.len());
            (id.clone(), AccountQuotas::from_model(&model.quotas, roles))
        })
        .collect();
    check_quotas(plan, &quotas, snapshot, QuotaSource::Model);
}

/// Drops the accounts that could not be read from a plan (they were planned as empty).
pub fn without_unread(plan: &mut Plan, unread: &BTreeMap<String, AwsError>) {
    plan.accounts
        .retain(|a| !unread.contains_key(&a.account_id));
    plan.fingerprints.retain(|id, _| !unread.contains_key(id));
}

/// The accounts a plan must read: every account of the desired state.
pub fn accounts_of(desired: &DesiredState) -> Vec<(String, Option<String>)> {
    desired
        .accounts
        .iter()
        .map(|a| (a.id.clone(), Some(a.name.clone())))
        .collect()
}

/// Prints the plan (text or JSON) and writes `--out`.
pub fn show_plan(cli: &Cli, plan: &Plan) {
    match cli.output {
        crate::cli::OutputFormat::Json => super::print_stdout(&super::to_json(plan)),
        crate::cli::OutputFormat::Text => {
            let color =
                std::io::stdout().is_terminal() && std::env::var_os(awsfed_env::NO_COLOR).is_none();
            super::print_stdout(&awsfed_plan::render_text(plan, color));
        }
    }
}
