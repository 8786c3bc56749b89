//! Rules about paths nobody meant: a group (or IAM user) that reaches a role the model does not
//! grant it, and
//! roles under awsfed's path that awsfed does not own (a name or path inside awsfed's is no
//! boundary: anyone allowed to create roles can use it, and a trust that matches the path by
//! pattern admits them — `ArnLike aws:PrincipalArn`, "IAM JSON policy elements: Condition
//! operators"; the principal, not the path, is what STS checks).

use std::collections::BTreeSet;

use awsfed_model::defaults;
use awsfed_plan::{is_managed_tagged, is_under_path};

use super::support::{Findings, Scope};
use crate::{AccessPath, Analysis, UserPath, arn_account};

/// `access-escalation`: with a model, every path to a role the model does not grant the group
/// (entered with SAML or by chaining);
/// without one (an IdP description), every path that needs two or more AssumeRole hops, which no
/// federation design intends. One finding per group and role, with the shortest chain. Then the
/// IAM users' paths ([`user_access_escalation`]).
pub(super) fn access_escalation(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    user_access_escalation(scope, findings);
    let analysis = scope.analysis;
    let intent = analysis.mapping.intent.as_ref();
    let mut seen = BTreeSet::new();
    for path in &analysis.paths {
        let group = analysis.mapping.groups[path.group].name.as_str();
        let target = analysis.estate.role(path.target).role;
        // The first hop that leaves what the group is meant to reach.
        let leaving = match intent {
            Some(intent) => {
                if intent.grants(group, &target.arn) {
                    continue;
                }
                // The SAML hop too: an Identity Center assignment made by hand (to a group or a
                // single user) enters a role the model never granted without any chaining.
                std::iter::once(path.saml_hop)
                    .chain(path.chain.iter().copied())
                    .find(|&h| !intent.grants(group, &analysis.hops[h].role_arn))
            }
            None => path.chain.get(1).copied(),
        };
        let Some(leaving) = leaving else {
            continue;
        };
        if !seen.insert((path.group, path.target)) {
            continue;
        }
        let hop = &analysis.hops[leaving];
        findings.push(
            "access-escalation",
            arn_account(&target.arn).unwrap_or_default(),
            format!("{group} → {}", target.arn),
            None,
            format!(
                "group `{group}` reaches `{}`, which {}: {}",
                target.arn,
                if intent.is_some() {
                    "the model does not grant it"
                } else {
                    "takes more than one role-chaining hop"
                },
                chain_text(analysis, path)
            ),
            if leaving == path.saml_hop {
                format!(
                    "remove the role value (or the Identity Center assignment) that gives `{group}` `{}`, or grant it in the model",
                    hop.role_arn
                )
            } else {
                format!(
                    "narrow the trust of `{}` so that it does not admit `{}` (name exact role ARNs; keep hub roles under a path no other role uses), or remove sts:AssumeRole on it from the policies of `{}`",
                    hop.role_arn, hop.from, hop.from
                )
            },
        );
    }
}

/// `access-escalation` for IAM users: with a model, every path to a role the model grants none of
/// the directory groups the user's IAM groups stand for; without one, every path that chains on
/// from the role the user entered. One finding per user and role, with the shortest chain.
fn user_access_escalation(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let analysis = scope.analysis;
    let intent = analysis.mapping.intent.as_ref();
    let mut seen = BTreeSet::new();
    for path in &analysis.user_paths {
        let user = analysis.users[path.user].user;
        let target = analysis.estate.role(path.target).role;
        let granted = |role: &str| {
            intent.is_some_and(|intent| {
                let groups = intent.iam_users.as_ref().map(|u| &u.groups);
                user.groups
                    .iter()
                    .filter_map(|g| groups.and_then(|groups| groups.get(g)))
                    .any(|directory_group| intent.grants(directory_group, role))
            })
        };
        let leaving = match intent {
            Some(_) => std::iter::once(path.first_hop)
                .chain(path.chain.iter().copied())
                .find(|&h| !granted(&analysis.hops[h].role_arn)),
            None => path.chain.first().copied(),
        };
        let Some(leaving) = leaving else {
            continue;
        };
        if !seen.insert((path.user, path.target)) {
            continue;
        }
        let name = &user.name;
        let hop = &analysis.hops[leaving];
        findings.push(
            "access-escalation",
            arn_account(&target.arn).unwrap_or_default(),
            format!("{} → {}", analysis.user_name(path), target.arn),
            None,
            format!(
                "IAM user `{name}` reaches `{}`, which {}: {}",
                target.arn,
                if intent.is_some() {
                    "the model grants none of its groups"
                } else {
                    "takes role chaining after the user's own AssumeRole"
                },
                user_chain_text(analysis, path)
            ),
            if leaving == path.first_hop {
                format!(
                    "narrow the trust of `{}` so that it does not admit `{}` (name the users, or require `aws:PrincipalArn` on the users' path of the groups granted), or remove sts:AssumeRole on it from the user's and its groups' policies",
                    hop.role_arn, user.arn
                )
            } else {
                format!(
                    "narrow the trust of `{}` so that it does not admit `{}` (name exact role ARNs), or remove sts:AssumeRole on it from the policies of `{}`",
                    hop.role_arn, hop.from, hop.from
                )
            },
        );
    }
}

/// `iam-user:NAME → ROLE (MFA or keys alone) → ROLE → …`, each hop with its conditions.
fn user_chain_text(analysis: &Analysis<'_, '_>, path: &UserPath) -> String {
    let first = &analysis.hops[path.first_hop];
    let mut text = format!(
        "{} → {} ({})",
        analysis.user_name(path),
        first.role_arn,
        if path.mfa { "MFA" } else { "keys alone" }
    );
    for &h in &path.chain {
        push_hop(&mut text, &analysis.hops[h]);
    }
    text
}

fn push_hop(text: &mut String, hop: &crate::HopOutcome) {
    text.push_str(&format!(" → {}", hop.role_arn));
    let conditions = hop.conditions();
    if !conditions.is_empty() {
        text.push_str(&format!(" [{}]", conditions.join("; ")));
    }
}

/// `GROUP → ROLE (SAML) → ROLE → …`, each hop with the conditions it depends on.
fn chain_text(analysis: &Analysis<'_, '_>, path: &AccessPath) -> String {
    let saml = &analysis.hops[path.saml_hop];
    let mut text = format!(
        "{} → {} (SAML)",
        analysis.mapping.groups[path.group].name, saml.role_arn
    );
    for &h in &path.chain {
        push_hop(&mut text, &analysis.hops[h]);
    }
    text
}

/// `unowned-role-under-path`: a role under awsfed's path (the model's `naming.role_path`, else the
/// default) without the `awsfed:managed=true` tag.
pub(super) fn unowned_role_under_path(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let role_path = scope
        .analysis
        .mapping
        .intent
        .as_ref()
        .map_or(defaults::ROLE_PATH, |i| i.role_path.as_str());
    for r in &scope.analysis.estate.roles {
        if is_under_path(&r.role.path, role_path) && !is_managed_tagged(&r.role.tags) {
            findings.push(
                "unowned-role-under-path",
                &r.account.id,
                r.role.arn.clone(),
                None,
                format!(
                    "role `{}` lives under awsfed's path `{role_path}` but awsfed does not own it (no awsfed:managed=true tag): trusts that admit awsfed's roles by path or name pattern may admit it",
                    r.role.name
                ),
                format!(
                    "move the role out of `{role_path}` (IAM cannot change a path: recreate it elsewhere), or delete it; reserve the path to awsfed's deploying role with an SCP"
                ),
            );
        }
    }
}
