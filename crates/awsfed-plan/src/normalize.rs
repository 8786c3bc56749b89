//! Semantic policy comparison. IAM returns documents in whatever form they were written (and
//! percent-encoded, which the reader undoes): key order, one value versus a one-element list,
//! duplicate values, statement order and the case of action names do not change what a policy
//! means, so none of them shows as a change or as drift.

use awsfed_policy::{POLICY_VERSION, PolicyDocument, Principal, StringList};

/// The canonical form: version filled in, every list sorted and without duplicates, actions in
/// lower case, statements sorted by their JSON.
pub fn normalize(document: &PolicyDocument) -> PolicyDocument {
    canonical(document, true)
}

/// The canonical form with actions as written, for showing a diff.
pub(crate) fn canonical(document: &PolicyDocument, lowercase_actions: bool) -> PolicyDocument {
    let mut document = document.clone();
    if document.version.is_none() {
        document.version = Some(POLICY_VERSION.to_owned());
    }
    for statement in &mut document.statement {
        for actions in [&mut statement.action, &mut statement.not_action]
            .into_iter()
            .flatten()
        {
            *actions = StringList::sorted(actions.iter().map(|a| {
                if lowercase_actions {
                    a.to_ascii_lowercase()
                } else {
                    a.to_owned()
                }
            }));
        }
        for resources in [&mut statement.resource, &mut statement.not_resource]
            .into_iter()
            .flatten()
        {
            sort(resources);
        }
        for principal in [&mut statement.principal, &mut statement.not_principal]
            .into_iter()
            .flatten()
        {
            if let Principal::Typed(map) = principal {
                map.values_mut().for_each(sort);
            }
        }
        for keys in statement.condition.values_mut() {
            keys.values_mut().for_each(sort);
        }
    }
    document
        .statement
        .sort_by_cached_key(|s| serde_json::to_string(s).expect("a statement always serialises"));
    document.statement.dedup();
    document
}

fn sort(list: &mut StringList) {
    *list = StringList::sorted(std::mem::take(&mut list.0));
}

/// Whether two documents mean the same.
pub fn same_policy(a: &PolicyDocument, b: &PolicyDocument) -> bool {
    a == b || normalize(a) == normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_that_mean_the_same_compare_equal() {
        let a = PolicyDocument::from_json(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::1:role/a","Principal":{"AWS":["x","y"]}}]}"#,
        )
        .unwrap();
        let b = PolicyDocument::from_json(
            r#"{"Statement":{"Principal":{"AWS":["y","x","x"]},"Resource":["arn:aws:iam::1:role/a"],"Action":["STS:TagSession","sts:AssumeRole"],"Effect":"Allow"}}"#,
        )
        .unwrap();
        assert!(same_policy(&a, &b));
    }

    #[test]
    fn a_different_resource_differs() {
        let a = PolicyDocument::from_json(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"a"}]}"#,
        )
        .unwrap();
        let b = PolicyDocument::from_json(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"b"}]}"#,
        )
        .unwrap();
        assert!(!same_policy(&a, &b));
    }
}
