//! The cluster's capacity: the Auto Scaling group, the capacity provider, the ECS cluster and
//! the launch template's versions.

use aws_sdk_autoscaling::types::{
    InstancesDistribution, LaunchTemplate, LaunchTemplateOverrides, LaunchTemplateSpecification,
    MixedInstancesPolicy, Tag,
};
use aws_sdk_ec2::types::{
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
    LaunchTemplateTagSpecificationRequest, RequestLaunchTemplateData, ResourceType, VolumeType,
};
use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, CapacityProviderStrategyItem,
    ClusterSetting, ClusterSettingName, ManagedDraining, ManagedScaling, ManagedScalingStatus,
    ManagedTerminationProtection,
};

use crate::aws_check::Aws;
use crate::aws_check::capacity::template_id_or_name;

/// Sets the maximum size of an Auto Scaling group.
pub async fn set_group_max_size(aws: &Aws, group: &str, max_size: i32) {
    aws.autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(group)
        .max_size(max_size)
        .send()
        .await
        .unwrap_or_else(|e| panic!("set the maximum size of {group}: {e}"));
}

pub async fn set_group_capacity_rebalance(aws: &Aws, group: &str, on: bool) {
    aws.autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(group)
        .capacity_rebalance(on)
        .send()
        .await
        .unwrap_or_else(|e| panic!("set capacity rebalancing of {group}: {e}"));
}

/// An Auto Scaling group tag passed on to the instances it launches.
fn group_tag(group: &str, key: &str, value: Option<&str>) -> Tag {
    Tag::builder()
        .resource_id(group)
        .resource_type("auto-scaling-group")
        .key(key)
        .set_value(value.map(str::to_owned))
        .propagate_at_launch(true)
        .build()
}

/// Sets one tag of an Auto Scaling group (passed on to its instances).
pub async fn set_group_tag(aws: &Aws, group: &str, key: &str, value: &str) {
    aws.autoscaling
        .create_or_update_tags()
        .tags(group_tag(group, key, Some(value)))
        .send()
        .await
        .unwrap_or_else(|e| panic!("tag {group} with {key}: {e}"));
}

/// Removes one tag of an Auto Scaling group.
pub async fn remove_group_tag(aws: &Aws, group: &str, key: &str) {
    aws.autoscaling
        .delete_tags()
        .tags(group_tag(group, key, None))
        .send()
        .await
        .unwrap_or_else(|e| panic!("remove tag {key} from {group}: {e}"));
}

/// How an Auto Scaling group is bound to its launch template and subnets.
pub struct GroupBinding<'a> {
    pub template_id: &'a str,
    /// `$Default`, `$Latest` or a version number.
    pub version: &'a str,
    pub instance_types: &'a [&'a str],
    pub min_size: i32,
    /// Comma-separated subnet ids.
    pub subnets: &'a str,
    pub scale_in_protection: bool,
}

/// Rebinds an Auto Scaling group: its launch template version, instance types, minimum size,
/// subnets and scale-in protection. The whole mixed instances policy is sent (the emulator drops
/// a policy an update leaves out), with the cluster's instance distribution: two on-demand
/// instances, spot above them, capacity-optimized.
pub async fn rebind_group(aws: &Aws, group: &str, binding: &GroupBinding<'_>) {
    let mut template = LaunchTemplate::builder().launch_template_specification(
        LaunchTemplateSpecification::builder()
            .launch_template_id(binding.template_id)
            .version(binding.version)
            .build(),
    );
    for t in binding.instance_types {
        template = template.overrides(LaunchTemplateOverrides::builder().instance_type(*t).build());
    }
    aws.autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(group)
        .min_size(binding.min_size)
        .vpc_zone_identifier(binding.subnets)
        .new_instances_protected_from_scale_in(binding.scale_in_protection)
        .mixed_instances_policy(
            MixedInstancesPolicy::builder()
                .launch_template(template.build())
                .instances_distribution(
                    InstancesDistribution::builder()
                        .on_demand_base_capacity(2)
                        .on_demand_percentage_above_base_capacity(0)
                        .spot_allocation_strategy("capacity-optimized")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("rebind {group}: {e}"));
}

/// Creates an empty Auto Scaling group (at most one instance) from a launch template's default
/// version in one subnet; returns its ARN.
pub async fn create_auto_scaling_group(
    aws: &Aws,
    name: &str,
    template_id: &str,
    subnet: &str,
) -> String {
    aws.autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .min_size(0)
        .max_size(1)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_id(template_id)
                .build(),
        )
        .vpc_zone_identifier(subnet)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create Auto Scaling group {name}: {e}"));
    aws.auto_scaling_group(name)
        .await
        .auto_scaling_group_arn()
        .expect("Auto Scaling group ARN")
        .to_owned()
}

/// Deletes an Auto Scaling group with its instances.
pub async fn delete_auto_scaling_group(aws: &Aws, name: &str) {
    aws.autoscaling
        .delete_auto_scaling_group()
        .auto_scaling_group_name(name)
        .force_delete(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete Auto Scaling group {name}: {e}"));
}

/// Sets the target capacity of a capacity provider's managed scaling (enabled).
pub async fn set_target_capacity(aws: &Aws, provider: &str, target_capacity: i32) {
    update_capacity_provider(
        aws,
        provider,
        AutoScalingGroupProviderUpdate::builder()
            .managed_scaling(
                ManagedScaling::builder()
                    .status(ManagedScalingStatus::Enabled)
                    .target_capacity(target_capacity)
                    .build(),
            )
            .build(),
    )
    .await;
}

/// Switches off a capacity provider's managed scaling, managed termination protection and
/// managed draining.
pub async fn switch_off_capacity_provider_management(aws: &Aws, provider: &str) {
    update_capacity_provider(
        aws,
        provider,
        AutoScalingGroupProviderUpdate::builder()
            .managed_scaling(
                ManagedScaling::builder()
                    .status(ManagedScalingStatus::Disabled)
                    .build(),
            )
            .managed_termination_protection(ManagedTerminationProtection::Disabled)
            .managed_draining(ManagedDraining::Disabled)
            .build(),
    )
    .await;
}

async fn update_capacity_provider(
    aws: &Aws,
    provider: &str,
    update: AutoScalingGroupProviderUpdate,
) {
    aws.ecs
        .update_capacity_provider()
        .name(provider)
        .auto_scaling_group_provider(update)
        .send()
        .await
        .unwrap_or_else(|e| panic!("update capacity provider {provider}: {e}"));
}

/// Sets a cluster's capacity providers to `provider` alone, with a default strategy of it at
/// `weight` and `base`.
pub async fn set_default_strategy(
    aws: &Aws,
    cluster: &str,
    provider: &str,
    weight: i32,
    base: i32,
) {
    aws.ecs
        .put_cluster_capacity_providers()
        .cluster(cluster)
        .capacity_providers(provider)
        .default_capacity_provider_strategy(
            CapacityProviderStrategyItem::builder()
                .capacity_provider(provider)
                .weight(weight)
                .base(base)
                .build()
                .expect("strategy item"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("set the default strategy of {cluster}: {e}"));
}

/// Replaces a cluster's capacity provider by one of the same name for another Auto Scaling
/// group: detached, deleted, created for `group_arn`, attached again as the default strategy.
pub async fn recreate_capacity_provider(aws: &Aws, cluster: &str, provider: &str, group_arn: &str) {
    aws.ecs
        .put_cluster_capacity_providers()
        .cluster(cluster)
        .set_capacity_providers(Some(Vec::new()))
        .set_default_capacity_provider_strategy(Some(Vec::new()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("detach the capacity providers of {cluster}: {e}"));
    aws.ecs
        .delete_capacity_provider()
        .capacity_provider(provider)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete capacity provider {provider}: {e}"));
    aws.ecs
        .create_capacity_provider()
        .name(provider)
        .auto_scaling_group_provider(
            AutoScalingGroupProvider::builder()
                .auto_scaling_group_arn(group_arn)
                .build()
                .expect("Auto Scaling group provider"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create capacity provider {provider}: {e}"));
    set_default_strategy(aws, cluster, provider, 1, 0).await;
}

/// Sets a cluster's Container Insights setting (`enabled`, `disabled`...).
pub async fn set_container_insights(aws: &Aws, cluster: &str, value: &str) {
    aws.ecs
        .update_cluster()
        .cluster(cluster)
        .settings(
            ClusterSetting::builder()
                .name(ClusterSettingName::ContainerInsights)
                .value(value)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("set Container Insights of {cluster} to {value}: {e}"));
}

/// The root volume (`/dev/xvda`) of a launch template version.
pub struct RootVolume<'a> {
    pub size: i32,
    pub volume_type: VolumeType,
    pub encrypted: bool,
    pub kms_key_id: Option<&'a str>,
}

/// What a launch template version made outside Terraform holds besides the AMI of the current
/// default version; what is `None` is left out.
#[derive(Default)]
pub struct TemplateVersion<'a> {
    /// IMDS tokens and the response hop limit.
    pub metadata: Option<(LaunchTemplateHttpTokensState, i32)>,
    pub root_volume: Option<RootVolume<'a>>,
    pub instance_profile: Option<&'a str>,
    /// The first network interface: whether it gets a public IP, and its security group.
    pub network_interface: Option<(bool, &'a str)>,
    /// The user data, before base64.
    pub user_data: Option<&'a str>,
    pub key_name: Option<&'a str>,
    /// Whether the instances keep the tags the current default version gives them.
    pub keep_instance_tags: bool,
}

/// Creates a launch template version (template id `lt-...` or name) from `version` and the AMI
/// of the current default version, and makes it the default; returns its number.
pub async fn publish_default_template_version(
    aws: &Aws,
    template: &str,
    version: &TemplateVersion<'_>,
) -> i64 {
    let current = aws.default_template_data(template).await;
    let mut data = RequestLaunchTemplateData::builder()
        .image_id(current.image_id().expect("AMI of the default version"))
        .set_key_name(version.key_name.map(str::to_owned));
    if let Some((tokens, hop_limit)) = &version.metadata {
        data = data.metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_tokens(tokens.clone())
                .http_put_response_hop_limit(*hop_limit)
                .build(),
        );
    }
    if let Some(profile) = version.instance_profile {
        data = data.iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .name(profile)
                .build(),
        );
    }
    if let Some((public_ip, group)) = version.network_interface {
        data = data.network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .device_index(0)
                .associate_public_ip_address(public_ip)
                .groups(group)
                .build(),
        );
    }
    if let Some(volume) = &version.root_volume {
        data = data.block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name("/dev/xvda")
                .ebs(
                    LaunchTemplateEbsBlockDeviceRequest::builder()
                        .volume_size(volume.size)
                        .volume_type(volume.volume_type.clone())
                        .encrypted(volume.encrypted)
                        .set_kms_key_id(volume.kms_key_id.map(str::to_owned))
                        .build(),
                )
                .build(),
        );
    }
    if let Some(script) = version.user_data {
        data = data.user_data(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            script,
        ));
    }
    if version.keep_instance_tags {
        for spec in current.tag_specifications() {
            if spec.resource_type() == Some(&ResourceType::Instance) {
                data = data.tag_specifications(
                    LaunchTemplateTagSpecificationRequest::builder()
                        .resource_type(ResourceType::Instance)
                        .set_tags(Some(spec.tags().to_vec()))
                        .build(),
                );
            }
        }
    }
    let (id, name) = template_id_or_name(template);
    let number = aws
        .ec2
        .create_launch_template_version()
        .set_launch_template_id(id.clone())
        .set_launch_template_name(name.clone())
        .launch_template_data(data.build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("create a version of launch template {template}: {e}"))
        .launch_template_version()
        .and_then(|v| v.version_number())
        .expect("version number");
    aws.ec2
        .modify_launch_template()
        .set_launch_template_id(id)
        .set_launch_template_name(name)
        .default_version(number.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("make version {number} of {template} the default: {e}"));
    number
}
