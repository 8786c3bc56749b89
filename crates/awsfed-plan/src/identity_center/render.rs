//! The Identity Center part of `render_text`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::IdentityCenterPlan;

/// Writes the instance's changes, conflicts and drift; adds its change kinds to `totals`.
pub(crate) fn render_identity_center(
    out: &mut String,
    plan: &IdentityCenterPlan,
    totals: &mut BTreeMap<&'static str, usize>,
    paint: &dyn Fn(&str, &str) -> String,
    colors: [&str; 3],
) {
    let [green, red, yellow] = colors;
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for change in &plan.changes {
        *counts.entry(change.action.kind()).or_default() += 1;
        *totals.entry(change.action.kind()).or_default() += 1;
    }
    if plan.changes.is_empty() && plan.conflicts.is_empty() {
        let _ = writeln!(
            out,
            "No changes: Identity Center {} matches the model.",
            plan.instance_arn
        );
        return;
    }
    let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} to {k}")).collect();
    let _ = writeln!(
        out,
        "identity center {} ({}): {}",
        plan.instance_arn,
        plan.region,
        if summary.is_empty() {
            "no changes".to_owned()
        } else {
            summary.join(", ")
        }
    );
    let mut step = None;
    for change in &plan.changes {
        if step != Some(change.step) {
            step = Some(change.step);
            let _ = writeln!(out, "  [{}]", change.step.label());
        }
        let (sign, code) = match change.action.kind() {
            "create" => ("+", green),
            "delete" => ("-", red),
            _ => ("~", yellow),
        };
        let _ = writeln!(out, "  {} {}", paint(code, sign), change.action.summary());
    }
    for conflict in &plan.conflicts {
        crate::render::write_conflict(out, conflict, &paint(red, "!"));
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(
            out,
            "\nDrift in Identity Center (changed outside awsfed; apply puts it back and provisions it):"
        );
        for drift in &plan.drift {
            let _ = writeln!(
                out,
                "  permission set {}: {}",
                drift.permission_set,
                drift.what.join(", ")
            );
        }
    }
}
