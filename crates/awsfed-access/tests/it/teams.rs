//! A hub per team (`examples/teams`): every hub role of one team is denied entry into every role of
//! the other team's accounts, and allowed into its own team's granted roles, by awsfed's evaluator
//! and by iam-simulate alike — with exact spoke trusts and with trusts narrowed to the hub path
//! (forty more groups per team). The analysis finds no path from one team's groups into the other
//! team's accounts.

use std::collections::BTreeSet;

use awsfed_access::{Estate, HopEvaluator, HopKind, HopOutcome, IdpMapping, Stage, analyze};
use awsfed_compile::{DesiredState, compile};
use awsfed_model::{Model, load, resolve};
use awsfed_policy::Decision;
use awsfed_snapshot::Snapshot;

use crate::support::oracle::{HopRequest, Oracle, hop_simulation, skip_oracle};
use crate::support::{example, repo_root};

/// The teams example with `extra` more groups per team, each granted ReadOnly in its team's OU:
/// past about thirty, the team's ReadOnly trusts name the hub account narrowed to the hub path.
fn teams(extra: usize) -> Model {
    if extra == 0 {
        return example("teams");
    }
    let dir = repo_root().join("examples/teams");
    let mut text = std::fs::read_to_string(dir.join("awsfed.yaml")).unwrap();
    for i in 0..extra {
        text.push_str(&format!(
            "  web-readers-{i:02}: [ {{ accounts: {{ ous: [Teams/Web] }}, permission_set: ReadOnly }} ]\n  data-readers-{i:02}:\n    hub: data\n    grants: [ {{ accounts: {{ ous: [Teams/Data] }}, permission_set: ReadOnly }} ]\n"
        ));
    }
    let raw = load::parse(&text).expect("model parses");
    let mut read = |file: &str| std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string());
    let (model, diagnostics) = resolve(&raw, &mut read);
    model.unwrap_or_else(|| panic!("{diagnostics:?}"))
}

/// The team (hub name) of each account's id; `None` for accounts of every hub.
fn team_of(state: &DesiredState, account_id: &str) -> Option<String> {
    state
        .accounts
        .iter()
        .find(|a| a.id == account_id)
        .and_then(|a| a.hub.clone())
}

#[test]
fn a_teams_hub_roles_cannot_enter_the_other_teams_accounts() {
    for extra in [0, 40] {
        let model = teams(extra);
        let state = compile(&model);
        let narrowed = state
            .notes
            .iter()
            .any(|n| n.code == awsfed_model::Code::SpokeTrustNarrowed);
        assert_eq!(narrowed, extra > 0, "{:?}", state.notes);
        let snapshot = Snapshot::from_desired(&state);
        let estate = Estate::new(&snapshot, None);
        let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
        let mut evaluator = HopEvaluator::new(&estate, &mapping.session);
        let (mut crossing, mut own) = (0, 0);
        for (caller, hub_role) in estate.roles.iter().enumerate() {
            if !hub_role.role.path.ends_with("/hub/") {
                continue;
            }
            let caller_team = team_of(&state, &hub_role.account.id).unwrap();
            for (target, role) in estate.roles.iter().enumerate() {
                let Some(target_team) = team_of(&state, &role.account.id) else {
                    continue;
                };
                if target == caller || role.role.path.ends_with("/hub/") {
                    continue;
                }
                let hop = evaluator.chained(caller, Stage::Saml, target);
                let allowed = evaluator.hops[hop].allowed;
                if target_team == caller_team {
                    own += usize::from(allowed);
                } else {
                    crossing += 1;
                    assert!(!allowed, "{} enters {}", hub_role.role.arn, role.role.arn);
                }
            }
        }
        assert!(crossing > 0 && own > 0, "{crossing} crossing, {own} own");
        let analysis = analyze(&estate, &mapping);
        for path in &analysis.paths {
            let group = &model.groups[model
                .groups
                .iter()
                .position(|g| g.name == mapping.groups[path.group].name)
                .unwrap()];
            let group_team = &model.hubs[group.hub.unwrap()].name;
            let target = estate.role(path.target);
            if let Some(team) = team_of(&state, &target.account.id) {
                assert_eq!(
                    &team, group_team,
                    "{} reaches {}",
                    group.name, target.role.arn
                );
            }
        }
        let checked = agree_with_oracle(&estate, &mapping, &evaluator.hops);
        eprintln!(
            "teams (+{extra} groups per team, narrowed trusts: {narrowed}): {crossing} hub-role hops across teams denied, {own} within teams allowed; {checked} action checks agree with iam-simulate"
        );
    }
}

/// Every action check of the hops, the evaluator's decision against iam-simulate's.
fn agree_with_oracle(estate: &Estate<'_>, mapping: &IdpMapping, hops: &[HopOutcome]) -> usize {
    let mut simulations = Vec::new();
    let mut ours = Vec::new();
    for hop in hops.iter().filter(|h| h.kind == HopKind::AssumeRole) {
        for check in &hop.checks {
            let request = HopRequest::of(hop, check);
            simulations.push(hop_simulation(estate, &mapping.session, &request, None));
            ours.push((hop.from.clone(), hop.role_arn.clone(), check.decision));
        }
    }
    if skip_oracle() {
        return 0;
    }
    let theirs = Oracle::start().run(simulations);
    let disagreements: BTreeSet<String> = ours
        .iter()
        .zip(&theirs)
        .filter(|((.., a), b)| a != *b)
        .map(|((from, to, a), b)| format!("{from} → {to}: ours {a:?}, oracle {b:?}"))
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} of {} checks disagree: {disagreements:#?}",
        disagreements.len(),
        ours.len()
    );
    let denied = ours.iter().filter(|(.., d)| *d != Decision::Allow).count();
    assert!(denied > 0);
    ours.len()
}
