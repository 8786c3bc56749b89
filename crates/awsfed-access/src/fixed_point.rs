//! Access paths to a fixed point: from every role a directory group enters with SAML, AssumeRole
//! hops of any length through any role reached — awsfed's or not — whose caller's identity
//! policies, permissions boundary and SCPs allow the call and whose trust admits it.
//!
//! The decision of a hop depends on the caller role and on how its session was entered (its
//! principal tags, see [`Stage`]), never on the group: the session attributes are the IdP's, the
//! same for everyone. So the hop graph is explored once over (role, stage) nodes, level by level
//! until no node is new (a cycle reaches a node already explored and stops there), and each group's
//! paths are read from it: one path per (group, role entered with SAML, role reached), the
//! shortest, found breadth-first in a fixed order. Every hop after the SAML one is role chaining,
//! so such a path's session is capped at one hour ("Role chaining", IAM User Guide).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use awsfed_model::defaults;

use awsfed_policy::{Effect, Principal};

use crate::estate::{Estate, arn_account};
use crate::iam_users::{SIGN_INS, UserEntry, estate_users, user_entries};
use crate::idp::{IdpMapping, SessionAttributes};
use crate::paths::{
    AccessPath, Analysis, HopEvaluator, HopOutcome, Stage, TargetHop, UserPath, chained_targets,
    trust_can_name,
};

/// A caller session: a role and how it was entered.
type Node = (usize, Stage);
/// The allowed hops out of each explored node: (hop index, role entered).
type Edges = HashMap<Node, Vec<(usize, usize)>>;

/// Follows every group of the mapping through the estate, keeping for each hop the statements
/// that allowed it and the conditions it depends on.
pub fn analyze<'e, 's>(estate: &'e Estate<'s>, mapping: &'e IdpMapping) -> Analysis<'e, 's> {
    analyze_with(estate, mapping, true)
}

/// [`analyze`], with `detailed: false` keeping only the decisions of AssumeRole hops (what the
/// access matrix, `verify`, `diff` and `graph` need), which saves describing tens of thousands of
/// statements.
pub fn analyze_with<'e, 's>(
    estate: &'e Estate<'s>,
    mapping: &'e IdpMapping,
    detailed: bool,
) -> Analysis<'e, 's> {
    let mut hops = HopEvaluator::new(estate, &mapping.session);
    let (entered, broken) = saml_hops(&mut hops, mapping, |_| true);
    let users = estate_users(estate);
    let user_entered = user_entries(&mut hops, &users, |_| true, detailed);
    let edges = explore(&mut hops, &starts(&entered, &user_entered), None, detailed);
    let chained = mapping.session.normalize(Stage::Chained);
    let paths = paths(estate, &hops.hops, &entered, &edges, chained, None);
    let user_paths = user_paths(estate, &user_entered, &edges, None);
    Analysis {
        estate,
        mapping,
        hops: hops.hops,
        paths,
        broken,
        users,
        user_paths,
    }
}

/// Only the paths that end in `target`: what `who-can` needs. The roles whose trust can name a
/// session of another role that may reach `target` are found backwards first; only they are
/// followed forwards.
pub fn analyze_target<'e, 's>(
    estate: &'e Estate<'s>,
    mapping: &'e IdpMapping,
    target: usize,
) -> Analysis<'e, 's> {
    let toward = callers_toward(estate, target);
    let mut hops = HopEvaluator::new(estate, &mapping.session);
    let (entered, _) = saml_hops(&mut hops, mapping, |role| toward.contains(&role));
    let users = estate_users(estate);
    let user_entered = user_entries(&mut hops, &users, |role| toward.contains(&role), true);
    let starts = starts(&entered, &user_entered);
    let edges = explore(&mut hops, &starts, Some(&toward), true);
    let chained = mapping.session.normalize(Stage::Chained);
    let paths = paths(estate, &hops.hops, &entered, &edges, chained, Some(target));
    let user_paths = user_paths(estate, &user_entered, &edges, Some(target));
    Analysis {
        estate,
        mapping,
        hops: hops.hops,
        paths,
        broken: Vec::new(),
        users,
        user_paths,
    }
}

/// The caller sessions exploration starts from: every role entered with SAML, and every role an
/// IAM user entered, at the stage of its session.
fn starts(entered: &[Entry], users: &[UserEntry]) -> Vec<(usize, StartStage)> {
    entered
        .iter()
        .map(|&(_, role, saml)| (role, StartStage::Saml(saml)))
        .chain(users.iter().map(|e| (e.role, StartStage::Known(e.stage))))
        .collect()
}

/// A start's stage: that of the session its SAML hop enters, or one already known.
#[derive(Debug, Clone, Copy)]
enum StartStage {
    Saml(usize),
    Known(Stage),
}

/// A role a group enters: (group, role, SAML hop).
type Entry = (usize, usize, usize);
/// A Role value that leads nowhere: (group, value, SAML hop when the role exists).
type Broken = (usize, crate::RolePair, Option<usize>);

/// The SAML hops of every Role value into a role `wanted` accepts, once per value.
fn saml_hops(
    hops: &mut HopEvaluator<'_, '_>,
    mapping: &IdpMapping,
    wanted: impl Fn(usize) -> bool,
) -> (Vec<Entry>, Vec<Broken>) {
    let mut entered = Vec::new();
    let mut broken = Vec::new();
    for (g, group) in mapping.groups.iter().enumerate() {
        for pair in &group.roles {
            let Some(role) = hops.estate.role_index(&pair.role_arn) else {
                broken.push((g, pair.clone(), None));
                continue;
            };
            if !wanted(role) {
                continue;
            }
            let saml = hops.saml(role, &pair.provider_arn);
            if hops.hops[saml].allowed {
                entered.push((g, role, saml));
            } else {
                broken.push((g, pair.clone(), Some(saml)));
            }
        }
    }
    (entered, broken)
}

/// Explores the hop graph from the roles entered with SAML, level by level, each level's callers
/// spread over the cores, until no caller session is new. `within` limits the roles entered.
fn explore(
    hops: &mut HopEvaluator<'_, '_>,
    starts: &[(usize, StartStage)],
    within: Option<&HashSet<usize>>,
    detailed: bool,
) -> Edges {
    let session = hops.session;
    let mut edges: Edges = HashMap::new();
    let mut level: Vec<Node> = starts
        .iter()
        .map(|&(role, stage)| match stage {
            StartStage::Saml(saml) => (role, entry_stage(&hops.hops, saml)),
            StartStage::Known(stage) => (role, stage),
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let chained = session.normalize(Stage::Chained);
    let sessions: Vec<SessionAttributes> = [Stage::Saml, Stage::Chained, Stage::IdentityCenter]
        .into_iter()
        .map(|stage| session.at(stage))
        .chain(hops.user_sessions.iter().cloned())
        .collect();
    while !level.is_empty() {
        let found = decide_level(hops.estate, &sessions, &level, within, detailed);
        let in_level: HashSet<Node> = level.iter().copied().collect();
        let mut next = BTreeSet::new();
        for ((caller, stage), outcomes) in level.iter().copied().zip(found) {
            let mut allowed = Vec::new();
            for (target, mut outcome) in outcomes {
                outcome.stage = stage;
                let ok = outcome.allowed;
                let index = hops.keep((caller, stage, target), outcome);
                if ok {
                    allowed.push((index, target));
                    let node = (target, stage.then(chained));
                    if !edges.contains_key(&node) && !in_level.contains(&node) {
                        next.insert(node);
                    }
                }
            }
            edges.insert((caller, stage), allowed);
        }
        level = next.into_iter().collect();
    }
    edges
}

/// The chained hops out of each caller session of a level, decided on up to eight threads.
/// `sessions` holds the IdP's sessions at [`Stage::Saml`], [`Stage::Chained`] and
/// [`Stage::IdentityCenter`], then the IAM users' sessions.
fn decide_level(
    estate: &Estate<'_>,
    sessions: &[SessionAttributes],
    level: &[Node],
    within: Option<&HashSet<usize>>,
    detailed: bool,
) -> Vec<Vec<TargetHop>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8)
        .min(level.len().max(1));
    let chunk = level.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = level
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&(caller, stage)| {
                            let session = &sessions[match stage {
                                Stage::Saml => 0,
                                Stage::Chained => 1,
                                Stage::IdentityCenter => 2,
                                Stage::IamUser(i) => 3 + i as usize,
                            }];
                            chained_targets(estate, session, caller, within, detailed)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("analysis threads do not panic"))
            .collect()
    })
}

/// Each group's paths: for every role it enters, that role, then every role reached from it
/// breadth-first (the hops of each node in candidate order), each by its first-found chain.
/// `only` keeps the paths ending in one role.
fn paths(
    estate: &Estate<'_>,
    hops: &[HopOutcome],
    entered: &[Entry],
    edges: &Edges,
    chained: Stage,
    only: Option<usize>,
) -> Vec<AccessPath> {
    let mut chains: BTreeMap<Node, Vec<(usize, Vec<usize>)>> = BTreeMap::new();
    for &(_, role, saml) in entered {
        let start = (role, entry_stage(hops, saml));
        chains
            .entry(start)
            .or_insert_with(|| chains_from(edges, start, chained));
    }
    let mut paths = Vec::new();
    for &(group, role, saml) in entered {
        if only.is_none_or(|t| t == role) {
            paths.push(AccessPath {
                group,
                saml_hop: saml,
                chain: Vec::new(),
                target: role,
                max_session_seconds: estate.role(role).role.max_session_duration,
            });
        }
        for (target, chain) in &chains[&(role, entry_stage(hops, saml))] {
            if only.is_some_and(|t| t != *target) {
                continue;
            }
            paths.push(AccessPath {
                group,
                saml_hop: saml,
                chain: chain.clone(),
                target: *target,
                max_session_seconds: estate
                    .role(*target)
                    .role
                    .max_session_duration
                    .min(defaults::CHAINED_SESSION_SECONDS),
            });
        }
    }
    sort_paths(estate, hops, &mut paths);
    paths
}

/// Each IAM user's paths: for every role it enters, that role, then every role reached from it
/// breadth-first, each by its first-found chain; of the ways the user may sign the first hop
/// ([`SIGN_INS`]), the first that reaches a role gives its path: the long-term keys alone when
/// they reach it. `only` keeps the paths ending in one role.
fn user_paths(
    estate: &Estate<'_>,
    entered: &[UserEntry],
    edges: &Edges,
    only: Option<usize>,
) -> Vec<UserPath> {
    let mut kept: BTreeMap<(usize, usize, usize), UserPath> = BTreeMap::new();
    let rank = |e: &UserEntry| SIGN_INS.iter().position(|s| *s == e.sign_in);
    let mut ordered: Vec<&UserEntry> = entered.iter().collect();
    ordered.sort_by_key(|e| (e.user, e.role, rank(e)));
    for entry in ordered {
        let start = (entry.role, entry.stage);
        let reached =
            std::iter::once((entry.role, Vec::new())).chain(chains_from(edges, start, entry.stage));
        for (target, chain) in reached {
            if only.is_some_and(|t| t != target) {
                continue;
            }
            let role_max = estate.role(target).role.max_session_duration;
            let key = (entry.user, entry.role, target);
            kept.entry(key).or_insert_with(|| UserPath {
                user: entry.user,
                entered: entry.role,
                first_hop: entry.hop,
                max_session_seconds: if chain.is_empty() {
                    role_max
                } else {
                    role_max.min(defaults::CHAINED_SESSION_SECONDS)
                },
                chain,
                target,
                mfa: entry.sign_in.mfa,
            });
        }
    }
    let rank = estate.arn_ranks();
    let mut paths: Vec<UserPath> = kept.into_values().collect();
    paths.sort_by_key(|p| (p.user, rank[p.target], rank[p.entered], p.chain.len()));
    paths
}

/// The stage of a session entered with the SAML hop `saml`: Identity Center's provider starts its
/// own.
fn entry_stage(hops: &[HopOutcome], saml: usize) -> Stage {
    Stage::entered_through(&hops[saml].from)
}

/// Every role reached by chaining from the session `start` entered with SAML, with the hops of
/// its shortest chain. A node already visited is not entered again: that is where cycles stop.
/// `chained` is the stage sessions entered by chaining were explored at.
fn chains_from(edges: &Edges, start: Node, chained: Stage) -> Vec<(usize, Vec<usize>)> {
    let mut parent: HashMap<Node, (Node, usize)> = HashMap::new();
    let mut reached: HashSet<usize> = HashSet::from([start.0]);
    let mut found = Vec::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &(hop, target) in edges.get(&node).into_iter().flatten() {
            let next = (target, node.1.then(chained));
            if next == start || parent.contains_key(&next) {
                continue;
            }
            parent.insert(next, (node, hop));
            queue.push_back(next);
            if reached.insert(target) {
                found.push((target, chain_to(&parent, start, next)));
            }
        }
    }
    found
}

fn chain_to(parent: &HashMap<Node, (Node, usize)>, start: Node, end: Node) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut node = end;
    while node != start {
        let (previous, hop) = parent[&node];
        chain.push(hop);
        node = previous;
    }
    chain.reverse();
    chain
}

/// The roles from which `target` may be reached by role chaining, `target` included: every role
/// whose session the trust of `target` — or of a role found so — can name. A trust names roles of
/// the accounts its principals name (or of every account, for `"*"`), so only those are tried.
fn callers_toward(estate: &Estate<'_>, target: usize) -> HashSet<usize> {
    let mut by_account: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in estate.roles.iter().enumerate() {
        by_account.entry(r.account.id.as_str()).or_default().push(i);
    }
    let everyone: Vec<usize> = (0..estate.roles.len()).collect();
    let mut found = HashSet::from([target]);
    let mut queue = vec![target];
    while let Some(role) = queue.pop() {
        let mut tried: Vec<&[usize]> = Vec::new();
        for account in trusted_accounts(estate, role) {
            match account {
                None => tried.push(&everyone),
                Some(id) => tried.extend(by_account.get(id).map(Vec::as_slice)),
            }
        }
        for &caller in tried.into_iter().flatten() {
            if !found.contains(&caller) && trust_can_name(estate, caller, role) {
                found.insert(caller);
                queue.push(caller);
            }
        }
    }
    found
}

/// The accounts whose principals the trust of `role` names in `Allow` statements (`None`: any).
fn trusted_accounts<'s>(estate: &Estate<'s>, role: usize) -> BTreeSet<Option<&'s str>> {
    let mut accounts = BTreeSet::new();
    for statement in &estate.role(role).role.trust_policy.statement {
        if statement.effect != Effect::Allow {
            continue;
        }
        match &statement.principal {
            Some(Principal::Any(_)) => {
                accounts.insert(None);
            }
            Some(Principal::Typed(map)) => {
                for value in map.get("AWS").into_iter().flat_map(|v| v.iter()) {
                    accounts.insert(if value == "*" {
                        None
                    } else if value.len() == 12 {
                        Some(value)
                    } else {
                        arn_account(value)
                    });
                }
            }
            None => {}
        }
    }
    accounts
}

/// Sorts by group, then target ARN, then the ARN of the role entered with SAML, then the chain's
/// length. ARNs are compared through their rank among the estate's roles: tens of thousands of
/// paths share long prefixes.
fn sort_paths(estate: &Estate<'_>, hops: &[HopOutcome], paths: &mut [AccessPath]) {
    let rank = estate.arn_ranks();
    let mut saml_rank: HashMap<usize, u32> = HashMap::new();
    for path in paths.iter() {
        saml_rank.entry(path.saml_hop).or_insert_with(|| {
            estate
                .role_index(&hops[path.saml_hop].role_arn)
                .map_or(u32::MAX, |i| rank[i])
        });
    }
    paths.sort_by_cached_key(|p| {
        (
            p.group,
            rank[p.target],
            saml_rank[&p.saml_hop],
            p.chain.len(),
        )
    });
}
