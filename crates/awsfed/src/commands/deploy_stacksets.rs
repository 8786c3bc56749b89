//! `plan` and `apply` with `--engine stacksets`: the model deployed by CloudFormation StackSets, as
//! `awsfed export stacksets` lays it out (one service-managed stack set per role class, with
//! automatic deployment; plain stacks for the hub accounts and the management account, where
//! StackSets never deploy), OU ids resolved from Organizations.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use awsfed_aws::{Engine, Fleet, OrganizationOptions, ReachOptions};
use awsfed_export::{StackSetLayout, StackSetOptions};
use awsfed_plan::stacksets::{
    DesiredStack, DesiredStackSet, DesiredTarget, Fingerprint, StackAction, StackSetPlan,
    StackSetPlanFile, StackSetState, plan_stack_sets, render_stackset_plan,
};
use awsfed_snapshot::OrganizationSnapshot;

use crate::cli::{Cli, OutputFormat};
use crate::commands::deploy::{self, ReachArgs};
pub use crate::commands::deploy_stacksets_args::EngineArgs;
use crate::error::CommandError;
use crate::progress::{Reporter, Step};

/// A StackSets plan and what applying it needs.
pub struct Planned {
    pub plan: StackSetPlan,
    pub engine: Arc<Engine>,
    /// Account id → name, for output.
    pub names: BTreeMap<String, String>,
    /// What the plan was drawn against, for a plan file.
    pub fingerprint: Fingerprint,
}

/// Reads Organizations and CloudFormation and plans.
pub async fn plan(
    cli: &Cli,
    reach: &ReachArgs,
    args: &EngineArgs,
) -> Result<Planned, CommandError> {
    let fleet = deploy::fleet(cli, reach, "aws").await?;
    let model = deploy::load_model(cli, reach, Some(&fleet)).await?;
    let preferences = args.preferences(&model.stack_sets)?;
    let mut desired = deploy::desired_live(&fleet, &model).await?;
    let organization = awsfed_aws::read_organization(fleet.connection(), OrganizationOptions::default())
        .await
        .map_err(|e| {
            deploy::aws_error(&e).hint("the StackSets engine targets OUs, whose ids only Organizations knows: run it from the management account or a delegated administrator (organizations:ListOrganizationalUnitsForParent, ListAccountsForParent)")
        })?;
    place_accounts(&mut desired, &organization)?;
    let options = StackSetOptions {
        region: preferences.region.clone(),
        management_account_id: Some(organization.management_account_id.clone()),
        organization_accounts: Some(
            organization
                .accounts
                .iter()
                .filter(|a| a.status == "ACTIVE")
                .map(|a| (a.id.clone(), awsfed_aws::ou_path(&organization, a)))
                .collect(),
        ),
    };
    let layout = awsfed_export::stackset_layout(&desired, &model, &options);
    let (sets, stacks) = desired_stacks(&layout, &organization)?;
    let engine = engine_in(
        &fleet,
        reach,
        preferences.region.clone(),
        Duration::from_secs(args.poll_interval),
    );
    let stack_accounts: Vec<String> = stacks
        .iter()
        .map(|s| s.account_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // The stack sets (from the management account) and the plain stacks (in their accounts) at once.
    let (stack_sets, actual_stacks) = tokio::join!(
        engine.read_stack_sets(),
        engine.read_stacks(&stack_accounts)
    );
    let mut state = StackSetState {
        stack_sets: stack_sets.map_err(|e| cfn_error(&e))?,
        stacks: actual_stacks.map_err(|e| cfn_error(&e))?,
        ..StackSetState::default()
    };
    state.ou_paths = organization
        .ous
        .iter()
        .map(|o| (o.id.clone(), o.path.clone()))
        .chain([(organization.root_id.clone(), "(root)".to_owned())])
        .collect();
    state.account_ous = organization
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.parent_id.clone()))
        .collect();
    let names: BTreeMap<String, String> = desired
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    state.account_names = names.clone();
    let mut plan = plan_stack_sets(&sets, &stacks, &state);
    let fingerprint = Fingerprint::of(&sets, &stacks, &state);
    plan.preferences = preferences;
    refuse_double_deployment(&fleet, &plan, &model.naming.role_path, &names).await?;
    Ok(Planned {
        plan,
        engine,
        names,
        fingerprint,
    })
}

/// Refuses when an account that is to get a stack instance or a plain stack already holds one of
/// its roles made by the default engine: CloudFormation would fail to create it, and both engines
/// would then claim it.
async fn refuse_double_deployment(
    fleet: &Arc<Fleet>,
    plan: &StackSetPlan,
    role_path: &str,
    names: &BTreeMap<String, String>,
) -> Result<(), CommandError> {
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for change in &plan.stack_sets {
        let roles = awsfed_plan::stacksets::template_roles(&change.template);
        for account in &change.accounts_added {
            wanted
                .entry(account.clone())
                .or_default()
                .extend(roles.iter().cloned());
        }
    }
    for stack in plan
        .stacks
        .iter()
        .filter(|s| s.action == StackAction::Create)
    {
        wanted
            .entry(stack.account_id.clone())
            .or_default()
            .extend(awsfed_plan::stacksets::template_roles(&stack.template));
    }
    wanted.retain(|_, roles| !roles.is_empty());
    if wanted.is_empty() {
        return Ok(());
    }
    let found = awsfed_aws::roles_by_default_engine(fleet, &wanted, role_path)
        .await
        .map_err(|e| deploy::aws_error(&e).hint("before it creates stack instances, the StackSets engine reads the roles already in those accounts (iam:ListRoles, iam:ListRoleTags through the bootstrap role)"))?;
    if found.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = found
        .iter()
        .map(|(id, roles)| {
            let name = names.get(id).map_or(id.as_str(), String::as_str);
            format!("{name} ({id}): {}", roles.join(", "))
        })
        .collect();
    Err(CommandError::failed(format!(
        "{} account(s) already hold roles that the default engine (`awsfed apply`) deployed and these stack sets would create again; nothing was changed: {}",
        found.len(),
        listed.join("; ")
    ))
    .hint("one engine per role: keep deploying this estate with `awsfed apply` (the default engine)")
    .hint("or switch it to StackSets in a maintenance window: remove those roles with the default engine first (apply a model without their grants), then run `awsfed apply --engine stacksets`"))
}

/// The stack sets' region as the model says (commands without the engine flags).
pub fn model_region(model: &awsfed_model::Model) -> String {
    model
        .stack_sets
        .region
        .clone()
        .unwrap_or_else(|| awsfed_model::DEFAULT_STACK_SET_REGION.to_owned())
}

/// The commands that deploy with the default engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultEngine {
    Plan,
    Bootstrap,
    Migrate,
}

/// The default engine refuses while awsfed's stack sets exist: it would deploy the roles they own
/// a second time. Credentials that cannot read CloudFormation are not asked again (nothing to
/// learn).
pub async fn refuse_if_stacksets(
    fleet: &Arc<Fleet>,
    reach: &ReachArgs,
    region: &str,
    command: DefaultEngine,
) -> Result<(), CommandError> {
    let engine = engine_in(fleet, reach, region.to_owned(), Duration::from_secs(5));
    let owned = engine.owned_stack_set_names().await;
    let Some(owned) = owned.filter(|o| !o.is_empty()) else {
        return Ok(());
    };
    let estate = format!(
        "this estate is deployed by CloudFormation StackSets ({} awsfed stack set(s) in {region}: {})",
        owned.len(),
        owned.join(", ")
    );
    let back = "to move the estate back to the default engine, first delete the stack sets (apply a model without grants with `--engine stacksets`), then run `awsfed apply`";
    Err(match command {
        DefaultEngine::Plan => CommandError::failed(format!(
            "{estate}; the default engine would deploy the same roles a second time, so nothing was planned"
        ))
        .hint("run `awsfed plan --engine stacksets` / `awsfed apply --engine stacksets`")
        .hint(back),
        DefaultEngine::Bootstrap => CommandError::failed(format!(
            "{estate}; `awsfed bootstrap` deploys with the default engine and would create the account's roles a second time, so nothing was changed"
        ))
        .hint("an account that joins an OU the stack sets target gets its roles by automatic deployment; to deploy it now (or an account outside those OUs), put it in the model and run `awsfed apply --engine stacksets`"),
        DefaultEngine::Migrate => CommandError::failed(format!(
            "{estate}; `awsfed migrate` runs its stages with the default engine and would create the same roles a second time, so nothing was planned or changed"
        ))
        .hint("with StackSets, change the accounts' `topology:` in the model and review `awsfed plan --engine stacksets`: the role classes change in one apply, without expand and contract stages, so sign-in by the old way stops for those accounts when it runs")
        .hint(format!("for a staged migration, {back}, then `awsfed migrate`")),
    })
}

fn engine_in(
    fleet: &Arc<Fleet>,
    reach: &ReachArgs,
    region: String,
    poll_interval: Duration,
) -> Arc<Engine> {
    let mut engine = Engine::new(
        fleet.connection().clone(),
        fleet.caller().clone(),
        ReachOptions {
            bootstrap_role: reach.bootstrap_role.clone(),
            external_id: reach.external_id.clone(),
            ..ReachOptions::default()
        },
        region,
    );
    if let Some(engine) = Arc::get_mut(&mut engine) {
        engine.poll_interval = poll_interval;
    }
    engine
}

fn cfn_error(e: &awsfed_aws::AwsError) -> CommandError {
    deploy::aws_error(e).hint("the StackSets engine reads and writes stack sets from the management account or a delegated administrator (cloudformation:ListStackSets, DescribeStackSet, ListStackInstances), with trusted access for StackSets enabled in Organizations")
}

/// Every account in the model must be in the organization (StackSets deploy nowhere else); its OU
/// is the one Organizations says, whatever the model says.
fn place_accounts(
    desired: &mut awsfed_compile::DesiredState,
    organization: &OrganizationSnapshot,
) -> Result<(), CommandError> {
    let mut outside = Vec::new();
    for account in &mut desired.accounts {
        match organization.accounts.iter().find(|a| a.id == account.id) {
            Some(found) => account.ou = awsfed_aws::ou_path(organization, found),
            None => outside.push(format!("{} ({})", account.name, account.id)),
        }
    }
    if outside.is_empty() {
        return Ok(());
    }
    Err(CommandError::failed(format!(
        "{} account(s) of the model are not in organisation {}: {}",
        outside.len(),
        organization.id,
        outside.join(", ")
    ))
    .hint("StackSets deploy only to accounts of the organisation they run in; deploy those with `--engine awsfed`, or remove them from the model"))
}

/// The stack sets and plain stacks of the layout, OU paths resolved to ids.
fn desired_stacks(
    layout: &StackSetLayout,
    organization: &OrganizationSnapshot,
) -> Result<(Vec<DesiredStackSet>, Vec<DesiredStack>), CommandError> {
    let mut sets = Vec::new();
    for spec in &layout.stack_sets {
        if let Some((key, _)) = spec.parameters.iter().find(|(_, v)| v.starts_with("{{")) {
            return Err(CommandError::bad_input(format!(
                "the stack set {} needs the parameter {key}, and the model names no SAML metadata file",
                spec.name
            ))
            .hint("set `identity_provider.metadata_file` in the model"));
        }
        let mut targets = Vec::new();
        for target in &spec.targets {
            let (ou_path, ou_id) = match &target.ou {
                None => ("(root)".to_owned(), organization.root_id.clone()),
                Some(path) => {
                    let id = organization
                        .ous
                        .iter()
                        .find(|o| &o.path == path)
                        .map(|o| o.id.clone())
                        .ok_or_else(|| {
                            CommandError::failed(format!("Organizations has no OU {path}"))
                        })?;
                    (path.clone(), id)
                }
            };
            targets.push(DesiredTarget {
                ou_path,
                ou_id,
                accounts: target.accounts.clone(),
                members: target.members.clone(),
            });
        }
        sets.push(DesiredStackSet {
            name: spec.name.clone(),
            description: spec.description.clone(),
            template: spec.template.clone(),
            parameters: spec.parameters.iter().cloned().collect(),
            order: spec.order,
            targets,
        });
    }
    let stacks = layout
        .account_stacks
        .iter()
        .map(|spec| DesiredStack {
            name: stack_name(&spec.stem),
            account_name: spec.account.clone(),
            account_id: spec.account_id.clone(),
            template: spec.template.clone(),
            order: if spec.hub { 1 } else { 2 },
        })
        .collect();
    Ok((sets, stacks))
}

/// `awsfed-account-<stem>`: stack names are letters, digits and `-`, starting with a letter.
fn stack_name(stem: &str) -> String {
    let safe: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{}account-{safe}", awsfed_plan::STACK_PREFIX)
}

/// Prints the plan (text on stdout, or JSON).
pub fn show(cli: &Cli, planned: &Planned) {
    match cli.output {
        OutputFormat::Json => {
            crate::commands::print_stdout(&crate::commands::to_json(&planned.plan))
        }
        OutputFormat::Text => {
            let names = |id: &str| match planned.names.get(id) {
                Some(name) => format!("{name} ({id})"),
                None => id.to_owned(),
            };
            crate::commands::print_stdout(&render_stackset_plan(&planned.plan, &names));
        }
    }
}

/// `awsfed plan --engine stacksets`, writing the plan to `out` when given.
pub fn run_plan(
    cli: &Cli,
    reach: &ReachArgs,
    args: &EngineArgs,
    detailed: bool,
    out: Option<&std::path::Path>,
) -> Result<ExitCode, CommandError> {
    args.check_flags()?;
    let runtime = deploy::runtime()?;
    let planned = runtime.block_on(plan(cli, reach, args))?;
    if let Some(out) = out {
        crate::commands::deploy_stacksets_file::write(out, &planned)?;
    }
    show(cli, &planned);
    Ok(if !planned.plan.conflicts.is_empty() {
        ExitCode::from(1)
    } else if detailed && !planned.plan.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `awsfed apply --engine stacksets` (or `awsfed apply FILE` with a StackSets plan file): plans,
/// then applies; with a file, only when the fresh plan is the file's.
pub fn run_apply(
    cli: &Cli,
    reach: &ReachArgs,
    args: &EngineArgs,
    file: Option<(&std::path::Path, &StackSetPlanFile)>,
) -> Result<ExitCode, CommandError> {
    args.check_flags()?;
    let runtime = deploy::runtime()?;
    runtime.block_on(async {
        let planned = plan(cli, reach, args).await?;
        if let Some((path, file)) = file {
            crate::commands::deploy_stacksets_file::approve(path, file, &planned)?;
        }
        let total = planned.plan.change_count();
        if total == 0 {
            crate::commands::print_stderr(&format!(
                "No changes: {} stack set(s) and the plain stacks match the model.\n",
                planned.plan.stack_set_count
            ));
        }
        let reporter = Reporter::new(total, Step::ApplyStackSets);
        let report = planned
            .engine
            .apply_plan(&planned.plan, &planned.plan.preferences, reporter.progress())
            .await;
        reporter.finish();
        match cli.output {
            OutputFormat::Json => crate::commands::print_stdout(&crate::commands::to_json(
                &serde_json::json!({
                    "engine": "stacksets",
                    "changes_planned": total,
                    "changes_applied": report.changes_applied,
                    "failed_accounts": report.failed,
                    "conflicts": planned.plan.conflicts,
                    "cloudformation_calls": planned.engine.calls(),
                }),
            )),
            OutputFormat::Text if total > 0 => crate::commands::print_stderr(&format!(
                "Applied {} of {total} stack set and stack changes ({} CloudFormation calls).\n",
                report.changes_applied,
                planned.engine.calls()
            )),
            OutputFormat::Text => {}
        }
        for conflict in &planned.plan.conflicts {
            awsfed_files::message::print(awsfed_files::message::Level::Warning, format_args!("{conflict}"));
        }
        if report.failed.is_empty() {
            return Ok(if planned.plan.conflicts.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        let mut message = format!("{} account(s) or stack set(s) failed:\n", report.failed.len());
        for (account, error) in &report.failed {
            let name = planned.names.get(account).map_or(String::new(), |n| format!(" ({n})"));
            message.push_str(&format!("  {account}{name}: {error}\n"));
        }
        Err(CommandError::failed(message).hint(
            "the phases before the failure were applied and later ones were not (spoke trusts need hub roles); fix the cause and run `awsfed apply --engine stacksets` again (it only does what is left)",
        ))
    })
}
