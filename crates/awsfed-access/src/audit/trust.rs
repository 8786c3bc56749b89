//! Rules about what a trust statement admits, read from the statement alone.

use awsfed_policy::Effect;

use super::support::{
    Findings, Scope, allows, condition_keys, has_any, has_any_exact, principals, saml_providers,
};
use crate::arn_account;

/// Condition keys that narrow a trust to specific principals or bind a session.
const NARROWING_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:userid",
    "aws:username",
    "aws:sourceidentity",
    "sts:sourceidentity",
    "sts:rolesessionname",
    "sts:externalid",
    "aws:principalorgpaths",
];
const MFA_KEYS: &[&str] = &["aws:multifactorauthpresent", "aws:multifactorauthage"];

/// The `AWS` principals of statements that allow `sts:AssumeRole` without a narrowing condition.
fn unnarrowed<'s>(
    scope: &Scope<'_, '_, 's>,
) -> impl Iterator<Item = (crate::RoleRef<'s>, usize, &'s str, bool)> {
    scope.trust_statements().flat_map(|(r, index, statement)| {
        let keys = condition_keys(statement);
        let open = allows(statement, "sts:assumerole") && !has_any(&keys, NARROWING_KEYS);
        let org = keys.contains("aws:principalorgid");
        let aws = if open {
            principals(statement, "AWS")
        } else {
            Vec::new()
        };
        aws.into_iter().map(move |p| (r, index, p, org))
    })
}

/// `trust-organization`: `"*"` (or `*` with only `aws:PrincipalOrgID`).
pub(super) fn trust_organization(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    for (r, index, principal, org) in unnarrowed(scope) {
        if principal != "*" {
            continue;
        }
        let role = r.role;
        findings.push(
            "trust-organization",
            &r.account.id,
            role.arn.clone(),
            Some(index),
            if org {
                format!("role `{}` trusts every principal of the organisation (aws:PrincipalOrgID only)", role.name)
            } else {
                format!("role `{}` trusts every AWS principal (\"*\")", role.name)
            },
            "name the exact role ARNs, or add ArnLike aws:PrincipalArn for the roles that may assume it".into(),
        );
    }
}

/// `trust-account-root`: an account's root ARN or bare id.
pub(super) fn trust_account_root(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    for (r, index, principal, _) in unnarrowed(scope) {
        let whole_account = principal.ends_with(":root")
            || (principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()));
        if principal == "*" || !whole_account {
            continue;
        }
        findings.push(
            "trust-account-root",
            &r.account.id,
            r.role.arn.clone(),
            Some(index),
            format!("role `{}` trusts account `{principal}` as a whole: any principal there whose own policy allows sts:AssumeRole gets in", r.role.name),
            "name the exact role ARNs, or add ArnLike aws:PrincipalArn narrowed to the roles that may assume it".into(),
        );
    }
}

/// `dangling-principal`: a unique id where IAM showed a deleted role or user.
pub(super) fn dangling_principal(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    for (r, index, statement) in scope.trust_statements() {
        let aws = principals(statement, "AWS");
        let federated = principals(statement, "Federated");
        for principal in aws.iter().chain(federated.iter()) {
            let id = principal.trim();
            if id.len() > 12
                && (id.starts_with("AROA") || id.starts_with("AIDA"))
                && id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                findings.push(
                    "dangling-principal",
                    &r.account.id,
                    r.role.arn.clone(),
                    Some(index),
                    format!(
                        "role `{}` trusts `{id}`, the unique id IAM leaves when the named role or user was deleted; it matches nobody",
                        r.role.name
                    ),
                    "remove the id from the trust, or name the recreated role's ARN again".into(),
                );
            }
        }
    }
}

/// `mfa-unsatisfiable`: an MFA condition on a SAML path — the SAML statement itself, or a trust
/// of SAML-entered roles (by ARN or by their account).
pub(super) fn mfa_unsatisfiable(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    for (r, index, statement) in scope.trust_statements() {
        let on_saml_path = !saml_providers(statement).is_empty()
            || principals(statement, "AWS").iter().any(|p| {
                scope.saml_roles.contains(p)
                    || (p.ends_with(":root")
                        && arn_account(p).is_some_and(|a| scope.saml_accounts.contains(a)))
            });
        if on_saml_path
            && statement.effect == Effect::Allow
            && has_any_exact(&condition_keys(statement), MFA_KEYS)
        {
            findings.push(
                "mfa-unsatisfiable",
                &r.account.id,
                r.role.arn.clone(),
                Some(index),
                format!("role `{}` requires MFA in its trust, but SAML federated sessions carry no aws:MultiFactorAuthPresent: the condition never holds", r.role.name),
                "enforce MFA in the IdP and remove the MFA condition (or bind on SAML attributes instead)".into(),
            );
        }
    }
}
