//! Identity Center targets as access paths: directory group → the instance's SAML provider in the
//! account (`AWSSSO_<id>_DO_NOT_DELETE`) → the reserved role
//! (`/aws-reserved/sso.amazonaws.com/[<region>/]AWSReservedSSO_<set>_<hash>`) with the permission
//! set's policies.
//!
//! Identity Center provisions a permission set to an account as such a role, trusted by its own
//! SAML provider there for `sts:AssumeRoleWithSAML` and `sts:TagSession` with
//! `SAML:aud` = `https://signin.aws.amazon.com/saml`; the set's AWS managed policies and customer
//! managed policy references are attached to it, its inline policy is the role's
//! `AwsSSOInlinePolicy`, its boundary the role's boundary, and its session duration the role's
//! maximum ("Referencing permission sets in resource policies", "Customer managed policies",
//! IAM Identity Center User Guide). A model does not know the suffixes AWS picks for the role and
//! the provider: [`add_desired`] writes stand-ins derived from the instance, which identify the
//! same role in every analysis of the model. A scan reads the real roles (and, from the management
//! account, the assignments): [`for_scan`] takes the role values from there, and
//! [`comparable_role_arn`] lets `verify` and `diff` compare the two.
//!
//! The session Identity Center signs users in with is not the corporate IdP's: it carries no
//! SourceIdentity and, without attributes for access control, no session tags
//! ([`identity_center_session`]).

use std::collections::{BTreeMap, BTreeSet};

use awsfed_compile::{DesiredIdentityCenter, DesiredPermissionSet, PermissionsBoundary};
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::{
    IdentityCenterSnapshot, PrincipalType, RESERVED_ROLE_PATH, RESERVED_ROLE_PREFIX, RoleSnapshot,
    SamlProviderSnapshot, Snapshot, reserved_role_permission_set, synthetic_role_id,
};

use crate::idp::{IdpGroup, IdpMapping, RolePair, SessionAttributes};

/// `AWSSSO_<16 hex digits>_DO_NOT_DELETE`, the SAML provider Identity Center creates in every
/// account it provisions.
const PROVIDER_PREFIX: &str = "AWSSSO_";
const PROVIDER_SUFFIX: &str = "_DO_NOT_DELETE";
/// The inline policy's name on a reserved role.
const INLINE_POLICY_NAME: &str = "AwsSSOInlinePolicy";
/// The one audience Identity Center's assertions carry.
const AUDIENCE: &str = "https://signin.aws.amazon.com/saml";

/// Whether `provider_arn` is a SAML provider Identity Center created.
pub fn is_identity_center_provider(provider_arn: &str) -> bool {
    provider_arn
        .rsplit_once(":saml-provider/")
        .is_some_and(|(_, name)| {
            name.starts_with(PROVIDER_PREFIX) && name.ends_with(PROVIDER_SUFFIX)
        })
}

/// What Identity Center's assertions carry: its one audience, no SourceIdentity, no session tags.
pub fn identity_center_session() -> SessionAttributes {
    SessionAttributes {
        audiences: vec![AUDIENCE.to_owned()],
        source_identity: false,
        session_tags: Vec::new(),
        transitive_tags: Vec::new(),
        iam_user: None,
    }
}

/// 16 hex digits of FNV-1a over `parts`: the stand-in for a suffix AWS chooses.
fn stand_in(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.join("\u{0}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn instance_key(identity_center: &DesiredIdentityCenter) -> &str {
    identity_center
        .instance_arn
        .as_deref()
        .or(identity_center.identity_store_id.as_deref())
        .unwrap_or("instance")
}

fn provider_arn(partition: &str, account: &str, identity_center: &DesiredIdentityCenter) -> String {
    format!(
        "arn:{partition}:iam::{account}:saml-provider/{PROVIDER_PREFIX}{}{PROVIDER_SUFFIX}",
        stand_in(&[instance_key(identity_center)])
    )
}

/// The reserved role's path: instances outside us-east-1 add their region.
fn reserved_path(identity_center: &DesiredIdentityCenter) -> String {
    match identity_center.region.as_deref() {
        Some(region) if region != "us-east-1" => format!("{RESERVED_ROLE_PATH}{region}/"),
        _ => RESERVED_ROLE_PATH.to_owned(),
    }
}

fn reserved_role_arn(
    partition: &str,
    account: &str,
    identity_center: &DesiredIdentityCenter,
    set: &str,
) -> String {
    format!(
        "arn:{partition}:iam::{account}:role{}{RESERVED_ROLE_PREFIX}{set}_{}",
        reserved_path(identity_center),
        stand_in(&[instance_key(identity_center), set])
    )
}

fn trust_policy(provider_arn: &str) -> PolicyDocument {
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": provider_arn },
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": { "StringEquals": { "SAML:aud": AUDIENCE } }
        }]
    });
    PolicyDocument::from_json(&text.to_string()).expect("the reserved role's trust is a policy")
}

fn reserved_role(
    partition: &str,
    account: &str,
    identity_center: &DesiredIdentityCenter,
    set: &DesiredPermissionSet,
) -> RoleSnapshot {
    let policy_arn =
        |path: &str, name: &str| format!("arn:{partition}:iam::{account}:policy{path}{name}");
    let mut managed: Vec<String> = set.managed_policies.clone();
    managed.extend(
        set.customer_managed_policies
            .iter()
            .map(|p| policy_arn(&p.path, &p.name)),
    );
    managed.sort();
    let arn = reserved_role_arn(partition, account, identity_center, &set.name);
    RoleSnapshot {
        name: arn.rsplit('/').next().unwrap_or_default().to_owned(),
        path: reserved_path(identity_center),
        role_id: synthetic_role_id(&arn),
        trust_policy: trust_policy(&provider_arn(partition, account, identity_center)),
        inline_policies: set
            .inline_policy
            .iter()
            .map(|p| (INLINE_POLICY_NAME.to_owned(), p.clone()))
            .collect(),
        managed_policy_arns: managed,
        permissions_boundary: set.permissions_boundary.as_ref().map(|b| match b {
            PermissionsBoundary::ManagedPolicyArn(arn) => arn.clone(),
            PermissionsBoundary::CustomerManagedPolicy(p) => policy_arn(&p.path, &p.name),
        }),
        max_session_duration: set.session_seconds,
        description: Some(format!("Identity Center permission set {}", set.name)),
        tags: BTreeMap::new(),
        arn,
    }
}

/// Adds to a model's estate what Identity Center would create in each of its accounts (the SAML
/// provider and one reserved role per permission set assigned there), to the mapping each group's
/// role values into them, and to the intent the reserved roles each group is granted.
pub fn add_desired(
    snapshot: &mut Snapshot,
    mapping: &mut IdpMapping,
    partition: &str,
    identity_center: &DesiredIdentityCenter,
) {
    let sets: BTreeMap<&str, &DesiredPermissionSet> = identity_center
        .permission_sets
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let mut pairs: BTreeMap<&str, BTreeSet<RolePair>> = BTreeMap::new();
    for assignment in &identity_center.assignments {
        let account = assignment.account_id.as_str();
        let Some(set) = sets.get(assignment.permission_set.as_str()) else {
            continue;
        };
        let Some(entry) = snapshot.accounts.iter_mut().find(|a| a.id == account) else {
            continue;
        };
        let provider = provider_arn(partition, account, identity_center);
        if !entry.saml_providers.iter().any(|p| p.arn == provider) {
            entry.saml_providers.push(SamlProviderSnapshot {
                name: provider.rsplit('/').next().unwrap_or_default().to_owned(),
                arn: provider.clone(),
                metadata_document: String::new(),
                valid_until: None,
                tags: BTreeMap::new(),
            });
            entry.saml_providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
        let role = reserved_role(partition, account, identity_center, set);
        let role_arn = role.arn.clone();
        if !entry.roles.iter().any(|r| r.arn == role_arn) {
            entry.roles.push(role);
            entry.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
        pairs
            .entry(&assignment.group)
            .or_default()
            .insert(RolePair {
                role_arn,
                provider_arn: provider,
            });
    }
    for (group, roles) in pairs {
        if let Some(intent) = &mut mapping.intent {
            intent
                .granted
                .entry(group.to_owned())
                .or_default()
                .extend(roles.iter().map(|p| p.role_arn.clone()));
        }
        match mapping.groups.iter_mut().find(|g| g.name == group) {
            Some(known) => {
                known.roles.extend(roles);
                known.roles.sort();
                known.roles.dedup();
            }
            None => mapping.groups.push(IdpGroup {
                name: group.to_owned(),
                roles: roles.into_iter().collect(),
            }),
        }
    }
    mapping.groups.sort_by(|a, b| a.name.cmp(&b.name));
}

/// The mapping to follow in a scan: the model's, with its Identity Center role values taken from
/// what the scan read. With the instance read (`identity-center.json`), every group assignment of
/// the instance becomes a role value into the reserved role of its permission set in its account,
/// and so does every assignment to a single user (as [`user_principal`]); without it, the model's
/// assignments stand in. Either way a role value names the reserved role and the Identity Center
/// provider the scan found in the account, and the intent names the reserved roles the scan found
/// for what the model grants.
pub fn for_scan(mut mapping: IdpMapping, scan: &Snapshot) -> IdpMapping {
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for group in &mut mapping.groups {
        for pair in &mut group.roles {
            if let Some(found) = model_pair_in_scan(pair, scan) {
                renamed.insert(pair.role_arn.clone(), found.role_arn.clone());
                *pair = found;
            }
        }
    }
    if let Some(instance) = &scan.identity_center {
        for group in &mut mapping.groups {
            group
                .roles
                .retain(|p| !is_identity_center_provider(&p.provider_arn));
        }
        for (name, pair) in assigned_pairs(instance, scan) {
            match mapping.groups.iter_mut().find(|g| g.name == name) {
                Some(group) => group.roles.push(pair),
                None => mapping.groups.push(IdpGroup {
                    name,
                    roles: vec![pair],
                }),
            }
        }
        mapping.groups.retain(|g| !g.roles.is_empty());
    }
    for group in &mut mapping.groups {
        group.roles.sort();
        group.roles.dedup();
    }
    mapping.groups.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(intent) = &mut mapping.intent {
        for roles in intent.granted.values_mut() {
            *roles = std::mem::take(roles)
                .into_iter()
                .map(|arn| renamed.get(&arn).cloned().unwrap_or(arn))
                .collect();
        }
    }
    mapping
}

/// The reserved role of `set` in `account` and the account's Identity Center provider, as
/// the scan read them.
fn reserved_pair(scan: &Snapshot, account: &str, set: &str) -> Option<RolePair> {
    let entry = scan.accounts.iter().find(|a| a.id == account)?;
    let role = entry
        .roles
        .iter()
        .find(|r| reserved_role_permission_set(&r.path, &r.name) == Some(set))?;
    let provider = entry
        .saml_providers
        .iter()
        .find(|p| is_identity_center_provider(&p.arn))?;
    Some(RolePair {
        role_arn: role.arn.clone(),
        provider_arn: provider.arn.clone(),
    })
}

/// A model's Identity Center role value, pointed at what the scan read; `None` for other values
/// and for targets the scan does not hold (the analysis reports those as leading nowhere).
fn model_pair_in_scan(pair: &RolePair, scan: &Snapshot) -> Option<RolePair> {
    if !is_identity_center_provider(&pair.provider_arn) {
        return None;
    }
    let (account, set) = stand_in_target(&pair.role_arn)?;
    reserved_pair(scan, account, set)
}

/// (principal name, role value) for every assignment of the instance whose reserved role and
/// provider the scan holds. A group goes by its display name (its id when the identity store did
/// not name it); a single user, whom Identity Center admits like a group of one, by
/// [`user_principal`].
fn assigned_pairs(instance: &IdentityCenterSnapshot, scan: &Snapshot) -> Vec<(String, RolePair)> {
    instance
        .assignments
        .iter()
        .filter_map(|a| {
            let set = instance.permission_set(&a.permission_set_arn)?;
            let pair = reserved_pair(scan, &a.account_id, &set.name)?;
            let principal = match a.principal_type {
                PrincipalType::Group => instance
                    .group_name(&a.principal_id)
                    .unwrap_or(&a.principal_id)
                    .to_owned(),
                PrincipalType::User => user_principal(
                    instance
                        .user_name(&a.principal_id)
                        .unwrap_or(&a.principal_id),
                ),
            };
            Some((principal, pair))
        })
        .collect()
}

/// How a single user assigned a permission set appears where paths name directory groups:
/// `user:<user name>`. The model grants to groups only, so such a path is never intended: audit
/// reports it as access beyond the model.
pub fn user_principal(user_name: &str) -> String {
    format!("user:{user_name}")
}

/// A reserved role ARN with its suffix replaced by `*`: the suffix is AWS's choice, so a model's
/// stand-in and the scanned role of one permission set in one account compare equal.
pub fn comparable_role_arn(role_arn: &str) -> String {
    match stand_in_target(role_arn) {
        Some(_) => match role_arn.rsplit_once('_') {
            Some((head, _)) => format!("{head}_*"),
            None => role_arn.to_owned(),
        },
        None => role_arn.to_owned(),
    }
}

/// The account and permission set of a reserved role ARN.
fn stand_in_target(role_arn: &str) -> Option<(&str, &str)> {
    let account = crate::estate::arn_account(role_arn)?;
    let resource = crate::estate::arn_resource(role_arn)?.strip_prefix("role")?;
    let (path, name) = resource.rsplit_once('/')?;
    let set = reserved_role_permission_set(&format!("{path}/"), name)?;
    Some((account, set))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_and_reserved_roles_are_recognised() {
        assert!(is_identity_center_provider(
            "arn:aws:iam::111111111111:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
        ));
        assert!(!is_identity_center_provider(
            "arn:aws:iam::111111111111:saml-provider/corp"
        ));
        assert_eq!(
            stand_in_target(
                "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef"
            ),
            Some(("111111111111", "Admin"))
        );
        assert_eq!(
            comparable_role_arn(
                "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
            ),
            "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_*"
        );
        assert_eq!(
            comparable_role_arn("arn:aws:iam::111111111111:role/awsfed/Admin_x"),
            "arn:aws:iam::111111111111:role/awsfed/Admin_x"
        );
    }
}
