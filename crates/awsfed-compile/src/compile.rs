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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use awsfed_model::{
    AccountIndex, Diagnostic, MANAGED_TAG_KEY, MANAGED_TAG_VALUE, Model, PermissionSetIndex,
    TopologyKind, defaults,
};
use awsfed_policy::{PolicyDocument, Principal, Statement, StringList, iam_size, iam_size_of};

use crate::desired::{
    DesiredAccount, DesiredPolicy, DesiredProvider, DesiredRole, DesiredState, GroupMapping, Hop,
    HubPolicyForm, RoleKind, RoleValue, Target, TrustForm,
};

type GroupIndex = usize;
type RoleKey = (AccountIndex, PermissionSetIndex);

/// Compiles a validated model. Quota problems the compiler cannot solve by narrowing come back as
/// error notes in [`DesiredState::notes`]; a state with an error note must not be deployed.
pub fn compile(model: &Model) -> DesiredState {
    compile_with(model, &CompileOptions::default())
}

/// What to compute besides the IAM resources.
#[derive(Debug, Clone, Copy)]
pub struct CompileOptions {
    /// Every (account, permission set) each group reaches, with its hops ([`GroupMapping::targets`]).
    /// Checking a model does not need them, and at thousands of accounts they are most of the work.
    pub group_targets: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            group_targets: true,
        }
    }
}

pub fn compile_with(model: &Model, options: &CompileOptions) -> DesiredState {
    let mut compiler = Compiler::new(model);
    compiler.group_targets = options.group_targets;
    compiler.run()
}

struct Compiler<'m> {
    model: &'m Model,
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
    saml_trusts: BTreeMap<AccountIndex, (PolicyDocument, usize)>,
    /// Spoke trusts by the sorted groups they admit.
    spoke_trusts: HashMap<Vec<GroupIndex>, ((PolicyDocument, usize), TrustForm)>,
    /// Accounts whose role of a permission set got the narrowed trust.
    narrowed_spokes: BTreeMap<PermissionSetIndex, Vec<AccountIndex>>,
    /// IAM size of each permission set's inline policies.
    inline_sizes: Vec<usize>,
    group_targets: bool,
    notes: Vec<Diagnostic>,
}

impl<'m> Compiler<'m> {
    fn new(model: &'m Model) -> Self {
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
            for grant in &group.grants {
                for &account in &grant.accounts {
                    let key = (account, grant.permission_set);
                    let index = account * sets + grant.permission_set;
                    match model.accounts[account].topology {
                        TopologyKind::HubAndSpoke if group.hub.is_some() => {
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
                    }
                }
            }
        }
        for keys in group_spokes.iter_mut().chain(group_direct.iter_mut()) {
            keys.sort_unstable();
            keys.dedup();
        }
        let set_role_names = model
            .permission_sets
            .iter()
            .map(|set| model.naming.role_name(&set.name))
            .collect();
        let hub_role_names: Vec<String> = model
            .groups
            .iter()
            .map(|group| {
                let hub = group.hub.map_or("", |h| model.hubs[h].name.as_str());
                model.naming.hub_role_name(&group.name, hub)
            })
            .collect();
        let hub_role_arns = model
            .groups
            .iter()
            .zip(&hub_role_names)
            .map(|(group, name)| model.hub_account_of(group).map(|a| model.role_arn(a, name)))
            .collect();
        let role_arn_prefixes = (0..model.accounts.len())
            .map(|a| model.role_arn(a, ""))
            .collect();
        let provider_arns = (0..model.accounts.len())
            .map(|a| model.provider_arn(a))
            .collect();
        Self {
            model,
            spoke_groups,
            direct_granted,
            group_spokes,
            group_direct,
            set_role_names,
            hub_role_names,
            hub_role_arns,
            role_arn_prefixes,
            provider_arns,
            saml_trusts: BTreeMap::new(),
            spoke_trusts: HashMap::new(),
            narrowed_spokes: BTreeMap::new(),
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
                hubs: model
                    .hubs
                    .iter()
                    .filter(|h| h.account == index)
                    .map(|h| h.name.clone())
                    .collect(),
                saml_provider: None,
                roles: Vec::new(),
                policies: Vec::new(),
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
            let (role, policies) = self.hub_role(g, hub_account);
            accounts[hub_account].roles.push(role);
            accounts[hub_account].policies.extend(policies);
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
        }

        self.note_narrowed_spokes();
        let groups = self.group_mappings();
        DesiredState {
            partition: model.partition.clone(),
            provider_name: model.identity_provider.name.clone(),
            accounts,
            groups,
            notes: self.notes,
        }
    }

    fn provider(&self, account: AccountIndex) -> DesiredProvider {
        let idp = &self.model.identity_provider;
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
                .identity_provider
                .session_actions()
                .into_iter()
                .map(str::to_owned),
        );
        StringList(actions)
    }

    /// The trust of every role users enter with SAML, and its size: the same for every such role of
    /// an account, so built once per account.
    fn saml_trust(&mut self, account: AccountIndex) -> (PolicyDocument, usize) {
        if let Some(cached) = self.saml_trusts.get(&account) {
            return cached.clone();
        }
        let document = self.build_saml_trust(account);
        let size = iam_size(&document);
        self.saml_trusts.insert(account, (document.clone(), size));
        let quota = self.model.quotas.trust_policy_size;
        if size > quota {
            let idp = &self.model.identity_provider;
            self.notes.push(
                Diagnostic::error(
                    "trust-policy-too-large",
                    format!(
                        "the SAML trust policy of account `{}` (the trust of every role people enter with SAML there) is {size} characters; the trust policy quota is {quota} (IAM's default is {}, at most {})",
                        self.model.accounts[account].name,
                        defaults::TRUST_POLICY_SIZE,
                        defaults::TRUST_POLICY_SIZE_MAX
                    ),
                )
                .at(idp.audiences_span)
                .help(raise_trust_quota_help(quota)),
            );
        }
        (document, size)
    }

    /// The account's provider for `sts:AssumeRoleWithSAML`, with the audiences pinned.
    fn build_saml_trust(&self, account: AccountIndex) -> PolicyDocument {
        let statement = Statement::allow(self.trust_actions("sts:AssumeRoleWithSAML"))
            .with_principal(Principal::federated(self.provider_arns[account].clone()))
            .with_condition(
                "StringEquals",
                "SAML:aud",
                StringList(self.model.identity_provider.audiences.clone()),
            );
        PolicyDocument::new(vec![statement])
    }

    fn check_trust_size(&mut self, role: &DesiredRole, account: AccountIndex, size: usize) {
        let quota = self.model.quotas.trust_policy_size;
        if size > quota {
            let note = Diagnostic::error(
                "trust-policy-too-large",
                format!(
                    "the trust policy of role `{}` in account `{}` is {size} characters; the trust policy quota is {quota} (IAM's default is {}, at most {})",
                    role.name,
                    self.model.accounts[account].name,
                    defaults::TRUST_POLICY_SIZE,
                    defaults::TRUST_POLICY_SIZE_MAX
                ),
            )
            .at(self.model.accounts[account].span)
            .help(raise_trust_quota_help(quota));
            self.notes.push(note);
        }
    }

    fn permission_set_role(
        &mut self,
        account: AccountIndex,
        set: PermissionSetIndex,
        kind: RoleKind,
        (trust_policy, trust_size): (PolicyDocument, usize),
        trust_form: TrustForm,
    ) -> DesiredRole {
        let model = self.model;
        let permission_set = &model.permission_sets[set];
        let name = self.set_role_names[set].clone();
        let description = match &permission_set.description {
            Some(description) => description.clone(),
            None => format!("awsfed permission set {}", permission_set.name),
        };
        let inline_policies: BTreeMap<String, PolicyDocument> = permission_set
            .inline_policy
            .iter()
            .map(|p| (permission_set.name.clone(), p.clone()))
            .collect();
        let role = DesiredRole {
            arn: self.role_arn(account, &name),
            name,
            path: model.naming.role_path.clone(),
            kind,
            description,
            max_session_duration: permission_set.session_duration,
            trust_policy,
            trust_form,
            managed_policy_arns: permission_set.managed_policies.clone(),
            inline_policies,
            permissions_boundary: permission_set.permissions_boundary.clone(),
            tags: self.tags(),
        };
        // SAML trusts are checked once per account, where they are built.
        if trust_form != TrustForm::SamlProvider {
            self.check_trust_size(&role, account, trust_size);
        }
        self.check_role_policies(&role, account, permission_set.span, self.inline_sizes[set]);
        role
    }

    fn direct_role(&mut self, account: AccountIndex, set: PermissionSetIndex) -> DesiredRole {
        let kind = RoleKind::Direct {
            permission_set: self.model.permission_sets[set].name.clone(),
        };
        let trust = self.saml_trust(account);
        self.permission_set_role(account, set, kind, trust, TrustForm::SamlProvider)
    }

    /// A spoke role trusts exactly the hub roles of the groups granted it. When that list would pass
    /// the trust policy quota, it trusts the hub accounts narrowed by `aws:PrincipalArn` to the
    /// hub-role name pattern instead.
    fn spoke_role(
        &mut self,
        account: AccountIndex,
        set: PermissionSetIndex,
        groups: &[GroupIndex],
    ) -> DesiredRole {
        // Every spoke role granted to the same groups gets the same trust; large models have
        // thousands of roles but few distinct group sets.
        let (trust, form) = match self.spoke_trusts.get(groups) {
            Some(cached) => cached.clone(),
            None => {
                let built = self.build_spoke_trust(groups);
                self.spoke_trusts.insert(groups.to_vec(), built.clone());
                built
            }
        };
        if form == TrustForm::HubAccountsByRoleName {
            self.narrowed_spokes.entry(set).or_default().push(account);
        }
        let kind = RoleKind::Spoke {
            permission_set: self.model.permission_sets[set].name.clone(),
        };
        self.permission_set_role(account, set, kind, trust, form)
    }

    /// Exact hub role ARNs when they fit the trust policy quota; else the hub accounts, narrowed by
    /// `aws:PrincipalArn` to the hub-role name pattern.
    fn build_spoke_trust(&self, groups: &[GroupIndex]) -> ((PolicyDocument, usize), TrustForm) {
        let model = self.model;
        let hub_role_arns =
            StringList::sorted(groups.iter().filter_map(|&g| self.hub_role_arns[g].clone()));
        let quota = model.quotas.trust_policy_size;
        // Cheap bound first: at 200 groups the exact list is far past any quota.
        let estimate: usize = hub_role_arns.iter().map(|a| a.len() + 3).sum();
        if estimate <= quota {
            let document = self.spoke_trust(Principal::aws(hub_role_arns), None);
            let size = iam_size(&document);
            if size <= quota {
                return ((document, size), TrustForm::HubRoles);
            }
        }
        let hub_accounts: BTreeSet<AccountIndex> = groups
            .iter()
            .filter_map(|&g| model.hub_account_of(&model.groups[g]))
            .collect();
        let roots = StringList::sorted(
            hub_accounts
                .iter()
                .map(|&a| format!("arn:{}:iam::{}:root", model.partition, model.accounts[a].id)),
        );
        let pattern = model
            .naming
            .hub_role_name
            .replace("{group}", "*")
            .replace("{hub}", "*");
        let patterns =
            StringList::sorted(hub_accounts.iter().map(|&a| model.role_arn(a, &pattern)));
        let document = self.spoke_trust(Principal::aws(roots), Some(patterns));
        let size = iam_size(&document);
        ((document, size), TrustForm::HubAccountsByRoleName)
    }

    /// One note per permission set whose spoke trusts had to name hub accounts.
    fn note_narrowed_spokes(&mut self) {
        let model = self.model;
        let quota = model.quotas.trust_policy_size;
        for (&set, accounts) in &self.narrowed_spokes {
            let names: Vec<&str> = accounts
                .iter()
                .take(5)
                .map(|&a| model.accounts[a].name.as_str())
                .collect();
            let more = if accounts.len() > names.len() {
                format!(" and {} more", accounts.len() - names.len())
            } else {
                String::new()
            };
            self.notes.push(
                Diagnostic::note(
                    "spoke-trust-narrowed",
                    format!(
                        "role `{}` in {} account{} ({}{more}) trusts the hub account narrowed by aws:PrincipalArn to hub roles: listing its hub roles one by one would pass the {quota}-character trust policy quota; each hub role's own policy still names exact spoke roles",
                        self.set_role_names[set],
                        accounts.len(),
                        if accounts.len() == 1 { "" } else { "s" },
                        names.join(", "),
                    ),
                )
                .at(model.permission_sets[set].span),
            );
        }
    }

    /// The spoke trust statement. It binds the session to the federated user: with SourceIdentity
    /// the value must be present (STS makes it immutable along the chain, "Monitor and control
    /// actions taken with assumed roles"); without it the spoke session name must equal the hub
    /// session's, which the IdP set from the SAML RoleSessionName (`aws:userid` of a role session is
    /// `ROLE-ID:SESSION-NAME`).
    fn spoke_trust(
        &self,
        principal: Principal,
        principal_arns: Option<StringList>,
    ) -> PolicyDocument {
        let idp = &self.model.identity_provider;
        let mut actions = vec!["sts:AssumeRole".to_owned()];
        if idp.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity".to_owned());
        }
        let mut assume = Statement::allow(StringList(actions)).with_principal(principal.clone());
        if let Some(patterns) = &principal_arns {
            assume = assume.with_condition("ArnLike", "aws:PrincipalArn", patterns.clone());
        }
        let mut tag_session = assume.clone();
        assume = if idp.source_identity.is_some() {
            assume.with_condition("Null", "sts:SourceIdentity", StringList::one("false"))
        } else {
            assume.with_condition(
                "StringLike",
                "aws:userid",
                StringList::one("*:${sts:RoleSessionName}"),
            )
        };
        if idp.session_tags.is_empty() {
            return PolicyDocument::new(vec![assume]);
        }
        // STS does not supply `sts:SourceIdentity` or `sts:RoleSessionName` to the `sts:TagSession`
        // check (Service Authorization Reference, AWS STS), so the binding condition above would deny
        // the tags. TagSession gets its own statement; it only succeeds inside an AssumeRole call the
        // first statement allowed, and with SourceIdentity the session's `aws:SourceIdentity` must
        // still be present.
        tag_session.action = Some(StringList::one("sts:TagSession"));
        if idp.source_identity.is_some() {
            tag_session =
                tag_session.with_condition("Null", "aws:SourceIdentity", StringList::one("false"));
        }
        PolicyDocument::new(vec![assume, tag_session])
    }

    fn hub_role_name(&self, group: GroupIndex) -> String {
        self.hub_role_names[group].clone()
    }

    /// A group's hub role: entered with SAML, allowed to assume exactly its spoke roles.
    fn hub_role(
        &mut self,
        group: GroupIndex,
        hub_account: AccountIndex,
    ) -> (DesiredRole, Vec<DesiredPolicy>) {
        let model = self.model;
        let name = self.hub_role_name(group);
        let arn = self.role_arn(hub_account, &name);
        let spokes = self.group_spokes[group].clone();
        // The hub session is what refreshes spoke sessions without the IdP: give it the longest
        // session any of the group's permission sets allows.
        let max_session_duration = spokes
            .iter()
            .map(|&(_, set)| model.permission_sets[set].session_duration)
            .max()
            .unwrap_or(defaults::MIN_SESSION_SECONDS);
        let policies = self.hub_policies(group, hub_account, &name, &spokes);
        let (hub_trust, _) = self.saml_trust(hub_account);
        let hub = model.groups[group]
            .hub
            .map_or(String::new(), |h| model.hubs[h].name.clone());
        let role = DesiredRole {
            name: name.clone(),
            path: model.naming.role_path.clone(),
            arn,
            kind: RoleKind::Hub {
                group: model.groups[group].name.clone(),
                hub,
            },
            description: format!(
                "awsfed hub role of directory group {}",
                model.groups[group].name
            ),
            max_session_duration,
            trust_policy: hub_trust,
            trust_form: TrustForm::SamlProvider,
            managed_policy_arns: policies.iter().map(|p| p.arn.clone()).collect(),
            inline_policies: BTreeMap::new(),
            permissions_boundary: None,
            tags: self.tags(),
        };

        (role, policies)
    }

    /// The hub role's assume policies, in the tightest form that fits the quotas.
    fn hub_policies(
        &mut self,
        group: GroupIndex,
        hub_account: AccountIndex,
        role_name: &str,
        spokes: &[RoleKey],
    ) -> Vec<DesiredPolicy> {
        let model = self.model;
        let actions = self.trust_actions("sts:AssumeRole");
        let max_policies = model.quotas.managed_policies_per_role;
        // `arn:P:iam::ID:role` + path + name, two quotes and a comma, without building the strings.
        let arn_prefix =
            "arn::iam:::role".len() + model.partition.len() + model.naming.role_path.len();
        let estimate: usize = spokes
            .iter()
            .map(|&(a, s)| {
                arn_prefix + model.accounts[a].id.len() + self.set_role_names[s].len() + 3
            })
            .sum();
        if estimate <= defaults::MANAGED_POLICY_SIZE {
            let arns = spokes
                .iter()
                .map(|&(a, s)| self.role_arn(a, &self.set_role_names[s]));
            let document = PolicyDocument::new(vec![
                Statement::allow(actions.clone()).with_resource(StringList::sorted(arns)),
            ]);
            if iam_size(&document) <= defaults::MANAGED_POLICY_SIZE {
                return vec![self.hub_policy(
                    hub_account,
                    role_name,
                    0,
                    document,
                    HubPolicyForm::ExactArns,
                )];
            }
        }

        // Same roles, shorter text: one statement per role name with the account ids as a condition.
        let mut accounts_by_role: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for &(a, s) in spokes {
            accounts_by_role
                .entry(self.set_role_names[s].as_str())
                .or_default()
                .push(model.accounts[a].id.as_str());
        }
        let statements = self.by_account_statements(&actions, &accounts_by_role);
        if let Some(documents) = pack(statements, max_policies) {
            self.notes.push(
                Diagnostic::note(
                    "hub-policy-by-account",
                    format!(
                        "hub role `{role_name}` names its {} spoke roles by role name and aws:ResourceAccount in {} managed polic{}: exact ARNs would pass the {}-character managed policy quota; the roles allowed are the same",
                        spokes.len(),
                        documents.len(),
                        if documents.len() == 1 { "y" } else { "ies" },
                        defaults::MANAGED_POLICY_SIZE
                    ),
                )
                .at(model.groups[group].span),
            );
            return documents
                .into_iter()
                .enumerate()
                .map(|(i, d)| {
                    self.hub_policy(
                        hub_account,
                        role_name,
                        i,
                        d,
                        HubPolicyForm::RoleNameByAccount,
                    )
                })
                .collect();
        }

        if let Some(organization) = &model.organization_id {
            let statements: Vec<Statement> = accounts_by_role
                .keys()
                .map(|role| {
                    Statement::allow(actions.clone())
                        .with_resource(StringList::one(self.any_account_role_arn(role)))
                        .with_condition(
                            "StringEquals",
                            "aws:ResourceOrgID",
                            StringList::one(organization.clone()),
                        )
                })
                .collect();
            if let Some(documents) = pack(statements, max_policies) {
                self.notes.push(
                    Diagnostic::warning(
                        "hub-policy-by-organization",
                        format!(
                            "hub role `{role_name}` may assume its role names in any account of organisation {organization}: its {} spoke roles do not fit {max_policies} managed policies even by account list; spoke trusts still admit only granted hub roles",
                            spokes.len()
                        ),
                    )
                    .at(model.groups[group].span)
                    .help(format!(
                        "raise `quotas.managed_policies_per_role` (up to {}) to keep exact account lists",
                        defaults::MANAGED_POLICIES_PER_ROLE_MAX
                    )),
                );
                return documents
                    .into_iter()
                    .enumerate()
                    .map(|(i, d)| {
                        self.hub_policy(
                            hub_account,
                            role_name,
                            i,
                            d,
                            HubPolicyForm::RoleNameInOrganization,
                        )
                    })
                    .collect();
            }
        }
        self.notes.push(
            Diagnostic::error(
                "hub-policy-too-large",
                format!(
                    "hub role `{role_name}` grants {} spoke roles, which do not fit {max_policies} managed policies of {} characters",
                    spokes.len(),
                    defaults::MANAGED_POLICY_SIZE
                ),
            )
            .at(model.groups[group].span)
            .help(format!(
                "set `organization.id` so the compiler can narrow by organisation, or raise `quotas.managed_policies_per_role` (up to {})",
                defaults::MANAGED_POLICIES_PER_ROLE_MAX
            )),
        );
        Vec::new()
    }

    fn any_account_role_arn(&self, role_name: &str) -> String {
        format!(
            "arn:{}:iam::*:role{}{}",
            self.model.partition, self.model.naming.role_path, role_name
        )
    }

    /// One statement per role name and chunk of account ids, each chunk small enough that a
    /// statement always fits one managed policy.
    fn by_account_statements(
        &self,
        actions: &StringList,
        accounts_by_role: &BTreeMap<&str, Vec<&str>>,
    ) -> Vec<Statement> {
        // 12 digits, two quotes and a comma per id; leave room for the rest of the statement.
        let ids_per_statement = (defaults::MANAGED_POLICY_SIZE - 600) / 15;
        let mut statements = Vec::new();
        for (role, ids) in accounts_by_role {
            let mut ids = ids.clone();
            ids.sort();
            for chunk in ids.chunks(ids_per_statement) {
                statements.push(
                    Statement::allow(actions.clone())
                        .with_resource(StringList::one(self.any_account_role_arn(role)))
                        .with_condition(
                            "StringEquals",
                            "aws:ResourceAccount",
                            StringList(chunk.iter().map(|&id| id.to_owned()).collect()),
                        ),
                );
            }
        }
        statements
    }

    fn hub_policy(
        &self,
        account: AccountIndex,
        role_name: &str,
        index: usize,
        document: PolicyDocument,
        form: HubPolicyForm,
    ) -> DesiredPolicy {
        let model = self.model;
        let name = if index == 0 {
            format!("{role_name}-assume")
        } else {
            format!("{role_name}-assume-{}", index + 1)
        };
        DesiredPolicy {
            arn: format!(
                "arn:{}:iam::{}:policy{}{}",
                model.partition, model.accounts[account].id, model.naming.role_path, name
            ),
            name,
            path: model.naming.role_path.clone(),
            description: format!("Spoke roles hub role {role_name} may assume (awsfed)"),
            document,
            attached_to: role_name.to_owned(),
            form,
            tags: self.tags(),
        }
    }

    fn check_role_policies(
        &mut self,
        role: &DesiredRole,
        account: AccountIndex,
        span: awsfed_model::Span,
        inline: usize,
    ) {
        let model = self.model;

        if inline > defaults::INLINE_POLICIES_SIZE_PER_ROLE {
            self.notes.push(
                Diagnostic::error(
                    "inline-policies-too-large",
                    format!(
                        "the inline policies of role `{}` are {inline} characters; IAM allows {} per role",
                        role.name,
                        defaults::INLINE_POLICIES_SIZE_PER_ROLE
                    ),
                )
                .at(span)
                .help("move statements into a customer managed policy and list its ARN in `managed_policies`"),
            );
        }
        if role.managed_policy_arns.len() > model.quotas.managed_policies_per_role {
            self.notes.push(
                Diagnostic::error(
                    "too-many-managed-policies",
                    format!(
                        "role `{}` in `{}` would have {} managed policies; the quota is {} (IAM's default {}, at most {})",
                        role.name,
                        model.accounts[account].name,
                        role.managed_policy_arns.len(),
                        model.quotas.managed_policies_per_role,
                        defaults::MANAGED_POLICIES_PER_ROLE,
                        defaults::MANAGED_POLICIES_PER_ROLE_MAX
                    ),
                )
                .at(span)
                .help("combine policies, or raise the quota with Service Quotas and set `quotas.managed_policies_per_role`"),
            );
        }
    }

    fn check_account_quotas(&mut self, account: &DesiredAccount) {
        let model = self.model;
        let quota = model.quotas.roles_per_account;
        if account.roles.len() > quota {
            let index = model.account_by_name(&account.name).unwrap_or_default();
            self.notes.push(
                Diagnostic::error(
                    "too-many-roles",
                    format!("account `{}` would hold {} awsfed roles; the quota is {quota}", account.name, account.roles.len()),
                )
                .at(model.accounts[index].span)
                .help(format!(
                    "grant fewer permission sets there, or raise the quota (at most {}) and set `quotas.roles_per_account`",
                    defaults::ROLES_PER_ACCOUNT_MAX
                )),
            );
        }
        let providers = usize::from(account.saml_provider.is_some());
        if providers > defaults::SAML_PROVIDERS_PER_ACCOUNT {
            self.notes.push(Diagnostic::error(
                "too-many-saml-providers",
                format!(
                    "account `{}` would hold {providers} SAML providers; IAM allows {}",
                    account.name,
                    defaults::SAML_PROVIDERS_PER_ACCOUNT
                ),
            ));
        }
    }

    /// Every group's mapping. With targets this is the largest part of compiling a big estate
    /// (hundreds of thousands of targets) and each group is independent, so the groups are spread
    /// over the machine's cores; the result is in group order whatever the thread count.
    fn group_mappings(&self) -> Vec<GroupMapping> {
        let count = self.model.groups.len();
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(count);
        if threads <= 1 || !self.group_targets {
            return (0..count).map(|g| self.group_mapping(g)).collect();
        }
        let mut mappings: Vec<(GroupIndex, GroupMapping)> = std::thread::scope(|scope| {
            // Interleaved, so one thread does not get all the large groups.
            let workers: Vec<_> = (0..threads)
                .map(|first| {
                    scope.spawn(move || {
                        (first..count)
                            .step_by(threads)
                            .map(|g| (g, self.group_mapping(g)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        mappings.sort_unstable_by_key(|(g, _)| *g);
        mappings.into_iter().map(|(_, mapping)| mapping).collect()
    }

    fn group_mapping(&self, g: GroupIndex) -> GroupMapping {
        let model = self.model;
        let mut role_values = Vec::new();
        let mut targets = Vec::new();
        let mut hub_hop = None;
        if !self.group_spokes[g].is_empty()
            && let Some(hub_account) = model.hub_account_of(&model.groups[g])
        {
            let name = self.hub_role_name(g);
            let max_session_duration = self.group_spokes[g]
                .iter()
                .map(|&(_, s)| model.permission_sets[s].session_duration)
                .max()
                .unwrap_or(defaults::MIN_SESSION_SECONDS);
            role_values.push(self.role_value(hub_account, &name));
            hub_hop = Some(Hop::Saml {
                role_arn: self.role_arn(hub_account, &name),
                provider_arn: self.provider_arns[hub_account].clone(),
                max_session_duration,
            });
        }
        let mut keys: Vec<(RoleKey, bool)> = self.group_direct[g]
            .iter()
            .map(|&k| (k, true))
            .chain(self.group_spokes[g].iter().map(|&k| (k, false)))
            .collect();
        keys.sort();
        for ((account, set), direct) in keys {
            let permission_set = &model.permission_sets[set];
            let role_name = &self.set_role_names[set];
            if direct {
                role_values.push(self.role_value(account, role_name));
            }
            if !self.group_targets {
                continue;
            }
            let role_arn = self.role_arn(account, role_name);
            let (hops, max_session_duration) = if direct {
                (
                    vec![Hop::Saml {
                        role_arn,
                        provider_arn: self.provider_arns[account].clone(),
                        max_session_duration: permission_set.session_duration,
                    }],
                    permission_set.session_duration,
                )
            } else {
                let Some(hub) = hub_hop.clone() else { continue };
                let chained = permission_set
                    .session_duration
                    .min(defaults::CHAINED_SESSION_SECONDS);
                (
                    vec![
                        hub,
                        Hop::AssumeRole {
                            role_arn,
                            max_session_duration: chained,
                        },
                    ],
                    chained,
                )
            };
            targets.push(Target {
                account_name: model.accounts[account].name.clone(),
                account_id: model.accounts[account].id.clone(),
                permission_set: permission_set.name.clone(),
                hops,
                max_session_duration,
            });
        }
        role_values.sort();
        role_values.dedup();
        GroupMapping {
            group: model.groups[g].name.clone(),
            role_values,
            targets,
        }
    }

    fn role_value(&self, account: AccountIndex, role_name: &str) -> RoleValue {
        let model = self.model;
        RoleValue {
            role_arn: self.role_arn(account, role_name),
            provider_arn: self.provider_arns[account].clone(),
            account_name: model.accounts[account].name.clone(),
            account_id: model.accounts[account].id.clone(),
            role_name: role_name.to_owned(),
        }
    }
}

fn raise_trust_quota_help(quota: usize) -> String {
    if quota < defaults::TRUST_POLICY_SIZE_MAX {
        format!(
            "list fewer audiences, or raise the quota to {} with Service Quotas and set `quotas.trust_policy_size`",
            defaults::TRUST_POLICY_SIZE_MAX
        )
    } else {
        "list fewer audiences or session tags".to_owned()
    }
}

/// Packs statements into as few documents as fit the managed policy quota, first fit in order.
/// `None` when more than `max_documents` would be needed.
///
/// Sizes are added up rather than re-measured: a document's IAM size is the empty document's plus
/// each statement's plus one comma between statements.
fn pack(statements: Vec<Statement>, max_documents: usize) -> Option<Vec<PolicyDocument>> {
    let empty = iam_size(&PolicyDocument::new(Vec::new()));
    let mut documents: Vec<(PolicyDocument, usize)> = Vec::new();
    for statement in statements {
        let size = iam_size_of(&statement);
        match documents.last_mut() {
            Some((document, used)) if *used + 1 + size <= defaults::MANAGED_POLICY_SIZE => {
                document.statement.push(statement);
                *used += 1 + size;
            }
            _ => {
                if documents.len() == max_documents {
                    return None;
                }
                documents.push((PolicyDocument::new(vec![statement]), empty + size));
            }
        }
    }
    Some(
        documents
            .into_iter()
            .map(|(document, _)| document)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_documents_fit_and_keep_every_statement() {
        let statements: Vec<Statement> = (0..300)
            .map(|i| {
                Statement::allow(StringList::one("sts:AssumeRole")).with_resource(StringList::one(
                    format!("arn:aws:iam::{i:012}:role/awsfed/Admin"),
                ))
            })
            .collect();
        let documents = pack(statements.clone(), 10).unwrap();
        assert!(documents.len() > 1);
        for document in &documents {
            assert!(iam_size(document) <= defaults::MANAGED_POLICY_SIZE);
        }
        let packed: Vec<Statement> = documents.into_iter().flat_map(|d| d.statement).collect();
        assert_eq!(packed, statements);
        assert!(pack(statements, 1).is_none());
    }
}
