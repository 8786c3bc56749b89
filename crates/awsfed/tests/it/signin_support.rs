//! Helpers of the sign-in tests: the awsfed binary with an isolated home and cache, standard
//! input, and the external test tools (moto, the pysaml2 IdP, the trust gate).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use crate::support::{Process as Background, free_port, http, wrap};

/// `awsfed` with a clean environment: its own HOME, cache and AWS config, no AWS variables.
pub fn awsfed(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_awsfed"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("AWS_") || key.starts_with("AWSFED_") || key.starts_with("XDG_") {
            command.env_remove(&key);
        }
    }
    command
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"));
    command
}

/// Runs with `input` on standard input (and no terminal).
pub fn run_with_stdin(mut command: Command, input: &[u8]) -> Output {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("awsfed starts");
    if let Some(mut stdin) = child.stdin.take() {
        // The command may exit before reading everything; that is its answer, not a test failure.
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().expect("awsfed runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A real IdP fixture.
pub fn real_saml(name: &str) -> PathBuf {
    crate::support::repo()
        .join("tests/fixtures/saml/real")
        .join(name)
}

/// The external tools the sign-in tests need. Missing tools fail the test with what to install,
/// unless `AWSFED_SKIP_SIGNIN_TESTS` is set (then the test returns early and says so).
pub struct Tools {
    pub python: PathBuf,
    pub moto_server: PathBuf,
    pub aws_cli: PathBuf,
}

pub fn tools() -> Option<Tools> {
    let skip =
        std::env::var_os(awsfed_env::AWSFED_SKIP_SIGNIN_TESTS).is_some_and(|v| !v.is_empty());
    let venv = std::env::var_os(awsfed_env::AWSFED_VENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::support::repo().join(".venv"));
    let tools = Tools {
        python: venv.join("bin/python"),
        moto_server: venv.join("bin/moto_server"),
        aws_cli: venv.join("bin/aws"),
    };
    let mut missing = Vec::new();
    for (path, what) in [
        (&tools.python, "the test venv (python)"),
        (&tools.moto_server, "moto[server] in the test venv"),
        (&tools.aws_cli, "awscli in the test venv"),
    ] {
        if !path.exists() {
            missing.push(format!("{what}: {}", path.display()));
        }
    }
    let oracle =
        crate::support::repo().join("tests/oracle/node_modules/@cloud-copilot/iam-simulate");
    if !oracle.exists() {
        missing.push(format!("the iam-simulate oracle: {}", oracle.display()));
    }
    for program in ["node", "xmlsec1", "openssl", "setsid", "script"] {
        let found = std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join(program).exists())
        });
        if !found {
            missing.push(format!("`{program}` on PATH"));
        }
    }
    if missing.is_empty() {
        return Some(tools);
    }
    if skip {
        eprintln!(
            "skipping a sign-in test (AWSFED_SKIP_SIGNIN_TESTS): missing {}",
            missing.join("; ")
        );
        return None;
    }
    panic!(
        "the sign-in tests need: {}.\nRun scripts/setup-test-deps (or set AWSFED_SKIP_SIGNIN_TESTS=1 to skip them).",
        missing.join("; ")
    );
}

/// moto behind the trust gate, with an example model's desired state created in it (or applied by
/// `awsfed apply`), a test IdP key, the client file, and a home folder for awsfed.
pub struct World {
    pub tools: Tools,
    pub dir: tempfile::TempDir,
    pub moto: Option<Background>,
    pub moto_url: String,
    pub gate: Option<Background>,
    pub gate_url: String,
    pub desired: PathBuf,
    pub client: PathBuf,
    pub keys: PathBuf,
    /// The IAM users' access keys and MFA devices, made in moto by `moto_setup.py --user-keys`
    /// (an IAM-users model only; awsfed never makes them).
    pub user_keys: PathBuf,
}

/// How a [`World`] is built.
#[derive(Debug, Clone, Copy, Default)]
pub struct Setup {
    /// Adds `identity_provider.browser_sign_in: { port }` to the example's model.
    pub browser_port: Option<u16>,
    /// Deploys with `awsfed apply` (moto then loads AWS managed policies, which the examples attach)
    /// instead of creating the compiled state with `moto_setup.py`.
    pub apply: bool,
}

impl World {
    /// `None` only when the tools are missing and skipping was asked for.
    pub fn start(example: &str) -> Option<Self> {
        Self::start_with(example, Setup::default())
    }

    pub fn start_with(example: &str, setup: Setup) -> Option<Self> {
        let tools = tools()?;
        let dir = tempfile::tempdir().expect("temp");
        let repo = crate::support::repo();
        let port = free_port();
        let moto_url = format!("http://127.0.0.1:{port}");
        let mut moto = Command::new(&tools.moto_server);
        moto.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if setup.apply {
            moto.env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
        }
        let moto = Background(moto.spawn().expect("moto_server starts"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while http(&moto_url, "GET", "/moto-api/").is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto did not start on {moto_url}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let keys = dir.path().join("idp");
        python(
            &tools,
            "tests/support/idp.py",
            &["keys"],
            &[keys.as_os_str()],
        );
        // The example, with the test IdP's metadata and the setup's options.
        let model_dir = dir.path().join("model");
        std::fs::create_dir_all(&model_dir).expect("model folder");
        let mut yaml =
            std::fs::read_to_string(crate::support::example(example)).expect("read example");
        // A model without a SAML IdP (the IAM-users hub) needs no metadata.
        assert!(
            !yaml.contains("identity_provider:") || yaml.contains("metadata_file: corp-idp.xml"),
            "{example}"
        );
        if let Some(port) = setup.browser_port {
            let with = yaml.replacen(
                "identity_provider:\n",
                &format!("identity_provider:\n  browser_sign_in: {{ port: {port} }}\n"),
                1,
            );
            assert_ne!(with, yaml, "{example} has an identity_provider section");
            yaml = with;
        }
        let model = model_dir.join("awsfed.yaml");
        std::fs::write(&model, yaml).expect("write model");
        std::fs::copy(
            keys.join("idp-metadata.xml"),
            model_dir.join("corp-idp.xml"),
        )
        .expect("metadata");
        let desired = dir.path().join("desired.json");
        let user_keys = dir.path().join("user-keys.json");
        let output = awsfed(dir.path())
            .arg("-c")
            .arg(&model)
            .args(["compile", "--output", "json"])
            .output()
            .expect("compile");
        assert!(output.status.success(), "compile: {}", text(&output.stderr));
        std::fs::write(&desired, &output.stdout).expect("write desired");
        let client = dir.path().join("client.json");
        let output = awsfed(dir.path())
            .arg("-c")
            .arg(&model)
            .args([
                "export",
                "client",
                "--signin-url",
                "https://idp.awsfed.test/aws",
                "--out",
            ])
            .arg(dir.path().join("client"))
            .output()
            .expect("export client");
        assert!(
            output.status.success(),
            "export client: {}",
            text(&output.stderr)
        );
        std::fs::rename(dir.path().join("client/client.json"), &client).expect("client file");
        if setup.apply {
            let mut apply = awsfed(dir.path());
            apply
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "us-east-1")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .arg("-c")
                .arg(&model)
                .args(["--endpoint-url", &moto_url, "apply"]);
            succeed(apply, "awsfed apply");
        } else {
            python(
                &tools,
                "tests/support/moto_setup.py",
                &["--endpoint", &moto_url, "--desired"],
                &[
                    desired.as_os_str(),
                    "--metadata".as_ref(),
                    keys.join("idp-metadata.xml").as_os_str(),
                    "--user-keys".as_ref(),
                    user_keys.as_os_str(),
                ],
            );
        }
        let mut gate = Command::new(&tools.python)
            .arg(repo.join("tests/support/gate/gate.py"))
            .args(["--moto", &moto_url, "--oracle-dir"])
            .arg(repo.join("tests/oracle"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the gate starts");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(gate.stdout.take().expect("gate stdout")),
            &mut line,
        )
        .expect("the gate prints its URL");
        let gate_url = line.trim().to_owned();
        assert!(
            gate_url.starts_with("http://127.0.0.1:"),
            "gate said {line:?}"
        );
        Some(Self {
            tools,
            dir,
            moto: Some(moto),
            moto_url,
            gate: Some(Background(gate)),
            gate_url,
            desired,
            client,
            keys,
            user_keys,
        })
    }

    /// A new user's home folder.
    pub fn home(&self, name: &str) -> PathBuf {
        let home = self.dir.path().join("homes").join(name);
        std::fs::create_dir_all(&home).expect("home");
        home
    }

    /// `awsfed` for the user at `home`, talking to STS through the gate.
    pub fn awsfed(&self, home: &Path) -> Command {
        let mut command = awsfed(home);
        command
            .env("AWS_ENDPOINT_URL", &self.gate_url)
            .env(awsfed_env::AWSFED_CLIENT, &self.client)
            .stdin(Stdio::null());
        command
    }

    /// A signed SAML response for a user in `groups`, written to a file.
    pub fn saml(
        &self,
        user: &str,
        groups: &[&str],
        source_identity: bool,
        extra: &[&str],
    ) -> PathBuf {
        self.saml_with(user, groups, source_identity, extra, &[])
    }

    /// The same, with more `idp.py response` options (`--recipient URL`, `--session-duration S`).
    pub fn saml_with(
        &self,
        user: &str,
        groups: &[&str],
        source_identity: bool,
        extra: &[&str],
        options: &[&str],
    ) -> PathBuf {
        let mut args: Vec<String> = vec![
            "response".into(),
            "--keys".into(),
            self.keys.display().to_string(),
            "--desired".into(),
            self.desired.display().to_string(),
            "--user".into(),
            user.into(),
            "--groups".into(),
            groups.join(","),
        ];
        if source_identity {
            args.extend(["--source-identity".into(), user.into()]);
        }
        for role in extra {
            args.extend(["--extra-role".into(), (*role).into()]);
        }
        args.extend(options.iter().map(|o| (*o).to_owned()));
        let output = Command::new(&self.tools.python)
            .args(["-W", "ignore"])
            .arg(crate::support::repo().join("tests/support/idp.py"))
            .args(&args)
            .output()
            .expect("idp.py runs");
        assert!(output.status.success(), "idp.py: {}", text(&output.stderr));
        let path = self.dir.path().join(format!("saml-{}.b64", free_port()));
        std::fs::write(&path, &output.stdout).expect("write response");
        path
    }

    pub fn update_role(&self, role_arn: &str, args: &[&str]) {
        let mut all = vec!["--endpoint", &self.moto_url, "--role-arn", role_arn];
        all.extend(args);
        python(&self.tools, "tests/support/moto_setup.py", &all, &[]);
    }

    /// STS calls the gate saw: `(action, role ARN)` → (calls, denied).
    pub fn gate_calls(&self) -> std::collections::BTreeMap<String, (u64, u64)> {
        let body = http(&self.gate_url, "GET", "/gate/stats").expect("gate stats");
        let value: serde_json::Value = serde_json::from_str(&body).expect("stats JSON");
        value["calls"]
            .as_object()
            .map(|calls| {
                calls
                    .iter()
                    .map(|(key, v)| {
                        (
                            key.clone(),
                            (
                                v["calls"].as_u64().unwrap_or(0),
                                v["denied"].as_u64().unwrap_or(0),
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn reset_gate(&self) {
        http(&self.gate_url, "POST", "/gate/reset").expect("gate reset");
    }

    /// Stops moto and the gate: nothing answers on the network any more.
    pub fn stop_aws(&mut self) {
        self.gate.take();
        self.moto.take();
    }
}

fn python(tools: &Tools, script: &str, args: &[&str], more: &[&std::ffi::OsStr]) {
    let mut command = Command::new(&tools.python);
    command
        .args(["-W", "ignore"])
        .arg(crate::support::repo().join(script))
        .args(args)
        .args(more);
    succeed(command, script);
}

/// Runs `command` and fails the test, with its output, unless it succeeds.
fn succeed(mut command: Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} runs: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Sets the cached sessions of `role_arn` under `home` to end in `seconds_left`, as if time had
/// passed; returns how many there were.
pub fn age_cached_hop(home: &Path, role_arn: &str, seconds_left: u64) -> usize {
    let mut aged = 0;
    for entry in std::fs::read_dir(home.join(".cache/awsfed")).expect("cache") {
        let path = entry.expect("entry").path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(mut hop) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if hop["role_arn"] == role_arn {
            let soon = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs()
                + seconds_left;
            hop["credentials"]["expiration"] = serde_json::json!(soon);
            std::fs::write(&path, hop.to_string()).expect("age the cached session");
            aged += 1;
        }
    }
    aged
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(mut command: Command) -> (i32, String, String) {
    let output = command.output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}
