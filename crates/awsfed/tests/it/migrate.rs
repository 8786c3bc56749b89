//! `awsfed migrate` against a moto organisation deployed hub-and-spoke: accounts moved to direct in
//! stages (expand, switch, contract), rollback from expand and from switch (scans byte-compared),
//! and a SIGKILL in the middle of a stage. moto enforces no policy: at each checkpoint every
//! sign-in of the moving accounts and of a sample of the others is decided by iam-simulate at the
//! trust gate, against the model and awsfed's evaluator (`migrate_gate`).
//!
//! Scale: 20 accounts, 6 moving, by default; `AWSFED_MIGRATE_FULL=1` runs the 100-account
//! organisation with 30 accounts moving. A full `scripts/test` runs both: the full scale as a second
//! run of this binary beside the workspace's tests (with `migrate_identity_center`'s full scale).

use std::io::BufRead;
use std::process::Stdio;

use crate::deploy_support::{
    Deployment, ModelSpec, Proxy, add_dev_account, moto_enabled, role, roles,
};
use crate::migrate_gate::{Checkpoint, GateCheck};

fn scale() -> (usize, usize, usize) {
    if std::env::var(awsfed_env::AWSFED_MIGRATE_FULL).is_ok_and(|v| v == "1") {
        (50, 49, 30)
    } else {
        (10, 9, 6)
    }
}

/// Every file of a scan folder, by relative path.
fn scan(d: &Deployment, e: &str, name: &str) -> std::collections::BTreeMap<String, String> {
    d.ws.run(e, &["scan", "--out", name]).expect_code(0);
    let mut files = std::collections::BTreeMap::new();
    let root = d.ws.path().join(name);
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("scan folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != ".awsfed-out") {
                let relative = path
                    .strip_prefix(&root)
                    .expect("under root")
                    .display()
                    .to_string();
                files.insert(relative, std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    files
}

/// Byte-for-byte the same scan; on a difference, the first differing line of each file.
pub fn assert_same_scan(
    before: &std::collections::BTreeMap<String, String>,
    after: &std::collections::BTreeMap<String, String>,
    what: &str,
) {
    let mut differences = Vec::new();
    for (file, text) in before {
        match after.get(file) {
            None => differences.push(format!("{file}: missing after")),
            Some(other) if other != text => {
                let line = text
                    .lines()
                    .zip(other.lines())
                    .enumerate()
                    .find(|(_, (a, b))| a != b)
                    .map(|(i, (a, b))| format!("line {}: {a:?} became {b:?}", i + 1))
                    .unwrap_or_else(|| "lengths differ".to_owned());
                differences.push(format!("{file}: {line}"));
            }
            Some(_) => {}
        }
    }
    differences.extend(
        after
            .keys()
            .filter(|f| !before.contains_key(*f))
            .map(|f| format!("{f}: new")),
    );
    assert!(
        differences.is_empty(),
        "{what}: the scans differ:\n{}",
        differences.join("\n")
    );
}

fn tag_of(d: &Deployment, account: &str, role_name: &str) -> Option<String> {
    let state = roles(&d.moto.endpoint, account);
    let role = role(&state, role_name).unwrap_or_else(|| panic!("{role_name}: {state}"));
    role["tags"]["awsfed:migration"].as_str().map(str::to_owned)
}

fn trust(d: &Deployment, account: &str, role_name: &str) -> String {
    let state = roles(&d.moto.endpoint, account);
    role(&state, role_name).unwrap_or_else(|| panic!("{role_name}: {state}"))["trust"].to_string()
}

/// The parts of `migrate plan` whose order does not depend on the random account ids moto gives:
/// the account table (by name), the stages, the switch window and the proof.
fn stable_part(text: &str) -> String {
    let mut out = String::new();
    let mut keep = true;
    for line in text.lines() {
        if line.starts_with("IdP changes at the switch") || line.starts_with("Next stage") {
            out.push_str(line);
            out.push_str("\n  …\n");
            keep = false;
        } else if line.starts_with("Proof of") || line.starts_with("hint:") {
            keep = true;
        }
        if keep && !line.starts_with("IdP changes") && !line.starts_with("Next stage") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn redacted(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits.len() == 12 { "[ID]" } else { &digits });
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

/// The IAM changes `migrate plan` expects each stage still to come to make, by stage name.
fn estimated(d: &Deployment, e: &str) -> std::collections::BTreeMap<String, u64> {
    let plan =
        d.ws.run(e, &["--output", "json", "migrate", "plan"])
            .expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&plan.stdout()).expect("plan JSON");
    json["cost"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().expect("name").to_owned(),
                s["iam_changes"].as_u64().expect("count"),
            )
        })
        .collect()
}

/// A stage command (`migrate ARGS`) in JSON: its report (the changes it made and the stage's
/// proof) and its stderr.
fn stage_run(d: &Deployment, e: &str, args: &[&str]) -> (serde_json::Value, String) {
    let run =
        d.ws.run(e, &[&["--output", "json", "migrate"][..], args].concat())
            .expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("apply JSON");
    assert_eq!(json["changes_applied"], json["changes_planned"], "{json}");
    assert!(
        json["proof"].is_object(),
        "a stage reports its proof: {json}"
    );
    (json, run.stderr())
}

/// The changes a stage command made, as it reports them, its proof and its stderr.
fn applied(d: &Deployment, e: &str, stage: &str) -> (u64, serde_json::Value, String) {
    let (json, stderr) = stage_run(d, e, &[stage]);
    (
        json["changes_applied"].as_u64().expect("count"),
        json["proof"].clone(),
        stderr,
    )
}

/// Runs `migrate next`, SIGKILLs it once it has made its first change, and returns.
fn kill_mid_stage(d: &Deployment, e: &str) {
    let mut child =
        d.ws.awsfed(e, &["migrate", "next"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("awsfed starts");
    let stderr = child.stderr.take().expect("stderr");
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.expect("line");
        // Progress without a terminal: `  ACCOUNT-ID: CHANGE` per change made.
        if line.starts_with("  ")
            && line.contains(": ")
            && line.trim_start().starts_with(|c: char| c.is_ascii_digit())
        {
            break;
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

#[test]
fn hub_and_spoke_accounts_move_to_direct_in_stages_and_roll_back_exactly() {
    if !moto_enabled() {
        return;
    }
    let (prod, dev, moving) = scale();
    let mut d = Deployment::new(prod, dev, ModelSpec::hub_and_spoke());
    // awsfed talks to moto through a proxy that keeps SAML provider tags, which moto drops: a
    // provider is deleted only when it carries awsfed's tag.
    let proxy = Proxy::start(&d.moto.endpoint, &["--saml-provider-tags"]);
    let e = proxy.endpoint.clone();
    d.ws.run(&e, &["apply"]).expect_code(0);
    let before = scan(&d, &e, "before");

    // The model moves accounts: plan proposes the expand stage, never a swap.
    let old_yaml = d.spec.yaml(&d.org);
    d.spec.direct = (0..moving).collect();
    d.ws.write_model(&d.spec.yaml(&d.org));
    // Every sign-in of the moving accounts and of a sample of the others, at each checkpoint.
    let gate = GateCheck::start(
        &d,
        &old_yaml,
        &d.spec.yaml(&d.org),
        &d.spec.direct,
        if moving == 6 { 4 } else { 10 },
    );
    let at = |name: &str, checkpoint, proof: Option<&serde_json::Value>| {
        gate.check(&d, &d.ws.path().join(name), checkpoint, proof, None)
    };
    let mut counts = vec![at("before", Checkpoint::Before, None)];
    let (_, first, _) = d.org.workloads[0].clone();
    let plan =
        d.ws.run(&e, &["plan", "--detailed-exitcode"])
            .expect_code(2);
    assert!(
        plan.stdout().contains("hint: migration expand"),
        "{}",
        plan.stdout()
    );
    assert!(!plan.stdout().contains("delete role"), "{}", plan.stdout());
    let status = d.ws.run(&e, &["migrate", "status"]).expect_code(0);
    assert!(
        status.stdout().contains("expand pending"),
        "{}",
        status.stdout()
    );
    if moving == 6 {
        insta::assert_snapshot!("status_planned", redacted(&status.stdout()));
        let plan = d.ws.run(&e, &["migrate", "plan"]).expect_code(0);
        insta::assert_snapshot!("plan_planned", stable_part(&redacted(&plan.stdout())));
    }

    // Expand, interrupted by SIGKILL, then run again: it converges.
    kill_mid_stage(&d, &e);
    let (expanded, next_stderr) = stage_run(&d, &e, &["next"]);
    assert!(
        next_stderr.contains("Proof of the expand stage"),
        "{next_stderr}"
    );
    assert!(
        next_stderr.contains("every intended path, nothing else"),
        "{next_stderr}"
    );
    let both = trust(&d, &first, "Admin");
    assert!(
        both.contains("saml-provider/corp") && both.contains("role/awsfed/hub/platform-admins"),
        "{both}"
    );
    assert_eq!(
        tag_of(&d, &first, "Admin").as_deref(),
        Some("hub-and-spoke/direct/expand")
    );
    d.ws.run(&e, &["plan", "--detailed-exitcode"])
        .expect_code(0);
    scan(&d, &e, "expanded");
    counts.push(at(
        "expanded",
        Checkpoint::Expanded,
        Some(&expanded["proof"]),
    ));
    let status = d.ws.run(&e, &["migrate", "status"]).expect_code(0);
    assert_eq!(
        status.stdout().matches(" both\n").count(),
        moving,
        "{}",
        status.stdout()
    );
    let waiting = d.ws.run(&e, &["migrate", "next"]).expect_code(1);
    assert!(
        waiting.stderr().contains("waits for the IdP switch"),
        "{}",
        waiting.stderr()
    );

    // Rollback from expand restores the old state exactly.
    let (rolled_back, _) = stage_run(&d, &e, &["rollback"]);
    assert_same_scan(
        &before,
        &scan(&d, &e, "after-expand-rollback"),
        "rollback from expand",
    );
    counts.push(at(
        "after-expand-rollback",
        Checkpoint::RolledBack,
        Some(&rolled_back["proof"]),
    ));

    // Expand again, confirm the switch, roll back: refused until the IdP is reverted, then exact.
    d.ws.run(&e, &["migrate", "next"]).expect_code(0);
    let (switched, _) = stage_run(&d, &e, &["confirm-switch"]);
    assert_eq!(
        tag_of(&d, &first, "Admin").as_deref(),
        Some("hub-and-spoke/direct/switch")
    );
    scan(&d, &e, "switched");
    counts.push(at(
        "switched",
        Checkpoint::Switched,
        Some(&switched["proof"]),
    ));
    let refused = d.ws.run(&e, &["migrate", "rollback"]).expect_code(1);
    assert!(refused.stderr().contains("loses"), "{}", refused.stderr());
    assert!(
        refused
            .stderr()
            .contains("put the old Role values back first"),
        "{}",
        refused.stderr()
    );
    let (rolled_back, _) = stage_run(&d, &e, &["rollback", "--idp-reverted"]);
    assert_same_scan(
        &before,
        &scan(&d, &e, "after-switch-rollback"),
        "rollback from switch",
    );
    counts.push(at(
        "after-switch-rollback",
        Checkpoint::RolledBack,
        Some(&rolled_back["proof"]),
    ));

    // The whole way: expand, switch, contract, each making the changes `migrate plan` estimated.
    let estimate = estimated(&d, &e);
    assert!(estimate["expand"] > 0, "{estimate:?}");
    let (expand, _, _) = applied(&d, &e, "next");
    let (switch, _, _) = applied(&d, &e, "confirm-switch");
    if moving == 6 {
        let plan = d.ws.run(&e, &["migrate", "plan"]).expect_code(0);
        insta::assert_snapshot!("plan_switched", stable_part(&redacted(&plan.stdout())));
    }
    let from_switch = estimated(&d, &e);
    let (contract_changes, contract_proof, contract_stderr) = applied(&d, &e, "next");
    let seen = [
        ("expand", expand),
        ("switch", switch),
        ("contract", contract_changes),
    ];
    assert_eq!(
        estimate,
        seen.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        "estimated before expand, applied"
    );
    assert_eq!(from_switch["contract"], contract_changes, "{from_switch:?}");
    eprintln!("migration stages: estimated {estimate:?}, applied {seen:?}");
    assert!(
        contract_stderr.contains("Proof of the contract stage"),
        "{contract_stderr}"
    );
    let direct = trust(&d, &first, "Admin");
    assert!(
        direct.contains("saml-provider/corp") && !direct.contains("role/awsfed/hub/"),
        "{direct}"
    );
    assert_eq!(tag_of(&d, &first, "Admin"), None);
    scan(&d, &e, "contracted");
    counts.push(at(
        "contracted",
        Checkpoint::Contracted,
        Some(&contract_proof),
    ));
    let total = counts
        .iter()
        .fold(crate::migrate_gate::Counts::default(), |t, c| t.add(*c));
    eprintln!("{}", total.summary("gate", counts.len()));
    assert_eq!(total.proof_checked, total.triples - counts[0].triples);
    let hub = roles(&e, &d.org.identity);
    assert!(
        !hub["policies"].to_string().contains(&first),
        "the hub policies no longer grant {first}"
    );
    d.ws.run(&e, &["plan", "--detailed-exitcode"])
        .expect_code(0);
    let done = d.ws.run(&e, &["migrate", "status"]).expect_code(0);
    assert!(done.stdout().contains("No migration"), "{}", done.stdout());
}

/// `bootstrap` of a new account in an OU moving to direct: after the expand stage it joins the
/// migration at that stage (both paths trusted, the stage tag), and the next stages carry it to
/// direct with the others.
#[test]
fn a_new_account_bootstrapped_mid_migration_joins_its_ou_at_the_stage() {
    if !moto_enabled() {
        return;
    }
    let d = Deployment::new(2, 2, ModelSpec::hub_and_spoke());
    let proxy = Proxy::start(&d.moto.endpoint, &["--saml-provider-tags"]);
    let e = proxy.endpoint.clone();
    d.ws.run(&e, &["apply"]).expect_code(0);
    let yaml = d.spec.yaml(&d.org).replace(
        "hub_account: identity }",
        "hub_account: identity, ous: { Workloads/Dev: direct } }",
    );
    d.ws.write_model(&yaml);
    fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [args, &["--discover-ou", "Workloads/Dev"][..]].concat()
    }
    d.ws.run(&e, &with(&["migrate", "next"])).expect_code(0);

    let new_id = add_dev_account(&d.moto.endpoint, "Workloads/Dev", "latecomer");
    let boot =
        d.ws.run(&e, &with(&["bootstrap", "--account", &new_id]))
            .expect_code(0);
    assert!(
        boot.stderr().contains("joins the migration of its OU"),
        "{}",
        boot.stderr()
    );
    let both = trust(&d, &new_id, "Admin");
    assert!(
        both.contains("saml-provider/corp") && both.contains("role/awsfed/hub/platform-admins"),
        "{both}"
    );
    assert_eq!(
        tag_of(&d, &new_id, "Admin").as_deref(),
        Some("hub-and-spoke/direct/expand")
    );
    let status = d.ws.run(&e, &with(&["migrate", "status"])).expect_code(0);
    assert!(status.stdout().contains(&new_id), "{}", status.stdout());
    d.ws.run(&e, &with(&["plan", "--detailed-exitcode"]))
        .expect_code(0);

    d.ws.run(&e, &with(&["migrate", "confirm-switch"]))
        .expect_code(0);
    d.ws.run(&e, &with(&["migrate", "next"])).expect_code(0);
    let direct = trust(&d, &new_id, "Admin");
    assert!(
        direct.contains("saml-provider/corp") && !direct.contains("role/awsfed/hub/"),
        "{direct}"
    );
    assert_eq!(tag_of(&d, &new_id, "Admin"), None);
    d.ws.run(&e, &with(&["plan", "--detailed-exitcode"]))
        .expect_code(0);
}

/// `bootstrap` of existing accounts after the expand stage, one not moving (prod) and one moving
/// (dev): each reads the direct accounts the deployed hub policies still grant, so the hub
/// policies keep granting the moving accounts until the contract stage and nothing changes.
/// Without those reads the hub accounts' plan would take the moving accounts out of the hub
/// policies while their users still sign in through the hub.
#[test]
fn existing_accounts_bootstrapped_mid_migration_keep_its_stage() {
    if !moto_enabled() {
        return;
    }
    let mut d = Deployment::new(
        2,
        2,
        ModelSpec {
            direct: Vec::new(),
            developers: true,
        },
    );
    let proxy = Proxy::start(&d.moto.endpoint, &["--saml-provider-tags"]);
    let e = proxy.endpoint.clone();
    d.ws.run(&e, &["apply"]).expect_code(0);
    let of_env = |env: &str| -> Vec<(usize, String)> {
        d.org
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, (_, _, e))| e == env)
            .map(|(i, (_, id, _))| (i, id.clone()))
            .collect()
    };
    let (dev, prod) = (of_env("dev"), of_env("prod"));
    d.spec.direct = dev.iter().map(|(i, _)| *i).collect();
    d.ws.write_model(&d.spec.yaml(&d.org));
    d.ws.run(&e, &["migrate", "next"]).expect_code(0);
    let hub_policies = || roles(&e, &d.org.identity)["policies"].to_string();
    let granted = hub_policies();
    for (_, id) in &dev {
        assert!(granted.contains(id.as_str()), "{id} granted: {granted}");
    }

    for account in [&prod[0].1, &dev[0].1] {
        d.ws.run(&e, &["bootstrap", "--account", account])
            .expect_code(0);
        assert_eq!(hub_policies(), granted, "after bootstrap of {account}");
        for (_, id) in &dev {
            assert_eq!(
                tag_of(&d, id, "Admin").as_deref(),
                Some("hub-and-spoke/direct/expand")
            );
        }
        d.ws.run(&e, &["plan", "--detailed-exitcode"])
            .expect_code(0);
    }
}
