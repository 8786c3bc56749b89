//! Access paths on the example models: the paths the evaluator finds through the estate a model
//! deploys are exactly the targets the compiler meant, each hop needs what the IdP sends, and the
//! spoke trust conditions bind the federated identity.

mod support;

use std::collections::BTreeSet;

use awsfed_core::access::{Estate, HopKind, IdpMapping, analyze, analyze_target};
use awsfed_core::snapshot::Snapshot;
use awsfed_core::{Hop, compile};
use support::example;

/// (group, target role ARN, hub role ARN) for every compiler target.
fn intended(state: &awsfed_core::DesiredState) -> BTreeSet<(String, String, Option<String>)> {
    let mut keys = BTreeSet::new();
    for group in &state.groups {
        for target in &group.targets {
            let (last, via) = match target.hops.as_slice() {
                [Hop::Saml { role_arn, .. }] => (role_arn.clone(), None),
                [
                    Hop::Saml { role_arn: hub, .. },
                    Hop::AssumeRole { role_arn, .. },
                ] => (role_arn.clone(), Some(hub.clone())),
                other => panic!("unexpected hops {other:?}"),
            };
            keys.insert((group.group.clone(), last, via));
        }
    }
    keys
}

fn check_example(name: &str, sample: usize) {
    let model = example(name);
    let state = compile(&model);
    let snapshot = Snapshot::from_desired(&state);
    let estate = Estate::new(&snapshot, model.organization_id.clone());
    let mapping = IdpMapping::from_compiled(&model.identity_provider, &state.groups);
    let analysis = analyze(&estate, &mapping);
    assert!(
        analysis.broken.is_empty(),
        "{name}: broken role values {:?}",
        analysis.broken
    );
    // A group also reaches its hub role itself (a session there is access too); the compiler's
    // targets list only what lies beyond it.
    let hubs: BTreeSet<&str> = state
        .accounts
        .iter()
        .flat_map(|a| &a.roles)
        .filter(|r| matches!(r.kind, awsfed_core::RoleKind::Hub { .. }))
        .map(|r| r.arn.as_str())
        .collect();
    let found: BTreeSet<_> = analysis
        .paths
        .iter()
        .filter(|p| !hubs.contains(estate.role(p.target).role.arn.as_str()))
        .map(|p| {
            (
                mapping.groups[p.group].name.clone(),
                estate.role(p.target).role.arn.clone(),
                p.chained_hop
                    .map(|_| analysis.hops[p.saml_hop].role_arn.clone()),
            )
        })
        .collect();
    let want = intended(&state);
    let extra: Vec<_> = found.difference(&want).collect();
    let missing: Vec<_> = want.difference(&found).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{name}: extra paths {extra:?}\nmissing paths {missing:?}"
    );
    // Session caps: the compiler's and the paths' agree.
    for group in &state.groups {
        for target in &group.targets {
            let last = match target.hops.last().unwrap() {
                Hop::Saml { role_arn, .. } | Hop::AssumeRole { role_arn, .. } => role_arn,
            };
            let path = analysis
                .paths
                .iter()
                .find(|p| {
                    mapping.groups[p.group].name == group.group
                        && &estate.role(p.target).role.arn == last
                })
                .unwrap();
            assert_eq!(
                path.max_session_seconds, target.max_session_duration,
                "{name}: {} → {last}",
                group.group
            );
        }
    }
    // who-can finds the same paths as the full analysis.
    let targets: BTreeSet<_> = found.iter().map(|(_, arn, _)| arn).collect();
    for target in targets.into_iter().step_by(sample) {
        let index = estate.role_index(target).unwrap();
        let narrow = analyze_target(&estate, &mapping, index);
        let a: BTreeSet<_> = narrow
            .paths
            .iter()
            .map(|p| (p.group, p.chained_hop.is_some()))
            .collect();
        let b: BTreeSet<_> = analysis
            .paths
            .iter()
            .filter(|p| p.target == index)
            .map(|p| (p.group, p.chained_hop.is_some()))
            .collect();
        assert_eq!(a, b, "{name}: who-can {target}");
    }
}

#[test]
fn hub_and_spoke_paths_are_exactly_the_compiled_targets() {
    check_example("hub-and-spoke", 1);
}

#[test]
fn mixed_paths_are_exactly_the_compiled_targets() {
    check_example("mixed", 1);
}

#[test]
fn large_paths_are_exactly_the_compiled_targets() {
    check_example("large", 97);
}

#[test]
fn hops_need_the_session_actions_the_idp_sends() {
    let model = example("mixed");
    let state = compile(&model);
    let snapshot = Snapshot::from_desired(&state);
    let estate = Estate::new(&snapshot, None);
    let mapping = IdpMapping::from_compiled(&model.identity_provider, &state.groups);
    let analysis = analyze(&estate, &mapping);
    let chained = analysis
        .hops
        .iter()
        .find(|h| h.kind == HopKind::AssumeRole && h.allowed)
        .unwrap();
    let actions: Vec<_> = chained.checks.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    );
    assert!(
        chained
            .conditions()
            .contains(&"Null sts:SourceIdentity false"),
        "{:?}",
        chained.conditions()
    );
    let saml = analysis
        .hops
        .iter()
        .find(|h| h.kind == HopKind::Saml)
        .unwrap();
    assert_eq!(saml.audiences_allowed.len(), 3);
}
