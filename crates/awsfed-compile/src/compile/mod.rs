//! Model → desired state, for both topologies ("How each topology compiles" in DESIGN.md).
//!
//! AWS behaviour relied on, from the IAM User Guide:
//! - "Create a role for SAML 2.0 federation": the trust names the account's SAML provider for
//!   `sts:AssumeRoleWithSAML` and checks `SAML:aud`, which is the assertion's Recipient (the sign-in
//!   endpoint the IdP posted to, global or regional).
//! - "Source identity" and "Pass session tags in AWS STS": once the IdP sends SourceIdentity or
//!   session tags, every role trusting the IdP, and every role chained to from it, must allow
//!   `sts:SetSourceIdentity` / `sts:TagSession`, or the call fails.
//! - "Cross-account policy evaluation logic": a spoke trust that names the hub account instead of
//!   exact hub roles still requires the hub role's own policy to allow the call, so least privilege
//!   is kept by the hub policies naming exact spoke roles.
//! - "IAM and AWS STS quotas": trust policy 2,048 characters by default (4,096 at most), managed
//!   policy 6,144, 10 managed policies per role by default; white space is not counted.

mod direct_roles;
mod hub_policies;
mod hub_roles;
mod iam_users;
mod idp_mapping;
mod org_paths;
mod provider_trust;
mod quotas;
mod spoke_trusts;

use std::collections::{BTreeMap, HashMap};

use awsfed_model::{
    AccountIndex, Diagnostic, MANAGED_TAG_KEY, MANAGED_TAG_VALUE, Model, PermissionSetIndex,
    TopologyKind,
};
use awsfed_policy::{PolicyDocument, StringList, iam_size};

pub use org_paths::OrganizationPaths;

use crate::desired::{DesiredAccount, DesiredProvider, DesiredState, TrustForm};
pub use iam_users::{REQUIRE_MFA_POLICY, SELF_SERVICE_POLICY};

type GroupIndex = usize;
type RoleKey = (AccountIndex, PermissionSetIndex);

/// Compiles a validated model. Quota problems the compiler cannot solve by narrowing come back as
/// error notes in [`DesiredState::notes`]; a state with an error note must not be deployed.
pub fn compile(model: &Model) -> DesiredState {
    compile_with(model, &CompileOptions::default())
}

/// What to compute besides the IAM resources, and what is known only when connected.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// Every (account, permission set) each group reaches, with its hops ([`crate::GroupMapping::targets`]).
    /// Checking a model does not need them, and at thousands of accounts they are most of the work.
    pub group_targets: bool,
    /// Organizations' tree, read at plan time: lets hub policies name OU grants by
    /// `aws:ResourceOrgPaths`. `None` offline (`compile`), which keeps the other forms.
    pub organization_paths: Option<OrganizationPaths>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            group_targets: true,
            organization_paths: None,
        }
    }
}

pub fn compile_with(model: &Model, options: &CompileOptions) -> DesiredState {
    let mut compiler = Compiler::new(model);
    compiler.group_targets = options.group_targets;
    compiler.organization_paths = options.organization_paths.as_ref();
    compiler.run()
}

struct Compiler<'m> {
    model: &'m Model,
    organization_paths: Option<&'m OrganizationPaths>,
    /// Hub-and-spoke grants: spoke role (by [`Compiler::key_index`]) → the groups granted it,
    /// ascending.
    spoke_groups: Vec<Vec<GroupIndex>>,
    /// Direct grants: whether the direct role (by [`Compiler::key_index`]) is granted at all.
    direct_granted: Vec<bool>,
    /// Per group, the spoke roles it may assume from its hub role, sorted.
    group_spokes: Vec<Vec<RoleKey>>,
    group_direct: Vec<Vec<RoleKey>>,
    /// Role name of each permission set, and hub role name and ARN of each group (computed once:
    /// large models ask for them hundreds of thousands of times).
    set_role_names: Vec<String>,
    hub_role_names: Vec<String>,
    hub_role_arns: Vec<Option<String>>,
    /// `arn:P:iam::ID:role/PATH/` and the SAML provider ARN of each account.
    role_arn_prefixes: Vec<String>,
    provider_arns: Vec<String>,
    /// The SAML trust of each account that has one, and its IAM size.
    /// Keyed by account and whether it is a hub role's (which may require SourceIdentity).
    provider_trusts: BTreeMap<(AccountIndex, bool), (PolicyDocument, usize)>,
    /// Spoke trusts by the sorted groups they admit.
    spoke_trusts: HashMap<Vec<GroupIndex>, spoke_trusts::SpokeTrust>,
    /// Accounts whose role of a permission set got the narrowed trust.
    narrowed_spokes: BTreeMap<PermissionSetIndex, Vec<AccountIndex>>,
    /// Accounts whose role of a permission set admits the IAM users by their path.
    narrowed_user_spokes: BTreeMap<PermissionSetIndex, Vec<AccountIndex>>,
    /// Per group, its IAM users (indexes into the model's `iam_users.users`), ascending.
    group_users: Vec<Vec<usize>>,
    /// Each IAM user's ARN, and `arn:P:iam::HUB:user/PATH/` (empty without IAM users).
    user_arns: Vec<String>,
    user_arn_prefix: String,
    /// IAM size of each permission set's inline policies.
    inline_sizes: Vec<usize>,
    group_targets: bool,
    notes: Vec<Diagnostic>,
}

/// Per group, its IAM users (indexes into the model's `iam_users.users`), ascending.
fn group_users(model: &Model) -> Vec<Vec<usize>> {
    let mut group_users = vec![Vec::new(); model.groups.len()];
    if let Some(users) = &model.iam_users {
        for (u, user) in users.users.iter().enumerate() {
            for &g in &user.groups {
                group_users[g].push(u);
            }
        }
    }
    group_users
}

/// The grants expanded to (account, permission set) keys, as [`Compiler`] holds them.
struct Grants {
    spoke_groups: Vec<Vec<GroupIndex>>,
    direct_granted: Vec<bool>,
    group_spokes: Vec<Vec<RoleKey>>,
    group_direct: Vec<Vec<RoleKey>>,
}

impl Grants {
    fn expand(model: &Model, group_users: &[Vec<usize>]) -> Self {
        // Flat vectors indexed by (account, permission set): at 5,000 accounts × 200 groups the
        // grants expand to hundreds of thousands of pairs, and tree maps of sets were most of the
        // compile time.
        let keys = model.accounts.len() * model.permission_sets.len();
        let mut spoke_groups: Vec<Vec<GroupIndex>> = vec![Vec::new(); keys];
        let mut direct_granted = vec![false; keys];
        let mut group_spokes = vec![Vec::new(); model.groups.len()];
        let mut group_direct = vec![Vec::new(); model.groups.len()];
        let sets = model.permission_sets.len();
        for (g, group) in model.groups.iter().enumerate() {
            // Without a SAML IdP only IAM users come through the hub: a group without users
            // reaches no spoke role.
            let through_hub = model.identity_provider.is_some() || !group_users[g].is_empty();
            for grant in &group.grants {
                for &account in &grant.accounts {
                    let key = (account, grant.permission_set);
                    let index = account * sets + grant.permission_set;
                    match model.accounts[account].topology {
                        TopologyKind::HubAndSpoke if group.hub.is_some() && through_hub => {
                            // Groups are visited in order, so each list stays ascending.
                            if spoke_groups[index].last() != Some(&g) {
                                spoke_groups[index].push(g);
                            }
                            group_spokes[g].push(key);
                        }
                        // Validation refuses hub-and-spoke grants of a group without a hub.
                        TopologyKind::HubAndSpoke => {}
                        TopologyKind::Direct => {
                            direct_granted[index] = true;
                            group_direct[g].push(key);
                        }
                        // Identity Center provisions its own roles: nothing in IAM for awsfed.
                        TopologyKind::IdentityCenter => {}
                    }
                }
            }
        }
        for keys in group_spokes.iter_mut().chain(group_direct.iter_mut()) {
            keys.sort_unstable();
            keys.dedup();
        }
        Self {
            spoke_groups,
            direct_granted,
            group_spokes,
            group_direct,
        }
    }
}

/// Each group's hub role name.
fn hub_role_names(model: &Model) -> Vec<String> {
    model
        .groups
        .iter()
        .map(|group| {
            let hub = group.hub.map_or("", |h| model.hubs[h].name.as_str());
            model.naming.hub_role_name(&group.name, hub)
        })
        .collect()
}

/// Each group's hub role ARN. Hub roles are entered with SAML: none without an IdP.
fn hub_role_arns(model: &Model, hub_role_names: &[String]) -> Vec<Option<String>> {
    model
        .groups
        .iter()
        .zip(hub_role_names)
        .map(|(group, name)| {
            model
                .hub_account_of(group)
                .filter(|_| model.identity_provider.is_some())
                .map(|a| model.hub_role_arn(a, name))
        })
        .collect()
}

impl<'m> Compiler<'m> {
    fn new(model: &'m Model) -> Self {
        let group_users = group_users(model);
        let grants = Grants::expand(model, &group_users);
        let hub_role_names = hub_role_names(model);
        let hub_role_arns = hub_role_arns(model, &hub_role_names);
        let user_arn_prefix = model.user_arn("").unwrap_or_default();
        let user_arns = model.iam_users.as_ref().map_or_else(Vec::new, |users| {
            users
                .users
                .iter()
                .map(|u| format!("{user_arn_prefix}{}", u.name))
                .collect()
        });
        let role_arn_prefixes = (0..model.accounts.len())
            .map(|a| model.role_arn(a, ""))
            .collect();
        // Only SAML accounts use them, and a model of Identity Center accounts alone has no IdP.
        let provider_arns = match model.identity_provider {
            Some(_) => (0..model.accounts.len())
                .map(|a| model.provider_arn(a))
                .collect(),
            None => Vec::new(),
        };
        Self {
            model,
            organization_paths: None,
            spoke_groups: grants.spoke_groups,
            direct_granted: grants.direct_granted,
            group_spokes: grants.group_spokes,
            group_direct: grants.group_direct,
            set_role_names: model
                .permission_sets
                .iter()
                .map(|set| model.naming.role_name(&set.name))
                .collect(),
            hub_role_names,
            hub_role_arns,
            role_arn_prefixes,
            provider_arns,
            provider_trusts: BTreeMap::new(),
            spoke_trusts: HashMap::new(),
            narrowed_spokes: BTreeMap::new(),
            narrowed_user_spokes: BTreeMap::new(),
            group_users,
            user_arns,
            user_arn_prefix,
            inline_sizes: model
                .permission_sets
                .iter()
                .map(|set| set.inline_policy.as_ref().map_or(0, iam_size))
                .collect(),
            group_targets: true,
            notes: Vec::new(),
        }
    }

    /// [`Model::role_arn`] from the account's cached prefix.
    fn role_arn(&self, account: AccountIndex, role_name: &str) -> String {
        let prefix = &self.role_arn_prefixes[account];
        let mut arn = String::with_capacity(prefix.len() + role_name.len());
        arn.push_str(prefix);
        arn.push_str(role_name);
        arn
    }

    /// Every granted (account, permission set) in order, from a flat vector's indexes.
    fn keys_where(&self, granted: impl Fn(usize) -> bool) -> Vec<RoleKey> {
        let sets = self.model.permission_sets.len();
        (0..self.model.accounts.len() * sets)
            .filter(|&i| granted(i))
            .map(|i| (i / sets, i % sets))
            .collect()
    }

    fn run(mut self) -> DesiredState {
        let model = self.model;
        let mut accounts: Vec<DesiredAccount> = model
            .accounts
            .iter()
            .enumerate()
            .map(|(index, account)| DesiredAccount {
                name: account.name.clone(),
                id: account.id.clone(),
                topology: account.topology,
                ou: account.ou.clone(),
                region: account.region.clone(),
                hubs: model
                    .hubs
                    .iter()
                    .filter(|h| h.account == index)
                    .map(|h| h.name.clone())
                    .collect(),
                hub: account.hub.map(|h| model.hubs[h].name.clone()),
                saml_provider: None,
                roles: Vec::new(),
                policies: Vec::new(),
                iam_users: None,
            })
            .collect();

        for (account, set) in self.keys_where(|i| self.direct_granted[i]) {
            let role = self.direct_role(account, set);
            accounts[account].roles.push(role);
        }
        let sets = model.permission_sets.len();
        for (account, set) in self.keys_where(|i| !self.spoke_groups[i].is_empty()) {
            // Taken out and put back: `spoke_role` needs `&mut self` while reading the list.
            let groups = std::mem::take(&mut self.spoke_groups[account * sets + set]);
            let role = self.spoke_role(account, set, &groups);
            accounts[account].roles.push(role);
            self.spoke_groups[account * sets + set] = groups;
        }
        for g in 0..model.groups.len() {
            if self.group_spokes[g].is_empty() {
                continue;
            }
            let Some(hub_account) = model.hub_account_of(&model.groups[g]) else {
                continue;
            };
            if self.hub_role_arns[g].is_none() {
                continue;
            }
            let (role, policies) = self.hub_role(g, hub_account);
            accounts[hub_account].roles.push(role);
            accounts[hub_account].policies.extend(policies);
        }

        if let Some((hub_account, users)) = self.iam_users() {
            accounts[hub_account].iam_users = Some(users);
        }

        for (index, account) in accounts.iter_mut().enumerate() {
            let federated = account
                .roles
                .iter()
                .any(|r| r.trust_form == TrustForm::SamlProvider);
            if federated {
                account.saml_provider = Some(self.provider(index));
            }
            account.roles.sort_by(|a, b| a.name.cmp(&b.name));
            account.policies.sort_by(|a, b| a.name.cmp(&b.name));
            self.check_account_quotas(account);
            self.check_policy_names(account);
        }

        self.note_narrowed_spokes();
        self.note_narrowed_user_spokes();
        let groups = self.group_mappings();
        DesiredState {
            partition: model.partition.clone(),
            provider_name: model
                .identity_provider
                .as_ref()
                .map_or_else(String::new, |idp| idp.name.clone()),
            accounts,
            groups,
            identity_center: crate::compile_identity_center(model),
            notes: self.notes,
            organization_paths: self.organization_paths.cloned(),
        }
    }

    fn provider(&self, account: AccountIndex) -> DesiredProvider {
        let idp = self.model.idp();
        DesiredProvider {
            name: idp.name.clone(),
            arn: self.provider_arns[account].clone(),
            metadata_file: idp.metadata.as_ref().map(|m| m.file.clone()),
            entity_id: idp.metadata.as_ref().map(|m| m.entity_id.clone()),
        }
    }

    fn tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())])
    }

    /// Actions a trust grants: the assume action plus what the IdP's session attributes need.
    fn trust_actions(&self, assume: &str) -> StringList {
        let mut actions = vec![assume.to_owned()];
        actions.extend(
            self.model
                .idp()
                .session_actions()
                .into_iter()
                .map(str::to_owned),
        );
        StringList(actions)
    }
}
