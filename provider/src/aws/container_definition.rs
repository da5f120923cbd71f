//! Container definitions to and from the ECS API, in the blueprint's shape.

use aws_sdk_ecs::types::{
    ContainerCondition, ContainerDefinition, ContainerDependency, HealthCheck, KeyValuePair,
    LogConfiguration, LogDriver, PortMapping, Secret, TransportProtocol,
};

use super::retry::AwsError;
use crate::blueprint::service::{self as bp, ContainerSpec};

const STEP: &str = "register task definition";

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, AwsError> {
    r.map_err(|e| AwsError::new(STEP, e.to_string()))
}

/// `Some(items)` unless empty: the API's lists are left out rather than sent empty.
fn listed(items: &[String]) -> Option<Vec<String>> {
    (!items.is_empty()).then(|| items.to_vec())
}

fn health_check(h: &bp::HealthCheck) -> Result<HealthCheck, AwsError> {
    built(
        HealthCheck::builder()
            .set_command(Some(h.command.clone()))
            .interval(h.interval)
            .timeout(h.timeout)
            .retries(h.retries)
            .start_period(h.start_period)
            .build(),
    )
}

/// The API's container definition for `spec`. Settings at ECS's defaults are left out.
pub fn to_sdk(spec: &ContainerSpec) -> Result<ContainerDefinition, AwsError> {
    let mut secrets = Vec::new();
    for (name, value_from) in &spec.secrets {
        secrets.push(built(
            Secret::builder().name(name).value_from(value_from).build(),
        )?);
    }
    let mut depends_on = Vec::new();
    for d in &spec.depends_on {
        depends_on.push(built(
            ContainerDependency::builder()
                .container_name(&d.container)
                .condition(ContainerCondition::from(d.condition.as_str()))
                .build(),
        )?);
    }
    let log = built(
        LogConfiguration::builder()
            .log_driver(LogDriver::from(spec.log_driver.as_str()))
            .set_options(Some(spec.log_options.clone().into_iter().collect()))
            .build(),
    )?;
    Ok(ContainerDefinition::builder()
        .name(&spec.name)
        .image(&spec.image)
        .essential(spec.essential)
        .set_cpu((spec.cpu > 0).then_some(spec.cpu))
        .set_memory(spec.memory)
        .set_port_mappings(Some(
            spec.port_mappings
                .iter()
                .map(|p| {
                    PortMapping::builder()
                        .set_name(p.name.clone())
                        .container_port(p.container_port)
                        .host_port(p.host_port)
                        .protocol(TransportProtocol::from(p.protocol.as_str()))
                        .build()
                })
                .collect(),
        ))
        .set_command(listed(&spec.command))
        .set_entry_point(listed(&spec.entry_point))
        .set_environment(Some(
            spec.environment
                .iter()
                .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
                .collect(),
        ))
        .set_secrets(Some(secrets))
        .set_health_check(spec.health_check.as_ref().map(health_check).transpose()?)
        .set_depends_on((!depends_on.is_empty()).then_some(depends_on))
        .set_stop_timeout(spec.stop_timeout)
        .set_readonly_root_filesystem(spec.readonly_root_filesystem.then_some(true))
        .set_user(spec.user.clone())
        .log_configuration(log)
        .build())
}

/// A container definition as DescribeTaskDefinition returns it, with ECS's defaults for what
/// it leaves out.
pub fn from_sdk(c: &ContainerDefinition) -> ContainerSpec {
    ContainerSpec {
        name: c.name().unwrap_or_default().to_owned(),
        image: c.image().unwrap_or_default().to_owned(),
        essential: c.essential().unwrap_or(true),
        cpu: c.cpu(),
        memory: c.memory(),
        port_mappings: c
            .port_mappings()
            .iter()
            .map(|p| bp::PortMapping {
                name: p.name().map(str::to_owned),
                container_port: p.container_port().unwrap_or(0),
                host_port: p.host_port().unwrap_or(0),
                protocol: p
                    .protocol()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "tcp".into()),
            })
            .collect(),
        command: c.command().to_vec(),
        entry_point: c.entry_point().to_vec(),
        environment: c
            .environment()
            .iter()
            .filter_map(|kv| Some((kv.name()?.to_owned(), kv.value()?.to_owned())))
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| (s.name().to_owned(), s.value_from().to_owned()))
            .collect(),
        health_check: c.health_check().map(|h| bp::HealthCheck {
            command: h.command().to_vec(),
            interval: h.interval().unwrap_or(bp::HEALTH_CHECK_INTERVAL),
            timeout: h.timeout().unwrap_or(bp::HEALTH_CHECK_TIMEOUT),
            retries: h.retries().unwrap_or(bp::HEALTH_CHECK_RETRIES),
            start_period: h.start_period().unwrap_or(bp::HEALTH_CHECK_START_PERIOD),
        }),
        depends_on: c
            .depends_on()
            .iter()
            .map(|d| bp::Dependency {
                container: d.container_name().to_owned(),
                condition: d.condition().as_str().to_owned(),
            })
            .collect(),
        stop_timeout: c.stop_timeout(),
        readonly_root_filesystem: c.readonly_root_filesystem().unwrap_or(false),
        user: c.user().filter(|u| !u.is_empty()).map(str::to_owned),
        log_driver: c
            .log_configuration()
            .map(|l| l.log_driver().as_str().to_owned())
            .unwrap_or_default(),
        log_options: c
            .log_configuration()
            .and_then(|l| l.options())
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    }
}
