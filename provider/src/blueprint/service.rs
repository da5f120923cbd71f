//! What one `ecsprod_service` consists of: names, IAM documents, the task definition, the target
//! group and listener rule on the cluster's shared HTTPS listener, the ECS service, its
//! autoscaling and the optional Route53 alias.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::OWNER_TAG;

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
}

/// Everything the blueprint needs, with defaults applied and values known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInput {
    pub cluster: String,
    pub name: String,
    pub image: String,
    pub container_port: i32,
    pub domain_name: String,
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
    pub autoscaling: AutoscalingInput,
    pub log_retention_days: i32,
    pub task_role_policy_json: Option<String>,
    /// The provider's default tags merged with the resource's tags.
    pub tags: BTreeMap<String, String>,
    pub region: String,
    pub account_id: String,
    pub partition: String,
}

/// FNV-1a, 64 bits. Names derived from it are stored in AWS, so it must never change (unlike
/// std's randomly seeded hasher).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The first `digits` (at most 16) lower-case hex digits of the FNV-1a hash of `s`.
fn short_hash(s: &str, digits: usize) -> String {
    let mut hex = format!("{:016x}", fnv1a64(s.as_bytes()));
    hex.truncate(digits.min(16));
    hex
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn prefix(s: &str, max: usize) -> &str {
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
const TARGET_GROUP_NAME_MAX: usize = 32;

/// Physical names of the service's objects, all derived from the cluster and service names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNames {
    pub service: String,
    pub log_group: String,
    pub execution_role: String,
    pub task_role: String,
    /// Inline policy on the execution role (the listed secrets).
    pub execution_role_policy: String,
    /// Inline policy on the task role (`task_role_policy_json`).
    pub task_role_policy: String,
    pub task_family: String,
}

pub fn names(cluster: &str, service: &str) -> ServiceNames {
    ServiceNames {
        service: service.to_owned(),
        log_group: format!("/ecs/{cluster}/{service}"),
        execution_role: role_name(cluster, service, "exec"),
        task_role: role_name(cluster, service, "task"),
        execution_role_policy: "secrets".into(),
        task_role_policy: "application".into(),
        task_family: format!("{cluster}-{service}"),
    }
}

/// `<cluster>-<service>-<suffix>`, or, when that exceeds IAM's 64 characters (28 + 1 + 32 + 5 =
/// 66 at worst), its truncated start, an 8-digit hash of the full name and the suffix.
fn role_name(cluster: &str, service: &str, suffix: &str) -> String {
    let full = format!("{cluster}-{service}-{suffix}");
    if full.len() <= IAM_ROLE_NAME_MAX {
        return full;
    }
    let hash = short_hash(&full, 8);
    let room = IAM_ROLE_NAME_MAX - hash.len() - suffix.len() - 2;
    let start = prefix(&full, room).trim_end_matches('-');
    format!("{start}-{hash}-{suffix}")
}

const TARGET_GROUP_PROTOCOL: &str = "HTTP";
const TARGET_TYPE: &str = "instance";

/// Hash of the target group settings AWS cannot modify (protocol, port, target type). A new
/// generation means a new target group, created next to the old one (pain point 12).
pub fn target_group_generation(input: &ServiceInput) -> String {
    let settings = format!(
        "{TARGET_GROUP_PROTOCOL}|{TARGET_TYPE}|{}",
        input.container_port
    );
    short_hash(&settings, 8)
}

/// A target group name unique per service and generation, so the replacement can exist beside
/// the group still in use: `<cluster>-<service>` cut to fit, an 8-digit hash of
/// `<cluster>/<service>`, and the generation. At most 32 letters, digits and hyphens, never
/// starting or ending with a hyphen. A generation of 1-8 letters and digits (such as
/// [`target_group_generation`]'s) is used as is, anything else is hashed.
pub fn target_group_name(cluster: &str, service: &str, generation: &str) -> String {
    let generation = if (1..=8).contains(&generation.len())
        && generation.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        generation.to_owned()
    } else {
        short_hash(generation, 8)
    };
    let id = short_hash(&service_key(cluster, service), 8);
    let room = TARGET_GROUP_NAME_MAX - id.len() - generation.len() - 2;
    let readable: String = format!("{cluster}-{service}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(room)
        .collect();
    let readable = readable.trim_matches('-');
    if readable.is_empty() {
        format!("{id}-{generation}")
    } else {
        format!("{readable}-{id}-{generation}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetGroupSpec {
    pub name: String,
    pub vpc_id: String,
    pub protocol: String,
    pub port: i32,
    pub target_type: String,
    pub health_check_path: String,
    pub health_check_matcher: String,
    /// `traffic-port`: the dynamic host port each task is registered with.
    pub health_check_port: String,
    pub health_check_interval_seconds: i32,
    pub health_check_timeout_seconds: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
    /// The `deregistration_delay.timeout_seconds` attribute.
    pub deregistration_delay: i32,
    pub tags: BTreeMap<String, String>,
}

pub fn target_group(input: &ServiceInput, vpc_id: &str, generation: &str) -> TargetGroupSpec {
    TargetGroupSpec {
        name: target_group_name(&input.cluster, &input.name, generation),
        vpc_id: vpc_id.to_owned(),
        protocol: TARGET_GROUP_PROTOCOL.into(),
        port: input.container_port,
        target_type: TARGET_TYPE.into(),
        health_check_path: input.health_check_path.clone(),
        health_check_matcher: input.health_check_matcher.clone(),
        health_check_port: "traffic-port".into(),
        health_check_interval_seconds: 15,
        health_check_timeout_seconds: 5,
        healthy_threshold: 2,
        unhealthy_threshold: 3,
        deregistration_delay: input.deregistration_delay,
        tags: tags(input),
    }
}

/// Priorities an ALB listener rule may have.
pub const PRIORITY_RANGE: (i32, i32) = (1, 50_000);

/// A listener rule priority for `service_key` ([`service_key`]) that no rule in `taken` has,
/// with no integer from the user (pain point 13): start at a hash of the key mapped into
/// 1..=50000, then step up past taken priorities, wrapping from 50000 to 1. The same key and
/// rules always give the same priority, and services usually keep their start.
///
/// `taken` must be read from the listener's current rules at apply time, under the provider's
/// per-listener lock, and must not contain the service's own rule: the allocation is re-checked
/// against the live listener on every apply, and CreateRule's `PriorityInUse` means re-reading
/// and allocating again. If every priority were taken (far beyond the rules-per-listener quota)
/// the start is returned and CreateRule reports the conflict.
pub fn listener_rule_priority(service_key: &str, taken: &BTreeSet<i32>) -> i32 {
    let (low, high) = PRIORITY_RANGE;
    let span = u64::from((high - low + 1).unsigned_abs());
    let offset = i32::try_from(fnv1a64(service_key.as_bytes()) % span).unwrap_or(0);
    first_free(low + offset, taken)
}

/// The first priority from `start` upwards, wrapping within [`PRIORITY_RANGE`], not in `taken`.
fn first_free(start: i32, taken: &BTreeSet<i32>) -> i32 {
    let (low, high) = PRIORITY_RANGE;
    let mut candidate = start;
    for _ in low..=high {
        if !taken.contains(&candidate) {
            return candidate;
        }
        candidate = if candidate >= high {
            low
        } else {
            candidate + 1
        };
    }
    start
}

/// One target group of a `forward` action and its weight (0-999; 0 receives no traffic).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WeightedTarget {
    pub target_group_arn: String,
    pub weight: i32,
}

impl WeightedTarget {
    pub fn new(target_group_arn: &str, weight: i32) -> Self {
        Self {
            target_group_arn: target_group_arn.to_owned(),
            weight,
        }
    }
}

/// The rule on the cluster's HTTPS listener; the priority comes from [`listener_rule_priority`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerRuleSpec {
    /// The `host-header` condition's values.
    pub host_headers: Vec<String>,
    /// The `forward` action's target groups: the service's group alone, except during a target
    /// group swap (see [`rule_forward`]).
    pub forward: Vec<WeightedTarget>,
    pub tags: BTreeMap<String, String>,
}

impl ListenerRuleSpec {
    /// Whether the rule sends all its traffic to `target_group_arn` and to no other group.
    pub fn forwards_only_to(&self, target_group_arn: &str) -> bool {
        matches!(self.forward.as_slice(), [only] if only.target_group_arn == target_group_arn && only.weight > 0)
    }
}

pub fn listener_rule(input: &ServiceInput, forward: Vec<WeightedTarget>) -> ListenerRuleSpec {
    ListenerRuleSpec {
        host_headers: vec![input.domain_name.clone()],
        forward,
        tags: tags(input),
    }
}

/// The rule's `forward` targets while the service moves to `target` (pain point 12). `serving`
/// are the groups that carry the service's traffic now (the rule's groups with a weight, or
/// after a rollback the groups the service's tasks are registered in); `retiring` the service's
/// earlier groups that still exist.
///
/// While a retiring group still serves, it keeps all the traffic and `target` joins with weight
/// 0: attached to the load balancer (ECS accepts a target group only once it is) but without
/// traffic until the new tasks are healthy in it. Otherwise `target` alone. Groups that are
/// neither the service's current nor its retiring ones never appear.
pub fn rule_forward(
    target: &str,
    retiring: &BTreeSet<String>,
    serving: &[String],
) -> Vec<WeightedTarget> {
    let old: BTreeSet<&String> = serving
        .iter()
        .filter(|arn| arn.as_str() != target && retiring.contains(*arn))
        .collect();
    if old.is_empty() {
        return vec![WeightedTarget::new(target, 1)];
    }
    old.into_iter()
        .map(|arn| WeightedTarget::new(arn, 1))
        .chain(std::iter::once(WeightedTarget::new(target, 0)))
        .collect()
}

/// Whether the observed `forward` targets are the spec's: same groups and weights, in any order.
pub fn same_forward(spec: &[WeightedTarget], observed: &[WeightedTarget]) -> bool {
    let set = |f: &[WeightedTarget]| f.iter().cloned().collect::<BTreeSet<_>>();
    set(spec) == set(observed)
}

/// Where a secret's value comes from, and what the execution role must be allowed to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKind {
    SsmParameter {
        /// The ARN as given: also the IAM resource.
        arn: String,
        /// The parameter name: the text after `parameter/`, with the leading `/` of a
        /// hierarchical name (one containing `/`) restored.
        name: String,
    },
    SecretsManager {
        /// The first 7 fields of the ARN: the secret itself, without any
        /// `:json-key:version-stage:version-id` suffix. The IAM resource.
        secret_arn: String,
    },
}

/// What a secret ARN refers to; `None` for anything configuration validation rejects.
pub fn secret_kind(arn: &str) -> Option<SecretKind> {
    let fields: Vec<&str> = arn.split(':').collect();
    if fields.len() < 6 || fields[0] != "arn" {
        return None;
    }
    match fields[2] {
        "ssm" if fields.len() == 6 => {
            let name = fields[5].strip_prefix("parameter/")?;
            let name = if name.contains('/') {
                format!("/{}", name.trim_start_matches('/'))
            } else {
                name.to_owned()
            };
            Some(SecretKind::SsmParameter {
                arn: arn.to_owned(),
                name,
            })
        }
        "secretsmanager" if (fields.len() == 7 || fields.len() == 10) && fields[5] == "secret" => {
            Some(SecretKind::SecretsManager {
                secret_arn: fields[..7].join(":"),
            })
        }
        _ => None,
    }
}

/// The region field of an ARN.
fn arn_region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// The execution role's inline policy: read exactly the listed SSM parameters and Secrets
/// Manager secrets, and decrypt with exactly `kms_keys` (the secrets' customer-managed keys,
/// resolved by the caller) but only through the services the secrets use (pain point 18).
/// Statements without resources are left out; `None` when nothing is left. Key entries that are
/// not ARNs, or contain a wildcard, are ignored: no statement ever has a `*` resource.
pub fn execution_role_policy(input: &ServiceInput, kms_keys: &[String]) -> Option<Value> {
    let mut parameters = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let mut via_services = BTreeSet::new();
    for arn in input.secrets.values() {
        match secret_kind(arn) {
            Some(SecretKind::SsmParameter { arn, .. }) => {
                via_services.insert(format!("ssm.{}.amazonaws.com", arn_region(&arn)));
                parameters.insert(arn);
            }
            Some(SecretKind::SecretsManager { secret_arn }) => {
                via_services.insert(format!(
                    "secretsmanager.{}.amazonaws.com",
                    arn_region(&secret_arn)
                ));
                secrets.insert(secret_arn);
            }
            None => {}
        }
    }
    let keys: BTreeSet<&String> = kms_keys
        .iter()
        .filter(|k| k.starts_with("arn:") && !k.contains('*'))
        .collect();

    let mut statements = Vec::new();
    if !parameters.is_empty() {
        statements.push(json!({
            "Sid": "ReadSsmParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": parameters,
        }));
    }
    if !secrets.is_empty() {
        statements.push(json!({
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": secrets,
        }));
    }
    if !keys.is_empty() && !via_services.is_empty() {
        statements.push(json!({
            "Sid": "DecryptSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": keys,
            "Condition": { "StringEquals": { "kms:ViaService": via_services } },
        }));
    }
    (!statements.is_empty()).then(|| json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// The AWS-managed policy of the execution role: image pulls and CloudWatch Logs.
pub fn execution_role_managed_policies(partition: &str) -> Vec<String> {
    vec![format!(
        "arn:{partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    )]
}

/// Trust policy of the execution and task roles: ECS tasks of this account and region only
/// (the confused-deputy conditions).
pub fn ecs_tasks_trust_policy(input: &ServiceInput) -> Value {
    let ServiceInput {
        partition,
        region,
        account_id,
        ..
    } = input;
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "ecs-tasks.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": account_id },
                "ArnLike": { "aws:SourceArn": format!("arn:{partition}:ecs:{region}:{account_id}:*") },
            },
        }]
    })
}

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementStrategy {
    /// `spread` or `binpack`.
    pub kind: String,
    pub field: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancerRef {
    pub target_group_arn: String,
    pub container_name: String,
    pub container_port: i32,
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
    pub health_check_grace_period: i32,
    pub load_balancer: LoadBalancerRef,
    /// `SERVICE`: tasks carry the service's tags.
    pub propagate_tags: String,
    pub enable_ecs_managed_tags: bool,
    pub scheduling_strategy: String,
    pub tags: BTreeMap<String, String>,
}

pub fn service(
    input: &ServiceInput,
    capacity_provider: &str,
    target_group_arn: &str,
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
        deployment: DeploymentSpec {
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            circuit_breaker_enable: true,
            circuit_breaker_rollback: true,
        },
        placement_strategies: vec![
            PlacementStrategy {
                kind: "spread".into(),
                field: "attribute:ecs.availability-zone".into(),
            },
            PlacementStrategy {
                kind: "binpack".into(),
                field: "memory".into(),
            },
        ],
        health_check_grace_period: input.health_check_grace_period,
        load_balancer: LoadBalancerRef {
            target_group_arn: target_group_arn.to_owned(),
            container_name: input.name.clone(),
            container_port: input.container_port,
        },
        propagate_tags: "SERVICE".into(),
        enable_ecs_managed_tags: true,
        scheduling_strategy: "REPLICA".into(),
        tags: tags(input),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetTrackingSpec {
    pub policy_name: String,
    pub predefined_metric: String,
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

pub fn scaling(input: &ServiceInput) -> ScalingSpec {
    let a = &input.autoscaling;
    let policy = |suffix: &str, metric: &str, target: i32| TargetTrackingSpec {
        policy_name: format!("{}-{suffix}", input.name),
        predefined_metric: metric.to_owned(),
        target_value: f64::from(target),
        scale_in_cooldown: 300,
        scale_out_cooldown: 60,
    };
    ScalingSpec {
        service_namespace: "ecs".into(),
        resource_id: format!("service/{}/{}", input.cluster, input.name),
        scalable_dimension: "ecs:service:DesiredCount".into(),
        min_capacity: a.min_capacity,
        max_capacity: a.max_capacity,
        policies: vec![
            policy("cpu", CPU_METRIC, a.cpu_target),
            policy("memory", MEMORY_METRIC, a.memory_target),
        ],
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
    let zone = input.zone_id.as_deref()?;
    Some(AliasRecordSpec {
        zone_id: bare_zone_id(zone).to_owned(),
        name: record_name(&input.domain_name),
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

/// Tags on every object: the user's tags plus the cluster and service ownership tags.
pub fn tags(input: &ServiceInput) -> BTreeMap<String, String> {
    let mut tags = input.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), input.cluster.clone());
    tags.insert(SERVICE_TAG.to_owned(), input.name.clone());
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAM: &str = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db-url";
    const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/api-AbC123";
    const KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";

    fn input() -> ServiceInput {
        ServiceInput {
            cluster: "prod".into(),
            name: "api".into(),
            image: "public.ecr.aws/nginx/nginx:1.27".into(),
            container_port: 8080,
            domain_name: "api.example.com".into(),
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
            autoscaling: AutoscalingInput {
                min_capacity: 2,
                max_capacity: 10,
                cpu_target: 60,
                memory_target: 75,
            },
            log_retention_days: 30,
            task_role_policy_json: None,
            tags: BTreeMap::from([("Team".to_owned(), "core".to_owned())]),
            region: "eu-west-1".into(),
            account_id: "123456789012".into(),
            partition: "aws".into(),
        }
    }

    fn with_secrets(pairs: &[(&str, &str)]) -> ServiceInput {
        let mut i = input();
        i.secrets = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        i
    }

    /// An SSM parameter twice, and one Secrets Manager secret through two JSON keys.
    fn mixed() -> ServiceInput {
        with_secrets(&[
            ("DB_URL", PARAM),
            ("DB_URL_COPY", PARAM),
            ("API_KEY", &format!("{SECRET}:key::")),
            ("API_USER", &format!("{SECRET}:user:AWSCURRENT:")),
        ])
    }

    /// Every string in a JSON document, with the key it is under.
    fn strings<'a>(v: &'a Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
        match v {
            Value::String(s) => out.push((key, s)),
            Value::Array(items) => items.iter().for_each(|i| strings(i, key, out)),
            Value::Object(map) => map.iter().for_each(|(k, i)| strings(i, k, out)),
            _ => {}
        }
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn names_follow_the_cluster_and_service() {
        let n = names("prod", "api");
        assert_eq!(n.log_group, "/ecs/prod/api");
        assert_eq!(n.execution_role, "prod-api-exec");
        assert_eq!(n.task_role, "prod-api-task");
        assert_eq!(n.task_family, "prod-api");
        assert_eq!(n.service, "api");
    }

    #[test]
    fn role_names_fit_64_characters_with_the_longest_names_and_stay_distinct() {
        let (cluster, service) = ("c".repeat(28), "s".repeat(32));
        let n = names(&cluster, &service);
        for role in [&n.execution_role, &n.task_role] {
            assert!(role.len() <= 64, "{role} is {} long", role.len());
            assert!(role.starts_with(&cluster));
        }
        assert!(n.execution_role.ends_with("-exec") && n.task_role.ends_with("-task"));
        assert_ne!(n.execution_role, n.task_role);
        assert_eq!(n, names(&cluster, &service), "deterministic");
        // Services differing only past the cut still get different roles.
        let other = names(&cluster, &format!("{}t", "s".repeat(31)));
        assert_ne!(n.execution_role, other.execution_role);
        // Exactly 64 needs no hash.
        let fits = names(&"c".repeat(26), &"s".repeat(32));
        assert_eq!(fits.execution_role.len(), 64);
        assert!(fits.execution_role.contains(&"s".repeat(32)));
    }

    #[test]
    fn target_group_names_are_valid_32_characters_at_most() {
        for (cluster, service) in [
            ("c".repeat(28), "s".repeat(32)),
            ("p".into(), "a".into()),
            ("prod".into(), "api".into()),
        ] {
            for generation in ["0a1b2c3d", "x", "not a hash -- too long!"] {
                let name = target_group_name(&cluster, &service, generation);
                assert!(name.len() <= 32, "{name}");
                assert!(
                    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                    "{name}"
                );
                assert!(!name.starts_with('-') && !name.ends_with('-'), "{name}");
            }
        }
    }

    #[test]
    fn target_group_name_is_stable_and_differs_per_generation_and_service() {
        let generation = target_group_generation(&input());
        let name = target_group_name("prod", "api", &generation);
        // Pinned: a different hash would rename (and so replace) every target group.
        assert_eq!(generation, "72dea28e");
        assert_eq!(name, "prod-api-3e99956a-72dea28e");
        assert_ne!(name, target_group_name("prod", "api", "00000000"));
        assert_ne!(name, target_group_name("prod", "web", &generation));
        assert_ne!(name, target_group_name("staging", "api", &generation));
        let long = |g: &str| target_group_name(&"c".repeat(28), &"s".repeat(32), g);
        assert_ne!(long("a"), long("b"));
    }

    #[test]
    fn only_immutable_target_group_settings_change_the_generation() {
        let base = input();
        let mut moved = input();
        moved.container_port = 9090;
        assert_ne!(
            target_group_generation(&base),
            target_group_generation(&moved)
        );
        let mut tuned = input();
        tuned.health_check_path = "/ready".into();
        tuned.deregistration_delay = 5;
        assert_eq!(
            target_group_generation(&base),
            target_group_generation(&tuned)
        );
    }

    #[test]
    fn target_group_checks_the_traffic_port_quickly() {
        let tg = target_group(&input(), "vpc-1", "72dea28e");
        assert_eq!((tg.protocol.as_str(), tg.port), ("HTTP", 8080));
        assert_eq!(tg.target_type, "instance");
        assert_eq!(tg.health_check_port, "traffic-port");
        assert_eq!(
            (
                tg.health_check_path.as_str(),
                tg.health_check_matcher.as_str()
            ),
            ("/health", "200-399")
        );
        assert_eq!(
            (
                tg.health_check_interval_seconds,
                tg.health_check_timeout_seconds,
                tg.healthy_threshold,
                tg.unhealthy_threshold,
                tg.deregistration_delay
            ),
            (15, 5, 2, 3, 30)
        );
        assert_eq!(tg.name, "prod-api-3e99956a-72dea28e");
    }

    #[test]
    fn secret_kind_strips_the_json_key_suffix_and_names_parameters() {
        assert_eq!(
            secret_kind(&format!("{SECRET}:password:AWSCURRENT:")),
            Some(SecretKind::SecretsManager {
                secret_arn: SECRET.into()
            })
        );
        assert_eq!(
            secret_kind(SECRET),
            Some(SecretKind::SecretsManager {
                secret_arn: SECRET.into()
            })
        );
        assert_eq!(
            secret_kind(PARAM),
            Some(SecretKind::SsmParameter {
                arn: PARAM.into(),
                name: "/app/db-url".into()
            })
        );
        assert_eq!(
            secret_kind("arn:aws:ssm:eu-west-1:123456789012:parameter/flat"),
            Some(SecretKind::SsmParameter {
                arn: "arn:aws:ssm:eu-west-1:123456789012:parameter/flat".into(),
                name: "flat".into()
            })
        );
        assert_eq!(secret_kind("arn:aws:s3:::bucket"), None);
        assert_eq!(secret_kind("not-an-arn"), None);
    }

    #[test]
    fn execution_policy_reads_exactly_the_listed_secrets() {
        let policy = execution_role_policy(&mixed(), &[]).expect("a policy");
        assert_eq!(
            policy,
            json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ReadSsmParameters",
                        "Effect": "Allow",
                        "Action": "ssm:GetParameters",
                        "Resource": [PARAM],
                    },
                    {
                        "Sid": "ReadSecrets",
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": [SECRET],
                    },
                ]
            })
        );
    }

    #[test]
    fn kms_statement_appears_only_with_keys_and_only_via_the_services_used() {
        let keys = vec![KEY.to_owned(), KEY.to_owned()];
        let kms = |i: &ServiceInput, keys: &[String]| {
            execution_role_policy(i, keys).and_then(|p| {
                p["Statement"]
                    .as_array()
                    .and_then(|s| s.iter().find(|s| s["Action"] == "kms:Decrypt").cloned())
            })
        };
        assert_eq!(kms(&mixed(), &[]), None);
        assert_eq!(
            kms(&mixed(), &keys),
            Some(json!({
                "Sid": "DecryptSecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": [KEY],
                "Condition": { "StringEquals": { "kms:ViaService": [
                    "secretsmanager.eu-west-1.amazonaws.com",
                    "ssm.eu-west-1.amazonaws.com",
                ] } },
            }))
        );
        let ssm_only = kms(&with_secrets(&[("DB", PARAM)]), &keys).expect("kms");
        assert_eq!(
            ssm_only["Condition"]["StringEquals"]["kms:ViaService"],
            json!(["ssm.eu-west-1.amazonaws.com"])
        );
        let sm_only = kms(&with_secrets(&[("API", SECRET)]), &keys).expect("kms");
        assert_eq!(
            sm_only["Condition"]["StringEquals"]["kms:ViaService"],
            json!(["secretsmanager.eu-west-1.amazonaws.com"])
        );
        // Keys without any secret, or no secrets at all: no inline policy.
        assert_eq!(execution_role_policy(&input(), &keys), None);
        assert_eq!(execution_role_policy(&input(), &[]), None);
    }

    #[test]
    fn no_policy_grants_a_wildcard() {
        let keys = vec![
            KEY.to_owned(),
            "*".to_owned(),
            "arn:aws:kms:*:*:key/*".to_owned(),
        ];
        let exec = execution_role_policy(&mixed(), &keys).expect("a policy");
        let mut found = Vec::new();
        strings(&exec, "", &mut found);
        assert!(found.iter().all(|(_, s)| !s.contains('*')), "{exec}");
        assert_eq!(exec["Statement"][2]["Resource"], json!([KEY]));

        // The trust policy's only pattern is the documented source-ARN condition.
        let trust = ecs_tasks_trust_policy(&input());
        let mut found = Vec::new();
        strings(&trust, "", &mut found);
        let wild: Vec<_> = found.iter().filter(|(_, s)| s.contains('*')).collect();
        assert_eq!(
            wild,
            vec![&("aws:SourceArn", "arn:aws:ecs:eu-west-1:123456789012:*")]
        );
    }

    #[test]
    fn roles_trust_only_this_accounts_ecs_tasks() {
        let trust = ecs_tasks_trust_policy(&input());
        let s = &trust["Statement"][0];
        assert_eq!(s["Principal"]["Service"], "ecs-tasks.amazonaws.com");
        assert_eq!(s["Action"], "sts:AssumeRole");
        assert_eq!(
            s["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
        assert_eq!(
            execution_role_managed_policies("aws-cn"),
            vec!["arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
        );
    }

    #[test]
    fn priority_is_deterministic_in_range_and_skips_taken_ones() {
        let key = service_key("prod", "api");
        let free = listener_rule_priority(&key, &BTreeSet::new());
        assert!((1..=50_000).contains(&free));
        assert_eq!(free, listener_rule_priority(&key, &BTreeSet::new()));
        assert_ne!(
            free,
            listener_rule_priority(&service_key("prod", "web"), &BTreeSet::new())
        );
        let taken = BTreeSet::from([free, free % 50_000 + 1]);
        let next = listener_rule_priority(&key, &taken);
        assert!(!taken.contains(&next) && (1..=50_000).contains(&next));
        assert_eq!(next, (free + 1) % 50_000 + 1);
    }

    #[test]
    fn priority_probing_wraps_from_50000_to_1() {
        let taken = BTreeSet::from([49_999, 50_000, 1]);
        assert_eq!(first_free(49_999, &taken), 2);
        assert_eq!(first_free(50_000, &BTreeSet::from([50_000])), 1);
        let full: BTreeSet<i32> = (1..=50_000).collect();
        assert_eq!(first_free(7, &full), 7, "a full listener returns the start");
    }

    #[test]
    fn listener_rule_forwards_the_domain_to_the_target_group() {
        let rule = listener_rule(&input(), vec![WeightedTarget::new("arn:tg", 1)]);
        assert_eq!(rule.host_headers, vec!["api.example.com"]);
        assert!(rule.forwards_only_to("arn:tg"));
        assert!(!rule.forwards_only_to("arn:other"));
        let swapping = listener_rule(
            &input(),
            rule_forward("arn:new", &set(&["arn:old"]), &["arn:old".into()]),
        );
        assert!(!swapping.forwards_only_to("arn:new"));
        assert!(!swapping.forwards_only_to("arn:old"));
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_new_target_group_joins_without_traffic_while_the_old_one_serves() {
        let retiring = set(&["arn:old"]);
        assert_eq!(
            rule_forward("arn:new", &retiring, &["arn:old".into()]),
            vec![
                WeightedTarget::new("arn:old", 1),
                WeightedTarget::new("arn:new", 0)
            ]
        );
        // Already switched (an earlier apply got that far), or nothing retiring: the new group alone.
        assert_eq!(
            rule_forward("arn:new", &retiring, &["arn:new".into()]),
            vec![WeightedTarget::new("arn:new", 1)]
        );
        assert_eq!(
            rule_forward("arn:new", &BTreeSet::new(), &["arn:old".into()]),
            vec![WeightedTarget::new("arn:new", 1)]
        );
        // A group that is not the service's (set out of band) is never kept.
        assert_eq!(
            rule_forward(
                "arn:new",
                &retiring,
                &["arn:foreign".into(), "arn:old".into()]
            ),
            vec![
                WeightedTarget::new("arn:old", 1),
                WeightedTarget::new("arn:new", 0)
            ]
        );
        assert_eq!(
            rule_forward("arn:new", &retiring, &[]),
            vec![WeightedTarget::new("arn:new", 1)]
        );
    }

    #[test]
    fn forward_comparison_ignores_order_but_not_weights() {
        let a = vec![WeightedTarget::new("x", 1), WeightedTarget::new("y", 0)];
        let b = vec![WeightedTarget::new("y", 0), WeightedTarget::new("x", 1)];
        assert!(same_forward(&a, &b));
        let c = vec![WeightedTarget::new("y", 1), WeightedTarget::new("x", 1)];
        assert!(!same_forward(&a, &c));
        assert!(!same_forward(&a, &a[..1]));
    }

    #[test]
    fn task_definition_is_bridge_mode_with_dynamic_ports_and_secret_arns_as_given() {
        let i = mixed();
        let td = task_definition(&i, "arn:exec", "arn:task");
        assert_eq!(td.family, "prod-api");
        assert_eq!(td.network_mode, "bridge");
        assert_eq!(td.requires_compatibilities, vec!["EC2"]);
        assert_eq!((td.cpu.as_str(), td.memory.as_str()), ("256", "512"));
        let c = &td.container;
        assert_eq!(c.name, "api");
        assert!(c.essential);
        assert_eq!(
            c.port_mappings,
            vec![PortMapping {
                container_port: 8080,
                host_port: 0,
                protocol: "tcp".into()
            }]
        );
        let env_names: Vec<&str> = c.environment.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(env_names, vec!["APP_MODE", "LOG_LEVEL"]);
        assert_eq!(
            c.secrets[0],
            ("API_KEY".to_owned(), format!("{SECRET}:key::"))
        );
        assert_eq!(c.secrets.len(), 4);
        assert_eq!(c.log_driver, "awslogs");
        assert_eq!(c.log_options["awslogs-group"], "/ecs/prod/api");
        assert_eq!(c.log_options["awslogs-region"], "eu-west-1");
        assert_eq!(c.log_options["awslogs-stream-prefix"], "ecs");
        assert_eq!(td.tags[OWNER_TAG], "prod");
    }

    #[test]
    fn task_definition_match_ignores_order_and_aws_defaults_but_not_an_image_change() {
        let spec = task_definition(&mixed(), "arn:exec", "arn:task");
        let mut observed = spec.clone();
        observed.container.environment.reverse();
        observed.container.secrets.reverse();
        observed.container.port_mappings[0].protocol = String::new();
        observed.tags.clear();
        assert!(task_definition_matches(&spec, &observed));

        let mut changed = observed.clone();
        changed.container.image = "public.ecr.aws/nginx/nginx:1.28".into();
        assert!(!task_definition_matches(&spec, &changed));
        let mut changed = observed.clone();
        changed.container.environment[0].1 = "debug".into();
        assert!(!task_definition_matches(&spec, &changed));
        let mut changed = observed;
        changed.memory = "1024".into();
        assert!(!task_definition_matches(&spec, &changed));
    }

    #[test]
    fn service_deploys_without_downtime_and_rolls_back_failures() {
        let s = service(&input(), "prod-capacity", "arn:tg");
        assert_eq!(
            s.deployment,
            DeploymentSpec {
                minimum_healthy_percent: 100,
                maximum_percent: 200,
                circuit_breaker_enable: true,
                circuit_breaker_rollback: true,
            }
        );
        assert_eq!(
            s.capacity_provider_strategy,
            vec![CapacityProviderItem {
                capacity_provider: "prod-capacity".into(),
                weight: 1,
                base: 0
            }]
        );
        assert_eq!(
            s.placement_strategies[0].field,
            "attribute:ecs.availability-zone"
        );
        assert_eq!(s.placement_strategies[1].kind, "binpack");
        assert_eq!(
            s.load_balancer,
            LoadBalancerRef {
                target_group_arn: "arn:tg".into(),
                container_name: "api".into(),
                container_port: 8080
            }
        );
        assert_eq!(
            (s.initial_desired_count, s.health_check_grace_period),
            (2, 60)
        );
        assert_eq!(s.propagate_tags, "SERVICE");
        assert!(s.enable_ecs_managed_tags);
        assert_eq!(s.scheduling_strategy, "REPLICA");
    }

    #[test]
    fn scaling_tracks_cpu_and_memory_on_the_desired_count() {
        let sc = scaling(&input());
        assert_eq!(sc.resource_id, "service/prod/api");
        assert_eq!(sc.scalable_dimension, "ecs:service:DesiredCount");
        assert_eq!((sc.min_capacity, sc.max_capacity), (2, 10));
        let summary: Vec<(&str, &str, f64, i32, i32)> = sc
            .policies
            .iter()
            .map(|p| {
                (
                    p.policy_name.as_str(),
                    p.predefined_metric.as_str(),
                    p.target_value,
                    p.scale_in_cooldown,
                    p.scale_out_cooldown,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("api-cpu", "ECSServiceAverageCPUUtilization", 60.0, 300, 60),
                (
                    "api-memory",
                    "ECSServiceAverageMemoryUtilization",
                    75.0,
                    300,
                    60
                ),
            ]
        );
    }

    #[test]
    fn alias_record_exists_only_with_a_zone_and_is_fully_qualified() {
        let r = alias_record(
            &input(),
            "prod-alb-1.eu-west-1.elb.amazonaws.com",
            "Z32O12XQLNTSW2",
        )
        .expect("a record");
        assert_eq!(r.zone_id, "Z0123456789ABC");
        assert_eq!(r.name, "api.example.com.");
        assert_eq!(r.record_type, "A");
        assert_eq!(r.alias_dns_name, "prod-alb-1.eu-west-1.elb.amazonaws.com");
        assert!(r.evaluate_target_health);
        let mut no_zone = input();
        no_zone.zone_id = None;
        assert_eq!(alias_record(&no_zone, "x", "y"), None);
    }

    #[test]
    fn every_object_carries_the_cluster_and_service_tags() {
        let t = tags(&input());
        assert_eq!(t[OWNER_TAG], "prod");
        assert_eq!(t[SERVICE_TAG], "api");
        assert_eq!(t["Team"], "core");
        let lg = log_group(&input());
        assert_eq!((lg.name.as_str(), lg.retention_days), ("/ecs/prod/api", 30));
        assert_eq!(lg.tags, t);
    }
}
