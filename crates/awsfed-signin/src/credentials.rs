//! Temporary credentials, and the forms other tools read them in.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awsfed_saml::Timestamp;
use serde::{Deserialize, Serialize};

/// Credentials handed to a caller have at least this long left (15 minutes). The SDKs start
/// refreshing `credential_process` credentials shortly before `Expiration` (the CLI 15 minutes,
/// most SDKs 5–10), so anything shorter would be fetched again at once.
pub const MIN_HANDED_OUT_SECONDS: i64 = 15 * 60;

/// One STS session's keys. `Debug` never shows the secret or the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Unix seconds.
    pub expiration: i64,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Seconds since the Unix epoch (0 for clocks before it).
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// RFC 3339 in UTC.
pub fn rfc3339(unix: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).unwrap_or(0));
    Timestamp::from(time).to_string()
}

impl Credentials {
    /// Seconds left at `now`.
    pub fn seconds_left(&self, now: SystemTime) -> i64 {
        self.expiration - unix_seconds(now)
    }

    /// At least `seconds` left at `now`.
    pub fn fresh_for(&self, now: SystemTime, seconds: i64) -> bool {
        self.seconds_left(now) >= seconds
    }

    pub fn expiration_rfc3339(&self) -> String {
        rfc3339(self.expiration)
    }

    /// The `credential_process` output ("Sourcing credentials with an external process", AWS SDKs
    /// and Tools Reference Guide): `Version` 1, the keys, the token and `Expiration` in ISO 8601.
    pub fn credential_process_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Output<'a> {
            version: u32,
            access_key_id: &'a str,
            secret_access_key: &'a str,
            session_token: &'a str,
            expiration: String,
        }
        let output = Output {
            version: 1,
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            session_token: &self.session_token,
            expiration: self.expiration_rfc3339(),
        };
        let mut text = serde_json::to_string(&output).expect("strings always serialise");
        text.push('\n');
        text
    }

    /// The container credentials endpoint's answer ("Container credential provider", AWS SDKs and
    /// Tools Reference Guide; the ECS task role format): the keys, `Token` and `Expiration` in
    /// ISO 8601. SDKs fetch it again before `Expiration`.
    pub fn container_credentials_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Output<'a> {
            access_key_id: &'a str,
            secret_access_key: &'a str,
            token: &'a str,
            expiration: String,
        }
        serde_json::to_string(&Output {
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            token: &self.session_token,
            expiration: self.expiration_rfc3339(),
        })
        .expect("strings always serialise")
    }

    /// The environment variables every SDK reads, in a fixed order.
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_access_key.clone()),
            ("AWS_SESSION_TOKEN", self.session_token.clone()),
            ("AWS_CREDENTIAL_EXPIRATION", self.expiration_rfc3339()),
        ]
    }

    /// `export NAME='value'` lines for a POSIX shell.
    pub fn shell_exports(&self) -> String {
        self.environment()
            .into_iter()
            .map(|(name, value)| format!("export {name}={}\n", shell_quote(&value)))
            .collect()
    }
}

/// Single-quotes a value for a POSIX shell.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".to_owned(),
            secret_access_key: "secret/key".to_owned(),
            session_token: "token'with quote".to_owned(),
            expiration: 1_767_225_600,
        }
    }

    #[test]
    fn credential_process_json_has_the_documented_fields() {
        insta::assert_snapshot!(sample().credential_process_json(), @r#"{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret/key","SessionToken":"token'with quote","Expiration":"2026-01-01T00:00:00Z"}
"#);
    }

    #[test]
    fn container_credentials_json_has_the_ecs_fields() {
        insta::assert_snapshot!(sample().container_credentials_json(), @r#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret/key","Token":"token'with quote","Expiration":"2026-01-01T00:00:00Z"}"#);
    }

    #[test]
    fn debug_hides_secrets() {
        let text = format!("{:?}", sample());
        assert!(!text.contains("secret/key") && !text.contains("token'with"));
    }

    #[test]
    fn shell_exports_quote_values() {
        insta::assert_snapshot!(sample().shell_exports(), @r"
        export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'
        export AWS_SECRET_ACCESS_KEY='secret/key'
        export AWS_SESSION_TOKEN='token'\''with quote'
        export AWS_CREDENTIAL_EXPIRATION='2026-01-01T00:00:00Z'
        ");
    }

    #[test]
    fn freshness_counts_from_now() {
        let creds = sample();
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600 - 900);
        assert!(creds.fresh_for(now, MIN_HANDED_OUT_SECONDS));
        assert!(!creds.fresh_for(now + Duration::from_secs(1), MIN_HANDED_OUT_SECONDS));
    }
}
