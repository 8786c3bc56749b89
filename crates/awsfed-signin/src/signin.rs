//! Walking a target's hops: cached sessions first, STS for the rest.
//!
//! Direct targets are one `AssumeRoleWithSAML`. Hub-and-spoke targets are `AssumeRoleWithSAML`
//! into the hub role, then `AssumeRole` into the spoke role with the RoleSessionName taken from the
//! assertion (so the spoke's trust can bind the federated identity) and the SourceIdentity
//! carried. Role chaining caps the second session at one hour ("Role chaining", IAM User Guide),
//! so hop 2 never asks for more; hop 1 (the hub session, up to 12 hours) is what lets hop 2 be
//! renewed without the IdP.
//!
//! IAM-user targets (the IAM-users hub) start from the user's own long-term keys instead:
//! `GetSessionToken` with an MFA code gives the MFA session (cached, up to the model's
//! `mfa_max_age`: "Configure MFA-protected API access", IAM User Guide), from which every target's
//! `AssumeRole` is made until it ends, with the user name as RoleSessionName and, where the spoke
//! trusts ask for it, as SourceIdentity. A role assumed with `GetSessionToken` credentials is no
//! role chaining (STS API Reference, `GetSessionToken`), so that hop may last the role's maximum.

use std::time::SystemTime;

use awsfed_saml::{SamlResponse, ValidationOptions};

use crate::cache::{Cache, CachedAssertion, CachedHop, HopKey};
use crate::client_file::{ClientHop, ClientIamUsers, ClientTarget};
use crate::credentials::{Credentials, MIN_HANDED_OUT_SECONDS};
use crate::durations::step_down;
use crate::error::SignInError;
use crate::sts::{
    AssumeRoleRequest, SamlHopRequest, SessionTokenRequest, Sts, StsError, StsErrorKind,
};

/// Role chaining's cap on the second hop, in seconds.
pub const CHAINED_MAX_SECONDS: u32 = 3_600;
/// A source session used only to make the next call needs this long left.
const SOURCE_MIN_SECONDS: i64 = 60;
/// A session handed out below [`MIN_HANDED_OUT_SECONDS`], when nothing can renew it, needs this
/// long left: enough for a caller to make a call with it.
const LAST_RESORT_SECONDS: i64 = 60;

/// Where to sign in.
#[derive(Debug, Clone)]
pub enum Destination<'a> {
    /// A target of the client file.
    Target(&'a ClientTarget),
    /// One SAML hop into this role (the hub profiles of `awsfed export aws-config`). The provider
    /// comes from the client file when known, else from the assertion's Role pair.
    Role {
        role_arn: String,
        provider_arn: Option<String>,
        max_session_duration: u32,
    },
}

impl Destination<'_> {
    pub fn label(&self) -> String {
        match self {
            Destination::Target(target) => target.name.clone(),
            Destination::Role { role_arn, .. } => role_arn.clone(),
        }
    }

    fn paths(&self) -> Vec<Vec<ClientHop>> {
        match self {
            Destination::Target(target) => target.paths.iter().map(|p| p.hops.clone()).collect(),
            Destination::Role {
                role_arn,
                provider_arn,
                max_session_duration,
            } => vec![vec![ClientHop::Saml {
                role_arn: role_arn.clone(),
                provider_arn: provider_arn.clone().unwrap_or_default(),
                max_session_duration: *max_session_duration,
            }]],
        }
    }
}

/// Supplies what proves who the user is when no cached session will do: the SAML response, or an
/// IAM user's MFA code. Asked at most once per sign-in.
pub trait AssertionSource {
    fn assertion(&mut self, target: &str) -> Result<SamlResponse, SignInError>;

    /// The current code of the MFA device `serial`, for an IAM user's sign-in to `target`.
    fn mfa_code(&mut self, target: &str, serial: &str) -> Result<String, SignInError> {
        Err(SignInError::NeedMfaCode {
            target: target.to_owned(),
            why: format!("nothing here supplies codes of `{serial}`"),
        })
    }
}

impl<F: FnMut(&str) -> Result<SamlResponse, SignInError>> AssertionSource for F {
    fn assertion(&mut self, target: &str) -> Result<SamlResponse, SignInError> {
        self(target)
    }
}

/// What a sign-in did.
#[derive(Debug, Clone)]
pub struct SignInReport {
    pub credentials: Credentials,
    /// The role of every STS call made, in order (empty on a cache hit).
    pub sts_calls: Vec<String>,
    /// The role ARNs of the path taken.
    pub roles: Vec<String>,
    /// The RoleSessionName of the final hop, when it is an AssumeRole.
    pub session_name: Option<String>,
    /// Set when the session handed out has less than [`MIN_HANDED_OUT_SECONDS`] left because it
    /// could not be renewed (the hub session expired and no SAML response was at hand): why.
    pub not_renewed: Option<String>,
    /// The final session was assumed from a role's session (role chaining: at most one hour, and
    /// the console takes no length for it).
    pub chained: bool,
}

#[derive(Debug)]
pub struct SignIn<'a> {
    pub cache: &'a Cache,
    pub now: SystemTime,
    pub validation: ValidationOptions,
    /// Ignore cached sessions (but still write new ones).
    pub force: bool,
    /// The client file's IAM-users hub, for targets reached as an IAM user.
    pub iam_users: Option<&'a ClientIamUsers>,
}

impl SignIn<'_> {
    pub fn credentials(
        &self,
        sts: &dyn Sts,
        destination: &Destination<'_>,
        source: &mut dyn AssertionSource,
    ) -> Result<SignInReport, SignInError> {
        if !self.force
            && let Some(report) = self.fresh_cached_session(destination)
        {
            return Ok(report);
        }
        let paths = destination.paths();
        let _lock = self.cache.lock()?;
        // Someone else may have refreshed while we waited for the lock.
        if !self.force
            && let Some(report) = self.cached(&paths, MIN_HANDED_OUT_SECONDS)
        {
            return Ok(report);
        }
        let mut calls = Vec::new();
        // A hub or MFA session still valid renews the last hop without the IdP or the MFA device.
        if !self.force
            && let Some((first, second, chained)) = self.renewable_source_session(&paths)
        {
            return self.second_hop(sts, &first, second, chained, &mut calls);
        }

        let label = destination.label();
        if let Some(path) = paths.iter().find(|p| is_iam_user_path(p)) {
            match self.user_session(sts, path, &label, source, &mut calls) {
                Ok(report) => return Ok(report),
                // Without long-term keys, a target that SAML reaches too is signed in that way.
                Err(SignInError::LongTermKeys { .. })
                    if !paths.iter().all(|p| is_iam_user_path(p)) => {}
                Err(error) => return self.last_resort(&paths, error),
            }
        }
        let assertion = match source.assertion(&label) {
            Ok(assertion) => assertion,
            Err(error) => return self.last_resort(&paths, error),
        };
        assertion.validate(self.now, &self.validation)?;
        let granted = assertion.roles();
        let (path, role_arn, provider_arn, max) = chosen_path(&paths, granted, label)?;
        self.cache.write_assertion(&CachedAssertion {
            base64: assertion.canonical_base64().to_owned(),
        })?;
        // SessionDuration is the longest session the IdP allows ("Configure SAML assertions for
        // the authentication response", IAM User Guide). STS would let DurationSeconds override
        // it, so the request is capped here: a session never outlives the IdP's policy.
        let idp_cap = assertion
            .aws()
            .and_then(|a| a.session_duration.as_deref())
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(u32::MAX);
        let credentials = self.negotiate(
            &role_arn,
            max,
            idp_cap,
            "AssumeRoleWithSAML",
            &mut calls,
            |duration| {
                sts.assume_role_with_saml(&SamlHopRequest {
                    role_arn: &role_arn,
                    provider_arn: &provider_arn,
                    saml_assertion: assertion.canonical_base64(),
                    duration_seconds: duration,
                })
            },
        )?;
        let first = CachedHop {
            role_arn: role_arn.clone(),
            via: provider_arn.clone(),
            session_name: assertion.session_name_for_second_hop(),
            source_identity: assertion.aws().and_then(|a| a.source_identity.clone()),
            credentials,
        };
        self.cache
            .write_hop(&hop1_key(&role_arn, &provider_arn), &first)?;
        match path.get(1) {
            None => Ok(SignInReport {
                credentials: first.credentials,
                sts_calls: calls,
                roles: vec![role_arn],
                session_name: None,
                not_renewed: None,
                chained: false,
            }),
            Some(second) => self.second_hop(sts, &first, second, true, &mut calls),
        }
    }

    /// When nothing can renew a session: the final hop may still be valid for a while, and a
    /// short session is better than none (a hub session expired with the spoke session minutes
    /// from its end).
    fn last_resort(
        &self,
        paths: &[Vec<ClientHop>],
        error: SignInError,
    ) -> Result<SignInReport, SignInError> {
        match self.cached(paths, LAST_RESORT_SECONDS) {
            Some(report) if !self.force => Ok(SignInReport {
                not_renewed: Some(match &error {
                    SignInError::NeedAssertion { why, .. }
                    | SignInError::NeedMfaCode { why, .. } => why.clone(),
                    other => other.to_string(),
                }),
                ..report
            }),
            _ => Err(error),
        }
    }

    /// An IAM user's MFA session from the long-term keys of the standard credential chain, then
    /// the path's `AssumeRole` from it.
    fn user_session(
        &self,
        sts: &dyn Sts,
        path: &[ClientHop],
        label: &str,
        source: &mut dyn AssertionSource,
        calls: &mut Vec<String>,
    ) -> Result<SignInReport, SignInError> {
        let [
            ClientHop::IamUser { account_id },
            second @ ClientHop::AssumeRole { .. },
        ] = path
        else {
            return Err(SignInError::AssertionSource(
                "an iam-user hop must be followed by exactly one assume-role hop".to_owned(),
            ));
        };
        let users = self.iam_users.ok_or_else(|| {
            SignInError::AssertionSource(
                "the client file has IAM-user targets but no `iam_users` section; export it again"
                    .to_owned(),
            )
        })?;
        let arn = sts
            .long_term_identity()
            .map_err(|error| SignInError::LongTermKeys { why: error.message })?;
        let user = iam_user_name(&arn, account_id).ok_or_else(|| SignInError::NotIamUser {
            arn: arn.clone(),
            account_id: account_id.clone(),
        })?;
        let mfa = if users.without_mfa.contains(&user) {
            None
        } else {
            let serial = users.mfa_serial_of(&user);
            let code = source.mfa_code(label, &serial)?;
            Some((serial, code))
        };
        calls.push(arn.clone());
        let credentials = sts
            .session_token(&SessionTokenRequest {
                mfa: mfa.as_ref().map(|(s, c)| (s.as_str(), c.as_str())),
                duration_seconds: users.session_duration,
            })
            .map_err(|error| SignInError::UserSession {
                user_arn: arn.clone(),
                error,
            })?;
        let key = user_session_key(account_id);
        let first = CachedHop {
            role_arn: key.role_arn.clone(),
            via: key.via.clone(),
            session_name: Some(user.clone()),
            source_identity: users.source_identity.then(|| user.clone()),
            credentials,
        };
        self.cache.write_hop(&key, &first)?;
        self.second_hop(sts, &first, second, false, calls)
    }

    /// The cached final session of `destination` when it has at least [`MIN_HANDED_OUT_SECONDS`]
    /// left: what [`SignIn::credentials`] hands out first, without taking the lock.
    pub fn fresh_cached_session(&self, destination: &Destination<'_>) -> Option<SignInReport> {
        self.cached(&destination.paths(), MIN_HANDED_OUT_SECONDS)
    }

    /// The cached final session of `destination`, however little it has left (expired ones too):
    /// what `awsfed targets` shows. No STS call, no lock.
    pub fn cached_session(&self, destination: &Destination<'_>) -> Option<SignInReport> {
        self.cached(&destination.paths(), i64::MIN)
    }

    /// A cached, still fresh first session of some two-hop path (a hub session, or an IAM user's
    /// MFA session), that path's second hop, and whether that hop is role chaining: enough to
    /// renew the final session without the IdP or the MFA device.
    fn renewable_source_session<'p>(
        &self,
        paths: &'p [Vec<ClientHop>],
    ) -> Option<(CachedHop, &'p ClientHop, bool)> {
        paths.iter().find_map(|path| {
            let [first_hop, second @ ClientHop::AssumeRole { .. }] = path.as_slice() else {
                return None;
            };
            let first = self.cache.read_hop(&first_hop_key(first_hop)?)?;
            first
                .credentials
                .fresh_for(self.now, SOURCE_MIN_SECONDS)
                .then_some((first, second, matches!(first_hop, ClientHop::Saml { .. })))
        })
    }

    /// The final hop of some path, cached with at least `min_seconds` left.
    fn cached(&self, paths: &[Vec<ClientHop>], min_seconds: i64) -> Option<SignInReport> {
        paths.iter().find_map(|path| match path.as_slice() {
            [
                ClientHop::Saml {
                    role_arn,
                    provider_arn,
                    ..
                },
            ] => {
                let hop = if provider_arn.is_empty() {
                    // A role named without its provider: any cached session of that role.
                    self.cache
                        .hops()
                        .into_iter()
                        .find(|h| h.role_arn == *role_arn && h.via.contains(":saml-provider/"))?
                } else {
                    self.cache.read_hop(&hop1_key(role_arn, provider_arn))?
                };
                hop.credentials
                    .fresh_for(self.now, min_seconds)
                    .then(|| SignInReport {
                        credentials: hop.credentials,
                        sts_calls: Vec::new(),
                        roles: vec![role_arn.clone()],
                        session_name: None,
                        not_renewed: None,
                        chained: false,
                    })
            }
            [first_hop, ClientHop::AssumeRole { role_arn, .. }] => {
                let first_key = first_hop_key(first_hop)?;
                let first = self.cache.read_hop(&first_key)?;
                let key = hop2_key(role_arn, &first_key.role_arn, first.session_name.as_deref());
                let hop = self.cache.read_hop(&key)?;
                (hop.session_name == first.session_name
                    && hop.credentials.fresh_for(self.now, min_seconds))
                .then(|| SignInReport {
                    credentials: hop.credentials,
                    sts_calls: Vec::new(),
                    roles: vec![first_key.role_arn, role_arn.clone()],
                    session_name: hop.session_name,
                    not_renewed: None,
                    chained: matches!(first_hop, ClientHop::Saml { .. }),
                })
            }
            _ => None,
        })
    }

    /// The `AssumeRole` from a cached first session; `chained` when that session is a role's.
    fn second_hop(
        &self,
        sts: &dyn Sts,
        first: &CachedHop,
        second: &ClientHop,
        chained: bool,
        calls: &mut Vec<String>,
    ) -> Result<SignInReport, SignInError> {
        let ClientHop::AssumeRole {
            role_arn,
            max_session_duration,
        } = second
        else {
            return Err(SignInError::AssertionSource(
                "a SAML hop can only be the first hop of a path".to_owned(),
            ));
        };
        let Some(session_name) = first.session_name.clone() else {
            return Err(SignInError::AssertionSource(
                "the SAML response has neither a RoleSessionName attribute nor a NameID, so the second hop has no session name; configure the IdP to send RoleSessionName".to_owned(),
            ));
        };
        let configured = if chained {
            (*max_session_duration).min(CHAINED_MAX_SECONDS)
        } else {
            *max_session_duration
        };
        let credentials = self.negotiate(
            role_arn,
            configured,
            u32::MAX,
            "AssumeRole",
            calls,
            |duration| {
                sts.assume_role(
                    &first.credentials,
                    &AssumeRoleRequest {
                        role_arn,
                        role_session_name: &session_name,
                        source_identity: first.source_identity.as_deref(),
                        duration_seconds: duration,
                    },
                )
            },
        )?;
        let hop = CachedHop {
            role_arn: role_arn.clone(),
            via: first.role_arn.clone(),
            session_name: Some(session_name.clone()),
            source_identity: first.source_identity.clone(),
            credentials,
        };
        self.cache.write_hop(
            &hop2_key(role_arn, &first.role_arn, Some(&session_name)),
            &hop,
        )?;
        Ok(SignInReport {
            credentials: hop.credentials,
            sts_calls: calls.clone(),
            roles: vec![first.role_arn.clone(), role_arn.clone()],
            session_name: Some(session_name),
            not_renewed: None,
            chained,
        })
    }

    /// Calls STS with the configured (or remembered) duration, at most `cap`, stepping down while
    /// STS says it is over the role's maximum, and remembers what worked.
    fn negotiate(
        &self,
        role_arn: &str,
        configured: u32,
        cap: u32,
        action: &'static str,
        calls: &mut Vec<String>,
        mut call: impl FnMut(u32) -> Result<Credentials, StsError>,
    ) -> Result<Credentials, SignInError> {
        let mut memory = self.cache.durations();
        let uncapped = memory.first_request(role_arn, configured);
        let mut duration = uncapped.min(cap);
        let mut refused = false;
        loop {
            calls.push(role_arn.to_owned());
            match call(duration) {
                Ok(credentials) => {
                    // A capped request that was not refused says nothing about the role's maximum.
                    let learned = refused || duration == uncapped;
                    if learned && memory.remember(role_arn, duration, configured) {
                        self.cache.write_durations(&memory)?;
                    }
                    return Ok(credentials);
                }
                Err(error) if error.kind == StsErrorKind::DurationTooLong => {
                    refused = true;
                    match step_down(duration) {
                        Some(shorter) => duration = shorter,
                        None => {
                            return Err(SignInError::Sts {
                                action,
                                role_arn: role_arn.to_owned(),
                                error,
                            });
                        }
                    }
                }
                Err(error) => {
                    return Err(SignInError::Sts {
                        action,
                        role_arn: role_arn.to_owned(),
                        error,
                    });
                }
            }
        }
    }
}

/// The cache key of a path's first session: a SAML hop's, or an IAM user's MFA session.
fn first_hop_key(hop: &ClientHop) -> Option<HopKey> {
    match hop {
        ClientHop::Saml {
            role_arn,
            provider_arn,
            ..
        } => Some(hop1_key(role_arn, provider_arn)),
        ClientHop::IamUser { account_id } => Some(user_session_key(account_id)),
        ClientHop::AssumeRole { .. } => None,
    }
}

fn is_iam_user_path(path: &[ClientHop]) -> bool {
    matches!(path.first(), Some(ClientHop::IamUser { .. }))
}

/// The MFA session of the IAM-users hub in `account_id`: one per cache folder, whichever user's
/// keys made it (the cached record names the user; the spoke sessions are keyed by that name).
fn user_session_key(account_id: &str) -> HopKey {
    HopKey {
        role_arn: format!("iam-user-session/{account_id}"),
        via: "sts:GetSessionToken".to_owned(),
        session_name: None,
    }
}

/// The name of the IAM user `arn` (`arn:PARTITION:iam::ACCOUNT:user/PATH/NAME`) when it is a user
/// of `account_id`.
fn iam_user_name(arn: &str, account_id: &str) -> Option<String> {
    let [_, service, _, account, resource] = awsfed_policy::Arn::parts(arn)?;
    let name = resource.strip_prefix("user/")?.rsplit('/').next()?;
    (service == "iam" && account == account_id && !name.is_empty()).then(|| name.to_owned())
}

fn hop1_key(role_arn: &str, provider_arn: &str) -> HopKey {
    HopKey {
        role_arn: role_arn.to_owned(),
        via: provider_arn.to_owned(),
        session_name: None,
    }
}

/// The first path whose SAML hop the assertion grants: the path, its role and provider ARNs and
/// the role's longest session; refused naming the roles the assertion does grant.
fn chosen_path<'p>(
    paths: &'p [Vec<ClientHop>],
    granted: &[awsfed_saml::RolePair],
    label: String,
) -> Result<(&'p Vec<ClientHop>, String, String, u32), SignInError> {
    let chosen = paths.iter().find_map(|path| {
        let ClientHop::Saml {
            role_arn,
            provider_arn,
            max_session_duration,
        } = path.first()?
        else {
            return None;
        };
        let pair = granted.iter().find(|pair| {
            pair.role.arn == *role_arn
                && (provider_arn.is_empty() || pair.provider.arn == *provider_arn)
        })?;
        Some((
            path,
            role_arn.clone(),
            pair.provider.arn.clone(),
            *max_session_duration,
        ))
    });
    chosen.ok_or_else(|| SignInError::NotGranted {
        target: label,
        granted: if granted.is_empty() {
            "no roles".to_owned()
        } else {
            granted
                .iter()
                .map(|p| p.role.arn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}

fn hop2_key(role_arn: &str, source_role_arn: &str, session_name: Option<&str>) -> HopKey {
    HopKey {
        role_arn: role_arn.to_owned(),
        via: source_role_arn.to_owned(),
        session_name: session_name.map(str::to_owned),
    }
}

#[cfg(test)]
#[path = "signin_tests.rs"]
mod tests;
