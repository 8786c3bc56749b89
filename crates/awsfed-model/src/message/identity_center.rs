//! The `identity_center:` section, the sections each topology needs, and Identity Center's limits
//! on the permission sets that reach `identity-center` accounts.

use super::Message;
use crate::identity_center::limits;
use crate::{Code, defaults};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityCenterMessage {
    MalformedInstanceArn {
        arn: String,
        partition: String,
    },
    MalformedIdentityStoreId {
        id: String,
    },
    MalformedRegion {
        region: String,
    },
    MalformedStartUrl {
        url: String,
    },
    MissingIdentityCenter {
        account: String,
    },
    /// `topology`: the account's, as the model writes it.
    MissingIdentityProvider {
        account: String,
        topology: &'static str,
    },
    /// `relay_state` set on a permission set that reaches no identity-center account.
    UnusedRelayState {
        set: String,
    },
    IdentityCenterPermissionSetName {
        set: String,
    },
    IdentityCenterCustomerPolicyArn {
        set: String,
        arn: String,
    },
    /// More policies than a permission set holds.
    TooManyPolicies {
        set: String,
        count: usize,
    },
    /// More policies than the role in each account may hold (`quota`: managed policies per role).
    TooManyPoliciesForRoles {
        set: String,
        count: usize,
        quota: usize,
    },
    IdentityCenterInlinePolicyTooLarge {
        set: String,
        characters: usize,
        bytes: usize,
    },
    MalformedRelayState {
        relay_state: String,
    },
    /// More permission sets reach identity-center accounts than an instance holds.
    TooManyPermissionSets {
        sets: usize,
    },
    TooManyPermissionSetsInAccount {
        account: String,
        sets: usize,
    },
}

impl Message for IdentityCenterMessage {
    fn code(&self) -> Code {
        match self {
            Self::MalformedInstanceArn { .. } => Code::MalformedInstanceArn,
            Self::MalformedIdentityStoreId { .. } => Code::MalformedIdentityStoreId,
            Self::MalformedRegion { .. } => Code::MalformedRegion,
            Self::MalformedStartUrl { .. } => Code::MalformedStartUrl,
            Self::MissingIdentityCenter { .. } => Code::MissingIdentityCenter,
            Self::MissingIdentityProvider { .. } => Code::MissingIdentityProvider,
            Self::UnusedRelayState { .. } => Code::UnusedSetting,
            Self::IdentityCenterPermissionSetName { .. } => Code::IdentityCenterPermissionSetName,
            Self::IdentityCenterCustomerPolicyArn { .. } => Code::IdentityCenterCustomerPolicyArn,
            Self::TooManyPolicies { .. } | Self::TooManyPoliciesForRoles { .. } => {
                Code::IdentityCenterTooManyPolicies
            }
            Self::IdentityCenterInlinePolicyTooLarge { .. } => {
                Code::IdentityCenterInlinePolicyTooLarge
            }
            Self::MalformedRelayState { .. } => Code::MalformedRelayState,
            Self::TooManyPermissionSets { .. } | Self::TooManyPermissionSetsInAccount { .. } => {
                Code::IdentityCenterTooManyPermissionSets
            }
        }
    }

    fn text(&self) -> String {
        match self {
            Self::MalformedInstanceArn { arn, .. } => {
                format!("`{arn}` is not an Identity Center instance ARN")
            }
            Self::MalformedIdentityStoreId { id } => format!("`{id}` is not an identity store id"),
            Self::MalformedRegion { region } => format!("`{region}` is not an AWS region"),
            Self::MalformedStartUrl { url } => format!("`{url}` is not an https URL"),
            Self::MissingIdentityCenter { account } => format!(
                "account `{account}` uses Identity Center but the model has no `identity_center` section"
            ),
            Self::MissingIdentityProvider { account, topology } => format!(
                "account `{account}` is {topology} but the model has no `identity_provider` section"
            ),
            Self::UnusedRelayState { set } => format!(
                "permission set `{set}` sets `relay_state`, which only Identity Center uses, but reaches no identity-center account"
            ),
            Self::IdentityCenterPermissionSetName { set } => format!(
                "permission set name `{set}` cannot be an Identity Center permission set name"
            ),
            Self::IdentityCenterCustomerPolicyArn { set, arn } => format!(
                "permission set `{set}` reaches identity-center accounts, where `{arn}` cannot be attached by ARN"
            ),
            Self::TooManyPolicies { set, count } => format!(
                "permission set `{set}` has {count} managed and customer managed policies; Identity Center allows {}",
                limits::POLICIES_PER_PERMISSION_SET
            ),
            Self::TooManyPoliciesForRoles { set, count, quota } => format!(
                "permission set `{set}` has {count} managed and customer managed policies; the role Identity Center creates in each account may hold {quota} (IAM's managed policies per role quota)"
            ),
            Self::IdentityCenterInlinePolicyTooLarge {
                set,
                characters,
                bytes,
            } => format!(
                "the inline policy of permission set `{set}` is {characters} characters without white space ({bytes} bytes); Identity Center allows {} characters ({} bytes)",
                limits::INLINE_POLICY_CHARACTERS,
                limits::INLINE_POLICY_BYTES
            ),
            Self::MalformedRelayState { relay_state } => {
                format!("relay state `{relay_state}` is not one Identity Center accepts")
            }
            Self::TooManyPermissionSets { sets } => format!(
                "{sets} permission sets reach identity-center accounts; an Identity Center instance holds {} by default",
                limits::PERMISSION_SETS_PER_INSTANCE
            ),
            Self::TooManyPermissionSetsInAccount { account, sets } => format!(
                "account `{account}` is given {sets} permission sets; Identity Center provisions at most {} per account",
                limits::PERMISSION_SETS_PER_ACCOUNT
            ),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::MalformedInstanceArn { partition, .. } => format!(
                "write arn:{partition}:sso:::instance/ssoins-XXXXXXXXXXXXXXXX (the Identity Center console's Settings page shows it), or leave it out to find it when connected"
            ),
            Self::MalformedIdentityStoreId { .. } => {
                "an identity store id is `d-` followed by 10 hexadecimal digits (or a UUID)".to_owned()
            }
            Self::MalformedRegion { .. } => {
                "write the region the Identity Center instance lives in, such as `eu-west-1`".to_owned()
            }
            Self::MalformedStartUrl { .. } => {
                "the AWS access portal URL looks like https://d-0123456789.awsapps.com/start".to_owned()
            }
            Self::MissingIdentityCenter { .. } => "add `identity_center: { region: REGION, instance_arn: …, identity_store_id: … }`".to_owned(),
            Self::MissingIdentityProvider { .. } => "add `identity_provider: { name: …, metadata_file: … }`, or make the account `topology: identity-center`".to_owned(),
            Self::UnusedRelayState { .. } => "remove `relay_state`, or grant the permission set in an identity-center account".to_owned(),
            Self::IdentityCenterPermissionSetName { .. } => format!(
                "Identity Center names are 1 to {} letters, digits or + = , . @ _ -; rename the permission set",
                limits::PERMISSION_SET_NAME_LENGTH
            ),
            Self::IdentityCenterCustomerPolicyArn { .. } => "Identity Center attaches AWS managed policies by ARN and customer managed policies by path and name: move it to `customer_managed_policies` as `/PATH/NAME`".to_owned(),
            Self::TooManyPolicies { .. } => {
                "combine policies, or move statements into the inline policy".to_owned()
            }
            Self::TooManyPoliciesForRoles { .. } => format!(
                "raise the IAM quota in every account with Service Quotas (up to {}) and set `quotas.managed_policies_per_role`",
                defaults::MANAGED_POLICIES_PER_ROLE_MAX
            ),
            Self::IdentityCenterInlinePolicyTooLarge { .. } => {
                "move statements into customer managed policies".to_owned()
            }
            Self::MalformedRelayState { .. } => format!(
                "a relay state is a URL of 1 to {} characters (letters, digits and & $ @ # \\ / % ? = ~ - _ ' \" | ! : , . ; * + [ ] ( ) {{ }} and space); percent-encode anything else",
                limits::RELAY_STATE_LENGTH
            ),
            Self::TooManyPermissionSets { .. } => "merge permission sets, or raise the quota with Service Quotas from the management account".to_owned(),
            Self::TooManyPermissionSetsInAccount { .. } => {
                "grant fewer permission sets there, or raise the quota with Service Quotas".to_owned()
            }
        })
    }
}
