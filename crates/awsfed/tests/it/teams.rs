//! A hub per team (`examples/teams`): each team's accounts admit only its own hub's roles in the
//! compiled state and in every export; grants that cross hubs, hubs sharing an account and unknown
//! hubs are refused with FILE:LINE:COLUMN.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{Awsfed, example, read_tree, validate};

const WEB_HUB: &str = "110000000001";
const DATA_HUB: &str = "120000000001";

/// The hub accounts whose hub roles may appear in what is deployed to `account`.
fn allowed_hubs(account: &str) -> BTreeSet<&'static str> {
    if account.starts_with("web-") {
        BTreeSet::from([WEB_HUB])
    } else if account.starts_with("data-") {
        BTreeSet::from([DATA_HUB])
    } else {
        BTreeSet::from([WEB_HUB, DATA_HUB])
    }
}

/// Hub accounts named by hub role ARNs (`…:ACCOUNT:role/awsfed/hub/…`) in `text`.
fn hub_accounts_named(text: &str) -> BTreeSet<&'static str> {
    [WEB_HUB, DATA_HUB]
        .into_iter()
        .filter(|id| text.contains(&format!("{id}:role/awsfed/hub/")))
        .collect()
}

fn export(format: &str) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format);
    Awsfed::new()
        .config(example("teams"))
        .args(["export", format, "--out"])
        .arg(&out)
        .run()
        .expect_code(0);
    read_tree(&out)
}

#[test]
fn each_team_account_trusts_only_its_own_hub() {
    let run = Awsfed::new()
        .config(example("teams"))
        .args(["compile", "--output", "json"])
        .run()
        .expect_code(0);
    let state: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    for account in state["accounts"].as_array().unwrap() {
        let name = account["name"].as_str().unwrap();
        for role in account["roles"].as_array().unwrap() {
            if role["kind"] == "spoke" {
                let trust = role["trust_policy"].to_string();
                assert_eq!(
                    hub_accounts_named(&trust),
                    allowed_hubs(name),
                    "{name}: {trust}"
                );
            }
        }
    }
    insta::assert_json_snapshot!("compiled-teams", state);
}

#[test]
fn every_export_keeps_each_team_behind_its_hub() {
    for format in ["cloudformation", "terraform"] {
        let files = export(format);
        let mut checked = 0;
        for (file, text) in &files {
            let Some(account) = file.split('.').next().filter(|_| file.ends_with(".json")) else {
                continue;
            };
            if account == "providers" {
                continue;
            }
            let named = hub_accounts_named(text);
            assert!(
                named.is_subset(&allowed_hubs(account)),
                "{format} {file}: {named:?}"
            );
            checked += 1;
        }
        assert_eq!(checked, 7, "{format}: {:?}", files.keys());
    }
    let stacksets = export("stacksets");
    let index: serde_json::Value = serde_json::from_str(&stacksets["stacksets.json"]).unwrap();
    for set in index["stack_sets"].as_array().unwrap() {
        let named = hub_accounts_named(&stacksets[set["template"].as_str().unwrap()]);
        for account in set["accounts"].as_array().unwrap() {
            let account = account.as_str().unwrap();
            assert!(
                named.is_subset(&allowed_hubs(account)),
                "{}: {account} {named:?}",
                set["name"]
            );
        }
    }
    let client = export("client");
    let client: serde_json::Value = serde_json::from_str(&client["client.json"]).unwrap();
    for target in client["targets"].as_array().unwrap() {
        let account = target["account_name"].as_str().unwrap();
        for path in target["paths"].as_array().unwrap() {
            let named = hub_accounts_named(&path["hops"][0]["role_arn"].to_string());
            assert!(named.is_subset(&allowed_hubs(account)), "{target}");
        }
    }
    let idp = export("idp");
    insta::assert_snapshot!("teams-idp-csv", idp["idp.csv"]);
    let config = export("aws-config");
    insta::assert_snapshot!("teams-aws-config", config["aws-config"]);
}

fn teams_changed(from: &str, to: &str) -> String {
    let yaml = std::fs::read_to_string(example("teams")).unwrap();
    assert!(yaml.contains(from), "the teams example has no `{from}`");
    yaml.replacen(from, to, 1)
}

#[test]
fn a_grant_across_hubs_names_each_account_and_its_hub() {
    let (code, stderr) = validate(&teams_changed(
        "      - { accounts: data-dev, permission_set: Admin }",
        "      - { accounts: [data-dev, web-dev, web-prod], permission_set: Admin }",
    ));
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn an_account_naming_its_own_hub_overrides_its_ou() {
    // web-prod moves to the data hub: web-developers' ReadOnly there now crosses hubs.
    let (code, stderr) = validate(&teams_changed(
        r#"web-prod:      { id: "110000000003", ou: Teams/Web/Prod }"#,
        r#"web-prod:      { id: "110000000003", ou: Teams/Web/Prod, hub: data }"#,
    ));
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn hubs_sharing_an_account_cannot_separate_teams() {
    let (code, stderr) = validate(&teams_changed(
        "    data: data-identity\n",
        "    data: web-identity\n",
    ));
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn an_unknown_hub_in_ou_hubs_is_refused() {
    let (code, stderr) = validate(&teams_changed(
        "    Teams/Data: data\n",
        "    Teams/Data: dta\n",
    ));
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
}
