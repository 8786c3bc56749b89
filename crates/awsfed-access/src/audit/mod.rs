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
//! - `access-escalation`: a path (of any number of AssumeRole hops) to a role the model does not
//!   grant the group (or an IAM user's groups); without a model, a path of two or more AssumeRole
//!   hops. A trust that admits a
//!   role by account or pattern admits every session of it, and that session's policies decide
//!   where it goes next ("Cross-account policy evaluation logic").
//! - `unowned-role-under-path`: a role under awsfed's path without its managed tag: trusts that
//!   match awsfed's roles by path admit it too.
//! - `metadata-expiring`: IAM rejects assertions once the provider's metadata (its signing
//!   certificate) has expired ("SAML identity providers": ValidUntil).
//! - `iam-user-without-mfa`: an IAM user reaches a role with its long-term keys alone (by its own
//!   hop or chaining on), so a leaked key is enough ("Configure MFA-protected API access").
//! - `iam-group-policy-wider`: an IAM group's policies allow assuming roles the model does not
//!   grant its directory group ("Policy evaluation logic": a user holds its groups' permissions).
//! - `access-key-too-old`: an IAM user's access key is older than `iam_users.access_key_max_age_days`
//!   ("Rotate access keys").

mod escalation;
mod hops;
mod iam_users;
mod saml;
mod support;
mod trust;

use std::fmt;

use serde::Serialize;

use crate::Analysis;
use support::{Findings, Scope};

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

/// A rule: its id, severity, a one-line description and the check that finds it.
#[derive(Clone, Copy, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    #[serde(skip)]
    check: fn(&Scope<'_, '_, '_>, &mut Findings),
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .field("severity", &self.severity)
            .field("title", &self.title)
            .finish_non_exhaustive()
    }
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "trust-account-root",
        severity: Severity::High,
        title: "A trust names a whole account without narrowing conditions",
        check: trust::trust_account_root,
    },
    Rule {
        id: "trust-organization",
        severity: Severity::High,
        title: "A trust admits every principal of an organisation (or everyone) without narrowing conditions",
        check: trust::trust_organization,
    },
    Rule {
        id: "hub-assume-any",
        severity: Severity::Critical,
        title: "A role entered with SAML may assume any role",
        check: hops::hub_assume_any,
    },
    Rule {
        id: "spoke-trust-unbound",
        severity: Severity::Medium,
        title: "A role assumed from SAML sessions does not bind the session to the federated user",
        check: hops::spoke_trust_unbound,
    },
    Rule {
        id: "saml-aud-missing",
        severity: Severity::High,
        title: "A SAML trust does not check SAML:aud",
        check: saml::saml_aud_missing,
    },
    Rule {
        id: "saml-aud-global-only",
        severity: Severity::Low,
        title: "A SAML trust accepts only the global sign-in endpoint",
        check: saml::saml_aud_global_only,
    },
    Rule {
        id: "broken-mapping",
        severity: Severity::High,
        title: "An IdP Role value leads to a role its users cannot enter",
        check: saml::broken_mapping,
    },
    Rule {
        id: "orphan-role",
        severity: Severity::Low,
        title: "A role trusts the SAML provider but no IdP Role value reaches it",
        check: saml::orphan_role,
    },
    Rule {
        id: "missing-session-action",
        severity: Severity::High,
        title: "A hop lacks sts:SetSourceIdentity or sts:TagSession the IdP needs",
        check: hops::missing_session_action,
    },
    Rule {
        id: "chained-session-too-long",
        severity: Severity::Low,
        title: "A role reached by role chaining asks for sessions over one hour",
        check: hops::chained_session_too_long,
    },
    Rule {
        id: "mfa-unsatisfiable",
        severity: Severity::Medium,
        title: "A trust on a SAML path requires MFA, which SAML sessions never carry",
        check: trust::mfa_unsatisfiable,
    },
    Rule {
        id: "dangling-principal",
        severity: Severity::Medium,
        title: "A trust names a deleted role or user (unique id)",
        check: trust::dangling_principal,
    },
    Rule {
        id: "provider-other-account",
        severity: Severity::High,
        title: "A trust names a SAML provider in another account",
        check: saml::provider_other_account,
    },
    Rule {
        id: "access-escalation",
        severity: Severity::Critical,
        title: "A group or IAM user reaches a role the model does not grant it (an escalation through role chaining)",
        check: escalation::access_escalation,
    },
    Rule {
        id: "unowned-role-under-path",
        severity: Severity::High,
        title: "A role under awsfed's path that awsfed does not own",
        check: escalation::unowned_role_under_path,
    },
    Rule {
        id: "metadata-expiring",
        severity: Severity::Medium,
        title: "SAML provider metadata expires within 30 days",
        check: saml::metadata_expiring,
    },
    Rule {
        id: "iam-user-without-mfa",
        severity: Severity::Medium,
        title: "An IAM user reaches a role without MFA",
        check: iam_users::iam_user_without_mfa,
    },
    Rule {
        id: "iam-group-policy-wider",
        severity: Severity::High,
        title: "An IAM group's policies allow assuming roles the model does not grant",
        check: iam_users::iam_group_policy_wider,
    },
    Rule {
        id: "access-key-too-old",
        severity: Severity::Medium,
        title: "An IAM user's access key is older than the model allows",
        check: iam_users::access_key_too_old,
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

/// The audit of an analysed estate: every rule of [`RULES`] in turn. `now_millis` is the time
/// metadata expiry is measured from.
pub fn audit(analysis: &Analysis<'_, '_>, now_millis: i64) -> Vec<Finding> {
    let scope = Scope::new(analysis, now_millis);
    let mut findings = Findings::default();
    for rule in RULES {
        (rule.check)(&scope, &mut findings);
    }
    let mut findings = findings.0;
    findings.sort();
    findings.dedup();
    // Highest severity first, then by place.
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.cmp(b)));
    findings
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
