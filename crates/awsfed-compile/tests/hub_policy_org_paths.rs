//! Hub policies for OU grants by `aws:ResourceOrgPaths`, from Organizations' tree (known at plan
//! time), once exact ARNs do not fit: used only when the grant selects by OU alone and every account Organizations has in the
//! OU and below is granted; never for grants by account list, nor offline. Checked for every
//! account with awsfed's evaluator, and with iam-simulate on every kind of account: inside the OU,
//! in a nested OU, in OUs whose id or name looks alike, listed one by one, outside the
//! organisation.

mod support;

use std::collections::BTreeMap;

use awsfed_compile::{
    CompileOptions, DesiredState, HubPolicyForm, OrganizationPaths, compile_with,
};
use awsfed_model::{Code, Model};
use awsfed_policy::simulation::{ContextInput, Simulation};
use awsfed_policy::{Decision, PolicyDocument, evaluate};

use support::{decide, hub_policy_request};

const ORG: &str = "o-abcdefghij";
const ROOT: &str = "o-abcdefghij/r-ab12/";
const WORKLOADS: &str = "o-abcdefghij/r-ab12/ou-ab12-11111111/";
const DEV: &str = "o-abcdefghij/r-ab12/ou-ab12-11111111/ou-ab12-22222222/";
/// An OU whose id starts with the granted OU's id.
const LOOK_ALIKE_ID: &str = "o-abcdefghij/r-ab12/ou-ab12-111111112/";
/// An OU whose name starts with the granted OU's name (`Workloads-old`).
const LOOK_ALIKE_NAME: &str = "o-abcdefghij/r-ab12/ou-ab12-44444444/";
const SANDBOX: &str = "o-abcdefghij/r-ab12/ou-ab12-55555555/";
/// Accounts in Workloads (the last `DEV_ACCOUNTS` in Workloads/Dev): more than one managed policy
/// of exact ARNs can name (about 130).
const WORKLOAD_ACCOUNTS: usize = 400;
const DEV_ACCOUNTS: usize = 50;

fn id(prefix: u64, a: usize) -> String {
    format!("{:012}", prefix * 100_000_000_000 + a as u64)
}

/// Every account of the model: (name, id, OU path by names, entity path).
fn accounts() -> Vec<(String, String, &'static str, &'static str)> {
    let mut accounts = vec![("identity".to_owned(), "100000000000".to_owned(), "", ROOT)];
    for a in 0..WORKLOAD_ACCOUNTS {
        let (ou, path) = if a >= WORKLOAD_ACCOUNTS - DEV_ACCOUNTS {
            ("Workloads/Dev", DEV)
        } else {
            ("Workloads", WORKLOADS)
        };
        accounts.push((format!("w{a:04}"), id(2, a), ou, path));
    }
    for a in 0..3 {
        accounts.push((format!("lookid{a}"), id(3, a), "Workloads2", LOOK_ALIKE_ID));
        accounts.push((
            format!("lookname{a}"),
            id(4, a),
            "Workloads-old",
            LOOK_ALIKE_NAME,
        ));
        accounts.push((format!("sbx{a}"), id(5, a), "Sandbox", SANDBOX));
    }
    accounts
}

/// `readers` is granted ReadOnly on the Workloads OU and on one sandbox account by name; `listed`
/// on the same Workloads accounts listed by name; `tagged` on Workloads accounts with a tag.
fn model() -> Model {
    let workloads: Vec<String> = (0..WORKLOAD_ACCOUNTS).map(|a| format!("w{a:04}")).collect();
    let mut yaml = format!(
        "version: 1
identity_provider: {{ name: corp, session_name_from: employee_id, source_identity: true }}
topology: {{ default: hub-and-spoke, hub_account: identity }}
organization: {{ id: {ORG} }}
permission_sets:
  ReadOnly: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}
  Audit: {{ managed_policies: [arn:aws:iam::aws:policy/SecurityAudit] }}
groups:
  readers:
    - {{ accounts: {{ ous: [Workloads] }}, permission_set: ReadOnly }}
    - {{ accounts: [sbx0], permission_set: ReadOnly }}
  listed: [ {{ accounts: [{}], permission_set: ReadOnly }} ]
  tagged: [ {{ accounts: {{ ous: [Workloads], tags: {{ env: dev }} }}, permission_set: Audit }} ]
accounts:
",
        workloads.join(", ")
    );
    for (name, id, ou, _) in accounts() {
        let ou = if ou.is_empty() {
            String::new()
        } else {
            format!(", ou: {ou}")
        };
        yaml.push_str(&format!(
            "  {name}: {{ id: \"{id}\"{ou}, tags: {{ env: dev }} }}\n"
        ));
    }
    let raw = awsfed_model::load::parse(&yaml).expect("the model parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()));
    model.unwrap_or_else(|| panic!("the model is valid: {diagnostics:?}"))
}

/// Organizations' tree as plan reads it, with `extra` accounts the model does not hold.
fn organization(extra: &[(&str, &str)]) -> OrganizationPaths {
    let mut paths = OrganizationPaths::default();
    for (name, path) in [
        ("Workloads", WORKLOADS),
        ("Workloads/Dev", DEV),
        ("Workloads2", LOOK_ALIKE_ID),
        ("Workloads-old", LOOK_ALIKE_NAME),
        ("Sandbox", SANDBOX),
    ] {
        paths.ous.insert(name.to_owned(), path.to_owned());
    }
    for (_, id, _, path) in accounts() {
        paths.accounts.insert(id, path.to_owned());
    }
    for (id, path) in extra {
        paths.accounts.insert((*id).to_owned(), (*path).to_owned());
    }
    paths
}

fn compiled(model: &Model, organization: Option<OrganizationPaths>) -> DesiredState {
    compile_with(
        model,
        &CompileOptions {
            group_targets: false,
            organization_paths: organization,
        },
    )
}

fn hub_policies<'s>(state: &'s DesiredState, role: &str) -> Vec<&'s awsfed_compile::DesiredPolicy> {
    state
        .accounts
        .iter()
        .flat_map(|a| &a.policies)
        .filter(|p| p.attached_to == role)
        .collect()
}

/// `sts:AssumeRole` from hub role `role`'s session into `ReadOnly` of `account`, whose resources
/// have the Organizations path `path` (none outside the organisation), with a trust that admits
/// the hub role: the decision is the hub policies'.
fn request(
    role: &str,
    account: &str,
    path: Option<&str>,
    identity: &[PolicyDocument],
) -> Simulation {
    let mut organization = BTreeMap::new();
    if let Some(path) = path {
        organization.insert("aws:ResourceOrgID".into(), ContextInput::One(ORG.into()));
        organization.insert(
            "aws:ResourceOrgPaths".into(),
            ContextInput::Many(vec![path.to_owned()]),
        );
    }
    hub_policy_request(role, account, organization, identity)
}

fn allowed(simulation: &Simulation) -> bool {
    let (request, policies) = simulation.compile().expect("compiles");
    evaluate(&request, &policies).is_allowed()
}

#[test]
fn an_ou_grant_covering_its_whole_ou_is_named_by_ou_path() {
    let model = model();
    let state = compiled(&model, Some(organization(&[])));
    let policies = hub_policies(&state, "readers");
    assert!(!policies.is_empty());
    assert!(
        policies
            .iter()
            .all(|p| p.form == HubPolicyForm::RoleNameByOrgPaths),
        "{:?}",
        policies.iter().map(|p| p.form).collect::<Vec<_>>()
    );
    let note = state
        .notes
        .iter()
        .find(|n| n.code == Code::HubPolicyByOrgPaths)
        .expect("a note says which form");
    insta::assert_snapshot!("org_paths_note", note.message);
    insta::assert_json_snapshot!("org_paths_policy", policies[0].document);

    // Exact: every account of Workloads and Workloads/Dev, and sbx0 named by account; nothing else.
    let identity: Vec<PolicyDocument> = policies.iter().map(|p| p.document.clone()).collect();
    let mut checked = (0, 0);
    // The hub account is left out: there the trust alone admits the hub role (same account).
    for (name, id, _, path) in accounts().into_iter().skip(1) {
        let granted = name.starts_with('w') || name == "sbx0";
        assert_eq!(
            allowed(&request("readers", &id, Some(path), &identity)),
            granted,
            "{name}"
        );
        if granted {
            checked.0 += 1;
        } else {
            checked.1 += 1;
        }
    }
    // An account added to Workloads later is granted too (the OU grant says every account of it).
    assert!(allowed(&request(
        "readers",
        &id(9, 1),
        Some(WORKLOADS),
        &identity
    )));
    // The oracle agrees on each kind of account.
    let sample = [
        request("readers", &id(2, 0), Some(WORKLOADS), &identity),
        request(
            "readers",
            &id(2, WORKLOAD_ACCOUNTS - 1),
            Some(DEV),
            &identity,
        ),
        request("readers", &id(9, 1), Some(WORKLOADS), &identity),
        request("readers", &id(5, 0), Some(SANDBOX), &identity),
        request("readers", &id(5, 1), Some(SANDBOX), &identity),
        request("readers", &id(3, 0), Some(LOOK_ALIKE_ID), &identity),
        request("readers", &id(4, 0), Some(LOOK_ALIKE_NAME), &identity),
        // The management account or an account at the root, and one outside any organisation.
        request("readers", "999999999999", Some(ROOT), &identity),
        request("readers", "888888888888", None, &identity),
        // A path that only starts like Workloads' without its slash.
        request(
            "readers",
            "777777777777",
            Some("o-abcdefghij/r-ab12/ou-ab12-11111111"),
            &identity,
        ),
    ];
    let decisions = decide(&sample);
    let allow = Decision::Allow;
    let deny = Decision::ImplicitDeny;
    assert_eq!(
        decisions,
        [
            allow, allow, allow, allow, deny, deny, deny, deny, deny, deny
        ]
    );
    eprintln!(
        "OU-path hub policy: {} granted and {} other accounts decided by awsfed's evaluator; {} kinds of account agree with iam-simulate ({} allowed, {} denied)",
        checked.0,
        checked.1,
        decisions.len(),
        decisions.iter().filter(|d| **d == allow).count(),
        decisions.iter().filter(|d| **d != allow).count(),
    );
}

#[test]
fn an_ou_with_an_account_not_granted_is_not_named_by_path() {
    let model = model();
    // Organizations has one more account in Workloads/Dev than the model holds.
    let state = compiled(&model, Some(organization(&[("666666666666", DEV)])));
    let forms: Vec<HubPolicyForm> = hub_policies(&state, "readers")
        .iter()
        .map(|p| p.form)
        .collect();
    assert!(!forms.is_empty());
    assert!(
        forms.iter().all(|f| *f == HubPolicyForm::RoleNameByAccount),
        "{forms:?}"
    );
    assert!(
        state
            .notes
            .iter()
            .all(|n| n.code != Code::HubPolicyByOrgPaths)
    );
}

#[test]
fn grants_by_account_list_or_with_tags_never_use_ou_paths() {
    let model = model();
    let state = compiled(&model, Some(organization(&[])));
    for role in ["listed", "tagged"] {
        let policies = hub_policies(&state, role);
        assert!(!policies.is_empty(), "{role}");
        assert!(
            policies
                .iter()
                .all(|p| p.form != HubPolicyForm::RoleNameByOrgPaths),
            "{role}"
        );
    }
    assert!(
        !serde_json::to_string(&hub_policies(&state, "listed")[0].document)
            .unwrap()
            .contains("ResourceOrgPaths")
    );
}

#[test]
fn offline_compile_keeps_todays_forms() {
    let model = model();
    let state = compiled(&model, None);
    assert!(
        hub_policies(&state, "readers")
            .iter()
            .all(|p| p.form == HubPolicyForm::RoleNameByAccount)
    );
    assert!(
        state
            .notes
            .iter()
            .any(|n| n.code == Code::HubPolicyByAccount)
    );
}
