//! A snapshot indexed for access analysis: roles by ARN and by ARN resource part, policies compiled
//! once and only when a hop needs them, the SCP and RCP chain of every account.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use awsfed_policy::{Arn, OrgChain, OrgLevel, Policy, PolicyDocument, PolicyKind, Principal};

use awsfed_snapshot::{AccountSnapshot, OrgPolicyKind, RoleSnapshot, Snapshot};

use crate::unknown_org_paths::{UnknownOrgPaths, unknown_org_paths};

/// AWS managed policies whose effect on `sts:AssumeRole` is known without their document. Others
/// are not in snapshots (only customer managed policies are); they are reported as not evaluated.
const KNOWN_AWS_MANAGED: &[(&str, &str)] = &[(
    "arn:aws:iam::aws:policy/AdministratorAccess",
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
)];

/// One role of the estate.
#[derive(Debug, Clone, Copy)]
pub struct RoleRef<'s> {
    pub account: &'s AccountSnapshot,
    pub role: &'s RoleSnapshot,
}

/// A role's policies, compiled.
#[derive(Debug)]
pub struct CompiledRole {
    pub trust: Option<Policy>,
    pub identity: Vec<Policy>,
    pub boundary: Option<Policy>,
    /// Policies that could not be compiled or found; the hop is evaluated without them.
    pub problems: Vec<String>,
}

#[derive(Debug)]
pub struct Estate<'s> {
    pub snapshot: &'s Snapshot,
    pub roles: Vec<RoleRef<'s>>,
    by_arn: HashMap<&'s str, usize>,
    by_resource: HashMap<&'s str, Vec<usize>>,
    /// Principal strings named in `Allow` trust statements (ARNs, account ids, `*`) → roles.
    trusted_by: HashMap<String, Vec<usize>>,
    managed: HashMap<&'s str, &'s PolicyDocument>,
    /// Policy id → document, for SCPs and RCPs.
    org_documents: HashMap<&'s str, &'s PolicyDocument>,
    chains: HashMap<&'s str, (Option<OrgChain>, Option<OrgChain>)>,
    compiled: Vec<OnceLock<CompiledRole>>,
    pub organization_id: Option<String>,
    /// Account id → its Organizations entity path (`o-x/r-x/ou-a/`), the value of
    /// `aws:ResourceOrgPaths` for its resources; empty without an organisation in the snapshot.
    org_paths: HashMap<String, String>,
    /// Org policies that could not be compiled.
    pub org_problems: Vec<String>,
    /// Policies testing `aws:ResourceOrgPaths` in a snapshot without its organisation, and the
    /// paths assumed for every account (see [`crate::unknown_org_paths`]).
    pub unknown_org_paths: Option<UnknownOrgPaths>,
}

impl<'s> Estate<'s> {
    pub fn new(snapshot: &'s Snapshot, organization_id: Option<String>) -> Self {
        let mut roles = Vec::new();
        for account in &snapshot.accounts {
            for role in &account.roles {
                roles.push(RoleRef { account, role });
            }
        }
        let mut by_arn = HashMap::with_capacity(roles.len());
        let mut by_resource: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut trusted_by: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in roles.iter().enumerate() {
            by_arn.insert(r.role.arn.as_str(), i);
            if let Some(resource) = arn_resource(&r.role.arn) {
                by_resource.entry(resource).or_default().push(i);
            }
            for statement in &r.role.trust_policy.statement {
                if statement.effect != awsfed_policy::Effect::Allow {
                    continue;
                }
                match &statement.principal {
                    Some(Principal::Any(_)) => trusted_by.entry("*".into()).or_default().push(i),
                    Some(Principal::Typed(map)) => {
                        for (kind, values) in map {
                            if kind == "AWS" {
                                for value in values.iter() {
                                    // Most principals are lower-case already and named by many
                                    // trusts: look them up without a copy.
                                    if value.bytes().any(|b| b.is_ascii_uppercase()) {
                                        let key = value.to_ascii_lowercase();
                                        trusted_by.entry(key).or_default().push(i);
                                    } else if let Some(list) = trusted_by.get_mut(value) {
                                        list.push(i);
                                    } else {
                                        trusted_by.insert(value.to_owned(), vec![i]);
                                    }
                                }
                            }
                        }
                    }
                    None => {}
                }
            }
        }
        for list in trusted_by.values_mut() {
            list.dedup();
        }
        let managed = snapshot
            .accounts
            .iter()
            .flat_map(|a| a.policies.iter())
            .map(|p| (p.arn.as_str(), &p.document))
            .collect();
        let mut estate = Estate {
            snapshot,
            compiled: (0..roles.len()).map(|_| OnceLock::new()).collect(),
            roles,
            by_arn,
            by_resource,
            trusted_by,
            managed,
            org_documents: HashMap::new(),
            chains: HashMap::new(),
            organization_id: organization_id
                .or_else(|| snapshot.organization.as_ref().map(|o| o.id.clone())),
            org_paths: snapshot
                .organization
                .as_ref()
                .map(|o| o.entity_paths().accounts.into_iter().collect())
                .unwrap_or_default(),
            org_problems: Vec::new(),
            unknown_org_paths: unknown_org_paths(snapshot),
        };
        estate.build_chains();
        estate
    }

    fn build_chains(&mut self) {
        let Some(org) = &self.snapshot.organization else {
            return;
        };
        let mut compiled: BTreeMap<&str, (OrgPolicyKind, Policy)> = BTreeMap::new();
        let mut attached: HashMap<&str, Vec<&str>> = HashMap::new();
        for policy in &org.policies {
            self.org_documents.insert(&policy.id, &policy.document);
            let kind = match policy.kind {
                OrgPolicyKind::ServiceControl => PolicyKind::ServiceControl,
                OrgPolicyKind::ResourceControl => PolicyKind::ResourceControl,
            };
            match Policy::compile(policy.id.clone(), kind, &policy.document) {
                Ok(p) => {
                    compiled.insert(&policy.id, (policy.kind, p));
                }
                Err(e) => self
                    .org_problems
                    .push(format!("{} ({}): {e}", policy.id, policy.name)),
            }
            for target in &policy.targets {
                attached.entry(target).or_default().push(&policy.id);
            }
        }
        let parents: HashMap<&str, &str> = org
            .ous
            .iter()
            .map(|o| (o.id.as_str(), o.parent_id.as_str()))
            .chain(
                org.accounts
                    .iter()
                    .map(|a| (a.id.as_str(), a.parent_id.as_str())),
            )
            .collect();
        for account in &org.accounts {
            // Root first, down to the account.
            let mut targets = vec![account.id.as_str()];
            let mut at = account.id.as_str();
            while let Some(parent) = parents.get(at) {
                if targets.contains(parent) || targets.len() > 10 {
                    break;
                }
                targets.push(parent);
                at = parent;
            }
            targets.reverse();
            let chain = |want: OrgPolicyKind| -> OrgChain {
                let levels = targets
                    .iter()
                    .map(|target| OrgLevel {
                        target: (*target).to_owned(),
                        policies: attached
                            .get(target)
                            .into_iter()
                            .flatten()
                            .filter_map(|id| compiled.get(id))
                            .filter(|(kind, _)| *kind == want)
                            .map(|(_, p)| p.clone())
                            .collect(),
                    })
                    .collect();
                OrgChain {
                    levels,
                    management_account: account.id == org.management_account_id,
                }
            };
            let scp = chain(OrgPolicyKind::ServiceControl);
            // An organisation without SCPs enabled has none attached anywhere: no SCP gate.
            let has_scps = scp.levels.iter().any(|l| !l.policies.is_empty());
            let rcp = chain(OrgPolicyKind::ResourceControl);
            self.chains
                .insert(&account.id, (has_scps.then_some(scp), Some(rcp)));
        }
    }

    pub fn role(&self, index: usize) -> RoleRef<'s> {
        self.roles[index]
    }

    pub fn role_index(&self, arn: &str) -> Option<usize> {
        self.by_arn.get(arn).copied()
    }

    /// The account's friendly name, else its id.
    pub fn account_name(&self, id: &str) -> String {
        self.snapshot
            .accounts
            .binary_search_by(|a| a.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.snapshot.accounts[i].name.clone())
            .or_else(|| {
                self.snapshot
                    .organization
                    .as_ref()
                    .and_then(|o| o.accounts.iter().find(|a| a.id == id))
                    .map(|a| a.name.clone())
            })
            .unwrap_or_else(|| id.to_owned())
    }

    pub fn account_exists(&self, id: &str) -> bool {
        self.snapshot
            .accounts
            .binary_search_by(|a| a.id.as_str().cmp(id))
            .is_ok()
    }

    /// The account's Organizations entity path (`aws:ResourceOrgPaths` of its resources), when
    /// the snapshot holds the organisation.
    /// The estate with the Organizations paths a desired state was compiled with (a snapshot made
    /// from it holds no organisation): each account's `aws:ResourceOrgPaths` is known, nothing is
    /// assumed, and the organisation id is the paths' when none was given.
    pub fn with_org_paths(mut self, paths: &awsfed_compile::OrganizationPaths) -> Self {
        self.org_paths = paths.accounts.clone().into_iter().collect();
        self.unknown_org_paths = None;
        if self.organization_id.is_none() {
            self.organization_id = paths
                .accounts
                .values()
                .find_map(|p| p.split('/').next())
                .map(str::to_owned);
        }
        self
    }

    pub fn org_path(&self, account: &str) -> Option<&str> {
        self.org_paths.get(account).map(String::as_str)
    }

    pub fn service_control(&self, account: &str) -> Option<&OrgChain> {
        self.chains.get(account).and_then(|(scp, _)| scp.as_ref())
    }

    pub fn resource_control(&self, account: &str) -> Option<&OrgChain> {
        self.chains.get(account).and_then(|(_, rcp)| rcp.as_ref())
    }

    /// Roles whose trust names `principal` (compared case-insensitively) in an `Allow` statement,
    /// in ascending order.
    pub fn trusting(&self, principal: &str) -> &[usize] {
        self.trusted_by
            .get(&principal.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// Roles whose ARN resource part (`role/PATH/NAME`) is `resource`.
    pub fn by_resource(&self, resource: &str) -> &[usize] {
        self.by_resource.get(resource).map_or(&[], Vec::as_slice)
    }

    /// Each role's position in ARN order, equal ARNs sharing one.
    pub fn arn_ranks(&self) -> Vec<u32> {
        let mut order: Vec<usize> = (0..self.roles.len()).collect();
        order.sort_by(|&a, &b| self.roles[a].role.arn.cmp(&self.roles[b].role.arn));
        let mut rank = vec![0; self.roles.len()];
        let mut current = 0;
        let mut previous: Option<&str> = None;
        for i in order {
            let arn = self.roles[i].role.arn.as_str();
            if previous.is_some_and(|p| p != arn) {
                current += 1;
            }
            previous = Some(arn);
            rank[i] = current;
        }
        rank
    }

    /// The document behind a policy id used in compiled policies.
    pub fn document(&self, id: &str) -> Option<&'s PolicyDocument> {
        if let Some(doc) = self.org_documents.get(id) {
            return Some(doc);
        }
        if let Some(doc) = self.managed.get(id) {
            return Some(doc);
        }
        let (arn, rest) = id.split_once('#')?;
        let role = self.roles[self.role_index(arn)?].role;
        if rest == "trust" {
            Some(&role.trust_policy)
        } else {
            role.inline_policies.get(rest.strip_prefix("inline/")?)
        }
    }

    /// The role's policies, compiled on first use.
    pub fn compiled(&self, index: usize) -> &CompiledRole {
        self.compiled[index].get_or_init(|| self.compile_role(index))
    }

    fn compile_role(&self, index: usize) -> CompiledRole {
        let role = self.roles[index].role;
        let mut problems = Vec::new();
        let trust = match Policy::compile(
            format!("{}#trust", role.arn),
            PolicyKind::Trust,
            &role.trust_policy,
        ) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        };
        let mut identity = Vec::new();
        for (name, document) in &role.inline_policies {
            match Policy::compile(
                format!("{}#inline/{name}", role.arn),
                PolicyKind::Identity,
                document,
            ) {
                Ok(p) => identity.push(p),
                Err(e) => problems.push(e.to_string()),
            }
        }
        for arn in &role.managed_policy_arns {
            match self.managed_policy(arn, PolicyKind::Identity) {
                Ok(Some(p)) => identity.push(p),
                Ok(None) => {}
                Err(e) => problems.push(e),
            }
        }
        let boundary = role.permissions_boundary.as_ref().and_then(|arn| {
            match self.managed_policy(arn, PolicyKind::PermissionsBoundary) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(e);
                    None
                }
            }
        });
        CompiledRole {
            trust,
            identity,
            boundary,
            problems,
        }
    }

    /// A managed policy by ARN: customer managed from the snapshot, a few AWS managed known by
    /// heart; `Ok(None)` for other AWS managed policies (they grant no `sts:` actions that matter
    /// here unless they are in the list).
    pub(crate) fn managed_policy(
        &self,
        arn: &str,
        kind: PolicyKind,
    ) -> Result<Option<Policy>, String> {
        if let Some(document) = self.managed.get(arn) {
            return Policy::compile(arn, kind, document)
                .map(Some)
                .map_err(|e| e.to_string());
        }
        if let Some((_, text)) = KNOWN_AWS_MANAGED.iter().find(|(a, _)| *a == arn) {
            return Policy::parse(arn, kind, text)
                .map(Some)
                .map_err(|e| e.to_string());
        }
        if arn.contains(":iam::aws:policy/") {
            return Ok(None);
        }
        Err(format!(
            "managed policy `{arn}` is attached but not in the snapshot; it was left out of the evaluation"
        ))
    }

    /// Known AWS managed policy documents, for the analysis of identity grants.
    pub fn known_aws_managed(arn: &str) -> Option<PolicyDocument> {
        KNOWN_AWS_MANAGED
            .iter()
            .find(|(a, _)| *a == arn)
            .and_then(|(_, text)| PolicyDocument::from_json(text).ok())
    }

    /// Every identity policy document of a role (inline, customer managed, known AWS managed).
    pub fn identity_documents(&self, index: usize) -> Vec<PolicyDocument> {
        let role = self.roles[index].role;
        let mut docs: Vec<PolicyDocument> = role.inline_policies.values().cloned().collect();
        for arn in &role.managed_policy_arns {
            if let Some(doc) = self.managed.get(arn.as_str()) {
                docs.push((*doc).clone());
            } else if let Some(doc) = Self::known_aws_managed(arn) {
                docs.push(doc);
            }
        }
        docs
    }
}

/// `role/PATH/NAME` of an IAM role ARN.
pub fn arn_resource(arn: &str) -> Option<&str> {
    Arn::parts(arn).map(|[.., resource]| resource)
}

/// The account field of an ARN.
pub fn arn_account(arn: &str) -> Option<&str> {
    Arn::parts(arn).map(|[_, _, _, account, _]| account)
}
