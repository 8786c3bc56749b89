use std::io;

use crate::PolicyDocument;

/// The size IAM charges a policy against its quota: the characters of the document, not counting
/// white space ("IAM and AWS STS quotas": "IAM doesn't count white space when calculating the size of
/// a policy against these quotas").
///
/// The compiler measures tens of thousands of policies per run, so the JSON is counted as it is
/// written instead of being built as a string first.
pub fn iam_size(document: &PolicyDocument) -> usize {
    iam_size_of(document)
}

/// [`iam_size`] of any part of a policy (a statement, a principal), as it is written inside the
/// document: a document's size is its parts' sizes plus the punctuation between them.
pub fn iam_size_of<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    let mut counter = CharCounter::default();
    serde_json::to_writer(&mut counter, value).expect("counting never fails");
    counter.count
}

/// Counts the non-white-space characters of UTF-8 written to it.
#[derive(Default)]
struct CharCounter {
    count: usize,
    /// Bytes of a multi-byte character split across writes.
    pending: Vec<u8>,
}

impl io::Write for CharCounter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        for &byte in bytes {
            if self.pending.is_empty() && byte.is_ascii() {
                if !byte.is_ascii_whitespace() {
                    self.count += 1;
                }
                continue;
            }
            self.pending.push(byte);
            if let Ok(text) = std::str::from_utf8(&self.pending) {
                self.count += text.chars().filter(|c| !c.is_whitespace()).count();
                self.pending.clear();
            } else if self.pending.len() >= 4 {
                // Not UTF-8 (serde_json never writes that): count the bytes rather than loop.
                self.count += self.pending.len();
                self.pending.clear();
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Statement, StringList};

    fn by_string(document: &PolicyDocument) -> usize {
        document
            .to_json()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    }

    #[test]
    fn whitespace_is_not_counted() {
        let doc = PolicyDocument::new(vec![
            Statement::allow(StringList::one("s3:Get Object")).with_resource(StringList::one("*")),
        ]);
        let json = doc.to_json();
        assert_eq!(iam_size(&doc), json.len() - 1);
    }

    #[test]
    fn multi_byte_characters_count_once() {
        let doc = PolicyDocument::new(vec![
            Statement::allow(StringList::one("s3:GetObject"))
                .with_resource(StringList::one("arn:aws:s3:::bücket/日本語\u{a0}x")),
        ]);
        assert_eq!(iam_size(&doc), by_string(&doc));
    }
}
