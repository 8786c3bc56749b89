//! The same model compiled both ways, side by side: what each topology costs to run and what users
//! get from it.

use std::collections::BTreeMap;

use awsfed_model::{Model, TopologyKind};
use serde::Serialize;

use crate::{DesiredState, RoleKind, TrustForm, compile};

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub accounts: usize,
    pub groups: usize,
    /// `None` when the model has no hub account, so it cannot compile to hub-and-spoke.
    pub hub_and_spoke: Option<TopologyFigures>,
    pub direct: TopologyFigures,
    /// Per group, sorted by name.
    pub reach: Vec<GroupReach>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopologyFigures {
    pub topology: TopologyKind,
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
    let direct_state = compile(&with(TopologyKind::Direct));
    let hub_and_spoke = if model.hubs.is_empty() || model.groups.iter().any(|g| g.hub.is_none()) {
        None
    } else {
        Some(figures(
            &with(TopologyKind::HubAndSpoke),
            &compile(&with(TopologyKind::HubAndSpoke)),
        ))
    };
    let reach = direct_state
        .groups
        .iter()
        .map(|g| GroupReach {
            group: g.group.clone(),
            accounts: g
                .targets
                .iter()
                .map(|t| t.account_id.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            targets: g.targets.len(),
        })
        .collect();
    Comparison {
        accounts: model.accounts.len(),
        groups: model.groups.len(),
        hub_and_spoke,
        direct: figures(&with(TopologyKind::Direct), &direct_state),
        reach,
    }
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
    let trust_relationships = state
        .accounts
        .iter()
        .flat_map(|a| &a.roles)
        .map(|r| match r.trust_form {
            TrustForm::SamlProvider => 1,
            // A trust may name the same principals in several statements (TagSession has its
            // own): count each principal once.
            TrustForm::HubRoles | TrustForm::HubAccountsByRoleName => r
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
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
        })
        .sum();
    let targets = state.groups.iter().flat_map(|g| &g.targets);
    let sessions: Vec<u32> = targets.clone().map(|t| t.max_session_duration).collect();
    let sts_calls = targets
        .map(|t| t.hops.len())
        .max()
        .unwrap_or(match topology {
            TopologyKind::HubAndSpoke => 2,
            TopologyKind::Direct | TopologyKind::IdentityCenter => 1,
        });
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
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        })
        .sum::<usize>() as f64;
    let grants: f64 = grants_per_account.values().sum::<usize>() as f64;
    let per_new_account = match topology {
        TopologyKind::Direct => NewAccountCost {
            roles_to_create: round(spoke_or_direct_roles / accounts),
            saml_providers_to_create: 1,
            hub_policies_to_update: 0.0,
            idp_values_to_add: round(grants / accounts),
        },
        // Identity Center provisions the roles itself; the IdP and IAM are untouched.
        TopologyKind::IdentityCenter => NewAccountCost {
            roles_to_create: 0.0,
            saml_providers_to_create: 0,
            hub_policies_to_update: 0.0,
            idp_values_to_add: 0.0,
        },
        TopologyKind::HubAndSpoke => NewAccountCost {
            roles_to_create: round(spoke_or_direct_roles / accounts),
            saml_providers_to_create: 0,
            hub_policies_to_update: round(group_accounts / accounts),
            idp_values_to_add: 0.0,
        },
    };
    let narrowed_policies = state
        .accounts
        .iter()
        .flat_map(|a| &a.roles)
        .filter(|r| r.trust_form == TrustForm::HubAccountsByRoleName)
        .count()
        + state
            .accounts
            .iter()
            .flat_map(|a| &a.policies)
            .filter(|p| p.form != crate::HubPolicyForm::ExactArns)
            .map(|p| p.attached_to.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
    TopologyFigures {
        topology,
        roles,
        saml_providers,
        managed_policies: state.accounts.iter().map(|a| a.policies.len()).sum(),
        max_roles_in_an_account: state
            .accounts
            .iter()
            .map(|a| a.roles.len())
            .max()
            .unwrap_or(0),
        trust_relationships,
        idp_role_values: state.groups.iter().map(|g| g.role_values.len()).sum(),
        sts_calls_per_sign_in: sts_calls,
        longest_session: sessions.iter().copied().max().unwrap_or(0),
        shortest_target_session: sessions.iter().copied().min().unwrap_or(0),
        per_new_account,
        access_truth: match topology {
            TopologyKind::Direct => "the IdP: which groups receive which Role attribute values",
            TopologyKind::HubAndSpoke => {
                "AWS: the hub roles' assume policies and the spoke roles' trusts (the IdP only maps groups to hub roles)"
            }
            TopologyKind::IdentityCenter => {
                "Identity Center: the account assignments (group → permission set → account)"
            }
        },
        narrowed_policies,
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}
