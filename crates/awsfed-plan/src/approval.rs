//! A plan file is untrusted input: `awsfed apply plan.json` plans again from the model and the state
//! it has just read, and the file only approves that plan — anything it asks for that the fresh
//! plan does not is refused, naming the first difference. (A digest over the changes would not do:
//! whoever edits the file can recompute an unkeyed digest, and awsfed has no key to hold.)

use super::{AccountPlan, Change, Conflict, Plan};

/// The first way `given` (a plan file) differs from `derived` (the plan made now from the model and
/// the fresh state), in what would be executed or reported as blocked; `None` when they agree.
pub fn first_difference(derived: &Plan, given: &Plan) -> Option<String> {
    if given.format != derived.format {
        return Some(format!(
            "plan format {} (this awsfed writes {})",
            given.format, derived.format
        ));
    }
    if given.role_path != derived.role_path {
        return Some(format!(
            "role_path is `{}`; the model's is `{}`",
            given.role_path, derived.role_path
        ));
    }
    if given.provider_name != derived.provider_name {
        return Some(format!(
            "provider_name is `{}`; the model's is `{}`",
            given.provider_name, derived.provider_name
        ));
    }
    let read: Vec<&String> = derived.fingerprints.keys().collect();
    let claimed: Vec<&String> = given.fingerprints.keys().collect();
    if let Some(id) = claimed.iter().find(|id| !read.contains(id)) {
        return Some(format!(
            "it was made from account {id}, which the model does not hold"
        ));
    }
    if let Some(id) = read.iter().find(|id| !claimed.contains(id)) {
        return Some(format!(
            "it was not made from account {id}, which the model holds"
        ));
    }
    if let Some(difference) = identity_center_difference(
        derived.identity_center.as_ref(),
        given.identity_center.as_ref(),
    ) {
        return Some(difference);
    }
    for account in &given.accounts {
        let Some(fresh) = derived
            .accounts
            .iter()
            .find(|a| a.account_id == account.account_id)
        else {
            return account_extra(account);
        };
        if let Some(difference) = account_difference(fresh, account) {
            return Some(format!("account {}: {difference}", account.account_id));
        }
    }
    derived
        .accounts
        .iter()
        .find(|a| !given.accounts.iter().any(|g| g.account_id == a.account_id))
        .and_then(|missing| {
            missing.changes.first().map(|c| {
                format!(
                    "account {}: it leaves out `{}`",
                    missing.account_id,
                    c.action.summary()
                )
            })
        })
}

/// The Identity Center part must be exactly the fresh one (its fingerprint covers the instance).
fn identity_center_difference(
    derived: Option<&crate::IdentityCenterPlan>,
    given: Option<&crate::IdentityCenterPlan>,
) -> Option<String> {
    match (derived, given) {
        (None, None) => None,
        (Some(_), None) => Some("it has no Identity Center part; the model has one".to_owned()),
        (None, Some(_)) => Some("it has an Identity Center part; the model has none".to_owned()),
        (Some(fresh), Some(given)) if fresh.fingerprint != given.fingerprint => Some(format!(
            "Identity Center instance {} changed since it was made",
            given.instance_arn
        )),
        (Some(fresh), Some(given)) => {
            let (a, b) = (&fresh.changes, &given.changes);
            let first = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))?;
            Some(match b.get(first) {
                Some(change) => format!(
                    "Identity Center: it asks for `{}`, which the model does not call for there",
                    change.action.summary()
                ),
                None => format!(
                    "Identity Center: it leaves out `{}`",
                    a[first].action.summary()
                ),
            })
        }
    }
}

fn account_extra(account: &AccountPlan) -> Option<String> {
    let first = account.changes.first()?;
    Some(format!(
        "account {}: it asks for `{}`, but the model and the account's state call for no change there",
        account.account_id,
        first.action.summary()
    ))
}

fn account_difference(derived: &AccountPlan, given: &AccountPlan) -> Option<String> {
    let mut fresh = derived.changes.iter();
    for change in &given.changes {
        match fresh.next() {
            Some(expected) if same_change(expected, change) => {}
            Some(expected) => return Some(change_difference(expected, change)),
            None => {
                return Some(format!(
                    "it asks for `{}`, which the model does not call for",
                    change.action.summary()
                ));
            }
        }
    }
    if let Some(left_out) = fresh.next() {
        return Some(format!("it leaves out `{}`", left_out.action.summary()));
    }
    conflict_difference(&derived.conflicts, &given.conflicts)
}

/// Compared as written to the file: a document read back from JSON may differ in form (a one-item
/// list or a string) from the one the compiler built, never in what it serialises to.
fn same_change(a: &Change, b: &Change) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

fn change_difference(expected: &Change, given: &Change) -> String {
    let (expected_summary, given_summary) = (expected.action.summary(), given.action.summary());
    if expected_summary == given_summary {
        format!(
            "`{given_summary}` differs from what the model calls for (its content or phase was edited)"
        )
    } else {
        format!("it asks for `{given_summary}` where the model calls for `{expected_summary}`")
    }
}

fn conflict_difference(derived: &[Conflict], given: &[Conflict]) -> Option<String> {
    if derived == given {
        return None;
    }
    let missing = derived.iter().find(|c| !given.contains(c));
    Some(match missing {
        Some(c) => format!("it leaves out the conflict on {}", c.resource),
        None => "its conflicts differ from the fresh plan's".to_owned(),
    })
}
