//! The cluster's capacity: the ECS cluster, its capacity provider, the Auto Scaling group and
//! the launch template.

use std::collections::BTreeMap;

use aws_sdk_autoscaling::types::AutoScalingGroup;
use aws_sdk_ec2::types::{LaunchTemplate, ResponseLaunchTemplateData};
use aws_sdk_ecs::types::{CapacityProvider, Cluster, ClusterField};

use super::{Aws, tag_map};

impl Aws {
    /// The ECS cluster `name`, with its settings, configuration and tags.
    pub async fn cluster(&self, name: &str) -> Cluster {
        self.ecs
            .describe_clusters()
            .clusters(name)
            .include(ClusterField::Settings)
            .include(ClusterField::Configurations)
            .include(ClusterField::Tags)
            .send()
            .await
            .expect("describe cluster")
            .clusters()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no ECS cluster {name}"))
    }

    /// The active capacity provider `name` (a deleted one may still be listed under its name).
    pub async fn capacity_provider(&self, name: &str) -> CapacityProvider {
        self.ecs
            .describe_capacity_providers()
            .capacity_providers(name)
            .send()
            .await
            .expect("describe capacity provider")
            .capacity_providers()
            .iter()
            .find(|p| p.status().is_some_and(|s| s.as_str() == "ACTIVE"))
            .cloned()
            .unwrap_or_else(|| panic!("no active capacity provider {name}"))
    }

    /// The Auto Scaling group `name`.
    pub async fn auto_scaling_group(&self, name: &str) -> AutoScalingGroup {
        self.autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(name)
            .send()
            .await
            .expect("describe Auto Scaling group")
            .auto_scaling_groups()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no Auto Scaling group {name}"))
    }

    /// The launch template `name`.
    pub async fn launch_template(&self, name: &str) -> LaunchTemplate {
        self.ec2
            .describe_launch_templates()
            .launch_template_names(name)
            .send()
            .await
            .expect("describe launch template")
            .launch_templates()
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no launch template {name}"))
    }

    /// What the default version of a launch template (its id `lt-...` or its name) holds.
    pub async fn default_template_data(&self, template: &str) -> ResponseLaunchTemplateData {
        let (id, name) = template_id_or_name(template);
        self.ec2
            .describe_launch_template_versions()
            .set_launch_template_id(id)
            .set_launch_template_name(name)
            .versions("$Default")
            .send()
            .await
            .expect("describe launch template versions")
            .launch_template_versions()
            .first()
            .and_then(|v| v.launch_template_data())
            .cloned()
            .unwrap_or_else(|| panic!("no default version of launch template {template}"))
    }
}

/// A launch template reference as the EC2 API takes it: `(id, name)`, one of them set. Template
/// ids start with `lt-`.
pub(crate) fn template_id_or_name(template: &str) -> (Option<String>, Option<String>) {
    if template.starts_with("lt-") {
        (Some(template.to_owned()), None)
    } else {
        (None, Some(template.to_owned()))
    }
}

/// The tags of an Auto Scaling group.
pub fn group_tags(group: &AutoScalingGroup) -> BTreeMap<String, String> {
    tag_map(group.tags().iter().map(|t| (t.key(), t.value())))
}

/// The subnets an Auto Scaling group launches into, sorted.
pub fn group_subnets(group: &AutoScalingGroup) -> Vec<String> {
    let mut subnets: Vec<String> = group
        .vpc_zone_identifier()
        .unwrap_or_default()
        .split(',')
        .map(str::to_owned)
        .collect();
    subnets.sort();
    subnets
}

/// The instance types of an Auto Scaling group's mixed instances policy, in its order.
pub fn group_instance_types(group: &AutoScalingGroup) -> Vec<String> {
    group
        .mixed_instances_policy()
        .and_then(|m| m.launch_template())
        .map(|t| {
            t.overrides()
                .iter()
                .filter_map(|o| o.instance_type())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The tags of an ECS cluster.
pub fn cluster_tags(cluster: &Cluster) -> BTreeMap<String, String> {
    tag_map(cluster.tags().iter().map(|t| (t.key(), t.value())))
}

/// The tags a launch template version gives the instances it launches.
pub fn instance_tags(data: &ResponseLaunchTemplateData) -> BTreeMap<String, String> {
    tag_map(
        data.tag_specifications()
            .iter()
            .filter(|t| t.resource_type().map(|r| r.as_str()) == Some("instance"))
            .flat_map(|t| t.tags())
            .map(|t| (t.key(), t.value())),
    )
}

/// The user data of a launch template version, decoded.
pub fn user_data(data: &ResponseLaunchTemplateData) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.user_data().expect("user data"))
        .expect("user data in base64");
    String::from_utf8(bytes).expect("user data in UTF-8")
}
