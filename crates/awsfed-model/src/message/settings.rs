//! The model's settings: version, partition, organisation, quotas, `allow_warnings`, the SAML
//! identity provider (name, metadata, session names, tags, audiences, browser sign-in) and
//! `discover`.

use super::Message;
use crate::raw::IdentitySource;
use crate::{Code, Severity};

/// A source of RoleSessionName or SourceIdentity whose values may not fit STS's 2–64 characters of
/// `[\w+=,.@-]` (AssumeRoleWithSAML API reference); `employee_id` always fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnfitSource {
    DisplayName,
    Email,
    Username,
    Nameid,
}

impl UnfitSource {
    /// `source` when its values may not fit.
    pub fn of(source: IdentitySource) -> Option<Self> {
        match source {
            IdentitySource::EmployeeId => None,
            IdentitySource::DisplayName => Some(Self::DisplayName),
            IdentitySource::Email => Some(Self::Email),
            IdentitySource::Username => Some(Self::Username),
            IdentitySource::Nameid => Some(Self::Nameid),
        }
    }

    fn source(self) -> IdentitySource {
        match self {
            Self::DisplayName => IdentitySource::DisplayName,
            Self::Email => IdentitySource::Email,
            Self::Username => IdentitySource::Username,
            Self::Nameid => IdentitySource::Nameid,
        }
    }

    fn why(self) -> &'static str {
        match self {
            Self::DisplayName => "display names contain spaces, which STS rejects",
            Self::Email => {
                "e-mail addresses can be longer than 64 characters or contain characters such as ' ! # that STS rejects"
            }
            Self::Username => {
                "login names can contain spaces or characters such as \\ that STS rejects"
            }
            Self::Nameid => {
                "NameIDs can be longer than 64 characters or contain characters such as \\ (DOMAIN\\user) that STS rejects"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsMessage {
    UnsupportedVersion {
        version: u32,
    },
    UnknownPartition {
        partition: String,
    },
    MalformedOrganizationId {
        id: String,
    },
    /// `quota` (`trust policy size`, …) set to `value`, outside IAM's `default..=max`.
    QuotaOutOfRange {
        quota: &'static str,
        value: usize,
        default: usize,
        max: usize,
    },
    /// An `allow_warnings` entry that is no code; `nearest`, the code it most likely misspells.
    UnknownCode {
        name: String,
        nearest: Option<Code>,
    },
    MalformedProviderName {
        name: String,
    },
    UnreadableMetadata {
        file: String,
        why: String,
    },
    NotSamlMetadata {
        file: String,
        why: String,
    },
    /// `source_identity_from` while `source_identity` is not true.
    UnusedSourceIdentityFrom,
    MalformedTagKey {
        key: String,
    },
    TooManySessionTags {
        count: usize,
    },
    UnknownAudience {
        audience: String,
    },
    DuplicateAudience {
        audience: String,
    },
    BrowserPortOutOfRange {
        port: u32,
    },
    /// `attribute` (`RoleSessionName` or `SourceIdentity`) comes from `source`.
    SessionNameSource {
        attribute: &'static str,
        source: UnfitSource,
    },
    EmptyDiscover,
}

impl Message for SettingsMessage {
    fn code(&self) -> Code {
        match self {
            Self::UnsupportedVersion { .. } => Code::UnsupportedVersion,
            Self::UnknownPartition { .. } => Code::UnknownPartition,
            Self::MalformedOrganizationId { .. } => Code::MalformedOrganizationId,
            Self::QuotaOutOfRange { .. } => Code::QuotaOutOfRange,
            Self::UnknownCode { .. } => Code::UnknownCode,
            Self::MalformedProviderName { .. } => Code::MalformedProviderName,
            Self::UnreadableMetadata { .. } => Code::UnreadableMetadata,
            Self::NotSamlMetadata { .. } => Code::NotSamlMetadata,
            Self::UnusedSourceIdentityFrom => Code::UnusedSetting,
            Self::MalformedTagKey { .. } => Code::MalformedTagKey,
            Self::TooManySessionTags { .. } => Code::TooManySessionTags,
            Self::UnknownAudience { .. } => Code::UnknownAudience,
            Self::DuplicateAudience { .. } => Code::DuplicateAudience,
            Self::BrowserPortOutOfRange { .. } => Code::BrowserPortOutOfRange,
            Self::SessionNameSource { .. } => Code::SessionNameSource,
            Self::EmptyDiscover => Code::EmptyDiscover,
        }
    }

    /// Display names always contain spaces, so sign-in fails for everyone; the other sources fail
    /// only for some people.
    fn severity(&self) -> Severity {
        match self {
            Self::SessionNameSource {
                source: UnfitSource::DisplayName,
                ..
            } => Severity::Error,
            Self::SessionNameSource { .. } => Severity::Warning,
            _ => self.code().severities()[0],
        }
    }

    fn text(&self) -> String {
        match self {
            Self::UnsupportedVersion { version } => {
                format!("model version {version} is not supported")
            }
            Self::UnknownPartition { partition } => format!("unknown partition `{partition}`"),
            Self::MalformedOrganizationId { id } => format!("`{id}` is not an organization id"),
            Self::QuotaOutOfRange {
                quota,
                value,
                default,
                max,
            } => format!("{quota} quota {value} is outside {default}..={max}"),
            Self::UnknownCode { name, .. } => {
                format!("`{name}` is not an awsfed diagnostic code")
            }
            Self::MalformedProviderName { name } => {
                format!("`{name}` is not a valid SAML provider name")
            }
            Self::UnreadableMetadata { file, why } => {
                format!("cannot read metadata file `{file}`: {why}")
            }
            Self::NotSamlMetadata { file, why } => {
                format!("`{file}` is not SAML IdP metadata: {why}")
            }
            Self::UnusedSourceIdentityFrom => {
                "`source_identity_from` has no effect while `source_identity` is not true"
                    .to_owned()
            }
            Self::MalformedTagKey { key } => format!("`{key}` is not a valid session tag key"),
            Self::TooManySessionTags { count } => {
                format!("{count} session tags; STS accepts at most 50")
            }
            Self::UnknownAudience { audience } => {
                format!("`{audience}` is not an AWS sign-in endpoint")
            }
            Self::DuplicateAudience { audience } => format!("`{audience}` is listed twice"),
            Self::BrowserPortOutOfRange { port } => {
                format!("browser sign-in port {port} is outside 1024..=65535")
            }
            Self::SessionNameSource { attribute, source } => format!(
                "{attribute} from `{}` can produce values outside 2–64 characters of [\\w+=,.@-]: {}",
                source.source().as_str(),
                source.why()
            ),
            Self::EmptyDiscover => "`discover` selects no OU and no tag".to_owned(),
        }
    }

    fn help(&self) -> Option<String> {
        Some(match self {
            Self::UnsupportedVersion { .. } => "this awsfed reads `version: 1`".to_owned(),
            Self::UnknownPartition { .. } => "use `aws`, `aws-cn` or `aws-us-gov`".to_owned(),
            Self::MalformedOrganizationId { .. } => {
                "an organization id is `o-` followed by 10 to 32 lower-case letters or digits"
                    .to_owned()
            }
            Self::QuotaOutOfRange { default, max, .. } => {
                format!("IAM's default is {default} and it can be raised to at most {max}")
            }
            Self::UnknownCode { nearest, .. } => match nearest {
                Some(close) => format!("did you mean `{close}`?"),
                None => "docs/diagnostics.md lists every code".to_owned(),
            },
            Self::MalformedProviderName { .. } => {
                "a SAML provider name has 1 to 128 letters, digits, `.`, `_` or `-`".to_owned()
            }
            Self::UnreadableMetadata { .. } => "the path is relative to the model file".to_owned(),
            Self::NotSamlMetadata { .. } => "download the metadata XML from the IdP's AWS application (it starts with <EntityDescriptor>)".to_owned(),
            Self::UnusedSourceIdentityFrom => {
                "set `source_identity: true` or remove `source_identity_from`".to_owned()
            }
            Self::MalformedTagKey { .. } => {
                "a tag key has 1 to 128 characters and may not start with `aws:`".to_owned()
            }
            Self::TooManySessionTags { .. } | Self::DuplicateAudience { .. } => return None,
            Self::UnknownAudience { .. } => "SAML:aud is the Recipient the IdP posts to: https://signin.aws.amazon.com/saml or https://REGION.signin.aws.amazon.com/saml".to_owned(),
            Self::BrowserPortOutOfRange { .. } => "pick a free port from 1024 to 65535; the IdP's extra ACS URL must name the same port".to_owned(),
            Self::SessionNameSource { .. } => "sign-in fails for users whose value does not fit; use a source that fits (employee_id), have the IdP transform it, or add `session-name-source` to `allow_warnings` once the directory guarantees it".to_owned(),
            Self::EmptyDiscover => "list OU paths under `ous` (`ous: [Workloads]`) or tags under `tags`, or remove `discover`".to_owned(),
        })
    }
}
