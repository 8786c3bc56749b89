//! `awsfed migrate` into Identity Center on one moto organisation (with the sso-admin calls moto
//! lacks, `tests/support/moto_identity_center.py`): the Dev OU already on Identity Center, the Prod
//! OU hub-and-spoke, then 10 Prod accounts moved to Identity Center, then two of them out of it
//! (one to direct, one back to hub-and-spoke). Each stage is applied and the plan is empty after
//! it; both ways, rollback from expand and from switch gives the scan (IAM and the instance) back
//! byte for byte.
//!
//! moto enforces no policy, so every sign-in at each checkpoint of the move into Identity Center
//! (before, expand, each rollback, switch, contract) is decided by iam-simulate at the trust gate
//! (`migrate_gate`, with the access portal): the corporate IdP's Role values chained from the hub
//! roles, and the access portal into the roles Identity Center provisions. moto provisions no such
//! roles: after every command that may change the assignments, the test makes stand-ins for them
//! (`tests/support/identity_center_roles.py`: `AWSReservedSSO_<set>_<16 hex>` under
//! `/aws-reserved/sso.amazonaws.com/eu-west-1/`, trusted by the account's
//! `AWSSSO_<16 hex>_DO_NOT_DELETE` provider for `sts:AssumeRoleWithSAML` and `sts:TagSession` with
//! `SAML:aud` = `https://signin.aws.amazon.com/saml`, and none once the set's last assignment in the
//! account is gone), as "Referencing permission sets in resource policies" (IAM Identity Center
//! User Guide) says AWS does. They stand in for what AWS provisions; they are not awsfed's doing and
//! nothing here tests that AWS makes them. The scans read them as they would read AWS's.
//!
//! Scale: 15 workload accounts (12 Prod, 3 Dev), 10 moving, by default; `AWSFED_MIGRATE_FULL=1`
//! runs the 100-account organisation (50 Prod, 49 Dev and the identity account), still
//! 10 moving. A full `scripts/test` runs both.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::deploy_support::{
    Deployment, ModelSpec, Moto, Org, Proxy, Workspace, moto_enabled, python, roles,
};
use crate::migrate_gate::{Checkpoint, Counts, GateCheck, PORTAL_GATE, into_identity_center};
use crate::support::repo;

/// How many Prod accounts move.
const MOVING: usize = 10;

/// Workload accounts under Workloads/Prod and Workloads/Dev, and how many accounts that do not
/// move the gate checks beside the moving ones.
fn scale() -> (usize, usize, usize) {
    if full_scale() {
        (50, 49, 10)
    } else {
        (12, 3, 4)
    }
}

fn full_scale() -> bool {
    std::env::var(awsfed_env::AWSFED_MIGRATE_FULL).is_ok_and(|v| v == "1")
}

/// Makes the stand-in reserved roles match the instance's assignments (see the module
/// documentation); what `identity_center_roles.py sync` printed.
pub fn sync_reserved_roles(moto: &str) -> Value {
    let output = std::process::Command::new(python())
        .args(["-W", "ignore"])
        .arg(repo().join("tests/support/identity_center_roles.py"))
        .args(["--endpoint", moto, "sync"])
        .output()
        .expect("identity_center_roles.py runs");
    assert!(
        output.status.success(),
        "identity_center_roles.py: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("sync JSON")
}

/// The mixed model; the first `moving` Prod accounts on Identity Center.
fn model(org: &Org, moving: usize) -> String {
    let spec = ModelSpec {
        direct: Vec::new(),
        developers: true,
    };
    let prod: Vec<&String> = org
        .workloads
        .iter()
        .filter(|w| w.2 == "prod")
        .map(|w| &w.1)
        .take(moving)
        .collect();
    spec.yaml(org)
        .replace(
            "topology: { default: hub-and-spoke, hub_account: identity }",
            "identity_center:\n  region: eu-west-1\n  groups: create\ntopology:\n  default: hub-and-spoke\n  hub_account: identity\n  ous:\n    Workloads/Dev: identity-center\n",
        )
        .lines()
        .map(|line| {
            if prod.iter().any(|id| line.contains(&format!("id: \"{id}\""))) {
                let account = line.strip_suffix(" }").expect("an account line ends with ` }`");
                format!("{account}, topology: identity-center }}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

/// `awsfed scan` into `name`: every file, by path relative to the folder.
fn scan(ws: &Workspace, e: &str, name: &str) -> BTreeMap<String, String> {
    ws.run(e, &["scan", "--out", name]).expect_code(0);
    let root = ws.path().join(name);
    let mut files = BTreeMap::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for path in std::fs::read_dir(&folder)
            .expect("scan folder")
            .map(|e| e.expect("entry").path())
        {
            if path.is_dir() {
                folders.push(path);
            } else if !path.ends_with(".awsfed-out") {
                let key = path.strip_prefix(&root).expect("inside").display();
                files.insert(
                    key.to_string(),
                    std::fs::read_to_string(&path).expect("read"),
                );
            }
        }
    }
    files
}

/// The scans are byte-identical; otherwise the files that differ.
fn same_scans(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>, what: &str) {
    let differ: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|f| before.get(*f) != after.get(*f))
        .collect();
    assert!(
        differ.is_empty(),
        "{what}: scan files differ: {differ:?}\n{}",
        differ
            .first()
            .map(|f| format!(
                "before:\n{}\nafter:\n{}",
                before.get(*f).map_or("(none)", String::as_str),
                after.get(*f).map_or("(none)", String::as_str)
            ))
            .unwrap_or_default()
    );
}

/// Account ids (12 digits) as `[ID]`: moto picks them at random.
fn redact_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 12 {
            out.push_str("[ID]");
        } else {
            out.extend(&chars[i..i + run.max(1)]);
        }
        i += run.max(1);
    }
    out
}

/// `migrate plan` without its next stage's plan (ordered by the random account ids).
fn plan_summary(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("Next stage") {
            skipping = true;
            out.push_str(line);
            out.push_str("\n  …\n");
        } else if line.starts_with("Proof of") {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    redact_ids(&out)
}

/// The group assignments of `account` in the instance, as `group:set`, sorted.
fn assignments(endpoint: &str, account: &str) -> Vec<String> {
    let found = crate::deploy_identity_center::boto(
        endpoint,
        &format!(
            "a = []\nfor arn in sso.list_permission_sets(InstanceArn=instance)['PermissionSets']:\n    name = sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)['PermissionSet']['Name']\n    for x in sso.list_account_assignments(InstanceArn=instance, AccountId='{account}', PermissionSetArn=arn)['AccountAssignments']:\n        a.append(store.describe_group(IdentityStoreId=store_id, GroupId=x['PrincipalId'])['DisplayName'] + ':' + name)\nout['a'] = sorted(a)"
        ),
    );
    serde_json::from_value(found["a"].clone()).expect("a list")
}

/// The awsfed:migration tag of each of the account's roles under /awsfed/.
pub fn role_tags(endpoint: &str, account: &str) -> Vec<Option<String>> {
    let state = roles(endpoint, account);
    state["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter(|r| r["path"] == "/awsfed/")
        .map(|r| r["tags"]["awsfed:migration"].as_str().map(str::to_owned))
        .collect()
}

/// The changes each stage still to come makes, as `migrate plan --output json` estimates them:
/// stage → (IAM, Identity Center).
fn estimated(ws: &Workspace, e: &str) -> BTreeMap<String, (u64, u64)> {
    let run = ws
        .run(e, &["--output", "json", "migrate", "plan"])
        .expect_code(0);
    let json: Value = serde_json::from_str(&run.stdout()).expect("JSON");
    json["cost"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().expect("stage").to_owned(),
                (
                    s["iam_changes"].as_u64().expect("IAM"),
                    s["identity_center_changes"].as_u64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

/// Runs a stage command in JSON: the changes it made, its report (with the stage's proof) and its
/// stderr.
fn stage(ws: &Workspace, e: &str, args: &[&str]) -> (u64, Value, String) {
    let run = ws
        .run(e, &[&["--output", "json", "migrate"][..], args].concat())
        .expect_code(0);
    let json: Value = serde_json::from_str(&run.stdout()).expect("apply JSON");
    assert_eq!(json["changes_applied"], json["changes_planned"], "{json}");
    assert!(
        json["proof"].is_object(),
        "a stage reports its proof: {json}"
    );
    (
        json["changes_applied"].as_u64().expect("count"),
        json,
        run.stderr(),
    )
}

/// The moto organisation with the Dev OU on Identity Center, applied, awsfed talking to it through
/// `proxy`; and the workload indexes of the Prod accounts that move.
struct Setting {
    d: Deployment,
    proxy: Proxy,
    moving: Vec<usize>,
}

impl Setting {
    fn e(&self) -> &str {
        &self.proxy.endpoint
    }

    /// Stand-in reserved roles for the assignments as they are now.
    fn sync(&self) -> Value {
        sync_reserved_roles(&self.d.moto.endpoint)
    }
}

#[test]
fn ten_hub_and_spoke_accounts_move_to_identity_center_in_stages() {
    if !moto_enabled() {
        return;
    }
    let (prod, dev, sample) = scale();
    let moto = Moto::start_identity_center();
    // Through the proxy that keeps SAML provider tags, which moto drops: the provider a move out
    // of Identity Center creates is deleted on rollback only when it carries awsfed's tag.
    let proxy = Proxy::start(&moto.endpoint, &["--saml-provider-tags"]);
    let org = Org::create(&proxy.endpoint, prod, dev);
    let moving: Vec<usize> = (0..org.workloads.len())
        .filter(|i| org.workloads[*i].2 == "prod")
        .take(MOVING)
        .collect();
    let spec = ModelSpec {
        direct: Vec::new(),
        developers: true,
    };
    let s = Setting {
        d: Deployment {
            moto,
            org,
            ws: Workspace::new(),
            spec,
        },
        proxy,
        moving,
    };
    let (ws, org, e) = (&s.d.ws, &s.d.org, s.e());
    ws.write_model(&model(org, 0));
    ws.run(e, &["apply"]).expect_code(0);
    let mut portal = s.sync();
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    let before = scan(ws, e, "before");
    assert!(
        before.contains_key("identity-center.json"),
        "{:?}",
        before.keys()
    );
    let gate = GateCheck::start(&s.d, &model(org, 0), &model(org, MOVING), &s.moving, sample)
        .with_portal(into_identity_center);
    let check = |name: &str, at, proof: Option<&Value>, portal: &Value| {
        gate.check(&s.d, &ws.path().join(name), at, proof, Some(portal))
    };
    let mut counts = vec![check("before", Checkpoint::Before, None, &portal)];

    // The model moves 10 accounts: plan proposes the expand stage, deleting nothing.
    ws.write_model(&model(org, MOVING));
    let first = org.workloads[s.moving[0]].1.clone();
    let plan = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    let text = plan.stdout();
    assert!(text.contains("hint: migration expand"), "{text}");
    assert!(!text.contains("delete role"), "{text}");
    assert_eq!(text.matches("+ assign ").count(), 2 * MOVING, "{text}");
    if !full_scale() {
        let status = ws.run(e, &["migrate", "status"]).expect_code(0);
        insta::assert_snapshot!("ic_status_planned", redact_ids(&status.stdout()));
        let planned = ws.run(e, &["migrate", "plan"]).expect_code(0);
        insta::assert_snapshot!("ic_plan_planned", plan_summary(&planned.stdout()));
    }

    // Expand: the assignments are made, the roles stay (tagged); the plan is then empty.
    let (_, expanded, stderr) = stage(ws, e, &["next"]);
    assert!(
        stderr.contains("Proof of the expand stage")
            && stderr.contains("every intended path, nothing else"),
        "{stderr}"
    );
    portal = s.sync();
    assert_eq!(
        assignments(e, &first),
        ["developers:ReadOnly", "platform-admins:Admin"]
    );
    assert!(
        role_tags(e, &first)
            .iter()
            .all(|t| t.as_deref() == Some("hub-and-spoke/identity-center/expand")),
        "{:?}",
        role_tags(e, &first)
    );
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    scan(ws, e, "expanded");
    counts.push(check(
        "expanded",
        Checkpoint::Expanded,
        Some(&expanded["proof"]),
        &portal,
    ));
    let status = ws.run(e, &["migrate", "status"]).expect_code(0);
    assert_eq!(
        status.stdout().matches(" both\n").count(),
        MOVING,
        "{}",
        status.stdout()
    );

    // Rollback from expand: the scan (IAM and the instance) is as before.
    let (_, rolled_back, _) = stage(ws, e, &["rollback"]);
    portal = s.sync();
    same_scans(
        &before,
        &scan(ws, e, "after-expand-rollback"),
        "rollback from expand",
    );
    counts.push(check(
        "after-expand-rollback",
        Checkpoint::RolledBack,
        Some(&rolled_back["proof"]),
        &portal,
    ));

    // Rollback from switch: refused until the people side is back, then exact.
    ws.run(e, &["migrate", "next"]).expect_code(0);
    let (_, switched, _) = stage(ws, e, &["confirm-switch"]);
    portal = s.sync();
    scan(ws, e, "switched");
    counts.push(check(
        "switched",
        Checkpoint::Switched,
        Some(&switched["proof"]),
        &portal,
    ));
    let refused = ws.run(e, &["migrate", "rollback"]).expect_code(1);
    assert!(refused.stderr().contains("loses"), "{}", refused.stderr());
    let (_, rolled_back, _) = stage(ws, e, &["rollback", "--idp-reverted"]);
    portal = s.sync();
    same_scans(
        &before,
        &scan(ws, e, "after-switch-rollback"),
        "rollback from switch",
    );
    counts.push(check(
        "after-switch-rollback",
        Checkpoint::RolledBack,
        Some(&rolled_back["proof"]),
        &portal,
    ));

    // The whole way, each stage making the changes `migrate plan` estimated, the plan empty after
    // each.
    let estimate = estimated(ws, e);
    let (expand, _, _) = stage(ws, e, &["next"]);
    s.sync();
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    let (switch, _, _) = stage(ws, e, &["confirm-switch"]);
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    if !full_scale() {
        let switched = ws.run(e, &["migrate", "plan"]).expect_code(0);
        insta::assert_snapshot!("ic_plan_switched", plan_summary(&switched.stdout()));
    }
    let (contract, contracted, stderr) = stage(ws, e, &["next"]);
    assert!(stderr.contains("Proof of the contract stage"), "{stderr}");
    portal = s.sync();
    let applied = [
        ("expand", expand),
        ("switch", switch),
        ("contract", contract),
    ];
    eprintln!("migration to Identity Center: estimated {estimate:?}, applied {applied:?}");
    for (name, changes) in applied {
        let (iam, identity_center) = estimate[name];
        assert_eq!(iam + identity_center, changes, "{name}: {estimate:?}");
    }
    assert!(
        role_tags(e, &first).is_empty(),
        "the account's roles are gone"
    );
    assert_eq!(assignments(e, &first).len(), 2);
    let hub = roles(e, &org.identity);
    assert!(
        !hub["policies"].to_string().contains(&first),
        "the hub policies no longer grant {first}"
    );
    scan(ws, e, "contracted");
    counts.push(check(
        "contracted",
        Checkpoint::Contracted,
        Some(&contracted["proof"]),
        &portal,
    ));
    let total = counts.iter().fold(Counts::default(), |t, c| t.add(*c));
    eprintln!("{}", total.summary(PORTAL_GATE, counts.len()));
    assert_eq!(total.proof_checked, total.triples - counts[0].triples);
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    let done = ws.run(e, &["migrate", "status"]).expect_code(0);
    assert!(done.stdout().contains("No migration"), "{}", done.stdout());

    back_out_of_identity_center(&s, &first);
}

/// Two of the moved accounts leave Identity Center, one to direct and one back to hub-and-spoke:
/// the expand stage creates their roles (and the direct account's provider, the hub grants of the
/// other) while the assignments stay; rollback from expand and from switch gives the scan (IAM and
/// `identity-center.json`) back byte for byte; the contract stage deletes the assignments (the
/// permission sets stay: other accounts use them). `migrate plan` states the switch window the
/// permission sets' session duration makes.
fn back_out_of_identity_center(s: &Setting, first: &str) {
    let (ws, org, e) = (&s.d.ws, &s.d.org, s.e());
    let yaml = model(org, MOVING);
    let second = org
        .workloads
        .iter()
        .filter(|w| w.2 == "prod")
        .nth(1)
        .unwrap()
        .1
        .clone();
    let mut moved = yaml.clone();
    for (id, to) in [(first, "direct"), (second.as_str(), "hub-and-spoke")] {
        let line = yaml
            .lines()
            .find(|l| l.contains(&format!("id: \"{id}\"")))
            .expect("the account's line");
        moved = moved.replace(line, &line.replace("identity-center", to));
    }
    // Scanned under the model that moves them: which accounts' assignments a scan reads follows
    // the model (and the migration found), so before and after rollback are read alike.
    ws.write_model(&moved);
    let before = scan(ws, e, "ic-before");
    let plan = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    let text = plan.stdout();
    assert!(text.contains("hint: migration expand"), "{text}");
    assert!(text.contains("create role Admin"), "{text}");
    assert!(!text.contains("- remove "), "{text}");
    if !full_scale() {
        let planned = ws.run(e, &["migrate", "plan"]).expect_code(0);
        insta::assert_snapshot!("ic_out_plan_planned", plan_summary(&planned.stdout()));
    }
    let expand = |what: &str| {
        let next = ws.run(e, &["migrate", "next"]).expect_code(0);
        assert!(
            next.stderr().contains("every intended path, nothing else"),
            "{what}: {}",
            next.stderr()
        );
        s.sync();
        for (id, to) in [(first, "direct"), (second.as_str(), "hub-and-spoke")] {
            let tag = format!("identity-center/{to}/expand");
            assert!(
                role_tags(e, id).iter().all(|t| t.as_deref() == Some(&*tag)),
                "{what}: {id}: {:?}",
                role_tags(e, id)
            );
            assert_eq!(assignments(e, id).len(), 2, "{what}: the assignments stay");
        }
        ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    };

    // Rollback from expand: IAM and the instance as before.
    expand("first expand");
    ws.run(e, &["migrate", "rollback"]).expect_code(0);
    s.sync();
    crate::migrate::assert_same_scan(
        &before,
        &scan(ws, e, "ic-after-expand-rollback"),
        "rollback out of Identity Center from expand",
    );

    // Rollback from switch: refused until users are back on the portal, then exact.
    expand("second expand");
    ws.run(e, &["migrate", "confirm-switch"]).expect_code(0);
    let refused = ws.run(e, &["migrate", "rollback"]).expect_code(1);
    assert!(refused.stderr().contains("loses"), "{}", refused.stderr());
    ws.run(e, &["migrate", "rollback", "--idp-reverted"])
        .expect_code(0);
    s.sync();
    crate::migrate::assert_same_scan(
        &before,
        &scan(ws, e, "ic-after-switch-rollback"),
        "rollback out of Identity Center from switch",
    );

    // The whole way.
    expand("third expand");
    let planned = ws.run(e, &["migrate", "plan"]).expect_code(0);
    assert!(
        planned
            .stdout()
            .contains("users stop using these assignments"),
        "{}",
        planned.stdout()
    );
    ws.run(e, &["migrate", "confirm-switch"]).expect_code(0);
    ws.run(e, &["migrate", "next"]).expect_code(0);
    let portal = s.sync();
    for id in [first, second.as_str()] {
        assert!(
            portal["roles"].get(id).is_none(),
            "{id}: no reserved roles left"
        );
        assert!(assignments(e, id).is_empty(), "{id}");
        assert_eq!(role_tags(e, id), [None, None], "{id}");
    }
    let hub = roles(e, &org.identity);
    assert!(
        hub["policies"].to_string().contains(&second),
        "the hub policies grant {second} again"
    );
    assert_eq!(
        assignments(
            e,
            &org.workloads
                .iter()
                .filter(|w| w.2 == "prod")
                .nth(2)
                .unwrap()
                .1
        )
        .len(),
        2,
        "others keep theirs"
    );
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
}
