//! The text of `migrate plan` and `migrate status`, and of the proof printed before a stage runs.
//! No colour: the same on a terminal, in a pipe and in snapshots.

use std::fmt::Write;

use awsfed_access::migration_proof::StageProof;
use awsfed_export::IdpDelta;
use awsfed_plan::migration::{AccountMigration, MigrationCost, MigrationStage};

use super::plan::MigrationPlan;
use super::stage::path_text;
use super::status::AccountStatus;

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn hours(seconds: u32) -> String {
    let minutes = seconds / 60;
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h}h"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h{m:02}m"),
    }
}

/// Left-aligned columns, two spaces apart.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut out = String::from(" ");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(&format!(" {cell}"));
            } else {
                out.push_str(&format!(" {cell:<w$} "));
            }
        }
        format!("{}\n", out.trim_end())
    };
    let mut out = line(header.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

/// How long the old path stays in use after the switch, for each way the moving accounts are left.
fn switch_window_text(out: &mut String, accounts: &[AccountMigration], cost: &MigrationCost) {
    // Only out of hub-and-spoke is the old path chained; out of Identity Center it is a portal
    // session, out of direct a SAML session straight into the role.
    let any_leaves_hub = accounts
        .iter()
        .any(|a| a.from == awsfed_model::TopologyKind::HubAndSpoke);
    if any_leaves_hub {
        let _ = writeln!(
            out,
            "Switch window: a session that chains into a moving account lasts at most {} (role chaining), so the old path is in use for {} after the IdP switch{}; wait that long before the contract stage.",
            hours(cost.switch_window_seconds),
            hours(cost.switch_window_seconds),
            if cost.old_entry_session_seconds > 0 {
                format!(
                    "; a hub session (up to {}) can chain again until the contract stage removes the old path",
                    hours(cost.old_entry_session_seconds)
                )
            } else {
                String::new()
            }
        );
    }
    if cost.direct_session_seconds > 0 {
        // "AssumeRoleWithSAML", AWS STS API Reference: a SAML session lasts what the sign-in asks
        // for (the IdP's SessionDuration attribute), up to the role's maximum session duration.
        let _ = writeln!(
            out,
            "Switch window leaving direct: a session signed in with SAML straight into a role lasts up to the role's maximum session duration (up to {} here), so the old path is in use for {} after the IdP switch; wait that long before the contract stage.",
            hours(cost.direct_session_seconds),
            hours(cost.direct_session_seconds),
        );
    }
    if cost.identity_center_session_seconds > 0 {
        // "Set session duration", IAM Identity Center User Guide: the permission set's session
        // duration (1 to 12 hours) sets how long a portal session into the account lasts.
        let _ = writeln!(
            out,
            "Switch window leaving Identity Center: a session signed in through the access portal lasts its permission set's session duration (up to {} here), so the old path is in use for {} after users stop using the portal; wait that long before the contract stage.",
            hours(cost.identity_center_session_seconds),
            hours(cost.identity_center_session_seconds),
        );
    }
}

pub fn plan_text(view: &MigrationPlan<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Migration: {} between topologies; next stage: {}",
        plural(view.accounts.len(), "account"),
        view.next_stage
    );
    let rows: Vec<Vec<String>> = view
        .accounts
        .iter()
        .map(|a| {
            vec![
                a.account_name.clone(),
                a.account_id.clone(),
                a.from.as_str().to_owned(),
                a.to.as_str().to_owned(),
                a.stage.label().to_owned(),
            ]
        })
        .collect();
    out.push_str(&table(&["account", "id", "from", "to", "stage"], &rows));
    out.push_str("\nStages:\n");
    for (i, stage) in view.cost.stages.iter().enumerate() {
        let done = match (stage.stage.as_str(), view.stage) {
            ("expand", Some(MigrationStage::Expanded | MigrationStage::Switched))
            | ("switch", Some(MigrationStage::Switched)) => " (done)",
            _ => "",
        };
        let identity_center = match stage.identity_center_changes {
            0 => String::new(),
            n => format!(", {}", plural(n, "Identity Center change")),
        };
        let _ = writeln!(
            out,
            "  {}. {:<8}  {}{identity_center}, {}{done}",
            i + 1,
            stage.stage,
            plural(stage.iam_changes, "IAM change"),
            plural(stage.idp_changes, "IdP change"),
        );
    }
    switch_window_text(&mut out, view.accounts, &view.cost);
    out.push_str("\nIdP changes at the switch (as `awsfed export idp` writes them):\n");
    out.push_str(&delta_text(&view.switch_delta));
    out.push_str(&super::portal::portal_text(&view.access_portal));
    let _ = writeln!(
        out,
        "\nNext stage ({}): {}",
        view.next_stage,
        if view.next_plan.is_empty() {
            "no IAM changes".to_owned()
        } else {
            plural(view.next_plan.change_count(), "change")
        }
    );
    out.push_str(&awsfed_plan::render_text(view.next_plan, false));
    if let Some(proof) = view.proof {
        out.push('\n');
        out.push_str(&proof_text(view.next_stage, proof));
    }
    out
}

pub fn delta_text(delta: &IdpDelta) -> String {
    let mut out = String::new();
    if delta.is_empty() {
        out.push_str("  none\n");
        return out;
    }
    for group in &delta.groups {
        let _ = writeln!(out, "  group {}", group.group);
        for (sign, label, values) in [
            ('+', "Role value", &group.add_role_values),
            ('-', "Role value", &group.remove_role_values),
            ('+', "Okta group", &group.add_okta_groups),
            ('-', "Okta group", &group.remove_okta_groups),
            ('+', "Entra app role", &group.add_app_roles),
            ('-', "Entra app role", &group.remove_app_roles),
        ] {
            for value in values {
                let _ = writeln!(out, "    {sign} {label} {value}");
            }
        }
    }
    for (label, values) in [
        ("Okta groups to create", &delta.okta_groups_to_create),
        (
            "Okta groups no group needs any more",
            &delta.okta_groups_to_delete,
        ),
        (
            "Entra app roles to remove",
            &delta.entra_app_roles_to_remove,
        ),
    ] {
        if !values.is_empty() {
            let _ = writeln!(out, "  {label}: {}", values.join(", "));
        }
    }
    if !delta.entra_app_roles_to_add.is_empty() {
        let names: Vec<&str> = delta
            .entra_app_roles_to_add
            .iter()
            .filter_map(|r| r["displayName"].as_str())
            .collect();
        let _ = writeln!(
            out,
            "  Entra app roles to add (ids as entra-app-roles.json): {}",
            names.join(", ")
        );
    }
    if let Some(settings) = &delta.okta_settings {
        let _ = writeln!(
            out,
            "  Okta: set Group Filter {} and Role Value Pattern {}",
            settings.group_filter, settings.role_value_pattern
        );
    }
    out
}

pub fn proof_text(stage: &str, proof: &StageProof) -> String {
    let mut out = format!(
        "Proof of the {stage} stage ({} in the old model, {} in the new):\n",
        plural(proof.old_paths, "path"),
        plural(proof.new_paths, "path")
    );
    for check in &proof.checks {
        let verdict = if check.missing.is_empty() && check.unintended.is_empty() {
            "every intended path, nothing else".to_owned()
        } else {
            format!(
                "{} missing, {} unintended",
                check.missing.len(),
                check.unintended.len()
            )
        };
        let _ = writeln!(
            out,
            "  {}: {}: {verdict}",
            check.idp.label(),
            plural(check.paths, "path")
        );
        for key in &check.missing {
            let _ = writeln!(out, "    missing {}", path_text(key));
        }
        for key in &check.unintended {
            let _ = writeln!(out, "    unintended {}", path_text(key));
        }
    }
    out
}

pub fn status_text(stage: Option<MigrationStage>, rows: &[AccountStatus]) -> String {
    let Some(stage) = stage else {
        return "No migration: every account is deployed in the model's topology.\n".to_owned();
    };
    let mut out = format!(
        "Migration of {}: {}\n",
        plural(rows.len(), "account"),
        stage.label()
    );
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.account_name.clone(),
                r.account_id.clone(),
                format!("{} → {}", r.from, r.to),
                r.stage.to_owned(),
                r.working_paths.to_owned(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["account", "id", "move", "stage", "paths that work"],
        &rows,
    ));
    out
}

#[cfg(test)]
mod tests {
    use awsfed_model::TopologyKind;

    use super::*;

    fn moving(from: TopologyKind) -> AccountMigration {
        AccountMigration {
            account_id: "222222222222".to_owned(),
            account_name: "prod".to_owned(),
            from,
            to: TopologyKind::HubAndSpoke,
            stage: MigrationStage::Planned,
        }
    }

    /// The switch window as `migrate plan` states it when accounts leave direct (its roles' longest
    /// maximum session, 8h here), alone and beside accounts leaving hub-and-spoke (role chaining).
    #[test]
    fn the_switch_window_names_each_way_the_accounts_leave() {
        let cost = MigrationCost {
            stages: Vec::new(),
            switch_window_seconds: 3600,
            old_entry_session_seconds: 3600,
            identity_center_session_seconds: 0,
            direct_session_seconds: 8 * 3600,
        };
        let text = |from: &[TopologyKind]| {
            let accounts: Vec<AccountMigration> = from.iter().map(|f| moving(*f)).collect();
            let mut out = String::new();
            switch_window_text(&mut out, &accounts, &cost);
            out
        };
        let direct = text(&[TopologyKind::Direct]);
        insta::assert_snapshot!(direct, @"Switch window leaving direct: a session signed in with SAML straight into a role lasts up to the role's maximum session duration (up to 8h here), so the old path is in use for 8h after the IdP switch; wait that long before the contract stage.");
        let both = text(&[TopologyKind::HubAndSpoke, TopologyKind::Direct]);
        insta::assert_snapshot!(both, @r"
        Switch window: a session that chains into a moving account lasts at most 1h (role chaining), so the old path is in use for 1h after the IdP switch; a hub session (up to 1h) can chain again until the contract stage removes the old path; wait that long before the contract stage.
        Switch window leaving direct: a session signed in with SAML straight into a role lasts up to the role's maximum session duration (up to 8h here), so the old path is in use for 8h after the IdP switch; wait that long before the contract stage.
        ");
    }
}
