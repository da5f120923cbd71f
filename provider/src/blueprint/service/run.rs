//! The ECS service, its task count autoscaling and its DNS alias.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    ListenerRuleSpec, ServiceConnectSpec, ServiceInput, Strategy, TrafficStep, names, tags,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProviderItem {
    pub capacity_provider: String,
    pub weight: i32,
    pub base: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentSpec {
    pub minimum_healthy_percent: i32,
    pub maximum_percent: i32,
    pub circuit_breaker_enable: bool,
    pub circuit_breaker_rollback: bool,
    pub strategy: Strategy,
    /// Minutes both revisions run after the traffic has moved (shifting strategies only).
    pub bake_time: Option<i32>,
    pub canary: Option<TrafficStep>,
    pub linear: Option<TrafficStep>,
    /// The alarms that roll a deployment back; none turns alarm rollback off.
    pub alarm_names: Vec<String>,
}

/// What ECS needs to shift traffic between the service's two target groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficShift {
    pub alternate_target_group_arn: String,
    pub production_listener_rule: String,
    pub test_listener_rule: Option<String>,
    pub role_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementStrategy {
    /// `spread`, `binpack` or `random`.
    pub kind: String,
    pub field: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancerRef {
    pub target_group_arn: String,
    pub container_name: String,
    pub container_port: i32,
    /// Under a shifting strategy.
    pub shift: Option<TrafficShift>,
}

/// The ECS service; the caller adds the task definition revision it registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsServiceSpec {
    pub cluster: String,
    pub name: String,
    /// Only at creation: afterwards autoscaling owns the count (pain point 6).
    pub initial_desired_count: i32,
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    pub deployment: DeploymentSpec,
    pub placement_strategies: Vec<PlacementStrategy>,
    /// Only with a load balancer (ECS refuses it otherwise).
    pub health_check_grace_period: Option<i32>,
    pub availability_zone_rebalancing: bool,
    /// ECS Exec into the service's tasks.
    pub enable_execute_command: bool,
    /// `None`: a service without a route.
    pub load_balancer: Option<LoadBalancerRef>,
    /// `SERVICE`: tasks carry the service's tags.
    pub propagate_tags: String,
    pub enable_ecs_managed_tags: bool,
    pub scheduling_strategy: String,
    pub tags: BTreeMap<String, String>,
    /// The revision the service runs.
    pub task_definition_arn: String,
    /// Service Connect; `None` on a cluster without a namespace.
    pub service_connect: Option<ServiceConnectSpec>,
    /// Whether an apply waits until the deployment is done.
    pub wait_for_steady_state: bool,
    /// Traffic still to move to the service's new target group.
    pub cutover: Option<Cutover>,
}

/// The end of a move to a new target group: once a new task is healthy in it, the rule sends it
/// all the traffic. If the deployment rolls back instead, the rule follows the service back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutover {
    pub rule_arn: String,
    /// The rule forwarding only to the new group.
    pub rule: ListenerRuleSpec,
    /// The service's earlier groups that still exist.
    pub retiring: BTreeSet<String>,
}

/// The deployment configuration of `input`'s strategy: the strategy's own settings only, and
/// the alarms ECS watches.
pub fn deployment(input: &ServiceInput) -> DeploymentSpec {
    let d = &input.deployment;
    let shifting = d.strategy.shifts_traffic();
    DeploymentSpec {
        minimum_healthy_percent: 100,
        maximum_percent: 200,
        circuit_breaker_enable: true,
        circuit_breaker_rollback: true,
        strategy: d.strategy,
        bake_time: shifting.then_some(d.bake_time),
        canary: (d.strategy == Strategy::Canary).then_some(d.canary),
        linear: (d.strategy == Strategy::Linear).then_some(d.linear),
        alarm_names: super::deployment_alarm_names(input),
    }
}

impl EcsServiceSpec {
    /// The target group of the service's load balancer entry, when it has one.
    pub fn target_group_arn(&self) -> Option<&str> {
        self.load_balancer
            .as_ref()
            .map(|lb| lb.target_group_arn.as_str())
    }
}

/// The ECS service; `target_group_arn` is its load balancer entry's group, when it has a route.
pub fn service(
    input: &ServiceInput,
    capacity_provider: &str,
    target_group_arn: Option<&str>,
    task_definition_arn: &str,
    shift: Option<TrafficShift>,
) -> EcsServiceSpec {
    EcsServiceSpec {
        cluster: input.cluster.clone(),
        name: names(&input.cluster, &input.name).service,
        initial_desired_count: input.desired_count,
        capacity_provider_strategy: vec![CapacityProviderItem {
            capacity_provider: capacity_provider.to_owned(),
            weight: 1,
            base: 0,
        }],
        // New tasks start and pass health checks before old ones stop; a failing deployment
        // rolls back (and the apply then fails, pain point 10).
        deployment: deployment(input),
        placement_strategies: vec![
            PlacementStrategy {
                kind: "spread".into(),
                field: "attribute:ecs.availability-zone".into(),
            },
            // Within a zone, across instances: a Spot interruption takes few of a service's
            // tasks at once. (Bin packing would also make ECS refuse Availability Zone
            // rebalancing.)
            PlacementStrategy {
                kind: "spread".into(),
                field: "instanceId".into(),
            },
        ],
        health_check_grace_period: target_group_arn.map(|_| input.health_check_grace_period),
        availability_zone_rebalancing: input.availability_zone_rebalancing,
        enable_execute_command: input.enable_execute_command,
        load_balancer: target_group_arn.map(|arn| LoadBalancerRef {
            target_group_arn: arn.to_owned(),
            container_name: input.name.clone(),
            container_port: input.container_port,
            shift,
        }),
        propagate_tags: "SERVICE".into(),
        enable_ecs_managed_tags: true,
        scheduling_strategy: "REPLICA".into(),
        tags: tags(input),
        task_definition_arn: task_definition_arn.to_owned(),
        service_connect: None,
        wait_for_steady_state: true,
        cutover: None,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetTrackingSpec {
    pub policy_name: String,
    /// Empty for the queue policy.
    pub predefined_metric: String,
    /// The queue whose backlog per task the policy tracks (a customized metric).
    pub queue: Option<String>,
    pub target_value: f64,
    pub scale_in_cooldown: i32,
    pub scale_out_cooldown: i32,
}

/// The scalable target and its policies. They belong to the service's ARN: re-create them
/// whenever the service is (re)created, and verify them on read (pain point 11).
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingSpec {
    pub service_namespace: String,
    pub resource_id: String,
    pub scalable_dimension: String,
    pub min_capacity: i32,
    pub max_capacity: i32,
    pub policies: Vec<TargetTrackingSpec>,
}

/// The scalable target of the service `<cluster>/<name>` without bounds or policies: what
/// reading and deleting it need.
pub fn scaling_target(cluster: &str, name: &str) -> ScalingSpec {
    ScalingSpec {
        service_namespace: "ecs".into(),
        resource_id: format!("service/{cluster}/{name}"),
        scalable_dimension: "ecs:service:DesiredCount".into(),
        min_capacity: 0,
        max_capacity: 0,
        policies: Vec::new(),
    }
}

/// The predefined metrics of the CPU and memory policies.
pub const CPU_METRIC: &str = "ECSServiceAverageCPUUtilization";
pub const MEMORY_METRIC: &str = "ECSServiceAverageMemoryUtilization";

/// The suffixes of the provider's scaling policies, `<service>-<suffix>`.
const POLICY_SUFFIXES: &[&str] = &["cpu", "memory", "queue"];

/// Whether `policy` on the target `resource_id` (`service/<cluster>/<service>`) is one of the
/// provider's.
/// The names the provider's policies on the target `resource_id` can have.
pub fn owned_policy_names(resource_id: &str) -> Vec<String> {
    let service = resource_id.rsplit('/').next().unwrap_or_default();
    POLICY_SUFFIXES
        .iter()
        .map(|suffix| format!("{service}-{suffix}"))
        .collect()
}

pub fn owned_policy(resource_id: &str, policy: &str) -> bool {
    let service = resource_id.rsplit('/').next().unwrap_or_default();
    policy
        .strip_prefix(service)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|suffix| POLICY_SUFFIXES.contains(&suffix))
}

pub fn scaling(input: &ServiceInput) -> ScalingSpec {
    let a = &input.autoscaling;
    let policy = |suffix: &str, metric: &str, target: i32| TargetTrackingSpec {
        policy_name: format!("{}-{suffix}", input.name),
        predefined_metric: metric.to_owned(),
        queue: None,
        target_value: f64::from(target),
        scale_in_cooldown: 300,
        scale_out_cooldown: 60,
    };
    let queue = a.queue.as_ref().map(|q| TargetTrackingSpec {
        queue: Some(super::queue_name(&q.arn).to_owned()),
        ..policy("queue", "", q.backlog_per_task)
    });
    ScalingSpec {
        service_namespace: "ecs".into(),
        resource_id: format!("service/{}/{}", input.cluster, input.name),
        scalable_dimension: "ecs:service:DesiredCount".into(),
        min_capacity: a.min_capacity,
        max_capacity: a.max_capacity,
        policies: [
            policy("cpu", CPU_METRIC, a.cpu_target),
            policy("memory", MEMORY_METRIC, a.memory_target),
        ]
        .into_iter()
        .chain(queue)
        .collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasRecordSpec {
    /// Without any `/hostedzone/` prefix.
    pub zone_id: String,
    /// Fully qualified, with the trailing dot.
    pub name: String,
    pub record_type: String,
    pub alias_dns_name: String,
    pub alias_zone_id: String,
    pub evaluate_target_health: bool,
}

/// The alias A record for `domain_name`, when a hosted zone is configured.
pub fn alias_record(
    input: &ServiceInput,
    alb_dns_name: &str,
    alb_zone_id: &str,
) -> Option<AliasRecordSpec> {
    alias_record_for(
        input,
        input.domain_name.as_deref()?,
        alb_dns_name,
        alb_zone_id,
    )
}

/// The alias of `additional_domain_names[index]`, when there is one and a zone.
pub fn extra_alias_record(
    input: &ServiceInput,
    index: usize,
    alb_dns_name: &str,
    alb_zone_id: &str,
) -> Option<AliasRecordSpec> {
    let name = input.additional_domain_names.get(index)?;
    alias_record_for(input, name, alb_dns_name, alb_zone_id)
}

fn alias_record_for(
    input: &ServiceInput,
    name: &str,
    alb_dns_name: &str,
    alb_zone_id: &str,
) -> Option<AliasRecordSpec> {
    let zone = input.zone_id.as_deref()?;
    Some(AliasRecordSpec {
        zone_id: bare_zone_id(zone).to_owned(),
        name: record_name(name),
        record_type: "A".into(),
        alias_dns_name: alb_dns_name.to_owned(),
        alias_zone_id: alb_zone_id.to_owned(),
        evaluate_target_health: true,
    })
}

/// A hosted zone ID without any `/hostedzone/` prefix.
pub fn bare_zone_id(zone_id: &str) -> &str {
    zone_id.strip_prefix("/hostedzone/").unwrap_or(zone_id)
}

/// The fully qualified record name of a domain, with the trailing dot.
pub fn record_name(domain_name: &str) -> String {
    format!("{}.", domain_name.trim_end_matches('.'))
}
