//! Reading what CloudFormation holds: awsfed's stack sets with their instances, and the plain
//! stacks in the accounts that have one.

use std::collections::BTreeMap;
use std::sync::Arc;

use awsfed_plan::STACK_PREFIX;
use awsfed_plan::stacksets::{ActualInstance, ActualStack, ActualStackSet};

use super::{Engine, call};
use crate::AwsError;
use crate::bounded::bounded;

/// Stack sets (and accounts' stacks) read at once. CloudFormation throttles its List and Describe
/// calls per account and region ("Quotas", AWS CloudFormation User Guide), and the SDK retries a
/// throttled call, so a few at once is faster without inviting a storm of retries.
const READ_CONCURRENCY: usize = 8;

impl Engine {
    /// Every active stack set whose name has awsfed's prefix (owned or not: the plan decides), with
    /// its template, tags, OU targets and stack instances.
    /// Stack sets are read [`READ_CONCURRENCY`] at a time (each one's instance pages in order).
    pub async fn read_stack_sets(self: &Arc<Self>) -> Result<Vec<ActualStackSet>, AwsError> {
        let mut names = self.list_names().await?;
        names.sort();
        let engine = Arc::clone(self);
        bounded(READ_CONCURRENCY, names, move |name| {
            let engine = Arc::clone(&engine);
            async move { engine.read_stack_set(&name).await }
        })
        .await
        .into_iter()
        .collect()
    }

    pub(super) async fn read_stack_set(&self, name: &str) -> Result<ActualStackSet, AwsError> {
        let cfn = self.admin();
        self.count();
        let described = cfn
            .describe_stack_set()
            .stack_set_name(name)
            .send()
            .await
            .map_err(|e| call("cloudformation:DescribeStackSet", &e))?;
        let set = described.stack_set().ok_or_else(|| AwsError::Unreadable {
            operation: "cloudformation:DescribeStackSet".to_owned(),
            what: format!("no stack set {name}"),
        })?;
        let mut ou_ids: Vec<String> = set.organizational_unit_ids().to_vec();
        ou_ids.sort();
        Ok(ActualStackSet {
            name: name.to_owned(),
            tags: tags(set.tags()),
            description: set.description().unwrap_or_default().to_owned(),
            template: set.template_body().unwrap_or_default().to_owned(),
            parameters: set
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap_or_default().to_owned(),
                        p.parameter_value().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            ou_ids,
            instances: self.read_instances(name).await?,
        })
    }

    pub(super) async fn read_instances(&self, name: &str) -> Result<Vec<ActualInstance>, AwsError> {
        let cfn = self.admin();
        let mut instances = Vec::new();
        let mut token = None;
        loop {
            self.count();
            let page = cfn
                .list_stack_instances()
                .stack_set_name(name)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call("cloudformation:ListStackInstances", &e))?;
            for summary in page.summaries() {
                let detailed = summary
                    .stack_instance_status()
                    .and_then(|s| s.detailed_status())
                    .map(|s| s.as_str().to_owned());
                let reason = summary
                    .status_reason()
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned);
                instances.push(ActualInstance {
                    account_id: summary.account().unwrap_or_default().to_owned(),
                    ou_id: summary.organizational_unit_id().map(str::to_owned),
                    status: match detailed.as_deref() {
                        Some("FAILED") => "FAILED".to_owned(),
                        _ => summary.status().map_or("", |s| s.as_str()).to_owned(),
                    },
                    reason,
                });
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        instances.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        Ok(instances)
    }

    /// awsfed-named stacks (owned or not) in each account, with their templates.
    /// Accounts are read [`READ_CONCURRENCY`] at a time.
    pub async fn read_stacks(
        self: &Arc<Self>,
        accounts: &[String],
    ) -> Result<Vec<ActualStack>, AwsError> {
        let engine = Arc::clone(self);
        let read = bounded(READ_CONCURRENCY, accounts.to_vec(), move |account| {
            let engine = Arc::clone(&engine);
            async move { engine.read_account_stacks(&account).await }
        })
        .await;
        let mut stacks = Vec::new();
        for account in read {
            stacks.extend(account?);
        }
        stacks.sort_by(|a, b| (&a.account_id, &a.name).cmp(&(&b.account_id, &b.name)));
        Ok(stacks)
    }

    async fn read_account_stacks(&self, account: &str) -> Result<Vec<ActualStack>, AwsError> {
        let mut stacks = Vec::new();
        let cfn = self.in_account(account).await?;
        let mut token = None;
        loop {
            self.count();
            let page = cfn
                .describe_stacks()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call("cloudformation:DescribeStacks", &e))?;
            for stack in page.stacks() {
                let name = stack.stack_name().unwrap_or_default();
                let status = stack.stack_status().map_or("", |s| s.as_str());
                if !name.starts_with(STACK_PREFIX) || status == "DELETE_COMPLETE" {
                    continue;
                }
                self.count();
                let template = cfn
                    .get_template()
                    .stack_name(name)
                    .send()
                    .await
                    .map_err(|e| call("cloudformation:GetTemplate", &e))?;
                stacks.push(ActualStack {
                    name: name.to_owned(),
                    account_id: account.to_owned(),
                    tags: tags(stack.tags()),
                    template: template.template_body().unwrap_or_default().to_owned(),
                    status: status.to_owned(),
                });
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(stacks)
    }
}

pub(super) fn tags(tags: &[aws_sdk_cloudformation::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
        .collect()
}
