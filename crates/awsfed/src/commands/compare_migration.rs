//! The migration part of `awsfed compare`: what moving the model as written to each topology
//! costs, stage by stage, from the planner `migrate` uses.

use std::fmt::Write;

use awsfed_model::{Model, TopologyKind};
use awsfed_plan::migration::{MigrationCost, cost_between};
use serde::Serialize;

/// Moving every account of the model to one topology.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationFigures {
    pub to: TopologyKind,
    /// Accounts whose topology changes.
    pub accounts_moving: usize,
    /// `None` when the model cannot be moved there (the reason is in `not_possible`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<MigrationCost>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_possible: Option<String>,
}

/// The staged migrations of every account to hub-and-spoke, to direct, and (when the model names an
/// Identity Center instance) to Identity Center.
pub fn migration_figures(model: &Model) -> Vec<MigrationFigures> {
    // Without a SAML IdP there is no direct topology; IAM-user models are not deployed yet.
    if model.identity_provider.is_none() || model.iam_users.is_some() {
        return Vec::new();
    }
    let caller = awsfed_aws::Caller {
        account_id: String::new(),
        arn: String::new(),
    };
    let options = crate::commands::deploy::plan_options(model, &caller);
    let mut targets = vec![TopologyKind::HubAndSpoke, TopologyKind::Direct];
    if model.identity_center.is_some() {
        targets.push(TopologyKind::IdentityCenter);
    }
    targets
        .into_iter()
        .map(|to| {
            let mut moved = model.clone();
            for account in &mut moved.accounts {
                account.topology = to;
            }
            let delta = awsfed_export::idp_delta(
                &awsfed_compile::compile(model),
                &awsfed_compile::compile(&moved),
                awsfed_export::RoleValueOrder::RoleFirst,
            );
            match cost_between(model, &moved, &options, delta.change_count()) {
                Ok((accounts_moving, cost)) => MigrationFigures {
                    to,
                    accounts_moving,
                    cost: Some(cost),
                    not_possible: None,
                },
                Err(e) => MigrationFigures {
                    to,
                    accounts_moving: 0,
                    cost: None,
                    not_possible: Some(e.to_string()),
                },
            }
        })
        .collect()
}

/// The rows `compare` prints under the topology table.
pub fn migration_text(figures: &[MigrationFigures]) -> String {
    let mut out = String::new();
    if figures.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nmoving the model as written, in stages (IAM changes as `apply` makes them; IdP changes at the switch):"
    );
    let row = |out: &mut String, label: &str, cell: &dyn Fn(&MigrationFigures) -> String| {
        let mut line = format!("{label:34}");
        for figure in figures {
            let _ = write!(line, "  {:>24}", cell(figure));
        }
        let _ = writeln!(out, "{line}");
    };
    row(&mut out, "", &|f| format!("to {}", f.to.as_str()));
    row(&mut out, "accounts moving", &|f| {
        f.accounts_moving.to_string()
    });
    for (i, stage) in ["expand", "switch", "contract"].into_iter().enumerate() {
        row(&mut out, &format!("  {}. {stage}", i + 1), &|f| {
            let Some(cost) = &f.cost else {
                return "(not possible)".to_owned();
            };
            let found = cost.stages.iter().find(|s| s.stage == stage);
            let Some(s) = found else {
                return "0 IAM".to_owned();
            };
            let mut text = format!("{} IAM", s.iam_changes);
            if s.identity_center_changes > 0 {
                let _ = write!(text, ", {} IC", s.identity_center_changes);
            }
            if s.idp_changes > 0 {
                let _ = write!(text, ", {} IdP", s.idp_changes);
            }
            text
        });
    }
    row(&mut out, "  switch window", &|f| match &f.cost {
        Some(cost) if f.accounts_moving > 0 => {
            awsfed_model::duration::format_duration(cost.window_seconds())
        }
        _ => "-".to_owned(),
    });
    for f in figures {
        if let Some(reason) = &f.not_possible {
            let _ = writeln!(out, "  to {}: {reason}", f.to.as_str());
        }
    }
    if figures.len() < 3 {
        let _ = writeln!(
            out,
            "Moving to Identity Center is compared when the model names an instance (`identity_center:`)."
        );
    } else {
        let _ = writeln!(
            out,
            "IC: Identity Center changes (permission sets, provisioning, account assignments)."
        );
    }
    out
}
