//! Roles a plan deletes and creates again. A role class's stack set is named after its role alone
//! when it is the role's only class, and with a hash of its template when the role has several
//! (`awsfed export stacksets`). So when the second-to-last class of a role goes, the one left is
//! renamed: CloudFormation cannot rename a stack set, so the plan deletes the old one (its stacks
//! delete their roles) and creates the new one (its stacks create them again). The same happens
//! when an account's role moves from one class to another. A role created again is a new role:
//! sessions in it end, its unique id changes ("Unique identifiers", IAM User Guide), and the
//! account is without it between the two operations. The plan says so.

use std::collections::BTreeSet;

use super::{ActualStackSet, StackSetChange};

/// The role names an awsfed template creates.
pub fn template_roles(template: &str) -> BTreeSet<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(template) else {
        return BTreeSet::new();
    };
    value["Resources"]
        .as_object()
        .into_iter()
        .flat_map(|resources| resources.values())
        .filter(|r| r["Type"] == "AWS::IAM::Role")
        .filter_map(|r| r["Properties"]["RoleName"].as_str().map(str::to_owned))
        .collect()
}

/// One warning per pair of stack sets where one takes over roles the other deletes, in the same
/// accounts.
pub(super) fn recreated_roles(
    changes: &[StackSetChange],
    actual: &[ActualStackSet],
) -> Vec<String> {
    let mut warnings = Vec::new();
    for losing in changes.iter().filter(|c| !c.accounts_removed.is_empty()) {
        let Some(old) = actual.iter().find(|a| a.name == losing.name) else {
            continue;
        };
        let old_roles = template_roles(&old.template);
        let removed: BTreeSet<&String> = losing.accounts_removed.iter().collect();
        for gaining in changes
            .iter()
            .filter(|c| c.name != losing.name && !c.accounts_added.is_empty())
        {
            let roles: Vec<String> = template_roles(&gaining.template)
                .intersection(&old_roles)
                .cloned()
                .collect();
            let accounts = gaining
                .accounts_added
                .iter()
                .filter(|a| removed.contains(a))
                .count();
            if roles.is_empty() || accounts == 0 {
                continue;
            }
            warnings.push(warning(losing, gaining, &roles, accounts));
        }
    }
    warnings.sort();
    warnings
}

fn warning(
    losing: &StackSetChange,
    gaining: &StackSetChange,
    roles: &[String],
    accounts: usize,
) -> String {
    let why = if losing.action == super::StackAction::Delete
        && gaining.action == super::StackAction::Create
        && same_class(&losing.name, &gaining.name)
    {
        "its role class is renamed: a role's only class is named after the role, so when the other classes of the role go, the one left gets a new stack set"
    } else {
        "the accounts' roles move from one role class to another"
    };
    let noun = if roles.len() == 1 { "role" } else { "roles" };
    format!(
        "stack set {} takes over {noun} {} in {accounts} account(s) from stack set {} ({why}); apply deletes those roles and creates them again: sessions in them end, their unique ids change (save any policy that names them again), and the accounts are without them in between; apply in a quiet hour",
        gaining.name,
        roles.join(", "),
        losing.name,
    )
}

/// `awsfed-spoke-Admin` and `awsfed-spoke-Admin-1a2b3c4d`: the same role's class, hashed or not.
fn same_class(a: &str, b: &str) -> bool {
    let base = |name: &str| match name.rsplit_once('-') {
        Some((head, hash)) if hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            head.to_owned()
        }
        _ => name.to_owned(),
    };
    base(a) == base(b)
}
