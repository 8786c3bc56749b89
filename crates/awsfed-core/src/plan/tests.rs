//! Plans from a small mixed model: ordering, idempotence (a simulated apply, then an empty plan),
//! semantic comparison, ownership, drift and the caller's own role.

use std::collections::BTreeMap;

use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE, Model};
use awsfed_policy::PolicyDocument;

use super::*;
use crate::snapshot::{
    AccountSnapshot, ManagedPolicySnapshot, RoleSnapshot, SNAPSHOT_FORMAT, SamlProviderSnapshot,
    Snapshot,
};

const METADATA: &str = include_str!("../../../../examples/hub-and-spoke/corp-idp.xml");

fn model(direct_dev: bool) -> Model {
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

fn options(model: &Model) -> PlanOptions {
    PlanOptions {
        metadata_document: Some(METADATA.to_owned()),
        role_path: model.naming.role_path.clone(),
        protected_roles: Default::default(),
    }
}

fn empty() -> Snapshot {
    Snapshot {
        format: SNAPSHOT_FORMAT,
        organization: None,
        accounts: Vec::new(),
    }
}

/// What IAM would hold after executing the plan (the subset of IAM's behaviour the plan relies on).
fn simulate(snapshot: &Snapshot, plan: &Plan) -> Snapshot {
    let mut accounts: BTreeMap<String, AccountSnapshot> = snapshot
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.clone()))
        .collect();
    for account_plan in &plan.accounts {
        let id = &account_plan.account_id;
        let account = accounts
            .entry(id.clone())
            .or_insert_with(|| AccountSnapshot {
                format: SNAPSHOT_FORMAT,
                id: id.clone(),
                name: None,
                roles: Vec::new(),
                saml_providers: Vec::new(),
                policies: Vec::new(),
            });
        for change in &account_plan.changes {
            let role = |account: &mut AccountSnapshot, name: &str| -> usize {
                account
                    .roles
                    .iter()
                    .position(|r| r.name == name)
                    .expect("the role exists")
            };
            match &change.action {
                Action::CreateSamlProvider {
                    name,
                    metadata_document,
                    tags,
                } => account.saml_providers.push(SamlProviderSnapshot {
                    arn: format!("arn:aws:iam::{id}:saml-provider/{name}"),
                    name: name.clone(),
                    metadata_document: metadata_document.clone(),
                    valid_until: None,
                    tags: tags.clone(),
                }),
                Action::UpdateSamlProvider {
                    arn,
                    metadata_document,
                } => {
                    for p in &mut account.saml_providers {
                        if &p.arn == arn {
                            p.metadata_document = metadata_document.clone();
                        }
                    }
                }
                Action::DeleteSamlProvider { arn } => {
                    account.saml_providers.retain(|p| &p.arn != arn)
                }
                Action::CreateRole {
                    name,
                    path,
                    trust_policy,
                    managed_policy_arns,
                    inline_policies,
                    permissions_boundary,
                    tags,
                    ..
                } => account.roles.push(RoleSnapshot {
                    name: name.clone(),
                    path: path.clone(),
                    arn: format!("arn:aws:iam::{id}:role{path}{name}"),
                    role_id: "AROAEXAMPLE".to_owned(),
                    trust_policy: trust_policy.clone(),
                    inline_policies: inline_policies.clone(),
                    managed_policy_arns: managed_policy_arns.clone(),
                    permissions_boundary: permissions_boundary.clone(),
                    max_session_duration: 0,
                    description: None,
                    tags: tags.clone(),
                }),
                Action::UpdateTrust {
                    role: r,
                    trust_policy,
                    ..
                } => {
                    let i = role(account, r);
                    account.roles[i].trust_policy = trust_policy.clone();
                }
                Action::UpdateRole { .. } => {}
                Action::PutInlinePolicy {
                    role: r,
                    name,
                    document,
                    ..
                } => {
                    let i = role(account, r);
                    account.roles[i]
                        .inline_policies
                        .insert(name.clone(), document.clone());
                }
                Action::DeleteInlinePolicy { role: r, name } => {
                    let i = role(account, r);
                    account.roles[i].inline_policies.remove(name);
                }
                Action::AttachPolicy {
                    role: r,
                    policy_arn,
                } => {
                    let i = role(account, r);
                    account.roles[i]
                        .managed_policy_arns
                        .push(policy_arn.clone());
                    account.roles[i].managed_policy_arns.sort();
                }
                Action::DetachPolicy {
                    role: r,
                    policy_arn,
                } => {
                    let i = role(account, r);
                    account.roles[i]
                        .managed_policy_arns
                        .retain(|a| a != policy_arn);
                }
                Action::PutPermissionsBoundary {
                    role: r,
                    policy_arn,
                } => {
                    let i = role(account, r);
                    account.roles[i].permissions_boundary = Some(policy_arn.clone());
                }
                Action::DeletePermissionsBoundary { role: r } => {
                    let i = role(account, r);
                    account.roles[i].permissions_boundary = None;
                }
                Action::TagRole { role: r, tags } => {
                    let i = role(account, r);
                    account.roles[i].tags.extend(tags.clone());
                }
                Action::CreatePolicy {
                    name,
                    path,
                    document,
                    tags,
                    attach_to,
                    ..
                } => {
                    let arn = format!("arn:aws:iam::{id}:policy{path}{name}");
                    account.policies.push(ManagedPolicySnapshot {
                        arn: arn.clone(),
                        name: name.clone(),
                        path: path.clone(),
                        document: document.clone(),
                        tags: tags.clone(),
                    });
                    let i = role(account, attach_to);
                    account.roles[i].managed_policy_arns.push(arn);
                    account.roles[i].managed_policy_arns.sort();
                }
                Action::UpdatePolicy {
                    arn,
                    document,
                    tags,
                    ..
                } => {
                    for p in &mut account.policies {
                        if &p.arn == arn {
                            p.document = document.clone();
                            p.tags.extend(tags.clone());
                        }
                    }
                }
                Action::DeletePolicy { arn } => {
                    account.policies.retain(|p| &p.arn != arn);
                    for r in &mut account.roles {
                        r.managed_policy_arns.retain(|a| a != arn);
                    }
                }
                Action::DeleteRole { role: r } => account.roles.retain(|x| &x.name != r),
            }
        }
        account.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        account.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    }
    Snapshot {
        format: SNAPSHOT_FORMAT,
        organization: None,
        accounts: accounts.into_values().collect(),
    }
}

fn applied(model: &Model) -> Snapshot {
    let desired = crate::compile(model);
    let plan = plan(&desired, &empty(), &options(model));
    simulate(&empty(), &plan)
}

#[test]
fn plan_from_empty_is_ordered_by_phase() {
    let model = model(false);
    let desired = crate::compile(&model);
    let plan = plan(&desired, &empty(), &options(&model));
    insta::assert_snapshot!(render_text(&plan, false));
    for account in &plan.accounts {
        assert!(account.changes.windows(2).all(|w| w[0].phase <= w[1].phase));
    }
    // The hub role exists before any spoke trust names it.
    let hub = plan
        .accounts
        .iter()
        .find(|a| a.account_id == "111111111111")
        .unwrap();
    assert!(hub.changes.iter().any(|c| c.phase == Phase::HubRoles));
    let round_trip: Plan = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
    assert_eq!(round_trip, plan);
}

#[test]
fn apply_then_plan_is_empty() {
    for direct_dev in [false, true] {
        let model = model(direct_dev);
        let after = applied(&model);
        let again = plan(&crate::compile(&model), &after, &options(&model));
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
        &crate::compile(&after_switch),
        &state,
        &options(&after_switch),
    );
    insta::assert_snapshot!(render_text(&plan, false));
    let state = simulate(&state, &plan);
    assert!(
        super::plan(
            &crate::compile(&after_switch),
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
    let again = plan(&crate::compile(&model), &state, &options(&model));
    assert!(again.is_empty(), "{}", render_text(&again, false));
}

#[test]
fn unowned_roles_are_never_changed_and_block_a_name_awsfed_needs() {
    let model = model(false);
    let mut state = applied(&model);
    let dev = state
        .accounts
        .iter_mut()
        .find(|a| a.id == "333333333333")
        .unwrap();
    let mut unowned = dev.roles[0].clone();
    unowned.name = "Legacy".to_owned();
    unowned.arn = "arn:aws:iam::333333333333:role/awsfed/Legacy".to_owned();
    unowned.tags.clear();
    dev.roles.push(unowned);
    // Admin loses its managed tag: awsfed no longer owns it.
    let admin = dev.roles.iter_mut().find(|r| r.name == "Admin").unwrap();
    admin.tags.remove(MANAGED_TAG_KEY);
    let plan = plan(&crate::compile(&model), &state, &options(&model));
    let dev_plan = plan
        .accounts
        .iter()
        .find(|a| a.account_id == "333333333333")
        .unwrap();
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
    let dev = state
        .accounts
        .iter_mut()
        .find(|a| a.id == "333333333333")
        .unwrap();
    let admin = dev.roles.iter_mut().find(|r| r.name == "Admin").unwrap();
    admin.trust_policy = PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    let plan = plan(&crate::compile(&model), &state, &options(&model));
    assert_eq!(plan.drift.len(), 1);
    assert_eq!(plan.drift[0].resource, "role Admin");
    insta::assert_snapshot!(render_text(&plan, false));
}

#[test]
fn the_callers_role_is_never_deleted() {
    let model = model(false);
    let mut state = applied(&model);
    let dev = state
        .accounts
        .iter_mut()
        .find(|a| a.id == "333333333333")
        .unwrap();
    let mut extra = dev.roles[0].clone();
    extra.name = "Old".to_owned();
    extra.arn = "arn:aws:iam::333333333333:role/awsfed/Old".to_owned();
    extra.tags = BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())]);
    dev.roles.push(extra);
    let mut opts = options(&model);
    let deletes = plan(&crate::compile(&model), &state, &opts);
    assert!(deletes.accounts[0].changes.iter().any(|c| c.action
        == Action::DeleteRole {
            role: "Old".to_owned()
        }));
    opts.protected_roles.insert("333333333333/Old".to_owned());
    let kept = plan(&crate::compile(&model), &state, &opts);
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
    let plan = plan(&crate::compile(&model), &state, &opts);
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
    let account = |providers: usize| AccountSnapshot {
        saml_providers: (0..providers).map(provider).collect(),
        ..applied(&model)
            .accounts
            .into_iter()
            .find(|a| a.id == "333333333333")
            .map(|mut a| {
                a.roles.clear();
                a.policies.clear();
                a.saml_providers.clear();
                a
            })
            .unwrap()
    };
    let dev_plan = |state: &Snapshot| {
        plan(&crate::compile(&model), state, &options(&model))
            .accounts
            .into_iter()
            .find(|a| a.account_id == "333333333333")
            .unwrap()
    };

    state.accounts = vec![account(99)];
    let room = dev_plan(&state);
    assert!(room.conflicts.is_empty(), "{room:?}");
    assert!(
        room.changes
            .iter()
            .any(|c| matches!(c.action, Action::CreateSamlProvider { .. }))
    );

    state.accounts = vec![account(100)];
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
