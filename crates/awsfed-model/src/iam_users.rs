//! The IAM-users hub: people are IAM users in one hub account, grouped in IAM groups (one per
//! directory group they belong to), signing in with long-term keys and MFA and assuming roles in the
//! spoke accounts. The `iam_users:` section and its checks.
//!
//! Limits from "IAM and AWS STS quotas" (IAM User Guide): names of users and groups are
//! alphanumeric plus `+=,.@_-`, unique in the account without regard to case; a user name holds at
//! most 64 characters, a group name 128, a path 512; 5,000 users and 300 groups per account by
//! default; a user belongs to at most 10 groups; a group holds at most 10 managed policies.
//! `GetSessionToken` (AWS STS API Reference) gives an IAM user's session 900 to 129,600 seconds; the
//! MFA age a policy may ask for is bounded by it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::duration::parse_duration;
use crate::message::IamUsersMessage;
use crate::model::{Group, GroupIndex, Hub, HubIndex, Naming, role_name_safe};
use crate::selector::closest;
use crate::{Diagnostic, Diagnostics, Span, Spanned};

/// IAM's limits on users and groups.
pub mod limits {
    pub const USER_NAME_LENGTH: usize = 64;
    pub const GROUP_NAME_LENGTH: usize = 128;
    pub const PATH_LENGTH: usize = 512;
    pub const USERS_PER_ACCOUNT: usize = 5_000;
    pub const GROUPS_PER_ACCOUNT: usize = 300;
    pub const GROUPS_PER_USER: usize = 10;
    /// Managed policies attached to one IAM group; not adjustable.
    pub const MANAGED_POLICIES_PER_GROUP: usize = 10;
    /// `GetSessionToken`'s `DurationSeconds` range for IAM users.
    pub const SESSION_TOKEN_MIN_SECONDS: u32 = 900;
    pub const SESSION_TOKEN_MAX_SECONDS: u32 = 129_600;
}

/// Defaults of the `iam_users:` section.
pub mod defaults {
    /// Below `naming.role_path`, so awsfed owns it.
    pub const PATH_BELOW_ROLE_PATH: &str = "users/";
    /// `GetSessionToken`'s default duration for an IAM user.
    pub const MFA_MAX_AGE_SECONDS: u32 = 43_200;
    pub const ACCESS_KEY_MAX_AGE_DAYS: u32 = 90;
}

/// The `iam_users:` section as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIamUsers {
    /// The hub whose account holds the users and their IAM groups (a key of `topology.hubs`);
    /// defaults to the model's only or default hub.
    #[serde(default)]
    pub hub: Option<Spanned<String>>,
    /// IAM path of the users and groups awsfed creates; below `naming.role_path` (default
    /// `ROLE_PATH` + `users/`). A narrowed spoke trust admits the hub's users under it, so reserve it
    /// to awsfed.
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    /// The longest time since the MFA sign-in a hop accepts (`aws:MultiFactorAuthAge`), and the
    /// length of the session `awsfed login` asks `GetSessionToken` for: 15m to 36h (default 12h).
    #[serde(default)]
    pub mfa_max_age: Option<Spanned<String>>,
    /// `awsfed audit` reports an access key older than this many days (default 90).
    #[serde(default)]
    pub access_key_max_age_days: Option<Spanned<u32>>,
    /// Spoke trusts require the session's SourceIdentity to be the user's name, so CloudTrail
    /// names the person at every hop (default true).
    #[serde(default)]
    pub source_identity: Option<Spanned<bool>>,
    /// Users by IAM user name.
    pub users: BTreeMap<Spanned<String>, RawIamUser>,
}

/// One IAM user as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIamUser {
    /// Directory groups (keys of `groups:`) the user belongs to; each becomes an IAM group in the
    /// hub account.
    #[serde(default)]
    pub groups: Vec<Spanned<String>>,
    /// Whether every hop requires MFA for this user (default true). `false` is for break-glass
    /// users only and is reported as a warning.
    #[serde(default)]
    pub mfa: Option<Spanned<bool>>,
}

/// The validated `iam_users:` section.
#[derive(Debug, Clone)]
pub struct IamUsers {
    pub hub: HubIndex,
    /// The IAM path of the users and their groups.
    pub path: String,
    /// Seconds; the `aws:MultiFactorAuthAge` bound and the `GetSessionToken` duration.
    pub mfa_max_age: u32,
    pub access_key_max_age_days: u32,
    pub source_identity: bool,
    /// Sorted by name.
    pub users: Vec<IamUser>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct IamUser {
    pub name: String,
    /// Sorted, without duplicates.
    pub groups: Vec<GroupIndex>,
    /// Whether every hop requires MFA for this user.
    pub mfa: bool,
    pub span: Span,
}

impl IamUsers {
    /// The IAM group name of a directory group: the characters IAM does not allow become `-`, as
    /// in hub role names.
    pub fn group_name(group: &str) -> String {
        role_name_safe(group)
    }

    /// Directory groups with at least one user, ascending.
    pub fn groups_used(&self) -> Vec<GroupIndex> {
        let mut used: Vec<GroupIndex> = self
            .users
            .iter()
            .flat_map(|u| u.groups.iter().copied())
            .collect();
        used.sort_unstable();
        used.dedup();
        used
    }

    /// The users of a directory group, in name order.
    pub fn members(&self, group: GroupIndex) -> impl Iterator<Item = &IamUser> {
        self.users
            .iter()
            .filter(move |u| u.groups.binary_search(&group).is_ok())
    }
}

/// Resolves the section; `None` when its hub cannot be found (an error is reported).
pub(crate) fn iam_users(
    section: &Spanned<RawIamUsers>,
    naming: &Naming,
    hubs: &[Hub],
    default_hub: Option<HubIndex>,
    groups: &[Group],
    d: &mut Diagnostics,
) -> Option<IamUsers> {
    let raw = &section.value;
    let hub = hub(raw, section.span, hubs, default_hub, d)?;
    let path = match &raw.path {
        None => format!("{}{}", naming.role_path, defaults::PATH_BELOW_ROLE_PATH),
        Some(path) => {
            check_path(path, &naming.role_path, d);
            path.value.clone()
        }
    };
    let mfa_max_age = match &raw.mfa_max_age {
        None => defaults::MFA_MAX_AGE_SECONDS,
        Some(text) => mfa_max_age(text, d),
    };
    let mut users = Vec::new();
    let mut lower_names: BTreeMap<String, &str> = BTreeMap::new();
    for (name, user) in &raw.users {
        check_user_name(name, d);
        if let Some(other) = lower_names.insert(name.value.to_ascii_lowercase(), &name.value) {
            d.push(
                Diagnostic::of(&IamUsersMessage::IamNameCollision {
                    first: (*other).to_owned(),
                    second: name.value.clone(),
                })
                .at(name.span),
            );
        }
        users.push(IamUser {
            name: name.value.clone(),
            groups: user_groups(name, user, hub, hubs, groups, d),
            mfa: user.mfa.as_ref().is_none_or(|m| m.value),
            span: name.span,
        });
        if let Some(mfa) = user.mfa.as_ref().filter(|m| !m.value) {
            d.push(
                Diagnostic::of(&IamUsersMessage::IamUserWithoutMfa {
                    user: name.value.clone(),
                })
                .at(mfa.span),
            );
        }
    }
    let result = IamUsers {
        hub,
        path,
        mfa_max_age,
        access_key_max_age_days: raw
            .access_key_max_age_days
            .as_ref()
            .map_or(defaults::ACCESS_KEY_MAX_AGE_DAYS, |days| days.value),
        source_identity: raw.source_identity.as_ref().is_none_or(|s| s.value),
        users,
        span: section.span,
    };
    check_counts(&result, section.span, groups, d);
    Some(result)
}

fn hub(
    raw: &RawIamUsers,
    span: Span,
    hubs: &[Hub],
    default_hub: Option<HubIndex>,
    d: &mut Diagnostics,
) -> Option<HubIndex> {
    match &raw.hub {
        Some(name) => crate::account_hubs::hub_named(name, hubs, d),
        None => {
            if default_hub.is_none() {
                d.push(Diagnostic::of(&IamUsersMessage::MissingHub).at(span));
            }
            default_hub
        }
    }
}

/// The path must be an IAM path below `naming.role_path`: awsfed owns only what is under it.
fn check_path(path: &Spanned<String>, role_path: &str, d: &mut Diagnostics) {
    let p = &path.value;
    let well_formed = p.starts_with('/')
        && p.ends_with('/')
        && p.len() <= limits::PATH_LENGTH
        && p.chars().all(|c| c.is_ascii() && ('!'..='~').contains(&c));
    if !well_formed || !p.starts_with(role_path) || p == role_path {
        d.push(
            Diagnostic::of(&IamUsersMessage::MalformedIamUserPath {
                path: p.clone(),
                role_path: role_path.to_owned(),
            })
            .at(path.span),
        );
    }
}

fn mfa_max_age(text: &Spanned<String>, d: &mut Diagnostics) -> u32 {
    let seconds = match parse_duration(&text.value) {
        Ok(seconds) => seconds,
        Err(message) => {
            d.push(
                Diagnostic::of(&IamUsersMessage::MalformedDuration { why: message }).at(text.span),
            );
            return defaults::MFA_MAX_AGE_SECONDS;
        }
    };
    if !(limits::SESSION_TOKEN_MIN_SECONDS..=limits::SESSION_TOKEN_MAX_SECONDS).contains(&seconds) {
        d.push(Diagnostic::of(&IamUsersMessage::MfaMaxAgeOutOfRange { seconds }).at(text.span));
    }
    seconds
}

fn check_user_name(name: &Spanned<String>, d: &mut Diagnostics) {
    let n = &name.value;
    let allowed = n
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if n.is_empty() || n.len() > limits::USER_NAME_LENGTH || !allowed {
        d.push(
            Diagnostic::of(&IamUsersMessage::MalformedIamUserName { user: n.clone() })
                .at(name.span),
        );
    }
}

/// The user's directory groups, resolved; each must exist and federate through the users' hub.
fn user_groups(
    name: &Spanned<String>,
    user: &RawIamUser,
    hub: HubIndex,
    hubs: &[Hub],
    groups: &[Group],
    d: &mut Diagnostics,
) -> Vec<GroupIndex> {
    let mut resolved = Vec::new();
    for group in &user.groups {
        let Ok(index) = groups.binary_search_by(|g| g.name.as_str().cmp(&group.value)) else {
            d.push(
                Diagnostic::of(&IamUsersMessage::UnknownGroup {
                    group: group.value.clone(),
                    closest: closest(&group.value, groups.iter().map(|g| g.name.as_str()))
                        .map(str::to_owned),
                })
                .at(group.span),
            );
            continue;
        };
        if let Some(other) = groups[index].hub.filter(|&h| h != hub) {
            d.push(
                Diagnostic::of(&IamUsersMessage::IamUserGroupOtherHub {
                    user: name.value.clone(),
                    group: group.value.clone(),
                    group_hub: hubs[other].name.clone(),
                    users_hub: hubs[hub].name.clone(),
                })
                .at(group.span),
            );
        }
        resolved.push(index);
    }
    resolved.sort_unstable();
    resolved.dedup();
    if resolved.len() > limits::GROUPS_PER_USER {
        d.push(
            Diagnostic::of(&IamUsersMessage::TooManyGroupsPerUser {
                user: name.value.clone(),
                groups: resolved.len(),
            })
            .at(name.span),
        );
    }
    if user.groups.is_empty() {
        d.push(
            Diagnostic::of(&IamUsersMessage::IamUserWithoutGroups {
                user: name.value.clone(),
            })
            .at(name.span),
        );
    }
    resolved
}

fn check_counts(users: &IamUsers, span: Span, groups: &[Group], d: &mut Diagnostics) {
    if users.users.len() > limits::USERS_PER_ACCOUNT {
        d.push(
            Diagnostic::of(&IamUsersMessage::TooManyIamUsers {
                users: users.users.len(),
            })
            .at(span),
        );
    }
    let used = users.groups_used();
    if used.len() > limits::GROUPS_PER_ACCOUNT {
        d.push(Diagnostic::of(&IamUsersMessage::TooManyIamGroups { groups: used.len() }).at(span));
    }
    for &g in &used {
        let name = IamUsers::group_name(&groups[g].name);
        if name.len() > limits::GROUP_NAME_LENGTH {
            d.push(
                Diagnostic::of(&IamUsersMessage::MalformedIamGroupName {
                    group: groups[g].name.clone(),
                    name,
                })
                .at(groups[g].span),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Code, Severity};

    const MODEL: &str = "version: 1
topology: { default: hub-and-spoke, hub_account: identity }
accounts:
  identity: { id: \"111111111111\" }
  dev: { id: \"222222222222\" }
permission_sets:
  ReadOnly: { managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }
groups:
  developers: [ { accounts: [dev], permission_set: ReadOnly } ]
iam_users:
";

    fn codes(section: &str) -> Vec<(Code, Severity, u32)> {
        let yaml = format!("{MODEL}{section}");
        let raw = crate::load::parse(&yaml).expect("the model parses");
        let (_, diagnostics) = crate::resolve(&raw, &mut |_| Err("no files".to_owned()));
        diagnostics
            .0
            .iter()
            .map(|d| (d.code, d.severity, d.span.map_or(0, |s| s.line)))
            .collect()
    }

    #[test]
    fn a_valid_section_needs_no_saml_idp() {
        assert_eq!(codes("  users:\n    ada: { groups: [developers] }\n"), []);
    }

    #[test]
    fn names_groups_and_limits_are_checked_where_written() {
        let long = "a".repeat(65);
        let eleven: Vec<String> = (0..11).map(|_| "developers".to_owned()).collect();
        let found = codes(&format!(
            "  path: /elsewhere/\n  mfa_max_age: 10m\n  users:\n    {long}: {{ groups: [developers] }}\n    bad name!: {{ groups: [developrs] }}\n    Ada: {{ groups: [developers] }}\n    ada: {{ groups: [developers], mfa: false }}\n    lonely: {{}}\n    many: {{ groups: [{}] }}\n",
            eleven.join(", ")
        ));
        let expected = [
            (Code::MalformedIamUserPath, Severity::Error, 11),
            (Code::MfaMaxAgeOutOfRange, Severity::Error, 12),
            (Code::MalformedIamUserName, Severity::Error, 14),
            (Code::MalformedIamUserName, Severity::Error, 15),
            (Code::UnknownGroup, Severity::Error, 15),
            (Code::IamNameCollision, Severity::Error, 17),
            (Code::IamUserWithoutMfa, Severity::Warning, 17),
            (Code::IamUserWithoutGroups, Severity::Warning, 18),
        ];
        for case in expected {
            assert!(found.contains(&case), "{case:?} missing from {found:?}");
        }
        // Eleven mentions of one group are one group: deduplicated, not too many.
        assert!(
            !found
                .iter()
                .any(|(c, _, _)| *c == Code::TooManyGroupsPerUser)
        );
    }

    #[test]
    fn a_user_in_more_than_ten_groups_is_refused() {
        let groups: String = (0..11)
            .map(|g| format!("  g{g}: [ {{ accounts: [dev], permission_set: ReadOnly }} ]\n"))
            .collect();
        let mut yaml = MODEL.replace("groups:\n", &format!("groups:\n{groups}"));
        let names: Vec<String> = (0..11).map(|g| format!("g{g}")).collect();
        yaml.push_str(&format!(
            "  users:\n    ada: {{ groups: [{}] }}\n",
            names.join(", ")
        ));
        let raw = crate::load::parse(&yaml).expect("the model parses");
        let (model, diagnostics) = crate::resolve(&raw, &mut |_| Err("no files".to_owned()));
        assert!(model.is_none());
        assert!(
            diagnostics
                .0
                .iter()
                .any(|d| d.code == Code::TooManyGroupsPerUser),
            "{diagnostics:?}"
        );
    }
}
