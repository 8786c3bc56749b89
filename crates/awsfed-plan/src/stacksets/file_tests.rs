//! The StackSets plan file: read back as written, refused when edited or for another engine.

use super::*;

use super::tests::{TEMPLATE, deployed, desired, state};

fn stacks() -> Vec<DesiredStack> {
    vec![DesiredStack {
        name: "awsfed-account-identity".to_owned(),
        account_name: "identity".to_owned(),
        account_id: "9".to_owned(),
        template: TEMPLATE.to_owned(),
        order: 1,
    }]
}

fn fresh() -> StackSetPlan {
    let mut plan = plan_stack_sets(&[desired()], &stacks(), &state());
    plan.preferences.region = "us-east-1".to_owned();
    plan
}

/// The plan as `awsfed apply FILE` reads it back.
fn written() -> String {
    let file = StackSetPlanFile::new(fresh(), Fingerprint::of(&[desired()], &stacks(), &state()));
    serde_json::to_string_pretty(&file).unwrap()
}

fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> StackSetPlan {
    let mut value: serde_json::Value = serde_json::from_str(&written()).unwrap();
    edit(&mut value);
    StackSetPlanFile::from_json("plan.json", &value.to_string())
        .unwrap()
        .plan
}

#[test]
fn a_written_plan_reads_back_as_the_fresh_plan() {
    let text = written();
    assert_eq!(
        plan_file_engine("plan.json", &text).unwrap().as_deref(),
        Some(STACKSETS_ENGINE)
    );
    let read = StackSetPlanFile::from_json("plan.json", &text).unwrap();
    assert_eq!(read.format, STACKSET_PLAN_FORMAT);
    assert_eq!(
        read.fingerprint,
        Fingerprint::of(&[desired()], &stacks(), &state())
    );
    assert_eq!(stackset_plan_difference(&fresh(), &read.plan), None);
}

#[test]
fn the_default_engines_plan_records_no_engine() {
    let text = r#"{"format": 1, "role_path": "/awsfed/", "provider_name": "corp", "accounts": [], "fingerprints": {}}"#;
    assert_eq!(plan_file_engine("plan.json", text).unwrap(), None);
    let error = plan_file_engine("plan.json", "\n  [\"stacksets\"]").unwrap_err();
    insta::assert_snapshot!(error.to_string(), @"plan.json:2:3: a plan file is a JSON object (it starts with `{`)");
    let error = plan_file_engine("plan.json", "{\n  \"engine\": 7\n}").unwrap_err();
    assert_eq!((error.line, error.column), (2, 13), "{error}");
}

#[test]
fn another_format_engine_or_field_is_refused_naming_the_place() {
    let with = |from: &str, to: &str| {
        let text = written();
        assert!(text.contains(from), "{text}");
        StackSetPlanFile::from_json("plan.json", &text.replacen(from, to, 1))
            .unwrap_err()
            .to_string()
    };
    insta::assert_snapshot!(with("\"format\": 1", "\"format\": 9"), @"plan.json: StackSets plan format 9 is not supported (this awsfed writes 1)");
    insta::assert_snapshot!(with("\"engine\": \"stacksets\"", "\"engine\": \"awsfed\""), @"plan.json: the plan is for the engine `awsfed`, not `stacksets`");
    insta::assert_snapshot!(with("\"order\": 2", "\"order\": 2, \"template\": \"{}\""), @"plan.json:16:30: unknown field `template`, expected one of `name`, `action`, `order`, `template_diff`, `remove`, `add`, `accounts_removed`, `accounts_added`");
}

#[test]
fn edits_are_named_by_their_first_difference() {
    let difference = |plan: StackSetPlan| stackset_plan_difference(&fresh(), &plan).unwrap();
    insta::assert_snapshot!(difference(edited(|v| {
        v["plan"]["stack_sets"][0]["template_diff"] = "+{}\n".into();
    })), @"stack set awsfed-spoke-Admin: its template differs from the one the model calls for");
    insta::assert_snapshot!(difference(edited(|v| {
        v["plan"]["stack_sets"][0]["accounts_added"].as_array_mut().unwrap().push("7".into());
    })), @"stack set awsfed-spoke-Admin: it adds a stack instance in account 7, which the model does not call for there");
    insta::assert_snapshot!(difference(edited(|v| {
        v["plan"]["stack_sets"][0]["add"][0]["accounts"] = serde_json::json!(["1"]);
    })), @"stack set awsfed-spoke-Admin: its OU or account targets differ from the ones the model calls for");
    insta::assert_snapshot!(difference(edited(|v| {
        let mut other = v["plan"]["stack_sets"][0].clone();
        other["name"] = "awsfed-someone-elses".into();
        v["plan"]["stack_sets"].as_array_mut().unwrap().push(other);
    })), @"it asks to create the stack set awsfed-someone-elses, for which the model and CloudFormation's state call for no change");
    insta::assert_snapshot!(difference(edited(|v| {
        v["plan"]["stack_sets"] = serde_json::json!([]);
    })), @"it leaves out the stack set awsfed-spoke-Admin (create)");
    insta::assert_snapshot!(difference(edited(|v| {
        v["plan"]["stacks"][0]["action"] = "delete".into();
    })), @"it asks to delete the stack awsfed-account-identity in account 9, but the fresh plan would create it");
    insta::assert_snapshot!(difference(edited(|v| {
        v["plan"]["preferences"]["max_concurrent"] = serde_json::json!({"count": 50});
    })), @r#"it was made with the operation preferences {"region":"us-east-1","max_concurrent":{"count":50}}, and now they are {"region":"us-east-1"} (the model's `stack_sets` section and the flags --stackset-region, --max-concurrent, --failure-tolerance, --region-order)"#);
    insta::assert_snapshot!(difference(edited(|v| {
        v["plan"]["instance_count"] = 9.into();
    })), @"its warnings, counts or order differ from the fresh plan's (it was edited)");
}

#[test]
fn the_fingerprint_covers_the_model_and_the_state_read_in_any_order() {
    let mut state = state();
    state.stack_sets.push(deployed());
    let before = Fingerprint::of(&[desired()], &stacks(), &state);
    state.stack_sets[0].instances.reverse();
    assert_eq!(Fingerprint::of(&[desired()], &stacks(), &state), before);
    state.stack_sets[0].instances[0].status = "OUTDATED".to_owned();
    let after = Fingerprint::of(&[desired()], &stacks(), &state);
    assert_eq!(after.model, before.model);
    assert_ne!(after.state, before.state);
    let mut sets = [desired()];
    sets[0].template = TEMPLATE.replace("Admin", "Other");
    assert_ne!(Fingerprint::of(&sets, &stacks(), &state).model, after.model);
}
