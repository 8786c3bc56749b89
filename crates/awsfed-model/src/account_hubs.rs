//! Hub per team: an account belongs to a hub (its own `hub:`, else the deepest `topology.ou_hubs`
//! entry above its OU), and only that hub's groups may be granted it in hub-and-spoke.
//!
//! Why this is a validation rule and not a compiler choice: a spoke role trusts the hub roles of
//! the groups granted it, so a group of hub B granted an account of hub A would silently make
//! hub B's account a way into team A's. Refusing the grant keeps each team's spokes reachable
//! only through the team's own hub.
//!
//! Hubs that share an account cannot separate teams: a spoke trust too long to list hub roles
//! names the hub account narrowed by `ArnLike aws:PrincipalArn` to the hub path ("IAM JSON policy
//! elements: Condition operators", IAM User Guide), which admits every hub role in that account,
//! whichever team it serves. So once accounts name hubs, each hub needs its own account.

use std::collections::BTreeMap;

use crate::identity_center::by_deepest_ou;
use crate::message::NamingMessage;
use crate::model::{Account, Hub, HubIndex, Model, TopologyKind};
use crate::raw::RawModel;
use crate::resolve::ou_path;
use crate::selector::closest;
use crate::{Diagnostic, Diagnostics, Spanned};

/// Sets [`Account::hub`] from each account's `hub:` or from `topology.ou_hubs`.
pub(crate) fn assign(raw: &RawModel, accounts: &mut [Account], hubs: &[Hub], d: &mut Diagnostics) {
    let mut by_ou: Vec<(String, HubIndex)> = Vec::new();
    for (ou, hub) in &raw.topology.ou_hubs {
        let path = ou_path(ou, d);
        if let (Some(path), Some(hub)) = (path, hub_named(hub, hubs, d)) {
            by_ou.push((path, hub));
        }
    }
    // `accounts` is built from `raw.accounts` in order, one entry each.
    for (account, written) in accounts.iter_mut().zip(raw.accounts.values()) {
        account.hub = match &written.hub {
            Some(hub) => hub_named(hub, hubs, d),
            None => by_deepest_ou(&by_ou, account.ou.as_deref()),
        };
    }
}

pub(crate) fn hub_named(
    name: &Spanned<String>,
    hubs: &[Hub],
    d: &mut Diagnostics,
) -> Option<HubIndex> {
    if let Some(index) = hubs.iter().position(|h| h.name == name.value) {
        return Some(index);
    }
    d.push(
        Diagnostic::of(&NamingMessage::UnknownHub {
            hub: name.value.clone(),
            closest: closest(&name.value, hubs.iter().map(|h| h.name.as_str())).map(str::to_owned),
        })
        .at(name.span),
    );
    None
}

/// Cross-hub grants, and hubs sharing an account once accounts name hubs.
pub(crate) fn check(model: &Model, d: &mut Diagnostics) {
    if !model.accounts.iter().any(|a| a.hub.is_some()) {
        return;
    }
    check_cross_hub_grants(model, d);
    check_shared_hub_accounts(model, d);
}

fn check_cross_hub_grants(model: &Model, d: &mut Diagnostics) {
    for group in &model.groups {
        let Some(group_hub) = group.hub else { continue };
        for grant in &group.grants {
            let crossing: Vec<(&Account, HubIndex)> = grant
                .accounts
                .iter()
                .map(|&a| &model.accounts[a])
                .filter(|a| a.topology == TopologyKind::HubAndSpoke)
                .filter_map(|a| a.hub.filter(|&h| h != group_hub).map(|h| (a, h)))
                .collect();
            let Some(&(first, first_hub)) = crossing.first() else {
                continue;
            };
            let hub = |h: HubIndex| model.hubs[h].name.as_str();
            let set = &model.permission_sets[grant.permission_set].name;
            d.push(
                Diagnostic::of(&NamingMessage::CrossHubGrant {
                    group: group.name.clone(),
                    group_hub: hub(group_hub).to_owned(),
                    set: set.clone(),
                    account: first.name.clone(),
                    account_hub: hub(first_hub).to_owned(),
                    crossing: crossing.len(),
                    others: crossing[1..]
                        .iter()
                        .take(5)
                        .map(|(a, h)| (a.name.clone(), hub(*h).to_owned()))
                        .collect(),
                })
                .at(grant.span),
            );
        }
    }
}

fn check_shared_hub_accounts(model: &Model, d: &mut Diagnostics) {
    let mut first_hub_of: BTreeMap<usize, &Hub> = BTreeMap::new();
    for hub in &model.hubs {
        let Some(other) = first_hub_of.insert(hub.account, hub) else {
            continue;
        };
        first_hub_of.insert(hub.account, other);
        d.push(
            Diagnostic::of(&NamingMessage::SharedHubAccount {
                first: other.name.clone(),
                second: hub.name.clone(),
                account: model.accounts[hub.account].name.clone(),
            })
            .at(hub.span),
        );
    }
}
