//! AWS Organizations: the tree of OUs and accounts (with account tags), the SCPs and RCPs and
//! where they are attached ("ListOrganizationalUnitsForParent", "ListAccountsForParent",
//! "ListPoliciesForTarget", AWS Organizations API Reference). Organizations is a global service
//! served from us-east-1; only the management account or a delegated administrator may read it.

use std::collections::BTreeMap;

use aws_sdk_organizations::types::PolicyType;
use awsfed_snapshot::{
    OrgAccountSnapshot, OrgPolicyKind, OrgPolicySnapshot, OrganizationSnapshot, OuSnapshot,
    SNAPSHOT_FORMAT,
};

use crate::reach::retry_config;
use crate::{AwsError, Connection};

fn call<E, R>(operation: &str, error: &aws_sdk_organizations::error::SdkError<E, R>) -> AwsError
where
    E: aws_sdk_organizations::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    AwsError::call(operation, error)
}

/// What to read besides the tree.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrganizationOptions {
    /// Account tags (one call per account).
    pub tags: bool,
    /// SCPs and RCPs with their documents and targets.
    pub policies: bool,
}

pub async fn read_organization(
    connection: &Connection,
    options: OrganizationOptions,
) -> Result<OrganizationSnapshot, AwsError> {
    let config = aws_sdk_organizations::config::Builder::from(&connection.config)
        .retry_config(retry_config(10))
        .build();
    let org = aws_sdk_organizations::Client::from_conf(config);
    let described = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| call("organizations:DescribeOrganization", &e))?;
    let organization = described
        .organization()
        .ok_or_else(|| AwsError::Unreadable {
            operation: "organizations:DescribeOrganization".to_owned(),
            what: "no organisation".to_owned(),
        })?;
    let root_id = root_id(&org).await?;
    let (mut ous, mut accounts) = tree(&org, &root_id).await?;
    if options.tags {
        for account in &mut accounts {
            account.tags = account_tags(&org, &account.id).await?;
        }
    }
    let mut policies = if options.policies {
        org_policies(&org).await?
    } else {
        Vec::new()
    };
    ous.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(OrganizationSnapshot {
        format: SNAPSHOT_FORMAT,
        id: organization.id().unwrap_or_default().to_owned(),
        management_account_id: organization
            .master_account_id()
            .unwrap_or_default()
            .to_owned(),
        root_id,
        ous,
        accounts,
        policies,
    })
}

type Organizations = aws_sdk_organizations::Client;

async fn root_id(org: &Organizations) -> Result<String, AwsError> {
    let roots = org
        .list_roots()
        .send()
        .await
        .map_err(|e| call("organizations:ListRoots", &e))?;
    Ok(roots
        .roots()
        .first()
        .and_then(|r| r.id())
        .ok_or_else(|| AwsError::Unreadable {
            operation: "organizations:ListRoots".to_owned(),
            what: "no root".to_owned(),
        })?
        .to_owned())
}

/// Every OU (with its path) and account below the root.
async fn tree(
    org: &Organizations,
    root_id: &str,
) -> Result<(Vec<OuSnapshot>, Vec<OrgAccountSnapshot>), AwsError> {
    let mut ous = Vec::new();
    let mut accounts = Vec::new();
    // Breadth first from the root: (parent id, parent path).
    let mut queue = vec![(root_id.to_owned(), String::new())];
    while let Some((parent, parent_path)) = queue.pop() {
        for ou in child_ous(org, &parent, &parent_path).await? {
            queue.push((ou.id.clone(), ou.path.clone()));
            ous.push(ou);
        }
        accounts.extend(child_accounts(org, &parent).await?);
    }
    Ok((ous, accounts))
}

/// Every page of an Organizations list call: the request again with each `NextToken` until an
/// answer has none; `|page| items` names what a page adds.
macro_rules! every_page {
    ($operation:literal, $request:expr, |$page:ident| $items:expr) => {{
        let mut items = Vec::new();
        let mut token = None;
        loop {
            let $page = $request
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| call($operation, &e))?;
            items.extend($items);
            match $page.next_token() {
                Some(next) => token = Some(next.to_owned()),
                None => break items,
            }
        }
    }};
}

async fn child_ous(
    org: &Organizations,
    parent: &str,
    parent_path: &str,
) -> Result<Vec<OuSnapshot>, AwsError> {
    Ok(every_page!(
        "organizations:ListOrganizationalUnitsForParent",
        org.list_organizational_units_for_parent().parent_id(parent),
        |page| page.organizational_units().iter().filter_map(|ou| {
            let (id, name) = (ou.id()?, ou.name()?);
            let path = if parent_path.is_empty() {
                name.to_owned()
            } else {
                format!("{parent_path}/{name}")
            };
            Some(OuSnapshot {
                id: id.to_owned(),
                name: name.to_owned(),
                parent_id: parent.to_owned(),
                path,
            })
        })
    ))
}

async fn child_accounts(
    org: &Organizations,
    parent: &str,
) -> Result<Vec<OrgAccountSnapshot>, AwsError> {
    Ok(every_page!(
        "organizations:ListAccountsForParent",
        org.list_accounts_for_parent().parent_id(parent),
        |page| page.accounts().iter().filter_map(|account| {
            Some(OrgAccountSnapshot {
                id: account.id()?.to_owned(),
                name: account.name().unwrap_or_default().to_owned(),
                email: account.email().map(str::to_owned),
                status: account
                    .status()
                    .map_or_else(String::new, |s| s.as_str().to_owned()),
                parent_id: parent.to_owned(),
                tags: BTreeMap::new(),
            })
        })
    ))
}

async fn account_tags(
    org: &Organizations,
    account: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let tags = every_page!(
        "organizations:ListTagsForResource",
        org.list_tags_for_resource().resource_id(account),
        |page| page
            .tags()
            .iter()
            .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
    );
    Ok(tags.into_iter().collect())
}

/// The SCPs and RCPs, with their documents and targets.
async fn org_policies(org: &Organizations) -> Result<Vec<OrgPolicySnapshot>, AwsError> {
    let mut policies = Vec::new();
    for (kind, filter) in [
        (
            OrgPolicyKind::ServiceControl,
            PolicyType::ServiceControlPolicy,
        ),
        (
            OrgPolicyKind::ResourceControl,
            PolicyType::ResourceControlPolicy,
        ),
    ] {
        let listed = match org.list_policies().filter(filter).send().await {
            Ok(listed) => listed,
            // A policy type not enabled in the organisation has no policies to read.
            Err(e)
                if aws_sdk_organizations::error::ProvideErrorMetadata::code(&e)
                    == Some("PolicyTypeNotEnabledException") =>
            {
                continue;
            }
            Err(e) => return Err(call("organizations:ListPolicies", &e)),
        };
        for summary in listed.policies() {
            let Some(id) = summary.id() else { continue };
            let name = summary.name().unwrap_or_default();
            policies.push(org_policy(org, kind, id, name).await?);
        }
    }
    Ok(policies)
}

async fn org_policy(
    org: &Organizations,
    kind: OrgPolicyKind,
    id: &str,
    name: &str,
) -> Result<OrgPolicySnapshot, AwsError> {
    let described = org
        .describe_policy()
        .policy_id(id)
        .send()
        .await
        .map_err(|e| call("organizations:DescribePolicy", &e))?;
    let content = described
        .policy()
        .and_then(|p| p.content())
        .unwrap_or_default();
    let document = crate::read::document(
        content,
        "organizations:DescribePolicy",
        &format!("policy {id}"),
    )?;
    let targets = org
        .list_targets_for_policy()
        .policy_id(id)
        .send()
        .await
        .map_err(|e| call("organizations:ListTargetsForPolicy", &e))?;
    let mut target_ids: Vec<String> = targets
        .targets()
        .iter()
        .filter_map(|t| t.target_id().map(str::to_owned))
        .collect();
    target_ids.sort();
    Ok(OrgPolicySnapshot {
        id: id.to_owned(),
        name: name.to_owned(),
        kind,
        document,
        targets: target_ids,
    })
}

/// The OU path of an account (`Workloads/Prod`), `None` directly under the root.
pub fn ou_path(
    organization: &OrganizationSnapshot,
    account: &OrgAccountSnapshot,
) -> Option<String> {
    organization
        .ous
        .iter()
        .find(|ou| ou.id == account.parent_id)
        .map(|ou| ou.path.clone())
}

/// The accounts an apply may change: the organisation's `ACTIVE` accounts ("ListAccounts", AWS
/// Organizations API Reference: an account removed from the organisation is no longer listed, a
/// suspended or closing one is not `ACTIVE`), or [`crate::Members::NoOrganization`] when the
/// caller's account belongs to none.
pub async fn members(connection: &Connection) -> Result<crate::Members, AwsError> {
    let config = aws_sdk_organizations::config::Builder::from(&connection.config)
        .retry_config(retry_config(10))
        .build();
    let org = aws_sdk_organizations::Client::from_conf(config);
    match org.describe_organization().send().await {
        Ok(_) => {}
        Err(e)
            if aws_sdk_organizations::error::ProvideErrorMetadata::code(&e)
                == Some("AWSOrganizationsNotInUseException") =>
        {
            return Ok(crate::Members::NoOrganization);
        }
        Err(e) => return Err(call("organizations:DescribeOrganization", &e)),
    }
    let mut active = std::collections::BTreeSet::new();
    let mut token = None;
    loop {
        let page = org
            .list_accounts()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| call("organizations:ListAccounts", &e))?;
        for account in page.accounts() {
            if account.status() == Some(&aws_sdk_organizations::types::AccountStatus::Active)
                && let Some(id) = account.id()
            {
                active.insert(id.to_owned());
            }
        }
        match page.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    Ok(crate::Members::Organization(active))
}
