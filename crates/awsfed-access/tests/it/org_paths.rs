//! Hub policies that name OU grants by `aws:ResourceOrgPaths` (compiled with Organizations' tree,
//! as `plan` does): the access paths are exactly the grants, and every chained hop from the OU
//! grant's hub role — into accounts of the OU, of a nested OU, of OUs whose id or name looks like
//! it, named one by one, at the root — is decided alike by awsfed's evaluator and iam-simulate.

use std::collections::BTreeSet;

use awsfed_access::{Estate, HopEvaluator, HopKind, IdpMapping, Stage, analyze};
use awsfed_compile::{CompileOptions, HubPolicyForm, compile_with};
use awsfed_policy::Decision;
use awsfed_snapshot::{OrgAccountSnapshot, OrganizationSnapshot, OuSnapshot, Snapshot};
use serde_json::json;

use crate::support::oracle::{HopRequest, Oracle, hop_simulation, skip_oracle};

const ORG: &str = "o-abcdefghij";
const HUB: &str = "100000000000";
const WORKLOADS: usize = 150;
const DEV: usize = 20;

/// (name, id, OU path by names, OU id) of every account.
fn accounts() -> Vec<(String, String, &'static str, &'static str)> {
    let mut accounts = vec![("identity".to_owned(), HUB.to_owned(), "", "r-ab12")];
    for a in 0..WORKLOADS {
        let (ou, id) = if a >= WORKLOADS - DEV {
            ("Workloads/Dev", "ou-ab12-22222222")
        } else {
            ("Workloads", "ou-ab12-11111111")
        };
        accounts.push((
            format!("w{a:03}"),
            format!("{:012}", 200_000_000_000u64 + a as u64),
            ou,
            id,
        ));
    }
    for a in 0..2u64 {
        accounts.push((
            format!("lookid{a}"),
            format!("{:012}", 300_000_000_000 + a),
            "Workloads2",
            "ou-ab12-111111112",
        ));
        accounts.push((
            format!("lookname{a}"),
            format!("{:012}", 400_000_000_000 + a),
            "Workloads-old",
            "ou-ab12-44444444",
        ));
        accounts.push((
            format!("sbx{a}"),
            format!("{:012}", 500_000_000_000 + a),
            "Sandbox",
            "ou-ab12-55555555",
        ));
    }
    accounts
}

fn organization() -> OrganizationSnapshot {
    let ou = |id: &str, parent: &str, path: &str| OuSnapshot {
        id: id.into(),
        name: path.rsplit('/').next().unwrap().into(),
        parent_id: parent.into(),
        path: path.into(),
    };
    OrganizationSnapshot {
        format: 1,
        id: ORG.into(),
        management_account_id: "999999999999".into(),
        root_id: "r-ab12".into(),
        ous: vec![
            ou("ou-ab12-11111111", "r-ab12", "Workloads"),
            ou("ou-ab12-111111112", "r-ab12", "Workloads2"),
            ou("ou-ab12-22222222", "ou-ab12-11111111", "Workloads/Dev"),
            ou("ou-ab12-44444444", "r-ab12", "Workloads-old"),
            ou("ou-ab12-55555555", "r-ab12", "Sandbox"),
        ],
        accounts: accounts()
            .into_iter()
            .map(|(name, id, _, parent)| OrgAccountSnapshot {
                id,
                name,
                email: None,
                status: "ACTIVE".into(),
                parent_id: parent.into(),
                tags: Default::default(),
            })
            .collect(),
        policies: Vec::new(),
    }
}

/// `readers` has the Workloads OU and sbx0; `others` the look-alike and sandbox accounts by name, so
/// that a `ReadOnly` role exists in every account.
fn model() -> awsfed_model::Model {
    let mut yaml = format!(
        "version: 1
identity_provider: {{ name: corp, session_name_from: employee_id, source_identity: true }}
topology: {{ default: hub-and-spoke, hub_account: identity }}
organization: {{ id: {ORG} }}
permission_sets:
  ReadOnly: {{ managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}
groups:
  readers:
    - {{ accounts: {{ ous: [Workloads] }}, permission_set: ReadOnly }}
    - {{ accounts: [sbx0], permission_set: ReadOnly }}
  others: [ {{ accounts: [lookid0, lookid1, lookname0, lookname1, sbx1, identity], permission_set: ReadOnly }} ]
accounts:
"
    );
    for (name, id, ou, _) in accounts() {
        let ou = if ou.is_empty() {
            String::new()
        } else {
            format!(", ou: {ou}")
        };
        yaml.push_str(&format!("  {name}: {{ id: \"{id}\"{ou} }}\n"));
    }
    let raw = awsfed_model::load::parse(&yaml).expect("the model parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()));
    model.unwrap_or_else(|| panic!("the model is valid: {diagnostics:?}"))
}

/// Every spoke trust admits any hub role (the narrowed form, `role/awsfed/hub/*`), so that the hub
/// policies alone decide where each hub role may go.
fn with_open_spoke_trusts(snapshot: &mut Snapshot) {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{HUB}:root")},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Condition": {
                "ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{HUB}:role/awsfed/hub/*")},
                "Null": {"sts:SourceIdentity": "false"}
            }
        }]
    });
    for account in &mut snapshot.accounts {
        for role in &mut account.roles {
            if role.name == "ReadOnly" {
                role.trust_policy = serde_json::from_value(trust.clone()).unwrap();
            }
        }
    }
}

#[test]
fn ou_path_hub_policies_give_exactly_the_grants_and_agree_with_the_oracle() {
    let model = model();
    let organization = organization();
    let state = compile_with(
        &model,
        &CompileOptions {
            organization_paths: Some(organization.entity_paths()),
            ..Default::default()
        },
    );
    let forms: BTreeSet<(String, HubPolicyForm)> = state
        .accounts
        .iter()
        .flat_map(|a| &a.policies)
        .map(|p| (p.attached_to.clone(), p.form))
        .collect();
    assert!(
        forms.contains(&("readers".to_owned(), HubPolicyForm::RoleNameByOrgPaths)),
        "{forms:?}"
    );
    let mut snapshot = Snapshot::from_desired(&state);
    with_open_spoke_trusts(&mut snapshot);
    snapshot.organization = Some(organization);
    let estate = Estate::new(&snapshot, None);
    let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
    let analysis = analyze(&estate, &mapping);
    assert!(analysis.broken.is_empty(), "{:?}", analysis.broken);

    // Paths: each group reaches `ReadOnly` in exactly the accounts granted it.
    let reached = |group: &str| -> BTreeSet<String> {
        analysis
            .paths
            .iter()
            .filter(|p| mapping.groups[p.group].name == group && p.is_chained())
            .map(|p| estate.role(p.target).account.id.clone())
            .collect()
    };
    let granted = |group: &str| -> BTreeSet<String> {
        let group = state.groups.iter().find(|g| g.group == group).unwrap();
        group.targets.iter().map(|t| t.account_id.clone()).collect()
    };
    for group in ["readers", "others"] {
        assert_eq!(reached(group), granted(group), "{group}");
    }
    assert_eq!(reached("readers").len(), WORKLOADS + 1);
    assert_eq!(later_account_is_reached(&snapshot, &mapping), ["readers"]);

    // Hops: the readers hub role into every ReadOnly role, allowed or not.
    let hub = estate
        .role_index(&format!("arn:aws:iam::{HUB}:role/awsfed/hub/readers"))
        .unwrap();
    let mut evaluator = HopEvaluator::new(&estate, &mapping.session);
    for target in 0..estate.roles.len() {
        if estate.role(target).role.name == "ReadOnly" {
            evaluator.chained(hub, Stage::Saml, target);
        }
    }
    let hops = &evaluator.hops;
    let allowed = hops.iter().filter(|h| h.allowed).count();
    assert_eq!(allowed, WORKLOADS + 1);
    assert_eq!(hops.len(), accounts().len());
    if skip_oracle() {
        return;
    }
    let requests: Vec<(Decision, serde_json::Value)> = hops
        .iter()
        .flat_map(|hop| {
            assert_eq!(hop.kind, HopKind::AssumeRole);
            hop.checks.iter().map(|check| {
                let request = HopRequest::of(hop, check);
                (
                    check.decision,
                    hop_simulation(&estate, &mapping.session, &request, None),
                )
            })
        })
        .collect();
    let theirs = Oracle::start().run(requests.iter().map(|(_, s)| s.clone()).collect());
    let disagreements: Vec<String> = requests
        .iter()
        .zip(&theirs)
        .filter(|((ours, _), theirs)| ours != *theirs)
        .map(|((ours, sim), theirs)| format!("{ours:?} vs oracle {theirs:?}: {sim}"))
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} disagree:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let denied = requests
        .iter()
        .filter(|(d, _)| *d != Decision::Allow)
        .count();
    eprintln!(
        "OU-path hub policy: {} hops ({allowed} allowed), {} action checks agree with the oracle ({denied} denied)",
        hops.len(),
        requests.len()
    );
}

/// An account added to Workloads after the plan, holding a `ReadOnly` role whose trust admits the
/// hub roles: the OU grant's hub role reaches it without a new plan (an OU grant means every account
/// of the OU); the groups granted by name do not. Returns the groups that reach it.
fn later_account_is_reached(snapshot: &Snapshot, mapping: &IdpMapping) -> Vec<String> {
    const LATER: &str = "600000000000";
    let mut snapshot = snapshot.clone();
    let template = snapshot
        .accounts
        .iter()
        .find(|a| a.id == "200000000000")
        .unwrap();
    let text = serde_json::to_string(template)
        .unwrap()
        .replace("200000000000", LATER);
    let mut later: awsfed_snapshot::AccountSnapshot = serde_json::from_str(&text).unwrap();
    later.name = Some("later".into());
    snapshot.accounts.push(later);
    snapshot.accounts.sort_by(|a, b| a.id.cmp(&b.id));
    let organization = snapshot.organization.as_mut().unwrap();
    let mut account = organization.accounts[1].clone();
    assert_eq!(account.parent_id, "ou-ab12-11111111");
    account.id = LATER.into();
    organization.accounts.push(account);
    let estate = Estate::new(&snapshot, None);
    let analysis = analyze(&estate, mapping);
    let groups: BTreeSet<String> = analysis
        .paths
        .iter()
        .filter(|p| estate.role(p.target).account.id == LATER)
        .map(|p| mapping.groups[p.group].name.clone())
        .collect();
    groups.into_iter().collect()
}

/// The same estate scanned without Organizations read access (no `organization.json`): which OU
/// an account is in cannot be known, so the OU-path hub policy is named as undecided and no granted
/// path goes missing — the readers' hub role is taken to reach `ReadOnly` wherever the hub policy
/// might allow it (every account here: the spoke trusts admit any hub role), never fewer.
#[test]
fn without_the_organisation_ou_path_hops_are_possible_not_absent() {
    let model = model();
    let state = compile_with(
        &model,
        &CompileOptions {
            organization_paths: Some(organization().entity_paths()),
            ..Default::default()
        },
    );
    let mut snapshot = Snapshot::from_desired(&state);
    with_open_spoke_trusts(&mut snapshot);
    assert!(snapshot.organization.is_none());
    let estate = Estate::new(&snapshot, None);
    let unknown = estate.unknown_org_paths.as_ref().expect("named");
    assert_eq!(
        unknown.policies,
        [format!("arn:aws:iam::{HUB}:policy/awsfed/readers-assume")]
    );
    assert_eq!(unknown.assumed, [format!("{ORG}/r-ab12/ou-ab12-11111111/")]);
    let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
    let analysis = analyze(&estate, &mapping);
    let reached: BTreeSet<String> = analysis
        .paths
        .iter()
        .filter(|p| mapping.groups[p.group].name == "readers" && p.is_chained())
        .map(|p| estate.role(p.target).account.id.clone())
        .collect();
    let granted: BTreeSet<String> = state
        .groups
        .iter()
        .find(|g| g.group == "readers")
        .unwrap()
        .targets
        .iter()
        .map(|t| t.account_id.clone())
        .collect();
    assert!(reached.is_superset(&granted), "a granted path is missing");
    assert_eq!(
        reached.len(),
        accounts().len(),
        "every ReadOnly is possible"
    );

    // With the organisation, the same snapshot names nothing and assumes nothing.
    snapshot.organization = Some(organization());
    assert_eq!(Estate::new(&snapshot, None).unknown_org_paths, None);
}
