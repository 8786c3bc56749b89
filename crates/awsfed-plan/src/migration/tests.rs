//! The stages on the small mixed model of the plan tests: `dev` deployed hub-and-spoke, then moved
//! to direct by the model; each stage's plan simulated as IAM would apply it.

use awsfed_compile::DesiredState;
use awsfed_model::TopologyKind;
use awsfed_snapshot::Snapshot;

use super::*;
use crate::tests::{applied, model, options, simulate};
use crate::{Action, plan, render_text};

const DEV: &str = "333333333333";

fn stage_plan(state: &Snapshot, target: StageTarget) -> (Migration, crate::Plan) {
    let model = model(true);
    let desired = awsfed_compile::compile(&model);
    let migration = detect(&model, &desired, state).expect("detect");
    let states = stage_states(&model, &desired, &migration, target).expect("states");
    (migration, plan(&states.target, state, &options(&model)))
}

fn trust_text(state: &Snapshot, account: &str, role: &str) -> String {
    let account = state.accounts.iter().find(|a| a.id == account).unwrap();
    let role = account.roles.iter().find(|r| r.name == role).unwrap();
    role.trust_policy.to_json()
}

fn tag(state: &Snapshot, account: &str, role: &str) -> Option<String> {
    let account = state.accounts.iter().find(|a| a.id == account).unwrap();
    let role = account.roles.iter().find(|r| r.name == role).unwrap();
    role.tags.get(MIGRATION_TAG_KEY).cloned()
}

#[test]
fn a_topology_change_is_detected_from_the_deployed_trusts() {
    let deployed = applied(&model(false));
    let new = model(true);
    let migration = detect(&new, &awsfed_compile::compile(&new), &deployed).unwrap();
    assert_eq!(migration.accounts.len(), 1, "{migration:?}");
    let dev = &migration.accounts[0];
    assert_eq!(
        (dev.account_id.as_str(), dev.from, dev.to),
        (DEV, TopologyKind::HubAndSpoke, TopologyKind::Direct)
    );
    assert_eq!(dev.stage, MigrationStage::Planned);
    // The same model deployed: nothing moves.
    let same = model(false);
    assert!(
        detect(&same, &awsfed_compile::compile(&same), &deployed)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn expand_switch_contract_then_the_plan_is_empty() {
    let mut state = applied(&model(false));
    let (_, expand) = stage_plan(&state, StageTarget::Forward);
    insta::assert_snapshot!("expand", render_text(&expand, false));
    state = simulate(&state, &expand);
    let trust = trust_text(&state, DEV, "Admin");
    assert!(
        trust.contains("saml-provider/corp") && trust.contains("role/awsfed/hub/admins"),
        "{trust}"
    );
    assert_eq!(
        tag(&state, DEV, "Admin").as_deref(),
        Some("hub-and-spoke/direct/expand")
    );
    let (migration, again) = stage_plan(&state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Expanded));
    assert!(again.is_empty(), "{}", render_text(&again, false));

    let (_, switch) = stage_plan(&state, StageTarget::ConfirmSwitch);
    assert!(
        switch
            .accounts
            .iter()
            .flat_map(|a| &a.changes)
            .all(|c| matches!(c.action, Action::TagRole { .. }))
    );
    state = simulate(&state, &switch);
    assert_eq!(
        tag(&state, DEV, "Admin").as_deref(),
        Some("hub-and-spoke/direct/switch")
    );

    let (migration, contract) = stage_plan(&state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Switched));
    insta::assert_snapshot!("contract", render_text(&contract, false));
    state = simulate(&state, &contract);
    let trust = trust_text(&state, DEV, "Admin");
    assert!(!trust.contains("role/awsfed/hub/"), "{trust}");
    assert_eq!(tag(&state, DEV, "Admin"), None);
    // Done: the model's own plan is empty, and it is the direct model's applied state.
    let direct = model(true);
    let desired: DesiredState = awsfed_compile::compile(&direct);
    assert!(detect(&direct, &desired, &state).unwrap().is_empty());
    assert!(plan(&desired, &state, &options(&direct)).is_empty());
    assert_eq!(state, applied(&direct));
}

#[test]
fn rollback_from_expand_and_from_switch_restores_the_old_state_exactly() {
    let before = applied(&model(false));
    let (_, expand) = stage_plan(&before, StageTarget::Forward);
    let expanded = simulate(&before, &expand);
    let (_, rollback) = stage_plan(&expanded, StageTarget::Rollback);
    assert_eq!(simulate(&expanded, &rollback), before);

    let (_, switch) = stage_plan(&expanded, StageTarget::ConfirmSwitch);
    let switched = simulate(&expanded, &switch);
    let (_, rollback) = stage_plan(&switched, StageTarget::Rollback);
    assert_eq!(simulate(&switched, &rollback), before);
}

#[test]
fn an_interrupted_expand_is_still_the_expand_stage() {
    let before = applied(&model(false));
    let (_, expand) = stage_plan(&before, StageTarget::Forward);
    // Only the trust update of dev's Admin role ran, not its tag.
    let mut partial = expand.clone();
    for account in &mut partial.accounts {
        account
            .changes
            .retain(|c| matches!(&c.action, Action::UpdateTrust { role, .. } if role == "Admin"));
    }
    let state = simulate(&before, &partial);
    let (migration, rest) = stage_plan(&state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Planned));
    assert_eq!(simulate(&state, &rest), simulate(&before, &expand));
}

#[test]
fn a_bad_tag_or_a_model_moving_back_is_an_error() {
    let mut state = simulate(
        &applied(&model(false)),
        &stage_plan(&applied(&model(false)), StageTarget::Forward).1,
    );
    let back = model(false);
    let error = detect(&back, &awsfed_compile::compile(&back), &state).unwrap_err();
    assert!(
        matches!(error, MigrationError::ModelDisagrees { .. }),
        "{error}"
    );
    let dev = state.accounts.iter_mut().find(|a| a.id == DEV).unwrap();
    dev.roles[0].tags.insert(
        MIGRATION_TAG_KEY.to_owned(),
        "hub-and-spoke/nowhere/expand".to_owned(),
    );
    let new = model(true);
    let error = detect(&new, &awsfed_compile::compile(&new), &state).unwrap_err();
    assert!(
        error.to_string().contains("is not FROM/TO/STAGE"),
        "{error}"
    );
}
