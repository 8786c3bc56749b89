//! IAM-user sign-in (the IAM-users hub, issue 16) against moto behind the trust gate: users,
//! groups, policies and spoke trusts from `examples/iam-users` created in moto, each user's access
//! key and virtual MFA device made as the user would (awsfed never makes them), and the gate
//! deciding every `AssumeRole` with iam-simulate from the user's and its groups' policies, the
//! spoke trust and the MFA context of the session (`aws:MultiFactorAuthPresent`,
//! `aws:MultiFactorAuthAge`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::signin_support::{World, run};

/// The code the gate accepts from every test MFA device (`TEST_MFA_CODE` in gate.py).
const MFA_CODE: &str = "246810";
const ADA: &str = "arn:aws:iam::111111111111:user/awsfed/users/ada";

/// The user's keys from moto_setup.py, put where the standard credential chain finds them.
fn install_keys(world: &World, home: &Path, user: &str) -> (String, String) {
    let keys: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&world.user_keys).expect("user keys"))
            .expect("keys JSON");
    let id = keys[user]["access_key_id"]
        .as_str()
        .expect("key id")
        .to_owned();
    let secret = keys[user]["secret_access_key"]
        .as_str()
        .expect("secret")
        .to_owned();
    std::fs::create_dir_all(home.join(".aws")).expect(".aws");
    std::fs::write(
        home.join(".aws/credentials"),
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    )
    .expect("credentials file");
    (id, secret)
}

/// Every cache file is private, and holds none of the long-term keys.
fn assert_private_cache(home: &Path, never: &[&str]) {
    let dir = home.join(".cache/awsfed");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("cache") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            continue;
        }
        files += 1;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for secret in never {
            assert!(
                !text.contains(secret),
                "{} holds a long-term key",
                path.display()
            );
        }
    }
    assert!(files > 0);
    let mode = std::fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn iam_users_reach_exactly_their_roles_through_one_mfa_session() {
    let Some(world) = World::start("iam-users") else {
        return;
    };
    let client: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&world.client).expect("client"))
            .expect("client JSON");
    assert_eq!(
        client["iam_users"]["mfa_serial"],
        "arn:aws:iam::111111111111:mfa/{user}"
    );
    let home = world.home("ada");
    let (key_id, secret) = install_keys(&world, &home, "ada");
    let awsfed = |args: &[&str]| {
        let mut command = world.awsfed(&home);
        command
            .env(awsfed_env::AWSFED_MFA_COMMAND, format!("echo {MFA_CODE}"))
            .args(args);
        command
    };
    world.reset_gate();

    // Every target of the client file: ada's (platform-admins: Admin everywhere) are reached as
    // ada, with SourceIdentity ada; every other one is refused by the gate.
    let mut reached = Vec::new();
    let mut stderrs = String::new();
    for target in client["targets"].as_array().expect("targets") {
        let name = target["name"].as_str().expect("name");
        let granted = target["paths"][0]["users"]
            .as_array()
            .expect("users")
            .iter()
            .any(|u| u == "ada");
        let (code, stdout, stderr) = run(awsfed(&["whoami", name, "--output", "json"]));
        stderrs.push_str(&stderr);
        if granted {
            assert_eq!(code, 0, "{name}: {stderr}");
            let identity: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
            let account = target["account_id"].as_str().expect("id");
            assert_eq!(
                identity["arn"],
                format!("arn:aws:sts::{account}:assumed-role/Admin/ada"),
                "{name}"
            );
            reached.push(name.to_owned());
        } else {
            assert_eq!(code, 1, "{name}: {stderr}");
            assert!(stderr.contains("AccessDenied"), "{name}: {stderr}");
        }
    }
    assert_eq!(
        reached,
        ["dev/Admin", "identity/Admin", "prod/Admin", "staging/Admin"]
    );
    // One GetSessionToken (with MFA) served every target; one AssumeRole per target, allowed
    // exactly for ada's targets.
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&format!("GetSessionToken {ADA}")),
        Some(&(1, 0)),
        "{calls:?}"
    );
    for (key, (made, denied)) in &calls {
        if let Some(role) = key.strip_prefix("AssumeRole ") {
            let admin = role.ends_with("role/awsfed/Admin");
            assert_eq!((*made, *denied), (1, u64::from(!admin)), "{key}");
        }
    }
    let allowed = calls
        .iter()
        .filter(|(k, (_, denied))| k.starts_with("AssumeRole ") && *denied == 0)
        .count();
    assert_eq!(allowed, 4, "{calls:?}");

    // The other sign-in commands take the same cached sessions: no new STS call.
    world.reset_gate();
    let (code, stdout, stderr) = run(awsfed(&["env", "prod/Admin"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("export AWS_SESSION_TOKEN="), "{stdout}");
    let (code, stdout, stderr) = run(awsfed(&[
        "exec",
        "staging/Admin",
        "--",
        "sh",
        "-c",
        "echo $AWSFED_TARGET",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "staging/Admin\n");
    assert!(world.gate_calls().is_empty());

    // Secrets: never on stderr, never in the cache; the cache is private.
    assert!(
        !stderrs.contains(&secret) && !stderrs.contains(&key_id),
        "{stderrs}"
    );
    assert_private_cache(&home, &[&secret, &key_id]);

    without_mfa_the_gate_denies(&world);
    wrong_codes_and_exempt_users(&world);
}

/// iam-simulate refuses every spoke role to ada without MFA context: with the long-term keys, and
/// with a session from GetSessionToken without MFA; the same call with MFA is allowed.
fn without_mfa_the_gate_denies(world: &World) {
    let keys = std::fs::read_to_string(&world.user_keys).expect("keys");
    let script = r#"
import json, sys, boto3
from botocore.exceptions import ClientError
keys = json.loads(sys.argv[2])["ada"]
endpoint = sys.argv[1]
def sts(key, secret, token=None):
    return boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token)
def assume(client):
    try:
        client.assume_role(RoleArn="arn:aws:iam::222222222222:role/awsfed/Admin", RoleSessionName="ada",
                           SourceIdentity="ada")
        return "allowed"
    except ClientError as error:
        return error.response["Error"]["Code"]
long_term = sts(keys["access_key_id"], keys["secret_access_key"])
out = {"long-term keys": assume(long_term)}
for name, extra in [("session without MFA", {}),
                    ("session with MFA", {"SerialNumber": keys["mfa_serial"], "TokenCode": sys.argv[3]})]:
    c = long_term.get_session_token(DurationSeconds=900, **extra)["Credentials"]
    out[name] = assume(sts(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
print(json.dumps(out, sort_keys=True))
"#;
    world.reset_gate();
    let output = std::process::Command::new(&world.tools.python)
        .args([
            "-W",
            "ignore",
            "-c",
            script,
            &world.gate_url,
            &keys,
            MFA_CODE,
        ])
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.trim(),
        r#"{"long-term keys": "AccessDenied", "session with MFA": "allowed", "session without MFA": "AccessDenied"}"#
    );
    let calls = world.gate_calls();
    assert_eq!(
        calls.get("AssumeRole arn:aws:iam::222222222222:role/awsfed/Admin"),
        Some(&(3, 2)),
        "{calls:?}"
    );
}

/// A wrong MFA code is refused by STS (exit 1, said without secrets), an MFA command printing
/// more than a code is stopped; a user exempt from MFA
/// (`mfa: false`) is asked for no code; and a home without keys says where they go.
fn wrong_codes_and_exempt_users(world: &World) {
    let home = world.home("ada-wrong-code");
    let (key_id, secret) = install_keys(world, &home, "ada");
    let mut command = world.awsfed(&home);
    command
        .env(awsfed_env::AWSFED_MFA_COMMAND, "echo 000000")
        .args(["creds", "prod/Admin"]);
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        !stderr.contains(&secret) && !stderr.contains(&key_id),
        "{stderr}"
    );
    insta::assert_snapshot!("iam_user_wrong_mfa_code", stderr);
    // An MFA command that prints more than a code (here for ever) is stopped at 64 bytes.
    let mut command = world.awsfed(&home);
    command
        .env(awsfed_env::AWSFED_MFA_COMMAND, format!("yes {MFA_CODE}"))
        .args(["creds", "prod/Admin"]);
    let (code, stdout, stderr) = run(command);
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    insta::assert_snapshot!("iam_user_mfa_command_prints_too_much", stderr);

    let home = world.home("break-glass");
    install_keys(world, &home, "break-glass");
    let mut command = world.awsfed(&home);
    command
        .env(awsfed_env::AWSFED_NO_PROMPT, "1")
        .args(["creds", "prod/Admin"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");

    let home = world.home("nobody");
    let mut command = world.awsfed(&home);
    command.args(["creds", "prod/Admin"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("iam_user_without_keys", stderr);

    // A source profile that `awsfed configure` wrote would run awsfed again: refused.
    let mut configure = world.awsfed(&home);
    configure.arg("configure");
    let (code, _, stderr) = run(configure);
    assert_eq!(code, 0, "{stderr}");
    let config = std::fs::read_to_string(home.join(".aws/config")).expect("config");
    assert!(config.contains("[profile prod-Admin]"), "{config}");
    let mut command = world.awsfed(&home);
    command.args(["creds", "prod/Admin", "--source-profile", "prod-Admin"]);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("iam_user_source_profile_of_awsfed", stderr);
}
