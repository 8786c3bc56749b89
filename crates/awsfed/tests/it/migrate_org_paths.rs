//! `bootstrap` in the middle of a migration when the hub policies name the Workloads OU by its
//! Organizations path (`aws:ResourceOrgPaths`, `deploy_org_paths`'s model: `ops` granted three
//! permission sets on the OU, 150 spoke roles). The Workloads/Dev OU moves to direct; after the
//! expand stage, `bootstrap` of a Prod and of a Dev account must see that the deployed OU-path
//! statement may still grant the moving Dev accounts (`bootstrap_reads::may_grant`), read them, and
//! leave the hub policies and every moving account's stage as they are. Were the OU form taken for
//! a grant of no account, the hub plan would drop the moving accounts from the hub policies while
//! their users still sign in through the hub.

use serde_json::Value;

use crate::deploy_org_paths::model;
use crate::deploy_support::{Proxy, Workspace, create_org, moto_enabled, org_tool, roles};
use crate::migrate_identity_center::role_tags;

#[test]
fn bootstrap_mid_migration_keeps_an_ou_path_hub_policy_and_the_stage() {
    if !moto_enabled() {
        return;
    }
    let moto = crate::deploy_support::Moto::start();
    let created = create_org(
        &moto.endpoint,
        &["Security=1", "Workloads/Prod=30", "Workloads/Dev=20"],
    );
    let proxy = Proxy::start(&moto.endpoint, &["--saml-provider-tags"]);
    let e = proxy.endpoint.as_str();
    let tree = org_tool(e, &["ous"]);
    let workloads_path = format!(
        "{}/{}/{}/*",
        tree["organization"].as_str().unwrap(),
        tree["root"].as_str().unwrap(),
        tree["ous"]["Workloads"].as_str().unwrap()
    );
    let ws = Workspace::new();
    let yaml = model(&created);
    ws.write_model(&yaml);
    ws.run(e, &["apply"]).expect_code(0);
    let identity = account_in(&created, "Security")[0].clone();
    let hub_policies = || roles(e, &identity)["policies"].to_string();
    assert!(
        hub_policies().contains(&workloads_path),
        "the deployed hub policy names {workloads_path}: {}",
        hub_policies()
    );

    ws.write_model(&yaml.replace(
        "hub_account: identity }",
        "hub_account: identity, ous: { Workloads/Dev: direct } }",
    ));
    let next = ws.run(e, &["migrate", "next"]).expect_code(0);
    assert!(
        next.stderr().contains("every intended path, nothing else"),
        "{}",
        next.stderr()
    );
    let dev = account_in(&created, "Workloads/Dev");
    let prod = account_in(&created, "Workloads/Prod");
    let granted = hub_policies();
    assert!(granted.contains(&workloads_path), "{granted}");
    let expanded = |id: &str| {
        role_tags(e, id)
            .iter()
            .all(|t| t.as_deref() == Some("hub-and-spoke/direct/expand"))
    };
    assert!(
        dev.iter().all(|id| expanded(id)),
        "every Dev account is expanded"
    );

    for account in [&prod[0], &dev[0]] {
        let boot = ws
            .run(e, &["bootstrap", "--account", account])
            .expect_code(0);
        assert_eq!(
            hub_policies(),
            granted,
            "after bootstrap of {account}: {}",
            boot.stderr()
        );
        assert!(
            dev.iter().all(|id| expanded(id)),
            "after bootstrap of {account}"
        );
        ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    }
    eprintln!(
        "bootstrap of a Prod and a Dev account mid-migration kept the hub policies naming {workloads_path} and {} Dev accounts at expand",
        dev.len()
    );
}

/// The ids of the accounts `create_org` made in `ou`.
fn account_in(created: &Value, ou: &str) -> Vec<String> {
    created["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter(|a| a["ou"] == ou)
        .map(|a| a["id"].as_str().expect("id").to_owned())
        .collect()
}
