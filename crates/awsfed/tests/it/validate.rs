//! `awsfed validate`: every kind of bad input gets a diagnostic naming FILE:LINE:COLUMN, the line and
//! the fix, and exit code 2; warnings are told apart from errors.

use crate::support::{Awsfed, model_file};

/// A small valid model; cases below change one thing in it.
const BASE: &str = r#"version: 1
identity_provider:
  name: corp
  metadata_file: corp-idp.xml
  session_name_from: employee_id
topology:
  default: hub-and-spoke
  hub_account: identity
accounts:
  identity: { id: "111111111111" }
  prod:     { id: "222222222222", tags: { env: prod } }
  dev:      { id: "333333333333", tags: { env: dev } }
permission_sets:
  Admin:    { managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess], session_duration: 1h }
  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: 1h }
groups:
  admins:
    - { accounts: "*", permission_set: Admin }
  developers:
    - { accounts: { tags: { env: dev } }, permission_set: Admin }
    - { accounts: "*", permission_set: ReadOnly }
"#;

/// Validates `yaml` (written as `awsfed.yaml` in a fresh folder) and returns exit code and stderr,
/// with the temporary folder replaced by `<dir>`.
fn validate(yaml: &str, args: &[&str]) -> (i32, String) {
    let (dir, path) = model_file(yaml);
    validate_file(&dir, &path, args)
}

/// Validates the model at `path` inside `dir`; exit code and stderr with `dir` shown as `<dir>`.
fn validate_file(dir: &tempfile::TempDir, path: &std::path::Path, args: &[&str]) -> (i32, String) {
    let run = Awsfed::new().config(path).arg("validate").args(args).run();
    let stderr = run
        .stderr()
        .replace(&dir.path().display().to_string(), "<dir>");
    (run.code(), stderr)
}

fn changed(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no `{from}`");
    BASE.replacen(from, to, 1)
}

macro_rules! invalid {
    ($name:ident, $yaml:expr) => {
        #[test]
        fn $name() {
            let (code, stderr) = validate(&$yaml, &[]);
            insta::assert_snapshot!(stderr);
            assert_eq!(code, 2, "{stderr}");
        }
    };
}

#[test]
fn the_base_model_is_valid() {
    let (code, stderr) = validate(BASE, &["--deny-warnings"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "ok: <dir>/awsfed.yaml is valid (3 accounts, 2 permission sets, 2 groups)\n"
    );
}

invalid!(
    yaml_syntax_error,
    changed("accounts:\n  identity:", "accounts: [\n  identity:")
);
invalid!(
    unknown_key,
    changed(
        "  session_name_from: employee_id",
        "  session_name_form: employee_id"
    )
);
invalid!(
    malformed_region,
    changed(
        r#"prod:     { id: "222222222222", tags: { env: prod } }"#,
        r#"prod:     { id: "222222222222", tags: { env: prod }, region: eu-west }"#
    )
);
invalid!(
    unknown_account,
    changed(
        r#"accounts: "*", permission_set: Admin }"#,
        "accounts: [prdo], permission_set: Admin }"
    )
);
invalid!(
    unknown_permission_set,
    changed("permission_set: ReadOnly", "permission_set: ReadOnyl")
);
invalid!(
    unknown_hub,
    changed(
        "  admins:\n    - {",
        "  admins:\n    hub: platform\n    grants:\n    - {"
    )
);
invalid!(
    duplicate_account_name,
    changed(
        r#"  dev:      { id: "333333333333", tags: { env: dev } }"#,
        "  dev: { id: \"333333333333\" }\n  dev: { id: \"444444444444\" }"
    )
);
invalid!(
    duplicate_account_id,
    changed(r#"id: "333333333333""#, r#"id: "222222222222""#)
);
invalid!(
    account_id_read_as_a_number,
    changed(r#"id: "333333333333""#, "id: 012345678")
);
invalid!(
    malformed_managed_policy_arn,
    changed(
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam:aws:policy/ReadOnlyAccess"
    )
);
invalid!(
    hub_and_spoke_without_a_hub,
    changed("  hub_account: identity\n", "")
);
invalid!(
    role_name_too_long,
    changed(
        "topology:",
        "naming:\n  role_name: \"{permission_set}-with-a-very-long-suffix-that-goes-well-past-the-sixty-four-character-iam-limit\"\ntopology:"
    )
);
// Hub roles need a path no other role uses: a narrowed spoke trust admits `…:role{hub_role_path}*`.
invalid!(
    hub_role_path_shared_with_permission_set_roles,
    changed(
        "topology:",
        "naming:\n  role_path: /awsfed/\n  hub_role_path: /awsfed/\ntopology:"
    )
);
invalid!(
    role_path_below_the_hub_role_path,
    changed(
        "topology:",
        "naming:\n  role_path: /awsfed/hub/sets/\n  hub_role_path: /awsfed/hub/\ntopology:"
    )
);
invalid!(
    hub_role_path_outside_the_role_path,
    changed("topology:", "naming:\n  hub_role_path: /hubs/\ntopology:")
);
// IAM role names are unique in an account whatever the path: the hub role of group `Admin` and
// the permission set `Admin`'s role in the hub account.
invalid!(
    hub_role_named_like_a_permission_set_role,
    changed(
        "  admins:\n    - { accounts: \"*\", permission_set: Admin }",
        "  admin:\n    - { accounts: \"*\", permission_set: Admin }"
    )
    .replace(
        "topology:",
        "naming: { hub_role_name: \"{group}\" }\ntopology:"
    )
);
invalid!(
    session_duration_out_of_range,
    changed(
        "ReadOnlyAccess], session_duration: 1h",
        "ReadOnlyAccess], session_duration: 13h"
    )
);
invalid!(
    session_duration_malformed,
    changed(
        "ReadOnlyAccess], session_duration: 1h",
        "ReadOnlyAccess], session_duration: 1d"
    )
);
invalid!(
    display_name_as_session_name,
    changed(
        "session_name_from: employee_id",
        "session_name_from: display_name"
    )
);
invalid!(
    metadata_file_missing,
    changed("metadata_file: corp-idp.xml", "metadata_file: missing.xml")
);
invalid!(
    trust_policy_over_the_default_quota,
    changed(
        "  session_name_from: employee_id\n",
        &format!(
            "  session_name_from: employee_id\n  audiences:\n{}",
            (1..=50)
                .map(|i| format!("region-{i}"))
                .map(|r| format!("    - https://{r}.signin.aws.amazon.com/saml\n"))
                .collect::<String>()
        )
    )
);
invalid!(
    browser_sign_in_port_out_of_range,
    changed(
        "  session_name_from: employee_id\n",
        "  session_name_from: employee_id\n  browser_sign_in: { port: 80 }\n"
    )
);
invalid!(empty_discover, format!("{BASE}discover: {{}}\n"));
invalid!(
    stack_set_amount_as_count_and_percentage,
    format!("{BASE}stack_sets:\n  max_concurrent_count: 10\n  max_concurrent_percentage: 25\n")
);
invalid!(
    stack_set_amounts_out_of_range,
    format!("{BASE}stack_sets:\n  max_concurrent_count: 0\n  failure_tolerance_percentage: 101\n")
);
invalid!(
    stack_set_region_order_names_another_region,
    format!("{BASE}stack_sets:\n  region: eu-west-1\n  region_order: [eu-west-1, us-east-1]\n")
);
invalid!(
    stack_set_region_malformed,
    format!("{BASE}stack_sets: {{ region: Frankfurt }}\n")
);

/// Counts CloudFormation would cap (STRICT_FAILURE_TOLERANCE) are a warning, not an error.
#[test]
fn stack_set_concurrency_above_failure_tolerance_is_a_warning() {
    let (code, stderr) = validate(
        &format!("{BASE}stack_sets:\n  max_concurrent_count: 20\n  failure_tolerance_count: 4\n"),
        &[],
    );
    insta::assert_snapshot!(stderr);
    assert_eq!(code, 0, "{stderr}");
}
invalid!(
    malformed_discover_ou,
    format!("{BASE}discover: {{ ous: [Workloads//Dev], tags: {{ env: [dev, test] }} }}\n")
);
invalid!(
    misspelt_discover_key,
    format!("{BASE}discover: {{ ou: [Workloads] }}\n")
);
invalid!(
    too_many_managed_policies,
    changed(
        "  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]",
        &format!(
            "  ReadOnly: {{ managed_policies: [{}]",
            (0..11)
                .map(|i| format!("arn:aws:iam::111111111111:policy/p{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    )
);
invalid!(
    inline_policies_over_the_role_quota,
    changed(
        "  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: 1h }",
        &format!(
            "  ReadOnly:\n    inline_policy:\n      Version: \"2012-10-17\"\n      Statement:\n{}",
            (0..120)
                .map(|i| format!("        - {{ Effect: Allow, Action: \"s3:GetObject\", Resource: \"arn:aws:s3:::bucket-number-{i:04}/some/long/prefix/*\" }}\n"))
                .collect::<String>()
        )
    )
);

#[test]
fn too_many_roles_in_one_account() {
    let sets: String = (0..1001)
        .map(|i| {
            format!("  P{i:04}: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n")
        })
        .collect();
    let grants: String = (0..1001)
        .map(|i| format!("    - {{ accounts: dev, permission_set: P{i:04} }}\n"))
        .collect();
    let yaml = BASE
        .replace("permission_sets:\n", &format!("permission_sets:\n{sets}"))
        .replace("  developers:\n", &format!("  developers:\n{grants}"));
    let (code, stderr) = validate(&yaml, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "error[too-many-roles]: account `dev` would hold 1003 awsfed roles; the quota is 1000"
        ),
        "{stderr}"
    );
}

/// One group granted 60 permission sets in 100 accounts: neither exact ARNs nor per-account lists fit
/// ten managed policies, and without an organization id there is no narrower form.
fn hub_policy_overflow(organization: bool) -> String {
    let accounts: String = (0..100)
        .map(|i| format!("  a{i:03}: {{ id: \"{}\" }}\n", 200_000_000_000u64 + i))
        .collect();
    let sets: String = (0..60)
        .map(|i| format!("  PermissionSetWithALongName{i:02}: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n"))
        .collect();
    let grants: String = (0..60)
        .map(|i| {
            format!(
                "    - {{ accounts: \"*\", permission_set: PermissionSetWithALongName{i:02} }}\n"
            )
        })
        .collect();
    let organization = if organization {
        "organization: { id: o-abcdefghij }\n"
    } else {
        ""
    };
    format!(
        "version: 1\nidentity_provider: {{ name: corp, session_name_from: employee_id }}\n{organization}topology: {{ default: hub-and-spoke, hub_account: a000 }}\naccounts:\n{accounts}permission_sets:\n{sets}groups:\n  everyone:\n{grants}"
    )
}

#[test]
fn hub_policy_that_fits_no_form_is_an_error() {
    let (code, stderr) = validate(&hub_policy_overflow(false), &[]);
    insta::assert_snapshot!(stderr);
    assert_eq!(code, 2);
}

#[test]
fn hub_policy_falls_back_to_the_organization_with_a_warning() {
    let (code, stderr) = validate(&hub_policy_overflow(true), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[hub-policy-by-organization]"),
        "{stderr}"
    );
    let (code, _) = validate(&hub_policy_overflow(true), &["--deny-warnings"]);
    assert_eq!(code, 2);
}

#[test]
fn chained_session_longer_than_an_hour_is_a_warning() {
    let yaml = changed(
        "ReadOnlyAccess], session_duration: 1h",
        "ReadOnlyAccess], session_duration: 8h",
    );
    let (code, stderr) = validate(&yaml, &[]);
    insta::assert_snapshot!(stderr);
    assert_eq!(code, 0);
    let (code, _) = validate(&yaml, &["--deny-warnings"]);
    assert_eq!(code, 2);
    let allowed = format!("allow_warnings: [chained-session-capped]\n{yaml}");
    let (code, stderr) = validate(&allowed, &["--deny-warnings"]);
    assert_eq!(code, 0, "{stderr}");
}

invalid!(
    allow_warnings_names_an_unknown_code,
    format!("allow_warnings: [chained-sesion-capped, no-such-code-at-all]\n{BASE}")
);

/// Audiences follow the one sign-in endpoint rule that SAML Responses are checked against: the
/// static and encrypted-assertion (`/saml/acs/ID`) forms AWS documents are endpoints too.
#[test]
fn audiences_are_checked_against_the_sign_in_endpoint_rule() {
    let audiences = |list: &str| {
        changed(
            "  session_name_from: employee_id\n",
            &format!("  session_name_from: employee_id\n  audiences: [{list}]\n"),
        )
    };
    let documented = audiences(
        "https://signin.aws.amazon.com/saml, https://eu-west-1.signin.aws.amazon.com/saml, \
         https://signin.aws.amazon.com/static/saml, \
         https://us-east-1.signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D558H46",
    );
    let (code, stderr) = validate(&documented, &["--deny-warnings"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = validate(
        &audiences("https://signin.aws.amazon.com/saml, https://signin.aws.amazon.com/saml/other"),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[unknown-audience]: `https://signin.aws.amazon.com/saml/other` is not an AWS sign-in endpoint"),
        "{stderr}"
    );
}

#[test]
fn json_output_lists_diagnostics() {
    let (dir, path) = model_file(&changed(
        "permission_set: ReadOnly",
        "permission_set: ReadOnyl",
    ));
    let run = Awsfed::new()
        .config(&path)
        .args(["validate", "--output", "json"])
        .run()
        .expect_code(2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON report");
    assert_eq!(report["valid"], false);
    assert_eq!(report["diagnostics"][0]["code"], "unknown-permission-set");
    assert_eq!(report["diagnostics"][0]["span"]["line"], 21);
    drop(dir);
}

#[test]
fn not_utf8() {
    let (dir, path) = model_file("");
    let mut bytes = BASE.as_bytes().to_vec();
    bytes.splice(30..30, [0xff, 0xfe]);
    std::fs::write(&path, bytes).unwrap();
    let (code, stderr) = validate_file(&dir, &path, &[]);
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_huge_file_is_refused_before_it_is_read() {
    let (dir, path) = model_file("");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    let (code, stderr) = validate_file(&dir, &path, &[]);
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn deeply_nested_yaml() {
    let yaml = format!(
        "{}{}{}",
        "version: 1\naccounts: ",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (code, stderr) = validate(&yaml, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[yaml"), "{stderr}");
    assert!(stderr.contains("<dir>/awsfed.yaml:2:"), "{stderr}");
}

#[test]
fn metadata_that_is_not_saml_metadata() {
    let (dir, path) = model_file(BASE);
    std::fs::write(
        dir.path().join("corp-idp.xml"),
        "<html><body>Sign in</body></html>",
    )
    .unwrap();
    let (code, stderr) = validate_file(&dir, &path, &[]);
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_missing_model_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = Awsfed::new()
        .current_dir(dir.path())
        .arg("validate")
        .run()
        .expect_code(2);
    assert!(
        run.stderr()
            .starts_with("error: cannot read model `awsfed.yaml`"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("hint: name the model with -c FILE"));
}

#[test]
fn every_example_is_valid() {
    for example in ["hub-and-spoke", "mixed", "large"] {
        let run = Awsfed::new()
            .config(crate::support::example(example))
            .args(["validate", "--deny-warnings"])
            .run();
        assert_eq!(run.code(), 0, "{example}: {}", run.stderr());
    }
}
