//! Plain stacks (hub accounts, the management account): CreateStack, UpdateStack, DeleteStack in
//! the account, each waited on by polling DescribeStacks until the stack leaves its
//! `*_IN_PROGRESS` status ("Stack status codes", CloudFormation User Guide).

use aws_sdk_cloudformation::types::Capability;
use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use awsfed_plan::is_our_stack;
use awsfed_plan::stacksets::{StackAction, StackChange};

use super::execute::{Failures, managed_tag};
use super::read::tags;
use super::{Cfn, Engine, call};
use crate::AwsError;

impl Engine {
    pub(super) async fn apply_stack(&self, change: &StackChange) -> Result<String, Failures> {
        let account = &change.account_id;
        let fail = |e: AwsError| vec![(account.clone(), format!("stack {}: {e}", change.name))];
        let cfn = self.in_account(account).await.map_err(fail)?;
        match change.action {
            StackAction::Create => {
                self.count();
                cfn.create_stack()
                    .stack_name(&change.name)
                    .template_body(&change.template)
                    .capabilities(Capability::CapabilityNamedIam)
                    .tags(managed_tag())
                    .send()
                    .await
                    .map_err(|e| fail(call("cloudformation:CreateStack", &e)))?;
            }
            StackAction::Update | StackAction::Targets => {
                self.guard_stack(&cfn, &change.name).await.map_err(fail)?;
                self.count();
                let updated = cfn
                    .update_stack()
                    .stack_name(&change.name)
                    .template_body(&change.template)
                    .capabilities(Capability::CapabilityNamedIam)
                    .tags(managed_tag())
                    .send()
                    .await;
                if let Err(e) = updated {
                    let error = call("cloudformation:UpdateStack", &e);
                    // CloudFormation refuses an update that changes nothing.
                    if !error.to_string().contains("No updates are to be performed") {
                        return Err(fail(error));
                    }
                }
            }
            StackAction::Delete => {
                self.guard_stack(&cfn, &change.name).await.map_err(fail)?;
                self.count();
                cfn.delete_stack()
                    .stack_name(&change.name)
                    .send()
                    .await
                    .map_err(|e| fail(call("cloudformation:DeleteStack", &e)))?;
            }
        }
        let status = self.wait_stack(&cfn, &change.name).await.map_err(fail)?;
        Ok(format!("stack in {account}: {status}"))
    }

    /// Ownership, re-read right before a write that changes or deletes a stack.
    async fn guard_stack(&self, cfn: &Cfn, name: &str) -> Result<(), AwsError> {
        self.count();
        let described = cfn
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| call("cloudformation:DescribeStacks", &e))?;
        let owned = described
            .stacks()
            .first()
            .is_some_and(|s| is_our_stack(name, &tags(s.tags())));
        if owned {
            Ok(())
        } else {
            Err(AwsError::Refused(format!(
                "the stack {name} is not awsfed's (no tag {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE}); nothing was changed in it"
            )))
        }
    }

    /// The stack's final status; a failed or rolled-back stack is an error with its reason.
    async fn wait_stack(&self, cfn: &Cfn, name: &str) -> Result<String, AwsError> {
        loop {
            self.count();
            let described = cfn.describe_stacks().stack_name(name).send().await;
            let described = match described {
                Ok(described) => described,
                // A deleted stack is no longer found by name.
                Err(e)
                    if e.to_string().contains("does not exist")
                        || call("", &e).to_string().contains("does not exist") =>
                {
                    return Ok("DELETE_COMPLETE".to_owned());
                }
                Err(e) => return Err(call("cloudformation:DescribeStacks", &e)),
            };
            let Some(stack) = described.stacks().first() else {
                return Ok("DELETE_COMPLETE".to_owned());
            };
            let status = stack.stack_status().map_or("", |s| s.as_str()).to_owned();
            if status.ends_with("_IN_PROGRESS") {
                tokio::time::sleep(self.poll_interval).await;
                continue;
            }
            if matches!(
                status.as_str(),
                "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE"
            ) {
                return Ok(status);
            }
            return Err(AwsError::Refused(format!(
                "the stack ended {status}: {}",
                stack.stack_status_reason().unwrap_or("no reason given")
            )));
        }
    }
}
