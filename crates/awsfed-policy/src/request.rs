//! A request as IAM sees it: who calls (the principal), the action, the resource and the request
//! context ("Policy evaluation logic" → "Processing the request context", IAM User Guide).

use std::collections::BTreeMap;

use crate::arn::Arn;

/// The principal making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An unsigned request: only resource-based policies that name `"*"` can allow it.
    Anonymous,
    /// An IAM user, role, account root, assumed-role session (`arn:aws:sts::…:assumed-role/Role/sess`),
    /// federated-user session, or an identity provider (`…:saml-provider/corp`) for the
    /// `sts:AssumeRoleWithSAML` hop, whose trust policy names it as `Federated`.
    Arn(Arn),
    /// An AWS service principal such as `ec2.amazonaws.com`.
    Service(String),
    /// Any other principal string: a web identity provider (`accounts.google.com`) or a canonical user.
    Other(String),
}

/// What kind of IAM identity an ARN caller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    User,
    Role,
    AssumedRole,
    FederatedUser,
    Root,
    IdentityProvider,
    Other,
}

impl Caller {
    /// Reads a principal string: an ARN, a service principal (`*.amazonaws.com`) or anything else.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("arn:")
            && let Ok(arn) = Arn::parse(text)
        {
            return Caller::Arn(arn);
        }
        if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") {
            Caller::Service(text.to_owned())
        } else {
            Caller::Other(text.to_owned())
        }
    }

    /// The account the principal belongs to, when it has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Arn(arn) if !arn.account.is_empty() => Some(&arn.account),
            _ => None,
        }
    }

    pub fn kind(&self) -> CallerKind {
        let Caller::Arn(arn) = self else {
            return CallerKind::Other;
        };
        match (arn.service.as_str(), arn.resource_type()) {
            ("iam", "user") => CallerKind::User,
            ("iam", "role") => CallerKind::Role,
            ("iam", "root") => CallerKind::Root,
            ("iam", "saml-provider" | "oidc-provider") => CallerKind::IdentityProvider,
            ("sts", "assumed-role") => CallerKind::AssumedRole,
            ("sts", "federated-user") => CallerKind::FederatedUser,
            _ => CallerKind::Other,
        }
    }

    /// Service-linked roles (path `/aws-service-role/`) and their sessions are outside SCPs and RCPs
    /// ("SCP effects on permissions": "SCPs don't affect service-linked roles"; "Resources and
    /// entities not restricted by RCPs").
    pub fn is_service_linked_role(&self) -> bool {
        // A session ARN carries no path, but service-linked role names start with
        // `AWSServiceRoleFor` ("Using service-linked roles").
        match self {
            Caller::Arn(arn) if arn.service == "iam" => {
                arn.resource.starts_with("role/aws-service-role/")
            }
            Caller::Arn(arn) if arn.service == "sts" => arn
                .resource
                .strip_prefix("assumed-role/")
                .is_some_and(|r| r.starts_with("AWSServiceRoleFor")),
            _ => false,
        }
    }
}

/// A context key's value: single-valued keys hold one string, multivalued keys (`aws:TagKeys`,
/// `aws:PrincipalOrgPaths`, `aws:CalledVia`…) a list ("Single-valued vs. multivalued context keys").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(v) => v,
        }
    }
}

/// The request context. Keys are stored lower-cased: condition key names are case-insensitive
/// ("IAM JSON policy elements: Condition": "Condition key names are not case-sensitive").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, ContextValue>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.insert(key, ContextValue::Single(value.into()));
        self
    }

    /// Sets a multivalued key.
    pub fn with_values<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.insert(
            key,
            ContextValue::Multi(values.into_iter().map(Into::into).collect()),
        );
        self
    }

    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.values.insert(key.to_ascii_lowercase(), value);
    }

    /// Removes a key (any case).
    pub fn remove(&mut self, key: &str) {
        self.values.remove(&key.to_ascii_lowercase());
    }

    /// Looks a key up; `key` must already be lower-case.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.values.get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// One request to authorize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub caller: Caller,
    /// `service:Action`; matched case-insensitively.
    pub action: String,
    /// The resource ARN, or `*` for actions that take no resource.
    pub resource: String,
    /// The account that owns the resource. Needed where the ARN has none (S3 buckets); taken from
    /// the ARN otherwise.
    pub resource_account: Option<String>,
    pub context: Context,
}

impl Request {
    pub fn new(caller: Caller, action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            caller,
            action: action.into(),
            resource: resource.into(),
            resource_account: None,
            context: Context::new(),
        }
    }

    pub fn with_resource_account(mut self, account: impl Into<String>) -> Self {
        self.resource_account = Some(account.into());
        self
    }

    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// The resource's account: the explicit one, else the ARN's.
    pub fn resource_account(&self) -> Option<String> {
        self.resource_account.clone().or_else(|| {
            Arn::parse(&self.resource)
                .ok()
                .map(|a| a.account)
                .filter(|a| !a.is_empty())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_are_classified() {
        let k = |s: &str| Caller::parse(s).kind();
        assert_eq!(k("arn:aws:iam::111122223333:user/bob"), CallerKind::User);
        assert_eq!(
            k("arn:aws:sts::111122223333:assumed-role/Admin/alice"),
            CallerKind::AssumedRole
        );
        assert_eq!(
            k("arn:aws:iam::111122223333:saml-provider/corp"),
            CallerKind::IdentityProvider
        );
        assert_eq!(k("arn:aws:iam::111122223333:root"), CallerKind::Root);
        assert_eq!(
            Caller::parse("ec2.amazonaws.com"),
            Caller::Service("ec2.amazonaws.com".into())
        );
        assert!(
            Caller::parse("arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/R")
                .is_service_linked_role()
        );
    }

    #[test]
    fn context_keys_are_case_insensitive() {
        let ctx = Context::new().with("aws:PrincipalTag/Team", "x");
        assert_eq!(
            ctx.get("aws:principaltag/team"),
            Some(&ContextValue::Single("x".into()))
        );
    }

    #[test]
    fn resource_account_falls_back_to_the_arn() {
        let r = Request::new(
            Caller::Anonymous,
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:q",
        );
        assert_eq!(r.resource_account().as_deref(), Some("111122223333"));
        let s3 = Request::new(Caller::Anonymous, "s3:GetObject", "arn:aws:s3:::b/k")
            .with_resource_account("222233334444");
        assert_eq!(s3.resource_account().as_deref(), Some("222233334444"));
    }
}
