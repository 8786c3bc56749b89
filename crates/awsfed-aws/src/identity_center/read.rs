//! Reading an instance: its permission sets with everything they hold, the accounts each is
//! provisioned to, their account assignments, and the directory groups that matter.
//!
//! Assignments are listed per permission set and account (`ListAccountAssignments` needs both), over
//! the accounts the set is provisioned to (an assignment provisions its set to its account,
//! "ListAccountsForProvisionedPermissionSet", API Reference) and the accounts the caller names (the
//! model's), so an assignment the model wants is found even where provisioning is not reported.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ssoadmin::types::PrincipalType as SdkPrincipal;
use awsfed_compile::{PermissionsBoundary, PolicyReference};
use awsfed_snapshot::{
    AssignmentSnapshot, DirectoryGroupSnapshot, DirectoryUserSnapshot, IdentityCenterSnapshot,
    PermissionSetSnapshot, PrincipalType, SNAPSHOT_FORMAT,
};

use super::IdentityCenterClients;
use crate::AwsError;
use crate::bounded::bounded;
use crate::read::document;

/// Every item of a paginated sso-admin list call, the call counted once however many pages it has
/// (the SDK's paginator follows `NextToken` until it is absent or empty).
macro_rules! every_item {
    ($clients:expr, $operation:literal, $request:expr) => {{
        $clients.calls.note($operation);
        $request
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::call($operation, &e))?
    }};
}

/// Which instance to read: the model's, or the one `ListInstances` finds.
#[derive(Debug, Clone, Default)]
pub struct InstanceChoice {
    pub instance_arn: Option<String>,
    pub identity_store_id: Option<String>,
}

/// Reads the instance. Assignments are read in `accounts` and in every account a set is
/// provisioned to; `group_names` are looked up by display name, beside the groups the assignments
/// name.
pub async fn read_identity_center(
    clients: &IdentityCenterClients,
    choice: &InstanceChoice,
    accounts: &BTreeSet<String>,
    group_names: &BTreeSet<String>,
) -> Result<IdentityCenterSnapshot, AwsError> {
    let (instance_arn, identity_store_id) = instance(clients, choice).await?;
    let arns = list_permission_sets(clients, &instance_arn).await?;
    let mut permission_sets = Vec::new();
    for result in bounded(clients.concurrency, arns, {
        let clients = clients.clone();
        let instance_arn = instance_arn.clone();
        move |arn| permission_set(clients.clone(), instance_arn.clone(), arn)
    })
    .await
    {
        permission_sets.push(result?);
    }
    let pairs: Vec<(String, String)> = permission_sets
        .iter()
        .flat_map(|s| {
            let scope: BTreeSet<&String> = s.provisioned_accounts.iter().chain(accounts).collect();
            scope.into_iter().map(|a| (s.arn.clone(), a.clone()))
        })
        .collect();
    let mut assignments = Vec::new();
    for result in bounded(clients.concurrency, pairs, {
        let clients = clients.clone();
        let instance_arn = instance_arn.clone();
        move |(set, account)| assignments_of(clients.clone(), instance_arn.clone(), set, account)
    })
    .await
    {
        assignments.extend(result?);
    }
    let groups = groups(clients, &identity_store_id, &assignments, group_names).await?;
    let users = users(clients, &identity_store_id, &assignments).await?;
    let mut snapshot = IdentityCenterSnapshot {
        format: SNAPSHOT_FORMAT,
        instance_arn,
        identity_store_id,
        region: clients.region.clone(),
        permission_sets,
        assignments,
        groups,
        users,
    };
    snapshot.sort();
    Ok(snapshot)
}

async fn instance(
    clients: &IdentityCenterClients,
    choice: &InstanceChoice,
) -> Result<(String, String), AwsError> {
    if let (Some(arn), Some(store)) = (&choice.instance_arn, &choice.identity_store_id) {
        return Ok((arn.clone(), store.clone()));
    }
    let operation = "sso:ListInstances";
    clients.calls.note(operation);
    let listed = clients
        .sso
        .list_instances()
        .send()
        .await
        .map_err(|e| AwsError::call(operation, &e))?;
    let found: Vec<(String, String)> = listed
        .instances()
        .iter()
        .filter(|i| {
            choice
                .instance_arn
                .as_deref()
                .is_none_or(|arn| i.instance_arn() == Some(arn))
        })
        .filter_map(|i| {
            Some((
                i.instance_arn()?.to_owned(),
                i.identity_store_id()?.to_owned(),
            ))
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(AwsError::Refused(format!(
            "no Identity Center instance {}in {}: enable Identity Center, or run from the management or delegated-administrator account, or set identity_center.instance_arn",
            choice
                .instance_arn
                .as_deref()
                .map_or_else(String::new, |a| format!("{a} ")),
            clients.region
        ))),
        _ => Err(AwsError::Refused(format!(
            "{} Identity Center instances in {}: set identity_center.instance_arn to the one awsfed manages",
            found.len(),
            clients.region
        ))),
    }
}

async fn list_permission_sets(
    clients: &IdentityCenterClients,
    instance_arn: &str,
) -> Result<Vec<String>, AwsError> {
    let operation = "sso:ListPermissionSets";
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        clients.calls.note(operation);
        let page = clients
            .sso
            .list_permission_sets()
            .instance_arn(instance_arn)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::call(operation, &e))?;
        arns.extend(page.permission_sets().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(arns)
}

/// One permission set: seven calls (more when a list has pages).
async fn permission_set(
    clients: IdentityCenterClients,
    instance: String,
    arn: String,
) -> Result<PermissionSetSnapshot, AwsError> {
    let sso = &clients.sso;
    let note = |op: &str| clients.calls.note(op);
    let op = "sso:DescribePermissionSet";
    note(op);
    let described = sso
        .describe_permission_set()
        .instance_arn(&instance)
        .permission_set_arn(&arn)
        .send()
        .await
        .map_err(|e| AwsError::call(op, &e))?;
    let set = described
        .permission_set()
        .ok_or_else(|| AwsError::Unreadable {
            operation: op.to_owned(),
            what: format!("no permission set for {arn}"),
        })?;
    let name = set.name().unwrap_or_default().to_owned();
    let managed = every_item!(
        clients,
        "sso:ListManagedPoliciesInPermissionSet",
        sso.list_managed_policies_in_permission_set()
            .instance_arn(&instance)
            .permission_set_arn(&arn)
    );
    let customer = every_item!(
        clients,
        "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
        sso.list_customer_managed_policy_references_in_permission_set()
            .instance_arn(&instance)
            .permission_set_arn(&arn)
    );
    let op = "sso:GetInlinePolicyForPermissionSet";
    note(op);
    let inline = sso
        .get_inline_policy_for_permission_set()
        .instance_arn(&instance)
        .permission_set_arn(&arn)
        .send()
        .await
        .map_err(|e| AwsError::call(op, &e))?;
    let inline_policy = match inline
        .inline_policy()
        .filter(|text| !text.trim().is_empty())
    {
        Some(text) => Some(document(
            text,
            op,
            &format!("the inline policy of permission set {name}"),
        )?),
        None => None,
    };
    let permissions_boundary = boundary(&clients, &instance, &arn).await?;
    let tags = tags(&clients, &instance, &arn).await?;
    let mut provisioned_accounts: Vec<String> = every_item!(
        clients,
        "sso:ListAccountsForProvisionedPermissionSet",
        sso.list_accounts_for_provisioned_permission_set()
            .instance_arn(&instance)
            .permission_set_arn(&arn)
    );
    provisioned_accounts.sort();
    provisioned_accounts.dedup();
    Ok(PermissionSetSnapshot {
        description: set.description().map(str::to_owned),
        session_duration: set.session_duration().map(str::to_owned),
        relay_state: set.relay_state().map(str::to_owned),
        managed_policies: managed
            .iter()
            .filter_map(|p| p.arn().map(str::to_owned))
            .collect(),
        customer_managed_policies: customer
            .iter()
            .map(|p| PolicyReference {
                path: p.path().unwrap_or("/").to_owned(),
                name: p.name().to_owned(),
            })
            .collect(),
        inline_policy,
        permissions_boundary,
        tags,
        provisioned_accounts,
        arn,
        name,
    })
}

/// `GetPermissionsBoundaryForPermissionSet` answers `ResourceNotFoundException` when the set has no
/// boundary (API Reference).
async fn boundary(
    clients: &IdentityCenterClients,
    instance: &str,
    arn: &str,
) -> Result<Option<PermissionsBoundary>, AwsError> {
    let op = "sso:GetPermissionsBoundaryForPermissionSet";
    clients.calls.note(op);
    let answer = clients
        .sso
        .get_permissions_boundary_for_permission_set()
        .instance_arn(instance)
        .permission_set_arn(arn)
        .send()
        .await;
    let output = match answer {
        Ok(output) => output,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(AwsError::call(op, &e)),
    };
    let Some(found) = output.permissions_boundary() else {
        return Ok(None);
    };
    Ok(
        match (
            found.managed_policy_arn(),
            found.customer_managed_policy_reference(),
        ) {
            (Some(arn), _) => Some(PermissionsBoundary::ManagedPolicyArn(arn.to_owned())),
            (None, Some(reference)) => Some(PermissionsBoundary::CustomerManagedPolicy(
                PolicyReference {
                    path: reference.path().unwrap_or("/").to_owned(),
                    name: reference.name().to_owned(),
                },
            )),
            (None, None) => None,
        },
    )
}

async fn tags(
    clients: &IdentityCenterClients,
    instance: &str,
    arn: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let tags = every_item!(
        clients,
        "sso:ListTagsForResource",
        clients
            .sso
            .list_tags_for_resource()
            .instance_arn(instance)
            .resource_arn(arn)
    );
    Ok(tags
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect())
}

async fn assignments_of(
    clients: IdentityCenterClients,
    instance: String,
    set: String,
    account: String,
) -> Result<Vec<AssignmentSnapshot>, AwsError> {
    let found = every_item!(
        clients,
        "sso:ListAccountAssignments",
        clients
            .sso
            .list_account_assignments()
            .instance_arn(&instance)
            .account_id(&account)
            .permission_set_arn(&set)
    );
    Ok(found
        .iter()
        .filter_map(|a| {
            Some(AssignmentSnapshot {
                permission_set_arn: a.permission_set_arn().unwrap_or(&set).to_owned(),
                account_id: a.account_id().unwrap_or(&account).to_owned(),
                principal_type: match a.principal_type()? {
                    SdkPrincipal::Group => PrincipalType::Group,
                    _ => PrincipalType::User,
                },
                principal_id: a.principal_id()?.to_owned(),
            })
        })
        .collect())
}

/// The groups the assignments name (`DescribeGroup`) and the model's groups by display name
/// (`GetGroupId`; absent ones are left out).
async fn groups(
    clients: &IdentityCenterClients,
    store: &str,
    assignments: &[AssignmentSnapshot],
    names: &BTreeSet<String>,
) -> Result<Vec<DirectoryGroupSnapshot>, AwsError> {
    let mut groups = BTreeSet::new();
    let ids: BTreeSet<&str> = assignments
        .iter()
        .filter(|a| a.principal_type == PrincipalType::Group)
        .map(|a| a.principal_id.as_str())
        .collect();
    for id in ids {
        let op = "identitystore:DescribeGroup";
        clients.calls.note(op);
        match clients
            .store
            .describe_group()
            .identity_store_id(store)
            .group_id(id)
            .send()
            .await
        {
            Ok(group) => {
                groups.insert(DirectoryGroupSnapshot {
                    display_name: group.display_name().unwrap_or_default().to_owned(),
                    id: id.to_owned(),
                });
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(AwsError::call(op, &e)),
        }
    }
    for name in names {
        if groups.iter().any(|g| g.display_name == *name) {
            continue;
        }
        if let Some(id) = group_id(clients, store, name).await? {
            groups.insert(DirectoryGroupSnapshot {
                display_name: name.clone(),
                id,
            });
        }
    }
    Ok(groups.into_iter().collect())
}

/// The users assignments name directly (`DescribeUser`): a path analysis names the user a
/// single-user assignment admits; one deleted since is left out.
async fn users(
    clients: &IdentityCenterClients,
    store: &str,
    assignments: &[AssignmentSnapshot],
) -> Result<Vec<DirectoryUserSnapshot>, AwsError> {
    let ids: BTreeSet<&str> = assignments
        .iter()
        .filter(|a| a.principal_type == PrincipalType::User)
        .map(|a| a.principal_id.as_str())
        .collect();
    let mut users = Vec::new();
    for id in ids {
        let op = "identitystore:DescribeUser";
        clients.calls.note(op);
        match clients
            .store
            .describe_user()
            .identity_store_id(store)
            .user_id(id)
            .send()
            .await
        {
            Ok(user) => users.push(DirectoryUserSnapshot {
                user_name: user.user_name().unwrap_or_default().to_owned(),
                id: id.to_owned(),
            }),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(AwsError::call(op, &e)),
        }
    }
    Ok(users)
}

/// A group's id by display name (`GetGroupId` with the `DisplayName` unique attribute).
pub(super) async fn group_id(
    clients: &IdentityCenterClients,
    store: &str,
    name: &str,
) -> Result<Option<String>, AwsError> {
    use aws_sdk_identitystore::types::{AlternateIdentifier, UniqueAttribute};
    let op = "identitystore:GetGroupId";
    clients.calls.note(op);
    let attribute = UniqueAttribute::builder()
        .attribute_path("displayName")
        .attribute_value(aws_smithy_types::Document::String(name.to_owned()))
        .build()
        .map_err(|e| AwsError::Refused(format!("{op}: {e}")))?;
    match clients
        .store
        .get_group_id()
        .identity_store_id(store)
        .alternate_identifier(AlternateIdentifier::UniqueAttribute(attribute))
        .send()
        .await
    {
        Ok(found) => Ok(Some(found.group_id().to_owned())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(AwsError::call(op, &e)),
    }
}
