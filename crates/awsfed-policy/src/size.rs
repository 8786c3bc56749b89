use crate::PolicyDocument;

/// The size IAM charges a policy against its quota: the characters of the document, not counting
/// white space ("IAM and AWS STS quotas": "IAM doesn't count white space when calculating the size of
/// a policy against these quotas").
pub fn iam_size(document: &PolicyDocument) -> usize {
    document
        .to_json()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Statement, StringList};

    #[test]
    fn whitespace_is_not_counted() {
        let doc = PolicyDocument::new(vec![
            Statement::allow(StringList::one("s3:Get Object")).with_resource(StringList::one("*")),
        ]);
        let json = doc.to_json();
        assert_eq!(iam_size(&doc), json.len() - 1);
    }
}
