//! `scan`, `plan`, `apply` and `bootstrap` against moto organisations of 100+ accounts. moto enforces
//! no policy: these tests check the IAM state that results, never an allow or deny.

use std::time::{Duration, Instant};

use crate::deploy_support::{
    Deployment, ModelSpec, Moto, Org, Proxy, Workspace, add_dev_account, create_foreign_role,
    moto_enabled, org_tool, role_names, roles, trust_text,
};

/// The whole life of a deployment on one organisation of 121 accounts: apply from empty into a
/// mixed topology, converged plan, drift, a stale plan, an unowned role, a topology switch, group
/// removal, metadata rotation and a new account under a discovered OU.
#[test]
fn lifecycle_on_an_organisation_of_121_accounts() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start();
    let e = moto.endpoint.as_str();
    let org = Org::create(e, 60, 60);
    assert!(org.account_count() >= 100);
    let ws = Workspace::new();
    // Every tenth workload account is direct: a mixed topology.
    let mut spec = ModelSpec::with_direct((0..org.workloads.len()).step_by(10).collect());
    ws.write_model(&spec.yaml(&org));

    // Apply from empty.
    let plan = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(plan.stdout().contains("create SAML provider corp"));
    assert!(
        plan.stdout()
            .contains("hint: trusts gain sts:SetSourceIdentity")
    );
    ws.run(e, &["apply"]).expect_code(0);
    let hub = roles(e, &org.identity);
    assert!(role_names(&hub).contains(&"platform-admins".to_owned()));
    assert!(role_names(&hub).contains(&"developers".to_owned()));
    let (_, direct_id, _) = &org.workloads[0];
    let (_, spoke_id, _) = &org.workloads[1];
    let direct = roles(e, direct_id);
    assert!(trust_text(&direct, "Admin").contains("saml-provider/corp"));
    let spoke = roles(e, spoke_id);
    assert!(
        trust_text(&spoke, "Admin").contains(&format!(
            "arn:aws:iam::{}:role/awsfed/hub/platform-admins",
            org.identity
        )),
        "the spoke trust names the hub role: {spoke}"
    );
    assert_eq!(
        org_tool(e, &["provider", "--account", spoke_id, "--name", "corp"]),
        serde_json::Value::Null,
        "spokes have no SAML provider"
    );

    // The next plan is empty.
    let converged = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(
        converged
            .stdout()
            .contains("No changes: 121 accounts match the model.")
    );

    // A trust edited behind awsfed's back is drift; a plan made before the edit is stale.
    ws.run(e, &["plan", "--out", "before.json"]).expect_code(0);
    let edited = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#;
    org_tool(
        e,
        &[
            "put-trust",
            "--account",
            spoke_id,
            "--role",
            "Admin",
            "--document",
            edited,
        ],
    );
    let drift = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(
        drift.stdout().contains("Drift (changed outside awsfed"),
        "{}",
        drift.stdout()
    );
    assert!(
        drift
            .stdout()
            .contains(&format!("account {spoke_id} role Admin: trust policy"))
    );
    assert!(
        drift.stdout().contains("999999999999"),
        "the diff shows the foreign principal"
    );
    let stale = ws.run(e, &["apply", "before.json"]).expect_code(1);
    assert!(stale.stderr().contains("is stale"), "{}", stale.stderr());
    ws.run(e, &["plan", "--out", "fix.json"]).expect_code(0);
    ws.run(e, &["apply", "fix.json"]).expect_code(0);
    assert!(!trust_text(&roles(e, spoke_id), "Admin").contains("999999999999"));
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);

    // An unowned role in the managed path is never touched, even when the model stops granting.
    create_foreign_role(e, spoke_id, "Legacy", "/awsfed/");
    let legacy_before = trust_text(&roles(e, spoke_id), "Legacy");

    // Switching ten hub-and-spoke accounts to direct.
    let switched: Vec<usize> = (1..org.workloads.len())
        .filter(|i| i % 10 != 0)
        .take(10)
        .collect();
    spec.direct.extend(&switched);
    ws.write_model(&spec.yaml(&org));
    let switch = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(switch.stdout().contains("update trust of role Admin"));
    ws.run(e, &["apply"]).expect_code(0);
    let (_, switched_id, _) = &org.workloads[switched[0]];
    assert!(trust_text(&roles(e, switched_id), "Admin").contains("saml-provider/corp"));
    assert!(org_tool(e, &["provider", "--account", switched_id, "--name", "corp"]).is_object());
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);

    // Removing a group deletes its hub role and policies, and the roles only it was granted.
    spec.developers = false;
    ws.write_model(&spec.yaml(&org));
    ws.run(e, &["apply"]).expect_code(0);
    let hub = roles(e, &org.identity);
    assert!(!role_names(&hub).contains(&"developers".to_owned()));
    assert!(
        hub["policies"]
            .as_array()
            .is_some_and(|p| p.iter().all(|p| p["name"] != "developers-assume")),
        "{hub}"
    );
    let spoke = roles(e, spoke_id);
    assert!(!role_names(&spoke).contains(&"ReadOnly".to_owned()));
    assert_eq!(
        trust_text(&spoke, "Legacy"),
        legacy_before,
        "the unowned role is untouched"
    );
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);

    // Metadata rotation updates every provider.
    let metadata = std::fs::read_to_string(ws.path().join("corp-idp.xml")).expect("metadata");
    let rotated = metadata.replacen("MIIDFTCCAf2gAwIBAgIU", "MIIDFTCCAf2gAwIBAgIV", 1);
    assert_ne!(metadata, rotated);
    std::fs::write(ws.path().join("corp-idp.xml"), &rotated).expect("rotate");
    let rotation = ws.run(e, &["plan"]).expect_code(0);
    let providers = 1 + spec.direct.len();
    assert_eq!(
        rotation
            .stdout()
            .matches("update SAML provider metadata")
            .count(),
        providers,
        "{}",
        rotation.stdout()
    );
    ws.run(e, &["apply"]).expect_code(0);
    let provider = org_tool(e, &["provider", "--account", direct_id, "--name", "corp"]);
    assert_eq!(provider["metadata"].as_str(), Some(rotated.as_str()));
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);

    // A scan writes the documented folder.
    ws.run(e, &["scan", "--out", "snapshot"]).expect_code(0);
    assert!(ws.path().join("snapshot/organization.json").exists());
    let account: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join(format!("snapshot/accounts/{spoke_id}.json")))
            .expect("account file"),
    )
    .expect("JSON");
    assert!(account["roles"].as_array().is_some_and(|r| {
        r.iter()
            .any(|r| r["name"] == "Admin" && r["max_session_duration"] == 3600)
    }));
    // Planning against the snapshot offline agrees with the live plan
    // (before discovery adds an account the model does not list).
    ws.run(
        e,
        &["plan", "--snapshot", "snapshot", "--detailed-exitcode"],
    )
    .expect_code(0);

    // A new account under an OU the model's `discover` section targets is picked up by the next
    // plan. Tag-only selection would take the identity account too; the OU keeps it to workloads.
    ws.write_model(&format!(
        "{}discover: {{ ous: [Workloads/Dev], tags: {{ env: [dev, test] }} }}\n",
        spec.yaml(&org)
    ));
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    let new_id = add_dev_account(e, "Workloads/Dev", "newcomer");
    let picked = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(
        picked
            .stdout()
            .contains(&format!("account {new_id} (newcomer)")),
        "{}",
        picked.stdout()
    );
    ws.run(e, &["apply"]).expect_code(0);
    assert!(role_names(&roles(e, &new_id)).contains(&"Admin".to_owned()));
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    // An account the section does not select (another OU) stays out.
    let other_id = add_dev_account(e, "Workloads/Prod", "elsewhere");
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    // The flags replace the section for one run.
    let flagged = ws
        .run(
            e,
            &["plan", "--detailed-exitcode", "--discover-ou", "Workloads"],
        )
        .expect_code(2);
    assert!(
        flagged.stdout().contains(&format!("account {other_id}")),
        "{}",
        flagged.stdout()
    );
}

/// Throttling on 20% of calls, 5% server errors and 4% dropped connections (half of them after
/// moto did the work): apply still converges, with no duplicate or missing resources.
#[test]
fn apply_converges_through_injected_faults() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start();
    let org = Org::create(&moto.endpoint, 50, 50);
    let ws = Workspace::new();
    let spec = ModelSpec::with_direct((0..org.workloads.len()).step_by(7).collect());
    ws.write_model(&spec.yaml(&org));
    let proxy = Proxy::faulty(&moto.endpoint, 7);
    ws.run(&proxy.endpoint, &["apply"]).expect_code(0);
    let stats = proxy.stats();
    assert!(
        stats["injected"]["throttle"].as_u64().unwrap_or(0) > 50,
        "{stats}"
    );
    assert!(
        stats["injected"]["drop-after"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
    // Checked without the proxy: converged, and every account holds exactly the model's roles.
    ws.run(&moto.endpoint, &["plan", "--detailed-exitcode"])
        .expect_code(0);
    for (i, (_, id, env)) in org.workloads.iter().enumerate().step_by(9) {
        let state = roles(&moto.endpoint, id);
        let mut names = role_names(&state);
        names.retain(|n| n != "OrganizationAccountAccessRole");
        assert_eq!(names, ["Admin", "ReadOnly"], "account {i} ({env})");
    }
    let hub = roles(&moto.endpoint, &org.identity);
    assert_eq!(hub["policies"].as_array().map(Vec::len), Some(2), "{hub}");
}

/// A scan through the same faults (throttling, 500s, dropped connections) writes exactly the
/// snapshot folder a scan without them writes: retries neither lose nor duplicate anything.
#[test]
fn scan_through_injected_faults_matches_a_clean_scan() {
    if !moto_enabled() {
        return;
    }
    let Deployment { moto, org, ws, .. } =
        Deployment::new(20, 20, ModelSpec::with_direct(vec![1, 30]));
    ws.run(&moto.endpoint, &["apply"]).expect_code(0);
    ws.run(&moto.endpoint, &["scan", "--out", "clean"])
        .expect_code(0);
    let proxy = Proxy::faulty(&moto.endpoint, 11);
    ws.run(&proxy.endpoint, &["scan", "--out", "faulty"])
        .expect_code(0);
    let stats = proxy.stats();
    assert!(
        stats["injected"]["throttle"].as_u64().unwrap_or(0) > 20
            && stats["injected"]["error"].as_u64().unwrap_or(0) > 0
            && stats["injected"]["drop-before"].as_u64().unwrap_or(0)
                + stats["injected"]["drop-after"].as_u64().unwrap_or(0)
                > 0,
        "{stats}"
    );
    let clean = folder(&ws.path().join("clean"));
    assert_eq!(clean.len(), org.account_count() + 1);
    let faulty = folder(&ws.path().join("faulty"));
    assert_eq!(
        clean.keys().collect::<Vec<_>>(),
        faulty.keys().collect::<Vec<_>>()
    );
    for (name, text) in &clean {
        assert!(
            &faulty[name] == text,
            "{name} differs after a scan through faults"
        );
    }
}

/// Every snapshot file under `root` by its relative path (not the `.awsfed-out` marker).
fn folder(root: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("snapshot folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if !path.ends_with(awsfed_files::MARKER) {
                let name = path
                    .strip_prefix(root)
                    .expect("inside")
                    .display()
                    .to_string();
                files.insert(name, std::fs::read_to_string(&path).expect("snapshot file"));
            }
        }
    }
    files
}

/// An apply killed with SIGKILL midway, then run again, converges; an account holding a role
/// awsfed needs but does not own fails on its own (exit 1) while the others are applied.
#[test]
fn apply_killed_midway_converges_when_run_again() {
    if !moto_enabled() {
        return;
    }
    let Deployment { moto, org, ws, .. } =
        Deployment::new(50, 50, ModelSpec::with_direct(vec![3, 30]));
    let (_, blocked, _) = &org.workloads[5];
    create_foreign_role(&moto.endpoint, blocked, "ReadOnly", "/");
    // The proxy only counts writes, so the kill lands mid-apply.
    let proxy = Proxy::start(&moto.endpoint, &[]);
    let mut child = ws
        .awsfed(&proxy.endpoint, &["apply", "--concurrency", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("apply starts");
    let started = Instant::now();
    loop {
        let writes = proxy.stats()["writes"].as_u64().unwrap_or(0);
        if writes >= 60 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "apply made no progress"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "apply finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let partial = ws
        .run(&moto.endpoint, &["plan", "--detailed-exitcode"])
        .expect_code(1);
    // Exit 1: the blocked account's conflict; the interrupted work shows as changes.
    assert!(partial.stdout().contains("to create"));
    let rerun = ws.run(&moto.endpoint, &["apply"]).expect_code(1);
    let expected = format!("{blocked}: 1 conflict(s): role arn:aws:iam::{blocked}:role/ReadOnly");
    assert!(rerun.stderr().contains(&expected), "{}", rerun.stderr());
    let left = ws
        .run(&moto.endpoint, &["plan", "--detailed-exitcode"])
        .expect_code(1);
    assert_eq!(
        left.stdout().matches("account ").count(),
        1,
        "{}",
        left.stdout()
    );
    assert!(
        left.stdout()
            .contains("nothing in 1 accounts (100 unchanged), 1 conflicts"),
        "{}",
        left.stdout()
    );
    assert!(role_names(&roles(&moto.endpoint, blocked)).contains(&"Admin".to_owned()));
}

/// A converged plan makes at most 4 calls per account (role assumption included) and no writes; so
/// does a second apply.
#[test]
fn converged_plan_makes_few_calls_and_no_writes() {
    if !moto_enabled() {
        return;
    }
    let Deployment { moto, org, ws, .. } = Deployment::new(
        50,
        50,
        ModelSpec::with_direct((0..100).step_by(5).collect()),
    );
    ws.run(&moto.endpoint, &["apply"]).expect_code(0);
    let proxy = Proxy::start(&moto.endpoint, &[]);
    ws.run(&proxy.endpoint, &["plan", "--detailed-exitcode"])
        .expect_code(0);
    // A second apply and a bootstrap of a converged account make no write either.
    ws.run(&proxy.endpoint, &["apply"]).expect_code(0);
    let (_, id, _) = &org.workloads[4];
    ws.run(&proxy.endpoint, &["bootstrap", "--account", id])
        .expect_code(0);
    let stats = proxy.stats();
    assert_eq!(stats["writes"], 0, "{stats}");
    // Nothing to create: no account's quotas are read.
    assert!(stats["by_action"]["GetAccountSummary"].is_null(), "{stats}");
    let calls = stats["calls"].as_u64().unwrap_or(u64::MAX) as f64;
    let accounts = 2.0 * org.account_count() as f64 + 2.0;
    assert!(
        calls / accounts <= 4.0,
        "{calls} calls for {accounts} account reads: {stats}"
    );
    // bootstrap provisions a new account on its own (and the hub policies that reach it).
    let new_id = add_dev_account(&moto.endpoint, "Workloads/Dev", "latecomer");
    let discover = ["--discover-ou", "Workloads/Dev"];
    let boot = ws
        .run(
            &moto.endpoint,
            &[&["bootstrap", "--account", &new_id][..], &discover].concat(),
        )
        .expect_code(0);
    assert!(boot.stdout().contains("update policy"), "{}", boot.stdout());
    let state = roles(&moto.endpoint, &new_id);
    assert!(role_names(&state).contains(&"Admin".to_owned()), "{state}");
    ws.run(
        &moto.endpoint,
        &[&["plan", "--detailed-exitcode"][..], &discover].concat(),
    )
    .expect_code(0);
}

/// The plan reads the live quotas (`iam:GetAccountSummary`) of the accounts it would create
/// something in, and only those. moto reports IAM's default of 10 managed policies per role, so a
/// permission set of 11 that the model allows (its `quotas` say 12) is a conflict in every account
/// that grants it, and nothing is changed there.
#[test]
fn plan_checks_creations_against_live_quotas() {
    if !moto_enabled() {
        return;
    }
    let Deployment {
        moto,
        org,
        ws,
        spec,
    } = Deployment::new(
        3,
        3,
        ModelSpec {
            direct: vec![0],
            developers: false,
        },
    );
    let base = spec.yaml(&org);
    ws.run(&moto.endpoint, &["apply"]).expect_code(0);
    let wide: Vec<String> = (0..11)
        .map(|i| format!("arn:aws:iam::aws:policy/Wide{i}"))
        .collect();
    let raised = base.replace(
        "permission_sets:\n",
        &format!(
            "quotas: {{ managed_policies_per_role: 12 }}\npermission_sets:\n  Wide:\n    managed_policies: [{}]\n    session_duration: 1h\n",
            wide.join(", ")
        ),
    ) + "  auditors: [ { accounts: { ous: [Workloads/Dev] }, permission_set: Wide } ]\n";
    ws.write_model(&raised);
    let proxy = Proxy::start(&moto.endpoint, &[]);
    let planned = ws.run(&proxy.endpoint, &["plan"]).expect_code(1);
    let dev: Vec<&String> = org
        .workloads
        .iter()
        .filter(|(_, _, env)| env == "dev")
        .map(|(_, id, _)| id)
        .collect();
    let stdout = planned.stdout();
    assert_eq!(
        stdout
            .matches("would have 11 managed policies attached, past the account's managed policies per role quota of 10")
            .count(),
        dev.len(),
        "{stdout}"
    );
    assert!(
        stdout.contains("set `quotas.managed_policies_per_role` to 10"),
        "{stdout}"
    );
    // The dev accounts and the hub (a new hub role), not the unchanged prod accounts.
    let stats = proxy.stats();
    assert_eq!(
        stats["by_action"]["GetAccountSummary"].as_u64(),
        Some(dev.len() as u64 + 1),
        "{stats}"
    );
    // apply refuses those accounts and changes nothing in them; the hub gets its new role.
    let applied = ws.run(&moto.endpoint, &["apply"]).expect_code(1);
    for id in &dev {
        assert!(
            applied
                .stderr()
                .contains(&format!("{id}: 1 conflict(s): role Wide")),
            "{}",
            applied.stderr()
        );
        assert!(!role_names(&roles(&moto.endpoint, id)).contains(&"Wide".to_owned()));
    }
}
