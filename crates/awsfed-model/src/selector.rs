//! Account selectors: which accounts a grant covers.

use crate::message::{AccountsMessage, GroupsMessage};
use crate::model::{Account, AccountIndex};
use crate::raw::{RawSelector, RawSelectorMatch};
use crate::{Diagnostic, Diagnostics, Span, Spanned};

/// Resolves a selector against the accounts (sorted by name). Unknown names and criteria that match
/// nothing are reported; the result is sorted and without duplicates.
pub fn select(
    selector: &Spanned<RawSelector>,
    accounts: &[Account],
    diagnostics: &mut Diagnostics,
) -> Vec<AccountIndex> {
    let mut selected: Vec<AccountIndex> = match &selector.value {
        RawSelector::One(text) if text == "*" => (0..accounts.len()).collect(),
        RawSelector::One(text) => lookup(
            &Spanned::new(text.clone(), selector.span),
            accounts,
            diagnostics,
        )
        .into_iter()
        .collect(),
        RawSelector::List(names) => names
            .iter()
            .filter_map(|name| lookup(name, accounts, diagnostics))
            .collect(),
        RawSelector::Match(criteria) => matching(criteria, selector.span, accounts, diagnostics),
    };
    selected.sort_unstable();
    selected.dedup();
    selected
}

fn matching(
    criteria: &RawSelectorMatch,
    span: Span,
    accounts: &[Account],
    diagnostics: &mut Diagnostics,
) -> Vec<AccountIndex> {
    let named: Option<Vec<AccountIndex>> = criteria.names.as_ref().map(|names| {
        names
            .iter()
            .filter_map(|name| lookup(name, accounts, diagnostics))
            .collect()
    });
    for (key, values) in &criteria.tags {
        let any = accounts.iter().any(|a| {
            a.tags
                .get(&key.value)
                .is_some_and(|v| values.value.contains(v))
        });
        if !any {
            diagnostics.push(
                Diagnostic::of(&GroupsMessage::NoAccountWithTag {
                    key: key.value.clone(),
                })
                .at(key.span),
            );
        }
    }
    if let Some(ous) = &criteria.ous {
        for ou in ous {
            if !accounts.iter().any(|a| in_ou(a, &ou.value)) {
                diagnostics.push(
                    Diagnostic::of(&GroupsMessage::NoAccountInOu {
                        ou: ou.value.clone(),
                    })
                    .at(ou.span),
                );
            }
        }
    }
    let excluded = criteria
        .exclude
        .as_ref()
        .map(|exclude| select(exclude, accounts, diagnostics))
        .unwrap_or_default();
    let selected: Vec<AccountIndex> = (0..accounts.len())
        .filter(|i| named.as_ref().is_none_or(|n| n.contains(i)))
        .filter(|&i| {
            criteria.tags.iter().all(|(key, values)| {
                accounts[i]
                    .tags
                    .get(&key.value)
                    .is_some_and(|v| values.value.contains(v))
            })
        })
        .filter(|&i| {
            criteria
                .ous
                .as_ref()
                .is_none_or(|ous| ous.iter().any(|ou| in_ou(&accounts[i], &ou.value)))
        })
        .filter(|i| excluded.binary_search(i).is_err())
        .collect();
    if selected.is_empty() && diagnostics.0.iter().all(|d| d.span != Some(span)) {
        diagnostics.push(Diagnostic::of(&GroupsMessage::SelectsNothing).at(span));
    }
    selected
}

/// The OU paths of a selector that selects by OU alone (`{ ous: [...] }`), without surrounding
/// slashes; empty for every other selector. Such a grant means every account in those OUs and
/// below, whoever adds them later: the one selector a hub policy may name by OU
/// (`aws:ResourceOrgPaths`) without granting more than the model says.
pub fn ou_only(selector: &RawSelector) -> Vec<String> {
    match selector {
        RawSelector::Match(RawSelectorMatch {
            names: None,
            tags,
            ous: Some(ous),
            exclude: None,
        }) if tags.is_empty() => ous
            .iter()
            .map(|ou| ou.value.trim_matches('/').to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// An account is in an OU when its OU path is the OU or below it.
pub fn in_ou(account: &Account, ou: &str) -> bool {
    let ou = ou.trim_matches('/');
    account.ou.as_deref().is_some_and(|path| {
        let path = path.trim_matches('/');
        path == ou
            || path
                .strip_prefix(ou)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

fn lookup(
    name: &Spanned<String>,
    accounts: &[Account],
    diagnostics: &mut Diagnostics,
) -> Option<AccountIndex> {
    let found = accounts
        .binary_search_by(|a| a.name.as_str().cmp(&name.value))
        .ok()
        .or_else(|| accounts.iter().position(|a| a.id == name.value));
    if found.is_none() {
        diagnostics.push(
            Diagnostic::of(&AccountsMessage::UnknownAccount {
                name: name.value.clone(),
                closest: closest(&name.value, accounts.iter().map(|a| a.name.as_str()))
                    .map(str::to_owned),
            })
            .at(name.span),
        );
    }
    found
}

/// The candidate nearest to `name` by edit distance, when it is close enough to be a typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}
