//! Differential soundness: on generated estates (seeded, deterministic) — multi-hop chains, trusts
//! naming whole accounts, everyone in the organisation or `ArnLike` patterns, roles outside
//! awsfed's path and look-alike names, SCPs and permissions boundaries, wrong SAML audiences, an
//! IdP that does or does not send SourceIdentity, session tags of which only some are transitive
//! (a chained session loses the others as principal tags) — every (group, role) that iam-simulate
//! allows hop by hop is in awsfed's access paths, and nothing else. The oracle decides every hop
//! between every two roles (not only those awsfed's candidate search picks), from a session at
//! every stage, in one batch for all estates.
//!
//! `AWSFED_SOUNDNESS_ESTATES` changes the number of estates (default 200), `AWSFED_SOUNDNESS_SEED`
//! the first seed; `AWSFED_SOUNDNESS_DUMP=1` prints each disagreeing estate.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use awsfed_access::{Estate, HopKind, IdpMapping, SessionAttributes, Stage, analyze};
use awsfed_policy::Decision;
use awsfed_snapshot::Snapshot;
use serde_json::{Value, json};

use crate::support::oracle::{HopRequest, Oracle, hop_simulation};

const ORG: &str = "o-soundness1";
const GLOBAL: &str = "https://signin.aws.amazon.com/saml";
const ACCOUNTS: [&str; 3] = ["100000000001", "100000000002", "100000000003"];
const NAMES: [&str; 8] = [
    "hub-dev", "hub-ops", "hub-dev2", "Admin", "ReadOnly", "Deploy", "hubdev", "Ops",
];
const PATHS: [&str; 3] = ["/awsfed/", "/awsfed/hub/", "/other/"];

/// The policy tests' seeded generator (SplitMix64), shared by path.
#[path = "../../../awsfed-policy/tests/support/rng.rs"]
pub(crate) mod rng;
use rng::Rng;

fn provider(account: &str) -> String {
    format!("arn:aws:iam::{account}:saml-provider/corp")
}

/// A role's trust: one or two statements admitting SAML sessions (more often for roles named like
/// hub roles) or AWS principals.
fn trust(rng: &mut Rng, arns: &[String], own: &str, hub_like: bool) -> Value {
    let mut statements = Vec::new();
    for _ in 0..=rng.below(2) {
        if rng.chance(if hub_like { 60 } else { 25 }) {
            let audience = if rng.chance(80) {
                GLOBAL
            } else {
                "https://example.com/saml"
            };
            statements.push(json!({
                "Effect": "Allow",
                "Principal": {"Federated": provider(if rng.chance(85) { own } else { ACCOUNTS[rng.below(ACCOUNTS.len())] })},
                "Action": ["sts:AssumeRoleWithSAML", "sts:SetSourceIdentity", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": audience}},
            }));
            continue;
        }
        let account = *rng.pick(&ACCOUNTS);
        let principal = match rng.below(5) {
            0 | 1 => json!({"AWS": rng.pick(arns)}),
            2 => json!({"AWS": format!("arn:aws:iam::{account}:root")}),
            3 => json!({"AWS": account}),
            _ => json!("*"),
        };
        let mut condition = serde_json::Map::new();
        if principal == json!("*") {
            condition.insert("StringEquals".into(), json!({"aws:PrincipalOrgID": ORG}));
        }
        if rng.chance(35) {
            let pattern = match rng.below(3) {
                0 => format!("arn:aws:iam::{}:role/awsfed/hub-*", ACCOUNTS[0]),
                1 => "arn:aws:iam::*:role/awsfed/*".to_owned(),
                _ => format!("arn:aws:iam::{}:role/awsfed/hub/*", ACCOUNTS[0]),
            };
            condition.insert("ArnLike".into(), json!({"aws:PrincipalArn": pattern}));
        }
        if rng.chance(40) {
            condition.insert("Null".into(), json!({"sts:SourceIdentity": "false"}));
        }
        if rng.chance(20) {
            // Holds for a session entered with SAML only: `dept` is not transitive when the IdP
            // marks only `team` so.
            let equals = condition.entry("StringEquals").or_insert_with(|| json!({}));
            equals["aws:PrincipalTag/dept"] = json!("example");
        }
        let actions = if rng.chance(75) {
            json!(["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"])
        } else {
            json!("sts:AssumeRole")
        };
        statements.push(json!({
            "Effect": "Allow", "Principal": principal, "Action": actions, "Condition": condition,
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Inline identity policies: assuming a named role, a pattern or anything; sometimes a deny.
fn identity(rng: &mut Rng, arns: &[String]) -> Value {
    let mut policies = serde_json::Map::new();
    if rng.chance(80) {
        let resource = match rng.below(5) {
            0 => json!(rng.pick(arns)),
            1 | 2 => json!("arn:aws:iam::*:role/awsfed/*"),
            3 => json!([rng.pick(arns), rng.pick(arns)]),
            _ => json!("*"),
        };
        let action = if rng.chance(70) {
            json!(["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"])
        } else {
            json!("sts:*")
        };
        policies.insert(
            "assume".into(),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": resource}]}),
        );
    }
    if rng.chance(15) {
        policies.insert(
            "deny".into(),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": rng.pick(arns)}]}),
        );
    }
    Value::Object(policies)
}

/// One generated estate and its IdP mapping.
fn generate(seed: u64) -> (Snapshot, IdpMapping) {
    let mut rng = Rng::new(seed);
    let mut roles: BTreeMap<String, (usize, &str, &str)> = BTreeMap::new();
    // IAM role names are unique in an account whatever the path (a session ARN names no path).
    let mut names = BTreeSet::new();
    for _ in 0..5 + rng.below(4) {
        let account = rng.below(ACCOUNTS.len());
        let (name, path) = (*rng.pick(&NAMES), *rng.pick(&PATHS));
        if names.insert((account, name.to_ascii_lowercase())) {
            let arn = format!("arn:aws:iam::{}:role{path}{name}", ACCOUNTS[account]);
            roles.insert(arn, (account, name, path));
        }
    }
    let arns: Vec<String> = roles.keys().cloned().collect();
    let mut accounts: Vec<Value> = ACCOUNTS
        .iter()
        .map(|id| {
            json!({"format": 1, "id": id, "roles": [], "policies": [
                {"arn": format!("arn:aws:iam::{id}:policy/boundary"), "name": "boundary", "path": "/",
                 "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                   "Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"], "Resource": "arn:aws:iam::*:role/awsfed/*"}]}}],
              "saml_providers": [{"arn": provider(id), "name": "corp", "metadata_document": ""}]})
        })
        .collect();
    for (i, (arn, (account, name, path))) in roles.iter().enumerate() {
        let mut role = json!({
            "name": name, "path": path, "arn": arn, "role_id": format!("AROAGEN{seed}X{i}"),
            "trust_policy": trust(&mut rng, &arns, ACCOUNTS[*account], name.starts_with("hub")),
            "inline_policies": identity(&mut rng, &arns),
            "max_session_duration": 3600,
        });
        if rng.chance(25) {
            role["managed_policy_arns"] = json!(["arn:aws:iam::aws:policy/AdministratorAccess"]);
        }
        if rng.chance(25) {
            role["permissions_boundary"] = json!(format!(
                "arn:aws:iam::{}:policy/boundary",
                ACCOUNTS[*account]
            ));
        }
        accounts[*account]["roles"]
            .as_array_mut()
            .unwrap()
            .push(role);
    }
    let mut snapshot = json!({"format": 1, "accounts": accounts});
    if rng.chance(70) {
        snapshot["organization"] = organization(&mut rng, &arns);
    }
    let snapshot: Snapshot = serde_json::from_value(snapshot).expect("a valid snapshot");
    (snapshot, mapping(&mut rng, &arns))
}

/// Every account under the root; full access at the root (SCP and RCP), sometimes an SCP that
/// denies assuming one role to one account.
fn organization(rng: &mut Rng, arns: &[String]) -> Value {
    let all = |kind: &str| {
        json!({"Version": "2012-10-17", "Statement": [if kind == "rcp" {
            json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
        } else {
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"})
        }]})
    };
    let mut policies = vec![
        json!({"id": "p-full", "name": "FullAWSAccess", "kind": "service-control",
               "document": all("scp"), "targets": ["r-root"]}),
        json!({"id": "p-rcp-full", "name": "RCPFullAWSAccess", "kind": "resource-control",
               "document": all("rcp"), "targets": ["r-root"]}),
    ];
    if rng.chance(40) {
        policies.push(
            json!({"id": "p-deny", "name": "deny-one", "kind": "service-control",
            "document": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": rng.pick(arns)}]},
            "targets": [rng.pick(&ACCOUNTS)]}),
        );
    }
    json!({"format": 1, "id": ORG, "management_account_id": "999999999999", "root_id": "r-root",
        "ous": [],
        "accounts": ACCOUNTS.iter().map(|id| json!({"id": id, "name": format!("acct-{id}"),
            "status": "ACTIVE", "parent_id": "r-root"})).collect::<Vec<_>>(),
        "policies": policies})
}

/// Two or three groups with one or two Role values each (sometimes a provider of another account);
/// the IdP sends SourceIdentity or not.
fn mapping(rng: &mut Rng, arns: &[String]) -> IdpMapping {
    let mut groups = serde_json::Map::new();
    for g in 0..2 + rng.below(2) {
        let values: Vec<String> = (0..1 + rng.below(2))
            .map(|_| {
                let role = rng.pick(arns).clone();
                let account = if rng.chance(85) {
                    awsfed_access::arn_account(&role).unwrap().to_owned()
                } else {
                    rng.pick(&ACCOUNTS).to_string()
                };
                format!("{role},{}", provider(&account))
            })
            .collect();
        groups.insert(format!("group-{g}"), json!(values));
    }
    let description = json!({"format": 1, "audiences": [GLOBAL],
        "source_identity": rng.chance(60), "groups": groups});
    let mut description = description;
    if rng.chance(40) {
        description["session_tags"] = json!(["dept", "team"]);
        description["transitive_tags"] = match rng.below(4) {
            0 | 1 => json!(["team"]),
            2 => json!(["dept", "team"]),
            _ => json!([]),
        };
    }
    IdpMapping::parse("generated.json", &description.to_string()).expect("a valid description")
}

/// One question for the oracle: (estate, stage the caller session was entered at, from, to,
/// action) — `from` a provider for SAML hops.
pub(crate) type Question = (usize, Stage, String, String, &'static str);

/// The stages a chained caller session is decided at: a chained session carries only the
/// transitive tags, so it is a stage of its own when those differ from the session tags; a session
/// Identity Center signed in (and any chained from it) is one of its own too.
fn stages(mapping: &IdpMapping) -> Vec<Stage> {
    let session = &mapping.session;
    let mut stages = if session.normalize(Stage::Chained) == Stage::Chained {
        vec![Stage::Saml, Stage::Chained]
    } else {
        vec![Stage::Saml]
    };
    let identity_center = mapping
        .groups
        .iter()
        .flat_map(|g| &g.roles)
        .any(|p| Stage::entered_through(&p.provider_arn) == Stage::IdentityCenter);
    if identity_center {
        stages.push(Stage::IdentityCenter);
    }
    stages
}

/// The actions a chained hop needs.
fn chained_actions(session: &SessionAttributes) -> Vec<&'static str> {
    let mut actions = vec!["sts:AssumeRole"];
    if session.source_identity {
        actions.push("sts:SetSourceIdentity");
    }
    if !session.transitive_tags.is_empty() {
        actions.push("sts:TagSession");
    }
    actions
}

/// The SAML hop of every Role value and every action of every chained hop between two roles, from
/// a session at every stage.
fn questions(index: usize, estate: &Estate<'_>, mapping: &IdpMapping) -> Vec<Question> {
    let mut asked = BTreeSet::new();
    for group in &mapping.groups {
        for pair in &group.roles {
            if estate.role_index(&pair.role_arn).is_some() {
                let (from, to) = (pair.provider_arn.clone(), pair.role_arn.clone());
                let stage = Stage::entered_through(&from);
                asked.insert((index, stage, from, to, "sts:AssumeRoleWithSAML"));
            }
        }
    }
    for stage in stages(mapping) {
        for from in &estate.roles {
            for to in estate.roles.iter().filter(|t| t.role.arn != from.role.arn) {
                for action in chained_actions(&mapping.session.at(stage)) {
                    let (a, b) = (from.role.arn.clone(), to.role.arn.clone());
                    asked.insert((index, stage, a, b, action));
                }
            }
        }
    }
    asked.into_iter().collect()
}

/// (group, role) pairs reached when every hop is decided by `allowed`, breadth-first over
/// (role, stage) sessions.
pub(crate) fn reach(
    estate: &Estate<'_>,
    mapping: &IdpMapping,
    allowed: &dyn Fn(Stage, &str, &str, &str) -> bool,
) -> BTreeSet<(String, String)> {
    let chained = mapping.session.normalize(Stage::Chained);
    let mut found = BTreeSet::new();
    for group in &mapping.groups {
        let mut queue: VecDeque<(String, Stage)> = group
            .roles
            .iter()
            .filter(|p| estate.role_index(&p.role_arn).is_some())
            .map(|p| (p, Stage::entered_through(&p.provider_arn)))
            .filter(|(p, stage)| {
                allowed(
                    *stage,
                    &p.provider_arn,
                    &p.role_arn,
                    "sts:AssumeRoleWithSAML",
                )
            })
            .map(|(p, stage)| (p.role_arn.clone(), stage))
            .collect();
        let mut seen: BTreeSet<(String, Stage)> = queue.iter().cloned().collect();
        while let Some((from, stage)) = queue.pop_front() {
            let actions = chained_actions(&mapping.session.at(stage));
            let next = stage.then(chained);
            for to in &estate.roles {
                let to = &to.role.arn;
                let ok = actions.iter().all(|a| allowed(stage, &from, to, a));
                if *to != from && ok && seen.insert((to.clone(), next)) {
                    queue.push_back((to.clone(), next));
                }
            }
        }
        found.extend(seen.into_iter().map(|(r, _)| (group.name.clone(), r)));
    }
    found
}

/// Every question of every estate, and `extra` ones, asked of the oracle in one batch, and those
/// it allows.
pub(crate) fn ask_oracle(
    estates: &[Estate<'_>],
    generated: &[(Snapshot, IdpMapping)],
    extra: &[Question],
) -> (Vec<Question>, BTreeSet<Question>) {
    let mut asked: Vec<Question> = Vec::new();
    let mut simulations = Vec::new();
    for (i, (estate, (_, mapping))) in estates.iter().zip(generated).enumerate() {
        let mut all: BTreeSet<Question> = questions(i, estate, mapping).into_iter().collect();
        all.extend(extra.iter().filter(|q| q.0 == i).cloned());
        for question in all {
            // Every action of a SAML hop (SetSourceIdentity and TagSession too) comes from the provider.
            let saml = question.2.contains(":saml-provider/");
            let request = HopRequest {
                kind: if saml {
                    HopKind::Saml
                } else {
                    HopKind::AssumeRole
                },
                from: &question.2,
                to: &question.3,
                action: question.4,
                audience: saml.then_some(GLOBAL),
            };
            let session = mapping.session.at(question.1);
            simulations.push(hop_simulation(estate, &session, &request, None));
            asked.push(question);
        }
    }
    // A missing oracle fails here, loudly.
    let answers = Oracle::start().run(simulations);
    let allowed: BTreeSet<Question> = asked
        .iter()
        .zip(&answers)
        .filter(|(_, d)| **d == Decision::Allow)
        .map(|(q, _)| q.clone())
        .collect();
    (asked, allowed)
}

#[test]
fn access_is_exactly_what_the_oracle_allows_hop_by_hop() {
    let count: u64 = std::env::var(awsfed_env::AWSFED_SOUNDNESS_ESTATES)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let first: u64 = std::env::var(awsfed_env::AWSFED_SOUNDNESS_SEED)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let generated: Vec<(Snapshot, IdpMapping)> = (first..first + count).map(generate).collect();
    let estates: Vec<Estate<'_>> = generated
        .iter()
        .map(|(s, _)| Estate::new(s, None))
        .collect();
    let (asked, allowed) = ask_oracle(&estates, &generated, &[]);
    let allowed: BTreeSet<&Question> = allowed.iter().collect();
    // Hops whose decision depends on the caller's stage (its principal tags): the stages matter.
    let staged = allowed
        .iter()
        .filter(|q| q.1 == Stage::Saml && q.4 == "sts:AssumeRole")
        .filter(|q| {
            stages(&generated[q.0].1).len() == 2
                && !allowed.contains(&(q.0, Stage::Chained, q.2.clone(), q.3.clone(), q.4))
        })
        .count();
    let (mut agreements, mut pairs, mut longest) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (i, (estate, (_, mapping))) in estates.iter().zip(&generated).enumerate() {
        let oracle = reach(estate, mapping, &|stage, from, to, action| {
            allowed.contains(&(i, stage, from.to_owned(), to.to_owned(), action))
        });
        let analysis = analyze(estate, mapping);
        let ours: BTreeSet<(String, String)> = analysis
            .paths
            .iter()
            .map(|p| {
                (
                    mapping.groups[p.group].name.clone(),
                    estate.role(p.target).role.arn.clone(),
                )
            })
            .collect();
        longest = analysis
            .paths
            .iter()
            .map(|p| p.chain.len())
            .fold(longest, usize::max);
        pairs += oracle.len();
        if ours == oracle {
            agreements += 1;
        } else {
            if std::env::var_os(awsfed_env::AWSFED_SOUNDNESS_DUMP).is_some() {
                eprintln!(
                    "{}\n{:?}",
                    serde_json::to_string_pretty(&generated[i].0).unwrap(),
                    mapping
                );
            }
            disagreements.push(format!(
                "seed {}: only awsfed {:?}; only the oracle {:?}",
                first + i as u64,
                ours.difference(&oracle).collect::<Vec<_>>(),
                oracle.difference(&ours).collect::<Vec<_>>()
            ));
        }
    }
    println!(
        "soundness: {count} estates, {} hops asked of iam-simulate ({} allowed), {agreements} estates agree ({pairs} group-role reachabilities), longest chain {longest} AssumeRole hops, {staged} hops allowed from a SAML session only",
        asked.len(),
        allowed.len()
    );
    let shown: Vec<&str> = disagreements.iter().take(5).map(String::as_str).collect();
    assert!(
        disagreements.is_empty(),
        "{} of {count} estates disagree (first 5):\n{}",
        disagreements.len(),
        shown.join("\n")
    );
    if count >= 100 {
        // What the generator is for: chains past the first AssumeRole hop, and hops a chained
        // session may not make (it lost a non-transitive tag).
        assert!(
            longest >= 2,
            "no estate chains twice: the generator lost its point"
        );
        assert!(staged > 0, "no hop depends on the session's stage");
    }
}

/// The model of issue #9: a hub account, one spoke granted to 40 groups (which narrows the spoke's
/// trust to the hub account) and a permission set named like a hub role, `hub-ops`, granted on the
/// hub account itself.
fn issue_model() -> String {
    let mut yaml = String::from(
        "version: 1
identity_provider:
  name: corp
  metadata_file: corp-idp.xml
  session_name_from: email
  source_identity: true
  audiences: [https://signin.aws.amazon.com/saml]
topology: { default: hub-and-spoke, hub_account: identity }
accounts:
  identity: { id: \"100000000001\" }
  w01: { id: \"100000000002\" }
permission_sets:
  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess], session_duration: 1h }
  hub-ops: { managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess], session_duration: 1h }
groups:
  id-admins: [ { accounts: [identity], permission_set: hub-ops } ]
",
    );
    for g in 1..=40 {
        yaml.push_str(&format!(
            "  team-{g:02}: [ {{ accounts: [w01], permission_set: ReadOnly }} ]\n"
        ));
    }
    yaml
}

/// On the compiled reproduction of issue #9, whatever form the compiler gives the trusts: access
/// equals what iam-simulate allows hop by hop, and every path the model does not grant is an
/// `access-escalation` finding.
#[test]
fn the_issue_reproduction_agrees_with_the_oracle_and_audit_names_every_escalation() {
    let yaml = issue_model();
    let raw = awsfed_model::load::parse(&yaml).expect("the model parses");
    let dir = crate::support::repo_root().join("examples/hub-and-spoke");
    let mut read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| e.to_string());
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut read);
    let model = model.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let state = awsfed_compile::compile(&model);
    let snapshot = Snapshot::from_desired(&state);
    let mapping = IdpMapping::from_compiled(model.idp(), &state.groups).with_intent(
        awsfed_access::Intent::from_compiled(&model.naming.role_path, &state.groups),
    );
    let generated = vec![(snapshot, mapping)];
    let estates = vec![Estate::new(&generated[0].0, None)];
    let (asked, allowed) = ask_oracle(&estates, &generated, &[]);
    let mapping = &generated[0].1;
    let oracle = reach(&estates[0], mapping, &|stage, from, to, action| {
        allowed.contains(&(0, stage, from.to_owned(), to.to_owned(), action))
    });
    let analysis = analyze(&estates[0], mapping);
    let ours: BTreeSet<(String, String)> = analysis
        .paths
        .iter()
        .map(|p| {
            let group = mapping.groups[p.group].name.clone();
            (group, estates[0].role(p.target).role.arn.clone())
        })
        .collect();
    assert_eq!(ours, oracle, "awsfed's access and iam-simulate's differ");
    let (ungranted, escalations) = ungranted_and_escalations(&analysis, &ours);
    println!(
        "issue #9 reproduction: {} hops asked, {} group-role reachabilities agree, {} not granted: {ungranted:?}",
        asked.len(),
        ours.len(),
        ungranted.len()
    );
    assert_eq!(escalations, ungranted);
}

/// The (group, role) pairs of `ours` the model does not grant, as `group → role`, and the locations
/// of the `access-escalation` findings of the analysis: audit must name exactly the former.
pub(crate) fn ungranted_and_escalations(
    analysis: &awsfed_access::Analysis<'_, '_>,
    ours: &BTreeSet<(String, String)>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let intent = analysis.mapping.intent.as_ref().unwrap();
    let ungranted = ours
        .iter()
        .filter(|(g, r)| !intent.grants(g, r))
        .map(|(g, r)| format!("{g} → {r}"))
        .collect();
    let escalations = awsfed_access::audit::audit(analysis, 0)
        .into_iter()
        .filter(|f| f.rule == "access-escalation")
        .map(|f| f.location)
        .collect();
    (ungranted, escalations)
}
