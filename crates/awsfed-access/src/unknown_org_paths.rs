//! A snapshot without its organisation (no `organization.json`: scanned without Organizations read
//! access) cannot decide a condition on `aws:ResourceOrgPaths`, the Organizations path of the
//! account that owns the resource ("AWS global condition context keys", IAM User Guide), which
//! awsfed's hub policies for OU grants use (`ForAnyValue:StringLike`, the `role-name-by-org-paths`
//! form). Reading the missing key as "in no OU" would deny every such hop and claim "no path"
//! where one may exist. Instead each account of unknown path is taken to lie in every OU the
//! estate's policies name (their patterns with the wildcards filled), so every path such an `Allow`
//! may give is shown — possible, not proven — and the commands name the policies in a warning.
//! (A `Deny` on the key would be over-applied the same way; the warning names it too.)

use awsfed_policy::PolicyDocument;
use awsfed_snapshot::Snapshot;

const KEY: &str = "aws:ResourceOrgPaths";

/// The policies of a snapshot without its organisation that test `aws:ResourceOrgPaths`, and the
/// paths assumed for every account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOrgPaths {
    /// Each policy, named by ARN (an inline policy as `ROLE-ARN inline NAME`), sorted.
    pub policies: Vec<String>,
    /// The values given to `aws:ResourceOrgPaths` for every account: each pattern the policies
    /// test, with `*` matching nothing and `?` one character.
    pub assumed: Vec<String>,
}

/// `None` when the snapshot holds its organisation (paths are then known) or no policy tests the
/// key.
pub(crate) fn unknown_org_paths(snapshot: &Snapshot) -> Option<UnknownOrgPaths> {
    if snapshot.organization.is_some() {
        return None;
    }
    let mut policies = Vec::new();
    let mut assumed = Vec::new();
    for account in &snapshot.accounts {
        let managed = account
            .policies
            .iter()
            .map(|p| (p.arn.clone(), &p.document));
        let inline = account.roles.iter().flat_map(|role| {
            role.inline_policies
                .iter()
                .map(move |(name, document)| (format!("{} inline {name}", role.arn), document))
        });
        for (name, document) in managed.chain(inline) {
            let patterns = patterns(document);
            if !patterns.is_empty() {
                policies.push(name);
                assumed.extend(patterns.into_iter().map(filled));
            }
        }
    }
    if policies.is_empty() {
        return None;
    }
    policies.sort();
    assumed.sort();
    assumed.dedup();
    Some(UnknownOrgPaths { policies, assumed })
}

/// The values the document's conditions compare `aws:ResourceOrgPaths` with (condition keys are
/// case-insensitive).
fn patterns(document: &PolicyDocument) -> Vec<&str> {
    document
        .statement
        .iter()
        .flat_map(|s| s.condition.values())
        .flat_map(|keys| keys.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case(KEY))
        .flat_map(|(_, values)| values.iter())
        .collect()
}

/// A value the pattern matches: `*` as nothing, `?` as one character.
fn filled(pattern: &str) -> String {
    pattern.replace('*', "").replace('?', "x")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_pattern_matches_its_pattern() {
        for pattern in ["o-a/r-b/ou-c/*", "o-a/r-b/ou-?/", "o-a/*/ou-c/*"] {
            let value = filled(pattern);
            assert!(awsfed_policy::wildcard_match(pattern, &value), "{pattern}");
        }
    }
}
