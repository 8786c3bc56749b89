//! The AWS console from a session: the federation endpoint's two actions ("Enable custom identity
//! broker access to the AWS console", IAM User Guide).
//!
//! 1. `GET {endpoint}?Action=getSigninToken&Session={JSON}` with the session's keys as
//!    `{"sessionId","sessionKey","sessionToken"}`, and optionally `SessionDuration` (900–43,200 s),
//!    answers `{"SigninToken": "…"}`.
//! 2. `{endpoint}?Action=login&Issuer=…&Destination=…&SigninToken=…` opens the console as that
//!    session; the token is good for 15 minutes.
//!
//! The endpoint is `https://signin.aws.amazon.com/federation`, or a Region's
//! `https://REGION.signin.aws.amazon.com/federation`. `SessionDuration` may only be sent for a
//! session made by `AssumeRole*` from long-term credentials or SAML: the guide says the federation
//! call fails for credentials obtained with a DurationSeconds by anything else, so a chained
//! (hub-and-spoke) session sends none and its console session lasts as long as it has left, at most
//! the one hour role chaining allows. A direct (SAML) session may ask up to its role's maximum.
//!
//! Only the `aws` partition's endpoints are built here.

use serde::{Deserialize, Serialize};

use crate::credentials::Credentials;

/// The shortest and longest console session the federation endpoint takes, in seconds.
pub const CONSOLE_MIN_SECONDS: u32 = 900;
pub const CONSOLE_MAX_SECONDS: u32 = 43_200;

/// Why a console URL cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsoleError {
    #[error(
        "a chained (hub-and-spoke) session cannot choose its console session length: the federation endpoint refuses SessionDuration for it, and the console session ends with the session (at most one hour)"
    )]
    ChainedDuration,
    #[error("a console session lasts {CONSOLE_MIN_SECONDS}–{CONSOLE_MAX_SECONDS} seconds, not {0}")]
    DurationOutOfRange(u32),
    #[error("the role allows sessions of at most {max} seconds, not {asked}")]
    OverRoleMaximum { asked: u32, max: u32 },
    #[error("`{0}` is not an AWS Region code")]
    Region(String),
    #[error("the federation endpoint's answer has no SigninToken: {0}")]
    NoToken(String),
}

/// The federation endpoint of `region` (the global one without).
pub fn federation_endpoint(region: Option<&str>) -> Result<String, ConsoleError> {
    Ok(format!("https://{}/federation", federation_host(region)?))
}

/// The host name of `region`'s sign-in endpoint (the global one without): what a request to its
/// federation endpoint carries as `Host`.
pub fn federation_host(region: Option<&str>) -> Result<String, ConsoleError> {
    match region {
        None => Ok("signin.aws.amazon.com".to_owned()),
        Some(region) => Ok(format!("{}.signin.aws.amazon.com", checked_region(region)?)),
    }
}

/// Where the console opens by default: the Region's console home, or the global one.
pub fn default_destination(region: Option<&str>) -> Result<String, ConsoleError> {
    match region {
        None => Ok("https://console.aws.amazon.com/".to_owned()),
        Some(region) => {
            let region = checked_region(region)?;
            Ok(format!(
                "https://{region}.console.aws.amazon.com/console/home?region={region}"
            ))
        }
    }
}

/// The `SessionDuration` to send: none for a chained session; for a direct one the length asked
/// for, else the role's maximum, within what the endpoint takes.
pub fn session_duration(
    chained: bool,
    role_max: u32,
    asked: Option<u32>,
) -> Result<Option<u32>, ConsoleError> {
    if chained {
        return match asked {
            Some(_) => Err(ConsoleError::ChainedDuration),
            None => Ok(None),
        };
    }
    let seconds = asked.unwrap_or(role_max.min(CONSOLE_MAX_SECONDS));
    if !(CONSOLE_MIN_SECONDS..=CONSOLE_MAX_SECONDS).contains(&seconds) {
        return Err(ConsoleError::DurationOutOfRange(seconds));
    }
    if seconds > role_max {
        return Err(ConsoleError::OverRoleMaximum {
            asked: seconds,
            max: role_max,
        });
    }
    Ok(Some(seconds))
}

/// The `getSigninToken` request URL. It carries the session's secret: never print or log it.
pub fn signin_token_url(
    endpoint: &str,
    credentials: &Credentials,
    session_duration: Option<u32>,
) -> String {
    #[derive(Serialize)]
    struct Session<'a> {
        #[serde(rename = "sessionId")]
        session_id: &'a str,
        #[serde(rename = "sessionKey")]
        session_key: &'a str,
        #[serde(rename = "sessionToken")]
        session_token: &'a str,
    }
    let session = serde_json::to_string(&Session {
        session_id: &credentials.access_key_id,
        session_key: &credentials.secret_access_key,
        session_token: &credentials.session_token,
    })
    .expect("strings always serialise");
    let mut url = format!("{endpoint}?Action=getSigninToken");
    if let Some(seconds) = session_duration {
        url.push_str(&format!("&SessionDuration={seconds}"));
    }
    url.push_str(&format!("&Session={}", encode(&session)));
    url
}

/// The token of a `getSigninToken` answer.
pub fn signin_token(answer: &str) -> Result<String, ConsoleError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "SigninToken")]
        signin_token: String,
    }
    serde_json::from_str::<Answer>(answer)
        .map(|a| a.signin_token)
        .map_err(|e| ConsoleError::NoToken(e.to_string()))
}

/// The `login` URL that opens the console at `destination`. It holds a sign-in token: whoever has
/// the URL in the next 15 minutes has the console session.
pub fn login_url(endpoint: &str, token: &str, destination: &str, issuer: &str) -> String {
    format!(
        "{endpoint}?Action=login&Issuer={}&Destination={}&SigninToken={}",
        encode(issuer),
        encode(destination),
        encode(token)
    )
}

/// The URL that opens `url` in the Firefox container `name`, through the "Open external links in a
/// container" add-on's `ext+container:` protocol handler (its README: `ext+container:name=NAME&url=URL`).
pub fn container_url(name: &str, url: &str) -> String {
    format!("ext+container:name={}&url={}", encode(name), encode(url))
}

/// A page that sends the browser on to `url` at once: what `awsfed console` hands the browser
/// instead of the login URL itself, so the sign-in token never appears on a command line (every
/// local user can read another's command lines in `/proc/PID/cmdline`). The page replaces itself
/// (`location.replace`), so going back does not return to it; `<meta http-equiv="refresh">` does
/// the same without JavaScript (HTML Living Standard, "Shared declarative refresh steps").
pub fn redirect_page(url: &str) -> String {
    // In the script, `<` is escaped so the URL cannot end the element (`</script>`).
    let script_url = serde_json::to_string(url)
        .expect("strings always serialise")
        .replace('<', "\\u003c");
    let attribute_url = html_escape(url);
    format!(
        "<!doctype html>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta http-equiv=\"refresh\" content=\"0;url={attribute_url}\">\n<title>awsfed console</title>\n<script>location.replace({script_url});</script>\n<p>Opening the AWS console&hellip; <a href=\"{attribute_url}\">continue</a>\n"
    )
}

/// `file://` URL of an absolute path, every byte but unreserved characters and `/` encoded.
pub fn file_url(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let encoded: String = path
        .as_os_str()
        .as_bytes()
        .split(|&b| b == b'/')
        .map(encode_bytes)
        .collect::<Vec<_>>()
        .join("/");
    format!("file://{encoded}")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    encode_bytes(text.as_bytes())
}

fn encode_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Region codes go into host names: only what `awsfed_policy::is_region_code` accepts.
fn checked_region(region: &str) -> Result<&str, ConsoleError> {
    if awsfed_policy::is_region_code(region) {
        Ok(region)
    } else {
        Err(ConsoleError::Region(region.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".to_owned(),
            secret_access_key: "se/cr+et".to_owned(),
            session_token: "to ken=".to_owned(),
            expiration: 0,
        }
    }

    #[test]
    fn the_token_request_carries_the_session_as_json() {
        let endpoint = federation_endpoint(None).expect("global");
        insta::assert_snapshot!(signin_token_url(&endpoint, &credentials(), Some(3_600)), @"https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=3600&Session=%7B%22sessionId%22%3A%22ASIAEXAMPLE%22%2C%22sessionKey%22%3A%22se%2Fcr%2Bet%22%2C%22sessionToken%22%3A%22to%20ken%3D%22%7D");
        let chained = signin_token_url(&endpoint, &credentials(), None);
        assert!(!chained.contains("SessionDuration"), "{chained}");
    }

    #[test]
    fn the_login_url_opens_the_region_console() {
        let endpoint = federation_endpoint(Some("eu-west-1")).expect("region");
        let destination = default_destination(Some("eu-west-1")).expect("region");
        insta::assert_snapshot!(login_url(&endpoint, "tok/en", &destination, "awsfed"), @"https://eu-west-1.signin.aws.amazon.com/federation?Action=login&Issuer=awsfed&Destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken=tok%2Fen");
        assert!(federation_endpoint(Some("evil.example/x")).is_err());
    }

    #[test]
    fn chained_sessions_send_no_duration_and_direct_ones_stay_within_the_role() {
        assert_eq!(session_duration(true, 3_600, None), Ok(None));
        assert_eq!(
            session_duration(true, 3_600, Some(1_800)),
            Err(ConsoleError::ChainedDuration)
        );
        assert_eq!(session_duration(false, 28_800, None), Ok(Some(28_800)));
        assert_eq!(
            session_duration(false, 28_800, Some(7_200)),
            Ok(Some(7_200))
        );
        assert_eq!(
            session_duration(false, 7_200, Some(28_800)),
            Err(ConsoleError::OverRoleMaximum {
                asked: 28_800,
                max: 7_200
            })
        );
        assert_eq!(
            session_duration(false, 43_200, Some(600)),
            Err(ConsoleError::DurationOutOfRange(600))
        );
    }

    #[test]
    fn a_container_url_wraps_the_whole_login_url() {
        insta::assert_snapshot!(container_url("work prod", "https://x.example/f?a=1&b=2"), @"ext+container:name=work%20prod&url=https%3A%2F%2Fx.example%2Ff%3Fa%3D1%26b%3D2");
    }

    #[test]
    fn the_redirect_page_goes_on_to_the_url_and_cannot_be_broken_out_of() {
        let url = "https://x.example/f?a=1&b=\"</script><x>";
        let page = redirect_page(url);
        insta::assert_snapshot!(page, @r#"
        <!doctype html>
        <meta charset="utf-8">
        <meta name="referrer" content="no-referrer">
        <meta http-equiv="refresh" content="0;url=https://x.example/f?a=1&amp;b=&quot;&lt;/script&gt;&lt;x&gt;">
        <title>awsfed console</title>
        <script>location.replace("https://x.example/f?a=1&b=\"\u003c/script>\u003cx>");</script>
        <p>Opening the AWS console&hellip; <a href="https://x.example/f?a=1&amp;b=&quot;&lt;/script&gt;&lt;x&gt;">continue</a>
        "#);
        assert!(!page.contains("</script><x>"), "{page}");
        assert_eq!(
            file_url(std::path::Path::new(
                "/run/user/1000/awsfed/console a%.html"
            )),
            "file:///run/user/1000/awsfed/console%20a%25.html"
        );
    }

    #[test]
    fn the_answer_holds_the_token() {
        assert_eq!(
            signin_token(r#"{"SigninToken":"abc"}"#),
            Ok("abc".to_owned())
        );
        assert!(signin_token("<html>").is_err());
    }
}
