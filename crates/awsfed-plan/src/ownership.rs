//! What awsfed owns ("ours"): decided here and nowhere else. The plan uses it to choose between a
//! change and a conflict; the executor (`awsfed-aws`) uses it again before every IAM write, on the
//! state it has just read, so a plan that asks for anything else is refused where the change would
//! be made.
//!
//! A role or managed policy is ours when it lives under the model's IAM path (`naming.role_path`,
//! or any path below it, such as the hub roles' `/awsfed/hub/`) **and** carries the tag
//! `awsfed:managed=true`. Neither alone is enough: anyone allowed to create roles can use the path,
//! and anyone allowed to tag can copy the tag. A SAML provider has no path: the one named in the
//! model is the model's (its metadata follows the model), and only a tagged one is ever deleted.

use std::collections::BTreeMap;

use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};

/// Whether an IAM path is the model's path or below it (`role_path` ends with `/`, as the model
/// requires).
pub fn is_under_path(path: &str, role_path: &str) -> bool {
    path.starts_with(role_path)
}

/// Whether the tags carry `awsfed:managed=true`.
pub fn is_managed_tagged(tags: &BTreeMap<String, String>) -> bool {
    tags.get(MANAGED_TAG_KEY).map(String::as_str) == Some(MANAGED_TAG_VALUE)
}

/// The name prefix of every stack set and stack awsfed creates (the StackSets engine).
pub const STACK_PREFIX: &str = "awsfed-";

/// Whether a stack set or stack is awsfed's: its name starts with [`STACK_PREFIX`] **and** it
/// carries `awsfed:managed=true`. Neither alone is enough, as for roles.
pub fn is_our_stack(name: &str, tags: &BTreeMap<String, String>) -> bool {
    name.starts_with(STACK_PREFIX) && is_managed_tagged(tags)
}

/// Whether a role or managed policy with this path and these tags is awsfed's.
pub fn is_ours(path: &str, tags: &BTreeMap<String, String>, role_path: &str) -> bool {
    is_under_path(path, role_path) && is_managed_tagged(tags)
}

/// Whether an ARN names a customer managed policy under awsfed's path
/// (`arn:aws:iam::ID:policy/awsfed/NAME`): one that must be ours to be attached or changed.
pub fn is_awsfed_policy_arn(arn: &str, role_path: &str) -> bool {
    arn.split_once(":policy")
        .is_some_and(|(prefix, rest)| !prefix.ends_with("::aws") && is_under_path(rest, role_path))
}

/// The path of a policy ARN (`/awsfed/` for `arn:aws:iam::ID:policy/awsfed/NAME`).
pub fn policy_arn_path(arn: &str) -> Option<&str> {
    let rest = arn.split_once(":policy")?.1;
    let end = rest.rfind('/')?;
    Some(&rest[..=end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn managed() -> BTreeMap<String, String> {
        BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())])
    }

    #[test]
    fn a_stack_is_ours_with_the_prefix_and_the_tag() {
        assert!(is_our_stack("awsfed-direct-Admin", &managed()));
        assert!(!is_our_stack("awsfed-direct-Admin", &BTreeMap::new()));
        assert!(!is_our_stack("other-direct-Admin", &managed()));
    }

    #[test]
    fn ours_needs_both_the_path_and_the_tag() {
        assert!(is_ours("/awsfed/", &managed(), "/awsfed/"));
        assert!(is_ours("/awsfed/hub/", &managed(), "/awsfed/"));
        assert!(!is_ours("/awsfed/", &BTreeMap::new(), "/awsfed/"));
        assert!(!is_ours("/", &managed(), "/awsfed/"));
        assert!(!is_ours("/awsfedx/", &managed(), "/awsfed/"));
        let wrong = BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), "yes".to_owned())]);
        assert!(!is_ours("/awsfed/", &wrong, "/awsfed/"));
    }

    #[test]
    fn policy_arns_under_the_path() {
        let path = "/awsfed/";
        assert!(is_awsfed_policy_arn(
            "arn:aws:iam::111111111111:policy/awsfed/hub-a-assume",
            path
        ));
        assert!(!is_awsfed_policy_arn(
            "arn:aws:iam::aws:policy/awsfed/Fake",
            path
        ));
        assert!(!is_awsfed_policy_arn(
            "arn:aws:iam::111111111111:policy/Custom",
            path
        ));
        assert_eq!(
            policy_arn_path("arn:aws:iam::111111111111:policy/awsfed/hub/x"),
            Some("/awsfed/hub/")
        );
        assert_eq!(
            policy_arn_path("arn:aws:iam::111111111111:policy/x"),
            Some("/")
        );
    }
}
