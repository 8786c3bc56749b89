//! A policy document checked and compiled for evaluation: the statements' actions, resources,
//! principals and conditions parsed once, so that evaluating a request does no parsing.
//!
//! What IAM accepts for each policy type ("IAM JSON policy element reference"; "SCP syntax"; "RCP
//! syntax"; "AWS JSON policy elements: Principal"):
//!
//! | element | identity, boundary, session, SCP | resource-based | role trust | RCP |
//! |---|---|---|---|---|
//! | `Principal`/`NotPrincipal` | not allowed | one required | `Principal` required | `Principal: "*"` |
//! | `Action`/`NotAction` | one required | one required | one required | one required |
//! | `Resource`/`NotResource` | one required | one required | not allowed (the role itself) | one required |

use std::borrow::Cow;
use std::fmt;

use crate::POLICY_VERSION;
use crate::condition::{Condition, ConditionProblem};
use crate::document::{Effect, PolicyDocument, Principal, Statement};
use crate::error::{Location, PolicyError, Problem};
use crate::principal::{CallerFacts, PrincipalEntry, PrincipalMatch};
use crate::request::{Caller, Context};
use crate::string_list::StringList;
use crate::variables::Template;
use crate::wildcard::Wildcard;

/// The policy types of "Policy evaluation logic" → "Policy types".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    ServiceControl,
    ResourceControl,
    Identity,
    PermissionsBoundary,
    Session,
    /// A resource-based policy (bucket policy, queue policy…).
    Resource,
    /// A role trust policy: the resource-based policy of an IAM role.
    Trust,
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyKind::ServiceControl => "service control policy",
            PolicyKind::ResourceControl => "resource control policy",
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::PermissionsBoundary => "permissions boundary",
            PolicyKind::Session => "session policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::Trust => "role trust policy",
        })
    }
}

/// A compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    id: String,
    kind: PolicyKind,
    pub(crate) statements: Vec<CompiledStatement>,
}

impl Policy {
    /// Checks and compiles a document. `id` names the policy in results and errors (an ARN, a
    /// name, a file path).
    pub fn compile(
        id: impl Into<String>,
        kind: PolicyKind,
        document: &PolicyDocument,
    ) -> Result<Self, PolicyError> {
        let id = id.into();
        let error = |location: Location, problem: Problem| PolicyError {
            policy: id.clone(),
            location: Box::new(location),
            problem: Box::new(problem),
        };
        let variables = match document.version.as_deref() {
            Some(POLICY_VERSION) => true,
            // Without a version IAM uses the old language, where `${…}` is literal text.
            None | Some("2008-10-17") => false,
            Some(other) => {
                return Err(error(
                    Location {
                        field: Some("Version".into()),
                        ..Location::default()
                    },
                    Problem::UnsupportedVersion(other.to_owned()),
                ));
            }
        };
        if document.statement.is_empty() {
            return Err(error(
                Location {
                    field: Some("Statement".into()),
                    ..Location::default()
                },
                Problem::NoStatements,
            ));
        }
        let statements = document
            .statement
            .iter()
            .enumerate()
            .map(|(index, statement)| {
                CompiledStatement::compile(index, statement, kind, variables).map_err(
                    |(field, problem)| {
                        error(
                            Location {
                                statement: Some(index),
                                sid: statement.sid.clone(),
                                field,
                            },
                            problem,
                        )
                    },
                )
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            id,
            kind,
            statements,
        })
    }

    /// Parses JSON and compiles it.
    pub fn parse(id: impl Into<String>, kind: PolicyKind, json: &str) -> Result<Self, PolicyError> {
        let id = id.into();
        let document = PolicyDocument::from_json(json).map_err(|e| PolicyError {
            policy: id.clone(),
            location: Box::default(),
            problem: Box::new(Problem::Json(e.to_string())),
        })?;
        Self::compile(id, kind, &document)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The number of statements.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The `Sid` of statement `index`.
    pub fn sid(&self, index: usize) -> Option<&str> {
        self.statements.get(index).and_then(|s| s.sid.as_deref())
    }

    /// The effect of statement `index`.
    pub fn effect(&self, index: usize) -> Option<Effect> {
        self.statements.get(index).map(|s| s.effect)
    }
}

type StatementError = (Option<String>, Problem);

#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    principal: PrincipalRule,
    actions: Rule<ActionPattern>,
    resources: Option<Rule<ResourcePattern>>,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
enum PrincipalRule {
    /// Identity-side policies: the principal is whoever the policy is attached to.
    Implied,
    Principal(Vec<PrincipalEntry>),
    NotPrincipal(Vec<PrincipalEntry>),
}

#[derive(Debug, Clone)]
enum Rule<T> {
    Is(Vec<T>),
    IsNot(Vec<T>),
}

#[derive(Debug, Clone)]
enum ActionPattern {
    All,
    /// Lower-cased service prefix and action-name pattern: action names are case-insensitive
    /// ("IAM JSON policy elements: Action").
    Service {
        service: String,
        name: Wildcard,
    },
}

#[derive(Debug, Clone)]
enum ResourcePattern {
    All,
    /// The five parts after `arn:`; the last (the resource) may contain `:` and `/`.
    Arn(Box<[Template; 5]>, Option<Box<[Wildcard; 5]>>),
    /// A short ARN without a trailing wildcard: matches nothing.
    Never,
}

impl CompiledStatement {
    fn compile(
        _index: usize,
        statement: &Statement,
        kind: PolicyKind,
        variables: bool,
    ) -> Result<Self, StatementError> {
        let field = |name: &str| Some(name.to_owned());
        let principal = compile_principal(statement, kind)?;
        let actions = match (&statement.action, &statement.not_action) {
            (Some(_), Some(_)) => return Err((None, Problem::Both("Action", "NotAction"))),
            (None, None) => return Err((None, Problem::Missing("Action or NotAction"))),
            (Some(list), None) => Rule::Is(compile_list(list, "Action", compile_action)?),
            (None, Some(list)) => Rule::IsNot(compile_list(list, "NotAction", compile_action)?),
        };
        let resources = match (&statement.resource, &statement.not_resource, kind) {
            (Some(_), _, PolicyKind::Trust) => {
                return Err((field("Resource"), Problem::NotAllowed(kind)));
            }
            (_, Some(_), PolicyKind::Trust) => {
                return Err((field("NotResource"), Problem::NotAllowed(kind)));
            }
            (None, None, PolicyKind::Trust) => None,
            (Some(_), Some(_), _) => return Err((None, Problem::Both("Resource", "NotResource"))),
            (None, None, _) => return Err((None, Problem::Missing("Resource or NotResource"))),
            (Some(list), None, _) => Some(Rule::Is(compile_list(list, "Resource", |v| {
                compile_resource(v, variables)
            })?)),
            (None, Some(list), _) => Some(Rule::IsNot(compile_list(list, "NotResource", |v| {
                compile_resource(v, variables)
            })?)),
        };
        let mut conditions = Vec::new();
        for (operator, keys) in &statement.condition {
            for (key, values) in keys {
                let condition =
                    Condition::compile(operator, key, &values.0, variables).map_err(|problem| {
                        let field = Some(format!("Condition.{operator}.{key}"));
                        let problem = match problem {
                            ConditionProblem::UnknownOperator => Problem::Operator,
                            ConditionProblem::NoValues => Problem::Empty,
                            ConditionProblem::BadValue { value, expected } => {
                                Problem::ConditionValue { value, expected }
                            }
                        };
                        (field, problem)
                    })?;
                conditions.push(condition);
            }
        }
        Ok(Self {
            sid: statement.sid.clone(),
            effect: statement.effect,
            principal,
            actions,
            resources,
            conditions,
        })
    }

    /// How the statement's principal names the caller.
    pub(crate) fn principal_match(&self, caller: &Caller) -> PrincipalMatch {
        let facts = || CallerFacts::new(caller);
        match &self.principal {
            PrincipalRule::Implied => PrincipalMatch::Exact,
            PrincipalRule::Principal(entries) => {
                let facts = facts();
                entries
                    .iter()
                    .map(|e| e.matches_with(caller, &facts))
                    .max()
                    .unwrap_or(PrincipalMatch::None)
            }
            PrincipalRule::NotPrincipal(entries) => {
                let facts = facts();
                if entries
                    .iter()
                    .all(|e| e.matches_with(caller, &facts) == PrincipalMatch::None)
                {
                    PrincipalMatch::Everyone
                } else {
                    PrincipalMatch::None
                }
            }
        }
    }

    pub(crate) fn has_not_principal(&self) -> bool {
        matches!(self.principal, PrincipalRule::NotPrincipal(_))
    }

    /// Whether action, resource and conditions all match (the principal is checked apart).
    pub(crate) fn applies(&self, request: &PreparedRequest<'_>) -> bool {
        let action = |p: &ActionPattern| match p {
            ActionPattern::All => true,
            ActionPattern::Service { service, name } => {
                service.as_str() == request.service && name.matches(&request.action_name)
            }
        };
        let action_ok = match &self.actions {
            Rule::Is(list) => list.iter().any(action),
            Rule::IsNot(list) => !list.iter().any(action),
        };
        if !action_ok {
            return false;
        }
        let resource = |p: &ResourcePattern| resource_matches(p, request);
        // An entry whose variable cannot be resolved matches nothing, and it does not turn into a
        // match under NotResource either: the statement simply does not apply ("IAM policy elements:
        // Variables and tags" → "Request information that you can use for policy variables").
        let resource_ok = match &self.resources {
            None => true,
            Some(Rule::Is(list)) => list.iter().any(|p| resource(p) == Some(true)),
            Some(Rule::IsNot(list)) => list.iter().all(|p| resource(p) == Some(false)),
        };
        resource_ok && self.conditions.iter().all(|c| c.matches(request.context))
    }
}

/// A request with its action and resource split once for all statements.
#[derive(Debug)]
pub(crate) struct PreparedRequest<'r> {
    pub(crate) service: Cow<'r, str>,
    pub(crate) action_name: Cow<'r, str>,
    /// partition, service, region, account, resource — when the resource is an ARN.
    pub(crate) resource_parts: Option<[&'r str; 5]>,
    pub(crate) context: &'r Context,
}

impl<'r> PreparedRequest<'r> {
    pub(crate) fn new(action: &'r str, resource: &'r str, context: &'r Context) -> Self {
        let (service, name) = action.split_once(':').unwrap_or((action, ""));
        // Not `Arn::parts`: the request is matched part by part against patterns exactly as
        // written, empty parts included, as IAM matches them.
        let resource_parts = resource.strip_prefix("arn:").and_then(|rest| {
            let mut parts = rest.splitn(5, ':');
            Some([
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
            ])
        });
        Self {
            service: ascii_lowercase(service),
            action_name: ascii_lowercase(name),
            resource_parts,
            context,
        }
    }
}

/// Borrowed when already lower-case: an analysis deciding the same action for many targets passes
/// it so, and saves two allocations a request.
fn ascii_lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether the request's resource matches; `None` when a policy variable cannot be resolved.
fn resource_matches(pattern: &ResourcePattern, request: &PreparedRequest<'_>) -> Option<bool> {
    match pattern {
        ResourcePattern::All => Some(true),
        ResourcePattern::Never => Some(false),
        ResourcePattern::Arn(templates, fixed) => {
            let Some(parts) = &request.resource_parts else {
                return Some(false);
            };
            match fixed {
                Some(patterns) => Some(patterns.iter().zip(parts).all(|(p, part)| p.matches(part))),
                None => {
                    let mut all = true;
                    for (template, part) in templates.iter().zip(parts) {
                        all &= template.pattern(request.context)?.matches(part);
                    }
                    Some(all)
                }
            }
        }
    }
}

fn compile_principal(
    statement: &Statement,
    kind: PolicyKind,
) -> Result<PrincipalRule, StatementError> {
    let field = |name: &str| Some(name.to_owned());
    match kind {
        PolicyKind::Identity
        | PolicyKind::PermissionsBoundary
        | PolicyKind::Session
        | PolicyKind::ServiceControl => {
            if statement.principal.is_some() {
                return Err((field("Principal"), Problem::NotAllowed(kind)));
            }
            if statement.not_principal.is_some() {
                return Err((field("NotPrincipal"), Problem::NotAllowed(kind)));
            }
            Ok(PrincipalRule::Implied)
        }
        PolicyKind::ResourceControl => {
            if statement.not_principal.is_some() {
                return Err((field("NotPrincipal"), Problem::NotAllowed(kind)));
            }
            // "RCP syntax": every statement denies, names `"Principal": "*"`, and lists actions
            // (no `NotAction`, no bare `*`); RCPFullAWSAccess is implied.
            if statement.effect != Effect::Deny {
                return Err((field("Effect"), Problem::ResourceControlShape));
            }
            if statement.not_action.is_some() {
                return Err((field("NotAction"), Problem::ResourceControlShape));
            }
            if statement
                .action
                .as_ref()
                .is_some_and(|a| a.iter().any(|a| a == "*"))
            {
                return Err((field("Action"), Problem::ResourceControlShape));
            }
            match &statement.principal {
                Some(p) if compile_principal_entries(p, "Principal")? == [PrincipalEntry::Any] => {
                    Ok(PrincipalRule::Principal(vec![PrincipalEntry::Any]))
                }
                _ => Err((field("Principal"), Problem::ResourceControlShape)),
            }
        }
        PolicyKind::Resource | PolicyKind::Trust => {
            match (&statement.principal, &statement.not_principal) {
                (Some(_), Some(_)) => Err((None, Problem::Both("Principal", "NotPrincipal"))),
                (None, None) => Err((None, Problem::Missing("Principal or NotPrincipal"))),
                (Some(p), None) => Ok(PrincipalRule::Principal(compile_principal_entries(
                    p,
                    "Principal",
                )?)),
                (None, Some(_)) if kind == PolicyKind::Trust => {
                    Err((field("NotPrincipal"), Problem::NotAllowed(kind)))
                }
                (None, Some(p)) => Ok(PrincipalRule::NotPrincipal(compile_principal_entries(
                    p,
                    "NotPrincipal",
                )?)),
            }
        }
    }
}

fn compile_principal_entries(
    principal: &Principal,
    element: &str,
) -> Result<Vec<PrincipalEntry>, StatementError> {
    match principal {
        Principal::Any(_) => Ok(vec![PrincipalEntry::Any]),
        Principal::Typed(map) => {
            if map.is_empty() {
                return Err((Some(element.to_owned()), Problem::Empty));
            }
            let mut entries = Vec::new();
            for (kind, values) in map {
                let field = Some(format!("{element}.{kind}"));
                if values.is_empty() {
                    return Err((field, Problem::Empty));
                }
                for value in values.iter() {
                    let entry = match kind.as_str() {
                        "AWS" => PrincipalEntry::aws(value).map_err(|p| (field.clone(), p))?,
                        "Federated" => PrincipalEntry::Federated(value.to_owned()),
                        "Service" => PrincipalEntry::Service(value.to_owned()),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(value.to_owned()),
                        other => {
                            return Err((
                                Some(element.to_owned()),
                                Problem::PrincipalType(other.to_owned()),
                            ));
                        }
                    };
                    entries.push(entry);
                }
            }
            Ok(entries)
        }
    }
}

fn compile_list<T>(
    list: &StringList,
    element: &str,
    compile: impl Fn(&str) -> Result<T, Problem>,
) -> Result<Vec<T>, StatementError> {
    if list.is_empty() {
        return Err((Some(element.to_owned()), Problem::Empty));
    }
    list.iter()
        .map(|v| compile(v).map_err(|p| (Some(element.to_owned()), p)))
        .collect()
}

fn compile_action(value: &str) -> Result<ActionPattern, Problem> {
    if value == "*" {
        return Ok(ActionPattern::All);
    }
    let bad = |reason| Problem::Action {
        value: value.to_owned(),
        reason,
    };
    let Some((service, name)) = value.split_once(':') else {
        return Err(bad("write it as service:ActionName, or `*`"));
    };
    if service.is_empty() || name.is_empty() {
        return Err(bad("write it as service:ActionName, or `*`"));
    }
    if service.contains(['*', '?']) {
        return Err(bad("the service prefix cannot contain wildcards"));
    }
    if value.contains(char::is_whitespace) || name.contains(':') {
        return Err(bad("an action has one colon and no spaces"));
    }
    Ok(ActionPattern::Service {
        service: service.to_ascii_lowercase(),
        name: Wildcard::new(&name.to_ascii_lowercase()),
    })
}

fn compile_resource(value: &str, variables: bool) -> Result<ResourcePattern, Problem> {
    if value == "*" {
        return Ok(ResourcePattern::All);
    }
    let Some(rest) = value.strip_prefix("arn:") else {
        return Err(Problem::Resource {
            value: value.to_owned(),
        });
    };
    // Not `Arn::parts`: a Resource pattern may be a short ARN (`arn:aws:s3:*`) or leave parts empty.
    let mut parts: Vec<&str> = rest.splitn(5, ':').collect();
    if parts.len() < 5 {
        // "arn:aws:s3:*" style short ARNs: a trailing wildcard stands for the missing parts.
        if !value.ends_with('*') {
            return Ok(ResourcePattern::Never);
        }
        parts.resize(5, "*");
    }
    let template = |t: &str| {
        if variables {
            Template::parse(t)
        } else {
            Template::literal(t)
        }
    };
    let templates: [Template; 5] = [
        template(parts[0]),
        template(parts[1]),
        template(parts[2]),
        template(parts[3]),
        template(parts[4]),
    ];
    let fixed = templates
        .iter()
        .map(Template::static_pattern)
        .collect::<Option<Vec<_>>>()
        .and_then(|v| <[Wildcard; 5]>::try_from(v).ok())
        .map(Box::new);
    Ok(ResourcePattern::Arn(Box::new(templates), fixed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: PolicyKind, json: &str) -> String {
        Policy::parse("p", kind, json).unwrap_err().to_string()
    }

    #[test]
    fn malformed_policies_say_where_and_what() {
        insta::assert_snapshot!(
            [
                err(PolicyKind::Identity, r#"{"Version":"2012-10-17","Statement":[]}"#),
                err(PolicyKind::Identity, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}"#),
                err(PolicyKind::Identity, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"Bad","Effect":"Allow","Action":"s3 GetObject","Resource":"*"}]}"#),
                err(PolicyKind::Identity, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#),
                err(PolicyKind::Trust, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole"}}"#),
                err(PolicyKind::Trust, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"x"},"Action":"sts:AssumeRole","Resource":"*"}}"#),
                err(PolicyKind::Resource, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#),
                err(PolicyKind::Identity, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}}"#),
                err(PolicyKind::Identity, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"x"}}}}"#),
                err(PolicyKind::Identity, r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"soon"}}}}"#),
                err(PolicyKind::ResourceControl, r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}"#),
                err(PolicyKind::Identity, r#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#),
                err(PolicyKind::Identity, r#"{"Statement":{"Effect":"Permit","Action":"s3:*","Resource":"*"}}"#),
            ]
            .join("\n")
        );
    }

    #[test]
    fn old_language_version_keeps_variables_literal() {
        let json = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}}"#;
        let policy = Policy::parse("p", PolicyKind::Identity, json).unwrap();
        let ctx = Context::new().with("aws:username", "alice");
        let literal = PreparedRequest::new("s3:GetObject", "arn:aws:s3:::b/${aws:username}", &ctx);
        let substituted = PreparedRequest::new("s3:GetObject", "arn:aws:s3:::b/alice", &ctx);
        assert!(policy.statements[0].applies(&literal));
        assert!(!policy.statements[0].applies(&substituted));
    }
}
