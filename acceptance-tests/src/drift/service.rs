//! A service and what surrounds it: its desired count and revision, its scaling, log retention
//! and DNS record.

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair};
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch};

use crate::aws_check::Aws;

/// Sets the desired count of a service, as autoscaling would.
pub async fn set_desired_count(aws: &Aws, cluster: &str, service: &str, count: i32) {
    aws.ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .desired_count(count)
        .send()
        .await
        .unwrap_or_else(|e| panic!("set the desired count of {service}: {e}"));
}

/// A revision deployed outside Terraform.
pub struct Deployment<'a> {
    pub image: &'a str,
    pub cpu: &'a str,
    pub memory: &'a str,
    pub environment: &'a [(&'a str, &'a str)],
    pub health_check_grace_period: i32,
}

/// Registers a revision of the service's task family whose single container is named after the
/// service and runs `deployment`'s image, size and environment (ports, secrets, logging, network
/// mode and roles of the running revision kept), and deploys it with `deployment`'s health check
/// grace period.
pub async fn deploy_revision(aws: &Aws, cluster: &str, service: &str, deployment: &Deployment<'_>) {
    let td = aws.running_task_definition(cluster, service).await;
    let c = &td.container_definitions()[0];
    let container = ContainerDefinition::builder()
        .name(service)
        .image(deployment.image)
        .essential(true)
        .set_port_mappings(Some(c.port_mappings().to_vec()))
        .set_environment(Some(
            deployment
                .environment
                .iter()
                .map(|(k, v)| KeyValuePair::builder().name(*k).value(*v).build())
                .collect(),
        ))
        .set_secrets(Some(c.secrets().to_vec()))
        .set_log_configuration(c.log_configuration().cloned())
        .build();
    let registered = aws
        .ecs
        .register_task_definition()
        .family(td.family().expect("family"))
        .set_network_mode(td.network_mode().cloned())
        .set_requires_compatibilities(Some(td.requires_compatibilities().to_vec()))
        .cpu(deployment.cpu)
        .memory(deployment.memory)
        .set_execution_role_arn(td.execution_role_arn().map(str::to_owned))
        .set_task_role_arn(td.task_role_arn().map(str::to_owned))
        .container_definitions(container)
        .send()
        .await
        .unwrap_or_else(|e| panic!("register a revision of {service}: {e}"));
    aws.ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .task_definition(
            registered
                .task_definition()
                .and_then(|t| t.task_definition_arn())
                .expect("revision ARN"),
        )
        .health_check_grace_period_seconds(deployment.health_check_grace_period)
        .send()
        .await
        .unwrap_or_else(|e| panic!("deploy the revision of {service}: {e}"));
}

/// Turns ECS Exec on or off on a service, as `aws ecs update-service --enable-execute-command`.
pub async fn set_execute_command(aws: &Aws, cluster: &str, service: &str, on: bool) {
    aws.ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .enable_execute_command(on)
        .send()
        .await
        .unwrap_or_else(|e| panic!("set ECS Exec of {service}: {e}"));
}

/// Turns an ECS service's Availability Zone rebalancing on or off.
pub async fn set_availability_zone_rebalancing(aws: &Aws, cluster: &str, service: &str, on: bool) {
    use aws_sdk_ecs::types::AvailabilityZoneRebalancing as Rebalancing;
    aws.ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .availability_zone_rebalancing(if on {
            Rebalancing::Enabled
        } else {
            Rebalancing::Disabled
        })
        .send()
        .await
        .unwrap_or_else(|e| panic!("set Availability Zone rebalancing of {service}: {e}"));
}

/// Registers (or re-registers) the desired count range of an ECS service's scalable target
/// (`service/<cluster>/<service>`).
pub async fn set_scalable_target_range(aws: &Aws, resource_id: &str, min: i32, max: i32) {
    aws.scaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(min)
        .max_capacity(max)
        .send()
        .await
        .unwrap_or_else(|e| panic!("register scalable target {resource_id}: {e}"));
}

/// Deregisters the scalable target of an ECS service (`service/<cluster>/<service>`).
pub async fn deregister_scalable_target(aws: &Aws, resource_id: &str) {
    aws.scaling
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .unwrap_or_else(|e| panic!("deregister scalable target {resource_id}: {e}"));
}

/// Puts a target tracking policy `name` on an ECS service's desired count, tracking a
/// predefined metric at `target`.
pub async fn put_target_tracking_policy(
    aws: &Aws,
    resource_id: &str,
    name: &str,
    metric: MetricType,
    target: f64,
) {
    aws.scaling
        .put_scaling_policy()
        .policy_name(name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(target)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(metric)
                        .build()
                        .expect("metric"),
                )
                .build()
                .expect("target tracking configuration"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("put scaling policy {name} on {resource_id}: {e}"));
}

/// Sets how many days a log group keeps its events.
pub async fn set_log_retention(aws: &Aws, log_group: &str, days: i32) {
    aws.logs
        .put_retention_policy()
        .log_group_name(log_group)
        .retention_in_days(days)
        .send()
        .await
        .unwrap_or_else(|e| panic!("set the retention of {log_group}: {e}"));
}

/// Deletes the A record of `fqdn` (with its final dot) from a hosted zone.
pub async fn delete_a_record(aws: &Aws, zone_id: &str, fqdn: &str) {
    let record = aws
        .a_record(zone_id, fqdn)
        .await
        .unwrap_or_else(|| panic!("no A record {fqdn} in {zone_id}"));
    aws.route53
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(ChangeAction::Delete)
                        .resource_record_set(record)
                        .build()
                        .expect("change"),
                )
                .build()
                .expect("change batch"),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete the A record {fqdn}: {e}"));
}
