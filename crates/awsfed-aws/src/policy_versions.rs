//! A new default version of a managed policy awsfed owns, idempotently.
//!
//! IAM keeps at most five versions of a managed policy; `CreatePolicyVersion` past that fails with
//! `LimitExceeded` ("Versioning IAM policies", IAM User Guide). When the answer to a create is lost
//! on the network the SDK sends it again: the first attempt already made a version, so the retry
//! either makes a duplicate or, at five, fails. So before creating, the versions are read: content
//! already present (a lost answer in an earlier run) is made the default instead of created again;
//! otherwise the oldest non-default versions are pruned so that the new one and one retried
//! duplicate fit; a create refused with `LimitExceeded` succeeds when its content is found; and
//! after creating, versions past [`KEPT_VERSIONS`] go again, so an update never leaves five.
//!
//! IAM records no author per version: every version of a policy awsfed owns (path and tag) is
//! taken as one awsfed wrote — another writer there changes the default document, which the
//! digest tag reports as drift.

use std::collections::BTreeMap;

use awsfed_policy::PolicyDocument;

use crate::AwsError;
use crate::execute::{consistent, tolerant};
use crate::guard::{Guard, Write};
use crate::iam::{IamApi, PolicyVersion};

/// Versions left after an update: one below IAM's five, so a create the SDK retries still fits.
pub const KEPT_VERSIONS: usize = 4;

pub(crate) async fn update_policy<C: IamApi>(
    iam: &C,
    guard: &Guard,
    arn: &str,
    document: &PolicyDocument,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    guard.check(Write::Policy { arn })?;
    let json = document.to_json();
    let versions = consistent(|| iam.list_policy_versions(arn)).await?;
    match version_holding(iam, arn, &versions, document).await? {
        Some(version) => make_default(iam, arn, &version).await?,
        None => {
            prune(iam, arn, versions, KEPT_VERSIONS - 1).await?;
            match consistent(|| iam.create_policy_version(arn, &json)).await {
                Ok(()) => {}
                Err(e) if e.code() == Some("LimitExceeded") => {
                    let versions = iam.list_policy_versions(arn).await?;
                    let Some(version) = version_holding(iam, arn, &versions, document).await?
                    else {
                        return Err(e);
                    };
                    make_default(iam, arn, &version).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }
    let versions = iam.list_policy_versions(arn).await?;
    prune(iam, arn, versions, KEPT_VERSIONS).await?;
    consistent(|| iam.tag_policy(arn, tags)).await?;
    Ok(())
}

/// The version whose document is `document`, the default one first.
async fn version_holding<C: IamApi>(
    iam: &C,
    arn: &str,
    versions: &[PolicyVersion],
    document: &PolicyDocument,
) -> Result<Option<PolicyVersion>, AwsError> {
    let mut ordered: Vec<&PolicyVersion> = versions.iter().collect();
    ordered.sort_by(|a, b| {
        b.is_default
            .cmp(&a.is_default)
            .then(b.created.total_cmp(&a.created))
    });
    for version in ordered {
        let Some(text) =
            tolerant(&["NoSuchEntity"], iam.get_policy_version(arn, &version.id)).await?
        else {
            continue;
        };
        let held = crate::read::document(
            &text,
            "iam:GetPolicyVersion",
            &format!("version {} of policy {arn}", version.id),
        )?;
        if awsfed_plan::same_policy(&held, document) {
            return Ok(Some(version.clone()));
        }
    }
    Ok(None)
}

async fn make_default<C: IamApi>(
    iam: &C,
    arn: &str,
    version: &PolicyVersion,
) -> Result<(), AwsError> {
    if !version.is_default {
        consistent(|| iam.set_default_policy_version(arn, &version.id)).await?;
    }
    Ok(())
}

/// Deletes the oldest non-default versions until at most `keep` remain.
async fn prune<C: IamApi>(
    iam: &C,
    arn: &str,
    versions: Vec<PolicyVersion>,
    keep: usize,
) -> Result<(), AwsError> {
    let mut old: Vec<PolicyVersion> = versions.iter().filter(|v| !v.is_default).cloned().collect();
    old.sort_by(|a, b| a.created.total_cmp(&b.created).then(a.id.cmp(&b.id)));
    let excess = versions.len().saturating_sub(keep);
    for version in old.iter().take(excess) {
        tolerant(
            &["NoSuchEntity"],
            iam.delete_policy_version(arn, &version.id),
        )
        .await?;
    }
    Ok(())
}
