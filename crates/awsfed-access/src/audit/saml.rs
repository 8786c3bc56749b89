//! Rules about the SAML hop: the trust statements that admit `sts:AssumeRoleWithSAML`, the IdP's
//! Role values and the providers' metadata.

use awsfed_model::defaults;
use awsfed_policy::{Decision, Statement, parse_date_millis};

use super::support::{Findings, Scope, allows, saml_providers};
use crate::{RoleRef, arn_account};

/// Trust statements that admit `sts:AssumeRoleWithSAML` from a SAML provider, with the providers.
/// Identity Center writes and keeps the trusts of its reserved roles (its own provider, the global
/// audience its assertions carry): nothing there is for a user to fix, so they are left out.
fn saml_statements<'s>(
    scope: &Scope<'_, '_, 's>,
) -> impl Iterator<Item = (RoleRef<'s>, usize, &'s Statement, Vec<&'s str>)> {
    scope
        .trust_statements()
        .filter_map(|(r, index, statement)| {
            let providers = saml_providers(statement);
            if providers
                .iter()
                .any(|p| crate::identity_center::is_identity_center_provider(p))
            {
                return None;
            }
            (!providers.is_empty() && allows(statement, "sts:assumerolewithsaml"))
                .then_some((r, index, statement, providers))
        })
}

/// `provider-other-account`.
pub(super) fn provider_other_account(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    for (r, index, _, providers) in saml_statements(scope) {
        let account = r.account.id.as_str();
        for provider in providers {
            if arn_account(provider) != Some(account) {
                findings.push(
                    "provider-other-account",
                    account,
                    r.role.arn.clone(),
                    Some(index),
                    format!(
                        "role `{}` trusts SAML provider `{provider}` of another account; AssumeRoleWithSAML only accepts a provider in the role's own account",
                        r.role.name
                    ),
                    format!("create the provider in account {account} and name it in the trust"),
                );
            }
        }
    }
}

/// The `SAML:aud` values a statement's string conditions accept.
fn audiences(statement: &Statement) -> Vec<&str> {
    statement
        .condition
        .iter()
        .filter(|(op, _)| op.to_ascii_lowercase().starts_with("string"))
        .flat_map(|(_, k)| k.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case("saml:aud"))
        .flat_map(|(_, v)| v.iter())
        .collect()
}

/// `saml-aud-missing`.
pub(super) fn saml_aud_missing(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let global = defaults::GLOBAL_SIGN_IN_AUDIENCE;
    for (r, index, statement, _) in saml_statements(scope) {
        if audiences(statement).is_empty() {
            findings.push(
                "saml-aud-missing",
                &r.account.id,
                r.role.arn.clone(),
                Some(index),
                format!(
                    "role `{}` accepts SAML assertions without checking SAML:aud",
                    r.role.name
                ),
                format!(
                    "add \"StringEquals\": {{\"SAML:aud\": [\"{global}\", …regional endpoints your users sign in through]}}"
                ),
            );
        }
    }
}

/// `saml-aud-global-only`.
pub(super) fn saml_aud_global_only(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let global = defaults::GLOBAL_SIGN_IN_AUDIENCE;
    for (r, index, statement, _) in saml_statements(scope) {
        let audiences = audiences(statement);
        if !audiences.is_empty()
            && audiences
                .iter()
                .filter(|a| awsfed_policy::is_sign_in_endpoint(a))
                .all(|a| *a == global)
            // The browser listener's audience (`browser_sign_in`) is no AWS endpoint: next to the
            // global one alone, regional sign-in still fails.
            && audiences.contains(&global)
        {
            findings.push(
                "saml-aud-global-only",
                &r.account.id,
                r.role.arn.clone(),
                Some(index),
                format!(
                    "role `{}` accepts only the global sign-in endpoint: sign-in through a regional endpoint (https://REGION.signin.aws.amazon.com/saml) fails",
                    r.role.name
                ),
                "list the regional endpoints your users sign in through in SAML:aud".into(),
            );
        }
    }
}

/// `orphan-role`.
pub(super) fn orphan_role(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    for (r, index, _, _) in saml_statements(scope) {
        if !scope.saml_roles.contains(r.role.arn.as_str()) {
            findings.push(
                "orphan-role",
                &r.account.id,
                r.role.arn.clone(),
                Some(index),
                format!(
                    "role `{}` trusts the SAML provider but no IdP Role value names it",
                    r.role.name
                ),
                "give a directory group its Role value, or delete the role".into(),
            );
        }
    }
}

/// `broken-mapping`: Role values that lead nowhere.
pub(super) fn broken_mapping(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let analysis = scope.analysis;
    for (group, pair, hop) in &analysis.broken {
        let group_name = &analysis.mapping.groups[*group].name;
        let (message, fix) = match hop {
            None => (
                format!(
                    "group `{group_name}` receives Role value `{}`, but the role does not exist",
                    pair.role_arn
                ),
                "create the role, or remove the value from the group's IdP assignment".to_owned(),
            ),
            Some(h) => {
                let hop = &analysis.hops[*h];
                let why = hop
                    .checks
                    .iter()
                    .find(|c| c.decision != Decision::Allow)
                    .and_then(|c| c.missing.clone())
                    .unwrap_or_else(|| "denied".into());
                (
                    format!("group `{group_name}` receives Role value `{}` but its users cannot enter the role through `{}`: {why}", pair.role_arn, pair.provider_arn),
                    "make the role's trust allow sts:AssumeRoleWithSAML from this provider (with the audiences users sign in through), or fix the IdP value".to_owned(),
                )
            }
        };
        findings.push(
            "broken-mapping",
            arn_account(&pair.role_arn).unwrap_or_default(),
            format!("{group_name} → {},{}", pair.role_arn, pair.provider_arn),
            None,
            message,
            fix,
        );
    }
}

/// `metadata-expiring`: provider metadata about to expire, or expired.
pub(super) fn metadata_expiring(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let now_millis = scope.now_millis;
    for account in &scope.analysis.estate.snapshot.accounts {
        for provider in &account.saml_providers {
            let Some(until) = provider.valid_until.as_deref().and_then(parse_date_millis) else {
                continue;
            };
            let days = (until - now_millis).div_euclid(86_400_000);
            if days >= 30 {
                continue;
            }
            let valid_until = provider.valid_until.as_deref().unwrap_or("");
            let mut message = if until <= now_millis {
                format!(
                    "SAML provider `{}` metadata expired on {valid_until}: IAM rejects its assertions",
                    provider.name
                )
            } else {
                format!(
                    "SAML provider `{}` metadata expires in {days} days ({valid_until})",
                    provider.name
                )
            };
            message.push_str("; sign-in through it stops then");
            findings.push(
                "metadata-expiring",
                &account.id,
                provider.arn.clone(),
                None,
                message,
                "rotate the IdP signing certificate: replace the metadata file and run `awsfed apply`".into(),
            );
        }
    }
}
