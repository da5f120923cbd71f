//! The ECS cluster: found by name, created (idempotent in ECS), Container Insights changed in
//! place, deleted once its container instances have left. Its capacity providers are another
//! unit ([`super::cluster_capacity`]) reading the same DescribeClusters.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{
    ClusterConfiguration, ClusterField, ClusterServiceConnectDefaultsRequest, ClusterSetting,
    ClusterSettingName, ExecuteCommandConfiguration, ExecuteCommandLogConfiguration,
    ExecuteCommandLogging,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use super::unit::{Change, Changes, Env, TagRef, TagTarget, Tags, Unit, read_all};
use crate::blueprint::cluster::{EcsClusterSpec, ExecuteCommandSpec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCluster {
    pub arn: String,
    pub container_insights: bool,
    pub capacity_providers: Vec<String>,
    pub default_strategy: Vec<String>,
    /// The default capacity provider strategy: provider, weight and base of each item.
    pub default_strategy_items: Vec<(String, i32, i32)>,
    /// Where ECS Exec sessions are logged, when to a CloudWatch log group.
    pub execute_command: Option<ExecuteCommandSpec>,
    /// The ARN of the Service Connect namespace new services default to.
    pub service_connect_namespace: Option<String>,
    pub tags: BTreeMap<String, String>,
}

fn insights(enabled: bool) -> ClusterSetting {
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if enabled { "enabled" } else { "disabled" })
        .build()
}

/// The execute-command configuration: sessions logged to `spec`'s group, encrypted with its key.
fn configuration(spec: &ExecuteCommandSpec) -> ClusterConfiguration {
    let log = ExecuteCommandLogConfiguration::builder()
        .cloud_watch_log_group_name(&spec.log_group)
        .cloud_watch_encryption_enabled(spec.kms_key_arn.is_some())
        .build();
    ClusterConfiguration::builder()
        .execute_command_configuration(
            ExecuteCommandConfiguration::builder()
                .set_kms_key_id(spec.kms_key_arn.clone())
                .logging(ExecuteCommandLogging::Override)
                .log_configuration(log)
                .build(),
        )
        .build()
}

fn observed_execute_command(cluster: &aws_sdk_ecs::types::Cluster) -> Option<ExecuteCommandSpec> {
    let e = cluster.configuration()?.execute_command_configuration()?;
    let log = e.log_configuration()?;
    // Logged elsewhere, or with the group's encryption flag other than the key says: not the
    // configuration the cluster sets.
    if e.logging() != Some(&ExecuteCommandLogging::Override)
        || log.cloud_watch_encryption_enabled() != e.kms_key_id().is_some()
    {
        return None;
    }
    Some(ExecuteCommandSpec {
        log_group: e
            .log_configuration()?
            .cloud_watch_log_group_name()?
            .to_owned(),
        kms_key_arn: e.kms_key_id().map(str::to_owned),
    })
}

fn observed(cluster: &aws_sdk_ecs::types::Cluster) -> ObservedCluster {
    ObservedCluster {
        arn: cluster.cluster_arn().unwrap_or_default().to_owned(),
        container_insights: cluster.settings().iter().any(|s| {
            s.name() == Some(&ClusterSettingName::ContainerInsights)
                && matches!(s.value(), Some("enabled") | Some("enhanced"))
        }),
        capacity_providers: cluster.capacity_providers().to_vec(),
        default_strategy: cluster
            .default_capacity_provider_strategy()
            .iter()
            .map(|s| s.capacity_provider().to_owned())
            .collect(),
        default_strategy_items: cluster
            .default_capacity_provider_strategy()
            .iter()
            .map(|s| (s.capacity_provider().to_owned(), s.weight(), s.base()))
            .collect(),
        execute_command: observed_execute_command(cluster),
        service_connect_namespace: cluster
            .service_connect_defaults()
            .and_then(|d| d.namespace())
            .map(str::to_owned),
        tags: super::tags::pairs(cluster.tags().iter().map(|t| (t.key(), t.value()))),
    }
}

/// The active clusters of these names, in one call.
pub async fn describe_many(
    c: &Clients,
    names: &[String],
) -> Result<Vec<Option<ObservedCluster>>, AwsError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let out = c
        .ecs
        .describe_clusters()
        .set_clusters(Some(names.to_vec()))
        .include(ClusterField::Settings)
        .include(ClusterField::Configurations)
        .include(ClusterField::Tags)
        .send()
        .await
        .map_err(|e| aws_error("describe ECS cluster", e))?;
    Ok(names
        .iter()
        .map(|name| {
            out.clusters()
                .iter()
                .find(|c| c.status() == Some("ACTIVE") && c.cluster_name() == Some(name.as_str()))
                .map(observed)
        })
        .collect())
}

/// The cluster if it exists and is active.
pub async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedCluster>, AwsError> {
    Ok(describe_many(c, &[name.to_owned()])
        .await?
        .into_iter()
        .next()
        .flatten())
}

/// The key under which one operation shares a cluster's description.
pub fn shared_key(name: &str) -> String {
    format!("ecs-cluster:{name}")
}

/// The cluster, described once per operation for every unit that reads it.
pub async fn describe_shared(env: &Env, name: &str) -> Result<Option<ObservedCluster>, AwsError> {
    let c = env.clients.clone();
    let owned = name.to_owned();
    env.shared(
        shared_key(name),
        || async move { describe(&c, &owned).await },
    )
    .await
}

/// Creates the cluster, or returns the existing one (CreateCluster is idempotent by name).
pub async fn create(c: &Clients, spec: &EcsClusterSpec) -> Result<String, AwsError> {
    let out = c
        .ecs
        .create_cluster()
        .cluster_name(&spec.name)
        .settings(insights(spec.container_insights))
        .configuration(configuration(&spec.execute_command))
        .service_connect_defaults(service_connect(spec)?)
        .set_tags(Some(super::tag_writes::ecs(&spec.tags)))
        .send()
        .await
        .map_err(|e| aws_error("create ECS cluster", e))?;
    out.cluster()
        .and_then(|c| c.cluster_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("create ECS cluster", "AWS returned no cluster ARN"))
}

/// The Service Connect default: the namespace, by ARN.
fn service_connect(
    spec: &EcsClusterSpec,
) -> Result<ClusterServiceConnectDefaultsRequest, AwsError> {
    ClusterServiceConnectDefaultsRequest::builder()
        .namespace(&spec.service_connect_namespace)
        .build()
        .map_err(|e| AwsError::new("configure ECS cluster", e.to_string()))
}

/// Sets Container Insights, the execute-command configuration and the Service Connect default.
pub async fn update(c: &Clients, spec: &EcsClusterSpec) -> Result<(), AwsError> {
    // UpdateCluster sets the same settings as UpdateClusterSettings; the local emulator (moto)
    // implements only UpdateCluster.
    c.ecs
        .update_cluster()
        .cluster(&spec.name)
        .settings(insights(spec.container_insights))
        .configuration(configuration(&spec.execute_command))
        .service_connect_defaults(service_connect(spec)?)
        .send()
        .await
        .map_err(|e| aws_error("update ECS cluster settings", e))?;
    Ok(())
}

/// Container instances still registered (active or draining).
pub async fn container_instance_count(c: &Clients, cluster: &str) -> Result<usize, AwsError> {
    let out = c
        .ecs
        .list_container_instances()
        .cluster(cluster)
        .send()
        .await
        .map_err(|e| aws_error("list container instances", e))?;
    Ok(out.container_instance_arns().len())
}

/// Deletes the cluster (a missing one is fine).
pub async fn delete(c: &Clients, name: &str) -> Result<(), AwsError> {
    match c.ecs.delete_cluster().cluster(name).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_error("delete ECS cluster", e);
            if err.code() == Some("ClusterNotFoundException") {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// The ECS cluster, by name.
pub struct EcsCluster;

read_all! {
    EcsCluster: "ECS cluster", String => ObservedCluster,
    |env, keys| {
        match keys {
            [one] => Ok(vec![describe_shared(env, one).await?]),
            many => describe_many(env.c(), many).await,
        }
}
}

impl Unit for EcsCluster {
    type Desired = EcsClusterSpec;

    fn diff(desired: &EcsClusterSpec, observed: &ObservedCluster) -> Vec<Change> {
        Changes::new()
            .check(
                "container_insights",
                desired.container_insights != observed.container_insights,
            )
            .check(
                "execute_command",
                observed.execute_command.as_ref() != Some(&desired.execute_command),
            )
            .check(
                "service_connect",
                observed.service_connect_namespace.as_ref()
                    != Some(&desired.service_connect_namespace),
            )
            .done()
    }

    async fn create(
        env: &Env,
        _: &String,
        desired: &EcsClusterSpec,
    ) -> Result<ObservedCluster, AwsError> {
        let arn = create(env.c(), desired).await?;
        env.forget(&shared_key(&desired.name));
        Ok(ObservedCluster {
            arn,
            container_insights: desired.container_insights,
            capacity_providers: Vec::new(),
            default_strategy: Vec::new(),
            default_strategy_items: Vec::new(),
            execute_command: Some(desired.execute_command.clone()),
            service_connect_namespace: Some(desired.service_connect_namespace.clone()),
            tags: desired.tags.clone(),
        })
    }

    async fn update(
        env: &Env,
        desired: &EcsClusterSpec,
        observed: &ObservedCluster,
        _: &[Change],
    ) -> Result<ObservedCluster, AwsError> {
        update(env.c(), desired).await?;
        env.forget(&shared_key(&desired.name));
        Ok(ObservedCluster {
            container_insights: desired.container_insights,
            execute_command: Some(desired.execute_command.clone()),
            service_connect_namespace: Some(desired.service_connect_namespace.clone()),
            ..observed.clone()
        })
    }

    /// Once its container instances have left (the Auto Scaling group is gone before it).
    async fn delete(env: &Env, observed: &ObservedCluster) -> Result<(), AwsError> {
        let name = observed.arn.rsplit('/').next().unwrap_or_default();
        env.budget
            .wait_until("the container instances to leave the cluster", || async {
                Ok(container_instance_count(env.c(), name).await? == 0)
            })
            .await?;
        delete(env.c(), name).await
    }

    fn desired_tags(desired: &EcsClusterSpec) -> Option<Tags> {
        Some(desired.tags.clone())
    }

    fn tags(observed: &ObservedCluster) -> Option<TagRef> {
        Some(TagRef {
            target: TagTarget::Ecs(observed.arn.clone()),
            known: Some(observed.tags.clone()),
        })
    }
}
