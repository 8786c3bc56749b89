use aws_config::{BehaviorVersion, Region};

/// The SDK behaviour version, chosen in exactly this one place.
pub const BEHAVIOR_VERSION: fn() -> BehaviorVersion = BehaviorVersion::v2026_01_12;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// A profile from `~/.aws/config`; the standard chain when `None`.
    pub profile: Option<String>,
    /// A local endpoint (moto) for every service; `AWS_ENDPOINT_URL` is honoured by the SDK itself.
    pub endpoint_url: Option<String>,
    /// Region of regional calls; IAM and Organizations always use us-east-1.
    pub region: Option<String>,
}

/// The loaded SDK configuration for the caller's own credentials.
#[derive(Debug, Clone)]
pub struct Connection {
    pub config: aws_config::SdkConfig,
    /// The partition of every ARN awsfed builds (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
}

/// Loads the standard credential chain (environment, profiles, SSO cache, credential_process).
pub async fn connect(options: &ConnectOptions) -> Connection {
    let mut loader = aws_config::defaults(BEHAVIOR_VERSION()).region(Region::new(
        options
            .region
            .clone()
            .unwrap_or_else(|| "us-east-1".to_owned()),
    ));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    Connection {
        config: loader.load().await,
        partition: "aws".to_owned(),
    }
}
