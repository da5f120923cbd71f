//! An ECS service's settings: as the API reports them, as the blueprint sets them, and the SDK
//! values that write them.

use aws_sdk_ecs::types::{
    AdvancedConfiguration, AvailabilityZoneRebalancing, CanaryConfiguration,
    CapacityProviderStrategyItem, DeploymentAlarms, DeploymentCircuitBreaker,
    DeploymentConfiguration, DeploymentStrategy, LinearConfiguration, LoadBalancer,
    PlacementStrategy, PlacementStrategyType, ServiceConnectClientAlias,
    ServiceConnectConfiguration, ServiceConnectService,
};

use super::retry::AwsError;
use crate::blueprint::service::{
    DeploymentSpec, EcsServiceSpec, LoadBalancerRef, Published, ServiceConnectSpec, Strategy,
    TrafficShift, TrafficStep,
};

/// The deployment settings of a service, as the API reports them and as the blueprint sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings {
    /// (provider, weight, base).
    pub capacity_provider_strategy: Vec<(String, i32, i32)>,
    pub deployment: DeploymentSpec,
    /// (type, field).
    pub placement: Vec<(String, String)>,
    pub propagate_tags: String,
    pub ecs_managed_tags: bool,
}

impl ServiceSettings {
    pub fn of(spec: &EcsServiceSpec) -> Self {
        Self {
            capacity_provider_strategy: spec
                .capacity_provider_strategy
                .iter()
                .map(|i| (i.capacity_provider.clone(), i.weight, i.base))
                .collect(),
            deployment: spec.deployment.clone(),
            placement: spec
                .placement_strategies
                .iter()
                .map(|p| (p.kind.clone(), p.field.clone()))
                .collect(),
            propagate_tags: spec.propagate_tags.clone(),
            ecs_managed_tags: spec.enable_ecs_managed_tags,
        }
    }
}

fn tenths(percent: Option<f64>) -> i32 {
    percent.map_or(0, |p| (p * 10.0).round() as i32)
}

/// The deployment configuration as ECS reports it; settings of another strategy than the one
/// in force do not count.
fn observed_deployment(d: &DeploymentConfiguration) -> DeploymentSpec {
    let breaker = d.deployment_circuit_breaker();
    let strategy = d
        .strategy()
        .and_then(|s| Strategy::from_api(s.as_str()))
        .unwrap_or(Strategy::Rolling);
    let alarms = d.alarms().filter(|a| a.enable() && a.rollback());
    DeploymentSpec {
        minimum_healthy_percent: d.minimum_healthy_percent().unwrap_or(100),
        maximum_percent: d.maximum_percent().unwrap_or(200),
        circuit_breaker_enable: breaker.is_some_and(|b| b.enable()),
        circuit_breaker_rollback: breaker.is_some_and(|b| b.rollback()),
        strategy,
        bake_time: if strategy.shifts_traffic() {
            d.bake_time_in_minutes()
        } else {
            None
        },
        canary: d
            .canary_configuration()
            .filter(|_| strategy == Strategy::Canary)
            .map(|c| TrafficStep {
                percent_tenths: tenths(c.canary_percent()),
                bake_time: c.canary_bake_time_in_minutes().unwrap_or_default(),
            }),
        linear: d
            .linear_configuration()
            .filter(|_| strategy == Strategy::Linear)
            .map(|l| TrafficStep {
                percent_tenths: tenths(l.step_percent()),
                bake_time: l.step_bake_time_in_minutes().unwrap_or_default(),
            }),
        alarm_names: alarms.map(|a| a.alarm_names().to_vec()).unwrap_or_default(),
    }
}

pub(super) fn settings(s: &aws_sdk_ecs::types::Service) -> Option<ServiceSettings> {
    let d = s.deployment_configuration()?;
    Some(ServiceSettings {
        capacity_provider_strategy: s
            .capacity_provider_strategy()
            .iter()
            .map(|i| (i.capacity_provider().to_owned(), i.weight(), i.base()))
            .collect(),
        deployment: observed_deployment(d),
        placement: s
            .placement_strategy()
            .iter()
            .map(|p| {
                (
                    p.r#type()
                        .map(|t| t.as_str().to_owned())
                        .unwrap_or_default(),
                    p.field().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        propagate_tags: s
            .propagate_tags()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        ecs_managed_tags: s.enable_ecs_managed_tags(),
    })
}

/// The traffic shift of a service's load balancer entry, as ECS reports it.
pub(super) fn observed_shift(lb: &LoadBalancer) -> Option<TrafficShift> {
    let a = lb.advanced_configuration()?;
    Some(TrafficShift {
        alternate_target_group_arn: a.alternate_target_group_arn()?.to_owned(),
        production_listener_rule: a.production_listener_rule().unwrap_or_default().to_owned(),
        test_listener_rule: a.test_listener_rule().map(str::to_owned),
        role_arn: a.role_arn().unwrap_or_default().to_owned(),
    })
}

pub(super) fn strategy(
    spec: &EcsServiceSpec,
) -> Result<Vec<CapacityProviderStrategyItem>, AwsError> {
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

fn percent(tenths: i32) -> f64 {
    f64::from(tenths) / 10.0
}

pub(super) fn deployment(spec: &EcsServiceSpec) -> Result<DeploymentConfiguration, AwsError> {
    let d = &spec.deployment;
    let alarms = DeploymentAlarms::builder()
        .set_alarm_names(Some(d.alarm_names.clone()))
        .enable(!d.alarm_names.is_empty())
        .rollback(!d.alarm_names.is_empty())
        .build()
        .map_err(|e| AwsError::new("configure ECS service", e.to_string()))?;
    Ok(DeploymentConfiguration::builder()
        .minimum_healthy_percent(d.minimum_healthy_percent)
        .maximum_percent(d.maximum_percent)
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(d.circuit_breaker_enable)
                .rollback(d.circuit_breaker_rollback)
                .build(),
        )
        .strategy(DeploymentStrategy::from(d.strategy.api()))
        .set_bake_time_in_minutes(d.bake_time)
        .set_canary_configuration(d.canary.map(|c| {
            CanaryConfiguration::builder()
                .canary_percent(percent(c.percent_tenths))
                .canary_bake_time_in_minutes(c.bake_time)
                .build()
        }))
        .set_linear_configuration(d.linear.map(|l| {
            LinearConfiguration::builder()
                .step_percent(percent(l.percent_tenths))
                .step_bake_time_in_minutes(l.bake_time)
                .build()
        }))
        .alarms(alarms)
        .build())
}

pub(super) fn placement(spec: &EcsServiceSpec) -> Vec<PlacementStrategy> {
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

/// The service's load balancer entries: none for a service without a route.
pub(super) fn load_balancers(spec: &EcsServiceSpec) -> Vec<LoadBalancer> {
    spec.load_balancer.iter().map(load_balancer).collect()
}

fn load_balancer(lb: &LoadBalancerRef) -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn(&lb.target_group_arn)
        .container_name(&lb.container_name)
        .container_port(lb.container_port)
        .set_advanced_configuration(lb.shift.as_ref().map(|s| {
            AdvancedConfiguration::builder()
                .alternate_target_group_arn(&s.alternate_target_group_arn)
                .production_listener_rule(&s.production_listener_rule)
                .set_test_listener_rule(s.test_listener_rule.clone())
                .role_arn(&s.role_arn)
                .build()
        }))
        .build()
}

pub(super) fn rebalancing(spec: &EcsServiceSpec) -> AvailabilityZoneRebalancing {
    if spec.availability_zone_rebalancing {
        AvailabilityZoneRebalancing::Enabled
    } else {
        AvailabilityZoneRebalancing::Disabled
    }
}

/// The Service Connect configuration of the service's primary deployment, when it is on.
pub(super) fn observed_connect(s: &aws_sdk_ecs::types::Service) -> Option<ServiceConnectSpec> {
    let primary = s
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))?;
    let c = primary
        .service_connect_configuration()
        .filter(|c| c.enabled())?;
    Some(ServiceConnectSpec {
        namespace: c.namespace().unwrap_or_default().to_owned(),
        published: c.services().first().map(|p| {
            let alias = p.client_aliases().first();
            Published {
                port_name: p.port_name().to_owned(),
                discovery_name: p.discovery_name().unwrap_or(p.port_name()).to_owned(),
                dns_name: alias
                    .and_then(|a| a.dns_name())
                    .unwrap_or_default()
                    .to_owned(),
                port: alias.map_or(0, |a| a.port()),
            }
        }),
    })
}

/// The service's Service Connect configuration; turned off when the spec has none.
pub(super) fn service_connect(
    spec: &EcsServiceSpec,
) -> Result<ServiceConnectConfiguration, AwsError> {
    let built =
        |e: aws_sdk_ecs::error::BuildError| AwsError::new("configure ECS service", e.to_string());
    let Some(connect) = &spec.service_connect else {
        return Ok(ServiceConnectConfiguration::builder()
            .enabled(false)
            .build());
    };
    let mut services = Vec::new();
    if let Some(p) = &connect.published {
        let alias = ServiceConnectClientAlias::builder()
            .port(p.port)
            .dns_name(&p.dns_name)
            .build()
            .map_err(built)?;
        services.push(
            ServiceConnectService::builder()
                .port_name(&p.port_name)
                .discovery_name(&p.discovery_name)
                .client_aliases(alias)
                .build()
                .map_err(built)?,
        );
    }
    Ok(ServiceConnectConfiguration::builder()
        .enabled(true)
        .namespace(&connect.namespace)
        .set_services((!services.is_empty()).then_some(services))
        .build())
}
