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

/// Attempts per AWS call when the provider block does not say (throttling and transient errors
/// are retried with exponential backoff and jitter).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

#[derive(Clone, Debug)]
pub struct Clients {
    pub region: String,
    pub partition: String,
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub iam: aws_sdk_iam::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub appautoscaling: aws_sdk_applicationautoscaling::Client,
    pub route53: aws_sdk_route53::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub kms: aws_sdk_kms::Client,
    pub acm: aws_sdk_acm::Client,
}

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
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
                    )
                    .build()
            }
            None => base,
        };
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or(ConfigError::NoRegion)?;
        let endpoint = |service: &str| config.endpoints.get(service).cloned();
        Ok(Self {
            partition: partition_of(&region).to_owned(),
            region,
            ec2: aws_sdk_ec2::Client::from_conf(with_endpoint(
                aws_sdk_ec2::config::Builder::from(&sdk),
                endpoint("ec2"),
                |b, u| b.endpoint_url(u),
            )),
            ecs: aws_sdk_ecs::Client::from_conf(with_endpoint(
                aws_sdk_ecs::config::Builder::from(&sdk),
                endpoint("ecs"),
                |b, u| b.endpoint_url(u),
            )),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(with_endpoint(
                aws_sdk_elasticloadbalancingv2::config::Builder::from(&sdk),
                endpoint("elbv2"),
                |b, u| b.endpoint_url(u),
            )),
            autoscaling: aws_sdk_autoscaling::Client::from_conf(with_endpoint(
                aws_sdk_autoscaling::config::Builder::from(&sdk),
                endpoint("autoscaling"),
                |b, u| b.endpoint_url(u),
            )),
            iam: aws_sdk_iam::Client::from_conf(with_endpoint(
                aws_sdk_iam::config::Builder::from(&sdk),
                endpoint("iam"),
                |b, u| b.endpoint_url(u),
            )),
            ssm: aws_sdk_ssm::Client::from_conf(with_endpoint(
                aws_sdk_ssm::config::Builder::from(&sdk),
                endpoint("ssm"),
                |b, u| b.endpoint_url(u),
            )),
            sts: aws_sdk_sts::Client::from_conf(with_endpoint(
                aws_sdk_sts::config::Builder::from(&sdk),
                endpoint("sts"),
                |b, u| b.endpoint_url(u),
            )),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(with_endpoint(
                aws_sdk_cloudwatchlogs::config::Builder::from(&sdk),
                endpoint("cloudwatchlogs"),
                |b, u| b.endpoint_url(u),
            )),
            appautoscaling: aws_sdk_applicationautoscaling::Client::from_conf(with_endpoint(
                aws_sdk_applicationautoscaling::config::Builder::from(&sdk),
                endpoint("applicationautoscaling"),
                |b, u| b.endpoint_url(u),
            )),
            route53: aws_sdk_route53::Client::from_conf(with_endpoint(
                aws_sdk_route53::config::Builder::from(&sdk),
                endpoint("route53"),
                |b, u| b.endpoint_url(u),
            )),
            secretsmanager: aws_sdk_secretsmanager::Client::from_conf(with_endpoint(
                aws_sdk_secretsmanager::config::Builder::from(&sdk),
                endpoint("secretsmanager"),
                |b, u| b.endpoint_url(u),
            )),
            kms: aws_sdk_kms::Client::from_conf(with_endpoint(
                aws_sdk_kms::config::Builder::from(&sdk),
                endpoint("kms"),
                |b, u| b.endpoint_url(u),
            )),
            acm: aws_sdk_acm::Client::from_conf(with_endpoint(
                aws_sdk_acm::config::Builder::from(&sdk),
                endpoint("acm"),
                |b, u| b.endpoint_url(u),
            )),
        })
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

    /// The same clients (region, credentials, endpoints, connections) with another retry and
    /// timeout policy.
    fn with_policy(&self, retry: &RetryConfig, timeouts: &TimeoutConfig) -> Self {
        macro_rules! rebuilt {
            ($krate:ident, $field:ident) => {
                $krate::Client::from_conf(
                    self.$field
                        .config()
                        .to_builder()
                        .retry_config(retry.clone())
                        .timeout_config(timeouts.clone())
                        .build(),
                )
            };
        }
        Self {
            region: self.region.clone(),
            partition: self.partition.clone(),
            ec2: rebuilt!(aws_sdk_ec2, ec2),
            ecs: rebuilt!(aws_sdk_ecs, ecs),
            elbv2: rebuilt!(aws_sdk_elasticloadbalancingv2, elbv2),
            autoscaling: rebuilt!(aws_sdk_autoscaling, autoscaling),
            iam: rebuilt!(aws_sdk_iam, iam),
            ssm: rebuilt!(aws_sdk_ssm, ssm),
            sts: rebuilt!(aws_sdk_sts, sts),
            logs: rebuilt!(aws_sdk_cloudwatchlogs, logs),
            appautoscaling: rebuilt!(aws_sdk_applicationautoscaling, appautoscaling),
            route53: rebuilt!(aws_sdk_route53, route53),
            secretsmanager: rebuilt!(aws_sdk_secretsmanager, secretsmanager),
            kms: rebuilt!(aws_sdk_kms, kms),
            acm: rebuilt!(aws_sdk_acm, acm),
        }
    }
}

/// Applies a provider-block endpoint override to a service config builder.
fn with_endpoint<B, C>(builder: B, url: Option<String>, set: impl FnOnce(B, String) -> B) -> C
where
    B: Buildable<C>,
{
    match url {
        Some(u) => set(builder, u).build_config(),
        None => builder.build_config(),
    }
}

/// The SDK config builders share no trait for `build`; this one lets `with_endpoint` stay
/// generic.
pub trait Buildable<C> {
    fn build_config(self) -> C;
}

macro_rules! buildable {
    ($($krate:ident),*) => {
        $(impl Buildable<$krate::Config> for $krate::config::Builder {
            fn build_config(self) -> $krate::Config {
                self.build()
            }
        })*
    };
}

buildable!(
    aws_sdk_ec2,
    aws_sdk_ecs,
    aws_sdk_elasticloadbalancingv2,
    aws_sdk_autoscaling,
    aws_sdk_iam,
    aws_sdk_ssm,
    aws_sdk_sts,
    aws_sdk_cloudwatchlogs,
    aws_sdk_applicationautoscaling,
    aws_sdk_route53,
    aws_sdk_secretsmanager,
    aws_sdk_kms,
    aws_sdk_acm
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region_prefix() {
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
    }
}
