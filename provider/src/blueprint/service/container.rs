//! The containers of a service's task: the main container's own settings, its sidecars, and
//! the canonical form two container definitions are compared in.

use std::collections::{BTreeMap, BTreeSet};

/// ECS's health check defaults: what DescribeTaskDefinition reports when a setting is left out.
pub const HEALTH_CHECK_INTERVAL: i32 = 30;
pub const HEALTH_CHECK_TIMEOUT: i32 = 5;
pub const HEALTH_CHECK_RETRIES: i32 = 3;
pub const HEALTH_CHECK_START_PERIOD: i32 = 0;

/// The conditions a container can wait for on another one.
pub const CONDITIONS: &[&str] = &["START", "HEALTHY", "COMPLETE", "SUCCESS"];
/// The conditions a container can wait for on an essential one (it never completes).
pub const CONDITIONS_ON_ESSENTIAL: &[&str] = &["START", "HEALTHY"];

/// A container health check, run by Docker inside the container.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HealthCheck {
    /// `["CMD-SHELL", "curl -f http://localhost/ || exit 1"]` or `["CMD", ...]`.
    pub command: Vec<String>,
    pub interval: i32,
    pub timeout: i32,
    pub retries: i32,
    pub start_period: i32,
}

/// The main container's settings beyond image, port and variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSettings {
    pub command: Vec<String>,
    pub entrypoint: Vec<String>,
    pub health_check: Option<HealthCheck>,
    /// Seconds between SIGTERM and SIGKILL; `None`: the ECS agent's default (30).
    pub stop_timeout: Option<i32>,
    pub readonly_root_filesystem: bool,
    pub user: Option<String>,
}

/// An extra container in the service's task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarInput {
    pub name: String,
    pub image: String,
    pub essential: bool,
    /// CPU units reserved within the task's (0: none reserved).
    pub cpu: i32,
    /// Hard memory limit in MiB within the task's.
    pub memory: Option<i32>,
    pub command: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// Variable name → SSM parameter or Secrets Manager ARN (values are never read).
    pub secrets: BTreeMap<String, String>,
    pub health_check: Option<HealthCheck>,
    /// The condition on the main container this sidecar waits for before it starts.
    pub depends_on: Option<String>,
    /// The condition on this sidecar the main container waits for before it starts.
    pub main_waits_for: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortMapping {
    /// What Service Connect calls the port.
    pub name: Option<String>,
    pub container_port: i32,
    /// 0: Docker picks an ephemeral host port (bridge mode).
    pub host_port: i32,
    pub protocol: String,
}

/// A container's start dependency: wait for `condition` on `container`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    pub container: String,
    pub condition: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub essential: bool,
    /// Container CPU units (0: none reserved).
    pub cpu: i32,
    /// Container hard memory limit in MiB.
    pub memory: Option<i32>,
    pub port_mappings: Vec<PortMapping>,
    pub command: Vec<String>,
    pub entry_point: Vec<String>,
    /// (name, value), sorted by name.
    pub environment: Vec<(String, String)>,
    /// (name, valueFrom), sorted by name; valueFrom is the ARN exactly as configured.
    pub secrets: Vec<(String, String)>,
    pub health_check: Option<HealthCheck>,
    pub depends_on: Vec<Dependency>,
    pub stop_timeout: Option<i32>,
    pub readonly_root_filesystem: bool,
    pub user: Option<String>,
    pub log_driver: String,
    pub log_options: BTreeMap<String, String>,
}

/// A container as compared: sets sorted, AWS's defaults filled in (port protocol tcp).
#[derive(Debug, PartialEq, Eq)]
struct Canonical<'a> {
    name: &'a str,
    image: &'a str,
    essential: bool,
    cpu: i32,
    memory: Option<i32>,
    ports: BTreeSet<PortMapping>,
    command: &'a [String],
    entry_point: &'a [String],
    environment: BTreeSet<&'a (String, String)>,
    secrets: BTreeSet<&'a (String, String)>,
    health_check: Option<&'a HealthCheck>,
    depends_on: BTreeSet<&'a Dependency>,
    stop_timeout: Option<i32>,
    readonly_root_filesystem: bool,
    user: Option<&'a str>,
    log_driver: &'a str,
    log_options: &'a BTreeMap<String, String>,
}

impl ContainerSpec {
    fn canonical(&self) -> Canonical<'_> {
        Canonical {
            name: &self.name,
            image: &self.image,
            essential: self.essential,
            cpu: self.cpu,
            memory: self.memory,
            ports: self
                .port_mappings
                .iter()
                .map(|p| PortMapping {
                    protocol: if p.protocol.is_empty() {
                        "tcp".into()
                    } else {
                        p.protocol.to_ascii_lowercase()
                    },
                    ..p.clone()
                })
                .collect(),
            command: &self.command,
            entry_point: &self.entry_point,
            environment: self.environment.iter().collect(),
            secrets: self.secrets.iter().collect(),
            health_check: self.health_check.as_ref(),
            depends_on: self.depends_on.iter().collect(),
            stop_timeout: self.stop_timeout,
            readonly_root_filesystem: self.readonly_root_filesystem,
            user: self.user.as_deref().filter(|u| !u.is_empty()),
            log_driver: &self.log_driver,
            log_options: &self.log_options,
        }
    }

    /// Whether `observed` (read back from AWS) is this container: order of sets does not
    /// matter, nor does a missing port protocol (AWS's default, tcp).
    pub fn matches(&self, observed: &ContainerSpec) -> bool {
        self.canonical() == observed.canonical()
    }
}

/// (name, value) pairs sorted by name (BTreeMap iteration order).
pub(crate) fn pairs(m: &BTreeMap<String, String>) -> Vec<(String, String)> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The `awslogs` options of a container logging to `group` under `prefix`.
pub(crate) fn log_options(group: &str, region: &str, prefix: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("awslogs-group".to_owned(), group.to_owned()),
        ("awslogs-region".to_owned(), region.to_owned()),
        ("awslogs-stream-prefix".to_owned(), prefix.to_owned()),
    ])
}
