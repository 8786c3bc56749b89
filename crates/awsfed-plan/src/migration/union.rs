//! The state of an expand stage: what two desired states deploy, together.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_compile::{
    DesiredAccount, DesiredPolicy, DesiredRole, DesiredState, RoleKind, narrowed_to_hub_path,
};
use awsfed_policy::{PolicyDocument, Principal, Statement, StringList, iam_size};

/// Both states at once, account by account: every SAML provider, role and policy of either; a
/// role in both trusts what either trusts (the new statements first) and holds the policies of
/// both. A policy in both keeps the old document: the two models differ only in the topology of
/// the migrating accounts, so the old hub policy grants what the new one grants and the migrating
/// accounts besides. The groups (the IdP side) are the new state's; Identity Center holds the
/// permission sets and assignments of both.
pub fn union_states(old: &DesiredState, new: &DesiredState) -> DesiredState {
    let old_accounts: BTreeMap<&str, &DesiredAccount> =
        old.accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    let into_hub = moves_into_a_hub(old, new);
    let mut accounts: Vec<DesiredAccount> = new
        .accounts
        .iter()
        .map(|account| match old_accounts.get(account.id.as_str()) {
            Some(old) => union_account(old, account, into_hub),
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
        identity_center: super::identity_center::union_identity_center(
            old.identity_center.as_ref(),
            new.identity_center.as_ref(),
        ),
        ..new.clone()
    }
}

/// Whether a spoke role of `new` is not one in `old` (an account moving into hub-and-spoke): only
/// then does a hub policy of the new state grant what the old one does not.
fn moves_into_a_hub(old: &DesiredState, new: &DesiredState) -> bool {
    let spokes = |state: &DesiredState| -> BTreeSet<String> {
        state
            .accounts
            .iter()
            .flat_map(|a| &a.roles)
            .filter(|r| matches!(r.kind, RoleKind::Spoke { .. }))
            .map(|r| r.arn.clone())
            .collect()
    };
    !spokes(new).is_subset(&spokes(old))
}

fn union_account(old: &DesiredAccount, new: &DesiredAccount, into_hub: bool) -> DesiredAccount {
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
        // Moving out of hub-and-spoke only, the old document grants all the new one does, in
        // the form it has deployed; merging documents of different forms (the old one naming
        // accounts the new one no longer lists) would only grow it past the quota.
        let merged = match policies.get(&policy.name) {
            Some(newer) if into_hub => union_policy(policy, newer),
            _ => policy.clone(),
        };
        policies.insert(policy.name.clone(), merged);
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

/// A hub policy in both states: the old document, with the resources the new one grants that the
/// old does not added to its statement of the same effect, actions and conditions (a statement
/// without one is added whole). Moving out of a hub the new policy grants less and the old one
/// stands; moving into one (from direct or Identity Center) the new spokes are granted beside the
/// old, or the new path would not work before the contract stage.
fn union_policy(old: &DesiredPolicy, new: &DesiredPolicy) -> DesiredPolicy {
    let mut statements = old.document.statement.clone();
    let mut grew = false;
    for statement in &new.document.statement {
        let same_but_resources = |s: &&mut Statement| {
            Statement {
                resource: None,
                ..(**s).clone()
            } == Statement {
                resource: None,
                ..statement.clone()
            }
        };
        match statements.iter_mut().find(same_but_resources) {
            Some(found) => {
                let (Some(have), Some(want)) = (&mut found.resource, &statement.resource) else {
                    continue;
                };
                for resource in &want.0 {
                    if !have.0.contains(resource) {
                        have.0.push(resource.clone());
                        grew = true;
                    }
                }
            }
            None => {
                statements.push(statement.clone());
                grew = true;
            }
        }
    }
    if !grew {
        return old.clone();
    }
    DesiredPolicy {
        document: PolicyDocument::new(statements),
        ..old.clone()
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

/// Trusts of the union past the trust policy quota take the compact form: a statement admitting
/// hub roles one by one admits their hub accounts narrowed to the hub path instead
/// ([`awsfed_compile::narrowed_to_hub_path`], the rule `compile` and the hub move use). An expand
/// trust is the SAML provider's statements beside the hub roles', so an account whose exact list
/// alone nearly fills the quota would otherwise be held back by the quota check. A trust that still
/// does not fit is left for that check.
pub fn fit_trusts(state: &mut DesiredState, hub_role_path: &str, quota: usize) {
    for role in state.accounts.iter_mut().flat_map(|a| &mut a.roles) {
        if iam_size(&role.trust_policy) <= quota {
            continue;
        }
        let compact: Vec<Statement> = role
            .trust_policy
            .statement
            .iter()
            .map(|s| {
                aws_role_arns(s)
                    .and_then(|arns| narrowed_to_hub_path(s, arns, hub_role_path))
                    .unwrap_or_else(|| s.clone())
            })
            .collect();
        let compact = PolicyDocument::new(compact);
        if iam_size(&compact) < iam_size(&role.trust_policy) {
            role.trust_policy = compact;
        }
    }
}

/// The role ARNs a statement admits as its only principal, when it has no `aws:PrincipalArn`
/// narrowing already.
fn aws_role_arns(statement: &Statement) -> Option<&StringList> {
    let Some(Principal::Typed(principals)) = &statement.principal else {
        return None;
    };
    let narrowed = statement
        .condition
        .values()
        .any(|keys| keys.contains_key("aws:PrincipalArn"));
    match (principals.len(), principals.get("AWS")) {
        (1, Some(arns)) if !narrowed && arns.iter().all(|a| a.contains(":role/")) => Some(arns),
        _ => None,
    }
}
