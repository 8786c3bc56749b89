//! The IAM calls the plan executor makes, as a trait: the SDK client implements it for real, and a
//! test implements it with a recording client to prove that no call touches what awsfed does not
//! own (the executor's guard is what is under test there, not IAM).

use std::collections::BTreeMap;
use std::future::Future;

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;

use crate::AwsError;

pub use user_calls::{GroupEntity, IamUserApi};

/// A failed IAM call: its code decides whether it is retried or means "already done".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub operation: &'static str,
    /// The AWS error code when AWS sent one (`EntityAlreadyExists`, `NoSuchEntity`, …).
    pub code: Option<String>,
    pub message: String,
}

impl CallError {
    pub fn new(operation: &'static str, code: &str, message: &str) -> Self {
        Self {
            operation,
            code: Some(code.to_owned()),
            message: format!("{code}: {message}"),
        }
    }

    fn sdk<E, R>(operation: &'static str, error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        Self {
            operation,
            code: error.code().map(str::to_owned),
            message: match error.message() {
                Some(message) => format!("{}: {message}", error.code().unwrap_or("error")),
                None => DisplayErrorContext(error).to_string(),
            },
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
}

impl From<CallError> for AwsError {
    fn from(e: CallError) -> Self {
        AwsError::Call {
            operation: e.operation.to_owned(),
            code: e.code,
            message: e.message,
        }
    }
}

/// A role to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRole<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub description: &'a str,
    pub max_session_duration: u32,
    pub trust_policy: &'a str,
    pub permissions_boundary: Option<&'a str>,
    pub tags: &'a BTreeMap<String, String>,
}

/// A managed policy to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicy<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub description: &'a str,
    pub document: &'a str,
    pub tags: &'a BTreeMap<String, String>,
}

/// What ownership is decided on: a role's or policy's path and tags, as IAM reports them now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entity {
    pub path: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    pub id: String,
    pub is_default: bool,
    /// Seconds since the epoch, for "the oldest".
    pub created: f64,
}

type Call<T> = Result<T, CallError>;

/// The IAM API as the executor uses it. Every method is one IAM call.
pub trait IamApi: IamUserApi + Send + Sync {
    fn create_saml_provider(
        &self,
        name: &str,
        metadata: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Call<()>> + Send;
    fn update_saml_provider(
        &self,
        arn: &str,
        metadata: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn delete_saml_provider(&self, arn: &str) -> impl Future<Output = Call<()>> + Send;
    fn create_role(&self, role: &NewRole<'_>) -> impl Future<Output = Call<()>> + Send;
    fn get_role(&self, role: &str) -> impl Future<Output = Call<Entity>> + Send;
    fn update_assume_role_policy(
        &self,
        role: &str,
        document: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn update_role(
        &self,
        role: &str,
        max_session_duration: u32,
        description: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn delete_role_policy(&self, role: &str, name: &str) -> impl Future<Output = Call<()>> + Send;
    fn list_role_policies(&self, role: &str) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn attach_role_policy(&self, role: &str, arn: &str) -> impl Future<Output = Call<()>> + Send;
    fn detach_role_policy(&self, role: &str, arn: &str) -> impl Future<Output = Call<()>> + Send;
    fn list_attached_role_policies(
        &self,
        role: &str,
    ) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn put_role_permissions_boundary(
        &self,
        role: &str,
        arn: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn delete_role_permissions_boundary(&self, role: &str)
    -> impl Future<Output = Call<()>> + Send;
    fn tag_role(
        &self,
        role: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Call<()>> + Send;
    fn untag_role(&self, role: &str, keys: &[String]) -> impl Future<Output = Call<()>> + Send;
    /// Instance profile names holding the role.
    fn list_instance_profiles_for_role(
        &self,
        role: &str,
    ) -> impl Future<Output = Call<Vec<String>>> + Send;
    fn delete_role(&self, role: &str) -> impl Future<Output = Call<()>> + Send;
    fn create_policy(&self, policy: &NewPolicy<'_>) -> impl Future<Output = Call<()>> + Send;
    fn get_policy(&self, arn: &str) -> impl Future<Output = Call<Entity>> + Send;
    fn list_policy_versions(
        &self,
        arn: &str,
    ) -> impl Future<Output = Call<Vec<PolicyVersion>>> + Send;
    /// The version's document as IAM returns it (URL-encoded JSON).
    fn get_policy_version(
        &self,
        arn: &str,
        version: &str,
    ) -> impl Future<Output = Call<String>> + Send;
    /// A new version, made the default.
    fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn set_default_policy_version(
        &self,
        arn: &str,
        version: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn delete_policy_version(
        &self,
        arn: &str,
        version: &str,
    ) -> impl Future<Output = Call<()>> + Send;
    fn tag_policy(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> impl Future<Output = Call<()>> + Send;
    /// Names of the roles the policy is attached to.
    fn list_entities_for_policy(&self, arn: &str)
    -> impl Future<Output = Call<Vec<String>>> + Send;
    fn delete_policy(&self, arn: &str) -> impl Future<Output = Call<()>> + Send;
}

fn sdk_tags(map: &BTreeMap<String, String>) -> Call<Vec<Tag>> {
    map.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| CallError::new("iam:Tag", "InvalidInput", &e.to_string()))
        })
        .collect()
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

fn seconds(max_session_duration: u32) -> i32 {
    i32::try_from(max_session_duration).unwrap_or(3600)
}

macro_rules! sent {
    ($operation:literal, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|e| CallError::sdk($operation, &e))
    };
}

/// Every page of a list call, items gathered by `$items` from each page. IAM returns at most
/// `MaxItems` (100 by default) a page and says `IsTruncated` with a `Marker` to continue from
/// ("Using pagination", IAM API Reference): a role can hold more inline policies than one page,
/// and a deletion that saw only the first page would fail on what it did not see.
macro_rules! every_page {
    ($operation:literal, $request:expr, $items:expr) => {{
        let mut items = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = sent!($operation, $request.set_marker(marker.take()))?;
            items.extend(($items)(&page));
            match page.marker() {
                Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
                _ => break,
            }
        }
        items
    }};
}

// After the macros, which it uses.
mod user_calls;

/// Every tag of a customer managed policy. `ListPolicyTags` pages like every IAM list; a page cut
/// early would hide `awsfed:managed` and make awsfed's own policy look foreign.
pub(crate) async fn policy_tags(
    iam: &aws_sdk_iam::Client,
    arn: &str,
) -> Call<BTreeMap<String, String>> {
    Ok(every_page!(
        "iam:ListPolicyTags",
        iam.list_policy_tags().policy_arn(arn),
        |page: &aws_sdk_iam::operation::list_policy_tags::ListPolicyTagsOutput| tag_map(
            page.tags()
        )
    )
    .into_iter()
    .collect())
}

impl IamApi for aws_sdk_iam::Client {
    async fn create_saml_provider(
        &self,
        name: &str,
        metadata: &str,
        tags: &BTreeMap<String, String>,
    ) -> Call<()> {
        let tags = sdk_tags(tags)?;
        sent!(
            "iam:CreateSAMLProvider",
            self.create_saml_provider()
                .name(name)
                .saml_metadata_document(metadata)
                .set_tags(Some(tags))
        )
        .map(drop)
    }

    async fn update_saml_provider(&self, arn: &str, metadata: &str) -> Call<()> {
        sent!(
            "iam:UpdateSAMLProvider",
            self.update_saml_provider()
                .saml_provider_arn(arn)
                .saml_metadata_document(metadata)
        )
        .map(drop)
    }

    async fn delete_saml_provider(&self, arn: &str) -> Call<()> {
        sent!(
            "iam:DeleteSAMLProvider",
            self.delete_saml_provider().saml_provider_arn(arn)
        )
        .map(drop)
    }

    async fn create_role(&self, role: &NewRole<'_>) -> Call<()> {
        let tags = sdk_tags(role.tags)?;
        sent!(
            "iam:CreateRole",
            self.create_role()
                .role_name(role.name)
                .path(role.path)
                .description(role.description)
                .max_session_duration(seconds(role.max_session_duration))
                .assume_role_policy_document(role.trust_policy)
                .set_permissions_boundary(role.permissions_boundary.map(str::to_owned))
                .set_tags(Some(tags))
        )
        .map(drop)
    }

    async fn get_role(&self, role: &str) -> Call<Entity> {
        let output = sent!("iam:GetRole", self.get_role().role_name(role))?;
        Ok(output.role().map_or_else(Entity::default, |r| Entity {
            path: r.path().to_owned(),
            tags: tag_map(r.tags()),
        }))
    }

    async fn update_assume_role_policy(&self, role: &str, document: &str) -> Call<()> {
        sent!(
            "iam:UpdateAssumeRolePolicy",
            self.update_assume_role_policy()
                .role_name(role)
                .policy_document(document)
        )
        .map(drop)
    }

    async fn update_role(
        &self,
        role: &str,
        max_session_duration: u32,
        description: &str,
    ) -> Call<()> {
        sent!(
            "iam:UpdateRole",
            self.update_role()
                .role_name(role)
                .max_session_duration(seconds(max_session_duration))
                .description(description)
        )
        .map(drop)
    }

    async fn put_role_policy(&self, role: &str, name: &str, document: &str) -> Call<()> {
        sent!(
            "iam:PutRolePolicy",
            self.put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document)
        )
        .map(drop)
    }

    async fn delete_role_policy(&self, role: &str, name: &str) -> Call<()> {
        sent!(
            "iam:DeleteRolePolicy",
            self.delete_role_policy().role_name(role).policy_name(name)
        )
        .map(drop)
    }

    async fn list_role_policies(&self, role: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListRolePolicies",
            self.list_role_policies().role_name(role),
            |page: &aws_sdk_iam::operation::list_role_policies::ListRolePoliciesOutput| page
                .policy_names()
                .to_vec()
        ))
    }

    async fn attach_role_policy(&self, role: &str, arn: &str) -> Call<()> {
        sent!(
            "iam:AttachRolePolicy",
            self.attach_role_policy().role_name(role).policy_arn(arn)
        )
        .map(drop)
    }

    async fn detach_role_policy(&self, role: &str, arn: &str) -> Call<()> {
        sent!(
            "iam:DetachRolePolicy",
            self.detach_role_policy().role_name(role).policy_arn(arn)
        )
        .map(drop)
    }

    async fn list_attached_role_policies(&self, role: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListAttachedRolePolicies",
            self.list_attached_role_policies().role_name(role),
            |page: &aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput| page
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned))
                .collect::<Vec<_>>()
        ))
    }

    async fn put_role_permissions_boundary(&self, role: &str, arn: &str) -> Call<()> {
        sent!(
            "iam:PutRolePermissionsBoundary",
            self.put_role_permissions_boundary()
                .role_name(role)
                .permissions_boundary(arn)
        )
        .map(drop)
    }

    async fn delete_role_permissions_boundary(&self, role: &str) -> Call<()> {
        sent!(
            "iam:DeleteRolePermissionsBoundary",
            self.delete_role_permissions_boundary().role_name(role)
        )
        .map(drop)
    }

    async fn tag_role(&self, role: &str, tags: &BTreeMap<String, String>) -> Call<()> {
        let tags = sdk_tags(tags)?;
        sent!(
            "iam:TagRole",
            self.tag_role().role_name(role).set_tags(Some(tags))
        )
        .map(drop)
    }

    async fn untag_role(&self, role: &str, keys: &[String]) -> Call<()> {
        sent!(
            "iam:UntagRole",
            self.untag_role()
                .role_name(role)
                .set_tag_keys(Some(keys.to_vec()))
        )
        .map(drop)
    }

    async fn list_instance_profiles_for_role(&self, role: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListInstanceProfilesForRole",
            self.list_instance_profiles_for_role().role_name(role),
            |page: &aws_sdk_iam::operation::list_instance_profiles_for_role::ListInstanceProfilesForRoleOutput| page
                .instance_profiles()
                .iter()
                .map(|p| p.instance_profile_name().to_owned())
                .collect::<Vec<_>>()
        ))
    }

    async fn delete_role(&self, role: &str) -> Call<()> {
        sent!("iam:DeleteRole", self.delete_role().role_name(role)).map(drop)
    }

    async fn create_policy(&self, policy: &NewPolicy<'_>) -> Call<()> {
        let tags = sdk_tags(policy.tags)?;
        sent!(
            "iam:CreatePolicy",
            self.create_policy()
                .policy_name(policy.name)
                .path(policy.path)
                .description(policy.description)
                .policy_document(policy.document)
                .set_tags(Some(tags))
        )
        .map(drop)
    }

    async fn get_policy(&self, arn: &str) -> Call<Entity> {
        let output = sent!("iam:GetPolicy", self.get_policy().policy_arn(arn))?;
        let mut entity = output.policy().map_or_else(Entity::default, |p| Entity {
            path: p.path().unwrap_or("/").to_owned(),
            tags: tag_map(p.tags()),
        });
        // Some endpoints (moto) leave the tags out of GetPolicy.
        if entity.tags.is_empty() {
            entity.tags = policy_tags(self, arn).await?;
        }
        Ok(entity)
    }

    async fn list_policy_versions(&self, arn: &str) -> Call<Vec<PolicyVersion>> {
        Ok(every_page!(
            "iam:ListPolicyVersions",
            self.list_policy_versions().policy_arn(arn),
            |page: &aws_sdk_iam::operation::list_policy_versions::ListPolicyVersionsOutput| page
                .versions()
                .iter()
                .filter_map(|v| {
                    Some(PolicyVersion {
                        id: v.version_id()?.to_owned(),
                        is_default: v.is_default_version(),
                        created: v.create_date().map_or(0.0, |d| d.as_secs_f64()),
                    })
                })
                .collect::<Vec<_>>()
        ))
    }

    async fn get_policy_version(&self, arn: &str, version: &str) -> Call<String> {
        let output = sent!(
            "iam:GetPolicyVersion",
            self.get_policy_version()
                .policy_arn(arn)
                .version_id(version)
        )?;
        Ok(output
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default()
            .to_owned())
    }

    async fn create_policy_version(&self, arn: &str, document: &str) -> Call<()> {
        sent!(
            "iam:CreatePolicyVersion",
            self.create_policy_version()
                .policy_arn(arn)
                .policy_document(document)
                .set_as_default(true)
        )
        .map(drop)
    }

    async fn set_default_policy_version(&self, arn: &str, version: &str) -> Call<()> {
        sent!(
            "iam:SetDefaultPolicyVersion",
            self.set_default_policy_version()
                .policy_arn(arn)
                .version_id(version)
        )
        .map(drop)
    }

    async fn delete_policy_version(&self, arn: &str, version: &str) -> Call<()> {
        sent!(
            "iam:DeletePolicyVersion",
            self.delete_policy_version()
                .policy_arn(arn)
                .version_id(version)
        )
        .map(drop)
    }

    async fn tag_policy(&self, arn: &str, tags: &BTreeMap<String, String>) -> Call<()> {
        let tags = sdk_tags(tags)?;
        sent!(
            "iam:TagPolicy",
            self.tag_policy().policy_arn(arn).set_tags(Some(tags))
        )
        .map(drop)
    }

    async fn list_entities_for_policy(&self, arn: &str) -> Call<Vec<String>> {
        Ok(every_page!(
            "iam:ListEntitiesForPolicy",
            self.list_entities_for_policy().policy_arn(arn),
            |page: &aws_sdk_iam::operation::list_entities_for_policy::ListEntitiesForPolicyOutput| page
                .policy_roles()
                .iter()
                .filter_map(|r| r.role_name().map(str::to_owned))
                .collect::<Vec<_>>()
        ))
    }

    async fn delete_policy(&self, arn: &str) -> Call<()> {
        sent!("iam:DeletePolicy", self.delete_policy().policy_arn(arn)).map(drop)
    }
}
