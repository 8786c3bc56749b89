//! The IAM-users hub compiled from `examples/iam-users` (a copy lives in `tests/data`): snapshots of
//! the hub's users, groups and policies and of the spoke trusts, and every (user, spoke role) hop
//! decided by awsfed's evaluator and by the iam-simulate oracle, which must agree — with MFA, without
//! it, with a stale MFA sign-in and with someone else's SourceIdentity.

mod support;

use std::collections::BTreeMap;

use awsfed_compile::{
    DesiredIamUsers, DesiredRole, DesiredState, TrustForm, UserTrustForm, compile,
};
use awsfed_model::Model;
use awsfed_policy::simulation::Simulation;
use awsfed_policy::{Decision, PolicyDocument};

use support::{context, decide, into_role};

const HUB: &str = "111111111111";

fn model(yaml: &str) -> Model {
    let raw = awsfed_model::load::parse(yaml).expect("the model parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()));
    model.unwrap_or_else(|| panic!("the model is valid: {diagnostics:?}"))
}

fn example() -> (Model, DesiredState) {
    let model = model(include_str!("data/iam-users.yaml"));
    let state = compile(&model);
    (model, state)
}

fn users(state: &DesiredState) -> &DesiredIamUsers {
    state
        .accounts
        .iter()
        .find_map(|a| a.iam_users.as_ref())
        .expect("the hub holds the users")
}

fn spoke_roles(state: &DesiredState) -> Vec<(&str, &DesiredRole)> {
    state
        .accounts
        .iter()
        .flat_map(|a| a.roles.iter().map(move |r| (a.id.as_str(), r)))
        .collect()
}

#[test]
fn hub_users_groups_and_policies() {
    let (_, state) = example();
    assert!(state.notes.is_empty(), "{:?}", state.notes);
    insta::assert_json_snapshot!("hub", users(&state));
}

#[test]
fn spoke_trusts_admit_exactly_the_granted_users() {
    let (_, state) = example();
    let trusts: BTreeMap<String, &PolicyDocument> = spoke_roles(&state)
        .into_iter()
        .map(|(id, r)| {
            assert_eq!(r.trust_form, TrustForm::IamUsersOnly);
            assert_eq!(r.user_trust_form, Some(UserTrustForm::Users));
            (format!("{id}:{}", r.name), &r.trust_policy)
        })
        .collect();
    insta::assert_json_snapshot!("spoke_trusts", trusts);
    // No hub role without a SAML IdP, and no SAML provider anywhere.
    assert!(state.accounts.iter().all(|a| a.saml_provider.is_none()));
}

/// How a user's request arrives: signed with the `GetSessionToken` session (MFA or not, and how long
/// ago), setting a SourceIdentity.
#[derive(Clone, Copy)]
struct Sign<'a> {
    mfa_age: Option<u32>,
    source_identity: &'a str,
}

fn request(
    user: &str,
    action: &str,
    role: &DesiredRole,
    account: &str,
    identity: Vec<PolicyDocument>,
    sign: Sign,
) -> Simulation {
    let principal = format!("arn:aws:iam::{HUB}:user/awsfed/users/{user}");
    let mut keys = vec![
        ("aws:PrincipalArn", principal.clone()),
        ("aws:PrincipalAccount", HUB.to_owned()),
        ("aws:PrincipalType", "User".to_owned()),
        ("aws:username", user.to_owned()),
        ("aws:userid", "AIDAEXAMPLEUSERID".to_owned()),
        ("aws:ResourceAccount", account.to_owned()),
        ("sts:SourceIdentity", sign.source_identity.to_owned()),
    ];
    match sign.mfa_age {
        Some(age) => {
            keys.push(("aws:MultiFactorAuthPresent", "true".to_owned()));
            keys.push(("aws:MultiFactorAuthAge", age.to_string()));
        }
        None => keys.push(("aws:MultiFactorAuthPresent", "false".to_owned())),
    }
    if action == "sts:AssumeRole" {
        keys.push(("sts:RoleSessionName", user.to_owned()));
    }
    into_role(
        principal,
        action,
        (&role.arn, account),
        context(keys),
        identity,
        role.trust_policy.clone(),
    )
}

/// Every policy attached to the user, directly or through a group.
fn identity_policies(hub: &DesiredIamUsers, user: &str) -> Vec<PolicyDocument> {
    let user = hub.users.iter().find(|u| u.name == user).expect("a user");
    let arns: Vec<&String> = user
        .managed_policy_arns
        .iter()
        .chain(
            hub.groups
                .iter()
                .filter(|g| user.groups.contains(&g.name))
                .flat_map(|g| &g.managed_policy_arns),
        )
        .collect();
    hub.policies
        .iter()
        .filter(|p| arns.contains(&&p.arn))
        .map(|p| p.document.clone())
        .collect()
}

#[test]
fn the_oracle_agrees_on_every_user_and_spoke_role() {
    let (_, state) = example();
    let hub = users(&state);
    let roles = spoke_roles(&state);
    let mut simulations = Vec::new();
    let mut expected = Vec::new();
    let fresh = 600;
    let stale = hub.mfa_max_age + 1;
    for user in &hub.users {
        let identity = identity_policies(hub, &user.name);
        let granted: Vec<&str> = user.targets.iter().map(|t| t.hops[0].role_arn()).collect();
        for &(account, role) in &roles {
            let reach = granted.contains(&role.arn.as_str());
            let cases = [
                (
                    Sign {
                        mfa_age: Some(fresh),
                        source_identity: &user.name,
                    },
                    reach,
                ),
                (
                    Sign {
                        mfa_age: None,
                        source_identity: &user.name,
                    },
                    reach && !user.mfa,
                ),
                (
                    Sign {
                        mfa_age: Some(stale),
                        source_identity: &user.name,
                    },
                    reach && !user.mfa,
                ),
                (
                    Sign {
                        mfa_age: Some(fresh),
                        source_identity: "someone-else",
                    },
                    false,
                ),
            ];
            for (sign, allowed) in cases {
                for action in ["sts:AssumeRole", "sts:SetSourceIdentity"] {
                    simulations.push(request(
                        &user.name,
                        action,
                        role,
                        account,
                        identity.clone(),
                        sign,
                    ));
                    expected.push(allowed);
                }
            }
        }
    }
    let decisions = decide(&simulations);
    let allowed = decisions.iter().filter(|d| **d == Decision::Allow).count();
    println!(
        "{} requests ({} users x {} roles x 4 sign-ins x 2 actions): oracle and evaluator agree on all; {allowed} allowed",
        simulations.len(),
        hub.users.len(),
        roles.len()
    );
    for ((simulation, decision), allowed) in simulations.iter().zip(&decisions).zip(&expected) {
        assert_eq!(
            *decision == Decision::Allow,
            *allowed,
            "{} {} {:?}",
            simulation.principal,
            simulation.resource,
            simulation.context
        );
    }
}

#[test]
fn beside_a_saml_idp_trusts_list_hub_roles_and_users() {
    let yaml = include_str!("data/iam-users.yaml").replacen(
        "topology:",
        "identity_provider: { name: corp, session_name_from: employee_id, source_identity: true }\ntopology:",
        1,
    );
    let state = compile(&model(&yaml));
    let (_, role) = spoke_roles(&state)
        .into_iter()
        .find(|(id, r)| *id == "222222222222" && r.name == "Admin")
        .expect("prod Admin");
    assert_eq!(role.trust_form, TrustForm::HubRoles);
    assert_eq!(role.user_trust_form, Some(UserTrustForm::Users));
    insta::assert_json_snapshot!("prod_admin_trust_beside_saml", role.trust_policy);
    // The hub roles stay, with their own policies; the groups' policies are named apart.
    let hub = state.accounts.iter().find(|a| a.id == HUB).expect("hub");
    assert!(hub.roles.iter().any(|r| r.name == "platform-admins"));
    assert!(
        hub.policies
            .iter()
            .any(|p| p.name == "platform-admins-assume")
    );
    assert!(
        users(&state)
            .policies
            .iter()
            .any(|p| p.name == "platform-admins-users-assume")
    );
}

#[test]
fn many_users_narrow_the_trust_to_the_users_path() {
    let auditors: String = (0..60)
        .map(|u| format!("    auditor-number-{u:03}: {{ groups: [auditors] }}\n"))
        .collect();
    let yaml = include_str!("data/iam-users.yaml").replacen(
        "allow_warnings:",
        &format!("{auditors}allow_warnings:"),
        1,
    );
    let state = compile(&model(&yaml));
    let (_, role) = spoke_roles(&state)
        .into_iter()
        .find(|(id, r)| *id == "222222222222" && r.name == "ReadOnly")
        .expect("prod ReadOnly");
    assert_eq!(
        role.user_trust_form,
        Some(UserTrustForm::HubAccountByUserPath)
    );
    insta::assert_json_snapshot!("narrowed_user_trust", role.trust_policy);
    let notes: Vec<String> = state.notes.iter().map(|n| n.message.clone()).collect();
    insta::assert_json_snapshot!("narrowed_user_notes", notes);
}
