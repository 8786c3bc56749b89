//! The StackSets engine on moto (issue 14): a 100-account organisation, the mixed model (direct
//! accounts in Prod, hub-and-spoke elsewhere, developers granted by OU) applied with `--engine
//! stacksets`; the second plan is empty; an account created under the targeted Dev OU (moto runs
//! no automatic deployment) shows as a missing stack instance and apply adds it; a role class
//! removed from the model takes its stack set along; then `scan` and `verify` find no access path
//! missing or extra. moto runs through `tests/support/moto_stacksets.py`, which adds what moto
//! 5.2.5 lacks for this (account filters of OU targets, OU ids, template updates, role and policy
//! updates, and `AWS::IAM::SAMLProvider`, so the providers come from the templates as on AWS).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::deploy_support::{
    Moto, Org, PERMISSION_SETS, Proxy, Workspace, add_dev_account, model_head, moto_enabled,
    org_tool, role_names, roles,
};
use crate::support::{assert_cfn_lint_clean, read_tree};

/// Prod accounts 0..10 are direct; the rest hub-and-spoke; Workloads is discovered, so an account
/// created there later is in the next plan. `listed`: Dev accounts written into the model (verify
/// reads the model offline, without discovery).
fn model(org: &Org, dev_admins: bool, listed: &[(&str, &str)]) -> String {
    let mut yaml = model_head(org, |i| i < 10);
    for (name, id) in listed {
        yaml.push_str(&format!(
            "  {name}: {{ id: \"{id}\", ou: Workloads/Dev, tags: {{ env: dev }} }}\n"
        ));
    }
    yaml.push_str("discover: { ous: [Workloads] }\n");
    yaml.push_str("stack_sets:\n  region: us-east-1\n  max_concurrent_percentage: 50\n  failure_tolerance_count: 2\n  region_order: [us-east-1]\n");
    yaml.push_str(PERMISSION_SETS);
    yaml.push_str(
        "groups:\n  platform-admins: [ { accounts: { ous: [Workloads/Prod] }, permission_set: Admin } ]\n  developers:\n",
    );
    if dev_admins {
        yaml.push_str("    - { accounts: { ous: [Workloads/Dev] }, permission_set: Admin }\n");
    }
    yaml.push_str("    - { accounts: '*', permission_set: ReadOnly }\n");
    yaml
}

/// Account and OU ids as names, class hashes as HASH: the plan as a reader compares it.
pub fn redact(text: &str, endpoint: &str, org: &Org, extra: &[(&str, &str)]) -> String {
    let ous = org_tool(endpoint, &["ous"]);
    let mut out = text.to_owned();
    for (path, id) in ous["ous"].as_object().expect("ous") {
        out = out.replace(id.as_str().expect("id"), &format!("ou-{path}"));
    }
    out = out.replace(ous["root"].as_str().expect("root"), "r-ROOT");
    out = out.replace(&org.identity, "ID-identity");
    for (name, id, _) in &org.workloads {
        out = out.replace(id, &format!("ID-{name}"));
    }
    for (name, id) in extra {
        out = out.replace(id, &format!("ID-{name}"));
    }
    out.split_inclusive('\n')
        .map(|line| {
            line.split(' ')
                .map(|word| match word.rsplit_once('-') {
                    Some((head, hash))
                        if word.starts_with("awsfed-")
                            && hash.len() == 8
                            && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
                    {
                        format!("{head}-HASH")
                    }
                    _ => word.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The plan without its template diffs, its stack set blocks sorted (class hashes, which order
/// them, differ from run to run with moto's account ids).
fn outline(plan: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut tail = String::new();
    for line in plan.lines().filter(|l| !l.starts_with("      ")) {
        if line.starts_with("Plan:") {
            tail = format!("{line}\n");
        } else if line.starts_with(['+', '~', '-', '!']) || blocks.is_empty() {
            blocks.push(format!("{line}\n"));
        } else if let Some(last) = blocks.last_mut() {
            last.push_str(&format!("{line}\n"));
        }
    }
    blocks.sort();
    blocks.concat() + &tail
}

/// Every stack set operation moto holds after the first `skip` of each stack set: (stack set,
/// action, the OperationPreferences it was asked with).
fn operations(endpoint: &str, skip: &BTreeMap<String, usize>) -> Vec<(String, String, Value)> {
    let listed = org_tool(endpoint, &["stackset-operations"]);
    let mut out = Vec::new();
    for (set, operations) in listed.as_object().expect("stack sets") {
        let operations = operations.as_array().expect("operations");
        for operation in operations.iter().skip(skip.get(set).copied().unwrap_or(0)) {
            out.push((
                set.clone(),
                operation["action"].as_str().expect("action").to_owned(),
                operation["preferences"].clone(),
            ));
        }
    }
    out
}

fn per_set(operations: &[(String, String, Value)]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for (set, _, _) in operations {
        *counts.entry(set.clone()).or_default() += 1;
    }
    counts
}

fn plan_json(ws: &Workspace, e: &str) -> Value {
    let run = ws
        .run(e, &["--output", "json", "plan", "--engine", "stacksets"])
        .expect_code(0);
    serde_json::from_str(&run.stdout()).expect("the plan is JSON")
}

#[test]
fn stacksets_engine_on_a_hundred_accounts() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start_stacksets();
    let e = &moto.endpoint;
    let org = Org::create(e, 50, 49);
    assert_eq!(org.account_count(), 100);
    let ws = Workspace::new();
    ws.write_model(&model(&org, true, &[]));

    // The engine deploys the templates `export stacksets` writes (one layout): cfn-lint them.
    ws.run(e, &["export", "stacksets", "--out", "exported"])
        .expect_code(0);
    let exported = ws.path().join("exported");
    let templates: Vec<_> = read_tree(&exported)
        .into_keys()
        .filter(|k| k.ends_with(".template.json"))
        .map(|k| exported.join(k))
        .collect();
    assert_eq!(templates.len(), 7, "{templates:?}");
    assert_cfn_lint_clean(&templates);

    let first = ws
        .run(
            e,
            &[
                "plan",
                "--engine",
                "stacksets",
                "--poll-interval",
                "1",
                "--out",
                "plan.json",
            ],
        )
        .expect_code(0);
    insta::assert_snapshot!(
        "first_plan",
        outline(&redact(&first.stdout(), e, &org, &[]))
    );
    let mut refusals = refuse_edited_plans(&ws, e, &org);

    // The plan file is applied only with the flags it was planned with; planned with the flag, it
    // is applied.
    let other_flags = ws
        .run(e, &["apply", "plan.json", "--max-concurrent", "25%"])
        .expect_code(1);
    refusals.push_str(&format!(
        "$ awsfed apply plan.json --max-concurrent 25%\n{}\n",
        other_flags.stderr()
    ));
    ws.run(
        e,
        &[
            "plan",
            "--engine",
            "stacksets",
            "--max-concurrent",
            "25%",
            "--out",
            "plan.json",
        ],
    )
    .expect_code(0);
    assert_eq!(ws.read_json("plan.json")["engine"], "stacksets");
    let applied = ws
        .run(e, &["apply", "plan.json", "--max-concurrent", "25%"])
        .expect_code(0);
    assert!(
        applied.stderr().contains("Applied 7 of 7"),
        "{}",
        applied.stderr()
    );
    // Every operation got the preferences: the flag's concurrency over the model's, the model's
    // failure tolerance and region order.
    let first_apply = operations(e, &BTreeMap::new());
    assert!(first_apply.len() >= 6, "{first_apply:?}");
    for (set, action, preferences) in &first_apply {
        assert_eq!(
            preferences,
            &serde_json::json!({"MaxConcurrentPercentage": 25, "FailureToleranceCount": 2, "RegionOrder": ["us-east-1"]}),
            "{set} {action}"
        );
    }
    let again = ws
        .run(e, &["plan", "--engine", "stacksets", "--detailed-exitcode"])
        .expect_code(0);
    assert!(
        again
            .stdout()
            .starts_with("No changes: 6 stack set(s) with 208 stack instance(s)"),
        "{}",
        again.stdout()
    );

    // A new Dev account: discovered into the model, covered by the classes targeting Dev whole,
    // but without instances until CloudFormation deploys them (moto runs no automatic deployment).
    let late = add_dev_account(e, "Workloads/Dev", "late-dev");
    let joined = ws
        .run(
            e,
            &[
                "plan",
                "--engine",
                "stacksets",
                "--detailed-exitcode",
                "--out",
                "joined.json",
            ],
        )
        .expect_code(2);
    insta::assert_snapshot!(
        "account_joined_plan",
        outline(&redact(&joined.stdout(), e, &org, &[("late-dev", &late)]))
    );
    ws.run(e, &["apply", "joined.json"]).expect_code(0);
    // Applied, the plan file is stale: CloudFormation holds what it asked for.
    let twice = ws.run(e, &["apply", "joined.json"]).expect_code(1);
    refusals.push_str(&format!(
        "$ awsfed apply joined.json  # again\n{}\n",
        twice.stderr()
    ));
    let names = role_names(&roles(e, &late));
    assert!(
        names.contains(&"Admin".to_owned()) && names.contains(&"ReadOnly".to_owned()),
        "{names:?}"
    );

    // Developers lose Admin in Dev: that class's stack set goes, its roles with it. The other
    // Admin class (Prod) is then the only one and loses its hash: renamed, so deleted and created.
    // A plan file made before the model changed is stale and refused (the next plan shows that
    // nothing was changed).
    ws.run(e, &["plan", "--engine", "stacksets", "--out", "stale.json"])
        .expect_code(0);
    ws.write_model(&model(&org, false, &[("late-dev", &late)]));
    let stale = ws.run(e, &["apply", "stale.json"]).expect_code(1);
    refusals.push_str(&format!("$ awsfed apply stale.json\n{}", stale.stderr()));
    insta::assert_snapshot!(
        "refused_plan_files",
        redact(&refusals, e, &org, &[("late-dev", &late)])
    );
    let removed = ws.run(e, &["plan", "--engine", "stacksets"]).expect_code(0);
    insta::assert_snapshot!(
        "class_removed_plan",
        outline(&redact(&removed.stdout(), e, &org, &[("late-dev", &late)]))
    );
    ws.run(e, &["apply", "--engine", "stacksets"])
        .expect_code(0);
    // Without the flag, the model's preferences, on creations and deletions alike.
    let later = operations(e, &per_set(&first_apply));
    let actions: std::collections::BTreeSet<&str> =
        later.iter().map(|(_, action, _)| action.as_str()).collect();
    assert_eq!(actions, ["CREATE", "DELETE"].into(), "{later:?}");
    for (set, action, preferences) in &later {
        assert_eq!(
            preferences,
            &serde_json::json!({"MaxConcurrentPercentage": 50, "FailureToleranceCount": 2, "RegionOrder": ["us-east-1"]}),
            "{set} {action}"
        );
    }
    let plan = plan_json(&ws, e);
    assert_eq!(plan["stack_sets"], serde_json::json!([]), "{plan}");
    assert_eq!(plan["stacks"], serde_json::json!([]), "{plan}");
    let (_, dev_id, _) = org
        .workloads
        .iter()
        .find(|(_, _, env)| env == "dev")
        .expect("a dev account");
    assert!(!role_names(&roles(e, dev_id)).contains(&"Admin".to_owned()));

    ws.run(e, &["scan", "--out", "snapshot"]).expect_code(0);
    let verified = ws
        .run(e, &["--output", "json", "verify", "--snapshot", "snapshot"])
        .expect_code(0);
    let report: Value = serde_json::from_str(&verified.stdout()).expect("verify JSON");
    assert_eq!(report["missing"], serde_json::json!([]), "{report}");
    assert_eq!(report["extra"], serde_json::json!([]), "{report}");

    // The default engine now refuses: it would deploy the same roles a second time.
    let refused = ws.run(e, &["plan"]).expect_code(1);
    assert!(
        refused
            .stderr()
            .contains("this estate is deployed by CloudFormation StackSets (5 awsfed stack set(s)"),
        "{}",
        refused.stderr()
    );
    // So do bootstrap and migrate, which deploy with it, saying what to do instead.
    let bootstrap = ws.run(e, &["bootstrap", "--account", &late]).expect_code(1);
    assert!(
        bootstrap.stderr().contains("`awsfed bootstrap` deploys with the default engine and would create the account's roles a second time, so nothing was changed")
            && bootstrap.stderr().contains("automatic deployment"),
        "{}",
        bootstrap.stderr()
    );
    let migrate = ws.run(e, &["migrate", "plan"]).expect_code(1);
    assert!(
        migrate
            .stderr()
            .contains("`awsfed migrate` runs its stages with the default engine")
            && migrate
                .stderr()
                .contains("review `awsfed plan --engine stacksets`"),
        "{}",
        migrate.stderr()
    );
}

/// Hand edits of `plan.json` (a changed template, a stack set awsfed does not own, an account added
/// to a target), each applied through a proxy that counts writes: each is refused, naming it, and
/// no call changes anything. Returns what each printed.
fn refuse_edited_plans(ws: &Workspace, e: &str, org: &Org) -> String {
    type Edit = Box<dyn Fn(&mut Value)>;
    let written = ws.read_json("plan.json");
    let root = org_tool(e, &["ous"])["root"].clone();
    let identity = org.identity.clone();
    let direct_admin = |plan: &mut Value| -> usize {
        plan["plan"]["stack_sets"]
            .as_array()
            .and_then(|s| s.iter().position(|s| s["name"] == "awsfed-direct-Admin"))
            .expect("the direct Admin stack set")
    };
    let edits: Vec<(&str, Edit)> = vec![
        (
            "template",
            Box::new(move |plan| {
                let i = direct_admin(plan);
                let diff = &mut plan["plan"]["stack_sets"][i]["template_diff"];
                *diff = Value::String(format!(
                    "{}+  \"Outputs\": {{}}\n",
                    diff.as_str().expect("a diff")
                ));
            }),
        ),
        (
            "someone else's stack set",
            Box::new(move |plan| {
                let i = direct_admin(plan);
                let mut other = plan["plan"]["stack_sets"][i].clone();
                other["name"] = "someone-elses-roles".into();
                other["action"] = "delete".into();
                plan["plan"]["stack_sets"]
                    .as_array_mut()
                    .expect("stack sets")
                    .push(other);
            }),
        ),
        (
            "an account added to a target",
            Box::new(move |plan| {
                let i = direct_admin(plan);
                let set = &mut plan["plan"]["stack_sets"][i];
                set["add"]
                    .as_array_mut()
                    .expect("add")
                    .push(serde_json::json!(
                        {"ou_path": "(root)", "ou_id": root, "accounts": [identity]}
                    ));
                set["accounts_added"]
                    .as_array_mut()
                    .expect("accounts")
                    .push(identity.clone().into());
            }),
        ),
    ];
    let proxy = Proxy::start(e, &[]);
    let mut seen = String::new();
    for (what, edit) in &edits {
        let refused = ws.apply_edited(&proxy.endpoint, &written, edit);
        seen.push_str(&format!(
            "$ awsfed apply edited.json  # {what}\n{}\n",
            refused.stderr()
        ));
    }
    let stats = proxy.stats();
    assert!(stats["calls"].as_u64() > Some(0), "{stats}");
    assert_eq!(stats["writes"], 0, "nothing was changed: {stats}");
    seen
}

/// An estate the default engine deployed is not deployed again by StackSets: the plan is refused,
/// naming the accounts and roles and what to do.
#[test]
fn stacksets_refuse_roles_the_default_engine_deployed() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start_stacksets();
    let e = &moto.endpoint;
    let org = Org::create(e, 2, 2);
    let ws = Workspace::new();
    ws.write_model(&model(&org, true, &[]));
    ws.run(e, &["apply"]).expect_code(0);
    let refused = ws.run(e, &["plan", "--engine", "stacksets"]).expect_code(1);
    let message = refused.stderr();
    assert!(
        message.contains(
            "5 account(s) already hold roles that the default engine (`awsfed apply`) deployed"
        ) && message.contains("identity (")
            && message.contains("remove those roles with the default engine first"),
        "{message}"
    );
    // Nothing was created, and the default engine (no stack sets exist) still sees its estate
    // converged.
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
}

/// A plan file is read bounded and before AWS is contacted (nothing listens at the endpoint): a
/// truncated, garbled, huge or other-engine file is refused with a diagnostic naming the file and,
/// for JSON, the line and column (exit 2), never a panic.
#[test]
fn bad_stackset_plan_files_are_refused_before_aws_is_contacted() {
    use awsfed_plan::stacksets::{Fingerprint, Preferences, StackSetPlan, StackSetPlanFile};
    let ws = Workspace::new();
    let nowhere = "http://127.0.0.1:9";
    let plan = StackSetPlan {
        preferences: Preferences {
            region: "us-east-1".to_owned(),
            ..Preferences::default()
        },
        ..StackSetPlan::default()
    };
    let fingerprint = Fingerprint {
        model: "m".to_owned(),
        state: "s".to_owned(),
    };
    let written = serde_json::to_string_pretty(&StackSetPlanFile::new(plan, fingerprint))
        .expect("serialises");
    let default_plan = r#"{"format": 1, "role_path": "/awsfed/", "provider_name": "corp", "accounts": [], "fingerprints": {}}"#;
    let huge = std::fs::File::create(ws.path().join("huge.json")).expect("create");
    // Sparse: the reader stops one byte past the limit whatever the file says it holds.
    huge.set_len(awsfed_plan::MAX_PLAN_BYTES as u64 + 1)
        .expect("set_len");
    let files: [(&str, Vec<u8>, &[&str]); 7] = [
        (
            "truncated.json",
            written.as_bytes()[..written.len() / 2].to_vec(),
            &[],
        ),
        ("garbage.json", b"\x00\xffPK\x03\x04".to_vec(), &[]),
        ("array.json", b"[\"stacksets\"]".to_vec(), &[]),
        (
            "format.json",
            written
                .replacen("\"format\": 1", "\"format\": 2", 1)
                .into_bytes(),
            &[],
        ),
        (
            "default.json",
            default_plan.as_bytes().to_vec(),
            &["--engine", "stacksets"],
        ),
        (
            "stacksets.json",
            written.clone().into_bytes(),
            &["--engine", "awsfed"],
        ),
        ("huge.json", Vec::new(), &[]),
    ];
    let mut seen = String::new();
    for (name, bytes, flags) in &files {
        if !bytes.is_empty() {
            std::fs::write(ws.path().join(name), bytes).expect("write");
        }
        let mut args = vec!["apply", name];
        args.extend_from_slice(flags);
        let refused = ws.run(nowhere, &args).expect_code(2);
        seen.push_str(&format!(
            "$ awsfed {}\n{}\n",
            args.join(" "),
            refused.stderr()
        ));
    }
    insta::assert_snapshot!("bad_plan_files", seen);
}
