//! Sign-in commands without AWS: usage, errors and hints, JSON output, `configure`, `targets`,
//! and sessions served from a cache the test writes (no STS call is needed for a cache hit).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use awsfed_signin::{Cache, CachedHop, Credentials, HopKey};

use crate::console::{Federation, param};
use crate::signin_support::{awsfed, run};

const HUB: &str = "arn:aws:iam::111111111111:role/awsfed/hub/developers";
const PROVIDER: &str = "arn:aws:iam::111111111111:saml-provider/corp";
const DEV_READONLY: &str = "arn:aws:iam::444444444444:role/awsfed/ReadOnly";
const SECRET: &str = "never-printed-secret";

/// A home folder with the hub-and-spoke example's client file at `$HOME/client.json`.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self::with_model(&crate::support::example("hub-and-spoke"))
    }

    /// The hub-and-spoke example with a default Region and another one for prod.
    fn with_regions() -> Self {
        let model = crate::support::example("hub-and-spoke");
        let yaml = std::fs::read_to_string(&model).expect("example");
        let yaml = yaml.replacen(
            "\naccounts:\n",
            "\ndefault_region: eu-west-1\naccounts:\n",
            1,
        );
        let with = yaml.replacen(
            "tags: { env: prod } }",
            "tags: { env: prod }, region: us-west-2 }",
            1,
        );
        assert_ne!(with, yaml, "the example's prod account");
        let folder = tempfile::tempdir().expect("temp");
        std::fs::write(folder.path().join("awsfed.yaml"), with).expect("write");
        std::fs::copy(
            model.with_file_name("corp-idp.xml"),
            folder.path().join("corp-idp.xml"),
        )
        .expect("metadata");
        Self::with_model(&folder.path().join("awsfed.yaml"))
    }

    fn with_model(model: &Path) -> Self {
        let dir = tempfile::tempdir().expect("temp");
        let out = dir.path().join("exported");
        let (code, _, stderr) = run({
            let mut c = awsfed(dir.path());
            c.arg("-c")
                .arg(model)
                .args(["export", "client", "--out"])
                .arg(&out);
            c
        });
        assert_eq!(code, 0, "{stderr}");
        std::fs::rename(out.join("client.json"), dir.path().join("client.json")).expect("move");
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn client(&self) -> PathBuf {
        self.path().join("client.json")
    }

    /// `awsfed` with this home and its client file, no terminal and no prompt.
    fn awsfed(&self, args: &[&str]) -> std::process::Command {
        let mut command = awsfed(self.path());
        command
            .env(awsfed_env::AWSFED_CLIENT, self.client())
            .env(awsfed_env::AWSFED_NO_PROMPT, "1")
            .stdin(std::process::Stdio::null())
            .args(args);
        command
    }

    fn cache(&self) -> Cache {
        Cache::open(self.path().join(".cache/awsfed")).expect("cache")
    }

    /// Caches the developers' hub session and their dev/ReadOnly spoke session, ending in
    /// `hub_left` and `spoke_left` seconds.
    fn sign_in_dev_readonly(&self, hub_left: i64, spoke_left: i64) {
        self.sign_in(DEV_READONLY, hub_left, spoke_left);
    }

    /// Caches the developers' hub session and their session of the spoke role `spoke`.
    fn sign_in(&self, spoke: &str, hub_left: i64, spoke_left: i64) {
        let cache = self.cache();
        let hub_key = HopKey {
            role_arn: HUB.to_owned(),
            via: PROVIDER.to_owned(),
            session_name: None,
        };
        cache
            .write_hop(&hub_key, &hop(HUB, PROVIDER, "ASIAHUB", hub_left))
            .expect("hub");
        let spoke_key = HopKey {
            role_arn: spoke.to_owned(),
            via: HUB.to_owned(),
            session_name: Some("ada@example.com".to_owned()),
        };
        cache
            .write_hop(&spoke_key, &hop(spoke, HUB, "ASIASPOKE", spoke_left))
            .expect("spoke");
    }
}

fn hop(role: &str, via: &str, key: &str, left: i64) -> CachedHop {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    CachedHop {
        role_arn: role.to_owned(),
        via: via.to_owned(),
        session_name: Some("ada@example.com".to_owned()),
        source_identity: Some("ada@example.com".to_owned()),
        credentials: Credentials {
            access_key_id: key.to_owned(),
            secret_access_key: SECRET.to_owned(),
            session_token: format!("{SECRET}-token"),
            expiration: now + left,
        },
    }
}

/// Instants and the temporary home vary from run to run.
fn stable(text: &str, home: &Home) -> String {
    let text = text.replace(&home.path().display().to_string(), "[HOME]");
    let mut out = String::new();
    let mut rest = text.as_str();
    // RFC 3339 instants such as 2026-11-29T22:10:00Z.
    while let Some(at) = rest.find(|c: char| c.is_ascii_digit()) {
        let candidate = &rest[at..];
        let is_instant = candidate.len() >= 20
            && candidate.as_bytes()[4] == b'-'
            && candidate.as_bytes()[10] == b'T'
            && candidate.as_bytes()[19] == b'Z';
        out.push_str(&rest[..at]);
        if is_instant {
            out.push_str("[TIME]");
            rest = &candidate[20..];
        } else {
            out.push_str(&candidate[..1]);
            rest = &candidate[1..];
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn creds_without_a_target_is_a_usage_error_and_its_help_shows_the_target_required() {
    let home = Home::new();
    let (code, stdout, stderr) = run(home.awsfed(&["creds"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    insta::assert_snapshot!("creds_without_a_target", stderr);
    let (_, help, _) = run(home.awsfed(&["creds", "--help"]));
    assert!(
        help.contains("Usage: awsfed creds [OPTIONS] <TARGET>\n"),
        "{help}"
    );
}

#[test]
fn sign_in_help_leaves_out_the_model_profile_and_endpoint_options() {
    let home = Home::new();
    for command in [
        "login",
        "creds",
        "exec",
        "console",
        "env",
        "targets",
        "whoami",
        "configure",
    ] {
        let (code, help, stderr) = run(home.awsfed(&[command, "--help"]));
        assert_eq!(code, 0, "{command}: {stderr}");
        for option in ["--config <", "--profile", "--endpoint-url"] {
            assert!(!help.contains(option), "{command} --help shows {option}");
        }
        assert!(help.contains("--client"), "{command}");
    }
    let (_, compile, _) = run(home.awsfed(&["compile", "--help"]));
    assert!(compile.contains("--config") && compile.contains("--profile"));
}

#[test]
fn a_missing_client_file_says_how_to_name_one() {
    let home = Home::new();
    let mut command = home.awsfed(&["creds", "dev/ReadOnly"]);
    command.env_remove(awsfed_env::AWSFED_CLIENT);
    let (code, _, stderr) = run(command);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(awsfed_env::AWSFED_CLIENT), "{stderr}");
    insta::assert_snapshot!("client_file_missing", stable(&stderr, &home));
}

#[test]
fn an_unknown_account_or_permission_set_gets_the_nearest_target() {
    let home = Home::new();
    let mut shown = String::new();
    for target in ["prdo/ReadOnly", "production/Admin", "dev/ReadOnyl"] {
        let (code, _, stderr) = run(home.awsfed(&["creds", target]));
        assert_eq!(code, 2, "{stderr}");
        shown.push_str(&stderr);
    }
    insta::assert_snapshot!("unknown_targets", shown);
}

#[test]
fn no_response_at_hand_names_the_target_in_the_hint() {
    let home = Home::new();
    let (code, _, stderr) = run(home.awsfed(&["creds", "dev/ReadOnly"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("hint: run `awsfed login dev/ReadOnly` in a terminal"),
        "{stderr}"
    );
    assert!(!stderr.contains("TARGET"), "{stderr}");
}

#[test]
fn an_expired_hub_session_leaves_the_spoke_session_handed_out_with_a_warning() {
    let home = Home::new();
    // The hub session ended a minute ago; the spoke session has 5 minutes and 50 seconds.
    home.sign_in_dev_readonly(-60, 350);
    let (code, stdout, stderr) = run(home.awsfed(&["creds", "dev/ReadOnly"]));
    assert_eq!(code, 0, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("credential_process JSON");
    assert_eq!(value["AccessKeyId"], "ASIASPOKE");
    assert!(!stderr.contains(SECRET));
    insta::assert_snapshot!("spoke_session_not_renewed", stable(&stderr, &home));
    // Under a minute left: refused, as before.
    home.sign_in_dev_readonly(-60, 30);
    let (code, stdout, stderr) = run(home.awsfed(&["creds", "dev/ReadOnly"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
}

#[test]
fn a_cache_hit_of_creds_target_skips_the_parser_and_answers_the_same() {
    let home = Home::new();
    home.sign_in_dev_readonly(3_600, 3_000);
    let timed = |args: &[&str]| {
        let mut command = home.awsfed(args);
        command.env(awsfed_env::AWSFED_TIMING, "1");
        run(command)
    };
    let (code, fast, fast_err) = timed(&["creds", "dev/ReadOnly"]);
    assert_eq!(code, 0, "{fast_err}");
    assert!(
        fast_err.contains("(command-line parser skipped)"),
        "{fast_err}"
    );
    // The forms `awsfed configure` writes when a client file is named skip it too.
    let client = home.client().display().to_string();
    for args in [
        ["creds", "dev/ReadOnly", "--client", &client],
        ["creds", "--client", &client, "dev/ReadOnly"],
    ] {
        let (code, named, named_err) = timed(&args);
        assert_eq!(code, 0, "{named_err}");
        assert!(
            named_err.contains("(command-line parser skipped)"),
            "{named_err}"
        );
        assert_eq!(named, fast);
    }
    // Any other option goes through the parser, and answers the same.
    let (code, full, full_err) = timed(&["creds", "dev/ReadOnly", "--command-timeout", "5m"]);
    assert_eq!(code, 0, "{full_err}");
    assert!(
        full_err.contains("µs parsing the command line"),
        "{full_err}"
    );
    assert_eq!(fast, full);
    let value: serde_json::Value = serde_json::from_str(&fast).expect("credential_process JSON");
    assert_eq!(value["AccessKeyId"], "ASIASPOKE");
    // Without AWSFED_TIMING nothing is said.
    let (code, _, stderr) = run(home.awsfed(&["creds", "dev/ReadOnly"]));
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn login_prints_the_session_as_json_without_keys() {
    let home = Home::new();
    home.sign_in_dev_readonly(3_000, 2_000);
    let (code, stdout, stderr) = run(home.awsfed(&["login", "dev/ReadOnly", "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains(SECRET) && !stdout.contains("ASIASPOKE"));
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(value["target"], "dev/ReadOnly");
    assert_eq!(value["roles"], serde_json::json!([HUB, DEV_READONLY]));
    assert_eq!(value["session_name"], "ada@example.com");
    assert_eq!(value["sts_calls"], 0);
    let left = value["seconds_left"].as_i64().expect("seconds_left");
    assert!((1_900..=2_000).contains(&left), "{left}");
}

#[test]
fn configure_keeps_earlier_regions_and_prints_json() {
    let home = Home::new();
    let config = home.path().join(".aws/config");
    let (code, _, stderr) = run(home.awsfed(&[
        "configure",
        "--group",
        "developers",
        "--region",
        "eu-west-1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let first = std::fs::read_to_string(&config).expect("config");
    assert!(first.contains("region = eu-west-1"), "{first}");
    // Again without --region: nothing changes.
    let (code, stdout, stderr) = run(home.awsfed(&[
        "configure",
        "--group",
        "developers",
        "--dry-run",
        "--output",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(value["dry_run"], true);
    assert_eq!(value["written"], false);
    assert_eq!(value["updated"], serde_json::json!([]));
    assert_eq!(value["diff"], "");
    let (code, _, stderr) = run(home.awsfed(&["configure", "--group", "developers"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("is up to date"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config).expect("config"), first);
    // Another group adds profiles: the JSON lists them and the diff shows them.
    let (code, stdout, stderr) = run(home.awsfed(&["configure", "--dry-run", "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    insta::assert_snapshot!(
        "configure_json_added",
        format!(
            "added {}\nupdated {}\nremoved {}",
            value["added"], value["updated"], value["removed"]
        )
    );
    assert!(
        value["diff"]
            .as_str()
            .is_some_and(|d| d.contains("+[profile prod-Admin]")),
        "{stdout}"
    );
}

#[test]
fn targets_lists_the_client_file_with_cached_sessions() {
    let home = Home::new();
    // 33 minutes and 50 seconds: the minutes shown hold for the length of the test.
    home.sign_in_dev_readonly(3_000, 2_030);
    let (code, text, stderr) = run(home.awsfed(&["targets", "--group", "developers"]));
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("targets_developers", text);
    let (code, json, stderr) = run(home.awsfed(&["targets", "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!json.contains(SECRET) && !json.contains("ASIASPOKE"));
    let targets: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let all = targets.as_array().expect("a list");
    assert_eq!(all.len(), 9, "every target of the client file");
    let dev = all
        .iter()
        .find(|t| t["name"] == "dev/ReadOnly")
        .expect("dev/ReadOnly");
    assert_eq!(dev["topology"], "hub-and-spoke");
    assert_eq!(dev["groups"], serde_json::json!(["auditors", "developers"]));
    let left = dev["session"]["seconds_left"].as_i64().expect("a session");
    assert!((1_900..=2_030).contains(&left), "{left}");
    let prod = all
        .iter()
        .find(|t| t["name"] == "prod/Admin")
        .expect("prod/Admin");
    assert_eq!(prod["session"], serde_json::Value::Null);
    // Expired sessions say so.
    home.sign_in_dev_readonly(-100, -50);
    let (_, text, _) = run(home.awsfed(&["targets", "--group", "developers"]));
    assert!(
        text.contains("dev/ReadOnly      444444444444  hub-and-spoke  expired"),
        "{text}"
    );
    let (code, _, stderr) = run(home.awsfed(&["targets", "--group", "nobody"]));
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn the_model_regions_reach_configure_env_and_exec() {
    let home = Home::with_regions();
    home.sign_in_dev_readonly(3_000, 2_000);
    let (code, stdout, stderr) = run(home.awsfed(&["env", "dev/ReadOnly"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.ends_with("export AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n"),
        "{stdout}"
    );
    let (code, stdout, stderr) = run(home.awsfed(&[
        "exec",
        "dev/ReadOnly",
        "--",
        "sh",
        "-c",
        "echo $AWS_REGION $AWS_DEFAULT_REGION $AWS_ACCESS_KEY_ID",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "eu-west-1 eu-west-1 ASIASPOKE\n");
    let (code, _, stderr) = run(home.awsfed(&["configure", "--group", "developers"]));
    assert_eq!(code, 0, "{stderr}");
    let config = std::fs::read_to_string(home.path().join(".aws/config")).expect("config");
    let regions: Vec<String> = config
        .lines()
        .filter(|l| l.starts_with("[profile") || l.starts_with("region"))
        .map(str::to_owned)
        .collect();
    insta::assert_snapshot!("configure_model_regions", regions.join("\n"));
    // --region wins over the model's.
    let (code, _, stderr) = run(home.awsfed(&[
        "configure",
        "--group",
        "developers",
        "--region",
        "ap-southeast-2",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let config = std::fs::read_to_string(home.path().join(".aws/config")).expect("config");
    assert!(
        !config.contains("eu-west-1") && !config.contains("us-west-2"),
        "{config}"
    );
}

#[test]
fn console_opens_the_accounts_region_from_the_model_through_its_signin_endpoint() {
    let federation = Federation::start();
    let console = |home: &Home, args: &[&str]| {
        let mut command = home.awsfed(&["console"]);
        command.args(args).arg("--print-url").env(
            awsfed_env::AWSFED_FEDERATION_ENDPOINT,
            federation.endpoint(),
        );
        let (code, url, stderr) = run(command);
        assert_eq!(code, 0, "{stderr}");
        url.trim_end().to_owned()
    };
    // The token request goes to the Region's sign-in endpoint (its Host), and the login URL takes
    // the token back to the same endpoint, opening that Region's console.
    let login = |region: &str, token: usize| {
        format!(
            "https://{region}.signin.aws.amazon.com/federation?Action=login&Issuer=awsfed&Destination=https%3A%2F%2F{region}.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3D{region}&SigninToken=TOKEN-{token}%2Fx%2By"
        )
    };
    let home = Home::with_regions();
    home.sign_in(
        "arn:aws:iam::222222222222:role/awsfed/ReadOnly",
        3_000,
        2_000,
    );
    home.sign_in(DEV_READONLY, 3_000, 2_000);
    // prod's own `region`.
    assert_eq!(console(&home, &["prod/ReadOnly"]), login("us-west-2", 0));
    assert_eq!(federation.host(0), "us-west-2.signin.aws.amazon.com");
    // dev has none: the model's `default_region`.
    assert_eq!(console(&home, &["dev/ReadOnly"]), login("eu-west-1", 1));
    assert_eq!(federation.host(1), "eu-west-1.signin.aws.amazon.com");
    // --region wins over the model's.
    assert_eq!(
        console(&home, &["prod/ReadOnly", "--region", "ap-southeast-2"]),
        login("ap-southeast-2", 2)
    );
    assert_eq!(federation.host(2), "ap-southeast-2.signin.aws.amazon.com");
    // A model without Regions: the global endpoint and console.
    let global = Home::new();
    global.sign_in_dev_readonly(3_000, 2_000);
    assert_eq!(
        console(&global, &["dev/ReadOnly"]),
        "https://signin.aws.amazon.com/federation?Action=login&Issuer=awsfed&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=TOKEN-3%2Fx%2By"
    );
    assert_eq!(federation.host(3), "signin.aws.amazon.com");
    // Every token request was the session's (the cached spoke keys), none asked a length
    // (chained sessions), all at the endpoint's path.
    for index in 0..4 {
        let query = federation.query(index);
        assert_eq!(param(&query, "Action"), Some("getSigninToken"));
        assert_eq!(param(&query, "SessionDuration"), None);
        assert!(
            param(&query, "Session").is_some_and(|s| s.contains("\"sessionId\":\"ASIASPOKE\"")),
            "{query:?}"
        );
    }
    assert_eq!(federation.count(), 4);
}

#[test]
fn a_saml_command_is_read_up_to_the_parsers_limit_and_stopped_at_its_timeout() {
    let home = Home::new();
    // `yes` never ends: reading stops one byte past the limit and the command is killed.
    let (code, stdout, stderr) = run(home.awsfed(&[
        "creds",
        "dev/ReadOnly",
        "--saml-command",
        "yes PHNhbWxwOlJlc3BvbnNlPg==",
    ]));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    insta::assert_snapshot!("saml_command_prints_too_much", stderr);
    // A command that never ends is stopped at --command-timeout (or AWSFED_COMMAND_TIMEOUT).
    let pid_file = home.path().join("saml-command.pid");
    let never = format!("echo $$ > '{}'; exec sleep 600", pid_file.display());
    let mut command = home.awsfed(&["creds", "dev/ReadOnly", "--saml-command", &never]);
    command.env(awsfed_env::AWSFED_COMMAND_TIMEOUT, "1s");
    let (code, _, stderr) = run(command);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("saml_command_timeout", stderr);
    let pid = std::fs::read_to_string(&pid_file).expect("the command ran");
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the command still runs"
    );
    let (code, _, stderr) = run(home.awsfed(&[
        "creds",
        "dev/ReadOnly",
        "--saml-command",
        &never,
        "--command-timeout",
        "soon",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--command-timeout"), "{stderr}");
}

/// Ctrl-C as a terminal sends it (SIGINT to the foreground process group): awsfed and the SAML
/// command it waits for both stop, with no timeout needed.
#[test]
fn ctrl_c_stops_a_saml_command_and_awsfed() {
    use std::io::BufRead;
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let home = Home::new();
    let awsfed = home.awsfed(&[
        "login",
        "dev/ReadOnly",
        "--saml-command",
        "echo $$ >&2; exec sleep 600",
        "--command-timeout",
        "0",
    ]);
    // A terminal's foreground job has SIGINT's default action, but a job a script starts in the
    // background (`cmd &`, as a CI runner may) inherits SIGINT ignored, and so would awsfed, the
    // shell and `sleep`. GNU env gives awsfed the terminal's disposition, whatever ran this test.
    let mut command = std::process::Command::new("env");
    command
        .arg("--default-signal=INT")
        .arg(awsfed.get_program())
        .args(awsfed.get_args());
    for (name, value) in awsfed.get_envs() {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command
        .stdin(std::process::Stdio::null())
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("awsfed starts");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut pid = String::new();
    stderr
        .read_line(&mut pid)
        .expect("the command says its pid");
    let pid = pid.trim().to_owned();
    assert!(pid.parse::<u32>().is_ok(), "{pid}");
    let killed = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{}", child.id())])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("awsfed exits");
    assert_eq!(status.signal(), Some(2), "{status}");
    // The command died of the same signal; its parent is gone, so another process reaps it.
    let proc = format!("/proc/{pid}/stat");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_to_string(&proc).is_ok_and(|stat| !stat.contains(") Z ")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the SAML command {pid} still runs"
        );
        std::thread::yield_now();
    }
}
