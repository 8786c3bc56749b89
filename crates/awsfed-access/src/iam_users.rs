//! IAM users as principals: the hop from an IAM user's MFA session into a role.
//!
//! An IAM user of an IAM-users hub signs in with `GetSessionToken` and an MFA code, then calls
//! `sts:AssumeRole` on the role with that session ("Configure MFA-protected API access", IAM User
//! Guide: such a session carries `aws:MultiFactorAuthPresent` and `aws:MultiFactorAuthAge`). The
//! caller's identity policies are the user's own, attached and inline, and those of every IAM group
//! it is in ("Policy evaluation logic": a user's permissions are the union of its policies and its
//! groups'); SCPs of the user's account and the target's trust and RCPs apply as for any
//! cross-account call. With the user's name as SourceIdentity (what `awsfed creds` sets) the call
//! also needs `sts:SetSourceIdentity`; the hop is allowed when it succeeds with it, or without it
//! for a trust that does not ask for one.
//!
//! The MFA age the analysis signs in with is [`MFA_AGE_SECONDS`]: a sign-in a minute old, within
//! any `mfa_max_age` the model allows (15 minutes at least).
//!
//! From a role an IAM user entered, paths go on by role chaining like any other
//! ([`crate::fixed_point`]): the user's entries are the start of their own sessions
//! ([`Stage::IamUser`]), in every way the user may sign the first hop — with or without MFA (the
//! long-term keys alone), with or without its name as SourceIdentity — since "cannot reach" must
//! hold for each. A chained session keeps what its first hop carried: the user's name as session
//! name and SourceIdentity ("Source identity": it persists along a chain), and the MFA context of
//! the credentials that called AssumeRole ("Configure MFA-protected API access": temporary
//! credentials from an MFA session carry `aws:MultiFactorAuthPresent`).

use awsfed_policy::{
    Caller, Context, ContextValue, Decision, Policy, PolicyKind, PolicyRefs, Request,
};
use awsfed_snapshot::{AccountSnapshot, UserSnapshot};

use serde::Serialize;

use crate::estate::Estate;
use crate::idp::SessionAttributes;
use crate::paths::{
    ActionCheck, HopEvaluator, HopKind, HopOutcome, Stage, check_request, resource_context,
};

/// How paths name an IAM user: `iam-user:NAME` (never a directory group's name, which cannot hold
/// `:` as awsfed writes them).
pub fn principal_name(user: &str) -> String {
    format!("iam-user:{user}")
}

/// Seconds since the MFA sign-in the analysis assumes.
pub const MFA_AGE_SECONDS: u32 = 60;

/// What a role session an IAM user entered carries of the user: its name (the session name,
/// and SourceIdentity when set) and whether the user signed in with MFA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IamUserSession {
    pub name: String,
    pub mfa: bool,
}

/// One IAM user of the estate.
#[derive(Debug, Clone, Copy)]
pub struct UserRef<'s> {
    pub account: &'s AccountSnapshot,
    pub user: &'s UserSnapshot,
}

/// Every IAM user of the estate, in snapshot order (accounts, then users).
pub fn estate_users<'s>(estate: &Estate<'s>) -> Vec<UserRef<'s>> {
    estate
        .snapshot
        .accounts
        .iter()
        .flat_map(|account| {
            account
                .users
                .iter()
                .map(move |user| UserRef { account, user })
        })
        .collect()
}

/// The ways a user may sign its first hop, in the order a path shows them: without MFA first
/// (what a leaked key could do is what audit must see), and with the user's name as
/// SourceIdentity before without (what `awsfed creds` sets).
pub const SIGN_INS: [SignIn; 4] = [
    SignIn {
        mfa: false,
        source_identity: true,
    },
    SignIn {
        mfa: false,
        source_identity: false,
    },
    SignIn {
        mfa: true,
        source_identity: true,
    },
    SignIn {
        mfa: true,
        source_identity: false,
    },
];

/// The session of a role `user` entered signing its hop as `sign_in` says: no IdP audience or
/// tags; the user's name, SourceIdentity and MFA context.
pub fn user_session(user: &UserSnapshot, sign_in: SignIn) -> SessionAttributes {
    SessionAttributes {
        audiences: Vec::new(),
        source_identity: sign_in.source_identity,
        session_tags: Vec::new(),
        transitive_tags: Vec::new(),
        iam_user: Some(IamUserSession {
            name: user.name.clone(),
            mfa: sign_in.mfa,
        }),
    }
}

/// A role an IAM user enters, one way of signing the hop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserEntry {
    /// Index into the analysis' users.
    pub user: usize,
    pub role: usize,
    /// Index into the evaluator's hops.
    pub hop: usize,
    /// The session the hop starts.
    pub stage: Stage,
    pub sign_in: SignIn,
}

/// Every allowed first hop of every user into a role `wanted` accepts, each way of signing it
/// that is allowed, kept in the evaluator with the session it starts.
pub(crate) fn user_entries(
    hops: &mut HopEvaluator<'_, '_>,
    users: &[UserRef<'_>],
    wanted: impl Fn(usize) -> bool,
    detailed: bool,
) -> Vec<UserEntry> {
    let estate = hops.estate;
    let mut entries = Vec::new();
    for (u, &UserRef { account, user }) in users.iter().enumerate() {
        let identity = user_identity(estate, account, user);
        for role in candidates(estate, account, user) {
            if !wanted(role) {
                continue;
            }
            for sign_in in SIGN_INS {
                let mut hop = signed_hop(estate, account, user, &identity, role, sign_in, detailed);
                if !hop.allowed {
                    continue;
                }
                let stage = hops.user_stage(user_session(user, sign_in));
                hop.stage = stage;
                hops.hops.push(hop);
                entries.push(UserEntry {
                    user: u,
                    role,
                    hop: hops.hops.len() - 1,
                    stage,
                    sign_in,
                });
            }
        }
    }
    entries
}

/// Roles whose trust names the user, its account (id or root) or anyone.
pub fn candidates(
    estate: &Estate<'_>,
    account: &AccountSnapshot,
    user: &UserSnapshot,
) -> Vec<usize> {
    let partition = awsfed_policy::Arn::partition_of(&user.arn);
    let mut roles: Vec<usize> = [
        user.arn.to_ascii_lowercase(),
        account.id.clone(),
        format!("arn:{partition}:iam::{}:root", account.id),
        "*".to_owned(),
    ]
    .iter()
    .flat_map(|p| estate.trusting(p).iter().copied())
    .collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// The user's identity policies, compiled: its own (inline, attached) and its groups'.
#[derive(Debug)]
pub struct UserIdentity {
    pub policies: Vec<Policy>,
    pub problems: Vec<String>,
}

/// Compiles the identity policies of `user` (its own and those of its groups in `account`).
pub fn user_identity(
    estate: &Estate<'_>,
    account: &AccountSnapshot,
    user: &UserSnapshot,
) -> UserIdentity {
    let mut policies = Vec::new();
    let mut problems = Vec::new();
    let mut inline = |id: String, document: &awsfed_policy::PolicyDocument| match Policy::compile(
        id,
        PolicyKind::Identity,
        document,
    ) {
        Ok(p) => policies.push(p),
        Err(e) => problems.push(e.to_string()),
    };
    for (name, document) in &user.inline_policies {
        inline(format!("{}#inline/{name}", user.arn), document);
    }
    let groups: Vec<_> = account
        .groups
        .iter()
        .filter(|g| user.groups.contains(&g.name))
        .collect();
    for group in &groups {
        for (name, document) in &group.inline_policies {
            inline(format!("{}#inline/{name}", group.arn), document);
        }
    }
    let arns = user
        .managed_policy_arns
        .iter()
        .chain(groups.iter().flat_map(|g| &g.managed_policy_arns));
    for arn in arns {
        match estate.managed_policy(arn, PolicyKind::Identity) {
            Ok(Some(p)) => policies.push(p),
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    UserIdentity { policies, problems }
}

/// The request context of `action` from the user's MFA session, with or without SourceIdentity.
pub fn user_context(
    estate: &Estate<'_>,
    account: &AccountSnapshot,
    user: &UserSnapshot,
    action: &str,
    sign_in: SignIn,
) -> Context {
    let mut context = Context::new()
        .with("aws:PrincipalArn", user.arn.as_str())
        .with("aws:PrincipalAccount", account.id.as_str())
        .with("aws:PrincipalType", "User")
        .with("aws:username", user.name.as_str())
        .with("aws:userid", synthetic_user_id(&user.arn));
    // Long-term access keys sign without either key ("AWS global condition context keys").
    if sign_in.mfa {
        insert_mfa(&mut context);
    }
    let source_identity = sign_in.source_identity;
    if action.eq_ignore_ascii_case("sts:AssumeRole") {
        context.insert(
            "sts:RoleSessionName",
            ContextValue::Single(user.name.clone()),
        );
    }
    if source_identity {
        context.insert(
            "sts:SourceIdentity",
            ContextValue::Single(user.name.clone()),
        );
    }
    if let Some(org) = estate.organization_id.as_deref() {
        context.insert("aws:PrincipalOrgID", ContextValue::Single(org.into()));
        context.insert("aws:ResourceOrgID", ContextValue::Single(org.into()));
    }
    context
}

/// The keys of a request signed in an MFA session: present, and [`MFA_AGE_SECONDS`] old.
pub fn insert_mfa(context: &mut Context) {
    context.insert(
        "aws:MultiFactorAuthPresent",
        ContextValue::Single("true".into()),
    );
    context.insert(
        "aws:MultiFactorAuthAge",
        ContextValue::Single(MFA_AGE_SECONDS.to_string()),
    );
}

/// How the user's request is signed: from an MFA session or with the long-term keys alone, and
/// with the user's name as SourceIdentity or without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignIn {
    pub mfa: bool,
    pub source_identity: bool,
}

/// A stable stand-in for the user's unique id (`AIDA…`), which scans do not keep.
pub fn synthetic_user_id(arn: &str) -> String {
    format!("AIDA{}", &awsfed_snapshot::synthetic_role_id(arn)[4..])
}

/// The hop from the user's session (MFA or the long-term keys, as `mfa` says) into `target`: with
/// SourceIdentity (both actions), or without it.
pub fn user_hop(
    estate: &Estate<'_>,
    account: &AccountSnapshot,
    user: &UserSnapshot,
    identity: &UserIdentity,
    target: usize,
    mfa: bool,
    detailed: bool,
) -> HopOutcome {
    let with = SignIn {
        mfa,
        source_identity: true,
    };
    let hop = signed_hop(estate, account, user, identity, target, with, detailed);
    if hop.allowed {
        return hop;
    }
    let without = SignIn {
        mfa,
        source_identity: false,
    };
    let other = signed_hop(estate, account, user, identity, target, without, detailed);
    if other.allowed { other } else { hop }
}

/// The hop from the user's session into `target`, signed as `sign_in` says: with SourceIdentity
/// it needs `sts:SetSourceIdentity` too.
pub fn signed_hop(
    estate: &Estate<'_>,
    account: &AccountSnapshot,
    user: &UserSnapshot,
    identity: &UserIdentity,
    target: usize,
    sign_in: SignIn,
    detailed: bool,
) -> HopOutcome {
    let to = estate.role(target);
    let to_policies = estate.compiled(target);
    let set = PolicyRefs {
        service_control: estate.service_control(&account.id),
        resource_control: estate.resource_control(&to.account.id),
        identity: &identity.policies,
        permissions_boundary: None,
        session: None,
        resource: to_policies.trust.as_ref(),
    };
    let actions: &[&str] = if sign_in.source_identity {
        &["sts:AssumeRole", "sts:SetSourceIdentity"]
    } else {
        &["sts:AssumeRole"]
    };
    let checks: Vec<ActionCheck> = actions
        .iter()
        .map(|action| {
            let mut context = user_context(estate, account, user, action, sign_in);
            resource_context(estate, &mut context, &to.account.id);
            let request = Request::new(Caller::parse(&user.arn), *action, &to.role.arn)
                .with_resource_account(&to.account.id)
                .with_context(context);
            check_request(estate, action, &request, &set, detailed)
        })
        .collect();
    let mut problems = identity.problems.clone();
    problems.extend(to_policies.problems.iter().cloned());
    HopOutcome {
        kind: HopKind::AssumeRole,
        from: user.arn.clone(),
        role_arn: to.role.arn.clone(),
        stage: Stage::Saml,
        allowed: checks.iter().all(|c| c.decision == Decision::Allow),
        checks,
        audiences_allowed: Vec::new(),
        problems,
    }
}
