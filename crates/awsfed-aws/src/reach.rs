//! Reaching every account: the caller's own account with its own credentials, every other account
//! by assuming the bootstrap role there (`OrganizationAccountAccessRole` by default, which AWS
//! Organizations creates in accounts it creates; "Accessing member accounts", AWS Organizations
//! User Guide).
//!
//! Each account gets its own IAM client with its own retry partition and adaptive retry mode
//! ("Retry behavior", AWS SDKs and Tools Reference Guide): the token bucket and the client-side rate
//! limiter are per partition, so one throttled account slows only itself.

use std::time::Duration;

use aws_sdk_iam::config::retry::{RetryConfig, RetryPartition};
use aws_sdk_sts::config::Credentials;

use crate::{AwsError, Connection};

/// How to reach member accounts.
#[derive(Debug, Clone)]
pub struct ReachOptions {
    /// The role assumed in each member account.
    pub bootstrap_role: String,
    pub external_id: Option<String>,
    /// SDK attempts per call (adaptive retry mode).
    pub max_attempts: u32,
}

impl Default for ReachOptions {
    fn default() -> Self {
        Self {
            bootstrap_role: "OrganizationAccountAccessRole".to_owned(),
            external_id: None,
            max_attempts: 10,
        }
    }
}

/// Who the caller is (`sts:GetCallerIdentity`).
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub arn: String,
}

impl Caller {
    /// `ACCOUNT/ROLE-NAME` when the caller is a role session: the role `apply` must never delete.
    pub fn role(&self) -> Option<String> {
        let rest = self.arn.split_once(":assumed-role/")?.1;
        let name = rest.split('/').next()?;
        Some(format!("{}/{name}", self.account_id))
    }
}

pub async fn caller(connection: &Connection) -> Result<Caller, AwsError> {
    let sts = aws_sdk_sts::Client::new(&connection.config);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::call("sts:GetCallerIdentity", &e))?;
    Ok(Caller {
        account_id: identity.account().unwrap_or_default().to_owned(),
        arn: identity.arn().unwrap_or_default().to_owned(),
    })
}

/// The retry settings of every awsfed client.
pub fn retry_config(max_attempts: u32) -> RetryConfig {
    RetryConfig::adaptive()
        .with_max_attempts(max_attempts.max(1))
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_secs(5))
}

/// An IAM client acting in one account.
pub async fn iam_client(
    connection: &Connection,
    caller: &Caller,
    account_id: &str,
    options: &ReachOptions,
) -> Result<aws_sdk_iam::Client, AwsError> {
    let mut builder = aws_sdk_iam::config::Builder::from(&connection.config)
        .retry_config(retry_config(options.max_attempts))
        .retry_partition(RetryPartition::new(format!("awsfed-iam-{account_id}")));
    if account_id != caller.account_id {
        builder = builder.credentials_provider(assume(connection, account_id, options).await?);
    }
    Ok(aws_sdk_iam::Client::from_conf(builder.build()))
}

pub(crate) async fn assume(
    connection: &Connection,
    account_id: &str,
    options: &ReachOptions,
) -> Result<Credentials, AwsError> {
    let config = aws_sdk_sts::config::Builder::from(&connection.config)
        .retry_config(retry_config(options.max_attempts))
        .retry_partition(aws_sdk_sts::config::retry::RetryPartition::new(format!(
            "awsfed-sts-{account_id}"
        )))
        .build();
    let sts = aws_sdk_sts::Client::from_conf(config);
    let role_arn = format!(
        "arn:{}:iam::{account_id}:role/{}",
        connection.partition, options.bootstrap_role
    );
    let mut request = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("awsfed")
        .duration_seconds(3600);
    if let Some(external_id) = &options.external_id {
        request = request.external_id(external_id);
    }
    let output = request
        .send()
        .await
        .map_err(|e| match AwsError::call("sts:AssumeRole", &e) {
            AwsError::Call { code, message, .. } => AwsError::Call {
                operation: format!("sts:AssumeRole {role_arn}"),
                code,
                message,
            },
            other => other,
        })?;
    let credentials = output.credentials().ok_or_else(|| AwsError::Unreadable {
        operation: "sts:AssumeRole".to_owned(),
        what: "no credentials".to_owned(),
    })?;
    Ok(Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        None,
        "awsfed-bootstrap-role",
    ))
}
