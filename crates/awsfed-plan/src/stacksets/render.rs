//! The StackSets plan as text: per stack set its template diff and the OU/account targets added
//! and removed, then the plain stacks, then conflicts.

use super::{Preferences, StackAction, StackSetChange, StackSetPlan, TargetCall};

/// Renders the plan; `names` turns an account id into `name (id)` where known.
pub fn render_stackset_plan(plan: &StackSetPlan, names: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        out.push_str(&format!(
            "No changes: {} stack set(s) with {} stack instance(s), and the plain stacks, match the model.\n",
            plan.stack_set_count, plan.instance_count
        ));
    }
    if !plan.is_empty() {
        out.push_str(&preferences(&plan.preferences));
    }
    for change in &plan.stack_sets {
        render_stack_set(change, names, &mut out);
    }
    for stack in &plan.stacks {
        out.push_str(&format!(
            "{} stack {} in {}\n",
            sign(stack.action),
            stack.name,
            names(&stack.account_id)
        ));
        if let Some(diff) = &stack.template_diff {
            indent(diff, &mut out);
        }
    }
    for conflict in &plan.conflicts {
        out.push_str(&format!("! conflict: {conflict}\n"));
    }
    for warning in &plan.warnings {
        out.push_str(&format!("! warning: {warning}\n"));
    }
    if !plan.is_empty() {
        let count = |action: StackAction| {
            plan.stack_sets
                .iter()
                .filter(|c| c.action == action)
                .count()
        };
        out.push_str(&format!(
            "Plan: {} stack set(s) to create, {} to update, {} with targets only, {} to delete; {} stack instance(s) to add, {} to remove; {} plain stack change(s).\n",
            count(StackAction::Create),
            count(StackAction::Update),
            count(StackAction::Targets),
            count(StackAction::Delete),
            plan.stack_sets.iter().map(|c| c.accounts_added.len()).sum::<usize>(),
            plan.stack_sets.iter().map(|c| c.accounts_removed.len()).sum::<usize>(),
            plan.stacks.len(),
        ));
    }
    out
}

fn render_stack_set(change: &StackSetChange, names: &dyn Fn(&str) -> String, out: &mut String) {
    let what = match change.action {
        StackAction::Create => "create",
        StackAction::Update => "update template",
        StackAction::Targets => "targets",
        StackAction::Delete => "delete",
    };
    out.push_str(&format!(
        "{} stack set {} ({what})\n",
        sign(change.action),
        change.name
    ));
    if let Some(diff) = &change.template_diff {
        indent(diff, out);
    }
    for call in &change.remove {
        out.push_str(&format!("    - target {}\n", target(call, names)));
    }
    for call in &change.add {
        out.push_str(&format!("    + target {}\n", target(call, names)));
    }
    if !change.accounts_removed.is_empty() || !change.accounts_added.is_empty() {
        out.push_str(&format!(
            "    stack instances: +{} -{}\n",
            change.accounts_added.len(),
            change.accounts_removed.len()
        ));
    }
}

fn target(call: &TargetCall, names: &dyn Fn(&str) -> String) -> String {
    match &call.accounts {
        None => format!(
            "OU {} ({}), whole (automatic deployment)",
            call.ou_path, call.ou_id
        ),
        Some(accounts) => {
            let listed: Vec<String> = accounts.iter().map(|a| names(a)).collect();
            format!(
                "OU {} ({}), accounts {}",
                call.ou_path,
                call.ou_id,
                listed.join(", ")
            )
        }
    }
}

fn sign(action: StackAction) -> &'static str {
    match action {
        StackAction::Create => "+",
        StackAction::Update | StackAction::Targets => "~",
        StackAction::Delete => "-",
    }
}

fn indent(diff: &str, out: &mut String) {
    for line in diff
        .lines()
        .filter(|l| !l.starts_with("---") && !l.starts_with("+++"))
    {
        out.push_str("      ");
        out.push_str(line);
        out.push('\n');
    }
}

/// One line: where the operations run and how (CloudFormation's defaults where nothing is set:
/// one account at a time, stopping at the first failure).
fn preferences(p: &Preferences) -> String {
    let or_default = |amount: Option<awsfed_model::Amount>, default: &str| {
        amount.map_or_else(
            || format!("{default} (CloudFormation's default)"),
            |a| a.to_string(),
        )
    };
    let mut line = format!(
        "Stack set operations in {}: at most {} at once, stopped when more than {} fail",
        p.region,
        or_default(p.max_concurrent, "1 account(s)"),
        or_default(p.failure_tolerance, "0 account(s)"),
    );
    if !p.region_order.is_empty() {
        line.push_str(&format!(", regions in order {}", p.region_order.join(", ")));
    }
    line.push_str(".\n");
    line
}
