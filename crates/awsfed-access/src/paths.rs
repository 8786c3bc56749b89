//! Hops: directory group → SAML hop → AssumeRole hops → role, each hop decided by the policy
//! evaluator with the policies AWS applies to it. [`crate::fixed_point`] chains them into paths.
//!
//! - SAML hop (`sts:AssumeRoleWithSAML`): the caller is the SAML provider; the role's trust policy
//!   decides, under the RCPs of the role's account. No identity policy, boundary or SCP applies
//!   ("Policy evaluation logic"; "RCP evaluation", AWS Organizations User Guide).
//! - AssumeRole hop: the caller is the previous hop's role session; its identity policies,
//!   permissions boundary and the SCPs down its account's OU chain apply, then the target's trust
//!   policy and the RCPs of the target's account ("Cross-account policy evaluation logic").
//! - Extra actions: `sts:SetSourceIdentity` on every hop once the IdP sends SourceIdentity (it
//!   persists along the chain), `sts:TagSession` on the SAML hop for session tags and on chained hops
//!   for transitive tags ("Source identity", "Passing session tags in AWS STS", IAM User Guide).
//! - Session context carried along: `saml:aud`/`saml:sub` on the SAML hop; on a chained hop
//!   `aws:userid` = `ROLE-ID:SESSION-NAME` of the caller session, `sts:RoleSessionName`,
//!   SourceIdentity, principal tags and transitive request tags.
//! - Session length: the role's MaxSessionDuration after a SAML hop, at most one hour after role
//!   chaining ("Role chaining", IAM User Guide).
//! - Tags along a chain: a session entered with SAML carries every session tag as a principal tag;
//!   a chained session carries only the transitive ones ("Chaining roles with session tags").

use std::collections::{BTreeSet, HashMap, HashSet};

use awsfed_policy::{
    Arn, Caller, Context, ContextValue, Decision, Effect, Gate, PolicyRefs, Request, StatementRef,
    evaluate_refs, wildcard_match,
};
use serde::Serialize;

use super::estate::{Estate, arn_account};
use super::idp::{IdpMapping, RolePair, SessionAttributes};

/// The session name and SourceIdentity the analysis signs in with: any valid value behaves alike
/// for the conditions awsfed writes, so one stands for every user.
pub const EXAMPLE_SESSION_NAME: &str = "user@example.com";

/// How many values of a condition a path shows.
const CONDITION_VALUES_SHOWN: usize = 4;

/// How the caller session of an AssumeRole hop was entered, which decides the principal tags it
/// carries: every session tag after the SAML hop, only the transitive ones after role chaining.
/// A session Identity Center signed in, and any chained from it, carries neither SourceIdentity nor
/// tags, whatever the corporate IdP sends ([`crate::identity_center`]). A session an IAM user
/// entered, and any chained from it, is one of the user's sessions ([`crate::iam_users`]): its
/// name, SourceIdentity and MFA context are the user's, never the IdP's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Saml,
    Chained,
    IdentityCenter,
    /// Index into [`HopEvaluator::user_sessions`].
    IamUser(u32),
}

impl Stage {
    /// The stage a session entered with SAML through `provider_arn` starts at.
    pub fn entered_through(provider_arn: &str) -> Stage {
        if crate::identity_center::is_identity_center_provider(provider_arn) {
            Stage::IdentityCenter
        } else {
            Stage::Saml
        }
    }

    /// The stage of a session chained from one at `self` (`chained`: the normalized
    /// [`Stage::Chained`]).
    pub fn then(self, chained: Stage) -> Stage {
        match self {
            Stage::IdentityCenter | Stage::IamUser(_) => self,
            _ => chained,
        }
    }
}

impl SessionAttributes {
    /// The attributes of a session entered at `stage`: a chained session's principal tags are the
    /// transitive tags. An IAM user's session is not the IdP's: [`HopEvaluator::session_at`]
    /// knows it.
    pub fn at(&self, stage: Stage) -> SessionAttributes {
        let mut session = self.clone();
        match stage {
            Stage::Saml | Stage::IamUser(_) => {}
            Stage::Chained => session.session_tags.clone_from(&self.transitive_tags),
            Stage::IdentityCenter => session = crate::identity_center::identity_center_session(),
        }
        session
    }

    /// The role session name (and SourceIdentity, when set) of a session: the IAM user's name, or
    /// the example that stands for every federated user.
    pub fn session_name(&self) -> &str {
        self.iam_user
            .as_ref()
            .map_or(EXAMPLE_SESSION_NAME, |u| u.name.as_str())
    }

    /// `stage`, or [`Stage::Saml`] when a chained session carries the same tags (every hop from
    /// it is decided the same way, so the two need no separate evaluation).
    pub fn normalize(&self, stage: Stage) -> Stage {
        if stage == Stage::Chained && self.session_tags == self.transitive_tags {
            Stage::Saml
        } else {
            stage
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopKind {
    Saml,
    AssumeRole,
}

/// One action a hop needs and how the evaluator decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionCheck {
    pub action: String,
    #[serde(serialize_with = "decision_text")]
    pub decision: Decision,
    /// For the SAML hop, the audience it was evaluated with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The statements that decided it: `KIND ID statement N`.
    pub statements: Vec<String>,
    /// The conditions of the allowing statements: what the hop depends on.
    pub conditions: Vec<String>,
    /// For an implicit deny, what was missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

fn decision_text<S: serde::Serializer>(d: &Decision, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

/// A hop, evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct HopOutcome {
    pub kind: HopKind,
    /// The SAML provider ARN, or the caller role's ARN.
    pub from: String,
    pub role_arn: String,
    /// How the caller session was entered (AssumeRole hops; [`Stage::Saml`] for SAML hops).
    #[serde(skip)]
    pub stage: Stage,
    pub allowed: bool,
    pub checks: Vec<ActionCheck>,
    /// Audiences the SAML hop accepts (sorted); empty for AssumeRole hops.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audiences_allowed: Vec<String>,
    /// Policies that could not be read or compiled (left out of the evaluation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl HopOutcome {
    /// Every condition the hop depends on, deduplicated, in order.
    pub fn conditions(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.checks
            .iter()
            .filter(|c| c.decision == Decision::Allow)
            .flat_map(|c| c.conditions.iter())
            .filter(|c| seen.insert(c.as_str()))
            .map(String::as_str)
            .collect()
    }
}

/// A complete path: a group reaches a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessPath {
    /// Index into the mapping's groups.
    pub group: usize,
    /// Index into [`Analysis::hops`].
    pub saml_hop: usize,
    /// The AssumeRole hops after it, in order (indices into [`Analysis::hops`]); empty when the
    /// path ends in the role entered with SAML.
    pub chain: Vec<usize>,
    /// Index into the estate's roles: the role the path ends in.
    pub target: usize,
    /// The longest session the path gives, in seconds.
    pub max_session_seconds: u32,
}

impl AccessPath {
    /// Whether the path goes on by role chaining after the SAML hop.
    pub fn is_chained(&self) -> bool {
        !self.chain.is_empty()
    }
}

/// A complete path of an IAM user: its hop from its own session into a role, then any role
/// chained from there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPath {
    /// Index into [`Analysis::users`].
    pub user: usize,
    /// Index into the estate's roles: the role the user's hop enters.
    pub entered: usize,
    /// The user's hop into the role it enters (index into [`Analysis::hops`]).
    pub first_hop: usize,
    /// The AssumeRole hops after it, in order; empty when the path ends in the role entered.
    pub chain: Vec<usize>,
    /// Index into the estate's roles: the role the path ends in.
    pub target: usize,
    /// The longest session the path gives, in seconds: the role's own after the user's hop (a
    /// session from `GetSessionToken` or long-term keys is no role chaining), one hour after.
    pub max_session_seconds: u32,
    /// The first hop is signed in an MFA session; `false`: the long-term keys alone do.
    pub mfa: bool,
}

impl UserPath {
    /// Whether the path goes on by role chaining after the user's hop.
    pub fn is_chained(&self) -> bool {
        !self.chain.is_empty()
    }
}

/// The result of following every group of the mapping, and every IAM user of the estate, through
/// the estate.
#[derive(Debug)]
pub struct Analysis<'e, 's> {
    pub estate: &'e Estate<'s>,
    pub mapping: &'e IdpMapping,
    pub hops: Vec<HopOutcome>,
    /// Sorted by group, then target ARN, then the role entered with SAML.
    pub paths: Vec<AccessPath>,
    /// Role values whose SAML hop is denied or whose role does not exist: `(group, pair, hop)`.
    pub broken: Vec<(usize, RolePair, Option<usize>)>,
    /// Every IAM user of the estate.
    pub users: Vec<crate::iam_users::UserRef<'s>>,
    /// Sorted by user, then target ARN, then the role the user entered, then the chain's length.
    pub user_paths: Vec<UserPath>,
}

impl Analysis<'_, '_> {
    /// How paths name the principal of a user path: `iam-user:NAME`.
    pub fn user_name(&self, path: &UserPath) -> String {
        crate::iam_users::principal_name(&self.users[path.user].user.name)
    }
}

/// Evaluates hops with a cache, so that a hop shared by many groups is decided once.
#[derive(Debug)]
pub struct HopEvaluator<'e, 's> {
    pub estate: &'e Estate<'s>,
    pub session: &'e SessionAttributes,
    pub hops: Vec<HopOutcome>,
    saml_cache: HashMap<(usize, String), usize>,
    chained_cache: HashMap<(usize, Stage, usize), usize>,
    /// The sessions of roles IAM users entered, by [`Stage::IamUser`] index.
    pub user_sessions: Vec<SessionAttributes>,
}

impl<'e, 's> HopEvaluator<'e, 's> {
    pub fn new(estate: &'e Estate<'s>, session: &'e SessionAttributes) -> Self {
        Self {
            estate,
            session,
            hops: Vec::new(),
            saml_cache: HashMap::new(),
            chained_cache: HashMap::new(),
            user_sessions: Vec::new(),
        }
    }

    /// The attributes of a caller session entered at `stage`.
    pub fn session_at(&self, stage: Stage) -> SessionAttributes {
        match stage {
            Stage::IamUser(i) => self.user_sessions[i as usize].clone(),
            _ => self.session.at(stage),
        }
    }

    /// The stage of an IAM user's session ([`crate::iam_users::user_session`]), added once.
    pub fn user_stage(&mut self, session: SessionAttributes) -> Stage {
        let index = match self.user_sessions.iter().position(|s| *s == session) {
            Some(i) => i,
            None => {
                self.user_sessions.push(session);
                self.user_sessions.len() - 1
            }
        };
        Stage::IamUser(u32::try_from(index).expect("fewer than 2^32 user sessions"))
    }

    /// The SAML hop into `role` vouched for by `provider_arn`.
    pub fn saml(&mut self, role: usize, provider_arn: &str) -> usize {
        if let Some(&i) = self.saml_cache.get(&(role, provider_arn.to_owned())) {
            return i;
        }
        let session = self.session.at(Stage::entered_through(provider_arn));
        let outcome = saml_hop(self.estate, &session, role, provider_arn);
        let i = self.hops.len();
        self.hops.push(outcome);
        self.saml_cache.insert((role, provider_arn.to_owned()), i);
        i
    }

    /// The AssumeRole hop from a session of `caller` entered at `stage` into `target`.
    pub fn chained(&mut self, caller: usize, stage: Stage, target: usize) -> usize {
        let stage = self.session.normalize(stage);
        if let Some(&i) = self.chained_cache.get(&(caller, stage, target)) {
            return i;
        }
        let session = self.session_at(stage);
        let mut outcome = chained_hop(self.estate, &session, caller, target, false, true);
        outcome.stage = stage;
        self.keep((caller, stage, target), outcome)
    }

    /// Keeps a hop (decided here or on another thread) under its key: caller, stage, target.
    pub(crate) fn keep(&mut self, key: (usize, Stage, usize), outcome: HopOutcome) -> usize {
        let i = self.hops.len();
        self.hops.push(outcome);
        self.chained_cache.insert(key, i);
        i
    }
}

fn session_actions(session: &SessionAttributes, first: HopKind) -> Vec<&'static str> {
    let mut actions = vec![match first {
        HopKind::Saml => "sts:AssumeRoleWithSAML",
        HopKind::AssumeRole => "sts:AssumeRole",
    }];
    if session.source_identity {
        actions.push("sts:SetSourceIdentity");
    }
    let tags = match first {
        HopKind::Saml => &session.session_tags,
        HopKind::AssumeRole => &session.transitive_tags,
    };
    if !tags.is_empty() {
        actions.push("sts:TagSession");
    }
    actions
}

fn tag_context(context: &mut Context, tags: &[String], request: bool, principal: bool) {
    for tag in tags {
        if request {
            context.insert(
                &format!("aws:RequestTag/{tag}"),
                ContextValue::Single("example".into()),
            );
        }
        if principal {
            context.insert(
                &format!("aws:PrincipalTag/{tag}"),
                ContextValue::Single("example".into()),
            );
        }
    }
}

/// The request context of the SAML hop for one audience.
pub fn saml_context(session: &SessionAttributes, audience: &str) -> Context {
    let mut context = Context::new()
        .with("saml:aud", audience)
        .with("saml:sub", EXAMPLE_SESSION_NAME);
    if session.source_identity {
        context.insert(
            "sts:SourceIdentity",
            ContextValue::Single(EXAMPLE_SESSION_NAME.into()),
        );
    }
    if !session.session_tags.is_empty() {
        tag_context(&mut context, &session.session_tags, true, false);
        context.insert(
            "aws:TagKeys",
            ContextValue::Multi(session.session_tags.clone()),
        );
        if !session.transitive_tags.is_empty() {
            context.insert(
                "sts:TransitiveTagKeys",
                ContextValue::Multi(session.transitive_tags.clone()),
            );
        }
    }
    context
}

/// The session ARN of `role` entered with the example session name.
pub fn session_arn(role_arn: &str) -> String {
    session_arn_named(role_arn, EXAMPLE_SESSION_NAME)
}

/// The session ARN of `role` entered with the session name `session_name`.
pub fn session_arn_named(role_arn: &str, session_name: &str) -> String {
    let account = arn_account(role_arn).unwrap_or_default();
    let partition = Arn::partition_of(role_arn);
    let name = role_arn.rsplit('/').next().unwrap_or_default();
    format!("arn:{partition}:sts::{account}:assumed-role/{name}/{session_name}")
}

/// The request context of a chained hop's `action` from a session of `caller_arn` (role id
/// `role_id`). Each action gets the keys the Service Authorization Reference lists for it (AWS
/// STS: `sts:RoleSessionName` for `sts:AssumeRole` only, `sts:SourceIdentity` not for
/// `sts:TagSession`), as iam-simulate does: a trust that tests such a key on `sts:TagSession`
/// does not allow the tags, and the hop fails.
pub fn chained_context(
    action: &str,
    session: &SessionAttributes,
    caller_arn: &str,
    role_id: &str,
    target_account: &str,
    organization_id: Option<&str>,
) -> Context {
    let account = arn_account(caller_arn).unwrap_or_default();
    let name = session.session_name();
    let mut context = Context::new()
        .with("aws:userid", format!("{role_id}:{name}"))
        .with("aws:PrincipalArn", caller_arn)
        .with("aws:PrincipalAccount", account)
        .with("aws:PrincipalType", "AssumedRole")
        .with("aws:ResourceAccount", target_account);
    if action.eq_ignore_ascii_case("sts:AssumeRole") {
        context.insert("sts:RoleSessionName", ContextValue::Single(name.into()));
    }
    if session.iam_user.as_ref().is_some_and(|u| u.mfa) {
        crate::iam_users::insert_mfa(&mut context);
    }
    if let Some(org) = organization_id {
        context.insert("aws:PrincipalOrgID", ContextValue::Single(org.into()));
        context.insert("aws:ResourceOrgID", ContextValue::Single(org.into()));
    }
    if session.source_identity {
        // `aws:SourceIdentity` is global: every request of a session with a source identity has
        // it. `sts:SourceIdentity` is a key of the assume actions and `sts:SetSourceIdentity`
        // only, not of `sts:TagSession`.
        if !action.eq_ignore_ascii_case("sts:TagSession") {
            context.insert("sts:SourceIdentity", ContextValue::Single(name.into()));
        }
        context.insert("aws:SourceIdentity", ContextValue::Single(name.into()));
    }
    tag_context(&mut context, &session.session_tags, false, true);
    if !session.transitive_tags.is_empty() {
        tag_context(&mut context, &session.transitive_tags, true, false);
        context.insert(
            "aws:TagKeys",
            ContextValue::Multi(session.transitive_tags.clone()),
        );
    }
    context
}

/// The keys of the resource's account: `aws:ResourceAccount`, and `aws:ResourceOrgPaths` when the
/// estate knows the organisation ("AWS global condition context keys": both are present for
/// `sts:AssumeRole` into a role of an organisation account; hub policies for OU grants use the
/// latter). An account the organisation does not hold has no such key. A snapshot without its
/// organisation whose policies test the key gets the paths assumed for it
/// ([`crate::unknown_org_paths`]): "no path" is never claimed where the OU cannot be known.
pub fn resource_context(estate: &Estate<'_>, context: &mut Context, account: &str) {
    context.insert(
        "aws:ResourceAccount",
        ContextValue::Single(account.to_owned()),
    );
    match estate.org_path(account) {
        Some(path) => context.insert(
            "aws:ResourceOrgPaths",
            ContextValue::Multi(vec![path.to_owned()]),
        ),
        None => match &estate.unknown_org_paths {
            Some(unknown) => context.insert(
                "aws:ResourceOrgPaths",
                ContextValue::Multi(unknown.assumed.clone()),
            ),
            None => context.remove("aws:ResourceOrgPaths"),
        },
    }
}

/// [`check`] of a request with no audience: what other modules decide hops with.
pub(crate) fn check_request(
    estate: &Estate<'_>,
    action: &str,
    request: &Request,
    set: &PolicyRefs<'_>,
    detailed: bool,
) -> ActionCheck {
    check(estate, action, None, request, set, detailed)
}

fn check(
    estate: &Estate<'_>,
    action: &str,
    audience: Option<&str>,
    request: &Request,
    set: &PolicyRefs<'_>,
    detailed: bool,
) -> ActionCheck {
    let evaluation = evaluate_refs(request, set);
    let statements = if detailed || evaluation.decision == Decision::ExplicitDeny {
        evaluation
            .statements
            .iter()
            .map(describe_statement)
            .collect()
    } else {
        Vec::new()
    };
    let conditions = if detailed && evaluation.decision == Decision::Allow {
        evaluation
            .statements
            .iter()
            .flat_map(|s| statement_conditions(estate, s))
            .collect()
    } else {
        Vec::new()
    };
    ActionCheck {
        action: action.to_owned(),
        decision: evaluation.decision,
        audience: audience.map(str::to_owned),
        statements,
        conditions,
        missing: evaluation.missing.as_ref().map(gate_text),
    }
}

fn describe_statement(s: &StatementRef<'_>) -> String {
    let id = s.policy_id().replace('#', " ");
    let mut text = format!("{} `{id}` statement {}", s.kind(), s.index);
    if let Some(sid) = s.sid() {
        text.push_str(&format!(" (Sid `{sid}`)"));
    }
    if let Some(level) = s.level {
        text.push_str(&format!(" at {level}"));
    }
    text
}

/// `Operator key values` for each condition of the statement.
fn statement_conditions(estate: &Estate<'_>, s: &StatementRef<'_>) -> Vec<String> {
    let Some(document) = estate.document(s.policy_id()) else {
        return Vec::new();
    };
    let Some(statement) = document.statement.get(s.index) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (operator, keys) in &statement.condition {
        for (key, values) in keys {
            // Account lists run to hundreds of ids: name a few and count the rest.
            let shown: Vec<&str> = values.iter().take(CONDITION_VALUES_SHOWN).collect();
            let mut text = format!("{operator} {key} {}", shown.join(" | "));
            if values.len() > CONDITION_VALUES_SHOWN {
                text.push_str(&format!(" | … ({} values)", values.len()));
            }
            out.push(text);
        }
    }
    out
}

fn gate_text(gate: &Gate) -> String {
    match gate {
        Gate::ServiceControl { level } => format!("no SCP at {level} allows it"),
        Gate::Identity => "no identity-based policy of the caller allows it".into(),
        Gate::Resource => "the trust policy does not allow this principal".into(),
        Gate::PermissionsBoundary => "the permissions boundary does not allow it".into(),
        Gate::Session => "the session policy does not allow it".into(),
    }
}

fn saml_hop(
    estate: &Estate<'_>,
    session: &SessionAttributes,
    role: usize,
    provider_arn: &str,
) -> HopOutcome {
    let target = estate.role(role);
    let compiled = estate.compiled(role);
    let set = PolicyRefs {
        resource_control: estate.resource_control(&target.account.id),
        resource: compiled.trust.as_ref(),
        ..PolicyRefs::default()
    };
    let caller = Caller::parse(provider_arn);
    let mut checks = Vec::new();
    let mut audiences_allowed = Vec::new();
    for audience in &session.audiences {
        let context = saml_context(session, audience);
        let mut all = true;
        for action in session_actions(session, HopKind::Saml) {
            let request = Request::new(caller.clone(), action, &target.role.arn)
                .with_resource_account(&target.account.id)
                .with_context(context.clone());
            let c = check(estate, action, Some(audience), &request, &set, true);
            all &= c.decision == Decision::Allow;
            checks.push(c);
        }
        if all {
            audiences_allowed.push(audience.clone());
        }
    }
    HopOutcome {
        kind: HopKind::Saml,
        from: provider_arn.to_owned(),
        role_arn: target.role.arn.clone(),
        stage: Stage::Saml,
        allowed: !audiences_allowed.is_empty(),
        checks,
        audiences_allowed,
        problems: compiled.problems.clone(),
    }
}

/// The requests of one caller's session, built once and pointed at each target in turn: between
/// targets only the resource, its account and `aws:ResourceAccount` change, and a hub role reaches
/// hundreds of spoke roles.
struct ChainedRequests {
    requests: Vec<(&'static str, Request)>,
}

impl ChainedRequests {
    fn new(estate: &Estate<'_>, session: &SessionAttributes, caller: usize) -> Self {
        let from = estate.role(caller);
        let caller_arn = Caller::parse(&session_arn_named(&from.role.arn, session.session_name()));
        let requests = session_actions(session, HopKind::AssumeRole)
            .into_iter()
            .map(|action| {
                let context = chained_context(
                    action,
                    session,
                    &from.role.arn,
                    &from.role.role_id,
                    "",
                    estate.organization_id.as_deref(),
                );
                // Lower-case as the evaluator compares actions: it then borrows instead of copying.
                let request = Request::new(
                    caller_arn.clone(),
                    action.to_ascii_lowercase(),
                    String::new(),
                )
                .with_resource_account(String::new())
                .with_context(context);
                (action, request)
            })
            .collect();
        Self { requests }
    }
}

/// The AssumeRole hop from a session of `caller` into `target`. With `stop_early`, a denied
/// `sts:AssumeRole` ends the evaluation there (the extra actions do not matter then).
fn chained_hop(
    estate: &Estate<'_>,
    session: &SessionAttributes,
    caller: usize,
    target: usize,
    stop_early: bool,
    detailed: bool,
) -> HopOutcome {
    let mut requests = ChainedRequests::new(estate, session, caller);
    chained_hop_with(estate, &mut requests, caller, target, stop_early, detailed)
}

fn chained_hop_with(
    estate: &Estate<'_>,
    requests: &mut ChainedRequests,
    caller: usize,
    target: usize,
    stop_early: bool,
    detailed: bool,
) -> HopOutcome {
    let from = estate.role(caller);
    let to = estate.role(target);
    let from_policies = estate.compiled(caller);
    let to_policies = estate.compiled(target);
    let set = PolicyRefs {
        service_control: estate.service_control(&from.account.id),
        resource_control: estate.resource_control(&to.account.id),
        identity: &from_policies.identity,
        permissions_boundary: from_policies.boundary.as_ref(),
        session: None,
        resource: to_policies.trust.as_ref(),
    };
    let mut checks = Vec::new();
    for (action, request) in &mut requests.requests {
        request.resource.clone_from(&to.role.arn);
        request
            .resource_account
            .get_or_insert_default()
            .clone_from(&to.account.id);
        resource_context(estate, &mut request.context, &to.account.id);
        let check = check(estate, action, None, request, &set, detailed);
        let stop = stop_early && check.decision != Decision::Allow;
        checks.push(check);
        if stop {
            break;
        }
    }
    let mut problems = from_policies.problems.clone();
    problems.extend(to_policies.problems.iter().cloned());
    HopOutcome {
        kind: HopKind::AssumeRole,
        from: from.role.arn.clone(),
        role_arn: to.role.arn.clone(),
        stage: Stage::Saml,
        allowed: checks.iter().all(|c| c.decision == Decision::Allow),
        checks,
        audiences_allowed: Vec::new(),
        problems,
    }
}

/// The hops from a session of `caller` whose `sts:AssumeRole` is allowed (the extra actions may
/// still fail: such hops are kept so that audit can name them), in candidate order.
pub fn chained_from(
    estate: &Estate<'_>,
    session: &SessionAttributes,
    caller: usize,
    detailed: bool,
) -> Vec<HopOutcome> {
    chained_targets(estate, session, caller, None, detailed)
        .into_iter()
        .map(|(_, hop)| hop)
        .collect()
}

/// A chained hop with the index of the role it enters.
pub(crate) type TargetHop = (usize, HopOutcome);

/// [`chained_from`], each hop with the index of the role it enters; `within` limits the roles
/// tried.
pub(crate) fn chained_targets(
    estate: &Estate<'_>,
    session: &SessionAttributes,
    caller: usize,
    within: Option<&HashSet<usize>>,
    detailed: bool,
) -> Vec<TargetHop> {
    let mut requests = ChainedRequests::new(estate, session, caller);
    chained_candidates(estate, caller)
        .into_iter()
        .filter(|t| within.is_none_or(|w| w.contains(t)))
        .map(|t| {
            let hop = chained_hop_with(estate, &mut requests, caller, t, true, detailed);
            (t, hop)
        })
        .filter(|(_, h)| h.checks[0].decision == Decision::Allow)
        .collect()
}

/// Roles a session of `caller` might assume: those whose trust can name it (see
/// [`admitting_principals`]) and that its identity policies name for `sts:AssumeRole` — or, in
/// its own account, whose trust names it (or everyone), which needs no identity grant. The
/// evaluator decides each; this only avoids evaluating every role.
pub fn chained_candidates(estate: &Estate<'_>, caller: usize) -> Vec<usize> {
    let from = estate.role(caller);
    let mut admitted: BTreeSet<usize> = admitting_principals(estate, caller)
        .iter()
        .flat_map(|p| estate.trusting(p).iter().copied())
        .collect();
    admitted.remove(&caller);
    if admitted.is_empty() {
        return Vec::new();
    }
    let mut found = BTreeSet::new();
    for document in estate.identity_documents(caller) {
        for statement in &document.statement {
            if statement.effect != Effect::Allow {
                continue;
            }
            let acts = match (&statement.action, &statement.not_action) {
                (Some(actions), _) => actions
                    .iter()
                    .any(|a| wildcard_match(&a.to_ascii_lowercase(), "sts:assumerole")),
                (None, Some(_)) => true,
                (None, None) => false,
            };
            if !acts {
                continue;
            }
            let Some(resources) = &statement.resource else {
                return admitted.into_iter().collect();
            };
            for pattern in resources.iter() {
                if pattern == "*" || pattern.contains('$') {
                    return admitted.into_iter().collect();
                }
                resource_candidates(estate, pattern, &admitted, &mut found);
            }
        }
    }
    for principal in [from.role.arn.as_str(), "*"] {
        for &i in estate.trusting(principal) {
            if estate.role(i).account.id == from.account.id {
                found.insert(i);
            }
        }
    }
    found.intersection(&admitted).copied().collect()
}

/// How a role trust can name a session of `caller`: its role or session, its account, or everyone.
/// A trust must name the caller so in an `Allow` statement, or nothing can let it in ("Policy
/// evaluation for requests within a single account": trust policies are the exception that must
/// name the principal). Leaving out the roles whose trust names none of these changes no decision
/// and skips the roles the identity policy names but whose trust admits someone else.
fn admitting_principals(estate: &Estate<'_>, caller: usize) -> [String; 5] {
    let from = estate.role(caller);
    let account = from.account.id.as_str();
    let partition = Arn::partition_of(&from.role.arn);
    [
        from.role.arn.clone(),
        session_arn(&from.role.arn),
        format!("arn:{partition}:iam::{account}:root"),
        account.to_owned(),
        "*".to_owned(),
    ]
}

/// Whether the trust of `target` names a session of `caller` in any of the ways
/// [`admitting_principals`] lists.
pub(crate) fn trust_can_name(estate: &Estate<'_>, caller: usize, target: usize) -> bool {
    admitting_principals(estate, caller)
        .iter()
        .any(|p| estate.trusting(p).binary_search(&target).is_ok())
}

/// The roles of `admitted` an identity policy's resource `pattern` names (others may be added:
/// the caller intersects).
fn resource_candidates(
    estate: &Estate<'_>,
    pattern: &str,
    admitted: &BTreeSet<usize>,
    found: &mut BTreeSet<usize>,
) {
    if !pattern.contains(['*', '?']) {
        found.extend(estate.role_index(pattern));
        return;
    }
    // `arn:aws:iam::*:role/PATH/NAME`: only the account is open.
    if let Some([_, "iam", _, _, resource]) = Arn::parts(pattern)
        && !resource.contains(['*', '?'])
    {
        found.extend(estate.by_resource(resource).iter().copied());
        return;
    }
    for &i in admitted {
        if wildcard_match(pattern, &estate.role(i).role.arn) {
            found.insert(i);
        }
    }
}
