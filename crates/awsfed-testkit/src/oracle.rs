//! The policy oracle (`@cloud-copilot/iam-simulate`, installed at test time with
//! `npm ci --prefix tests/oracle`; AGPL, never vendored) driven as one Node process reading
//! simulations and writing results as JSON lines. `AWSFED_SKIP_ORACLE=1` skips the differential
//! checks; otherwise a missing oracle fails the test.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// The repository root (two levels above every crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether `AWSFED_SKIP_ORACLE=1` asks to skip the oracle.
pub fn skip_oracle() -> bool {
    std::env::var(awsfed_env::AWSFED_SKIP_ORACLE).is_ok_and(|v| v == "1")
}

/// One running `node oracle.mjs`.
#[derive(Debug)]
pub struct Oracle {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Starts `tests/oracle/oracle.mjs`; panics, saying how to install it, when it is missing.
    pub fn start() -> Self {
        let dir = repo_root().join("tests/oracle");
        let hint = "install the oracle with `npm ci --prefix tests/oracle` (needs node), \
                    or set AWSFED_SKIP_ORACLE=1 to skip the differential tests";
        assert!(
            dir.join("node_modules/@cloud-copilot/iam-simulate/package.json")
                .exists(),
            "the policy oracle is not installed in {}: {hint}",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg("oracle.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node ({e}): {hint}"));
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Self { child, stdout }
    }

    /// Sends each simulation as `{"id", "simulation"}` and reads the results in order.
    pub fn simulate(&mut self, simulations: impl IntoIterator<Item = Value>) -> Vec<Value> {
        let lines = simulations
            .into_iter()
            .enumerate()
            .map(|(id, simulation)| json!({"id": id, "simulation": simulation}).to_string())
            .collect();
        self.run_lines(lines)
    }

    /// Sends the lines and reads one JSON result per line, in order. A writer thread feeds stdin so
    /// that neither pipe fills up.
    pub fn run_lines(&mut self, lines: Vec<String>) -> Vec<Value> {
        let count = lines.len();
        let mut stdin = self.child.stdin.take().expect("oracle stdin is open");
        let writer = std::thread::spawn(move || {
            for line in lines {
                stdin
                    .write_all(line.as_bytes())
                    .expect("write to the oracle");
                stdin.write_all(b"\n").expect("write to the oracle");
            }
            stdin
        });
        let mut results = Vec::with_capacity(count);
        let mut line = String::new();
        for _ in 0..count {
            line.clear();
            let read = self
                .stdout
                .read_line(&mut line)
                .expect("read from the oracle");
            assert!(read > 0, "the oracle exited early");
            results.push(serde_json::from_str(&line).expect("the oracle writes JSON lines"));
        }
        self.child.stdin = Some(writer.join().expect("writer thread"));
        results
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
