//! The validated model the compiler consumes. Every reference is resolved to an index, every default
//! is filled in, and every list is sorted, so compiling it is deterministic.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_policy::PolicyDocument;

use crate::Span;
pub use crate::iam_users::{IamUser, IamUsers};
pub use crate::identity_center::{CustomerManagedPolicy, GroupSource, IdentityCenter};
pub use crate::raw::{IdentitySource, TopologyKind};

/// IAM's default quotas ("IAM and AWS STS quotas", IAM User Guide).
pub mod defaults {
    pub const TRUST_POLICY_SIZE: usize = 2_048;
    pub const TRUST_POLICY_SIZE_MAX: usize = 4_096;
    pub const MANAGED_POLICY_SIZE: usize = 6_144;
    pub const INLINE_POLICIES_SIZE_PER_ROLE: usize = 10_240;
    pub const MANAGED_POLICIES_PER_ROLE: usize = 10;
    pub const MANAGED_POLICIES_PER_ROLE_MAX: usize = 20;
    pub const ROLES_PER_ACCOUNT: usize = 1_000;
    pub const ROLES_PER_ACCOUNT_MAX: usize = 5_000;
    pub const SAML_PROVIDERS_PER_ACCOUNT: usize = 100;
    pub const ROLE_NAME_LENGTH: usize = 64;
    /// The console's switch-role form accepts at most 64 characters of path and name together.
    pub const SWITCH_ROLE_PATH_AND_NAME: usize = 64;
    /// Role chaining caps the session of a role assumed from a role session at one hour.
    pub const CHAINED_SESSION_SECONDS: u32 = 3_600;
    pub const MIN_SESSION_SECONDS: u32 = 3_600;
    pub const MAX_SESSION_SECONDS: u32 = 43_200;
    pub const GLOBAL_SIGN_IN_AUDIENCE: &str = "https://signin.aws.amazon.com/saml";
    pub const ROLE_PATH: &str = "/awsfed/";
    pub const ROLE_NAME: &str = "{permission_set}";
    /// Hub roles live at `naming.role_path` + this, unless `naming.hub_role_path` says otherwise.
    pub const HUB_ROLE_PATH_BELOW_ROLE_PATH: &str = "hub/";
    /// The hub path already says "hub": a default name differing from the earlier `hub-{group}`
    /// lets `plan` create the new hub roles beside the old ones (IAM role names are unique per
    /// account whatever the path).
    pub const HUB_ROLE_NAME: &str = "{group}";
}

/// The tag on every role and policy awsfed creates: what it carries it owns, nothing else.
pub const MANAGED_TAG_KEY: &str = "awsfed:managed";
pub const MANAGED_TAG_VALUE: &str = "true";

pub type AccountIndex = usize;
pub type PermissionSetIndex = usize;
pub type HubIndex = usize;
pub type GroupIndex = usize;

#[derive(Debug, Clone)]
pub struct Model {
    pub partition: String,
    /// The SAML IdP of the hub-and-spoke and direct accounts; validation makes it present whenever
    /// an account uses either (see [`Model::idp`]).
    pub identity_provider: Option<IdentityProvider>,
    /// The Identity Center instance; present whenever an account is `identity-center`.
    pub identity_center: Option<IdentityCenter>,
    /// IAM users in a hub account, beside or instead of the SAML IdP.
    pub iam_users: Option<IamUsers>,
    pub organization_id: Option<String>,
    /// `organization.complete`: every account of the organisation is in the model.
    pub organization_complete: bool,
    pub naming: Naming,
    pub quotas: Quotas,
    /// Sorted by name.
    pub hubs: Vec<Hub>,
    /// Sorted by name.
    pub accounts: Vec<Account>,
    /// Sorted by name.
    pub permission_sets: Vec<PermissionSet>,
    /// Sorted by name.
    pub groups: Vec<Group>,
    pub allow_warnings: BTreeSet<crate::Code>,
    /// Organisation accounts to add when connected, beyond the listed ones.
    pub discover: Option<Discover>,
    /// The StackSets engine's region and operation preferences.
    pub stack_sets: crate::StackSetSettings,
}

/// The `discover` section: every criterion given must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discover {
    /// OU paths without surrounding slashes; an account in one of them or below matches.
    pub ous: Vec<String>,
    /// Tag key → accepted values.
    pub tags: BTreeMap<String, Vec<String>>,
}

impl Discover {
    /// Whether an organisation account with this OU path and these tags is to be added.
    pub fn selects(&self, ou: Option<&str>, tags: &BTreeMap<String, String>) -> bool {
        let in_ou = self.ous.is_empty()
            || ou.is_some_and(|path| {
                let path = path.trim_matches('/');
                self.ous.iter().any(|ou| {
                    path == ou
                        || path
                            .strip_prefix(ou.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                })
            });
        in_ou
            && self
                .tags
                .iter()
                .all(|(key, accepted)| tags.get(key).is_some_and(|v| accepted.contains(v)))
    }
}

#[derive(Debug, Clone)]
pub struct IdentityProvider {
    pub name: String,
    pub metadata: Option<ProviderMetadata>,
    pub session_name_from: IdentitySource,
    /// `Some` when the IdP sends SourceIdentity, with what it sends.
    pub source_identity: Option<IdentitySource>,
    pub session_tags: Vec<String>,
    /// Sorted.
    pub audiences: Vec<String>,
    pub span: Span,
    /// Where the audiences are listed (the provider name when they are not), for trust size errors.
    pub audiences_span: Span,
    /// `Some` when users may sign in with `awsfed login --browser`; its audience is in `audiences`.
    pub browser_sign_in: Option<BrowserSignIn>,
}

/// The local listener of `awsfed login --browser`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserSignIn {
    pub port: u16,
}

impl BrowserSignIn {
    /// The Recipient the IdP posts to, and so the `SAML:aud` value AWS checks in the trust.
    pub fn audience(&self) -> String {
        format!("http://127.0.0.1:{}/saml", self.port)
    }
}

impl IdentityProvider {
    /// Actions a trust of this IdP (and every chained target) must allow besides the assume action.
    pub fn session_actions(&self) -> Vec<&'static str> {
        let mut actions = Vec::new();
        if self.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        if !self.session_tags.is_empty() {
            actions.push("sts:TagSession");
        }
        actions
    }
}

#[derive(Debug, Clone)]
pub struct ProviderMetadata {
    /// The file as written in the model (relative to it).
    pub file: String,
    pub entity_id: String,
    pub document: String,
}

#[derive(Debug, Clone)]
pub struct Naming {
    /// The path of permission-set roles and awsfed's policies; awsfed owns what is under it.
    pub role_path: String,
    /// The path of hub roles: strictly below `role_path`, used by nothing else, so a narrowed spoke
    /// trust can name it.
    pub hub_role_path: String,
    pub role_name: String,
    pub hub_role_name: String,
}

impl Naming {
    pub fn role_name(&self, permission_set: &str) -> String {
        self.role_name.replace("{permission_set}", permission_set)
    }

    pub fn hub_role_name(&self, group: &str, hub: &str) -> String {
        self.hub_role_name
            .replace("{group}", &role_name_safe(group))
            .replace("{hub}", hub)
    }
}

/// Directory group names often hold spaces or other characters IAM role names cannot; each is
/// replaced by `-` so every group still gets a valid hub role name.
pub fn role_name_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub trust_policy_size: usize,
    pub managed_policies_per_role: usize,
    pub roles_per_account: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            trust_policy_size: defaults::TRUST_POLICY_SIZE,
            managed_policies_per_role: defaults::MANAGED_POLICIES_PER_ROLE,
            roles_per_account: defaults::ROLES_PER_ACCOUNT,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Hub {
    pub name: String,
    pub account: AccountIndex,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub id: String,
    pub tags: BTreeMap<String, String>,
    pub ou: Option<String>,
    pub topology: TopologyKind,
    /// The hub this account belongs to (its own `hub:` or `topology.ou_hubs`): only that hub's
    /// groups may be granted it in hub-and-spoke. `None`: the groups of every hub may.
    pub hub: Option<HubIndex>,
    /// The account's `region`, else the model's `default_region`.
    pub region: Option<String>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct PermissionSet {
    pub name: String,
    pub description: Option<String>,
    /// Sorted.
    pub managed_policies: Vec<String>,
    /// Where each of `managed_policies` is written.
    pub managed_policy_spans: Vec<Span>,
    /// Sorted.
    pub customer_managed_policies: Vec<CustomerManagedPolicy>,
    pub inline_policy: Option<PolicyDocument>,
    pub inline_policy_span: Span,
    pub permissions_boundary: Option<String>,
    pub session_duration: u32,
    /// Identity Center only: where the console opens after sign-in.
    pub relay_state: Option<String>,
    pub relay_state_span: Span,
    pub span: Span,
    pub session_duration_span: Span,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub description: Option<String>,
    /// The hub this group federates into for its hub-and-spoke grants.
    pub hub: Option<HubIndex>,
    pub grants: Vec<Grant>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Grant {
    /// Sorted, without duplicates.
    pub accounts: Vec<AccountIndex>,
    pub permission_set: PermissionSetIndex,
    /// The OU paths (`Workloads/Dev`, no surrounding slashes) when the grant selects by OU alone
    /// (`accounts: { ous: [...] }`, no names, tags or exclude): it grants every account in those
    /// OUs and below, including accounts added to them later. Empty for any other selector.
    pub ous: Vec<String>,
    pub span: Span,
}

impl Model {
    /// The SAML IdP. Only for hub-and-spoke and direct accounts, which validation refuses without
    /// an `identity_provider` section.
    pub fn idp(&self) -> &IdentityProvider {
        self.identity_provider
            .as_ref()
            .expect("validation requires identity_provider for hub-and-spoke and direct accounts")
    }

    /// Whether some account federates through the model's own SAML IdP (hub-and-spoke or direct).
    pub fn uses_saml_idp(&self) -> bool {
        self.identity_provider.is_some()
            && self
                .accounts
                .iter()
                .any(|a| a.topology != TopologyKind::IdentityCenter)
    }

    /// The ARN of an IAM user of the IAM-users hub.
    pub fn user_arn(&self, user: &str) -> Option<String> {
        let users = self.iam_users.as_ref()?;
        Some(format!(
            "arn:{}:iam::{}:user{}{user}",
            self.partition, self.accounts[self.hubs[users.hub].account].id, users.path
        ))
    }

    pub fn account_by_name(&self, name: &str) -> Option<AccountIndex> {
        self.accounts
            .binary_search_by(|a| a.name.as_str().cmp(name))
            .ok()
    }

    pub fn role_arn(&self, account: AccountIndex, role_name: &str) -> String {
        format!(
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.accounts[account].id, self.naming.role_path, role_name
        )
    }

    /// The ARN of a hub role: under the hub path, not the permission-set roles' path.
    pub fn hub_role_arn(&self, account: AccountIndex, role_name: &str) -> String {
        format!(
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.accounts[account].id, self.naming.hub_role_path, role_name
        )
    }

    pub fn provider_arn(&self, account: AccountIndex) -> String {
        format!(
            "arn:{}:iam::{}:saml-provider/{}",
            self.partition,
            self.accounts[account].id,
            self.idp().name
        )
    }

    /// The hub account whose hub role a group federates into, if it has one.
    pub fn hub_account_of(&self, group: &Group) -> Option<AccountIndex> {
        group.hub.map(|h| self.hubs[h].account)
    }
}
