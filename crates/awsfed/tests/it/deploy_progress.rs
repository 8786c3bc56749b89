//! Progress of `apply` on a real pseudo-terminal and off one (issue 14), for both engines, on
//! small moto organisations (1 identity, 2 Prod and 2 Dev accounts). On the terminal stderr shows
//! a bar redrawn in place (`\r`, erase to the end of the line) counting what the engine finishes:
//! accounts for the default engine, stack sets and stacks for StackSets, which also shows each
//! poll of the operation it waits on; each bar ends full, on its own line. Piped, the same apply
//! prints plain lines (one per poll for StackSets) without an escape code, and leaves the same
//! roles. `TERM=dumb` gets plain lines on a terminal too; `NO_COLOR` (set on every run here) keeps
//! the bar, which has no colour.

use serde_json::Value;

use crate::deploy_support::{
    Deployment, ModelSpec, Moto, Org, PERMISSION_SETS, Workspace, model_head, moto_enabled, python,
    roles,
};
use crate::support::{PtyRun, on_pty};

const COLUMNS: u16 = 120;

/// Runs awsfed in `ws` on a pseudo-terminal.
fn on_terminal(ws: &Workspace, endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> PtyRun {
    let mut command = ws.awsfed(endpoint, args);
    command.env_remove("TERM");
    for (key, value) in env {
        command.env(key, value);
    }
    on_pty(&python(), &command, COLUMNS, None)
}

/// The frames drawn on the terminal: every line redrawn in place, in order, without the escape
/// that erases the rest of the line.
fn frames(shown: &str) -> Vec<String> {
    shown
        .split(['\r', '\n'])
        .filter(|frame| !frame.is_empty())
        .map(|frame| frame.replace("\x1b[K", ""))
        .collect()
}

/// What stays on screen: each line as its last redraw left it.
fn screen(shown: &str) -> Vec<String> {
    shown
        .lines()
        .map(|line| {
            line.rsplit('\r')
                .next()
                .unwrap_or(line)
                .replace("\x1b[K", "")
        })
        .collect()
}

/// The bar of `label` drawn full, `total` of `total` `unit`, at the end of its step.
fn ends_full(screen: &[String], label: &str, total: usize, unit: &str) -> bool {
    let full = format!("{label} [{}] {total}/{total} {unit} ", "=".repeat(40));
    screen.iter().any(|line| line.starts_with(&full))
}

/// Plain lines: no redraw and no escape code.
fn assert_plain(text: &str) {
    assert!(!text.contains('\r') && !text.contains('\x1b'), "{text:?}");
}

/// Every account's roles and policies as IAM holds them, one line each, account ids replaced by
/// names, digest tags (over account ids) left out and lists sorted (moto lists in its own order,
/// hub policies list accounts by id), so two organisations of the same shape compare.
fn estate(endpoint: &str, org: &Org) -> Vec<String> {
    let accounts: Vec<(&str, &str)> = std::iter::once(("identity", org.identity.as_str()))
        .chain(
            org.workloads
                .iter()
                .map(|(n, id, _)| (n.as_str(), id.as_str())),
        )
        .collect();
    accounts
        .iter()
        .map(|(name, id)| {
            let mut text = roles(endpoint, id).to_string();
            for (name, id) in &accounts {
                text = text.replace(id, &format!("ID-{name}"));
            }
            let mut state: Value = serde_json::from_str(&text).expect("JSON");
            normalise(&mut state);
            format!("{name}: {state}")
        })
        .collect()
}

fn normalise(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.iter_mut().for_each(normalise);
            items.sort_by_key(Value::to_string);
        }
        Value::Object(fields) => {
            fields.remove("awsfed:digest");
            fields.values_mut().for_each(normalise);
        }
        _ => {}
    }
}

/// Account by account, to show the first that differs.
fn assert_same_estate(one: Vec<String>, other: Vec<String>) {
    assert_eq!(one.len(), other.len());
    for (a, b) in one.iter().zip(&other) {
        assert_eq!(a, b);
    }
}

fn redact_ids(text: &str, org: &Org) -> String {
    let mut out = text.replace(&org.identity, "ID-identity");
    for (name, id, _) in &org.workloads {
        out = out.replace(id, &format!("ID-{name}"));
    }
    out
}

/// The line of `stderr` starting with `start`.
fn line<'a>(stderr: &'a str, start: &str) -> &'a str {
    stderr
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{stderr}"))
}

/// The Prod accounts Admin for the platform admins, direct for the first; ReadOnly everywhere.
fn stacksets_model(org: &Org) -> String {
    let mut yaml = model_head(org, |i| i == 0);
    yaml.push_str("stack_sets: { region: us-east-1 }\n");
    yaml.push_str(PERMISSION_SETS);
    yaml.push_str("groups:\n  platform-admins: [ { accounts: { ous: [Workloads/Prod] }, permission_set: Admin } ]\n  developers: [ { accounts: '*', permission_set: ReadOnly } ]\n");
    yaml
}

fn stacksets_org() -> (Moto, Org, Workspace) {
    let moto = Moto::start_stacksets();
    let org = Org::create(&moto.endpoint, 2, 2);
    let ws = Workspace::new();
    ws.write_model(&stacksets_model(&org));
    (moto, org, ws)
}

/// Every poll, in order, from the plain lines (`  SET: OPERATION STATUS (poll N)`).
fn plain_polls(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let (head, poll) = l.strip_suffix(')')?.rsplit_once(" (poll ")?;
            let (set, rest) = head.trim().split_once(": ")?;
            let (operation, status) = rest.split_once(' ')?;
            Some(format!("{set} {operation} {status} {poll}"))
        })
        .collect()
}

/// Every poll, in order, from the bar's frames (`...  STATUS SET: OPERATION, poll N`).
fn bar_polls(bars: &[String]) -> Vec<String> {
    bars.iter()
        .filter_map(|bar| {
            let (_, detail) = bar.rsplit_once("  ")?;
            let (head, poll) = detail.rsplit_once(", poll ")?;
            let (status, rest) = head.split_once(' ')?;
            let (set, operation) = rest.split_once(": ")?;
            Some(format!("{set} {operation} {status} {poll}"))
        })
        .collect()
}

#[test]
fn stacksets_apply_draws_a_bar_on_a_terminal_and_plain_lines_off_one() {
    if !moto_enabled() {
        return;
    }
    let (terminal_moto, terminal_org, terminal_ws) = stacksets_org();
    let (piped_moto, piped_org, piped_ws) = stacksets_org();
    let args = ["apply", "--engine", "stacksets", "--poll-interval", "1"];

    let terminal = on_terminal(&terminal_ws, &terminal_moto.endpoint, &args, &[]);
    assert_eq!(terminal.code, Some(0), "{}", terminal.shown);
    let shown = &terminal.shown;
    assert!(
        shown.contains("\r") && shown.contains("\x1b[K"),
        "{shown:?}"
    );
    let bars: Vec<String> = frames(shown)
        .into_iter()
        .filter(|f| f.starts_with("applying ["))
        .collect();
    assert!(bars.len() >= 4, "{shown:?}");
    for bar in &bars {
        assert!(
            bar.contains(" stack sets and stacks ") && !bar.contains("accounts"),
            "{bar}"
        );
    }
    let screen = screen(shown);
    let summary = line(shown, "Applied ");
    let total: usize = summary["Applied ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(
        ends_full(&screen, "applying", total, "stack sets and stacks"),
        "{screen:#?}"
    );
    // No plain poll line on the terminal: polls are shown on the bar.
    assert!(!shown.contains("(poll "), "{shown}");

    let piped = piped_ws.run(&piped_moto.endpoint, &args).expect_code(0);
    let stderr = piped.stderr();
    assert_plain(&stderr);
    assert_eq!(line(&stderr, "Applied "), summary);
    // The same operations polled, one plain line per poll.
    let polled = plain_polls(&stderr);
    assert!(polled.len() >= 4, "{stderr}");
    assert_eq!(bar_polls(&bars), polled, "{shown:?}");
    insta::assert_snapshot!(
        "stacksets_apply_piped",
        crate::deploy_stacksets::redact(&stderr, &piped_moto.endpoint, &piped_org, &[])
    );

    // The same result either way: the same roles and trusts, and nothing left to plan.
    assert_same_estate(
        estate(&terminal_moto.endpoint, &terminal_org),
        estate(&piped_moto.endpoint, &piped_org),
    );
    for (ws, endpoint) in [
        (&terminal_ws, &terminal_moto.endpoint),
        (&piped_ws, &piped_moto.endpoint),
    ] {
        ws.run(
            endpoint,
            &["plan", "--engine", "stacksets", "--detailed-exitcode"],
        )
        .expect_code(0);
    }
}

/// A plan's reading and an apply's phases with the default engine: bars counting accounts on a
/// terminal, plain lines with `TERM=dumb` and piped.
#[test]
fn default_apply_draws_a_bar_per_phase_on_a_terminal_and_plain_lines_off_one() {
    if !moto_enabled() {
        return;
    }
    let terminal = Deployment::new(2, 2, ModelSpec::hub_and_spoke());
    let piped = Deployment::new(2, 2, ModelSpec::hub_and_spoke());
    let e = &terminal.moto.endpoint;

    let read = on_terminal(&terminal.ws, e, &["plan"], &[]);
    assert_eq!(read.code, Some(0), "{}", read.shown);
    assert!(read.shown.contains("\x1b[K"), "{:?}", read.shown);
    assert!(
        ends_full(&screen(&read.shown), "reading", 5, "accounts"),
        "{:?}",
        read.shown
    );
    // A dumb terminal cannot erase a line: plain lines, as in a pipe.
    let dumb = on_terminal(&terminal.ws, e, &["plan"], &[("TERM", "dumb")]);
    assert_eq!(dumb.code, Some(0), "{}", dumb.shown);
    assert_plain(&dumb.shown);
    assert_eq!(
        dumb.shown.matches("read account ").count(),
        5,
        "{}",
        dumb.shown
    );

    let applied = on_terminal(&terminal.ws, e, &["apply"], &[]);
    assert_eq!(applied.code, Some(0), "{}", applied.shown);
    let run = piped
        .ws
        .run(&piped.moto.endpoint, &["apply"])
        .expect_code(0);
    let stderr = run.stderr();
    assert_plain(&stderr);
    assert_eq!(line(&stderr, "Applied "), line(&applied.shown, "Applied "));
    // Each phase the plain lines announce ends as a full bar on the terminal.
    let screen = screen(&applied.shown);
    let announced: Vec<(&str, usize)> = stderr
        .lines()
        .filter_map(|l| {
            let (phase, accounts) = l.strip_prefix("applying ")?.rsplit_once(" in ")?;
            Some((phase, accounts.strip_suffix(" accounts")?.parse().ok()?))
        })
        .collect();
    assert!(announced.len() >= 3, "{stderr}");
    for (phase, accounts) in announced {
        assert!(
            ends_full(&screen, &format!("applying {phase}"), accounts, "accounts"),
            "{phase}: {screen:#?}"
        );
    }
    assert!(!applied.shown.contains(" in 1 accounts"), "{screen:#?}");
    // Accounts are read and applied concurrently: a run of read lines, and the lines of a phase,
    // in any order.
    let mut runs: Vec<(bool, Vec<String>)> = Vec::new();
    for l in redact_ids(&stderr, &piped.org).lines() {
        let (read, l) = match l.strip_prefix("read account ") {
            Some(rest) => (
                true,
                format!(
                    "read account {} (N/5)",
                    rest.split(' ').next().unwrap_or("")
                ),
            ),
            None => (false, l.to_owned()),
        };
        match runs.last_mut() {
            Some((true, run)) if read => run.push(l),
            Some((false, run)) if !read && l.starts_with("  ") => run.push(l),
            _ => runs.push((read, vec![l])),
        }
    }
    let phases: Vec<Vec<String>> = runs
        .into_iter()
        .map(|(read, mut run)| {
            let from = usize::from(!read);
            run[from..].sort();
            run
        })
        .collect();
    insta::assert_snapshot!("default_apply_piped", phases.concat().join("\n"));
    assert_same_estate(
        estate(e, &terminal.org),
        estate(&piped.moto.endpoint, &piped.org),
    );
}
