//! STS for sign-in: `AssumeRoleWithSAML` (hop 1, unsigned: the assertion is the credential),
//! `AssumeRole` from a previous hop's session (hop 2) and `GetCallerIdentity`; for IAM users,
//! `GetCallerIdentity` and `GetSessionToken` with their long-term keys.
//!
//! Long-term keys come from the environment (`AWS_ACCESS_KEY_ID`…), else from one profile of the
//! shared files (`~/.aws/credentials`, `~/.aws/config`, with whatever the profile configures, a
//! `credential_process` included): the standard chain's first two providers ("Standardized
//! credential providers", AWS SDKs and Tools Reference Guide). The profile is named by the caller,
//! never taken from `AWS_PROFILE`, which names the awsfed profile that is asking when the AWS CLI
//! runs `credential_process`. Containers and instance metadata give no IAM user's keys and are
//! not asked. awsfed only reads the keys, and sends them nowhere but to STS.
//!
//! The client is built by hand instead of from the default credential chain: sign-in must not
//! look for credentials it does not use (IMDS probes cost seconds off EC2), and `credential_process`
//! is called on every AWS CLI invocation. `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL` point it at
//! a local endpoint; the region is `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1 (STS's
//! regional endpoints all accept any account's roles).

use std::time::Duration;

use aws_config::Region;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::config::ProvideCredentials;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use awsfed_signin::{
    AssumeRoleRequest, Credentials, SamlHopRequest, SessionTokenRequest, Sts, StsError,
};

use crate::connect::BEHAVIOR_VERSION;

/// The real STS, behind [`awsfed_signin::Sts`].
#[derive(Debug)]
pub struct SigninSts {
    runtime: tokio::runtime::Runtime,
    config: aws_sdk_sts::Config,
    /// The profile of the long-term keys when the environment has none.
    source_profile: String,
    /// The long-term keys, read once.
    long_term: std::cell::OnceCell<Result<aws_sdk_sts::config::Credentials, StsError>>,
}

/// The profile of an IAM user's long-term keys when none is named.
pub const DEFAULT_SOURCE_PROFILE: &str = "default";

/// Who a session is (`sts:GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl SigninSts {
    pub fn from_env() -> Result<Self, StsError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| other(format!("cannot start the async runtime: {e}")))?;
        let region = env(awsfed_env::AWS_REGION)
            .or_else(|| env(awsfed_env::AWS_DEFAULT_REGION))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let mut builder = aws_sdk_sts::Config::builder()
            .behavior_version(BEHAVIOR_VERSION())
            .region(Region::new(region))
            // A sign-in that cannot reach STS must fail, not hang a credential_process caller.
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_timeout(Duration::from_secs(30))
                    .build(),
            );
        if let Some(endpoint) =
            env(awsfed_env::AWS_ENDPOINT_URL_STS).or_else(|| env(awsfed_env::AWS_ENDPOINT_URL))
        {
            builder = builder.endpoint_url(endpoint);
        }
        Ok(Self {
            runtime,
            config: builder.build(),
            source_profile: DEFAULT_SOURCE_PROFILE.to_owned(),
            long_term: std::cell::OnceCell::new(),
        })
    }

    /// Reads long-term keys from `profile` when the environment has none.
    pub fn with_source_profile(mut self, profile: &str) -> Self {
        profile.clone_into(&mut self.source_profile);
        self
    }

    /// A client signing with the long-term keys of the environment or the source profile.
    fn long_term_client(&self) -> Result<aws_sdk_sts::Client, StsError> {
        let keys = self.long_term.get_or_init(|| {
            let chain = CredentialsProviderChain::first_try(
                "Environment",
                EnvironmentVariableCredentialsProvider::new(),
            )
            .or_else(
                "Profile",
                ProfileFileCredentialsProvider::builder()
                    .profile_name(&self.source_profile)
                    .build(),
            );
            self.runtime
                .block_on(chain.provide_credentials())
                .map_err(|e| match e {
                    CredentialsError::CredentialsNotLoaded(_) => other(format!(
                        "there are none in the environment (AWS_ACCESS_KEY_ID) nor in the profile `{}`",
                        self.source_profile
                    )),
                    // A profile that is there but broken (a failing credential_process, a bad
                    // file): its own story.
                    e => other(format!(
                        "the profile `{}`: {}",
                        self.source_profile,
                        DisplayErrorContext(&e)
                    )),
                })
        });
        let keys = keys.as_ref().map_err(Clone::clone)?.clone();
        let config = self.config.to_builder().credentials_provider(keys);
        Ok(aws_sdk_sts::Client::from_conf(config.build()))
    }

    fn client_as(&self, source: Option<&Credentials>) -> aws_sdk_sts::Client {
        let mut config = self.config.to_builder();
        if let Some(source) = source {
            config = config.credentials_provider(aws_sdk_sts::config::Credentials::new(
                source.access_key_id.clone(),
                source.secret_access_key.clone(),
                Some(source.session_token.clone()),
                None,
                "awsfed-signin",
            ));
        }
        aws_sdk_sts::Client::from_conf(config.build())
    }

    pub fn caller_identity(&self, credentials: &Credentials) -> Result<CallerIdentity, StsError> {
        let client = self.client_as(Some(credentials));
        let output = self
            .runtime
            .block_on(client.get_caller_identity().send())
            .map_err(sts_error)?;
        Ok(CallerIdentity {
            account: output.account().unwrap_or_default().to_owned(),
            arn: output.arn().unwrap_or_default().to_owned(),
            user_id: output.user_id().unwrap_or_default().to_owned(),
        })
    }
}

impl Sts for SigninSts {
    fn assume_role_with_saml(&self, request: &SamlHopRequest<'_>) -> Result<Credentials, StsError> {
        let client = self.client_as(None);
        let call = client
            .assume_role_with_saml()
            .role_arn(request.role_arn)
            .principal_arn(request.provider_arn)
            .saml_assertion(request.saml_assertion)
            .duration_seconds(i32::try_from(request.duration_seconds).unwrap_or(i32::MAX));
        let output = self.runtime.block_on(call.send()).map_err(sts_error)?;
        credentials(output.credentials())
    }

    fn assume_role(
        &self,
        source: &Credentials,
        request: &AssumeRoleRequest<'_>,
    ) -> Result<Credentials, StsError> {
        let client = self.client_as(Some(source));
        let mut call = client
            .assume_role()
            .role_arn(request.role_arn)
            .role_session_name(request.role_session_name)
            .duration_seconds(i32::try_from(request.duration_seconds).unwrap_or(i32::MAX));
        if let Some(source_identity) = request.source_identity {
            call = call.source_identity(source_identity);
        }
        let output = self.runtime.block_on(call.send()).map_err(sts_error)?;
        credentials(output.credentials())
    }

    fn long_term_identity(&self) -> Result<String, StsError> {
        let client = self.long_term_client()?;
        let output = self
            .runtime
            .block_on(client.get_caller_identity().send())
            .map_err(sts_error)?;
        Ok(output.arn().unwrap_or_default().to_owned())
    }

    fn session_token(&self, request: &SessionTokenRequest<'_>) -> Result<Credentials, StsError> {
        let client = self.long_term_client()?;
        let mut call = client
            .get_session_token()
            .duration_seconds(i32::try_from(request.duration_seconds).unwrap_or(i32::MAX));
        if let Some((serial, code)) = request.mfa {
            call = call.serial_number(serial).token_code(code);
        }
        let output = self.runtime.block_on(call.send()).map_err(sts_error)?;
        credentials(output.credentials())
    }
}

fn credentials(
    credentials: Option<&aws_sdk_sts::types::Credentials>,
) -> Result<Credentials, StsError> {
    let credentials =
        credentials.ok_or_else(|| other("STS answered without credentials".to_owned()))?;
    Ok(Credentials {
        access_key_id: credentials.access_key_id().to_owned(),
        secret_access_key: credentials.secret_access_key().to_owned(),
        session_token: credentials.session_token().to_owned(),
        expiration: credentials.expiration().secs(),
    })
}

fn other(message: String) -> StsError {
    StsError::classify("Error", &message)
}

/// STS's error code and message when it answered; the transport's story when it did not.
fn sts_error<E, R>(error: SdkError<E, R>) -> StsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            StsError::classify(
                inner.code().unwrap_or("Unknown"),
                inner.message().unwrap_or("no message"),
            )
        }
        _ => other(format!("cannot reach STS: {}", DisplayErrorContext(&error))),
    }
}
