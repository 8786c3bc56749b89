//! Names the exporters derive from model names: CloudFormation logical ids, Terraform identifiers,
//! file names. Each target has a narrower alphabet than IAM names, so two model names can map to one
//! derived name; [`allocate`] makes them unique without depending on which other names exist, as
//! far as that is possible: a renamed logical id or resource address makes CloudFormation and
//! Terraform replace the resource, and replacing a hub role breaks every spoke trust that names it
//! (the trust keeps the old role's unique id).

use std::collections::{BTreeMap, BTreeSet};

/// One name to derive: `key` identifies it (unique), `base` is its sanitised form, and `clean`
/// says the sanitising lost nothing, so no other clean key can share its base.
#[derive(Debug, Clone)]
pub(crate) struct NameRequest {
    pub key: String,
    pub base: String,
    pub clean: bool,
}

impl NameRequest {
    pub fn new(key: impl Into<String>, (base, clean): (String, bool)) -> Self {
        Self {
            key: key.into(),
            base,
            clean,
        }
    }
}

/// Assigns every key a unique name. A base used by one key is kept as it is. When several keys share
/// a base (compared without case: file systems and IAM names often ignore it), the one clean key
/// among them keeps it and the others get `sep` and eight hex digits of a hash of their key, so the
/// clean key's name never changes when a colliding name appears.
pub(crate) fn allocate(requests: Vec<NameRequest>, sep: &str) -> BTreeMap<String, String> {
    let mut by_base: BTreeMap<String, Vec<NameRequest>> = BTreeMap::new();
    for request in requests {
        by_base
            .entry(request.base.to_ascii_lowercase())
            .or_default()
            .push(request);
    }
    let mut names = BTreeMap::new();
    let mut taken = BTreeSet::new();
    let mut hashed = Vec::new();
    for (_, mut group) in by_base {
        group.sort_by(|a, b| a.key.cmp(&b.key));
        group.dedup_by(|a, b| a.key == b.key);
        let clean = group.iter().filter(|r| r.clean).count();
        for request in group.iter() {
            if group.len() == 1 || (clean == 1 && request.clean) {
                taken.insert(request.base.to_ascii_lowercase());
                names.insert(request.key.clone(), request.base.clone());
            } else {
                hashed.push(request.clone());
            }
        }
    }
    // Hashed names go last so they never take a plain base another key needs.
    for request in hashed {
        let mut name = format!("{}{sep}{:08x}", request.base, short_hash(&request.key));
        let mut n = 2;
        while taken.contains(&name.to_ascii_lowercase()) {
            name = format!(
                "{}{sep}{:08x}{sep}{n}",
                request.base,
                short_hash(&request.key)
            );
            n += 1;
        }
        taken.insert(name.to_ascii_lowercase());
        names.insert(request.key, name);
    }
    names
}

/// FNV-1a, folded to 32 bits: stable across Rust versions and platforms, unlike `DefaultHasher`.
pub(crate) fn short_hash(text: &str) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 32) as u32 ^ (hash as u32)
}

/// A CloudFormation logical id: `prefix` then the name's alphanumeric runs, each capitalised
/// ("hub-platform-admins" → `RoleHubPlatformAdmins`). Logical ids are alphanumeric only.
pub(crate) fn logical_id(prefix: &str, name: &str) -> (String, bool) {
    let mut id = prefix.to_owned();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    let clean = name.chars().all(|c| c.is_ascii_alphanumeric());
    (id, clean)
}

/// A Terraform identifier (resource name, provider alias): letters, digits, `_` and `-`, starting
/// with a letter or `_`.
pub(crate) fn terraform_identifier(name: &str) -> (String, bool) {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    let clean = id == name;
    (id, clean)
}

/// A file name stem safe on every file system: letters, digits, `.`, `_`, `-`, not starting with `.`.
pub(crate) fn file_stem(name: &str) -> (String, bool) {
    let mut stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        stem.insert(0, '_');
    }
    let clean = stem == name;
    (stem, clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> BTreeMap<String, String> {
        allocate(
            names
                .iter()
                .map(|n| NameRequest::new(*n, logical_id("Role", n)))
                .collect(),
            "",
        )
    }

    #[test]
    fn logical_ids_are_capitalised_alphanumeric_runs() {
        assert_eq!(
            logical_id("Role", "hub-platform-admins"),
            ("RoleHubPlatformAdmins".to_owned(), false)
        );
        assert_eq!(
            logical_id("Role", "ReadOnly"),
            ("RoleReadOnly".to_owned(), true)
        );
        assert_eq!(
            logical_id("Role", "a.b@c+d=e,f_g"),
            ("RoleABCDEFG".to_owned(), false)
        );
        assert_eq!(
            logical_id("Policy", "läuft"),
            ("PolicyLUft".to_owned(), false)
        );
    }

    #[test]
    fn distinct_bases_are_kept() {
        let names = ids(&["Admin", "ReadOnly", "hub-dev"]);
        assert_eq!(names["Admin"], "RoleAdmin");
        assert_eq!(names["ReadOnly"], "RoleReadOnly");
        assert_eq!(names["hub-dev"], "RoleHubDev");
    }

    #[test]
    fn collisions_keep_the_clean_name_and_hash_the_others() {
        let names = ids(&["AB", "a-b", "a_b"]);
        assert_eq!(names["AB"], "RoleAB");
        assert_ne!(names["a-b"], names["a_b"]);
        for key in ["a-b", "a_b"] {
            let id = &names[key];
            assert!(
                id.starts_with("RoleAB") && id.len() == "RoleAB".len() + 8,
                "{id}"
            );
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        }
        // The hashed id of a key does not depend on the other keys.
        assert_eq!(ids(&["a-b", "a_b"])["a-b"], names["a-b"]);
    }

    #[test]
    fn collisions_without_a_clean_name_hash_all() {
        let names = ids(&["a-b", "a.b"]);
        assert!(names.values().all(|id| id.len() == "RoleAB".len() + 8));
        assert_ne!(names["a-b"], names["a.b"]);
    }

    #[test]
    fn a_hashed_name_never_takes_a_plain_one() {
        let hashed = format!("RoleAB{:08x}", short_hash("a-b"));
        // A clean name that happens to equal the hashed form of another.
        let clean = hashed.trim_start_matches("Role").to_owned();
        let names = ids(&["AB", "a-b", &clean]);
        assert_eq!(names[clean.as_str()], hashed);
        assert_ne!(names["a-b"], hashed);
        let unique: BTreeSet<_> = names.values().collect();
        assert_eq!(unique.len(), 3);
    }

    #[test]
    fn terraform_identifiers_start_with_a_letter_or_underscore() {
        assert_eq!(
            terraform_identifier("prod_hub-admins"),
            ("prod_hub-admins".to_owned(), true)
        );
        assert_eq!(
            terraform_identifier("1st acct"),
            ("_1st_acct".to_owned(), false)
        );
        assert_eq!(terraform_identifier("a.b@c"), ("a_b_c".to_owned(), false));
        assert_eq!(terraform_identifier("-x"), ("_-x".to_owned(), false));
    }

    #[test]
    fn file_stems_are_portable() {
        assert_eq!(file_stem("prod"), ("prod".to_owned(), true));
        assert_eq!(
            file_stem("team/prod:eu"),
            ("team_prod_eu".to_owned(), false)
        );
        assert_eq!(file_stem(".hidden"), ("_.hidden".to_owned(), false));
        assert_eq!(file_stem(""), ("_".to_owned(), false));
    }

    #[test]
    fn file_stems_collide_without_case() {
        let names = allocate(
            ["Prod", "prod"]
                .iter()
                .map(|n| NameRequest::new(*n, file_stem(n)))
                .collect(),
            "-",
        );
        assert_ne!(names["Prod"].to_lowercase(), names["prod"].to_lowercase());
    }
}
