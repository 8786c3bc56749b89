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

use awsfed_policy::{
    Caller, Context, ContextValue, Decision, Policy, PolicyKind, PolicyRefs, Request,
};
use awsfed_snapshot::{AccountSnapshot, UserSnapshot};

use crate::estate::Estate;
use crate::paths::{ActionCheck, HopKind, HopOutcome, Stage, check_request, resource_context};

/// How paths name an IAM user: `iam-user:NAME` (never a directory group's name, which cannot hold
/// `:` as awsfed writes them).
pub fn principal_name(user: &str) -> String {
    format!("iam-user:{user}")
}

/// Seconds since the MFA sign-in the analysis assumes.
pub const MFA_AGE_SECONDS: u32 = 60;

/// One IAM user's hop into a role.
#[derive(Debug, Clone)]
pub struct UserHop {
    pub user: String,
    pub user_arn: String,
    pub account_id: String,
    /// Index into the estate's roles.
    pub target: usize,
    pub hop: HopOutcome,
}

/// Every allowed hop of every IAM user of the estate, from an MFA session, into a role whose trust
/// can name it (its ARN, its account or `*`); only into `target` when given. Sorted by user ARN,
/// then role ARN.
pub fn user_hops(estate: &Estate<'_>, target: Option<usize>, detailed: bool) -> Vec<UserHop> {
    let mut found = Vec::new();
    for account in &estate.snapshot.accounts {
        for user in &account.users {
            let identity = user_identity(estate, account, user);
            for role in candidates(estate, account, user) {
                if target.is_some_and(|t| t != role) {
                    continue;
                }
                let hop = user_hop(estate, account, user, &identity, role, true, detailed);
                if hop.allowed {
                    found.push(UserHop {
                        user: user.name.clone(),
                        user_arn: user.arn.clone(),
                        account_id: account.id.clone(),
                        target: role,
                        hop,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| (&a.user_arn, &a.hop.role_arn).cmp(&(&b.user_arn, &b.hop.role_arn)));
    found
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
        context.insert(
            "aws:MultiFactorAuthPresent",
            ContextValue::Single("true".into()),
        );
        context.insert(
            "aws:MultiFactorAuthAge",
            ContextValue::Single(MFA_AGE_SECONDS.to_string()),
        );
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

/// The hop from the user's MFA session into `target`: with SourceIdentity (both actions), or
/// without it.
pub fn user_hop(
    estate: &Estate<'_>,
    account: &AccountSnapshot,
    user: &UserSnapshot,
    identity: &UserIdentity,
    target: usize,
    mfa: bool,
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
    let attempt = |actions: &[&str], source_identity: bool| -> Vec<ActionCheck> {
        actions
            .iter()
            .map(|action| {
                let sign_in = SignIn {
                    mfa,
                    source_identity,
                };
                let mut context = user_context(estate, account, user, action, sign_in);
                resource_context(estate, &mut context, &to.account.id);
                let request = Request::new(Caller::parse(&user.arn), *action, &to.role.arn)
                    .with_resource_account(&to.account.id)
                    .with_context(context);
                check_request(estate, action, &request, &set, detailed)
            })
            .collect()
    };
    let allowed = |checks: &[ActionCheck]| checks.iter().all(|c| c.decision == Decision::Allow);
    let mut checks = attempt(&["sts:AssumeRole", "sts:SetSourceIdentity"], true);
    if !allowed(&checks) {
        let without = attempt(&["sts:AssumeRole"], false);
        if allowed(&without) {
            checks = without;
        }
    }
    let mut problems = identity.problems.clone();
    problems.extend(to_policies.problems.iter().cloned());
    HopOutcome {
        kind: HopKind::AssumeRole,
        from: user.arn.clone(),
        role_arn: to.role.arn.clone(),
        stage: Stage::Saml,
        allowed: allowed(&checks),
        checks,
        audiences_allowed: Vec::new(),
        problems,
    }
}
