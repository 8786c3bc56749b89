//! Access analysis through the binary on the examples.

use std::path::Path;

use awsfed_snapshot::Snapshot;
use serde_json::Value;

use crate::deploy_support::{ModelSpec, Moto, Org, Workspace, moto_enabled, org_tool, role, roles};
use crate::support::{Awsfed, example, repo};

fn run(example_name: &str, args: &[&str]) -> crate::support::Run {
    Awsfed::new().config(example(example_name)).args(args).run()
}

#[test]
fn who_can_names_groups_hops_and_conditions() {
    let out = run("hub-and-spoke", &["who-can", "prod/Admin"]).expect_code(0);
    insta::assert_snapshot!("who_can_hub_and_spoke_prod_admin", out.stdout());
    let out = run("mixed", &["who-can", "prod-web/Admin"]).expect_code(0);
    insta::assert_snapshot!("who_can_mixed_prod_web_admin", out.stdout());
    let json = run(
        "hub-and-spoke",
        &["--output", "json", "who-can", "222222222222/Admin"],
    )
    .expect_code(0)
    .stdout();
    let paths: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(paths.as_array().unwrap().len(), 1);
    assert_eq!(paths[0]["group"], "platform-admins");
    assert_eq!(paths[0]["hops"].as_array().unwrap().len(), 2);
}

#[test]
fn who_can_rejects_unknown_roles_with_a_hint() {
    let out = run("hub-and-spoke", &["who-can", "prod/Nope"]).expect_code(2);
    assert!(
        out.stderr().contains("roles in `prod`: "),
        "{}",
        out.stderr()
    );
    run("hub-and-spoke", &["who-can", "prod"]).expect_code(2);
}

#[test]
fn access_matrix_of_the_examples() {
    insta::assert_snapshot!(
        "access_hub_and_spoke",
        run("hub-and-spoke", &["access"]).expect_code(0).stdout()
    );
    insta::assert_snapshot!(
        "access_mixed",
        run("mixed", &["access"]).expect_code(0).stdout()
    );
    let one = run("hub-and-spoke", &["access", "--group", "auditors"])
        .expect_code(0)
        .stdout();
    assert!(
        one.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .all(|l| l.starts_with("auditors") || l.contains("paths from"))
    );
    run("hub-and-spoke", &["access", "--group", "nobody"]).expect_code(2);
}

#[test]
fn audit_of_the_examples() {
    let clean = run("hub-and-spoke", &["audit"]).expect_code(0);
    insta::assert_snapshot!("audit_hub_and_spoke", clean.stdout());
    // mixed's only findings are its chained sessions over an hour (low), below the default threshold.
    let mixed = run("mixed", &["audit"]).expect_code(0);
    insta::assert_snapshot!("audit_mixed", mixed.stdout());
    run("mixed", &["audit", "--fail-on", "low"]).expect_code(1);
    run("mixed", &["audit", "--fail-on", "never"]).expect_code(0);
    let sarif: Value = serde_json::from_str(
        &run(
            "mixed",
            &["audit", "--format", "sarif", "--fail-on", "never"],
        )
        .expect_code(0)
        .stdout(),
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let json: Value = serde_json::from_str(
        &run(
            "mixed",
            &["--output", "json", "audit", "--fail-on", "never"],
        )
        .expect_code(0)
        .stdout(),
    )
    .unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|f| f["fix"].is_string())
    );
}

#[test]
fn graph_in_dot_and_mermaid() {
    insta::assert_snapshot!(
        "graph_hub_and_spoke_dot",
        run("hub-and-spoke", &["graph"]).expect_code(0).stdout()
    );
    insta::assert_snapshot!(
        "graph_hub_and_spoke_mermaid",
        run("hub-and-spoke", &["graph", "--format", "mermaid"])
            .expect_code(0)
            .stdout()
    );
}

/// The snapshot the hub-and-spoke model deploys, written to `dir/NAME`.
fn deployed_snapshot(dir: &Path, name: &str) -> (std::path::PathBuf, Snapshot) {
    deployed_example(dir, "hub-and-spoke", name)
}

/// The snapshot the example model `example_name` deploys, written to `dir/NAME`.
fn deployed_example(dir: &Path, example_name: &str, name: &str) -> (std::path::PathBuf, Snapshot) {
    let json = run(example_name, &["--output", "json", "compile"])
        .expect_code(0)
        .stdout();
    let state: Value = serde_json::from_str(&json).unwrap();
    // Rebuild the snapshot from the model through the library: the same view the commands use.
    let path = example(example_name);
    let bytes = std::fs::read(&path).unwrap();
    let text = awsfed_model::load::decode(&bytes).unwrap();
    let raw = awsfed_model::load::parse(text).unwrap();
    let base = path.parent().unwrap().to_owned();
    let mut read = |f: &str| std::fs::read_to_string(base.join(f)).map_err(|e| e.to_string());
    let model = awsfed_model::resolve(&raw, &mut read).0.unwrap();
    let compiled = awsfed_compile::compile(&model);
    assert_eq!(
        state["accounts"].as_array().unwrap().len(),
        compiled.accounts.len()
    );
    let snapshot = Snapshot::from_desired(&compiled);
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    (file, snapshot)
}

#[test]
fn verify_catches_a_hand_edited_trust() {
    let dir = tempfile::tempdir().unwrap();
    let (file, mut snapshot) = deployed_snapshot(dir.path(), "deployed.json");
    let same = run(
        "hub-and-spoke",
        &["verify", "--snapshot", file.to_str().unwrap()],
    )
    .expect_code(0);
    assert!(
        same.stdout().contains("0 extra, 0 missing"),
        "{}",
        same.stdout()
    );

    // An extra principal: hub-developers added to the identity account's Admin trust. A trust that
    // names a role of its own account lets it in without an identity grant.
    let identity = snapshot
        .accounts
        .iter_mut()
        .find(|a| a.id == "111111111111")
        .unwrap();
    let admin = identity
        .roles
        .iter_mut()
        .find(|r| r.name == "Admin")
        .unwrap();
    let mut trust = serde_json::to_value(&admin.trust_policy).unwrap();
    let principal = &mut trust["Statement"][0]["Principal"]["AWS"];
    let mut list: Vec<Value> = match principal.take() {
        Value::Array(v) => v,
        one => vec![one],
    };
    list.push(Value::from(
        "arn:aws:iam::111111111111:role/awsfed/hub/developers",
    ));
    *principal = Value::Array(list);
    admin.trust_policy = serde_json::from_value(trust).unwrap();
    let edited = dir.path().join("edited.json");
    std::fs::write(&edited, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    let out = run(
        "hub-and-spoke",
        &["verify", "--snapshot", edited.to_str().unwrap()],
    )
    .expect_code(1);
    insta::assert_snapshot!("verify_extra_principal", out.stdout());

    // diff between the two snapshots says the same.
    let diff = run(
        "hub-and-spoke",
        &["diff", file.to_str().unwrap(), edited.to_str().unwrap()],
    )
    .expect_code(0);
    assert!(
        diff.stdout()
            .contains("+ added: developers -> arn:aws:iam::111111111111:role/awsfed/Admin"),
        "{}",
        diff.stdout()
    );
}

/// A role outside the model that trusts the identity account's Admin role: platform-admins reach
/// it through two AssumeRole hops (hub role → Admin → Ops). Every command that proves access shows
/// the chain, and audit calls it an escalation.
#[test]
fn a_chain_of_two_assume_role_hops_is_followed_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut snapshot) = deployed_snapshot(dir.path(), "deployed.json");
    let prod = snapshot
        .accounts
        .iter_mut()
        .find(|a| a.id == "222222222222")
        .unwrap();
    let mut ops = prod
        .roles
        .iter()
        .find(|r| r.name == "Admin")
        .unwrap()
        .clone();
    ops.name = "Ops".into();
    ops.arn = "arn:aws:iam::222222222222:role/awsfed/Ops".into();
    ops.role_id = "AROAOPSEXAMPLE000001".into();
    ops.tags.clear();
    ops.trust_policy = awsfed_policy::PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/awsfed/Admin"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}"#,
    )
    .unwrap();
    prod.roles.push(ops);
    prod.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    let chained = dir.path().join("chained.json");
    std::fs::write(&chained, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    let file = chained.to_str().unwrap();

    let who = run(
        "hub-and-spoke",
        &["who-can", "prod/Ops", "--snapshot", file],
    )
    .expect_code(0);
    insta::assert_snapshot!("who_can_two_assume_role_hops", who.stdout());
    let matrix = run(
        "hub-and-spoke",
        &["access", "--group", "platform-admins", "--snapshot", file],
    )
    .expect_code(0);
    assert!(
        matrix
            .stdout()
            .lines()
            .any(|l| l.contains(" Ops ") && l.ends_with("platform-admins → Admin")),
        "{}",
        matrix.stdout()
    );
    let verify = run("hub-and-spoke", &["verify", "--snapshot", file]).expect_code(1);
    assert!(
        verify.stdout().contains(
            "+ extra: platform-admins -> arn:aws:iam::222222222222:role/awsfed/Ops (via arn:aws:iam::111111111111:role/awsfed/hub/platform-admins)"
        ),
        "{}",
        verify.stdout()
    );
    let graph = run("hub-and-spoke", &["graph", "--snapshot", file]).expect_code(0);
    assert!(
        graph.stdout().contains(
            "\"role:arn:aws:iam::111111111111:role/awsfed/Admin\" -> \"role:arn:aws:iam::222222222222:role/awsfed/Ops\" [label=\"AssumeRole\"];"
        ),
        "{}",
        graph.stdout()
    );
    let before = dir.path().join("deployed.json");
    let diff = run("hub-and-spoke", &["diff", before.to_str().unwrap(), file]).expect_code(0);
    assert!(
        diff.stdout()
            .contains("+ added: platform-admins -> arn:aws:iam::222222222222:role/awsfed/Ops"),
        "{}",
        diff.stdout()
    );
    let audit = run(
        "hub-and-spoke",
        &["audit", "--snapshot", file, "--now", "2026-01-01T00:00:00Z"],
    )
    .expect_code(1);
    insta::assert_snapshot!("audit_two_assume_role_hops", audit.stdout());
}

/// The IAM-users hub: access, graph and verify show IAM users like groups. Then a role awsfed does
/// not own in the hub account (`/other/escalate`), trusting the whole account, whose policy may
/// assume anything, and which prod's Admin trusts: margaret (an auditor, read-only) gets in with a
/// policy of her own allowing it (with MFA: awsfed's require-MFA policy denies her keys alone),
/// and from there on into prod's Admin. Every command that proves
/// access shows the chain, and audit calls it an escalation.
#[test]
fn iam_users_in_access_graph_verify_and_a_chain_from_a_role_a_user_entered() {
    let matrix = run("iam-users", &["access"]).expect_code(0);
    insta::assert_snapshot!("access_iam_users", matrix.stdout());
    let developers = run("iam-users", &["access", "--group", "developers"])
        .expect_code(0)
        .stdout();
    let principals: std::collections::BTreeSet<&str> = developers
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        principals.contains("iam-user:grace") && principals.contains("iam-user:linus"),
        "{}",
        developers
    );
    assert!(!principals.contains("iam-user:ada"), "{}", developers);
    insta::assert_snapshot!(
        "graph_iam_users_mermaid",
        run(
            "iam-users",
            &["graph", "--format", "mermaid", "--group", "iam-user:ada"]
        )
        .expect_code(0)
        .stdout()
    );
    let unknown = run("iam-users", &["access", "--group", "iam-user:nobody"]).expect_code(2);
    assert!(
        unknown.stderr().contains("iam-user:ada"),
        "{}",
        unknown.stderr()
    );

    let dir = tempfile::tempdir().unwrap();
    let (deployed, mut snapshot) = deployed_example(dir.path(), "iam-users", "deployed.json");
    let verify = run(
        "iam-users",
        &["verify", "--snapshot", deployed.to_str().unwrap()],
    )
    .expect_code(0);
    assert!(
        verify.stdout().contains("0 extra, 0 missing"),
        "{}",
        verify.stdout()
    );
    let hub = snapshot
        .accounts
        .iter_mut()
        .find(|a| a.id == "111111111111")
        .unwrap();
    // A role awsfed does not own: outside its path, untagged.
    let escalate: awsfed_snapshot::RoleSnapshot = serde_json::from_value(serde_json::json!({
        "name": "escalate", "path": "/other/", "arn": "arn:aws:iam::111111111111:role/other/escalate",
        "role_id": "AROAESCALATE00000001", "max_session_duration": 3600,
        "trust_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}]},
        "inline_policies": {"anything": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}},
    }))
    .unwrap();
    hub.roles.push(escalate);
    hub.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    let margaret = hub.users.iter_mut().find(|u| u.name == "margaret").unwrap();
    margaret.inline_policies.insert(
        "by-hand".into(),
        awsfed_policy::PolicyDocument::from_json(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111111111111:role/other/escalate"}]}"#,
        )
        .unwrap(),
    );
    let prod = snapshot
        .accounts
        .iter_mut()
        .find(|a| a.id == "222222222222")
        .unwrap();
    let admin = prod.roles.iter_mut().find(|r| r.name == "Admin").unwrap();
    let mut trust = serde_json::to_value(&admin.trust_policy).unwrap();
    trust["Statement"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:role/other/escalate"},
            "Action": "sts:AssumeRole",
        }));
    admin.trust_policy = serde_json::from_value(trust).unwrap();
    let chained = dir.path().join("chained.json");
    std::fs::write(&chained, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    let file = chained.to_str().unwrap();

    let who = run("iam-users", &["who-can", "prod/Admin", "--snapshot", file]).expect_code(0);
    insta::assert_snapshot!("who_can_iam_user_chain", who.stdout());
    let auditors = run(
        "iam-users",
        &["access", "--group", "auditors", "--snapshot", file],
    )
    .expect_code(0);
    assert!(
        auditors
            .stdout()
            .lines()
            .any(|l| l.starts_with("iam-user:margaret")
                && l.contains(" Admin ")
                && l.ends_with("MFA: escalate")),
        "{}",
        auditors.stdout()
    );
    let verify = run("iam-users", &["verify", "--snapshot", file]).expect_code(1);
    insta::assert_snapshot!("verify_iam_user_chain", verify.stdout());
    let graph = run("iam-users", &["graph", "--snapshot", file]).expect_code(0);
    for edge in [
        "\"user:arn:aws:iam::111111111111:user/awsfed/users/margaret\" -> \"role:arn:aws:iam::111111111111:role/other/escalate\" [label=\"AssumeRole (MFA)\"];",
        "\"role:arn:aws:iam::111111111111:role/other/escalate\" -> \"role:arn:aws:iam::222222222222:role/awsfed/Admin\" [label=\"AssumeRole\"];",
    ] {
        assert!(graph.stdout().contains(edge), "{edge}\n{}", graph.stdout());
    }
    let audit = run(
        "iam-users",
        &["audit", "--snapshot", file, "--now", "2026-01-01T00:00:00Z"],
    )
    .expect_code(1);
    insta::assert_snapshot!("audit_iam_user_chain", audit.stdout());
}

/// `verify` on what `apply` wrote to an organisation in moto and `scan` read back: the deployed
/// trusts grant exactly the model's paths, and a principal added to one role trust behind awsfed's
/// back (IAM `UpdateAssumeRolePolicy`) is an extra path. moto decides nothing: the paths come from
/// the evaluator over the scanned policies.
#[test]
fn verify_catches_an_extra_principal_in_a_scanned_organisation() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start();
    let e = moto.endpoint.as_str();
    let org = Org::create(e, 1, 1);
    let ws = Workspace::new();
    let spec = ModelSpec::hub_and_spoke();
    ws.write_model(&spec.yaml(&org));
    ws.run(e, &["apply"]).expect_code(0);
    ws.run(e, &["scan", "--out", "deployed"]).expect_code(0);
    let same = ws
        .run(e, &["verify", "--snapshot", "deployed"])
        .expect_code(0);
    assert!(
        same.stdout().contains("0 extra, 0 missing"),
        "{}",
        same.stdout()
    );

    // Developers get Admin only in Workloads/Dev. hub-developers named in the identity account's
    // Admin trust lets them in: a trust that names a role of its own account needs no identity
    // grant.
    let identity = &org.identity;
    let hub_developers = format!("arn:aws:iam::{identity}:role/awsfed/hub/developers");
    let state = roles(e, identity);
    let mut trust = role(&state, "Admin").expect("the identity account has Admin")["trust"].clone();
    if let Some(text) = trust.as_str() {
        trust = serde_json::from_str(text).expect("the trust is JSON");
    }
    let principal = &mut trust["Statement"][0]["Principal"]["AWS"];
    let mut list: Vec<Value> = match principal.take() {
        Value::Array(v) => v,
        one => vec![one],
    };
    list.push(Value::from(hub_developers.as_str()));
    *principal = Value::Array(list);
    org_tool(
        e,
        &[
            "put-trust",
            "--account",
            identity,
            "--role",
            "Admin",
            "--document",
            &trust.to_string(),
        ],
    );
    ws.run(e, &["scan", "--out", "edited"]).expect_code(0);
    let out = ws
        .run(e, &["verify", "--snapshot", "edited"])
        .expect_code(1);
    assert_eq!(
        out.stdout(),
        format!(
            "+ extra: developers -> arn:aws:iam::{identity}:role/awsfed/Admin (via {hub_developers})\n1 extra, 0 missing\n"
        )
    );

    // diff between the two scans says the same.
    let diff = ws.run(e, &["diff", "deployed", "edited"]).expect_code(0);
    assert!(
        diff.stdout().contains(&format!(
            "+ added: developers -> arn:aws:iam::{identity}:role/awsfed/Admin"
        )),
        "{}",
        diff.stdout()
    );
}

/// `plan --snapshot` reads through the same bounded reader as the analysis commands: nesting and
/// size limits, errors naming the file, line and column.
#[test]
fn plan_reads_snapshots_through_the_bounded_reader() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.json");
    std::fs::write(&deep, format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
    let plan = |path: &Path| {
        run(
            "hub-and-spoke",
            &["plan", "--snapshot", path.to_str().unwrap()],
        )
        .expect_code(2)
        .stderr()
    };
    let stderr = plan(&deep);
    assert!(
        stderr.contains(&format!(
            "deep.json:1:{}: JSON nested deeper than",
            awsfed_snapshot::MAX_JSON_DEPTH + 1
        )),
        "{stderr}"
    );
    // A folder's account files are held to the same limits.
    let folder = dir.path().join("folder");
    std::fs::create_dir_all(folder.join("accounts")).unwrap();
    let account = folder.join("accounts/111111111111.json");
    std::fs::write(
        &account,
        format!("{{\n  \"x\": {}{}}}", "[".repeat(40), "]".repeat(40)),
    )
    .unwrap();
    let stderr = plan(&folder);
    assert!(stderr.contains("111111111111.json:2:"), "{stderr}");
    // Too large is refused from the file's size, before reading it (a sparse file costs no disk).
    let large = dir.path().join("large.json");
    std::fs::File::create(&large)
        .unwrap()
        .set_len(awsfed_snapshot::MAX_SNAPSHOT_FILE_BYTES as u64 + 1)
        .unwrap();
    let stderr = plan(&large);
    assert!(stderr.contains("large.json: the file is"), "{stderr}");
    assert!(stderr.contains("are read"), "{stderr}");
}

#[test]
fn bad_snapshots_and_request_files_name_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"format\": 1,\n  \"accounts\": [\n    {\"id\": 1}\n  ]\n}\n",
    )
    .unwrap();
    let out = run(
        "hub-and-spoke",
        &["access", "--snapshot", bad.to_str().unwrap()],
    )
    .expect_code(2);
    assert!(out.stderr().contains("bad.json:4:"), "{}", out.stderr());
    let request = dir.path().join("request.json");
    std::fs::write(&request, "{\"principal\": \"x\",\n \"action\": 5}").unwrap();
    let out = run("hub-and-spoke", &["simulate", request.to_str().unwrap()]).expect_code(2);
    assert!(out.stderr().contains("request.json:2:"), "{}", out.stderr());
}

#[test]
fn simulate_explains_a_decision() {
    let request = repo().join("schemas/examples/simulate-assume-role.json");
    let out = run("hub-and-spoke", &["simulate", request.to_str().unwrap()]).expect_code(0);
    insta::assert_snapshot!("simulate_assume_role", out.stdout());
}

#[test]
fn an_idp_description_drives_a_snapshot_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = deployed_snapshot(dir.path(), "deployed.json");
    let idp = dir.path().join("idp.json");
    std::fs::write(
        &idp,
        r#"{"format": 1, "source_identity": true, "audiences": ["https://signin.aws.amazon.com/saml"],
            "groups": {"admins": ["arn:aws:iam::111111111111:role/awsfed/hub/platform-admins,arn:aws:iam::111111111111:saml-provider/corp"]}}"#,
    )
    .unwrap();
    let out = Awsfed::new()
        .args([
            "access",
            "--snapshot",
            file.to_str().unwrap(),
            "--idp",
            idp.to_str().unwrap(),
        ])
        .run()
        .expect_code(0);
    assert!(
        out.stdout().contains("5 paths from 1 groups"),
        "{}",
        out.stdout()
    );
}

#[test]
fn a_snapshot_folder_reads_like_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (file, snapshot) = deployed_snapshot(dir.path(), "deployed.json");
    let folder = dir.path().join("scan");
    std::fs::create_dir_all(folder.join("accounts")).unwrap();
    for account in &snapshot.accounts {
        std::fs::write(
            folder.join("accounts").join(format!("{}.json", account.id)),
            serde_json::to_string_pretty(account).unwrap(),
        )
        .unwrap();
    }
    let from_file = run(
        "hub-and-spoke",
        &["access", "--snapshot", file.to_str().unwrap()],
    )
    .expect_code(0)
    .stdout();
    let from_folder = run(
        "hub-and-spoke",
        &["access", "--snapshot", folder.to_str().unwrap()],
    )
    .expect_code(0)
    .stdout();
    assert_eq!(from_file, from_folder);
    // A file named for another account is refused, naming it.
    std::fs::rename(
        folder.join("accounts/222222222222.json"),
        folder.join("accounts/999999999999.json"),
    )
    .unwrap();
    let out = run(
        "hub-and-spoke",
        &["access", "--snapshot", folder.to_str().unwrap()],
    )
    .expect_code(2);
    assert!(
        out.stderr().contains("999999999999.json"),
        "{}",
        out.stderr()
    );
}

/// A snapshot scanned without Organizations read access (no organization.json) whose hub policy
/// names its spokes by OU path (the `role-name-by-org-paths` form): access, who-can and verify say
/// loudly which policy cannot be decided and what to do, and no path it may give goes missing.
#[test]
fn ou_path_hub_policies_without_the_organisation_are_named_and_not_under_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (deployed, mut snapshot) = deployed_snapshot(dir.path(), "deployed.json");
    let before = run(
        "hub-and-spoke",
        &["access", "--snapshot", deployed.to_str().unwrap()],
    )
    .expect_code(0);
    assert!(!before.stderr().contains("aws:ResourceOrgPaths"));
    let hub = snapshot
        .accounts
        .iter_mut()
        .find(|a| a.id == "111111111111")
        .unwrap();
    let policy = hub
        .policies
        .iter_mut()
        .find(|p| p.name == "developers-assume")
        .expect("the developers' hub policy");
    policy.document = serde_json::from_value(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Resource": "arn:aws:iam::*:role/awsfed/*",
            "Condition": {"ForAnyValue:StringLike": {
                "aws:ResourceOrgPaths": "o-abcdefghij/r-ab12/ou-ab12-11111111/*"
            }}
        }]
    }))
    .unwrap();
    let arn = policy.arn.clone();
    let edited = dir.path().join("no-organization.json");
    std::fs::write(&edited, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    let edited = edited.to_str().unwrap();

    let access = run("hub-and-spoke", &["access", "--snapshot", edited]).expect_code(0);
    insta::assert_snapshot!("access_unknown_org_paths_stderr", access.stderr());
    assert!(access.stderr().contains(&arn), "{}", access.stderr());
    // Every path the developers had is still shown (the OU they sit in cannot be known).
    let lines = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter(|l| l.contains("developers"))
            .map(str::to_owned)
            .collect()
    };
    let (had, has) = (lines(&before.stdout()), lines(&access.stdout()));
    assert!(!had.is_empty());
    assert!(had.is_subset(&has), "missing: {:?}", had.difference(&has));

    let who = run(
        "hub-and-spoke",
        &["who-can", "prod/Admin", "--snapshot", edited],
    );
    assert!(who.stderr().contains(&arn), "{}", who.stderr());
    let verify = run("hub-and-spoke", &["verify", "--snapshot", edited]);
    assert!(verify.stderr().contains(&arn), "{}", verify.stderr());
    assert!(verify.stderr().contains("organization.json"));
}
