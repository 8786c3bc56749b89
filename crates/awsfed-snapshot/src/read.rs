//! Reading snapshots back: the contents of one file (a whole [`Snapshot`]) or of a folder
//! (`organization.json` and `accounts/ACCOUNT-ID.json`), as `awsfed scan` writes them. Pure: the
//! caller reads the files and hands over their names and contents.
//!
//! Snapshots are untrusted input (they may come from anywhere), so every file is checked against a
//! size limit and a nesting limit before it is parsed, and every error names the file, line and
//! column.

use std::fmt;

use serde::de::DeserializeOwned;

use super::{
    AccountSnapshot, IdentityCenterSnapshot, OrganizationSnapshot, SNAPSHOT_FORMAT, Snapshot,
};

/// The largest snapshot file read: an account with 1,000 roles, each with its trust and inline
/// policies at IAM's size quotas, stays well below it.
pub const MAX_SNAPSHOT_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The most accounts a snapshot folder may hold.
pub const MAX_SNAPSHOT_ACCOUNTS: usize = 20_000;
/// JSON nesting deeper than any snapshot needs (a policy condition sits at depth 9).
pub const MAX_JSON_DEPTH: usize = 32;

/// Why a snapshot file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    /// The file as the caller named it.
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for SnapshotError {}

impl SnapshotError {
    fn whole(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

/// Parses untrusted JSON into `T` after the size and depth checks.
pub fn parse_json<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, SnapshotError> {
    parse_json_within(file, text, MAX_SNAPSHOT_FILE_BYTES)
}

/// [`parse_json`] for a file with its own size limit (a plan).
pub fn parse_json_within<T: DeserializeOwned>(
    file: &str,
    text: &str,
    max_bytes: usize,
) -> Result<T, SnapshotError> {
    check_json_limits(file, text, max_bytes)?;
    serde_json::from_str(text).map_err(|e| SnapshotError {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_owned(),
    })
}

/// Refuses text over `max_bytes` and JSON nested deeper than [`MAX_JSON_DEPTH`], naming the place.
pub fn check_json_limits(file: &str, text: &str, max_bytes: usize) -> Result<(), SnapshotError> {
    if text.len() > max_bytes {
        return Err(SnapshotError::whole(
            file,
            format!(
                "the file is {} bytes; at most {max_bytes} are read",
                text.len()
            ),
        ));
    }
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for byte in text.bytes() {
        column += 1;
        if byte == b'\n' {
            line += 1;
            column = 0;
        }
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(SnapshotError {
                        file: file.to_owned(),
                        line,
                        column,
                        message: format!(
                            "JSON nested deeper than {MAX_JSON_DEPTH} levels; no snapshot needs that"
                        ),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn check_format(file: &str, format: u32) -> Result<(), SnapshotError> {
    if format == SNAPSHOT_FORMAT {
        Ok(())
    } else {
        Err(SnapshotError::whole(
            file,
            format!(
                "snapshot format {format} is not supported (this awsfed reads format {SNAPSHOT_FORMAT}); scan again with this version"
            ),
        ))
    }
}

/// Reads a snapshot written as one file.
pub fn read_snapshot_file(file: &str, text: &str) -> Result<Snapshot, SnapshotError> {
    let mut snapshot: Snapshot = parse_json(file, text)?;
    check_format(file, snapshot.format)?;
    if let Some(organization) = &snapshot.organization {
        check_format(file, organization.format)?;
    }
    if let Some(identity_center) = &snapshot.identity_center {
        check_format(file, identity_center.format)?;
    }
    for account in &snapshot.accounts {
        check_format(file, account.format)?;
    }
    normalize(file, &mut snapshot)?;
    Ok(snapshot)
}

/// Reads a snapshot folder: `organization` is `(file name, contents)` of `organization.json` when
/// present, `identity_center` the same of `identity-center.json`, `accounts` the same for each
/// `accounts/*.json`.
pub fn read_snapshot_folder(
    organization: Option<(&str, &str)>,
    identity_center: Option<(&str, &str)>,
    accounts: &[(String, String)],
) -> Result<Snapshot, SnapshotError> {
    if accounts.len() > MAX_SNAPSHOT_ACCOUNTS {
        return Err(SnapshotError::whole(
            "accounts/",
            format!(
                "{} account files; at most {MAX_SNAPSHOT_ACCOUNTS} are read",
                accounts.len()
            ),
        ));
    }
    let organization = match organization {
        Some((file, text)) => {
            let organization: OrganizationSnapshot = parse_json(file, text)?;
            check_format(file, organization.format)?;
            Some(organization)
        }
        None => None,
    };
    let identity_center = match identity_center {
        Some((file, text)) => {
            let identity_center: IdentityCenterSnapshot = parse_json(file, text)?;
            check_format(file, identity_center.format)?;
            Some(identity_center)
        }
        None => None,
    };
    let mut parsed = Vec::with_capacity(accounts.len());
    for (file, text) in accounts {
        let account: AccountSnapshot = parse_json(file, text)?;
        check_format(file, account.format)?;
        let stem = file
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(file)
            .trim_end_matches(".json");
        if stem != account.id {
            return Err(SnapshotError::whole(
                file,
                format!(
                    "the file holds account {} but is named for {stem}: account files are named ACCOUNT-ID.json",
                    account.id
                ),
            ));
        }
        parsed.push(account);
    }
    let mut snapshot = Snapshot {
        format: SNAPSHOT_FORMAT,
        organization,
        identity_center,
        accounts: parsed,
    };
    normalize("accounts/", &mut snapshot)?;
    Ok(snapshot)
}

/// Sorts what the format promises sorted (hand-edited files may not be) and refuses duplicates.
fn normalize(file: &str, snapshot: &mut Snapshot) -> Result<(), SnapshotError> {
    snapshot.accounts.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(identity_center) = &mut snapshot.identity_center {
        identity_center.sort();
        for pair in identity_center.permission_sets.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(SnapshotError::whole(
                    file,
                    format!("permission set {} appears twice", pair[0].name),
                ));
            }
        }
    }
    for pair in snapshot.accounts.windows(2) {
        if pair[0].id == pair[1].id {
            return Err(SnapshotError::whole(
                file,
                format!("account {} appears twice", pair[0].id),
            ));
        }
    }
    for account in &mut snapshot.accounts {
        if account.id.len() != 12 || !account.id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SnapshotError::whole(
                file,
                format!("`{}` is not an account id (12 digits)", account.id),
            ));
        }
        account.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        account.saml_providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        account.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_file_line_and_column() {
        let error = read_snapshot_file("snap.json", "{\n  \"format\": 1,\n  \"accounts\": [1]\n}")
            .unwrap_err();
        assert_eq!(error.file, "snap.json");
        assert_eq!(error.line, 3);
        assert!(error.to_string().starts_with("snap.json:3:"), "{error}");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let error = read_snapshot_file("deep.json", &text).unwrap_err();
        assert_eq!((error.line, error.column), (1, MAX_JSON_DEPTH + 1));
        // Brackets inside strings do not count.
        let quoted = format!("{{\"format\": 1, \"x\": \"{}\"}}", "[".repeat(100));
        let error = read_snapshot_file("q.json", &quoted).unwrap_err();
        assert!(!error.message.contains("nested"), "{error}");
    }

    #[test]
    fn unknown_format_is_refused() {
        let error = read_snapshot_file("s.json", r#"{"format": 9, "accounts": []}"#).unwrap_err();
        assert!(error.message.contains("format 9"), "{error}");
    }

    #[test]
    fn folder_files_must_be_named_for_their_account() {
        let account = r#"{"format": 1, "id": "111111111111", "roles": [], "saml_providers": [], "policies": []}"#;
        let ok = read_snapshot_folder(
            None,
            None,
            &[("accounts/111111111111.json".into(), account.into())],
        )
        .unwrap();
        assert_eq!(ok.accounts.len(), 1);
        let error = read_snapshot_folder(
            None,
            None,
            &[("accounts/222222222222.json".into(), account.into())],
        )
        .unwrap_err();
        assert!(error.message.contains("named for 222222222222"), "{error}");
    }

    const IDENTITY_CENTER: &str = r#"{
  "format": 1,
  "instance_arn": "arn:aws:sso:::instance/ssoins-1111111111111111",
  "identity_store_id": "d-1111111111",
  "region": "eu-west-1",
  "permission_sets": [
    {"arn": "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-2", "name": "ReadOnly",
     "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
     "permissions_boundary": {"customer_managed_policy": {"path": "/", "name": "Boundary"}},
     "provisioned_accounts": ["222222222222", "111111111111"]},
    {"arn": "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-1", "name": "Admin",
     "session_duration": "PT1H", "tags": {"awsfed:managed": "true"}}
  ],
  "assignments": [
    {"permission_set_arn": "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-2",
     "account_id": "111111111111", "principal_type": "GROUP", "principal_id": "g-1"}
  ],
  "groups": [{"display_name": "developers", "id": "g-1"}]
}"#;

    #[test]
    fn identity_center_reads_sorted_in_both_forms() {
        let whole =
            format!(r#"{{"format": 1, "identity_center": {IDENTITY_CENTER}, "accounts": []}}"#);
        let from_file = read_snapshot_file("s.json", &whole).unwrap();
        let from_folder =
            read_snapshot_folder(None, Some(("identity-center.json", IDENTITY_CENTER)), &[])
                .unwrap();
        assert_eq!(from_file, from_folder);
        let center = from_file.identity_center.unwrap();
        let names: Vec<&str> = center
            .permission_sets
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["Admin", "ReadOnly"]);
        assert_eq!(
            center.permission_sets[1].provisioned_accounts,
            ["111111111111", "222222222222"]
        );
        assert_eq!(center.group_name("g-1"), Some("developers"));
    }

    #[test]
    fn identity_center_errors_name_the_file() {
        let twice = IDENTITY_CENTER.replace("\"Admin\"", "\"ReadOnly\"");
        let error =
            read_snapshot_folder(None, Some(("identity-center.json", &twice)), &[]).unwrap_err();
        assert!(error.message.contains("ReadOnly appears twice"), "{error}");
        let unknown = IDENTITY_CENTER.replace("\"region\"", "\"regoin\"");
        let error =
            read_snapshot_folder(None, Some(("identity-center.json", &unknown)), &[]).unwrap_err();
        assert!(
            error.to_string().starts_with("identity-center.json:5:"),
            "{error}"
        );
    }
}
