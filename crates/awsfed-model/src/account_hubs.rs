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
use crate::model::{Account, Hub, HubIndex, Model, TopologyKind};
use crate::raw::RawModel;
use crate::resolve::ou_path;
use crate::selector::closest;
use crate::{Code, Diagnostic, Diagnostics, Spanned};

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
    let mut diagnostic = Diagnostic::error(
        Code::UnknownHub,
        format!("no hub is named `{}`", name.value),
    )
    .at(name.span);
    diagnostic = match closest(&name.value, hubs.iter().map(|h| h.name.as_str())) {
        Some(close) => diagnostic.help(format!("did you mean `{close}`?")),
        None => diagnostic
            .help("name the hubs under `topology.hubs` (with `hub_account`, the hub is `default`)"),
    };
    d.push(diagnostic);
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
            let others: Vec<String> = crossing[1..]
                .iter()
                .take(5)
                .map(|(a, h)| format!("`{}` (hub `{}`)", a.name, hub(*h)))
                .collect();
            let more = match crossing.len() - 1 {
                0 => String::new(),
                n if n > others.len() => {
                    format!("; also {} and {} more", others.join(", "), n - others.len())
                }
                _ => format!("; also {}", others.join(", ")),
            };
            d.push(
                Diagnostic::error(
                    Code::CrossHubGrant,
                    format!(
                        "group `{}` federates through hub `{}` but is granted `{set}` in account `{}`, which belongs to hub `{}`{more}",
                        group.name,
                        hub(group_hub),
                        first.name,
                        hub(first_hub),
                    ),
                )
                .at(grant.span)
                .help(format!(
                    "people reach an account only through its own hub: grant `{set}` in `{}` to a group of hub `{}` (`hub: {}` on the group) instead, move the account to hub `{}` (`hub:` on the account or `topology.ou_hubs`), or make it `topology: direct`",
                    first.name,
                    hub(first_hub),
                    hub(first_hub),
                    hub(group_hub),
                )),
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
            Diagnostic::error(
                Code::SharedHubAccount,
                format!(
                    "hubs `{}` and `{}` are both in account `{}`, but accounts belong to hubs: a spoke trust narrowed to the hub path admits every hub role of that account, so one team's people could enter the other's accounts",
                    other.name, hub.name, model.accounts[hub.account].name
                ),
            )
            .at(hub.span)
            .help("give each team's hub an account of its own, or remove `hub:` from the accounts and `topology.ou_hubs`"),
        );
    }
}
