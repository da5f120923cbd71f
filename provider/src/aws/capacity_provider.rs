//! The ECS capacity provider bound to the Auto Scaling group. Its settings change in place;
//! AWS cannot bind it to another group, so one bound elsewhere is detached from the cluster,
//! deleted, created again and attached again.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, CapacityProviderField,
    ManagedDraining, ManagedScaling, ManagedScalingStatus, ManagedTerminationProtection,
};

use super::Clients;
use super::cluster_capacity::{StrategyItem, attach, settling, update_in_progress};
use super::ecs_cluster;
use super::retry::{AwsError, adopt_after_retried_create, aws_error};
use super::unit::{
    Change, Changes, Env, TagRef, TagTarget, Tags, Unit, names, read_all, same_fields,
};
use crate::blueprint::cluster::{CapacityProviderSpec, STRATEGY_BASE, STRATEGY_WEIGHT};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCapacityProvider {
    pub name: String,
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

/// The active capacity providers of these names, in one call.
pub async fn describe_many(
    c: &Clients,
    names: &[String],
) -> Result<Vec<Option<ObservedCapacityProvider>>, AwsError> {
    let out = c
        .ecs
        .describe_capacity_providers()
        .set_capacity_providers(Some(names.to_vec()))
        .include(CapacityProviderField::Tags)
        .send()
        .await
        .map_err(|e| aws_error("describe capacity provider", e))?;
    Ok(names
        .iter()
        .map(|name| {
            out.capacity_providers()
                .iter()
                .find(|cp| {
                    cp.name() == Some(name.as_str())
                        && cp.status().is_some_and(|s| s.as_str() == "ACTIVE")
                })
                .map(observed)
        })
        .collect())
}

/// The capacity provider, if it exists and is active.
pub async fn describe(
    c: &Clients,
    name: &str,
) -> Result<Option<ObservedCapacityProvider>, AwsError> {
    Ok(describe_many(c, &[name.to_owned()])
        .await?
        .into_iter()
        .next()
        .flatten())
}

fn observed(cp: &aws_sdk_ecs::types::CapacityProvider) -> ObservedCapacityProvider {
    let asg = cp.auto_scaling_group_provider();
    let scaling = asg.and_then(|a| a.managed_scaling());
    ObservedCapacityProvider {
        name: cp.name().unwrap_or_default().to_owned(),
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
        tags: super::tags::pairs(cp.tags().iter().map(|t| (t.key(), t.value()))),
    }
}

/// Creates the provider (adopting one a retried create made); returns its ARN.
async fn create(c: &Clients, spec: &CapacityProviderSpec) -> Result<String, AwsError> {
    let step = "create capacity provider";
    let provider = AutoScalingGroupProvider::builder()
        .auto_scaling_group_arn(&spec.auto_scaling_group_arn)
        .managed_scaling(scaling(spec))
        .managed_termination_protection(protection(spec.managed_termination_protection))
        .managed_draining(draining(spec.managed_draining))
        .build()
        .map_err(|e| AwsError::new(step, e.to_string()))?;
    let tags = super::tag_writes::ecs(&spec.tags);
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

async fn update(c: &Clients, spec: &CapacityProviderSpec) -> Result<(), AwsError> {
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

/// Deletes the capacity provider. It must already be detached from the cluster.
async fn delete(c: &Clients, name: &str) -> Result<(), AwsError> {
    c.ecs
        .delete_capacity_provider()
        .capacity_provider(name)
        .send()
        .await
        .map_err(|e| aws_error("delete capacity provider", e))?;
    Ok(())
}

/// The message of a rebind AWS refused.
fn rebind_refused(spec: &CapacityProviderSpec, why: &str) -> AwsError {
    AwsError::new(
        "recreate the capacity provider",
        format!(
            "capacity provider {} is bound to another Auto Scaling group and AWS cannot move it, so it must be {why}. ECS keeps a capacity provider while a service's capacity provider strategy names it: destroy the services on cluster {cluster}, apply, then create them again.",
            spec.name,
            cluster = spec.cluster,
        ),
    )
}

/// The provider as the cluster's default strategy names it; the cluster capacity node checks
/// the strategy afterwards.
fn strategy_item(spec: &CapacityProviderSpec) -> StrategyItem<'_> {
    (&spec.name, STRATEGY_WEIGHT, STRATEGY_BASE)
}

/// Binds the provider to the cluster's group: AWS cannot move one, so it is detached from the
/// cluster, deleted, created again and attached again. ECS refuses the detach while tasks run
/// on it and the delete while a service's strategy names it; then the provider stays attached
/// and the error says what to do.
async fn rebind(env: &Env, spec: &CapacityProviderSpec) -> Result<String, AwsError> {
    let c = env.c();
    let cluster = spec.cluster.as_str();
    let attached = ecs_cluster::describe_shared(env, cluster)
        .await?
        .is_some_and(|cl| cl.capacity_providers.contains(&spec.name));
    if attached {
        attach(env, cluster, None, settling).await.map_err(|e| {
            if e.code() == Some("ResourceInUseException") {
                AwsError::new(
                    "recreate the capacity provider",
                    format!(
                        "capacity provider {} is bound to another Auto Scaling group and AWS cannot move it, so it must be detached from cluster {cluster}, deleted and created again, but it is still in use by tasks or services ({}). Destroy the services on cluster {cluster}, apply, then create them again.",
                        spec.name, e.message
                    ),
                )
            } else {
                e
            }
        })?;
    }
    // ECS deletes in the background: a refused delete ends as DELETE_FAILED on a provider that
    // stays active. The detach may still be settling: ECS answers UpdateInProgressException.
    let deleted = env
        .budget
        .retry_while(settling, || delete(c, &spec.name))
        .await;
    let failed_delete = std::sync::Mutex::new(None::<String>);
    let refused = match deleted {
        Ok(()) => {
            env.budget
                .wait_until(
                    &format!("capacity provider {} to be deleted", spec.name),
                    || async {
                        match describe(c, &spec.name).await? {
                            None => Ok(true),
                            Some(cp) if cp.update_status.as_deref() == Some("DELETE_FAILED") => {
                                if let Ok(mut reason) = failed_delete.lock() {
                                    *reason = Some(cp.update_status_reason.unwrap_or_default());
                                }
                                Ok(true)
                            }
                            Some(_) => Ok(false),
                        }
                    },
                )
                .await?;
            failed_delete.into_inner().unwrap_or_default()
        }
        Err(e) => Some(e.message),
    };
    if let Some(reason) = refused {
        // Keep the cluster's capacity while the provider cannot be replaced.
        let restored = if attached {
            attach(env, cluster, Some(strategy_item(spec)), update_in_progress).await
        } else {
            Ok(())
        };
        let reason = if reason.is_empty() {
            String::new()
        } else {
            format!(" ({reason})")
        };
        let mut err = rebind_refused(
            spec,
            &format!("deleted and created again, but AWS refused to delete it{reason}"),
        );
        if let Err(e) = restored {
            err.message.push_str(&format!(
                " Attaching it to the cluster again failed too: {e}."
            ));
        }
        return Err(err);
    }
    let arn = create(c, spec).await.map_err(|e| {
        AwsError::new(
            "recreate the capacity provider",
            format!(
                "capacity provider {} was deleted to bind it to the cluster's Auto Scaling group, and creating it again failed ({}); AWS can keep a deleted provider's name for a while. Cluster {cluster} has no capacity provider until an apply succeeds: apply again.",
                spec.name, e.message
            ),
        )
    })?;
    if attached {
        attach(env, cluster, Some(strategy_item(spec)), update_in_progress).await?;
    }
    Ok(arn)
}

/// The provider as written from `spec`.
fn as_written(spec: &CapacityProviderSpec, arn: String, tags: Tags) -> ObservedCapacityProvider {
    ObservedCapacityProvider {
        name: spec.name.clone(),
        arn,
        auto_scaling_group_arn: spec.auto_scaling_group_arn.clone(),
        target_capacity: spec.target_capacity,
        managed_scaling: true,
        managed_termination_protection: spec.managed_termination_protection,
        managed_draining: spec.managed_draining,
        tags,
        update_status: None,
        update_status_reason: None,
    }
}

pub struct CapacityProvider;

read_all! {
    CapacityProvider: "capacity provider", String => ObservedCapacityProvider,
    |env, keys| {
        describe_many(env.c(), keys).await
}
}

impl Unit for CapacityProvider {
    type Desired = CapacityProviderSpec;

    fn diff(desired: &CapacityProviderSpec, observed: &ObservedCapacityProvider) -> Vec<Change> {
        let mut changes = Changes::new();
        changes
            // Handled by `update`, which also detaches and attaches it.
            .check(
                "auto_scaling_group",
                observed.auto_scaling_group_arn != desired.auto_scaling_group_arn,
            )
            .check("managed_scaling", !observed.managed_scaling);
        same_fields!(&mut changes, observed, desired;
            target_capacity, managed_termination_protection, managed_draining);
        changes.done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &CapacityProviderSpec,
    ) -> Result<ObservedCapacityProvider, AwsError> {
        let arn = create(env.c(), desired).await?;
        Ok(as_written(desired, arn, desired.tags.clone()))
    }

    async fn update(
        env: &Env,
        desired: &CapacityProviderSpec,
        observed: &ObservedCapacityProvider,
        changes: &[Change],
    ) -> Result<ObservedCapacityProvider, AwsError> {
        if names(changes, "auto_scaling_group") {
            let arn = rebind(env, desired).await?;
            return Ok(as_written(desired, arn, desired.tags.clone()));
        }
        env.budget
            .retry_while(update_in_progress, || update(env.c(), desired))
            .await?;
        Ok(as_written(
            desired,
            observed.arn.clone(),
            observed.tags.clone(),
        ))
    }

    async fn delete(env: &Env, observed: &ObservedCapacityProvider) -> Result<(), AwsError> {
        env.budget
            .retry_while(settling, || delete(env.c(), &observed.name))
            .await
    }

    fn desired_tags(desired: &CapacityProviderSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedCapacityProvider) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Ecs(observed.arn.clone()),
            known: Some(observed.tags.clone()),
        })
    }
}
