//! Identity Center as the third topology: the model section, its limits (each a FILE:LINE:COLUMN
//! diagnostic), topology by OU, and models whose accounts are all Identity Center.

use crate::support::{Awsfed, assert_cfn_lint_clean, example, model_file, validate};

/// A mixed model: hub-and-spoke by default, `prod` direct, the Sandbox OU on Identity Center.
const MIXED: &str = r#"version: 1
identity_provider:
  name: corp
  metadata_file: corp-idp.xml
  session_name_from: employee_id
identity_center:
  instance_arn: arn:aws:sso:::instance/ssoins-0123456789abcdef
  identity_store_id: d-0123456789
  region: eu-west-1
topology:
  default: hub-and-spoke
  hub_account: identity
  ous: { Workloads/Sandbox: identity-center }
accounts:
  identity: { id: "111111111111" }
  prod:     { id: "222222222222", ou: Workloads/Prod, topology: direct }
  sandbox:  { id: "333333333333", ou: Workloads/Sandbox/Team }
permission_sets:
  Admin:    { managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess], session_duration: 1h }
  ReadOnly:
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    customer_managed_policies: [/team/DenySecrets]
    session_duration: 8h
    relay_state: https://console.aws.amazon.com/s3/home
groups:
  admins:
    - { accounts: "*", permission_set: Admin }
  developers:
    - { accounts: [sandbox, prod], permission_set: ReadOnly }
"#;

/// Only Identity Center: no `identity_provider`, no hub.
const ONLY: &str = r#"version: 1
identity_center:
  instance_arn: arn:aws:sso:::instance/ssoins-0123456789abcdef
  identity_store_id: d-0123456789
  region: eu-west-1
topology: { default: identity-center }
accounts:
  sandbox: { id: "333333333333" }
  dev:     { id: "444444444444" }
permission_sets:
  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: 12h }
groups:
  developers: [ { accounts: "*", permission_set: ReadOnly } ]
"#;

fn changed(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "the model has no `{from}`");
    base.replacen(from, to, 1)
}

macro_rules! invalid {
    ($name:ident, $yaml:expr) => {
        #[test]
        fn $name() {
            let (code, stderr) = validate(&$yaml);
            insta::assert_snapshot!(stderr);
            assert_eq!(code, 2, "{stderr}");
        }
    };
}

#[test]
fn a_mixed_model_with_identity_center_is_valid() {
    let (code, stderr) = validate(MIXED);
    assert_eq!(code, 0, "{stderr}");
    // ReadOnly asks for 8h and reaches no hub-and-spoke account: no chained-session warning.
    assert_eq!(
        stderr,
        "ok: <dir>/awsfed.yaml is valid (3 accounts, 2 permission sets, 2 groups)\n"
    );
}

#[test]
fn a_model_of_only_identity_center_needs_no_identity_provider() {
    let (code, stderr) = validate(ONLY);
    assert_eq!(code, 0, "{stderr}");
}

invalid!(
    saml_accounts_need_an_identity_provider,
    changed(
        ONLY,
        "  dev:     { id: \"444444444444\" }",
        "  dev:     { id: \"444444444444\", topology: direct }"
    )
);
invalid!(
    identity_center_accounts_need_the_section,
    changed(
        MIXED,
        "identity_center:\n  instance_arn: arn:aws:sso:::instance/ssoins-0123456789abcdef\n  identity_store_id: d-0123456789\n  region: eu-west-1\n",
        ""
    )
);
invalid!(
    malformed_identity_center_section,
    changed(
        MIXED,
        "ssoins-0123456789abcdef\n  identity_store_id: d-0123456789\n  region: eu-west-1",
        "ssoins-0123\n  identity_store_id: d-12\n  region: Ireland\n  start_url: http://example.com/start"
    )
);
invalid!(
    permission_set_name_too_long_for_identity_center,
    changed(
        MIXED,
        "  ReadOnly:\n",
        "  ReadOnlyForEveryDeveloperInTheSandbox:\n"
    )
    .replace(
        "permission_set: ReadOnly }",
        "permission_set: ReadOnlyForEveryDeveloperInTheSandbox }"
    )
);
invalid!(
    customer_policy_by_arn_in_identity_center,
    changed(
        MIXED,
        "[arn:aws:iam::aws:policy/ReadOnlyAccess]",
        "[arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::222222222222:policy/Extra]"
    )
);
invalid!(
    too_many_policies_for_the_role_quota,
    changed(
        MIXED,
        "[/team/DenySecrets]",
        &format!(
            "[{}]",
            (0..10)
                .map(|i| format!("P{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    )
);
invalid!(
    too_many_policies_for_identity_center,
    changed(
        MIXED,
        "[/team/DenySecrets]",
        &format!(
            "[{}]",
            (0..20)
                .map(|i| format!("P{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    )
    .replace(
        "groups:\n",
        "quotas: { managed_policies_per_role: 20 }\ngroups:\n"
    )
);
invalid!(
    malformed_customer_policy_reference,
    changed(MIXED, "[/team/DenySecrets]", "[team//DenySecrets, /team/]")
);
invalid!(
    inline_policy_too_large_for_identity_center,
    changed(
        MIXED,
        "    session_duration: 8h\n",
        &format!(
            "    session_duration: 8h\n    inline_policy: {{ Version: \"2012-10-17\", Statement: [{{ Effect: Deny, Action: [{}], Resource: \"*\" }}] }}\n",
            (0..600)
                .map(|i| format!("\"s3:Action{i:05}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    )
);
invalid!(
    malformed_relay_state,
    changed(
        MIXED,
        "https://console.aws.amazon.com/s3/home",
        "\"https://console.aws.amazon.com/s3/home?q=<script>\""
    )
);
invalid!(
    session_longer_than_twelve_hours,
    changed(ONLY, "session_duration: 12h", "session_duration: 13h")
);
invalid!(
    malformed_ou_topology,
    changed(
        MIXED,
        "{ Workloads/Sandbox: identity-center }",
        "{ \"Workloads//Sandbox\": identity-center }"
    )
);

#[test]
fn relay_state_without_identity_center_is_a_warning() {
    let yaml = changed(MIXED, "  ous: { Workloads/Sandbox: identity-center }\n", "");
    let (code, stderr) = validate(&yaml);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stderr);
}

const EXAMPLE: &str = "three-topologies";

#[test]
fn compile_summary_of_three_topologies() {
    let run = Awsfed::new()
        .config(example(EXAMPLE))
        .arg("compile")
        .run()
        .expect_code(0);
    insta::assert_snapshot!(run.stdout());
}

/// The permission sets (ISO-8601 sessions, customer managed references, the boundary) and the
/// account assignments, byte-identical on a second run.
#[test]
fn compiled_permission_sets_and_assignments() {
    let compile = || {
        Awsfed::new()
            .config(example(EXAMPLE))
            .args(["compile", "--output", "json"])
            .run()
            .expect_code(0)
            .stdout()
    };
    let first = compile();
    assert_eq!(first, compile(), "compile is not deterministic");
    let state: serde_json::Value = serde_json::from_str(&first).unwrap();
    insta::assert_json_snapshot!(state["identity_center"]);
    // Identity Center accounts get nothing in IAM from awsfed.
    for account in state["accounts"].as_array().unwrap() {
        if account["topology"] == "identity-center" {
            assert_eq!(account["roles"], serde_json::json!([]), "{account}");
            assert!(account.get("saml_provider").is_none(), "{account}");
        }
    }
}

#[test]
fn compare_three_topologies() {
    let run = Awsfed::new()
        .config(example(EXAMPLE))
        .arg("compare")
        .run()
        .expect_code(0);
    insta::assert_snapshot!(run.stdout());
    let json = Awsfed::new()
        .config(example(EXAMPLE))
        .args(["compare", "--output", "json"])
        .run()
        .expect_code(0)
        .stdout();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ic = &json["identity_center"];
    // 2 permission sets + 10 assignments (5 Admin for platform-admins, 3 ReadOnly and 2 Admin for
    // developers) when every account is Identity Center.
    assert_eq!(ic["resources_to_maintain"], 12);
    assert_eq!(ic["longest_session"], 8 * 3_600);
    assert_eq!(ic["idp_role_values"], 0);
}

#[test]
fn compare_without_an_identity_provider() {
    let (_dir, path) = model_file(ONLY);
    let run = Awsfed::new()
        .config(&path)
        .arg("compare")
        .run()
        .expect_code(0);
    insta::assert_snapshot!(run.stdout());
    let compile = Awsfed::new()
        .config(&path)
        .arg("compile")
        .run()
        .expect_code(0);
    insta::assert_snapshot!(compile.stdout());
}

/// The Identity Center exports of the example: the CloudFormation templates (every one cfn-lint
/// clean), the Terraform module and the aws-config profiles with their `sso-session`.
#[test]
fn identity_center_exports() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["cloudformation", "terraform", "aws-config"] {
        Awsfed::new()
            .config(example(EXAMPLE))
            .args(["export", format, "--out"])
            .arg(dir.path().join(format))
            .run()
            .expect_code(0);
    }
    let read = |path: &str| std::fs::read_to_string(dir.path().join(path)).unwrap();
    insta::assert_snapshot!(
        "identity-center-cloudformation",
        read("cloudformation/identity-center.template.json")
    );
    insta::assert_snapshot!(
        "identity-center-terraform",
        read("terraform/identity-center.tf.json")
    );
    insta::assert_snapshot!("identity-center-aws-config", read("aws-config/aws-config"));
    lint_every_template(&dir.path().join("cloudformation"));
    aws_cli_reads_every_sso_profile(&dir.path().join("aws-config/aws-config"));
}

fn lint_every_template(folder: &std::path::Path) {
    let templates: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".template.json"))
        .collect();
    assert!(
        templates
            .iter()
            .any(|p| p.ends_with("identity-center.template.json")),
        "{templates:?}"
    );
    assert_cfn_lint_clean(&templates);
}

/// The AWS CLI (v1, in the test venv) reads every Identity Center profile through its
/// `sso-session`: `aws configure list` gets as far as looking for the session's cached token,
/// which it only does once `sso_session`, `sso_account_id`, `sso_role_name` and the session's
/// `sso_start_url` and `sso_region` are all found (a missing one is a configuration error).
fn aws_cli_reads_every_sso_profile(config: &std::path::Path) {
    let Some(venv) = awsfed_testkit::required_tool(
        awsfed_env::AWSFED_VENV,
        awsfed_env::AWSFED_SKIP_SIGNIN_TESTS,
        "run the tests with scripts/test (it installs the AWS CLI in .venv and sets AWSFED_VENV)",
    ) else {
        return;
    };
    let aws = std::path::Path::new(&venv).join("bin/aws");
    let home = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(config).unwrap();
    let profiles: Vec<&str> = text
        .split("\n[profile ")
        .skip(1)
        .filter(|section| section.contains("\nsso_session = "))
        .map(|section| section.split(']').next().unwrap())
        .collect();
    assert_eq!(profiles.len(), 4, "{text}");
    for profile in profiles {
        let cli = |args: &[&str]| {
            std::process::Command::new(&aws)
                .args(args)
                .args(["--profile", profile])
                .env_clear()
                .env("HOME", home.path())
                .env("AWS_CONFIG_FILE", config)
                .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
                .output()
                .expect("the AWS CLI runs")
        };
        let account = cli(&["configure", "get", "sso_account_id"]);
        assert!(account.status.success(), "{profile}: {account:?}");
        assert_eq!(
            String::from_utf8_lossy(&account.stdout).len(),
            13,
            "{profile}"
        );
        let list = cli(&["configure", "list"]);
        let stderr = String::from_utf8_lossy(&list.stderr);
        assert!(
            stderr.contains("Token for awsfed does not exist"),
            "{profile}: {stderr}"
        );
    }
}

/// `access` and `who-can` on the example: Identity Center targets are paths through the
/// instance's SAML provider into the reserved role of the permission set, named by the set.
#[test]
fn access_and_who_can_follow_identity_center_targets() {
    let access = Awsfed::new()
        .config(example(EXAMPLE))
        .arg("access")
        .run()
        .expect_code(0);
    insta::assert_snapshot!("identity-center-access", access.stdout());
    let who_can = Awsfed::new()
        .config(example(EXAMPLE))
        .args(["who-can", "sandbox-b/ReadOnly"])
        .run()
        .expect_code(0);
    insta::assert_snapshot!("identity-center-who-can", who_can.stdout());
}

/// A model whose accounts are all Identity Center: `who-can` names the groups assigned the set,
/// and `audit` finds nothing to fix in the trusts Identity Center keeps.
#[test]
fn who_can_and_audit_on_an_identity_center_only_model() {
    let (_dir, path) = model_file(ONLY);
    let who_can = Awsfed::new()
        .config(&path)
        .args(["who-can", "dev/ReadOnly"])
        .run()
        .expect_code(0);
    insta::assert_snapshot!(who_can.stdout());
    let audit = Awsfed::new()
        .config(&path)
        .arg("audit")
        .run()
        .expect_code(0);
    insta::assert_snapshot!(audit.stdout());
}

/// `graph` draws Identity Center paths like the others: group → the instance's provider → the
/// reserved role of the permission set.
#[test]
fn graph_draws_identity_center_paths() {
    let run = |args: &[&str]| {
        Awsfed::new()
            .config(example(EXAMPLE))
            .args(args)
            .run()
            .expect_code(0)
            .stdout()
    };
    insta::assert_snapshot!(
        "identity-center-graph-dot",
        run(&["graph", "--group", "developers"])
    );
    insta::assert_snapshot!(
        "identity-center-graph-mermaid",
        run(&["graph", "--group", "developers", "--format", "mermaid"])
    );
}

/// A scan of the Identity Center-only model whose instance also assigns ReadOnly in sandbox to a
/// single user: `who-can`, `access` and `graph` name the user (`user:NAME`) beside the group, and
/// `audit` reports the user's access as beyond the model.
#[test]
fn a_single_user_assignment_in_a_scan_is_a_path() {
    let (dir, model) = model_file(ONLY);
    let scan = dir.path().join("scan.json");
    std::fs::write(&scan, scan_with_a_user(&model)).unwrap();
    let scan = scan.to_str().unwrap();
    let run = |args: &[&str], code: i32| {
        Awsfed::new()
            .config(&model)
            .args(args)
            .args(["--snapshot", scan])
            .run()
            .expect_code(code)
            .stdout()
    };
    insta::assert_snapshot!(
        "single-user-who-can",
        run(&["who-can", "sandbox/ReadOnly"], 0)
    );
    insta::assert_snapshot!(
        "single-user-access",
        run(&["access", "--group", "user:ana@example.com"], 0)
    );
    insta::assert_snapshot!(
        "single-user-graph",
        run(&["graph", "--format", "mermaid"], 0)
    );
    let audit = run(&["audit"], 1);
    assert!(
        audit.contains("access-escalation") && audit.contains("user:ana@example.com"),
        "{audit}"
    );
}

/// The model's estate with Identity Center's roles (as `add_desired` stands them in) and the
/// instance: developers hold ReadOnly in both accounts, the user ana in sandbox too.
fn scan_with_a_user(model: &std::path::Path) -> String {
    let raw = awsfed_model::load::parse(&std::fs::read_to_string(model).unwrap()).unwrap();
    let model = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()))
        .0
        .unwrap();
    let state = awsfed_compile::compile(&model);
    let mut snapshot = awsfed_snapshot::Snapshot::from_desired(&state);
    let mut mapping = awsfed_access::IdpMapping {
        session: awsfed_access::identity_center::identity_center_session(),
        groups: Vec::new(),
        intent: None,
    };
    awsfed_access::identity_center::add_desired(
        &mut snapshot,
        &mut mapping,
        &state.partition,
        state.identity_center.as_ref().unwrap(),
    );
    let set = "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef";
    let assign = |account: &str, kind: &str, id: &str| serde_json::json!({"permission_set_arn": set, "account_id": account, "principal_type": kind, "principal_id": id});
    let instance = serde_json::json!({
        "format": 1,
        "instance_arn": "arn:aws:sso:::instance/ssoins-0123456789abcdef",
        "identity_store_id": "d-0123456789",
        "region": "eu-west-1",
        "permission_sets": [{"arn": set, "name": "ReadOnly", "session_duration": "PT12H"}],
        "assignments": [
            assign("333333333333", "GROUP", "g-developers"),
            assign("333333333333", "USER", "u-ana"),
            assign("444444444444", "GROUP", "g-developers"),
        ],
        "groups": [{"display_name": "developers", "id": "g-developers"}],
        "users": [{"user_name": "ana@example.com", "id": "u-ana"}]
    });
    snapshot.identity_center = Some(serde_json::from_value(instance).unwrap());
    serde_json::to_string_pretty(&snapshot).unwrap()
}
