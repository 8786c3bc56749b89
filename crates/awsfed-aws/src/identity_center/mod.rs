//! The Identity Center engine: reading an instance into an [`IdentityCenterSnapshot`] and carrying
//! out the Identity Center part of a plan, through `sso-admin` and `identitystore` from the
//! management or delegated-administrator account ("Delegated administration", IAM Identity Center
//! User Guide). Both services are regional: the clients use the instance's region.
//!
//! Every call goes through [`Calls`], so `plan` and `apply` can say how many calls they made and
//! that a converged plan makes no writes.

mod apply;
mod guard;
mod read;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::Region;

pub use apply::{IdentityCenterReport, adopt_permission_sets, apply_identity_center};
pub use guard::IdentityCenterGuard;
pub use read::{InstanceChoice, read_identity_center};

use crate::Connection;
use crate::reach::retry_config;

/// The clients of one instance, and the count of the calls made through them.
#[derive(Debug, Clone)]
pub struct IdentityCenterClients {
    pub sso: aws_sdk_ssoadmin::Client,
    pub store: aws_sdk_identitystore::Client,
    pub region: String,
    /// Calls in flight at once.
    pub concurrency: usize,
    pub calls: Arc<Calls>,
}

impl IdentityCenterClients {
    /// Clients acting with the caller's own credentials in `region`, with adaptive retry.
    pub fn new(
        connection: &Connection,
        region: &str,
        max_attempts: u32,
        concurrency: usize,
    ) -> Self {
        let sso = aws_sdk_ssoadmin::config::Builder::from(&connection.config)
            .region(Region::new(region.to_owned()))
            .retry_config(retry_config(max_attempts))
            .retry_partition(aws_sdk_ssoadmin::config::retry::RetryPartition::new(
                "awsfed-sso-admin",
            ))
            .build();
        let store = aws_sdk_identitystore::config::Builder::from(&connection.config)
            .region(Region::new(region.to_owned()))
            .retry_config(retry_config(max_attempts))
            .retry_partition(aws_sdk_identitystore::config::retry::RetryPartition::new(
                "awsfed-identitystore",
            ))
            .build();
        Self {
            sso: aws_sdk_ssoadmin::Client::from_conf(sso),
            store: aws_sdk_identitystore::Client::from_conf(store),
            region: region.to_owned(),
            concurrency: concurrency.max(1),
            calls: Arc::new(Calls::default()),
        }
    }
}

/// The API calls made, by operation (`sso:ListPermissionSets`), each counted once whatever the
/// SDK's retries.
#[derive(Debug, Default)]
pub struct Calls(Mutex<BTreeMap<String, usize>>);

impl Calls {
    pub fn note(&self, operation: &str) {
        let mut calls = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *calls.entry(operation.to_owned()).or_default() += 1;
    }

    pub fn by_operation(&self) -> BTreeMap<String, usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn total(&self) -> usize {
        self.by_operation().values().sum()
    }

    /// Calls that change something: every operation but `List*`, `Describe*` and `Get*`.
    pub fn writes(&self) -> usize {
        self.by_operation()
            .iter()
            .filter(|(op, _)| !is_read(op))
            .map(|(_, n)| n)
            .sum()
    }
}

fn is_read(operation: &str) -> bool {
    let name = operation.split_once(':').map_or(operation, |(_, n)| n);
    ["List", "Describe", "Get"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_list_describe_and_get_are_reads() {
        let calls = Calls::default();
        for op in [
            "sso:ListPermissionSets",
            "sso:DescribePermissionSet",
            "identitystore:GetGroupId",
            "sso:CreateAccountAssignment",
            "sso:TagResource",
        ] {
            calls.note(op);
        }
        calls.note("sso:ListPermissionSets");
        assert_eq!((calls.total(), calls.writes()), (6, 2));
    }
}
