//! Carrying out the Identity Center part of a plan, step by step ([`IdentityCenterStep`]): every
//! change of a step finishes before the next step starts; within a step, changes to different
//! permission sets run concurrently (bounded), those to one set in the plan's order.
//!
//! Provisioning and assignments are asynchronous in Identity Center: `ProvisionPermissionSet`,
//! `CreateAccountAssignment` and `DeleteAccountAssignment` answer with a request status, which is
//! polled with backoff (`DescribePermissionSetProvisioningStatus`,
//! `DescribeAccountAssignmentCreationStatus`, `…DeletionStatus`) until it succeeds or fails.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ssoadmin::types::{
    AccountAssignmentOperationStatus, CustomerManagedPolicyReference,
    PermissionSetProvisioningStatus, PermissionsBoundary as SdkBoundary,
    PrincipalType as SdkPrincipal, ProvisionTargetType, StatusValues, Tag, TargetType,
};
use awsfed_compile::{PermissionsBoundary, PolicyReference};
use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use awsfed_plan::identity_center::identity_center_fingerprint;
use awsfed_plan::{
    DIGEST_TAG_KEY, IdentityCenterAction as A, IdentityCenterChange, IdentityCenterPlan,
    IdentityCenterStep,
};
use awsfed_snapshot::PrincipalType;

use super::IdentityCenterClients;
use super::guard::{Allowed, IdentityCenterGuard};
use super::read::{InstanceChoice, read_identity_center};
use crate::AwsError;
use crate::bounded::bounded;

#[derive(Debug, Default)]
pub struct IdentityCenterReport {
    pub changes_applied: usize,
    /// The change's summary → what failed.
    pub failed: BTreeMap<String, String>,
}

type Shared = Arc<Mutex<IdentityCenterGuard>>;

/// Applies the plan after reading the instance again: a plan made from another state is refused.
pub async fn apply_identity_center(
    clients: &IdentityCenterClients,
    plan: &IdentityCenterPlan,
) -> Result<IdentityCenterReport, AwsError> {
    let choice = InstanceChoice {
        instance_arn: Some(plan.instance_arn.clone()),
        identity_store_id: Some(plan.identity_store_id.clone()),
    };
    let accounts: BTreeSet<String> = plan.accounts.iter().cloned().collect();
    let groups: BTreeSet<String> = plan.groups.iter().cloned().collect();
    let actual = read_identity_center(clients, &choice, &accounts, &groups).await?;
    if identity_center_fingerprint(&actual) != plan.fingerprint {
        return Err(AwsError::Refused(format!(
            "Identity Center instance {} changed since the plan was made; run `awsfed plan` again",
            plan.instance_arn
        )));
    }
    let guard: Shared = Arc::new(Mutex::new(IdentityCenterGuard::new(&actual)));
    let mut report = IdentityCenterReport::default();
    for step in [
        IdentityCenterStep::Groups,
        IdentityCenterStep::PermissionSets,
        IdentityCenterStep::Provisioning,
        IdentityCenterStep::Assignments,
        IdentityCenterStep::Removals,
    ] {
        let changes: Vec<&IdentityCenterChange> =
            plan.changes.iter().filter(|c| c.step == step).collect();
        // Removals: assignments before the sets they use (DeletePermissionSet refuses an assigned set).
        let waves: Vec<Vec<&IdentityCenterChange>> = if step == IdentityCenterStep::Removals {
            let (sets, rest): (Vec<_>, Vec<_>) = changes
                .into_iter()
                .partition(|c| matches!(c.action, A::DeletePermissionSet { .. }));
            vec![rest, sets]
        } else {
            vec![changes]
        };
        for wave in waves {
            run_wave(clients, plan, &guard, wave, &mut report).await;
        }
        if !report.failed.is_empty() {
            break;
        }
    }
    Ok(report)
}

/// Runs changes concurrently by permission set, each set's changes in order.
async fn run_wave(
    clients: &IdentityCenterClients,
    plan: &IdentityCenterPlan,
    guard: &Shared,
    wave: Vec<&IdentityCenterChange>,
    report: &mut IdentityCenterReport,
) {
    let mut by_key: BTreeMap<String, Vec<A>> = BTreeMap::new();
    for change in wave {
        let key = match &change.action {
            // Assignments and groups are independent of each other.
            A::CreateAssignment { .. } | A::DeleteAssignment { .. } | A::CreateGroup { .. } => {
                change.action.summary()
            }
            other => other.permission_set().unwrap_or_default().to_owned(),
        };
        by_key.entry(key).or_default().push(change.action.clone());
    }
    let context = Context {
        clients: clients.clone(),
        instance: plan.instance_arn.clone(),
        store: plan.identity_store_id.clone(),
        guard: Arc::clone(guard),
    };
    let results = bounded(
        clients.concurrency,
        by_key.into_values().collect(),
        move |actions| {
            let context = context.clone();
            async move {
                let mut done = Vec::new();
                for action in actions {
                    let result = context.run(&action).await;
                    let failed = result.is_err();
                    done.push((action.summary(), result));
                    if failed {
                        break;
                    }
                }
                Ok(done)
            }
        },
    )
    .await;
    for result in results.into_iter().flatten() {
        for (summary, outcome) in result {
            match outcome {
                Ok(()) => report.changes_applied += 1,
                Err(e) => {
                    report.failed.insert(summary, e.to_string());
                }
            }
        }
    }
}

/// Sends one sso-admin request from a [`Context`]: the call is counted, and its error names the
/// operation.
macro_rules! send {
    ($context:expr, $op:literal, $request:expr) => {{
        $context.note($op);
        $request.send().await.map_err(|e| AwsError::call($op, &e))?
    }};
}

#[derive(Clone)]
struct Context {
    clients: IdentityCenterClients,
    instance: String,
    store: String,
    guard: Shared,
}

impl Context {
    fn allowed(&self, action: &A) -> Result<Allowed, AwsError> {
        self.guard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .check(action)
    }

    fn note(&self, operation: &str) {
        self.clients.calls.note(operation);
    }

    async fn run(&self, action: &A) -> Result<(), AwsError> {
        let allowed = self.allowed(action)?;
        let arn = match &allowed {
            Allowed::Set(arn) => arn.clone(),
            Allowed::AlreadyThere => return Ok(()),
            Allowed::Create | Allowed::Free => String::new(),
        };
        match action {
            A::CreateGroup { group } => self.create_group(group).await,
            A::CreatePermissionSet {
                name,
                description,
                session_duration,
                relay_state,
            } => {
                self.create_permission_set(
                    name,
                    description,
                    session_duration,
                    relay_state.as_deref(),
                )
                .await
            }
            A::ProvisionPermissionSet { .. } => self.provision(&arn).await,
            A::CreateAssignment {
                group, account_id, ..
            } => self.create_assignment(&arn, group, account_id).await,
            A::DeleteAssignment {
                principal_id,
                principal_type,
                account_id,
                ..
            } => {
                self.delete_assignment(&arn, principal_id, *principal_type, account_id)
                    .await
            }
            _ => self.change_permission_set(&arn, action).await,
        }
    }

    /// One change to the existing permission set `arn` itself: its settings, its tags, or its
    /// deletion.
    async fn change_permission_set(&self, arn: &str, action: &A) -> Result<(), AwsError> {
        let sso = &self.clients.sso;
        let instance = &self.instance;
        match action {
            A::UpdatePermissionSet {
                description,
                session_duration,
                relay_state,
                ..
            } => {
                send!(
                    self,
                    "sso:UpdatePermissionSet",
                    sso.update_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .set_description(description.clone())
                        .session_duration(session_duration)
                        .set_relay_state(relay_state.clone())
                );
            }
            A::TagPermissionSet { digest, .. } => {
                send!(
                    self,
                    "sso:TagResource",
                    sso.tag_resource()
                        .instance_arn(instance)
                        .resource_arn(arn)
                        .tags(tag(MANAGED_TAG_KEY, MANAGED_TAG_VALUE)?)
                        .tags(tag(DIGEST_TAG_KEY, digest)?)
                );
            }
            A::DeletePermissionSet { .. } => {
                send!(
                    self,
                    "sso:DeletePermissionSet",
                    sso.delete_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                );
            }
            A::AttachManagedPolicy { .. }
            | A::DetachManagedPolicy { .. }
            | A::AttachCustomerManagedPolicy { .. }
            | A::DetachCustomerManagedPolicy { .. }
            | A::PutInlinePolicy { .. }
            | A::DeleteInlinePolicy { .. }
            | A::PutPermissionsBoundary { .. }
            | A::DeletePermissionsBoundary { .. } => self.change_set_policies(arn, action).await?,
            A::CreateGroup { .. }
            | A::CreatePermissionSet { .. }
            | A::ProvisionPermissionSet { .. }
            | A::CreateAssignment { .. }
            | A::DeleteAssignment { .. } => {
                unreachable!("run carries out {}", action.summary())
            }
        }
        Ok(())
    }

    /// One change to the policies of the existing permission set `arn`: managed, customer
    /// managed, inline, or its permissions boundary.
    async fn change_set_policies(&self, arn: &str, action: &A) -> Result<(), AwsError> {
        let sso = &self.clients.sso;
        let instance = &self.instance;
        match action {
            A::AttachManagedPolicy { policy_arn, .. } => {
                send!(
                    self,
                    "sso:AttachManagedPolicyToPermissionSet",
                    sso.attach_managed_policy_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .managed_policy_arn(policy_arn)
                );
            }
            A::DetachManagedPolicy { policy_arn, .. } => {
                send!(
                    self,
                    "sso:DetachManagedPolicyFromPermissionSet",
                    sso.detach_managed_policy_from_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .managed_policy_arn(policy_arn)
                );
            }
            A::AttachCustomerManagedPolicy { policy, .. } => {
                send!(
                    self,
                    "sso:AttachCustomerManagedPolicyReferenceToPermissionSet",
                    sso.attach_customer_managed_policy_reference_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .customer_managed_policy_reference(reference(policy)?)
                );
            }
            A::DetachCustomerManagedPolicy { policy, .. } => {
                send!(
                    self,
                    "sso:DetachCustomerManagedPolicyReferenceFromPermissionSet",
                    sso.detach_customer_managed_policy_reference_from_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .customer_managed_policy_reference(reference(policy)?)
                );
            }
            A::PutInlinePolicy { document, .. } => {
                send!(
                    self,
                    "sso:PutInlinePolicyToPermissionSet",
                    sso.put_inline_policy_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .inline_policy(document.to_json())
                );
            }
            A::DeleteInlinePolicy { .. } => {
                send!(
                    self,
                    "sso:DeleteInlinePolicyFromPermissionSet",
                    sso.delete_inline_policy_from_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                );
            }
            A::PutPermissionsBoundary { boundary, .. } => {
                send!(
                    self,
                    "sso:PutPermissionsBoundaryToPermissionSet",
                    sso.put_permissions_boundary_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .permissions_boundary(sdk_boundary(boundary)?)
                );
            }
            A::DeletePermissionsBoundary { .. } => {
                send!(
                    self,
                    "sso:DeletePermissionsBoundaryFromPermissionSet",
                    sso.delete_permissions_boundary_from_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                );
            }
            A::CreateGroup { .. }
            | A::CreatePermissionSet { .. }
            | A::ProvisionPermissionSet { .. }
            | A::CreateAssignment { .. }
            | A::DeleteAssignment { .. }
            | A::UpdatePermissionSet { .. }
            | A::TagPermissionSet { .. }
            | A::DeletePermissionSet { .. } => {
                unreachable!("change_permission_set carries out {}", action.summary())
            }
        }
        Ok(())
    }
}

impl Context {
    /// Creates the set tagged as awsfed's; the guard then knows its ARN for the actions after.
    async fn create_permission_set(
        &self,
        name: &str,
        description: &str,
        session_duration: &str,
        relay_state: Option<&str>,
    ) -> Result<(), AwsError> {
        let op = "sso:CreatePermissionSet";
        self.note(op);
        let created = self
            .clients
            .sso
            .create_permission_set()
            .instance_arn(&self.instance)
            .name(name)
            .description(description)
            .session_duration(session_duration)
            .set_relay_state(relay_state.map(str::to_owned))
            .tags(tag(MANAGED_TAG_KEY, MANAGED_TAG_VALUE)?)
            .send()
            .await
            .map_err(|e| AwsError::call(op, &e))?;
        let arn = created
            .permission_set()
            .and_then(|s| s.permission_set_arn())
            .ok_or_else(|| AwsError::Unreadable {
                operation: op.to_owned(),
                what: "no permission set ARN".to_owned(),
            })?;
        self.guard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .created(name, arn);
        Ok(())
    }

    async fn create_group(&self, group: &str) -> Result<(), AwsError> {
        // An interrupted apply may have created it already.
        let existing = super::read::group_id(&self.clients, &self.store, group).await?;
        let id = match existing {
            Some(id) => id,
            None => {
                let op = "identitystore:CreateGroup";
                self.note(op);
                let created = self
                    .clients
                    .store
                    .create_group()
                    .identity_store_id(&self.store)
                    .display_name(group)
                    .description("created by awsfed (identity_center.groups: create)")
                    .send()
                    .await
                    .map_err(|e| AwsError::call(op, &e))?;
                created.group_id().to_owned()
            }
        };
        self.guard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .created_group(group, &id);
        Ok(())
    }

    /// To every account the set is provisioned to; an edit does nothing in an account until then.
    async fn provision(&self, arn: &str) -> Result<(), AwsError> {
        let op = "sso:ProvisionPermissionSet";
        self.note(op);
        let answer = self
            .clients
            .sso
            .provision_permission_set()
            .instance_arn(&self.instance)
            .permission_set_arn(arn)
            .target_type(ProvisionTargetType::AllProvisionedAccounts)
            .send()
            .await
            .map_err(|e| AwsError::call(op, &e))?;
        let status = answer.permission_set_provisioning_status();
        let request = request_id(status);
        let first = request_status(status);
        poll(op, first, || async {
            let op = "sso:DescribePermissionSetProvisioningStatus";
            self.note(op);
            let answer = self
                .clients
                .sso
                .describe_permission_set_provisioning_status()
                .instance_arn(&self.instance)
                .provision_permission_set_request_id(&request)
                .send()
                .await
                .map_err(|e| AwsError::call(op, &e))?;
            Ok(request_status(answer.permission_set_provisioning_status()))
        })
        .await
    }

    async fn create_assignment(
        &self,
        arn: &str,
        group: &str,
        account: &str,
    ) -> Result<(), AwsError> {
        let id = self
            .guard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .group_id(group)
            .map(str::to_owned);
        let Some(id) = id else {
            return Err(AwsError::Refused(format!(
                "directory group {group} is not in identity store {}",
                self.store
            )));
        };
        let op = "sso:CreateAccountAssignment";
        self.note(op);
        let answer = self
            .clients
            .sso
            .create_account_assignment()
            .instance_arn(&self.instance)
            .target_id(account)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(arn)
            .principal_type(SdkPrincipal::Group)
            .principal_id(&id)
            .send()
            .await
            .map_err(|e| AwsError::call(op, &e))?;
        let status = answer.account_assignment_creation_status();
        let request = request_id(status);
        let first = request_status(status);
        poll(op, first, || async {
            let op = "sso:DescribeAccountAssignmentCreationStatus";
            self.note(op);
            let answer = self
                .clients
                .sso
                .describe_account_assignment_creation_status()
                .instance_arn(&self.instance)
                .account_assignment_creation_request_id(&request)
                .send()
                .await
                .map_err(|e| AwsError::call(op, &e))?;
            Ok(request_status(answer.account_assignment_creation_status()))
        })
        .await
    }

    async fn delete_assignment(
        &self,
        arn: &str,
        principal: &str,
        kind: PrincipalType,
        account: &str,
    ) -> Result<(), AwsError> {
        let op = "sso:DeleteAccountAssignment";
        self.note(op);
        let answer = self
            .clients
            .sso
            .delete_account_assignment()
            .instance_arn(&self.instance)
            .target_id(account)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(arn)
            .principal_type(match kind {
                PrincipalType::Group => SdkPrincipal::Group,
                PrincipalType::User => SdkPrincipal::User,
            })
            .principal_id(principal)
            .send()
            .await
            .map_err(|e| AwsError::call(op, &e))?;
        let status = answer.account_assignment_deletion_status();
        let request = request_id(status);
        let first = request_status(status);
        poll(op, first, || async {
            let op = "sso:DescribeAccountAssignmentDeletionStatus";
            self.note(op);
            let answer = self
                .clients
                .sso
                .describe_account_assignment_deletion_status()
                .instance_arn(&self.instance)
                .account_assignment_deletion_request_id(&request)
                .send()
                .await
                .map_err(|e| AwsError::call(op, &e))?;
            Ok(request_status(answer.account_assignment_deletion_status()))
        })
        .await
    }
}

/// `import identity-center --adopt`: tags existing permission sets (ARN, digest of their content) as
/// awsfed's. The one write on a set awsfed does not own yet, made only at the user's request.
pub async fn adopt_permission_sets(
    clients: &IdentityCenterClients,
    instance: &str,
    sets: &[(String, String)],
) -> Result<(), AwsError> {
    for (arn, digest) in sets {
        let op = "sso:TagResource";
        clients.calls.note(op);
        clients
            .sso
            .tag_resource()
            .instance_arn(instance)
            .resource_arn(arn)
            .tags(tag(MANAGED_TAG_KEY, MANAGED_TAG_VALUE)?)
            .tags(tag(DIGEST_TAG_KEY, digest)?)
            .send()
            .await
            .map_err(|e| AwsError::call(op, &e))?;
    }
    Ok(())
}

type Status = (Option<StatusValues>, Option<String>);

/// The status of an asynchronous Identity Center request, as its answer and its `Describe…Status`
/// call carry it: account assignments (created and deleted) and permission set provisioning.
trait RequestStatus {
    fn request_id(&self) -> Option<&str>;
    fn status(&self) -> Status;
}

/// Both status types have the same three fields.
macro_rules! request_status {
    ($($status:ident),+) => {$(
        impl RequestStatus for $status {
            fn request_id(&self) -> Option<&str> {
                $status::request_id(self)
            }

            fn status(&self) -> Status {
                (
                    $status::status(self).cloned(),
                    self.failure_reason().map(str::to_owned),
                )
            }
        }
    )+};
}

request_status!(
    AccountAssignmentOperationStatus,
    PermissionSetProvisioningStatus
);

fn request_id(status: Option<&impl RequestStatus>) -> String {
    status
        .and_then(RequestStatus::request_id)
        .unwrap_or_default()
        .to_owned()
}

fn request_status(status: Option<&impl RequestStatus>) -> Status {
    status.map_or((None, None), RequestStatus::status)
}

/// The most status calls for one request: with the backoff below, about five minutes.
const MAX_POLLS: u32 = 70;

/// Waits for an asynchronous request: `first` is the status its answer carried; while it is in
/// progress the status call is repeated with exponential backoff (50 ms doubling to 5 s).
async fn poll<F, Fut>(operation: &str, first: Status, mut status: F) -> Result<(), AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Status, AwsError>>,
{
    let mut current = first;
    let mut delay = Duration::from_millis(50);
    for _ in 0..MAX_POLLS {
        match current {
            (Some(StatusValues::Succeeded), _) => return Ok(()),
            (Some(StatusValues::Failed), reason) => {
                return Err(AwsError::Refused(format!(
                    "{operation} failed: {}",
                    reason.unwrap_or_else(|| "Identity Center gave no reason".to_owned())
                )));
            }
            _ => {}
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
        current = status().await?;
    }
    Err(AwsError::Refused(format!(
        "{operation} was still in progress after {MAX_POLLS} status calls; run `awsfed plan` later to see where it stands"
    )))
}

fn tag(key: &str, value: &str) -> Result<Tag, AwsError> {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .map_err(|e| AwsError::Refused(format!("tag {key}: {e}")))
}

fn reference(policy: &PolicyReference) -> Result<CustomerManagedPolicyReference, AwsError> {
    CustomerManagedPolicyReference::builder()
        .name(&policy.name)
        .path(&policy.path)
        .build()
        .map_err(|e| AwsError::Refused(format!("customer managed policy {}: {e}", policy.name)))
}

fn sdk_boundary(boundary: &PermissionsBoundary) -> Result<SdkBoundary, AwsError> {
    Ok(match boundary {
        PermissionsBoundary::ManagedPolicyArn(arn) => {
            SdkBoundary::builder().managed_policy_arn(arn).build()
        }
        PermissionsBoundary::CustomerManagedPolicy(policy) => SdkBoundary::builder()
            .customer_managed_policy_reference(reference(policy)?)
            .build(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn polling_backs_off_until_the_request_ends() {
        let calls = std::cell::Cell::new(0);
        let result = poll("op", (Some(StatusValues::InProgress), None), || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                Ok(if n < 4 {
                    (Some(StatusValues::InProgress), None)
                } else {
                    (Some(StatusValues::Succeeded), None)
                })
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(calls.get(), 4);
        let failed = poll(
            "op",
            (Some(StatusValues::Failed), Some("no".to_owned())),
            || async { unreachable!("a finished request is not polled") },
        )
        .await
        .unwrap_err();
        assert_eq!(failed.to_string(), "op failed: no");
        let stuck = poll("op", (Some(StatusValues::InProgress), None), || async {
            Ok((Some(StatusValues::InProgress), None))
        })
        .await
        .unwrap_err();
        assert!(stuck.to_string().contains("still in progress"), "{stuck}");
    }
}
