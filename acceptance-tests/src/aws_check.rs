//! Reading the emulator's objects through the AWS SDK, for assertions: one method of [`Aws`] per
//! object a test inspects, returning what AWS says about it (a missing object is a panic naming
//! it), and small functions that put what a test compares into plain values (tags as maps,
//! sorted names).

use crate::emulator::Emulator;

pub(crate) mod capacity;
mod census;
mod iam;
mod leftovers;
mod load_balancing;
pub(crate) mod network;
mod service;

pub use capacity::{
    cluster_tags, group_instance_types, group_subnets, group_tags, instance_tags, user_data,
};
pub use census::{Count, census, duplicates, missing};
pub use iam::percent_decode;
pub use leftovers::service_leftovers;
pub use load_balancing::{forwarded_target_groups, host_headers};

/// The SDK clients the tests read and change AWS with, all on one endpoint.
pub struct Aws {
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub iam: aws_sdk_iam::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub acm: aws_sdk_acm::Client,
    pub kms: aws_sdk_kms::Client,
    pub route53: aws_sdk_route53::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub scaling: aws_sdk_applicationautoscaling::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub cloudmap: aws_sdk_servicediscovery::Client,
    pub scheduler: aws_sdk_scheduler::Client,
}

impl Aws {
    pub async fn new(emulator: &Emulator) -> Self {
        Self::from_config(&emulator.sdk_config().await)
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Self {
        Self {
            ec2: aws_sdk_ec2::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            autoscaling: aws_sdk_autoscaling::Client::new(config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(config),
            acm: aws_sdk_acm::Client::new(config),
            kms: aws_sdk_kms::Client::new(config),
            route53: aws_sdk_route53::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            scaling: aws_sdk_applicationautoscaling::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
            cloudmap: aws_sdk_servicediscovery::Client::new(config),
            scheduler: aws_sdk_scheduler::Client::new(config),
        }
    }
}

/// Key-value pairs as a map, leaving out pairs without a key or a value.
pub fn tag_map<'a>(
    pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> std::collections::BTreeMap<String, String> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k?.to_owned(), v?.to_owned())))
        .collect()
}
