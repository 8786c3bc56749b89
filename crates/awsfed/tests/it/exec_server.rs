//! `awsfed exec --server` with real SDKs as the command: boto3, the AWS SDK for JavaScript v3 and
//! the AWS CLI fetch credentials from the container endpoint on 127.0.0.1 and call STS (moto
//! behind the trust gate) across renewals of the spoke session.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::signin_support::{World, age_cached_hop, run, text};

const DEV_READONLY: &str = "arn:aws:iam::444444444444:role/awsfed/ReadOnly";
const ADA_ARN: &str = "arn:aws:sts::444444444444:assumed-role/ReadOnly/ada@example.com";

/// The JavaScript SDK installed by scripts/setup-test-deps; missing, the test fails saying so.
fn js_sdk_dir() -> PathBuf {
    let dir = crate::support::repo().join("tests/js-sdk");
    assert!(
        dir.join("node_modules/@aws-sdk/client-sts").exists(),
        "the exec --server test needs the AWS SDK for JavaScript v3 in {}: run scripts/setup-test-deps",
        dir.display()
    );
    dir
}

/// The world's client file with dev/ReadOnly's spoke hop asking for 900 s (moto gives what is
/// asked, AWS's minimum): the SDKs hold sessions with under 15 minutes left and fetch again
/// before each call.
fn short_spoke_client(world: &World) -> PathBuf {
    let text = std::fs::read_to_string(&world.client).expect("client file");
    let mut client: serde_json::Value = serde_json::from_str(&text).expect("client JSON");
    let mut shortened = 0;
    for target in client["targets"].as_array_mut().expect("targets") {
        if target["name"] != "dev/ReadOnly" {
            continue;
        }
        for path in target["paths"].as_array_mut().expect("paths") {
            for hop in path["hops"].as_array_mut().expect("hops") {
                if hop["kind"] == "assume-role" {
                    hop["max_session_duration"] = serde_json::json!(900);
                    shortened += 1;
                }
            }
        }
    }
    assert!(shortened > 0, "dev/ReadOnly has a spoke hop");
    let path = world.dir.path().join("client-short.json");
    std::fs::write(&path, client.to_string()).expect("write client");
    path
}

/// Runs `command` (whose program prints `ready` between its two calls and then waits for a line):
/// at `ready`, the cached spoke session is aged to 10 minutes left, as if time had passed, so the
/// server's next answer is a renewal. Returns (exit code, the rest of stdout, stderr).
fn run_across_renewal(mut command: Command, home: &Path) -> (i32, String, String) {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("awsfed starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    if line.trim() == "ready" {
        assert_eq!(
            age_cached_hop(home, DEV_READONLY, 600),
            1,
            "one spoke session"
        );
    }
    // Past a failure the child may be gone: its output says why.
    let _ = child.stdin.take().expect("stdin").write_all(b"go\n");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(line.trim(), "ready", "{rest}{}", text(&output.stderr));
    (
        output.status.code().unwrap_or(-1),
        rest,
        text(&output.stderr),
    )
}

fn calls_of(output: &serde_json::Value) -> Vec<(String, String)> {
    output["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| {
            (
                c["arn"].as_str().expect("arn").to_owned(),
                c["key"].as_str().expect("key").to_owned(),
            )
        })
        .collect()
}

/// Two calls, both as ada in dev (moto knows the keys: a key it did not issue answers as its
/// default account), signed with different keys: the session was renewed between them.
fn assert_renewed_between(calls: &[(String, String)]) {
    assert_eq!(calls.len(), 2, "{calls:?}");
    for (arn, key) in calls {
        assert_eq!(arn, ADA_ARN, "{calls:?}");
        assert!(key.starts_with("ASIA") || key.starts_with("FSIA"), "{key}");
    }
    assert_ne!(calls[0].1, calls[1].1, "renewed between the calls");
}

#[test]
fn exec_server_serves_renewed_sessions_to_boto3_and_the_js_sdk() {
    let Some(world) = World::start("hub-and-spoke") else {
        return;
    };
    let js_dir = js_sdk_dir();
    let client = short_spoke_client(&world);
    let home = world.home("ada");
    let saml = world.saml("ada@example.com", &["developers"], true, &[]);
    let awsfed = || {
        let mut command = world.awsfed(&home);
        command.env(awsfed_env::AWSFED_CLIENT, &client);
        command
    };
    let (code, _, stderr) = run({
        let mut c = awsfed();
        c.args(["login", "dev/ReadOnly", "--saml-file"]).arg(&saml);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    world.reset_gate();

    // boto3: the token is required, no keys are in the environment, and one session renews.
    let (code, stdout, stderr) = run_across_renewal(
        {
            let mut c = awsfed();
            c.args(["exec", "--server", "dev/ReadOnly", "--"])
                .arg(&world.tools.python)
                .arg(crate::support::repo().join("tests/support/exec_server_boto3.py"));
            c
        },
        &home,
    );
    assert_eq!(code, 0, "{stderr}");
    let boto3: serde_json::Value = serde_json::from_str(&stdout).expect("boto3 JSON");
    assert_eq!(boto3["without_token"], 401, "{stdout}");
    assert_eq!(boto3["wrong_token"], 403, "{stdout}");
    assert_eq!(boto3["key_variables"], serde_json::json!([]), "{stdout}");
    assert_eq!(boto3["method"], "container-role", "{stdout}");
    assert_renewed_between(&calls_of(&boto3));
    insta::assert_snapshot!("exec_server_refusals", stderr);

    // The JavaScript SDK v3: two clients, two renewed sessions.
    let (code, stdout, stderr) = run_across_renewal(
        {
            let mut c = awsfed();
            c.args(["exec", "--server", "dev/ReadOnly", "--", "node"])
                .arg(js_dir.join("exec_server_client.mjs"));
            c
        },
        &home,
    );
    assert_eq!(code, 0, "{stderr}");
    // Node's own warnings may be there; awsfed refused nothing and failed nothing.
    assert!(!stderr.contains("awsfed"), "{stderr}");
    let js: serde_json::Value = serde_json::from_str(&stdout).expect("JS JSON");
    assert_renewed_between(&calls_of(&js));

    // Every renewal was an AssumeRole from the cached hub session: no SAML, nothing denied.
    let calls = world.gate_calls();
    let (renewals, denied) = calls
        .get(&format!("AssumeRole {DEV_READONLY}"))
        .copied()
        .unwrap_or_default();
    assert!(renewals >= 2, "{calls:?}");
    assert_eq!(denied, 0, "{calls:?}");
    assert!(
        calls.keys().all(|k| !k.starts_with("AssumeRoleWithSAML")),
        "{calls:?}"
    );

    the_aws_cli_across_a_renewal(&world, &home);

    // The command's exit status is awsfed's.
    let (code, _, stderr) = run({
        let mut c = awsfed();
        c.args([
            "exec",
            "--server",
            "dev/ReadOnly",
            "--",
            "sh",
            "-c",
            "exit 3",
        ]);
        c
    });
    assert_eq!(code, 3, "{stderr}");

    keys_and_default_profiles_do_not_win_over_the_server(&world, &home, &client);
    ctrl_c_reaches_the_command_and_stops_the_server(&world, &home, &client);
}

/// The AWS CLI (v1, botocore's container provider) as the command: two CLI runs before and after
/// the cached session is aged, each asking `aws configure list` where its keys come from (and
/// their last 4 characters) and STS who it is. With the world's own client file (one-hour spoke
/// sessions) the first run is served the cached session and the second a renewed one.
fn the_aws_cli_across_a_renewal(world: &World, home: &Path) {
    let script = "step() { \"$0\" configure list | awk '$1 == \"access_key\" { print $2, $3 }'; \"$0\" sts get-caller-identity --region us-east-1 --query Arn --output text; }\n\
        first=$(step) || exit 1\n\
        echo ready\n\
        read line\n\
        second=$(step) || exit 1\n\
        printf '%s\\n%s\\n' \"$first\" \"$second\"\n";
    world.reset_gate();
    let (code, stdout, stderr) = run_across_renewal(
        {
            let mut c = world.awsfed(home);
            c.args(["exec", "--server", "dev/ReadOnly", "--", "sh", "-c", script])
                .arg(&world.tools.aws_cli);
            c
        },
        home,
    );
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let [first_key, first_arn, second_key, second_arn] = lines.as_slice() else {
        panic!("two keys and two identities: {stdout}");
    };
    assert_eq!([*first_arn, *second_arn], [ADA_ARN, ADA_ARN], "{stdout}");
    for key in [first_key, second_key] {
        assert!(key.ends_with(" container-role"), "{stdout}");
    }
    assert_ne!(first_key, second_key, "renewed between the runs: {stdout}");
    let calls = world.gate_calls();
    assert!(
        calls
            .get(&format!("AssumeRole {DEV_READONLY}"))
            .is_some_and(|(renewals, denied)| *renewals >= 1 && *denied == 0),
        "{calls:?}"
    );
}

/// Keys in the environment, `AWS_PROFILE`, and a `default` profile with keys in the credentials
/// file and a credential process in the config file would each win over the container endpoint
/// in boto3's chain: the command sees none of them, boto3 signs with the server's session, and
/// awsfed says what it left out (never a value).
fn keys_and_default_profiles_do_not_win_over_the_server(world: &World, home: &Path, client: &Path) {
    std::fs::create_dir_all(home.join(".aws")).expect(".aws");
    std::fs::write(
        home.join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIADEFAULTPROFILE\naws_secret_access_key = default-secret\n",
    )
    .expect("credentials file");
    std::fs::write(
        home.join(".aws/config"),
        "[default]\nregion = eu-west-1\ncredential_process = sh -c 'exit 1'\n",
    )
    .expect("config file");
    let script = "import boto3, json\n\
        s = boto3.Session()\n\
        c = s.get_credentials()\n\
        print(json.dumps({'method': c.method, 'arn': s.client('sts', region_name='us-east-1').get_caller_identity()['Arn']}))\n";
    let mut command = world.awsfed(home);
    command
        .env(awsfed_env::AWSFED_CLIENT, client)
        .env("AWS_ACCESS_KEY_ID", "AKIAFROMTHEENVIRONMENT")
        .env("AWS_SECRET_ACCESS_KEY", "environment-secret")
        .env("AWS_PROFILE", "default")
        .args(["exec", "--server", "dev/ReadOnly", "--"])
        .arg(&world.tools.python)
        .args(["-W", "ignore", "-c", script]);
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 0, "{stderr}");
    let boto3: serde_json::Value = serde_json::from_str(&stdout).expect("boto3 JSON");
    assert_eq!(boto3["method"], "container-role", "{stdout}");
    assert_eq!(boto3["arn"], ADA_ARN, "{stdout}");
    for secret in ["environment-secret", "default-secret", "AKIA"] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
    insta::assert_snapshot!(
        "exec_server_leaves_out",
        stderr.replace(&home.display().to_string(), "[HOME]")
    );
    std::fs::remove_file(home.join(".aws/credentials")).expect("remove");
    std::fs::remove_file(home.join(".aws/config")).expect("remove");
}

/// Ctrl-C as a terminal sends it: SIGINT to the foreground process group (awsfed and the
/// command). The command gets it (its handler records it, then it dies of it), awsfed exits with
/// 130 (128 + SIGINT, as shells report), the server no longer answers, and the token is in no file
/// of the home folder and not on stderr.
fn ctrl_c_reaches_the_command_and_stops_the_server(world: &World, home: &Path, client: &Path) {
    use std::os::unix::process::CommandExt;
    let marker = world.dir.path().join("sigint.txt");
    let script = "import json, os, signal, sys\n\
        def on_int(number, frame):\n\
        \x20   open(sys.argv[1], 'w').write('SIGINT')\n\
        \x20   signal.signal(signal.SIGINT, signal.SIG_DFL)\n\
        \x20   os.kill(os.getpid(), signal.SIGINT)\n\
        signal.signal(signal.SIGINT, on_int)\n\
        print(json.dumps([os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']]), flush=True)\n\
        sys.stdin.readline()\n";
    let mut command = world.awsfed(home);
    command
        .env(awsfed_env::AWSFED_CLIENT, client)
        .args(["exec", "--server", "dev/ReadOnly", "--"])
        .arg(&world.tools.python)
        .args(["-c", script])
        .arg(&marker)
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("awsfed starts");
    let _stdin = child.stdin.take();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    let (url, token): (String, String) = serde_json::from_str(&line).expect("URL and token");
    let address = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("address")
        .to_owned();
    let ask = || -> Option<String> {
        let mut stream = std::net::TcpStream::connect(&address).ok()?;
        write!(
            stream,
            "GET /credentials HTTP/1.1\r\nHost: {address}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).ok()?;
        Some(answer)
    };
    let answer = ask().expect("the server answers");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let killed = Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = child.wait_with_output().expect("awsfed exits");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert_eq!(std::fs::read_to_string(&marker).expect("marker"), "SIGINT");
    assert_eq!(ask(), None, "the server stopped with awsfed");
    assert!(!stderr.contains(&token), "{stderr}");
    let mut folders = vec![home.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("list") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(&token),
                    "the token is in {}",
                    path.display()
                );
            }
        }
    }
}
