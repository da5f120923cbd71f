//! The ECS capacity provider bound to the Auto Scaling group.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, CapacityProviderField,
    ManagedDraining, ManagedScaling, ManagedScalingStatus, ManagedTerminationProtection, Tag,
};

use super::Clients;
use super::retry::{AwsError, adopt_after_retried_create, aws_error};
use crate::blueprint::cluster::CapacityProviderSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCapacityProvider {
    pub arn: String,
    pub auto_scaling_group_arn: String,
    pub target_capacity: i32,
    pub managed_scaling: bool,
    pub managed_termination_protection: bool,
    pub managed_draining: bool,
    pub tags: BTreeMap<String, String>,
    /// The state of its last update or delete (`DELETE_IN_PROGRESS`, `DELETE_FAILED`...).
    pub update_status: Option<String>,
    pub update_status_reason: Option<String>,
}

fn scaling(spec: &CapacityProviderSpec) -> ManagedScaling {
    ManagedScaling::builder()
        .status(ManagedScalingStatus::Enabled)
        .target_capacity(spec.target_capacity)
        .build()
}

fn protection(on: bool) -> ManagedTerminationProtection {
    if on {
        ManagedTerminationProtection::Enabled
    } else {
        ManagedTerminationProtection::Disabled
    }
}

fn draining(on: bool) -> ManagedDraining {
    if on {
        ManagedDraining::Enabled
    } else {
        ManagedDraining::Disabled
    }
}

/// The capacity provider, if it exists and is active (describe first: deleting a missing one is
/// not reliably reported).
pub async fn describe(
    c: &Clients,
    name: &str,
) -> Result<Option<ObservedCapacityProvider>, AwsError> {
    let out = c
        .ecs
        .describe_capacity_providers()
        .capacity_providers(name)
        .include(CapacityProviderField::Tags)
        .send()
        .await
        .map_err(|e| aws_error("describe capacity provider", e))?;
    let Some(cp) = out
        .capacity_providers()
        .iter()
        .find(|cp| cp.name() == Some(name) && cp.status().is_some_and(|s| s.as_str() == "ACTIVE"))
    else {
        return Ok(None);
    };
    let asg = cp.auto_scaling_group_provider();
    let scaling = asg.and_then(|a| a.managed_scaling());
    Ok(Some(ObservedCapacityProvider {
        arn: cp.capacity_provider_arn().unwrap_or_default().to_owned(),
        auto_scaling_group_arn: asg
            .map(|a| a.auto_scaling_group_arn().to_owned())
            .unwrap_or_default(),
        target_capacity: scaling.and_then(|s| s.target_capacity()).unwrap_or(100),
        managed_scaling: scaling
            .and_then(|s| s.status())
            .is_some_and(|s| *s == ManagedScalingStatus::Enabled),
        managed_termination_protection: asg
            .and_then(|a| a.managed_termination_protection())
            .is_some_and(|p| *p == ManagedTerminationProtection::Enabled),
        managed_draining: asg
            .and_then(|a| a.managed_draining())
            .is_some_and(|d| *d == ManagedDraining::Enabled),
        update_status: cp.update_status().map(|s| s.as_str().to_owned()),
        update_status_reason: cp.update_status_reason().map(str::to_owned),
        tags: cp
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect(),
    }))
}

pub async fn ensure(c: &Clients, spec: &CapacityProviderSpec) -> Result<String, AwsError> {
    let step = "create capacity provider";
    if let Some(existing) = describe(c, &spec.name).await? {
        return Ok(existing.arn);
    }
    let provider = AutoScalingGroupProvider::builder()
        .auto_scaling_group_arn(&spec.auto_scaling_group_arn)
        .managed_scaling(scaling(spec))
        .managed_termination_protection(protection(spec.managed_termination_protection))
        .managed_draining(draining(spec.managed_draining))
        .build()
        .map_err(|e| AwsError::new(step, e.to_string()))?;
    let tags: Vec<Tag> = tags(&spec.tags);
    let out = c
        .ecs
        .create_capacity_provider()
        .name(&spec.name)
        .auto_scaling_group_provider(provider)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| aws_error(step, e));
    let created = out.and_then(|out| {
        out.capacity_provider()
            .and_then(|cp| cp.capacity_provider_arn())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::new(step, "AWS returned no capacity provider ARN"))
    });
    adopt_after_retried_create(created, "ClientException", || async {
        Ok(describe(c, &spec.name).await?.map(|existing| existing.arn))
    })
    .await
}

fn tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub async fn update(c: &Clients, spec: &CapacityProviderSpec) -> Result<(), AwsError> {
    c.ecs
        .update_capacity_provider()
        .name(&spec.name)
        .auto_scaling_group_provider(
            AutoScalingGroupProviderUpdate::builder()
                .managed_scaling(scaling(spec))
                .managed_termination_protection(protection(spec.managed_termination_protection))
                .managed_draining(draining(spec.managed_draining))
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("update capacity provider", e))?;
    Ok(())
}

/// Deletes the capacity provider if it exists. It must already be detached from the cluster.
pub async fn delete(c: &Clients, name: &str) -> Result<(), AwsError> {
    if describe(c, name).await?.is_none() {
        return Ok(());
    }
    c.ecs
        .delete_capacity_provider()
        .capacity_provider(name)
        .send()
        .await
        .map_err(|e| aws_error("delete capacity provider", e))?;
    Ok(())
}
