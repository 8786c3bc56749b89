//! Migrations into and out of Identity Center on the three-topologies example: `dev-web` moves from
//! hub-and-spoke to Identity Center, `sandbox-a` from Identity Center to direct. Each stage's plan
//! (IAM and Identity Center) is simulated as AWS would apply it.

use awsfed_model::{Model, TopologyKind};
use awsfed_snapshot::{AccountSnapshot, SNAPSHOT_FORMAT, Snapshot};
use awsfed_testkit::three_topologies::{self, model as model_moving};

use super::*;
use crate::{PlanOptions, after_apply, plan, render_text};

const DEV_WEB: &str = "300000000001";
const SANDBOX_A: &str = "400000000001";

/// The example, with `dev-web` on Identity Center and `sandbox-a` direct when asked.
fn model(dev_web_in_identity_center: bool, sandbox_a_direct: bool) -> Model {
    let mut moves = Vec::new();
    if dev_web_in_identity_center {
        moves.push((DEV_WEB, "identity-center"));
    }
    if sandbox_a_direct {
        moves.push((SANDBOX_A, "direct"));
    }
    model_moving(&moves)
}

/// No IAM of awsfed yet, and an instance holding only the directory groups (SCIM-provisioned).
fn empty() -> Snapshot {
    Snapshot {
        format: SNAPSHOT_FORMAT,
        organization: None,
        identity_center: Some(three_topologies::instance(&[
            "developers",
            "platform-admins",
        ])),
        accounts: Vec::new(),
    }
}

/// The model deployed as it says, from nothing, read as a scan reads it (every account, those
/// where awsfed has nothing too).
fn applied(model: &Model) -> Snapshot {
    let desired = awsfed_compile::compile(model);
    let mut first = plan(&desired, &empty(), &PlanOptions::of_model(model));
    first.identity_center = stage_identity_center_plan(&desired, &empty());
    let mut state = after_apply(&empty(), &first);
    for account in &model.accounts {
        if !state.accounts.iter().any(|a| a.id == account.id) {
            state.accounts.push(AccountSnapshot::empty(&account.id));
        }
    }
    state.accounts.sort_by(|a, b| a.id.cmp(&b.id));
    state
}

fn stage_plan(model: &Model, state: &Snapshot, target: StageTarget) -> (Migration, crate::Plan) {
    let desired = awsfed_compile::compile(model);
    let migration = detect(model, &desired, state).expect("detect");
    let states = stage_states(model, &desired, &migration, target).expect("states");
    let mut planned = plan(&states.target, state, &PlanOptions::of_model(model));
    planned.identity_center = stage_identity_center_plan(&states.target, state);
    (migration, planned)
}

fn roles(state: &Snapshot, account: &str) -> Vec<String> {
    let account = state.accounts.iter().find(|a| a.id == account).unwrap();
    account.roles.iter().map(|r| r.name.clone()).collect()
}

/// (group, permission set, account) of every assignment.
fn assignments(state: &Snapshot, account: &str) -> Vec<(String, String)> {
    let instance = state.identity_center.as_ref().unwrap();
    instance
        .assignments
        .iter()
        .filter(|a| a.account_id == account)
        .map(|a| {
            (
                instance.group_name(&a.principal_id).unwrap().to_owned(),
                instance
                    .permission_set(&a.permission_set_arn)
                    .unwrap()
                    .name
                    .clone(),
            )
        })
        .collect()
}

#[test]
fn hub_and_spoke_to_identity_center_in_three_stages() {
    let new = model(true, false);
    let mut state = applied(&model(false, false));
    let (migration, expand) = stage_plan(&new, &state, StageTarget::Forward);
    assert_eq!(migration.accounts.len(), 1, "{migration:?}");
    assert_eq!(
        (migration.accounts[0].from, migration.accounts[0].to),
        (TopologyKind::HubAndSpoke, TopologyKind::IdentityCenter)
    );
    insta::assert_snapshot!("to_identity_center_expand", render_text(&expand, false));
    state = after_apply(&state, &expand);
    // Both paths: the spoke roles stay (tagged), the assignments are made.
    assert_eq!(roles(&state, DEV_WEB), ["Admin"]);
    assert_eq!(
        assignments(&state, DEV_WEB),
        [("platform-admins".to_owned(), "Admin".to_owned())]
    );
    let (migration, again) = stage_plan(&new, &state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Expanded));
    assert!(again.is_empty(), "{}", render_text(&again, false));

    let (_, switch) = stage_plan(&new, &state, StageTarget::ConfirmSwitch);
    state = after_apply(&state, &switch);
    let (migration, contract) = stage_plan(&new, &state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Switched));
    insta::assert_snapshot!("to_identity_center_contract", render_text(&contract, false));
    state = after_apply(&state, &contract);
    assert!(roles(&state, DEV_WEB).is_empty());

    let desired = awsfed_compile::compile(&new);
    assert!(detect(&new, &desired, &state).unwrap().is_empty());
    let (_, done) = stage_plan(&new, &state, StageTarget::Forward);
    assert!(done.is_empty(), "{}", render_text(&done, false));
    assert_eq!(state, applied(&new));
}

#[test]
fn identity_center_to_direct_keeps_the_assignments_until_contract() {
    let new = model(false, true);
    let mut state = applied(&model(false, false));
    let (migration, expand) = stage_plan(&new, &state, StageTarget::Forward);
    assert_eq!(migration.accounts.len(), 1, "{migration:?}");
    assert_eq!(
        (migration.accounts[0].from, migration.accounts[0].to),
        (TopologyKind::IdentityCenter, TopologyKind::Direct)
    );
    insta::assert_snapshot!("from_identity_center_expand", render_text(&expand, false));
    state = after_apply(&state, &expand);
    assert_eq!(roles(&state, SANDBOX_A), ["Admin", "ReadOnly"]);
    assert_eq!(assignments(&state, SANDBOX_A).len(), 3);
    let (migration, again) = stage_plan(&new, &state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Expanded));
    assert!(again.is_empty(), "{}", render_text(&again, false));

    let (_, switch) = stage_plan(&new, &state, StageTarget::ConfirmSwitch);
    state = after_apply(&state, &switch);
    let (_, contract) = stage_plan(&new, &state, StageTarget::Forward);
    insta::assert_snapshot!(
        "from_identity_center_contract",
        render_text(&contract, false)
    );
    state = after_apply(&state, &contract);
    assert!(assignments(&state, SANDBOX_A).is_empty());
    // sandbox-b still holds both sets: neither is deleted.
    assert_eq!(
        state
            .identity_center
            .as_ref()
            .unwrap()
            .permission_sets
            .len(),
        2
    );
    let (_, done) = stage_plan(&new, &state, StageTarget::Forward);
    assert!(done.is_empty(), "{}", render_text(&done, false));
    assert_eq!(state, applied(&new));
}

#[test]
fn the_last_account_out_of_identity_center_takes_the_permission_sets_with_it() {
    let new = model_moving(&[(SANDBOX_A, "direct"), ("400000000002", "hub-and-spoke")]);
    let mut state = applied(&model(false, false));
    for target in [
        StageTarget::Forward,
        StageTarget::ConfirmSwitch,
        StageTarget::Forward,
    ] {
        let (migration, stage) = stage_plan(&new, &state, target);
        assert_eq!(migration.accounts.len(), 2, "{migration:?}");
        state = after_apply(&state, &stage);
    }
    let instance = state.identity_center.as_ref().unwrap();
    assert!(instance.assignments.is_empty(), "{instance:?}");
    assert!(instance.permission_sets.is_empty(), "{instance:?}");
    let (migration, done) = stage_plan(&new, &state, StageTarget::Forward);
    assert!(
        migration.is_empty() && done.is_empty(),
        "{}",
        render_text(&done, false)
    );
}

#[test]
fn rollback_from_expand_and_switch_restores_both_directions_exactly() {
    let before = applied(&model(false, false));
    for new in [model(true, false), model(false, true), model(true, true)] {
        let (_, expand) = stage_plan(&new, &before, StageTarget::Forward);
        let expanded = after_apply(&before, &expand);
        let (_, rollback) = stage_plan(&new, &expanded, StageTarget::Rollback);
        assert_eq!(after_apply(&expanded, &rollback), before);
        let (_, switch) = stage_plan(&new, &expanded, StageTarget::ConfirmSwitch);
        let switched = after_apply(&expanded, &switch);
        let (_, rollback) = stage_plan(&new, &switched, StageTarget::Rollback);
        assert_eq!(after_apply(&switched, &rollback), before);
    }
}

#[test]
fn an_interrupted_expand_out_of_identity_center_is_not_expanded() {
    let new = model(false, true);
    let before = applied(&model(false, false));
    let (_, expand) = stage_plan(&new, &before, StageTarget::Forward);
    let mut partial = expand.clone();
    partial.identity_center = None;
    for account in &mut partial.accounts {
        account.changes.retain(
            |c| !matches!(&c.action, crate::Action::CreateRole { name, .. } if name == "ReadOnly"),
        );
    }
    let state = after_apply(&before, &partial);
    let (migration, rest) = stage_plan(&new, &state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Planned));
    assert_eq!(after_apply(&state, &rest), after_apply(&before, &expand));
}

#[test]
fn the_cost_counts_identity_center_changes_apart() {
    let new = model(true, false);
    let desired = awsfed_compile::compile(&new);
    let cost = migration_cost(
        &new,
        &desired,
        &applied(&model(false, false)),
        &PlanOptions::of_model(&new),
        1,
    )
    .unwrap();
    let figures: Vec<(&str, usize, usize, usize)> = cost
        .stages
        .iter()
        .map(|s| {
            (
                s.stage.as_str(),
                s.iam_changes,
                s.identity_center_changes,
                s.idp_changes,
            )
        })
        .collect();
    insta::assert_debug_snapshot!("to_identity_center_cost", figures);
}

/// Out of Identity Center the switch window is the longest session of the permission sets the
/// leaving account holds (sandbox-a: Admin 1h, ReadOnly 8h), not role chaining's hour; into it,
/// no account leaves Identity Center and the figure is 0.
#[test]
fn the_switch_window_out_of_identity_center_is_the_permission_sets_session() {
    let window = |new: &Model| {
        let desired = awsfed_compile::compile(new);
        let cost = migration_cost(
            new,
            &desired,
            &applied(&model(false, false)),
            &PlanOptions::of_model(new),
            0,
        )
        .unwrap();
        (cost.identity_center_session_seconds, cost.window_seconds())
    };
    assert_eq!(window(&model(false, true)), (8 * 3600, 8 * 3600));
    assert_eq!(window(&model(true, false)), (0, 3600));
}

/// Out of direct the switch window is the longest maximum session of the leaving account's roles
/// (prod-web: Admin 1h, ReadOnly 8h), entered with SAML without chaining; out of hub-and-spoke
/// (dev-web) no account leaves direct and the window is role chaining's hour.
#[test]
fn the_switch_window_out_of_direct_is_the_roles_maximum_session() {
    const PROD_WEB: &str = "200000000001";
    let deployed = applied(&model(false, false));
    let window = |moves: &[(&str, &str)]| {
        let new = model_moving(moves);
        let desired = awsfed_compile::compile(&new);
        let cost =
            migration_cost(&new, &desired, &deployed, &PlanOptions::of_model(&new), 0).unwrap();
        (cost.direct_session_seconds, cost.window_seconds())
    };
    assert_eq!(window(&[(PROD_WEB, "hub-and-spoke")]), (8 * 3600, 8 * 3600));
    assert_eq!(
        window(&[(PROD_WEB, "identity-center")]),
        (8 * 3600, 8 * 3600)
    );
    assert_eq!(window(&[(DEV_WEB, "direct")]), (0, 3600));
}
