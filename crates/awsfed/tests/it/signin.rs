//! Sign-in end to end: moto behind the trust gate (trust policies enforced by iam-simulate), a
//! pysaml2 IdP, both topologies and a mixed model, the cache, the lock, the AWS CLI.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::signin_support::{Setup, World, age_cached_hop, run};

const HUB_DEVELOPERS: &str = "arn:aws:iam::111111111111:role/awsfed/hub/developers";
const DEV_READONLY: &str = "arn:aws:iam::444444444444:role/awsfed/ReadOnly";

fn saml_call(role: &str) -> String {
    format!("AssumeRoleWithSAML {role}")
}

fn assume_call(role: &str) -> String {
    format!("AssumeRole {role}")
}

fn credential_json(stdout: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(stdout).expect("credential_process JSON");
    assert_eq!(value["Version"], 1);
    for key in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        assert!(
            value[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {stdout}"
        );
    }
    value
}

/// Every file under the cache folder is 0600, and none of the texts carry the secret.
fn assert_private(home: &std::path::Path, secret: &str, texts: &[&str]) {
    let cache = home.join(".cache/awsfed");
    let mut files = 0;
    for entry in std::fs::read_dir(&cache).expect("cache folder") {
        let entry = entry.expect("entry");
        let mode = entry.metadata().expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", entry.path().display());
        files += 1;
    }
    assert!(files >= 2, "cache files: {files}");
    let dir_mode = std::fs::metadata(&cache)
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    for text in texts {
        assert!(!text.contains(secret), "a secret leaked into: {text}");
    }
}

#[test]
fn hub_and_spoke_two_hops_then_cache_exec_env_and_renewal_from_hop_one() {
    let Some(world) = World::start("hub-and-spoke") else {
        return;
    };
    let home = world.home("ada");
    let saml = world.saml("ada@example.com", &["developers"], true, &[]);

    let mut creds = world.awsfed(&home);
    creds
        .args(["creds", "dev/ReadOnly", "--saml-file"])
        .arg(&saml);
    let (code, stdout, stderr) = run(creds);
    assert_eq!(code, 0, "{stderr}");
    let first = credential_json(&stdout);
    let secret = first["SecretAccessKey"]
        .as_str()
        .expect("secret")
        .to_owned();
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&saml_call(HUB_DEVELOPERS)),
        Some(&(1, 0)),
        "{calls:?}"
    );
    assert_eq!(
        calls.get(&assume_call(DEV_READONLY)),
        Some(&(1, 0)),
        "{calls:?}"
    );
    assert_eq!(calls.len(), 2, "exactly 2 STS calls: {calls:?}");

    // Cached: no STS call, the same keys, no IdP needed.
    let (code, again, stderr2) = run({
        let mut c = world.awsfed(&home);
        c.args(["creds", "dev/ReadOnly"]);
        c
    });
    assert_eq!(code, 0, "{stderr2}");
    assert_eq!(credential_json(&again)["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(world.gate_calls(), calls);

    // exec and env hand out the same session.
    let (code, exec_out, exec_err) = run({
        let mut c = world.awsfed(&home);
        c.args([
            "exec",
            "dev/ReadOnly",
            "--",
            "sh",
            "-c",
            "echo $AWS_ACCESS_KEY_ID $AWSFED_TARGET",
        ]);
        c
    });
    assert_eq!(code, 0, "{exec_err}");
    assert_eq!(
        exec_out.trim(),
        format!(
            "{} dev/ReadOnly",
            first["AccessKeyId"].as_str().unwrap_or("")
        )
    );
    // A command that does not exist: 127, as shells say it.
    let (code, _, missing_err) = run({
        let mut c = world.awsfed(&home);
        c.args(["exec", "dev/ReadOnly", "--", "awsfed-no-such-command"]);
        c
    });
    assert_eq!(code, 127, "{missing_err}");
    insta::assert_snapshot!("exec_command_not_found", missing_err);
    let (code, env_out, env_err) = run({
        let mut c = world.awsfed(&home);
        c.args(["env", "dev/ReadOnly"]);
        c
    });
    assert_eq!(code, 0, "{env_err}");
    assert!(env_out.contains(&format!("export AWS_SECRET_ACCESS_KEY='{secret}'")));

    // whoami asks STS about the session (through the gate to moto) and never prints keys.
    let (code, whoami, whoami_err) = run({
        let mut c = world.awsfed(&home);
        c.args(["whoami", "dev/ReadOnly"]);
        c
    });
    assert_eq!(code, 0, "{whoami_err}");
    assert!(
        whoami.contains("assumed-role/ReadOnly/ada@example.com"),
        "{whoami}"
    );
    let (_, sessions, _) = run({
        let mut c = world.awsfed(&home);
        c.args(["whoami"]);
        c
    });
    assert!(
        sessions.contains("source identity ada@example.com"),
        "{sessions}"
    );
    assert_private(
        &home,
        &secret,
        &[
            &stderr,
            &stderr2,
            &exec_err,
            &env_err,
            &whoami,
            &whoami_err,
            &sessions,
        ],
    );

    // Hop 2 with less than 15 minutes left is renewed from the cached hub session: one AssumeRole,
    // no SAML (the response file is not even given).
    assert_eq!(age_cached_hop(&home, DEV_READONLY, 600), 1);
    world.reset_gate();
    let (code, renewed, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["creds", "dev/ReadOnly"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(
        credential_json(&renewed)["AccessKeyId"],
        first["AccessKeyId"]
    );
    let calls = world.gate_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls.get(&assume_call(DEV_READONLY)),
        Some(&(1, 0)),
        "{calls:?}"
    );
}

#[test]
fn twenty_parallel_creds_make_one_sts_call_per_hop_and_the_cache_works_without_aws() {
    let Some(mut world) = World::start("hub-and-spoke") else {
        return;
    };
    let home = world.home("bob");
    let saml = world.saml("bob@example.com", &["developers"], true, &[]);
    let children: Vec<std::process::Child> = (0..20)
        .map(|_| {
            let mut c = world.awsfed(&home);
            c.args(["creds", "staging/Deployer", "--saml-file"])
                .arg(&saml)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().expect("spawn")
        })
        .collect();
    let mut keys = std::collections::BTreeSet::new();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let value = credential_json(&String::from_utf8_lossy(&output.stdout));
        keys.insert(value["AccessKeyId"].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(keys.len(), 1, "all 20 got the same session");
    let calls = world.gate_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls.values().all(|&(n, denied)| n == 1 && denied == 0),
        "{calls:?}"
    );

    // moto and the gate stopped: the cache still answers.
    world.stop_aws();
    let (code, stdout, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["creds", "staging/Deployer"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    assert!(
        keys.contains(
            credential_json(&stdout)["AccessKeyId"]
                .as_str()
                .unwrap_or("")
        )
    );
}

#[test]
fn without_a_terminal_or_cache_creds_fails_at_once() {
    let Some(world) = World::start("hub-and-spoke") else {
        return;
    };
    let home = world.home("carol");
    let mut inner = world.awsfed(&home);
    inner.args(["creds", "dev/ReadOnly"]);
    // setsid: no controlling terminal, as under an SDK or a daemon.
    let mut setsid = Command::new("setsid");
    setsid.arg("-w");
    let mut command = crate::signin_support::wrap(setsid, &inner);
    command.stdin(std::process::Stdio::null());
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 1, "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(stdout.is_empty());
    insta::assert_snapshot!("creds_no_terminal", stderr);
    assert!(world.gate_calls().is_empty());
}

#[test]
fn the_gate_denies_what_the_trust_does_not_allow() {
    let Some(world) = World::start("hub-and-spoke") else {
        return;
    };
    // A developer whose client file (tampered, or stale) claims a path to prod/Admin through the
    // developers' hub: the spoke trusts only the platform admins' hub role.
    let home = world.home("dave");
    let client: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&world.client).expect("client"))
            .expect("JSON");
    let mut tampered = client.clone();
    for target in tampered["targets"].as_array_mut().expect("targets") {
        if target["name"] == "prod/Admin" {
            target["paths"][0]["hops"][0]["role_arn"] = HUB_DEVELOPERS.into();
        }
    }
    let tampered_path = home.join("client.json");
    std::fs::write(&tampered_path, tampered.to_string()).expect("write");
    let saml = world.saml("dave@example.com", &["developers"], true, &[]);
    let (code, stdout, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["creds", "prod/Admin", "--client"])
            .arg(&tampered_path)
            .arg("--saml-file")
            .arg(&saml);
        c
    });
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("STS refused AssumeRole into `arn:aws:iam::222222222222:role/awsfed/Admin`: AccessDenied"), "{stderr}");
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&assume_call("arn:aws:iam::222222222222:role/awsfed/Admin")),
        Some(&(1, 1)),
        "{calls:?}"
    );

    // With the real client file the client refuses before STS: the response grants no path.
    world.reset_gate();
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["creds", "prod/Admin", "--saml-file"]).arg(&saml);
        c
    });
    assert_eq!(code, 1);
    assert!(stderr.contains("grants none of the roles"), "{stderr}");
    assert!(world.gate_calls().is_empty());

    // A hub trust without sts:SetSourceIdentity fails once the IdP sends SourceIdentity, and
    // works for a response without it.
    world.update_role(
        HUB_DEVELOPERS,
        &["--drop-trust-action", "sts:SetSourceIdentity"],
    );
    let erin = world.home("erin");
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&erin);
        c.args(["creds", "dev/Deployer", "--saml-file"]).arg(&saml);
        c
    });
    assert_eq!(code, 1);
    assert!(stderr.contains("sts:SetSourceIdentity"), "{stderr}");
    let without = world.saml("erin@example.com", &["developers"], false, &[]);
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&erin);
        c.args(["login", "dev/Deployer", "--force", "--saml-file"])
            .arg(&without);
        c
    });
    // Refused at hop 1: the hub trust requires a SourceIdentity when the model says the IdP sends
    // one, so a response without it never reaches the spoke (whose trust demands it too).
    assert_eq!(code, 1, "{stderr}");
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&saml_call(HUB_DEVELOPERS)),
        Some(&(2, 2)),
        "{calls:?}"
    );
    assert_eq!(
        calls.get(&assume_call(
            "arn:aws:iam::444444444444:role/awsfed/Deployer"
        )),
        None,
        "{calls:?}"
    );
}

#[test]
fn mixed_direct_is_one_call_with_duration_step_down_and_the_aws_cli_uses_configured_profiles() {
    let Some(world) = World::start("mixed") else {
        return;
    };
    let home = world.home("fay");
    let saml = world.saml("fay@example.com", &["web-developers"], true, &[]);
    let direct = "arn:aws:iam::200000000001:role/awsfed/ReadOnly";
    // The role allows 2 hours although the client file says 8: step down, remember.
    world.update_role(direct, &["--max-session-duration", "7200"]);
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&home);
        // The assertion from a helper command, the SAML analogue of credential_process.
        c.args(["login", "prod-web/ReadOnly", "--saml-command"])
            .arg(format!("cat '{}'", saml.display()));
        c
    });
    assert_eq!(code, 0, "{stderr}");
    let calls = world.gate_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    // 28800 and 14400 refused, 7200 accepted.
    assert_eq!(calls.get(&saml_call(direct)), Some(&(3, 2)), "{calls:?}");
    let durations =
        std::fs::read_to_string(home.join(".cache/awsfed/durations.json")).expect("durations");
    assert!(
        durations.contains(&format!("\"{direct}\":7200")),
        "{durations}"
    );

    // The hub-and-spoke part of the mixed model: two calls, from the same (cached) response.
    world.reset_gate();
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["login", "dev-web/Admin"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(world.gate_calls().len(), 2, "{:?}", world.gate_calls());

    // configure, then the real AWS CLI through credential_process.
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args([
            "configure",
            "--region",
            "us-east-1",
            "--command",
            env!("CARGO_BIN_EXE_awsfed"),
        ]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    for (profile, account, role) in [
        (
            "prod-web-ReadOnly",
            "200000000001",
            "ReadOnly/fay@example.com",
        ),
        ("dev-web-Admin", "300000000001", "Admin/fay@example.com"),
    ] {
        let mut aws = Command::new(&world.tools.aws_cli);
        aws.args([
            "sts",
            "get-caller-identity",
            "--output",
            "json",
            "--profile",
            profile,
        ])
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("AWS_ENDPOINT_URL", &world.gate_url)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
        let (code, stdout, stderr) = run(aws);
        assert_eq!(code, 0, "aws --profile {profile}: {stderr}");
        let identity: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        // moto files a SAML session as `user/moto` (DESIGN.md lists its SAML quirks), but in the
        // right account; the chained (AssumeRole) session is exact.
        assert_eq!(identity["Account"], account, "{profile}: {stdout}");
        if profile == "dev-web-Admin" {
            let arn = identity["Arn"].as_str().unwrap_or("");
            assert!(arn.ends_with(role), "{profile}: {arn}");
        }
    }

    // The hub profile contract of `awsfed export aws-config`: `awsfed creds --role-arn HUB` is
    // served from the hub session cached above, and the AWS CLI chains the spoke role itself.
    world.reset_gate();
    let hub = "arn:aws:iam::100000000001:role/awsfed/hub/web-developers";
    let (code, stdout, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["creds", "--role-arn", hub]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    credential_json(&stdout);
    assert!(world.gate_calls().is_empty(), "{:?}", world.gate_calls());
    let exported = home.join("exported-config");
    let (code, stdout, stderr) = run({
        let mut c = world.awsfed(&home);
        c.arg("-c")
            .arg(crate::support::example("mixed"))
            .args([
                "export",
                "aws-config",
                "--group",
                "web-developers",
                "--session-name",
            ])
            .args(["fay@example.com", "--region", "us-east-1"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(&exported, stdout).expect("write exported profiles");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_awsfed"))
        .parent()
        .expect("bin folder")
        .to_owned();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let mut aws = Command::new(&world.tools.aws_cli);
    aws.args([
        "sts",
        "get-caller-identity",
        "--output",
        "json",
        "--profile",
        "dev-web-Admin",
    ])
    .env("HOME", &home)
    .env("PATH", path)
    .env("AWS_CONFIG_FILE", &exported)
    .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
    .env("XDG_CACHE_HOME", home.join(".cache"))
    .env("AWS_ENDPOINT_URL", &world.gate_url)
    .env_remove("AWS_PROFILE");
    let (code, stdout, stderr) = run(aws);
    assert_eq!(code, 0, "aws with the exported chained profile: {stderr}");
    assert!(
        stdout.contains("assumed-role/Admin/fay@example.com"),
        "{stdout}"
    );
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&assume_call("arn:aws:iam::300000000001:role/awsfed/Admin")),
        Some(&(1, 0)),
        "{calls:?}"
    );
}

#[test]
fn configure_dry_run_shows_a_diff_and_keeps_user_lines() {
    let Some(world) = World::start("hub-and-spoke") else {
        return;
    };
    let home = world.home("gus");
    std::fs::create_dir_all(home.join(".aws")).expect("mkdir");
    let user = "[default]\nregion = eu-west-1\n\n[profile prod-Admin]\nregion = eu-west-2\n";
    std::fs::write(home.join(".aws/config"), user).expect("write");
    let (code, diff, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["configure", "--dry-run", "--group", "auditors"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    let config = home.join(".aws/config");
    assert_eq!(
        std::fs::read_to_string(&config).expect("read"),
        user,
        "dry run wrote nothing"
    );
    let diff = diff
        .replace(&config.display().to_string(), "CONFIG")
        .replace(&world.client.display().to_string(), "CLIENT");
    insta::assert_snapshot!("configure_dry_run", format!("{diff}\n--- stderr\n{stderr}"));
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["configure", "--group", "auditors"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(&config).expect("read");
    assert!(written.starts_with(user));
    // Another group: the auditors' profiles that are not the developers' are removed as stale.
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["configure", "--group", "platform-admins"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("removed (dev-ReadOnly, prod-ReadOnly, staging-ReadOnly)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: profile prod-Admin is defined outside"),
        "{stderr}"
    );
    assert!(
        std::fs::read_to_string(&config)
            .expect("read")
            .starts_with(user)
    );
}

/// Model → `awsfed apply` → sign-in: the trusts and policies `apply` writes into moto (not a copy of
/// the compiled state) are the ones the gate evaluates, for a direct and a hub-and-spoke target of
/// the mixed example. The IdP's SessionDuration caps the SAML hop.
#[test]
fn mixed_example_deployed_by_apply_signs_in_through_the_gate() {
    let setup = Setup {
        apply: true,
        ..Setup::default()
    };
    let Some(world) = World::start_with("mixed", setup) else {
        return;
    };
    let home = world.home("gus");
    let saml = world.saml_with(
        "gus@example.com",
        &["web-developers"],
        true,
        &[],
        &["--session-duration", "7200"],
    );
    let hub = "arn:aws:iam::100000000001:role/awsfed/hub/web-developers";
    let spoke = "arn:aws:iam::300000000001:role/awsfed/Admin";
    let direct = "arn:aws:iam::200000000001:role/awsfed/ReadOnly";
    for target in ["prod-web/ReadOnly", "dev-web/Admin"] {
        let (code, stdout, stderr) = run({
            let mut c = world.awsfed(&home);
            c.args(["creds", target, "--saml-file"]).arg(&saml);
            c
        });
        assert_eq!(code, 0, "{target}: {stderr}");
        credential_json(&stdout);
    }
    let calls = world.gate_calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    for call in [saml_call(direct), saml_call(hub), assume_call(spoke)] {
        assert_eq!(calls.get(&call), Some(&(1, 0)), "{call}: {calls:?}");
    }
    // The direct role allows 8 hours; the IdP allows 2, so 2 were asked for.
    let (code, stdout, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["whoami", "--output", "json"]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    let sessions: serde_json::Value = serde_json::from_str(&stdout).expect("whoami JSON");
    let left = sessions
        .as_array()
        .and_then(|all| all.iter().find(|s| s["role_arn"] == direct))
        .and_then(|s| s["seconds_left"].as_i64())
        .unwrap_or_else(|| panic!("a session of {direct}: {stdout}"));
    assert!((6_900..=7_200).contains(&left), "{left} s left");
    // The applied trusts pin SAML:aud: without `browser_sign_in` in the model, an assertion
    // posted to a local listener is refused.
    world.reset_gate();
    let other = world.home("ivy");
    let saml = world.saml_with(
        "ivy@example.com",
        &["web-developers"],
        true,
        &[],
        &["--recipient", "http://127.0.0.1:43821/saml"],
    );
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&other);
        c.args([
            "creds",
            "prod-web/ReadOnly",
            "--any-recipient",
            "--saml-file",
        ])
        .arg(&saml);
        c
    });
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        world.gate_calls().get(&saml_call(direct)),
        Some(&(1, 1)),
        "{stderr}"
    );
}

#[test]
fn browser_sign_in_receives_the_idp_post_on_localhost() {
    let port = crate::signin_support::free_port();
    // The model's `browser_sign_in` puts the listener's audience into the trusts the gate
    // evaluates, and its port into the client file, so `--browser` needs no port.
    let setup = Setup {
        browser_port: Some(port),
        ..Setup::default()
    };
    let Some(world) = World::start_with("hub-and-spoke", setup) else {
        return;
    };
    let home = world.home("hal");
    let listener = format!("http://127.0.0.1:{port}/saml");
    let saml = world.saml_with(
        "hal@example.com",
        &["developers"],
        true,
        &[],
        &["--recipient", &listener],
    );
    let mut command = world.awsfed(&home);
    command
        .args(["login", "dev/Deployer", "--browser"])
        .env(awsfed_env::AWSFED_NO_BROWSER_OPEN, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("awsfed starts");
    let base64 = std::fs::read_to_string(&saml).expect("response");
    let encoded: String = base64
        .trim()
        .bytes()
        .map(|b| match b {
            b'+' => "%2B".to_owned(),
            b'/' => "%2F".to_owned(),
            b'=' => "%3D".to_owned(),
            _ => (b as char).to_string(),
        })
        .collect();
    let body = format!("SAMLResponse={encoded}&RelayState=");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let page = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            write!(
                stream,
                "POST /saml HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .expect("post");
            let mut page = String::new();
            let _ = stream.read_to_string(&mut page);
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the listener never opened"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(page.contains("Signed in"), "{page}");
    let output = child.wait_with_output().expect("awsfed ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("signed in to dev/Deployer"), "{stderr}");
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&saml_call(HUB_DEVELOPERS)),
        Some(&(1, 0)),
        "{calls:?}"
    );
}

#[test]
fn pysaml2_responses_are_signed_and_read_by_saml_inspect() {
    let Some(tools) = crate::signin_support::tools() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp");
    let home = dir.path();
    let desired = home.join("desired.json");
    let output = crate::signin_support::awsfed(home)
        .arg("-c")
        .arg(crate::support::example("mixed"))
        .args(["compile", "--output", "json"])
        .output()
        .expect("compile");
    assert!(output.status.success());
    std::fs::write(&desired, &output.stdout).expect("write");
    let idp = crate::support::repo().join("tests/support/idp.py");
    let keys = home.join("keys");
    let status = Command::new(&tools.python)
        .args(["-W", "ignore"])
        .arg(&idp)
        .arg("keys")
        .arg(&keys)
        .status()
        .expect("idp keys");
    assert!(status.success());
    let output = Command::new(&tools.python)
        .args(["-W", "ignore"])
        .arg(&idp)
        .args(["response", "--keys"])
        .arg(&keys)
        .arg("--desired")
        .arg(&desired)
        .args([
            "--user",
            "ida@example.com",
            "--groups",
            "Data Engineers,web-developers",
        ])
        .args(["--source-identity", "ida@example.com"])
        .output()
        .expect("idp response");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let response = home.join("response.b64");
    std::fs::write(&response, &output.stdout).expect("write");

    // xmlsec1 verifies the IdP's signature with its certificate.
    let xml = home.join("response.xml");
    let decoded = Command::new("base64")
        .arg("-d")
        .arg(&response)
        .output()
        .expect("base64");
    std::fs::write(&xml, decoded.stdout).expect("write");
    let (code, _, stderr) = run({
        let mut c = Command::new("xmlsec1");
        c.args(["--verify", "--pubkey-cert-pem"])
            .arg(keys.join("idp-cert.pem"))
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            ])
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            ])
            .arg(&xml);
        c
    });
    assert_eq!(code, 0, "xmlsec1: {stderr}");

    let (code, stdout, stderr) = run({
        let mut c = crate::signin_support::awsfed(home);
        c.args(["saml", "inspect", "--output", "json"])
            .arg(&response);
        c
    });
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["usable"], true);
    assert_eq!(report["second_hop_session_name"], "ida@example.com");
    let aws = &report["response"]["assertion"]["aws"];
    assert_eq!(aws["source_identity"], "ida@example.com");
    let mut roles: Vec<String> = aws["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|pair| pair["role"]["arn"].as_str().unwrap_or("").to_owned())
        .collect();
    roles.sort();
    // The two hub roles, and the direct roles of the production accounts the groups reach.
    assert_eq!(
        roles,
        [
            "arn:aws:iam::100000000001:role/awsfed/hub/web-developers",
            "arn:aws:iam::100000000002:role/awsfed/hub/Data-Engineers",
            "arn:aws:iam::200000000001:role/awsfed/ReadOnly",
            "arn:aws:iam::200000000002:role/awsfed/DataEngineer",
            "arn:aws:iam::200000000002:role/awsfed/ReadOnly",
        ]
    );
}

#[test]
fn login_without_a_target_offers_a_picker_on_the_terminal() {
    if crate::signin_support::tools().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp");
    let home = dir.path();
    let output = crate::signin_support::awsfed(home)
        .arg("-c")
        .arg(crate::support::example("hub-and-spoke"))
        .args(["export", "client", "--out"])
        .arg(home.join("client"))
        .output()
        .expect("export client");
    assert!(output.status.success());
    // `script` gives awsfed a terminal. "dvad" narrows the list to dev/Admin and dev/ReadOnly
    // (characters in order); then "1" picks dev/Admin.
    let login = format!(
        "{} login --client {} --saml-file {}",
        env!("CARGO_BIN_EXE_awsfed"),
        home.join("client/client.json").display(),
        home.join("missing.b64").display()
    );
    let mut command = Command::new("script");
    command
        .args(["-qec", &login, "/dev/null"])
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"));
    let output = crate::signin_support::run_with_stdin(command, b"dvad\n1\n");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("   1  dev/Admin"), "{shown}");
    assert!(
        shown.contains("   2  dev/ReadOnly\r\ntarget"),
        "narrowed: {shown}"
    );
    // The picked target went on to sign in, and stopped at the missing response file: bad input,
    // exit 2 (the README's exit-code contract).
    assert!(shown.contains("missing.b64"), "{shown}");
    assert_eq!(output.status.code(), Some(2), "{shown}");
    let error = shown
        .lines()
        .find_map(|line| line.find("error:").map(|at| line[at..].trim_end()))
        .unwrap_or_default()
        .replace(&home.display().to_string(), "[HOME]");
    insta::assert_snapshot!("saml_file_missing", error);
}
