//! The policy oracle (`@cloud-copilot/iam-simulate`, installed at test time with
//! `npm ci --prefix tests/oracle`; AGPL, never vendored) driven as one Node process reading
//! simulations and writing results as JSON lines. `AWSFED_SKIP_ORACLE=1` skips the differential
//! checks; otherwise a missing oracle fails the test.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

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
    /// The last bytes node wrote on stderr, drained by a thread (a full pipe would stall node):
    /// what a failure of the oracle process says about itself.
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// How much of node's stderr a failure message shows.
const STDERR_TAIL: usize = 4096;

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
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node ({e}): {hint}"));
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let tail = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                tail.extend_from_slice(&buffer[..n]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
        });
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// Why the oracle stopped answering: its exit status (a signal, when something killed it) and
    /// the end of its stderr.
    fn failure(&mut self, what: &str) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(status)) => format!("node exited: {status}"),
            Ok(None) => "node is still running".to_owned(),
            Err(e) => format!("node's status is unknown: {e}"),
        };
        let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        format!(
            "the oracle {what} ({status}); its stderr ends with:\n{}",
            String::from_utf8_lossy(&stderr)
        )
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
        // A write fails only when node has gone; the reads below then say why.
        let writer = std::thread::spawn(move || {
            for line in lines {
                if stdin
                    .write_all(line.as_bytes())
                    .and_then(|()| stdin.write_all(b"\n"))
                    .is_err()
                {
                    return None;
                }
            }
            Some(stdin)
        });
        let mut results = Vec::with_capacity(count);
        let mut line = String::new();
        for i in 0..count {
            line.clear();
            match self.stdout.read_line(&mut line) {
                Ok(0) => {
                    let _ = self.child.wait();
                    panic!(
                        "{}",
                        self.failure(&format!("exited after {i} of {count} answers"))
                    );
                }
                Ok(_) => {}
                Err(e) => panic!("{}", self.failure(&format!("could not be read: {e}"))),
            }
            match serde_json::from_str(&line) {
                Ok(result) => results.push(result),
                Err(e) => panic!(
                    "{}",
                    self.failure(&format!("wrote a line that is not JSON ({e}): {line}"))
                ),
            }
        }
        self.child.stdin = writer.join().expect("writer thread");
        results
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
