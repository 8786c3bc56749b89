use std::collections::BTreeMap;

use super::*;

pub(super) fn managed() -> BTreeMap<String, String> {
    BTreeMap::from([("awsfed:managed".to_owned(), "true".to_owned())])
}

pub(super) const TEMPLATE: &str =
    r#"{"Resources":{"RoleAdmin":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"Admin"}}}}"#;

/// Workloads (ou-w) holds Prod (ou-p: 1, 2) and Dev (ou-d: 3, 4).
pub(super) fn state() -> StackSetState {
    StackSetState {
        ou_paths: BTreeMap::from([
            ("r-root".to_owned(), "(root)".to_owned()),
            ("ou-w".to_owned(), "Workloads".to_owned()),
            ("ou-p".to_owned(), "Workloads/Prod".to_owned()),
            ("ou-d".to_owned(), "Workloads/Dev".to_owned()),
        ]),
        account_ous: [("1", "ou-p"), ("2", "ou-p"), ("3", "ou-d"), ("4", "ou-d")]
            .into_iter()
            .map(|(a, o)| (a.to_owned(), o.to_owned()))
            .collect(),
        ..StackSetState::default()
    }
}

/// Prod whole, and account 3 of Dev.
pub(super) fn desired() -> DesiredStackSet {
    DesiredStackSet {
        name: "awsfed-spoke-Admin".to_owned(),
        description: "d".to_owned(),
        template: TEMPLATE.to_owned(),
        parameters: BTreeMap::new(),
        order: 2,
        targets: vec![
            DesiredTarget {
                ou_path: "Workloads/Dev".to_owned(),
                ou_id: "ou-d".to_owned(),
                accounts: Some(vec!["3".to_owned()]),
                members: vec!["3".to_owned()],
            },
            DesiredTarget {
                ou_path: "Workloads/Prod".to_owned(),
                ou_id: "ou-p".to_owned(),
                accounts: None,
                members: vec!["1".to_owned(), "2".to_owned()],
            },
        ],
    }
}

pub(super) fn instance(account: &str, ou: &str) -> ActualInstance {
    ActualInstance {
        account_id: account.to_owned(),
        ou_id: Some(ou.to_owned()),
        status: "CURRENT".to_owned(),
        reason: None,
    }
}

/// The stack set as applying `desired` leaves it.
pub(super) fn deployed() -> ActualStackSet {
    ActualStackSet {
        name: "awsfed-spoke-Admin".to_owned(),
        tags: managed(),
        description: "d".to_owned(),
        template: TEMPLATE.to_owned(),
        parameters: BTreeMap::new(),
        ou_ids: vec!["ou-d".to_owned(), "ou-p".to_owned()],
        instances: vec![
            instance("1", "ou-p"),
            instance("2", "ou-p"),
            instance("3", "ou-d"),
        ],
    }
}

fn names(id: &str) -> String {
    format!("acct-{id} ({id})")
}

#[test]
fn a_new_stack_set_targets_whole_and_narrowed_ous() {
    let mut plan = plan_stack_sets(&[desired()], &[], &state());
    plan.preferences.region = "us-east-1".to_owned();
    assert_eq!(plan.stack_sets.len(), 1);
    let change = &plan.stack_sets[0];
    assert_eq!(change.action, StackAction::Create);
    assert_eq!(change.accounts_added, ["1", "2", "3"]);
    assert_eq!(change.add.len(), 2);
    assert_eq!(change.add[1].accounts, None);
    insta::assert_snapshot!(render_stackset_plan(&plan, &names));
}

#[test]
fn a_converged_stack_set_plans_nothing() {
    let mut state = state();
    state.stack_sets.push(deployed());
    // The template as CloudFormation returns it, whitespace and all, is the same template.
    state.stack_sets[0].template =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(TEMPLATE).unwrap())
            .unwrap();
    let plan = plan_stack_sets(&[desired()], &[], &state);
    assert!(plan.is_empty(), "{plan:?}");
    assert_eq!(plan.instance_count, 3);
    insta::assert_snapshot!(render_stackset_plan(&plan, &names), @"No changes: 1 stack set(s) with 3 stack instance(s), and the plain stacks, match the model.\n");
}

#[test]
fn an_account_joining_a_whole_ou_gets_its_missing_instance() {
    let mut state = state();
    state.account_ous.insert("5".to_owned(), "ou-p".to_owned());
    state.stack_sets.push(deployed());
    let mut set = desired();
    set.targets[1].members.push("5".to_owned());
    let plan = plan_stack_sets(&[set], &[], &state);
    let change = &plan.stack_sets[0];
    assert_eq!(change.action, StackAction::Targets);
    assert_eq!(change.accounts_added, ["5"]);
    assert_eq!(
        change.add,
        [TargetCall {
            ou_path: "Workloads/Prod".to_owned(),
            ou_id: "ou-p".to_owned(),
            accounts: Some(vec!["5".to_owned()]),
        }]
    );
    assert!(change.remove.is_empty() && change.template_diff.is_none());
}

#[test]
fn an_ou_no_longer_targeted_goes_and_its_kept_accounts_come_back_narrowed() {
    let mut state = state();
    state.stack_sets.push(deployed());
    let mut set = desired();
    // Prod is now only account 1, and Dev is gone.
    set.targets = vec![DesiredTarget {
        ou_path: "Workloads/Prod".to_owned(),
        ou_id: "ou-p".to_owned(),
        accounts: Some(vec!["1".to_owned()]),
        members: vec!["1".to_owned()],
    }];
    let plan = plan_stack_sets(&[set], &[], &state);
    let change = &plan.stack_sets[0];
    assert_eq!(change.remove.len(), 2, "{change:?}");
    assert_eq!(change.remove[0].ou_id, "ou-d");
    assert_eq!(change.remove[0].accounts, None);
    assert_eq!(change.remove[1].accounts, Some(vec!["2".to_owned()]));
    assert_eq!(change.accounts_removed, ["2", "3"]);
    assert!(change.add.is_empty());
}

#[test]
fn a_changed_template_is_an_update_with_its_diff() {
    let mut state = state();
    state.stack_sets.push(deployed());
    let mut set = desired();
    set.template = TEMPLATE.replace("\"Admin\"}", "\"Admin\",\"MaxSessionDuration\":3600}");
    let plan = plan_stack_sets(&[set], &[], &state);
    let change = &plan.stack_sets[0];
    assert_eq!(change.action, StackAction::Update);
    let diff = change.template_diff.as_deref().unwrap();
    assert!(
        diff.contains("+        \"MaxSessionDuration\": 3600"),
        "{diff}"
    );
}

#[test]
fn only_our_stack_sets_are_changed_or_deleted() {
    let mut state = state();
    let mut foreign = deployed();
    foreign.tags.clear();
    let mut stale = deployed();
    stale.name = "awsfed-direct-Old".to_owned();
    let mut unowned_stale = stale.clone();
    unowned_stale.name = "awsfed-direct-Theirs".to_owned();
    unowned_stale.tags.clear();
    state.stack_sets = vec![foreign, stale, unowned_stale];
    let plan = plan_stack_sets(&[desired()], &[], &state);
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    assert!(plan.conflicts[0].contains("awsfed-spoke-Admin"));
    assert_eq!(plan.stack_sets.len(), 1);
    let deletion = &plan.stack_sets[0];
    assert_eq!(
        (deletion.name.as_str(), deletion.action),
        ("awsfed-direct-Old", StackAction::Delete)
    );
    // Its OU targets go whole; nothing is left behind.
    assert_eq!(deletion.remove.len(), 2);
    assert_eq!(deletion.accounts_removed, ["1", "2", "3"]);
}

#[test]
fn plain_stacks_are_created_updated_and_deleted_when_ours() {
    let mut state = state();
    let stack = |name: &str, tags: BTreeMap<String, String>, template: &str| ActualStack {
        name: name.to_owned(),
        account_id: "9".to_owned(),
        tags,
        template: template.to_owned(),
        status: "CREATE_COMPLETE".to_owned(),
    };
    state.stacks = vec![
        stack("awsfed-account-identity", managed(), "{}"),
        stack("awsfed-account-gone", managed(), "{}"),
        stack("awsfed-account-theirs", BTreeMap::new(), "{}"),
    ];
    let desired_stack = |name: &str| DesiredStack {
        name: name.to_owned(),
        account_name: "identity".to_owned(),
        account_id: "9".to_owned(),
        template: TEMPLATE.to_owned(),
        order: 1,
    };
    let plan = plan_stack_sets(
        &[],
        &[
            desired_stack("awsfed-account-identity"),
            desired_stack("awsfed-account-identity-2"),
        ],
        &state,
    );
    let actions: Vec<(&str, StackAction)> = plan
        .stacks
        .iter()
        .map(|s| (s.name.as_str(), s.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("awsfed-account-identity", StackAction::Update),
            ("awsfed-account-identity-2", StackAction::Create),
            ("awsfed-account-gone", StackAction::Delete),
        ]
    );
}

/// The last class of a role left is renamed (its hash goes): the plan deletes the old stack set
/// and creates the new one, and says that the roles are deleted and created again.
#[test]
fn a_renamed_class_warns_that_its_roles_are_created_again() {
    let mut state = state();
    let mut old = deployed();
    old.name = "awsfed-spoke-Admin-1a2b3c4d".to_owned();
    state.stack_sets.push(old);
    let mut plan = plan_stack_sets(&[desired()], &[], &state);
    plan.preferences = Preferences {
        region: "eu-west-1".to_owned(),
        max_concurrent: Some(Amount::Percentage(25)),
        failure_tolerance: Some(Amount::Count(1)),
        region_order: vec!["eu-west-1".to_owned()],
    };
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    insta::assert_snapshot!(render_stackset_plan(&plan, &names));
}

/// A stack set that only gains accounts nobody loses recreates nothing.
#[test]
fn new_accounts_alone_warn_of_nothing() {
    let mut state = state();
    let mut old = deployed();
    old.name = "awsfed-spoke-Admin-1a2b3c4d".to_owned();
    old.instances.clear();
    old.ou_ids.clear();
    state.stack_sets.push(old);
    let plan = plan_stack_sets(&[desired()], &[], &state);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}
