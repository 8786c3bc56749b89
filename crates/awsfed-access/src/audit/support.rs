//! What the audit rules share: the analysed estate with the SAML-entered roles worked out once,
//! the findings being collected, and readers of trust statements.

use std::collections::BTreeSet;

use awsfed_policy::{Effect, Principal, Statement};

use super::{Finding, rule};
use crate::{Analysis, RoleRef, arn_account};

/// What every rule reads: the analysis, the roles IdP Role values name (entered with SAML) and
/// their accounts, and the time metadata expiry is measured from.
pub(super) struct Scope<'x, 'e, 's> {
    pub analysis: &'x Analysis<'e, 's>,
    pub saml_roles: BTreeSet<&'x str>,
    pub saml_accounts: BTreeSet<&'x str>,
    pub now_millis: i64,
}

impl<'x, 'e, 's> Scope<'x, 'e, 's> {
    pub fn new(analysis: &'x Analysis<'e, 's>, now_millis: i64) -> Self {
        let saml_roles: BTreeSet<&str> = analysis
            .mapping
            .groups
            .iter()
            .flat_map(|g| g.roles.iter().map(|r| r.role_arn.as_str()))
            .collect();
        let saml_accounts = saml_roles.iter().filter_map(|a| arn_account(a)).collect();
        Scope {
            analysis,
            saml_roles,
            saml_accounts,
            now_millis,
        }
    }

    /// Every trust statement of every role, with its index in the trust.
    pub fn trust_statements(&self) -> impl Iterator<Item = (RoleRef<'s>, usize, &'s Statement)> {
        self.analysis.estate.roles.iter().flat_map(|r| {
            let r = *r;
            r.role
                .trust_policy
                .statement
                .iter()
                .enumerate()
                .map(move |(i, s)| (r, i, s))
        })
    }
}

/// The findings collected so far; each takes its severity from [`RULES`](super::RULES).
#[derive(Default)]
pub(super) struct Findings(pub Vec<Finding>);

impl Findings {
    pub fn push(
        &mut self,
        id: &'static str,
        account: &str,
        location: String,
        statement: Option<usize>,
        message: String,
        fix: String,
    ) {
        self.0.push(Finding {
            severity: rule(id).severity,
            rule: id,
            account_id: account.to_owned(),
            location,
            statement,
            message,
            fix,
        });
    }
}

pub(super) fn condition_keys(statement: &Statement) -> BTreeSet<String> {
    statement
        .condition
        .values()
        .flat_map(|keys| keys.keys())
        .map(|k| k.to_ascii_lowercase())
        .collect()
}

/// Whether a key is in `wanted` or is a principal tag (which narrows as much as any listed key).
pub(super) fn has_any(keys: &BTreeSet<String>, wanted: &[&str]) -> bool {
    keys.iter()
        .any(|k| wanted.contains(&k.as_str()) || k.starts_with("aws:principaltag/"))
}

pub(super) fn has_any_exact(keys: &BTreeSet<String>, wanted: &[&str]) -> bool {
    keys.iter().any(|k| wanted.contains(&k.as_str()))
}

pub(super) fn actions(statement: &Statement) -> Vec<String> {
    statement
        .action
        .iter()
        .flat_map(|a| a.iter())
        .map(|a| a.to_ascii_lowercase())
        .collect()
}

pub(super) fn allows(statement: &Statement, action: &str) -> bool {
    statement.effect == Effect::Allow
        && actions(statement)
            .iter()
            .any(|a| awsfed_policy::wildcard_match(a, action))
}

pub(super) fn principals<'d>(statement: &'d Statement, kind: &str) -> Vec<&'d str> {
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

/// The SAML providers a statement names as `Federated` principals.
pub(super) fn saml_providers(statement: &Statement) -> Vec<&str> {
    principals(statement, "Federated")
        .into_iter()
        .filter(|p| p.contains(":saml-provider/"))
        .collect()
}
