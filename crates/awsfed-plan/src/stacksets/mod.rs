//! The StackSets engine's plan: the stack sets and plain stacks the model calls for (one
//! service-managed stack set per role class, plain stacks for hub accounts and the management
//! account, as `awsfed export stacksets` lays them out) against those CloudFormation holds.
//!
//! A stack set's targets are OUs ("DeploymentTargets", AWS CloudFormation API Reference): an OU
//! the class covers whole is targeted without a filter, so accounts joining it later get the
//! stack by automatic deployment; otherwise its accounts are named with `AccountFilterType:
//! INTERSECTION`. The plan compares what is deployed account by account (the stack instances),
//! and the whole-OU targets against the stack set's `OrganizationalUnitIds`: an OU target no class
//! account needs any more is removed (DeleteStackInstances on the OU, which also stops automatic
//! deployment there), and the accounts it still serves are added back narrowed.
//!
//! Ownership: a stack set or stack is awsfed's when its name starts with `awsfed-` **and** it
//! carries `awsfed:managed=true` ([`is_our_stack`]); one with an awsfed name that is not ours is a
//! conflict, never changed.

mod approval;
mod file;
mod recreate;
mod render;

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::Amount;
use serde::{Deserialize, Serialize};

pub use approval::stackset_plan_difference;
pub use file::{
    Fingerprint, STACKSET_PLAN_FORMAT, STACKSETS_ENGINE, StackSetPlanFile, plan_file_engine,
};
pub use recreate::template_roles;
pub use render::render_stackset_plan;

use crate::ownership::is_our_stack;

/// A stack set the model calls for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DesiredStackSet {
    pub name: String,
    pub description: String,
    pub template: String,
    pub parameters: BTreeMap<String, String>,
    /// 1: the SAML provider; 2: roles.
    pub order: u8,
    pub targets: Vec<DesiredTarget>,
}

/// A deployment target with its OU's id resolved from Organizations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DesiredTarget {
    /// The OU path, `(root)` for the organization root.
    pub ou_path: String,
    pub ou_id: String,
    /// `None`: the whole OU; otherwise these account ids of it.
    pub accounts: Option<Vec<String>>,
    /// The account ids it deploys to.
    pub members: Vec<String>,
}

/// A plain stack the model calls for (a hub account, or the management account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DesiredStack {
    pub name: String,
    pub account_name: String,
    pub account_id: String,
    pub template: String,
    /// 1: hub accounts (spoke trusts name their roles); 2: the management account.
    pub order: u8,
}

/// A stack set as CloudFormation holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ActualStackSet {
    pub name: String,
    pub tags: BTreeMap<String, String>,
    pub description: String,
    pub template: String,
    pub parameters: BTreeMap<String, String>,
    pub ou_ids: Vec<String>,
    pub instances: Vec<ActualInstance>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActualInstance {
    pub account_id: String,
    pub ou_id: Option<String>,
    /// `CURRENT`, `OUTDATED` or `INOPERABLE`.
    pub status: String,
    pub reason: Option<String>,
}

/// A stack in an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActualStack {
    pub name: String,
    pub account_id: String,
    pub tags: BTreeMap<String, String>,
    pub template: String,
    pub status: String,
}

/// What CloudFormation holds, and the organization's OU tree (to tell which instances an OU
/// target covers).
#[derive(Debug, Clone, Default, Serialize)]
pub struct StackSetState {
    pub stack_sets: Vec<ActualStackSet>,
    pub stacks: Vec<ActualStack>,
    /// OU id → OU path (the root is `(root)`).
    pub ou_paths: BTreeMap<String, String>,
    /// Account id → the id of its parent OU (or root).
    pub account_ous: BTreeMap<String, String>,
    /// Account id → name, for reading.
    pub account_names: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StackAction {
    Create,
    Update,
    /// The stack set's template is as the model says; only its targets change.
    Targets,
    Delete,
}

/// A call on a stack set's instances: an OU, whole or narrowed to accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetCall {
    pub ou_path: String,
    pub ou_id: String,
    /// `None`: the whole OU (no account filter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackSetChange {
    pub name: String,
    pub action: StackAction,
    pub order: u8,
    /// A unified diff of the template (create: everything added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_diff: Option<String>,
    #[serde(skip)]
    pub template: String,
    #[serde(skip)]
    pub description: String,
    #[serde(skip)]
    pub parameters: BTreeMap<String, String>,
    /// Targets removed (before those added: a whole OU that goes takes its instances along).
    pub remove: Vec<TargetCall>,
    pub add: Vec<TargetCall>,
    /// Account ids whose stack instance goes.
    pub accounts_removed: Vec<String>,
    /// Account ids that get a stack instance.
    pub accounts_added: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackChange {
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub action: StackAction,
    pub order: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_diff: Option<String>,
    #[serde(skip)]
    pub template: String,
}

/// How the plan's stack set operations run ("StackSetOperationPreferences", AWS CloudFormation
/// API Reference): from the model's `stack_sets` section, flags overriding it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The one region of the stack sets and their instances.
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_tolerance: Option<Amount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region_order: Vec<String>,
}

/// The StackSets engine's plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackSetPlan {
    /// How its operations run.
    pub preferences: Preferences,
    pub stack_sets: Vec<StackSetChange>,
    pub stacks: Vec<StackChange>,
    /// Stack sets or stacks with awsfed's names that awsfed does not own: never changed.
    pub conflicts: Vec<String>,
    /// What applying does that a reader should know first (roles deleted and created again).
    pub warnings: Vec<String>,
    /// Stack sets the model calls for, and how many stack instances it expects in all.
    pub stack_set_count: usize,
    pub instance_count: usize,
}

impl StackSetPlan {
    pub fn is_empty(&self) -> bool {
        self.stack_sets.is_empty() && self.stacks.is_empty()
    }

    pub fn change_count(&self) -> usize {
        self.stack_sets.len() + self.stacks.len()
    }
}

/// Plans the stack sets and stacks.
pub fn plan_stack_sets(
    desired: &[DesiredStackSet],
    stacks: &[DesiredStack],
    state: &StackSetState,
) -> StackSetPlan {
    let mut plan = StackSetPlan {
        stack_set_count: desired.len(),
        instance_count: desired
            .iter()
            .map(|d| d.targets.iter().map(|t| t.members.len()).sum::<usize>())
            .sum(),
        ..StackSetPlan::default()
    };
    let wanted: BTreeSet<&str> = desired.iter().map(|d| d.name.as_str()).collect();
    for set in desired {
        let actual = state.stack_sets.iter().find(|a| a.name == set.name);
        match actual {
            Some(actual) if !is_our_stack(&actual.name, &actual.tags) => {
                plan.conflicts.push(not_ours("stack set", &actual.name));
            }
            _ => plan.stack_sets.extend(stack_set_change(set, actual, state)),
        }
    }
    for actual in &state.stack_sets {
        if !wanted.contains(actual.name.as_str()) && is_our_stack(&actual.name, &actual.tags) {
            plan.stack_sets.push(deletion(actual, state));
        }
    }
    plan_stacks(stacks, state, &mut plan);
    plan.warnings = recreate::recreated_roles(&plan.stack_sets, &state.stack_sets);
    plan.stack_sets
        .sort_by(|a, b| (a.order, &a.name).cmp(&(b.order, &b.name)));
    plan.stacks.sort_by(|a, b| {
        (a.order, &a.account_name, &a.name).cmp(&(b.order, &b.account_name, &b.name))
    });
    plan
}

fn not_ours(what: &str, name: &str) -> String {
    format!(
        "the {what} {name} has awsfed's name but not its tag awsfed:managed=true, so awsfed does not own it and leaves it alone; delete or rename it, or deploy with the default engine"
    )
}

fn stack_set_change(
    set: &DesiredStackSet,
    actual: Option<&ActualStackSet>,
    state: &StackSetState,
) -> Option<StackSetChange> {
    let Some(actual) = actual else {
        let add = set
            .targets
            .iter()
            .map(|t| TargetCall {
                ou_path: t.ou_path.clone(),
                ou_id: t.ou_id.clone(),
                accounts: t.accounts.clone(),
            })
            .collect();
        return Some(StackSetChange {
            name: set.name.clone(),
            action: StackAction::Create,
            order: set.order,
            template_diff: Some(template_diff("", &set.template)),
            template: set.template.clone(),
            description: set.description.clone(),
            parameters: set.parameters.clone(),
            remove: Vec::new(),
            add,
            accounts_removed: Vec::new(),
            accounts_added: sorted(set.targets.iter().flat_map(|t| t.members.clone())),
        });
    };
    let template_changed = !same_template(&actual.template, &set.template)
        || actual.description != set.description
        || actual.parameters != set.parameters;
    let (remove, add, removed, added) = target_changes(set, actual, state);
    if !template_changed && remove.is_empty() && add.is_empty() {
        return None;
    }
    Some(StackSetChange {
        name: set.name.clone(),
        action: if template_changed {
            StackAction::Update
        } else {
            StackAction::Targets
        },
        order: set.order,
        template_diff: template_changed.then(|| template_diff(&actual.template, &set.template)),
        template: set.template.clone(),
        description: set.description.clone(),
        parameters: set.parameters.clone(),
        remove,
        add,
        accounts_removed: removed,
        accounts_added: added,
    })
}

type TargetChanges = (Vec<TargetCall>, Vec<TargetCall>, Vec<String>, Vec<String>);

/// Targets to remove and add, and the accounts whose instances go and come.
fn target_changes(
    set: &DesiredStackSet,
    actual: &ActualStackSet,
    state: &StackSetState,
) -> TargetChanges {
    let wanted_ous: BTreeSet<&str> = set.targets.iter().map(|t| t.ou_id.as_str()).collect();
    let members: BTreeSet<&str> = set
        .targets
        .iter()
        .flat_map(|t| t.members.iter().map(String::as_str))
        .collect();
    let mut remove = Vec::new();
    let mut deployed: BTreeSet<&str> = actual
        .instances
        .iter()
        .map(|i| i.account_id.as_str())
        .collect();
    let mut removed = BTreeSet::new();
    for ou in actual
        .ou_ids
        .iter()
        .filter(|o| !wanted_ous.contains(o.as_str()))
    {
        remove.push(whole(ou, state));
        for instance in &actual.instances {
            if within_ou(instance, ou, state) {
                deployed.remove(instance.account_id.as_str());
                removed.insert(instance.account_id.clone());
            }
        }
    }
    let extra: Vec<&ActualInstance> = actual
        .instances
        .iter()
        .filter(|i| {
            deployed.contains(i.account_id.as_str()) && !members.contains(i.account_id.as_str())
        })
        .collect();
    remove.extend(narrowed(
        extra
            .iter()
            .map(|i| (instance_ou(i, state), i.account_id.clone())),
        state,
    ));
    removed.extend(extra.iter().map(|i| i.account_id.clone()));

    let recorded: BTreeSet<&str> = actual.ou_ids.iter().map(String::as_str).collect();
    let mut add = Vec::new();
    let mut added = BTreeSet::new();
    let mut missing = Vec::new();
    for target in &set.targets {
        let absent: Vec<&String> = target
            .members
            .iter()
            .filter(|m| !deployed.contains(m.as_str()))
            .collect();
        if target.accounts.is_none() && !recorded.contains(target.ou_id.as_str()) {
            // The OU is not a target yet: target it whole, for automatic deployment.
            add.push(whole(&target.ou_id, state));
            added.extend(absent.into_iter().cloned());
            continue;
        }
        missing.extend(absent.into_iter().map(|a| {
            let ou = state
                .account_ous
                .get(a)
                .cloned()
                .unwrap_or_else(|| target.ou_id.clone());
            (ou, a.clone())
        }));
    }
    added.extend(missing.iter().map(|(_, a)| a.clone()));
    add.extend(narrowed(missing.into_iter(), state));
    (
        remove,
        add,
        removed.into_iter().collect(),
        added.into_iter().collect(),
    )
}

fn deletion(actual: &ActualStackSet, state: &StackSetState) -> StackSetChange {
    let mut remove: Vec<TargetCall> = actual.ou_ids.iter().map(|o| whole(o, state)).collect();
    let rest = actual
        .instances
        .iter()
        .filter(|i| !actual.ou_ids.iter().any(|o| within_ou(i, o, state)))
        .map(|i| (instance_ou(i, state), i.account_id.clone()));
    remove.extend(narrowed(rest, state));
    StackSetChange {
        name: actual.name.clone(),
        action: StackAction::Delete,
        order: 3,
        template_diff: Some(template_diff(&actual.template, "")),
        template: String::new(),
        description: String::new(),
        parameters: BTreeMap::new(),
        remove,
        add: Vec::new(),
        accounts_removed: sorted(actual.instances.iter().map(|i| i.account_id.clone())),
        accounts_added: Vec::new(),
    }
}

fn plan_stacks(desired: &[DesiredStack], state: &StackSetState, plan: &mut StackSetPlan) {
    for stack in desired {
        let actual = state
            .stacks
            .iter()
            .find(|a| a.account_id == stack.account_id && a.name == stack.name);
        let (action, diff) = match actual {
            Some(actual) if !is_our_stack(&actual.name, &actual.tags) => {
                plan.conflicts.push(format!(
                    "{} (account {})",
                    not_ours("stack", &actual.name),
                    stack.account_id
                ));
                continue;
            }
            Some(actual) if same_template(&actual.template, &stack.template) => continue,
            Some(actual) => (
                StackAction::Update,
                template_diff(&actual.template, &stack.template),
            ),
            None => (StackAction::Create, template_diff("", &stack.template)),
        };
        plan.stacks.push(StackChange {
            name: stack.name.clone(),
            account_id: stack.account_id.clone(),
            account_name: stack.account_name.clone(),
            action,
            order: stack.order,
            template_diff: Some(diff),
            template: stack.template.clone(),
        });
    }
    for actual in &state.stacks {
        let wanted = desired
            .iter()
            .any(|d| d.account_id == actual.account_id && d.name == actual.name);
        if !wanted && is_our_stack(&actual.name, &actual.tags) {
            plan.stacks.push(StackChange {
                name: actual.name.clone(),
                account_id: actual.account_id.clone(),
                account_name: state
                    .account_names
                    .get(&actual.account_id)
                    .cloned()
                    .unwrap_or_else(|| actual.account_id.clone()),
                action: StackAction::Delete,
                order: 4,
                template_diff: Some(template_diff(&actual.template, "")),
                template: String::new(),
            });
        }
    }
}

fn whole(ou_id: &str, state: &StackSetState) -> TargetCall {
    TargetCall {
        ou_path: ou_path(ou_id, state),
        ou_id: ou_id.to_owned(),
        accounts: None,
    }
}

/// Accounts grouped by their OU, one narrowed call per OU.
fn narrowed(
    accounts: impl Iterator<Item = (String, String)>,
    state: &StackSetState,
) -> Vec<TargetCall> {
    let mut by_ou: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (ou, account) in accounts {
        by_ou.entry(ou).or_default().insert(account);
    }
    by_ou
        .into_iter()
        .map(|(ou, accounts)| TargetCall {
            ou_path: ou_path(&ou, state),
            ou_id: ou,
            accounts: Some(accounts.into_iter().collect()),
        })
        .collect()
}

fn ou_path(ou_id: &str, state: &StackSetState) -> String {
    state
        .ou_paths
        .get(ou_id)
        .cloned()
        .unwrap_or_else(|| ou_id.to_owned())
}

/// The OU an instance is in: as CloudFormation reports it, else the account's parent now.
fn instance_ou(instance: &ActualInstance, state: &StackSetState) -> String {
    instance
        .ou_id
        .clone()
        .or_else(|| state.account_ous.get(&instance.account_id).cloned())
        .unwrap_or_default()
}

/// Whether an instance is in OU `ou` or below it.
fn within_ou(instance: &ActualInstance, ou: &str, state: &StackSetState) -> bool {
    let own = instance_ou(instance, state);
    if own == ou {
        return true;
    }
    match (state.ou_paths.get(&own), state.ou_paths.get(ou)) {
        (Some(own), Some(parent)) => {
            parent == "(root)"
                || own
                    .strip_prefix(parent.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        }
        _ => false,
    }
}

/// Templates are the same JSON (CloudFormation keeps the body as sent, but compare values so a
/// re-serialisation does not count as a change).
fn same_template(actual: &str, desired: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(actual),
        serde_json::from_str::<serde_json::Value>(desired),
    ) {
        (Ok(a), Ok(d)) => a == d,
        _ => actual == desired,
    }
}

fn template_diff(old: &str, new: &str) -> String {
    let pretty = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .map_or_else(|| text.to_owned(), |t| t + "\n")
    };
    let (old, new) = (pretty(old), pretty(new));
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .to_string()
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    items.collect::<BTreeSet<_>>().into_iter().collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod file_tests;
