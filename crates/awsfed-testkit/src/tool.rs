//! A missing test tool fails the test loudly: a test that returns early when its tool is absent
//! passes without having checked anything.

use std::ffi::OsString;

/// The value of `variable` (a tool's path or endpoint), or `None` when `skip` is set to `1`; panics
/// with `how` (how to provide the tool) when neither is set.
pub fn required_tool(variable: &str, skip: &str, how: &str) -> Option<OsString> {
    if let Some(value) = std::env::var_os(variable).filter(|v| !v.is_empty()) {
        return Some(value);
    }
    if std::env::var(skip).is_ok_and(|v| v == "1") {
        eprintln!("{skip}=1: the test skips what needs {variable}");
        return None;
    }
    panic!("{variable} is not set: {how}, or set {skip}=1 to skip what needs it");
}

#[cfg(test)]
mod tests {
    //! The variables named `AWSFED_TESTKIT_NEVER_SET…` are set by no one, on purpose (the test is
    //! what happens when a tool's variable is missing), so `awsfed_env` does not list them.
    use super::required_tool;

    #[test]
    fn a_set_variable_is_the_tool() {
        assert!(required_tool("PATH", "AWSFED_TESTKIT_NEVER_SET_SKIP", "set PATH").is_some());
    }

    #[test]
    #[should_panic(expected = "AWSFED_TESTKIT_NEVER_SET is not set: install it, or set")]
    fn a_missing_tool_fails_the_test() {
        required_tool(
            "AWSFED_TESTKIT_NEVER_SET",
            "AWSFED_TESTKIT_NEVER_SET_SKIP",
            "install it",
        );
    }
}
