//! Issue #9's reproduction: with enough groups that a spoke trust takes the narrowed form, no role of
//! the hub account but a hub role may assume the spoke role. Decided by awsfed's evaluator and by
//! the iam-simulate oracle, which must agree; moto enforces no policy, so it has no say here.
//!
//! The model: hub `identity`, spoke `w01`, 40 groups granted `w01` ReadOnly (their hub role ARNs
//! together pass the 2,048-character trust quota) and a permission set `hub-ops`
//! (AdministratorAccess) granted to `id-admins` on `identity`, so the hub account holds a role
//! that may call `sts:AssumeRole` on anything.

mod support;

use awsfed_compile::{DesiredRole, DesiredState, TrustForm, compile};
use awsfed_model::Model;
use awsfed_policy::simulation::Simulation;
use awsfed_policy::{Decision, PolicyDocument};
use serde_json::json;

use support::{context, decide, into_role};

const HUB: &str = "111111111111";
const SPOKE: &str = "222222222222";
const GROUPS: usize = 40;

fn reproduction(naming: &str) -> String {
    let mut yaml = format!(
        "version: 1
identity_provider: {{ name: corp, session_name_from: employee_id, source_identity: true }}
topology: {{ default: hub-and-spoke, hub_account: identity }}
{naming}
accounts:
  identity: {{ id: \"{HUB}\" }}
  w01: {{ id: \"{SPOKE}\" }}
permission_sets:
  ReadOnly: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}
  hub-ops: {{ managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess] }}
groups:
  id-admins: [ {{ accounts: [identity], permission_set: hub-ops }} ]
"
    );
    for g in 0..GROUPS {
        yaml.push_str(&format!(
            "  team-{g:02}-readers: [ {{ accounts: [w01], permission_set: ReadOnly }} ]\n"
        ));
    }
    yaml
}

fn model(yaml: &str) -> Model {
    let raw = awsfed_model::load::parse(yaml).expect("the reproduction parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()));
    model.unwrap_or_else(|| panic!("the reproduction is valid: {diagnostics:?}"))
}

fn role<'a>(state: &'a DesiredState, account: &str, name: &str) -> &'a DesiredRole {
    state
        .accounts
        .iter()
        .find(|a| a.name == account)
        .and_then(|a| a.roles.iter().find(|r| r.name == name))
        .unwrap_or_else(|| panic!("{account} has the role {name}"))
}

/// The hub role's own assume policies.
fn hub_policies(state: &DesiredState, hub_role: &str) -> Vec<PolicyDocument> {
    state.accounts[..]
        .iter()
        .flat_map(|a| &a.policies)
        .filter(|p| p.attached_to == hub_role)
        .map(|p| p.document.clone())
        .collect()
}

fn administrator_access() -> PolicyDocument {
    serde_json::from_value(json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    }))
    .expect("a policy")
}

/// `action` on the spoke role from a session of `caller_role` (an ARN), whose session carries a
/// SourceIdentity as the model's IdP sends one.
fn chained_request(
    caller_role: &str,
    action: &str,
    target: &DesiredRole,
    trust: &PolicyDocument,
    identity: Vec<PolicyDocument>,
) -> Simulation {
    let name = caller_role.rsplit('/').next().expect("a role name");
    let mut keys = support::hub_session(caller_role, HUB, SPOKE);
    keys.push(("aws:SourceIdentity", "e1234".to_owned()));
    keys.push(("sts:SourceIdentity", "e1234".to_owned()));
    if action == "sts:AssumeRole" {
        keys.push(("sts:RoleSessionName", "e1234".to_owned()));
    }
    into_role(
        format!("arn:aws:sts::{HUB}:assumed-role/{name}/e1234"),
        action,
        (&target.arn, SPOKE),
        context(keys),
        identity,
        trust.clone(),
    )
}

/// `sts:AssumeRoleWithSAML` into `target` with an assertion for `audience`, carrying a
/// SourceIdentity or not.
fn saml_request(target: &DesiredRole, audience: &str, source_identity: bool) -> Simulation {
    let mut keys = vec![
        ("saml:aud", audience.to_owned()),
        ("saml:sub", "e1234".to_owned()),
    ];
    if source_identity {
        keys.push(("sts:SourceIdentity", "e1234".to_owned()));
    }
    into_role(
        format!("arn:aws:iam::{HUB}:saml-provider/corp"),
        "sts:AssumeRoleWithSAML",
        (&target.arn, HUB),
        context(keys),
        Vec::new(),
        target.trust_policy.clone(),
    )
}

struct Case {
    caller: String,
    identity: Vec<PolicyDocument>,
}

/// Every caller against the spoke role's trust, for both actions the hop needs.
fn outcomes(cases: &[Case], target: &DesiredRole, trust: &PolicyDocument) -> Vec<Decision> {
    let simulations: Vec<Simulation> = cases
        .iter()
        .flat_map(|case| {
            ["sts:AssumeRole", "sts:SetSourceIdentity"].map(|action| {
                chained_request(&case.caller, action, target, trust, case.identity.clone())
            })
        })
        .collect();
    decide(&simulations)
}

/// The callers: two real hub roles, the `hub-ops` permission-set role of the hub account, and a role
/// someone else created under awsfed's path with a hub-like name.
fn callers(state: &DesiredState, model: &Model) -> Vec<Case> {
    let hub_role = |g: usize| {
        let name = model
            .naming
            .hub_role_name(&format!("team-{g:02}-readers"), "default");
        let arn = role(state, "identity", &name).arn.clone();
        Case {
            caller: arn,
            identity: hub_policies(state, &name),
        }
    };
    vec![
        hub_role(0),
        hub_role(GROUPS - 1),
        Case {
            caller: role(state, "identity", "hub-ops").arn.clone(),
            identity: vec![administrator_access()],
        },
        Case {
            caller: format!("arn:aws:iam::{HUB}:role/awsfed/hub-rogue"),
            identity: vec![administrator_access()],
        },
    ]
}

const ALLOWED_TWICE: [Decision; 2] = [Decision::Allow, Decision::Allow];
const DENIED_TWICE: [Decision; 2] = [Decision::ImplicitDeny, Decision::ImplicitDeny];

fn check_no_escalation(naming: &str) -> DesiredState {
    let model = model(&reproduction(naming));
    let state = compile(&model);
    assert!(
        state.notes.iter().all(|n| !n.is_error()),
        "{:?}",
        state.notes
    );
    let target = role(&state, "w01", "ReadOnly");
    assert_eq!(target.trust_form, TrustForm::HubAccountsByHubPath);
    let decisions = outcomes(&callers(&state, &model), target, &target.trust_policy);
    assert_eq!(
        decisions[0..2],
        ALLOWED_TWICE,
        "a hub role enters w01/ReadOnly"
    );
    assert_eq!(
        decisions[2..4],
        ALLOWED_TWICE,
        "another hub role enters w01/ReadOnly"
    );
    assert_eq!(
        decisions[4..6],
        DENIED_TWICE,
        "hub-ops must not enter w01/ReadOnly"
    );
    assert_eq!(
        decisions[6..8],
        DENIED_TWICE,
        "a role outside the hub path must not enter"
    );
    state
}

#[test]
fn no_permission_set_role_of_the_hub_enters_a_narrowed_spoke() {
    let state = check_no_escalation("");
    let target = role(&state, "w01", "ReadOnly");
    assert_eq!(
        role(&state, "identity", "team-00-readers").arn,
        format!("arn:aws:iam::{HUB}:role/awsfed/hub/team-00-readers")
    );
    insta::assert_json_snapshot!("narrowed_spoke_trust", target.trust_policy);
    let notes: Vec<String> = state.notes.iter().map(|n| n.message.clone()).collect();
    insta::assert_json_snapshot!("notes", notes);
}

#[test]
fn the_old_hub_name_pattern_still_admits_only_hub_roles() {
    check_no_escalation("naming: { hub_role_name: \"hub-{group}\" }");
}

/// The trust as it was before hub roles had their own path (`ArnLike aws:PrincipalArn
/// …:role/awsfed/hub-*`): the same callers show the hole, so the checks above can fail.
#[test]
fn the_name_prefix_trust_let_hub_ops_in() {
    let model = model(&reproduction("naming: { hub_role_name: \"hub-{group}\" }"));
    let state = compile(&model);
    let target = role(&state, "w01", "ReadOnly");
    let text = serde_json::to_string(&target.trust_policy).expect("JSON");
    let old = text.replace(
        &format!("arn:aws:iam::{HUB}:role/awsfed/hub/*"),
        &format!("arn:aws:iam::{HUB}:role/awsfed/hub-*"),
    );
    assert_ne!(text, old, "the narrowed trust names the hub path");
    let old: PolicyDocument = serde_json::from_str(&old).expect("a policy");
    let mut cases = callers(&state, &model);
    // hub-ops as it was named before: any name matching `hub-*` under `/awsfed/`.
    cases[2].caller = format!("arn:aws:iam::{HUB}:role/awsfed/hub-ops");
    let decisions = outcomes(&cases, target, &old);
    assert_eq!(decisions[4..6], ALLOWED_TWICE, "the hole of issue #9");
    assert_eq!(
        decisions[6..8],
        ALLOWED_TWICE,
        "an unowned role under the path"
    );
}

/// The IdP sends SourceIdentity (`source_identity: true`): the hub role's SAML trust refuses an
/// assertion without it, so the spoke trusts' `sts:SourceIdentity` binding cannot be skipped by an
/// IdP that omits the attribute.
#[test]
fn the_hub_saml_trust_requires_source_identity() {
    let model = model(&reproduction(""));
    let state = compile(&model);
    let hub_role = role(&state, "identity", "team-00-readers");
    let audience = model.idp().audiences[0].clone();
    let decisions = decide(&[
        saml_request(hub_role, &audience, true),
        saml_request(hub_role, &audience, false),
    ]);
    assert_eq!(decisions, [Decision::Allow, Decision::ImplicitDeny]);
    insta::assert_json_snapshot!("hub_saml_trust", hub_role.trust_policy);
}
