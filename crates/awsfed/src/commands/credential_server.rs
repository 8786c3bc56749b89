//! The container credentials endpoint of `awsfed exec --server`: what ECS serves a task, on
//! 127.0.0.1, so a command outlives its first session.
//!
//! Every AWS SDK and the AWS CLI read `AWS_CONTAINER_CREDENTIALS_FULL_URI` (plain HTTP is allowed
//! to a loopback address) and send `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization`
//! header; the answer is `{"AccessKeyId","SecretAccessKey","Token","Expiration"}`, fetched again
//! before `Expiration` ("Container credential provider", AWS SDKs and Tools Reference Guide). Each
//! request signs in as `creds` does: a cached session with 15 minutes or more left is handed out,
//! a shorter one renewed (the spoke hop from the cached hub session, without the IdP). The token
//! keeps other local users and processes that cannot read the command's environment out.

use std::io::Read;

use awsfed_signin::Credentials;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::commands::print_stderr;
use crate::error::CommandError;

/// The endpoint's path; any other is 404.
const PATH: &str = "/credentials";

/// A running endpoint: where it listens and the token a request must carry.
pub struct CredentialServer {
    server: Server,
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for CredentialServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret.
        f.debug_struct("CredentialServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl CredentialServer {
    /// Listens on a free port of 127.0.0.1, with a fresh random token.
    pub fn start() -> Result<Self, CommandError> {
        let server = Server::http("127.0.0.1:0").map_err(|e| {
            CommandError::failed(format!(
                "cannot listen on 127.0.0.1 for the credentials server: {e}"
            ))
        })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| CommandError::failed("the credentials server has no port"))?;
        Ok(Self {
            server,
            url: format!("http://127.0.0.1:{port}{PATH}"),
            token: random_token()?,
        })
    }

    /// Answers requests on a thread of its own for as long as the process lives.
    pub fn serve<F>(self, mut credentials: F)
    where
        F: FnMut() -> Result<Credentials, CommandError> + Send + 'static,
    {
        std::thread::spawn(move || {
            for request in self.server.incoming_requests() {
                answer(request, &self.token, &mut credentials);
            }
        });
    }
}

fn answer(
    request: Request,
    token: &str,
    credentials: &mut dyn FnMut() -> Result<Credentials, CommandError>,
) {
    let (status, body) = if request.url() != PATH {
        (404, error_body("NotFound", "no such path"))
    } else if *request.method() != Method::Get {
        (405, error_body("MethodNotAllowed", "only GET"))
    } else {
        let given = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .map(|h| h.value.as_str().to_owned());
        match given {
            None => {
                print_stderr("awsfed: refused a credentials request without the token\n");
                (
                    401,
                    error_body("Unauthorized", "the Authorization header is missing"),
                )
            }
            Some(given) if !same(given.as_bytes(), token.as_bytes()) => {
                print_stderr("awsfed: refused a credentials request with a wrong token\n");
                (
                    403,
                    error_body("AccessDenied", "the Authorization token is wrong"),
                )
            }
            Some(_) => match credentials() {
                Ok(credentials) => (200, credentials.container_credentials_json()),
                Err(error) => {
                    print_stderr(&error.render());
                    (500, error_body("SignInFailed", &error.render()))
                }
            },
        }
    };
    let content_type =
        Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    let response = Response::from_string(body)
        .with_status_code(status)
        .with_header(content_type);
    // A client that went away needs no answer.
    let _ = request.respond(response);
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "Code": code, "Message": message }).to_string()
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 bytes from the kernel's random source, as hex.
pub(crate) fn random_token() -> Result<String, CommandError> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| {
            CommandError::failed(format!(
                "cannot read /dev/urandom for the server's token: {e}"
            ))
        })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
