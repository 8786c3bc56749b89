//! The stage proof of migrations into and out of Identity Center, on the three-topologies example:
//! `dev-web` moves from hub-and-spoke to Identity Center, `sandbox-a` from Identity Center to
//! direct and `sandbox-b` to hub-and-spoke, all at once. Every stage's proof holds, a stage that
//! would drop an assignment or add one neither model has is refused with the path, and the expand
//! state's paths (hub chains, direct sign-ins and Identity Center's reserved roles side by side)
//! agree with iam-simulate hop by hop.

use awsfed_access::identity_center::add_desired;
use awsfed_access::migration_proof::{ProofInput, StageProof, prove_stage};
use awsfed_access::{IdpMapping, Intent};
use awsfed_compile::{DesiredAssignment, DesiredState};
use awsfed_model::Model;
use awsfed_plan::migration::{
    MigrationStage, StageStates, StageTarget, detect, stage_identity_center_plan, stage_states,
};
use awsfed_plan::{PlanOptions, after_apply, plan};
use awsfed_snapshot::{AccountSnapshot, SNAPSHOT_FORMAT, Snapshot};
use awsfed_testkit::three_topologies::{self, model};

const DEV_WEB: &str = "300000000001";

fn moving() -> Model {
    model(&[
        (DEV_WEB, "identity-center"),
        ("400000000001", "direct"),
        ("400000000002", "hub-and-spoke"),
    ])
}

/// The example as written, deployed: every account read, the instance holding the groups.
fn deployed() -> Snapshot {
    let model = model(&[]);
    let empty = Snapshot {
        format: SNAPSHOT_FORMAT,
        organization: None,
        identity_center: Some(three_topologies::instance(&[
            "developers",
            "platform-admins",
        ])),
        accounts: model
            .accounts
            .iter()
            .map(|a| AccountSnapshot::empty(&a.id))
            .collect(),
    };
    let desired = awsfed_compile::compile(&model);
    let mut first = plan(&desired, &empty, &PlanOptions::of_model(&model));
    first.identity_center = stage_identity_center_plan(&desired, &empty);
    after_apply(&empty, &first)
}

struct Stage {
    states: StageStates,
    proof: StageProof,
    plan: awsfed_plan::Plan,
}

fn stage(model: &Model, state: &Snapshot, target: StageTarget, idp_reverted: bool) -> Stage {
    let desired = awsfed_compile::compile(model);
    let migration = detect(model, &desired, state).expect("detect");
    let states = stage_states(model, &desired, &migration, target).expect("states");
    let mut planned = plan(&states.target, state, &PlanOptions::of_model(model));
    planned.identity_center = stage_identity_center_plan(&states.target, state);
    let proof = prove(model, &states, target, idp_reverted, state);
    Stage {
        states,
        proof,
        plan: planned,
    }
}

fn prove(
    model: &Model,
    states: &StageStates,
    target: StageTarget,
    idp_reverted: bool,
    state: &Snapshot,
) -> StageProof {
    let desired = awsfed_compile::compile(model);
    let migration = detect(model, &desired, state).expect("detect");
    prove_stage(
        states,
        &migration,
        target,
        &ProofInput {
            idp: model.idp(),
            organization_id: None,
            idp_reverted,
        },
    )
}

fn failures(proof: &StageProof) -> Vec<String> {
    proof
        .checks
        .iter()
        .flat_map(|c| {
            c.missing
                .iter()
                .map(|k| format!("missing {} → {}", k.group, k.role_arn))
                .chain(
                    c.unintended
                        .iter()
                        .map(|k| format!("unintended {} → {}", k.group, k.role_arn)),
                )
        })
        .collect()
}

#[test]
fn every_stage_in_and_out_of_identity_center_is_proved() {
    let new = moving();
    let mut state = deployed();
    for (target, name) in [
        (StageTarget::Forward, "expand"),
        (StageTarget::ConfirmSwitch, "switch"),
        (StageTarget::Forward, "contract"),
    ] {
        let staged = stage(&new, &state, target, false);
        assert!(
            staged.proof.holds(),
            "{name}: {:#?}",
            failures(&staged.proof)
        );
        assert!(!staged.plan.is_empty(), "{name} changes something");
        println!(
            "{name}: {} paths old, {} new, checks {:?}",
            staged.proof.old_paths,
            staged.proof.new_paths,
            staged
                .proof
                .checks
                .iter()
                .map(|c| (c.idp, c.paths))
                .collect::<Vec<_>>()
        );
        state = after_apply(&state, &staged.plan);
    }
    let desired = awsfed_compile::compile(&new);
    assert!(detect(&new, &desired, &state).unwrap().is_empty());

    // Rollback from the switch holds only once the people side is back.
    let mut state = deployed();
    for target in [StageTarget::Forward, StageTarget::ConfirmSwitch] {
        let staged = stage(&new, &state, target, false);
        state = after_apply(&state, &staged.plan);
    }
    let desired = awsfed_compile::compile(&new);
    assert_eq!(
        detect(&new, &desired, &state).unwrap().stage(),
        Some(MigrationStage::Switched)
    );
    let refused = stage(&new, &state, StageTarget::Rollback, false);
    assert!(!refused.proof.holds());
    assert!(
        failures(&refused.proof)
            .iter()
            .any(|f| f.contains("AWSReservedSSO_Admin") && f.contains(DEV_WEB)),
        "{:#?}",
        failures(&refused.proof)
    );
    assert!(
        stage(&new, &state, StageTarget::Rollback, true)
            .proof
            .holds()
    );
}

#[test]
fn a_stage_dropping_an_assignment_or_adding_one_is_refused_with_the_path() {
    let new = moving();
    let state = deployed();
    let expand = stage(&new, &state, StageTarget::Forward, false);

    // The expand state without dev-web's assignment to platform-admins: the new path is missing.
    let mut dropped = expand.states.clone();
    let center = dropped.target.identity_center.as_mut().unwrap();
    center
        .assignments
        .retain(|a| !(a.account_id == DEV_WEB && a.group == "platform-admins"));
    let proof = prove(&new, &dropped, StageTarget::Forward, false, &state);
    let found = failures(&proof);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("missing platform-admins")
                && f.contains(&format!(
                    "{DEV_WEB}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_"
                ))),
        "{found:#?}"
    );

    // developers given Admin in dev-web through Identity Center: in neither model.
    let mut added = expand.states.clone();
    let center = added.target.identity_center.as_mut().unwrap();
    center.assignments.push(DesiredAssignment {
        group: "developers".to_owned(),
        permission_set: "Admin".to_owned(),
        account_name: "dev-web".to_owned(),
        account_id: DEV_WEB.to_owned(),
    });
    let proof = prove(&new, &added, StageTarget::Forward, false, &state);
    let found = failures(&proof);
    assert!(
        found.iter().all(|f| f.starts_with("unintended developers"))
            && found.iter().any(|f| f.contains("AWSReservedSSO_Admin")),
        "{found:#?}"
    );
}

/// The old and the new model's intent together: what the expand state may give.
fn intent(model: &Model, states: &[&DesiredState]) -> Intent {
    let mut intent = Intent::from_compiled(&model.naming.role_path, &states[0].groups);
    for state in &states[1..] {
        let other = Intent::from_compiled(&model.naming.role_path, &state.groups);
        for (group, roles) in other.granted {
            intent.granted.entry(group).or_default().extend(roles);
        }
    }
    intent
}

#[test]
fn the_expand_state_agrees_with_iam_simulate() {
    let new = moving();
    let expand = stage(&new, &deployed(), StageTarget::Forward, false);
    let states = &expand.states;
    let mut snapshot = Snapshot::from_desired(&states.target);
    let mut mapping = IdpMapping::from_compiled(new.idp(), &states.old.groups);
    for group in IdpMapping::from_compiled(new.idp(), &states.new.groups).groups {
        match mapping.groups.iter_mut().find(|g| g.name == group.name) {
            Some(found) => {
                found.roles.extend(group.roles);
                found.roles.sort();
                found.roles.dedup();
            }
            None => mapping.groups.push(group),
        }
    }
    mapping.groups.sort_by(|a, b| a.name.cmp(&b.name));
    let mut mapping = mapping.with_intent(intent(&new, &[&states.old, &states.new]));
    add_desired(
        &mut snapshot,
        &mut mapping,
        &states.target.partition,
        states.target.identity_center.as_ref().unwrap(),
    );
    let reached =
        crate::identity_center::agrees_with_the_oracle("migration expand", snapshot, mapping);
    // dev-web is reached both ways: its spoke role by chaining, its reserved role by Identity Center.
    let into_dev_web: Vec<&String> = reached
        .iter()
        .filter(|(g, r)| g == "platform-admins" && r.contains(DEV_WEB))
        .map(|(_, r)| r)
        .collect();
    assert!(
        into_dev_web
            .iter()
            .any(|r| r.ends_with(":role/awsfed/Admin"))
            && into_dev_web
                .iter()
                .any(|r| r.contains("AWSReservedSSO_Admin_")),
        "{into_dev_web:?}"
    );
}
