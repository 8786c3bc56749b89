//! Rules about the hops the analysis decided: what a SAML-entered role may assume, the session
//! actions a hop needs, the binding of chained sessions and the chained session cap.

use std::collections::BTreeSet;

use awsfed_model::defaults;
use awsfed_policy::Decision;

use super::support::{Findings, Scope, actions, allows};
use crate::{HopKind, Stage, arn_account};

const BINDING_KEYS: &[&str] = &[
    "aws:userid",
    "aws:sourceidentity",
    "sts:sourceidentity",
    "sts:rolesessionname",
];

/// `hub-assume-any`: a role entered with SAML whose policies allow `sts:AssumeRole` on any role
/// in any account without a condition. `"Action": "*"` is an administrator role, not a hub: only
/// statements that name STS actions are about assuming roles.
pub(super) fn hub_assume_any(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let estate = scope.analysis.estate;
    for r in &estate.roles {
        if !scope.saml_roles.contains(r.role.arn.as_str()) {
            continue;
        }
        let index = estate.role_index(&r.role.arn).expect("estate role");
        for document in estate.identity_documents(index) {
            for statement in &document.statement {
                let any_role = statement
                    .resource
                    .iter()
                    .flat_map(|r| r.iter())
                    .any(|r| r == "*" || r.ends_with(":role/*") && r.contains("::*:"))
                    || statement.not_resource.is_some();
                let names_sts = actions(statement).iter().any(|a| a.starts_with("sts:"));
                if allows(statement, "sts:assumerole")
                    && names_sts
                    && any_role
                    && statement.condition.is_empty()
                {
                    findings.push(
                        "hub-assume-any",
                        &r.account.id,
                        r.role.arn.clone(),
                        None,
                        format!("role `{}` is entered with SAML and may assume any role in any account", r.role.name),
                        "allow sts:AssumeRole on the exact role ARNs the group is granted (awsfed's hub policies do)".into(),
                    );
                }
            }
        }
    }
}

/// Hops of the IdP's sessions: not an IAM user's own hop nor one chained from a role an IAM user
/// entered, whose SourceIdentity and session name the user chooses (and may leave out).
fn idp_hops<'a>(scope: &'a Scope<'_, '_, '_>) -> impl Iterator<Item = &'a crate::HopOutcome> {
    scope
        .analysis
        .hops
        .iter()
        .filter(|h| !matches!(h.stage, Stage::IamUser(_)))
}

/// `missing-session-action`: hops that may assume but fail on the session actions.
pub(super) fn missing_session_action(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let mut seen = BTreeSet::new();
    for hop in idp_hops(scope) {
        let assume_ok = hop
            .checks
            .iter()
            .filter(|c| c.action.starts_with("sts:AssumeRole"))
            .any(|c| c.decision == Decision::Allow);
        if !assume_ok {
            continue;
        }
        for check in hop
            .checks
            .iter()
            .filter(|c| !c.action.starts_with("sts:AssumeRole") && c.decision != Decision::Allow)
        {
            if seen.insert((&hop.role_arn, &hop.from, &check.action)) {
                findings.push(
                    "missing-session-action",
                    arn_account(&hop.role_arn).unwrap_or_default(),
                    hop.role_arn.clone(),
                    None,
                    format!(
                        "the IdP sends what needs `{}`, but `{}` does not allow it from `{}`: the sign-in fails",
                        check.action, hop.role_arn, hop.from
                    ),
                    format!(
                        "allow `{}` in the trust statement that allows the assume action (with condition keys STS supplies for it)",
                        check.action
                    ),
                );
            }
        }
    }
}

/// `spoke-trust-unbound`: an allowed chained hop whose assume decision rests on no condition that
/// binds the session to the federated user; reported once per role.
pub(super) fn spoke_trust_unbound(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let mut seen = BTreeSet::new();
    for hop in idp_hops(scope) {
        if hop.kind != HopKind::AssumeRole || !hop.allowed {
            continue;
        }
        let bound = hop.checks[0].conditions.iter().any(|c| {
            let key = c
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_ascii_lowercase();
            BINDING_KEYS.contains(&key.as_str())
        });
        if !bound && seen.insert(&hop.role_arn) {
            findings.push(
                "spoke-trust-unbound",
                arn_account(&hop.role_arn).unwrap_or_default(),
                hop.role_arn.clone(),
                None,
                format!("`{}` is assumed from SAML sessions of `{}` without a condition binding the session to the federated user", hop.role_arn, hop.from),
                "add \"Null\": {\"sts:SourceIdentity\": \"false\"} (when the IdP sends SourceIdentity) or \"StringLike\": {\"aws:userid\": \"*:${sts:RoleSessionName}\"} to the trust".into(),
            );
        }
    }
}

/// `chained-session-too-long`: chained targets asking for more than an hour.
pub(super) fn chained_session_too_long(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let estate = scope.analysis.estate;
    let chained: BTreeSet<usize> = scope
        .analysis
        .paths
        .iter()
        .filter(|p| p.is_chained())
        .map(|p| p.target)
        .collect();
    for target in chained {
        let r = estate.role(target);
        if r.role.max_session_duration > defaults::CHAINED_SESSION_SECONDS {
            findings.push(
                "chained-session-too-long",
                &r.account.id,
                r.role.arn.clone(),
                None,
                format!("role `{}` allows {} s sessions but is reached by role chaining, which caps sessions at 3600 s", r.role.name, r.role.max_session_duration),
                "set the permission set's session_duration to 1h, or make the account direct so users get the longer session".into(),
            );
        }
    }
}
