//! The policy oracle (`@cloud-copilot/iam-simulate`, installed at test time with
//! `npm ci --prefix tests/oracle`; AGPL, never vendored) driven as one Node process reading JSON
//! lines. `AWSFED_SKIP_ORACLE=1` skips the differential checks.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

use awsfed_policy::Decision;
use serde_json::{Value, json};

use super::repo_root;

pub fn skip_oracle() -> bool {
    std::env::var("AWSFED_SKIP_ORACLE").is_ok_and(|v| v == "1")
}

pub struct Oracle {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    pub fn start() -> Self {
        let dir = repo_root().join("tests/oracle");
        assert!(
            dir.join("node_modules/@cloud-copilot/iam-simulate/package.json")
                .exists(),
            "the policy oracle is not installed: run `npm ci --prefix tests/oracle`, or set AWSFED_SKIP_ORACLE=1"
        );
        let mut child = Command::new("node")
            .arg("oracle.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Self { child, stdout }
    }

    /// Runs simulations in order; a writer thread feeds stdin so neither pipe fills up.
    pub fn run(&mut self, simulations: Vec<Value>) -> Vec<Decision> {
        let count = simulations.len();
        let lines: Vec<String> = simulations
            .into_iter()
            .enumerate()
            .map(|(id, simulation)| json!({"id": id, "simulation": simulation}).to_string())
            .collect();
        let mut stdin = self.child.stdin.take().expect("stdin open");
        let writer = std::thread::spawn(move || {
            for line in lines {
                stdin.write_all(line.as_bytes()).expect("write");
                stdin.write_all(b"\n").expect("write");
            }
            stdin
        });
        let mut out = Vec::with_capacity(count);
        let mut line = String::new();
        for _ in 0..count {
            line.clear();
            assert!(
                self.stdout.read_line(&mut line).expect("read") > 0,
                "oracle exited"
            );
            let result: Value = serde_json::from_str(&line).expect("JSON line");
            assert!(result.get("failure").is_none(), "oracle failed: {result}");
            assert_eq!(result["resultType"], "single", "{result}");
            let ignored = result["ignoredContextKeys"].as_array().map_or(0, Vec::len);
            assert_eq!(ignored, 0, "the oracle ignored context keys: {result}");
            out.push(match result["overallResult"].as_str() {
                Some("Allowed") => Decision::Allow,
                Some("ExplicitlyDenied") => Decision::ExplicitDeny,
                Some("ImplicitlyDenied") => Decision::ImplicitDeny,
                _ => panic!("unexpected oracle answer {result}"),
            });
        }
        self.child.stdin = Some(writer.join().expect("writer"));
        out
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
