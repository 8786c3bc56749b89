//! The StackSets engine's plan file: written by `awsfed plan --engine stacksets --out FILE`,
//! applied by `awsfed apply FILE`. The file is untrusted: apply plans again from the model and
//! CloudFormation and applies that fresh plan, only when it is the file's plan and nothing the
//! file was drawn against (the model's stack sets, the stack sets, instances and stacks read) has
//! changed since.

use std::path::Path;

use awsfed_plan::Plan;
use awsfed_plan::stacksets::{
    STACKSETS_ENGINE, StackSetPlanFile, plan_file_engine, stackset_plan_difference,
};

use crate::commands::deploy_stacksets::Planned;
use crate::commands::deploy_stacksets_args::EngineKind;
use crate::error::CommandError;

/// A plan file of either engine.
pub enum PlanFile {
    Default(Box<Plan>),
    StackSets(Box<StackSetPlanFile>),
}

const PLAN_AGAIN: &str = "plan again (`awsfed plan --engine stacksets --out FILE`, with the same flags), review it, and apply the new file; `awsfed apply --engine stacksets` without a file plans and applies in one go";

/// Reads a plan file (bounded, every error naming the file, line and column) and tells which
/// engine it is for; an `--engine` given that contradicts the file is refused.
pub fn read(path: &Path, engine: Option<EngineKind>) -> Result<PlanFile, CommandError> {
    let text = crate::read::read_text(path, awsfed_plan::MAX_PLAN_BYTES as u64)?;
    let name = path.display().to_string();
    let bad = |e: awsfed_snapshot::SnapshotError| {
        CommandError::bad_input(e.to_string()).hint("write a plan with `awsfed plan --out FILE` (and `--engine stacksets` for the StackSets engine)")
    };
    let recorded = plan_file_engine(&name, &text).map_err(bad)?;
    match (recorded.as_deref(), engine) {
        (None, Some(EngineKind::Stacksets)) => Err(CommandError::bad_input(format!(
            "`{name}` is a plan of the default engine (`awsfed plan --out`), and --engine stacksets was given; nothing was changed"
        ))
        .hint("apply it with `awsfed apply FILE` (without --engine stacksets), or make a StackSets plan with `awsfed plan --engine stacksets --out FILE`")),
        (None, _) => Ok(PlanFile::Default(Box::new(
            Plan::from_json(&name, &text).map_err(bad)?,
        ))),
        (Some(STACKSETS_ENGINE), Some(EngineKind::Awsfed)) => Err(CommandError::bad_input(format!(
            "`{name}` is a plan of the StackSets engine (`awsfed plan --engine stacksets --out`), and --engine awsfed was given; nothing was changed"
        ))
        .hint("apply it with `awsfed apply FILE` (the file names its engine), or make a default-engine plan with `awsfed plan --out FILE`")),
        (Some(_), _) => Ok(PlanFile::StackSets(Box::new(
            StackSetPlanFile::from_json(&name, &text).map_err(bad)?,
        ))),
    }
}

/// Writes the plan atomically, with the fingerprint of what it was drawn against.
pub fn write(out: &Path, planned: &Planned) -> Result<(), CommandError> {
    let file = StackSetPlanFile::new(planned.plan.clone(), planned.fingerprint.clone());
    crate::commands::plan::write_plan(out, &file)
}

/// Refuses a plan file that is not the plan made now: drawn against a model or a CloudFormation
/// state that changed since (stale), or asking for anything else (edited).
pub fn approve(path: &Path, file: &StackSetPlanFile, fresh: &Planned) -> Result<(), CommandError> {
    let path = path.display();
    let stale = |what: &str| {
        CommandError::failed(format!(
            "the StackSets plan `{path}` is stale: {what} changed since it was made; nothing was changed"
        ))
        .hint(PLAN_AGAIN)
    };
    if file.fingerprint.model != fresh.fingerprint.model {
        return Err(stale(
            "the stack sets and stacks the model calls for (its grants, accounts or OUs)",
        ));
    }
    if file.fingerprint.state != fresh.fingerprint.state {
        return Err(stale(
            "what CloudFormation or Organizations holds (stack sets, stack instances, plain stacks or OUs)",
        ));
    }
    if let Some(difference) = stackset_plan_difference(&fresh.plan, &file.plan) {
        return Err(CommandError::failed(format!(
            "the StackSets plan `{path}` is not the plan the model calls for now: {difference}; nothing was changed"
        ))
        .hint(format!("a plan file is applied only as `awsfed plan --engine stacksets --out FILE` wrote it: {PLAN_AGAIN}")));
    }
    Ok(())
}
