//! `compile`, `compare`, `export` and `schema`: output snapshots, byte-identical reruns, atomic
//! writes, and cfn-lint over every exported template.

use std::collections::BTreeMap;

use crate::support::{Awsfed, assert_cfn_lint_clean, example, model_file, read_tree, repo};

const EXAMPLES: [&str; 4] = ["hub-and-spoke", "mixed", "large", "teams"];

#[test]
fn compiled_examples() {
    for name in ["hub-and-spoke", "mixed"] {
        let run = Awsfed::new()
            .config(example(name))
            .args(["compile", "--output", "json"])
            .run()
            .expect_code(0);
        let state: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        insta::assert_json_snapshot!(format!("compiled-{name}"), state);
    }
}

/// `identity_provider.browser_sign_in` adds the listener's audience to every trust that accepts
/// SAML (hub and direct roles) and to no other, and gives the client file its port.
#[test]
fn browser_sign_in_adds_the_listener_audience_to_every_saml_trust() {
    let yaml = std::fs::read_to_string(example("mixed")).unwrap().replacen(
        "identity_provider:\n",
        "identity_provider:\n  browser_sign_in: { port: 8741 }\n",
        1,
    );
    let (dir, path) = model_file(&yaml);
    let run = Awsfed::new()
        .config(&path)
        .args(["compile", "--output", "json"])
        .run()
        .expect_code(0);
    let state: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let audience = "http://127.0.0.1:8741/saml";
    let mut saml_trusts = BTreeMap::new();
    for account in state["accounts"].as_array().unwrap() {
        for role in account["roles"].as_array().unwrap() {
            let trust = &role["trust_policy"];
            let text = trust.to_string();
            let saml = text.contains("sts:AssumeRoleWithSAML");
            assert_eq!(text.contains(audience), saml, "{}: {text}", role["arn"]);
            if saml {
                saml_trusts.insert(role["arn"].as_str().unwrap().to_owned(), trust.clone());
            }
        }
    }
    assert_eq!(saml_trusts.len(), 8, "{saml_trusts:#?}");
    insta::assert_json_snapshot!(
        "browser-sign-in-trusts",
        [
            &saml_trusts["arn:aws:iam::100000000001:role/awsfed/hub/web-developers"],
            &saml_trusts["arn:aws:iam::200000000001:role/awsfed/ReadOnly"],
        ]
    );
    Awsfed::new()
        .config(&path)
        .args(["export", "client", "--out"])
        .arg(dir.path().join("client"))
        .run()
        .expect_code(0);
    let client = std::fs::read_to_string(dir.path().join("client/client.json")).unwrap();
    let client: serde_json::Value = serde_json::from_str(&client).unwrap();
    assert_eq!(client["identity_provider"]["browser_port"], 8741);
}

#[test]
fn compile_summary_and_notes() {
    let run = Awsfed::new()
        .config(example("mixed"))
        .arg("compile")
        .run()
        .expect_code(0);
    insta::assert_snapshot!(run.stdout());
    let run = Awsfed::new()
        .config(example("large"))
        .arg("compile")
        .run()
        .expect_code(0);
    let notes = run.stderr();
    assert!(notes.contains("note[hub-policy-by-account]"), "{notes}");
}

#[test]
fn compile_is_byte_identical_across_runs() {
    for name in EXAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        Awsfed::new()
            .config(example(name))
            .arg("compile")
            .arg("--out")
            .arg(&a)
            .run()
            .expect_code(0);
        Awsfed::new()
            .config(example(name))
            .arg("compile")
            .arg("--out")
            .arg(&b)
            .run()
            .expect_code(0);
        let (a, b) = (read_tree(&a), read_tree(&b));
        assert!(a.contains_key("idp.json") && a.keys().any(|k| k.starts_with("accounts/")));
        assert_eq!(a, b, "{name}: two compiles differ");
        let json_a = Awsfed::new()
            .config(example(name))
            .args(["compile", "--output", "json"])
            .run()
            .stdout();
        let json_b = Awsfed::new()
            .config(example(name))
            .args(["compile", "--output", "json"])
            .run()
            .stdout();
        assert_eq!(json_a, json_b);
    }
}

#[test]
fn a_failed_compile_writes_nothing_and_keeps_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Awsfed::new()
        .config(example("hub-and-spoke"))
        .arg("compile")
        .arg("--out")
        .arg(&out)
        .run()
        .expect_code(0);
    let before = read_tree(&out);
    let (_model_dir, bad) = model_file("version: 1\naccounts: [\n");
    Awsfed::new()
        .config(&bad)
        .arg("compile")
        .arg("--out")
        .arg(&out)
        .run()
        .expect_code(2);
    assert_eq!(read_tree(&out), before);
    let fresh = dir.path().join("fresh");
    Awsfed::new()
        .config(&bad)
        .arg("compile")
        .arg("--out")
        .arg(&fresh)
        .run()
        .expect_code(2);
    assert!(!fresh.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn compare_examples() {
    for name in ["hub-and-spoke", "mixed"] {
        let run = Awsfed::new()
            .config(example(name))
            .arg("compare")
            .run()
            .expect_code(0);
        insta::assert_snapshot!(format!("compare-{name}"), run.stdout());
    }
    let run = Awsfed::new()
        .config(example("mixed"))
        .args(["compare", "--output", "json"])
        .run()
        .expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(json["hub_and_spoke"]["sts_calls_per_sign_in"], 2);
    assert_eq!(json["direct"]["sts_calls_per_sign_in"], 1);
    assert_eq!(json["hub_and_spoke"]["longest_session"], 3600);
}

#[test]
fn exports_are_byte_identical_and_complete() {
    for name in EXAMPLES {
        for format in [
            "cloudformation",
            "stacksets",
            "terraform",
            "idp",
            "aws-config",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let (a, b) = (dir.path().join("a"), dir.path().join("b"));
            Awsfed::new()
                .config(example(name))
                .args(["export", format, "--out"])
                .arg(&a)
                .run()
                .expect_code(0);
            Awsfed::new()
                .config(example(name))
                .args(["export", format, "--out"])
                .arg(&b)
                .run()
                .expect_code(0);
            let files = read_tree(&a);
            assert!(!files.is_empty(), "{name} {format}");
            assert_eq!(files, read_tree(&b), "{name} {format}: two exports differ");
        }
    }
}

#[test]
fn exported_idp_side_of_the_mixed_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("idp");
    Awsfed::new()
        .config(example("mixed"))
        .args(["export", "idp", "--order", "provider-first", "--out"])
        .arg(&out)
        .run()
        .expect_code(0);
    let files = read_tree(&out);
    insta::assert_snapshot!(files["idp.csv"]);
    insta::assert_snapshot!(files["okta.csv"]);
}

#[test]
fn aws_config_prints_to_stdout() {
    let run = Awsfed::new()
        .config(example("mixed"))
        .args([
            "export",
            "aws-config",
            "--group",
            "web-developers",
            "--session-name",
            "ada@example.com",
        ])
        .run()
        .expect_code(0);
    insta::assert_snapshot!(run.stdout());
    let run = Awsfed::new()
        .config(example("mixed"))
        .args(["export", "cloudformation"])
        .run()
        .expect_code(2);
    assert!(
        run.stderr().contains("hint: add --out DIR"),
        "{}",
        run.stderr()
    );
}

/// cfn-lint reports nothing on any CloudFormation or StackSets template of any example.
#[test]
fn cfn_lint_accepts_every_exported_template() {
    let dir = tempfile::tempdir().unwrap();
    let mut templates = Vec::new();
    for name in EXAMPLES {
        for format in ["cloudformation", "stacksets"] {
            let out = dir.path().join(format!("{name}-{format}"));
            Awsfed::new()
                .config(example(name))
                .args(["export", format, "--out"])
                .arg(&out)
                .run()
                .expect_code(0);
            templates.extend(
                read_tree(&out)
                    .into_keys()
                    .filter(|k| k.ends_with(".template.json"))
                    .map(|k| out.join(k)),
            );
        }
    }
    assert!(templates.len() > 30, "only {} templates", templates.len());
    assert_cfn_lint_clean(&templates);
}

/// The checked-in JSON Schema is what the model types generate (`awsfed schema > awsfed.schema.json`).
#[test]
fn checked_in_schema_is_fresh() {
    let run = Awsfed::new().arg("schema").run().expect_code(0);
    let checked_in = std::fs::read_to_string(repo().join("awsfed.schema.json")).unwrap_or_default();
    assert!(
        run.stdout() == checked_in,
        "awsfed.schema.json is stale: run `cargo run -p awsfed -- schema > awsfed.schema.json`"
    );
}

/// The IAM-users hub: the compile table names its users and groups, `compile --out` is
/// deterministic, and what cannot carry IAM users yet (deploying, IAM exports) refuses the model
/// rather than writing spoke trusts that name users who would not exist.
#[test]
fn iam_users_compile_and_refuse_what_cannot_carry_them_yet() {
    let run = Awsfed::new()
        .config(example("iam-users"))
        .arg("compile")
        .run()
        .expect_code(0);
    insta::assert_snapshot!(run.stdout());
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        Awsfed::new()
            .config(example("iam-users"))
            .args(["compile", "--out"])
            .arg(out)
            .run()
            .expect_code(0);
    }
    let (a, b) = (read_tree(&a), read_tree(&b));
    assert_eq!(a, b, "two compiles differ");
    assert!(a["accounts/identity.json"].contains("awsfed-require-mfa"));
    for format in ["cloudformation", "stacksets", "terraform"] {
        let run = Awsfed::new()
            .config(example("iam-users"))
            .args(["export", format, "--out"])
            .arg(dir.path().join(format))
            .run()
            .expect_code(2);
        assert!(run.stderr().contains("`iam_users`"), "{}", run.stderr());
        assert!(!dir.path().join(format).exists());
    }
    // Planned from an empty snapshot: the users, groups and policies first, then the roles.
    std::fs::create_dir_all(dir.path().join("empty/accounts")).unwrap();
    let run = Awsfed::new()
        .config(example("iam-users"))
        .args(["plan", "--snapshot"])
        .arg(dir.path().join("empty"))
        .run()
        .expect_code(0);
    insta::assert_snapshot!("iam_users_plan_from_empty", run.stdout());
    // Compared as hub-and-spoke through IAM users: GetSessionToken then AssumeRole, users and
    // groups counted among what is maintained.
    let run = Awsfed::new()
        .config(example("iam-users"))
        .arg("compare")
        .run()
        .expect_code(0);
    insta::assert_snapshot!("iam_users_compare", run.stdout());
    // IAM users are principals of who-can: the AssumeRole hop from their MFA session, or from the
    // long-term keys alone for the user the model exempts from MFA.
    let run = Awsfed::new()
        .config(example("iam-users"))
        .args(["who-can", "prod/Admin"])
        .run()
        .expect_code(0);
    insta::assert_snapshot!("iam_users_who_can", run.stdout());
}
