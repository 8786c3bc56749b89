//! `awsfed console`: real sign-ins against moto behind the trust gate, and a local stand-in for the
//! AWS federation endpoint (a plain HTTP server on 127.0.0.1 that records each request and answers
//! as the IAM User Guide's "Enable custom identity broker access to the AWS console" documents:
//! `{"SigninToken": "…"}`). The stand-in is not AWS: it checks the request's format only.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::signin_support::{World, run};

/// The federation endpoint's stand-in: every request's `Host` header and target (path and query)
/// are recorded; `/federation` answers a sign-in token, anything else HTTP 400 as the real
/// endpoint does for a request it refuses.
pub struct Federation {
    pub url: String,
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

impl Federation {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        // The thread ends with the test binary; it holds nothing but the listener.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // Headers up to the blank line; a GET has no body.
                let mut header = String::new();
                let mut host = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("host")
                    {
                        host = value.trim().to_owned();
                    }
                    header.clear();
                }
                let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                let (status, body) = if target.starts_with("/federation?") {
                    let n = seen.lock().expect("lock").len();
                    ("200 OK", format!("{{\"SigninToken\":\"TOKEN-{n}/x+y\"}}"))
                } else {
                    ("400 Bad Request", "<html>Bad Request</html>".to_owned())
                };
                seen.lock().expect("lock").push((host, target));
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { url, requests }
    }

    pub fn endpoint(&self) -> String {
        format!("{}/federation", self.url)
    }

    /// How many requests came.
    pub fn count(&self) -> usize {
        self.requests.lock().expect("lock").len()
    }

    /// The `Host` request `index` was sent to: the sign-in endpoint awsfed meant.
    pub fn host(&self, index: usize) -> String {
        let requests = self.requests.lock().expect("lock");
        requests.get(index).expect("a request was made").0.clone()
    }

    /// The query parameters of request `index`, decoded.
    pub fn query(&self, index: usize) -> Vec<(String, String)> {
        let requests = self.requests.lock().expect("lock");
        let (_, target) = requests.get(index).expect("a request was made");
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
        query
            .split('&')
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key.to_owned(), decode(value))
            })
            .collect()
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

pub fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The `Session` parameter must be the JSON the guide shows, holding exactly the session's keys.
fn assert_session(query: &[(String, String)], credentials: &serde_json::Value) {
    let session: serde_json::Value =
        serde_json::from_str(param(query, "Session").expect("Session")).expect("Session JSON");
    assert_eq!(
        session,
        serde_json::json!({
            "sessionId": credentials["AccessKeyId"],
            "sessionKey": credentials["SecretAccessKey"],
            "sessionToken": credentials["SessionToken"],
        })
    );
}

/// Minutes left vary with the clock.
fn assert_minutes_snapshot(name: &str, text: &str) {
    insta::with_settings!({ filters => vec![(r"in \d+ min", "in [N] min")] }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn console_trades_the_session_for_a_login_url_with_aws_duration_rules() {
    let Some(world) = World::start("mixed") else {
        return;
    };
    let federation = Federation::start();
    let home = world.home("fay");
    let saml = world.saml("fay@example.com", &["web-developers"], true, &[]);
    let console = |args: &[&str]| {
        let mut command = world.awsfed(&home);
        command
            .env(
                awsfed_env::AWSFED_FEDERATION_ENDPOINT,
                federation.endpoint(),
            )
            .arg("console")
            .args(args);
        command
    };
    let creds = |target: &str| {
        let mut command = world.awsfed(&home);
        command.args(["creds", target]);
        let (code, stdout, stderr) = run(command);
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str::<serde_json::Value>(&stdout).expect("JSON")
    };

    // Direct (one SAML hop): SessionDuration is sent, here the one asked for.
    let mut direct = console(&[
        "prod-web/ReadOnly",
        "--print-url",
        "--duration",
        "2h",
        "--region",
        "eu-west-1",
    ]);
    direct.arg("--saml-file").arg(&saml);
    let (code, url, stderr) = run(direct);
    assert_eq!(code, 0, "{stderr}");
    let query = federation.query(0);
    assert_eq!(federation.host(0), "eu-west-1.signin.aws.amazon.com");
    assert_eq!(param(&query, "Action"), Some("getSigninToken"));
    assert_eq!(param(&query, "SessionDuration"), Some("7200"));
    assert_session(&query, &creds("prod-web/ReadOnly"));
    assert_eq!(
        url.trim_end(),
        "https://eu-west-1.signin.aws.amazon.com/federation?Action=login&Issuer=awsfed&Destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken=TOKEN-0%2Fx%2By"
    );
    insta::assert_snapshot!("console_print_url_direct", stderr);

    // Chained (hub-and-spoke): no SessionDuration, and asking for one is refused before any call.
    let (code, url, stderr) = run(console(&["dev-web/Admin", "--print-url"]));
    assert_eq!(code, 0, "{stderr}");
    let query = federation.query(1);
    assert_eq!(federation.host(1), "signin.aws.amazon.com");
    assert_eq!(param(&query, "SessionDuration"), None, "{query:?}");
    assert_session(&query, &creds("dev-web/Admin"));
    assert!(
        url.starts_with("https://signin.aws.amazon.com/federation?Action=login&")
            && url.contains("&SigninToken=TOKEN-1%2Fx%2By"),
        "{url}"
    );
    assert!(
        url.contains("&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&"),
        "{url}"
    );
    assert_minutes_snapshot("console_print_url_chained", &stderr);
    let (code, _, stderr) = run(console(&["dev-web/Admin", "--duration", "1h"]));
    assert_eq!(code, 2, "{stderr}");
    insta::assert_snapshot!("console_chained_duration", stderr);
    assert_eq!(federation.count(), 2);

    // Opening: the opener's command line (what `ps` shows every local user) holds the file:// URL
    // of a private page, never the token; the page forwards to the login URL, here through the
    // container add-on's URL; stderr never shows the token.
    let runtime = world.dir.path().join("runtime");
    std::fs::create_dir_all(runtime.join("awsfed")).expect("runtime dir");
    // A page an earlier run left, its token expired, is removed; other files stay.
    let expired = runtime.join("awsfed/awsfed-console-0123.html");
    let other = runtime.join("awsfed/notes.html");
    for path in [&expired, &other] {
        std::fs::write(path, "old").expect("old page");
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| {
                f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(1_200))
            })
            .expect("age the page");
    }
    let opened = world.dir.path().join("opened.txt");
    let opener = world.dir.path().join("opener.sh");
    std::fs::write(
        &opener,
        "#!/bin/sh\nout=$1; shift\ntr '\\0' ' ' < /proc/$$/cmdline > \"$out.cmdline\"\nprintf '%s' \"$1\" > \"$out\"\n",
    )
    .expect("opener");
    let open_with = format!("sh {} {}", opener.display(), opened.display());
    let mut open = console(&[
        "dev-web/Admin",
        "--open-with",
        &open_with,
        "--container",
        "dev web",
    ]);
    open.env("XDG_RUNTIME_DIR", &runtime);
    let (code, stdout, stderr) = run(open);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    let argument = std::fs::read_to_string(&opened).expect("the opener ran");
    let cmdline = std::fs::read_to_string(opened.with_extension("txt.cmdline")).expect("cmdline");
    let page_path = runtime.join("awsfed").join(
        argument
            .strip_prefix(&format!("file://{}/awsfed/", runtime.display()))
            .unwrap_or_else(|| panic!("a page in XDG_RUNTIME_DIR/awsfed: {argument}")),
    );
    assert!(cmdline.contains(&argument), "{cmdline}");
    assert!(
        !cmdline.contains("TOKEN") && !cmdline.contains("SigninToken"),
        "{cmdline}"
    );
    let mode = std::fs::metadata(&page_path).expect("page").permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    let dir_mode = std::fs::metadata(runtime.join("awsfed"))
        .expect("dir")
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&dir_mode) & 0o777,
        0o700
    );
    let page = std::fs::read_to_string(&page_path).expect("page");
    assert!(
        page.contains(
            "location.replace(\"ext+container:name=dev%20web&url=https%3A%2F%2Fsignin.aws.amazon.com%2Ffederation%3FAction%3Dlogin"
        ),
        "{page}"
    );
    assert!(page.contains("TOKEN-2"), "{page}");
    assert!(!stderr.contains("TOKEN"), "{stderr}");
    assert!(!expired.exists() && other.exists());
    std::fs::remove_file(&other).expect("remove");
    assert_minutes_snapshot("console_opened", &stderr);

    // --url-argument hands the opener the login URL itself, as asked.
    let mut open = console(&["dev-web/Admin", "--open-with", &open_with, "--url-argument"]);
    open.env("XDG_RUNTIME_DIR", &runtime);
    let (code, _, stderr) = run(open);
    assert_eq!(code, 0, "{stderr}");
    let argument = std::fs::read_to_string(&opened).expect("the opener ran");
    assert!(argument.contains("&SigninToken=TOKEN-3"), "{argument}");
    assert_eq!(
        std::fs::read_dir(runtime.join("awsfed"))
            .expect("pages")
            .count(),
        1
    );

    // An endpoint that refuses: the error names the endpoint, never the session's keys.
    let mut refused = world.awsfed(&home);
    refused
        .env(
            awsfed_env::AWSFED_FEDERATION_ENDPOINT,
            format!("{}/refuse", federation.url),
        )
        .args(["console", "dev-web/Admin", "--print-url"]);
    let (code, stdout, stderr) = run(refused);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    let secret = creds("dev-web/Admin")["SecretAccessKey"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert!(!stderr.contains(&secret) && !stderr.contains("Session="));
    insta::assert_snapshot!(
        "console_endpoint_refuses",
        stderr.replace(&federation.url, "http://127.0.0.1:[PORT]")
    );
}
