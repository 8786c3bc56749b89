//! What a profile of the AWS shared files says about credentials ("Shared config and credentials
//! files", AWS SDKs and Tools Reference Guide): the settings that make an SDK sign with that
//! profile. `~/.aws/credentials` names a profile `[NAME]`; `~/.aws/config` names it
//! `[profile NAME]`, except the default one, which is `[default]` in both (the config file also
//! accepts `[profile default]`).
//!
//! The SDKs' credential chains try these before the container credentials endpoint (the
//! "Standardized credential providers" order: environment, shared files and the providers they
//! configure, then containers, then instance metadata), so a `default` profile with credentials
//! wins over what `awsfed exec --server` serves.

/// The settings that give a profile credentials of its own, or make the SDK get some.
pub const CREDENTIAL_SETTINGS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "credential_process",
    "credential_source",
    "role_arn",
    "source_profile",
    "sso_account_id",
    "sso_role_name",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
];

/// The credential settings `profile` has in the text of a shared file (`config_file`: the config
/// file's section names), in the order they appear. Values are never returned: they may be secret.
pub fn credential_settings(text: &str, profile: &str, config_file: bool) -> Vec<String> {
    let mut inside = false;
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = section_names(line, config_file).any(|name| name == profile);
            continue;
        }
        if !inside || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        if CREDENTIAL_SETTINGS.contains(&key.as_str()) && !found.contains(&key) {
            found.push(key);
        }
    }
    found
}

/// The profile a section header names (none for other sections, such as `[sso-session NAME]`).
fn section_names(line: &str, config_file: bool) -> impl Iterator<Item = &str> {
    let inner = line
        .strip_prefix('[')
        .and_then(|l| l.split(']').next())
        .unwrap_or_default()
        .trim();
    let name = if !config_file || inner == "default" {
        Some(inner)
    } else {
        inner
            .strip_prefix("profile")
            .filter(|rest| rest.starts_with(char::is_whitespace))
            .map(str::trim)
    };
    name.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profiles_with_credentials_are_found_without_their_values() {
        let credentials = "[work]\naws_access_key_id = AKIAWORK\n\n[default]\n# keys\naws_access_key_id=AKIA1\nAWS_SECRET_ACCESS_KEY = s\nregion = eu-west-1\n";
        assert_eq!(
            credential_settings(credentials, "default", false),
            ["aws_access_key_id", "aws_secret_access_key"]
        );
        assert!(credential_settings("[default]\nregion = x\n", "default", false).is_empty());
        let config = "[profile default]\ncredential_process = x\n[default]\nsso_session = corp\n[profile dev]\nrole_arn = r\n[sso-session corp]\nsso_start_url = u\n";
        assert_eq!(
            credential_settings(config, "default", true),
            ["credential_process", "sso_session"]
        );
        assert_eq!(credential_settings(config, "dev", true), ["role_arn"]);
        // `[dev]` in the config file is no profile; `[profile dev]` in the credentials file is
        // a profile named `profile dev`.
        assert!(credential_settings("[dev]\nrole_arn = r\n", "dev", true).is_empty());
        assert!(credential_settings("[profile dev]\nrole_arn = r\n", "dev", false).is_empty());
    }
}
