//! The `Condition` element: every operator of "IAM JSON policy elements: Condition operators", the
//! `…IfExists` forms, `Null`, and the set operators `ForAllValues:` / `ForAnyValue:` ("Single-valued
//! vs. multivalued context keys").
//!
//! Rules this module relies on, with where they come from:
//! - All conditions of a statement must match (AND between operators and between keys); the values
//!   listed for one key are alternatives (OR) — "Creating a condition with multiple keys or values".
//! - A negated operator (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`…) matches when the request
//!   value matches *none* of the listed values.
//! - A missing key: plain operators do not match, negated operators and `…IfExists` do ("…IfExists
//!   condition operators"; "Condition with multiple context keys or values": negated matching
//!   operators return true when the key is absent).
//! - A single-valued operator never matches a multivalued key; use a set operator instead
//!   ("Single-valued vs. multivalued context keys": "Multivalued context keys require a condition set
//!   operator").
//! - `ForAllValues` is true when the key is missing or every request value matches; `ForAnyValue` is
//!   false when the key is missing, true when some request value matches.
//! - String comparisons are case-sensitive except the `…IgnoreCase` operators; ARN comparisons are
//!   case-sensitive and component-wise, each of the six colon-separated parts matched on its own
//!   ("ARN condition operators").
//! - `Null`: `true` matches when the key is absent, `false` when present ("Condition operator to check
//!   existence of condition keys").

use std::net::IpAddr;
use std::sync::OnceLock;

use crate::cidr::Cidr;
use crate::date::parse_date_millis;
use crate::request::{Context, ContextValue};
use crate::variables::Template;
use crate::wildcard::Wildcard;

/// Why a condition block could not be compiled (wrapped into a `PolicyError` by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConditionProblem {
    UnknownOperator,
    NoValues,
    BadValue {
        value: String,
        expected: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOperator {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Equals,
    NotEquals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Order {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Order::Equals => request == policy,
            Order::NotEquals => request != policy,
            Order::LessThan => request < policy,
            Order::LessThanEquals => request <= policy,
            Order::GreaterThan => request > policy,
            Order::GreaterThanEquals => request >= policy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringKind {
    Equals,
    EqualsIgnoreCase,
    Like,
}

/// A string condition value: the template plus, when it has no variables, its precomputed forms.
/// Values without `${` (nearly all: account ids, ARNs, audiences) skip the template entirely and
/// build their wildcard only if a `…Like` operator needs it, so that a condition listing hundreds
/// of account ids compiles cheaply.
#[derive(Debug, Clone)]
struct StringValue {
    template: Option<Template>,
    fixed: Option<(String, OnceLock<Wildcard>)>,
}

impl StringValue {
    fn new(text: &str, variables: bool) -> Self {
        if !text.contains("${") {
            return Self {
                template: None,
                fixed: Some((text.to_owned(), OnceLock::new())),
            };
        }
        let template = if variables {
            Template::parse(text)
        } else {
            Template::literal(text)
        };
        let fixed = (!template.has_variables()).then(|| {
            let empty = Context::default();
            (
                template.render(&empty).unwrap_or_default(),
                OnceLock::from(
                    template
                        .pattern(&empty)
                        .unwrap_or_else(|| Wildcard::new("")),
                ),
            )
        });
        Self {
            template: Some(template),
            fixed,
        }
    }

    /// The value when it needs no context.
    fn fixed_text(&self) -> &str {
        self.fixed.as_ref().map_or("", |(text, _)| text)
    }

    /// Whether the request value matches this policy value; `None` when a variable is unresolvable.
    fn compare(&self, kind: StringKind, value: &str, context: &Context) -> Option<bool> {
        match (&self.fixed, &self.template, kind) {
            (Some((text, _)), _, StringKind::Equals) => Some(text == value),
            (Some((text, _)), _, StringKind::EqualsIgnoreCase) => Some(eq_ignore_case(text, value)),
            (Some((text, pattern)), _, StringKind::Like) => {
                Some(pattern.get_or_init(|| Wildcard::new(text)).matches(value))
            }
            (None, Some(template), StringKind::Equals) => Some(template.render(context)? == value),
            (None, Some(template), StringKind::EqualsIgnoreCase) => {
                Some(eq_ignore_case(&template.render(context)?, value))
            }
            (None, Some(template), StringKind::Like) => {
                Some(template.pattern(context)?.matches(value))
            }
            (None, None, _) => None,
        }
    }
}

/// `StringEquals` lists at least this long are searched through a sorted index.
const SORTED_FROM: usize = 16;

/// Positions of the values in text order, for a case-sensitive `StringEquals`/`StringNotEquals`
/// whose values are all fixed and many — the compiler's `aws:ResourceAccount` lists run to hundreds
/// of account ids, checked once per spoke role reached. Built on the first request, so compiling a
/// policy stays cheap; `None` where a scan is as fast or the values need a context.
fn sorted_exact_values(kind: StringKind, values: &[StringValue]) -> Option<Box<[u32]>> {
    if kind != StringKind::Equals
        || values.len() < SORTED_FROM
        || values.iter().any(|v| v.fixed.is_none())
    {
        return None;
    }
    let mut sorted: Vec<u32> = (0..u32::try_from(values.len()).ok()?).collect();
    sorted.sort_by(|&a, &b| {
        values[a as usize]
            .fixed_text()
            .cmp(values[b as usize].fixed_text())
    });
    Some(sorted.into_boxed_slice())
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || (!a.is_ascii() && a.to_lowercase() == b.to_lowercase())
}

/// An ARN condition value, split into its six parts.
#[derive(Debug, Clone)]
struct ArnValue {
    /// `None` when the policy value is not a six-part ARN: such a value never matches.
    parts: Option<[StringValue; 6]>,
}

impl ArnValue {
    fn new(text: &str, variables: bool) -> Self {
        // Not `Arn::parts`: ArnLike compares part by part, and a pattern's parts may be empty or
        // wildcards where an ARN's may not ("ARN condition operators", IAM User Guide).
        let pieces: Vec<&str> = text.splitn(6, ':').collect();
        let parts = <[&str; 6]>::try_from(pieces)
            .ok()
            .map(|p| p.map(|part| StringValue::new(part, variables)));
        Self { parts }
    }

    fn compare(&self, value: &str, context: &Context) -> Option<bool> {
        let parts = self.parts.as_ref()?;
        let request: Vec<&str> = value.splitn(6, ':').collect();
        if request.len() != 6 {
            return Some(false);
        }
        for (policy_part, request_part) in parts.iter().zip(request) {
            if !policy_part.compare(StringKind::Like, request_part, context)? {
                return Some(false);
            }
        }
        Some(true)
    }
}

#[derive(Debug, Clone)]
enum Test {
    Null(Vec<bool>),
    String {
        kind: StringKind,
        negated: bool,
        values: Vec<StringValue>,
        sorted: OnceLock<Option<Box<[u32]>>>,
    },
    Numeric {
        order: Order,
        values: Vec<f64>,
    },
    Date {
        order: Order,
        values: Vec<i64>,
    },
    Bool(Vec<bool>),
    Binary(Vec<String>),
    Ip {
        negated: bool,
        values: Vec<Cidr>,
    },
    Arn {
        negated: bool,
        values: Vec<ArnValue>,
    },
}

/// One compiled `operator: { key: values }` entry.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    key: String,
    set: Option<SetOperator>,
    if_exists: bool,
    test: Test,
}

impl Condition {
    /// Compiles one operator/key/values entry. `variables` is false for policies in the old
    /// `2008-10-17` language, where `${…}` is plain text ("IAM JSON policy elements: Version").
    pub(crate) fn compile(
        operator: &str,
        key: &str,
        values: &[String],
        variables: bool,
    ) -> Result<Self, ConditionProblem> {
        let (set, base) = if let Some(rest) = strip_prefix_ignore_case(operator, "ForAllValues:") {
            (Some(SetOperator::ForAllValues), rest)
        } else if let Some(rest) = strip_prefix_ignore_case(operator, "ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), rest)
        } else {
            (None, operator)
        };
        let (base, if_exists) = match strip_suffix_ignore_case(base, "IfExists") {
            Some(rest) => (rest, true),
            None => (base, false),
        };
        if values.is_empty() {
            return Err(ConditionProblem::NoValues);
        }
        let lower = base.to_ascii_lowercase();
        let strings = |kind, negated| Test::String {
            kind,
            negated,
            values: values
                .iter()
                .map(|v| StringValue::new(v, variables))
                .collect(),
            sorted: OnceLock::new(),
        };
        let arns = |negated| Test::Arn {
            negated,
            values: values.iter().map(|v| ArnValue::new(v, variables)).collect(),
        };
        let order = |name: &str| match name {
            "equals" => Some(Order::Equals),
            "notequals" => Some(Order::NotEquals),
            "lessthan" => Some(Order::LessThan),
            "lessthanequals" => Some(Order::LessThanEquals),
            "greaterthan" => Some(Order::GreaterThan),
            "greaterthanequals" => Some(Order::GreaterThanEquals),
            _ => None,
        };
        let test = match lower.as_str() {
            "null" if !if_exists => Test::Null(parse_all(values, "true or false", parse_bool)?),
            "stringequals" => strings(StringKind::Equals, false),
            "stringnotequals" => strings(StringKind::Equals, true),
            "stringequalsignorecase" => strings(StringKind::EqualsIgnoreCase, false),
            "stringnotequalsignorecase" => strings(StringKind::EqualsIgnoreCase, true),
            "stringlike" => strings(StringKind::Like, false),
            "stringnotlike" => strings(StringKind::Like, true),
            "bool" => Test::Bool(parse_all(values, "true or false", parse_bool)?),
            "binaryequals" => Test::Binary(values.to_vec()),
            "ipaddress" => Test::Ip {
                negated: false,
                values: parse_all(values, "an IP address or CIDR range", Cidr::parse)?,
            },
            "notipaddress" => Test::Ip {
                negated: true,
                values: parse_all(values, "an IP address or CIDR range", Cidr::parse)?,
            },
            "arnequals" | "arnlike" => arns(false),
            "arnnotequals" | "arnnotlike" => arns(true),
            other => {
                if let Some(order) = other.strip_prefix("numeric").and_then(order) {
                    Test::Numeric {
                        order,
                        values: parse_all(values, "a number", parse_number)?,
                    }
                } else if let Some(order) = other.strip_prefix("date").and_then(order) {
                    Test::Date {
                        order,
                        values: parse_all(
                            values,
                            "an ISO 8601 date or epoch seconds",
                            parse_date_millis,
                        )?,
                    }
                } else {
                    return Err(ConditionProblem::UnknownOperator);
                }
            }
        };
        Ok(Self {
            key: key.to_ascii_lowercase(),
            set,
            if_exists,
            test,
        })
    }

    fn negated(&self) -> bool {
        match &self.test {
            Test::String { negated, .. } | Test::Ip { negated, .. } | Test::Arn { negated, .. } => {
                *negated
            }
            Test::Numeric { order, .. } | Test::Date { order, .. } => *order == Order::NotEquals,
            Test::Null(_) | Test::Bool(_) | Test::Binary(_) => false,
        }
    }

    /// Whether the condition holds for the request context.
    pub(crate) fn matches(&self, context: &Context) -> bool {
        let value = context.get(&self.key);
        if let Test::Null(expect_missing) = &self.test {
            let missing = value.is_none();
            return expect_missing.contains(&missing);
        }
        match self.set {
            None => match value {
                None => self.if_exists || self.negated(),
                Some(ContextValue::Multi(_)) => false,
                Some(ContextValue::Single(v)) => self.test_value(v, context),
            },
            Some(SetOperator::ForAnyValue) => {
                value.is_some_and(|v| v.values().iter().any(|one| self.test_value(one, context)))
            }
            Some(SetOperator::ForAllValues) => {
                value.is_none_or(|v| v.values().iter().all(|one| self.test_value(one, context)))
            }
        }
    }

    /// The operator applied to one request value against all policy values.
    fn test_value(&self, value: &str, context: &Context) -> bool {
        match &self.test {
            Test::Null(_) => false,
            Test::String {
                kind,
                negated,
                values,
                sorted,
            } => match sorted.get_or_init(|| sorted_exact_values(*kind, values)) {
                // With every value fixed, `compare` never returns `None`: a negated operator holds
                // exactly when no value is equal.
                Some(sorted) => {
                    let found = sorted
                        .binary_search_by(|&i| values[i as usize].fixed_text().cmp(value))
                        .is_ok();
                    found != *negated
                }
                None => any_or_none(*negated, values, |v| v.compare(*kind, value, context)),
            },
            Test::Numeric { order, values } => match parse_number(value) {
                Some(n) => ordered(*order, values, |p| order.holds(n, *p)),
                None => false,
            },
            Test::Date { order, values } => match parse_date_millis(value) {
                Some(d) => ordered(*order, values, |p| order.holds(d, *p)),
                None => false,
            },
            Test::Bool(values) => parse_bool(value).is_some_and(|b| values.contains(&b)),
            Test::Binary(values) => values.iter().any(|v| v == value),
            Test::Ip { negated, values } => match value.trim().parse::<IpAddr>() {
                Ok(ip) => any_or_none(*negated, values, |c| Some(c.contains(ip))),
                Err(_) => false,
            },
            Test::Arn { negated, values } => {
                any_or_none(*negated, values, |v| v.compare(value, context))
            }
        }
    }
}

/// Positive operators: some policy value matches. Negated operators: every policy value resolves and
/// none matches. An unresolvable value (`None`) never counts as a match either way.
fn any_or_none<T>(negated: bool, values: &[T], compare: impl Fn(&T) -> Option<bool>) -> bool {
    if negated {
        values.iter().all(|v| compare(v) == Some(false))
    } else {
        values.iter().any(|v| compare(v) == Some(true))
    }
}

/// `…NotEquals` holds when the request differs from every value; the others when it compares as
/// asked against some value.
fn ordered<T>(order: Order, values: &[T], holds: impl Fn(&T) -> bool) -> bool {
    if order == Order::NotEquals {
        values.iter().all(holds)
    } else {
        values.iter().any(holds)
    }
}

fn parse_all<T>(
    values: &[String],
    expected: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, ConditionProblem> {
    values
        .iter()
        .map(|v| {
            parse(v).ok_or_else(|| ConditionProblem::BadValue {
                value: v.clone(),
                expected,
            })
        })
        .collect()
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let split = text.len().checked_sub(suffix.len())?;
    let tail = text.get(split..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..split])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        Condition::compile(op, key, &values, true).unwrap()
    }

    fn ctx() -> Context {
        Context::new()
            .with("aws:username", "alice")
            .with("aws:SourceIp", "203.0.113.9")
            .with("aws:MultiFactorAuthAge", "300")
            .with("aws:CurrentTime", "2024-06-01T00:00:00Z")
            .with("aws:SecureTransport", "true")
            .with(
                "aws:PrincipalArn",
                "arn:aws:iam::111122223333:role/awsfed/Admin",
            )
            .with_values("aws:TagKeys", ["env", "team"])
    }

    #[test]
    fn string_operators() {
        let c = ctx();
        assert!(cond("StringEquals", "aws:username", &["bob", "alice"]).matches(&c));
        assert!(!cond("StringEquals", "aws:username", &["Alice"]).matches(&c));
        assert!(cond("StringEqualsIgnoreCase", "AWS:USERNAME", &["ALICE"]).matches(&c));
        assert!(cond("StringLike", "aws:username", &["a*"]).matches(&c));
        assert!(!cond("StringEquals", "aws:username", &["a*"]).matches(&c));
        assert!(cond("StringNotEquals", "aws:username", &["bob"]).matches(&c));
        assert!(!cond("StringNotLike", "aws:username", &["bob", "al?ce"]).matches(&c));
        assert!(cond("StringEquals", "aws:username", &["${aws:username}"]).matches(&c));
        assert!(
            !cond("StringNotEquals", "aws:username", &["${saml:sub}"]).matches(&c),
            "an unresolvable value matches nothing, even negated"
        );
    }

    #[test]
    fn long_value_lists_decide_as_a_scan_does() {
        let c = ctx();
        let mut many: Vec<String> = (0..40).map(|i| format!("user{i:02}")).collect();
        many.reverse();
        let with = |extra: &[&str]| {
            let mut v = many.clone();
            v.extend(extra.iter().map(|e| e.to_string()));
            v
        };
        for (op, values, expect) in [
            ("StringEquals", with(&["alice"]), true),
            ("StringEquals", with(&["Alice"]), false),
            ("StringEquals", with(&[]), false),
            ("StringNotEquals", with(&["alice"]), false),
            ("StringNotEquals", with(&[]), true),
            ("ForAnyValue:StringEquals", with(&["team"]), true),
            ("ForAllValues:StringEquals", with(&["env", "team"]), true),
            ("ForAllValues:StringEquals", with(&["env"]), false),
            ("StringEquals", with(&["${aws:username}"]), true),
            ("StringNotEquals", with(&["${saml:sub}"]), false),
        ] {
            let key = if op.starts_with("For") {
                "aws:TagKeys"
            } else {
                "aws:username"
            };
            let condition = Condition::compile(op, key, &values, true).unwrap();
            // Twice: the first request builds the index, the second uses it.
            assert_eq!(condition.matches(&c), expect, "{op} {values:?}");
            assert_eq!(condition.matches(&c), expect, "{op} {values:?}");
        }
    }

    #[test]
    fn missing_keys_and_if_exists() {
        let c = ctx();
        assert!(!cond("StringEquals", "saml:sub", &["x"]).matches(&c));
        assert!(cond("StringEqualsIfExists", "saml:sub", &["x"]).matches(&c));
        assert!(cond("StringNotEquals", "saml:sub", &["x"]).matches(&c));
        assert!(!cond("StringEqualsIfExists", "aws:username", &["x"]).matches(&c));
        assert!(cond("Null", "saml:sub", &["true"]).matches(&c));
        assert!(cond("Null", "aws:username", &["false"]).matches(&c));
        assert!(!cond("Null", "aws:username", &["true"]).matches(&c));
    }

    #[test]
    fn set_operators() {
        let c = ctx();
        assert!(
            !cond("StringEquals", "aws:TagKeys", &["env"]).matches(&c),
            "single-valued operator on a multivalued key"
        );
        assert!(cond("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]).matches(&c));
        assert!(!cond("ForAllValues:StringEquals", "aws:TagKeys", &["env"]).matches(&c));
        assert!(cond("ForAllValues:StringLike", "aws:TagKeys", &["env", "t*"]).matches(&c));
        assert!(cond("ForAllValues:StringEquals", "aws:Missing", &["x"]).matches(&c));
        assert!(!cond("ForAnyValue:StringEquals", "aws:Missing", &["x"]).matches(&c));
        assert!(cond("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"]).matches(&c));
        assert!(!cond("ForAllValues:StringNotEquals", "aws:TagKeys", &["env"]).matches(&c));
    }

    #[test]
    fn typed_operators() {
        let c = ctx();
        assert!(cond("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"]).matches(&c));
        assert!(!cond("NumericGreaterThan", "aws:MultiFactorAuthAge", &["3600"]).matches(&c));
        assert!(cond("NumericNotEquals", "aws:MultiFactorAuthAge", &["1", "2"]).matches(&c));
        assert!(
            cond(
                "DateGreaterThan",
                "aws:CurrentTime",
                &["2024-01-01T00:00:00Z"]
            )
            .matches(&c)
        );
        assert!(cond("DateLessThan", "aws:CurrentTime", &["1735689600"]).matches(&c));
        assert!(cond("Bool", "aws:SecureTransport", &["TRUE"]).matches(&c));
        assert!(cond("BoolIfExists", "aws:ViaAWSService", &["false"]).matches(&c));
        assert!(cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]).matches(&c));
        assert!(!cond("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]).matches(&c));
        assert!(
            cond(
                "ArnLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/awsfed/*"]
            )
            .matches(&c)
        );
        assert!(
            !cond(
                "ArnLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/AWSFED/*"]
            )
            .matches(&c)
        );
        assert!(
            cond(
                "ArnEquals",
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:role/awsfed/Admin"]
            )
            .matches(&c)
        );
        assert!(cond("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::*:user/*"]).matches(&c));
    }

    #[test]
    fn operator_names_and_values_are_checked() {
        let err =
            |op: &str, v: &str| Condition::compile(op, "k", &[v.to_owned()], true).unwrap_err();
        assert_eq!(err("StringEqualz", "x"), ConditionProblem::UnknownOperator);
        assert_eq!(
            err("NullIfExists", "true"),
            ConditionProblem::UnknownOperator
        );
        assert_eq!(
            err("NumericLessThan", "ten"),
            ConditionProblem::BadValue {
                value: "ten".into(),
                expected: "a number"
            }
        );
        assert!(matches!(
            err("Bool", "yes"),
            ConditionProblem::BadValue { .. }
        ));
        assert!(matches!(
            err("IpAddress", "1.2.3.4/40"),
            ConditionProblem::BadValue { .. }
        ));
        assert!(matches!(
            err("DateEquals", "soon"),
            ConditionProblem::BadValue { .. }
        ));
    }
}
