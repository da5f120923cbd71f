//! What one `ecsprod_cluster` consists of: the desired value of every object it owns.

mod architecture;
mod compute;
mod network;

use std::collections::BTreeMap;

use serde_json::json;

use super::OWNER_TAG;
use super::logs::LogGroupSpec;
use super::role::{InstanceProfileSpec, OtherPolicies, RoleSpec};
pub use architecture::*;
pub use compute::*;
pub use network::*;

/// Everything the blueprint needs, with defaults applied and values known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInput {
    pub name: String,
    pub vpc_id: String,
    pub public_subnet_ids: Vec<String>,
    pub private_subnet_ids: Vec<String>,
    pub certificate_arn: String,
    pub ssl_policy: String,
    pub instance_types: Vec<String>,
    pub min_size: i32,
    pub max_size: i32,
    pub on_demand_base_capacity: i32,
    pub on_demand_percentage_above_base: i32,
    pub spot_allocation_strategy: String,
    pub target_capacity: i32,
    /// Empty when the region's recommended ECS-optimized AMI is to be used.
    pub ami_id: String,
    pub root_volume_size: i32,
    pub ebs_kms_key_id: Option<String>,
    pub container_insights: bool,
    /// Days the ECS Exec session logs are kept.
    pub execute_command_log_retention_days: i32,
    /// The KMS key that encrypts ECS Exec sessions and their logs.
    pub execute_command_kms_key_arn: Option<String>,
    /// The Cloud Map namespace where the cluster's services publish themselves and find each
    /// other with Service Connect.
    pub service_connect_namespace: String,
    pub deletion_protection: bool,
    /// The provider's default tags merged with the resource's tags.
    pub tags: BTreeMap<String, String>,
}

/// Physical names of the cluster's objects, all derived from the cluster name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub cluster: String,
    pub instance_role: String,
    pub instance_profile: String,
    pub alb_security_group: String,
    pub instance_security_group: String,
    pub launch_template: String,
    pub auto_scaling_group: String,
    pub capacity_provider: String,
    pub load_balancer: String,
    /// The log group of the ECS Exec sessions in the cluster's tasks. Outside `/ecs/<cluster>/`,
    /// where the services' groups are named after them.
    pub execute_command_log_group: String,
}

pub fn names(cluster: &str) -> Names {
    Names {
        cluster: cluster.to_owned(),
        instance_role: format!("{cluster}-ecs-instance"),
        instance_profile: format!("{cluster}-ecs-instance"),
        alb_security_group: format!("{cluster}-alb"),
        instance_security_group: format!("{cluster}-instances"),
        launch_template: format!("{cluster}-instances"),
        auto_scaling_group: format!("{cluster}-instances"),
        capacity_provider: format!("{cluster}-capacity"),
        load_balancer: format!("{cluster}-alb"),
        execute_command_log_group: format!("/ecs-exec/{cluster}"),
    }
}

/// Tags on every object: the user's tags plus the ownership tag.
pub fn tags(input: &ClusterInput) -> BTreeMap<String, String> {
    let mut tags = input.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), input.name.clone());
    tags
}

/// The tags of an object that also carries a `Name` tag.
pub fn named_tags(input: &ClusterInput, name: &str) -> BTreeMap<String, String> {
    let mut tags = tags(input);
    tags.insert("Name".into(), name.to_owned());
    tags
}

/// Where ECS Exec sessions in the cluster's tasks are logged, and the key that encrypts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteCommandSpec {
    pub log_group: String,
    pub kms_key_arn: Option<String>,
}

/// The ECS cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsClusterSpec {
    pub name: String,
    pub container_insights: bool,
    pub execute_command: ExecuteCommandSpec,
    /// The ARN of the Service Connect namespace new services default to.
    pub service_connect_namespace: String,
    pub tags: BTreeMap<String, String>,
}

pub fn ecs_cluster(input: &ClusterInput, namespace_arn: &str) -> EcsClusterSpec {
    EcsClusterSpec {
        name: input.name.clone(),
        container_insights: input.container_insights,
        service_connect_namespace: namespace_arn.to_owned(),
        execute_command: ExecuteCommandSpec {
            log_group: names(&input.name).execute_command_log_group,
            kms_key_arn: input.execute_command_kms_key_arn.clone(),
        },
        tags: tags(input),
    }
}

/// The Cloud Map HTTP namespace of Service Connect: API calls only, no DNS zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceSpec {
    pub description: String,
    pub tags: BTreeMap<String, String>,
}

pub fn service_connect_namespace(input: &ClusterInput) -> NamespaceSpec {
    NamespaceSpec {
        description: format!("Service Connect namespace of ECS cluster {}", input.name),
        tags: tags(input),
    }
}

/// The log group of the ECS Exec sessions, encrypted with the Exec key when there is one.
pub fn execute_command_log_group(input: &ClusterInput) -> LogGroupSpec {
    LogGroupSpec {
        name: names(&input.name).execute_command_log_group,
        retention_days: input.execute_command_log_retention_days,
        kms_key_id: Some(input.execute_command_kms_key_arn.clone()),
        tags: tags(input),
    }
}

/// The cluster's default capacity provider strategy: every task on the one capacity provider.
pub const STRATEGY_WEIGHT: i32 = 1;
pub const STRATEGY_BASE: i32 = 0;

/// The cluster's capacity providers: exactly its own, as the default strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterCapacitySpec {
    pub cluster: String,
    pub capacity_provider: String,
    pub weight: i32,
    pub base: i32,
}

pub fn cluster_capacity(input: &ClusterInput) -> ClusterCapacitySpec {
    ClusterCapacitySpec {
        cluster: input.name.clone(),
        capacity_provider: names(&input.name).capacity_provider,
        weight: STRATEGY_WEIGHT,
        base: STRATEGY_BASE,
    }
}

/// AWS-managed policies of the instance role: joining ECS, and Session Manager instead of SSH.
pub fn instance_role_policies(partition: &str) -> Vec<String> {
    vec![
        format!("arn:{partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"),
        format!("arn:{partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"),
    ]
}

/// Trust policy letting EC2 instances assume the instance role.
pub fn instance_role_trust_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ec2.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

/// The instances' role: the provider's alone, so other policies are detached.
pub fn instance_role(input: &ClusterInput, partition: &str) -> RoleSpec {
    RoleSpec {
        name: names(&input.name).instance_role,
        trust_policy: instance_role_trust_policy(),
        managed_policies: instance_role_policies(partition),
        others: OtherPolicies::Detach,
        inline_policies: Vec::new(),
        tags: tags(input),
    }
}

pub fn instance_profile(input: &ClusterInput) -> InstanceProfileSpec {
    let n = names(&input.name);
    InstanceProfileSpec {
        name: n.instance_profile,
        role: n.instance_role,
    }
}

/// A cluster with every setting at a production value, for tests.
#[cfg(test)]
pub fn example() -> ClusterInput {
    ClusterInput {
        name: "prod".into(),
        vpc_id: "vpc-1".into(),
        public_subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
        private_subnet_ids: vec!["subnet-c".into(), "subnet-d".into()],
        certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/x".into(),
        ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06".into(),
        instance_types: vec!["m6i.large".into(), "m5.large".into()],
        min_size: 2,
        max_size: 10,
        on_demand_base_capacity: 2,
        on_demand_percentage_above_base: 0,
        spot_allocation_strategy: "capacity-optimized".into(),
        target_capacity: 80,
        ami_id: "ami-0123456789abcdef0".into(),
        root_volume_size: 30,
        ebs_kms_key_id: None,
        container_insights: true,
        execute_command_log_retention_days: 365,
        service_connect_namespace: "prod".into(),
        execute_command_kms_key_arn: None,
        deletion_protection: true,
        tags: BTreeMap::from([("Team".to_owned(), "core".to_owned())]),
    }
}

#[cfg(test)]
mod tests;
