//! Paths as people and scripts read them: names instead of indices, hops with the conditions they
//! depend on; and the access graph in DOT and Mermaid.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Serialize;

use super::paths::{AccessPath, Analysis, HopKind, HopOutcome};

#[derive(Debug, Clone, Serialize)]
pub struct PathView {
    pub group: String,
    pub account_id: String,
    pub account_name: String,
    pub role_name: String,
    pub role_arn: String,
    /// The role entered with SAML when the path chains (the hub role).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The roles between `via` and the role reached, when the path chains more than once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<String>,
    pub max_session_seconds: u32,
    /// Identity Center signs the group in (its own SAML provider in the account), not the IdP.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub identity_center: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hops: Vec<HopView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HopView {
    pub kind: HopKind,
    pub from: String,
    pub role_arn: String,
    pub actions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    pub conditions: Vec<String>,
    /// The statements that allowed each action.
    pub statements: Vec<String>,
}

impl HopView {
    fn new(hop: &HopOutcome) -> Self {
        let mut actions = Vec::new();
        let mut statements = Vec::new();
        for check in &hop.checks {
            if !actions.contains(&check.action) {
                actions.push(check.action.clone());
            }
            for s in &check.statements {
                if !statements.contains(s) {
                    statements.push(s.clone());
                }
            }
        }
        HopView {
            kind: hop.kind,
            from: hop.from.clone(),
            role_arn: hop.role_arn.clone(),
            actions,
            audiences: hop.audiences_allowed.clone(),
            conditions: hop.conditions().into_iter().map(str::to_owned).collect(),
            statements,
        }
    }
}

impl PathView {
    /// `detailed` adds the hops with their conditions.
    pub fn new(analysis: &Analysis<'_, '_>, path: &AccessPath, detailed: bool) -> Self {
        let target = analysis.estate.role(path.target);
        let hops = if detailed {
            std::iter::once(path.saml_hop)
                .chain(path.chain.iter().copied())
                .map(|h| HopView::new(&analysis.hops[h]))
                .collect()
        } else {
            Vec::new()
        };
        PathView {
            group: analysis.mapping.groups[path.group].name.clone(),
            account_id: target.account.id.clone(),
            account_name: analysis.estate.account_name(&target.account.id),
            role_name: target.role.name.clone(),
            role_arn: target.role.arn.clone(),
            via: path
                .is_chained()
                .then(|| analysis.hops[path.saml_hop].role_arn.clone()),
            through: path
                .chain
                .iter()
                .skip(1)
                .map(|&h| analysis.hops[h].from.clone())
                .collect(),
            max_session_seconds: path.max_session_seconds,
            identity_center: crate::identity_center::is_identity_center_provider(
                &analysis.hops[path.saml_hop].from,
            ),
            hops,
        }
    }
}

impl PathView {
    /// An IAM user's hop as a path: the principal is `iam-user:NAME`, the session the role's full
    /// length (a session from `GetSessionToken` is no role chaining).
    pub fn for_user(
        estate: &crate::Estate<'_>,
        hop: &crate::iam_users::UserHop,
        detailed: bool,
    ) -> Self {
        let target = estate.role(hop.target);
        PathView {
            group: crate::iam_users::principal_name(&hop.user),
            account_id: target.account.id.clone(),
            account_name: estate.account_name(&target.account.id),
            role_name: target.role.name.clone(),
            role_arn: target.role.arn.clone(),
            via: None,
            through: Vec::new(),
            max_session_seconds: target.role.max_session_duration,
            identity_center: false,
            hops: if detailed {
                vec![HopView::new(&hop.hop)]
            } else {
                Vec::new()
            },
        }
    }
}

fn role_label(analysis: &Analysis<'_, '_>, arn: &str) -> String {
    match analysis.estate.role_index(arn) {
        Some(i) => {
            let r = analysis.estate.role(i);
            format!(
                "{}/{}",
                analysis.estate.account_name(&r.account.id),
                r.role.name
            )
        }
        None => arn.to_owned(),
    }
}

/// (from node, to node, label).
type Edge = (String, String, String);
/// (node id, label, is a group).
type Node = (String, String, bool);

/// Edges of the graph, sorted, and the nodes with their labels.
fn edges(analysis: &Analysis<'_, '_>) -> (Vec<Edge>, Vec<Node>) {
    let mut edges = BTreeSet::new();
    let mut nodes = BTreeSet::new();
    for path in &analysis.paths {
        let group = &analysis.mapping.groups[path.group].name;
        let saml = &analysis.hops[path.saml_hop];
        nodes.insert((format!("group:{group}"), group.clone(), true));
        nodes.insert((
            format!("role:{}", saml.role_arn),
            role_label(analysis, &saml.role_arn),
            false,
        ));
        edges.insert((
            format!("group:{group}"),
            format!("role:{}", saml.role_arn),
            "SAML".to_owned(),
        ));
        for &h in &path.chain {
            let hop = &analysis.hops[h];
            nodes.insert((
                format!("role:{}", hop.role_arn),
                role_label(analysis, &hop.role_arn),
                false,
            ));
            edges.insert((
                format!("role:{}", hop.from),
                format!("role:{}", hop.role_arn),
                "AssumeRole".to_owned(),
            ));
        }
    }
    (edges.into_iter().collect(), nodes.into_iter().collect())
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The access graph in Graphviz DOT: groups as boxes, roles as ellipses.
pub fn graph_dot(analysis: &Analysis<'_, '_>) -> String {
    let (edges, nodes) = edges(analysis);
    let mut out = String::from("digraph access {\n  rankdir=LR;\n");
    for (id, label, group) in &nodes {
        let _ = writeln!(
            out,
            "  {} [label={}, shape={}];",
            quote(id),
            quote(label),
            if *group { "box" } else { "ellipse" }
        );
    }
    for (from, to, label) in &edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            quote(from),
            quote(to),
            quote(label)
        );
    }
    out.push_str("}\n");
    out
}

/// The access graph as a Mermaid flowchart. Node ids are numbered (Mermaid ids cannot hold ARNs).
pub fn graph_mermaid(analysis: &Analysis<'_, '_>) -> String {
    let (edges, nodes) = edges(analysis);
    let index = |id: &str| nodes.iter().position(|(n, _, _)| n == id).unwrap_or(0);
    let mut out = String::from("flowchart LR\n");
    for (i, (_, label, group)) in nodes.iter().enumerate() {
        let label = label.replace('"', "#quot;");
        if *group {
            let _ = writeln!(out, "  n{i}[\"{label}\"]");
        } else {
            let _ = writeln!(out, "  n{i}([\"{label}\"])");
        }
    }
    for (from, to, label) in &edges {
        let _ = writeln!(out, "  n{} -->|{label}| n{}", index(from), index(to));
    }
    out
}
