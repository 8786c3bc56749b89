//! The model as written in `awsfed.yaml`: every value keeps its place in the file, nothing is checked
//! beyond its shape. [`crate::resolve`] turns it into the validated [`crate::Model`].

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::Spanned;
pub use crate::iam_users::{RawIamUser, RawIamUsers};
pub use crate::identity_center::{GroupSource, RawIdentityCenter};

/// An awsfed model: the identity provider, the accounts, the permission sets and which directory
/// groups get which permission sets in which accounts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "awsfed model")]
pub struct RawModel {
    /// Model format version; only `1` exists.
    pub version: Spanned<u32>,
    /// AWS partition of every account: `aws`, `aws-cn` or `aws-us-gov`.
    #[serde(default)]
    pub partition: Option<Spanned<String>>,
    /// The AWS Region people work in (`eu-west-1`) where an account names none: sign-in's
    /// `configure`, `env`, `exec` and `console` use it.
    #[serde(default)]
    pub default_region: Option<Spanned<String>>,
    /// The SAML identity provider of the hub-and-spoke and direct accounts; a model whose accounts
    /// are all `identity-center` needs none.
    #[serde(default)]
    pub identity_provider: Option<RawIdentityProvider>,
    /// The IAM Identity Center instance that serves the `identity-center` accounts.
    #[serde(default)]
    pub identity_center: Option<Spanned<RawIdentityCenter>>,
    /// People as IAM users in a hub account (with MFA), beside or instead of the SAML IdP: their
    /// directory groups become IAM groups there, allowed to assume the groups' spoke roles.
    #[serde(default)]
    pub iam_users: Option<Spanned<RawIamUsers>>,
    pub topology: RawTopology,
    /// The AWS Organization the accounts belong to; lets the compiler narrow hub policies by
    /// organisation when exact role lists would not fit IAM's size quotas.
    #[serde(default)]
    pub organization: Option<RawOrganization>,
    #[serde(default)]
    pub naming: RawNaming,
    #[serde(default)]
    pub quotas: RawQuotas,
    /// Warning codes this model accepts (they are still printed, but `--deny-warnings` ignores them).
    #[serde(default)]
    pub allow_warnings: Vec<Spanned<String>>,
    /// Accounts by friendly name.
    pub accounts: BTreeMap<Spanned<String>, RawAccount>,
    /// Accounts to add from AWS Organizations when connected (`scan`, `plan`, `apply`,
    /// `bootstrap`), so an account created later under a targeted OU is picked up by the next plan.
    #[serde(default)]
    pub discover: Option<Spanned<RawDiscover>>,
    /// How `awsfed plan|apply --engine stacksets` runs its stack set operations (flags override).
    #[serde(default)]
    pub stack_sets: Option<Spanned<RawStackSets>>,
    /// Permission sets by name.
    pub permission_sets: BTreeMap<Spanned<String>, RawPermissionSet>,
    /// Directory groups (as named in the IdP) and their grants.
    pub groups: BTreeMap<Spanned<String>, RawGroup>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIdentityProvider {
    /// Name of the IAM SAML provider, the same in every account (Okta requires it).
    pub name: Spanned<String>,
    /// SAML metadata of the IdP, relative to the model file. Rotation: replace the file and apply.
    #[serde(default)]
    pub metadata_file: Option<Spanned<String>>,
    /// What the IdP sends as the RoleSessionName attribute.
    #[serde(default)]
    pub session_name_from: Option<Spanned<IdentitySource>>,
    /// Whether the IdP sends the SourceIdentity attribute. Every role trusting the IdP, and every
    /// chained target, must then allow `sts:SetSourceIdentity`.
    #[serde(default)]
    pub source_identity: Option<Spanned<bool>>,
    /// What the IdP sends as SourceIdentity; defaults to `session_name_from`.
    #[serde(default)]
    pub source_identity_from: Option<Spanned<IdentitySource>>,
    /// Keys of the session tags (`PrincipalTag:*`) the IdP sends; any makes trusts allow
    /// `sts:TagSession`.
    #[serde(default)]
    pub session_tags: Vec<Spanned<String>>,
    /// Accepted `SAML:aud` values: the sign-in endpoints the IdP posts to. Defaults to the global
    /// endpoint only; list regional endpoints (`https://REGION.signin.aws.amazon.com/saml`) too if
    /// users sign in through them.
    #[serde(default)]
    pub audiences: Vec<Spanned<String>>,
    /// `awsfed login --browser`: the IdP posts the SAML response to a listener on the user's machine
    /// at `http://127.0.0.1:PORT/saml`. Every SAML trust then also accepts that audience, and the
    /// client file gives `--browser` the port. The IdP's AWS app needs the URL as an extra ACS URL.
    #[serde(default)]
    pub browser_sign_in: Option<RawBrowserSignIn>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBrowserSignIn {
    /// The listener's port on 127.0.0.1: 1024 to 65535 (lower ports need root).
    #[schemars(range(min = 1024, max = 65535))]
    pub port: Spanned<u32>,
}

/// Where the IdP takes a session attribute from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// The user's e-mail address (up to 254 characters, any of RFC 5322's).
    Email,
    /// A short login name such as sAMAccountName or the local part of the Okta login.
    Username,
    /// An employee number.
    EmployeeId,
    /// The SAML NameID as the IdP sends it.
    Nameid,
    /// The display name ("Ada Lovelace").
    DisplayName,
}

impl IdentitySource {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentitySource::Email => "email",
            IdentitySource::Username => "username",
            IdentitySource::EmployeeId => "employee_id",
            IdentitySource::Nameid => "nameid",
            IdentitySource::DisplayName => "display_name",
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    serde::Serialize,
    JsonSchema,
)]
pub enum TopologyKind {
    #[serde(rename = "hub-and-spoke")]
    HubAndSpoke,
    #[serde(rename = "direct")]
    Direct,
    /// IAM Identity Center: permission sets and account assignments; AWS runs the SAML side.
    #[serde(rename = "identity-center")]
    IdentityCenter,
}

impl TopologyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TopologyKind::HubAndSpoke => "hub-and-spoke",
            TopologyKind::Direct => "direct",
            TopologyKind::IdentityCenter => "identity-center",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTopology {
    /// Topology of every account that does not choose its own.
    pub default: Spanned<TopologyKind>,
    /// The identity account users federate into first (hub-and-spoke), by account name.
    #[serde(default)]
    pub hub_account: Option<Spanned<String>>,
    /// Several hubs (for example one per team): hub name → account name. Groups pick theirs with
    /// `hub:`; the others use `default_hub`.
    #[serde(default)]
    pub hubs: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The hub of groups that do not name one, when `hubs` lists several.
    #[serde(default)]
    pub default_hub: Option<Spanned<String>>,
    /// Topology by OU path (`Workloads/Sandbox: identity-center`): accounts in the OU or below take
    /// it unless they choose their own; the deepest OU listed wins.
    #[serde(default)]
    pub ous: BTreeMap<Spanned<String>, Spanned<TopologyKind>>,
    /// Hub by OU path (`Teams/Web: web`): accounts in the OU or below belong to that hub (a key of
    /// `hubs`) unless they name their own; the deepest OU listed wins. Only the groups of an
    /// account's hub may be granted it in hub-and-spoke.
    #[serde(default)]
    pub ou_hubs: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOrganization {
    /// Organization id, `o-` followed by 10 to 32 lower-case letters or digits.
    pub id: Spanned<String>,
    /// The model holds every account of the organisation (listed or discovered). Hub policies too
    /// long for account lists may then name the few accounts *not* granted (exact) instead of
    /// allowing the role name in any account of the organisation.
    #[serde(default)]
    pub complete: bool,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNaming {
    /// IAM path of every role and policy awsfed owns; awsfed never touches anything outside it.
    #[serde(default)]
    pub role_path: Option<Spanned<String>>,
    /// Name of the role a permission set becomes in each account. Placeholders: `{permission_set}`.
    #[serde(default)]
    pub role_name: Option<Spanned<String>>,
    /// IAM path of hub roles: strictly below `role_path` and used by nothing else, so a spoke trust
    /// can admit "any hub role" by path. Default: `role_path` + `hub/`.
    #[serde(default)]
    pub hub_role_path: Option<Spanned<String>>,
    /// Name of a group's role in its hub account. Placeholders: `{group}`, `{hub}`.
    #[serde(default)]
    pub hub_role_name: Option<Spanned<String>>,
}

/// Quotas raised for these accounts through Service Quotas; the compiler uses them instead of IAM's
/// defaults.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQuotas {
    /// Role trust policy length (default 2,048, at most 4,096).
    #[serde(default)]
    pub trust_policy_size: Option<Spanned<usize>>,
    /// Managed policies attached to one role (default 10, at most 20).
    #[serde(default)]
    pub managed_policies_per_role: Option<Spanned<usize>>,
    /// Roles in one account (default 1,000, at most 5,000).
    #[serde(default)]
    pub roles_per_account: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    /// The 12-digit account id (quote it: YAML would read a leading zero as a number).
    pub id: Spanned<String>,
    #[serde(default)]
    pub tags: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The organizational unit, as a path of OU names from the root (`Workloads/Prod`).
    #[serde(default)]
    pub ou: Option<Spanned<String>>,
    /// Overrides `topology.default` for this account.
    #[serde(default)]
    pub topology: Option<Spanned<TopologyKind>>,
    /// The hub (a key of `topology.hubs`) this account belongs to, for example its team's: only
    /// groups of that hub may be granted it in hub-and-spoke. Overrides `topology.ou_hubs`; an
    /// account with neither accepts the groups of every hub.
    #[serde(default)]
    pub hub: Option<Spanned<String>>,
    /// The AWS Region people work in in this account (`eu-west-1`); overrides `default_region`.
    #[serde(default)]
    pub region: Option<Spanned<String>>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPermissionSet {
    #[serde(default)]
    pub description: Option<String>,
    /// ARNs of the managed policies attached to the role.
    #[serde(default)]
    pub managed_policies: Vec<Spanned<String>>,
    /// An IAM policy document, written as YAML or JSON, put on the role as an inline policy.
    #[serde(default)]
    pub inline_policy: Option<Spanned<InlinePolicy>>,
    /// Customer managed policies by path and name (`Name` or `/path/Name`), the same-named policy
    /// in each account the permission set reaches; it must exist there before the role uses it.
    #[serde(default)]
    pub customer_managed_policies: Vec<Spanned<String>>,
    /// ARN of the managed policy used as the role's permissions boundary.
    #[serde(default)]
    pub permissions_boundary: Option<Spanned<String>>,
    /// Longest session: `1h`, `90m`, `12h` (1 to 12 hours).
    #[serde(default)]
    pub session_duration: Option<Spanned<String>>,
    /// Identity Center only: where the console opens after sign-in (a URL of at most 240
    /// characters).
    #[serde(default)]
    pub relay_state: Option<Spanned<String>>,
}

/// An IAM policy document inside the model.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct InlinePolicy(pub awsfed_policy::PolicyDocument);

impl JsonSchema for InlinePolicy {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "InlinePolicy".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An IAM policy document (Version, Statement).",
            "type": "object",
            "required": ["Statement"],
            "properties": {
                "Version": { "type": "string" },
                "Id": { "type": "string" },
                "Statement": { "type": ["object", "array"] }
            },
            "additionalProperties": false
        })
    }
}

/// A directory group: a list of grants, or a mapping that also picks the group's hub.
#[derive(Debug, Default, JsonSchema)]
#[schemars(untagged)]
pub enum RawGroup {
    Grants(Vec<RawGrant>),
    #[default]
    #[schemars(skip)]
    Empty,
    Detailed(RawGroupDetails),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroupDetails {
    #[serde(default)]
    pub description: Option<String>,
    /// The hub (a key of `topology.hubs`) this group federates into.
    #[serde(default)]
    pub hub: Option<Spanned<String>>,
    #[serde(default)]
    pub grants: Vec<RawGrant>,
}

impl RawGroup {
    pub fn grants(&self) -> &[RawGrant] {
        match self {
            RawGroup::Grants(grants) => grants,
            RawGroup::Detailed(details) => &details.grants,
            RawGroup::Empty => &[],
        }
    }

    pub fn hub(&self) -> Option<&Spanned<String>> {
        match self {
            RawGroup::Detailed(details) => details.hub.as_ref(),
            _ => None,
        }
    }
}

// Hand-written so both forms keep their spans: serde's untagged enums buffer the input and lose them.
impl<'de> Deserialize<'de> for RawGroup {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GroupVisitor;
        impl<'de> Visitor<'de> for GroupVisitor {
            type Value = RawGroup;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of grants, or a mapping with `grants` (and optionally `hub`)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawGroup, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RawGroup::Grants)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawGroup, A::Error> {
                RawGroupDetails::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawGroup::Detailed)
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawGroup, E> {
                Ok(RawGroup::Empty)
            }
            fn visit_none<E: de::Error>(self) -> Result<RawGroup, E> {
                Ok(RawGroup::Empty)
            }
        }
        deserializer.deserialize_any(GroupVisitor)
    }
}

/// (directory group, accounts, permission set): members of the group may use the permission set in
/// every selected account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGrant {
    pub accounts: Spanned<RawSelector>,
    pub permission_set: Spanned<String>,
}

/// Which accounts a grant covers: `"*"`, one account name or id, a list of them, or a mapping that
/// matches by name, tag and OU and subtracts `exclude`.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum RawSelector {
    One(String),
    List(Vec<Spanned<String>>),
    Match(RawSelectorMatch),
}

/// Which active organisation accounts the model adds to those it lists; every criterion given must
/// hold.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDiscover {
    /// OU paths (`Workloads/Dev`): accounts in one of them or below.
    #[serde(default)]
    pub ous: Vec<Spanned<String>>,
    /// Organizations account tag key → value, or a list of accepted values.
    #[serde(default)]
    pub tags: BTreeMap<Spanned<String>, Spanned<TagValues>>,
}

/// Every criterion given must hold; a criterion that is left out matches every account.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSelectorMatch {
    /// Account names or ids.
    #[serde(default)]
    pub names: Option<Vec<Spanned<String>>>,
    /// Tag key → value, or a list of accepted values.
    #[serde(default)]
    pub tags: BTreeMap<Spanned<String>, Spanned<TagValues>>,
    /// OU paths; an account matches when its OU is one of them or below one.
    #[serde(default)]
    pub ous: Option<Vec<Spanned<String>>>,
    /// Accounts taken out of the selection.
    #[serde(default)]
    pub exclude: Option<Box<Spanned<RawSelector>>>,
}

/// One accepted tag value, or several.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum TagValues {
    One(String),
    Any(Vec<String>),
}

impl TagValues {
    pub fn contains(&self, value: &str) -> bool {
        match self {
            TagValues::One(one) => one == value,
            TagValues::Any(any) => any.iter().any(|v| v == value),
        }
    }
}

impl<'de> Deserialize<'de> for TagValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagValuesVisitor;
        impl<'de> Visitor<'de> for TagValuesVisitor {
            type Value = TagValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a tag value or a list of tag values")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TagValues, E> {
                Ok(TagValues::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TagValues, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(TagValues::Any)
            }
        }
        deserializer.deserialize_any(TagValuesVisitor)
    }
}

impl<'de> Deserialize<'de> for RawSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SelectorVisitor;
        impl<'de> Visitor<'de> for SelectorVisitor {
            type Value = RawSelector;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "\"*\", an account name or id, a list of them, or a mapping with names, tags, ous, exclude",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSelector, E> {
                Ok(RawSelector::One(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawSelector, E> {
                Ok(RawSelector::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawSelector, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RawSelector::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawSelector, A::Error> {
                RawSelectorMatch::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawSelector::Match)
            }
        }
        deserializer.deserialize_any(SelectorVisitor)
    }
}

/// The StackSets engine's region and operation preferences ("StackSetOperationPreferences", AWS
/// CloudFormation API Reference): each amount as a count or a percentage, not both.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStackSets {
    /// The one region of the stack sets and their stack instances (IAM is global). Default:
    /// `us-east-1`.
    #[serde(default)]
    pub region: Option<Spanned<String>>,
    /// Accounts an operation deploys to at once (at least 1).
    #[serde(default)]
    pub max_concurrent_count: Option<Spanned<i64>>,
    /// Accounts an operation deploys to at once, as a percentage of its accounts (1 to 100).
    #[serde(default)]
    pub max_concurrent_percentage: Option<Spanned<i64>>,
    /// Accounts an operation may fail in before CloudFormation stops it (0 or more).
    #[serde(default)]
    pub failure_tolerance_count: Option<Spanned<i64>>,
    /// The same as a percentage of the operation's accounts (0 to 100).
    #[serde(default)]
    pub failure_tolerance_percentage: Option<Spanned<i64>>,
    /// The order regions are deployed in; it may name only `region`.
    #[serde(default)]
    pub region_order: Vec<Spanned<String>>,
}
