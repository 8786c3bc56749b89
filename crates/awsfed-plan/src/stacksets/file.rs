//! The StackSets engine's plan file: `awsfed plan --engine stacksets --out FILE` writes it,
//! `awsfed apply FILE` reads it back. Like the default engine's plan file it is untrusted input:
//! it is parsed with the same size and nesting limits, and apply never takes from it what to
//! change. Apply plans again from the model and CloudFormation and goes on only when the fresh
//! plan is the file's plan and the [`Fingerprint`] of what it was drawn against is unchanged.
//!
//! The file records its engine (`"engine": "stacksets"`), which the default engine's file does not,
//! so `apply` tells the two apart before contacting AWS.

use serde::{Deserialize, Serialize};

use awsfed_snapshot::{SnapshotError, parse_json_within};

use super::{DesiredStack, DesiredStackSet, StackSetPlan, StackSetState};
use crate::MAX_PLAN_BYTES;
use crate::diff::digest;

/// The StackSets plan file format version.
pub const STACKSET_PLAN_FORMAT: u32 = 1;

/// The `engine` a StackSets plan file records.
pub const STACKSETS_ENGINE: &str = "stacksets";

/// `awsfed plan --engine stacksets --out FILE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackSetPlanFile {
    pub format: u32,
    /// Always [`STACKSETS_ENGINE`].
    pub engine: String,
    pub fingerprint: Fingerprint,
    pub plan: StackSetPlan,
}

/// Digests of what a plan was drawn against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// The stack sets and plain stacks the model calls for: names, templates, parameters and
    /// targets (OU ids resolved from Organizations).
    pub model: String,
    /// What was read live: the stack sets (template bodies, tags, parameters, OU ids, stack
    /// instances), the plain stacks, and the organisation's OU tree.
    pub state: String,
}

impl Fingerprint {
    pub fn of(sets: &[DesiredStackSet], stacks: &[DesiredStack], state: &StackSetState) -> Self {
        let mut sets = sets.to_vec();
        sets.sort_by(|a, b| a.name.cmp(&b.name));
        let mut stacks = stacks.to_vec();
        stacks.sort_by(|a, b| (&a.account_id, &a.name).cmp(&(&b.account_id, &b.name)));
        // CloudFormation lists in no promised order: the digest must not depend on it.
        let mut state = state.clone();
        state.stack_sets.sort_by(|a, b| a.name.cmp(&b.name));
        for set in &mut state.stack_sets {
            set.ou_ids.sort();
            set.instances
                .sort_by(|a, b| (&a.account_id, &a.ou_id).cmp(&(&b.account_id, &b.ou_id)));
        }
        state
            .stacks
            .sort_by(|a, b| (&a.account_id, &a.name).cmp(&(&b.account_id, &b.name)));
        const SERIALISES: &str = "plan inputs always serialise";
        Fingerprint {
            model: digest(&serde_json::to_string(&(&sets, &stacks)).expect(SERIALISES)),
            state: digest(&serde_json::to_string(&state).expect(SERIALISES)),
        }
    }
}

impl StackSetPlanFile {
    pub fn new(plan: StackSetPlan, fingerprint: Fingerprint) -> Self {
        Self {
            format: STACKSET_PLAN_FORMAT,
            engine: STACKSETS_ENGINE.to_owned(),
            fingerprint,
            plan,
        }
    }

    /// Parses a StackSets plan file's text; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Self, SnapshotError> {
        let read: Self = parse_json_within(file, text, MAX_PLAN_BYTES)?;
        let whole = |message: String| SnapshotError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message,
        };
        if read.engine != STACKSETS_ENGINE {
            return Err(whole(format!(
                "the plan is for the engine `{}`, not `{STACKSETS_ENGINE}`",
                read.engine
            )));
        }
        if read.format != STACKSET_PLAN_FORMAT {
            return Err(whole(format!(
                "StackSets plan format {} is not supported (this awsfed writes {STACKSET_PLAN_FORMAT})",
                read.format
            )));
        }
        Ok(read)
    }
}

/// The engine a plan file records: `None` for the default engine's file, which records none.
/// Reads the whole text within the plan limits, so a malformed file is named here, with its line
/// and column, before either engine's reader.
pub fn plan_file_engine(file: &str, text: &str) -> Result<Option<String>, SnapshotError> {
    #[derive(Deserialize)]
    struct Header {
        #[serde(default)]
        engine: Option<String>,
    }
    awsfed_snapshot::check_json_limits(file, text, MAX_PLAN_BYTES)?;
    // serde reads a struct from an array too: only an object is a plan file.
    let start = text.len() - text.trim_start().len();
    if text[start..].chars().next().is_some_and(|c| c != '{') {
        let before = &text[..start];
        return Err(SnapshotError {
            file: file.to_owned(),
            line: before.matches('\n').count() + 1,
            column: before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
            message: "a plan file is a JSON object (it starts with `{`)".to_owned(),
        });
    }
    let header: Header = parse_json_within(file, text, MAX_PLAN_BYTES)?;
    Ok(header.engine)
}
