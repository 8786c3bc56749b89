//! Helpers of the deploy tests: a private moto server per test (so tests run in parallel), an
//! organisation of many accounts created through the Organizations API, models generated for it,
//! the fault-injection proxy, and reading IAM state back.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub use crate::support::{Process, free_port, http};
use crate::support::{Run, repo};

/// Whether moto tests run. Without `AWSFED_MOTO_ENDPOINT` (set by `scripts/test`) they fail, saying
/// how to run them, unless `AWSFED_SKIP_MOTO=1` skips them.
pub fn moto_enabled() -> bool {
    if std::env::var(awsfed_env::AWSFED_SKIP_MOTO).is_ok_and(|v| v == "1") {
        eprintln!("skipping a moto test (AWSFED_SKIP_MOTO=1)");
        return false;
    }
    assert!(
        std::env::var_os(awsfed_env::AWSFED_MOTO_ENDPOINT).is_some(),
        "the deploy tests need moto: run them with scripts/test (it installs moto and sets AWSFED_MOTO_ENDPOINT), or set AWSFED_SKIP_MOTO=1 to skip them"
    );
    true
}

fn venv() -> PathBuf {
    std::env::var_os(awsfed_env::AWSFED_VENV).map_or_else(|| repo().join(".venv"), PathBuf::from)
}

pub fn python() -> PathBuf {
    venv().join("bin/python")
}

/// A private moto server.
pub struct Moto {
    pub endpoint: String,
    _process: Process,
}

impl Moto {
    pub fn start() -> Self {
        Self::start_with(Command::new(venv().join("bin/moto_server")))
    }

    /// moto with the sso-admin calls moto 5.2.5 lacks (tags and permissions boundaries of
    /// permission sets), added by `tests/support/moto_identity_center.py`.
    pub fn start_identity_center() -> Self {
        let mut command = Command::new(python());
        command.arg(repo().join("tests/support/moto_identity_center.py"));
        Self::start_with(command)
    }

    /// moto with what the StackSets engine needs and moto 5.2.5 lacks (account filters of OU
    /// targets, template updates, `AWS::IAM::SAMLProvider`), added by
    /// `tests/support/moto_stacksets.py`.
    pub fn start_stacksets() -> Self {
        let mut command = Command::new(python());
        command.arg(repo().join("tests/support/moto_stacksets.py"));
        Self::start_with(command)
    }

    fn start_with(mut command: Command) -> Self {
        let port = free_port();
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts (run scripts/setup-test-deps)");
        let process = Process(child);
        let endpoint = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http(&endpoint, "GET", "/moto-api/").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            endpoint,
            _process: process,
        }
    }
}

/// The fault-injection proxy in front of an endpoint.
pub struct Proxy {
    pub endpoint: String,
    _process: Process,
}

impl Proxy {
    pub fn start(target: &str, faults: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(python())
            .arg(repo().join("tests/support/fault_proxy.py"))
            .args(["--target", target])
            .args(faults)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the fault proxy starts");
        let stdout = child.stdout.take().expect("proxy stdout");
        let process = Process(child);
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the proxy prints its endpoint");
        Self {
            endpoint: line.trim().to_owned(),
            _process: process,
        }
    }

    /// Throttling on 20% of calls, 5% server errors and 4% dropped connections (half of them
    /// after the target did the work), drawn from `seed`.
    pub fn faulty(target: &str, seed: u64) -> Self {
        let seed = seed.to_string();
        Self::start(
            target,
            &[
                "--throttle",
                "0.2",
                "--error",
                "0.05",
                "--drop",
                "0.04",
                "--seed",
                &seed,
            ],
        )
    }

    pub fn stats(&self) -> Value {
        let body = http(&self.endpoint, "GET", "/__proxy/stats").expect("proxy stats");
        serde_json::from_str(&body).expect("stats are JSON")
    }
}

/// Runs the organisation helper; returns its JSON output.
pub fn org_tool(endpoint: &str, args: &[&str]) -> Value {
    let output = Command::new(python())
        .arg(repo().join("tests/support/moto_org.py"))
        .args(["--endpoint", endpoint])
        .args(args)
        .output()
        .expect("moto_org.py runs");
    assert!(
        output.status.success(),
        "moto_org.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("moto_org.py prints JSON")
}

/// Creates an organisation with the OUs `ous` (`PATH=ACCOUNTS` each); the helper's JSON answer
/// (`organization`, and `accounts` in creation order with their `id`, `name`, `ou` and `env`).
pub fn create_org(endpoint: &str, ous: &[&str]) -> Value {
    let mut args = vec!["create"];
    for ou in ous {
        args.extend(["--ou", ou]);
    }
    org_tool(endpoint, &args)
}

/// An organisation: the identity account under `Security`, the rest under `Workloads/Prod` and
/// `Workloads/Dev`.
pub struct Org {
    pub identity: String,
    /// (name, id, env) of the workload accounts, in creation order.
    pub workloads: Vec<(String, String, String)>,
}

impl Org {
    pub fn create(endpoint: &str, prod: usize, dev: usize) -> Self {
        let created = create_org(
            endpoint,
            &[
                "Security=1",
                &format!("Workloads/Prod={prod}"),
                &format!("Workloads/Dev={dev}"),
            ],
        );
        let accounts = created["accounts"].as_array().expect("accounts");
        let identity = accounts[0]["id"].as_str().expect("id").to_owned();
        let workloads = accounts[1..]
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().expect("name").to_owned(),
                    a["id"].as_str().expect("id").to_owned(),
                    a["env"].as_str().expect("env").to_owned(),
                )
            })
            .collect();
        Self {
            identity,
            workloads,
        }
    }

    pub fn account_count(&self) -> usize {
        self.workloads.len() + 1
    }
}

/// How to write the model for an organisation.
#[derive(Clone)]
pub struct ModelSpec {
    /// Workload account indexes that are direct.
    pub direct: Vec<usize>,
    pub developers: bool,
}

impl ModelSpec {
    /// The developers group, and the workload accounts at `direct` direct.
    pub fn with_direct(direct: Vec<usize>) -> Self {
        Self {
            direct,
            developers: true,
        }
    }

    /// The developers group, and every account hub-and-spoke.
    pub fn hub_and_spoke() -> Self {
        Self::with_direct(Vec::new())
    }

    pub fn yaml(&self, org: &Org) -> String {
        let mut out = model_head(org, |i| self.direct.contains(&i));
        out.push_str(PERMISSION_SETS);
        out.push_str("groups:\n  platform-admins: [ { accounts: '*', permission_set: Admin } ]\n");
        if self.developers {
            out.push_str("  developers:\n    - { accounts: { ous: [Workloads/Dev] }, permission_set: Admin }\n    - { accounts: '*', permission_set: ReadOnly }\n");
        }
        out
    }
}

/// The head of a model for an organisation: the SAML IdP, hub-and-spoke by default with
/// `identity` as the hub, and every account (workloads in `Workloads/Prod` or `Workloads/Dev` by
/// their env tag), the workload accounts whose index `direct` accepts direct.
pub fn model_head(org: &Org, direct: impl Fn(usize) -> bool) -> String {
    let mut out = String::from(
        "version: 1\nallow_warnings: [session-name-source]\nidentity_provider:\n  name: corp\n  metadata_file: corp-idp.xml\n  session_name_from: email\n  source_identity: true\n  audiences: [https://signin.aws.amazon.com/saml]\ntopology: { default: hub-and-spoke, hub_account: identity }\naccounts:\n",
    );
    out.push_str(&format!(
        "  identity: {{ id: \"{}\", ou: Security }}\n",
        org.identity
    ));
    for (i, (name, id, env)) in org.workloads.iter().enumerate() {
        let ou = if env == "prod" {
            "Workloads/Prod"
        } else {
            "Workloads/Dev"
        };
        let topology = if direct(i) { ", topology: direct" } else { "" };
        out.push_str(&format!(
            "  {name}: {{ id: \"{id}\", ou: {ou}, tags: {{ env: {env} }}{topology} }}\n"
        ));
    }
    out
}

/// Admin and ReadOnly, as inline policies only: moto loads AWS managed policies only when asked
/// to, and loading them into every account of a large organisation takes seconds per account.
pub const PERMISSION_SETS: &str = "permission_sets:\n  Admin:\n    inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: '*', Resource: '*' }] }\n    session_duration: 1h\n  ReadOnly:\n    inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: ['s3:Get*', 's3:List*'], Resource: '*' }] }\n    session_duration: 1h\n";

/// A private moto server holding an organisation of `prod` + `dev` workload accounts, and a
/// workspace with the model `spec` writes for it (not applied).
pub struct Deployment {
    pub moto: Moto,
    pub org: Org,
    pub ws: Workspace,
    pub spec: ModelSpec,
}

impl Deployment {
    pub fn new(prod: usize, dev: usize, spec: ModelSpec) -> Self {
        let moto = Moto::start();
        let org = Org::create(&moto.endpoint, prod, dev);
        let ws = Workspace::new();
        ws.write_model(&spec.yaml(&org));
        Self {
            moto,
            org,
            ws,
            spec,
        }
    }
}

/// A folder with a model and its metadata.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::copy(
            repo().join("examples/hub-and-spoke/corp-idp.xml"),
            dir.path().join("corp-idp.xml"),
        )
        .expect("copy metadata");
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_model(&self, yaml: &str) {
        std::fs::write(self.path().join("awsfed.yaml"), yaml).expect("write model");
    }

    /// Runs awsfed in this folder against an endpoint.
    pub fn awsfed(&self, endpoint: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_awsfed"));
        command
            .current_dir(self.path())
            .env_remove(awsfed_env::AWSFED_CONFIG)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env("NO_COLOR", "1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_CONFIG_FILE", self.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.path().join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .args(["--endpoint-url", endpoint])
            .args(args);
        command
    }

    /// The JSON file `name` in this folder (a plan file awsfed wrote).
    pub fn read_json(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.path().join(name))
            .unwrap_or_else(|e| panic!("read {name}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is JSON: {e}"))
    }

    /// `awsfed apply edited.json` with `written` (a plan file awsfed wrote) changed by `edit`:
    /// refused (exit 1).
    pub fn apply_edited(&self, endpoint: &str, written: &Value, edit: &dyn Fn(&mut Value)) -> Run {
        let mut plan = written.clone();
        edit(&mut plan);
        std::fs::write(self.path().join("edited.json"), plan.to_string()).expect("write");
        self.run(endpoint, &["apply", "edited.json"]).expect_code(1)
    }

    pub fn run(&self, endpoint: &str, args: &[&str]) -> Run {
        Run {
            output: self.awsfed(endpoint, args).output().expect("awsfed runs"),
        }
    }
}

/// Roles and customer managed policies of an account, as IAM holds them.
pub fn roles(endpoint: &str, account: &str) -> Value {
    org_tool(endpoint, &["roles", "--account", account])
}

/// A customer managed policy in `state` (from [`roles`]).
pub fn policy<'a>(state: &'a Value, name: &str) -> Option<&'a Value> {
    state["policies"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

/// Creates role `name` at `path` in `account`, untagged: a role awsfed does not own.
pub fn create_foreign_role(endpoint: &str, account: &str, name: &str, path: &str) {
    org_tool(
        endpoint,
        &[
            "create-role",
            "--account",
            account,
            "--name",
            name,
            "--path",
            path,
        ],
    );
}

pub fn role<'a>(state: &'a Value, name: &str) -> Option<&'a Value> {
    state["roles"]
        .as_array()?
        .iter()
        .find(|r| r["name"] == name)
}

pub fn role_names(state: &Value) -> Vec<String> {
    state["roles"]
        .as_array()
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| r["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The trust policy of role `role_name` in `state` (from [`roles`]), as JSON text.
pub fn trust_text(state: &Value, role_name: &str) -> String {
    role(state, role_name).unwrap_or_else(|| panic!("role {role_name} exists: {state}"))["trust"]
        .to_string()
}

/// Creates an active account tagged env=dev under OU path `ou`; its id.
pub fn add_dev_account(endpoint: &str, ou: &str, name: &str) -> String {
    let added = org_tool(
        endpoint,
        &[
            "add-account",
            "--ou",
            ou,
            "--name",
            name,
            "--tag",
            "env=dev",
        ],
    );
    added["id"].as_str().expect("id").to_owned()
}
