//! "Nothing else", checked at the trust gate at each checkpoint of a migration: a user signing in
//! the old way (the old model's Role values) and one signing in the new way (the new model's),
//! for every (user, account, role) of the moving accounts and a sample of the others, each
//! sign-in decided by iam-simulate through the gate (`tests/support/gate_sweep.py`). The reach the
//! gate gives must be exactly what the model grants through the ways working at that checkpoint;
//! after each stage, the stage proof's own output (the paths `migrate --output json` reports the
//! stage's state gives the old and the new Role values) must give the same verdict on every
//! triple, and so must awsfed's evaluator on the scanned state with each way's IdP mapping (the
//! only awsfed side before the first stage, which has no proof).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::deploy_support::{Deployment, Process, python};
use crate::support::repo;

/// Where a migration stands when it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    Before,
    Expanded,
    Switched,
    Contracted,
    RolledBack,
}

impl Checkpoint {
    /// Whether the way reaches a granted role of an account. The old way reaches every account
    /// until the contract stage takes the moving ones out of the hub policies. The new way
    /// reaches every account at every checkpoint: both groups keep grants in accounts that stay
    /// hub-and-spoke, so the new Role values still carry their hub role, which chains into the
    /// moving accounts until the contract stage, and from expand on the moving accounts trust
    /// their own SAML provider.
    fn works(self, new_way: bool, moving: bool) -> bool {
        new_way || !moving || self != Checkpoint::Contracted
    }

    /// Whether the new way enters a moving account's roles with SAML itself (its own provider).
    fn direct(self, new_way: bool, moving: bool) -> bool {
        use Checkpoint::*;
        new_way && moving && matches!(self, Expanded | Switched | Contracted)
    }
}

/// The users, one per directory group of the test model.
const USERS: [(&str, &str); 2] = [
    ("admin@example.com", "platform-admins"),
    ("dev@example.com", "developers"),
];
const ROLES: [&str; 2] = ["Admin", "ReadOnly"];

/// What the test model grants (deploy_support's ModelSpec with developers): platform-admins Admin
/// everywhere; developers ReadOnly everywhere and Admin in Workloads/Dev.
fn granted(group: &str, role: &str, env: &str) -> bool {
    match group {
        "platform-admins" => role == "Admin",
        _ => role == "ReadOnly" || env == "dev",
    }
}

/// One way of signing in: its model file and what it compiles to.
struct Way {
    name: &'static str,
    model: PathBuf,
    desired: PathBuf,
}

/// The gate in front of the deployment's moto, the test IdP's keys, the two ways, the targets.
pub struct GateCheck {
    _gate: Process,
    url: String,
    keys: PathBuf,
    ways: [Way; 2],
    /// (account id, env, moving).
    accounts: Vec<(String, String, bool)>,
    targets_file: PathBuf,
}

/// Counts over every checkpoint.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub triples: usize,
    pub allowed: usize,
    pub denied: usize,
    /// Triples on which awsfed's evaluator (on the scan) gives the gate's verdict.
    pub agree: usize,
    /// Triples held against the stage proof's output, and those on which it gives the gate's
    /// verdict.
    pub proof_checked: usize,
    pub proof_agree: usize,
}

impl Counts {
    pub fn add(self, other: Counts) -> Counts {
        Counts {
            triples: self.triples + other.triples,
            allowed: self.allowed + other.allowed,
            denied: self.denied + other.denied,
            agree: self.agree + other.agree,
            proof_checked: self.proof_checked + other.proof_checked,
            proof_agree: self.proof_agree + other.proof_agree,
        }
    }
}

/// The (group, role ARN) pairs the stage proof (`migrate --output json`'s `proof`) says the
/// stage's state gives `idp` (`old` or `new` Role values).
fn proof_reach(proof: &serde_json::Value, idp: &str) -> BTreeSet<(String, String)> {
    let reach = proof["reach"]
        .as_array()
        .unwrap_or_else(|| panic!("the proof has no reach: {proof}"));
    let side = reach
        .iter()
        .find(|r| r["idp"] == idp)
        .unwrap_or_else(|| panic!("the proof has no {idp} reach: {proof}"));
    group_role_pairs(&side["paths"])
}

/// The (group, role ARN) of each path of a JSON list (`access` and the proof's reach alike).
fn group_role_pairs(paths: &serde_json::Value) -> BTreeSet<(String, String)> {
    paths
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| {
            (
                p["group"].as_str().expect("group").to_owned(),
                p["role_arn"].as_str().expect("role").to_owned(),
            )
        })
        .collect()
}

fn compile(d: &Deployment, model: &Path, desired: &Path) {
    let run = d.ws.run(
        "http://127.0.0.1:1",
        &[
            "-c",
            &model.display().to_string(),
            "compile",
            "--output",
            "json",
        ],
    );
    let run = run.expect_code(0);
    std::fs::write(desired, run.stdout()).expect("desired");
}

impl GateCheck {
    /// `old_yaml` and `new_yaml` are the models before and after the move; `sample` accounts that
    /// do not move are checked beside every moving one (spread over the organisation, the hub
    /// account first).
    pub fn start(
        d: &Deployment,
        old_yaml: &str,
        new_yaml: &str,
        moving: &[usize],
        sample: usize,
    ) -> Self {
        let dir = d.ws.path();
        let ways = [("old", old_yaml), ("new", new_yaml)].map(|(name, yaml)| {
            let model = dir.join(format!("{name}-way.yaml"));
            std::fs::write(&model, yaml).expect("model");
            let desired = dir.join(format!("{name}-way.json"));
            compile(d, &model, &desired);
            Way {
                name,
                model,
                desired,
            }
        });
        let keys = dir.join("idp-keys");
        let status = Command::new(python())
            .args(["-W", "ignore"])
            .arg(repo().join("tests/support/idp.py"))
            .arg("keys")
            .arg(&keys)
            .status()
            .expect("idp.py runs");
        assert!(status.success(), "idp.py keys");
        let mut accounts: Vec<(String, String, bool)> = d
            .org
            .workloads
            .iter()
            .enumerate()
            .filter(|(i, _)| moving.contains(i))
            .map(|(_, (_, id, env))| (id.clone(), env.clone(), true))
            .collect();
        let others: Vec<(String, String)> =
            std::iter::once((d.org.identity.clone(), "prod".to_owned()))
                .chain(
                    d.org
                        .workloads
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !moving.contains(i))
                        .map(|(_, (_, id, env))| (id.clone(), env.clone())),
                )
                .collect();
        let step = (others.len() / sample.max(1)).max(1);
        accounts.extend(
            others
                .iter()
                .step_by(step)
                .take(sample)
                .map(|(id, env)| (id.clone(), env.clone(), false)),
        );
        let targets: Vec<String> = accounts
            .iter()
            .flat_map(|(id, ..)| ROLES.map(|r| role_arn(id, r)))
            .collect();
        let targets_file = dir.join("gate-targets.json");
        std::fs::write(
            &targets_file,
            serde_json::to_string(&targets).expect("JSON"),
        )
        .expect("targets");
        let (gate, url) = start_gate(&d.moto.endpoint);
        Self {
            _gate: gate,
            url,
            keys,
            ways,
            accounts,
            targets_file,
        }
    }

    /// Checks one checkpoint from its scan folder and the proof of the stage that led there (the
    /// `proof` of its `--output json` report; none before the first stage); panics on any triple
    /// where the gate's reach is not the model's, or the proof or awsfed's evaluator disagrees with
    /// the gate. Returns the counts.
    pub fn check(
        &self,
        d: &Deployment,
        scan: &Path,
        at: Checkpoint,
        proof: Option<&serde_json::Value>,
    ) -> Counts {
        let mut counts = Counts::default();
        let mut wrong = Vec::new();
        // The two ways' sweeps at once: each waits mostly on the gate, moto and the oracle.
        let sweeps = std::thread::scope(|s| {
            let running = self.ways.each_ref().map(|way| s.spawn(|| self.sweep(way)));
            running.map(|sweep| sweep.join().expect("the sweep finishes"))
        });
        for (way, gate) in self.ways.iter().zip(sweeps) {
            let evaluator = evaluated(d, way, scan);
            let by_proof = proof.map(|p| proof_reach(p, way.name));
            for (email, group) in USERS {
                for (account, env, moving) in &self.accounts {
                    for role in ROLES {
                        let arn = role_arn(account, role);
                        let how = gate[email][&arn].as_deref();
                        let by_awsfed = evaluator.contains(&(group.to_owned(), arn.clone()));
                        let new_way = way.name == "new";
                        let intended = granted(group, role, env) && at.works(new_way, *moving);
                        let direct = intended && at.direct(new_way, *moving);
                        counts.triples += 1;
                        if how.is_some() {
                            counts.allowed += 1;
                        } else {
                            counts.denied += 1;
                        }
                        if how.is_some() == by_awsfed {
                            counts.agree += 1;
                        }
                        let proved = by_proof
                            .as_ref()
                            .map(|p| p.contains(&(group.to_owned(), arn.clone())));
                        if let Some(proved) = proved {
                            counts.proof_checked += 1;
                            if proved == how.is_some() {
                                counts.proof_agree += 1;
                            }
                        }
                        if how.is_some() != intended
                            || how.is_some() != by_awsfed
                            || proved.is_some_and(|p| p != how.is_some())
                            || (intended && (how == Some("saml")) != direct)
                        {
                            wrong.push(format!(
                                "{at:?} {} way {email} {arn} (moving: {moving}): gate {how:?}, proof {proved:?}, awsfed {by_awsfed}, intended {intended} (with SAML itself: {direct})",
                                way.name
                            ));
                        }
                    }
                }
            }
        }
        eprintln!(
            "gate at {at:?}: {} triples checked, {} allowed, {} denied; the stage proof agrees on {} of {}, awsfed's evaluator on {}",
            counts.triples,
            counts.allowed,
            counts.denied,
            counts.proof_agree,
            counts.proof_checked,
            counts.agree
        );
        assert!(
            wrong.is_empty(),
            "{} triples wrong:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        counts
    }

    /// The gate's verdict for every user and target, signing in with `way`'s Role values.
    fn sweep(&self, way: &Way) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
        let mut command = Command::new(python());
        command
            .args(["-W", "ignore"])
            .arg(repo().join("tests/support/gate_sweep.py"))
            .args(["--gate", &self.url, "--keys"])
            .arg(&self.keys)
            .arg("--desired")
            .arg(&way.desired)
            .arg("--targets")
            .arg(&self.targets_file);
        for (email, group) in USERS {
            command.args(["--user", &format!("{email}={group}")]);
        }
        let output = command.output().expect("gate_sweep.py runs");
        assert!(
            output.status.success(),
            "gate_sweep.py: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout).expect("sweep JSON");
        serde_json::from_value(answer["reached"].clone()).expect("reached")
    }
}

fn role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/awsfed/{role}")
}

/// awsfed's evaluator on the scanned state with `way`'s IdP mapping: every (group, role ARN) reached.
fn evaluated(d: &Deployment, way: &Way, scan: &Path) -> BTreeSet<(String, String)> {
    let run = d.ws.run(
        "http://127.0.0.1:1",
        &[
            "-c",
            &way.model.display().to_string(),
            "--output",
            "json",
            "access",
            "--snapshot",
            &scan.display().to_string(),
        ],
    );
    let run = run.expect_code(0);
    let paths: serde_json::Value = serde_json::from_str(&run.stdout()).expect("access JSON");
    group_role_pairs(&paths)
}

/// gate.py in front of moto; its URL once it prints it.
fn start_gate(moto: &str) -> (Process, String) {
    use std::io::BufRead;
    let mut child = Command::new(python())
        .arg(repo().join("tests/support/gate/gate.py"))
        .args(["--moto", moto, "--oracle-dir"])
        .arg(repo().join("tests/oracle"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the gate starts");
    let stdout = child.stdout.take().expect("gate stdout");
    let process = Process(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the gate prints its URL");
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "gate said {line:?}");
    (process, url)
}
