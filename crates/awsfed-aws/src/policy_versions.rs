//! A new default version of a managed policy awsfed owns, idempotently, pruning only versions
//! awsfed wrote.
//!
//! IAM keeps at most five versions of a managed policy; `CreatePolicyVersion` past that fails with
//! `LimitExceeded` ("Versioning IAM policies", IAM User Guide). When the answer to a create is lost
//! on the network the SDK sends it again: the first attempt already made a version, so the retry
//! either makes a duplicate or, at five, fails. So before creating, the versions are read: content
//! already present (a lost answer in an earlier run) is made the default instead of created again;
//! otherwise the oldest non-default versions awsfed wrote are pruned so that the new one and one
//! retried duplicate fit; a create refused with `LimitExceeded` succeeds when its content is found;
//! and after creating, awsfed's versions past [`KEPT_VERSIONS`] go again.
//!
//! A document a version still holds is never written again: a migration's rollback (or a model
//! changed back) asks for the document the policy held before, and the expand stage left that
//! version in place. It is made the default again (`SetDefaultPolicyVersion`) and the versions
//! awsfed wrote after it are deleted, so the policy's versions and awsfed's record of them return
//! to what they were. The default is set first (IAM refuses to delete the default version,
//! "DeletePolicyVersion", IAM API Reference); a run stopped between the two calls leaves the digest
//! tag on the newer document, so the next plan updates the policy again and the deletion is
//! finished then.
//!
//! IAM records no author per version, so awsfed keeps its own record: the policy tag
//! [`VERSIONS_TAG_KEY`] lists the digests of the documents it wrote as versions (written *before*
//! each create, so a version whose answer was lost is still known), and the document its
//! `awsfed:digest` tag names is awsfed's too (policies written before the record existed). A
//! version anyone else added is never deleted; if such versions leave no room, the update is
//! refused, naming how many there are.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use awsfed_plan::{DIGEST_TAG_KEY, policy_digest};
use awsfed_policy::PolicyDocument;

use crate::AwsError;
use crate::execute::{consistent, tolerant};
use crate::guard::{Guard, Write};
use crate::iam::{IamApi, PolicyVersion};

/// Versions left after an update: one below IAM's five, so a create the SDK retries still fits.
pub const KEPT_VERSIONS: usize = 4;

/// The policy tag listing the digests of the versions awsfed wrote (space-separated; five digests
/// of 32 characters fit IAM's 256-character tag value).
pub const VERSIONS_TAG_KEY: &str = "awsfed:versions";

/// One version as read: its id and state, and the digest of its document.
struct Held {
    version: PolicyVersion,
    digest: String,
}

pub(crate) async fn update_policy<C: IamApi>(
    iam: &C,
    guard: &Guard,
    arn: &str,
    document: &PolicyDocument,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    guard.check(Write::Policy { arn })?;
    let wanted = policy_digest(document);
    let mut written = recorded(&iam.get_policy(arn).await?.tags);
    let held = read_versions(iam, arn).await?;
    match holding(&held, &wanted) {
        Some(found) => {
            make_default(iam, arn, &found.version).await?;
            for version in written_after(&held, &found.version, &written) {
                tolerant(
                    &["NoSuchEntity"],
                    iam.delete_policy_version(arn, &version.id),
                )
                .await?;
            }
        }
        None => {
            // Recorded before the version exists, so a create whose answer is lost is still ours.
            written.insert(wanted.clone());
            let record = BTreeMap::from([(VERSIONS_TAG_KEY.to_owned(), render(&written))]);
            consistent(|| iam.tag_policy(arn, &record)).await?;
            prune(iam, arn, &held, &written, KEPT_VERSIONS - 1).await?;
            let json = document.to_json();
            match consistent(|| iam.create_policy_version(arn, &json)).await {
                Ok(()) => {}
                Err(e) if e.code() == Some("LimitExceeded") => {
                    let held = read_versions(iam, arn).await?;
                    let Some(found) = holding(&held, &wanted) else {
                        return Err(no_room(arn, &held, &written));
                    };
                    make_default(iam, arn, &found.version).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }
    let held = read_versions(iam, arn).await?;
    let pruned = prune(iam, arn, &held, &written, KEPT_VERSIONS).await?;
    // The record keeps the versions of awsfed's that are still there.
    let still: BTreeSet<String> = held
        .iter()
        .filter(|h| written.contains(&h.digest) && !pruned.contains(&h.version.id))
        .map(|h| h.digest.clone())
        .collect();
    let mut tags = tags.clone();
    tags.insert(VERSIONS_TAG_KEY.to_owned(), render(&still));
    consistent(|| iam.tag_policy(arn, &tags)).await?;
    Ok(())
}

/// The tags a new policy is created with: the plan's, and the record of its first version.
pub(crate) fn with_record(
    tags: &BTreeMap<String, String>,
    document: &PolicyDocument,
) -> BTreeMap<String, String> {
    let mut tags = tags.clone();
    tags.insert(VERSIONS_TAG_KEY.to_owned(), policy_digest(document));
    tags
}

/// A version holding the document of digest `wanted`: the default one, else the newest (of two
/// holding it, the newer is the retried create that was made the default).
fn holding<'a>(held: &'a [Held], wanted: &str) -> Option<&'a Held> {
    let found = held.iter().filter(|h| h.digest == wanted);
    found
        .clone()
        .find(|h| h.version.is_default)
        .or_else(|| found.max_by(|a, b| creation_order(&a.version, &b.version)))
}

/// The versions awsfed wrote after `restored`, oldest first: once `restored` is the default again
/// they are what the policy did not hold when it last had that document. A version someone else
/// wrote is never among them.
fn written_after<'a>(
    held: &'a [Held],
    restored: &PolicyVersion,
    written: &BTreeSet<String>,
) -> Vec<&'a PolicyVersion> {
    let mut newer: Vec<&PolicyVersion> = held
        .iter()
        .filter(|h| written.contains(&h.digest) && creation_order(&h.version, restored).is_gt())
        .map(|h| &h.version)
        .collect();
    newer.sort_by(|a, b| creation_order(a, b));
    newer
}

/// The order versions were created in: by creation time, then by number (IAM numbers a policy's
/// versions v1, v2, … as it creates them; an id of another form counts as 0).
fn creation_order(a: &PolicyVersion, b: &PolicyVersion) -> Ordering {
    let number = |v: &PolicyVersion| -> u64 {
        v.id.strip_prefix('v')
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    a.created
        .total_cmp(&b.created)
        .then(number(a).cmp(&number(b)))
}

/// The digests of the versions awsfed wrote, from the policy's tags.
fn recorded(tags: &BTreeMap<String, String>) -> BTreeSet<String> {
    let listed = tags
        .get(VERSIONS_TAG_KEY)
        .into_iter()
        .flat_map(|v| v.split_ascii_whitespace())
        .map(str::to_owned);
    listed.chain(tags.get(DIGEST_TAG_KEY).cloned()).collect()
}

fn render(digests: &BTreeSet<String>) -> String {
    digests
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every version with the digest of its document; one deleted meanwhile is left out.
async fn read_versions<C: IamApi>(iam: &C, arn: &str) -> Result<Vec<Held>, AwsError> {
    let versions = consistent(|| iam.list_policy_versions(arn)).await?;
    let mut held = Vec::with_capacity(versions.len());
    for version in versions {
        let Some(text) =
            tolerant(&["NoSuchEntity"], iam.get_policy_version(arn, &version.id)).await?
        else {
            continue;
        };
        let document = crate::read::document(
            &text,
            "iam:GetPolicyVersion",
            &format!("version {} of policy {arn}", version.id),
        )?;
        held.push(Held {
            version,
            digest: policy_digest(&document),
        });
    }
    Ok(held)
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

/// Deletes the oldest non-default versions awsfed wrote until at most `keep` remain (or none of
/// awsfed's is left to delete). Returns the ids deleted.
async fn prune<C: IamApi>(
    iam: &C,
    arn: &str,
    held: &[Held],
    written: &BTreeSet<String>,
    keep: usize,
) -> Result<BTreeSet<String>, AwsError> {
    let mut ours: Vec<&PolicyVersion> = held
        .iter()
        .filter(|h| !h.version.is_default && written.contains(&h.digest))
        .map(|h| &h.version)
        .collect();
    ours.sort_by(|a, b| creation_order(a, b));
    let excess = held.len().saturating_sub(keep);
    let mut pruned = BTreeSet::new();
    for version in ours.into_iter().take(excess) {
        tolerant(
            &["NoSuchEntity"],
            iam.delete_policy_version(arn, &version.id),
        )
        .await?;
        pruned.insert(version.id.clone());
    }
    Ok(pruned)
}

fn no_room(arn: &str, held: &[Held], written: &BTreeSet<String>) -> AwsError {
    let foreign: Vec<&str> = held
        .iter()
        .filter(|h| !written.contains(&h.digest))
        .map(|h| h.version.id.as_str())
        .collect();
    AwsError::Refused(format!(
        "policy {arn} holds {} versions, {} of which ({}) awsfed did not write and does not delete, leaving no room for a new one; delete the versions you do not need and run again",
        held.len(),
        foreign.len(),
        foreign.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(id: &str, created: f64, is_default: bool, digest: &str) -> Held {
        Held {
            version: PolicyVersion {
                id: id.to_owned(),
                is_default,
                created,
            },
            digest: digest.to_owned(),
        }
    }

    fn ids(versions: &[&PolicyVersion]) -> Vec<String> {
        versions.iter().map(|v| v.id.clone()).collect()
    }

    fn record(digests: &[&str]) -> BTreeSet<String> {
        digests.iter().map(|d| (*d).to_owned()).collect()
    }

    /// A rollback asks for the document of v2, which expand's v3 replaced: v2 is restored and v3,
    /// awsfed's, goes; v1 (older) stays.
    #[test]
    fn restoring_an_earlier_version_deletes_the_ones_awsfed_wrote_after_it() {
        let versions = [
            held("v1", 1.0, false, "a"),
            held("v2", 2.0, false, "b"),
            held("v3", 3.0, true, "c"),
        ];
        let found = holding(&versions, "b").expect("v2 holds it");
        assert_eq!(found.version.id, "v2");
        let written = record(&["a", "b", "c"]);
        assert_eq!(
            ids(&written_after(&versions, &found.version, &written)),
            ["v3"]
        );
    }

    /// A version someone else wrote after the restored one is kept; so is one awsfed's record
    /// does not name.
    #[test]
    fn a_version_someone_else_wrote_is_never_deleted() {
        let versions = [
            held("v1", 1.0, false, "a"),
            held("v2", 2.0, false, "foreign"),
            held("v3", 3.0, false, "c"),
            held("v4", 4.0, true, "d"),
        ];
        let written = record(&["a", "c", "d"]);
        let found = holding(&versions, "a").expect("v1 holds it");
        assert_eq!(
            ids(&written_after(&versions, &found.version, &written)),
            ["v3", "v4"]
        );
    }

    /// Stopped after SetDefaultPolicyVersion: the wanted version is the default already, and the
    /// newer one awsfed wrote is still there; the rerun deletes it. With nothing newer (an
    /// ordinary update, or its retry) nothing is deleted.
    #[test]
    fn a_restore_stopped_between_its_two_calls_is_finished_by_the_rerun() {
        let versions = [held("v1", 1.0, true, "a"), held("v2", 2.0, false, "b")];
        let written = record(&["a", "b"]);
        let found = holding(&versions, "a").expect("v1 holds it");
        assert!(found.version.is_default);
        assert_eq!(
            ids(&written_after(&versions, &found.version, &written)),
            ["v2"]
        );
        let found = holding(&versions, "b").expect("v2 holds it");
        assert!(written_after(&versions, &found.version, &written).is_empty());
    }

    /// Of two versions holding the document (a create the SDK retried), the default one is
    /// restored, else the newer; versions of one creation second are ordered by number, v10
    /// after v9.
    #[test]
    fn the_version_restored_is_the_default_else_the_newest_holding_it() {
        let versions = [
            held("v9", 5.0, false, "a"),
            held("v10", 5.0, false, "a"),
            held("v11", 6.0, true, "b"),
        ];
        assert_eq!(holding(&versions, "a").expect("held").version.id, "v10");
        let written = record(&["a", "b"]);
        let found = holding(&versions, "a").expect("held");
        assert_eq!(
            ids(&written_after(&versions, &found.version, &written)),
            ["v11"]
        );
        let default = [held("v1", 1.0, true, "a"), held("v2", 2.0, false, "a")];
        assert_eq!(holding(&default, "a").expect("held").version.id, "v1");
        assert!(holding(&default, "z").is_none());
    }
}
