//! The service's logs and task definition.

use std::collections::{BTreeMap, BTreeSet};

use super::{ServiceInput, names, tags};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupSpec {
    pub name: String,
    pub retention_days: i32,
    pub tags: BTreeMap<String, String>,
}

pub fn log_group(input: &ServiceInput) -> LogGroupSpec {
    LogGroupSpec {
        name: names(&input.cluster, &input.name).log_group,
        retention_days: input.log_retention_days,
        tags: tags(input),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortMapping {
    pub container_port: i32,
    /// 0: Docker picks an ephemeral host port (bridge mode).
    pub host_port: i32,
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub essential: bool,
    pub port_mappings: Vec<PortMapping>,
    /// (name, value), sorted by name.
    pub environment: Vec<(String, String)>,
    /// (name, valueFrom), sorted by name; valueFrom is the ARN exactly as configured.
    pub secrets: Vec<(String, String)>,
    pub log_driver: String,
    pub log_options: BTreeMap<String, String>,
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
    pub container: ContainerSpec,
    pub tags: BTreeMap<String, String>,
}

pub fn task_definition(
    input: &ServiceInput,
    execution_role_arn: &str,
    task_role_arn: &str,
) -> TaskDefinitionSpec {
    let names = names(&input.cluster, &input.name);
    // BTreeMap iteration is already sorted by name.
    let pairs = |m: &BTreeMap<String, String>| -> Vec<(String, String)> {
        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
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
            port_mappings: vec![PortMapping {
                container_port: input.container_port,
                host_port: 0,
                protocol: "tcp".into(),
            }],
            environment: pairs(&input.environment),
            secrets: pairs(&input.secrets),
            log_driver: "awslogs".into(),
            log_options: BTreeMap::from([
                ("awslogs-group".to_owned(), names.log_group),
                ("awslogs-region".to_owned(), input.region.clone()),
                ("awslogs-stream-prefix".to_owned(), "ecs".to_owned()),
            ]),
        },
        tags: tags(input),
    }
}

/// Whether the registered revision `observed` (converted from DescribeTaskDefinition, keeping
/// only the fields above) already is `spec`, so a new revision is registered only on a real
/// change (pain point 8). Order of environment, secrets, port mappings and compatibilities does
/// not matter, nor do tags (changed in place) or a missing port protocol (AWS's default, tcp).
/// Amounts compare as numbers when both parse.
pub fn task_definition_matches(spec: &TaskDefinitionSpec, observed: &TaskDefinitionSpec) -> bool {
    fn set<T: Ord + Clone>(items: &[T]) -> BTreeSet<T> {
        items.iter().cloned().collect()
    }
    fn same_amount(a: &str, b: &str) -> bool {
        match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        }
    }
    fn ports(items: &[PortMapping]) -> BTreeSet<PortMapping> {
        items
            .iter()
            .map(|p| PortMapping {
                protocol: if p.protocol.is_empty() {
                    "tcp".into()
                } else {
                    p.protocol.to_ascii_lowercase()
                },
                ..p.clone()
            })
            .collect()
    }
    let (a, b) = (&spec.container, &observed.container);
    spec.family == observed.family
        && spec.network_mode == observed.network_mode
        && set(&spec.requires_compatibilities) == set(&observed.requires_compatibilities)
        && same_amount(&spec.cpu, &observed.cpu)
        && same_amount(&spec.memory, &observed.memory)
        && spec.execution_role_arn == observed.execution_role_arn
        && spec.task_role_arn == observed.task_role_arn
        && a.name == b.name
        && a.image == b.image
        && a.essential == b.essential
        && ports(&a.port_mappings) == ports(&b.port_mappings)
        && set(&a.environment) == set(&b.environment)
        && set(&a.secrets) == set(&b.secrets)
        && a.log_driver == b.log_driver
        && a.log_options == b.log_options
}
