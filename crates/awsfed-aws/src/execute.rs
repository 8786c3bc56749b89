//! Executing one [`Action`] in one account. Every action is idempotent — it treats "already exists"
//! on create and "does not exist" on delete as done — so an apply killed midway converges when run
//! again, and a retried call whose first answer was lost does no harm.
//!
//! Every write is first put to the account's [`Guard`], built from the state read for this apply:
//! the plan says what to do, the guard decides whether awsfed may touch it. A create that finds the
//! resource already there (a lost answer, or someone else's) reads its path and tags before
//! adopting it.
//!
//! IAM is eventually consistent ("Changes that I make are not always immediately visible", IAM User
//! Guide): a trust naming a role created seconds ago in another account can be rejected with
//! `MalformedPolicyDocument: Invalid principal`, and a fresh role or policy can be `NoSuchEntity`
//! for a moment. Those specific errors are retried with backoff; nothing else sleeps.

use std::future::Future;
use std::time::Duration;

use awsfed_plan::Action;

use crate::AwsError;
use crate::error::is_eventual_consistency;
use crate::guard::{Guard, Write};
use crate::iam::{CallError, IamApi, NewPolicy, NewRole};
use crate::policy_versions::update_policy;
use crate::removal::{delete_policy, delete_role};

/// Attempts for eventual-consistency errors (backoff 0.25 s doubling, at most 4 s: ~30 s in all).
const CONSISTENCY_ATTEMPTS: u32 = 10;

pub(crate) async fn consistent<T, F, Fut>(mut call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    let mut delay = Duration::from_millis(250);
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(e)
                if attempt < CONSISTENCY_ATTEMPTS
                    && is_eventual_consistency(e.code(), Some(&e.message)) =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// A call whose error codes in `done` mean the work is already done (`None`).
pub(crate) async fn tolerant<T>(
    done: &[&str],
    call: impl Future<Output = Result<T, CallError>>,
) -> Result<Option<T>, AwsError> {
    match call.await {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.code().is_some_and(|c| done.contains(&c)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Runs one action in the guard's account.
pub async fn execute<C: IamApi>(
    iam: &C,
    guard: &mut Guard,
    action: &Action,
) -> Result<(), AwsError> {
    match action {
        Action::CreateSamlProvider { .. }
        | Action::UpdateSamlProvider { .. }
        | Action::DeleteSamlProvider { .. } => change_saml_provider(iam, guard, action).await?,
        Action::CreateRole {
            name,
            path,
            description,
            max_session_duration,
            trust_policy,
            managed_policy_arns,
            inline_policies,
            permissions_boundary,
            tags,
        } => {
            guard.check(Write::CreateRole { name, path, tags })?;
            guard.check(Write::Trust {
                role: name,
                trust: trust_policy,
            })?;
            for arn in managed_policy_arns {
                guard.attachable(arn)?;
            }
            let trust = trust_policy.to_json();
            let role = NewRole {
                name,
                path,
                description,
                max_session_duration: *max_session_duration,
                trust_policy: &trust,
                permissions_boundary: permissions_boundary.as_deref(),
                tags,
            };
            create_role(iam, guard, &role).await?;
            for (policy_name, document) in inline_policies {
                let document = document.to_json();
                consistent(|| iam.put_role_policy(name, policy_name, &document)).await?;
            }
            for arn in managed_policy_arns {
                consistent(|| iam.attach_role_policy(name, arn)).await?;
            }
        }
        Action::CreatePolicy {
            name,
            path,
            description,
            document,
            tags,
            attach_to,
        } => {
            create_policy(
                iam,
                guard,
                name,
                path,
                description,
                document,
                tags,
                attach_to,
            )
            .await?
        }
        Action::UpdatePolicy {
            arn,
            document,
            tags,
            ..
        } => update_policy(iam, guard, arn, document, tags).await?,
        Action::DeletePolicy { arn } => delete_policy(iam, guard, arn).await?,
        Action::DeleteRole { role } => delete_role(iam, guard, role).await?,
        // The IAM-users hub's actions, else a change to an existing role.
        _ => {
            if !crate::execute_users::execute_user_action(iam, guard, action).await? {
                change_role(iam, guard, action).await?;
            }
        }
    }
    Ok(())
}

/// Creates, updates or deletes the account's SAML provider (the model's, by name).
async fn change_saml_provider<C: IamApi>(
    iam: &C,
    guard: &mut Guard,
    action: &Action,
) -> Result<(), AwsError> {
    match action {
        Action::CreateSamlProvider {
            name,
            metadata_document,
            tags,
        } => {
            let arn = guard.provider_arn();
            guard.check(Write::Provider { arn: &arn })?;
            if arn.rsplit('/').next() != Some(name.as_str()) {
                return Err(AwsError::Refused(format!(
                    "SAML provider {name} is not the model's provider"
                )));
            }
            let created = tolerant(
                &["EntityAlreadyExists"],
                iam.create_saml_provider(name, metadata_document, tags),
            )
            .await?;
            if created.is_none() {
                iam.update_saml_provider(&arn, metadata_document).await?;
            }
        }
        Action::UpdateSamlProvider {
            arn,
            metadata_document,
        } => {
            guard.check(Write::Provider { arn })?;
            iam.update_saml_provider(arn, metadata_document).await?;
        }
        Action::DeleteSamlProvider { arn } => {
            guard.check(Write::DeleteProvider { arn })?;
            tolerant(&["NoSuchEntity"], iam.delete_saml_provider(arn)).await?;
        }
        _ => unreachable!("execute sends only SAML provider actions here"),
    }
    Ok(())
}

/// One change to an existing role: its trust, settings, policies, boundary or tags.
async fn change_role<C: IamApi>(
    iam: &C,
    guard: &mut Guard,
    action: &Action,
) -> Result<(), AwsError> {
    match action {
        Action::UpdateTrust {
            role, trust_policy, ..
        } => {
            guard.check(Write::Role { name: role })?;
            guard.check(Write::Trust {
                role,
                trust: trust_policy,
            })?;
            let trust = trust_policy.to_json();
            consistent(|| iam.update_assume_role_policy(role, &trust)).await?;
        }
        Action::UpdateRole {
            role,
            max_session_duration,
            description,
        } => {
            guard.check(Write::Role { name: role })?;
            consistent(|| iam.update_role(role, *max_session_duration, description)).await?;
        }
        Action::PutInlinePolicy {
            role,
            name,
            document,
            ..
        } => {
            guard.check(Write::Role { name: role })?;
            let document = document.to_json();
            consistent(|| iam.put_role_policy(role, name, &document)).await?;
        }
        Action::DeleteInlinePolicy { role, name } => {
            guard.check(Write::Role { name: role })?;
            tolerant(&["NoSuchEntity"], iam.delete_role_policy(role, name)).await?;
        }
        Action::AttachPolicy { role, policy_arn } => {
            guard.check(Write::Attach { role, policy_arn })?;
            consistent(|| iam.attach_role_policy(role, policy_arn)).await?;
        }
        Action::DetachPolicy { role, policy_arn } => {
            guard.check(Write::Role { name: role })?;
            tolerant(&["NoSuchEntity"], iam.detach_role_policy(role, policy_arn)).await?;
        }
        Action::PutPermissionsBoundary { role, policy_arn } => {
            guard.check(Write::Role { name: role })?;
            consistent(|| iam.put_role_permissions_boundary(role, policy_arn)).await?;
        }
        Action::DeletePermissionsBoundary { role } => {
            guard.check(Write::Role { name: role })?;
            tolerant(
                &["NoSuchEntity"],
                iam.delete_role_permissions_boundary(role),
            )
            .await?;
        }
        Action::TagRole { role, tags } => {
            guard.check(Write::Role { name: role })?;
            consistent(|| iam.tag_role(role, tags)).await?;
        }
        Action::UntagRole { role, keys } => {
            guard.check(Write::Role { name: role })?;
            consistent(|| iam.untag_role(role, keys)).await?;
        }
        Action::CreateSamlProvider { .. }
        | Action::UpdateSamlProvider { .. }
        | Action::DeleteSamlProvider { .. }
        | Action::CreateRole { .. }
        | Action::CreatePolicy { .. }
        | Action::UpdatePolicy { .. }
        | Action::DeletePolicy { .. }
        | Action::DeleteRole { .. } => {
            unreachable!("execute carries out {action:?} itself")
        }
        // The IAM-users hub's actions are carried out by `execute_users`.
        _ => unreachable!("execute sends IAM user and group actions to execute_users"),
    }
    Ok(())
}

/// Creates the role, or adopts one of its name that is awsfed's; its trust is then the model's.
async fn create_role<C: IamApi>(
    iam: &C,
    guard: &mut Guard,
    role: &NewRole<'_>,
) -> Result<(), AwsError> {
    let created = consistent(|| async {
        match iam.create_role(role).await {
            Ok(()) => Ok(true),
            Err(e) if e.code() == Some("EntityAlreadyExists") => Ok(false),
            Err(e) => Err(e),
        }
    })
    .await?;
    // Created now, or there already: then only adopted when it is awsfed's (a lost answer
    // to an earlier attempt), never when someone else created it since the state was read.
    let found = if created {
        crate::iam::Entity {
            path: role.path.to_owned(),
            tags: role.tags.clone(),
        }
    } else {
        iam.get_role(role.name).await?
    };
    guard.created_role(role.name, &found);
    guard.check(Write::Role { name: role.name })?;
    if !created {
        consistent(|| iam.update_assume_role_policy(role.name, role.trust_policy)).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn create_policy<C: IamApi>(
    iam: &C,
    guard: &mut Guard,
    name: &str,
    path: &str,
    description: &str,
    document: &awsfed_policy::PolicyDocument,
    tags: &std::collections::BTreeMap<String, String>,
    attach_to: &str,
) -> Result<(), AwsError> {
    let arn = format!(
        "arn:{}:iam::{}:policy{path}{name}",
        guard.partition(),
        guard.account_id()
    );
    let tags = &crate::policy_versions::with_record(tags, document);
    guard.check(Write::CreatePolicy {
        arn: &arn,
        path,
        tags,
    })?;
    // Checked before creating: a policy that could not be attached is not left behind. The IAM
    // users' policies (no role) are attached by their own changes.
    if !attach_to.is_empty() {
        guard.check(Write::Role { name: attach_to })?;
    }
    let json = document.to_json();
    let created = tolerant(
        &["EntityAlreadyExists"],
        iam.create_policy(&NewPolicy {
            name,
            path,
            description,
            document: &json,
            tags,
        }),
    )
    .await?;
    let found = match created {
        Some(()) => crate::iam::Entity {
            path: path.to_owned(),
            tags: tags.clone(),
        },
        None => iam.get_policy(&arn).await?,
    };
    guard.created_policy(&arn, &found);
    guard.check(Write::Policy { arn: &arn })?;
    if created.is_none() {
        update_policy(iam, guard, &arn, document, tags).await?;
    }
    if attach_to.is_empty() {
        return Ok(());
    }
    guard.check(Write::Attach {
        role: attach_to,
        policy_arn: &arn,
    })?;
    consistent(|| iam.attach_role_policy(attach_to, &arn)).await?;
    Ok(())
}
