//! The AWS CLI, boto3 and the AWS SDK for JavaScript v3 as clients of awsfed's two everyday ways
//! of handing out a session: a `credential_process` profile that `awsfed configure` wrote, and
//! `eval "$(awsfed env TARGET)"` (environment credentials). Each makes a real GetCallerIdentity
//! call to moto behind the trust gate; `exec --server` is in `exec_server`.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use crate::signin_support::{World, run};

const ADA_ARN: &str = "arn:aws:sts::444444444444:assumed-role/ReadOnly/ada@example.com";

/// `program` with the environment `awsfed` gets in `home` (its config, cache and client file, AWS
/// calls to the gate, no AWS variables from the test's own environment).
fn client(world: &World, home: &Path, program: impl AsRef<OsStr>) -> Command {
    let template = world.awsfed(home);
    let mut command = Command::new(program);
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command
}

/// The same client run the two ways: with the profile awsfed configured, and in a shell that
/// first evaluates `awsfed env` (as its help says to).
fn both_ways(world: &World, home: &Path, program: &Path, args: &[&OsStr]) -> [Command; 2] {
    let mut profile = client(world, home, program);
    profile.args(args).env("AWS_PROFILE", "dev-ReadOnly");
    let mut env = client(world, home, "sh");
    env.arg("-c")
        .arg("eval \"$(\"$0\" env dev/ReadOnly)\" && exec \"$@\"")
        .arg(env!("CARGO_BIN_EXE_awsfed"))
        .arg(program)
        .args(args);
    [profile, env]
}

/// Runs a client that prints one JSON object.
fn json_of(command: Command, what: &str) -> serde_json::Value {
    let (code, stdout, stderr) = run(command);
    assert_eq!(code, 0, "{what}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{what}: {e}: {stdout}"))
}

fn which(program: &str) -> std::path::PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|path| path.exists())
        })
        .unwrap_or_else(|| panic!("`{program}` on PATH: run scripts/setup-test-deps"))
}

#[test]
fn the_aws_cli_boto3_and_the_js_sdk_use_credential_process_and_env_output() {
    let Some(world) = World::start("hub-and-spoke") else {
        return;
    };
    let js_dir = crate::support::repo().join("tests/js-sdk");
    assert!(
        js_dir.join("node_modules/@aws-sdk/client-sts").exists(),
        "this test needs the AWS SDK for JavaScript v3 in {}: run scripts/setup-test-deps",
        js_dir.display()
    );
    let home = world.home("ada");
    let saml = world.saml("ada@example.com", &["developers"], true, &[]);
    let (code, stdout, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["creds", "dev/ReadOnly", "--saml-file"]).arg(&saml);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    let session: serde_json::Value = serde_json::from_str(&stdout).expect("credentials");
    let key = session["AccessKeyId"].as_str().expect("key").to_owned();
    let (code, _, stderr) = run({
        let mut c = world.awsfed(&home);
        c.args(["configure", "--command", env!("CARGO_BIN_EXE_awsfed")]);
        c
    });
    assert_eq!(code, 0, "{stderr}");
    let config = std::fs::read_to_string(home.join(".aws/config")).expect("config");
    let profile = format!(
        "[profile dev-ReadOnly]\ncredential_process = {} creds dev/ReadOnly ",
        env!("CARGO_BIN_EXE_awsfed")
    );
    assert!(config.contains(&profile), "{config}");
    world.reset_gate();

    // The AWS CLI (botocore) says who it is; it does not say which keys it used.
    let aws = world.tools.aws_cli.clone();
    let cli_args = [
        "sts",
        "get-caller-identity",
        "--output",
        "json",
        "--region",
        "us-east-1",
    ]
    .map(OsStr::new);
    for (way, command) in ["profile", "env"]
        .into_iter()
        .zip(both_ways(&world, &home, &aws, &cli_args))
    {
        let identity = json_of(command, &format!("aws CLI, {way}"));
        assert_eq!(identity["Arn"], ADA_ARN, "aws CLI, {way}: {identity}");
    }

    // boto3 names the provider it used (botocore's `method`) and the key it signed with.
    let script = "import boto3, json\n\
        s = boto3.Session()\n\
        c = s.get_credentials()\n\
        arn = s.client('sts', region_name='us-east-1').get_caller_identity()['Arn']\n\
        print(json.dumps({'arn': arn, 'key': c.access_key, 'method': c.method}))\n";
    let python = world.tools.python.clone();
    let boto3_args = ["-W", "ignore", "-c", script].map(OsStr::new);
    for ((way, method), command) in [("profile", "custom-process"), ("env", "env")]
        .into_iter()
        .zip(both_ways(&world, &home, &python, &boto3_args))
    {
        let boto3 = json_of(command, &format!("boto3, {way}"));
        assert_eq!(
            boto3,
            serde_json::json!({"arn": ADA_ARN, "key": key, "method": method}),
            "boto3, {way}"
        );
    }

    // The JavaScript SDK v3's default chain: its own process provider for the profile, its
    // environment provider after `awsfed env`.
    let script = js_dir.join("caller_identity.mjs");
    let js_args = [script.as_os_str()];
    for ((way, source), command) in [
        ("profile", "CREDENTIALS_PROFILE_PROCESS"),
        ("env", "CREDENTIALS_ENV_VARS"),
    ]
    .into_iter()
    .zip(both_ways(&world, &home, &which("node"), &js_args))
    {
        let js = json_of(command, &format!("JS SDK, {way}"));
        assert_eq!(js["arn"], ADA_ARN, "JS SDK, {way}: {js}");
        assert_eq!(js["key"], key.as_str(), "JS SDK, {way}: {js}");
        let sources = js["source"].as_array().expect("source");
        assert!(sources.iter().any(|s| s == source), "JS SDK, {way}: {js}");
    }

    // Every client was served the cached session: no sign-in reached STS.
    assert!(world.gate_calls().is_empty(), "{:?}", world.gate_calls());
}
