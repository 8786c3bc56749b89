//! The federation endpoint's `getSigninToken` call, the one request `awsfed console` makes
//! ("Enable custom identity broker access to the AWS console", IAM User Guide; the URLs are built
//! in `awsfed_signin::console`).
//!
//! The request goes through the SDK's own HTTP client (`aws-smithy-http-client`'s default
//! connector, the one the STS client already uses), called directly: no second HTTP stack, and the
//! SDK crates keep the feature set they have. The URL carries the session's secret, so no error
//! message here quotes it.

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;

/// A sign-in token request that cannot reach the endpoint must fail, not hang.
const FEDERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the federation endpoint gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FederationError {
    #[error("cannot reach the federation endpoint {endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },
    #[error("the federation endpoint {endpoint} answered HTTP {status}: {body}")]
    Status {
        endpoint: String,
        status: u16,
        body: String,
    },
}

/// GETs `url` (a `getSigninToken` request to `endpoint`) and returns the answer's body.
/// `endpoint` is what error messages name: the URL itself holds the session's keys. `host`, when
/// given, is sent as the `Host` header instead of the URL's: the request then reaches the URL's
/// server as one meant for that host (a local stand-in for a Region's sign-in endpoint).
pub fn get_signin_token_answer(
    endpoint: &str,
    url: &str,
    host: Option<&str>,
) -> Result<String, FederationError> {
    let unreachable = |reason: String| FederationError::Unreachable {
        endpoint: endpoint.to_owned(),
        reason,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| unreachable(format!("cannot start the async runtime: {e}")))?;
    let connector =
        aws_smithy_http_client::default_connector(&HttpConnectorSettings::default(), None)
            .ok_or_else(|| unreachable("no HTTPS client is built in".to_owned()))?;
    // The URL is not echoed: an invalid one would carry the keys into the message.
    let mut request =
        HttpRequest::get(url).map_err(|_| unreachable("the request URL is invalid".to_owned()))?;
    if let Some(host) = host {
        request.headers_mut().insert("host", host.to_owned());
    }
    runtime.block_on(async {
        let call = async {
            let response = connector
                .call(request)
                .await
                .map_err(|e| unreachable(error_chain(&e)))?;
            let status = response.status().as_u16();
            let body = ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| unreachable(error_chain(&e)))?
                .into_bytes();
            let body = String::from_utf8_lossy(&body).into_owned();
            if status != 200 {
                return Err(FederationError::Status {
                    endpoint: endpoint.to_owned(),
                    status,
                    body: body.chars().take(200).collect(),
                });
            }
            Ok(body)
        };
        tokio::time::timeout(FEDERATION_TIMEOUT, call)
            .await
            .unwrap_or_else(|_| {
                Err(unreachable(format!(
                    "no answer within {} s",
                    FEDERATION_TIMEOUT.as_secs()
                )))
            })
    })
}

/// The error and its causes, innermost last. Connector errors name the host, never the query.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
