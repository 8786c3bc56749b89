//! IAM Identity Center as a topology: the `identity_center:` section, and the limits Identity
//! Center puts on the permission sets it provisions, checked where a permission set reaches an
//! `identity-center` account.
//!
//! Limits come from the IAM Identity Center API Reference (`PermissionSet`,
//! `CustomerManagedPolicyReference`, `PutInlinePolicyToPermissionSet`, `InstanceMetadata`) and the
//! User Guide page "Quotas and limits in IAM Identity Center" (limits.html).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::duration::format_duration;
use crate::message::IdentityCenterMessage;
use crate::model::{Account, Group, Model, PermissionSet};
use crate::raw::TopologyKind;
use crate::{Diagnostic, Diagnostics, Span, Spanned};

/// Identity Center's own limits.
pub mod limits {
    /// `PermissionSet.Name`: 1–32 characters of `[\w+=,.@-]` (API Reference, PermissionSet).
    pub const PERMISSION_SET_NAME_LENGTH: usize = 32;
    /// "Number of AWS managed and customer managed policies per permission set": 20, not
    /// adjustable (limits.html). The role in each account is still bound by IAM's managed policies
    /// per role quota (10 by default), which the footnote there says to raise per account.
    pub const POLICIES_PER_PERMISSION_SET: usize = 20;
    /// "Maximum size of inline policy per permission set": 32,768 bytes, of which at most 10,240
    /// characters that are not white space (limits.html; PutInlinePolicyToPermissionSet).
    pub const INLINE_POLICY_BYTES: usize = 32_768;
    pub const INLINE_POLICY_CHARACTERS: usize = 10_240;
    /// "Number of provisioned permission sets allowed per AWS account": 500 (limits.html).
    pub const PERMISSION_SETS_PER_ACCOUNT: usize = 500;
    /// "Number of permission sets allowed in IAM Identity Center": 3,500 (limits.html).
    pub const PERMISSION_SETS_PER_INSTANCE: usize = 3_500;
    /// `PermissionSet.RelayState`: 1–240 characters (API Reference, PermissionSet).
    pub const RELAY_STATE_LENGTH: usize = 240;
    /// `CustomerManagedPolicyReference`: name 1–128 characters, path 1–512 (API Reference).
    pub const CUSTOMER_POLICY_NAME_LENGTH: usize = 128;
    pub const CUSTOMER_POLICY_PATH_LENGTH: usize = 512;
}

/// The `identity_center:` section as written.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIdentityCenter {
    /// The instance: `arn:aws:sso:::instance/ssoins-0123456789abcdef`. When left out, awsfed
    /// finds it with `ListInstances` when connected (an organisation has one).
    #[serde(default)]
    pub instance_arn: Option<Spanned<String>>,
    /// The instance's identity store: `d-0123456789`. Found with the instance when left out.
    #[serde(default)]
    pub identity_store_id: Option<Spanned<String>>,
    /// The region the instance lives in (`eu-west-1`).
    pub region: Spanned<String>,
    /// Whether the model's directory groups are looked up in the identity store by display name
    /// (`lookup`, the default: the IdP provisions them with SCIM) or created by awsfed (`create`).
    #[serde(default)]
    pub groups: Option<Spanned<GroupSource>>,
    /// The AWS access portal URL users sign in at; defaults to
    /// `https://IDENTITY_STORE_ID.awsapps.com/start`.
    #[serde(default)]
    pub start_url: Option<Spanned<String>>,
}

/// Where the directory groups of an Identity Center instance come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupSource {
    /// Groups exist in the identity store already (provisioned by the IdP); looked up by name.
    Lookup,
    /// awsfed creates the groups it does not find.
    Create,
}

/// The validated `identity_center:` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCenter {
    pub instance_arn: Option<String>,
    pub identity_store_id: Option<String>,
    pub region: String,
    pub groups: GroupSource,
    /// `None` when neither the model nor the identity store id gives it.
    pub start_url: Option<String>,
    pub span: Span,
}

/// A customer managed policy named by path and name: the same-named policy in each account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerManagedPolicy {
    /// `/` or `/path/`.
    pub path: String,
    pub name: String,
}

impl CustomerManagedPolicy {
    /// The policy's ARN in one account.
    pub fn arn(&self, partition: &str, account_id: &str) -> String {
        format!(
            "arn:{partition}:iam::{account_id}:policy{}{}",
            self.path, self.name
        )
    }

    /// `Name` or `/path/Name`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (path, name) = match text.rfind('/') {
            None => ("/", text),
            Some(cut) => (&text[..=cut], &text[cut + 1..]),
        };
        if name.is_empty() || name.len() > limits::CUSTOMER_POLICY_NAME_LENGTH || !is_word(name) {
            return Err(format!(
                "the policy name must be 1 to {} letters, digits or + = , . @ _ -",
                limits::CUSTOMER_POLICY_NAME_LENGTH
            ));
        }
        let path_ok = path.starts_with('/')
            && path.len() <= limits::CUSTOMER_POLICY_PATH_LENGTH
            && !path.contains("//")
            && path[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".,+@=_-/".contains(c));
        if !path_ok {
            return Err(format!(
                "the path must start and end with `/` and hold at most {} letters, digits or . , + @ = _ -",
                limits::CUSTOMER_POLICY_PATH_LENGTH
            ));
        }
        Ok(Self {
            path: path.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// `[\w+=,.@-]`: the characters of IAM and Identity Center names.
fn is_word(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Validates the section. `partition` is the model's, which the instance ARN must share.
pub(crate) fn identity_center(
    raw: &Spanned<RawIdentityCenter>,
    partition: &str,
    d: &mut Diagnostics,
) -> IdentityCenter {
    let section = &raw.value;
    if let Some(arn) = &section.instance_arn
        && !is_instance_arn(&arn.value, partition)
    {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::MalformedInstanceArn {
                arn: arn.value.clone(),
                partition: partition.to_owned(),
            })
            .at(arn.span),
        );
    }
    if let Some(id) = &section.identity_store_id
        && !is_identity_store_id(&id.value)
    {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::MalformedIdentityStoreId {
                id: id.value.clone(),
            })
            .at(id.span),
        );
    }
    if !is_region(&section.region.value) {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::MalformedRegion {
                region: section.region.value.clone(),
            })
            .at(section.region.span),
        );
    }
    let start_url = match &section.start_url {
        Some(url) if !url.value.starts_with("https://") => {
            d.push(
                Diagnostic::of(&IdentityCenterMessage::MalformedStartUrl {
                    url: url.value.clone(),
                })
                .at(url.span),
            );
            None
        }
        Some(url) => Some(url.value.clone()),
        None => section
            .identity_store_id
            .as_ref()
            .filter(|id| id.value.starts_with("d-"))
            .map(|id| format!("https://{}.awsapps.com/start", id.value)),
    };
    IdentityCenter {
        instance_arn: section.instance_arn.as_ref().map(|a| a.value.clone()),
        identity_store_id: section.identity_store_id.as_ref().map(|i| i.value.clone()),
        region: section.region.value.clone(),
        groups: section
            .groups
            .as_ref()
            .map_or(GroupSource::Lookup, |g| g.value),
        start_url,
        span: raw.span,
    }
}

/// `arn:PARTITION:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}` (API Reference, InstanceMetadata).
pub fn is_instance_arn(arn: &str, partition: &str) -> bool {
    let Some(id) = arn
        .strip_prefix(&format!("arn:{partition}:sso:::instance/"))
        .map(|rest| rest.strip_prefix("sso").unwrap_or(rest))
        .and_then(|rest| rest.strip_prefix("ins-"))
    else {
        return false;
    };
    id.len() == 16
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// `d-[0-9a-f]{10}` or a UUID (identitystore API Reference, IdentityStoreId).
fn is_identity_store_id(id: &str) -> bool {
    let hex = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    if let Some(rest) = id.strip_prefix("d-") {
        return rest.len() == 10 && hex(rest);
    }
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| hex(p))
}

fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// What an account takes from a by-OU map (`topology.ous`, `topology.ou_hubs`): the value of the
/// deepest OU listed at or above its own.
pub(crate) fn by_deepest_ou<T: Copy>(ous: &[(String, T)], account_ou: Option<&str>) -> Option<T> {
    let path = account_ou?.trim_matches('/');
    ous.iter()
        .filter(|(ou, _)| {
            path == ou
                || path
                    .strip_prefix(ou.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(ou, _)| ou.len())
        .map(|&(_, value)| value)
}

/// Model-wide rules: the sections each topology needs, and Identity Center's limits on every
/// permission set that reaches an `identity-center` account.
pub(crate) fn check(
    model: &Model,
    identity_provider_span: Option<Span>,
    topology_span: Span,
    d: &mut Diagnostics,
) {
    let uses = |kind: TopologyKind| model.accounts.iter().find(|a| a.topology == kind);
    if let Some(account) = uses(TopologyKind::IdentityCenter)
        && model.identity_center.is_none()
    {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::MissingIdentityCenter {
                account: account.name.clone(),
            })
            .at(pick(account.span, topology_span)),
        );
    }
    if identity_provider_span.is_none() {
        // IAM users reach hub-and-spoke accounts without a SAML IdP; direct accounts always need one.
        let saml = model.accounts.iter().find(|a| match a.topology {
            TopologyKind::IdentityCenter => false,
            TopologyKind::HubAndSpoke => model.iam_users.is_none(),
            TopologyKind::Direct => true,
        });
        if let Some(account) = saml {
            d.push(
                Diagnostic::of(&IdentityCenterMessage::MissingIdentityProvider {
                    account: account.name.clone(),
                    topology: account.topology.as_str(),
                })
                .at(pick(account.span, topology_span)),
            );
        }
    }
    let reached = reached_sets(model);
    for (index, set) in model.permission_sets.iter().enumerate() {
        if reached[index] {
            check_permission_set(model, set, d);
        } else if set.relay_state.is_some() {
            d.push(
                Diagnostic::of(&IdentityCenterMessage::UnusedRelayState {
                    set: set.name.clone(),
                })
                .at(set.relay_state_span),
            );
        }
    }
    check_counts(model, &reached, d);
}

fn pick(span: Span, fallback: Span) -> Span {
    if span.is_known() { span } else { fallback }
}

/// For each permission set: whether some grant gives it in an `identity-center` account.
pub fn reached_sets(model: &Model) -> Vec<bool> {
    let mut reached = vec![false; model.permission_sets.len()];
    for grant in model.groups.iter().flat_map(|g: &Group| &g.grants) {
        if grant
            .accounts
            .iter()
            .any(|&a| model.accounts[a].topology == TopologyKind::IdentityCenter)
        {
            reached[grant.permission_set] = true;
        }
    }
    reached
}

fn check_permission_set(model: &Model, set: &PermissionSet, d: &mut Diagnostics) {
    if set.name.is_empty()
        || set.name.len() > limits::PERMISSION_SET_NAME_LENGTH
        || !is_word(&set.name)
    {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::IdentityCenterPermissionSetName {
                set: set.name.clone(),
            })
            .at(set.span),
        );
    }
    let aws_prefix = format!("arn:{}:iam::aws:policy/", model.partition);
    for (arn, span) in set.managed_policies.iter().zip(&set.managed_policy_spans) {
        if !arn.starts_with(&aws_prefix) {
            d.push(
                Diagnostic::of(&IdentityCenterMessage::IdentityCenterCustomerPolicyArn {
                    set: set.name.clone(),
                    arn: arn.clone(),
                })
                .at(*span),
            );
        }
    }
    let count = set.managed_policies.len() + set.customer_managed_policies.len();
    if count > limits::POLICIES_PER_PERMISSION_SET {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::TooManyPolicies {
                set: set.name.clone(),
                count,
            })
            .at(set.span),
        );
    } else if count > model.quotas.managed_policies_per_role {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::TooManyPoliciesForRoles {
                set: set.name.clone(),
                count,
                quota: model.quotas.managed_policies_per_role,
            })
            .at(set.span),
        );
    }
    if let Some(policy) = &set.inline_policy {
        let bytes = serde_json::to_string(policy).map_or(0, |text| text.len());
        let characters = awsfed_policy::iam_size(policy);
        if bytes > limits::INLINE_POLICY_BYTES || characters > limits::INLINE_POLICY_CHARACTERS {
            d.push(
                Diagnostic::of(&IdentityCenterMessage::IdentityCenterInlinePolicyTooLarge {
                    set: set.name.clone(),
                    characters,
                    bytes,
                })
                .at(set.inline_policy_span),
            );
        }
    }
    if let Some(relay) = &set.relay_state {
        check_relay_state(relay, set.relay_state_span, d);
    }
}

/// `PermissionSet.RelayState`: 1–240 characters of `[a-zA-Z0-9&$@#\/%?=~\-_'"|!:,.;*+\[\] (){}]`.
fn check_relay_state(relay: &str, span: Span, d: &mut Diagnostics) {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || "&$@#\\/%?=~-_'\"|!:,.;*+[] (){}".contains(c);
    if relay.is_empty() || relay.len() > limits::RELAY_STATE_LENGTH || !relay.chars().all(allowed) {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::MalformedRelayState {
                relay_state: relay.to_owned(),
            })
            .at(span),
        );
    }
}

/// Permission sets provisioned per account and per instance.
fn check_counts(model: &Model, reached: &[bool], d: &mut Diagnostics) {
    let instance_sets = reached.iter().filter(|r| **r).count();
    if instance_sets > limits::PERMISSION_SETS_PER_INSTANCE {
        d.push(
            Diagnostic::of(&IdentityCenterMessage::TooManyPermissionSets {
                sets: instance_sets,
            })
            .at(model
                .identity_center
                .as_ref()
                .map_or(Span::NONE, |ic| ic.span)),
        );
    }
    let sets = model.permission_sets.len();
    let mut per_account = vec![vec![false; sets]; model.accounts.len()];
    for grant in model.groups.iter().flat_map(|g| &g.grants) {
        for &a in &grant.accounts {
            per_account[a][grant.permission_set] = true;
        }
    }
    for (account, held) in model.accounts.iter().zip(&per_account) {
        let count = held.iter().filter(|h| **h).count();
        if account.topology == TopologyKind::IdentityCenter
            && count > limits::PERMISSION_SETS_PER_ACCOUNT
        {
            too_many_in_account(account, count, d);
        }
    }
}

fn too_many_in_account(account: &Account, count: usize, d: &mut Diagnostics) {
    d.push(
        Diagnostic::of(&IdentityCenterMessage::TooManyPermissionSetsInAccount {
            account: account.name.clone(),
            sets: count,
        })
        .at(account.span),
    );
}

/// A session duration as Identity Center writes it (ISO-8601): `PT1H`, `PT8H`, `PT1H30M`.
pub fn iso8601_duration(seconds: u32) -> String {
    let spelled = format_duration(seconds).to_uppercase();
    format!("PT{spelled}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_durations() {
        assert_eq!(iso8601_duration(3_600), "PT1H");
        assert_eq!(iso8601_duration(43_200), "PT12H");
        assert_eq!(iso8601_duration(5_400), "PT1H30M");
        assert_eq!(iso8601_duration(3_601), "PT1H1S");
    }

    #[test]
    fn customer_policy_references() {
        assert_eq!(
            CustomerManagedPolicy::parse("Billing").unwrap(),
            CustomerManagedPolicy {
                path: "/".into(),
                name: "Billing".into()
            }
        );
        let nested = CustomerManagedPolicy::parse("/team/data/Reader").unwrap();
        assert_eq!(
            (nested.path.as_str(), nested.name.as_str()),
            ("/team/data/", "Reader")
        );
        assert_eq!(
            nested.arn("aws", "111111111111"),
            "arn:aws:iam::111111111111:policy/team/data/Reader"
        );
        assert!(CustomerManagedPolicy::parse("/team/").is_err());
        assert!(CustomerManagedPolicy::parse("team//x").is_err());
        assert!(CustomerManagedPolicy::parse("Bad Name").is_err());
    }

    #[test]
    fn instance_and_store_ids() {
        assert!(is_instance_arn(
            "arn:aws:sso:::instance/ssoins-0123456789abcdef",
            "aws"
        ));
        assert!(is_instance_arn(
            "arn:aws:sso:::instance/ins-0123456789abcdef",
            "aws"
        ));
        assert!(!is_instance_arn(
            "arn:aws:sso:::instance/ssoins-0123",
            "aws"
        ));
        assert!(!is_instance_arn(
            "arn:aws-cn:sso:::instance/ssoins-0123456789abcdef",
            "aws"
        ));
        assert!(is_identity_store_id("d-0123456789"));
        assert!(is_identity_store_id("01234567-89ab-cdef-0123-456789abcdef"));
        assert!(!is_identity_store_id("d-012345678"));
        assert!(is_region("eu-west-1") && is_region("us-gov-west-1"));
        assert!(!is_region("europe") && !is_region("eu-west-"));
    }

    #[test]
    fn deepest_ou_wins() {
        let ous = vec![
            ("Workloads".to_owned(), TopologyKind::Direct),
            ("Workloads/Sandbox".to_owned(), TopologyKind::IdentityCenter),
        ];
        assert_eq!(
            by_deepest_ou(&ous, Some("Workloads/Sandbox/x")),
            Some(TopologyKind::IdentityCenter)
        );
        assert_eq!(
            by_deepest_ou(&ous, Some("Workloads/Prod")),
            Some(TopologyKind::Direct)
        );
        assert_eq!(by_deepest_ou(&ous, Some("WorkloadsX")), None);
        assert_eq!(by_deepest_ou(&ous, None), None);
    }
}
