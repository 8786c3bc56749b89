//! The IAM authorization decision for one request against the policies that apply to it.
//!
//! Sources (IAM User Guide unless noted):
//! - "Policy evaluation logic" and "Determining whether a request is allowed or denied within an
//!   account": an explicit `Deny` in any applicable policy wins; otherwise every guardrail (SCPs,
//!   RCPs, permissions boundary, session policy) must allow, and an identity-based or resource-based
//!   policy must grant; anything else is an implicit deny.
//! - "Policy evaluation for requests within a single account": within one account, a grant in the
//!   identity-based policy *or* in the resource-based policy is enough. A resource-based grant that
//!   names the caller's own ARN (an IAM user, an assumed-role session, a federated-user session) is not
//!   limited by an implicit deny in the permissions boundary or the session policy; a grant that names
//!   the role or user behind a session is.
//! - "Permissions boundaries for IAM entities": a boundary never grants; a `Deny` with `NotPrincipal`
//!   in a resource-based policy always denies a principal that has a boundary.
//! - "Session policies": the session policy limits identity-based grants and resource-based grants
//!   that name the role or user; a grant naming the session ARN is added after it.
//! - "Cross-account policy evaluation logic": across accounts, the identity side (identity-based
//!   policies within boundary and session policy) *and* the resource-based policy must both allow.
//! - Role trust policies ("How to use trust policies with IAM roles"; the exception noted in
//!   "Policy evaluation for requests within a single account": "Role trust policies and KMS key
//!   policies are exceptions to this logic, because they must explicitly allow access for
//!   principals"): a trust policy that names the caller (its ARN, its role, its SAML provider) allows
//!   the assumption by itself; a trust policy that names only the account root delegates to that
//!   account, so the caller's identity-based policy must also allow `sts:AssumeRole*`.
//! - "SCP evaluation" (AWS Organizations User Guide): at every level from the root down to the
//!   account, some attached SCP must allow; SCPs don't apply to the management account, to
//!   service-linked roles, or to service principals.
//! - "RCP evaluation" and "Resource control policies (RCPs)" (AWS Organizations User Guide):
//!   `RCPFullAWSAccess` is attached at every level and cannot be detached, so RCPs only restrict
//!   (their `Deny` statements count); they don't apply to resources of the management account or to
//!   service-linked roles.
//! - `sts:GetCallerIdentity` needs no permission and cannot be denied ("GetCallerIdentity", AWS STS
//!   API Reference).
//!
//! The evaluator is pure: the caller decides which policies apply (those of the principal's account
//! and OU chain for SCPs, of the resource's account for RCPs), which lets an access-path analysis call
//! it once per hop — a SAML hop with the trust policy and RCPs only, an `sts:AssumeRole` hop with the
//! caller's identity policies, boundary and SCPs plus the target trust policy and RCPs.

use std::fmt;

use crate::document::Effect;
use crate::policy::{CompiledStatement, Policy, PolicyKind, PreparedRequest};
use crate::principal::PrincipalMatch;
use crate::request::{Caller, CallerKind, Request};

/// The policies of one level of an organization: the root, an OU or the account.
#[derive(Debug, Clone)]
pub struct OrgLevel {
    /// The root, OU or account id (`r-ab12`, `ou-ab12-cdef3456`, `111122223333`).
    pub target: String,
    pub policies: Vec<Policy>,
}

/// SCPs or RCPs along the path from the organization root (first) down to the account (last).
#[derive(Debug, Clone, Default)]
pub struct OrgChain {
    pub levels: Vec<OrgLevel>,
    /// The account is the organization's management account, which SCPs and RCPs do not affect.
    pub management_account: bool,
}

impl OrgChain {
    pub fn new(levels: Vec<OrgLevel>) -> Self {
        Self {
            levels,
            management_account: false,
        }
    }
}

/// Everything that applies to one request. Leave out what does not exist: no boundary, no session
/// policy, no resource policy, not in an organization.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// SCPs of the principal's account.
    pub service_control: Option<OrgChain>,
    /// RCPs of the resource's account.
    pub resource_control: Option<OrgChain>,
    pub identity: Vec<Policy>,
    pub permissions_boundary: Option<Policy>,
    pub session: Option<Policy>,
    /// The resource-based policy, or the role trust policy when the request assumes a role.
    pub resource: Option<Policy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit deny",
            Decision::ImplicitDeny => "implicit deny",
        })
    }
}

/// What an implicitly denied request lacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// No SCP at this level allows the request.
    ServiceControl {
        level: String,
    },
    /// No identity-based policy allows it (or the trust policy only delegates to the account).
    Identity,
    /// No resource-based or trust policy grants it (needed across accounts and for roles).
    Resource,
    PermissionsBoundary,
    Session,
}

/// One statement that decided the outcome.
#[derive(Debug, Clone, Copy)]
pub struct StatementRef<'p> {
    pub policy: &'p Policy,
    /// Zero-based index in the policy's `Statement` list.
    pub index: usize,
    /// For SCPs and RCPs, the organization level the policy is attached to.
    pub level: Option<&'p str>,
}

impl<'p> StatementRef<'p> {
    pub fn policy_id(&self) -> &'p str {
        self.policy.id()
    }

    pub fn kind(&self) -> PolicyKind {
        self.policy.kind()
    }

    pub fn sid(&self) -> Option<&'p str> {
        self.policy.sid(self.index)
    }
}

impl fmt::Display for StatementRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` statement {}",
            self.kind(),
            self.policy_id(),
            self.index
        )?;
        if let Some(sid) = self.sid() {
            write!(f, " (Sid `{sid}`)")?;
        }
        if let Some(level) = self.level {
            write!(f, " at {level}")?;
        }
        Ok(())
    }
}

/// The decision and the statements behind it: the matching `Deny` statements for an explicit deny,
/// the `Allow` statements that granted it for an allow, none for an implicit deny (see `missing`).
#[derive(Debug, Clone)]
pub struct Evaluation<'p> {
    pub decision: Decision,
    pub statements: Vec<StatementRef<'p>>,
    /// For an implicit deny, the first requirement that was not met.
    pub missing: Option<Gate>,
    /// Whether the principal and the resource are in the same account.
    pub same_account: bool,
}

impl Evaluation<'_> {
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allow
    }
}

impl PolicySet {
    /// The same policies, borrowed.
    pub fn as_refs(&self) -> PolicyRefs<'_> {
        PolicyRefs {
            service_control: self.service_control.as_ref(),
            resource_control: self.resource_control.as_ref(),
            identity: &self.identity,
            permissions_boundary: self.permissions_boundary.as_ref(),
            session: self.session.as_ref(),
            resource: self.resource.as_ref(),
        }
    }
}

/// A [`PolicySet`] made of borrowed policies: what an analysis that decides many requests against
/// policies it already holds (one caller, many targets) passes, without copying them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyRefs<'p> {
    pub service_control: Option<&'p OrgChain>,
    pub resource_control: Option<&'p OrgChain>,
    pub identity: &'p [Policy],
    pub permissions_boundary: Option<&'p Policy>,
    pub session: Option<&'p Policy>,
    pub resource: Option<&'p Policy>,
}

/// Decides one request.
pub fn evaluate<'p>(request: &Request, policies: &'p PolicySet) -> Evaluation<'p> {
    evaluate_refs(request, &policies.as_refs())
}

/// Decides one request against borrowed policies: explicit denies, then the SCP levels, then the
/// grants — for callers without an identity side, within one account, or across accounts.
pub fn evaluate_refs<'p>(request: &Request, policies: &PolicyRefs<'p>) -> Evaluation<'p> {
    let prepared = PreparedRequest::new(&request.action, &request.resource, &request.context);
    let caller = &request.caller;
    // The explicit account is borrowed: an analysis decides hundreds of thousands of requests.
    let parsed_account = match request.resource_account {
        Some(_) => None,
        None => request.resource_account(),
    };
    let resource_account = request
        .resource_account
        .as_deref()
        .or(parsed_account.as_deref());
    let same_account = caller.account().is_some() && caller.account() == resource_account;
    let outcome = |decision, statements, missing| Evaluation {
        decision,
        statements,
        missing,
        same_account,
    };

    let iam_principal =
        matches!(caller, Caller::Arn(_)) && !matches!(caller.kind(), CallerKind::IdentityProvider);
    if iam_principal && prepared.service == "sts" && prepared.action_name == "getcalleridentity" {
        return outcome(Decision::Allow, Vec::new(), None);
    }
    let applying = Applying::new(policies, caller, iam_principal);

    // 1. Any explicit deny wins.
    let denies = applying.explicit_denies(caller, &prepared);
    if !denies.is_empty() {
        return outcome(Decision::ExplicitDeny, denies, None);
    }
    // 2. Every SCP level must allow.
    let mut allows = Vec::new();
    if let Some(missing) = applying.scp_levels_allow(&prepared, &mut allows) {
        return outcome(Decision::ImplicitDeny, Vec::new(), Some(missing));
    }
    // 3. A grant, within the boundary and session policy.
    let grants = Grants::new(&applying, caller, &prepared);
    let decided = if !iam_principal {
        grants.without_identity_side(caller, same_account, allows)
    } else if same_account {
        grants.within_the_account(caller, applying.resource, allows)
    } else {
        grants.across_accounts(allows)
    };
    match decided {
        Ok(allows) => outcome(Decision::Allow, allows, None),
        Err(gate) => outcome(Decision::ImplicitDeny, Vec::new(), Some(gate)),
    }
}

/// The policies that apply to the caller: SCPs only to IAM principals outside the management
/// account and not service-linked; RCPs outside the management account; identity-side policies only
/// to IAM principals.
struct Applying<'p> {
    scps: Option<&'p OrgChain>,
    rcps: Option<&'p OrgChain>,
    identity: &'p [Policy],
    boundary: Option<&'p Policy>,
    session: Option<&'p Policy>,
    resource: Option<&'p Policy>,
}

impl<'p> Applying<'p> {
    fn new(policies: &PolicyRefs<'p>, caller: &Caller, iam_principal: bool) -> Self {
        Self {
            scps: policies.service_control.filter(|c| {
                iam_principal && !c.management_account && !caller.is_service_linked_role()
            }),
            rcps: policies
                .resource_control
                .filter(|c| !c.management_account && !caller.is_service_linked_role()),
            identity: if iam_principal {
                policies.identity
            } else {
                &[]
            },
            boundary: policies.permissions_boundary.filter(|_| iam_principal),
            session: policies.session.filter(|_| iam_principal),
            resource: policies.resource,
        }
    }

    /// Every `Deny` statement that applies, from SCPs and RCPs, the identity side and the
    /// resource-based policy (where a `NotPrincipal` deny always covers a caller with a boundary).
    fn explicit_denies(
        &self,
        caller: &Caller,
        prepared: &PreparedRequest,
    ) -> Vec<StatementRef<'p>> {
        let mut denies = Vec::new();
        for chain in [self.scps, self.rcps].into_iter().flatten() {
            for level in &chain.levels {
                for policy in &level.policies {
                    collect(&mut denies, policy, Some(&level.target), |s| {
                        s.effect == Effect::Deny
                            && s.principal_match(caller) != PrincipalMatch::None
                            && s.applies(prepared)
                    });
                }
            }
        }
        for policy in self
            .identity
            .iter()
            .chain(self.boundary)
            .chain(self.session)
        {
            collect(&mut denies, policy, None, |s| {
                s.effect == Effect::Deny && s.applies(prepared)
            });
        }
        if let Some(policy) = self.resource {
            collect(&mut denies, policy, None, |s| {
                s.effect == Effect::Deny
                    && (s.principal_match(caller) != PrincipalMatch::None
                        || (s.has_not_principal() && self.boundary.is_some()))
                    && s.applies(prepared)
            });
        }
        denies
    }

    /// Adds each SCP level's allowing statements to `allows`; the first level that allows nothing
    /// is the gate the request fails at.
    fn scp_levels_allow(
        &self,
        prepared: &PreparedRequest,
        allows: &mut Vec<StatementRef<'p>>,
    ) -> Option<Gate> {
        for level in self.scps.iter().flat_map(|chain| &chain.levels) {
            let before = allows.len();
            for policy in &level.policies {
                collect(allows, policy, Some(&level.target), |s| {
                    s.effect == Effect::Allow && s.applies(prepared)
                });
            }
            if allows.len() == before {
                return Some(Gate::ServiceControl {
                    level: level.target.clone(),
                });
            }
        }
        None
    }
}

/// What grants the request: the identity side, the guardrails, and the resource-based policy's
/// `Allow` statements sorted by how they name the caller.
struct Grants<'p> {
    identity: Vec<StatementRef<'p>>,
    boundary: Option<Vec<StatementRef<'p>>>,
    session: Option<Vec<StatementRef<'p>>>,
    /// Naming the caller's own ARN.
    exact: Vec<StatementRef<'p>>,
    /// Naming everyone (`*`).
    everyone: Vec<StatementRef<'p>>,
    /// Naming the role or user behind the caller's session.
    via_session: Vec<StatementRef<'p>>,
    /// Naming the caller's account.
    via_account: Vec<StatementRef<'p>>,
}

impl<'p> Grants<'p> {
    fn new(applying: &Applying<'p>, caller: &Caller, prepared: &PreparedRequest) -> Self {
        let allowing = |policy: &'p Policy| {
            let mut found = Vec::new();
            collect(&mut found, policy, None, |s| {
                s.effect == Effect::Allow && s.applies(prepared)
            });
            found
        };
        let mut grants = Self {
            identity: applying.identity.iter().flat_map(allowing).collect(),
            boundary: applying.boundary.map(allowing),
            session: applying.session.map(allowing),
            exact: Vec::new(),
            everyone: Vec::new(),
            via_session: Vec::new(),
            via_account: Vec::new(),
        };
        let Some(policy) = applying.resource else {
            return grants;
        };
        for (index, statement) in policy.statements.iter().enumerate() {
            if statement.effect != Effect::Allow {
                continue;
            }
            let named = statement.principal_match(caller);
            if named == PrincipalMatch::None || !statement.applies(prepared) {
                continue;
            }
            let found = StatementRef {
                policy,
                index,
                level: None,
            };
            match named {
                PrincipalMatch::Exact => grants.exact.push(found),
                PrincipalMatch::Everyone => grants.everyone.push(found),
                PrincipalMatch::SessionRole | PrincipalMatch::SessionUser => {
                    grants.via_session.push(found)
                }
                PrincipalMatch::Account => grants.via_account.push(found),
                PrincipalMatch::None => {}
            }
        }
        grants
    }

    fn boundary_ok(&self) -> bool {
        self.boundary.as_ref().is_none_or(|a| !a.is_empty())
    }

    fn session_ok(&self) -> bool {
        self.session.as_ref().is_none_or(|a| !a.is_empty())
    }

    /// The boundary's and the session policy's allowing statements, which a grant passed through.
    fn guardrails(&self, allows: &mut Vec<StatementRef<'p>>) {
        allows.extend(self.boundary.iter().flatten().copied());
        allows.extend(self.session.iter().flatten().copied());
    }

    /// Anonymous callers, service principals and identity providers have no identity side: only
    /// the resource-based or trust policy can grant, and a provider only in its own account.
    fn without_identity_side(
        self,
        caller: &Caller,
        same_account: bool,
        mut allows: Vec<StatementRef<'p>>,
    ) -> Result<Vec<StatementRef<'p>>, Gate> {
        let provider_elsewhere = caller.kind() == CallerKind::IdentityProvider && !same_account;
        if (self.exact.is_empty() && self.everyone.is_empty()) || provider_elsewhere {
            return Err(Gate::Resource);
        }
        allows.extend(self.exact);
        allows.extend(self.everyone);
        Ok(allows)
    }

    /// Within one account a grant on either side is enough, except that a trust policy must name
    /// the principal (naming only the account delegates to the identity-based policy).
    fn within_the_account(
        self,
        caller: &Caller,
        resource: Option<&Policy>,
        mut allows: Vec<StatementRef<'p>>,
    ) -> Result<Vec<StatementRef<'p>>, Gate> {
        let names_itself = matches!(
            caller.kind(),
            CallerKind::User
                | CallerKind::AssumedRole
                | CallerKind::FederatedUser
                | CallerKind::Root
        );
        let (boundary_ok, session_ok) = (self.boundary_ok(), self.session_ok());
        let trust = resource.is_some_and(|p| p.kind() == PolicyKind::Trust);
        let identity_path = !self.identity.is_empty() && (!trust || !self.via_account.is_empty());
        let identity_ok = identity_path && boundary_ok && session_ok;
        // A grant naming the caller's own ARN is outside the boundary and the session policy.
        // A grant to everyone is treated as naming the caller for the boundary (the documentation
        // speaks of the user or session ARN only; iam-simulate treats `*` so), but the session
        // policy still limits it: "Session policies" exempts only grants to the session ARN.
        let unlimited = names_itself && !self.exact.is_empty();
        let outside_boundary = names_itself && !self.everyone.is_empty() && session_ok;
        if unlimited || outside_boundary {
            allows.extend(self.exact.iter().copied());
            if outside_boundary {
                allows.extend(self.everyone.iter().copied());
            }
            if identity_ok {
                allows.extend(self.identity.iter().copied());
                self.guardrails(&mut allows);
            }
            return Ok(allows);
        }
        let resource_path =
            !self.exact.is_empty() || !self.everyone.is_empty() || !self.via_session.is_empty();
        if !resource_path && !identity_path {
            return Err(if trust {
                Gate::Resource
            } else {
                Gate::Identity
            });
        }
        if !session_ok {
            return Err(Gate::Session);
        }
        if !boundary_ok {
            return Err(Gate::PermissionsBoundary);
        }
        allows.extend(self.exact.iter().copied());
        allows.extend(self.everyone.iter().copied());
        allows.extend(self.via_session.iter().copied());
        if identity_path {
            allows.extend(self.via_account.iter().copied());
            allows.extend(self.identity.iter().copied());
        }
        self.guardrails(&mut allows);
        Ok(allows)
    }

    /// Across accounts both sides must allow: the identity side within its guardrails, and the
    /// resource-based policy.
    fn across_accounts(
        self,
        mut allows: Vec<StatementRef<'p>>,
    ) -> Result<Vec<StatementRef<'p>>, Gate> {
        if self.identity.is_empty() {
            return Err(Gate::Identity);
        }
        if self.exact.is_empty()
            && self.everyone.is_empty()
            && self.via_session.is_empty()
            && self.via_account.is_empty()
        {
            return Err(Gate::Resource);
        }
        if !self.session_ok() {
            return Err(Gate::Session);
        }
        if !self.boundary_ok() {
            return Err(Gate::PermissionsBoundary);
        }
        allows.extend(self.identity.iter().copied());
        self.guardrails(&mut allows);
        allows.extend(self.exact);
        allows.extend(self.everyone);
        allows.extend(self.via_session);
        allows.extend(self.via_account);
        Ok(allows)
    }
}

fn collect<'p>(
    into: &mut Vec<StatementRef<'p>>,
    policy: &'p Policy,
    level: Option<&'p str>,
    keep: impl Fn(&CompiledStatement) -> bool,
) {
    for (index, statement) in policy.statements.iter().enumerate() {
        if keep(statement) {
            into.push(StatementRef {
                policy,
                index,
                level,
            });
        }
    }
}
