//! Access paths on the example models: the paths the evaluator finds through the estate a model
//! deploys are exactly the targets the compiler meant, each hop needs what the IdP sends, and the
//! spoke trust conditions bind the federated identity.

use std::collections::BTreeSet;

use crate::support::example;
use awsfed_access::{Estate, HopKind, IdpMapping, analyze, analyze_target};
use awsfed_compile::{Hop, compile};
use awsfed_snapshot::Snapshot;

/// (group, target role ARN, hub role ARN) for every compiler target.
fn intended(state: &awsfed_compile::DesiredState) -> BTreeSet<(String, String, Option<String>)> {
    let mut keys = BTreeSet::new();
    for group in &state.groups {
        for target in &group.targets {
            let (last, via) = match target.hops.as_slice() {
                [Hop::Saml { role_arn, .. }] => (role_arn.clone(), None),
                [
                    Hop::Saml { role_arn: hub, .. },
                    Hop::AssumeRole { role_arn, .. },
                ] => (role_arn.clone(), Some(hub.clone())),
                other => panic!("unexpected hops {other:?}"),
            };
            keys.insert((group.group.clone(), last, via));
        }
    }
    keys
}

fn check_example(name: &str, sample: usize, chained_tags_fail: bool) {
    let model = example(name);
    let state = compile(&model);
    let snapshot = Snapshot::from_desired(&state);
    let estate = Estate::new(&snapshot, model.organization_id.clone());
    let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
    let analysis = analyze(&estate, &mapping);
    assert!(
        analysis.broken.is_empty(),
        "{name}: broken role values {:?}",
        analysis.broken
    );
    // A group also reaches its hub role itself (a session there is access too); the compiler's
    // targets list only what lies beyond it.
    let hubs: BTreeSet<&str> = state
        .accounts
        .iter()
        .flat_map(|a| &a.roles)
        .filter(|r| matches!(r.kind, awsfed_compile::RoleKind::Hub { .. }))
        .map(|r| r.arn.as_str())
        .collect();
    let found: BTreeSet<_> = analysis
        .paths
        .iter()
        .filter(|p| !hubs.contains(estate.role(p.target).role.arn.as_str()))
        .map(|p| {
            (
                mapping.groups[p.group].name.clone(),
                estate.role(p.target).role.arn.clone(),
                p.is_chained()
                    .then(|| analysis.hops[p.saml_hop].role_arn.clone()),
            )
        })
        .collect();
    let mut want = intended(&state);
    if chained_tags_fail {
        // The compiled spoke trust tests `sts:SourceIdentity` in the statement that grants
        // `sts:TagSession`, a key STS does not supply for that action (Service Authorization
        // Reference; iam-simulate agrees): every chained hop is allowed to assume but not to pass
        // the transitive tags, so the sign-in fails.
        let chained: Vec<_> = want.iter().filter(|k| k.2.is_some()).cloned().collect();
        assert!(!chained.is_empty());
        for key in chained {
            want.remove(&key);
            let hop = analysis
                .hops
                .iter()
                .find(|h| {
                    h.kind == HopKind::AssumeRole
                        && h.role_arn == key.1
                        && Some(&h.from) == key.2.as_ref()
                })
                .unwrap();
            let denied: Vec<_> = hop
                .checks
                .iter()
                .filter(|c| c.decision != awsfed_policy::Decision::Allow)
                .map(|c| c.action.as_str())
                .collect();
            assert_eq!(denied, ["sts:TagSession"], "{name}: {key:?}");
        }
    }
    let extra: Vec<_> = found.difference(&want).collect();
    let missing: Vec<_> = want.difference(&found).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{name}: extra paths {extra:?}\nmissing paths {missing:?}"
    );
    // Session caps: the compiler's and the paths' agree.
    for group in &state.groups {
        for target in group
            .targets
            .iter()
            .filter(|t| !chained_tags_fail || t.hops.len() == 1)
        {
            let last = match target.hops.last().unwrap() {
                Hop::Saml { role_arn, .. } | Hop::AssumeRole { role_arn, .. } => role_arn,
            };
            let path = analysis
                .paths
                .iter()
                .find(|p| {
                    mapping.groups[p.group].name == group.group
                        && &estate.role(p.target).role.arn == last
                })
                .unwrap();
            assert_eq!(
                path.max_session_seconds, target.max_session_duration,
                "{name}: {} → {last}",
                group.group
            );
        }
    }
    // who-can finds the same paths as the full analysis.
    let targets: BTreeSet<_> = found.iter().map(|(_, arn, _)| arn).collect();
    for target in targets.into_iter().step_by(sample) {
        let index = estate.role_index(target).unwrap();
        let narrow = analyze_target(&estate, &mapping, index);
        let a: BTreeSet<_> = narrow
            .paths
            .iter()
            .map(|p| (p.group, p.is_chained()))
            .collect();
        let b: BTreeSet<_> = analysis
            .paths
            .iter()
            .filter(|p| p.target == index)
            .map(|p| (p.group, p.is_chained()))
            .collect();
        assert_eq!(a, b, "{name}: who-can {target}");
    }
}

#[test]
fn hub_and_spoke_paths_are_exactly_the_compiled_targets() {
    check_example("hub-and-spoke", 1, false);
}

/// mixed sends session tags and SourceIdentity: every path, direct and chained, is as compiled.
#[test]
fn mixed_paths_are_exactly_the_compiled_targets() {
    check_example("mixed", 1, false);
}

#[test]
fn large_paths_are_exactly_the_compiled_targets() {
    check_example("large", 97, false);
}

#[test]
fn hops_need_the_session_actions_the_idp_sends() {
    let model = example("mixed");
    let state = compile(&model);
    let snapshot = Snapshot::from_desired(&state);
    let estate = Estate::new(&snapshot, None);
    let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
    let analysis = analyze(&estate, &mapping);
    let chained = analysis
        .hops
        .iter()
        .find(|h| h.kind == HopKind::AssumeRole)
        .unwrap();
    let actions: Vec<_> = chained.checks.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
    );
    assert!(
        chained
            .conditions()
            .contains(&"Null sts:SourceIdentity false"),
        "{:?}",
        chained.conditions()
    );
    let saml = analysis
        .hops
        .iter()
        .find(|h| h.kind == HopKind::Saml)
        .unwrap();
    assert_eq!(saml.audiences_allowed.len(), 3);
}

// ---- differential: hops against the oracle -------------------------------------------------------

use crate::support::oracle::{HopRequest, Oracle, hop_simulation, skip_oracle};
use awsfed_access::{
    ActionCheck, HopEvaluator, HopOutcome, SessionAttributes, Stage, chained_context, session_arn,
};
use awsfed_policy::{Context, ContextValue, Decision, PolicyDocument};
use awsfed_snapshot::{
    OrgAccountSnapshot, OrgPolicyKind, OrgPolicySnapshot, OrganizationSnapshot, OuSnapshot,
};
use serde_json::Value;

const ORG: &str = "o-exampleorg1";

/// Puts the accounts of a compiled model in an organisation: their OUs under one root, SCPs at the
/// root (full access) and on `Workloads` (everything but leaving the organisation), an RCP at the
/// root that denies `sts:AssumeRole` to principals outside the organisation.
fn with_organization(snapshot: &mut Snapshot, state: &awsfed_compile::DesiredState) {
    let mut ous: BTreeSet<String> = BTreeSet::new();
    for account in &state.accounts {
        if let Some(ou) = &account.ou {
            let mut path = String::new();
            for part in ou.split('/') {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(part);
                ous.insert(path.clone());
            }
        }
    }
    let ou_id = |path: &str| format!("ou-root-{}", path.to_lowercase().replace('/', "-"));
    let parent_of = |path: &str| match path.rsplit_once('/') {
        Some((parent, _)) => ou_id(parent),
        None => "r-root".to_owned(),
    };
    let doc = |text: &str| PolicyDocument::from_json(text).unwrap();
    snapshot.organization = Some(OrganizationSnapshot {
        format: 1,
        id: ORG.into(),
        management_account_id: "999999999999".into(),
        root_id: "r-root".into(),
        ous: ous
            .iter()
            .map(|p| OuSnapshot {
                id: ou_id(p),
                name: p.rsplit('/').next().unwrap().into(),
                parent_id: parent_of(p),
                path: p.clone(),
            })
            .collect(),
        accounts: state
            .accounts
            .iter()
            .map(|a| OrgAccountSnapshot {
                id: a.id.clone(),
                name: a.name.clone(),
                email: None,
                status: "ACTIVE".into(),
                parent_id: a.ou.as_deref().map_or("r-root".into(), ou_id),
                tags: Default::default(),
            })
            .collect(),
        policies: vec![
            OrgPolicySnapshot {
                id: "p-FullAWSAccess".into(),
                name: "FullAWSAccess".into(),
                kind: OrgPolicyKind::ServiceControl,
                document: doc(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                ),
                targets: std::iter::once("r-root".to_owned())
                    .chain(ous.iter().map(|p| ou_id(p)))
                    .chain(state.accounts.iter().map(|a| a.id.clone()))
                    .collect(),
            },
            OrgPolicySnapshot {
                id: "p-stay".into(),
                name: "stay-in-org".into(),
                kind: OrgPolicyKind::ServiceControl,
                document: doc(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#,
                ),
                targets: vec![ou_id("Workloads")],
            },
            OrgPolicySnapshot {
                id: "p-rcp-org".into(),
                name: "org-only".into(),
                kind: OrgPolicyKind::ResourceControl,
                document: doc(&format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*","Condition":{{"StringNotEqualsIfExists":{{"aws:PrincipalOrgID":"{ORG}"}},"BoolIfExists":{{"aws:PrincipalIsAWSService":"false"}}}}}}]}}"#
                )),
                targets: vec!["r-root".into()],
            },
        ],
    });
}

/// The iam-simulate simulation of one action of a hop, built from the estate's documents.
fn simulation(
    estate: &Estate<'_>,
    session: &SessionAttributes,
    hop: &HopOutcome,
    check: &ActionCheck,
    context_override: Option<&Context>,
) -> Value {
    hop_simulation(
        estate,
        session,
        &HopRequest::of(hop, check),
        context_override,
    )
}

/// Every action check of the given hops, the evaluator's decision next to the oracle's.
///
/// Left out: `sts:SetSourceIdentity` and `sts:TagSession` of the SAML hop. iam-simulate 0.1.173
/// drops `saml:aud`/`saml:sub` from their context (its action data lists no SAML keys for them,
/// and it reports them in `ignoredContextKeys`), while AWS evaluates them in the same
/// `AssumeRoleWithSAML` call: the IAM User Guide's trust examples for SAML session tags and
/// SourceIdentity ("Passing session tags in AWS STS", "Monitor and control actions taken with
/// assumed roles") grant `sts:TagSession`/`sts:SetSourceIdentity` in the statement that requires
/// `SAML:aud`.
fn agree_with_oracle(
    estate: &Estate<'_>,
    session: &SessionAttributes,
    hops: &[&HopOutcome],
) -> usize {
    let mut simulations = Vec::new();
    let mut ours = Vec::new();
    for hop in hops {
        for check in &hop.checks {
            if hop.kind == HopKind::Saml && check.action != "sts:AssumeRoleWithSAML" {
                continue;
            }
            simulations.push(simulation(estate, session, hop, check, None));
            ours.push((
                hop.role_arn.clone(),
                hop.from.clone(),
                check.action.clone(),
                check.decision,
            ));
        }
    }
    if skip_oracle() {
        return 0;
    }
    let theirs = Oracle::start().run(simulations.clone());
    let disagreements: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .zip(&simulations)
        .filter(|(((.., a), b), _)| a != *b)
        .map(|((ours, theirs), sim)| format!("{ours:?} vs oracle {theirs}\n  {sim}"))
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} of {} hop checks disagree:\n{}",
        disagreements.len(),
        ours.len(),
        disagreements
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    ours.len()
}

#[test]
fn path_hops_agree_with_the_oracle() {
    for (name, step) in [("mixed", 1), ("hub-and-spoke", 1), ("large", 41)] {
        let model = example(name);
        let state = compile(&model);
        let mut snapshot = Snapshot::from_desired(&state);
        with_organization(&mut snapshot, &state);
        let estate = Estate::new(&snapshot, None);
        let mut mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
        // An audience the trusts do not list: the SAML hop must be denied for it.
        mapping
            .session
            .audiences
            .push("https://ap-south-1.signin.aws.amazon.com/saml".into());
        let analysis = analyze(&estate, &mapping);
        assert!(analysis.broken.is_empty(), "{name}: {:?}", analysis.broken);
        let mut hops: Vec<&HopOutcome> = analysis.hops.iter().step_by(step).collect();
        // Denied chained hops: every hub role into a role of another account it is not granted.
        let mut evaluator = HopEvaluator::new(&estate, &mapping.session);
        let hub_roles: BTreeSet<usize> = analysis
            .paths
            .iter()
            .filter(|p| p.is_chained())
            .map(|p| {
                estate
                    .role_index(&analysis.hops[p.saml_hop].role_arn)
                    .unwrap()
            })
            .collect();
        for (i, &hub) in hub_roles.iter().enumerate().step_by(step) {
            let target = (i * 7919) % estate.roles.len();
            if target != hub {
                evaluator.chained(hub, Stage::Saml, target);
            }
        }
        hops.extend(evaluator.hops.iter());
        let denied = hops
            .iter()
            .flat_map(|h| &h.checks)
            .filter(|c| c.decision != Decision::Allow)
            .count();
        assert!(denied > 0, "{name}: the sample should hold denied checks");
        let checked = agree_with_oracle(&estate, &mapping.session, &hops);
        eprintln!(
            "{name}: {} hops, {checked} action checks agree with the oracle ({denied} denied)",
            hops.len()
        );
    }
}

/// The compiler binds a spoke session to the federated user: with SourceIdentity its presence,
/// without it `aws:userid` = `*:${sts:RoleSessionName}` (the spoke session name must be the hub
/// session's, which the IdP set). Both evaluate as intended for the legitimate hop and deny a
/// mismatched session name or a missing SourceIdentity, in the evaluator and in the oracle.
#[test]
fn spoke_trusts_bind_the_federated_identity() {
    for source_identity in [false, true] {
        let mut model = example("hub-and-spoke");
        if !source_identity {
            model
                .identity_provider
                .as_mut()
                .expect("the example has an IdP")
                .source_identity = None;
        }
        let state = compile(&model);
        let snapshot = Snapshot::from_desired(&state);
        let estate = Estate::new(&snapshot, None);
        let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
        let analysis = analyze(&estate, &mapping);
        let hop = analysis
            .hops
            .iter()
            .find(|h| h.kind == HopKind::AssumeRole && h.allowed)
            .unwrap();
        let binding = if source_identity {
            "Null sts:SourceIdentity false"
        } else {
            "StringLike aws:userid *:${sts:RoleSessionName}"
        };
        assert!(
            hop.conditions().contains(&binding),
            "{:?}",
            hop.conditions()
        );
        let caller = estate.role_index(&hop.from).unwrap();
        let target = estate.role_index(&hop.role_arn).unwrap();
        let from = estate.role(caller);
        let mut tampered = chained_context(
            "sts:AssumeRole",
            &mapping.session,
            &from.role.arn,
            &from.role.role_id,
            &estate.role(target).account.id,
            None,
        );
        if source_identity {
            // A session without SourceIdentity (not from the IdP) — drop both keys.
            let mut without = Context::new();
            for (k, v) in tampered.iter() {
                if !k.ends_with("sourceidentity") {
                    without.insert(k, v.clone());
                }
            }
            tampered = without;
        } else {
            tampered.insert(
                "sts:RoleSessionName",
                ContextValue::Single("someone-else@example.com".into()),
            );
        }
        let set = awsfed_policy::PolicySet {
            identity: estate.compiled(caller).identity.clone(),
            resource: estate.compiled(target).trust.clone(),
            ..Default::default()
        };
        let request = awsfed_policy::Request::new(
            awsfed_policy::Caller::parse(&session_arn(&from.role.arn)),
            "sts:AssumeRole",
            &hop.role_arn,
        )
        .with_resource_account(&estate.role(target).account.id)
        .with_context(tampered.clone());
        let ours = awsfed_policy::evaluate(&request, &set).decision;
        assert_eq!(
            ours,
            Decision::ImplicitDeny,
            "source_identity={source_identity}"
        );
        if skip_oracle() {
            continue;
        }
        let check = &hop.checks[0];
        let legit = simulation(&estate, &mapping.session, hop, check, None);
        let bad = simulation(&estate, &mapping.session, hop, check, Some(&tampered));
        let answers = Oracle::start().run(vec![legit, bad]);
        assert_eq!(
            answers,
            [Decision::Allow, Decision::ImplicitDeny],
            "source_identity={source_identity}"
        );
    }
}
