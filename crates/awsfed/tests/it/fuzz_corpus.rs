//! The fuzz targets' code (`fuzz/src/exercise.rs`) over seed corpora built from the examples (the
//! model, its metadata, the snapshot and plan it deploys, its client file) and deterministic
//! mutations of them, on stable Rust in every test run. `scripts/fuzz` runs the same targets under
//! libFuzzer (coverage-guided, also on stable Rust) from the seeds this test writes to
//! `target/tmp/fuzz-seeds/TARGET/`.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::example;

#[path = "../../../../fuzz/src/exercise.rs"]
mod exercise;

/// Mutations run per seed.
const MUTATIONS_PER_SEED: usize = 300;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("model", exercise::model),
    ("metadata", exercise::metadata),
    ("snapshot", exercise::snapshot),
    ("plan", exercise::plan),
    ("client_file", exercise::client_file),
];

/// The seeds of every target, by target name.
fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for name in ["hub-and-spoke", "mixed"] {
        let path = example(name);
        let yaml = std::fs::read(&path).expect("example");
        let metadata = std::fs::read(path.with_file_name("corp-idp.xml")).expect("metadata");
        let text = awsfed_model::load::decode(&yaml).expect("UTF-8");
        let raw = awsfed_model::load::parse(text).expect("parses");
        let metadata_text = String::from_utf8(metadata.clone()).expect("UTF-8");
        let mut read = |_: &str| Ok::<String, String>(metadata_text.clone());
        let model = awsfed_model::resolve(&raw, &mut read).0.expect("valid");
        let desired = awsfed_compile::compile(&model);
        let snapshot = awsfed_snapshot::Snapshot::from_desired(&desired);
        let empty = awsfed_snapshot::Snapshot {
            format: awsfed_snapshot::SNAPSHOT_FORMAT,
            organization: None,
            identity_center: None,
            accounts: Vec::new(),
        };
        let options = awsfed_plan::PlanOptions {
            metadata_document: Some(metadata_text.clone()),
            role_path: model.naming.role_path.clone(),
            ..Default::default()
        };
        let plan = awsfed_plan::plan(&desired, &empty, &options);
        let client = awsfed_export::client_file(&desired, None);
        let json = |value: &dyn erased::Json| value.json().into_bytes();
        seeds.push(("model", format!("{name}.yaml"), yaml));
        seeds.push(("metadata", format!("{name}.xml"), metadata));
        seeds.push(("snapshot", format!("{name}.json"), json(&snapshot)));
        if let Some(account) = snapshot.accounts.first() {
            seeds.push(("snapshot", format!("{name}-account.json"), json(account)));
        }
        seeds.push(("plan", format!("{name}.json"), json(&plan)));
        let stacksets = json(&stackset_plan_file(&desired, &model));
        let text = std::str::from_utf8(&stacksets).expect("UTF-8");
        assert!(
            awsfed_plan::stacksets::StackSetPlanFile::from_json("seed", text).is_ok(),
            "the StackSets seed reads back"
        );
        seeds.push(("plan", format!("{name}-stacksets.json"), stacksets));
        seeds.push((
            "client_file",
            format!("{name}.json"),
            client.to_json().into_bytes(),
        ));
    }
    seeds
}

/// The StackSets plan file of the model deployed to nothing yet, OU ids made up from the paths.
fn stackset_plan_file(
    desired: &awsfed_compile::DesiredState,
    model: &awsfed_model::Model,
) -> awsfed_plan::stacksets::StackSetPlanFile {
    use awsfed_plan::stacksets::*;
    let options = awsfed_export::StackSetOptions {
        region: "us-east-1".to_owned(),
        management_account_id: None,
        organization_accounts: None,
    };
    let layout = awsfed_export::stackset_layout(desired, model, &options);
    let target = |t: &awsfed_export::LayoutTarget| DesiredTarget {
        ou_path: t.ou.clone().unwrap_or_else(|| "(root)".to_owned()),
        ou_id: format!("ou-{}", t.ou.as_deref().unwrap_or("root").replace('/', "-")),
        accounts: t.accounts.clone(),
        members: t.members.clone(),
    };
    let sets: Vec<DesiredStackSet> = layout
        .stack_sets
        .iter()
        .map(|s| DesiredStackSet {
            name: s.name.clone(),
            description: s.description.clone(),
            template: s.template.clone(),
            parameters: s.parameters.iter().cloned().collect(),
            order: s.order,
            targets: s.targets.iter().map(target).collect(),
        })
        .collect();
    let stacks: Vec<DesiredStack> = layout
        .account_stacks
        .iter()
        .map(|s| DesiredStack {
            name: format!("awsfed-account-{}", s.stem),
            account_name: s.account.clone(),
            account_id: s.account_id.clone(),
            template: s.template.clone(),
            order: if s.hub { 1 } else { 2 },
        })
        .collect();
    let state = StackSetState::default();
    let mut plan = plan_stack_sets(&sets, &stacks, &state);
    plan.preferences.region = options.region;
    StackSetPlanFile::new(plan, Fingerprint::of(&sets, &stacks, &state))
}

/// Serialising any of the seed types without naming each.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string_pretty(self).expect("serialisable")
        }
    }
}

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that reach the parsers' edge cases: structure, YAML anchors and tags, escapes, huge
/// numbers, bidi and control characters.
const TOKENS: [&str; 16] = [
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "\n",
    "&a ",
    "*a",
    "!!binary ",
    "\\u0000",
    "1e999",
    "\u{202e}",
    "<!DOCTYPE x [<!ENTITY e \"e\">]>",
    "\u{9b}",
];

/// One mutation of `seed`: flip, delete, duplicate or insert, a few times over.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(256)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            3 => data.truncate(at),
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
        }
    }
    data
}

/// Writes the seeds where `scripts/fuzz` takes its starting corpora from.
fn write_seeds(seeds: &[(&str, String, Vec<u8>)]) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-seeds");
    for (target, name, bytes) in seeds {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("seed folder");
        std::fs::write(dir.join(name), bytes).expect("seed");
    }
    root
}

#[test]
fn every_fuzz_target_survives_its_seeds_and_their_mutations() {
    let seeds = seeds();
    write_seeds(&seeds);
    let mut rng = Rng(0x5eed_f11e);
    let started = Instant::now();
    let mut execs = 0usize;
    for (target, run) in TARGETS {
        let mine: Vec<_> = seeds.iter().filter(|(t, _, _)| *t == target).collect();
        assert!(mine.len() >= 2, "{target}: the seed corpus went missing");
        for (_, name, seed) in mine {
            let mut inputs = vec![seed.clone()];
            inputs.extend((0..MUTATIONS_PER_SEED).map(|_| mutate(seed, &mut rng)));
            for (i, input) in inputs.iter().enumerate() {
                let took = Instant::now();
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| run(input)));
                execs += 1;
                let failing = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                    .join(format!("fuzz-failure-{target}"));
                if outcome.is_err() {
                    std::fs::create_dir_all(failing.parent().expect("parent")).expect("dir");
                    std::fs::write(&failing, input).expect("write the input");
                    panic!(
                        "{target} panicked on mutation {i} of {name}; input in {}",
                        failing.display()
                    );
                }
                assert!(
                    took.elapsed() < Duration::from_secs(5),
                    "{target}: mutation {i} of {name} took {:?}",
                    took.elapsed()
                );
            }
        }
    }
    eprintln!(
        "fuzz corpus: {execs} inputs through 5 targets in {:?}",
        started.elapsed()
    );
}
