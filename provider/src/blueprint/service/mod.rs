//! What one `ecsprod_service` consists of: names, IAM documents, the task definition, the target
//! group and listener rule on the cluster's shared HTTPS listener, the ECS service, its
//! autoscaling and the optional Route53 alias.

use std::collections::BTreeMap;

use super::OWNER_TAG;

mod access;
mod alarms;
mod connect;
mod container;
mod deploy;
mod priority;
mod queue;
mod routing;
mod run;
mod task;

pub use access::*;
pub use alarms::*;
pub use connect::*;
pub use container::*;
pub use deploy::*;
pub use priority::*;
pub use queue::*;
pub use routing::*;
pub use run::*;
pub use task::*;

/// Tag key naming the service that owns an object (next to [`OWNER_TAG`] for the cluster).
pub const SERVICE_TAG: &str = "ecsprod:service";

/// Task count autoscaling bounds and targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoscalingInput {
    pub min_capacity: i32,
    pub max_capacity: i32,
    /// Average CPU utilisation to keep, in percent.
    pub cpu_target: i32,
    /// Average memory utilisation to keep, in percent.
    pub memory_target: i32,
    /// Scaling on a queue's backlog too.
    pub queue: Option<QueueScaling>,
}

/// Everything the blueprint needs, with defaults applied and values known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInput {
    pub cluster: String,
    pub name: String,
    pub image: String,
    pub container_port: i32,
    /// The host routed to the service on the cluster's load balancer; `None`: a service
    /// without a route (a worker, or one only other services call).
    pub domain_name: Option<String>,
    /// More host names routed to the service (with an alias each in `zone_id`).
    pub additional_domain_names: Vec<String>,
    /// Paths of the hosts routed to the service; none: every path.
    pub path_patterns: Vec<String>,
    pub zone_id: Option<String>,
    pub cpu: i32,
    pub memory: i32,
    pub desired_count: i32,
    pub environment: BTreeMap<String, String>,
    /// Variable name → SSM parameter or Secrets Manager ARN (values are never read).
    pub secrets: BTreeMap<String, String>,
    pub health_check_path: String,
    pub health_check_matcher: String,
    pub deregistration_delay: i32,
    pub health_check_grace_period: i32,
    /// ECS moves tasks to balance the service across Availability Zones again after one
    /// recovers.
    pub availability_zone_rebalancing: bool,
    pub autoscaling: AutoscalingInput,
    pub deployment: DeploymentInput,
    pub log_retention_days: i32,
    pub task_role_policy_json: Option<String>,
    /// The main container's settings beyond image, port and variables.
    pub container: ContainerSettings,
    /// Extra containers in the task.
    pub sidecars: Vec<SidecarInput>,
    /// ECS Exec: shells and commands in the running tasks through SSM.
    pub enable_execute_command: bool,
    /// Published to the cluster's other services with Service Connect.
    pub internal: Option<InternalInput>,
    /// In the cluster's Service Connect namespace (a client at least).
    pub service_connect: bool,
    /// The cluster's key that encrypts Exec sessions, which the tasks then decrypt with.
    pub execute_command_kms_key_arn: Option<String>,
    /// The provider's default tags merged with the resource's tags.
    pub tags: BTreeMap<String, String>,
    pub region: String,
    pub account_id: String,
    pub partition: String,
}

impl ServiceInput {
    /// Whether the service has a route on the cluster's load balancer.
    pub fn routed(&self) -> bool {
        self.domain_name.is_some()
    }
}

/// FNV-1a, 64 bits. Names derived from it are stored in AWS, so it must never change (unlike
/// std's randomly seeded hasher).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The first `digits` (at most 16) lower-case hex digits of the FNV-1a hash of `s`.
pub(crate) fn short_hash(s: &str, digits: usize) -> String {
    let mut hex = format!("{:016x}", fnv1a64(s.as_bytes()));
    hex.truncate(digits.min(16));
    hex
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn prefix(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `<cluster>/<service>`: the service's identity within an account and region (also its ID).
pub fn service_key(cluster: &str, service: &str) -> String {
    format!("{cluster}/{service}")
}

const IAM_ROLE_NAME_MAX: usize = 64;
pub(crate) const TARGET_GROUP_NAME_MAX: usize = 32;

/// Physical names of the service's objects, all derived from the cluster and service names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNames {
    pub service: String,
    pub log_group: String,
    pub execution_role: String,
    pub task_role: String,
    /// The role ECS shifts the traffic with under the shifting deployment strategies.
    pub load_balancer_role: String,
    /// Inline policy on the execution role (the listed secrets).
    pub execution_role_policy: String,
    /// Inline policy on the task role (`task_role_policy_json`).
    pub task_role_policy: String,
    /// Inline policy on the task role under `enable_execute_command`.
    pub execute_command_policy: String,
    /// Inline policy on the task role for `autoscaling.queue`.
    pub queue_policy: String,
    pub task_family: String,
}

pub fn names(cluster: &str, service: &str) -> ServiceNames {
    ServiceNames {
        service: service.to_owned(),
        log_group: format!("/ecs/{cluster}/{service}"),
        execution_role: role_name(cluster, service, "exec"),
        task_role: role_name(cluster, service, "task"),
        load_balancer_role: role_name(cluster, service, "lb"),
        execution_role_policy: "secrets".into(),
        task_role_policy: "application".into(),
        execute_command_policy: "execute-command".into(),
        queue_policy: "queue".into(),
        task_family: format!("{cluster}-{service}"),
    }
}

/// `<cluster>-<service>-<suffix>`, or, when that exceeds IAM's 64 characters (28 + 1 + 32 + 5 =
/// 66 at worst), its truncated start, an 8-digit hash of the full name and the suffix.
pub(crate) fn role_name(cluster: &str, service: &str, suffix: &str) -> String {
    let full = format!("{cluster}-{service}-{suffix}");
    if full.len() <= IAM_ROLE_NAME_MAX {
        return full;
    }
    let hash = short_hash(&full, 8);
    let room = IAM_ROLE_NAME_MAX - hash.len() - suffix.len() - 2;
    let start = prefix(&full, room).trim_end_matches('-');
    format!("{start}-{hash}-{suffix}")
}

/// Tags on every object: the user's tags plus the cluster and service ownership tags.
pub fn tags(input: &ServiceInput) -> BTreeMap<String, String> {
    let mut tags = input.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), input.cluster.clone());
    tags.insert(SERVICE_TAG.to_owned(), input.name.clone());
    tags
}

/// A service with every setting at a production value, for tests.
#[cfg(test)]
pub fn example() -> ServiceInput {
    ServiceInput {
        cluster: "prod".into(),
        name: "api".into(),
        image: "public.ecr.aws/nginx/nginx:1.27".into(),
        container_port: 8080,
        domain_name: Some("api.example.com".into()),
        additional_domain_names: Vec::new(),
        path_patterns: Vec::new(),
        zone_id: Some("/hostedzone/Z0123456789ABC".into()),
        cpu: 256,
        memory: 512,
        desired_count: 2,
        environment: BTreeMap::from([
            ("LOG_LEVEL".to_owned(), "info".to_owned()),
            ("APP_MODE".to_owned(), "web".to_owned()),
        ]),
        secrets: BTreeMap::new(),
        health_check_path: "/health".into(),
        health_check_matcher: "200-399".into(),
        deregistration_delay: 30,
        health_check_grace_period: 60,
        availability_zone_rebalancing: true,
        autoscaling: AutoscalingInput {
            min_capacity: 2,
            max_capacity: 10,
            cpu_target: 60,
            memory_target: 75,
            queue: None,
        },
        deployment: DeploymentInput::default(),
        log_retention_days: 30,
        task_role_policy_json: None,
        container: ContainerSettings::default(),
        sidecars: Vec::new(),
        enable_execute_command: false,
        internal: None,
        service_connect: true,
        execute_command_kms_key_arn: None,
        tags: BTreeMap::from([("Team".to_owned(), "core".to_owned())]),
        region: "eu-west-1".into(),
        account_id: "123456789012".into(),
        partition: "aws".into(),
    }
}

#[cfg(test)]
mod tests;
