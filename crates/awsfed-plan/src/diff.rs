//! Desired state against a snapshot → [`Plan`].

mod iam_users;

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE, Model, defaults};
use awsfed_policy::PolicyDocument;

use super::foreign_roles::ForeignRoles;
use super::hub_move::{HubMove, hub_move};
use super::migration::MIGRATION_TAG_KEY;
use super::normalize::{normalize, same_policy};
use super::ownership::{is_awsfed_policy_arn, is_managed_tagged, is_ours};
use super::{
    AccountPlan, Action, Change, Conflict, DIGEST_TAG_KEY, Drift, PLAN_FORMAT, Phase, Plan,
    SETTINGS_TAG_KEY,
};
use awsfed_compile::{DesiredAccount, DesiredPolicy, DesiredRole, DesiredState, RoleKind};
use awsfed_snapshot::{AccountSnapshot, ManagedPolicySnapshot, RoleSnapshot, Snapshot};

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// The SAML metadata document the model names (`None` when it names none).
    pub metadata_document: Option<String>,
    /// The IAM path of everything awsfed owns (the model's `naming.role_path`).
    pub role_path: String,
    /// Roles never deleted, as `ACCOUNT-ID/ROLE-NAME`: the role the caller is using.
    pub protected_roles: BTreeSet<String>,
    /// The IAM path of the IAM users and groups awsfed owns (`iam_users.path`, or its default when
    /// the model has none, so users and groups it no longer models are removed); empty: IAM users
    /// and groups are not planned at all.
    pub users_path: String,
}

impl PlanOptions {
    /// The options a model gives by itself: its metadata document and role path; no protected
    /// role, no IAM users planned.
    pub fn of_model(model: &Model) -> Self {
        Self {
            metadata_document: model
                .identity_provider
                .as_ref()
                .and_then(|idp| idp.metadata.as_ref())
                .map(|m| m.document.clone()),
            role_path: model.naming.role_path.clone(),
            ..Self::default()
        }
    }
}

/// The changes that take `actual` to `desired`. Accounts of the desired state that the snapshot
/// lacks are planned as empty accounts; snapshot accounts outside the desired state are left alone.
pub fn plan(desired: &DesiredState, actual: &Snapshot, options: &PlanOptions) -> Plan {
    let users_path = iam_users::effective_users_path(desired, actual, &options.users_path);
    let options = &PlanOptions {
        users_path,
        ..options.clone()
    };
    let empty: BTreeMap<&str, &AccountSnapshot> =
        actual.accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut accounts = Vec::new();
    let mut drift = Vec::new();
    let mut hints = BTreeSet::new();
    let mut fingerprints = BTreeMap::new();
    let hub_move = hub_move(desired, actual, &options.role_path);
    hints.extend(hub_move.hint());
    let foreign_roles = ForeignRoles::new(&actual.accounts, &options.role_path);
    for account in &desired.accounts {
        let snapshot = empty.get(account.id.as_str()).copied();
        fingerprints.insert(account.id.clone(), fingerprint(snapshot));
        let mut planner = AccountPlanner {
            desired,
            account,
            actual: snapshot,
            options,
            hub_move: &hub_move,
            foreign_roles: &foreign_roles,
            changes: Vec::new(),
            conflicts: Vec::new(),
            drift: &mut drift,
            hints: &mut hints,
        };
        planner.run();
        let AccountPlanner {
            mut changes,
            conflicts,
            ..
        } = planner;
        if changes.is_empty() && conflicts.is_empty() {
            continue;
        }
        // Stable: within a phase the order the planner chose (roles before their policies).
        changes.sort_by_key(|c| c.phase);
        accounts.push(AccountPlan {
            account_id: account.id.clone(),
            account_name: Some(account.name.clone()),
            changes,
            conflicts,
        });
    }
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    drift.sort_by(|a, b| (&a.account_id, &a.resource).cmp(&(&b.account_id, &b.resource)));
    Plan {
        format: PLAN_FORMAT,
        role_path: options.role_path.clone(),
        provider_name: desired.provider_name.clone(),
        users_path: options.users_path.clone(),
        accounts,
        drift,
        hints: hints.into_iter().collect(),
        fingerprints,
        identity_center: None,
    }
}

/// A stable digest of an account's actual IAM state (not its name): the plan is stale when it
/// changes.
pub fn fingerprint(snapshot: Option<&AccountSnapshot>) -> String {
    let text = snapshot.map_or_else(String::new, |s| {
        let mut text = serde_json::to_string(&(&s.roles, &s.saml_providers, &s.policies))
            .expect("a snapshot always serialises");
        // Only when there are some, so fingerprints of accounts without IAM users stay as they were.
        if !s.users.is_empty() || !s.groups.is_empty() {
            text.push_str(
                &serde_json::to_string(&(&s.users, &s.groups))
                    .expect("a snapshot always serialises"),
            );
        }
        text
    });
    digest(&text)
}

pub(crate) fn digest(text: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, text.as_bytes())
        .simple()
        .to_string()
}

/// What a role's digest tag covers: trust, inline policies, boundary, session length and the
/// managed policies awsfed does not own (its own policies carry their own digest).
fn role_digest(
    trust: &PolicyDocument,
    inline: &BTreeMap<String, PolicyDocument>,
    managed: &[String],
    boundary: Option<&str>,
    role_path: &str,
) -> String {
    let inline: BTreeMap<&String, String> = inline
        .iter()
        .map(|(k, v)| (k, normalize(v).to_json()))
        .collect();
    let managed: BTreeSet<&String> = managed
        .iter()
        .filter(|arn| !is_awsfed_policy_arn(arn, role_path))
        .collect();
    let text = serde_json::json!({
        "trust": normalize(trust).to_json(),
        "inline": inline,
        "managed": managed,
        "boundary": boundary,
    });
    digest(&text.to_string())
}

/// The role settings IAM does not report in bulk: session length and description.
fn settings_digest(role: &DesiredRole) -> String {
    digest(&format!(
        "{}\n{}",
        role.max_session_duration, role.description
    ))
}

/// The digest of a policy document awsfed writes in its `awsfed:digest` tag (and its record of the
/// versions it wrote): the same for documents [`same_policy`] finds equal.
pub fn policy_digest(document: &PolicyDocument) -> String {
    digest(&normalize(document).to_json())
}

/// See [`AccountPlanner::policy_states`].
#[derive(Default)]
struct PolicyStates {
    to_create: BTreeSet<String>,
    foreign: BTreeSet<String>,
}

impl PolicyStates {
    /// Whether a role change attaches this awsfed policy (new ones attach themselves when created;
    /// a conflicting one is never attached).
    fn attached_by_role(&self, arn: &str) -> bool {
        !self.to_create.contains(arn) && !self.foreign.contains(arn)
    }
}

struct AccountPlanner<'a> {
    desired: &'a DesiredState,
    account: &'a DesiredAccount,
    actual: Option<&'a AccountSnapshot>,
    options: &'a PlanOptions,
    hub_move: &'a HubMove,
    /// Roles awsfed does not own in every account read: no trust awsfed writes may admit one.
    foreign_roles: &'a ForeignRoles,
    changes: Vec<Change>,
    conflicts: Vec<Conflict>,
    drift: &'a mut Vec<Drift>,
    hints: &'a mut BTreeSet<String>,
}

impl<'a> AccountPlanner<'a> {
    fn push(&mut self, phase: Phase, action: Action) {
        self.changes.push(Change { phase, action });
    }

    fn run(&mut self) {
        self.provider();
        let policies = self.policy_states();
        let foreign_roles: BTreeSet<&str> = self
            .account
            .roles
            .iter()
            .filter(|r| {
                self.actual_role(&r.name)
                    .is_some_and(|a| !self.owned(&a.path, &a.tags))
            })
            .map(|r| r.name.as_str())
            .collect();
        for role in &self.account.roles {
            match self.actual_role(&role.name) {
                None => self.create_role(role, &policies),
                Some(actual) => {
                    // While hub roles move, a spoke trust keeps admitting the old hub roles.
                    let expanded = matches!(role.kind, RoleKind::Spoke { .. })
                        .then(|| {
                            self.hub_move
                                .expanded_trust(&role.trust_policy, &actual.trust_policy)
                        })
                        .flatten()
                        .map(|trust_policy| DesiredRole {
                            trust_policy,
                            ..role.clone()
                        });
                    self.update_role(expanded.as_ref().unwrap_or(role), actual, &policies);
                }
            }
        }
        for policy in &self.account.policies {
            match self.actual_policy(&policy.name) {
                // Created, it would attach itself to a role awsfed does not own (that role's
                // conflict is reported above).
                None if foreign_roles.contains(policy.attached_to.as_str()) => {}
                None => self.create_policy(policy),
                Some(actual) => self.update_policy(policy, actual),
            }
        }
        self.iam_users();
        self.deletions();
        self.user_and_group_deletions();
    }

    /// The account's awsfed policies this plan creates, and those a resource awsfed does not own
    /// holds the name of: neither is attached by a role change.
    fn policy_states(&self) -> PolicyStates {
        let mut states = PolicyStates::default();
        for policy in &self.account.policies {
            match self.actual_policy(&policy.name) {
                None => {
                    states.to_create.insert(policy.arn.clone());
                }
                Some(actual) if !self.owned(&actual.path, &actual.tags) => {
                    states.foreign.insert(policy.arn.clone());
                    states.foreign.insert(actual.arn.clone());
                }
                Some(_) => {}
            }
        }
        states
    }

    fn actual_role(&self, name: &str) -> Option<&'a RoleSnapshot> {
        self.actual?.roles.iter().find(|r| r.name == name)
    }

    fn actual_policy(&self, name: &str) -> Option<&'a ManagedPolicySnapshot> {
        self.actual?.policies.iter().find(|p| p.name == name)
    }

    fn owned(&self, path: &str, tags: &BTreeMap<String, String>) -> bool {
        is_ours(path, tags, &self.options.role_path)
    }

    fn conflict(&mut self, resource: String, reason: String, hint: &str) {
        self.conflicts.push(Conflict {
            resource,
            reason,
            hint: hint.to_owned(),
        });
    }

    fn provider(&mut self) {
        let name = &self.desired.provider_name;
        let actual = self
            .actual
            .and_then(|a| a.saml_providers.iter().find(|p| &p.name == name));
        let Some(desired) = &self.account.saml_provider else {
            if let Some(actual) = actual
                && is_managed_tagged(&actual.tags)
            {
                self.push(
                    Phase::Deletions,
                    Action::DeleteSamlProvider {
                        arn: actual.arn.clone(),
                    },
                );
            }
            return;
        };
        let metadata = self.options.metadata_document.as_deref();
        let held = self.actual.map_or(0, |a| a.saml_providers.len());
        match (actual, metadata) {
            // The quota is only knowable against the live account: the model adds one provider.
            (None, Some(_)) if held >= defaults::SAML_PROVIDERS_PER_ACCOUNT => self.conflict(
                format!("SAML provider {}", desired.name),
                format!(
                    "the account already holds {held} SAML providers; IAM allows {} per account",
                    defaults::SAML_PROVIDERS_PER_ACCOUNT
                ),
                "delete SAML providers the account no longer uses, then plan again",
            ),
            (None, Some(metadata)) => self.push(
                Phase::Providers,
                Action::CreateSamlProvider {
                    name: desired.name.clone(),
                    metadata_document: metadata.to_owned(),
                    tags: managed_tags(None),
                },
            ),
            (None, None) => self.conflict(
                format!("SAML provider {}", desired.name),
                "the account has no SAML provider and the model names no metadata file".to_owned(),
                "set identity_provider.metadata_file in the model",
            ),
            (Some(actual), Some(metadata))
                if actual.metadata_document.trim() != metadata.trim() =>
            {
                // The provider named in the model is the model's (every account uses the same
                // name): its metadata follows the model, which is how keys rotate.
                self.push(
                    Phase::Providers,
                    Action::UpdateSamlProvider {
                        arn: actual.arn.clone(),
                        metadata_document: metadata.to_owned(),
                    },
                );
            }
            _ => {}
        }
    }

    fn role_tags(&self, role: &DesiredRole) -> BTreeMap<String, String> {
        let digest = role_digest(
            &role.trust_policy,
            &role.inline_policies,
            &role.managed_policy_arns,
            role.permissions_boundary.as_deref(),
            &self.options.role_path,
        );
        let mut tags = role.tags.clone();
        tags.insert(DIGEST_TAG_KEY.to_owned(), digest);
        tags.insert(SETTINGS_TAG_KEY.to_owned(), settings_digest(role));
        tags
    }

    fn session_hint(&mut self, trust: &PolicyDocument, previous: Option<&PolicyDocument>) {
        // Without a SAML IdP (IAM users only) nobody but `awsfed creds` sets SourceIdentity.
        if self.desired.provider_name.is_empty() {
            return;
        }
        for (action, what) in [
            ("sts:setsourceidentity", "send SourceIdentity"),
            ("sts:tagsession", "send session tags"),
        ] {
            let has = |d: &PolicyDocument| {
                normalize(d).statement.iter().any(|s| {
                    s.action
                        .as_ref()
                        .is_some_and(|a| a.iter().any(|x| x == action))
                })
            };
            if has(trust) && !previous.is_some_and(has) {
                self.hints.insert(format!(
                    "trusts gain {} in this apply: configure the IdP to {what} only after it has finished in every account, or sign-in fails",
                    if action == "sts:setsourceidentity" { "sts:SetSourceIdentity" } else { "sts:TagSession" }
                ));
            }
        }
    }

    fn create_role(&mut self, role: &DesiredRole, policies: &PolicyStates) {
        if self.admits_foreign_roles(role) {
            return;
        }
        let phase = match role.kind {
            RoleKind::Hub { .. } => Phase::HubRoles,
            RoleKind::Spoke { .. } | RoleKind::Direct { .. } => Phase::AccountRoles,
        };
        let own: BTreeSet<&String> = self.account.policies.iter().map(|p| &p.arn).collect();
        self.session_hint(&role.trust_policy, None);
        let tags = self.role_tags(role);
        self.push(
            phase,
            Action::CreateRole {
                name: role.name.clone(),
                path: role.path.clone(),
                description: role.description.clone(),
                max_session_duration: role.max_session_duration,
                trust_policy: role.trust_policy.clone(),
                managed_policy_arns: role
                    .managed_policy_arns
                    .iter()
                    .filter(|arn| !own.contains(arn))
                    .cloned()
                    .collect(),
                inline_policies: role.inline_policies.clone(),
                permissions_boundary: role.permissions_boundary.clone(),
                tags,
            },
        );
        // awsfed policies that already exist (an earlier interrupted apply) are attached here; new
        // ones attach themselves when created.
        for arn in role
            .managed_policy_arns
            .iter()
            .filter(|arn| own.contains(arn) && policies.attached_by_role(arn))
        {
            self.push(
                Phase::HubPolicies,
                Action::AttachPolicy {
                    role: role.name.clone(),
                    policy_arn: arn.clone(),
                },
            );
        }
    }

    fn update_role(&mut self, role: &DesiredRole, actual: &RoleSnapshot, policies: &PolicyStates) {
        if !self.updatable(role, actual) || self.admits_foreign_roles(role) {
            return;
        }
        let actual_digest = role_digest(
            &actual.trust_policy,
            &actual.inline_policies,
            &actual.managed_policy_arns,
            actual.permissions_boundary.as_deref(),
            &self.options.role_path,
        );
        let mut drifted = Vec::new();
        let tagged = actual.tags.get(DIGEST_TAG_KEY);
        let tag_says_drift = tagged.is_some_and(|d| d != &actual_digest);
        let before = self.changes.len();
        let name = &role.name;
        if !same_policy(&role.trust_policy, &actual.trust_policy) {
            drifted.push("trust policy".to_owned());
            self.session_hint(&role.trust_policy, Some(&actual.trust_policy));
            self.push(
                Phase::Updates,
                Action::UpdateTrust {
                    role: name.clone(),
                    trust_policy: role.trust_policy.clone(),
                    previous: actual.trust_policy.clone(),
                },
            );
        }
        // GetAccountAuthorizationDetails does not return a role's session length or description;
        // the settings tag records what awsfed last wrote.
        if actual.tags.get(SETTINGS_TAG_KEY) != Some(&settings_digest(role)) {
            self.push(
                Phase::Updates,
                Action::UpdateRole {
                    role: name.clone(),
                    max_session_duration: role.max_session_duration,
                    description: role.description.clone(),
                },
            );
        }
        self.update_inline_policies(role, actual, &mut drifted);
        self.update_attachments(role, actual, policies, &mut drifted);
        if role.permissions_boundary != actual.permissions_boundary {
            drifted.push("permissions boundary".to_owned());
            let action = match &role.permissions_boundary {
                Some(arn) => Action::PutPermissionsBoundary {
                    role: name.clone(),
                    policy_arn: arn.clone(),
                },
                None => Action::DeletePermissionsBoundary { role: name.clone() },
            };
            self.push(Phase::Updates, action);
        }
        self.update_role_tags(role, actual, tagged, before);
        if tag_says_drift {
            self.drift.push(Drift {
                account_id: self.account.id.clone(),
                resource: format!("role {name}"),
                what: drifted,
            });
        }
    }

    /// A role of the model's name can be updated only when awsfed owns it and it is under the
    /// model's path (IAM cannot move a role); otherwise the plan holds a conflict.
    fn updatable(&mut self, role: &DesiredRole, actual: &RoleSnapshot) -> bool {
        if !self.owned(&actual.path, &actual.tags) {
            self.conflict(
                format!("role {}", actual.arn),
                format!(
                    "awsfed needs a role named {} but this one is not under {} with tag {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE}, so awsfed does not own it",
                    role.name, self.options.role_path
                ),
                "rename or delete the existing role, or change naming.role_name in the model",
            );
            return false;
        }
        if actual.path != role.path {
            self.conflict(
                format!("role {}", actual.arn),
                format!(
                    "the model puts role {} under {}, but it exists under {}; IAM cannot change a role's path, and role names are unique in an account whatever the path, so the new role cannot be created beside it",
                    role.name, role.path, actual.path
                ),
                "give the moved roles new names for the move (for hub roles, `naming.hub_role_name`: the default `{group}` differs from the earlier `hub-{group}`); the plan then creates them beside the old ones and removes the old ones once the IdP sends the new values",
            );
            return false;
        }
        true
    }

    fn update_inline_policies(
        &mut self,
        role: &DesiredRole,
        actual: &RoleSnapshot,
        drifted: &mut Vec<String>,
    ) {
        let name = &role.name;
        for (policy_name, document) in &role.inline_policies {
            let previous = actual.inline_policies.get(policy_name);
            if !previous.is_some_and(|p| same_policy(p, document)) {
                drifted.push(format!("inline policy {policy_name}"));
                self.push(
                    Phase::Updates,
                    Action::PutInlinePolicy {
                        role: name.clone(),
                        name: policy_name.clone(),
                        document: document.clone(),
                        previous: previous.cloned(),
                    },
                );
            }
        }
        for policy_name in actual.inline_policies.keys() {
            if !role.inline_policies.contains_key(policy_name) {
                drifted.push(format!("inline policy {policy_name}"));
                self.push(
                    Phase::Updates,
                    Action::DeleteInlinePolicy {
                        role: name.clone(),
                        name: policy_name.clone(),
                    },
                );
            }
        }
    }

    /// Attaches the managed policies the model adds (not new awsfed policies, which attach
    /// themselves when created, nor conflicting ones) and detaches what it no longer lists.
    fn update_attachments(
        &mut self,
        role: &DesiredRole,
        actual: &RoleSnapshot,
        policies: &PolicyStates,
        drifted: &mut Vec<String>,
    ) {
        let name = &role.name;
        let desired_managed: BTreeSet<&String> = role.managed_policy_arns.iter().collect();
        let actual_managed: BTreeSet<&String> = actual.managed_policy_arns.iter().collect();
        for arn in desired_managed.difference(&actual_managed) {
            if !policies.attached_by_role(arn) {
                continue;
            }
            drifted.push(format!("attached {arn}"));
            self.push(
                Phase::Updates,
                Action::AttachPolicy {
                    role: name.clone(),
                    policy_arn: (*arn).clone(),
                },
            );
        }
        for arn in actual_managed.difference(&desired_managed) {
            drifted.push(format!("attached {arn}"));
            self.push(
                Phase::Updates,
                Action::DetachPolicy {
                    role: name.clone(),
                    policy_arn: (*arn).clone(),
                },
            );
        }
    }

    /// The role's tags: the migration tag removed when no migration is under way, and every tag
    /// written again when anything changed or the digest or migration stage is stale.
    fn update_role_tags(
        &mut self,
        role: &DesiredRole,
        actual: &RoleSnapshot,
        tagged: Option<&String>,
        before: usize,
    ) {
        let name = &role.name;
        let tags = self.role_tags(role);
        let migration_tag = |t: &BTreeMap<String, String>| t.get(MIGRATION_TAG_KEY).cloned();
        if actual.tags.contains_key(MIGRATION_TAG_KEY) && !tags.contains_key(MIGRATION_TAG_KEY) {
            self.push(
                Phase::Updates,
                Action::UntagRole {
                    role: name.clone(),
                    keys: vec![MIGRATION_TAG_KEY.to_owned()],
                },
            );
        }
        if self.changes.len() > before
            || tagged != tags.get(DIGEST_TAG_KEY)
            || (tags.contains_key(MIGRATION_TAG_KEY)
                && migration_tag(&actual.tags) != migration_tag(&tags))
        {
            // Updating the tags again is harmless; leaving a stale digest would report drift.
            self.push(
                Phase::Updates,
                Action::TagRole {
                    role: name.clone(),
                    tags,
                },
            );
        }
    }

    /// A trust that would admit a role awsfed does not own (one holding a hub role's name, or under
    /// the hub path) is a conflict: nothing of the role is written, so its owner is not handed access.
    fn admits_foreign_roles(&mut self, role: &DesiredRole) -> bool {
        let admitted = self.foreign_roles.admitted_by(&role.trust_policy);
        let Some(first) = admitted.first() else {
            return false;
        };
        let more = match admitted.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        self.conflict(
            format!("role {}", role.arn),
            format!("its trust would admit {first}{more}, so it would hand this role to whoever controls that one"),
            "rename, move or delete the role awsfed does not own (or give the hub roles other names with `naming.hub_role_name`), then plan again; until then this role is left as it is",
        );
        true
    }

    fn create_policy(&mut self, policy: &DesiredPolicy) {
        self.create_policy_in(Phase::HubPolicies, policy, &policy.attached_to);
    }

    /// A new awsfed policy, attached to the role `attach_to` once created (none when empty).
    fn create_policy_in(&mut self, phase: Phase, policy: &DesiredPolicy, attach_to: &str) {
        let mut tags = policy.tags.clone();
        tags.insert(DIGEST_TAG_KEY.to_owned(), policy_digest(&policy.document));
        self.push(
            phase,
            Action::CreatePolicy {
                name: policy.name.clone(),
                path: policy.path.clone(),
                description: policy.description.clone(),
                document: policy.document.clone(),
                tags,
                attach_to: attach_to.to_owned(),
            },
        );
    }

    fn update_policy(&mut self, policy: &DesiredPolicy, actual: &ManagedPolicySnapshot) {
        if !self.owned(&actual.path, &actual.tags) {
            self.conflict(
                format!("policy {}", actual.arn),
                format!(
                    "awsfed needs a policy named {} but this one is not under {} with tag {MANAGED_TAG_KEY}={MANAGED_TAG_VALUE}",
                    policy.name, self.options.role_path
                ),
                "rename or delete the existing policy",
            );
            return;
        }
        let actual_digest = policy_digest(&actual.document);
        if actual
            .tags
            .get(DIGEST_TAG_KEY)
            .is_some_and(|d| d != &actual_digest)
        {
            self.drift.push(Drift {
                account_id: self.account.id.clone(),
                resource: format!("policy {}", actual.arn),
                what: vec!["document".to_owned()],
            });
        }
        let desired_digest = policy_digest(&policy.document);
        if !same_policy(&policy.document, &actual.document)
            || actual.tags.get(DIGEST_TAG_KEY) != Some(&desired_digest)
        {
            let mut tags = policy.tags.clone();
            tags.insert(DIGEST_TAG_KEY.to_owned(), desired_digest);
            // Of two holding it (a retried create), the executor restores the newer.
            let restores = actual
                .other_versions
                .iter()
                .filter(|v| same_policy(&policy.document, &v.document))
                .max_by_key(|v| v.id.trim_start_matches('v').parse::<u64>().unwrap_or(0))
                .map(|v| v.id.clone());
            self.push(
                Phase::Updates,
                Action::UpdatePolicy {
                    arn: actual.arn.clone(),
                    document: policy.document.clone(),
                    previous: actual.document.clone(),
                    tags,
                    restores,
                },
            );
        }
    }

    fn deletions(&mut self) {
        let Some(actual) = self.actual else { return };
        let desired_roles: BTreeSet<&str> =
            self.account.roles.iter().map(|r| r.name.as_str()).collect();
        let desired_policies: BTreeSet<&str> = self
            .account
            .policies
            .iter()
            .chain(self.account.iam_users.iter().flat_map(|u| &u.policies))
            .map(|p| p.name.as_str())
            .collect();
        for policy in &actual.policies {
            if self.owned(&policy.path, &policy.tags)
                && !desired_policies.contains(policy.name.as_str())
                && !self.hub_move.keeps(&policy.arn)
                && self.only_ours_hold(&policy.arn)
            {
                self.push(
                    Phase::Deletions,
                    Action::DeletePolicy {
                        arn: policy.arn.clone(),
                    },
                );
            }
        }
        for role in &actual.roles {
            if !self.owned(&role.path, &role.tags)
                || desired_roles.contains(role.name.as_str())
                || self.hub_move.keeps(&role.arn)
            {
                continue;
            }
            if self
                .options
                .protected_roles
                .contains(&format!("{}/{}", self.account.id, role.name))
            {
                self.hints.insert(format!(
                    "role {} is no longer in the model but is the role awsfed is running as; it is kept (delete it with other credentials)",
                    role.arn
                ));
                continue;
            }
            self.push(
                Phase::Deletions,
                Action::DeleteRole {
                    role: role.name.clone(),
                },
            );
        }
    }
}

fn managed_tags(digest: Option<String>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]);
    if let Some(digest) = digest {
        tags.insert(DIGEST_TAG_KEY.to_owned(), digest);
    }
    tags
}
