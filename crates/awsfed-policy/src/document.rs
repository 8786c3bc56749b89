//! The IAM policy grammar, as documented in "IAM JSON policy element reference" and "Grammar of the IAM
//! JSON policy language" (IAM User Guide).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::StringList;

/// The only policy language version that supports policy variables; `2008-10-17` is still accepted
/// by IAM on input.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Condition block: operator (`StringEquals`, `ForAnyValue:StringLike`, …) → condition key → values.
/// Sorted maps keep the written form deterministic.
pub type Conditions = BTreeMap<String, BTreeMap<String, StringList>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "Id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Statement", deserialize_with = "one_or_many_statements")]
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    /// A document in the current policy language version.
    pub fn new(statement: Vec<Statement>) -> Self {
        Self {
            version: Some(POLICY_VERSION.to_owned()),
            id: None,
            statement,
        }
    }

    /// Parses a policy document (JSON). IAM APIs return documents percent-encoded; decode those first.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The compact JSON form awsfed writes (deterministic: fields in grammar order, maps sorted).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a policy document always serialises")
    }

    /// Two-space indented JSON, for files people read.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a policy document always serialises")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Principal` / `NotPrincipal`: `"*"` or a map of principal type (`AWS`, `Federated`, `Service`,
/// `CanonicalUser`) to one or more values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Principal {
    Any(AnyPrincipal),
    Typed(BTreeMap<String, StringList>),
}

impl Principal {
    pub fn aws(values: StringList) -> Self {
        Self::Typed(BTreeMap::from([("AWS".to_owned(), values)]))
    }

    pub fn federated(value: impl Into<String>) -> Self {
        Self::Typed(BTreeMap::from([(
            "Federated".to_owned(),
            StringList::one(value),
        )]))
    }
}

/// The literal `"*"`: every principal, including anonymous ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnyPrincipal;

impl Serialize for AnyPrincipal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("*")
    }
}

impl<'de> Deserialize<'de> for AnyPrincipal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "*" {
            Ok(AnyPrincipal)
        } else {
            Err(de::Error::invalid_value(
                de::Unexpected::Str(&text),
                &"\"*\" or a map such as {\"AWS\": \"arn:aws:iam::111122223333:root\"}",
            ))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    #[serde(rename = "Sid", default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(
        rename = "NotPrincipal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub not_principal: Option<Principal>,
    #[serde(rename = "Action", default, skip_serializing_if = "Option::is_none")]
    pub action: Option<StringList>,
    #[serde(rename = "NotAction", default, skip_serializing_if = "Option::is_none")]
    pub not_action: Option<StringList>,
    #[serde(rename = "Resource", default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<StringList>,
    #[serde(
        rename = "NotResource",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub not_resource: Option<StringList>,
    #[serde(
        rename = "Condition",
        default,
        skip_serializing_if = "Conditions::is_empty"
    )]
    pub condition: Conditions,
}

impl Statement {
    /// An `Allow` statement with only the effect and the actions set; fill in the rest with the
    /// builder methods.
    pub fn allow(actions: StringList) -> Self {
        Self {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            not_principal: None,
            action: Some(actions),
            not_action: None,
            resource: None,
            not_resource: None,
            condition: Conditions::new(),
        }
    }

    pub fn with_sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    pub fn with_resource(mut self, resource: StringList) -> Self {
        self.resource = Some(resource);
        self
    }

    /// Adds `operator: { key: values }`, merging with what the operator already holds.
    pub fn with_condition(
        mut self,
        operator: impl Into<String>,
        key: impl Into<String>,
        values: StringList,
    ) -> Self {
        self.condition
            .entry(operator.into())
            .or_default()
            .insert(key.into(), values);
        self
    }
}

fn one_or_many_statements<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Statement>, D::Error> {
    struct StatementsVisitor;
    impl<'de> Visitor<'de> for StatementsVisitor {
        type Value = Vec<Statement>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a statement object or a list of statements")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Ok(vec![Statement::deserialize(
                de::value::MapAccessDeserializer::new(map),
            )?])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut statements = Vec::new();
            while let Some(statement) = seq.next_element()? {
                statements.push(statement);
            }
            Ok(statements)
        }
    }
    deserializer.deserialize_any(StatementsVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_statement_object_is_accepted() {
        let doc = PolicyDocument::from_json(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(doc.statement.len(), 1);
        assert_eq!(
            doc.to_json(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        );
    }

    #[test]
    fn principals_in_every_form() {
        let doc = PolicyDocument::from_json(
            r#"{"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
              {"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root"]},"Action":"sts:AssumeRole"},
              {"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/corp"},"Action":"sts:AssumeRoleWithSAML",
               "Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"},"Bool":{"aws:SecureTransport":true}}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            doc.statement[0].principal,
            Some(Principal::Any(AnyPrincipal))
        );
        assert_eq!(
            doc.statement[2].condition["Bool"]["aws:SecureTransport"].0,
            ["true"]
        );
    }

    #[test]
    fn unknown_statement_fields_are_rejected() {
        let err =
            PolicyDocument::from_json(r#"{"Statement":[{"Effect":"Allow","Actions":"s3:*"}]}"#)
                .unwrap_err();
        assert!(err.to_string().contains("unknown field `Actions`"), "{err}");
    }
}
