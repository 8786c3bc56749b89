//! Plans from a small mixed model: ordering, idempotence (a simulated apply, then an empty plan),
//! semantic comparison, ownership, drift and the caller's own role.

use std::collections::BTreeMap;

use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE, Model};
use awsfed_policy::PolicyDocument;

use super::*;
use awsfed_snapshot::{
    AccountSnapshot, ManagedPolicySnapshot, RoleSnapshot, SNAPSHOT_FORMAT, SamlProviderSnapshot,
    Snapshot,
};

const METADATA: &str = include_str!("../../../examples/hub-and-spoke/corp-idp.xml");

pub(crate) fn model(direct_dev: bool) -> Model {
    let yaml = format!(
        r#"
version: 1
allow_warnings: [session-name-source]
identity_provider:
  name: corp
  metadata_file: idp.xml
  session_name_from: email
  source_identity: true
  audiences: [https://signin.aws.amazon.com/saml]
topology: {{ default: hub-and-spoke, hub_account: identity }}
accounts:
  identity: {{ id: "111111111111" }}
  prod: {{ id: "222222222222", topology: direct, tags: {{ env: prod }} }}
  dev: {{ id: "333333333333", tags: {{ env: dev }}{} }}
permission_sets:
  Admin:
    inline_policy: {{ Version: '2012-10-17', Statement: [{{ Effect: Allow, Action: '*', Resource: '*' }}] }}
    session_duration: 1h
  ReadOnly:
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    session_duration: 1h
groups:
  admins: [ {{ accounts: '*', permission_set: Admin }} ]
  developers:
    - {{ accounts: dev, permission_set: ReadOnly }}
"#,
        if direct_dev { ", topology: direct" } else { "" }
    );
    let raw = awsfed_model::load::parse(&yaml).expect("model parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Ok(METADATA.to_owned()));
    model.unwrap_or_else(|| panic!("model is valid: {diagnostics:?}"))
}

pub(crate) fn options(model: &Model) -> PlanOptions {
    PlanOptions {
        metadata_document: Some(METADATA.to_owned()),
        role_path: model.naming.role_path.clone(),
        protected_roles: Default::default(),
        users_path: model
            .iam_users
            .as_ref()
            .map(|u| u.path.clone())
            .unwrap_or_default(),
    }
}

pub(crate) fn empty() -> Snapshot {
    Snapshot {
        format: SNAPSHOT_FORMAT,
        organization: None,
        identity_center: None,
        accounts: Vec::new(),
    }
}

fn account<'a>(state: &'a Snapshot, id: &str) -> &'a AccountSnapshot {
    state.accounts.iter().find(|a| a.id == id).unwrap()
}

fn account_mut<'a>(state: &'a mut Snapshot, id: &str) -> &'a mut AccountSnapshot {
    state.accounts.iter_mut().find(|a| a.id == id).unwrap()
}

fn account_plan<'a>(plan: &'a Plan, id: &str) -> &'a AccountPlan {
    plan.accounts.iter().find(|a| a.account_id == id).unwrap()
}

pub(crate) fn applied(model: &Model) -> Snapshot {
    let desired = awsfed_compile::compile(model);
    let plan = plan(&desired, &empty(), &options(model));
    after_apply(&empty(), &plan)
}

#[test]
fn plan_from_empty_is_ordered_by_phase() {
    let model = model(false);
    let desired = awsfed_compile::compile(&model);
    let plan = plan(&desired, &empty(), &options(&model));
    insta::assert_snapshot!(render_text(&plan, false));
    for account in &plan.accounts {
        assert!(account.changes.windows(2).all(|w| w[0].phase <= w[1].phase));
    }
    // The hub role exists before any spoke trust names it.
    let hub = account_plan(&plan, "111111111111");
    assert!(hub.changes.iter().any(|c| c.phase == Phase::HubRoles));
    let round_trip: Plan = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
    assert_eq!(round_trip, plan);
}

#[test]
fn apply_then_plan_is_empty() {
    for direct_dev in [false, true] {
        let model = model(direct_dev);
        let after = applied(&model);
        let again = plan(&awsfed_compile::compile(&model), &after, &options(&model));
        assert!(again.is_empty(), "{}", render_text(&again, false));
        assert!(again.drift.is_empty());
    }
}

#[test]
fn switching_an_account_to_direct_updates_trust_and_hub_policy() {
    let before = model(false);
    let after_switch = model(true);
    let state = applied(&before);
    let plan = plan(
        &awsfed_compile::compile(&after_switch),
        &state,
        &options(&after_switch),
    );
    insta::assert_snapshot!(render_text(&plan, false));
    let state = after_apply(&state, &plan);
    assert!(
        super::plan(
            &awsfed_compile::compile(&after_switch),
            &state,
            &options(&after_switch)
        )
        .is_empty()
    );
}

#[test]
fn equivalent_policy_forms_are_not_changes() {
    let model = model(false);
    let mut state = applied(&model);
    for account in &mut state.accounts {
        for role in &mut account.roles {
            // Reverse statement and value order, write actions in upper case.
            let mut json: serde_json::Value =
                serde_json::from_str(&role.trust_policy.to_json()).unwrap();
            if let Some(statements) = json["Statement"].as_array_mut() {
                statements.reverse();
                for s in statements {
                    if let Some(actions) = s["Action"].as_array_mut() {
                        actions.reverse();
                        for a in actions.iter_mut() {
                            *a = serde_json::Value::String(a.as_str().unwrap().to_uppercase());
                        }
                    }
                }
            }
            role.trust_policy = PolicyDocument::from_json(&json.to_string()).unwrap();
        }
    }
    let again = plan(&awsfed_compile::compile(&model), &state, &options(&model));
    assert!(again.is_empty(), "{}", render_text(&again, false));
}

#[test]
fn unowned_roles_are_never_changed_and_block_a_name_awsfed_needs() {
    let model = model(false);
    let mut state = applied(&model);
    let dev = account_mut(&mut state, "333333333333");
    let mut unowned = dev.roles[0].clone();
    unowned.name = "Legacy".to_owned();
    unowned.arn = "arn:aws:iam::333333333333:role/awsfed/Legacy".to_owned();
    unowned.tags.clear();
    dev.roles.push(unowned);
    // Admin loses its managed tag: awsfed no longer owns it.
    let admin = dev.roles.iter_mut().find(|r| r.name == "Admin").unwrap();
    admin.tags.remove(MANAGED_TAG_KEY);
    let plan = plan(&awsfed_compile::compile(&model), &state, &options(&model));
    let dev_plan = account_plan(&plan, "333333333333");
    assert!(
        dev_plan
            .changes
            .iter()
            .all(|c| c.action.role() != Some("Legacy"))
    );
    assert!(
        dev_plan
            .changes
            .iter()
            .all(|c| c.action.role() != Some("Admin"))
    );
    assert_eq!(dev_plan.conflicts.len(), 1, "{dev_plan:?}");
    assert!(
        dev_plan.conflicts[0]
            .resource
            .ends_with("role/awsfed/Admin")
    );
}

#[test]
fn edits_outside_awsfed_are_drift() {
    let model = model(false);
    let mut state = applied(&model);
    let dev = account_mut(&mut state, "333333333333");
    let admin = dev.roles.iter_mut().find(|r| r.name == "Admin").unwrap();
    admin.trust_policy = PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    let plan = plan(&awsfed_compile::compile(&model), &state, &options(&model));
    assert_eq!(plan.drift.len(), 1);
    assert_eq!(plan.drift[0].resource, "role Admin");
    insta::assert_snapshot!(render_text(&plan, false));
}

#[test]
fn the_callers_role_is_never_deleted() {
    let model = model(false);
    let mut state = applied(&model);
    let dev = account_mut(&mut state, "333333333333");
    let mut extra = dev.roles[0].clone();
    extra.name = "Old".to_owned();
    extra.arn = "arn:aws:iam::333333333333:role/awsfed/Old".to_owned();
    extra.tags = BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]);
    dev.roles.push(extra);
    let mut opts = options(&model);
    let deletes = plan(&awsfed_compile::compile(&model), &state, &opts);
    assert!(deletes.accounts[0].changes.iter().any(|c| c.action
        == Action::DeleteRole {
            role: "Old".to_owned()
        }));
    opts.protected_roles.insert("333333333333/Old".to_owned());
    let kept = plan(&awsfed_compile::compile(&model), &state, &opts);
    assert!(kept.is_empty());
    assert!(kept.hints.iter().any(|h| h.contains("running as")));
}

#[test]
fn metadata_rotation_updates_every_provider() {
    let model = model(true);
    let state = applied(&model);
    let mut opts = options(&model);
    opts.metadata_document =
        Some(METADATA.replacen("MIIDFTCCAf2gAwIBAgIU", "MIIDFTCCAf2gAwIBAgIV", 1));
    let plan = plan(&awsfed_compile::compile(&model), &state, &opts);
    let updates = plan
        .accounts
        .iter()
        .flat_map(|a| &a.changes)
        .filter(|c| matches!(c.action, Action::UpdateSamlProvider { .. }))
        .count();
    assert_eq!(updates, 3, "identity (hub), prod and dev (direct)");
}

#[test]
fn an_account_full_of_saml_providers_is_a_conflict_not_a_failed_apply() {
    let model = model(true);
    let mut state = empty();
    let provider = |i: usize| SamlProviderSnapshot {
        arn: format!("arn:aws:iam::333333333333:saml-provider/other-{i}"),
        name: format!("other-{i}"),
        metadata_document: METADATA.to_owned(),
        valid_until: None,
        tags: BTreeMap::new(),
    };
    // The dev account before awsfed: no roles of its own, `providers` providers of others.
    let with_providers = |providers: usize| AccountSnapshot {
        roles: Vec::new(),
        policies: Vec::new(),
        saml_providers: (0..providers).map(provider).collect(),
        ..account(&applied(&model), "333333333333").clone()
    };
    let dev_plan = |state: &Snapshot| {
        account_plan(
            &plan(&awsfed_compile::compile(&model), state, &options(&model)),
            "333333333333",
        )
        .clone()
    };

    state.accounts = vec![with_providers(99)];
    let room = dev_plan(&state);
    assert!(room.conflicts.is_empty(), "{room:?}");
    assert!(
        room.changes
            .iter()
            .any(|c| matches!(c.action, Action::CreateSamlProvider { .. }))
    );

    state.accounts = vec![with_providers(100)];
    let full = dev_plan(&state);
    assert_eq!(full.conflicts.len(), 1, "{full:?}");
    assert!(
        full.conflicts[0]
            .reason
            .contains("already holds 100 SAML providers; IAM allows 100"),
        "{:?}",
        full.conflicts[0]
    );
    assert!(
        full.changes
            .iter()
            .all(|c| !matches!(c.action, Action::CreateSamlProvider { .. }))
    );
}

const DEV: &str = "333333333333";
const HUB: &str = "111111111111";

fn roomy() -> AccountQuotas {
    AccountQuotas::from_model(&awsfed_model::Quotas::default(), 1)
}

/// The plan with `quotas` for the accounts it names checked live.
fn checked(
    model: &Model,
    actual: &Snapshot,
    quotas: &[(&str, AccountQuotas)],
) -> (Plan, BTreeMap<String, AccountPlan>) {
    let mut plan = plan(&awsfed_compile::compile(model), actual, &options(model));
    let quotas: BTreeMap<String, AccountQuotas> = quotas
        .iter()
        .map(|(id, q)| ((*id).to_owned(), *q))
        .collect();
    check_quotas(&mut plan, &quotas, actual, QuotaSource::Live);
    let accounts = plan
        .accounts
        .iter()
        .map(|a| (a.account_id.clone(), a.clone()))
        .collect();
    (plan, accounts)
}

#[test]
fn only_accounts_with_creations_need_their_quotas_read() {
    let model = model(false);
    let from_empty = plan(&awsfed_compile::compile(&model), &empty(), &options(&model));
    assert!(from_empty.accounts.iter().all(needs_quotas));
    // A converged plan asks for nothing.
    let converged = plan(
        &awsfed_compile::compile(&model),
        &applied(&model),
        &options(&model),
    );
    assert!(converged.accounts.iter().all(|a| !needs_quotas(a)));
    // Deletions and settings alone cannot pass a quota.
    let mut state = applied(&model);
    for account in &mut state.accounts {
        for role in &mut account.roles {
            role.tags.remove(SETTINGS_TAG_KEY);
        }
    }
    let settings = plan(&awsfed_compile::compile(&model), &state, &options(&model));
    assert!(!settings.accounts.is_empty());
    assert!(settings.accounts.iter().all(|a| !needs_quotas(a)));
}

#[test]
fn roles_past_the_live_roles_quota_are_a_conflict_and_nothing_is_changed_there() {
    let model = model(false);
    let creates = plan(&awsfed_compile::compile(&model), &empty(), &options(&model))
        .accounts
        .iter()
        .find(|a| a.account_id == DEV)
        .unwrap()
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::CreateRole { .. }))
        .count();
    assert_eq!(creates, 2);
    let quota = |roles| AccountQuotas {
        roles,
        roles_quota: 1_000,
        ..roomy()
    };
    let (fits, accounts) = checked(&model, &empty(), &[(DEV, quota(998))]);
    assert_eq!(fits.conflict_count(), 0);
    assert!(!accounts[DEV].changes.is_empty());

    let (full, accounts) = checked(&model, &empty(), &[(DEV, quota(999)), (HUB, roomy())]);
    let dev = &accounts[DEV];
    assert!(dev.changes.is_empty(), "{dev:?}");
    insta::assert_debug_snapshot!(dev.conflicts, @r#"
    [
        Conflict {
            resource: "2 new roles",
            reason: "the account holds 999 roles and the plan creates 2 (deletions run last), past the account's roles quota of 1000",
            hint: "raise the account's IAM roles quota with Service Quotas (at most 5000) and set `quotas.roles_per_account`, delete roles it no longer uses, or grant fewer permission sets there",
        },
    ]
    "#);
    // The other accounts are planned as before.
    assert_eq!(full.conflict_count(), 1);
    assert!(!accounts[HUB].changes.is_empty());
}

#[test]
fn a_trust_past_the_live_trust_size_quota_is_a_conflict() {
    let model = model(false);
    let (plan, accounts) = checked(
        &model,
        &empty(),
        &[(
            DEV,
            AccountQuotas {
                assume_role_policy_size_quota: 200,
                ..roomy()
            },
        )],
    );
    let dev = &accounts[DEV];
    assert!(dev.changes.is_empty(), "{dev:?}");
    assert_eq!(dev.conflicts.len(), 2, "{dev:?}");
    for conflict in &dev.conflicts {
        assert!(conflict.resource.starts_with("role "), "{conflict:?}");
        assert!(
            conflict
                .reason
                .contains("past the account's trust policy size quota of 200"),
            "{conflict:?}"
        );
        assert!(conflict.hint.contains("`quotas.trust_policy_size` to 200"));
    }
    // The plan shows them like any other conflict.
    let text = render_text(&plan, false);
    assert!(text.contains("trust policy size quota of 200"), "{text}");

    // An update to a trust is checked too, not only a new role.
    let mut state = applied(&model);
    for account in &mut state.accounts {
        for role in &mut account.roles {
            role.trust_policy = PolicyDocument::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}"#,
            )
            .unwrap();
        }
    }
    let small = AccountQuotas {
        assume_role_policy_size_quota: 200,
        ..roomy()
    };
    let (_, accounts) = checked(&model, &state, &[(DEV, small)]);
    assert_eq!(accounts[DEV].conflicts.len(), 2, "{:?}", accounts[DEV]);
}

#[test]
fn attachments_count_at_their_peak_against_the_live_quota() {
    let model = model(false);
    // ReadOnly in dev holds 9 policies awsfed does not want and lacks the one it does: the
    // attachment runs before the 9 detachments, so the role peaks at 10.
    let mut state = applied(&model);
    let dev = state.accounts.iter_mut().find(|a| a.id == DEV).unwrap();
    let read_only = dev.roles.iter_mut().find(|r| r.name == "ReadOnly").unwrap();
    read_only.managed_policy_arns = (0..9)
        .map(|i| format!("arn:aws:iam::aws:policy/Other{i}"))
        .collect();
    let quota = |attached| AccountQuotas {
        attached_policies_per_role_quota: attached,
        ..roomy()
    };
    let (_, accounts) = checked(&model, &state, &[(DEV, quota(10))]);
    assert!(accounts[DEV].conflicts.is_empty(), "{:?}", accounts[DEV]);
    let (_, accounts) = checked(&model, &state, &[(DEV, quota(9))]);
    insta::assert_debug_snapshot!(accounts[DEV].conflicts, @r#"
    [
        Conflict {
            resource: "role ReadOnly",
            reason: "the role would have 10 managed policies attached, past the account's managed policies per role quota of 9",
            hint: "raise the account's managed policies per role quota with Service Quotas (at most 20), or set `quotas.managed_policies_per_role` to 9 so the compiler fits within it",
        },
    ]
    "#);
    // A new hub role counts the assume policies that attach themselves to it.
    let (_, accounts) = checked(&model, &empty(), &[(HUB, quota(0))]);
    let hub = &accounts[HUB];
    assert!(!hub.conflicts.is_empty());
    assert!(
        hub.conflicts
            .iter()
            .all(|c| c.resource == "role admins" || c.resource == "role developers"),
        "{hub:?}"
    );
}

#[test]
fn a_managed_policy_past_the_live_size_quota_is_a_conflict() {
    let model = model(false);
    let (_, accounts) = checked(
        &model,
        &empty(),
        &[(
            HUB,
            AccountQuotas {
                policy_size_quota: 50,
                ..roomy()
            },
        )],
    );
    let hub = &accounts[HUB];
    assert!(hub.changes.is_empty());
    assert!(
        hub.conflicts
            .iter()
            .any(|c| c.resource.starts_with("policy ")
                && c.reason
                    .contains("past the account's managed policy size quota of 50")),
        "{hub:?}"
    );
}

#[test]
fn offline_the_models_quotas_stand_in() {
    let model = model(false);
    let quotas = AccountQuotas::from_model(&model.quotas, 999);
    assert_eq!(quotas.roles_quota, 1_000);
    assert_eq!(quotas.assume_role_policy_size_quota, 2_048);
    assert_eq!(quotas.attached_policies_per_role_quota, 10);
    assert_eq!(quotas.policy_size_quota, 6_144);
    let mut plan = plan(&awsfed_compile::compile(&model), &empty(), &options(&model));
    check_quotas(
        &mut plan,
        &BTreeMap::from([(DEV.to_owned(), quotas)]),
        &empty(),
        QuotaSource::Model,
    );
    let dev = plan.accounts.iter().find(|a| a.account_id == DEV).unwrap();
    assert!(
        dev.conflicts[0]
            .reason
            .contains("past the model's roles quota of 1000"),
        "{dev:?}"
    );
}

/// Switching back from direct: the account's provider goes when awsfed owns it (its tag says so),
/// and stays when it does not. moto drops SAML provider tags, so only this test shows the first half.
#[test]
fn a_provider_no_role_needs_is_deleted_only_when_awsfed_owns_it() {
    let direct = model(true);
    let hub_and_spoke = model(false);
    let dev_plan = |state: &Snapshot| {
        account_plan(
            &plan(
                &awsfed_compile::compile(&hub_and_spoke),
                state,
                &options(&hub_and_spoke),
            ),
            "333333333333",
        )
        .clone()
    };
    let deletes_provider = |account: &AccountPlan| {
        account
            .changes
            .iter()
            .any(|c| matches!(&c.action, Action::DeleteSamlProvider { arn } if arn.ends_with(":saml-provider/corp")))
    };

    let owned = applied(&direct);
    let dev = account(&owned, "333333333333");
    assert_eq!(
        dev.saml_providers[0]
            .tags
            .get(MANAGED_TAG_KEY)
            .map(String::as_str),
        Some(MANAGED_TAG_VALUE)
    );
    let switched = dev_plan(&owned);
    assert!(deletes_provider(&switched), "{switched:?}");
    assert!(
        switched
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::DeleteSamlProvider { .. }))
            .all(|c| c.phase == Phase::Deletions)
    );

    let mut unowned = owned.clone();
    for account in &mut unowned.accounts {
        for provider in &mut account.saml_providers {
            provider.tags.clear();
        }
    }
    assert!(!deletes_provider(&dev_plan(&unowned)));
}

/// Issue 10, defect 1: an untagged role and an untagged policy holding names awsfed needs in the hub
/// are conflicts, and nothing is attached to or from them.
#[test]
fn nothing_is_attached_to_or_from_a_conflicting_resource() {
    let model = model(false);
    let mut state = empty();
    let desired = awsfed_compile::compile(&model);
    let hub = desired
        .accounts
        .iter()
        .find(|a| a.id == "111111111111")
        .expect("hub");
    let developers = hub
        .roles
        .iter()
        .find(|r| r.name == "developers")
        .expect("hub role");
    let admins_policy = hub
        .policies
        .iter()
        .find(|p| p.attached_to == "admins")
        .expect("hub policy");
    state.accounts.push(AccountSnapshot {
        users: Vec::new(),
        groups: Vec::new(),
        format: SNAPSHOT_FORMAT,
        id: "111111111111".to_owned(),
        name: None,
        roles: vec![RoleSnapshot {
            arn: developers.arn.clone(),
            role_id: "AROAFOREIGN".to_owned(),
            trust_policy: developers.trust_policy.clone(),
            ..awsfed_testkit::snapshot::role("111111111111", &developers.path, &developers.name)
        }],
        saml_providers: Vec::new(),
        policies: vec![ManagedPolicySnapshot {
            arn: admins_policy.arn.clone(),
            name: admins_policy.name.clone(),
            path: admins_policy.path.clone(),
            document: admins_policy.document.clone(),
            tags: BTreeMap::new(),
            other_versions: Vec::new(),
        }],
    });
    let plan = plan(&desired, &state, &options(&model));
    let hub_plan = account_plan(&plan, "111111111111");
    let resources: Vec<&str> = hub_plan
        .conflicts
        .iter()
        .map(|c| c.resource.as_str())
        .collect();
    assert_eq!(
        resources,
        [
            format!("role {}", developers.arn),
            format!("policy {}", admins_policy.arn)
        ],
        "{hub_plan:?}"
    );
    for change in &hub_plan.changes {
        assert_ne!(
            change.action.role(),
            Some(developers.name.as_str()),
            "{change:?}"
        );
        match &change.action {
            Action::AttachPolicy { policy_arn, .. } => assert_ne!(policy_arn, &admins_policy.arn),
            Action::CreatePolicy { attach_to, .. } => assert_ne!(attach_to, &developers.name),
            Action::UpdatePolicy { arn, .. } => assert_ne!(arn, &admins_policy.arn),
            _ => {}
        }
    }
    // The admins hub role is still created, without the policy it cannot have.
    assert!(
        hub_plan
            .changes
            .iter()
            .any(|c| matches!(&c.action, Action::CreateRole { name, .. } if name == "admins"))
    );
    insta::assert_snapshot!(render_text(&plan, false));
}

/// Issue 10, defect 2: a plan file is applied only when it is the plan made now; an edit is named.
#[test]
fn an_edited_plan_file_is_named_by_its_first_difference() {
    let model = model(false);
    let desired = awsfed_compile::compile(&model);
    let derived = plan(&desired, &empty(), &options(&model));
    let round_trip: Plan =
        serde_json::from_str(&serde_json::to_string(&derived).unwrap()).expect("plan JSON");
    assert_eq!(first_difference(&derived, &round_trip), None);

    let mut trust = round_trip.clone();
    for change in &mut trust.accounts[2].changes {
        if let Action::CreateRole { trust_policy, .. } = &mut change.action {
            *trust_policy = PolicyDocument::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::666666666666:root"},"Action":"sts:AssumeRole"}]}"#,
            )
            .unwrap();
            break;
        }
    }
    let mut extra = round_trip.clone();
    extra.accounts[0].changes.push(Change {
        phase: Phase::Deletions,
        action: Action::DeleteRole {
            role: "Unrelated".to_owned(),
        },
    });
    let mut unread = round_trip.clone();
    unread.accounts.push(AccountPlan {
        account_id: "444444444444".to_owned(),
        account_name: None,
        changes: vec![round_trip.accounts[0].changes[0].clone()],
        conflicts: Vec::new(),
    });
    let mut claimed = unread.clone();
    claimed
        .fingerprints
        .insert("444444444444".to_owned(), "x".to_owned());
    let mut fewer = round_trip.clone();
    fewer.accounts[1].changes.pop();
    let named: Vec<String> = [trust, extra, unread, claimed, fewer]
        .iter()
        .map(|p| first_difference(&derived, p).expect("a difference"))
        .collect();
    insta::assert_snapshot!(named.join("\n"));
}

/// The layout before hub roles had their own path: `hub-{group}` under `/awsfed/`, as earlier
/// versions compiled it (validation now refuses it, so the model is changed after validation).
fn old_layout(model: &Model) -> Model {
    let mut old = model.clone();
    old.naming.hub_role_path = old.naming.role_path.clone();
    old.naming.hub_role_name = "hub-{group}".to_owned();
    old
}

fn role_arns(state: &Snapshot, id: &str) -> Vec<String> {
    account(state, id)
        .roles
        .iter()
        .map(|r| r.arn.clone())
        .collect()
}

#[test]
fn hub_roles_move_to_their_path_without_a_sign_in_gap() {
    let model = model(false);
    let deployed = applied(&old_layout(&model));
    let old_hub = "arn:aws:iam::111111111111:role/awsfed/hub-admins";
    let new_hub = "arn:aws:iam::111111111111:role/awsfed/hub/admins";
    assert!(role_arns(&deployed, "111111111111").contains(&old_hub.to_owned()));
    let desired = awsfed_compile::compile(&model);

    // Expand: new hub roles first, spoke trusts admit both, nothing of the old layout deleted.
    let expand = plan(&desired, &deployed, &options(&model));
    insta::assert_snapshot!("hub_move_expand", render_text(&expand, false));
    assert_eq!(expand.conflict_count(), 0);
    let hub = account_plan(&expand, "111111111111");
    let first_update = hub.changes.iter().position(|c| c.phase >= Phase::Updates);
    let created = hub
        .changes
        .iter()
        .position(|c| matches!(&c.action, Action::CreateRole { name, .. } if name == "admins"));
    assert!(
        created < first_update,
        "the hub role exists before trusts name it"
    );
    assert!(
        expand
            .accounts
            .iter()
            .flat_map(|a| &a.changes)
            .all(|c| c.phase != Phase::Deletions),
        "{}",
        render_text(&expand, false)
    );
    let switched = after_apply(&deployed, &expand);
    // Each spoke trust admits what it admitted before (the old hub roles) and the new hub roles.
    let dev = desired
        .accounts
        .iter()
        .find(|a| a.id == "333333333333")
        .unwrap();
    for role in &account(&switched, "333333333333").roles {
        let old = account(&deployed, "333333333333")
            .roles
            .iter()
            .find(|r| r.name == role.name)
            .unwrap();
        let new = dev.roles.iter().find(|r| r.name == role.name).unwrap();
        for statement in old
            .trust_policy
            .statement
            .iter()
            .chain(&new.trust_policy.statement)
        {
            assert!(
                role.trust_policy.statement.contains(statement),
                "{}: {statement:?}",
                role.name
            );
        }
    }
    let admin = account(&switched, "333333333333")
        .roles
        .iter()
        .find(|r| r.name == "Admin")
        .unwrap();
    let trust = serde_json::to_string(&admin.trust_policy).unwrap();
    assert!(
        trust.contains(old_hub) && trust.contains(new_hub),
        "{trust}"
    );
    assert!(role_arns(&switched, "111111111111").contains(&old_hub.to_owned()));

    // Contract, once the IdP sends the new values: trusts shrink, the old hub roles go last.
    let contract = plan(&desired, &switched, &options(&model));
    insta::assert_snapshot!("hub_move_contract", render_text(&contract, false));
    let hub = account_plan(&contract, "111111111111");
    assert!(hub.changes.iter().any(|c| c.phase == Phase::Deletions
        && matches!(&c.action, Action::DeleteRole { role } if role == "hub-admins")));
    let after = after_apply(&switched, &contract);
    assert!(!role_arns(&after, "111111111111").contains(&old_hub.to_owned()));
    let again = plan(&desired, &after, &options(&model));
    assert!(again.is_empty(), "{}", render_text(&again, false));
}

#[test]
fn a_hub_role_keeping_its_name_cannot_move_and_is_a_conflict() {
    let model = model(false);
    let deployed = applied(&old_layout(&model));
    let mut same_names = model.clone();
    same_names.naming.hub_role_name = "hub-{group}".to_owned();
    let plan = plan(
        &awsfed_compile::compile(&same_names),
        &deployed,
        &options(&same_names),
    );
    let conflicts = &account_plan(&plan, "111111111111").conflicts;
    assert!(
        conflicts.iter().any(|c| c.resource
            == "role arn:aws:iam::111111111111:role/awsfed/hub-admins"
            && c.reason.contains("cannot change a role's path")),
        "{conflicts:?}"
    );
}

/// The hub-and-spoke model with `groups` groups granted ReadOnly in `dev`: from about 25 the spoke
/// trust's exact hub-role list nears the 2,048-character quota, past about 30 it is narrowed.
pub(crate) fn model_with_groups(groups: usize) -> Model {
    let mut yaml = String::from(
        "version: 1\nallow_warnings: [session-name-source]\nidentity_provider:\n  name: corp\n  metadata_file: idp.xml\n  session_name_from: email\n  source_identity: true\ntopology: { default: hub-and-spoke, hub_account: identity }\naccounts:\n  identity: { id: \"111111111111\" }\n  dev: { id: \"333333333333\" }\npermission_sets:\n  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: 1h }\ngroups:\n",
    );
    for g in 0..groups {
        yaml.push_str(&format!(
            "  team-{g:02}: [ {{ accounts: dev, permission_set: ReadOnly }} ]\n"
        ));
    }
    let raw = awsfed_model::load::parse(&yaml).expect("model parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Ok(METADATA.to_owned()));
    model.unwrap_or_else(|| panic!("model is valid: {diagnostics:?}"))
}

/// The expand stage of the hub move lets each spoke trust admit the old and the new hub roles.
/// At every model size up to past the narrowing point, every trust it writes stays within IAM's
/// trust policy quota: both lists when they fit, else the compact form (hub account narrowed to
/// the new hub path and the old hub roles' exact ARNs), else — where the old exact list alone
/// nearly fills the quota — the quota check holds the spoke account back with a conflict that
/// says why and how to fix it, never an oversized write. The expanded trust admits both layouts'
/// hub roles.
#[test]
fn hub_move_expand_trusts_stay_within_the_trust_quota_at_every_size() {
    let quota = awsfed_model::defaults::TRUST_POLICY_SIZE;
    let (mut largest, mut held_back) = (0, Vec::new());
    for groups in 1..=40 {
        let model = model_with_groups(groups);
        let deployed = applied(&old_layout(&model));
        let desired = awsfed_compile::compile(&model);
        let mut expand = plan(&desired, &deployed, &options(&model));
        let quotas: BTreeMap<String, AccountQuotas> = expand
            .accounts
            .iter()
            .map(|a| {
                (
                    a.account_id.clone(),
                    AccountQuotas::from_model(&model.quotas, 0),
                )
            })
            .collect();
        check_quotas(&mut expand, &quotas, &deployed, QuotaSource::Model);
        for account in &expand.accounts {
            for conflict in &account.conflicts {
                assert_eq!(account.account_id, "333333333333", "{conflict:?}");
                assert!(
                    conflict.reason.starts_with("its trust policy is"),
                    "{conflict:?}"
                );
                assert!(conflict.hint.contains("Service Quotas"), "{conflict:?}");
            }
        }
        if expand.conflict_count() > 0 {
            held_back.push(groups);
            continue;
        }
        let switched = after_apply(&deployed, &expand);
        let trust = &account(&switched, "333333333333").roles[0].trust_policy;
        let size = awsfed_policy::iam_size(trust);
        assert!(size <= quota, "{groups} groups: {size}");
        largest = largest.max(size);
        let text = serde_json::to_string(trust).unwrap();
        for g in [0, groups - 1] {
            let new = format!("111111111111:role/awsfed/hub/team-{g:02}");
            let old = format!("111111111111:role/awsfed/hub-team-{g:02}");
            // By exact ARN, or by a hub-account pattern over the path the role lives under.
            let by_pattern = |path: &str| text.contains(&format!("111111111111:role{path}*\""));
            assert!(
                text.contains(&new) || by_pattern("/awsfed/hub/") || by_pattern("/awsfed/"),
                "{groups} groups: {text}"
            );
            assert!(
                text.contains(&old) || by_pattern("/awsfed/"),
                "{groups} groups: {text}"
            );
        }
    }
    eprintln!(
        "largest expanded spoke trust: {largest} of {quota} characters; held back by the quota check at {held_back:?} groups"
    );
    // Only where the old layout's exact list alone nearly fills the quota.
    assert!(held_back.iter().all(|&g| g >= 30), "{held_back:?}");
}

/// A role awsfed does not own in the hub account, holding a hub role's name or living under the
/// hub path: no spoke trust that would admit it is planned (created or updated); it is a conflict
/// on the spoke role, and roles trusting only awsfed's hub roles go ahead.
#[test]
fn a_spoke_trust_admitting_a_foreign_hub_role_is_a_conflict() {
    let model = model(false);
    let foreign = |name: &str, path: &str| RoleSnapshot {
        role_id: "AROAFOREIGN".to_owned(),
        ..awsfed_testkit::snapshot::role("111111111111", path, name)
    };
    let hub_with = |role: RoleSnapshot| {
        let mut state = empty();
        state.accounts.push(AccountSnapshot {
            roles: vec![role],
            ..AccountSnapshot::empty("111111111111")
        });
        state
    };
    let spoke_roles = |plan: &Plan, id: &str| -> Vec<String> {
        account_plan(plan, id)
            .changes
            .iter()
            .filter_map(|c| match &c.action {
                Action::CreateRole { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    };
    // Exact hub role ARNs: the name `developers` is taken, under another path.
    let state = hub_with(foreign("developers", "/other/"));
    let exact = plan(&awsfed_compile::compile(&model), &state, &options(&model));
    let dev = account_plan(&exact, "333333333333");
    assert_eq!(spoke_roles(&exact, "333333333333"), ["Admin"], "{dev:?}");
    insta::assert_debug_snapshot!(dev.conflicts, @r#"
    [
        Conflict {
            resource: "role arn:aws:iam::333333333333:role/awsfed/ReadOnly",
            reason: "its trust would admit arn:aws:iam::111111111111:role/awsfed/hub/developers, whose name is held by role arn:aws:iam::111111111111:role/other/developers, which awsfed does not own, so it would hand this role to whoever controls that one",
            hint: "rename, move or delete the role awsfed does not own (or give the hub roles other names with `naming.hub_role_name`), then plan again; until then this role is left as it is",
        },
    ]
    "#);
    // An owned spoke role is not updated to admit it either.
    let mut deployed = applied(&model);
    account_mut(&mut deployed, "111111111111")
        .roles
        .retain(|r| r.name != "developers");
    let read_only = account_mut(&mut deployed, "333333333333")
        .roles
        .iter_mut()
        .find(|r| r.name == "ReadOnly")
        .expect("ReadOnly");
    read_only.trust_policy = PolicyDocument::new(Vec::new());
    account_mut(&mut deployed, "111111111111")
        .roles
        .push(foreign("developers", "/awsfed/hub/"));
    let update = plan(
        &awsfed_compile::compile(&model),
        &deployed,
        &options(&model),
    );
    let dev = account_plan(&update, "333333333333");
    assert!(
        dev.changes
            .iter()
            .all(|c| c.action.role() != Some("ReadOnly")),
        "{dev:?}"
    );
    assert!(
        dev.conflicts[0].reason.contains(
            "arn:aws:iam::111111111111:role/awsfed/hub/developers, a role awsfed does not own"
        ),
        "{dev:?}"
    );
    // Trusts narrowed to the hub path admit any role under it.
    let mut narrowed = model.clone();
    narrowed.quotas.trust_policy_size = 100;
    let state = hub_with(foreign("squatter", "/awsfed/hub/"));
    let by_path = plan(
        &awsfed_compile::compile(&narrowed),
        &state,
        &options(&narrowed),
    );
    assert!(
        spoke_roles(&by_path, "333333333333").is_empty(),
        "{by_path:?}"
    );
    let dev = account_plan(&by_path, "333333333333");
    assert_eq!(dev.conflicts.len(), 2, "{dev:?}");
    assert!(dev.conflicts.iter().all(|c| c.reason.contains(
        "role arn:aws:iam::111111111111:role/awsfed/hub/squatter, which awsfed does not own, through principal arn:aws:iam::111111111111:root"
    )));
    // A role elsewhere in the hub account is no hub role: nothing is refused.
    let state = hub_with(foreign("squatter", "/other/"));
    let elsewhere = plan(
        &awsfed_compile::compile(&narrowed),
        &state,
        &options(&narrowed),
    );
    assert_eq!(elsewhere.conflict_count(), 0, "{elsewhere:?}");
}

/// dev moved to direct and back: the hub policy still holds the version that granted dev (IAM
/// keeps a policy's earlier versions), so the plan says it restores that version rather than
/// writing its document again.
#[test]
fn an_update_back_to_a_held_version_says_it_restores_it() {
    let hub_and_spoke = model(false);
    let deployed = applied(&hub_and_spoke);
    let arn = "arn:aws:iam::111111111111:policy/awsfed/admins-assume";
    let granting_dev = account(&deployed, "111111111111")
        .policies
        .iter()
        .find(|p| p.arn == arn)
        .expect("the hub policy")
        .document
        .clone();
    let direct = model(true);
    let switch = plan(
        &awsfed_compile::compile(&direct),
        &deployed,
        &options(&direct),
    );
    let mut state = after_apply(&deployed, &switch);
    let hub = account_mut(&mut state, "111111111111");
    let policy = hub.policies.iter_mut().find(|p| p.arn == arn).unwrap();
    policy.other_versions = vec![awsfed_snapshot::PolicyVersionSnapshot {
        id: "v1".to_owned(),
        document: granting_dev,
    }];
    let back = plan(
        &awsfed_compile::compile(&hub_and_spoke),
        &state,
        &options(&hub_and_spoke),
    );
    let summaries: Vec<String> = account_plan(&back, "111111111111")
        .changes
        .iter()
        .map(|c| c.action.summary())
        .filter(|s| s.contains("policy"))
        .collect();
    insta::assert_snapshot!(summaries.join("\n"), @r"
    create policy developers-assume
    update policy arn:aws:iam::111111111111:policy/awsfed/admins-assume: restore version v1 (the versions awsfed wrote after it are deleted)
    ");
    assert!(
        render_text(&back, false).contains("restore version v1"),
        "the plan as people read it says so"
    );
}
