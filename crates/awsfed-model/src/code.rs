//! Every diagnostic code awsfed reports, in one list: its stable kebab-case name (what scripts and
//! `allow_warnings` refer to), the severities it is reported with and what it means. `docs/diagnostics.md`
//! is generated from this list ([`reference`]) and a test refuses it when stale.

use std::fmt;
use std::str::FromStr;

use crate::Severity;
use crate::selector::closest;

macro_rules! codes {
    ($( $variant:ident = $name:literal, [$($severity:ident),+], $meaning:literal; )*) => {
        /// A diagnostic's code. Its [`Display`](fmt::Display) and serialised form is the kebab-case name.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $variant, )*
        }

        impl Code {
            /// Every code, in the order of the reference.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $name, )*
                }
            }

            /// The severities awsfed reports this code with.
            pub fn severities(self) -> &'static [Severity] {
                match self {
                    $( Code::$variant => &[$( Severity::$severity ),+], )*
                }
            }

            /// What the code means, in one line.
            pub fn meaning(self) -> &'static str {
                match self {
                    $( Code::$variant => $meaning, )*
                }
            }
        }
    };
}

codes! {
    // Reading the model file.
    NotUtf8 = "not-utf8", [Error], "the model file is not UTF-8 text";
    ModelTooLarge = "model-too-large", [Error], "the model file is larger than awsfed reads";
    Yaml = "yaml", [Error], "the model file is not valid YAML or does not fit the model format";
    YamlLimit = "yaml-limit", [Error], "the model nests too deeply or uses too many anchors and aliases";
    UnknownKey = "unknown-key", [Error], "a key the model format does not have (often a misspelling)";
    DuplicateKey = "duplicate-key", [Error], "a key is defined twice in the same mapping";
    MissingKey = "missing-key", [Error], "a required key is missing";
    // The model's settings.
    UnsupportedVersion = "unsupported-version", [Error], "the model's `version` is not one awsfed reads";
    UnknownPartition = "unknown-partition", [Error], "`partition` is not an AWS partition";
    MalformedOrganizationId = "malformed-organization-id", [Error], "the organization id is not of the form o-…";
    QuotaOutOfRange = "quota-out-of-range", [Error], "a `quotas` value is below IAM's default or above its maximum";
    UnknownCode = "unknown-code", [Error], "`allow_warnings` names a code awsfed does not have";
    MalformedProviderName = "malformed-provider-name", [Error], "the SAML provider name is not one IAM accepts";
    UnreadableMetadata = "unreadable-metadata", [Error], "the IdP metadata file cannot be read";
    NotSamlMetadata = "not-saml-metadata", [Error], "the IdP metadata file is not SAML IdP metadata";
    UnusedSetting = "unused-setting", [Warning], "a setting that has no effect with the rest of the model";
    MalformedTagKey = "malformed-tag-key", [Error], "a session tag key is not one STS accepts";
    TooManySessionTags = "too-many-session-tags", [Error], "more session tags than STS accepts";
    UnknownAudience = "unknown-audience", [Warning], "a SAML audience is not an AWS sign-in endpoint";
    DuplicateAudience = "duplicate-audience", [Warning], "a SAML audience is listed twice";
    BrowserPortOutOfRange = "browser-port-out-of-range", [Error], "the browser sign-in port is outside 1024..=65535";
    SessionNameSource = "session-name-source", [Error, Warning], "the session name source may give values STS refuses as a role session name";
    EmptyDiscover = "empty-discover", [Error], "`discover` selects no OU and no tag";
    StackSetRegion = "stack-set-region", [Error], "`stack_sets.region` is not a region name, or `region_order` names another region";
    StackSetPreference = "stack-set-preference", [Error], "a `stack_sets` operation preference is out of range, or given both as a count and a percentage";
    ConcurrencyCapped = "concurrency-capped", [Warning], "`stack_sets.max_concurrent_count` is above `failure_tolerance_count` + 1, which is all CloudFormation runs at once";
    // Accounts, hubs and OUs.
    MalformedAccountName = "malformed-account-name", [Error], "an account name cannot be used in group names and targets";
    MalformedAccountId = "malformed-account-id", [Error], "an account id is not 12 digits";
    DuplicateAccountId = "duplicate-account-id", [Error], "two accounts have the same id";
    MalformedTag = "malformed-tag", [Error], "an account tag is not a valid AWS tag";
    MalformedOu = "malformed-ou", [Error], "an OU path is not of the form `Workloads/Dev`";
    UnknownAccount = "unknown-account", [Error], "a name refers to no account of the model";
    ConflictingHubs = "conflicting-hubs", [Error], "`hub_account` and `hubs` are both set";
    UnknownHub = "unknown-hub", [Error], "a name refers to no hub of the model";
    MissingHub = "missing-hub", [Error], "hub-and-spoke accounts are granted but the model has no hub account";
    CrossHubGrant = "cross-hub-grant", [Error], "a group is granted an account that belongs to another hub than its own";
    SharedHubAccount = "shared-hub-account", [Error], "two hubs share an account while accounts belong to hubs";
    // Permission sets and groups.
    MalformedArn = "malformed-arn", [Error], "a managed policy ARN is malformed";
    DuplicatePolicy = "duplicate-policy", [Warning], "a policy is listed twice";
    MalformedPolicyReference = "malformed-policy-reference", [Error], "a customer managed policy reference is not a name or path and name";
    MalformedDuration = "malformed-duration", [Error], "a duration is not of the form `1h` or `90m`";
    SessionDurationOutOfRange = "session-duration-out-of-range", [Error], "a session duration is outside 1h–12h";
    ChainedSessionCapped = "chained-session-capped", [Warning], "a session longer than 1h is reached by role chaining, which AWS caps at 1h";
    UnknownPermissionSet = "unknown-permission-set", [Error], "a grant names no permission set of the model";
    OverlappingGrants = "overlapping-grants", [Warning], "two grants give a group the same permission set in the same account";
    GroupWithoutGrants = "group-without-grants", [Warning], "a group has no grants";
    SelectsNothing = "selects-nothing", [Warning], "a selector matches no account";
    HubRoleNameCollision = "hub-role-name-collision", [Error], "two groups would share a hub role name";
    // Role names and paths.
    MalformedRolePath = "malformed-role-path", [Error], "a role path is not a usable IAM path";
    HubPathNotExclusive = "hub-path-not-exclusive", [Error], "the hub role path cannot hold hub roles alone";
    UnknownPlaceholder = "unknown-placeholder", [Error], "a naming template uses an unknown placeholder";
    MalformedRoleName = "malformed-role-name", [Error], "a naming template makes role names IAM does not allow";
    RoleNameCollision = "role-name-collision", [Error], "two roles would have the same name in an account";
    RoleNameTooLong = "role-name-too-long", [Error], "a role name is longer than IAM allows";
    SwitchRoleTooLong = "switch-role-too-long", [Warning], "a role's path and name are longer than the console's switch-role accepts";
    // IAM users.
    MalformedIamUserName = "malformed-iam-user-name", [Error], "an IAM user name IAM does not accept";
    MalformedIamGroupName = "malformed-iam-group-name", [Error], "a directory group's IAM group name is longer than IAM allows";
    MalformedIamUserPath = "malformed-iam-user-path", [Error], "`iam_users.path` is no IAM path strictly below `naming.role_path`";
    IamNameCollision = "iam-name-collision", [Error], "two IAM users would have the same name in the hub account";
    UnknownGroup = "unknown-group", [Error], "a name refers to no directory group of the model";
    IamUserGroupOtherHub = "iam-user-group-other-hub", [Error], "an IAM user is in a group that federates through another hub than the users'";
    TooManyGroupsPerUser = "too-many-groups-per-user", [Error], "an IAM user is in more groups than IAM allows";
    TooManyIamUsers = "too-many-iam-users", [Error], "more IAM users than an account holds";
    TooManyIamGroups = "too-many-iam-groups", [Error], "more IAM groups than an account holds";
    MfaMaxAgeOutOfRange = "mfa-max-age-out-of-range", [Error], "`iam_users.mfa_max_age` is outside GetSessionToken's 15m–36h";
    IamUserWithoutGroups = "iam-user-without-groups", [Warning], "an IAM user is in no group and reaches no role";
    IamUserWithoutMfa = "iam-user-without-mfa", [Warning], "an IAM user may assume roles without MFA";
    // Identity Center.
    MalformedInstanceArn = "malformed-instance-arn", [Error], "the Identity Center instance ARN is malformed";
    MalformedIdentityStoreId = "malformed-identity-store-id", [Error], "the identity store id is malformed";
    MalformedRegion = "malformed-region", [Error], "a region is not an AWS region";
    MalformedStartUrl = "malformed-start-url", [Error], "the Identity Center start URL is not an https URL";
    MissingIdentityCenter = "missing-identity-center", [Error], "an account uses Identity Center but the model has no `identity_center` section";
    MissingIdentityProvider = "missing-identity-provider", [Error], "an account uses SAML but the model has no `identity_provider` section";
    IdentityCenterPermissionSetName = "identity-center-permission-set-name", [Error], "a permission set name Identity Center does not accept";
    IdentityCenterCustomerPolicyArn = "identity-center-customer-policy-arn", [Error], "a customer managed policy given by ARN, which Identity Center cannot attach";
    IdentityCenterTooManyPolicies = "identity-center-too-many-policies", [Error], "a permission set has more policies than Identity Center or IAM allows";
    IdentityCenterInlinePolicyTooLarge = "identity-center-inline-policy-too-large", [Error], "a permission set's inline policy is larger than Identity Center allows";
    MalformedRelayState = "malformed-relay-state", [Error], "a relay state is not one Identity Center accepts";
    IdentityCenterTooManyPermissionSets = "identity-center-too-many-permission-sets", [Error], "more permission sets than Identity Center provisions";
    // What the compiler chose, and IAM's quotas.
    SpokeTrustNarrowed = "spoke-trust-narrowed", [Note], "a spoke role trusts the hub account narrowed to the hub path, as its hub roles do not fit one by one";
    HubPolicyByAccount = "hub-policy-by-account", [Note], "a hub role or IAM group names its spoke roles by role name and account, as exact ARNs do not fit";
    HubPolicyByOrgPaths = "hub-policy-by-org-paths", [Note], "a hub role names the spoke roles of its OU grants by OU path (aws:ResourceOrgPaths), read from Organizations";
    HubPolicyComplement = "hub-policy-complement", [Note], "a hub role or IAM group names its spoke roles as the organisation minus the accounts not granted";
    HubPolicyByOrganization = "hub-policy-by-organization", [Warning], "a hub role or IAM group may assume its role names in any account of the organisation";
    HubPolicyTooLarge = "hub-policy-too-large", [Error], "a hub role's or IAM group's spoke roles do not fit its managed policies";
    UserTrustNarrowed = "user-trust-narrowed", [Note], "a spoke role trusts the hub account narrowed to the IAM users' path, as its users do not fit one by one";
    PolicyNameCollision = "policy-name-collision", [Error], "two managed policies awsfed writes would have the same name in an account";
    TrustPolicyTooLarge = "trust-policy-too-large", [Error], "a trust policy is larger than the trust policy quota";
    InlinePoliciesTooLarge = "inline-policies-too-large", [Error], "a role's inline policies are larger than IAM allows";
    TooManyManagedPolicies = "too-many-managed-policies", [Error], "a role would have more managed policies than the quota";
    TooManyRoles = "too-many-roles", [Error], "an account would hold more awsfed roles than the quota";
    TooManySamlProviders = "too-many-saml-providers", [Error], "an account would hold more SAML providers than IAM allows";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Debug prints the name as a string, as the code was before it was typed, so debug output of
/// diagnostics reads the same.
impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A code equals its name, so a test can look for `"spoke-trust-narrowed"` among diagnostics.
impl PartialEq<&str> for Code {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A name that is no code; `nearest` is the code it most likely misspells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub nearest: Option<Code>,
}

impl FromStr for Code {
    type Err = UnknownCode;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some(code) = Code::ALL.iter().find(|c| c.as_str() == name) {
            return Ok(*code);
        }
        let nearest = closest(name, Code::ALL.iter().map(|c| c.as_str()))
            .and_then(|close| Code::ALL.iter().copied().find(|c| c.as_str() == close));
        Err(UnknownCode { nearest })
    }
}

/// `docs/diagnostics.md`: every code with its severities and meaning.
pub fn reference() -> String {
    let mut out = String::from(
        "# awsfed diagnostic codes\n\n\
         Every code `awsfed validate` and `awsfed compile` can report, with its severity and what it means.\n\
         Warnings can be accepted by listing their code under `allow_warnings` in the model. Generated from\n\
         `crates/awsfed-model/src/code.rs` by `crates/awsfed/tests/it/cli.rs` (run it with\n\
         `AWSFED_UPDATE_DOCS=1` to rewrite this file); do not edit by hand.\n\n\
         | code | severity | meaning |\n\
         | --- | --- | --- |\n",
    );
    for code in Code::ALL {
        let severities: Vec<String> = code.severities().iter().map(|s| s.to_string()).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code,
            severities.join(", "),
            code.meaning()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "`{name}` is listed twice");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "`{name}` is kebab-case"
            );
            assert_eq!(name.parse::<Code>(), Ok(*code));
            assert!(*code == name);
            assert_eq!(serde_json::to_string(code).unwrap(), format!("\"{name}\""));
        }
    }

    #[test]
    fn an_unknown_name_suggests_the_nearest_code() {
        assert_eq!(
            "overlaping-grants".parse::<Code>(),
            Err(UnknownCode {
                nearest: Some(Code::OverlappingGrants)
            })
        );
        assert_eq!(
            "no-such-thing-at-all".parse::<Code>(),
            Err(UnknownCode { nearest: None })
        );
    }
}
