//! `saml inspect`: text and JSON reports of real IdP responses, exit codes.

use std::process::Stdio;

use crate::signin_support::{awsfed, real_saml, run_with_stdin, text};

fn inspect(args: &[&str], file: &str) -> (i32, String, String) {
    let home = tempfile::tempdir().expect("temp");
    let output = awsfed(home.path())
        .args(["saml", "inspect"])
        .args(args)
        .arg(real_saml(file))
        .stdin(Stdio::null())
        .output()
        .expect("awsfed runs");
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}

#[test]
fn inspect_text_shows_roles_attributes_and_why_sign_in_refuses() {
    let (code, stdout, _) = inspect(
        &["--at", "2018-08-06T09:35:00Z"],
        "adfs-3roles-redshift-attrs.xml",
    );
    assert_eq!(code, 0, "{stdout}");
    insta::assert_snapshot!("inspect_adfs_valid", stdout);
    let (code, stdout, _) = inspect(&["--at", "2030-01-01T00:00:00Z"], "okta-classic-5roles.b64");
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!("inspect_okta_expired", stdout);
}

#[test]
fn inspect_json_from_standard_input() {
    let home = tempfile::tempdir().expect("temp");
    let input = std::fs::read(real_saml("google-3roles.xml")).expect("fixture");
    let mut command = awsfed(home.path());
    command.args([
        "saml",
        "inspect",
        "-",
        "--output",
        "json",
        "--at",
        "2030-01-01T00:00:00Z",
    ]);
    let output = run_with_stdin(command, &input);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(value["usable"], serde_json::Value::Bool(false));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        value["response"]["assertion"]["aws"]["roles"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[test]
fn inspect_encrypted_and_unreadable_input() {
    let (code, stdout, _) = inspect(&[], "okta-encrypted-assertion-no-aws.b64");
    assert_eq!(code, 1);
    assert!(stdout.contains("encrypted"), "{stdout}");
    let home = tempfile::tempdir().expect("temp");
    let mut command = awsfed(home.path());
    command.args(["saml", "inspect", "-"]);
    let output = run_with_stdin(command, b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).starts_with("error: "),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn inspect_text_shows_every_note_the_json_has() {
    let mut shown = String::new();
    for file in [
        "google-4roles-short-account-ids.xml",
        "adfs-2roles-undeclared-saml2-prefix.xml",
        "shibboleth-ecp-soap-1role.xml",
        "google-3roles-trailing-comma.xml",
        "pingfed-5roles-no-namespace.xml",
    ] {
        let (_, stdout, _) = inspect(&["--at", "2030-01-01T00:00:00Z"], file);
        let (_, json, _) = inspect(&["--at", "2030-01-01T00:00:00Z", "--output", "json"], file);
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let notes = value["response"]["notes"].as_array().expect("notes");
        assert!(!notes.is_empty(), "{file} has notes");
        let section: String = stdout
            .split_once("\nNotes:\n")
            .and_then(|(_, rest)| rest.split_once("\n\n"))
            .map(|(notes, _)| notes.to_owned())
            .unwrap_or_else(|| panic!("{file}: no Notes section in {stdout}"));
        assert_eq!(section.lines().count(), notes.len(), "{file}: {section}");
        shown.push_str(&format!("{file}:\n{section}\n"));
    }
    insta::assert_snapshot!("inspect_notes", shown);
}

#[test]
fn inspect_json_answers_on_stdout_when_the_input_is_unreadable() {
    let home = tempfile::tempdir().expect("temp");
    let mut command = awsfed(home.path());
    command.args(["saml", "inspect", "-", "--output", "json"]);
    let output = run_with_stdin(command, b"<html><body>not a response</body></html>");
    assert_eq!(output.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(value["usable"], false);
    let error = value["error"].as_str().expect("error");
    assert!(error.contains("HTML"), "{error}");
    assert!(text(&output.stderr).starts_with("error: "));
}
