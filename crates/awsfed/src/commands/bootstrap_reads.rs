//! The accounts `bootstrap` reads besides the hub accounts and the account itself, so the plan it
//! makes for the hub accounts keeps the stage of any migration under way.
//!
//! The hub policies are planned from the whole model, but a migration is detected only among the
//! accounts read: a direct account still granted by the deployed hub policies (a migration away
//! from hub-and-spoke keeps it granted until its contract stage) must be read, or the plan would
//! take it out of the hub policies before its users have switched, whichever account is
//! bootstrapped, new or existing.

use std::collections::BTreeSet;

use awsfed_compile::DesiredState;
use awsfed_model::{Model, TopologyKind};
use awsfed_policy::{Effect, PolicyDocument, Statement};
use awsfed_snapshot::Snapshot;

/// The accounts to read besides those of `read` (the hub accounts and `account_id`): direct
/// accounts the deployed hub policies may still grant; for a new account (no role under awsfed's
/// role path yet), also the accounts of its OU, whose migration it joins at their stage.
pub fn may_be_moving(
    model: &Model,
    desired: &DesiredState,
    read: &Snapshot,
    account_id: &str,
) -> BTreeSet<String> {
    let is_new = read
        .accounts
        .iter()
        .find(|a| a.id == account_id)
        .is_none_or(|a| {
            !a.roles
                .iter()
                .any(|r| r.path.starts_with(&model.naming.role_path))
        });
    let ou = model
        .accounts
        .iter()
        .find(|a| a.id == account_id && is_new)
        .and_then(|a| a.ou.clone());
    let hub_policies: Vec<&PolicyDocument> = read
        .accounts
        .iter()
        .flat_map(|a| &a.policies)
        .map(|p| &p.document)
        .collect();
    let already: BTreeSet<&str> = read.accounts.iter().map(|a| a.id.as_str()).collect();
    model
        .accounts
        .iter()
        .filter(|a| !already.contains(a.id.as_str()))
        .filter(|a| desired.accounts.iter().any(|d| d.id == a.id))
        .filter(|a| {
            (ou.is_some() && a.ou == ou)
                || (a.topology == TopologyKind::Direct && may_grant(&hub_policies, &a.id))
        })
        .map(|a| a.id.clone())
        .collect()
}

/// Whether one of `policies` may allow assuming a role in `account_id`. A statement grants it when
/// it names the account (exact role ARNs; a `StringEquals aws:ResourceAccount` list), and also when
/// its resource is a role of any account that no `aws:ResourceAccount` condition leaves it out of:
/// the organisation-wide forms (`aws:ResourceOrgID`, with or without a `StringNotEquals` list of
/// the accounts not granted) and the OU form (`aws:ResourceOrgPaths`, whose OUs are not resolved
/// here, so it counts for every account: more reads, never fewer). "IAM JSON policy elements:
/// Condition operators" (IAM User Guide): a `StringNotEquals` list matches none of its values.
pub fn may_grant(policies: &[&PolicyDocument], account_id: &str) -> bool {
    policies
        .iter()
        .flat_map(|d| &d.statement)
        .filter(|s| s.effect == Effect::Allow)
        .any(|s| statement_may_grant(s, account_id))
}

fn statement_may_grant(statement: &Statement, account_id: &str) -> bool {
    let Some(resources) = &statement.resource else {
        // `NotResource`: anything it does not exclude, so possibly this account.
        return statement.not_resource.is_some();
    };
    let named = format!("::{account_id}:");
    if resources.iter().any(|r| r.contains(&named)) {
        return true;
    }
    let any_account = resources.iter().any(wildcard_account);
    if !any_account {
        return false;
    }
    let listed = |operator: &str| {
        statement
            .condition
            .iter()
            .filter(|(op, _)| op.eq_ignore_ascii_case(operator))
            .flat_map(|(_, keys)| keys)
            .find(|(key, _)| key.eq_ignore_ascii_case("aws:ResourceAccount"))
            .map(|(_, values)| values.iter().any(|v| v == account_id))
    };
    listed("StringEquals") != Some(false) && listed("StringNotEquals") != Some(true)
}

/// Whether a resource pattern may match a role of any account. Wildcards in IAM resources match
/// across `:` ("IAM JSON policy elements: Resource", IAM User Guide), so a wildcard anywhere before
/// the account field ends (`*`, `arn:aws:*`, `arn:aws:iam::*`, `arn:aws:iam::*:role/x`) leaves the
/// account open; after it, the account is the literal text `statement_may_grant` looks for.
fn wildcard_account(pattern: &str) -> bool {
    pattern
        .find(['*', '?'])
        .is_some_and(|at| pattern[..at].matches(':').count() < 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "222222222222";

    fn grants(json: &str) -> bool {
        let document = PolicyDocument::from_json(json).expect("policy");
        may_grant(&[&document], ACCOUNT)
    }

    fn statement(resource: &str, condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{resource}"{condition}}}]}}"#
        )
    }

    #[test]
    fn exact_arns_and_account_lists_grant_the_accounts_they_name() {
        assert!(grants(&statement(
            "arn:aws:iam::222222222222:role/awsfed/Admin",
            ""
        )));
        assert!(!grants(&statement(
            "arn:aws:iam::333333333333:role/awsfed/Admin",
            ""
        )));
        let by_account = |ids: &str| {
            statement(
                "arn:aws:iam::*:role/awsfed/Admin",
                &format!(r#","Condition":{{"StringEquals":{{"aws:ResourceAccount":[{ids}]}}}}"#),
            )
        };
        assert!(grants(&by_account(r#""111111111111","222222222222""#)));
        assert!(!grants(&by_account(r#""111111111111""#)));
    }

    /// The forms that name no granted account: the text of the policies does not hold its id, yet
    /// it is granted.
    #[test]
    fn organisation_wide_and_ou_forms_grant_accounts_they_do_not_name() {
        let in_org = statement(
            "arn:aws:iam::*:role/awsfed/Admin",
            r#","Condition":{"StringEquals":{"aws:ResourceOrgID":"o-example"}}"#,
        );
        assert!(!in_org.contains(ACCOUNT));
        assert!(grants(&in_org));
        let except = |ids: &str| {
            statement(
                "arn:aws:iam::*:role/awsfed/Admin",
                &format!(
                    r#","Condition":{{"StringEquals":{{"aws:ResourceOrgID":"o-example"}},"StringNotEquals":{{"aws:ResourceAccount":[{ids}]}}}}"#
                ),
            )
        };
        assert!(grants(&except(r#""333333333333""#)));
        assert!(!grants(&except(r#""333333333333","222222222222""#)));
        let by_ou = statement(
            "arn:aws:iam::*:role/awsfed/Admin",
            r#","Condition":{"ForAnyValue:StringLike":{"aws:ResourceOrgPaths":["o-example/r-root/ou-dev/*"]}}"#,
        );
        assert!(grants(&by_ou));
    }

    /// A wildcard matches across `:`: a pattern cut short before the account field still reaches
    /// every account (these read as no account before, so bootstrap skipped the reads they need).
    #[test]
    fn wildcards_before_the_account_field_reach_every_account() {
        for pattern in [
            "*",
            "arn:aws:*",
            "arn:aws:iam::*",
            "arn:*:iam::*:role/awsfed/Admin",
            "arn:aws:iam::22222222222?:role/awsfed/Admin",
            "arn:aws:iam::*:role/awsfed/Admin",
        ] {
            assert!(grants(&statement(pattern, "")), "{pattern}");
        }
        assert!(!grants(&statement("arn:aws:iam::333333333333:role/*", "")));
    }

    #[test]
    fn denials_grant_nothing() {
        let deny =
            statement("arn:aws:iam::222222222222:role/awsfed/Admin", "").replace("Allow", "Deny");
        assert!(!grants(&deny));
    }
}
