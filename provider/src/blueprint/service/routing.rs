//! The service's route on the shared load balancer: its target group (a new generation when a
//! setting AWS cannot change does) and its host rule on the HTTPS listener.

use std::collections::{BTreeMap, BTreeSet};

use super::{PriorityBand, ServiceInput, TARGET_GROUP_NAME_MAX, service_key, short_hash, tags};

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

/// The names of the service's two target groups for `input`'s settings: the shifting
/// strategies alternate between them; the rolling one uses whichever serves.
pub fn target_group_names(input: &ServiceInput) -> [String; 2] {
    let generation = target_group_generation(input);
    let alternate = short_hash(&format!("{generation}|alternate"), 8);
    [
        target_group_name(&input.cluster, &input.name, &generation),
        target_group_name(&input.cluster, &input.name, &alternate),
    ]
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

/// The target group named `name` (one of [`target_group_names`]).
pub fn target_group(input: &ServiceInput, vpc_id: &str, name: &str) -> TargetGroupSpec {
    TargetGroupSpec {
        name: name.to_owned(),
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

/// The rule on the cluster's HTTPS listener; the priority comes from
/// [`super::listener_rule_priority`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerRuleSpec {
    /// The `host-header` condition's values.
    pub host_headers: Vec<String>,
    /// The `path-pattern` condition's values; none: every path of the hosts.
    pub path_patterns: Vec<String>,
    /// The `forward` action's target groups: the service's group alone, except during a target
    /// group swap (see [`rule_forward`]).
    pub forward: Vec<WeightedTarget>,
    pub tags: BTreeMap<String, String>,
    /// What the rule's priority is allocated from ([`service_key`]).
    pub priority_key: String,
}

impl ListenerRuleSpec {
    /// Whether the rule sends all its traffic to `target_group_arn` and to no other group.
    pub fn forwards_only_to(&self, target_group_arn: &str) -> bool {
        matches!(self.forward.as_slice(), [only] if only.target_group_arn == target_group_arn && only.weight > 0)
    }

    /// Where its priority is allocated: a rule with paths before every host-only rule.
    pub fn band(&self) -> PriorityBand {
        PriorityBand::of(&self.path_patterns)
    }
}

pub fn listener_rule(input: &ServiceInput, forward: Vec<WeightedTarget>) -> ListenerRuleSpec {
    ListenerRuleSpec {
        host_headers: input
            .domain_name
            .iter()
            .chain(&input.additional_domain_names)
            .cloned()
            .collect(),
        path_patterns: input.path_patterns.clone(),
        forward,
        tags: tags(input),
        priority_key: service_key(&input.cluster, &input.name),
    }
}

/// The rule that routes `host` to the new revision before production traffic moves (the
/// shifting strategies' test traffic); ECS points it at the new revision's group.
pub fn test_listener_rule(
    input: &ServiceInput,
    host: &str,
    forward: Vec<WeightedTarget>,
) -> ListenerRuleSpec {
    ListenerRuleSpec {
        host_headers: vec![host.to_owned()],
        path_patterns: Vec::new(),
        forward,
        tags: tags(input),
        priority_key: format!("{}/test", service_key(&input.cluster, &input.name)),
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
