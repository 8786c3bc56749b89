//! The compact form of a trust that admits hub roles: the hub accounts as principal, narrowed by
//! `ArnLike aws:PrincipalArn` to patterns (the hub path, or exact role ARNs, which match only
//! themselves). Trusting an account delegates to its identity policies ("How IAM roles differ
//! from resource-based policies", IAM User Guide); the condition keeps every role outside the
//! patterns out, and a hub role still needs its own policy naming the target role, so the form
//! admits what the exact list admits when only hub roles live under the hub path (validation keeps
//! awsfed's other roles off it, and the plan refuses a trust that would admit a foreign role
//! there). Used where an expand stage's trust naming hub roles one by one would pass the trust
//! policy quota: the hub move's and the topology migration's; compile's narrowed spoke trusts
//! (hub roles by the hub path, IAM users by the users' path) are built with it too.

use std::collections::BTreeSet;

use awsfed_policy::{Arn, Principal, Statement, StringList};

/// `statement` admitting the `roots` (`arn:P:iam::ID:root`) narrowed to `patterns`.
pub fn narrowed_to_principal_arns(
    statement: Statement,
    roots: StringList,
    patterns: StringList,
) -> Statement {
    statement
        .with_principal(Principal::aws(roots))
        .with_condition("ArnLike", "aws:PrincipalArn", patterns)
}

/// `arn:P:iam::ID:root` of a role ARN `arn:P:iam::ID:role/…`; `None` for anything else.
pub fn account_root(role_arn: &str) -> Option<String> {
    let [partition, service, region, account, resource] = Arn::parts(role_arn)?;
    (service == "iam" && region.is_empty() && resource.starts_with("role/"))
        .then(|| format!("arn:{partition}:iam::{account}:root"))
}

/// The statement admitting `role_arns` by exact ARN, rewritten to admit every role under
/// `hub_role_path` in their accounts; `None` when a value is not a role ARN or is outside that
/// path (then the compact form would not say the same).
pub fn narrowed_to_hub_path(
    statement: &Statement,
    role_arns: &StringList,
    hub_role_path: &str,
) -> Option<Statement> {
    let mut roots = BTreeSet::new();
    for arn in role_arns.iter() {
        let root = account_root(arn)?;
        let under = format!("{}role{hub_role_path}", root.trim_end_matches("root"));
        if !arn.starts_with(&under) {
            return None;
        }
        roots.insert(root);
    }
    let patterns = roots
        .iter()
        .map(|root| format!("{}role{hub_role_path}*", root.trim_end_matches("root")));
    Some(narrowed_to_principal_arns(
        statement.clone(),
        StringList::sorted(roots.iter().cloned()),
        StringList::sorted(patterns),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_role_arns_become_their_accounts_narrowed_to_the_hub_path() {
        let statement = Statement::allow(StringList::one("sts:AssumeRole"));
        let arns = StringList::sorted([
            "arn:aws:iam::111111111111:role/awsfed/hub/a".to_owned(),
            "arn:aws:iam::111111111111:role/awsfed/hub/b".to_owned(),
        ]);
        let narrowed = narrowed_to_hub_path(&statement, &arns, "/awsfed/hub/").unwrap();
        let text = serde_json::to_string(&narrowed).unwrap();
        assert!(
            text.contains("\"arn:aws:iam::111111111111:root\""),
            "{text}"
        );
        assert!(
            text.contains("\"arn:aws:iam::111111111111:role/awsfed/hub/*\""),
            "{text}"
        );
        // A role outside the hub path cannot be said by the pattern.
        let outside = StringList::one("arn:aws:iam::111111111111:role/awsfed/admin");
        assert!(narrowed_to_hub_path(&statement, &outside, "/awsfed/hub/").is_none());
        assert_eq!(account_root("arn:aws:iam::1:user/x"), None);
    }
}
