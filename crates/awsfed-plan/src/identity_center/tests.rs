//! Identity Center plans from the three-topologies example: a simulated apply converges (the next
//! plan is empty), drift is found and undone, and nothing of a permission set awsfed does not own
//! is ever planned.

use std::collections::BTreeMap;

use awsfed_compile::DesiredIdentityCenter;
use awsfed_model::GroupSource;
use awsfed_snapshot::{
    AssignmentSnapshot, IdentityCenterSnapshot, PermissionSetSnapshot, PrincipalType,
};

use super::IdentityCenterAction as A;
use super::*;
use crate::DIGEST_TAG_KEY;
use awsfed_testkit::three_topologies;

pub(super) use super::identity_center_after_apply as simulate;

fn desired(groups: GroupSource) -> DesiredIdentityCenter {
    let model = three_topologies::model(&[]);
    let mut desired = awsfed_compile::compile(&model)
        .identity_center
        .expect("the example has Identity Center accounts");
    desired.groups = groups;
    desired
}

fn empty_instance() -> IdentityCenterSnapshot {
    three_topologies::instance(&["developers", "platform-admins", "auditors"])
}

fn converged() -> IdentityCenterSnapshot {
    let desired = desired(GroupSource::Lookup);
    let first = plan_identity_center(&desired, &empty_instance());
    assert!(first.conflicts.is_empty(), "{:?}", first.conflicts);
    simulate(&empty_instance(), &first)
}

#[test]
fn a_new_instance_gets_every_set_then_its_assignments_and_converges() {
    let desired = desired(GroupSource::Lookup);
    let plan = plan_identity_center(&desired, &empty_instance());
    let steps: Vec<IdentityCenterStep> = plan.changes.iter().map(|c| c.step).collect();
    assert!(steps.is_sorted(), "{steps:?}");
    let summaries: Vec<String> = plan.changes.iter().map(|c| c.action.summary()).collect();
    insta::assert_snapshot!(summaries.join("\n"));
    let after = simulate(&empty_instance(), &plan);
    let again = plan_identity_center(&desired, &after);
    assert!(again.is_empty(), "{:#?}", again.changes);
    assert!(again.drift.is_empty());
}

#[test]
fn a_hand_edit_is_drift_and_is_provisioned_back() {
    let desired = desired(GroupSource::Lookup);
    let mut state = converged();
    let read_only = state
        .permission_sets
        .iter_mut()
        .find(|s| s.name == "ReadOnly")
        .unwrap();
    read_only.session_duration = Some("PT12H".to_owned());
    read_only
        .managed_policies
        .push("arn:aws:iam::aws:policy/AdministratorAccess".to_owned());
    let plan = plan_identity_center(&desired, &state);
    assert_eq!(
        plan.drift,
        [PermissionSetDrift {
            permission_set: "ReadOnly".to_owned(),
            what: vec!["session duration".to_owned(), "managed policies".to_owned()],
        }]
    );
    let summaries: Vec<String> = plan.changes.iter().map(|c| c.action.summary()).collect();
    assert_eq!(
        summaries,
        [
            "update settings of permission set ReadOnly",
            "detach arn:aws:iam::aws:policy/AdministratorAccess from permission set ReadOnly",
            "tag permission set ReadOnly",
            "provision permission set ReadOnly to the 2 account(s) holding it",
        ]
    );
    assert!(plan_identity_center(&desired, &simulate(&state, &plan)).is_empty());
}

#[test]
fn a_foreign_permission_set_and_its_assignments_are_never_planned() {
    let desired = desired(GroupSource::Lookup);
    let mut state = converged();
    // Someone else's set named like the model's, assigned to a group the model knows.
    let admin = state
        .permission_sets
        .iter_mut()
        .find(|s| s.name == "Admin")
        .unwrap();
    admin.tags.clear();
    admin.session_duration = Some("PT4H".to_owned());
    state.permission_sets.push(PermissionSetSnapshot {
        arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-foreign".to_owned(),
        name: "Foreign".to_owned(),
        description: None,
        session_duration: None,
        relay_state: None,
        managed_policies: Vec::new(),
        customer_managed_policies: Vec::new(),
        inline_policy: None,
        permissions_boundary: None,
        tags: BTreeMap::new(),
        provisioned_accounts: vec!["400000000001".to_owned()],
    });
    state.assignments.push(AssignmentSnapshot {
        permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-foreign".to_owned(),
        account_id: "400000000001".to_owned(),
        principal_type: PrincipalType::Group,
        principal_id: "id-developers".to_owned(),
    });
    let plan = plan_identity_center(&desired, &state);
    assert!(
        plan.changes
            .iter()
            .all(|c| !matches!(c.action.permission_set(), Some("Admin" | "Foreign"))),
        "{:#?}",
        plan.changes
    );
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].resource, "permission set Admin");
}

#[test]
fn assignments_the_model_drops_go_and_missing_groups_are_created_or_refused() {
    let mut state = converged();
    let admin_arn = state
        .permission_sets
        .iter()
        .find(|s| s.name == "Admin")
        .unwrap()
        .arn
        .clone();
    state.assignments.push(AssignmentSnapshot {
        permission_set_arn: admin_arn,
        account_id: "400000000001".to_owned(),
        principal_type: PrincipalType::Group,
        principal_id: "id-auditors".to_owned(),
    });
    state.groups.retain(|g| g.display_name != "developers");
    let lookup = plan_identity_center(&desired(GroupSource::Lookup), &state);
    assert_eq!(lookup.conflicts.len(), 1, "{:?}", lookup.conflicts);
    assert!(lookup.conflicts[0].hint.contains("groups: create"));
    let create = plan_identity_center(&desired(GroupSource::Create), &state);
    let summaries: Vec<String> = create.changes.iter().map(|c| c.action.summary()).collect();
    insta::assert_snapshot!(summaries.join("\n"));
}

#[test]
fn the_rendered_plan_shows_steps_conflicts_and_drift() {
    let desired = desired(GroupSource::Lookup);
    let mut state = converged();
    let read_only = state
        .permission_sets
        .iter_mut()
        .find(|s| s.name == "ReadOnly")
        .unwrap();
    read_only.inline_policy = None;
    state
        .permission_sets
        .iter_mut()
        .find(|s| s.name == "Admin")
        .unwrap()
        .tags
        .clear();
    let plan = crate::Plan {
        format: crate::PLAN_FORMAT,
        role_path: "/awsfed/".to_owned(),
        provider_name: "corp".to_owned(),
        users_path: String::new(),
        accounts: Vec::new(),
        drift: Vec::new(),
        hints: Vec::new(),
        fingerprints: BTreeMap::new(),
        identity_center: Some(plan_identity_center(&desired, &state)),
    };
    insta::assert_snapshot!(crate::render_text(&plan, false));
    let converged = crate::Plan {
        identity_center: Some(plan_identity_center(&desired, &converged())),
        ..plan
    };
    assert!(converged.is_empty());
    insta::assert_snapshot!("converged", crate::render_text(&converged, false));
}

#[test]
fn a_description_the_model_leaves_out_is_the_instance_s_to_keep() {
    // As after `import identity-center --adopt`: sets described by hand or not at all, the model
    // naming no description, the digest tags written from the model.
    let mut desired = desired(GroupSource::Lookup);
    let mut state = converged();
    for (set, wanted) in state
        .permission_sets
        .iter_mut()
        .zip(&mut desired.permission_sets)
    {
        set.description = (set.name == "Admin").then(|| "made by hand".to_owned());
        wanted.description = None;
        set.tags
            .insert(DIGEST_TAG_KEY.to_owned(), permission_set_digest(wanted));
    }
    let plan = plan_identity_center(&desired, &state);
    assert!(plan.is_empty(), "{:#?}", plan.changes);

    // Another setting changed by hand: the update sends the instance's description back.
    let admin = state
        .permission_sets
        .iter_mut()
        .find(|s| s.name == "Admin")
        .unwrap();
    admin.session_duration = Some("PT9H".to_owned());
    let plan = plan_identity_center(&desired, &state);
    assert_eq!(plan.drift[0].what, ["session duration"]);
    let update = plan
        .changes
        .iter()
        .find_map(|c| match &c.action {
            A::UpdatePermissionSet { description, .. } => Some(description.clone()),
            _ => None,
        })
        .expect("an update");
    assert_eq!(update.as_deref(), Some("made by hand"));
    assert!(plan_identity_center(&desired, &simulate(&state, &plan)).is_empty());
}
