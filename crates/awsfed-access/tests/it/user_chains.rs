//! Chaining onward from a role an IAM user entered, against iam-simulate: on generated adversarial
//! estates (seeded, deterministic), every (IAM user, role) that iam-simulate allows hop by hop —
//! the user's own hop signed each way it can be (MFA or the long-term keys alone, SourceIdentity
//! or not), then AssumeRole hops of any length from the role it entered — is in awsfed's user
//! paths, and nothing else; and awsfed's evaluator decides every hop action the oracle is asked as
//! iam-simulate does.
//!
//! The estates hold what an escalation needs: roles awsfed does not own (outside its path) and
//! look-alike names (`ada`/`ada2`/`adab`, `Admin`/`admin`/`Admin2`), trusts that admit a user by
//! ARN, the whole hub account (`:root` or its id: then any user whose own or group policy allows
//! `sts:AssumeRole` gets in), everyone narrowed by a wildcard user or role ARN
//! (`ArnLike aws:PrincipalArn`), or a role; MFA required on the first hop, on a later one, or
//! nowhere; SourceIdentity required to be the user's name; users with and without MFA in their
//! groups' policies, and denies.
//!
//! `AWSFED_SOUNDNESS_ESTATES` changes the number of estates (default 120 here),
//! `AWSFED_SOUNDNESS_SEED` the first seed.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_access::iam_users::{SIGN_INS, SignIn, user_context, user_identity, user_session};
use awsfed_access::{Estate, HopEvaluator, HopKind, IdpMapping, Stage, analyze};
use awsfed_policy::Decision;
use awsfed_snapshot::Snapshot;
use serde_json::{Value, json};

use crate::soundness::rng::Rng;
use crate::support::oracle::{HopRequest, Oracle, chain_json, context_json, hop_simulation};

const HUB: &str = "100000000001";
const SPOKES: [&str; 2] = ["100000000002", "100000000003"];
const USERS: [(&str, &str); 4] = [
    ("ada", "/awsfed/users/"),
    ("ada2", "/awsfed/users/"),
    ("adab", "/other/"),
    ("eve", "/"),
];
const GROUPS: [&str; 2] = ["admins", "developers"];
const ROLE_NAMES: [&str; 6] = ["Admin", "admin", "Admin2", "ReadOnly", "escalate", "Deploy"];
const ROLE_PATHS: [&str; 2] = ["/awsfed/", "/other/"];

fn user_arn(name: &str, path: &str) -> String {
    format!("arn:aws:iam::{HUB}:user{path}{name}")
}

/// An `sts:AssumeRole` grant (with `sts:SetSourceIdentity` most of the time) on one role, a
/// pattern or anything; sometimes only with MFA.
fn assume_statement(rng: &mut Rng, arns: &[String]) -> Value {
    let resource = match rng.below(5) {
        0 | 1 => json!(rng.pick(arns)),
        2 => json!("arn:aws:iam::*:role/awsfed/*"),
        3 => json!([rng.pick(arns), rng.pick(arns)]),
        _ => json!("*"),
    };
    let action = if rng.chance(70) {
        json!(["sts:AssumeRole", "sts:SetSourceIdentity"])
    } else {
        json!("sts:AssumeRole")
    };
    let mut statement = json!({"Effect": "Allow", "Action": action, "Resource": resource});
    if rng.chance(40) {
        statement["Condition"] = json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}});
    }
    statement
}

/// Inline identity policies: an assume grant, sometimes a deny of one role.
fn identity(rng: &mut Rng, arns: &[String], grant: u64) -> Value {
    let mut policies = serde_json::Map::new();
    if rng.chance(grant) {
        policies.insert(
            "assume".into(),
            json!({"Version": "2012-10-17", "Statement": [assume_statement(rng, arns)]}),
        );
    }
    if rng.chance(12) {
        policies.insert(
            "deny".into(),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": rng.pick(arns)}]}),
        );
    }
    Value::Object(policies)
}

/// A role's trust: one or two statements admitting a user, the hub account, everyone narrowed by
/// a wildcard ARN, or a role; with MFA, SourceIdentity and PrincipalArn conditions.
fn trust(rng: &mut Rng, arns: &[String]) -> Value {
    let mut statements = Vec::new();
    for _ in 0..=rng.below(2) {
        let mut condition = serde_json::Map::new();
        let principal = match rng.below(7) {
            0 | 1 => {
                let (name, path) = *rng.pick(&USERS);
                json!({"AWS": user_arn(name, path)})
            }
            2 => json!({"AWS": format!("arn:aws:iam::{HUB}:root")}),
            3 => json!({"AWS": HUB}),
            4 => {
                let pattern = *rng.pick(&[
                    "arn:aws:iam::100000000001:user/awsfed/users/*",
                    "arn:aws:iam::100000000001:user/awsfed/*",
                    "arn:aws:iam::100000000001:user/*/ada*",
                    "arn:aws:iam::*:role/awsfed/*",
                ]);
                condition.insert("ArnLike".into(), json!({"aws:PrincipalArn": pattern}));
                json!("*")
            }
            _ => json!({"AWS": rng.pick(arns)}),
        };
        if rng.chance(45) {
            condition.insert("Bool".into(), json!({"aws:MultiFactorAuthPresent": "true"}));
            if rng.chance(50) {
                condition.insert(
                    "NumericLessThanEquals".into(),
                    json!({"aws:MultiFactorAuthAge": "3600"}),
                );
            }
        }
        match rng.below(4) {
            0 => {
                condition.insert(
                    "StringEquals".into(),
                    json!({"sts:SourceIdentity": "${aws:username}"}),
                );
            }
            1 => {
                condition.insert("Null".into(), json!({"sts:SourceIdentity": "false"}));
            }
            _ => {}
        }
        let actions = if rng.chance(70) {
            json!(["sts:AssumeRole", "sts:SetSourceIdentity"])
        } else {
            json!("sts:AssumeRole")
        };
        statements.push(json!({
            "Effect": "Allow", "Principal": principal, "Action": actions, "Condition": condition,
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// One generated estate: the hub's users and groups, roles in the hub and two spokes.
fn generate(seed: u64) -> Snapshot {
    let mut rng = Rng::new(seed);
    let mut roles: BTreeMap<String, (&str, &str, &str)> = BTreeMap::new();
    let mut names = BTreeSet::new();
    let accounts: Vec<&str> = std::iter::once(HUB).chain(SPOKES).collect();
    for _ in 0..5 + rng.below(3) {
        let account = *rng.pick(&accounts);
        let (name, path) = (*rng.pick(&ROLE_NAMES), *rng.pick(&ROLE_PATHS));
        // Role names are unique in an account whatever their case and path.
        if names.insert((account, name.to_ascii_lowercase())) {
            roles.insert(
                format!("arn:aws:iam::{account}:role{path}{name}"),
                (account, name, path),
            );
        }
    }
    let arns: Vec<String> = roles.keys().cloned().collect();
    let mut snapshot_accounts: Vec<Value> = accounts
        .iter()
        .map(|id| json!({"format": 1, "id": id, "roles": [], "policies": [], "saml_providers": [], "users": [], "groups": []}))
        .collect();
    for (i, (arn, (account, name, path))) in roles.iter().enumerate() {
        let role = json!({
            "name": name, "path": path, "arn": arn, "role_id": format!("AROAUSR{seed}X{i}"),
            "trust_policy": trust(&mut rng, &arns),
            "inline_policies": identity(&mut rng, &arns, 70),
            "max_session_duration": 7200,
        });
        let slot = accounts.iter().position(|a| a == account).unwrap();
        snapshot_accounts[slot]["roles"]
            .as_array_mut()
            .unwrap()
            .push(role);
    }
    let groups: Vec<Value> = GROUPS
        .iter()
        .map(|g| {
            json!({"name": g, "path": "/awsfed/users/",
                "arn": format!("arn:aws:iam::{HUB}:group/awsfed/users/{g}"),
                "inline_policies": identity(&mut rng, &arns, 85)})
        })
        .collect();
    let users: Vec<Value> = USERS
        .iter()
        .map(|(name, path)| {
            let member: Vec<&str> = GROUPS.iter().copied().filter(|_| rng.chance(50)).collect();
            json!({"name": name, "path": path, "arn": user_arn(name, path), "groups": member,
                "inline_policies": identity(&mut rng, &arns, 25)})
        })
        .collect();
    snapshot_accounts[0]["users"] = json!(users);
    snapshot_accounts[0]["groups"] = json!(groups);
    let snapshot = json!({"format": 1, "accounts": snapshot_accounts});
    serde_json::from_value(snapshot).expect("a valid snapshot")
}

/// No IdP: only the IAM users reach anything.
fn no_idp() -> IdpMapping {
    IdpMapping::without_saml()
}

/// A hop action asked: (estate, user, how the user signed in, from — the user's ARN for its own
/// hop, else a role —, to, action).
type Question = (usize, usize, usize, String, String, &'static str);

/// The oracle's simulation of a question, and awsfed's decision of it.
fn simulate(
    estate: &Estate<'_>,
    evaluator: &mut HopEvaluator<'_, '_>,
    stages: &BTreeMap<(usize, usize), Stage>,
    question: &Question,
) -> (Value, Decision) {
    let (_, u, sign_in, from, to, action) = question;
    let account = &estate.snapshot.accounts[0];
    let user = &account.users[*u];
    let sign_in: SignIn = SIGN_INS[*sign_in];
    let target = estate.role_index(to).unwrap();
    let to_role = estate.role(target);
    if *from == user.arn {
        let identity = user_identity(estate, account, user);
        let hop = awsfed_access::iam_users::signed_hop(
            estate, account, user, &identity, target, sign_in, false,
        );
        let ours = hop.checks.iter().find(|c| c.action == *action).unwrap();
        let mut context = user_context(estate, account, user, action, sign_in);
        awsfed_access::resource_context(estate, &mut context, &to_role.account.id);
        let documents: Vec<Value> = user
            .inline_policies
            .values()
            .chain(
                account
                    .groups
                    .iter()
                    .filter(|g| user.groups.contains(&g.name))
                    .flat_map(|g| g.inline_policies.values()),
            )
            .enumerate()
            .map(|(i, d)| json!({"name": format!("identity-{i}"), "policy": d}))
            .collect();
        let simulation = json!({
            "request": {
                "principal": user.arn,
                "action": action,
                "resource": {"resource": to_role.role.arn, "accountId": to_role.account.id},
                "contextVariables": context_json(&context),
            },
            "identityPolicies": documents,
            "serviceControlPolicies": chain_json(estate, estate.service_control(&account.id)),
            "resourceControlPolicies": chain_json(estate, estate.resource_control(&to_role.account.id)),
            "resourcePolicy": to_role.role.trust_policy,
        });
        return (simulation, ours.decision);
    }
    let stage = stages[&(*u, question.2)];
    let session = evaluator.session_at(stage);
    let caller = estate.role_index(from).unwrap();
    let hop = evaluator.chained(caller, stage, target);
    let ours = evaluator.hops[hop]
        .checks
        .iter()
        .find(|c| c.action == *action)
        .unwrap()
        .decision;
    let request = HopRequest {
        kind: HopKind::AssumeRole,
        from,
        to,
        action,
        audience: None,
    };
    (hop_simulation(estate, &session, &request, None), ours)
}

#[test]
fn chains_onward_from_roles_iam_users_entered_are_what_the_oracle_allows() {
    let count: u64 = std::env::var(awsfed_env::AWSFED_SOUNDNESS_ESTATES)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    let first: u64 = std::env::var(awsfed_env::AWSFED_SOUNDNESS_SEED)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let snapshots: Vec<Snapshot> = (first..first + count).map(generate).collect();
    let estates: Vec<Estate<'_>> = snapshots.iter().map(|s| Estate::new(s, None)).collect();
    let mut evaluators: Vec<HopEvaluator<'_, '_>> = Vec::new();
    let mapping = no_idp();
    let mut stages: Vec<BTreeMap<(usize, usize), Stage>> = Vec::new();
    for estate in &estates {
        let mut evaluator = HopEvaluator::new(estate, &mapping.session);
        let mut by_user = BTreeMap::new();
        for (u, user) in estate.snapshot.accounts[0].users.iter().enumerate() {
            for (s, sign_in) in SIGN_INS.iter().enumerate() {
                by_user.insert((u, s), evaluator.user_stage(user_session(user, *sign_in)));
            }
        }
        stages.push(by_user);
        evaluators.push(evaluator);
    }
    let actions = |sign_in: usize| -> &'static [&'static str] {
        if SIGN_INS[sign_in].source_identity {
            &["sts:AssumeRole", "sts:SetSourceIdentity"]
        } else {
            &["sts:AssumeRole"]
        }
    };
    // Level 0: every user's own hop into every role, each way of signing it.
    let mut level: BTreeSet<Question> = BTreeSet::new();
    for (i, estate) in estates.iter().enumerate() {
        for (u, user) in estate.snapshot.accounts[0].users.iter().enumerate() {
            for s in 0..SIGN_INS.len() {
                for role in &estate.roles {
                    for &action in actions(s) {
                        let to = role.role.arn.clone();
                        level.insert((i, u, s, user.arn.clone(), to, action));
                    }
                }
            }
        }
    }
    let mut oracle = Oracle::start();
    let (mut asked, mut allowed_actions, mut agree) = (0, 0, 0);
    let mut disagreeing = Vec::new();
    // The (estate, user, sign-in, role) sessions reached.
    let mut reached: BTreeSet<(usize, usize, usize, String)> = BTreeSet::new();
    while !level.is_empty() {
        let questions: Vec<Question> = level.into_iter().collect();
        let mut simulations = Vec::new();
        let mut ours = Vec::new();
        for q in &questions {
            let (simulation, decision) =
                simulate(&estates[q.0], &mut evaluators[q.0], &stages[q.0], q);
            simulations.push(simulation);
            ours.push(decision);
        }
        let answers = oracle.run(simulations);
        asked += questions.len();
        let mut allowed: BTreeMap<(usize, usize, usize, String, String), usize> = BTreeMap::new();
        for ((q, ours), theirs) in questions.iter().zip(&ours).zip(&answers) {
            if (*ours == Decision::Allow) == (*theirs == Decision::Allow) {
                agree += 1;
            } else {
                disagreeing.push(format!(
                    "seed {}: {q:?}: evaluator {ours:?}, oracle {theirs:?}",
                    first + q.0 as u64
                ));
            }
            if *theirs == Decision::Allow {
                allowed_actions += 1;
                *allowed
                    .entry((q.0, q.1, q.2, q.3.clone(), q.4.clone()))
                    .or_default() += 1;
            }
        }
        // A hop is made when every action it needs is allowed; its role is a new session.
        let mut next = BTreeSet::new();
        for ((i, u, s, _, to), n) in allowed {
            if n != actions(s).len() || !reached.insert((i, u, s, to.clone())) {
                continue;
            }
            for role in &estates[i].roles {
                if role.role.arn == to {
                    continue;
                }
                for &action in actions(s) {
                    next.insert((i, u, s, to.clone(), role.role.arn.clone(), action));
                }
            }
        }
        level = next;
    }
    let mut oracle_reach: Vec<BTreeSet<(String, String)>> = vec![BTreeSet::new(); estates.len()];
    let mut chained_only = 0;
    for (i, u, _, role) in &reached {
        let user = &estates[*i].snapshot.accounts[0].users[*u];
        oracle_reach[*i].insert((user.arn.clone(), role.clone()));
    }
    let (mut estates_agree, mut pairs, mut longest) = (0, 0, 0);
    let mut differing = Vec::new();
    for (i, estate) in estates.iter().enumerate() {
        let analysis = analyze(estate, &mapping);
        let ours: BTreeSet<(String, String)> = analysis
            .user_paths
            .iter()
            .map(|p| {
                let user = analysis.users[p.user].user.arn.clone();
                (user, estate.role(p.target).role.arn.clone())
            })
            .collect();
        let direct: BTreeSet<(String, String)> = analysis
            .user_paths
            .iter()
            .filter(|p| !p.is_chained())
            .map(|p| {
                let user = analysis.users[p.user].user.arn.clone();
                (user, estate.role(p.target).role.arn.clone())
            })
            .collect();
        chained_only += ours.difference(&direct).count();
        longest = analysis
            .user_paths
            .iter()
            .map(|p| p.chain.len())
            .fold(longest, usize::max);
        pairs += oracle_reach[i].len();
        if ours == oracle_reach[i] {
            estates_agree += 1;
        } else {
            differing.push(format!(
                "seed {}: only awsfed {:?}; only the oracle {:?}",
                first + i as u64,
                ours.difference(&oracle_reach[i]).collect::<Vec<_>>(),
                oracle_reach[i].difference(&ours).collect::<Vec<_>>()
            ));
        }
    }
    println!(
        "user chains: {count} estates, {asked} hop actions asked of iam-simulate ({allowed_actions} allowed), evaluator and iam-simulate agree on {agree}; {estates_agree} estates agree ({pairs} user-role reachabilities, {chained_only} only by chaining), longest chain {longest} AssumeRole hops after the user's own"
    );
    let first_five = |list: &[String]| list.iter().take(5).cloned().collect::<Vec<_>>().join("\n");
    assert!(
        disagreeing.is_empty(),
        "{} hop actions decided differently (first 5):\n{}",
        disagreeing.len(),
        first_five(&disagreeing)
    );
    assert!(
        differing.is_empty(),
        "{} of {count} estates disagree (first 5):\n{}",
        differing.len(),
        first_five(&differing)
    );
    if count >= 100 {
        // What the generator is for: roles reached only by chaining on from a role a user
        // entered, and chains longer than one hop.
        assert!(chained_only > 0, "no user reaches a role by chaining only");
        assert!(longest >= 2, "no user chain is two hops long");
    }
}
