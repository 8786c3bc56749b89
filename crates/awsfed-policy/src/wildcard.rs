//! IAM wildcard matching: `*` matches any run of characters (also empty) and `?` matches exactly one
//! character, and both cross `:` and `/` ("IAM JSON policy elements: Resource": "you can use wildcard
//! characters (* and ?) within any ARN segment"; "IAM JSON policy elements: Condition operators",
//! `StringLike`: "The value can include multi-character match wildcards (*) and single-character match
//! wildcards (?) anywhere in the string").
//!
//! The matcher never backtracks exponentially, which a regular-expression translation of a policy
//! pattern can: the pattern is split at its stars into literal segments, the first segment is anchored
//! at the start, the last at the end, and every middle segment is placed at its leftmost occurrence
//! after the previous one. Leftmost placement is always safe because a star can absorb whatever lies
//! before a segment, so a later placement can never succeed where the leftmost one failed. A segment
//! without `?` is found with `str::find` (Two-Way, linear), so star-only patterns match in
//! `O(text + pattern)`; segments with `?` are scanned naively, `O(text × segment)` at worst.

/// One character position of a segment: a literal character or `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Atom {
    Char(char),
    AnyOne,
}

/// A run of the pattern between two stars.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// No `?`: matched with substring search.
    Literal(String),
    /// At least one `?`.
    Atoms(Vec<Atom>),
}

impl Segment {
    fn from_atoms(atoms: Vec<Atom>) -> Self {
        if atoms.iter().all(|a| matches!(a, Atom::Char(_))) {
            Segment::Literal(
                atoms
                    .into_iter()
                    .filter_map(|a| match a {
                        Atom::Char(c) => Some(c),
                        Atom::AnyOne => None,
                    })
                    .collect(),
            )
        } else {
            Segment::Atoms(atoms)
        }
    }

    /// Matches the segment at the start of `text`, returning the byte length consumed.
    fn match_at(&self, text: &str) -> Option<usize> {
        match self {
            Segment::Literal(lit) => text.starts_with(lit.as_str()).then_some(lit.len()),
            Segment::Atoms(atoms) => {
                let mut chars = text.char_indices();
                for atom in atoms {
                    let (_, c) = chars.next()?;
                    if let Atom::Char(want) = atom
                        && *want != c
                    {
                        return None;
                    }
                }
                Some(chars.next().map_or(text.len(), |(i, _)| i))
            }
        }
    }

    /// The leftmost position at or after the start of `text` where the segment matches: (start, end).
    fn find(&self, text: &str) -> Option<(usize, usize)> {
        match self {
            Segment::Literal(lit) => text.find(lit.as_str()).map(|i| (i, i + lit.len())),
            Segment::Atoms(_) => {
                for (i, _) in text.char_indices() {
                    if let Some(len) = self.match_at(&text[i..]) {
                        return Some((i, i + len));
                    }
                }
                // An empty remainder can only host an empty segment, and Atoms is never empty.
                None
            }
        }
    }

    /// Matches the segment at the very end of `text`, returning where it starts.
    fn match_suffix(&self, text: &str) -> Option<usize> {
        match self {
            Segment::Literal(lit) => text.ends_with(lit.as_str()).then(|| text.len() - lit.len()),
            Segment::Atoms(atoms) => {
                let mut start = text.len();
                let mut chars = text.char_indices().rev();
                for atom in atoms.iter().rev() {
                    let (i, c) = chars.next()?;
                    if let Atom::Char(want) = atom
                        && *want != c
                    {
                        return None;
                    }
                    start = i;
                }
                Some(start)
            }
        }
    }
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    /// Segments between stars. With `n` stars there are `n + 1` segments (some possibly empty).
    segments: Vec<Segment>,
}

/// One piece of a pattern before compilation: literal text (whose `*` and `?` are plain characters,
/// as produced by a policy variable or an escape like `${*}`) or a wildcard character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternPiece<'a> {
    Literal(&'a str),
    Star,
    AnyOne,
}

impl Wildcard {
    /// Compiles a pattern in which every `*` and `?` is a wildcard.
    pub fn new(pattern: &str) -> Self {
        let mut segments = Vec::new();
        let mut atoms = Vec::new();
        for c in pattern.chars() {
            match c {
                '*' => segments.push(Segment::from_atoms(std::mem::take(&mut atoms))),
                '?' => atoms.push(Atom::AnyOne),
                c => atoms.push(Atom::Char(c)),
            }
        }
        segments.push(Segment::from_atoms(atoms));
        Self { segments }
    }

    /// Compiles a pattern from pieces, so that text substituted from a policy variable stays literal.
    pub fn from_pieces<'a>(pieces: impl IntoIterator<Item = PatternPiece<'a>>) -> Self {
        let mut segments = Vec::new();
        let mut atoms = Vec::new();
        for piece in pieces {
            match piece {
                PatternPiece::Literal(text) => atoms.extend(text.chars().map(Atom::Char)),
                PatternPiece::Star => {
                    segments.push(Segment::from_atoms(std::mem::take(&mut atoms)))
                }
                PatternPiece::AnyOne => atoms.push(Atom::AnyOne),
            }
        }
        segments.push(Segment::from_atoms(atoms));
        Self { segments }
    }

    /// True when the pattern has no wildcard at all (so it only matches its own text).
    pub fn is_literal(&self) -> bool {
        matches!(self.segments.as_slice(), [Segment::Literal(_)])
    }

    /// Whether the whole of `text` matches the pattern.
    pub fn matches(&self, text: &str) -> bool {
        let Some((first, rest)) = self.segments.split_first() else {
            return text.is_empty();
        };
        let Some((last, middle)) = rest.split_last() else {
            // No star: the single segment must be the whole text.
            return first.match_at(text) == Some(text.len());
        };
        let Some(mut pos) = first.match_at(text) else {
            return false;
        };
        for segment in middle {
            match segment.find(&text[pos..]) {
                Some((_, end)) => pos += end,
                None => return false,
            }
        }
        // The last segment must fit at the end without overlapping what the others consumed.
        last.match_suffix(&text[pos..]).is_some()
    }
}

/// Matches `text` against `pattern`, treating `*` and `?` in the pattern as wildcards.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    Wildcard::new(pattern).matches(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("*", "anything:at/all"));
        assert!(wildcard_match("s3:Get*", "s3:GetObject"));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("a*b*c", "aXbYc"));
        assert!(wildcard_match("a*b*c", "abc"));
        assert!(!wildcard_match("a*b*c", "acb"));
        assert!(wildcard_match("*a", "aaaa"));
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("é?*", "éü"));
        assert!(wildcard_match("", ""));
        assert!(!wildcard_match("", "x"));
    }

    #[test]
    fn wildcards_cross_colons_and_slashes() {
        assert!(wildcard_match(
            "arn:aws:iam::*",
            "arn:aws:iam::111122223333:role/a/b"
        ));
        assert!(wildcard_match("arn:*/b", "arn:aws:iam::1:role/a/b"));
        assert!(wildcard_match("a?b", "a:b"));
        assert!(wildcard_match("a?b", "a/b"));
    }

    #[test]
    fn literal_pieces_stay_literal() {
        let w = Wildcard::from_pieces([
            PatternPiece::Literal("home/"),
            PatternPiece::Literal("a*b"),
            PatternPiece::Star,
        ]);
        assert!(w.matches("home/a*b/x"));
        assert!(!w.matches("home/aXb/x"));
    }

    #[test]
    fn pathological_patterns_finish_quickly() {
        let text = "a".repeat(50_000);
        let pattern = format!("{}b", "a*".repeat(2_000));
        let start = std::time::Instant::now();
        assert!(!wildcard_match(&pattern, &text));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    /// Reference implementation: dynamic programming over (pattern, text) positions.
    fn reference(pattern: &str, text: &str) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        let mut dp = vec![vec![false; t.len() + 1]; p.len() + 1];
        dp[p.len()][t.len()] = true;
        for i in (0..p.len()).rev() {
            for j in (0..=t.len()).rev() {
                dp[i][j] = match p[i] {
                    '*' => dp[i + 1][j] || (j < t.len() && dp[i][j + 1]),
                    '?' => j < t.len() && dp[i + 1][j + 1],
                    c => j < t.len() && t[j] == c && dp[i + 1][j + 1],
                };
            }
        }
        dp[0][0]
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference(pattern in "[ab*?:/]{0,12}", text in "[ab:/]{0,14}") {
            prop_assert_eq!(wildcard_match(&pattern, &text), reference(&pattern, &text));
        }

        #[test]
        fn a_literal_pattern_matches_itself(text in "[a-z:/é]{0,20}") {
            prop_assert!(wildcard_match(&text, &text));
        }

        #[test]
        fn star_matches_everything(text in ".{0,30}") {
            prop_assert!(wildcard_match("*", &text));
        }
    }
}
