use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A JSON value that IAM lets you write as one string or as a list of strings (`Action`,
/// `Resource`, principal values, condition values).
///
/// It is written back as a bare string when it holds exactly one value and as a list otherwise, which
/// is the shortest form and keeps policies under their size quotas. Condition values written as JSON
/// booleans or numbers are read as their text, which is how IAM compares them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StringList(pub Vec<String>);

impl StringList {
    pub fn one(value: impl Into<String>) -> Self {
        Self(vec![value.into()])
    }

    /// Sorted and without duplicates: the canonical order the compiler writes.
    pub fn sorted<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut values: Vec<String> = values.into_iter().map(Into::into).collect();
        values.sort();
        values.dedup();
        Self(values)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: Into<String>> FromIterator<S> for StringList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self(iter.into_iter().map(Into::into).collect())
    }
}

impl Serialize for StringList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => serializer.serialize_str(one),
            many => many.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringListVisitor)
    }
}

struct StringListVisitor;

impl<'de> Visitor<'de> for StringListVisitor {
    type Value = StringList;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a list of strings")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<StringList, E> {
        Ok(StringList::one(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<StringList, E> {
        Ok(StringList::one(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StringList, E> {
        Ok(StringList::one(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StringList, E> {
        Ok(StringList::one(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StringList, E> {
        Ok(StringList::one(v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = seq.next_element::<ScalarText>()? {
            values.push(value.0);
        }
        Ok(StringList(values))
    }
}

/// One element of a list: a string, or a boolean/number read as its text.
struct ScalarText(String);

impl<'de> Deserialize<'de> for ScalarText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = ScalarText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_is_written_as_a_bare_string() {
        let json = serde_json::to_string(&StringList::one("sts:AssumeRole")).unwrap();
        assert_eq!(json, r#""sts:AssumeRole""#);
        let json = serde_json::to_string(&StringList::sorted(["b", "a", "b"])).unwrap();
        assert_eq!(json, r#"["a","b"]"#);
    }

    #[test]
    fn booleans_and_numbers_read_as_text() {
        let list: StringList = serde_json::from_str(r#"[true, 3600, "x"]"#).unwrap();
        assert_eq!(list.0, ["true", "3600", "x"]);
        let list: StringList = serde_json::from_str("false").unwrap();
        assert_eq!(list.0, ["false"]);
    }
}
