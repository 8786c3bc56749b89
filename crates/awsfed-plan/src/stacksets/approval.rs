//! Whether a StackSets plan read from a file is the plan made now, and if not, its first
//! difference in words. Changes are compared as written to the file (templates themselves are not
//! written: their diffs are, and the fingerprint covers the templates the model calls for).

use serde::Serialize;

use super::{StackAction, StackChange, StackSetChange, StackSetPlan};

/// The first way `given` (read from a file) differs from `fresh` (planned now), or `None`.
pub fn stackset_plan_difference(fresh: &StackSetPlan, given: &StackSetPlan) -> Option<String> {
    if !same(&fresh.preferences, &given.preferences) {
        return Some(format!(
            "it was made with the operation preferences {}, and now they are {} (the model's `stack_sets` section and the flags --stackset-region, --max-concurrent, --failure-tolerance, --region-order)",
            compact(&given.preferences),
            compact(&fresh.preferences)
        ));
    }
    let set_key = |c: &StackSetChange| c.name.clone();
    let set_what = |c: &StackSetChange| format!("stack set {}", c.name);
    if let Some(difference) = changes_difference(
        &fresh.stack_sets,
        &given.stack_sets,
        set_key,
        set_what,
        |c| c.action,
    ) {
        return Some(difference);
    }
    if let Some(difference) = stack_set_detail(fresh, given) {
        return Some(difference);
    }
    let stack_key = |c: &StackChange| format!("{}/{}", c.account_id, c.name);
    let stack_what = |c: &StackChange| format!("stack {} in account {}", c.name, c.account_id);
    if let Some(difference) =
        changes_difference(&fresh.stacks, &given.stacks, stack_key, stack_what, |c| {
            c.action
        })
    {
        return Some(difference);
    }
    if fresh.conflicts != given.conflicts {
        return Some("its conflicts differ from the fresh plan's".to_owned());
    }
    if !same(fresh, given) {
        return Some(
            "its warnings, counts or order differ from the fresh plan's (it was edited)".to_owned(),
        );
    }
    None
}

/// Changes the file asks for that the fresh plan does not hold, or holds with another action, and
/// changes of the fresh plan the file leaves out.
fn changes_difference<C>(
    fresh: &[C],
    given: &[C],
    key: impl Fn(&C) -> String,
    what: impl Fn(&C) -> String,
    action: impl Fn(&C) -> StackAction,
) -> Option<String> {
    for change in given {
        match fresh.iter().find(|f| key(f) == key(change)) {
            None => {
                return Some(format!(
                    "it asks to {} the {}, for which the model and CloudFormation's state call for no change",
                    verb(action(change)),
                    what(change)
                ));
            }
            Some(expected) if action(expected) != action(change) => {
                return Some(format!(
                    "it asks to {} the {}, but the fresh plan would {} it",
                    verb(action(change)),
                    what(change),
                    verb(action(expected))
                ));
            }
            Some(_) => {}
        }
    }
    fresh
        .iter()
        .find(|f| !given.iter().any(|g| key(g) == key(f)))
        .map(|left_out| {
            format!(
                "it leaves out the {} ({})",
                what(left_out),
                verb(action(left_out))
            )
        })
}

/// The first stack set whose template diff or targets were changed.
fn stack_set_detail(fresh: &StackSetPlan, given: &StackSetPlan) -> Option<String> {
    for change in &given.stack_sets {
        let Some(expected) = fresh.stack_sets.iter().find(|f| f.name == change.name) else {
            continue;
        };
        if same(expected, change) {
            continue;
        }
        let name = &change.name;
        if expected.template_diff != change.template_diff {
            return Some(format!(
                "stack set {name}: its template differs from the one the model calls for"
            ));
        }
        let extra =
            |given: &[String], fresh: &[String]| given.iter().find(|a| !fresh.contains(a)).cloned();
        if let Some(account) = extra(&change.accounts_added, &expected.accounts_added) {
            return Some(format!(
                "stack set {name}: it adds a stack instance in account {account}, which the model does not call for there"
            ));
        }
        if let Some(account) = extra(&change.accounts_removed, &expected.accounts_removed) {
            return Some(format!(
                "stack set {name}: it removes the stack instance in account {account}, which the model keeps"
            ));
        }
        return Some(format!(
            "stack set {name}: its OU or account targets differ from the ones the model calls for"
        ));
    }
    None
}

fn verb(action: StackAction) -> &'static str {
    match action {
        StackAction::Create => "create",
        StackAction::Update => "update",
        StackAction::Targets => "change the targets of",
        StackAction::Delete => "delete",
    }
}

/// Compared as written to the file.
fn same<T: Serialize>(a: &T, b: &T) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

fn compact<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
