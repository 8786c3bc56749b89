//! The same model compiled all three ways, side by side: what each topology costs to run and what
//! users get from it.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::{Model, TopologyKind};
use serde::Serialize;

use crate::{DesiredIamUsers, DesiredState, RoleKind, TrustForm, compile};

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub accounts: usize,
    pub groups: usize,
    /// `None` when the model has no hub account, so it cannot compile to hub-and-spoke.
    pub hub_and_spoke: Option<TopologyFigures>,
    /// `None` when the model has no `identity_provider` (every account is Identity Center).
    pub direct: Option<TopologyFigures>,
    pub identity_center: TopologyFigures,
    /// Per group, sorted by name.
    pub reach: Vec<GroupReach>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopologyFigures {
    pub topology: TopologyKind,
    /// What someone maintains: IAM roles, SAML providers and managed policies (hub-and-spoke,
    /// direct), or permission sets and account assignments (Identity Center, which provisions the
    /// roles and providers itself).
    pub resources_to_maintain: usize,
    pub roles: usize,
    pub saml_providers: usize,
    pub managed_policies: usize,
    /// Roles per account: the most in any one account.
    pub max_roles_in_an_account: usize,
    /// Principals named in trust policies (each hub role in a spoke trust, each provider trust).
    pub trust_relationships: usize,
    /// SAML `Role` attribute values the IdP must hold, over all groups.
    pub idp_role_values: usize,
    pub sts_calls_per_sign_in: usize,
    /// Longest CLI session of any target, and the shortest such maximum (seconds).
    pub longest_session: u32,
    pub shortest_target_session: u32,
    /// What adding one more account like the average one costs.
    pub per_new_account: NewAccountCost,
    pub access_truth: &'static str,
    /// Spoke trusts that had to name hub accounts instead of exact hub roles, and hub roles whose
    /// assume policies were narrowed, to fit IAM's size quotas.
    pub narrowed_policies: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewAccountCost {
    pub roles_to_create: f64,
    pub saml_providers_to_create: usize,
    pub hub_policies_to_update: f64,
    pub idp_values_to_add: f64,
    /// Identity Center: account assignments to create (roles follow from them).
    pub assignments_to_create: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReach {
    pub group: String,
    pub accounts: usize,
    pub targets: usize,
}

pub fn compare(model: &Model) -> Comparison {
    let with = |topology: TopologyKind| {
        let mut model = model.clone();
        for account in &mut model.accounts {
            account.topology = topology;
        }
        model
    };
    let saml = model.identity_provider.is_some();
    let direct_state = saml.then(|| compile(&with(TopologyKind::Direct)));
    // IAM users come through the hub without a SAML IdP.
    let through_hub = saml || model.iam_users.is_some();
    let hub_and_spoke =
        if !through_hub || model.hubs.is_empty() || model.groups.iter().any(|g| g.hub.is_none()) {
            None
        } else {
            Some(figures(
                &with(TopologyKind::HubAndSpoke),
                &compile(&with(TopologyKind::HubAndSpoke)),
            ))
        };
    let reach = group_reach(model);
    Comparison {
        accounts: model.accounts.len(),
        groups: model.groups.len(),
        hub_and_spoke,
        direct: direct_state.map(|state| figures(&with(TopologyKind::Direct), &state)),
        identity_center: identity_center_figures(&with(TopologyKind::IdentityCenter)),
        reach,
    }
}

/// Per group: the accounts it reaches and its targets (account, permission set), whatever the
/// topology.
fn group_reach(model: &Model) -> Vec<GroupReach> {
    model
        .groups
        .iter()
        .map(|group| {
            let targets: BTreeSet<(usize, usize)> = group
                .grants
                .iter()
                .flat_map(|g| g.accounts.iter().map(|&a| (a, g.permission_set)))
                .collect();
            GroupReach {
                group: group.name.clone(),
                accounts: targets
                    .iter()
                    .map(|(a, _)| a)
                    .collect::<BTreeSet<_>>()
                    .len(),
                targets: targets.len(),
            }
        })
        .collect()
}

fn figures(model: &Model, state: &DesiredState) -> TopologyFigures {
    let topology = model
        .accounts
        .first()
        .map_or(TopologyKind::Direct, |a| a.topology);
    let roles: usize = state.accounts.iter().map(|a| a.roles.len()).sum();
    let saml_providers = state
        .accounts
        .iter()
        .filter(|a| a.saml_provider.is_some())
        .count();
    let users = state
        .accounts
        .iter()
        .flat_map(|a| &a.iam_users)
        .collect::<Vec<_>>();
    let sign_in = sign_in(state, &users, topology);
    let managed_policies = state
        .accounts
        .iter()
        .map(|a| a.policies.len())
        .sum::<usize>()
        + users.iter().map(|u| u.policies.len()).sum::<usize>();
    // IAM users and their groups are maintained too (their passwords and keys by the users).
    let users_and_groups: usize = users.iter().map(|u| u.users.len() + u.groups.len()).sum();
    TopologyFigures {
        topology,
        resources_to_maintain: roles + saml_providers + managed_policies + users_and_groups,
        roles,
        saml_providers,
        managed_policies,
        max_roles_in_an_account: state
            .accounts
            .iter()
            .map(|a| a.roles.len())
            .max()
            .unwrap_or(0),
        trust_relationships: trust_relationships(state),
        idp_role_values: state.groups.iter().map(|g| g.role_values.len()).sum(),
        sts_calls_per_sign_in: sign_in.sts_calls,
        longest_session: sign_in.sessions.iter().copied().max().unwrap_or(0),
        shortest_target_session: sign_in.sessions.iter().copied().min().unwrap_or(0),
        per_new_account: per_new_account(model, state, topology),
        access_truth: access_truth(topology),
        narrowed_policies: narrowed_policies(state),
    }
}

/// The principals the roles' trusts admit: a SAML provider, or each hub role, hub account or IAM
/// user named.
fn trust_relationships(state: &DesiredState) -> usize {
    state
        .accounts
        .iter()
        .flat_map(|a| &a.roles)
        .map(|r| match r.trust_form {
            TrustForm::SamlProvider => 1,
            // A trust may name the same principals in several statements (TagSession has its
            // own): count each principal once.
            TrustForm::HubRoles | TrustForm::HubAccountsByHubPath | TrustForm::IamUsersOnly => r
                .trust_policy
                .statement
                .iter()
                .filter_map(|s| s.principal.as_ref())
                .flat_map(|p| match p {
                    awsfed_policy::Principal::Typed(map) => {
                        map.values().flat_map(|v| v.iter()).collect::<Vec<_>>()
                    }
                    awsfed_policy::Principal::Any(_) => vec!["*"],
                })
                .collect::<BTreeSet<_>>()
                .len(),
        })
        .sum()
}

/// What signing in to a target takes: the most STS calls, and every target's session length.
struct SignIn {
    sts_calls: usize,
    sessions: Vec<u32>,
}

fn sign_in(state: &DesiredState, users: &[&DesiredIamUsers], topology: TopologyKind) -> SignIn {
    let user_targets = users.iter().flat_map(|u| &u.users).flat_map(|u| &u.targets);
    let targets = state.groups.iter().flat_map(|g| &g.targets);
    let sessions: Vec<u32> = targets
        .clone()
        .chain(user_targets.clone())
        .map(|t| t.max_session_duration)
        .collect();
    // An IAM user's sign-in is `GetSessionToken` with the MFA code, then the target's `AssumeRole`.
    let sts_calls = targets
        .map(|t| t.hops.len())
        .chain(user_targets.map(|t| t.hops.len() + 1))
        .max()
        .unwrap_or(match topology {
            TopologyKind::HubAndSpoke => 2,
            TopologyKind::Direct | TopologyKind::IdentityCenter => 1,
        });
    SignIn {
        sts_calls,
        sessions,
    }
}

/// What adding one more account like the average one costs.
fn per_new_account(model: &Model, state: &DesiredState, topology: TopologyKind) -> NewAccountCost {
    let accounts = model.accounts.len().max(1) as f64;
    let spoke_or_direct_roles = state
        .accounts
        .iter()
        .flat_map(|a| &a.roles)
        .filter(|r| !matches!(r.kind, RoleKind::Hub { .. }))
        .count() as f64;
    // Groups granted something in an account: each one's hub policy changes (hub-and-spoke) or
    // gains IdP values (direct) when an account like it is added.
    let mut grants_per_account: BTreeMap<&str, usize> = BTreeMap::new();
    for group in &state.groups {
        for target in &group.targets {
            *grants_per_account
                .entry(target.account_id.as_str())
                .or_default() += 1;
        }
    }
    let group_accounts: f64 = state
        .groups
        .iter()
        .map(|g| {
            g.targets
                .iter()
                .map(|t| t.account_id.as_str())
                .collect::<BTreeSet<_>>()
                .len()
        })
        .sum::<usize>() as f64;
    // Each IAM group's assume policies name its directory group's spoke roles like a hub role's
    // policy does (the group targets above are the SAML side's only): they change too.
    let iam_group_accounts: usize = state
        .accounts
        .iter()
        .flat_map(|a| &a.iam_users)
        .flat_map(|u| &u.groups)
        .filter_map(|g| model.groups.iter().find(|m| m.name == g.group))
        .map(|g| {
            g.grants
                .iter()
                .flat_map(|grant| grant.accounts.iter())
                .collect::<BTreeSet<_>>()
                .len()
        })
        .sum();
    let group_accounts = group_accounts + iam_group_accounts as f64;
    let grants: f64 = grants_per_account.values().sum::<usize>() as f64;
    match topology {
        TopologyKind::Direct => NewAccountCost {
            roles_to_create: round(spoke_or_direct_roles / accounts),
            saml_providers_to_create: 1,
            hub_policies_to_update: 0.0,
            idp_values_to_add: round(grants / accounts),
            assignments_to_create: 0.0,
        },
        // Only the SAML topologies are compiled to IAM (Identity Center: `identity_center_figures`).
        TopologyKind::HubAndSpoke | TopologyKind::IdentityCenter => NewAccountCost {
            roles_to_create: round(spoke_or_direct_roles / accounts),
            saml_providers_to_create: 0,
            hub_policies_to_update: round(group_accounts / accounts),
            idp_values_to_add: 0.0,
            assignments_to_create: 0.0,
        },
    }
}

/// Spoke trusts in the narrowed form, and hub roles whose policies are not exact ARNs.
fn narrowed_policies(state: &DesiredState) -> usize {
    state
        .accounts
        .iter()
        .flat_map(|a| &a.roles)
        .filter(|r| r.trust_form == TrustForm::HubAccountsByHubPath)
        .count()
        + state
            .accounts
            .iter()
            .flat_map(|a| &a.policies)
            .filter(|p| p.form != crate::HubPolicyForm::ExactArns)
            .map(|p| p.attached_to.as_str())
            .collect::<BTreeSet<_>>()
            .len()
}

/// Where the truth of who can reach what lives.
fn access_truth(topology: TopologyKind) -> &'static str {
    match topology {
        TopologyKind::Direct => "the IdP: which groups receive which Role attribute values",
        TopologyKind::HubAndSpoke => {
            "AWS: the hub roles' assume policies and the spoke roles' trusts (the IdP only maps groups to hub roles)"
        }
        TopologyKind::IdentityCenter => IDENTITY_CENTER_TRUTH,
    }
}

const IDENTITY_CENTER_TRUTH: &str = "Identity Center: the account assignments (group → permission set → account); the IdP only provisions group members";

/// Identity Center: awsfed keeps permission sets and account assignments; Identity Center provisions
/// one role per (account, permission set) and its own SAML provider in each account it reaches. The
/// AWS CLI signs in through the access portal and gets role credentials in one call
/// (`sso:GetRoleCredentials`), for up to the permission set's session duration (1–12 h).
fn identity_center_figures(model: &Model) -> TopologyFigures {
    let Some(desired) = crate::compile_identity_center(model) else {
        return empty_identity_center();
    };
    let provisioned: BTreeSet<(&str, &str)> = desired
        .assignments
        .iter()
        .map(|a| (a.account_id.as_str(), a.permission_set.as_str()))
        .collect();
    let accounts_reached: BTreeSet<&str> = provisioned.iter().map(|(a, _)| *a).collect();
    let mut per_account: BTreeMap<&str, usize> = BTreeMap::new();
    for (account, _) in &provisioned {
        *per_account.entry(account).or_default() += 1;
    }
    let seconds = |name: &str| {
        desired
            .permission_sets
            .iter()
            .find(|s| s.name == name)
            .map_or(0, |s| s.session_seconds)
    };
    let sessions: Vec<u32> = provisioned.iter().map(|(_, set)| seconds(set)).collect();
    let accounts = model.accounts.len().max(1) as f64;
    TopologyFigures {
        topology: TopologyKind::IdentityCenter,
        resources_to_maintain: desired.permission_sets.len() + desired.assignments.len(),
        roles: provisioned.len(),
        saml_providers: accounts_reached.len(),
        managed_policies: 0,
        max_roles_in_an_account: per_account.values().copied().max().unwrap_or(0),
        trust_relationships: provisioned.len(),
        idp_role_values: 0,
        sts_calls_per_sign_in: 1,
        longest_session: sessions.iter().copied().max().unwrap_or(0),
        shortest_target_session: sessions.iter().copied().min().unwrap_or(0),
        per_new_account: NewAccountCost {
            roles_to_create: 0.0,
            saml_providers_to_create: 0,
            hub_policies_to_update: 0.0,
            idp_values_to_add: 0.0,
            assignments_to_create: round(desired.assignments.len() as f64 / accounts),
        },
        access_truth: IDENTITY_CENTER_TRUTH,
        narrowed_policies: 0,
    }
}

fn empty_identity_center() -> TopologyFigures {
    TopologyFigures {
        topology: TopologyKind::IdentityCenter,
        resources_to_maintain: 0,
        roles: 0,
        saml_providers: 0,
        managed_policies: 0,
        max_roles_in_an_account: 0,
        trust_relationships: 0,
        idp_role_values: 0,
        sts_calls_per_sign_in: 1,
        longest_session: 0,
        shortest_target_session: 0,
        per_new_account: NewAccountCost {
            roles_to_create: 0.0,
            saml_providers_to_create: 0,
            hub_policies_to_update: 0.0,
            idp_values_to_add: 0.0,
            assignments_to_create: 0.0,
        },
        access_truth: IDENTITY_CENTER_TRUTH,
        narrowed_policies: 0,
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}
