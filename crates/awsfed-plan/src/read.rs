//! Reading a plan file back (`awsfed apply PLAN`). A plan is untrusted input — it may have been
//! edited or come from anywhere — so its text gets the same size and nesting checks as a snapshot
//! before it is parsed, and every error names the file, line and column.

use awsfed_snapshot::{SnapshotError, parse_json_within};

use crate::{PLAN_FORMAT, Plan};

/// A plan for 5,000 accounts with full policies is about 100 MB.
pub const MAX_PLAN_BYTES: usize = 256 * 1024 * 1024;

impl Plan {
    /// Parses a plan file's text; `file` names it in errors.
    pub fn from_json(file: &str, text: &str) -> Result<Plan, SnapshotError> {
        let plan: Plan = parse_json_within(file, text, MAX_PLAN_BYTES)?;
        if plan.format != PLAN_FORMAT {
            return Err(SnapshotError {
                file: file.to_owned(),
                line: 0,
                column: 0,
                message: format!(
                    "plan format {} is not supported (this awsfed writes {PLAN_FORMAT})",
                    plan.format
                ),
            });
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_place_and_deep_nesting_is_refused() {
        let error = Plan::from_json("plan.json", "{\n  \"format\": \"x\"\n}").unwrap_err();
        assert_eq!((error.line, error.column), (2, 15), "{error}");
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let error = Plan::from_json("plan.json", &deep).unwrap_err();
        assert!(error.message.contains("nest"), "{error}");
    }

    #[test]
    fn another_format_is_refused() {
        let text = r#"{"format": 99, "role_path": "/awsfed/", "provider_name": "corp", "accounts": [], "fingerprints": {}}"#;
        let error = Plan::from_json("plan.json", text).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "plan.json: plan format 99 is not supported (this awsfed writes {PLAN_FORMAT})"
            )
        );
    }
}
