//! The StackSets engine: service-managed stack sets (one per role class) and plain stacks (hub
//! accounts, the management account), read and written through CloudFormation.
//!
//! Service-managed stack sets are created and operated on from the management account or a
//! delegated administrator, in one region ("Create a stack set with service-managed permissions",
//! CloudFormation User Guide); IAM is global, so awsfed deploys every stack instance in that one
//! region. Plain stacks are created in their account through the bootstrap role, like the default
//! engine reaches accounts.
//!
//! Every stack set operation is asynchronous: awsfed waits for each by polling
//! DescribeStackSetOperation ("DescribeStackSetOperation", AWS CloudFormation API Reference), and
//! reads the per-account outcome from ListStackInstances' status reasons. Ownership is checked
//! again right before every write that changes or deletes ([`Engine::guard_stack_set`],
//! [`Engine::guard_stack`]): a stack set or stack is touched only when it is awsfed's by name prefix
//! **and** tag, whatever the plan says.

mod execute;
mod read;
mod stack;
mod switch;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::Region;

use crate::reach::{Caller, ReachOptions, assume, retry_config};
use crate::{AwsError, Connection};

pub use execute::EngineReport;
pub use switch::roles_by_default_engine;

type Cfn = aws_sdk_cloudformation::Client;

/// What the engine needs to reach CloudFormation.
#[derive(Debug)]
pub struct Engine {
    connection: Connection,
    caller: Caller,
    reach: ReachOptions,
    region: String,
    /// CloudFormation calls made, for `--output json` and the benchmark.
    calls: AtomicUsize,
    /// Between two DescribeStackSetOperation (or DescribeStacks) calls of one wait.
    pub poll_interval: Duration,
}

impl Engine {
    pub fn new(
        connection: Connection,
        caller: Caller,
        reach: ReachOptions,
        region: String,
    ) -> Arc<Self> {
        Arc::new(Self {
            connection,
            caller,
            reach,
            region,
            calls: AtomicUsize::new(0),
            poll_interval: Duration::from_secs(5),
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// CloudFormation calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    fn config(&self) -> aws_sdk_cloudformation::config::Builder {
        aws_sdk_cloudformation::config::Builder::from(&self.connection.config)
            .region(Region::new(self.region.clone()))
            .retry_config(retry_config(self.reach.max_attempts))
    }

    /// The client of the caller's account (where stack sets live).
    fn admin(&self) -> Cfn {
        Cfn::from_conf(self.config().build())
    }

    /// The client of an account, through the bootstrap role unless it is the caller's.
    async fn in_account(&self, account_id: &str) -> Result<Cfn, AwsError> {
        let mut builder = self.config();
        if account_id != self.caller.account_id {
            builder = builder
                .credentials_provider(assume(&self.connection, account_id, &self.reach).await?);
        }
        Ok(Cfn::from_conf(builder.build()))
    }
}

fn call<E, R>(operation: &str, error: &aws_sdk_cloudformation::error::SdkError<E, R>) -> AwsError
where
    E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    AwsError::call(operation, error)
}
