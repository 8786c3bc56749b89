//! Hub policies for OU grants on moto. `compile` (offline) keeps account lists; `plan` reads
//! Organizations' tree and names the Workloads OU, which holds Workloads/Prod and Workloads/Dev, by
//! its entity path (`aws:ResourceOrgPaths`), for the group granted by OU and never for the group
//! granted the same accounts by list. Once Organizations holds an account in Workloads that the
//! model lacks, the OU form is no longer exact and plan falls back to account lists. (moto enforces
//! no policy: what the form allows is the evaluator's and iam-simulate's to decide, in
//! awsfed-compile's and awsfed-access's `org_paths` tests.)

use serde_json::Value;

use crate::deploy_support::{Moto, Workspace, create_org, moto_enabled, org_tool};

const SETS: [&str; 3] = ["Deploy", "Operate", "Observe"];

/// `ops` is granted three permission sets on the Workloads OU (150 spoke roles: past the exact-ARN
/// form), `listed` the same sets on the same accounts named one by one.
pub fn model(created: &Value) -> String {
    let mut yaml = String::from(
        "version: 1\nallow_warnings: [session-name-source]\nidentity_provider:\n  name: corp\n  metadata_file: corp-idp.xml\n  session_name_from: email\n  source_identity: true\n",
    );
    yaml.push_str(&groups_and_accounts(created));
    yaml
}

/// The same grants to IAM users instead of a SAML IdP: `oli` in `ops`, `lis` in `listed`.
fn iam_users_model(created: &Value) -> String {
    let mut yaml = String::from("version: 1\n");
    yaml.push_str(&groups_and_accounts(created));
    yaml.push_str(
        "iam_users:\n  users:\n    oli: { groups: [ops] }\n    lis: { groups: [listed] }\n",
    );
    yaml
}

fn groups_and_accounts(created: &Value) -> String {
    let mut yaml =
        String::from("topology: { default: hub-and-spoke, hub_account: identity }\naccounts:\n");
    let mut workloads = Vec::new();
    for account in created["accounts"].as_array().unwrap() {
        let ou = account["ou"].as_str().unwrap();
        let id = account["id"].as_str().unwrap();
        let name = if ou == "Security" {
            "identity".to_owned()
        } else {
            let name = account["name"].as_str().unwrap().to_owned();
            workloads.push(name.clone());
            name
        };
        yaml.push_str(&format!("  {name}: {{ id: \"{id}\", ou: {ou} }}\n"));
    }
    yaml.push_str("permission_sets:\n");
    for set in SETS {
        yaml.push_str(&format!("  {set}:\n    inline_policy: {{ Version: '2012-10-17', Statement: [{{ Effect: Allow, Action: 's3:List*', Resource: '*' }}] }}\n    session_duration: 1h\n"));
    }
    yaml.push_str("groups:\n  ops:\n");
    for set in SETS {
        yaml.push_str(&format!(
            "    - {{ accounts: {{ ous: [Workloads] }}, permission_set: {set} }}\n"
        ));
    }
    yaml.push_str("  listed:\n");
    for set in SETS {
        yaml.push_str(&format!(
            "    - {{ accounts: [{}], permission_set: {set} }}\n",
            workloads.join(", ")
        ));
    }
    yaml
}

/// The `aws:ResourceOrgPaths` values (each once) of the hub policies a plan file creates for
/// `hub_role`.
fn org_path_values(plan: &Value, hub_role: &str) -> Vec<String> {
    policy_org_paths(plan, &|policy| {
        policy.get("attach_to").and_then(Value::as_str) == Some(hub_role)
    })
}

/// The same of the assume policies of the IAM users' group `group` (`GROUP-users-assume…`, which
/// attach to no role: `AttachGroupPolicy` attaches them).
fn group_org_path_values(plan: &Value, group: &str) -> Vec<String> {
    let prefix = format!("{group}-users-assume");
    policy_org_paths(plan, &|policy| {
        policy.get("attach_to").and_then(Value::as_str) == Some("")
            && policy
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.starts_with(&prefix))
    })
}

fn policy_org_paths(
    plan: &Value,
    wanted: &dyn Fn(&serde_json::Map<String, Value>) -> bool,
) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![plan];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if wanted(map) {
                    for statement in map["document"]["Statement"].as_array().unwrap() {
                        match &statement["Condition"]["ForAnyValue:StringLike"]["aws:ResourceOrgPaths"]
                        {
                            Value::String(one) => found.push(one.clone()),
                            Value::Array(many) => {
                                found.extend(many.iter().map(|v| v.as_str().unwrap().to_owned()))
                            }
                            _ => {}
                        }
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found.sort();
    found.dedup();
    found
}

/// An organisation of Security (the identity account), Workloads/Prod (30) and Workloads/Dev
/// (20), and the `aws:ResourceOrgPaths` pattern of Workloads.
fn organization(e: &str) -> (Value, String) {
    let created = create_org(e, &["Security=1", "Workloads/Prod=30", "Workloads/Dev=20"]);
    let tree = org_tool(e, &["ous"]);
    let workloads = format!(
        "{}/{}/{}/*",
        tree["organization"].as_str().unwrap(),
        tree["root"].as_str().unwrap(),
        tree["ous"]["Workloads"].as_str().unwrap()
    );
    (created, workloads)
}

#[test]
fn plan_names_a_wholly_granted_ou_by_its_organizations_path() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start();
    let e = moto.endpoint.as_str();
    let (created, workloads) = organization(e);
    let ws = Workspace::new();
    ws.write_model(&model(&created));

    // Offline: account lists, no OU path.
    let compiled = ws.run(e, &["compile", "--output", "json"]).expect_code(0);
    assert!(!compiled.stdout().contains("ResourceOrgPaths"));
    assert!(compiled.stderr().contains("note[hub-policy-by-account]"));

    let planned = ws.run(e, &["plan", "--out", "plan.json"]).expect_code(0);
    assert!(
        planned
            .stderr()
            .contains("note[hub-policy-by-org-paths]: hub role `ops` names 1 OU"),
        "{}",
        planned.stderr()
    );
    let plan = ws.read_json("plan.json");
    assert_eq!(
        org_path_values(&plan, "ops"),
        std::slice::from_ref(&workloads)
    );
    assert!(org_path_values(&plan, "listed").is_empty());

    // An account in Workloads/Dev the model lacks: the OU is no longer wholly granted.
    org_tool(
        e,
        &["add-account", "--ou", "Workloads/Dev", "--name", "late"],
    );
    let replanned = ws.run(e, &["plan", "--out", "plan.json"]).expect_code(0);
    assert!(
        !replanned.stderr().contains("hub-policy-by-org-paths"),
        "{}",
        replanned.stderr()
    );
    let plan = ws.read_json("plan.json");
    assert!(org_path_values(&plan, "ops").is_empty());
    assert!(
        replanned
            .stderr()
            .contains("note[hub-policy-by-account]: hub role `ops`"),
        "{}",
        replanned.stderr()
    );
    eprintln!(
        "plan named {workloads} for `ops`, then account lists once Workloads held an account the model lacks"
    );
}

/// The IAM-users hub's groups take the same forms as hub roles: `plan` reads Organizations' tree
/// for the `ops` IAM group (granted by OU) and names Workloads by its entity path, never for
/// `listed` (granted the same accounts by list).
#[test]
fn plan_names_the_ou_of_an_iam_users_group_by_its_organizations_path() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start();
    let e = moto.endpoint.as_str();
    let (created, workloads) = organization(e);
    let ws = Workspace::new();
    ws.write_model(&iam_users_model(&created));
    let compiled = ws.run(e, &["compile", "--output", "json"]).expect_code(0);
    assert!(!compiled.stdout().contains("ResourceOrgPaths"));
    let planned = ws.run(e, &["plan", "--out", "plan.json"]).expect_code(0);
    assert!(
        planned
            .stderr()
            .contains("note[hub-policy-by-org-paths]: IAM group `ops` names 1 OU"),
        "{}",
        planned.stderr()
    );
    let plan = ws.read_json("plan.json");
    assert_eq!(
        group_org_path_values(&plan, "ops"),
        std::slice::from_ref(&workloads)
    );
    assert!(group_org_path_values(&plan, "listed").is_empty());
}
