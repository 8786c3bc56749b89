//! Every message the model's own checks raise (reading the file, the settings, accounts, hubs,
//! permission sets, groups, selectors, role names), rendered as a user reads them: one snapshot, so
//! that a change to a message's text, help, code, severity or place shows up in review.

use awsfed_model::{Diagnostic, load, resolve};

/// A valid model the cases below change one place of.
const BASE: &str = "version: 1
identity_provider:
  name: corp
  session_name_from: employee_id
topology: { default: hub-and-spoke, hub_account: identity }
accounts:
  identity: { id: \"111111111111\" }
  dev: { id: \"222222222222\", ou: Workloads/Dev, tags: { env: dev } }
permission_sets:
  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }
groups:
  developers: [ { accounts: [dev], permission_set: ReadOnly } ]
";

/// What a model's diagnostics read like: severity, code, place, message and help.
fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let place = d
            .span
            .map_or("-".to_owned(), |s| format!("{}:{}", s.line, s.column));
        out.push_str(&format!(
            "  {}[{}] {place}: {}\n",
            d.severity, d.code, d.message
        ));
        if let Some(help) = &d.help {
            out.push_str(&format!("    help: {help}\n"));
        }
    }
    out
}

/// The diagnostics of `yaml`, read and resolved; metadata files: `missing.xml` cannot be read,
/// `other.xml` is XML but no SAML metadata.
fn check(yaml: &str) -> String {
    let raw = match load::decode(yaml.as_bytes()).and_then(load::parse) {
        Ok(raw) => raw,
        Err(diagnostic) => return render(&[diagnostic]),
    };
    let (_, diagnostics) = resolve(&raw, &mut |file| match file {
        "other.xml" => Ok("<html><body/></html>".to_owned()),
        _ => Err("No such file or directory (os error 2)".to_owned()),
    });
    render(&diagnostics.0)
}

/// `BASE` with `from` replaced by `to` (which must be in it).
fn changed(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "`{from}` is not in the base model");
    BASE.replacen(from, to, 1)
}

fn cases() -> Vec<(&'static str, String)> {
    vec![
        ("valid", BASE.to_owned()),
        // Reading the file.
        ("yaml syntax", "version: 1\ntopology: [\n".to_owned()),
        ("unknown key", changed("version: 1\n", "version: 1\ntopologee: {}\n")),
        ("duplicate key", changed("  dev:", "  identity: { id: \"1\" }\n  dev:")),
        ("missing key", "version: 1\n".to_owned()),
        ("too many aliases", changed("version: 1\n", &format!("version: 1\nallow_warnings: [&a unused-setting, {}]\n", vec!["*a"; 1001].join(", ")))),
        ("wrong type", changed("version: 1", "version: one")),
        // The model's settings.
        ("version", changed("version: 1", "version: 2")),
        ("partition", changed("version: 1\n", "version: 1\npartition: aws-mars\n")),
        ("organization id", changed("version: 1\n", "version: 1\norganization: { id: org-1 }\n")),
        (
            "quotas",
            changed(
                "version: 1\n",
                "version: 1\nquotas: { trust_policy_size: 100, managed_policies_per_role: 30, roles_per_account: 99999 }\n",
            ),
        ),
        (
            "allow_warnings",
            changed("version: 1\n", "version: 1\nallow_warnings: [overlaping-grants, no-such-thing-at-all]\n"),
        ),
        (
            "stack sets",
            changed(
                "version: 1\n",
                "version: 1\nstack_sets: { region: Frankfurt, max_concurrent_count: 0, failure_tolerance_count: 1, failure_tolerance_percentage: 10 }\n",
            ),
        ),
        (
            "stack set region order and concurrency",
            changed(
                "version: 1\n",
                "version: 1\nstack_sets: { region: eu-west-1, region_order: [us-east-1], max_concurrent_count: 9, failure_tolerance_count: 1 }\n",
            ),
        ),
        ("provider name", changed("name: corp", "name: \"corp idp\"")),
        ("unreadable metadata", changed("name: corp\n", "name: corp\n  metadata_file: missing.xml\n")),
        ("not SAML metadata", changed("name: corp\n", "name: corp\n  metadata_file: other.xml\n")),
        (
            "source identity from without source identity",
            changed("name: corp\n", "name: corp\n  source_identity_from: employee_id\n"),
        ),
        (
            "session name sources",
            changed(
                "  session_name_from: employee_id\n",
                "  session_name_from: display_name\n  source_identity: true\n  source_identity_from: username\n",
            ),
        ),
        (
            "session name from e-mail by default",
            changed("  session_name_from: employee_id\n", "  source_identity: true\n  source_identity_from: nameid\n"),
        ),
        (
            "session tags",
            changed(
                "name: corp\n",
                &format!(
                    "name: corp\n  session_tags: [\"aws:x\", \"\", {}]\n",
                    (0..50).map(|i| format!("t{i}")).collect::<Vec<_>>().join(", ")
                ),
            ),
        ),
        (
            "audiences",
            changed(
                "name: corp\n",
                "name: corp\n  audiences: [https://example.com/saml, https://signin.aws.amazon.com/saml, https://signin.aws.amazon.com/saml]\n",
            ),
        ),
        ("browser port", changed("name: corp\n", "name: corp\n  browser_sign_in: { port: 80 }\n")),
        ("discover", changed("version: 1\n", "version: 1\ndiscover: { ous: [\"Workloads//Dev\"] }\n")),
        // Accounts, hubs and OUs.
        (
            "accounts",
            changed(
                "  dev:",
                "  \"a#b\": { id: \"1234\", tags: { \"\": x } }\n  c: { id: \"22222222222x\", ou: \"/\" }\n  d: { id: \"222222222222\", region: mars-1 }\n  dev:",
            ),
        ),
        ("unknown hub account", changed("hub_account: identity", "hub_account: identiy")),
        ("unknown hub account, nothing close", changed("hub_account: identity", "hub_account: zzzzzzzzzzzz")),
        (
            "hub_account and hubs",
            changed("hub_account: identity", "hub_account: identity, hubs: { team: identity }"),
        ),
        (
            "unknown default hub",
            changed("hub_account: identity", "hubs: { team: identity, other: dev }, default_hub: teem"),
        ),
        (
            "unknown group hub",
            changed(
                "  developers: [ { accounts: [dev], permission_set: ReadOnly } ]",
                "  developers: { hub: teem, grants: [ { accounts: [dev], permission_set: ReadOnly } ] }\n  ops: { hub: zzzzzzzz, grants: [ { accounts: [dev], permission_set: ReadOnly } ] }",
            )
            .replacen("hub_account: identity", "hubs: { team: identity }", 1),
        ),
        ("no hub account", changed(", hub_account: identity", "")),
        ("no hub account, no grants", changed(", hub_account: identity", "").replacen("groups:\n  developers: [ { accounts: [dev], permission_set: ReadOnly } ]\n", "groups: {}\n", 1)),
        (
            "group without a hub",
            changed("hub_account: identity", "hubs: { team: identity, other: dev }"),
        ),
        // Permission sets and groups.
        (
            "policy ARNs",
            changed(
                "ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }",
                "ReadOnly:\n    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/ReadOnlyAccess, iam::aws:policy/X, \"arn:aws:iam\", \"arn::iam::aws:policy/X\", arn:aws-cn:iam::aws:policy/X, arn:aws:s3:::bucket/x, arn:aws:iam::12:policy/X, arn:aws:iam::aws:role/X, arn:aws:iam::aws:policy/]\n    permissions_boundary: arn:aws:iam::aws:policy/team/\n    customer_managed_policies: [Billing, Billing, \"bad name\"]",
            ),
        ),
        (
            "session durations",
            changed(
                "ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }",
                "ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: 13h }\n  Admin: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: soon }\n  Long: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: 4h }",
            )
            .replacen(
                "  developers: [ { accounts: [dev], permission_set: ReadOnly } ]",
                "  developers: [ { accounts: [dev], permission_set: Long }, { accounts: [dev], permission_set: Admin } ]",
                1,
            ),
        ),
        (
            "grants",
            changed(
                "  developers: [ { accounts: [dev], permission_set: ReadOnly } ]",
                "  developers: [ { accounts: [dev], permission_set: ReadOnly }, { accounts: \"*\", permission_set: ReadOnly }, { accounts: [dev], permission_set: ReadOnyl }, { accounts: [dev], permission_set: Zzzzzzzzzzzz } ]\n  \"dev ops\": [ { accounts: [dve, \"222222222222\", zzzzzzzzzzzz], permission_set: ReadOnly } ]\n  \"dev/ops\": [ { accounts: [dev], permission_set: ReadOnly } ]",
            ),
        ),
        (
            "selectors",
            changed(
                "  developers: [ { accounts: [dev], permission_set: ReadOnly } ]",
                "  developers: [ { accounts: { tags: { env: [prod] } }, permission_set: ReadOnly }, { accounts: { ous: [Workloads/Prod] }, permission_set: ReadOnly }, { accounts: { names: [dev], exclude: [dev] }, permission_set: ReadOnly } ]",
            ),
        ),
        ("group without grants", changed("  developers: [ { accounts: [dev], permission_set: ReadOnly } ]", "  developers: []")),
        (
            "long role names",
            changed(
                "ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }",
                &format!(
                    "ReadOnly: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n  {}: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n  {}: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}",
                    "R".repeat(70),
                    "S".repeat(60)
                ),
            )
            .replacen(
                "  developers: [ { accounts: [dev], permission_set: ReadOnly } ]",
                &format!(
                    "  developers: [ {{ accounts: [dev], permission_set: ReadOnly }} ]\n  {}: [ {{ accounts: [dev], permission_set: ReadOnly }} ]\n  {}: [ {{ accounts: [dev], permission_set: ReadOnly }} ]",
                    "g".repeat(70),
                    "h".repeat(58)
                ),
                1,
            ),
        ),
    ]
}

#[test]
fn every_message_of_the_models_own_checks() {
    let mut out = String::new();
    for (name, yaml) in cases() {
        out.push_str(&format!("{name}:\n{}", check(&yaml)));
    }
    let not_utf8 = load::decode(b"version: 1\ntopology: \xff\n")
        .map(|_| ())
        .unwrap_err();
    out.push_str(&format!("not UTF-8:\n{}", render(&[not_utf8])));
    let huge = vec![b' '; load::MAX_MODEL_BYTES + 1];
    let too_large = load::decode(&huge).map(|_| ()).unwrap_err();
    out.push_str(&format!("too large:\n{}", render(&[too_large])));
    insta::assert_snapshot!(out);
}
