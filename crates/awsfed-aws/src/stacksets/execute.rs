//! Carrying out a StackSets plan, in the order trusts need: hub accounts' stacks (hub roles and
//! their provider), the SAML provider's stack set, then the role stack sets (instances that go
//! first, so a role moving between classes is deleted before it is created again), stack sets
//! no longer modelled, the management account's stack, and plain stacks no longer modelled.
//! A phase that fails stops the phases after it: a spoke trust naming a hub role that failed to
//! deploy would fail too.

use std::collections::BTreeMap;

use aws_sdk_cloudformation::types::{
    AccountFilterType, AutoDeployment, Capability, DeploymentTargets, Parameter, PermissionModels,
    StackSetOperationPreferences, StackSetOperationStatus, Tag,
};
use awsfed_model::{Amount, MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use awsfed_plan::is_our_stack;
use awsfed_plan::stacksets::{
    Preferences, StackAction, StackChange, StackSetChange, StackSetPlan, TargetCall,
};

use super::read::tags;
use super::{Engine, call};
use crate::{AwsError, Event, Progress};

/// Stack set operation preferences ("StackSetOperationPreferences", AWS CloudFormation API
/// Reference), the same on every CreateStackInstances, UpdateStackSet and DeleteStackInstances.
fn sdk(preferences: &Preferences) -> StackSetOperationPreferences {
    let mut builder = StackSetOperationPreferences::builder();
    match preferences.max_concurrent {
        Some(Amount::Count(n)) => builder = builder.max_concurrent_count(n),
        Some(Amount::Percentage(n)) => builder = builder.max_concurrent_percentage(n),
        None => {}
    }
    match preferences.failure_tolerance {
        Some(Amount::Count(n)) => builder = builder.failure_tolerance_count(n),
        Some(Amount::Percentage(n)) => builder = builder.failure_tolerance_percentage(n),
        None => {}
    }
    if !preferences.region_order.is_empty() {
        builder = builder.set_region_order(Some(preferences.region_order.clone()));
    }
    builder.build()
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct EngineReport {
    pub changes_applied: usize,
    /// Account id (or stack set name) → what failed.
    pub failed: BTreeMap<String, String>,
}

impl Engine {
    pub async fn apply_plan(
        &self,
        plan: &StackSetPlan,
        preferences: &Preferences,
        progress: Progress,
    ) -> EngineReport {
        let mut report = EngineReport::default();
        let sets = |order: u8| plan.stack_sets.iter().filter(move |c| c.order == order);
        let stacks = |order: u8| plan.stacks.iter().filter(move |c| c.order == order);
        let phases: Vec<Vec<Step>> = vec![
            stacks(1).map(Step::Stack).collect(),
            sets(1).map(Step::Set).collect(),
            sets(2)
                .filter(|c| !c.remove.is_empty())
                .map(Step::Remove)
                .collect(),
            sets(3).map(Step::Set).collect(),
            sets(2).map(Step::Set).collect(),
            stacks(2).map(Step::Stack).collect(),
            stacks(4).map(Step::Stack).collect(),
        ];
        for phase in phases {
            for step in phase {
                let counts = !matches!(step, Step::Remove(_));
                let (name, outcome) = match step {
                    Step::Stack(change) => (change.name.clone(), self.apply_stack(change).await),
                    Step::Set(change) => {
                        let skip_removals = change.order == 2;
                        (
                            change.name.clone(),
                            self.apply_set(change, preferences, skip_removals, &progress)
                                .await,
                        )
                    }
                    Step::Remove(change) => (
                        change.name.clone(),
                        self.remove_targets(&change.name, &change.remove, preferences, &progress)
                            .await,
                    ),
                };
                match outcome {
                    Ok(summary) => {
                        report.changes_applied += usize::from(counts);
                        progress(Event::ChangeApplied {
                            account_id: name.clone(),
                            summary,
                        });
                    }
                    Err(failures) => {
                        for (key, error) in failures {
                            progress(Event::AccountFailed {
                                account_id: key.clone(),
                                error: error.clone(),
                            });
                            report.failed.insert(key, error);
                        }
                    }
                }
                if counts {
                    // The bar counts stack sets and stacks; a removal step is part of its set's.
                    progress(Event::AccountApplied { account_id: name });
                }
            }
            if !report.failed.is_empty() {
                break;
            }
        }
        report
    }

    /// Ownership, re-read right before a write that changes or deletes a stack set.
    async fn guard_stack_set(&self, name: &str) -> Result<(), AwsError> {
        self.count();
        let described = self
            .admin()
            .describe_stack_set()
            .stack_set_name(name)
            .send()
            .await
            .map_err(|e| call("cloudformation:DescribeStackSet", &e))?;
        let owned = described
            .stack_set()
            .is_some_and(|s| is_our_stack(name, &tags(s.tags())));
        if owned {
            Ok(())
        } else {
            Err(AwsError::Refused(format!(
                "the stack set {name} is not awsfed's (no tag {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE}); nothing was changed in it"
            )))
        }
    }

    async fn apply_set(
        &self,
        change: &StackSetChange,
        preferences: &Preferences,
        skip_removals: bool,
        progress: &Progress,
    ) -> Result<String, Failures> {
        let name = &change.name;
        let one = |e: AwsError| vec![(name.clone(), e.to_string())];
        match change.action {
            StackAction::Create => self.create_stack_set(change).await.map_err(one)?,
            StackAction::Delete => {
                self.guard_stack_set(name).await.map_err(one)?;
                self.remove_targets(name, &change.remove, preferences, progress)
                    .await?;
                self.count();
                self.admin()
                    .delete_stack_set()
                    .stack_set_name(name)
                    .send()
                    .await
                    .map_err(|e| one(call("cloudformation:DeleteStackSet", &e)))?;
                return Ok(format!(
                    "deleted ({} stack instances removed)",
                    change.accounts_removed.len()
                ));
            }
            StackAction::Update | StackAction::Targets => {
                self.guard_stack_set(name).await.map_err(one)?;
                if !skip_removals {
                    self.remove_targets(name, &change.remove, preferences, progress)
                        .await?;
                }
                if change.action == StackAction::Update {
                    self.update_template(change, preferences, progress).await?;
                }
            }
        }
        for target in &change.add {
            self.count();
            let started = self
                .admin()
                .create_stack_instances()
                .stack_set_name(name)
                .deployment_targets(deployment_targets(target))
                .regions(&self.region)
                .operation_preferences(sdk(preferences))
                .send()
                .await
                .map_err(|e| one(call("cloudformation:CreateStackInstances", &e)))?;
            self.wait(
                name,
                "CreateStackInstances",
                started.operation_id(),
                progress,
            )
            .await?;
        }
        let verb = match change.action {
            StackAction::Create => "created",
            StackAction::Update => "template updated",
            _ => "targets changed",
        };
        Ok(format!(
            "{verb} (+{} -{} stack instances)",
            change.accounts_added.len(),
            if skip_removals {
                0
            } else {
                change.accounts_removed.len()
            }
        ))
    }

    async fn create_stack_set(&self, change: &StackSetChange) -> Result<(), AwsError> {
        self.count();
        self.admin()
            .create_stack_set()
            .stack_set_name(&change.name)
            .description(&change.description)
            .template_body(&change.template)
            .set_parameters(parameters(change))
            .permission_model(PermissionModels::ServiceManaged)
            .auto_deployment(
                AutoDeployment::builder()
                    .enabled(true)
                    .retain_stacks_on_account_removal(false)
                    .build(),
            )
            .capabilities(Capability::CapabilityNamedIam)
            .tags(managed_tag())
            .send()
            .await
            .map_err(|e| call("cloudformation:CreateStackSet", &e))?;
        Ok(())
    }

    async fn update_template(
        &self,
        change: &StackSetChange,
        preferences: &Preferences,
        progress: &Progress,
    ) -> Result<(), Failures> {
        let name = &change.name;
        self.count();
        let started = self
            .admin()
            .update_stack_set()
            .stack_set_name(name)
            .description(&change.description)
            .template_body(&change.template)
            .set_parameters(parameters(change))
            .capabilities(Capability::CapabilityNamedIam)
            .tags(managed_tag())
            .operation_preferences(sdk(preferences))
            .send()
            .await
            .map_err(|e| {
                vec![(
                    name.clone(),
                    call("cloudformation:UpdateStackSet", &e).to_string(),
                )]
            })?;
        self.wait(name, "UpdateStackSet", started.operation_id(), progress)
            .await
    }

    async fn remove_targets(
        &self,
        name: &str,
        targets: &[TargetCall],
        preferences: &Preferences,
        progress: &Progress,
    ) -> Result<String, Failures> {
        let one = |e: AwsError| vec![(name.to_owned(), e.to_string())];
        if !targets.is_empty() {
            self.guard_stack_set(name).await.map_err(one)?;
        }
        for target in targets {
            self.count();
            let started = self
                .admin()
                .delete_stack_instances()
                .stack_set_name(name)
                .deployment_targets(deployment_targets(target))
                .regions(&self.region)
                .retain_stacks(false)
                .operation_preferences(sdk(preferences))
                .send()
                .await
                .map_err(|e| one(call("cloudformation:DeleteStackInstances", &e)))?;
            self.wait(
                name,
                "DeleteStackInstances",
                started.operation_id(),
                progress,
            )
            .await?;
        }
        Ok(format!("{} target(s) removed", targets.len()))
    }

    /// Polls the operation until it ends, reporting each poll's status; a failed or stopped
    /// operation reports the accounts whose instances failed, with CloudFormation's reasons.
    async fn wait(
        &self,
        name: &str,
        what: &'static str,
        operation_id: Option<&str>,
        progress: &Progress,
    ) -> Result<(), Failures> {
        let Some(operation_id) = operation_id else {
            return Ok(());
        };
        let mut poll = 0;
        loop {
            poll += 1;
            self.count();
            let described = self
                .admin()
                .describe_stack_set_operation()
                .stack_set_name(name)
                .operation_id(operation_id)
                .send()
                .await
                .map_err(|e| {
                    vec![(
                        name.to_owned(),
                        call("cloudformation:DescribeStackSetOperation", &e).to_string(),
                    )]
                })?;
            let operation = described.stack_set_operation();
            let status = operation.and_then(|o| o.status()).cloned();
            progress(Event::OperationPolled {
                stack_set: name.to_owned(),
                operation: what,
                status: status.as_ref().map_or("UNKNOWN", |s| s.as_str()).to_owned(),
                poll,
            });
            match status {
                Some(StackSetOperationStatus::Succeeded) => {
                    return self.instance_failures(name, None).await;
                }
                Some(StackSetOperationStatus::Failed | StackSetOperationStatus::Stopped) => {
                    let why = operation
                        .and_then(|o| o.status_reason())
                        .unwrap_or("the operation failed")
                        .to_owned();
                    return self.instance_failures(name, Some(why)).await;
                }
                _ => tokio::time::sleep(self.poll_interval).await,
            }
        }
    }

    /// Accounts whose instance of `name` failed, with their status reasons. With failure tolerance
    /// an operation can succeed while some accounts failed.
    async fn instance_failures(
        &self,
        name: &str,
        operation_failed: Option<String>,
    ) -> Result<(), Failures> {
        let instances = self
            .read_instances(name)
            .await
            .map_err(|e| vec![(name.to_owned(), e.to_string())])?;
        let mut failures: Failures = instances
            .into_iter()
            .filter(|i| i.status == "FAILED" || i.status == "INOPERABLE")
            .map(|i| {
                let reason = i.reason.unwrap_or_else(|| i.status.clone());
                (i.account_id, format!("stack set {name}: {reason}"))
            })
            .collect();
        if let (true, Some(why)) = (failures.is_empty(), operation_failed) {
            failures.push((name.to_owned(), why));
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        }
    }
}

enum Step<'p> {
    Stack(&'p StackChange),
    Set(&'p StackSetChange),
    Remove(&'p StackSetChange),
}

/// (account id or stack set name, what failed).
pub(super) type Failures = Vec<(String, String)>;

fn deployment_targets(target: &TargetCall) -> DeploymentTargets {
    let builder = DeploymentTargets::builder().organizational_unit_ids(&target.ou_id);
    match &target.accounts {
        None => builder.build(),
        Some(accounts) => builder
            .set_accounts(Some(accounts.clone()))
            .account_filter_type(AccountFilterType::Intersection)
            .build(),
    }
}

fn parameters(change: &StackSetChange) -> Option<Vec<Parameter>> {
    (!change.parameters.is_empty()).then(|| {
        change
            .parameters
            .iter()
            .map(|(k, v)| {
                Parameter::builder()
                    .parameter_key(k)
                    .parameter_value(v)
                    .build()
            })
            .collect()
    })
}

pub(super) fn managed_tag() -> Tag {
    Tag::builder()
        .key(MANAGED_TAG_KEY)
        .value(MANAGED_TAG_VALUE)
        .build()
}
