//! The plan as people read it: changes per account in execution order, policy changes as a line
//! diff of the pretty JSON, summary counts, drift and hints.

use std::collections::BTreeMap;
use std::fmt::Write;

use awsfed_policy::PolicyDocument;

use super::{AccountPlan, Action, Conflict, Plan};
use awsfed_files::message::{self, Level};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Renders the plan; `color` adds ANSI colours (on a terminal, unless `NO_COLOR`).
pub fn render_text(plan: &Plan, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    if plan.is_empty() && plan.conflict_count() == 0 {
        let _ = writeln!(
            out,
            "No changes: {} accounts match the model.",
            plan.fingerprints.len()
        );
    }
    let mut totals: BTreeMap<&'static str, usize> = BTreeMap::new();
    for account in &plan.accounts {
        render_account(&mut out, account, &mut totals, &paint);
    }
    if let Some(identity_center) = &plan.identity_center {
        super::identity_center::render_identity_center(
            &mut out,
            identity_center,
            &mut totals,
            &paint,
            [GREEN, RED, YELLOW],
        );
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(out, "\nDrift (changed outside awsfed; apply puts it back):");
        for drift in &plan.drift {
            let _ = writeln!(
                out,
                "  account {} {}: {}",
                drift.account_id,
                drift.resource,
                drift.what.join(", ")
            );
        }
    }
    if !plan.is_empty() || plan.conflict_count() > 0 {
        let summary: Vec<String> = totals.iter().map(|(k, n)| format!("{n} to {k}")).collect();
        let _ = writeln!(
            out,
            "\nPlan: {} in {} accounts ({} unchanged){}.",
            if summary.is_empty() {
                "nothing".to_owned()
            } else {
                summary.join(", ")
            },
            plan.accounts.len(),
            plan.fingerprints.len().saturating_sub(plan.accounts.len()),
            match plan.conflict_count() {
                0 => String::new(),
                n => format!(", {n} conflicts"),
            }
        );
    }
    for hint in &plan.hints {
        out.push_str(&message::line(Level::Hint, hint));
    }
    out
}

/// One account's changes by phase (policy changes as a diff) and its conflicts; `totals` counts
/// the changes by kind.
fn render_account(
    out: &mut String,
    account: &AccountPlan,
    totals: &mut BTreeMap<&'static str, usize>,
    paint: &dyn Fn(&str, &str) -> String,
) {
    let name = account
        .account_name
        .as_deref()
        .map_or_else(String::new, |n| format!(" ({n})"));
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for change in &account.changes {
        *counts.entry(kind(&change.action)).or_default() += 1;
        *totals.entry(kind(&change.action)).or_default() += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} to {k}")).collect();
    let _ = writeln!(
        out,
        "account {}{name}: {}",
        account.account_id,
        if summary.is_empty() {
            "no changes".to_owned()
        } else {
            summary.join(", ")
        }
    );
    let mut phase = None;
    for change in &account.changes {
        if phase != Some(change.phase) {
            phase = Some(change.phase);
            let _ = writeln!(out, "  [{}]", change.phase.label());
        }
        let (sign, code) = match kind(&change.action) {
            "create" => ("+", GREEN),
            "delete" => ("-", RED),
            _ => ("~", YELLOW),
        };
        let _ = writeln!(out, "  {} {}", paint(code, sign), change.action.summary());
        match &change.action {
            Action::UpdateTrust {
                trust_policy,
                previous,
                ..
            }
            | Action::UpdatePolicy {
                document: trust_policy,
                previous,
                ..
            } => diff_lines(out, previous, trust_policy, paint),
            Action::PutInlinePolicy {
                document,
                previous: Some(previous),
                ..
            } => diff_lines(out, previous, document, paint),
            _ => {}
        }
    }
    for conflict in &account.conflicts {
        write_conflict(out, conflict, &paint(RED, "!"));
    }
}

/// A conflict as people read it in a plan: `! RESOURCE: REASON`, then how to resolve it.
pub(crate) fn write_conflict(out: &mut String, conflict: &Conflict, mark: &str) {
    let _ = writeln!(
        out,
        "  {mark} {}: {}\n      {}",
        conflict.resource,
        conflict.reason,
        message::prefixed(Level::Hint, &conflict.hint)
    );
}

fn kind(action: &Action) -> &'static str {
    match action {
        Action::CreateSamlProvider { .. }
        | Action::CreateRole { .. }
        | Action::CreatePolicy { .. }
        | Action::CreateUser { .. }
        | Action::CreateGroup { .. } => "create",
        Action::DeleteSamlProvider { .. }
        | Action::DeletePolicy { .. }
        | Action::DeleteRole { .. }
        | Action::DeleteUser { .. }
        | Action::DeleteGroup { .. } => "delete",
        _ => "update",
    }
}

/// A line diff (longest common subsequence) of the two documents' pretty JSON.
fn diff_lines(
    out: &mut String,
    before: &PolicyDocument,
    after: &PolicyDocument,
    paint: &dyn Fn(&str, &str) -> String,
) {
    let a: Vec<String> = super::normalize::canonical(before, false)
        .to_json_pretty()
        .lines()
        .map(str::to_owned)
        .collect();
    let b: Vec<String> = super::normalize::canonical(after, false)
        .to_json_pretty()
        .lines()
        .map(str::to_owned)
        .collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "        {}", a[i]);
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = writeln!(out, "      {}", paint(GREEN, &format!("+ {}", b[j])));
            j += 1;
        } else {
            let _ = writeln!(out, "      {}", paint(RED, &format!("- {}", a[i])));
            i += 1;
        }
    }
}
