//! Progress of `scan`, `plan`, `apply` and `bootstrap` on stderr.
//!
//! On a terminal: one bar per step (reading, or one apply phase), redrawn in place at most ten
//! times a second, and ended with a newline so whatever follows starts on its own line. Anywhere
//! else (pipes, CI, the tests), and on a terminal whose `TERM` is `dumb` (it cannot erase a line;
//! cargo draws no bar there either): plain lines, one per account event or stack set operation
//! poll, so logs stay greppable. `NO_COLOR` leaves the bar: it has no colour. Account errors are
//! printed as their own lines in both modes; the bar carries only counts.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use awsfed_aws::{Event, Progress};

use crate::commands::print_stderr;

/// Redrawing more often only costs writes; the eye does not see it.
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);

/// What a bar shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarState {
    /// The step: `reading`, `scanning`, `applying hub roles`, …
    pub label: String,
    /// What `done` and `total` count: accounts, or the StackSets engine's stack sets and stacks.
    pub unit: &'static str,
    /// What is being waited on (a stack set operation and its status), after the counts; cut to
    /// the terminal's width before the bar narrows below [`MIN_BAR`].
    pub detail: String,
    /// Accounts (or stack sets and stacks) finished with the step, failed ones included.
    pub done: usize,
    pub total: usize,
    /// Accounts that failed so far (in any step).
    pub failed: usize,
    pub elapsed: Duration,
}

/// The narrowest bar drawn; below it the line shows only the counts.
const MIN_BAR: usize = 10;
const MAX_BAR: usize = 40;

/// The bar as one line of at most `width` columns (no newline, no escape codes).
pub fn render_bar(state: &BarState, width: usize) -> String {
    let seconds = state.elapsed.as_secs();
    let mut tail = format!(
        " {}/{} {} {}:{:02}",
        state.done,
        state.total,
        state.unit,
        seconds / 60,
        seconds % 60
    );
    if state.failed > 0 {
        tail.push_str(&format!(", {} failed", state.failed));
    }
    let fixed = state.label.chars().count() + 3 + tail.chars().count();
    let spare = width.saturating_sub(fixed + 1);
    if spare.min(MAX_BAR) < MIN_BAR {
        let line: String = format!("{}{tail}", state.label)
            .chars()
            .take(width.saturating_sub(1))
            .collect();
        return line.trim_end_matches([',', ' ']).to_owned();
    }
    // The detail takes the columns the bar does not need, then the bar gives way down to MIN_BAR.
    let detail_width = state.detail.chars().count() + 2;
    let room = if state.detail.is_empty() {
        spare.min(MAX_BAR)
    } else {
        spare.saturating_sub(detail_width).clamp(MIN_BAR, MAX_BAR)
    };
    let detail = cut(&state.detail, spare - room);
    let filled = (room * state.done.min(state.total))
        .checked_div(state.total)
        .unwrap_or(room);
    let mut bar = "=".repeat(filled);
    if filled < room {
        bar.push('>');
        bar.push_str(&" ".repeat(room - filled - 1));
    }
    format!("{} [{bar}]{tail}{detail}", state.label)
}

/// `detail` after two spaces in at most `columns` columns, cut with an ellipsis; nothing when
/// fewer than a few of its characters would show.
fn cut(detail: &str, columns: usize) -> String {
    let length = detail.chars().count();
    if detail.is_empty() || columns < 2 + 8.min(length) {
        return String::new();
    }
    if length + 2 <= columns {
        return format!("  {detail}");
    }
    let kept: String = detail.chars().take(columns - 3).collect();
    format!("  {kept}…")
}

/// Where the verb of a plain line and the label of a bar come from.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// Reading accounts for a plan.
    Read,
    /// `awsfed scan`.
    Scan,
    /// Applying a plan, phase by phase.
    Apply,
    /// Applying a StackSets plan: stack set by stack set (and plain stack), each operation polled.
    ApplyStackSets,
}

impl Step {
    fn verb(self) -> &'static str {
        match self {
            Step::Read => "read",
            Step::Scan => "scanned",
            Step::Apply | Step::ApplyStackSets => "applied",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Step::Read => "reading",
            Step::Scan => "scanning",
            Step::Apply | Step::ApplyStackSets => "applying",
        }
    }

    /// What the bar counts: the StackSets engine finishes a stack set (or a plain stack) at a
    /// time, whatever number of accounts its operations reach.
    fn unit(self) -> &'static str {
        match self {
            Step::ApplyStackSets => "stack sets and stacks",
            Step::Read | Step::Scan | Step::Apply => "accounts",
        }
    }
}

/// Progress output of one read or apply; [`Reporter::finish`] must be called once it is over.
#[derive(Clone)]
pub struct Reporter {
    state: Arc<Mutex<State>>,
}

struct State {
    step: Step,
    /// `None` off a terminal.
    terminal_width: Option<usize>,
    bar: BarState,
    /// Successfully read accounts, for the plain lines' count.
    read: usize,
    started: Instant,
    drawn_at: Option<Instant>,
}

impl Reporter {
    pub fn new(total: usize, step: Step) -> Self {
        let dumb = std::env::var_os(awsfed_env::TERM).is_some_and(|term| term == "dumb");
        let terminal_width = (std::io::stderr().is_terminal() && !dumb).then(|| {
            console::Term::stderr()
                .size_checked()
                .map_or(80, |(_, columns)| usize::from(columns))
        });
        Self::with_width(total, step, terminal_width)
    }

    fn with_width(total: usize, step: Step, terminal_width: Option<usize>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                step,
                terminal_width,
                bar: BarState {
                    label: step.label().to_owned(),
                    unit: step.unit(),
                    detail: String::new(),
                    done: 0,
                    total,
                    failed: 0,
                    elapsed: Duration::ZERO,
                },
                read: 0,
                started: Instant::now(),
                drawn_at: None,
            })),
        }
    }

    /// The callback the AWS crate reports to.
    pub fn progress(&self) -> Progress {
        let state = Arc::clone(&self.state);
        Arc::new(move |event: Event| {
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            let output = state.on(event);
            print_stderr(&output);
        })
    }

    /// Ends the bar's line (a terminal only), so whatever is printed next starts on its own line.
    pub fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let output = state.end_bar();
        print_stderr(&output);
    }
}

impl State {
    /// What to print for an event.
    fn on(&mut self, event: Event) -> String {
        if self.terminal_width.is_none() {
            return self.plain_line(event);
        }
        match event {
            Event::AccountRead { .. } | Event::AccountApplied { .. } => {
                self.bar.done += 1;
                // A stack set done is no longer waited on.
                self.bar.detail.clear();
                self.draw(false)
            }
            Event::ChangeApplied { .. } => String::new(),
            Event::PhaseStarted { phase, accounts } => {
                let mut output = self.end_bar();
                self.bar.label = format!("{} {}", self.step.label(), phase.label());
                self.bar.done = 0;
                self.bar.total = accounts;
                output.push_str(&self.draw(true));
                output
            }
            Event::OperationPolled {
                stack_set,
                operation,
                status,
                poll,
            } => {
                // DescribeStackSetOperation gives the operation's status and the number of failed
                // instances only ("StackSetOperation", AWS CloudFormation API Reference), not how
                // many are done: the bar counts stack sets and stacks, the detail the poll. The
                // status first: on a narrow terminal it is what the cut keeps.
                self.bar.detail = format!("{status} {stack_set}: {operation}, poll {poll}");
                self.draw(true)
            }
            Event::AccountFailed { account_id, error } => {
                self.bar.done += 1;
                self.bar.failed += 1;
                let mut output = self.clear();
                output.push_str(&format!("account {account_id} failed: {error}\n"));
                output.push_str(&self.draw(true));
                output
            }
        }
    }

    fn plain_line(&mut self, event: Event) -> String {
        let total = self.bar.total;
        match event {
            Event::AccountRead { account_id } => {
                self.read += 1;
                format!(
                    "{} account {account_id} ({}/{total})\n",
                    self.step.verb(),
                    self.read
                )
            }
            Event::PhaseStarted { phase, accounts } => {
                format!("applying {} in {accounts} accounts\n", phase.label())
            }
            Event::ChangeApplied {
                account_id,
                summary,
            } => format!("  {account_id}: {summary}\n"),
            Event::AccountApplied { .. } => String::new(),
            Event::AccountFailed { account_id, error } => {
                format!("account {account_id} failed: {error}\n")
            }
            Event::OperationPolled {
                stack_set,
                operation,
                status,
                poll,
            } => format!("  {stack_set}: {operation} {status} (poll {poll})\n"),
        }
    }

    /// The bar redrawn in place, unless it was drawn less than [`REDRAW_INTERVAL`] ago (the last
    /// account and `force` always draw).
    fn draw(&mut self, force: bool) -> String {
        let Some(width) = self.terminal_width else {
            return String::new();
        };
        let now = Instant::now();
        let recent = self
            .drawn_at
            .is_some_and(|at| now.duration_since(at) < REDRAW_INTERVAL);
        if recent && !force && self.bar.done < self.bar.total {
            return String::new();
        }
        self.drawn_at = Some(now);
        self.bar.elapsed = now.duration_since(self.started);
        format!("\r{}\x1b[K", render_bar(&self.bar, width))
    }

    /// Erases the bar's line, leaving the cursor at its start.
    fn clear(&mut self) -> String {
        if self.drawn_at.is_some() {
            "\r\x1b[K".to_owned()
        } else {
            String::new()
        }
    }

    /// The bar in its final state, ended with a newline; nothing when no bar is on screen.
    fn end_bar(&mut self) -> String {
        if self.drawn_at.is_none() {
            return String::new();
        }
        let mut output = self.draw(true);
        output.push('\n');
        self.drawn_at = None;
        output
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(label: &str, done: usize, total: usize, failed: usize, seconds: u64) -> BarState {
        BarState {
            label: label.to_owned(),
            unit: "accounts",
            detail: String::new(),
            done,
            total,
            failed,
            elapsed: Duration::from_secs(seconds),
        }
    }

    #[test]
    fn bar_fills_with_the_accounts_done() {
        let lines: Vec<String> = [0, 30, 60, 121]
            .iter()
            .map(|&done| render_bar(&state("reading", done, 121, 0, 7), 80))
            .collect();
        insta::assert_snapshot!(lines.join("\n"), @r"
        reading [>                                       ] 0/121 accounts 0:07
        reading [=========>                              ] 30/121 accounts 0:07
        reading [===================>                    ] 60/121 accounts 0:07
        reading [========================================] 121/121 accounts 0:07
        ");
    }

    #[test]
    fn bar_shows_failures_and_minutes() {
        insta::assert_snapshot!(
            render_bar(&state("applying hub assume policies", 7, 12, 2, 754), 100),
            @"applying hub assume policies [======================>               ] 7/12 accounts 12:34, 2 failed"
        );
    }

    #[test]
    fn bar_narrows_then_gives_way_to_counts_on_small_terminals() {
        let lines: Vec<String> = [60, 45, 30, 20]
            .iter()
            .map(|&width| {
                let line = render_bar(&state("scanning", 5, 10, 1, 3), width);
                assert!(line.chars().count() < width, "{line}");
                line
            })
            .collect();
        insta::assert_snapshot!(lines.join("\n"), @r"
        scanning [=========>         ] 5/10 accounts 0:03, 1 failed
        scanning 5/10 accounts 0:03, 1 failed
        scanning 5/10 accounts 0:03
        scanning 5/10 accou
        ");
    }

    #[test]
    fn an_empty_step_shows_a_full_bar() {
        insta::assert_snapshot!(
            render_bar(&state("reading", 0, 0, 0, 0), 50),
            @"reading [=====================] 0/0 accounts 0:00"
        );
    }

    /// Off a terminal: the plain lines scripts and the tests read, unchanged.
    #[test]
    fn plain_lines_off_a_terminal() {
        let reporter = Reporter::with_width(2, Step::Read, None);
        let mut state = reporter.state.lock().unwrap();
        let phase = awsfed_plan::Phase::HubRoles;
        let lines = [
            state.on(Event::AccountRead {
                account_id: "111111111111".to_owned(),
            }),
            state.on(Event::AccountFailed {
                account_id: "222222222222".to_owned(),
                error: "AccessDenied".to_owned(),
            }),
            state.on(Event::PhaseStarted { phase, accounts: 1 }),
            state.on(Event::ChangeApplied {
                account_id: "111111111111".to_owned(),
                summary: "create role hub-a".to_owned(),
            }),
            state.on(Event::AccountApplied {
                account_id: "111111111111".to_owned(),
            }),
            state.end_bar(),
        ];
        insta::assert_snapshot!(lines.concat(), @r"
        read account 111111111111 (1/2)
        account 222222222222 failed: AccessDenied
        applying hub roles in 1 accounts
          111111111111: create role hub-a
        ");
    }

    /// On a terminal: one bar per step, errors on their own lines, and a newline at the end.
    #[test]
    fn bar_lines_on_a_terminal() {
        let reporter = Reporter::with_width(2, Step::Apply, Some(60));
        let mut state = reporter.state.lock().unwrap();
        let mut output = String::new();
        output.push_str(&state.on(Event::PhaseStarted {
            phase: awsfed_plan::Phase::HubRoles,
            accounts: 2,
        }));
        output.push_str(&state.on(Event::ChangeApplied {
            account_id: "111111111111".to_owned(),
            summary: "create role hub-a".to_owned(),
        }));
        output.push_str(&state.on(Event::AccountFailed {
            account_id: "222222222222".to_owned(),
            error: "LimitExceeded".to_owned(),
        }));
        output.push_str(&state.on(Event::AccountApplied {
            account_id: "111111111111".to_owned(),
        }));
        output.push_str(&state.end_bar());
        // Nothing after the last newline: the next output starts on its own line.
        assert!(output.ends_with('\n'), "{output:?}");
        assert!(state.end_bar().is_empty());
        let shown = output.replace("\x1b[K", "");
        // The last line of each `\r`-separated redraw is what stays on screen.
        let screen: Vec<&str> = shown
            .split('\n')
            .map(|line| line.rsplit('\r').next().unwrap_or(line))
            .collect();
        insta::assert_snapshot!(screen.join("\n"), @r"
        account 222222222222 failed: LimitExceeded
        applying hub roles [==========] 2/2 accounts 0:00, 1 failed
        ");
    }

    /// A stack set operation waited on: a plain line per poll off a terminal; on one, the bar
    /// counts stack sets and stacks, the poll after the counts, and ends with the counts alone.
    #[test]
    fn polled_operations_as_plain_lines_and_on_the_bar() {
        let polled = |status: &str, poll| Event::OperationPolled {
            stack_set: "awsfed-spoke-Admin-1a2b3c4d".to_owned(),
            operation: "CreateStackInstances",
            status: status.to_owned(),
            poll,
        };
        let plain = Reporter::with_width(3, Step::ApplyStackSets, None);
        let mut state = plain.state.lock().unwrap();
        let lines = [
            state.on(polled("RUNNING", 1)),
            state.on(polled("SUCCEEDED", 2)),
            state.on(Event::ChangeApplied {
                account_id: "awsfed-spoke-Admin-1a2b3c4d".to_owned(),
                summary: "created (+40 -0 stack instances)".to_owned(),
            }),
            state.on(Event::AccountApplied {
                account_id: "awsfed-spoke-Admin-1a2b3c4d".to_owned(),
            }),
            state.end_bar(),
        ];
        insta::assert_snapshot!(lines.concat(), @r"
          awsfed-spoke-Admin-1a2b3c4d: CreateStackInstances RUNNING (poll 1)
          awsfed-spoke-Admin-1a2b3c4d: CreateStackInstances SUCCEEDED (poll 2)
          awsfed-spoke-Admin-1a2b3c4d: created (+40 -0 stack instances)
        ");
        drop(state);
        let screens: Vec<String> = [140, 80]
            .into_iter()
            .map(|width| {
                let terminal = Reporter::with_width(2, Step::ApplyStackSets, Some(width));
                let mut state = terminal.state.lock().unwrap();
                let mut frames = vec![state.on(polled("RUNNING", 1))];
                for account_id in ["awsfed-spoke-Admin-1a2b3c4d", "awsfed-account-identity"] {
                    frames.push(state.on(Event::AccountApplied {
                        account_id: account_id.to_owned(),
                    }));
                }
                frames.push(state.end_bar());
                frames
                    .iter()
                    .filter(|frame| !frame.is_empty())
                    .map(|frame| {
                        let line = frame.trim_start_matches('\r').replace("\x1b[K", "");
                        assert!(line.trim_end().chars().count() < width, "{line}");
                        line.trim_end().to_owned()
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        insta::assert_snapshot!(screens.join("\n\n"), @r"
        applying [>                             ] 0/2 stack sets and stacks 0:00  RUNNING awsfed-spoke-Admin-1a2b3c4d: CreateStackInstances, poll 1
        applying [========================================] 2/2 stack sets and stacks 0:00
        applying [========================================] 2/2 stack sets and stacks 0:00

        applying [>         ] 0/2 stack sets and stacks 0:00  RUNNING awsfed-spoke-Adm…
        applying [=====================================] 2/2 stack sets and stacks 0:00
        applying [=====================================] 2/2 stack sets and stacks 0:00
        ");
    }
}
