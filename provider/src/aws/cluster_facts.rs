//! The cluster a service runs on, as the service needs it: the account, the load balancer's VPC,
//! DNS name and zone, the HTTPS listener services add their rules to, and the capacity provider
//! of the cluster's default strategy.

use super::listener::listeners;
use super::load_balancer;
use super::retry::AwsError;
use super::unit::read_each;
use super::{Clients, ecs_cluster};
use crate::blueprint::cluster::{HTTPS_PORT, names};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFacts {
    pub arn: String,
    pub account_id: String,
    pub capacity_provider: String,
    /// The key that encrypts ECS Exec sessions in the cluster's tasks.
    pub execute_command_kms_key_arn: Option<String>,
    /// The ARN of the cluster's Service Connect namespace, when it has one.
    pub service_connect_namespace: Option<String>,
    /// The load balancer and its HTTPS listener, when they exist.
    pub load_balancer: Option<ClusterLoadBalancer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterLoadBalancer {
    pub arn: String,
    pub vpc_id: String,
    pub dns_name: String,
    pub zone_id: String,
    pub https_listener_arn: Option<String>,
}

async fn describe(c: &Clients, cluster: &str) -> Result<Option<ClusterFacts>, AwsError> {
    let n = names(cluster);
    let (ecs, lb) = tokio::try_join!(
        ecs_cluster::describe(c, cluster),
        load_balancer::describe(c, &n.load_balancer)
    )?;
    let Some(ecs) = ecs else {
        return Ok(None);
    };
    let load_balancer = match lb {
        Some(lb) => Some(ClusterLoadBalancer {
            https_listener_arn: listeners(c, &lb.arn)
                .await?
                .into_iter()
                .find(|l| l.port == HTTPS_PORT)
                .map(|l| l.arn),
            arn: lb.arn,
            vpc_id: lb.vpc_id,
            dns_name: lb.dns_name,
            zone_id: lb.zone_id,
        }),
        None => None,
    };
    Ok(Some(ClusterFacts {
        arn: ecs.arn.clone(),
        account_id: ecs.arn.split(':').nth(4).unwrap_or_default().to_owned(),
        capacity_provider: ecs
            .default_strategy
            .first()
            .cloned()
            .unwrap_or(n.capacity_provider),
        execute_command_kms_key_arn: ecs.execute_command.and_then(|e| e.kms_key_arn),
        service_connect_namespace: ecs.service_connect_namespace,
        load_balancer,
    }))
}

/// The cluster a service runs on, by name.
pub struct ServiceCluster;

read_each! {
    ServiceCluster: "cluster", String => ClusterFacts,
    gathers: true,
    |env, k| describe(env.c(), k)
}
