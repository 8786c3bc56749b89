//! The state of an expand stage: what two desired states deploy, together.

use std::collections::BTreeMap;

use awsfed_compile::{DesiredAccount, DesiredPolicy, DesiredRole, DesiredState};
use awsfed_policy::PolicyDocument;

/// Both states at once, account by account: every SAML provider, role and policy of either; a
/// role in both trusts what either trusts (the new statements first) and holds the policies of
/// both. A policy in both keeps the old document: the two models differ only in the topology of
/// the migrating accounts, so the old hub policy grants what the new one grants and the migrating
/// accounts besides. The groups (the IdP side) are the new state's.
pub fn union_states(old: &DesiredState, new: &DesiredState) -> DesiredState {
    let old_accounts: BTreeMap<&str, &DesiredAccount> =
        old.accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut accounts: Vec<DesiredAccount> = new
        .accounts
        .iter()
        .map(|account| match old_accounts.get(account.id.as_str()) {
            Some(old) => union_account(old, account),
            None => account.clone(),
        })
        .collect();
    for account in &old.accounts {
        if !new.accounts.iter().any(|a| a.id == account.id) {
            accounts.push(account.clone());
        }
    }
    accounts.sort_by(|a, b| a.name.cmp(&b.name));
    DesiredState {
        accounts,
        ..new.clone()
    }
}

fn union_account(old: &DesiredAccount, new: &DesiredAccount) -> DesiredAccount {
    let mut roles: BTreeMap<String, DesiredRole> = old
        .roles
        .iter()
        .map(|r| (r.name.clone(), r.clone()))
        .collect();
    for role in &new.roles {
        let merged = match roles.get(&role.name) {
            Some(previous) => union_role(previous, role),
            None => role.clone(),
        };
        roles.insert(role.name.clone(), merged);
    }
    let mut policies: BTreeMap<String, DesiredPolicy> = new
        .policies
        .iter()
        .map(|p| (p.name.clone(), p.clone()))
        .collect();
    for policy in &old.policies {
        policies.insert(policy.name.clone(), policy.clone());
    }
    let mut hubs = new.hubs.clone();
    hubs.extend(old.hubs.iter().filter(|h| !new.hubs.contains(h)).cloned());
    hubs.sort();
    DesiredAccount {
        hubs,
        saml_provider: new
            .saml_provider
            .clone()
            .or_else(|| old.saml_provider.clone()),
        roles: roles.into_values().collect(),
        policies: policies.into_values().collect(),
        ..new.clone()
    }
}

fn union_role(old: &DesiredRole, new: &DesiredRole) -> DesiredRole {
    let mut statements = new.trust_policy.statement.clone();
    statements.extend(
        old.trust_policy
            .statement
            .iter()
            .filter(|s| !new.trust_policy.statement.contains(s))
            .cloned(),
    );
    let mut managed = new.managed_policy_arns.clone();
    managed.extend(
        old.managed_policy_arns
            .iter()
            .filter(|arn| !new.managed_policy_arns.contains(arn))
            .cloned(),
    );
    managed.sort();
    let mut inline = old.inline_policies.clone();
    inline.extend(new.inline_policies.clone());
    DesiredRole {
        trust_policy: PolicyDocument::new(statements),
        managed_policy_arns: managed,
        inline_policies: inline,
        ..new.clone()
    }
}
