//! The stages on the small mixed model of the plan tests: `dev` deployed hub-and-spoke, then moved
//! to direct by the model; each stage's plan simulated as IAM would apply it.

use awsfed_compile::DesiredState;
use awsfed_model::TopologyKind;
use awsfed_snapshot::Snapshot;

use super::*;
use crate::after_apply;
use crate::tests::{applied, model, options};
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
    state = after_apply(&state, &expand);
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
    state = after_apply(&state, &switch);
    assert_eq!(
        tag(&state, DEV, "Admin").as_deref(),
        Some("hub-and-spoke/direct/switch")
    );

    let (migration, contract) = stage_plan(&state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Switched));
    insta::assert_snapshot!("contract", render_text(&contract, false));
    state = after_apply(&state, &contract);
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
    let expanded = after_apply(&before, &expand);
    let (_, rollback) = stage_plan(&expanded, StageTarget::Rollback);
    assert_eq!(after_apply(&expanded, &rollback), before);

    let (_, switch) = stage_plan(&expanded, StageTarget::ConfirmSwitch);
    let switched = after_apply(&expanded, &switch);
    let (_, rollback) = stage_plan(&switched, StageTarget::Rollback);
    assert_eq!(after_apply(&switched, &rollback), before);
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
    let state = after_apply(&before, &partial);
    let (migration, rest) = stage_plan(&state, StageTarget::Forward);
    assert_eq!(migration.stage(), Some(MigrationStage::Planned));
    assert_eq!(after_apply(&state, &rest), after_apply(&before, &expand));
}

#[test]
fn a_bad_tag_or_a_model_moving_back_is_an_error() {
    let mut state = after_apply(
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

#[test]
fn the_cost_of_each_stage_is_the_changes_its_plan_makes() {
    let model = model(true);
    let desired = awsfed_compile::compile(&model);
    let options = options(&model);
    let counts = |state: &Snapshot| {
        migration_cost(&model, &desired, state, &options, 7)
            .expect("cost")
            .stages
            .iter()
            .map(|s| (s.stage.clone(), s.iam_changes, s.idp_changes))
            .collect::<Vec<_>>()
    };
    let mut state = applied(&crate::tests::model(false));
    let before = counts(&state);
    let (_, expand) = stage_plan(&state, StageTarget::Forward);
    state = after_apply(&state, &expand);
    let (_, switch) = stage_plan(&state, StageTarget::ConfirmSwitch);
    state = after_apply(&state, &switch);
    let switched = counts(&state);
    let (_, contract) = stage_plan(&state, StageTarget::Forward);
    let stage = |name: &str, iam: usize, idp: usize| (name.to_owned(), iam, idp);
    assert_eq!(
        before,
        vec![
            stage("expand", expand.change_count(), 0),
            stage("switch", switch.change_count(), 7),
            stage("contract", contract.change_count(), 0),
        ]
    );
    // The tags the stages write are changes `apply` makes and counts.
    assert!(switch.change_count() > 0 && expand.change_count() > 0);
    assert_eq!(
        switched,
        vec![
            stage("expand", 0, 0),
            stage("switch", 0, 7),
            stage("contract", contract.change_count(), 0),
        ]
    );
}

/// `dev`, granted to `groups` groups and deployed hub-and-spoke, moved to direct by the model.
fn many_groups(groups: usize) -> (awsfed_model::Model, Snapshot) {
    let deployed = applied(&crate::tests::model_with_groups(groups));
    let mut model = crate::tests::model_with_groups(groups);
    for account in &mut model.accounts {
        if account.id == DEV {
            account.topology = TopologyKind::Direct;
        }
    }
    (model, deployed)
}

/// The expand trust is the SAML provider's statement beside the exact hub-role list. Where the
/// two together pass the 2,048-character trust quota (the list alone nearly fills it), the hub
/// roles are admitted by the compact form, so the quota check never holds the account back; the
/// union left as it was would have been held back at those counts.
#[test]
fn expand_trusts_fit_the_trust_quota_at_every_group_count() {
    let quota = awsfed_model::defaults::TRUST_POLICY_SIZE;
    let (mut compacted, mut largest) = (Vec::new(), 0);
    for groups in 1..=40 {
        let (model, deployed) = many_groups(groups);
        let desired = awsfed_compile::compile(&model);
        let migration = detect(&model, &desired, &deployed).expect("detect");
        assert_eq!(migration.accounts.len(), 1, "{groups} groups");
        let states = stage_states(&model, &desired, &migration, StageTarget::Forward).unwrap();
        let mut expand = plan(&states.target, &deployed, &options(&model));
        let quotas = expand
            .accounts
            .iter()
            .map(|a| {
                let quotas = crate::AccountQuotas::from_model(&model.quotas, 0);
                (a.account_id.clone(), quotas)
            })
            .collect();
        crate::check_quotas(&mut expand, &quotas, &deployed, crate::QuotaSource::Model);
        assert_eq!(expand.conflict_count(), 0, "{groups} groups");
        let after = after_apply(&deployed, &expand);
        let trust = trust_text(&after, DEV, "ReadOnly");
        let size =
            awsfed_policy::iam_size(&awsfed_policy::PolicyDocument::from_json(&trust).unwrap());
        assert!(size <= quota, "{groups} groups: {size}");
        largest = largest.max(size);
        assert!(trust.contains("saml-provider/corp"), "{trust}");
        let exact = trust.contains(&format!("role/awsfed/hub/team-{:02}\"", groups - 1));
        let by_path = trust.contains("\"arn:aws:iam::111111111111:role/awsfed/hub/*\"");
        assert!(exact || by_path, "{groups} groups: {trust}");
        // The union as it was: the old trust's statements beside the new one, uncompacted.
        let old = awsfed_compile::compile(&crate::tests::model_with_groups(groups));
        let union = union_states(&old, &desired);
        let role = |s: &DesiredState| {
            let account = s.accounts.iter().find(|a| a.id == DEV).unwrap();
            account
                .roles
                .iter()
                .find(|r| r.name == "ReadOnly")
                .unwrap()
                .trust_policy
                .clone()
        };
        if awsfed_policy::iam_size(&role(&union)) > quota {
            assert!(by_path, "{groups} groups: {trust}");
            compacted.push(groups);
        }
    }
    eprintln!(
        "largest expand trust: {largest} of {quota} characters; compacted at {compacted:?} groups"
    );
    assert!(
        !compacted.is_empty(),
        "no group count passes the quota uncompacted"
    );
}
