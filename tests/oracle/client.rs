//! A client of the policy oracle (`@cloud-copilot/iam-simulate`, installed at test time with
//! `npm ci --prefix tests/oracle`; AGPL, never vendored): one `node tests/oracle/oracle.mjs`
//! process reading iam-simulate `Simulation`s as JSON lines. Test crates include this file with
//! `#[path]`; a missing oracle fails the test and says how to install it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use awsfed_policy::Decision;
use serde_json::{Value, json};

pub struct Oracle {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Starts the oracle of the repository at `root`.
    pub fn start(root: &Path) -> Self {
        let dir = root.join("tests/oracle");
        assert!(
            dir.join("node_modules/@cloud-copilot/iam-simulate/package.json")
                .exists(),
            "the policy oracle is not installed in {}: run `npm ci --prefix tests/oracle` (needs node) or `./scripts/setup-test-deps`",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg("oracle.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node for the policy oracle: {e}"));
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Self { child, stdout }
    }

    /// The oracle's decision on each simulation, in order; a writer thread feeds stdin so neither
    /// pipe fills up. Panics on an oracle failure, or when it ignored a context key (the case would
    /// not test what it claims).
    pub fn run(&mut self, simulations: &[Value]) -> Vec<Decision> {
        let lines: Vec<String> = simulations
            .iter()
            .enumerate()
            .map(|(id, simulation)| json!({"id": id, "simulation": simulation}).to_string())
            .collect();
        let count = lines.len();
        let mut stdin = self.child.stdin.take().expect("stdin open");
        let writer = std::thread::spawn(move || {
            for line in lines {
                stdin
                    .write_all(line.as_bytes())
                    .expect("write to the oracle");
                stdin.write_all(b"\n").expect("write to the oracle");
            }
            stdin
        });
        let mut decisions = Vec::with_capacity(count);
        let mut line = String::new();
        for _ in 0..count {
            line.clear();
            let read = self
                .stdout
                .read_line(&mut line)
                .expect("read from the oracle");
            assert!(read > 0, "the oracle exited early");
            let result: Value = serde_json::from_str(&line).expect("the oracle writes JSON lines");
            assert!(
                result.get("failure").is_none(),
                "the oracle failed: {result}"
            );
            assert_eq!(result["resultType"], "single", "{result}");
            let ignored = result["ignoredContextKeys"].as_array().map_or(0, Vec::len);
            assert_eq!(ignored, 0, "the oracle ignored context keys: {result}");
            decisions.push(match result["overallResult"].as_str() {
                Some("Allowed") => Decision::Allow,
                Some("ExplicitlyDenied") => Decision::ExplicitDeny,
                Some("ImplicitlyDenied") => Decision::ImplicitDeny,
                _ => panic!("unexpected oracle answer {result}"),
            });
        }
        self.child.stdin = Some(writer.join().expect("oracle writer thread"));
        decisions
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
