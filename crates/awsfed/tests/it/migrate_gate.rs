//! "Nothing else", checked at the trust gate at each checkpoint of a migration: a user signing in
//! the old way (the old model's Role values) and one signing in the new way (the new model's),
//! for every (user, account, role) of the moving accounts and a sample of the others, each
//! sign-in decided by iam-simulate through the gate (`tests/support/gate_sweep.py`). The reach the
//! gate gives must be exactly what the model grants through the ways working at that checkpoint;
//! after each stage, the stage proof's own output (the paths `migrate --output json` reports the
//! stage's state gives the old and the new Role values) must give the same verdict on every
//! triple, and so must awsfed's evaluator on the scanned state with each way's IdP mapping (the
//! only awsfed side before the first stage, which has no proof).
//!
//! With an Identity Center instance (`GateCheck::with_portal`), each checked account also has the
//! roles Identity Center provisions as targets, and each way also signs in through the access
//! portal: the stand-in reserved roles `tests/support/identity_center_roles.py` makes in moto
//! after each change, entered with the assertion the portal's SAML provider sends
//! (`gate_sweep.py --portal`). A reserved role is named by its permission set and account (AWS
//! picks its suffix, and awsfed's proof names it by a stand-in suffix of its own,
//! `awsfed_access::identity_center`), so triples are compared with the suffix as `*`.

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

/// What a checked target is: a role awsfed deploys (`/awsfed/<set>`), or the role Identity Center
/// provisions for the permission set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Awsfed,
    Reserved,
}

/// One target of a checked account.
#[derive(Debug)]
pub struct Target<'a> {
    /// The account's env tag (`dev` accounts are in Workloads/Dev).
    pub env: &'a str,
    pub moving: bool,
    /// The permission set (the role's name under `/awsfed/`).
    pub set: &'a str,
    pub kind: Kind,
}

/// How the model says a way reaches a target at a checkpoint: not at all (`None`), or as the
/// sweep reports it (`saml`: entered with the IdP's SAML itself; `chained`: AssumeRole from a hub
/// role; `portal`: through the access portal). Arguments: the checkpoint, whether it is the new
/// way, the user's directory group, the target.
pub type Expected = fn(Checkpoint, bool, &str, &Target<'_>) -> Option<&'static str>;

/// Hub-and-spoke accounts moving to direct (`migrate.rs`).
pub fn into_direct(
    at: Checkpoint,
    new_way: bool,
    group: &str,
    t: &Target<'_>,
) -> Option<&'static str> {
    let intended =
        t.kind == Kind::Awsfed && granted(group, t.set, t.env) && at.works(new_way, t.moving);
    intended.then(|| {
        if at.direct(new_way, t.moving) {
            "saml"
        } else {
            "chained"
        }
    })
}

/// Hub-and-spoke Prod accounts moving to Identity Center beside the Dev OU already on it
/// (`migrate_identity_center.rs`). Both ways are the same here: the old and the new Role values
/// are the groups' hub roles (both groups keep grants in accounts that stay hub-and-spoke), and
/// the access portal follows the instance's assignments whatever the IdP sends. A moving account's
/// roles are reached through the hub until the contract stage deletes them (and takes the account
/// out of the hub policies); its reserved roles through the portal from expand, when the
/// assignments are made, on.
pub fn into_identity_center(
    at: Checkpoint,
    _new_way: bool,
    group: &str,
    t: &Target<'_>,
) -> Option<&'static str> {
    use Checkpoint::*;
    let on_identity_center = t.env == "dev";
    match t.kind {
        _ if !granted(group, t.set, t.env) => None,
        Kind::Awsfed => {
            let deleted = t.moving && at == Contracted;
            (!on_identity_center && !deleted).then_some("chained")
        }
        Kind::Reserved => (on_identity_center
            || t.moving && matches!(at, Expanded | Switched | Contracted))
        .then_some("portal"),
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

/// The gate in front of the deployment's moto, the test IdP's keys, the two ways, the accounts.
pub struct GateCheck {
    _gate: Process,
    url: String,
    keys: PathBuf,
    ways: [Way; 2],
    /// (account id, env, moving).
    accounts: Vec<(String, String, bool)>,
    dir: PathBuf,
    expected: Expected,
    /// Whether the reserved roles are targets and the ways sign in through the portal too.
    portal: bool,
    /// What each checkpoint's line starts with (`gate`, or [`PORTAL_GATE`]): the two full-scale
    /// migrations print side by side.
    label: &'static str,
}

/// How the lines of a check with the access portal start.
pub const PORTAL_GATE: &str = "gate with the access portal";

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

    /// The totals line of a test (`what`: `gate`, or what the gate checked), over `checkpoints`
    /// checkpoints.
    pub fn summary(&self, what: &str, checkpoints: usize) -> String {
        format!(
            "{what}, {checkpoints} checkpoints: {} triples checked, {} allowed, {} denied; the stage proofs agree on {} of {} (every checkpoint after a stage), awsfed's evaluator on {}",
            self.triples,
            self.allowed,
            self.denied,
            self.proof_agree,
            self.proof_checked,
            self.agree
        )
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

/// The (group, role ARN) of each path of a JSON list (`access` and the proof's reach alike), a
/// reserved role's suffix as `*`.
fn group_role_pairs(paths: &serde_json::Value) -> BTreeSet<(String, String)> {
    paths
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| {
            (
                p["group"].as_str().expect("group").to_owned(),
                comparable(p["role_arn"].as_str().expect("role")),
            )
        })
        .collect()
}

/// A role ARN with the suffix of a reserved role (`AWSReservedSSO_<set>_<suffix>`) as `*`: AWS
/// picks the suffix, the stand-ins pick another, awsfed's proof a third.
fn comparable(arn: &str) -> String {
    match arn.rsplit_once('/') {
        Some((head, name)) if name.starts_with(RESERVED_PREFIX) => match name.rsplit_once('_') {
            Some((set, _)) => format!("{head}/{set}_*"),
            None => arn.to_owned(),
        },
        _ => arn.to_owned(),
    }
}

const RESERVED_PREFIX: &str = "AWSReservedSSO_";

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
    /// account first). What the model intends is [`into_direct`] until [`Self::with_portal`].
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
        let (gate, url) = start_gate(&d.moto.endpoint);
        Self {
            _gate: gate,
            url,
            keys,
            ways,
            accounts,
            dir: dir.to_owned(),
            expected: into_direct,
            portal: false,
            label: "gate",
        }
    }

    /// The reserved roles are targets too, each way signs in through the access portal as well,
    /// and `expected` says what the model intends.
    pub fn with_portal(self, expected: Expected) -> Self {
        Self {
            expected,
            portal: true,
            label: PORTAL_GATE,
            ..self
        }
    }

    /// Checks one checkpoint from its scan folder and the proof of the stage that led there (the
    /// `proof` of its `--output json` report; none before the first stage); panics on any triple
    /// where the gate's reach is not the model's, or the proof or awsfed's evaluator disagrees with
    /// the gate. `portal` is what `identity_center_roles.py sync` printed last (with
    /// [`Self::with_portal`]). Returns the counts.
    pub fn check(
        &self,
        d: &Deployment,
        scan: &Path,
        at: Checkpoint,
        proof: Option<&serde_json::Value>,
        portal: Option<&serde_json::Value>,
    ) -> Counts {
        assert_eq!(
            portal.is_some(),
            self.portal,
            "the portal's state with_portal"
        );
        let targets = self.targets(portal);
        let by_arn: Vec<String> = targets.iter().map(|(_, arn)| arn.clone()).collect();
        let targets_file = self.dir.join("gate-targets.json");
        std::fs::write(&targets_file, serde_json::to_string(&by_arn).expect("JSON"))
            .expect("targets");
        let portal_file = portal.map(|state| {
            let file = self.dir.join("gate-portal.json");
            std::fs::write(&file, state.to_string()).expect("portal");
            file
        });
        let mut counts = Counts::default();
        let mut wrong = Vec::new();
        // The two ways' sweeps at once: each waits mostly on the gate, moto and the oracle.
        let sweeps = std::thread::scope(|s| {
            let running = self
                .ways
                .each_ref()
                .map(|way| s.spawn(|| self.sweep(way, &targets_file, portal_file.as_deref())));
            running.map(|sweep| sweep.join().expect("the sweep finishes"))
        });
        for (way, gate) in self.ways.iter().zip(sweeps) {
            let evaluator = evaluated(d, way, scan);
            let by_proof = proof.map(|p| proof_reach(p, way.name));
            for (email, group) in USERS {
                for (target, arn) in &targets {
                    let how = gate[email][arn].as_deref();
                    let key = (group.to_owned(), comparable(arn));
                    let by_awsfed = evaluator.contains(&key);
                    let expected = (self.expected)(at, way.name == "new", group, target);
                    counts.triples += 1;
                    if how.is_some() {
                        counts.allowed += 1;
                    } else {
                        counts.denied += 1;
                    }
                    if how.is_some() == by_awsfed {
                        counts.agree += 1;
                    }
                    let proved = by_proof.as_ref().map(|p| p.contains(&key));
                    if let Some(proved) = proved {
                        counts.proof_checked += 1;
                        if proved == how.is_some() {
                            counts.proof_agree += 1;
                        }
                    }
                    if how != expected
                        || how.is_some() != by_awsfed
                        || proved.is_some_and(|p| p != how.is_some())
                    {
                        wrong.push(format!(
                            "{at:?} {} way {email} {arn} (moving: {}): gate {how:?}, proof {proved:?}, awsfed {by_awsfed}, intended {expected:?}",
                            way.name, target.moving
                        ));
                    }
                }
            }
        }
        eprintln!(
            "{} at {at:?}: {} triples checked, {} allowed, {} denied; the stage proof agrees on {} of {}, awsfed's evaluator on {}",
            self.label,
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

    /// Every target of the checked accounts with its ARN: the roles awsfed deploys and, with the
    /// portal, the reserved role of each permission set (the stand-in `portal` holds, or, where
    /// there is none, a name no role has, which must then be reached by nothing).
    fn targets<'a>(&'a self, portal: Option<&serde_json::Value>) -> Vec<(Target<'a>, String)> {
        let kinds: &[Kind] = if self.portal {
            &[Kind::Awsfed, Kind::Reserved]
        } else {
            &[Kind::Awsfed]
        };
        let mut targets = Vec::new();
        for (account, env, moving) in &self.accounts {
            for &kind in kinds {
                for set in ROLES {
                    let arn = match kind {
                        Kind::Awsfed => role_arn(account, set),
                        Kind::Reserved => portal
                            .and_then(|p| p["roles"][account.as_str()][set].as_str())
                            .map_or_else(|| absent_reserved_role(account, set), str::to_owned),
                    };
                    let target = Target {
                        env,
                        moving: *moving,
                        set,
                        kind,
                    };
                    targets.push((target, arn));
                }
            }
        }
        targets
    }

    /// The gate's verdict for every user and target, signing in with `way`'s Role values (and
    /// through the portal whose state `portal` holds).
    fn sweep(
        &self,
        way: &Way,
        targets: &Path,
        portal: Option<&Path>,
    ) -> BTreeMap<String, BTreeMap<String, Option<String>>> {
        let mut command = Command::new(python());
        command
            .args(["-W", "ignore"])
            .arg(repo().join("tests/support/gate_sweep.py"))
            .args(["--gate", &self.url, "--keys"])
            .arg(&self.keys)
            .arg("--desired")
            .arg(&way.desired)
            .arg("--targets")
            .arg(targets);
        if let Some(portal) = portal {
            command.arg("--portal").arg(portal);
        }
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

/// The reserved role of `set` in `account` when Identity Center has provisioned none there: the
/// instance's path (the test models' instance is in eu-west-1) and a suffix nothing has.
fn absent_reserved_role(account: &str, set: &str) -> String {
    format!(
        "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/eu-west-1/{RESERVED_PREFIX}{set}_0000000000000000"
    )
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
