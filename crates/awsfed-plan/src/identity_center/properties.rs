//! The Identity Center planner on random instances and models: applying the plan (simulated as
//! Identity Center behaves, see `tests::simulate`) gives the model's permission sets and group
//! assignments, the plan of that state is empty, and nothing of a permission set without awsfed's
//! managed tag, nor any single user's assignment, is ever in a plan.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_compile::{
    DesiredAssignment, DesiredIdentityCenter, DesiredPermissionSet, PermissionsBoundary,
    PolicyReference,
};
use awsfed_model::{GroupSource, MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::{
    AssignmentSnapshot, DirectoryGroupSnapshot, IdentityCenterSnapshot, PermissionSetSnapshot,
    PrincipalType, SNAPSHOT_FORMAT,
};
use proptest::prelude::*;

use super::tests::simulate;
use super::{IdentityCenterAction as A, plan_identity_center};
use crate::DIGEST_TAG_KEY;
use crate::ownership::is_managed_tagged;

/// Names a model may use, and names only someone else's sets carry.
const SETS: [&str; 4] = ["Admin", "ReadOnly", "Billing", "Audit"];
const OTHERS: [&str; 2] = ["Legacy", "Vendor"];
const GROUPS: [&str; 3] = ["admins", "developers", "auditors"];
const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
const USERS: [&str; 2] = ["u-ana", "u-bo"];
const POLICIES: [&str; 3] = [
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/job-function/Billing",
];
const SESSIONS: [&str; 3] = ["PT1H", "PT4H", "PT12H"];

fn arn(name: &str) -> String {
    format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{name}")
}

/// The content both sides share, drawn once: (description, session, relay state, managed policies,
/// customer managed policy, inline policy, boundary).
#[derive(Debug, Clone)]
struct Content {
    description: Option<&'static str>,
    session: &'static str,
    relay_state: Option<&'static str>,
    managed: BTreeSet<&'static str>,
    customer: Option<&'static str>,
    inline: Option<&'static str>,
    boundary: Option<&'static str>,
}

fn content() -> impl Strategy<Value = Content> {
    (
        proptest::option::of(prop::sample::select(vec!["by hand", "from the model"])),
        prop::sample::select(SESSIONS.to_vec()),
        proptest::option::of(Just("https://console.aws.amazon.com/")),
        prop::sample::subsequence(POLICIES.to_vec(), 0..=3),
        proptest::option::of(prop::sample::select(vec!["team-read", "team-write"])),
        proptest::option::of(prop::sample::select(vec!["s3:GetObject", "ec2:Describe*"])),
        proptest::option::of(prop::sample::select(vec![
            "arn:aws:iam::aws:policy/PowerUserAccess",
            "boundary",
        ])),
    )
        .prop_map(
            |(description, session, relay_state, managed, customer, inline, boundary)| Content {
                description,
                session,
                relay_state,
                managed: managed.into_iter().collect(),
                customer,
                inline,
                boundary,
            },
        )
}

fn inline(action: &str) -> PolicyDocument {
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": action, "Resource": "*" }]
    });
    PolicyDocument::from_json(&text.to_string()).expect("a policy")
}

fn boundary(choice: &str) -> PermissionsBoundary {
    if choice.starts_with("arn:") {
        PermissionsBoundary::ManagedPolicyArn(choice.to_owned())
    } else {
        PermissionsBoundary::CustomerManagedPolicy(PolicyReference {
            path: "/".to_owned(),
            name: choice.to_owned(),
        })
    }
}

fn customer(name: &str) -> PolicyReference {
    PolicyReference {
        path: "/".to_owned(),
        name: name.to_owned(),
    }
}

fn desired_set(name: &str, c: &Content) -> DesiredPermissionSet {
    DesiredPermissionSet {
        name: name.to_owned(),
        description: c.description.map(str::to_owned),
        session_duration: c.session.to_owned(),
        session_seconds: 3600,
        relay_state: c.relay_state.map(str::to_owned),
        managed_policies: c.managed.iter().map(|p| (*p).to_owned()).collect(),
        customer_managed_policies: c.customer.map(customer).into_iter().collect(),
        inline_policy: c.inline.map(inline),
        permissions_boundary: c.boundary.map(boundary),
        tags: BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]),
    }
}

/// A set as the instance holds it: ours (tagged, with a digest tag that may be stale) or not.
fn actual_set(name: &str, c: &Content, ours: bool, digest: Option<&str>) -> PermissionSetSnapshot {
    let mut tags = BTreeMap::new();
    if ours {
        tags.insert(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned());
    }
    if let Some(digest) = digest {
        tags.insert(DIGEST_TAG_KEY.to_owned(), digest.to_owned());
    }
    PermissionSetSnapshot {
        arn: arn(name),
        name: name.to_owned(),
        description: c.description.map(str::to_owned),
        session_duration: Some(c.session.to_owned()),
        relay_state: c.relay_state.map(str::to_owned),
        managed_policies: c.managed.iter().map(|p| (*p).to_owned()).collect(),
        customer_managed_policies: c.customer.map(customer).into_iter().collect(),
        inline_policy: c.inline.map(inline),
        permissions_boundary: c.boundary.map(boundary),
        tags,
        provisioned_accounts: Vec::new(),
    }
}

type Triple = (usize, usize, usize);

fn triples(sets: usize) -> impl Strategy<Value = BTreeSet<Triple>> {
    prop::collection::btree_set((0..GROUPS.len(), 0..sets, 0..ACCOUNTS.len()), 0..12)
}

fn model() -> impl Strategy<Value = DesiredIdentityCenter> {
    (
        prop::collection::vec(proptest::option::of(content()), SETS.len()),
        triples(SETS.len()),
        any::<bool>(),
    )
        .prop_map(|(contents, assigned, create)| {
            let permission_sets: Vec<DesiredPermissionSet> = SETS
                .iter()
                .zip(&contents)
                .filter_map(|(name, c)| c.as_ref().map(|c| desired_set(name, c)))
                .collect();
            let mut assignments: Vec<DesiredAssignment> = assigned
                .into_iter()
                .filter_map(|(g, s, a)| {
                    contents[s].as_ref()?;
                    Some(DesiredAssignment {
                        group: GROUPS[g].to_owned(),
                        permission_set: SETS[s].to_owned(),
                        account_name: format!("account-{a}"),
                        account_id: ACCOUNTS[a].to_owned(),
                    })
                })
                .collect();
            assignments.sort();
            let mut permission_sets = permission_sets;
            permission_sets.sort_by(|a, b| a.name.cmp(&b.name));
            DesiredIdentityCenter {
                instance_arn: None,
                identity_store_id: None,
                region: Some("eu-west-1".to_owned()),
                start_url: None,
                groups: if create {
                    GroupSource::Create
                } else {
                    GroupSource::Lookup
                },
                permission_sets,
                assignments,
            }
        })
}

/// One set of the instance: its content, whether awsfed's tag is on it, and whether its digest
/// tag is absent, right or stale.
fn instance_set() -> impl Strategy<Value = (Content, bool, u8)> {
    (content(), any::<bool>(), 0u8..3)
}

fn instance() -> impl Strategy<Value = IdentityCenterSnapshot> {
    let names: Vec<&'static str> = SETS.iter().chain(&OTHERS).copied().collect();
    (
        prop::collection::vec(proptest::option::of(instance_set()), names.len()),
        prop::collection::btree_set(
            (
                0..GROUPS.len() + USERS.len(),
                0..names.len(),
                0..ACCOUNTS.len(),
            ),
            0..14,
        ),
        prop::sample::subsequence(GROUPS.to_vec(), 0..=3),
    )
        .prop_map(move |(sets, assigned, groups)| {
            let mut permission_sets = Vec::new();
            for (name, set) in names.iter().zip(&sets) {
                let Some((c, ours, digest)) = set else {
                    continue;
                };
                let right = super::diff::permission_set_digest(&desired_set(name, c));
                let digest = match digest {
                    0 => None,
                    1 => Some(right.as_str()),
                    _ => Some("stale"),
                };
                permission_sets.push(actual_set(name, c, *ours, digest));
            }
            let assignments: Vec<AssignmentSnapshot> = assigned
                .into_iter()
                .filter(|(_, s, _)| sets[*s].is_some())
                .map(|(p, s, a)| {
                    let (principal_type, principal_id) = match GROUPS.get(p) {
                        // A group the store no longer holds keeps an id no new group gets.
                        Some(group) if groups.contains(group) => {
                            (PrincipalType::Group, format!("id-{group}"))
                        }
                        Some(group) => (PrincipalType::Group, format!("gone-{group}")),
                        None => (PrincipalType::User, USERS[p - GROUPS.len()].to_owned()),
                    };
                    AssignmentSnapshot {
                        permission_set_arn: arn(names[s]),
                        account_id: ACCOUNTS[a].to_owned(),
                        principal_type,
                        principal_id,
                    }
                })
                .collect();
            let mut snapshot = IdentityCenterSnapshot {
                format: SNAPSHOT_FORMAT,
                instance_arn: "arn:aws:sso:::instance/ssoins-1".to_owned(),
                identity_store_id: "d-1".to_owned(),
                region: "eu-west-1".to_owned(),
                permission_sets,
                assignments,
                groups: groups
                    .into_iter()
                    .map(|g| DirectoryGroupSnapshot {
                        display_name: g.to_owned(),
                        id: format!("id-{g}"),
                    })
                    .collect(),
                users: Vec::new(),
            };
            snapshot.sort();
            snapshot
        })
}

/// Group assignments of awsfed's sets as (group, set, account).
fn group_assignments(state: &IdentityCenterSnapshot) -> BTreeSet<(String, String, String)> {
    state
        .assignments
        .iter()
        .filter(|a| a.principal_type == PrincipalType::Group)
        .filter_map(|a| {
            let set = state.permission_set(&a.permission_set_arn)?;
            let group = state.group_name(&a.principal_id)?;
            is_managed_tagged(&set.tags)
                .then(|| (group.to_owned(), set.name.clone(), a.account_id.clone()))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_plan_takes_any_instance_to_the_model_and_leaves_others_alone(
        desired in model(),
        actual in instance(),
    ) {
        let plan = plan_identity_center(&desired, &actual);
        let foreign: BTreeMap<&str, &PermissionSetSnapshot> = actual
            .permission_sets
            .iter()
            .filter(|s| !is_managed_tagged(&s.tags))
            .map(|s| (s.name.as_str(), s))
            .collect();
        for change in &plan.changes {
            if let Some(set) = change.action.permission_set() {
                prop_assert!(!foreign.contains_key(set), "{change:?} touches a set not awsfed's");
            }
            if let A::DeleteAssignment { principal_type, .. } = &change.action {
                prop_assert_eq!(*principal_type, PrincipalType::Group, "a user's assignment is never removed");
            }
        }

        let after = simulate(&actual, &plan);
        let again = plan_identity_center(&desired, &after);
        prop_assert!(again.changes.is_empty(), "not converged: {:#?}", again.changes);
        prop_assert!(again.drift.is_empty());
        prop_assert_eq!(&again.conflicts, &plan.conflicts);

        // Someone else's sets and every user's assignment are as they were.
        for set in foreign.values() {
            prop_assert_eq!(after.permission_sets.iter().find(|s| s.arn == set.arn), Some(*set));
        }
        let users = |s: &IdentityCenterSnapshot| -> Vec<AssignmentSnapshot> {
            s.assignments.iter().filter(|a| a.principal_type == PrincipalType::User).cloned().collect()
        };
        prop_assert_eq!(users(&after), users(&actual));
        for assignment in &after.assignments {
            prop_assert!(
                after.permission_set(&assignment.permission_set_arn).is_some(),
                "{assignment:?} outlives its permission set"
            );
        }

        // Every model set not held back by a conflict is awsfed's with the model's content, and
        // awsfed's sets carry exactly the model's group assignments.
        let blocked: BTreeSet<&str> = desired
            .permission_sets
            .iter()
            .map(|s| s.name.as_str())
            .filter(|name| foreign.contains_key(name))
            .collect();
        let missing_groups = desired.groups == GroupSource::Lookup;
        for set in desired.permission_sets.iter().filter(|s| !blocked.contains(s.name.as_str())) {
            let held = after.permission_sets.iter().find(|s| s.name == set.name);
            prop_assert!(held.is_some_and(|h| is_managed_tagged(&h.tags)), "{} missing", set.name);
            let held = held.unwrap();
            prop_assert_eq!(&held.session_duration, &Some(set.session_duration.clone()));
            let mut managed = held.managed_policies.clone();
            managed.sort();
            prop_assert_eq!(&managed, &set.managed_policies);
            prop_assert_eq!(&held.inline_policy, &set.inline_policy);
            prop_assert_eq!(&held.permissions_boundary, &set.permissions_boundary);
            if set.description.is_some() {
                prop_assert_eq!(&held.description, &set.description);
            }
        }
        let wanted: BTreeSet<(String, String, String)> = desired
            .assignments
            .iter()
            .filter(|a| !blocked.contains(a.permission_set.as_str()))
            .filter(|a| !missing_groups || actual.groups.iter().any(|g| g.display_name == a.group))
            .map(|a| (a.group.clone(), a.permission_set.clone(), a.account_id.clone()))
            .collect();
        prop_assert_eq!(group_assignments(&after), wanted);
    }
}
