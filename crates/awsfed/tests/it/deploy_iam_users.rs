//! The IAM-users hub on moto: a 50-account organisation whose people are IAM users of the identity
//! account. moto enforces no policy: what is checked here is what IAM holds, never who may do what.

use serde_json::{Value, json};

use crate::deploy_support::{Moto, Org, Workspace, moto_enabled, org_tool};

/// IAM users only (no SAML IdP): admins everywhere, developers in the Dev OU and read-only across
/// the workloads, auditors read-only everywhere but the identity account.
fn model(org: &Org) -> String {
    let mut out = String::from(
        "version: 1\ntopology: { default: hub-and-spoke, hub_account: identity }\naccounts:\n",
    );
    out.push_str(&format!(
        "  identity: {{ id: \"{}\", ou: Security }}\n",
        org.identity
    ));
    for (name, id, env) in &org.workloads {
        let ou = if env == "prod" {
            "Workloads/Prod"
        } else {
            "Workloads/Dev"
        };
        out.push_str(&format!(
            "  {name}: {{ id: \"{id}\", ou: {ou}, tags: {{ env: {env} }} }}\n"
        ));
    }
    // Inline policies only: moto loads AWS managed policies only when asked to.
    out.push_str(concat!(
        "permission_sets:\n",
        "  Admin:\n    inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: '*', Resource: '*' }] }\n    session_duration: 1h\n",
        "  ReadOnly:\n    inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: ['s3:Get*', 's3:List*'], Resource: '*' }] }\n    session_duration: 4h\n",
        "groups:\n",
        "  platform-admins: [ { accounts: '*', permission_set: Admin } ]\n",
        "  developers:\n    - { accounts: { ous: [Workloads/Dev] }, permission_set: Admin }\n    - { accounts: { ous: [Workloads] }, permission_set: ReadOnly }\n",
        "  auditors: [ { accounts: { exclude: [identity] }, permission_set: ReadOnly } ]\n",
        "iam_users:\n  mfa_max_age: 8h\n  access_key_max_age_days: 90\n  users:\n",
        "    ada: { groups: [platform-admins] }\n",
        "    grace: { groups: [developers] }\n",
        "    linus: { groups: [developers, auditors] }\n",
        "    margaret: { groups: [auditors] }\n",
    ));
    out
}

fn iam(endpoint: &str, account: &str, call: &str, args: Value) {
    org_tool(
        endpoint,
        &[
            "iam",
            "--account",
            account,
            "--call",
            call,
            "--args",
            &args.to_string(),
        ],
    );
}

fn users(endpoint: &str, account: &str) -> Value {
    org_tool(endpoint, &["users", "--account", account])
}

fn named<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|v| v["name"] == name)
}

/// The plan text with the organisation's account ids as names, so the snapshot is stable.
fn stable(text: &str, org: &Org) -> String {
    let mut text = text.replace(&org.identity, "<identity>");
    for (name, id, _) in &org.workloads {
        text = text.replace(id, &format!("<{name}>"));
    }
    text
}

#[test]
fn iam_users_hub_on_an_organisation_of_50_accounts() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start();
    let e = moto.endpoint.as_str();
    let org = Org::create(e, 25, 24);
    assert_eq!(org.account_count(), 50);
    let hub = org.identity.clone();
    let ws = Workspace::new();
    ws.write_model(&model(&org));

    ws.run(e, &["apply"]).expect_code(0);
    let state = users(e, &hub);
    let ada = named(&state["users"], "ada").expect("ada is created");
    assert_eq!(ada["path"], "/awsfed/users/");
    assert_eq!(ada["tags"]["awsfed:managed"], "true");
    assert_eq!(ada["groups"], json!(["platform-admins"]));
    assert_eq!(
        ada["access_keys"],
        json!([]),
        "awsfed creates no access key"
    );
    assert_eq!(
        ada["managed"],
        json!([
            format!("arn:aws:iam::{hub}:policy/awsfed/users/awsfed-require-mfa"),
            format!("arn:aws:iam::{hub}:policy/awsfed/users/awsfed-self-service"),
        ])
    );
    let linus = named(&state["users"], "linus").expect("linus");
    assert_eq!(linus["groups"], json!(["auditors", "developers"]));
    let developers = named(&state["groups"], "developers").expect("the developers group");
    assert_eq!(developers["path"], "/awsfed/users/");
    assert!(
        developers["managed"][0]
            .as_str()
            .is_some_and(|a| a.contains(":policy/awsfed/users/developers-users")),
        "{developers}"
    );
    let (_, spoke, _) = &org.workloads[0];
    let trust = crate::deploy_support::trust_text(&crate::deploy_support::roles(e, spoke), "Admin");
    assert!(
        trust.contains(&format!("arn:aws:iam::{hub}:user/awsfed/users/ada")),
        "{trust}"
    );
    let converged = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(
        converged
            .stdout()
            .contains("No changes: 50 accounts match the model."),
        "{}",
        converged.stdout()
    );

    // Hand changes: a membership removed; users and groups added under awsfed's path (the user
    // untagged) and outside it, the foreign ones put in awsfed's developers group.
    iam(
        e,
        &hub,
        "remove_user_from_group",
        json!({"UserName": "grace", "GroupName": "developers"}),
    );
    for (user, path) in [("intruder", "/awsfed/users/"), ("contractor", "/external/")] {
        iam(
            e,
            &hub,
            "create_user",
            json!({"UserName": user, "Path": path}),
        );
        iam(
            e,
            &hub,
            "add_user_to_group",
            json!({"UserName": user, "GroupName": "developers"}),
        );
    }
    for (group, path) in [("stray", "/awsfed/users/"), ("finance", "/external/")] {
        iam(
            e,
            &hub,
            "create_group",
            json!({"GroupName": group, "Path": path}),
        );
    }
    let drift = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    insta::assert_snapshot!("iam_users_drift_plan", stable(&drift.stdout(), &org));
    ws.run(e, &["apply"]).expect_code(0);
    let state = users(e, &hub);
    assert_eq!(
        named(&state["users"], "grace").expect("grace")["groups"],
        json!(["developers"]),
        "the membership is back"
    );
    for user in ["intruder", "contractor"] {
        let foreign = named(&state["users"], user).expect("a foreign user is never deleted");
        assert_eq!(foreign["groups"], json!([]), "{user} left awsfed's group");
        assert_eq!(foreign["managed"], json!([]), "{user} gained nothing");
    }
    assert!(
        named(&state["groups"], "stray").is_none(),
        "a group under awsfed's path is awsfed's: {state}"
    );
    assert!(
        named(&state["groups"], "finance").is_some(),
        "a group outside the path is not touched"
    );
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);

    // A scan holds the users and groups; verify finds the deployment as the model says.
    ws.run(e, &["scan", "--out", "deployed"]).expect_code(0);
    let scanned: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join(format!("deployed/accounts/{hub}.json")))
            .expect("the hub account's snapshot"),
    )
    .expect("JSON");
    let ada = named(&scanned["users"], "ada").expect("ada scanned");
    assert_eq!(ada["credentials"], json!({"login_profile": false}), "{ada}");
    let verify = ws
        .run(e, &["verify", "--snapshot", "deployed"])
        .expect_code(0);
    assert!(
        verify.stdout().contains("0 extra, 0 missing"),
        "{}",
        verify.stdout()
    );

    // A user the model drops is deleted, unless it holds credentials of its own.
    iam(
        e,
        &hub,
        "create_access_key",
        json!({"UserName": "margaret"}),
    );
    // The auditors' assume policy goes with their group. Attached by hand to ada (awsfed's user:
    // apply detaches it before the delete) and to the foreign contractor (the plan keeps it and
    // says so, until its owner detaches it).
    let auditors_policy =
        named(&users(e, &hub)["groups"], "auditors").expect("auditors")["managed"][0]
            .as_str()
            .expect("the auditors' assume policy")
            .to_owned();
    for user in ["ada", "contractor"] {
        iam(
            e,
            &hub,
            "attach_user_policy",
            json!({"UserName": user, "PolicyArn": auditors_policy}),
        );
    }
    ws.write_model(
        &model(&org)
            .replace("    margaret: { groups: [auditors] }\n", "")
            .replace(
                "    linus: { groups: [developers, auditors] }\n",
                "    linus: { groups: [developers] }\n",
            ),
    );
    let refused = ws.run(e, &["plan"]).expect_code(1);
    // The hub's part and the summary: the spokes only drop margaret from their trusts.
    let stdout = stable(&refused.stdout(), &org);
    // The hub's section ends at the next account or at the summary: which comes next depends on
    // the account ids moto drew (the plan lists accounts by id).
    let mut hub_lines = stdout
        .split_inclusive('\n')
        .skip_while(|l| !l.starts_with("account <identity>"));
    let hub_part: String = hub_lines
        .next()
        .into_iter()
        .chain(
            hub_lines
                .take_while(|l| !l.starts_with("account ") && !l.starts_with("Plan:"))
                .filter(|l| !l.trim().is_empty()),
        )
        .chain(
            stdout
                .split_inclusive('\n')
                .filter(|l| l.starts_with("Plan:")),
        )
        .collect();
    insta::assert_snapshot!("iam_users_delete_refused", hub_part);
    let key =
        named(&users(e, &hub)["users"], "margaret").expect("margaret")["access_keys"][0].clone();
    iam(
        e,
        &hub,
        "delete_access_key",
        json!({"UserName": "margaret", "AccessKeyId": key}),
    );
    iam(
        e,
        &hub,
        "detach_user_policy",
        json!({"UserName": "contractor", "PolicyArn": auditors_policy}),
    );
    let planned = ws.run(e, &["plan"]).expect_code(0);
    assert!(
        planned
            .stdout()
            .contains(&format!("delete policy {auditors_policy}")),
        "{}",
        planned.stdout()
    );
    ws.run(e, &["apply"]).expect_code(0);
    let state = users(e, &hub);
    assert!(named(&state["users"], "margaret").is_none(), "{state}");
    assert!(named(&state["groups"], "auditors").is_none(), "{state}");
    assert_eq!(
        named(&state["users"], "ada").expect("ada")["managed"],
        json!([
            format!("arn:aws:iam::{hub}:policy/awsfed/users/awsfed-require-mfa"),
            format!("arn:aws:iam::{hub}:policy/awsfed/users/awsfed-self-service"),
        ]),
        "apply detached the deleted policy from ada"
    );
    let left = crate::deploy_support::roles(e, &hub);
    let name = auditors_policy.rsplit('/').next().unwrap();
    assert!(
        crate::deploy_support::policy(&left, name).is_none(),
        "the policy is deleted: {left}"
    );
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    // bootstrap provisions one account with the hub's users: a spoke trust emptied by hand is
    // written back naming them, and nothing else changes.
    org_tool(
        e,
        &[
            "put-trust",
            "--account",
            spoke,
            "--role",
            "Admin",
            "--document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
        ],
    );
    ws.run(e, &["bootstrap", "--account", spoke]).expect_code(0);
    let trust = crate::deploy_support::trust_text(&crate::deploy_support::roles(e, spoke), "Admin");
    assert!(
        trust.contains(&format!("arn:aws:iam::{hub}:user/awsfed/users/ada")),
        "{trust}"
    );
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    // migrate and the IAM exports refuse, saying why and what to do.
    let migrate = ws.run(e, &["migrate", "plan"]).expect_code(2);
    insta::assert_snapshot!("iam_users_migrate_refused", migrate.stderr());
}
