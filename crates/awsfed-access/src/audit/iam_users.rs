//! The IAM-users hub's rules: users who reach a role without MFA, IAM group policies that allow
//! more than the model grants, and access keys older than the model allows.

use std::collections::BTreeSet;

use awsfed_policy::{Caller, Decision, Policy, PolicyKind, PolicyRefs, Request};

use super::support::{Findings, Scope};
use crate::iam_users::{SignIn, UserRef, user_context, user_identity};
use crate::paths::resource_context;

/// How many roles a finding names before it counts the rest.
const ROLES_SHOWN: usize = 3;

/// A user who reaches a role with its long-term keys alone, by its own hop or chaining on from
/// the role that hop enters ("Configure MFA-protected API access", IAM User Guide: without
/// `aws:MultiFactorAuthPresent` nothing stops a leaked key). The analysis tries the keys alone
/// first, so a path signed without MFA is one the keys make.
pub(super) fn iam_user_without_mfa(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let analysis = scope.analysis;
    for path in analysis.user_paths.iter().filter(|p| !p.mfa) {
        let UserRef { account, user } = analysis.users[path.user];
        let role = &analysis.estate.role(path.target).role.arn;
        let through = if path.is_chained() {
            format!(" (through `{}`)", analysis.hops[path.first_hop].role_arn)
        } else {
            String::new()
        };
        findings.push(
            "iam-user-without-mfa",
            &account.id,
            format!("{} → {role}", user.arn),
            None,
            format!(
                "IAM user `{}` reaches `{role}`{through} with its long-term access keys alone: nothing on the path requires MFA",
                user.name
            ),
            "require MFA on the path: `Bool aws:MultiFactorAuthPresent true` in the role's trust and the user's group policy, as awsfed writes them for every user not marked `mfa: false` (keep such users' keys sealed)".to_owned(),
        );
    }
}

/// An IAM group whose own policies allow `sts:AssumeRole` on a role the model does not grant its
/// directory group (or any role, for a group the model does not have). Decided by the group's
/// policies alone, for a member signed in with MFA: what a trust admitting the member would let
/// through ("Policy evaluation logic": a user's permissions include its groups').
pub(super) fn iam_group_policy_wider(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let analysis = scope.analysis;
    let estate = analysis.estate;
    let Some(intent) = analysis.mapping.intent.as_ref() else {
        return;
    };
    let Some(users) = intent.iam_users.as_ref() else {
        return;
    };
    let Ok(anyone) = Policy::parse(
        "any-principal#trust",
        PolicyKind::Trust,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"}]}"#,
    ) else {
        return;
    };
    for account in &estate.snapshot.accounts {
        for group in &account.groups {
            let member = awsfed_snapshot::UserSnapshot {
                name: "member".to_owned(),
                path: group.path.clone(),
                arn: format!(
                    "arn:{}:iam::{}:user{}member",
                    awsfed_policy::Arn::partition_of(&group.arn),
                    account.id,
                    group.path
                ),
                groups: vec![group.name.clone()],
                managed_policy_arns: Vec::new(),
                inline_policies: Default::default(),
                tags: Default::default(),
                credentials: None,
            };
            let identity = user_identity(estate, account, &member);
            let directory_group = users.groups.get(&group.name);
            let mut wider = BTreeSet::new();
            // The group's policies alone. In the group's own account an identity policy that
            // allows is enough (no trust given); across accounts the trust must allow too, so one
            // that admits anyone stands in ("Cross-account policy evaluation logic").
            let alone = PolicyRefs {
                identity: &identity.policies,
                ..PolicyRefs::default()
            };
            let across = PolicyRefs {
                identity: &identity.policies,
                resource: Some(&anyone),
                ..PolicyRefs::default()
            };
            for role in &estate.roles {
                let sign_in = SignIn {
                    mfa: true,
                    source_identity: true,
                };
                let mut context = user_context(estate, account, &member, "sts:AssumeRole", sign_in);
                resource_context(estate, &mut context, &role.account.id);
                let request =
                    Request::new(Caller::parse(&member.arn), "sts:AssumeRole", &role.role.arn)
                        .with_resource_account(&role.account.id)
                        .with_context(context);
                let set = if role.account.id == account.id {
                    &alone
                } else {
                    &across
                };
                if awsfed_policy::evaluate_refs(&request, set).decision != Decision::Allow {
                    continue;
                }
                if directory_group.is_some_and(|g| intent.grants(g, &role.role.arn)) {
                    continue;
                }
                wider.insert(role.role.arn.as_str());
            }
            if wider.is_empty() {
                continue;
            }
            let mut named: Vec<&str> = wider.iter().take(ROLES_SHOWN).copied().collect();
            if wider.len() > ROLES_SHOWN {
                named.push("…");
            }
            findings.push(
                "iam-group-policy-wider",
                &account.id,
                group.arn.clone(),
                None,
                format!(
                    "IAM group `{}` may assume {} role{} the model does not grant {}: {}",
                    group.name,
                    wider.len(),
                    if wider.len() == 1 { "" } else { "s" },
                    directory_group.map_or_else(|| "any group (it is not the model's)".to_owned(), |g| format!("directory group `{g}`")),
                    named.join(", ")
                ),
                "remove the statements that allow more (awsfed's `GROUP-users-assume` policies name exactly the granted roles; `awsfed apply` puts them back and detaches others)".to_owned(),
            );
        }
    }
}

/// Access keys older than `iam_users.access_key_max_age_days` ("Rotate access keys", IAM User
/// Guide). Their age comes from `iam:ListAccessKeys`, which `scan` reads (metadata only).
pub(super) fn access_key_too_old(scope: &Scope<'_, '_, '_>, findings: &mut Findings) {
    let analysis = scope.analysis;
    let Some(limit) = analysis
        .mapping
        .intent
        .as_ref()
        .and_then(|i| i.iam_users.as_ref())
        .map(|u| u.access_key_max_age_days)
    else {
        return;
    };
    const DAY_MILLIS: i64 = 86_400_000;
    for account in &analysis.estate.snapshot.accounts {
        for user in &account.users {
            let keys = user.credentials.iter().flat_map(|c| &c.access_keys);
            for key in keys {
                let Some(created) = awsfed_policy::parse_date_millis(&key.created) else {
                    continue;
                };
                let days = (scope.now_millis - created) / DAY_MILLIS;
                if days <= i64::from(limit) {
                    continue;
                }
                findings.push(
                    "access-key-too-old",
                    &account.id,
                    format!("{} key {}", user.arn, key.id),
                    None,
                    format!(
                        "access key {} of IAM user `{}` ({}) is {days} days old; the model allows {limit}",
                        key.id,
                        user.name,
                        key.status.to_ascii_lowercase()
                    ),
                    "the user creates a new key, moves to it, then deletes the old one (`aws iam create-access-key`, `aws iam delete-access-key`); awsfed never touches a user's keys".to_owned(),
                );
            }
        }
    }
}
