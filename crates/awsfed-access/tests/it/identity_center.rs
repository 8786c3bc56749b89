//! Identity Center paths in the three-topologies example, extended with a permission set that may
//! assume any role and with roles outside awsfed that trust an Identity Center account: `who-can`
//! and `access` (the analysis) agree with iam-simulate on every hop, the fixed point follows
//! AssumeRole hops out of reserved roles (an escalation audit names), and a session Identity
//! Center signed in carries no SourceIdentity whatever the corporate IdP sends.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_access::identity_center::{add_desired, for_scan, is_identity_center_provider};
use awsfed_access::{Estate, HopKind, IdpMapping, Intent, Stage, analyze, path_keys};
use awsfed_policy::Decision;
use awsfed_snapshot::{IdentityCenterSnapshot, Snapshot};
use serde_json::json;

use crate::soundness::{Question, ask_oracle, reach, ungranted_and_escalations};

const SANDBOX_A: &str = "400000000001";
const DEV_WEB: &str = "300000000001";

/// The example with `Escalate` (sts:AssumeRole on anything) granted to `auditors` in the Sandbox
/// OU, which Identity Center serves.
fn model_yaml() -> String {
    let dir = crate::support::repo_root().join("examples/three-topologies");
    let yaml = std::fs::read_to_string(dir.join("awsfed.yaml")).unwrap();
    let escalate = "  Escalate:
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    inline_policy:
      Version: \"2012-10-17\"
      Statement: [{ Effect: Allow, Action: \"sts:AssumeRole\", Resource: \"*\" }]
    session_duration: 4h
groups:
";
    assert!(yaml.contains("\ngroups:\n"));
    let mut yaml = yaml.replacen("\ngroups:\n", &format!("\n{escalate}"), 1);
    yaml.push_str(
        "  auditors:\n    - { accounts: { ous: [Sandbox] }, permission_set: Escalate }\n",
    );
    yaml
}

fn role(account: &str, name: &str, trust: serde_json::Value) -> serde_json::Value {
    json!({
        "name": name, "path": "/", "arn": format!("arn:aws:iam::{account}:role/{name}"),
        "role_id": format!("AROA{}", name.to_uppercase().replace('-', "")),
        "trust_policy": { "Version": "2012-10-17", "Statement": [trust] },
        "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
        "max_session_duration": 3600
    })
}

/// The model's estate and mapping, and three roles awsfed does not own: `legacy-admin` in
/// sandbox-a trusting its account, `legacy-traced` there too but only for sessions with a
/// SourceIdentity, and `cross-account` in dev-web (hub-and-spoke) trusting sandbox-a.
fn estate() -> (Snapshot, IdpMapping) {
    let raw = awsfed_model::load::parse(&model_yaml()).expect("the model parses");
    let dir = crate::support::repo_root().join("examples/three-topologies");
    let mut read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| e.to_string());
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut read);
    let model = model.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let state = awsfed_compile::compile(&model);
    let mut snapshot = Snapshot::from_desired(&state);
    let mut mapping = IdpMapping::from_compiled(model.idp(), &state.groups).with_intent(
        Intent::from_compiled(&model.naming.role_path, &state.groups),
    );
    let identity_center = state
        .identity_center
        .as_ref()
        .expect("Identity Center accounts");
    add_desired(
        &mut snapshot,
        &mut mapping,
        &state.partition,
        identity_center,
    );
    let root = |account: &str| format!("arn:aws:iam::{account}:root");
    let assume = |principal: String| json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"});
    let mut traced = assume(root(SANDBOX_A));
    traced["Condition"] = json!({"Null": {"sts:SourceIdentity": "false"}});
    for (account, role) in [
        (
            SANDBOX_A,
            role(SANDBOX_A, "legacy-admin", assume(root(SANDBOX_A))),
        ),
        (SANDBOX_A, role(SANDBOX_A, "legacy-traced", traced)),
        (
            DEV_WEB,
            role(DEV_WEB, "cross-account", assume(root(SANDBOX_A))),
        ),
    ] {
        let entry = snapshot
            .accounts
            .iter_mut()
            .find(|a| a.id == account)
            .unwrap();
        entry.roles.push(serde_json::from_value(role).unwrap());
        entry.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    }
    (snapshot, mapping)
}

/// The actions the analysis decided: every check of every hop, with awsfed's decision, as a
/// question for the oracle. A SAML hop's SetSourceIdentity and TagSession are left out (counted):
/// iam-simulate does not take the SAML context keys for them, so it cannot decide them.
fn decided_actions(analysis: &awsfed_access::Analysis<'_, '_>) -> (Vec<(Question, bool)>, usize) {
    let mut decided = Vec::new();
    let mut not_asked = 0;
    for hop in &analysis.hops {
        let stage = match hop.kind {
            HopKind::Saml => Stage::entered_through(&hop.from),
            HopKind::AssumeRole => hop.stage,
        };
        for check in &hop.checks {
            let action: &'static str = match check.action.as_str() {
                "sts:AssumeRoleWithSAML" => "sts:AssumeRoleWithSAML",
                "sts:AssumeRole" => "sts:AssumeRole",
                _ if hop.kind == HopKind::Saml => {
                    not_asked += 1;
                    continue;
                }
                "sts:SetSourceIdentity" => "sts:SetSourceIdentity",
                "sts:TagSession" => "sts:TagSession",
                other => panic!("a hop checks {other}"),
            };
            let question = (0, stage, hop.from.clone(), hop.role_arn.clone(), action);
            decided.push((question, check.decision == Decision::Allow));
        }
    }
    (decided, not_asked)
}

/// Checks the analysis of `snapshot` with `mapping` against iam-simulate: every hop action awsfed
/// decided, the (principal, role) pairs reached, and audit's escalations; prints the agreement under
/// `label` and returns the pairs reached.
pub(crate) fn agrees_with_the_oracle(
    label: &str,
    snapshot: Snapshot,
    mapping: IdpMapping,
) -> BTreeSet<(String, String)> {
    let generated = vec![(snapshot, mapping)];
    let estates = vec![Estate::new(&generated[0].0, None)];
    let mapping = &generated[0].1;
    let analysis = analyze(&estates[0], mapping);
    let (decided, not_asked) = decided_actions(&analysis);
    let extra: Vec<Question> = decided.iter().map(|(q, _)| q.clone()).collect();
    let (asked, allowed) = ask_oracle(&estates, &generated, &extra);

    // Every action of every hop the analysis decided, as iam-simulate decides it.
    let disagree: Vec<String> = decided
        .iter()
        .filter(|(q, ours)| *ours != allowed.contains(q))
        .map(|(q, ours)| format!("{:?} {} {} → {}: awsfed allows {ours}", q.1, q.4, q.2, q.3))
        .collect();
    let identity_center_actions = decided
        .iter()
        .filter(|(q, _)| q.1 == Stage::IdentityCenter)
        .count();
    let undecided = analysis
        .hops
        .iter()
        .filter(|h| !h.problems.is_empty())
        .count();

    // The paths: exactly what the oracle allows hop by hop, explored breadth-first.
    let oracle = reach(&estates[0], mapping, &|stage, from, to, action| {
        allowed.contains(&(0, stage, from.to_owned(), to.to_owned(), action))
    });
    let ours: BTreeSet<(String, String)> = analysis
        .paths
        .iter()
        .map(|p| {
            let group = mapping.groups[p.group].name.clone();
            (group, estates[0].role(p.target).role.arn.clone())
        })
        .collect();
    let through_identity_center = analysis
        .paths
        .iter()
        .filter(|p| is_identity_center_provider(&analysis.hops[p.saml_hop].from))
        .count();
    let (ungranted, escalations) = ungranted_and_escalations(&analysis, &ours);
    println!(
        "{label} oracle agreement: {} questions asked of iam-simulate ({} allowed); {} of {} hop actions decided by awsfed agree ({identity_center_actions} from Identity Center sessions; {not_asked} SAML-hop SetSourceIdentity/TagSession actions the oracle cannot decide; {} of {} hops evaluated without an AWS managed policy's document); {} of {} group-role reachabilities agree ({through_identity_center} paths entered through Identity Center); {} not granted, {} access-escalation findings",
        asked.len(),
        allowed.len(),
        decided.len() - disagree.len(),
        decided.len(),
        undecided,
        analysis.hops.len(),
        ours.intersection(&oracle).count(),
        ours.union(&oracle).count(),
        ungranted.len(),
        escalations.len()
    );
    assert!(disagree.is_empty(), "{disagree:#?}");
    assert_eq!(ours, oracle, "awsfed's access and iam-simulate's differ");
    assert_eq!(escalations, ungranted);
    assert!(identity_center_actions > 0 && through_identity_center > 0);
    ours
}

#[test]
fn identity_center_paths_agree_with_the_oracle_hop_by_hop() {
    let (snapshot, mapping) = estate();
    let ours = agrees_with_the_oracle("identity center", snapshot, mapping);

    // The fixed point goes on from reserved roles: the Escalate set reaches the roles that trust
    // its account, in its own account and in a hub-and-spoke one; not the one that wants a
    // SourceIdentity, which Identity Center never sets.
    let reached = |group: &str, arn: &str| ours.contains(&(group.to_owned(), arn.to_owned()));
    let legacy = format!("arn:aws:iam::{SANDBOX_A}:role/legacy-admin");
    let cross = format!("arn:aws:iam::{DEV_WEB}:role/cross-account");
    let traced = format!("arn:aws:iam::{SANDBOX_A}:role/legacy-traced");
    assert!(
        reached("auditors", &legacy) && reached("auditors", &cross),
        "{ours:#?}"
    );
    assert!(!reached("auditors", &traced), "{ours:#?}");
}

/// A scan whose instance also assigns permission sets to a single user: the user's paths start at
/// the assignment like a group's, go on from the reserved role (Escalate reaches the roles that
/// trust its account), agree with iam-simulate, and audit names each as access the model does not
/// grant.
#[test]
fn single_user_assignments_are_paths_that_agree_with_the_oracle() {
    let (intended, mapping) = estate();
    let (mut scan, mut instance) = scanned(&intended);
    let set_arn = |name: &str| {
        instance
            .permission_sets
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .arn
            .clone()
    };
    let (admin, escalate) = (set_arn("Admin"), set_arn("Escalate"));
    for (set, account) in [(admin, "400000000002"), (escalate, SANDBOX_A)] {
        instance.assignments.push(
            serde_json::from_value(json!({
                "permission_set_arn": set, "account_id": account,
                "principal_type": "USER", "principal_id": "u-ana"
            }))
            .unwrap(),
        );
    }
    instance.users.push(
        serde_json::from_value(json!({"user_name": "ana@example.com", "id": "u-ana"})).unwrap(),
    );
    instance.sort();
    scan.identity_center = Some(instance);
    let mapping = for_scan(mapping, &scan);
    let ours = agrees_with_the_oracle("single-user assignments", scan, mapping);
    let ana: Vec<&str> = ours
        .iter()
        .filter(|(principal, _)| principal == "user:ana@example.com")
        .map(|(_, role)| role.as_str())
        .collect();
    insta::assert_snapshot!(ana.join("\n"), @r"
    arn:aws:iam::300000000001:role/cross-account
    arn:aws:iam::400000000001:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Escalate_be89f07860dfc483
    arn:aws:iam::400000000001:role/legacy-admin
    arn:aws:iam::400000000002:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_ef0493b8264d7014
    ");
}

/// A scan with the reserved roles under their real names and the instance's assignments: the
/// scan's role values come from its assignments, and `verify`'s comparison finds the same paths
/// as the model's until an assignment is added by hand.
#[test]
fn a_scan_reads_identity_center_paths_from_its_assignments() {
    let (intended, mapping) = estate();
    let intended_estate = Estate::new(&intended, None);
    let intended_keys = path_keys(&analyze(&intended_estate, &mapping));

    let (mut scan, instance) = scanned(&intended);
    scan.identity_center = Some(instance.clone());
    let keys = |scan: &Snapshot| {
        let mapping = for_scan(mapping.clone(), scan);
        let estate = Estate::new(scan, None);
        path_keys(&analyze(&estate, &mapping))
    };
    assert_eq!(keys(&scan), intended_keys);

    // An assignment made by hand: developers get Escalate in sandbox-a.
    let mut drifted = instance;
    let escalate = drifted
        .permission_sets
        .iter()
        .find(|s| s.name == "Escalate")
        .unwrap()
        .arn
        .clone();
    drifted.assignments.push(
        serde_json::from_value(json!({
            "permission_set_arn": escalate, "account_id": SANDBOX_A,
            "principal_type": "GROUP", "principal_id": "g-developers"
        }))
        .unwrap(),
    );
    scan.identity_center = Some(drifted);
    let change = awsfed_access::compare_paths(&intended_keys, &keys(&scan));
    let added: Vec<String> = change
        .added
        .iter()
        .map(|k| match &k.via {
            Some(via) => format!("{} {} via {via}", k.group, k.role_arn),
            None => format!("{} {}", k.group, k.role_arn),
        })
        .collect();
    insta::assert_snapshot!(added.join("\n"), @r"
    developers arn:aws:iam::300000000001:role/cross-account via arn:aws:iam::400000000001:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Escalate_*
    developers arn:aws:iam::400000000001:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Escalate_*
    developers arn:aws:iam::400000000001:role/legacy-admin via arn:aws:iam::400000000001:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Escalate_*
    ");
    assert!(change.removed.is_empty(), "{change:?}");
}

/// The model's estate as a scan would read it: every reserved role and Identity Center provider
/// under another suffix, and the instance with the model's assignments.
fn scanned(intended: &Snapshot) -> (Snapshot, IdentityCenterSnapshot) {
    let text = serde_json::to_string(intended).unwrap();
    let mut renamed = text.clone();
    for account in &intended.accounts {
        for role in account
            .roles
            .iter()
            .filter(|r| r.name.starts_with("AWSReservedSSO_"))
        {
            let (head, hash) = role.name.rsplit_once('_').unwrap();
            renamed = renamed.replace(
                &role.name,
                &format!("{head}_{}", hash.chars().rev().collect::<String>()),
            );
        }
        for provider in account
            .saml_providers
            .iter()
            .filter(|p| p.name.starts_with("AWSSSO_"))
        {
            renamed = renamed.replace(&provider.name, "AWSSSO_0123456789abcdef_DO_NOT_DELETE");
        }
    }
    assert_ne!(renamed, text);
    let scan: Snapshot = serde_json::from_str(&renamed).unwrap();
    let mut sets = BTreeMap::new();
    let mut assignments = Vec::new();
    for account in &scan.accounts {
        for role in &account.roles {
            if let Some(set) = awsfed_snapshot::reserved_role_permission_set(&role.path, &role.name)
            {
                sets.insert(
                    set.to_owned(),
                    format!(
                        "arn:aws:sso:::permissionSet/ssoins-72231e4c1a2b3c4d/ps-{}",
                        set.to_lowercase()
                    ),
                );
            }
        }
    }
    let granted = [
        ("g-developers", "Admin"),
        ("g-developers", "ReadOnly"),
        ("g-platform-admins", "Admin"),
        ("g-auditors", "Escalate"),
    ];
    for account in [SANDBOX_A, "400000000002"] {
        for (group, set) in granted {
            assignments.push(json!({
                "permission_set_arn": sets[set], "account_id": account,
                "principal_type": "GROUP", "principal_id": group
            }));
        }
    }
    let groups: Vec<serde_json::Value> = ["developers", "platform-admins", "auditors"]
        .iter()
        .map(|g| json!({"display_name": g, "id": format!("g-{g}")}))
        .collect();
    let permission_sets: Vec<serde_json::Value> = sets
        .iter()
        .map(|(name, arn)| json!({"arn": arn, "name": name}))
        .collect();
    let instance = json!({
        "format": 1,
        "instance_arn": "arn:aws:sso:::instance/ssoins-72231e4c1a2b3c4d",
        "identity_store_id": "d-9067a1b2c3",
        "region": "eu-west-1",
        "permission_sets": permission_sets,
        "assignments": assignments,
        "groups": groups
    });
    (scan, serde_json::from_value(instance).unwrap())
}
