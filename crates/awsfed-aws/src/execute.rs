//! Executing one [`Action`] in one account. Every action is idempotent — it checks nothing first but
//! treats "already exists" on create and "does not exist" on delete as done — so an apply killed
//! midway converges when run again, and a retried call whose first answer was lost does no harm.
//!
//! IAM is eventually consistent ("Changes that I make are not always immediately visible", IAM User
//! Guide): a trust naming a role created seconds ago in another account can be rejected with
//! `MalformedPolicyDocument: Invalid principal`, and a fresh role or policy can be `NoSuchEntity`
//! for a moment. Those specific errors are retried with backoff; nothing else sleeps.

use std::future::Future;
use std::time::Duration;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use awsfed_plan::Action;

use crate::AwsError;
use crate::error::is_eventual_consistency;

/// Attempts for eventual-consistency errors (backoff 0.25 s doubling, at most 4 s: ~30 s in all).
const CONSISTENCY_ATTEMPTS: u32 = 10;

async fn consistent<T, E, R, F, Fut>(operation: &str, mut call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let mut delay = Duration::from_millis(250);
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(e)
                if attempt < CONSISTENCY_ATTEMPTS
                    && is_eventual_consistency(e.code(), e.message()) =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
                attempt += 1;
            }
            Err(e) => return Err(AwsError::call(operation, &e)),
        }
    }
}

/// A call whose error codes in `done` mean the work is already done.
async fn tolerant<T, E, R, Fut>(
    operation: &str,
    done: &[&str],
    call: Fut,
) -> Result<Option<T>, AwsError>
where
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match call.await {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.code().is_some_and(|c| done.contains(&c)) => Ok(None),
        Err(e) => Err(AwsError::call(operation, &e)),
    }
}

fn tags(map: &std::collections::BTreeMap<String, String>) -> Result<Vec<Tag>, AwsError> {
    map.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::Refused(format!("invalid tag {k}: {e}")))
        })
        .collect()
}

/// Runs one action; `account_id` and `partition` build ARNs in this account.
pub async fn execute(
    iam: &aws_sdk_iam::Client,
    account_id: &str,
    partition: &str,
    action: &Action,
) -> Result<(), AwsError> {
    match action {
        Action::CreateSamlProvider {
            name,
            metadata_document,
            tags: provider_tags,
        } => {
            let created = tolerant(
                "iam:CreateSAMLProvider",
                &["EntityAlreadyExists"],
                iam.create_saml_provider()
                    .name(name)
                    .saml_metadata_document(metadata_document)
                    .set_tags(Some(tags(provider_tags)?))
                    .send(),
            )
            .await?;
            if created.is_none() {
                let arn = format!("arn:{partition}:iam::{account_id}:saml-provider/{name}");
                iam.update_saml_provider()
                    .saml_provider_arn(arn)
                    .saml_metadata_document(metadata_document)
                    .send()
                    .await
                    .map_err(|e| AwsError::call("iam:UpdateSAMLProvider", &e))?;
            }
        }
        Action::UpdateSamlProvider {
            arn,
            metadata_document,
        } => {
            iam.update_saml_provider()
                .saml_provider_arn(arn)
                .saml_metadata_document(metadata_document)
                .send()
                .await
                .map_err(|e| AwsError::call("iam:UpdateSAMLProvider", &e))?;
        }
        Action::DeleteSamlProvider { arn } => {
            tolerant(
                "iam:DeleteSAMLProvider",
                &["NoSuchEntity"],
                iam.delete_saml_provider().saml_provider_arn(arn).send(),
            )
            .await?;
        }
        Action::CreateRole {
            name,
            path,
            description,
            max_session_duration,
            trust_policy,
            managed_policy_arns,
            inline_policies,
            permissions_boundary,
            tags: role_tags,
        } => {
            let trust = trust_policy.to_json();
            let role_tags = tags(role_tags)?;
            let created = consistent("iam:CreateRole", || {
                let request = iam
                    .create_role()
                    .role_name(name)
                    .path(path)
                    .description(description)
                    .max_session_duration(i32::try_from(*max_session_duration).unwrap_or(3600))
                    .assume_role_policy_document(&trust)
                    .set_permissions_boundary(permissions_boundary.clone())
                    .set_tags(Some(role_tags.clone()));
                async move {
                    match request.send().await {
                        Ok(_) => Ok(true),
                        Err(e) if e.code() == Some("EntityAlreadyExists") => Ok(false),
                        Err(e) => Err(e),
                    }
                }
            })
            .await?;
            if !created {
                // A lost answer to an earlier attempt: make the existing role match.
                consistent("iam:UpdateAssumeRolePolicy", || {
                    iam.update_assume_role_policy()
                        .role_name(name)
                        .policy_document(&trust)
                        .send()
                })
                .await?;
            }
            for (policy_name, document) in inline_policies {
                put_inline(iam, name, policy_name, &document.to_json()).await?;
            }
            for arn in managed_policy_arns {
                consistent("iam:AttachRolePolicy", || {
                    iam.attach_role_policy()
                        .role_name(name)
                        .policy_arn(arn)
                        .send()
                })
                .await?;
            }
        }
        Action::UpdateTrust {
            role, trust_policy, ..
        } => {
            let trust = trust_policy.to_json();
            consistent("iam:UpdateAssumeRolePolicy", || {
                iam.update_assume_role_policy()
                    .role_name(role)
                    .policy_document(&trust)
                    .send()
            })
            .await?;
        }
        Action::UpdateRole {
            role,
            max_session_duration,
            description,
        } => {
            consistent("iam:UpdateRole", || {
                iam.update_role()
                    .role_name(role)
                    .max_session_duration(i32::try_from(*max_session_duration).unwrap_or(3600))
                    .description(description)
                    .send()
            })
            .await?;
        }
        Action::PutInlinePolicy {
            role,
            name,
            document,
            ..
        } => put_inline(iam, role, name, &document.to_json()).await?,
        Action::DeleteInlinePolicy { role, name } => {
            tolerant(
                "iam:DeleteRolePolicy",
                &["NoSuchEntity"],
                iam.delete_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send(),
            )
            .await?;
        }
        Action::AttachPolicy { role, policy_arn } => {
            consistent("iam:AttachRolePolicy", || {
                iam.attach_role_policy()
                    .role_name(role)
                    .policy_arn(policy_arn)
                    .send()
            })
            .await?;
        }
        Action::DetachPolicy { role, policy_arn } => {
            tolerant(
                "iam:DetachRolePolicy",
                &["NoSuchEntity"],
                iam.detach_role_policy()
                    .role_name(role)
                    .policy_arn(policy_arn)
                    .send(),
            )
            .await?;
        }
        Action::PutPermissionsBoundary { role, policy_arn } => {
            consistent("iam:PutRolePermissionsBoundary", || {
                iam.put_role_permissions_boundary()
                    .role_name(role)
                    .permissions_boundary(policy_arn)
                    .send()
            })
            .await?;
        }
        Action::DeletePermissionsBoundary { role } => {
            tolerant(
                "iam:DeleteRolePermissionsBoundary",
                &["NoSuchEntity"],
                iam.delete_role_permissions_boundary()
                    .role_name(role)
                    .send(),
            )
            .await?;
        }
        Action::TagRole {
            role,
            tags: role_tags,
        } => {
            let role_tags = tags(role_tags)?;
            consistent("iam:TagRole", || {
                iam.tag_role()
                    .role_name(role)
                    .set_tags(Some(role_tags.clone()))
                    .send()
            })
            .await?;
        }
        Action::CreatePolicy {
            name,
            path,
            description,
            document,
            tags: policy_tags,
            attach_to,
        } => {
            let arn = format!("arn:{partition}:iam::{account_id}:policy{path}{name}");
            let created = tolerant(
                "iam:CreatePolicy",
                &["EntityAlreadyExists"],
                iam.create_policy()
                    .policy_name(name)
                    .path(path)
                    .description(description)
                    .policy_document(document.to_json())
                    .set_tags(Some(tags(policy_tags)?))
                    .send(),
            )
            .await?;
            if created.is_none() {
                update_policy(iam, &arn, &document.to_json(), policy_tags).await?;
            }
            consistent("iam:AttachRolePolicy", || {
                iam.attach_role_policy()
                    .role_name(attach_to)
                    .policy_arn(&arn)
                    .send()
            })
            .await?;
        }
        Action::UpdatePolicy {
            arn,
            document,
            tags: policy_tags,
            ..
        } => update_policy(iam, arn, &document.to_json(), policy_tags).await?,
        Action::DeletePolicy { arn } => delete_policy(iam, arn).await?,
        Action::DeleteRole { role } => delete_role(iam, role).await?,
    }
    Ok(())
}

async fn put_inline(
    iam: &aws_sdk_iam::Client,
    role: &str,
    name: &str,
    document: &str,
) -> Result<(), AwsError> {
    consistent("iam:PutRolePolicy", || {
        iam.put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
    })
    .await?;
    Ok(())
}

/// A new default version; IAM keeps at most five, so the oldest non-default one goes first.
async fn update_policy(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    document: &str,
    policy_tags: &std::collections::BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let versions = iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::call("iam:ListPolicyVersions", &e))?;
    let mut old: Vec<_> = versions
        .versions()
        .iter()
        .filter(|v| !v.is_default_version())
        .filter_map(|v| Some((v.create_date()?.as_secs_f64(), v.version_id()?.to_owned())))
        .collect();
    old.sort_by(|a, b| a.0.total_cmp(&b.0));
    if versions.versions().len() >= 5
        && let Some((_, version)) = old.first()
    {
        tolerant(
            "iam:DeletePolicyVersion",
            &["NoSuchEntity"],
            iam.delete_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send(),
        )
        .await?;
    }
    consistent("iam:CreatePolicyVersion", || {
        iam.create_policy_version()
            .policy_arn(arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
    })
    .await?;
    let policy_tags = tags(policy_tags)?;
    consistent("iam:TagPolicy", || {
        iam.tag_policy()
            .policy_arn(arn)
            .set_tags(Some(policy_tags.clone()))
            .send()
    })
    .await?;
    Ok(())
}

async fn delete_policy(iam: &aws_sdk_iam::Client, arn: &str) -> Result<(), AwsError> {
    let Some(entities) = tolerant(
        "iam:ListEntitiesForPolicy",
        &["NoSuchEntity"],
        iam.list_entities_for_policy().policy_arn(arn).send(),
    )
    .await?
    else {
        return Ok(());
    };
    for role in entities.policy_roles() {
        if let Some(name) = role.role_name() {
            tolerant(
                "iam:DetachRolePolicy",
                &["NoSuchEntity"],
                iam.detach_role_policy()
                    .role_name(name)
                    .policy_arn(arn)
                    .send(),
            )
            .await?;
        }
    }
    if let Some(versions) = tolerant(
        "iam:ListPolicyVersions",
        &["NoSuchEntity"],
        iam.list_policy_versions().policy_arn(arn).send(),
    )
    .await?
    {
        for version in versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
        {
            if let Some(id) = version.version_id() {
                tolerant(
                    "iam:DeletePolicyVersion",
                    &["NoSuchEntity"],
                    iam.delete_policy_version()
                        .policy_arn(arn)
                        .version_id(id)
                        .send(),
                )
                .await?;
            }
        }
    }
    tolerant(
        "iam:DeletePolicy",
        &["NoSuchEntity"],
        iam.delete_policy().policy_arn(arn).send(),
    )
    .await?;
    Ok(())
}

async fn delete_role(iam: &aws_sdk_iam::Client, role: &str) -> Result<(), AwsError> {
    let Some(attached) = tolerant(
        "iam:ListAttachedRolePolicies",
        &["NoSuchEntity"],
        iam.list_attached_role_policies().role_name(role).send(),
    )
    .await?
    else {
        return Ok(());
    };
    for policy in attached.attached_policies() {
        if let Some(arn) = policy.policy_arn() {
            tolerant(
                "iam:DetachRolePolicy",
                &["NoSuchEntity"],
                iam.detach_role_policy()
                    .role_name(role)
                    .policy_arn(arn)
                    .send(),
            )
            .await?;
        }
    }
    if let Some(inline) = tolerant(
        "iam:ListRolePolicies",
        &["NoSuchEntity"],
        iam.list_role_policies().role_name(role).send(),
    )
    .await?
    {
        for name in inline.policy_names() {
            tolerant(
                "iam:DeleteRolePolicy",
                &["NoSuchEntity"],
                iam.delete_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send(),
            )
            .await?;
        }
    }
    if let Some(profiles) = tolerant(
        "iam:ListInstanceProfilesForRole",
        &["NoSuchEntity"],
        iam.list_instance_profiles_for_role().role_name(role).send(),
    )
    .await?
    {
        for profile in profiles.instance_profiles() {
            tolerant(
                "iam:RemoveRoleFromInstanceProfile",
                &["NoSuchEntity"],
                iam.remove_role_from_instance_profile()
                    .role_name(role)
                    .instance_profile_name(profile.instance_profile_name())
                    .send(),
            )
            .await?;
        }
    }
    tolerant(
        "iam:DeleteRole",
        &["NoSuchEntity"],
        iam.delete_role().role_name(role).send(),
    )
    .await?;
    Ok(())
}
