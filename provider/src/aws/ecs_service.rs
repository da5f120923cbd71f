//! ECS services: created only after their listener rule exists, updated with a rolling
//! deployment, deleted with force and waited for until inactive.

use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, DeploymentCircuitBreaker, DeploymentConfiguration, LoadBalancer,
    PlacementStrategy, PlacementStrategyType, PropagateTags, SchedulingStrategy, Tag,
};

use super::Clients;
use super::retry::{AwsError, aws_error};
use crate::blueprint::service::EcsServiceSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedService {
    pub arn: String,
    pub status: String,
    pub task_definition: String,
    pub desired_count: i32,
    pub running_count: i32,
    pub target_group_arns: Vec<String>,
    /// `None` when AWS does not report it (the emulator keeps it only from UpdateService).
    pub health_check_grace_period: Option<i32>,
    /// Deployments: (id, status, rollout state, failed tasks).
    pub deployments: Vec<(String, String, String, i32)>,
    pub events: Vec<String>,
}

pub async fn describe(
    c: &Clients,
    cluster: &str,
    name: &str,
) -> Result<Option<ObservedService>, AwsError> {
    let out = match c
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("describe ECS service", e);
            return if err.code() == Some("ClusterNotFoundException") {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    Ok(out
        .services()
        .iter()
        .find(|s| s.service_name() == Some(name))
        .map(|s| ObservedService {
            arn: s.service_arn().unwrap_or_default().to_owned(),
            status: s.status().unwrap_or_default().to_owned(),
            task_definition: s.task_definition().unwrap_or_default().to_owned(),
            desired_count: s.desired_count(),
            running_count: s.running_count(),
            target_group_arns: s
                .load_balancers()
                .iter()
                .filter_map(|l| l.target_group_arn().map(str::to_owned))
                .collect(),
            health_check_grace_period: s.health_check_grace_period_seconds(),
            deployments: s
                .deployments()
                .iter()
                .map(|d| {
                    (
                        d.id().unwrap_or_default().to_owned(),
                        d.status().unwrap_or_default().to_owned(),
                        d.rollout_state()
                            .map(|r| r.as_str().to_owned())
                            .unwrap_or_default(),
                        d.failed_tasks(),
                    )
                })
                .collect(),
            events: s
                .events()
                .iter()
                .take(5)
                .filter_map(|e| e.message().map(str::to_owned))
                .collect(),
        }))
}

fn strategy(spec: &EcsServiceSpec) -> Result<Vec<CapacityProviderStrategyItem>, AwsError> {
    spec.capacity_provider_strategy
        .iter()
        .map(|i| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(&i.capacity_provider)
                .weight(i.weight)
                .base(i.base)
                .build()
                .map_err(|e| AwsError::new("configure ECS service", e.to_string()))
        })
        .collect()
}

fn deployment(spec: &EcsServiceSpec) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .minimum_healthy_percent(spec.deployment.minimum_healthy_percent)
        .maximum_percent(spec.deployment.maximum_percent)
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(spec.deployment.circuit_breaker_enable)
                .rollback(spec.deployment.circuit_breaker_rollback)
                .build(),
        )
        .build()
}

fn placement(spec: &EcsServiceSpec) -> Vec<PlacementStrategy> {
    spec.placement_strategies
        .iter()
        .map(|p| {
            PlacementStrategy::builder()
                .r#type(PlacementStrategyType::from(p.kind.as_str()))
                .field(&p.field)
                .build()
        })
        .collect()
}

pub async fn create(
    c: &Clients,
    spec: &EcsServiceSpec,
    task_definition: &str,
) -> Result<String, AwsError> {
    let out = c
        .ecs
        .create_service()
        .client_token(client_token())
        .cluster(&spec.cluster)
        .service_name(&spec.name)
        .task_definition(task_definition)
        .desired_count(spec.initial_desired_count)
        .set_capacity_provider_strategy(Some(strategy(spec)?))
        .deployment_configuration(deployment(spec))
        .set_placement_strategy(Some(placement(spec)))
        .health_check_grace_period_seconds(spec.health_check_grace_period)
        .load_balancers(load_balancer(spec))
        .propagate_tags(PropagateTags::from(spec.propagate_tags.as_str()))
        .enable_ecs_managed_tags(spec.enable_ecs_managed_tags)
        .scheduling_strategy(SchedulingStrategy::from(spec.scheduling_strategy.as_str()))
        .set_tags(Some(
            spec.tags
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| aws_error("create ECS service", e))?;
    out.service()
        .and_then(|s| s.service_arn())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::new("create ECS service", "AWS returned no service"))
}

/// A token unique to one CreateService intent: the SDK sends the same request, token included,
/// when it retries, so a create whose answer was lost is answered with the service it made
/// instead of ECS's "creation of service was not idempotent".
fn client_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("ecsprod-{:x}-{:x}", nanos as u64, std::process::id())
}

fn load_balancer(spec: &EcsServiceSpec) -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn(&spec.load_balancer.target_group_arn)
        .container_name(&spec.load_balancer.container_name)
        .container_port(spec.load_balancer.container_port)
        .build()
}

/// Applies `task_definition` and every deployment setting; the desired count is left to
/// autoscaling. With `new_revision`, a rolling deployment is forced; otherwise only settings
/// change and running tasks stay. With `move_load_balancer`, the service's load balancer entry
/// becomes the spec's (another target group): ECS then rolls new tasks into that group and
/// stops the old ones once the new ones are healthy.
pub async fn update(
    c: &Clients,
    spec: &EcsServiceSpec,
    task_definition: &str,
    new_revision: bool,
    move_load_balancer: bool,
) -> Result<(), AwsError> {
    let load_balancers = move_load_balancer.then(|| vec![load_balancer(spec)]);
    c.ecs
        .update_service()
        .cluster(&spec.cluster)
        .service(&spec.name)
        .task_definition(task_definition)
        .set_capacity_provider_strategy(Some(strategy(spec)?))
        .deployment_configuration(deployment(spec))
        .set_placement_strategy(Some(placement(spec)))
        .health_check_grace_period_seconds(spec.health_check_grace_period)
        .propagate_tags(PropagateTags::from(spec.propagate_tags.as_str()))
        .enable_ecs_managed_tags(spec.enable_ecs_managed_tags)
        .set_load_balancers(load_balancers)
        .force_new_deployment(new_revision)
        .send()
        .await
        .map_err(|e| aws_error("update ECS service", e))?;
    Ok(())
}

/// Scales to zero and deletes with force; the caller waits until the service is inactive.
pub async fn delete(c: &Clients, cluster: &str, name: &str) -> Result<(), AwsError> {
    let Some(found) = describe(c, cluster, name).await? else {
        return Ok(());
    };
    if found.status == "INACTIVE" {
        return Ok(());
    }
    if found.desired_count > 0 {
        c.ecs
            .update_service()
            .cluster(cluster)
            .service(name)
            .desired_count(0)
            .send()
            .await
            .map_err(|e| aws_error("scale ECS service to zero", e))?;
    }
    c.ecs
        .delete_service()
        .cluster(cluster)
        .service(name)
        .force(true)
        .send()
        .await
        .map_err(|e| aws_error("delete ECS service", e))?;
    Ok(())
}
