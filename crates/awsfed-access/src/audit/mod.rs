//! Audit findings: federation mistakes an estate (a snapshot, or the state a model deploys) and
//! its IdP mapping make, each with a severity, where it is, and how to fix it.
//!
//! The rules and the AWS behaviour behind them (IAM User Guide unless noted):
//! - `trust-account-root`, `trust-organization`: a trust naming an account (root) or everyone in
//!   an organisation delegates to every principal there whose own policy allows
//!   `sts:AssumeRole` ("Cross-account policy evaluation logic"), unless a condition narrows it.
//! - `hub-assume-any`: a role entered with SAML that may assume any role anywhere.
//! - `spoke-trust-unbound`: a role assumed from a SAML session without a condition binding the
//!   session to the federated user (SourceIdentity, or the session name): anyone with the hub
//!   role, under any session name, gets in ("Monitor and control actions taken with assumed roles").
//! - `saml-aud-missing`, `saml-aud-global-only`: `SAML:aud` is the assertion's Recipient; without
//!   it any assertion from the IdP for any service provider passes; pinned to the global endpoint
//!   only, regional sign-in fails ("Configure SAML assertions for the authentication response").
//! - `broken-mapping`: an IdP Role value whose SAML hop is denied or whose role does not exist.
//! - `orphan-role`: a role trusting a SAML provider that no IdP Role value reaches.
//! - `missing-session-action`: a hop that may assume but not `sts:SetSourceIdentity` /
//!   `sts:TagSession` while the IdP sends them: the sign-in fails ("Source identity", "Passing
//!   session tags in AWS STS").
//! - `chained-session-too-long`: role chaining caps the session at one hour ("Role chaining").
//! - `mfa-unsatisfiable`: SAML federated sessions carry no `aws:MultiFactorAuthPresent`, so an MFA
//!   condition in their path never holds ("AWS global condition context keys").
//! - `dangling-principal`: IAM shows a unique id (`AROA…`, `AIDA…`) in place of a deleted role or
//!   user; it matches nothing, and a recreated role is not trusted again ("IAM identifiers").
//! - `provider-other-account`: `AssumeRoleWithSAML` only accepts a provider in the role's account.
//! - `metadata-expiring`: IAM rejects assertions once the provider's metadata (its signing
//!   certificate) has expired ("SAML identity providers": ValidUntil).

use std::collections::BTreeSet;
use std::fmt;

use awsfed_model::defaults;
use awsfed_policy::{Decision, Effect, PolicyDocument, Principal, Statement, parse_date_millis};
use serde::Serialize;

use crate::{Analysis, HopKind, arn_account};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// A rule: its id, severity and a one-line description.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "trust-account-root",
        severity: Severity::High,
        title: "A trust names a whole account without narrowing conditions",
    },
    Rule {
        id: "trust-organization",
        severity: Severity::High,
        title: "A trust admits every principal of an organisation (or everyone) without narrowing conditions",
    },
    Rule {
        id: "hub-assume-any",
        severity: Severity::Critical,
        title: "A role entered with SAML may assume any role",
    },
    Rule {
        id: "spoke-trust-unbound",
        severity: Severity::Medium,
        title: "A role assumed from SAML sessions does not bind the session to the federated user",
    },
    Rule {
        id: "saml-aud-missing",
        severity: Severity::High,
        title: "A SAML trust does not check SAML:aud",
    },
    Rule {
        id: "saml-aud-global-only",
        severity: Severity::Low,
        title: "A SAML trust accepts only the global sign-in endpoint",
    },
    Rule {
        id: "broken-mapping",
        severity: Severity::High,
        title: "An IdP Role value leads to a role its users cannot enter",
    },
    Rule {
        id: "orphan-role",
        severity: Severity::Low,
        title: "A role trusts the SAML provider but no IdP Role value reaches it",
    },
    Rule {
        id: "missing-session-action",
        severity: Severity::High,
        title: "A hop lacks sts:SetSourceIdentity or sts:TagSession the IdP needs",
    },
    Rule {
        id: "chained-session-too-long",
        severity: Severity::Low,
        title: "A role reached by role chaining asks for sessions over one hour",
    },
    Rule {
        id: "mfa-unsatisfiable",
        severity: Severity::Medium,
        title: "A trust on a SAML path requires MFA, which SAML sessions never carry",
    },
    Rule {
        id: "dangling-principal",
        severity: Severity::Medium,
        title: "A trust names a deleted role or user (unique id)",
    },
    Rule {
        id: "provider-other-account",
        severity: Severity::High,
        title: "A trust names a SAML provider in another account",
    },
    Rule {
        id: "metadata-expiring",
        severity: Severity::Medium,
        title: "SAML provider metadata expires within 30 days",
    },
];

pub fn rule(id: &str) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.id == id)
        .expect("rule ids are listed in RULES")
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: &'static str,
    pub account_id: String,
    /// The role, provider or IdP value concerned (an ARN, or `group → value`).
    pub location: String,
    /// Statement index in the trust, when the finding is about one statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
    pub message: String,
    pub fix: String,
}

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
const BINDING_KEYS: &[&str] = &[
    "aws:userid",
    "aws:sourceidentity",
    "sts:sourceidentity",
    "sts:rolesessionname",
];
const MFA_KEYS: &[&str] = &["aws:multifactorauthpresent", "aws:multifactorauthage"];

fn condition_keys(statement: &Statement) -> BTreeSet<String> {
    statement
        .condition
        .values()
        .flat_map(|keys| keys.keys())
        .map(|k| k.to_ascii_lowercase())
        .collect()
}

fn has_any(keys: &BTreeSet<String>, wanted: &[&str]) -> bool {
    keys.iter()
        .any(|k| wanted.contains(&k.as_str()) || k.starts_with("aws:principaltag/"))
}

fn actions(statement: &Statement) -> Vec<String> {
    statement
        .action
        .iter()
        .flat_map(|a| a.iter())
        .map(|a| a.to_ascii_lowercase())
        .collect()
}

fn allows(statement: &Statement, action: &str) -> bool {
    statement.effect == Effect::Allow
        && actions(statement)
            .iter()
            .any(|a| awsfed_policy::wildcard_match(a, action))
}

fn principals<'d>(statement: &'d Statement, kind: &str) -> Vec<&'d str> {
    match &statement.principal {
        Some(Principal::Any(_)) if kind == "AWS" => vec!["*"],
        Some(Principal::Typed(map)) => map
            .iter()
            .filter(|(k, _)| k.as_str() == kind)
            .flat_map(|(_, v)| v.iter())
            .collect(),
        _ => Vec::new(),
    }
}

/// The audit of an analysed estate. `now_millis` is the time metadata expiry is measured from.
pub fn audit(analysis: &Analysis<'_, '_>, now_millis: i64) -> Vec<Finding> {
    let estate = analysis.estate;
    let mapping = analysis.mapping;
    let mut findings = Vec::new();
    let mut push = |id: &'static str,
                    account: &str,
                    location: String,
                    statement: Option<usize>,
                    message: String,
                    fix: String| {
        findings.push(Finding {
            severity: rule(id).severity,
            rule: id,
            account_id: account.to_owned(),
            location,
            statement,
            message,
            fix,
        });
    };
    let saml_roles: BTreeSet<&str> = mapping
        .groups
        .iter()
        .flat_map(|g| g.roles.iter().map(|r| r.role_arn.as_str()))
        .collect();
    let saml_accounts: BTreeSet<&str> = saml_roles.iter().filter_map(|a| arn_account(a)).collect();
    let global = defaults::GLOBAL_SIGN_IN_AUDIENCE;

    for role_ref in &estate.roles {
        let role = role_ref.role;
        let account = role_ref.account.id.as_str();
        let trust: &PolicyDocument = &role.trust_policy;
        for (index, statement) in trust.statement.iter().enumerate() {
            let keys = condition_keys(statement);
            let aws = principals(statement, "AWS");
            let federated = principals(statement, "Federated");
            // Trusts naming whole accounts or everyone.
            if allows(statement, "sts:assumerole") && !has_any(&keys, NARROWING_KEYS) {
                for principal in &aws {
                    if *principal == "*" {
                        let org = keys.contains("aws:principalorgid");
                        push(
                            "trust-organization",
                            account,
                            role.arn.clone(),
                            Some(index),
                            if org {
                                format!("role `{}` trusts every principal of the organisation (aws:PrincipalOrgID only)", role.name)
                            } else {
                                format!("role `{}` trusts every AWS principal (\"*\")", role.name)
                            },
                            "name the exact role ARNs, or add ArnLike aws:PrincipalArn for the roles that may assume it".into(),
                        );
                    } else if principal.ends_with(":root")
                        || (principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()))
                    {
                        push(
                            "trust-account-root",
                            account,
                            role.arn.clone(),
                            Some(index),
                            format!("role `{}` trusts account `{principal}` as a whole: any principal there whose own policy allows sts:AssumeRole gets in", role.name),
                            "name the exact role ARNs, or add ArnLike aws:PrincipalArn narrowed to the roles that may assume it".into(),
                        );
                    }
                }
            }
            for principal in aws.iter().chain(federated.iter()) {
                let id = principal.trim();
                if id.len() > 12
                    && (id.starts_with("AROA") || id.starts_with("AIDA"))
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                {
                    push(
                        "dangling-principal",
                        account,
                        role.arn.clone(),
                        Some(index),
                        format!(
                            "role `{}` trusts `{id}`, the unique id IAM leaves when the named role or user was deleted; it matches nobody",
                            role.name
                        ),
                        "remove the id from the trust, or name the recreated role's ARN again"
                            .into(),
                    );
                }
            }
            let saml_provider: Vec<&str> = federated
                .iter()
                .copied()
                .filter(|p| p.contains(":saml-provider/"))
                .collect();
            if !saml_provider.is_empty() && allows(statement, "sts:assumerolewithsaml") {
                for provider in &saml_provider {
                    if arn_account(provider) != Some(account) {
                        push(
                            "provider-other-account",
                            account,
                            role.arn.clone(),
                            Some(index),
                            format!(
                                "role `{}` trusts SAML provider `{provider}` of another account; AssumeRoleWithSAML only accepts a provider in the role's own account",
                                role.name
                            ),
                            format!(
                                "create the provider in account {account} and name it in the trust"
                            ),
                        );
                    }
                }
                let audiences: Vec<&str> = statement
                    .condition
                    .iter()
                    .filter(|(op, _)| op.to_ascii_lowercase().starts_with("string"))
                    .flat_map(|(_, k)| k.iter())
                    .filter(|(key, _)| key.eq_ignore_ascii_case("saml:aud"))
                    .flat_map(|(_, v)| v.iter())
                    .collect();
                if audiences.is_empty() {
                    push(
                        "saml-aud-missing",
                        account,
                        role.arn.clone(),
                        Some(index),
                        format!(
                            "role `{}` accepts SAML assertions without checking SAML:aud",
                            role.name
                        ),
                        format!(
                            "add \"StringEquals\": {{\"SAML:aud\": [\"{global}\", …regional endpoints your users sign in through]}}"
                        ),
                    );
                } else if audiences
                    .iter()
                    .filter(|a| awsfed_model::is_sign_in_endpoint(a))
                    .all(|a| *a == global)
                    // The browser listener's audience (`browser_sign_in`) is no AWS endpoint: next
                    // to the global one alone, regional sign-in still fails.
                    && audiences.contains(&global)
                {
                    push(
                        "saml-aud-global-only",
                        account,
                        role.arn.clone(),
                        Some(index),
                        format!(
                            "role `{}` accepts only the global sign-in endpoint: sign-in through a regional endpoint (https://REGION.signin.aws.amazon.com/saml) fails",
                            role.name
                        ),
                        "list the regional endpoints your users sign in through in SAML:aud".into(),
                    );
                }
                if !saml_roles.contains(role.arn.as_str()) {
                    push(
                        "orphan-role",
                        account,
                        role.arn.clone(),
                        Some(index),
                        format!(
                            "role `{}` trusts the SAML provider but no IdP Role value names it",
                            role.name
                        ),
                        "give a directory group its Role value, or delete the role".into(),
                    );
                }
            }
            // MFA on a SAML path: the SAML statement itself, or a trust of SAML-entered roles.
            let on_saml_path = !saml_provider.is_empty()
                || aws.iter().any(|p| {
                    saml_roles.contains(p)
                        || (p.ends_with(":root")
                            && arn_account(p).is_some_and(|a| saml_accounts.contains(a)))
                });
            if on_saml_path && statement.effect == Effect::Allow && has_any_exact(&keys, MFA_KEYS) {
                push(
                    "mfa-unsatisfiable",
                    account,
                    role.arn.clone(),
                    Some(index),
                    format!("role `{}` requires MFA in its trust, but SAML federated sessions carry no aws:MultiFactorAuthPresent: the condition never holds", role.name),
                    "enforce MFA in the IdP and remove the MFA condition (or bind on SAML attributes instead)".into(),
                );
            }
        }
        // Hub roles that may assume anything.
        if saml_roles.contains(role.arn.as_str()) {
            let index = estate.role_index(&role.arn).expect("estate role");
            for document in estate.identity_documents(index) {
                for statement in &document.statement {
                    let any_role = statement
                        .resource
                        .iter()
                        .flat_map(|r| r.iter())
                        .any(|r| r == "*" || r.ends_with(":role/*") && r.contains("::*:"))
                        || statement.not_resource.is_some();
                    // `"Action": "*"` is an administrator role, not a hub: only statements
                    // that name STS actions are about assuming roles.
                    let names_sts = actions(statement).iter().any(|a| a.starts_with("sts:"));
                    if allows(statement, "sts:assumerole")
                        && names_sts
                        && any_role
                        && statement.condition.is_empty()
                    {
                        push(
                            "hub-assume-any",
                            account,
                            role.arn.clone(),
                            None,
                            format!("role `{}` is entered with SAML and may assume any role in any account", role.name),
                            "allow sts:AssumeRole on the exact role ARNs the group is granted (awsfed's hub policies do)".into(),
                        );
                    }
                }
            }
        }
    }

    // Mapping values that lead nowhere.
    for (group, pair, hop) in &analysis.broken {
        let group_name = &mapping.groups[*group].name;
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
        push(
            "broken-mapping",
            arn_account(&pair.role_arn).unwrap_or_default(),
            format!("{group_name} → {},{}", pair.role_arn, pair.provider_arn),
            None,
            message,
            fix,
        );
    }

    // Hops that may assume but fail on the session actions; unbound chained trusts.
    let mut seen = BTreeSet::new();
    for hop in &analysis.hops {
        let account = arn_account(&hop.role_arn).unwrap_or_default().to_owned();
        let assume_ok = hop
            .checks
            .iter()
            .filter(|c| c.action.starts_with("sts:AssumeRole"))
            .any(|c| c.decision == Decision::Allow);
        for check in hop
            .checks
            .iter()
            .filter(|c| !c.action.starts_with("sts:AssumeRole") && c.decision != Decision::Allow)
        {
            if assume_ok
                && seen.insert((hop.role_arn.clone(), hop.from.clone(), check.action.clone()))
            {
                push(
                    "missing-session-action",
                    &account,
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
        if hop.kind == HopKind::AssumeRole && hop.allowed {
            let assume = &hop.checks[0];
            let bound = assume.conditions.iter().any(|c| {
                let key = c
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                BINDING_KEYS.contains(&key.as_str())
            });
            if !bound && seen.insert((hop.role_arn.clone(), String::new(), "unbound".into())) {
                push(
                    "spoke-trust-unbound",
                    &account,
                    hop.role_arn.clone(),
                    None,
                    format!("`{}` is assumed from SAML sessions of `{}` without a condition binding the session to the federated user", hop.role_arn, hop.from),
                    "add \"Null\": {\"sts:SourceIdentity\": \"false\"} (when the IdP sends SourceIdentity) or \"StringLike\": {\"aws:userid\": \"*:${sts:RoleSessionName}\"} to the trust".into(),
                );
            }
        }
    }

    // Chained targets asking for more than an hour.
    let mut chained: BTreeSet<usize> = BTreeSet::new();
    for path in &analysis.paths {
        if path.chained_hop.is_some() {
            chained.insert(path.target);
        }
    }
    for target in chained {
        let r = estate.role(target);
        if r.role.max_session_duration > defaults::CHAINED_SESSION_SECONDS {
            push(
                "chained-session-too-long",
                &r.account.id,
                r.role.arn.clone(),
                None,
                format!("role `{}` allows {} s sessions but is reached by role chaining, which caps sessions at 3600 s", r.role.name, r.role.max_session_duration),
                "set the permission set's session_duration to 1h, or make the account direct so users get the longer session".into(),
            );
        }
    }

    // Provider metadata about to expire.
    for account in &estate.snapshot.accounts {
        for provider in &account.saml_providers {
            let Some(until) = provider.valid_until.as_deref().and_then(parse_date_millis) else {
                continue;
            };
            let days = (until - now_millis).div_euclid(86_400_000);
            if days < 30 {
                let mut finding_message = if until <= now_millis {
                    format!(
                        "SAML provider `{}` metadata expired on {}: IAM rejects its assertions",
                        provider.name,
                        provider.valid_until.as_deref().unwrap_or("")
                    )
                } else {
                    format!(
                        "SAML provider `{}` metadata expires in {days} days ({})",
                        provider.name,
                        provider.valid_until.as_deref().unwrap_or("")
                    )
                };
                finding_message.push_str("; sign-in through it stops then");
                push(
                    "metadata-expiring",
                    &account.id,
                    provider.arn.clone(),
                    None,
                    finding_message,
                    "rotate the IdP signing certificate: replace the metadata file and run `awsfed apply`".into(),
                );
            }
        }
    }
    findings.sort();
    findings.dedup();
    // Highest severity first, then by place.
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.cmp(b)));
    findings
}

fn has_any_exact(keys: &BTreeSet<String>, wanted: &[&str]) -> bool {
    keys.iter().any(|k| wanted.contains(&k.as_str()))
}

/// The findings as SARIF 2.1.0, for code-scanning dashboards. `artifact` is the snapshot or model
/// file the findings are about.
pub fn sarif(findings: &[Finding], artifact: &str) -> serde_json::Value {
    use serde_json::json;
    let level = |s: Severity| match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    };
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "awsfed",
                "rules": RULES.iter().map(|r| json!({
                    "id": r.id,
                    "shortDescription": {"text": r.title},
                    "defaultConfiguration": {"level": level(r.severity)},
                    "properties": {"severity": r.severity},
                })).collect::<Vec<_>>(),
            }},
            "results": findings.iter().map(|f| json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{} Fix: {}", f.message, f.fix)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": artifact}},
                    "logicalLocations": [{
                        "fullyQualifiedName": match f.statement {
                            Some(i) => format!("{}#trust/Statement/{i}", f.location),
                            None => f.location.clone(),
                        },
                        "kind": "resource",
                    }],
                }],
                "properties": {"severity": f.severity, "account": f.account_id},
            })).collect::<Vec<_>>(),
        }],
    })
}
