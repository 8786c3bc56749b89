//! The proof a migration stage is checked with before it is applied: the access every directory
//! group has once the stage's state is deployed, for each thing the IdP may send while it is (the
//! old Role values, both old and new while the IdP is being changed, the new ones), compared with
//! the access of the old and the new model.
//!
//! A stage is refused when a path the IdP's values must give is missing (someone loses access) or
//! when a path is in neither model (someone gains access nobody intended). Each stage only adds or
//! only removes trust statements, providers and policies, so the state in the middle of applying it
//! gives a subset of the paths after an expand and a superset of those after a contract: checking
//! the state before and after covers every moment in between.
//!
//! Identity Center targets are paths too (group → the instance's SAML provider in the account →
//! the reserved role, [`crate::identity_center`]): they exist while the state assigns the group
//! the permission set there, whatever the corporate IdP sends, so the people side of a move into
//! or out of Identity Center (signing in through the access portal) is the assignments' presence.

use std::collections::BTreeSet;

use awsfed_compile::{DesiredIdentityCenter, DesiredState};
use awsfed_model::IdentityProvider;
use awsfed_plan::migration::{Migration, StageStates, StageTarget, contracting};
use awsfed_snapshot::Snapshot;
use serde::Serialize;

use crate::{Estate, IdpGroup, IdpMapping, PathKey, analyze_with, arn_account, path_keys};

/// What the IdP sends while a state is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdpValues {
    /// The Role values of the old model (before the switch).
    Old,
    /// Both (while the IdP is being changed).
    Both,
    /// The Role values of the new model (after the switch).
    New,
}

impl IdpValues {
    pub fn label(self) -> &'static str {
        match self {
            IdpValues::Old => "IdP sends the old Role values",
            IdpValues::Both => "IdP sends old and new Role values",
            IdpValues::New => "IdP sends the new Role values",
        }
    }
}

/// One state checked with one set of IdP values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofCheck {
    pub idp: IdpValues,
    /// Paths found.
    pub paths: usize,
    /// Paths the IdP's values must give that the state does not.
    pub missing: Vec<PathKey>,
    /// Paths in neither the old nor the new model.
    pub unintended: Vec<PathKey>,
}

/// Every path the stage's state gives one set of IdP values: what the proof judged (or, for
/// values it does not judge at this stage, would find), so a test can hold each path against an
/// independent oracle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofReach {
    pub idp: IdpValues,
    pub paths: Vec<PathKey>,
}

/// The proof of one stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageProof {
    /// Paths of the old model with its IdP values, and of the new one with its own.
    pub old_paths: usize,
    pub new_paths: usize,
    pub checks: Vec<ProofCheck>,
    /// The paths of the stage's state with the old and with the new Role values.
    pub reach: Vec<ProofReach>,
}

impl StageProof {
    pub fn holds(&self) -> bool {
        self.checks
            .iter()
            .all(|c| c.missing.is_empty() && c.unintended.is_empty())
    }
}

/// What the proof needs besides the states.
#[derive(Debug)]
pub struct ProofInput<'a> {
    pub idp: &'a IdentityProvider,
    pub organization_id: Option<String>,
    /// Rollback only: the operator says the IdP sends the old values again.
    pub idp_reverted: bool,
}

fn mapping(input: &ProofInput<'_>, states: &[&DesiredState]) -> IdpMapping {
    let mut merged = IdpMapping::from_compiled(input.idp, &states[0].groups);
    for state in &states[1..] {
        let other = IdpMapping::from_compiled(input.idp, &state.groups);
        for group in other.groups {
            match merged.groups.iter_mut().find(|g| g.name == group.name) {
                Some(found) => {
                    found.roles.extend(group.roles);
                    found.roles.sort();
                    found.roles.dedup();
                }
                None => merged.groups.push(group),
            }
        }
    }
    merged
        .groups
        .sort_by(|a: &IdpGroup, b: &IdpGroup| a.name.cmp(&b.name));
    merged
}

fn paths(
    state: &DesiredState,
    mapping: &IdpMapping,
    organization_id: Option<String>,
) -> BTreeSet<PathKey> {
    paths_beside_identity_center(
        Snapshot::from_desired(state),
        mapping,
        &state.partition,
        state.identity_center.as_ref(),
        state.organization_paths.as_ref(),
        organization_id,
    )
}

/// The paths of `snapshot` with `mapping`, and beside them Identity Center's paths of
/// `identity_center`'s assignments, which follow the assignments whatever the IdP sends: the
/// stand-in reserved roles and provider of each assigned account, and a role value for its group
/// ([`crate::identity_center::add_desired`]).
pub fn paths_beside_identity_center(
    mut snapshot: Snapshot,
    mapping: &IdpMapping,
    partition: &str,
    identity_center: Option<&DesiredIdentityCenter>,
    org_paths: Option<&awsfed_compile::OrganizationPaths>,
    organization_id: Option<String>,
) -> BTreeSet<PathKey> {
    let mut mapping = mapping.clone();
    if let Some(identity_center) = identity_center {
        crate::identity_center::add_desired(
            &mut snapshot,
            &mut mapping,
            partition,
            identity_center,
        );
    }
    let mut estate = Estate::new(&snapshot, organization_id);
    // Hub policies compiled with Organizations' tree name OUs by path: judge them with it.
    if let Some(paths) = org_paths {
        estate = estate.with_org_paths(paths);
    }
    path_keys(&analyze_with(&estate, &mapping, false))
}

/// Proves the stage `target` of `migration` (see the module documentation).
pub fn prove_stage(
    states: &StageStates,
    migration: &Migration,
    target: StageTarget,
    input: &ProofInput<'_>,
) -> StageProof {
    let org = || input.organization_id.clone();
    let old_mapping = mapping(input, &[&states.old]);
    let new_mapping = mapping(input, &[&states.new]);
    let both_mapping = mapping(input, &[&states.old, &states.new]);
    let old_paths = paths(&states.old, &old_mapping, org());
    let new_paths = paths(&states.new, &new_mapping, org());
    let allowed: BTreeSet<PathKey> = old_paths.union(&new_paths).cloned().collect();
    let contracted =
        |key: &PathKey| arn_account(&key.role_arn).is_some_and(|id| contracting(migration, id));
    // The paths each set of IdP values must give once the stage is applied.
    let sides: Vec<(IdpValues, &IdpMapping, BTreeSet<PathKey>)> = match target {
        StageTarget::Forward => {
            let expanding = migration
                .accounts
                .iter()
                .any(|a| !contracting(migration, &a.account_id));
            let old_kept: BTreeSet<PathKey> = old_paths
                .iter()
                .filter(|k| !contracted(k))
                .cloned()
                .collect();
            let mut sides = vec![(IdpValues::New, &new_mapping, new_paths.clone())];
            if expanding {
                sides.insert(0, (IdpValues::Old, &old_mapping, old_kept.clone()));
                sides.insert(
                    1,
                    (
                        IdpValues::Both,
                        &both_mapping,
                        old_kept.union(&new_paths).cloned().collect(),
                    ),
                );
            }
            sides
        }
        StageTarget::ConfirmSwitch => vec![
            (IdpValues::Both, &both_mapping, allowed.clone()),
            (IdpValues::New, &new_mapping, new_paths.clone()),
        ],
        StageTarget::Rollback if input.idp_reverted || !switched(migration) => vec![
            (IdpValues::Both, &both_mapping, old_paths.clone()),
            (IdpValues::Old, &old_mapping, old_paths.clone()),
        ],
        // The IdP still sends the new values: the rollback takes their paths away.
        StageTarget::Rollback => vec![(IdpValues::New, &new_mapping, new_paths.clone())],
    };
    let mut found_by_idp = std::collections::BTreeMap::new();
    let mut found = |idp: IdpValues, mapping: &IdpMapping| {
        found_by_idp
            .entry(idp)
            .or_insert_with(|| paths(&states.target, mapping, org()))
            .clone()
    };
    let checks = sides
        .into_iter()
        .map(|(idp, mapping, required)| {
            let found = found(idp, mapping);
            ProofCheck {
                idp,
                paths: found.len(),
                missing: required.difference(&found).cloned().collect(),
                unintended: found.difference(&allowed).cloned().collect(),
            }
        })
        .collect();
    let reach = [
        (IdpValues::Old, &old_mapping),
        (IdpValues::New, &new_mapping),
    ]
    .into_iter()
    .map(|(idp, mapping)| ProofReach {
        idp,
        paths: found(idp, mapping).into_iter().collect(),
    })
    .collect();
    StageProof {
        old_paths: old_paths.len(),
        new_paths: new_paths.len(),
        checks,
        reach,
    }
}

fn switched(migration: &Migration) -> bool {
    migration.stage() == Some(awsfed_plan::migration::MigrationStage::Switched)
}
