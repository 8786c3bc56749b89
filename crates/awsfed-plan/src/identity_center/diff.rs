//! Desired permission sets and assignments against the scanned instance.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_compile::{DesiredIdentityCenter, DesiredPermissionSet};
use awsfed_model::GroupSource;
use awsfed_snapshot::{IdentityCenterSnapshot, PermissionSetSnapshot, PrincipalType};
use serde::Serialize;

use super::{
    IdentityCenterAction as A, IdentityCenterChange, IdentityCenterPlan, IdentityCenterStep as S,
    PermissionSetDrift,
};
use crate::diff::digest;
use crate::normalize::normalize;
use crate::ownership::is_managed_tagged;
use crate::{Conflict, DIGEST_TAG_KEY};

/// Identity Center's session length when a permission set names none ("PermissionSet",
/// API Reference: the default is one hour).
const DEFAULT_SESSION: &str = "PT1H";

/// What a permission set's digest tag covers, in one comparable form.
#[derive(Debug, PartialEq, Serialize)]
struct Content {
    /// `None` when the model names no description: the instance's is kept, whatever it is.
    description: Option<String>,
    session_duration: String,
    relay_state: Option<String>,
    managed_policies: BTreeSet<String>,
    customer_managed_policies: BTreeSet<(String, String)>,
    inline_policy: Option<String>,
    permissions_boundary: Option<String>,
}

impl Content {
    fn desired(set: &DesiredPermissionSet) -> Self {
        Self {
            description: set.description.clone(),
            session_duration: set.session_duration.clone(),
            relay_state: set.relay_state.clone(),
            managed_policies: set.managed_policies.iter().cloned().collect(),
            customer_managed_policies: set
                .customer_managed_policies
                .iter()
                .map(|p| (p.path.clone(), p.name.clone()))
                .collect(),
            inline_policy: set.inline_policy.as_ref().map(|d| normalize(d).to_json()),
            permissions_boundary: set
                .permissions_boundary
                .as_ref()
                .map(|b| serde_json::to_string(b).expect("serialisable")),
        }
    }

    /// `set` as compared with `desired`.
    fn actual(set: &PermissionSetSnapshot, desired: &DesiredPermissionSet) -> Self {
        Self {
            description: desired
                .description
                .as_ref()
                .map(|_| set.description.clone().unwrap_or_default()),
            session_duration: set
                .session_duration
                .clone()
                .unwrap_or_else(|| DEFAULT_SESSION.to_owned()),
            relay_state: set.relay_state.clone(),
            managed_policies: set.managed_policies.iter().cloned().collect(),
            customer_managed_policies: set
                .customer_managed_policies
                .iter()
                .map(|p| (p.path.clone(), p.name.clone()))
                .collect(),
            inline_policy: set.inline_policy.as_ref().map(|d| normalize(d).to_json()),
            permissions_boundary: set
                .permissions_boundary
                .as_ref()
                .map(|b| serde_json::to_string(b).expect("serialisable")),
        }
    }

    fn digest(&self) -> String {
        digest(&serde_json::to_string(self).expect("serialisable"))
    }

    /// The parts that differ from `other`, named for people.
    fn differences(&self, other: &Content) -> Vec<String> {
        let mut what = Vec::new();
        let mut note = |differs: bool, name: &str| {
            if differs {
                what.push(name.to_owned());
            }
        };
        note(self.description != other.description, "description");
        note(
            self.session_duration != other.session_duration,
            "session duration",
        );
        note(self.relay_state != other.relay_state, "relay state");
        note(
            self.managed_policies != other.managed_policies,
            "managed policies",
        );
        note(
            self.customer_managed_policies != other.customer_managed_policies,
            "customer managed policies",
        );
        note(self.inline_policy != other.inline_policy, "inline policy");
        note(
            self.permissions_boundary != other.permissions_boundary,
            "permissions boundary",
        );
        what
    }
}

/// The digest tag value of a desired permission set: what `import` and tests compare.
pub fn permission_set_digest(set: &DesiredPermissionSet) -> String {
    Content::desired(set).digest()
}

/// A stable digest of the scanned instance: the plan is stale when it changes.
pub fn identity_center_fingerprint(actual: &IdentityCenterSnapshot) -> String {
    digest(
        &serde_json::to_string(&(&actual.permission_sets, &actual.assignments, &actual.groups))
            .expect("serialisable"),
    )
}

/// What a read for `desired` must cover: the accounts it assigns in (assignments elsewhere are
/// found through the accounts each set is provisioned to) and the directory groups it names.
pub fn read_scope(desired: &DesiredIdentityCenter) -> (BTreeSet<String>, BTreeSet<String>) {
    (
        desired
            .assignments
            .iter()
            .map(|a| a.account_id.clone())
            .collect(),
        desired
            .assignments
            .iter()
            .map(|a| a.group.clone())
            .collect(),
    )
}

/// The changes that take `actual` to `desired`.
pub fn plan_identity_center(
    desired: &DesiredIdentityCenter,
    actual: &IdentityCenterSnapshot,
) -> IdentityCenterPlan {
    let mut planner = Planner {
        actual,
        changes: Vec::new(),
        conflicts: Vec::new(),
        drift: Vec::new(),
    };
    let usable = planner.permission_sets(desired);
    let groups = planner.groups(desired);
    planner.assignments(desired, &usable, &groups);
    planner.removals(desired);
    let Planner {
        mut changes,
        conflicts,
        drift,
        ..
    } = planner;
    // Stable: within a step the order the planner chose.
    changes.sort_by_key(|c| c.step);
    IdentityCenterPlan {
        instance_arn: actual.instance_arn.clone(),
        identity_store_id: actual.identity_store_id.clone(),
        region: actual.region.clone(),
        accounts: read_scope(desired).0.into_iter().collect(),
        groups: read_scope(desired).1.into_iter().collect(),
        changes,
        conflicts,
        drift,
        fingerprint: identity_center_fingerprint(actual),
    }
}

struct Planner<'a> {
    actual: &'a IdentityCenterSnapshot,
    changes: Vec<IdentityCenterChange>,
    conflicts: Vec<Conflict>,
    drift: Vec<PermissionSetDrift>,
}

impl Planner<'_> {
    fn push(&mut self, step: S, action: A) {
        self.changes.push(IdentityCenterChange { step, action });
    }

    fn actual_set(&self, name: &str) -> Option<&PermissionSetSnapshot> {
        self.actual.permission_sets.iter().find(|s| s.name == name)
    }

    /// Creates or updates every desired permission set; returns the names assignments may use
    /// (awsfed's, or about to be).
    fn permission_sets(&mut self, desired: &DesiredIdentityCenter) -> BTreeSet<String> {
        let mut usable = BTreeSet::new();
        for set in &desired.permission_sets {
            let want = Content::desired(set);
            match self.actual_set(&set.name).cloned() {
                None => {
                    self.create(set);
                    usable.insert(set.name.clone());
                }
                Some(found) if !is_managed_tagged(&found.tags) => {
                    self.conflicts.push(Conflict {
                        resource: format!("permission set {}", set.name),
                        reason: "a permission set of that name exists and does not carry awsfed's managed tag".to_owned(),
                        hint: format!(
                            "rename the model's permission set, or take the existing one over by tagging it {}=true after checking its content and assignments (`awsfed import identity-center` writes a model from it)",
                            awsfed_model::MANAGED_TAG_KEY
                        ),
                    });
                }
                Some(found) => {
                    self.update(set, &found, &want);
                    usable.insert(set.name.clone());
                }
            }
        }
        usable
    }

    fn create(&mut self, set: &DesiredPermissionSet) {
        self.push(
            S::PermissionSets,
            A::CreatePermissionSet {
                name: set.name.clone(),
                description: set.description_to_write(),
                session_duration: set.session_duration.clone(),
                relay_state: set.relay_state.clone(),
            },
        );
        let empty = PermissionSetSnapshot {
            arn: String::new(),
            name: set.name.clone(),
            description: Some(set.description_to_write()),
            session_duration: Some(set.session_duration.clone()),
            relay_state: set.relay_state.clone(),
            managed_policies: Vec::new(),
            customer_managed_policies: Vec::new(),
            inline_policy: None,
            permissions_boundary: None,
            tags: BTreeMap::new(),
            provisioned_accounts: Vec::new(),
        };
        self.content(set, &empty);
        self.push(
            S::PermissionSets,
            A::TagPermissionSet {
                permission_set: set.name.clone(),
                digest: permission_set_digest(set),
            },
        );
    }

    fn update(
        &mut self,
        set: &DesiredPermissionSet,
        found: &PermissionSetSnapshot,
        want: &Content,
    ) {
        let have = Content::actual(found, set);
        let want_digest = want.digest();
        let tag = found.tags.get(DIGEST_TAG_KEY);
        if have == *want {
            if tag != Some(&want_digest) {
                self.tag(set, want_digest);
            }
            return;
        }
        if tag.is_some_and(|t| *t != have.digest()) {
            self.drift.push(PermissionSetDrift {
                permission_set: set.name.clone(),
                what: have.differences(want),
            });
        }
        if have.description != want.description
            || have.session_duration != want.session_duration
            || have.relay_state != want.relay_state
        {
            self.push(
                S::PermissionSets,
                A::UpdatePermissionSet {
                    name: set.name.clone(),
                    // Without one in the model, the instance's description is sent back unchanged.
                    description: set
                        .description
                        .clone()
                        .or_else(|| found.description.clone()),
                    session_duration: set.session_duration.clone(),
                    relay_state: set.relay_state.clone(),
                },
            );
        }
        self.content(set, found);
        self.tag(set, want_digest);
        // Every account holding an assignment of the set holds the set, whether or not the
        // endpoint reports it provisioned there.
        let holding: BTreeSet<String> = found
            .provisioned_accounts
            .iter()
            .cloned()
            .chain(
                self.actual
                    .assignments
                    .iter()
                    .filter(|a| a.permission_set_arn == found.arn)
                    .map(|a| a.account_id.clone()),
            )
            .collect();
        if !holding.is_empty() {
            self.push(
                S::Provisioning,
                A::ProvisionPermissionSet {
                    permission_set: set.name.clone(),
                    accounts: holding.into_iter().collect(),
                },
            );
        }
    }

    fn tag(&mut self, set: &DesiredPermissionSet, digest: String) {
        self.push(
            S::PermissionSets,
            A::TagPermissionSet {
                permission_set: set.name.clone(),
                digest,
            },
        );
    }

    /// Policies, inline policy and boundary from `found` to `set`.
    fn content(&mut self, set: &DesiredPermissionSet, found: &PermissionSetSnapshot) {
        let name = || set.name.clone();
        let (attach, detach) = added_and_removed(&set.managed_policies, &found.managed_policies);
        for policy_arn in attach {
            self.push(
                S::PermissionSets,
                A::AttachManagedPolicy {
                    permission_set: name(),
                    policy_arn,
                },
            );
        }
        for policy_arn in detach {
            self.push(
                S::PermissionSets,
                A::DetachManagedPolicy {
                    permission_set: name(),
                    policy_arn,
                },
            );
        }
        let (attach, detach) = added_and_removed(
            &set.customer_managed_policies,
            &found.customer_managed_policies,
        );
        for policy in attach {
            self.push(
                S::PermissionSets,
                A::AttachCustomerManagedPolicy {
                    permission_set: name(),
                    policy,
                },
            );
        }
        for policy in detach {
            self.push(
                S::PermissionSets,
                A::DetachCustomerManagedPolicy {
                    permission_set: name(),
                    policy,
                },
            );
        }
        let normalized = |d: &Option<awsfed_policy::PolicyDocument>| d.as_ref().map(normalize);
        match (&set.inline_policy, &found.inline_policy) {
            (Some(document), _)
                if normalized(&set.inline_policy) != normalized(&found.inline_policy) =>
            {
                self.push(
                    S::PermissionSets,
                    A::PutInlinePolicy {
                        permission_set: name(),
                        document: document.clone(),
                    },
                );
            }
            (None, Some(_)) => self.push(
                S::PermissionSets,
                A::DeleteInlinePolicy {
                    permission_set: name(),
                },
            ),
            _ => {}
        }
        match (&set.permissions_boundary, &found.permissions_boundary) {
            (Some(boundary), have) if have.as_ref() != Some(boundary) => self.push(
                S::PermissionSets,
                A::PutPermissionsBoundary {
                    permission_set: name(),
                    boundary: boundary.clone(),
                },
            ),
            (None, Some(_)) => self.push(
                S::PermissionSets,
                A::DeletePermissionsBoundary {
                    permission_set: name(),
                },
            ),
            _ => {}
        }
    }

    /// Display name → group id of every group the model assigns, creating the missing ones when
    /// the model says so; a missing group otherwise is a conflict.
    fn groups(&mut self, desired: &DesiredIdentityCenter) -> BTreeMap<String, Option<String>> {
        let wanted: BTreeSet<&str> = desired
            .assignments
            .iter()
            .map(|a| a.group.as_str())
            .collect();
        let mut groups = BTreeMap::new();
        for name in wanted {
            let found: Vec<&str> = self
                .actual
                .groups
                .iter()
                .filter(|g| g.display_name == name)
                .map(|g| g.id.as_str())
                .collect();
            match (found.as_slice(), desired.groups) {
                ([id], _) => {
                    groups.insert(name.to_owned(), Some((*id).to_owned()));
                }
                ([], GroupSource::Create) => {
                    self.push(S::Groups, A::CreateGroup {
                        group: name.to_owned(),
                    });
                    groups.insert(name.to_owned(), None);
                }
                ([], GroupSource::Lookup) => self.conflicts.push(Conflict {
                    resource: format!("directory group {name}"),
                    reason: "the identity store has no group of that display name".to_owned(),
                    hint: "provision the group from the IdP (SCIM) first, or set identity_center.groups: create".to_owned(),
                }),
                (_, _) => self.conflicts.push(Conflict {
                    resource: format!("directory group {name}"),
                    reason: format!("{} groups of the identity store have that display name", found.len()),
                    hint: "give the groups distinct display names".to_owned(),
                }),
            }
        }
        groups
    }

    fn assignments(
        &mut self,
        desired: &DesiredIdentityCenter,
        usable: &BTreeSet<String>,
        groups: &BTreeMap<String, Option<String>>,
    ) {
        for wanted in &desired.assignments {
            let Some(group_id) = groups.get(&wanted.group) else {
                continue;
            };
            if !usable.contains(&wanted.permission_set) {
                continue;
            }
            let exists = group_id.as_ref().is_some_and(|id| {
                self.actual_set(&wanted.permission_set).is_some_and(|set| {
                    self.actual.assignments.iter().any(|a| {
                        a.permission_set_arn == set.arn
                            && a.account_id == wanted.account_id
                            && a.principal_type == PrincipalType::Group
                            && a.principal_id == *id
                    })
                })
            });
            if !exists {
                self.push(
                    S::Assignments,
                    A::CreateAssignment {
                        group: wanted.group.clone(),
                        permission_set: wanted.permission_set.clone(),
                        account_id: wanted.account_id.clone(),
                    },
                );
            }
        }
    }

    /// Assignments of awsfed's permission sets that the model lacks, and awsfed's permission sets
    /// the model no longer has.
    fn removals(&mut self, desired: &DesiredIdentityCenter) {
        let ours: Vec<&PermissionSetSnapshot> = self
            .actual
            .permission_sets
            .iter()
            .filter(|s| is_managed_tagged(&s.tags))
            .collect();
        let mut removals = Vec::new();
        for assignment in &self.actual.assignments {
            let Some(set) = ours.iter().find(|s| s.arn == assignment.permission_set_arn) else {
                continue;
            };
            // The model grants to directory groups only: an assignment to a single user is
            // someone's deliberate exception, never awsfed's to remove.
            if assignment.principal_type == PrincipalType::User {
                continue;
            }
            let principal = match assignment.principal_type {
                PrincipalType::Group => self.actual.group_name(&assignment.principal_id),
                PrincipalType::User => None,
            };
            let wanted = principal.is_some_and(|group| {
                desired.assignments.iter().any(|w| {
                    w.group == group
                        && w.permission_set == set.name
                        && w.account_id == assignment.account_id
                })
            });
            if !wanted {
                removals.push(A::DeleteAssignment {
                    principal: principal.map_or_else(
                        || {
                            format!(
                                "{:?} {}",
                                assignment.principal_type, assignment.principal_id
                            )
                            .to_lowercase()
                        },
                        |g| format!("group {g}"),
                    ),
                    principal_id: assignment.principal_id.clone(),
                    principal_type: assignment.principal_type,
                    permission_set: set.name.clone(),
                    account_id: assignment.account_id.clone(),
                });
            }
        }
        for set in ours {
            if desired.permission_sets.iter().any(|d| d.name == set.name) {
                continue;
            }
            // Deleting the set would end a single user's access, which is someone's deliberate
            // exception and never awsfed's to remove (see the assignments above).
            let users: Vec<&str> = self
                .actual
                .assignments
                .iter()
                .filter(|a| {
                    a.permission_set_arn == set.arn && a.principal_type == PrincipalType::User
                })
                .map(|a| a.principal_id.as_str())
                .collect();
            if users.is_empty() {
                removals.push(A::DeletePermissionSet {
                    name: set.name.clone(),
                });
            } else {
                self.conflicts.push(Conflict {
                    resource: format!("permission set {}", set.name),
                    reason: format!(
                        "the model no longer has it, but it is assigned to {} single user(s) ({}), which awsfed never unassigns",
                        users.len(),
                        users.join(", ")
                    ),
                    hint: "remove those users' assignments in Identity Center (or grant them through a directory group), then plan again".to_owned(),
                });
            }
        }
        for action in removals {
            self.push(S::Removals, action);
        }
    }
}

/// What `want` has that `have` lacks, and the reverse.
fn added_and_removed<T: PartialEq + Clone>(want: &[T], have: &[T]) -> (Vec<T>, Vec<T>) {
    let missing = |from: &[T], other: &[T]| {
        from.iter()
            .filter(|item| !other.contains(item))
            .cloned()
            .collect::<Vec<T>>()
    };
    (missing(want, have), missing(have, want))
}
