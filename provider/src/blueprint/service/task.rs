//! The service's logs and task definition.

use std::collections::{BTreeMap, BTreeSet};

use super::container::{log_options, pairs};
use super::{ContainerSpec, Dependency, PortMapping, ServiceInput, names, tags};

/// The log stream prefix of the main container (a sidecar's is its name).
pub const MAIN_LOG_PREFIX: &str = "ecs";

pub use crate::blueprint::logs::LogGroupSpec;

pub fn log_group(input: &ServiceInput) -> LogGroupSpec {
    LogGroupSpec {
        name: names(&input.cluster, &input.name).log_group,
        retention_days: input.log_retention_days,
        // A key associated outside Terraform (a compliance rule's) stays.
        kms_key_id: None,
        tags: tags(input),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinitionSpec {
    pub family: String,
    pub network_mode: String,
    pub requires_compatibilities: Vec<String>,
    /// Task CPU units, as the API's string.
    pub cpu: String,
    /// Task memory in MiB, as the API's string.
    pub memory: String,
    pub execution_role_arn: String,
    pub task_role_arn: String,
    /// The application's container, named as the service and registered first.
    pub container: ContainerSpec,
    /// The other containers, in the configured order.
    pub sidecars: Vec<ContainerSpec>,
    pub tags: BTreeMap<String, String>,
}

impl TaskDefinitionSpec {
    /// Every container, the main one first.
    pub fn containers(&self) -> impl Iterator<Item = &ContainerSpec> {
        std::iter::once(&self.container).chain(&self.sidecars)
    }
}

/// Every secret ARN the task's containers are given, main container and sidecars.
pub fn secret_arns(input: &ServiceInput) -> BTreeSet<&String> {
    input
        .secrets
        .values()
        .chain(input.sidecars.iter().flat_map(|s| s.secrets.values()))
        .collect()
}

pub fn task_definition(
    input: &ServiceInput,
    execution_role_arn: &str,
    task_role_arn: &str,
) -> TaskDefinitionSpec {
    let names = names(&input.cluster, &input.name);
    let main = &input.container;
    let waits_for = input
        .sidecars
        .iter()
        .filter_map(|s| {
            s.main_waits_for.as_ref().map(|c| Dependency {
                container: s.name.clone(),
                condition: c.clone(),
            })
        })
        .collect();
    let sidecars = input
        .sidecars
        .iter()
        .map(|s| ContainerSpec {
            name: s.name.clone(),
            image: s.image.clone(),
            essential: s.essential,
            cpu: s.cpu,
            memory: s.memory,
            command: s.command.clone(),
            environment: pairs(&s.environment),
            secrets: pairs(&s.secrets),
            health_check: s.health_check.clone(),
            depends_on: s
                .depends_on
                .iter()
                .map(|c| Dependency {
                    container: input.name.clone(),
                    condition: c.clone(),
                })
                .collect(),
            log_driver: "awslogs".into(),
            log_options: log_options(&names.log_group, &input.region, &s.name),
            ..ContainerSpec::default()
        })
        .collect();
    TaskDefinitionSpec {
        family: names.task_family,
        network_mode: "bridge".into(),
        requires_compatibilities: vec!["EC2".into()],
        cpu: input.cpu.to_string(),
        memory: input.memory.to_string(),
        execution_role_arn: execution_role_arn.to_owned(),
        task_role_arn: task_role_arn.to_owned(),
        container: ContainerSpec {
            name: input.name.clone(),
            image: input.image.clone(),
            essential: true,
            cpu: 0,
            memory: None,
            port_mappings: vec![PortMapping {
                name: input.internal.as_ref().map(|i| i.port_name.clone()),
                container_port: input.container_port,
                host_port: 0,
                protocol: "tcp".into(),
            }],
            command: main.command.clone(),
            entry_point: main.entrypoint.clone(),
            environment: pairs(&input.environment),
            secrets: pairs(&input.secrets),
            health_check: main.health_check.clone(),
            depends_on: waits_for,
            stop_timeout: main.stop_timeout,
            readonly_root_filesystem: main.readonly_root_filesystem,
            user: main.user.clone(),
            log_driver: "awslogs".into(),
            log_options: log_options(&names.log_group, &input.region, MAIN_LOG_PREFIX),
        },
        sidecars,
        tags: tags(input),
    }
}

/// Whether the registered revision `observed` (converted from DescribeTaskDefinition, keeping
/// only the fields above) already is `spec`, so a new revision is registered only on a real
/// change (pain point 8). Order of containers and of their sets does not matter, nor do tags
/// (changed in place) or AWS's defaults. Amounts compare as numbers when both parse.
pub fn task_definition_matches(spec: &TaskDefinitionSpec, observed: &TaskDefinitionSpec) -> bool {
    fn same_amount(a: &str, b: &str) -> bool {
        match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        }
    }
    let set = |items: &[String]| items.iter().cloned().collect::<BTreeSet<_>>();
    let containers_match = || {
        let mut observed: Vec<&ContainerSpec> = observed.containers().collect();
        spec.containers().count() == observed.len()
            && spec.containers().all(|want| {
                match observed.iter().position(|have| want.matches(have)) {
                    Some(i) => {
                        observed.swap_remove(i);
                        true
                    }
                    None => false,
                }
            })
    };
    spec.family == observed.family
        && spec.network_mode == observed.network_mode
        && set(&spec.requires_compatibilities) == set(&observed.requires_compatibilities)
        && same_amount(&spec.cpu, &observed.cpu)
        && same_amount(&spec.memory, &observed.memory)
        && spec.execution_role_arn == observed.execution_role_arn
        && spec.task_role_arn == observed.task_role_arn
        && containers_match()
}
