//! Reading one account's IAM state into an [`AccountSnapshot`].
//!
//! One `GetAccountAuthorizationDetails` (filtered to roles and customer managed policies, paginated)
//! returns every role with its trust, inline and attached policies, boundary and tags, and every
//! customer managed policy with its versions ("GetAccountAuthorizationDetails", IAM API Reference) —
//! far fewer calls than per-role reads. It does not return a role's description or session length
//! nor a policy's tags; `full` reads those one by one (for `awsfed scan`), while `plan` relies on
//! the tags awsfed writes. Policy documents come back URL-encoded (RFC 3986) and are decoded here.
//! IAM users and groups come from the same pages (`read_users`).

use std::collections::BTreeMap;

use aws_sdk_iam::types::{EntityType, SummaryKeyType};
use awsfed_plan::AccountQuotas;
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::{
    AccountSnapshot, ManagedPolicySnapshot, PolicyVersionSnapshot, RoleSnapshot, SNAPSHOT_FORMAT,
    SamlProviderSnapshot,
};

use crate::AwsError;

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Also read each role's description and session length, every provider, and the tags of
    /// every customer managed policy (one call each).
    pub full: bool,
    /// Only this SAML provider's metadata is read unless `full`.
    pub provider_name: Option<String>,
    /// Policy tags are read for customer managed policies under this path (awsfed's).
    pub role_path: String,
}

pub async fn read_account(
    iam: &aws_sdk_iam::Client,
    account_id: &str,
    name: Option<String>,
    options: &ReadOptions,
) -> Result<AccountSnapshot, AwsError> {
    let (mut roles, mut policies, mut users, mut groups) = authorization_details(iam).await?;
    for policy in &mut policies {
        if options.full || awsfed_plan::is_under_path(&policy.path, &options.role_path) {
            policy.tags = crate::iam::policy_tags(iam, &policy.arn)
                .await?
                .into_iter()
                .collect();
        }
    }
    if options.full {
        for role in &mut roles {
            role_details(iam, role).await?;
        }
    }
    let mut saml_providers = saml_providers(iam, options).await?;
    crate::read_users::read_credentials(iam, &mut users, options).await?;
    roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    users.sort_by(|a, b| a.arn.cmp(&b.arn));
    groups.sort_by(|a, b| a.arn.cmp(&b.arn));
    saml_providers.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(AccountSnapshot {
        format: SNAPSHOT_FORMAT,
        id: account_id.to_owned(),
        name,
        roles,
        saml_providers,
        policies,
        users,
        groups,
    })
}

/// What `GetAccountAuthorizationDetails`' pages give: roles, customer managed policies, IAM users
/// and IAM groups.
type AuthorizationDetails = (
    Vec<RoleSnapshot>,
    Vec<ManagedPolicySnapshot>,
    Vec<awsfed_snapshot::UserSnapshot>,
    Vec<awsfed_snapshot::IamGroupSnapshot>,
);

/// Every role, customer managed policy, IAM user and IAM group, from `GetAccountAuthorizationDetails`' pages.
async fn authorization_details(
    iam: &aws_sdk_iam::Client,
) -> Result<AuthorizationDetails, AwsError> {
    let mut roles = Vec::new();
    let mut policies = Vec::new();
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut marker = None;
    loop {
        let page = iam
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::User)
            .filter(EntityType::Group)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsError::call("iam:GetAccountAuthorizationDetails", &e))?;
        for role in page.role_detail_list() {
            roles.push(role_snapshot(role)?);
        }
        for policy in page.policies() {
            if let Some(policy) = policy_snapshot(policy)? {
                policies.push(policy);
            }
        }
        for user in page.user_detail_list() {
            users.push(crate::read_users::user_snapshot(user)?);
        }
        for group in page.group_detail_list() {
            groups.push(crate::read_users::group_snapshot(group)?);
        }
        match page.marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok((roles, policies, users, groups))
}

/// The role's session length and description, which `GetAccountAuthorizationDetails` leaves out.
async fn role_details(iam: &aws_sdk_iam::Client, role: &mut RoleSnapshot) -> Result<(), AwsError> {
    let output = iam
        .get_role()
        .role_name(&role.name)
        .send()
        .await
        .map_err(|e| AwsError::call("iam:GetRole", &e))?;
    if let Some(detail) = output.role() {
        role.max_session_duration = detail
            .max_session_duration()
            .map_or(0, |d| u32::try_from(d).unwrap_or(0));
        role.description = detail.description().map(str::to_owned);
    }
    Ok(())
}

/// The account's SAML providers: every one when `full`, else only the model's.
async fn saml_providers(
    iam: &aws_sdk_iam::Client,
    options: &ReadOptions,
) -> Result<Vec<SamlProviderSnapshot>, AwsError> {
    let mut saml_providers = Vec::new();
    let listed = iam
        .list_saml_providers()
        .send()
        .await
        .map_err(|e| AwsError::call("iam:ListSAMLProviders", &e))?;
    for entry in listed.saml_provider_list() {
        let Some(arn) = entry.arn() else { continue };
        let provider_name = arn.rsplit('/').next().unwrap_or(arn).to_owned();
        if !options.full && options.provider_name.as_deref() != Some(provider_name.as_str()) {
            continue;
        }
        let detail = iam
            .get_saml_provider()
            .saml_provider_arn(arn)
            .send()
            .await
            .map_err(|e| AwsError::call("iam:GetSAMLProvider", &e))?;
        saml_providers.push(SamlProviderSnapshot {
            arn: arn.to_owned(),
            name: provider_name,
            metadata_document: detail
                .saml_metadata_document()
                .unwrap_or_default()
                .to_owned(),
            valid_until: detail.valid_until().and_then(|t| {
                t.fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
                    .ok()
            }),
            tags: detail
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
        });
    }
    Ok(saml_providers)
}

/// The account's quotas and role count (`iam:GetAccountSummary`: one call).
pub async fn read_quotas(iam: &aws_sdk_iam::Client) -> Result<AccountQuotas, AwsError> {
    let operation = "iam:GetAccountSummary";
    let output = iam
        .get_account_summary()
        .send()
        .await
        .map_err(|e| AwsError::call(operation, &e))?;
    let summary = output.summary_map();
    let value = |key: SummaryKeyType| -> Result<usize, AwsError> {
        summary
            .and_then(|s| s.get(&key))
            .and_then(|v| usize::try_from(*v).ok())
            .ok_or_else(|| AwsError::Unreadable {
                operation: operation.to_owned(),
                what: format!("no {key}"),
            })
    };
    Ok(AccountQuotas {
        roles: value(SummaryKeyType::Roles)?,
        roles_quota: value(SummaryKeyType::RolesQuota)?,
        attached_policies_per_role_quota: value(SummaryKeyType::AttachedPoliciesPerRoleQuota)?,
        assume_role_policy_size_quota: value(SummaryKeyType::AssumeRolePolicySizeQuota)?,
        policy_size_quota: value(SummaryKeyType::PolicySizeQuota)?,
    })
}

fn role_snapshot(role: &aws_sdk_iam::types::RoleDetail) -> Result<RoleSnapshot, AwsError> {
    let name = role.role_name().unwrap_or_default().to_owned();
    let operation = "iam:GetAccountAuthorizationDetails";
    let trust_policy = document(
        role.assume_role_policy_document().unwrap_or_default(),
        operation,
        &format!("the trust policy of role {name}"),
    )?;
    let mut inline_policies = BTreeMap::new();
    for policy in role.role_policy_list() {
        let policy_name = policy.policy_name().unwrap_or_default().to_owned();
        let parsed = document(
            policy.policy_document().unwrap_or_default(),
            operation,
            &format!("inline policy {policy_name} of role {name}"),
        )?;
        inline_policies.insert(policy_name, parsed);
    }
    let mut managed_policy_arns: Vec<String> = role
        .attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect();
    managed_policy_arns.sort();
    Ok(RoleSnapshot {
        path: role.path().unwrap_or("/").to_owned(),
        arn: role.arn().unwrap_or_default().to_owned(),
        role_id: role.role_id().unwrap_or_default().to_owned(),
        trust_policy,
        inline_policies,
        managed_policy_arns,
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn().map(str::to_owned)),
        max_session_duration: 0,
        description: None,
        tags: role
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
        name,
    })
}

fn policy_snapshot(
    policy: &aws_sdk_iam::types::ManagedPolicyDetail,
) -> Result<Option<ManagedPolicySnapshot>, AwsError> {
    let Some(version) = policy
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version())
    else {
        return Ok(None);
    };
    let arn = policy.arn().unwrap_or_default().to_owned();
    let mut other_versions = Vec::new();
    for other in policy
        .policy_version_list()
        .iter()
        .filter(|v| !v.is_default_version())
    {
        let id = other.version_id().unwrap_or_default().to_owned();
        other_versions.push(PolicyVersionSnapshot {
            document: document(
                other.document().unwrap_or_default(),
                "iam:GetAccountAuthorizationDetails",
                &format!("version {id} of policy {arn}"),
            )?,
            id,
        });
    }
    Ok(Some(ManagedPolicySnapshot {
        document: document(
            version.document().unwrap_or_default(),
            "iam:GetAccountAuthorizationDetails",
            &format!("the document of policy {arn}"),
        )?,
        // Some endpoints (moto) leave the name out; it is the ARN's last segment.
        name: policy.policy_name().map_or_else(
            || arn.rsplit('/').next().unwrap_or_default().to_owned(),
            str::to_owned,
        ),
        path: policy.path().unwrap_or("/").to_owned(),
        tags: BTreeMap::new(),
        other_versions,
        arn,
    }))
}

/// Parses a policy document as IAM returns it: URL-encoded JSON (or plain JSON from some endpoints).
pub fn document(text: &str, operation: &str, what: &str) -> Result<PolicyDocument, AwsError> {
    let decoded;
    let json = if text.trim_start().starts_with('{') {
        text
    } else {
        decoded = percent_decode(text);
        &decoded
    };
    PolicyDocument::from_json(json).map_err(|e| AwsError::Unreadable {
        operation: operation.to_owned(),
        what: format!("{what} that is not a policy document awsfed can read ({e})"),
    })
}

/// RFC 3986 percent-decoding (`+` stays `+`); invalid escapes are kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_documents_are_decoded() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22a+b%22%7D%5D%7D";
        let parsed = document(encoded, "op", "doc").unwrap();
        assert_eq!(
            parsed.to_json(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"a+b"}]}"#
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
