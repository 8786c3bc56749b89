//! Properties of the compiler over random models: deterministic output, exactly one target per
//! grant, no role without a grant, hub policies naming only granted spoke roles.

use std::collections::BTreeSet;

use awsfed_model::{Model, TopologyKind};
use proptest::prelude::*;

use crate::{HubPolicyForm, RoleKind, compile};

#[derive(Debug, Clone)]
struct Shape {
    /// Per account: direct?, env tag index.
    accounts: Vec<(bool, usize)>,
    sets: usize,
    /// Per group: grants of (selector, permission set).
    groups: Vec<Vec<(Selector, usize)>>,
    source_identity: bool,
}

#[derive(Debug, Clone)]
enum Selector {
    All,
    Names(Vec<usize>),
    Env(usize),
}

fn shape() -> impl Strategy<Value = Shape> {
    (1usize..10, 1usize..4).prop_flat_map(|(accounts, sets)| {
        let selector = prop_oneof![
            Just(Selector::All),
            proptest::collection::vec(0..accounts, 1..4).prop_map(Selector::Names),
            (0usize..3).prop_map(Selector::Env),
        ];
        (
            proptest::collection::vec((any::<bool>(), 0usize..3), accounts),
            Just(sets),
            proptest::collection::vec(proptest::collection::vec((selector, 0..sets), 1..4), 1..5),
            any::<bool>(),
        )
            .prop_map(|(accounts, sets, groups, source_identity)| Shape {
                accounts,
                sets,
                groups,
                source_identity,
            })
    })
}

const ENVS: [&str; 3] = ["prod", "dev", "test"];

fn yaml(shape: &Shape) -> String {
    let mut y = format!(
        "version: 1\nidentity_provider: {{ name: corp, session_name_from: employee_id, source_identity: {} }}\ntopology: {{ default: hub-and-spoke, hub_account: a0 }}\naccounts:\n",
        shape.source_identity
    );
    for (i, (direct, env)) in shape.accounts.iter().enumerate() {
        y.push_str(&format!(
            "  a{i}: {{ id: \"{}\", tags: {{ env: {} }}{} }}\n",
            100_000_000_000u64 + i as u64,
            ENVS[*env],
            if *direct { ", topology: direct" } else { "" }
        ));
    }
    y.push_str("permission_sets:\n");
    for s in 0..shape.sets {
        y.push_str(&format!(
            "  P{s}: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n"
        ));
    }
    y.push_str("groups:\n");
    for (g, grants) in shape.groups.iter().enumerate() {
        y.push_str(&format!("  g{g}:\n"));
        for (selector, set) in grants {
            let accounts = match selector {
                Selector::All => "\"*\"".to_owned(),
                Selector::Names(names) => format!(
                    "[{}]",
                    names
                        .iter()
                        .map(|n| format!("a{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Selector::Env(env) => format!("{{ tags: {{ env: {} }} }}", ENVS[*env]),
            };
            y.push_str(&format!(
                "    - {{ accounts: {accounts}, permission_set: P{set} }}\n"
            ));
        }
    }
    y
}

fn model(shape: &Shape) -> Model {
    let raw = awsfed_model::load::parse(&yaml(shape)).expect("generated YAML parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()));
    model.unwrap_or_else(|| panic!("generated model is valid: {diagnostics:?}"))
}

/// (group, account id, permission set) for every grant of the model.
fn granted(model: &Model) -> BTreeSet<(String, String, String)> {
    model
        .groups
        .iter()
        .flat_map(|g| {
            g.grants.iter().flat_map(move |grant| {
                grant.accounts.iter().map(move |&a| {
                    (
                        g.name.clone(),
                        model.accounts[a].id.clone(),
                        model.permission_sets[grant.permission_set].name.clone(),
                    )
                })
            })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn compiling_is_deterministic(shape in shape()) {
        let model = model(&shape);
        let a = serde_json::to_string(&compile(&model)).unwrap();
        let b = serde_json::to_string(&compile(&model.clone())).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn every_grant_yields_exactly_one_target(shape in shape()) {
        let model = model(&shape);
        let state = compile(&model);
        let mut targets = Vec::new();
        for group in &state.groups {
            for target in &group.targets {
                targets.push((group.group.clone(), target.account_id.clone(), target.permission_set.clone()));
                let hub_and_spoke = model.accounts.iter().any(|a| a.id == target.account_id && a.topology == TopologyKind::HubAndSpoke);
                prop_assert_eq!(target.hops.len(), if hub_and_spoke { 2 } else { 1 });
            }
        }
        let unique: BTreeSet<_> = targets.iter().cloned().collect();
        prop_assert_eq!(unique.len(), targets.len(), "a target appears twice");
        prop_assert_eq!(unique, granted(&model));
    }

    #[test]
    fn no_role_exists_without_a_grant(shape in shape()) {
        let model = model(&shape);
        let state = compile(&model);
        let granted = granted(&model);
        for account in &state.accounts {
            for role in &account.roles {
                match &role.kind {
                    RoleKind::Spoke { permission_set } | RoleKind::Direct { permission_set } => {
                        prop_assert!(granted.iter().any(|(_, a, p)| a == &account.id && p == permission_set), "{} has no grant", role.arn);
                    }
                    RoleKind::Hub { group, .. } => {
                        let spokes = granted.iter().filter(|(g, a, _)| {
                            g == group && model.accounts.iter().any(|acc| &acc.id == a && acc.topology == TopologyKind::HubAndSpoke)
                        }).count();
                        prop_assert!(spokes > 0, "hub role {} reaches nothing", role.arn);
                    }
                }
            }
        }
    }

    #[test]
    fn hub_policies_name_only_granted_spoke_roles(shape in shape()) {
        let model = model(&shape);
        let state = compile(&model);
        for account in &state.accounts {
            for role in &account.roles {
                let RoleKind::Hub { group, .. } = &role.kind else { continue };
                let expected: BTreeSet<String> = granted(&model)
                    .into_iter()
                    .filter(|(g, a, _)| g == group && model.accounts.iter().any(|acc| &acc.id == a && acc.topology == TopologyKind::HubAndSpoke))
                    .map(|(_, a, p)| format!("arn:aws:iam::{a}:role/awsfed/{p}"))
                    .collect();
                let mut named = BTreeSet::new();
                for policy in account.policies.iter().filter(|p| p.attached_to == role.name) {
                    prop_assert_eq!(policy.form, HubPolicyForm::ExactArns);
                    for statement in &policy.document.statement {
                        prop_assert!(statement.condition.is_empty());
                        for resource in statement.resource.iter().flat_map(|r| r.iter()) {
                            prop_assert!(!resource.contains('*'), "wildcard resource {}", resource);
                            named.insert(resource.to_owned());
                        }
                    }
                }
                prop_assert_eq!(named, expected);
            }
        }
    }
}

/// Past the managed-policy quota the hub policy names role names across accounts with
/// `aws:ResourceAccount` lists: expanded, they are exactly the granted spoke roles.
#[test]
fn narrowed_hub_policies_allow_exactly_the_granted_roles() {
    let shape = Shape {
        accounts: (0..150).map(|i| (false, i % 3)).collect(),
        sets: 3,
        groups: vec![vec![
            (Selector::All, 0),
            (Selector::Env(1), 1),
            (Selector::Names(vec![3, 7]), 2),
        ]],
        source_identity: true,
    };
    let model = model(&shape);
    let state = compile(&model);
    let hub = &state.accounts.iter().find(|a| a.name == "a0").unwrap();
    let policies: Vec<_> = hub.policies.iter().collect();
    assert!(
        policies
            .iter()
            .all(|p| p.form == HubPolicyForm::RoleNameByAccount)
    );
    let mut named = BTreeSet::new();
    for policy in &policies {
        assert!(
            awsfed_policy::iam_size(&policy.document)
                <= awsfed_model::defaults::MANAGED_POLICY_SIZE
        );
        for statement in &policy.document.statement {
            let resource = statement
                .resource
                .as_ref()
                .unwrap()
                .iter()
                .next()
                .unwrap()
                .to_owned();
            let role = resource
                .strip_prefix("arn:aws:iam::*:role/awsfed/")
                .unwrap()
                .to_owned();
            for account in statement.condition["StringEquals"]["aws:ResourceAccount"].iter() {
                named.insert(format!("arn:aws:iam::{account}:role/awsfed/{role}"));
            }
        }
    }
    let expected: BTreeSet<String> = granted(&model)
        .into_iter()
        .map(|(_, a, p)| format!("arn:aws:iam::{a}:role/awsfed/{p}"))
        .collect();
    assert_eq!(named, expected);
    assert!(
        state
            .notes
            .iter()
            .any(|n| n.code == awsfed_model::Code::HubPolicyByAccount)
    );
}
