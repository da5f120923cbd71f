//! The cluster's EC2 capacity: launch template, Auto Scaling group, capacity provider.

use std::collections::BTreeMap;

use super::{ClusterInput, named_tags, names, tags};

/// The instances' user data: join the cluster, drain tasks before a Spot interruption and, on
/// GPU instances, give tasks the GPUs.
pub fn user_data(cluster: &str, gpu: bool) -> String {
    let gpu = if gpu {
        "ECS_ENABLE_GPU_SUPPORT=true\n"
    } else {
        ""
    };
    format!(
        "#!/bin/bash\n\
cat >> /etc/ecs/ecs.config <<'ECSCONFIG'\n\
ECS_CLUSTER={cluster}\n\
ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n\
ECS_ENABLE_TASK_IAM_ROLE=true\n\
ECS_CONTAINER_STOP_TIMEOUT=60s\n\
{gpu}ECSCONFIG\n"
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchTemplateSpec {
    pub name: String,
    pub image_id: String,
    pub instance_profile_name: String,
    pub security_group_id: String,
    /// IMDSv2 only ("required" tokens).
    pub http_tokens_required: bool,
    /// 1: containers in bridge mode cannot reach the instance metadata (and its role).
    pub http_put_response_hop_limit: i32,
    pub root_device_name: String,
    pub root_volume_size: i32,
    pub root_volume_type: String,
    pub root_volume_encrypted: bool,
    pub kms_key_id: Option<String>,
    pub associate_public_ip: bool,
    pub user_data: String,
    /// Given to the instances and volumes it launches.
    pub tags: BTreeMap<String, String>,
    /// The template's own tags.
    pub template_tags: BTreeMap<String, String>,
}

/// The root device of the ECS-optimized Amazon Linux 2023 AMI.
pub const ROOT_DEVICE_NAME: &str = "/dev/xvda";
/// The root volume's type.
pub const ROOT_VOLUME_TYPE: &str = "gp3";

pub fn launch_template(
    input: &ClusterInput,
    instance_profile_name: &str,
    security_group_id: &str,
    gpu: bool,
) -> LaunchTemplateSpec {
    LaunchTemplateSpec {
        name: names(&input.name).launch_template,
        image_id: input.ami_id.clone(),
        instance_profile_name: instance_profile_name.to_owned(),
        security_group_id: security_group_id.to_owned(),
        http_tokens_required: true,
        http_put_response_hop_limit: 1,
        root_device_name: ROOT_DEVICE_NAME.into(),
        root_volume_size: input.root_volume_size,
        root_volume_type: ROOT_VOLUME_TYPE.into(),
        root_volume_encrypted: true,
        kms_key_id: input.ebs_kms_key_id.clone(),
        associate_public_ip: false,
        user_data: user_data(&input.name, gpu),
        tags: tags(input),
        template_tags: named_tags(input, &names(&input.name).launch_template),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoScalingGroupSpec {
    pub name: String,
    pub min_size: i32,
    pub max_size: i32,
    /// Only at creation: afterwards ECS managed scaling owns the desired capacity.
    pub initial_desired_capacity: i32,
    pub subnet_ids: Vec<String>,
    pub launch_template_id: String,
    /// The template version the group launches: the template's default version, by number, so
    /// that a roll-out to a new one can be rolled back.
    pub launch_template_version: String,
    pub instance_types: Vec<String>,
    pub on_demand_base_capacity: i32,
    pub on_demand_percentage_above_base: i32,
    pub spot_allocation_strategy: String,
    /// Required by managed termination protection.
    pub new_instances_protected_from_scale_in: bool,
    /// Replaces a Spot instance at elevated risk of interruption before it is interrupted.
    pub capacity_rebalance: bool,
    /// Propagated to instances at launch.
    pub tags: BTreeMap<String, String>,
}

/// Capacity rebalancing is on whenever the group may run Spot instances: some of the capacity
/// above the On-Demand base is Spot.
pub fn capacity_rebalance(on_demand_percentage_above_base: i64) -> bool {
    on_demand_percentage_above_base < 100
}

/// The tag ECS expects on an Auto Scaling group that managed scaling controls.
pub const ECS_MANAGED_TAG: &str = "AmazonECSManaged";

/// The `Name` tag the group gives its instances.
pub fn instance_name(cluster: &str) -> String {
    format!("{cluster}-ecs-instance")
}

pub fn auto_scaling_group(
    input: &ClusterInput,
    launch_template_id: &str,
    launch_template_version: i64,
) -> AutoScalingGroupSpec {
    let mut group_tags = named_tags(input, &instance_name(&input.name));
    group_tags.insert(ECS_MANAGED_TAG.into(), "true".into());
    AutoScalingGroupSpec {
        name: names(&input.name).auto_scaling_group,
        min_size: input.min_size,
        max_size: input.max_size,
        initial_desired_capacity: input.min_size,
        subnet_ids: input.private_subnet_ids.clone(),
        launch_template_id: launch_template_id.to_owned(),
        launch_template_version: launch_template_version.to_string(),
        instance_types: input.instance_types.clone(),
        on_demand_base_capacity: input.on_demand_base_capacity,
        on_demand_percentage_above_base: input.on_demand_percentage_above_base,
        spot_allocation_strategy: input.spot_allocation_strategy.clone(),
        new_instances_protected_from_scale_in: true,
        capacity_rebalance: capacity_rebalance(input.on_demand_percentage_above_base.into()),
        tags: group_tags,
    }
}

/// How the group's instances are replaced when its launch template version moves (a new AMI,
/// user data, volume, key, profile or security group): an Auto Scaling instance refresh that
/// launches each new instance before it terminates an old one, so capacity never drops below
/// what the running tasks need, and rolls back if it fails. ECS managed draining moves the tasks
/// off each instance before it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    /// Healthy capacity kept during the refresh, in percent of the desired capacity.
    pub min_healthy_percentage: i32,
    /// Capacity allowed above the desired capacity while new instances start.
    pub max_healthy_percentage: i32,
    /// Seconds a new instance is given to join the cluster before the next replacement.
    pub instance_warmup: i32,
    /// Instances already running the new version are left alone.
    pub skip_matching: bool,
    pub auto_rollback: bool,
    /// Instances ECS protects from scale-in (those running tasks) are replaced too, after
    /// draining; `Refresh` in the API.
    pub replace_protected: bool,
}

pub const ROLLOUT: Rollout = Rollout {
    min_healthy_percentage: 100,
    max_healthy_percentage: 200,
    instance_warmup: 120,
    skip_matching: true,
    auto_rollback: true,
    replace_protected: true,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProviderSpec {
    pub name: String,
    pub auto_scaling_group_arn: String,
    pub target_capacity: i32,
    pub managed_termination_protection: bool,
    pub managed_draining: bool,
    pub tags: BTreeMap<String, String>,
    /// The cluster it serves: AWS cannot move a provider to another group, so one bound to
    /// another group is detached from this cluster, replaced and attached again.
    pub cluster: String,
}

pub fn capacity_provider(
    input: &ClusterInput,
    auto_scaling_group_arn: &str,
) -> CapacityProviderSpec {
    CapacityProviderSpec {
        name: names(&input.name).capacity_provider,
        auto_scaling_group_arn: auto_scaling_group_arn.to_owned(),
        target_capacity: input.target_capacity,
        managed_termination_protection: true,
        managed_draining: true,
        tags: tags(input),
        cluster: input.name.clone(),
    }
}
