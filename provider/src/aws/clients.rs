//! Service clients configured from the provider block.
//!
//! Settings come from, in order: the provider block (`region`, `profile`, `assume_role`,
//! `endpoints`, `max_retries`), then the standard AWS environment and shared config files, which
//! aws-config reads itself (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_<SERVICE>`, credentials chain, SSO).

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_credential_types::provider::SharedCredentialsProvider;

/// Attempts per AWS call when the provider block does not say (throttling and transient errors
/// are retried with exponential backoff and jitter).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// A role every call is made as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// What the clients are built from, beyond the standard AWS environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientConfig {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub assume_role: Option<AssumeRole>,
    /// Endpoint URL by service (`ec2`, `ecs`, `elbv2`...).
    pub endpoints: BTreeMap<String, String>,
    /// Retries of a failed call; `None`: `AWS_MAX_ATTEMPTS`, else the provider's default.
    pub max_retries: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no AWS region: set `region` in the provider block, or AWS_REGION, or a region in your AWS profile"
    )]
    NoRegion,
}

/// The partition of a region: `aws`, `aws-cn` or `aws-us-gov`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

impl Clients {
    pub async fn new(config: &ClientConfig) -> Result<Self, ConfigError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &config.profile {
            loader = loader.profile_name(profile);
        }
        // `max_retries` wins; without it, AWS_MAX_ATTEMPTS from the environment; else the
        // provider's default, higher than the SDK's 3 because the provider's calls are idempotent.
        let attempts = match config.max_retries {
            Some(n) => Some(u32::try_from(n.max(0)).unwrap_or(0) + 1),
            None if std::env::var_os("AWS_MAX_ATTEMPTS").is_some() => None,
            None => Some(DEFAULT_MAX_ATTEMPTS),
        };
        if let Some(attempts) = attempts {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(attempts));
        }
        let base = loader.load().await;
        let sdk = match &config.assume_role {
            Some(role) => {
                let mut provider = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
                    .session_name(
                        role.session_name
                            .clone()
                            .unwrap_or_else(|| "terraform-provider-ecsprod".to_owned()),
                    )
                    .configure(&base);
                if let Some(id) = &role.external_id {
                    provider = provider.external_id(id);
                }
                let credentials = provider.build().await;
                base.to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(credentials))
                    .build()
            }
            None => base,
        };
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or(ConfigError::NoRegion)?;
        let mut clients = Self::from_sdk(&sdk, region, &config.endpoints);
        clients.origin = Arc::new(Origin {
            credentials_source: credentials_source(config, |v| std::env::var(v).ok()),
            profile: config
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())),
            credentials: sdk.credentials_provider(),
            sts_endpoint: config
                .endpoints
                .get("sts")
                .cloned()
                .or_else(|| sdk.endpoint_url().map(str::to_owned)),
            account: tokio::sync::OnceCell::new(),
        });
        Ok(clients)
    }

    /// The same clients for calls that must answer quickly rather than eventually: at most
    /// `attempts` attempts, short backoff, each attempt bounded by `attempt_timeout`.
    pub fn quick(&self, attempts: u32, attempt_timeout: std::time::Duration) -> Self {
        let retry = RetryConfig::standard()
            .with_max_attempts(attempts)
            .with_initial_backoff(std::time::Duration::from_millis(200))
            .with_max_backoff(std::time::Duration::from_secs(2));
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(attempt_timeout)
            .build();
        self.with_policy(&retry, &timeouts)
    }
}

/// Where the clients' credentials come from, and whose they are.
#[derive(Debug, Default)]
pub struct Origin {
    /// In words, for error messages (see [`credentials_source`]).
    pub credentials_source: String,
    /// The named profile, when one is used.
    pub profile: Option<String>,
    pub credentials: Option<SharedCredentialsProvider>,
    /// The STS endpoint when one is configured (the provider block or AWS_ENDPOINT_URL).
    pub sts_endpoint: Option<String>,
    /// The credentials' account, once read.
    pub account: tokio::sync::OnceCell<String>,
}

/// Where the SDK's default chain takes the credentials from under `config` and the environment
/// (`env` reads a variable), in the chain's order, in words for error messages.
pub fn credentials_source(config: &ClientConfig, env: impl Fn(&str) -> Option<String>) -> String {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    let base = if set("AWS_ACCESS_KEY_ID").is_some() {
        "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".to_owned()
    } else if let Some(profile) = config.profile.clone().or_else(|| set("AWS_PROFILE")) {
        format!("profile {profile:?} (~/.aws/config and ~/.aws/credentials)")
    } else if set("AWS_WEB_IDENTITY_TOKEN_FILE").is_some() {
        "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)".to_owned()
    } else if set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || set("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    {
        "the container credentials endpoint".to_owned()
    } else {
        "the default chain: profile \"default\", then the instance metadata service".to_owned()
    };
    match &config.assume_role {
        Some(role) => format!("role {} assumed with {base}", role.role_arn),
        None => base,
    }
}

/// Declares the clients, one per service, and the two ways they are built: from the SDK
/// config with the provider block's endpoint for the service (by its key in `endpoints`), and
/// again from built clients with another retry and timeout policy.
macro_rules! clients {
    ($($field:ident: $krate:ident at $service:literal,)*) => {
        #[derive(Clone, Debug)]
        pub struct Clients {
            pub region: String,
            pub partition: String,
            /// Where the credentials come from, and their account once read (shared by every
            /// copy of these clients).
            pub origin: Arc<Origin>,
            /// The reads several resources make at once, gathered into batches.
            pub coalescer: Arc<super::coalesce::Coalescer>,
            $(pub $field: $krate::Client,)*
        }

        impl Clients {
            fn from_sdk(
                sdk: &aws_config::SdkConfig,
                region: String,
                endpoints: &BTreeMap<String, String>,
            ) -> Self {
                Self {
                    partition: partition_of(&region).to_owned(),
                    region,
                    origin: Arc::default(),
                    coalescer: Arc::default(),
                    $($field: {
                        use $krate::config::retry::{RetryPartition, TokenBucket};
                        // No shared retry quota: a call that AWS throttles is asked again
                        // until its attempts run out, however many others were throttled.
                        let partition = RetryPartition::custom($service)
                            .token_bucket(TokenBucket::unlimited())
                            .build();
                        let mut builder =
                            $krate::config::Builder::from(sdk).retry_partition(partition);
                        if let Some(url) = endpoints.get($service) {
                            builder = builder.endpoint_url(url);
                        }
                        $krate::Client::from_conf(builder.build())
                    },)*
                }
            }

            /// The same clients (region, credentials, endpoints, connections) with another
            /// retry and timeout policy.
            fn with_policy(&self, retry: &RetryConfig, timeouts: &TimeoutConfig) -> Self {
                Self {
                    region: self.region.clone(),
                    partition: self.partition.clone(),
                    origin: self.origin.clone(),
                    // Batches are read with one policy: these clients gather their own.
                    coalescer: Arc::default(),
                    $($field: $krate::Client::from_conf(
                        self.$field
                            .config()
                            .to_builder()
                            .retry_config(retry.clone())
                            .timeout_config(timeouts.clone())
                            .build(),
                    ),)*
                }
            }
        }
    };
}

clients! {
    ec2: aws_sdk_ec2 at "ec2",
    ecs: aws_sdk_ecs at "ecs",
    elbv2: aws_sdk_elasticloadbalancingv2 at "elbv2",
    autoscaling: aws_sdk_autoscaling at "autoscaling",
    iam: aws_sdk_iam at "iam",
    ssm: aws_sdk_ssm at "ssm",
    sts: aws_sdk_sts at "sts",
    logs: aws_sdk_cloudwatchlogs at "cloudwatchlogs",
    cloudwatch: aws_sdk_cloudwatch at "cloudwatch",
    appautoscaling: aws_sdk_applicationautoscaling at "applicationautoscaling",
    route53: aws_sdk_route53 at "route53",
    secretsmanager: aws_sdk_secretsmanager at "secretsmanager",
    kms: aws_sdk_kms at "kms",
    acm: aws_sdk_acm at "acm",
    cloudmap: aws_sdk_servicediscovery at "servicediscovery",
    scheduler: aws_sdk_scheduler at "scheduler",
    tagging: aws_sdk_resourcegroupstagging at "resourcegroupstaggingapi",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credentials_source_follows_the_default_chain_order() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let plain = ClientConfig::default();
        let keys = env(&[("AWS_ACCESS_KEY_ID", "AKIA"), ("AWS_PROFILE", "dev")]);
        assert!(credentials_source(&plain, keys).starts_with("environment variables"));
        let profile = env(&[("AWS_PROFILE", "dev")]);
        assert!(credentials_source(&plain, profile).starts_with("profile \"dev\""));
        let role = ClientConfig {
            assume_role: Some(AssumeRole {
                role_arn: "arn:aws:iam::1:role/r".into(),
                ..AssumeRole::default()
            }),
            ..ClientConfig::default()
        };
        assert!(
            credentials_source(&role, env(&[]))
                .starts_with("role arn:aws:iam::1:role/r assumed with the default chain")
        );
    }

    #[test]
    fn partitions_follow_the_region_prefix() {
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
    }
}
