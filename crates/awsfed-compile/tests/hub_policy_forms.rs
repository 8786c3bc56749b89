//! Hub policies past the account-list quota stay exact: when the model holds every account of the
//! organisation (`organization.complete`), a hub role names the few accounts it is *not* granted
//! (`StringNotEquals aws:ResourceAccount`) inside the organisation (`aws:ResourceOrgID`). Checked
//! for every account of the model with awsfed's evaluator, and on a sample with iam-simulate.

mod support;

use awsfed_compile::{CompileOptions, DesiredState, HubPolicyForm, compile_with};
use awsfed_model::{Model, Severity};
use awsfed_policy::simulation::Simulation;
use awsfed_policy::{Decision, PolicyDocument, evaluate};

use support::{context, decide, hub_policy_request};

const ORG: &str = "o-abcdefghij";
/// More accounts than ten managed policies of account lists can name (about 4,000).
const ACCOUNTS: usize = 4_500;
const NOT_GRANTED: [usize; 2] = [7, 4_242];

fn id(a: usize) -> String {
    format!("{:012}", 200_000_000_000 + a)
}

fn model(complete: bool) -> Model {
    let mut yaml = format!(
        "version: 1
identity_provider: {{ name: corp, session_name_from: employee_id, source_identity: true }}
topology: {{ default: hub-and-spoke, hub_account: identity }}
organization: {{ id: {ORG}, complete: {complete} }}
permission_sets:
  ReadOnly: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}
groups:
  readers: [ {{ accounts: {{ exclude: [a{:04}, a{:04}] }}, permission_set: ReadOnly }} ]
accounts:
  identity: {{ id: \"100000000000\" }}
",
        NOT_GRANTED[0], NOT_GRANTED[1]
    );
    for a in 0..ACCOUNTS {
        yaml.push_str(&format!("  a{a:04}: {{ id: \"{}\" }}\n", id(a)));
    }
    let raw = awsfed_model::load::parse(&yaml).expect("the model parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()));
    model.unwrap_or_else(|| panic!("the model is valid: {diagnostics:?}"))
}

fn compiled(complete: bool) -> DesiredState {
    compile_with(
        &model(complete),
        &CompileOptions {
            group_targets: false,
            ..Default::default()
        },
    )
}

fn hub_policies(state: &DesiredState) -> Vec<(HubPolicyForm, PolicyDocument)> {
    state
        .accounts
        .iter()
        .flat_map(|a| &a.policies)
        .map(|p| (p.form, p.document.clone()))
        .collect()
}

/// `sts:AssumeRole` from the hub role's session into `ReadOnly` of `account` (in `org`), with a
/// trust that admits the hub role: the decision is the hub policies'.
fn request(account: &str, org: &str, identity: &[PolicyDocument]) -> Simulation {
    let organization = context([("aws:ResourceOrgID", org.to_owned())]);
    hub_policy_request("readers", account, organization, identity)
}

#[test]
fn a_complete_organisation_gets_the_exact_complement_form() {
    let state = compiled(true);
    let policies = hub_policies(&state);
    assert!(!policies.is_empty());
    assert!(
        policies
            .iter()
            .all(|(form, _)| *form == HubPolicyForm::RoleNameInOrganizationExcept)
    );
    let notes: Vec<(Severity, &str, &str)> = state
        .notes
        .iter()
        .map(|n| (n.severity, n.code.as_str(), n.message.as_str()))
        .collect();
    assert!(
        notes
            .iter()
            .all(|(severity, ..)| *severity == Severity::Note),
        "{notes:?}"
    );
    insta::assert_json_snapshot!(
        "complement_notes",
        notes.iter().map(|n| n.2).collect::<Vec<_>>()
    );
    insta::assert_json_snapshot!("complement_policy", policies[0].1);

    // Exact: allowed in every granted account (the identity account too), nowhere else.
    let identity: Vec<PolicyDocument> = policies.into_iter().map(|(_, d)| d).collect();
    let mut accounts: Vec<(String, bool)> = (0..ACCOUNTS)
        .map(|a| (id(a), !NOT_GRANTED.contains(&a)))
        .collect();
    accounts.push(("100000000000".to_owned(), true));
    for (account, granted) in &accounts {
        let (request, policies) = request(account, ORG, &identity)
            .compile()
            .expect("compiles");
        assert_eq!(
            evaluate(&request, &policies).is_allowed(),
            *granted,
            "{account}"
        );
    }
    // The oracle agrees on each kind of account, and on one outside the organisation.
    let sample = [
        request(&id(0), ORG, &identity),
        request(&id(NOT_GRANTED[0]), ORG, &identity),
        request(&id(NOT_GRANTED[1]), ORG, &identity),
        request("100000000000", ORG, &identity),
        request("999999999999", "o-otherorgxyz", &identity),
    ];
    assert_eq!(
        decide(&sample),
        [
            Decision::Allow,
            Decision::ImplicitDeny,
            Decision::ImplicitDeny,
            Decision::Allow,
            Decision::ImplicitDeny
        ]
    );
}

#[test]
fn without_a_complete_organisation_the_wide_form_is_a_warning_with_the_reason() {
    let state = compiled(false);
    assert!(
        hub_policies(&state)
            .iter()
            .all(|(form, _)| *form == HubPolicyForm::RoleNameInOrganization)
    );
    let warning = state
        .notes
        .iter()
        .find(|n| n.code == awsfed_model::Code::HubPolicyByOrganization)
        .expect("a warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(
        warning.message.contains("`organization.complete`"),
        "{}",
        warning.message
    );
}
