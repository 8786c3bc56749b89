//! Paths as people and scripts read them: names instead of indices, hops with the conditions they
//! depend on; and the access graph in DOT and Mermaid.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde::Serialize;

use super::paths::{AccessPath, Analysis, HopKind, HopOutcome, UserPath};

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
    /// The principal is an IAM user (`group` is `iam-user:NAME`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_user: Option<UserView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hops: Vec<HopView>,
}

/// What a path of an IAM user adds: the user's IAM groups and how its first hop is signed.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub name: String,
    pub arn: String,
    /// The IAM groups the user is in, sorted.
    pub groups: Vec<String>,
    /// The first hop needs an MFA session; `false`: the long-term access keys alone make it.
    pub mfa: bool,
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
            iam_user: None,
            hops,
        }
    }

    /// An IAM user's path: the principal is `iam-user:NAME`; `via` is the role the user entered
    /// when the path chains on from it.
    pub fn of_user(analysis: &Analysis<'_, '_>, path: &UserPath, detailed: bool) -> Self {
        let target = analysis.estate.role(path.target);
        let user = analysis.users[path.user].user;
        let hops = if detailed {
            std::iter::once(path.first_hop)
                .chain(path.chain.iter().copied())
                .map(|h| HopView::new(&analysis.hops[h]))
                .collect()
        } else {
            Vec::new()
        };
        let mut groups = user.groups.clone();
        groups.sort();
        PathView {
            group: analysis.user_name(path),
            account_id: target.account.id.clone(),
            account_name: analysis.estate.account_name(&target.account.id),
            role_name: target.role.name.clone(),
            role_arn: target.role.arn.clone(),
            via: path
                .is_chained()
                .then(|| analysis.hops[path.first_hop].role_arn.clone()),
            through: path
                .chain
                .iter()
                .skip(1)
                .map(|&h| analysis.hops[h].from.clone())
                .collect(),
            max_session_seconds: path.max_session_seconds,
            identity_center: false,
            iam_user: Some(UserView {
                name: user.name.clone(),
                arn: user.arn.clone(),
                groups,
                mfa: path.mfa,
            }),
            hops,
        }
    }

    /// Every path of the analysis, the directory groups' then the IAM users'.
    pub fn all(analysis: &Analysis<'_, '_>, detailed: bool) -> Vec<Self> {
        analysis
            .paths
            .iter()
            .map(|p| PathView::new(analysis, p, detailed))
            .chain(
                analysis
                    .user_paths
                    .iter()
                    .map(|p| PathView::of_user(analysis, p, detailed)),
            )
            .collect()
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
        chain_edges(analysis, &path.chain, &mut nodes, &mut edges);
    }
    // IAM users: the user (a box, as a group is) → the role it entered → roles chained from it.
    for path in &analysis.user_paths {
        let user = analysis.user_name(path);
        let first = &analysis.hops[path.first_hop];
        nodes.insert((format!("user:{}", first.from), user.clone(), true));
        nodes.insert((
            format!("role:{}", first.role_arn),
            role_label(analysis, &first.role_arn),
            false,
        ));
        edges.insert((
            format!("user:{}", first.from),
            format!("role:{}", first.role_arn),
            if path.mfa {
                "AssumeRole (MFA)"
            } else {
                "AssumeRole (keys alone)"
            }
            .to_owned(),
        ));
        chain_edges(analysis, &path.chain, &mut nodes, &mut edges);
    }
    (edges.into_iter().collect(), nodes.into_iter().collect())
}

/// The nodes and edges of a path's role-chaining hops.
fn chain_edges(
    analysis: &Analysis<'_, '_>,
    chain: &[usize],
    nodes: &mut BTreeSet<Node>,
    edges: &mut BTreeSet<Edge>,
) {
    for &h in chain {
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
