//! Policy variables in `Resource`, `NotResource` and string/ARN condition values ("IAM policy
//! elements: Variables and tags", IAM User Guide).
//!
//! - `${aws:username}`, `${saml:sub}`, `${aws:PrincipalTag/team}`: replaced by the request's value
//!   for that context key (key names are case-insensitive).
//! - `${aws:username, 'default'}`: the default is used when the key is absent ("Specifying default
//!   values").
//! - `${*}`, `${?}`, `${$}`: a literal `*`, `?`, `$` ("Special characters").
//! - A variable whose key is absent (and has no default) or is multivalued ("Single-valued vs.
//!   multivalued context keys": "you can't use multivalued context keys as policy variables") makes
//!   the value unresolvable, and an unresolvable value matches nothing ("Request information that you
//!   can use for policy variables": "If there is no value ... the policy element ... evaluates to
//!   false").
//!
//! Text substituted from the request is literal: a `*` in a user name never acts as a wildcard.

use crate::request::{Context, ContextValue};
use crate::wildcard::{PatternPiece, Wildcard};

/// A policy string split into literal text, wildcards and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    has_variables: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Star,
    AnyOne,
    Variable {
        /// Lower-cased context key.
        key: String,
        default: Option<String>,
    },
}

impl Template {
    /// Parses `${…}` variables and escapes, and `*` / `?` wildcards.
    pub fn parse(text: &str) -> Self {
        Self::parse_with(text, true)
    }

    /// Only `*` and `?` are special; `${…}` is plain text (policies in the `2008-10-17` language,
    /// "IAM JSON policy elements: Version").
    pub fn literal(text: &str) -> Self {
        Self::parse_with(text, false)
    }

    fn parse_with(text: &str, variables: bool) -> Self {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut has_variables = false;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if c == '*' || c == '?' {
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(if c == '*' { Part::Star } else { Part::AnyOne });
                rest = &rest[1..];
                continue;
            }
            if variables
                && let Some(after) = rest.strip_prefix("${")
                && let Some(end) = after.find('}')
            {
                let inside = &after[..end];
                rest = &after[end + 1..];
                match inside {
                    "*" | "?" | "$" => literal.push_str(inside),
                    _ => {
                        if !literal.is_empty() {
                            parts.push(Part::Literal(std::mem::take(&mut literal)));
                        }
                        has_variables = true;
                        parts.push(parse_variable(inside));
                    }
                }
                continue;
            }
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Self {
            parts,
            has_variables,
        }
    }

    pub fn has_variables(&self) -> bool {
        self.has_variables
    }

    /// Resolves the variables against `context`: `None` when one cannot be resolved.
    fn resolve<'a>(&'a self, context: &'a Context) -> Option<Vec<PatternPiece<'a>>> {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => Some(PatternPiece::Literal(text)),
                Part::Star => Some(PatternPiece::Star),
                Part::AnyOne => Some(PatternPiece::AnyOne),
                Part::Variable { key, default } => match context.get(key) {
                    Some(ContextValue::Single(value)) if !value.is_empty() => {
                        Some(PatternPiece::Literal(value))
                    }
                    _ => default.as_deref().map(PatternPiece::Literal),
                },
            })
            .collect()
    }

    /// The resolved text with `*` and `?` kept as plain characters (for `StringEquals`, `ArnEquals`
    /// parts and the like), or `None` when a variable cannot be resolved.
    pub fn render(&self, context: &Context) -> Option<String> {
        let pieces = self.resolve(context)?;
        let mut out = String::new();
        for piece in pieces {
            match piece {
                PatternPiece::Literal(text) => out.push_str(text),
                PatternPiece::Star => out.push('*'),
                PatternPiece::AnyOne => out.push('?'),
            }
        }
        Some(out)
    }

    /// The resolved wildcard pattern, or `None` when a variable cannot be resolved.
    pub fn pattern(&self, context: &Context) -> Option<Wildcard> {
        self.resolve(context).map(Wildcard::from_pieces)
    }

    /// The wildcard pattern of a template without variables (no context needed).
    pub fn static_pattern(&self) -> Option<Wildcard> {
        (!self.has_variables).then(|| self.pattern(&Context::default()))?
    }
}

/// `aws:username` or `aws:username, 'default'` (the form IAM documents: a comma, a space and a
/// single-quoted default).
fn parse_variable(inside: &str) -> Part {
    if let Some((name, default)) = inside.split_once(", ")
        && let Some(default) = default
            .strip_prefix('\'')
            .and_then(|d| d.strip_suffix('\''))
    {
        return Part::Variable {
            key: name.trim().to_ascii_lowercase(),
            default: Some(default.to_owned()),
        };
    }
    Part::Variable {
        key: inside.trim().to_ascii_lowercase(),
        default: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context::new()
            .with("aws:username", "alice")
            .with("aws:PrincipalTag/team", "Platform")
            .with_values("aws:TagKeys", ["a", "b"])
            .with("aws:userid", "AID*X")
    }

    #[test]
    fn variables_are_replaced() {
        let t = Template::parse("arn:aws:s3:::bucket/home/${aws:username}/*");
        assert!(t.has_variables());
        assert_eq!(
            t.render(&context()).as_deref(),
            Some("arn:aws:s3:::bucket/home/alice/*")
        );
        let t = Template::parse("${AWS:PRINCIPALTAG/TEAM}");
        assert_eq!(t.render(&context()).as_deref(), Some("Platform"));
    }

    #[test]
    fn defaults_and_missing_keys() {
        assert_eq!(
            Template::parse("${aws:PrincipalTag/cost, 'none'}")
                .render(&context())
                .as_deref(),
            Some("none")
        );
        assert_eq!(Template::parse("${saml:sub}").render(&context()), None);
        assert_eq!(
            Template::parse("${aws:TagKeys}").render(&context()),
            None,
            "multivalued keys cannot be variables"
        );
    }

    #[test]
    fn escapes_are_literal() {
        let t = Template::parse("a${*}b${?}c${$}d");
        assert!(!t.has_variables());
        let w = t.static_pattern().unwrap();
        assert!(w.matches("a*b?c$d"));
        assert!(!w.matches("aXb?c$d"));
        let unterminated = Template::parse("${aws:username");
        assert_eq!(
            unterminated.render(&context()).as_deref(),
            Some("${aws:username")
        );
    }

    #[test]
    fn substituted_text_is_never_a_wildcard() {
        let w = Template::parse("user-${aws:userid}")
            .pattern(&context())
            .unwrap();
        assert!(w.matches("user-AID*X"));
        assert!(!w.matches("user-AIDzzX"));
    }
}
