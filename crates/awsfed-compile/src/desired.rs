//! The desired state: what a model compiles to. Per account the SAML provider, the roles and the
//! policies awsfed owns; per directory group the SAML `Role` attribute values and the sign-in path to
//! each target. Everything is sorted so the same model always gives the same bytes.

use std::collections::BTreeMap;

use awsfed_model::{Diagnostic, TopologyKind};
use awsfed_policy::PolicyDocument;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DesiredState {
    pub partition: String,
    /// IAM SAML provider name, the same in every account.
    pub provider_name: String,
    /// Sorted by account name.
    pub accounts: Vec<DesiredAccount>,
    /// Sorted by group name.
    pub groups: Vec<GroupMapping>,
    /// Permission sets and account assignments, when some account is `identity-center`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_center: Option<crate::DesiredIdentityCenter>,
    /// What the compiler chose and why (narrowed policy forms), and quota problems.
    pub notes: Vec<Diagnostic>,
    /// Organizations' tree this state was compiled with (a live plan's), `None` offline. A
    /// migration compiles the model before the move with it too, so the hub policies of both
    /// states take the same forms (`aws:ResourceOrgPaths`) and rolling back restores the deployed
    /// documents exactly. Not part of the output.
    #[serde(skip)]
    pub organization_paths: Option<crate::OrganizationPaths>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredAccount {
    pub name: String,
    pub id: String,
    pub topology: TopologyKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ou: Option<String>,
    /// The Region people work in (the model's `region` or `default_region`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Hubs hosted in this account.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hubs: Vec<String>,
    /// The hub this account belongs to (a hub per team): only that hub's roles enter its spoke
    /// roles. `None` when the model assigns it none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// Present when users federate into this account: it is a hub, or it has direct roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saml_provider: Option<DesiredProvider>,
    /// Sorted by role name.
    pub roles: Vec<DesiredRole>,
    /// Customer managed policies awsfed owns in this account (hub assume policies), sorted by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<DesiredPolicy>,
    /// The IAM-users hub, in the account of its hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_users: Option<DesiredIamUsers>,
}

/// People as IAM users in the hub account: the users, an IAM group per directory group they are in,
/// and the managed policies awsfed attaches to both. awsfed never creates passwords or access keys:
/// users set their own (the self-service policy lets them).
#[derive(Debug, Clone, Serialize)]
pub struct DesiredIamUsers {
    pub hub: String,
    /// The IAM path of the users, their groups and these policies.
    pub path: String,
    /// Seconds: the `aws:MultiFactorAuthAge` every hop accepts, and the `GetSessionToken` duration.
    pub mfa_max_age: u32,
    /// Spoke trusts require the session's SourceIdentity to be the user name (`${aws:username}`).
    pub source_identity: bool,
    /// Sorted by name.
    pub users: Vec<DesiredUser>,
    /// Sorted by name.
    pub groups: Vec<DesiredIamGroup>,
    /// The groups' assume policies and the users' self-service policies, sorted by name.
    pub policies: Vec<DesiredPolicy>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredUser {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// IAM group names, sorted.
    pub groups: Vec<String>,
    /// Whether every hop requires MFA for this user.
    pub mfa: bool,
    /// The self-service policy, and the MFA requirement where `mfa` holds.
    pub managed_policy_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// Every (account, permission set) the user reaches: one `AssumeRole` from the user's
    /// `GetSessionToken` session, which is no role chaining. Sorted by account, then permission set.
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredIamGroup {
    pub name: String,
    pub path: String,
    pub arn: String,
    /// The directory group it stands for.
    pub group: String,
    /// Whether its assume policies require MFA (every member's `mfa` holds).
    pub mfa: bool,
    pub managed_policy_arns: Vec<String>,
    /// The spoke roles its directory group is granted, sorted: what its policies must allow and
    /// no more (audit compares). Not written out: the policies say it.
    #[serde(skip)]
    pub granted_role_arns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredProvider {
    pub name: String,
    pub arn: String,
    /// The metadata file of the model, relative to it; `None` when the model names none (the
    /// provider must then exist already or be created by hand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RoleKind {
    /// A group's role in its hub account, entered with SAML; it may only assume spoke roles.
    Hub { group: String, hub: String },
    /// A permission set's role in a hub-and-spoke account, entered from hub roles.
    Spoke { permission_set: String },
    /// A permission set's role in a direct account, entered with SAML.
    Direct { permission_set: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredRole {
    pub name: String,
    pub path: String,
    pub arn: String,
    #[serde(flatten)]
    pub kind: RoleKind,
    pub description: String,
    /// Seconds.
    pub max_session_duration: u32,
    pub trust_policy: PolicyDocument,
    /// How the trust names its principals.
    pub trust_form: TrustForm,
    /// How the trust names the IAM users it admits, when it admits some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_trust_form: Option<UserTrustForm>,
    /// Managed policies attached: the permission set's and the awsfed policies of this account.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, PolicyDocument>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustForm {
    /// Trusts the account's SAML provider (hub and direct roles).
    SamlProvider,
    /// Trusts the exact ARNs of the hub roles granted this role.
    HubRoles,
    /// Trusts the hub accounts, narrowed by `aws:PrincipalArn` to the hub path, where nothing but
    /// hub roles lives (the exact list would pass the trust policy size quota).
    HubAccountsByHubPath,
    /// Trusts no hub role, only IAM users of the hub (the model has no SAML IdP); see
    /// [`DesiredRole::user_trust_form`].
    IamUsersOnly,
}

/// How a spoke trust names the IAM users it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserTrustForm {
    /// The exact ARNs of the users of the groups granted the role.
    Users,
    /// The hub account narrowed by `aws:PrincipalArn` to the users' path (the exact list would pass
    /// the trust policy quota); each group's own policy still names exact spoke roles.
    HubAccountByUserPath,
}

/// How a hub role's assume policy names the spoke roles it may assume, tightest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HubPolicyForm {
    /// Every spoke role ARN, in one policy.
    ExactArns,
    /// For the role names of OU grants, one statement per role name narrowed by
    /// `aws:ResourceOrgPaths` to the OUs granted (the rest by `aws:ResourceAccount` lists). Only at
    /// plan time, from Organizations' tree, and only for OUs every account of which is granted:
    /// exact now, and an account added to such an OU later is granted too, as the OU grant says.
    RoleNameByOrgPaths,
    /// One statement per role name across accounts, narrowed by `aws:ResourceAccount` lists, split
    /// over several policies. Grants exactly the same roles as the exact form.
    RoleNameByAccount,
    /// One statement per role name in every account of the organisation (`aws:ResourceOrgID`)
    /// except those not granted (`StringNotEquals aws:ResourceAccount`): exact when the model holds
    /// every account of the organisation (`organization.complete`).
    RoleNameInOrganizationExcept,
    /// One statement per role name, narrowed to the organisation (`aws:ResourceOrgID`): wider than
    /// the grants when the organisation has accounts outside the model.
    RoleNameInOrganization,
}

#[derive(Debug, Clone, Serialize)]
pub struct DesiredPolicy {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub description: String,
    pub document: PolicyDocument,
    /// The hub role or IAM group it is attached to; empty for the IAM users' own policies, which
    /// are attached to each user.
    pub attached_to: String,
    pub form: HubPolicyForm,
    pub tags: BTreeMap<String, String>,
}

/// The IdP side for one directory group, and every target its members can reach.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMapping {
    pub group: String,
    /// Values of the SAML attribute `https://aws.amazon.com/SAML/Attributes/Role` members receive.
    /// Sorted.
    pub role_values: Vec<RoleValue>,
    /// Sorted by account name, then permission set.
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RoleValue {
    pub role_arn: String,
    pub provider_arn: String,
    pub account_name: String,
    pub account_id: String,
    pub role_name: String,
}

impl RoleValue {
    /// The attribute value in the order AWS documents (`role-arn,provider-arn`), or the other.
    pub fn attribute(&self, provider_first: bool) -> String {
        if provider_first {
            format!("{},{}", self.provider_arn, self.role_arn)
        } else {
            format!("{},{}", self.role_arn, self.provider_arn)
        }
    }
}

/// One (account, permission set) a group reaches, and the hops that reach it.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub account_name: String,
    pub account_id: String,
    pub permission_set: String,
    pub hops: Vec<Hop>,
    /// The longest session the final hop can give (seconds): the role's maximum, capped at one hour
    /// after role chaining.
    pub max_session_duration: u32,
}

impl Target {
    /// `ACCOUNT/PERMISSION_SET`: how users name a target on the command line.
    pub fn name(&self) -> String {
        format!("{}/{}", self.account_name, self.permission_set)
    }
}

impl Hop {
    /// The role the hop enters.
    pub fn role_arn(&self) -> &str {
        match self {
            Hop::Saml { role_arn, .. } | Hop::AssumeRole { role_arn, .. } => role_arn,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Hop {
    /// `sts:AssumeRoleWithSAML` with the assertion.
    Saml {
        role_arn: String,
        provider_arn: String,
        max_session_duration: u32,
    },
    /// `sts:AssumeRole` from the previous hop's session.
    AssumeRole {
        role_arn: String,
        max_session_duration: u32,
    },
}
