//! Switching an estate between engines: the two must never deploy the same roles. CloudFormation
//! cannot create a role whose name exists in the account ("already exists", and the stack rolls
//! back), and the default engine would rewrite roles a stack set owns, which the stack set then
//! reports as drift and overwrites on its next update.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_plan::{DIGEST_TAG_KEY, STACK_PREFIX, is_our_stack};

use super::read::tags;
use super::{Engine, call};
use crate::{AwsError, Fleet};

impl Engine {
    /// The names of awsfed's stack sets (prefix and tag), or `None` when CloudFormation cannot be
    /// read with these credentials (then there is nothing the default engine could learn).
    pub async fn owned_stack_set_names(&self) -> Option<Vec<String>> {
        let sets = self.list_names().await.ok()?;
        let mut owned = Vec::new();
        for name in sets {
            self.count();
            let described = self
                .admin()
                .describe_stack_set()
                .stack_set_name(&name)
                .send()
                .await
                .ok()?;
            if described
                .stack_set()
                .is_some_and(|s| is_our_stack(&name, &tags(s.tags())))
            {
                owned.push(name);
            }
        }
        Some(owned)
    }

    /// The names of every active stack set with awsfed's prefix (owned or not: callers decide).
    pub(super) async fn list_names(&self) -> Result<Vec<String>, AwsError> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            self.count();
            let page = self
                .admin()
                .list_stack_sets()
                .status(aws_sdk_cloudformation::types::StackSetStatus::Active)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call("cloudformation:ListStackSets", &e))?;
            names.extend(
                page.summaries()
                    .iter()
                    .filter(|s| {
                        s.status() == Some(&aws_sdk_cloudformation::types::StackSetStatus::Active)
                    })
                    .filter_map(|s| s.stack_set_name())
                    .filter(|n| n.starts_with(STACK_PREFIX))
                    .map(str::to_owned),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(names);
            }
        }
    }
}

/// For each account, the roles of `wanted` it already holds under `role_path` that the default
/// engine made (they carry its digest tag, which CloudFormation-made roles do not): one
/// `iam:ListRoles` per account, and `iam:ListRoleTags` per same-named role.
pub async fn roles_by_default_engine(
    fleet: &Fleet,
    wanted: &BTreeMap<String, BTreeSet<String>>,
    role_path: &str,
) -> Result<BTreeMap<String, Vec<String>>, AwsError> {
    let mut found = BTreeMap::new();
    for (account, names) in wanted {
        let iam = fleet.iam(account).await?;
        let mut marker = None;
        let mut held = Vec::new();
        loop {
            let page = iam
                .list_roles()
                .path_prefix(role_path)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::call("iam:ListRoles", &e))?;
            held.extend(
                page.roles()
                    .iter()
                    .map(|r| r.role_name().to_owned())
                    .filter(|n| names.contains(n)),
            );
            marker = page.marker().map(str::to_owned);
            if !page.is_truncated() || marker.is_none() {
                break;
            }
        }
        let mut ours = Vec::new();
        for name in held {
            let tags = iam
                .list_role_tags()
                .role_name(&name)
                .send()
                .await
                .map_err(|e| AwsError::call("iam:ListRoleTags", &e))?;
            if tags.tags().iter().any(|t| t.key() == DIGEST_TAG_KEY) {
                ours.push(name);
            }
        }
        if !ours.is_empty() {
            found.insert(account.clone(), ours);
        }
    }
    Ok(found)
}
