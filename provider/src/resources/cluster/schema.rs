//! `ecsprod_cluster` schema.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};

use crate::blueprint::OWNER_TAG;
use crate::blueprint::cluster::{self as bp, Ingress, Source};
use crate::protocol::schema::{Attribute, Schema};

pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";
pub const DEFAULT_INSTANCE_TYPES: [&str; 3] = ["m6i.large", "m6a.large", "m5.large"];

/// The launch template's metadata settings, as `instance_metadata_options` shows them.
pub fn metadata_options(http_tokens_required: bool, hop_limit: i32) -> String {
    format!(
        "http_tokens={},hop_limit={hop_limit}",
        if http_tokens_required {
            "required"
        } else {
            "optional"
        }
    )
}

/// How the ingress attributes name the load balancer's security group as a rule's source.
pub const ALB_GROUP_SOURCE: &str = "alb_security_group_id";

/// An ingress rule observed or planned: protocol, first and last port (-1 for all), source.
pub type IngressRule = (String, i32, i32, String);

/// One ingress rule as the `*_security_group_ingress` attributes show it, e.g.
/// `tcp 443 from 0.0.0.0/0`, `tcp 32768-65535 from alb_security_group_id`, `all from 10.0.0.0/8`.
pub fn ingress_rule_text(rule: &IngressRule) -> String {
    let (protocol, from, to, source) = rule;
    if protocol == "all" {
        return format!("all from {source}");
    }
    let ports = match (from, to) {
        (-1, -1) => "all".to_owned(),
        (f, t) if f == t => f.to_string(),
        (f, t) => format!("{f}-{t}"),
    };
    format!("{protocol} {ports} from {source}")
}

/// Rules as an ingress attribute value, ordered by port, then source, then protocol.
pub fn ingress_value(rules: impl IntoIterator<Item = IngressRule>) -> Value {
    rules_value(rules, ingress_rule_text)
}

/// One egress rule as the `*_security_group_egress` attributes show it, e.g. `all to 0.0.0.0/0`
/// or `tcp 443 to pl-123`.
pub fn egress_rule_text(rule: &IngressRule) -> String {
    let text = ingress_rule_text(rule);
    match text.rsplit_once(" from ") {
        Some((what, to)) => format!("{what} to {to}"),
        None => text,
    }
}

/// Rules as an egress attribute value, ordered like `ingress_value`.
pub fn egress_value(rules: impl IntoIterator<Item = IngressRule>) -> Value {
    rules_value(rules, egress_rule_text)
}

fn rules_value(
    rules: impl IntoIterator<Item = IngressRule>,
    text: fn(&IngressRule) -> String,
) -> Value {
    let mut rules: Vec<IngressRule> = rules.into_iter().collect();
    rules.sort_by(|a, b| (a.1, a.2, &a.3, &a.0).cmp(&(b.1, b.2, &b.3, &b.0)));
    let mut texts: Vec<String> = rules.iter().map(text).collect();
    texts.dedup();
    Value::List(texts.into_iter().map(Value::string).collect())
}

/// The blueprint's egress as an egress attribute value.
pub fn planned_egress(egress: &[bp::Egress]) -> Value {
    egress_value(
        egress
            .iter()
            .map(|e| ("all".to_owned(), -1, -1, e.cidr.clone())),
    )
}

/// The `Name` tags of the objects that carry one, as `name_tags` shows them.
pub fn name_tags(
    alb_security_group: String,
    instance_security_group: String,
    launch_template: String,
    auto_scaling_group: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("alb_security_group".to_owned(), alb_security_group),
        (
            "instance_security_group".to_owned(),
            instance_security_group,
        ),
        ("launch_template".to_owned(), launch_template),
        ("auto_scaling_group".to_owned(), auto_scaling_group),
    ])
}

pub fn planned_name_tags(cluster: &str) -> BTreeMap<String, String> {
    let names = bp::names(cluster);
    name_tags(
        names.alb_security_group,
        names.instance_security_group,
        names.launch_template,
        bp::instance_name(cluster),
    )
}

/// The blueprint's rules as an ingress attribute value (all TCP).
pub fn planned_ingress(ingress: &[Ingress]) -> Value {
    ingress_value(ingress.iter().map(|i| {
        let source = match &i.source {
            Source::Cidr(c) | Source::Ipv6Cidr(c) => c.clone(),
            Source::LoadBalancer => ALB_GROUP_SOURCE.to_owned(),
        };
        ("tcp".to_owned(), i.from_port, i.to_port, source)
    }))
}

/// The capacity provider's managed features, as `capacity_provider_settings` shows them.
pub fn capacity_provider_settings(
    scaling: bool,
    termination_protection: bool,
    draining: bool,
) -> String {
    let on = |b: bool| if b { "enabled" } else { "disabled" };
    format!(
        "managed_scaling={},managed_termination_protection={},managed_draining={}",
        on(scaling),
        on(termination_protection),
        on(draining)
    )
}

/// The tags the provider keeps on the objects besides `tags_all`, as `managed_tags` shows them.
pub fn managed_tags(cluster: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (OWNER_TAG.to_owned(), cluster.to_owned()),
        (bp::ECS_MANAGED_TAG.to_owned(), "true".to_owned()),
    ])
}

/// How the settings attributes show an object that does not exist.
pub const NONE: &str = "none";

/// How the settings attributes name the IDs the plan cannot know yet.
pub const INSTANCE_GROUP_SOURCE: &str = "instance_security_group_id";
pub const LAUNCH_TEMPLATE_SOURCE: &str = "launch_template_id";
pub const AUTO_SCALING_GROUP_SOURCE: &str = "autoscaling_group_name";

fn joined_or_none(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    if items.is_empty() {
        NONE.to_owned()
    } else {
        items.join(", ")
    }
}

/// IDs as a settings value: sorted, with `own` (when given) named by `placeholder`.
pub fn ids_text(ids: &[String], own: Option<&str>, placeholder: &str) -> String {
    let mut ids: Vec<String> = ids
        .iter()
        .map(|id| {
            if Some(id.as_str()) == own {
                placeholder.to_owned()
            } else {
                id.clone()
            }
        })
        .collect();
    ids.sort();
    ids.dedup();
    joined_or_none(ids)
}

/// One listener action as `load_balancer_settings` shows it, e.g.
/// `redirect to HTTPS://#{host}:443/#{path}?#{query} HTTP_301` or
/// `fixed-response 404 text/plain "Not found"`.
pub fn action_text(action: &bp::ListenerAction) -> String {
    match action {
        bp::ListenerAction::FixedResponse {
            status_code,
            content_type,
            body,
        } => {
            let mut text = format!("fixed-response {status_code}");
            if let Some(t) = content_type {
                text.push(' ');
                text.push_str(t);
            }
            if let Some(b) = body {
                text.push_str(&format!(" {b:?}"));
            }
            text
        }
        bp::ListenerAction::Redirect {
            protocol,
            host,
            port,
            path,
            query,
            status_code,
        } => {
            // A part AWS leaves out keeps the request's own value.
            let part =
                |v: &Option<String>, keep: &str| v.clone().unwrap_or_else(|| keep.to_owned());
            let path = part(path, "/#{path}");
            let query = part(query, "#{query}");
            format!(
                "redirect to {}://{}:{}{}{}{} {status_code}",
                part(protocol, "#{protocol}"),
                part(host, "#{host}"),
                part(port, "#{port}"),
                path,
                if query.is_empty() { "" } else { "?" },
                query,
            )
        }
        bp::ListenerAction::Forward { target_groups } => {
            format!(
                "forward to {}",
                joined_or_none(target_groups.iter().cloned())
            )
        }
        bp::ListenerAction::Other { kind } => kind.clone(),
    }
}

/// A listener as `load_balancer_settings` shows it: `PROTOCOL:port` and its default actions.
pub fn listener_text(protocol: &str, port: i32, actions: &[bp::ListenerAction]) -> String {
    let actions: Vec<String> = actions.iter().map(action_text).collect();
    format!("{protocol}:{port} {}", joined_or_none(actions))
}

/// The `load_balancer_settings` value from its parts (listeners already as text).
pub fn load_balancer_settings(
    drop_invalid_header_fields: bool,
    security_groups: String,
    http_listener: String,
    https_listener: String,
    other_listeners: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "drop_invalid_header_fields".to_owned(),
            drop_invalid_header_fields.to_string(),
        ),
        ("security_groups".to_owned(), security_groups),
        ("http_listener".to_owned(), http_listener),
        ("https_listener".to_owned(), https_listener),
        ("other_listeners".to_owned(), other_listeners),
    ])
}

/// The load balancer settings the blueprint sets.
pub fn planned_load_balancer_settings() -> BTreeMap<String, String> {
    load_balancer_settings(
        true,
        ALB_GROUP_SOURCE.to_owned(),
        listener_text(bp::HTTP, bp::HTTP_PORT, &[bp::redirect_action()]),
        // Certificate and policy are user attributes; the protocol, port and action are fixed.
        listener_text(bp::HTTPS, bp::HTTPS_PORT, &[bp::not_found_action()]),
        NONE.to_owned(),
    )
}

/// Listeners on other ports as `load_balancer_settings` shows them, by port.
pub fn other_listeners_text(mut listeners: Vec<(i32, String)>) -> String {
    listeners.sort();
    let texts: Vec<String> = listeners.into_iter().map(|(_, t)| t).collect();
    if texts.is_empty() {
        NONE.to_owned()
    } else {
        texts.join("; ")
    }
}

/// The Auto Scaling group's template binding as `capacity_binding` shows it.
pub fn template_binding_text(template: Option<&str>, version: Option<&str>) -> String {
    match template {
        Some(t) => format!(
            "{t} version {}",
            version.unwrap_or(bp::LAUNCH_TEMPLATE_VERSION)
        ),
        None => NONE.to_owned(),
    }
}

/// A default capacity provider strategy as `capacity_binding` shows it.
pub fn strategy_text(items: &[(String, i32, i32)]) -> String {
    joined_or_none(
        items
            .iter()
            .map(|(cp, weight, base)| format!("{cp} weight={weight} base={base}")),
    )
}

/// The `capacity_binding` value from its parts.
pub fn capacity_binding(
    launch_template: String,
    scale_in_protection: String,
    capacity_providers: String,
    default_strategy: String,
    provider_group: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "capacity_provider_auto_scaling_group".to_owned(),
            provider_group,
        ),
        (
            "auto_scaling_group_launch_template".to_owned(),
            launch_template,
        ),
        (
            "auto_scaling_group_scale_in_protection".to_owned(),
            scale_in_protection,
        ),
        ("cluster_capacity_providers".to_owned(), capacity_providers),
        ("cluster_default_strategy".to_owned(), default_strategy),
    ])
}

pub fn planned_capacity_binding(cluster: &str) -> BTreeMap<String, String> {
    let cp = bp::names(cluster).capacity_provider;
    capacity_binding(
        template_binding_text(Some(LAUNCH_TEMPLATE_SOURCE), None),
        "true".to_owned(),
        cp.clone(),
        strategy_text(&[(cp, bp::STRATEGY_WEIGHT, bp::STRATEGY_BASE)]),
        AUTO_SCALING_GROUP_SOURCE.to_owned(),
    )
}

/// A managed policy as `instance_role_settings` shows it: an AWS managed policy by its path and
/// name (`service-role/AmazonEC2ContainerServiceforEC2Role`), any other by its ARN.
pub fn policy_text(arn: &str) -> String {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, region, account, resource) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    );
    match (service, region, account, resource) {
        (Some("iam"), Some(""), Some("aws"), Some(r)) if r.starts_with("policy/") => {
            r["policy/".len()..].to_owned()
        }
        _ => arn.to_owned(),
    }
}

/// Managed policies as `instance_role_settings` shows them, sorted.
pub fn policies_text(arns: &[String]) -> String {
    let mut texts: Vec<String> = arns.iter().map(|a| policy_text(a)).collect();
    texts.sort();
    texts.dedup();
    joined_or_none(texts)
}

/// Names as a settings value, sorted.
pub fn names_text(names: &[String]) -> String {
    let mut names = names.to_vec();
    names.sort();
    joined_or_none(names)
}

/// The `instance_role_settings` value from its parts.
pub fn instance_role_settings(
    trust_policy: String,
    managed_policies: String,
    inline_policies: String,
    instance_profile_role: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("trust_policy".to_owned(), trust_policy),
        ("managed_policies".to_owned(), managed_policies),
        ("inline_policies".to_owned(), inline_policies),
        ("instance_profile_role".to_owned(), instance_profile_role),
    ])
}

pub fn planned_instance_role_settings(cluster: &str) -> BTreeMap<String, String> {
    instance_role_settings(
        crate::blueprint::policy::normalized_policy(&bp::instance_role_trust_policy()),
        // The partition does not change a policy's text.
        policies_text(&bp::instance_role_policies("aws")),
        NONE.to_owned(),
        bp::names(cluster).instance_role,
    )
}

/// A network interface of the launch template as `launch_template_settings` shows it.
pub fn interface_text(
    device_index: Option<i32>,
    associate_public_ip: Option<bool>,
    security_groups: String,
) -> String {
    let or_unset = |v: Option<String>| v.unwrap_or_else(|| "unset".to_owned());
    format!(
        "device_index={},associate_public_ip={},security_groups={security_groups}",
        or_unset(device_index.map(|i| i.to_string())),
        or_unset(associate_public_ip.map(|b| b.to_string())),
    )
}

/// A block device of the launch template as `launch_template_settings` shows it (its size and
/// key are `root_volume_size` and `ebs_kms_key_id`).
pub fn block_device_text(
    device: &str,
    volume_type: Option<&str>,
    encrypted: Option<bool>,
) -> String {
    format!(
        "device={device},type={},encrypted={}",
        volume_type.unwrap_or("unset"),
        encrypted.map_or_else(|| "unset".to_owned(), |b| b.to_string()),
    )
}

/// The `launch_template_settings` value from its parts.
pub fn launch_template_settings(
    user_data: String,
    network_interfaces: String,
    block_devices: String,
    instance_profile: String,
    key_name: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("key_name".to_owned(), key_name),
        ("user_data".to_owned(), user_data),
        ("network_interfaces".to_owned(), network_interfaces),
        ("block_devices".to_owned(), block_devices),
        ("instance_profile".to_owned(), instance_profile),
    ])
}

pub fn planned_launch_template_settings(cluster: &str) -> BTreeMap<String, String> {
    launch_template_settings(
        bp::user_data(cluster),
        interface_text(Some(0), Some(false), INSTANCE_GROUP_SOURCE.to_owned()),
        block_device_text(bp::ROOT_DEVICE_NAME, Some(bp::ROOT_VOLUME_TYPE), Some(true)),
        bp::names(cluster).instance_profile,
        NONE.to_owned(),
    )
}

/// Fixed production settings and the value the plan always gives them, so that drift recorded
/// by refresh shows as a change back. `cluster` is the name when known.
pub fn fixed_settings(cluster: Option<&str>) -> Vec<(&'static str, Value)> {
    vec![
        (
            "instance_metadata_options",
            Value::string(metadata_options(true, 1)),
        ),
        (
            "alb_security_group_ingress",
            planned_ingress(&bp::alb_ingress()),
        ),
        (
            "instance_security_group_ingress",
            planned_ingress(&bp::instance_ingress()),
        ),
        (
            "alb_security_group_egress",
            planned_egress(&bp::open_egress()),
        ),
        (
            "instance_security_group_egress",
            planned_egress(&bp::open_egress()),
        ),
        (
            "name_tags",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&planned_name_tags(name))
            }),
        ),
        (
            "capacity_provider_settings",
            Value::string(capacity_provider_settings(true, true, true)),
        ),
        (
            "managed_tags",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&managed_tags(name))
            }),
        ),
        (
            "load_balancer_settings",
            crate::resources::fields::string_map_value(&planned_load_balancer_settings()),
        ),
        (
            "capacity_binding",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&planned_capacity_binding(name))
            }),
        ),
        (
            "instance_role_settings",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&planned_instance_role_settings(name))
            }),
        ),
        (
            "launch_template_settings",
            cluster.map_or_else(Value::unknown, |name| {
                crate::resources::fields::string_map_value(&planned_launch_template_settings(name))
            }),
        ),
    ]
}

pub const SPOT_STRATEGIES: &[&str] = &[
    "capacity-optimized",
    "price-capacity-optimized",
    "lowest-price",
    "capacity-optimized-prioritized",
];

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::string(*s)).collect())
}

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema {
    version: 0,
    description: "A production ECS cluster on EC2 with its capacity and shared HTTPS entry point, \
managed as one unit: the ECS cluster (Container Insights), an instance role with SSM Session \
Manager access, a launch template (ECS-optimized Amazon Linux 2023, IMDSv2 only with hop limit 1, \
encrypted gp3 root volume, no public IP, Spot draining on), an Auto Scaling group with an On-Demand \
base and Spot above it, a capacity provider with managed scaling, termination protection and \
draining, and an internet-facing Application Load Balancer that only serves HTTPS (HTTP redirects \
to HTTPS; unknown hosts get a 404). Services attach to it with `ecsprod_service`."
        .into(),
    attributes: vec![
        Attribute::required(
            "name",
            Type::String,
            "Cluster name, 1-28 letters, digits and hyphens, starting with a letter. Names every object the cluster creates. Changing it replaces the cluster.",
        )
        .forces_replacement(),
        Attribute::required(
            "vpc_id",
            Type::String,
            "ID of the existing VPC to build in. Changing it replaces the cluster.",
        )
        .forces_replacement(),
        Attribute::required(
            "public_subnet_ids",
            Type::list(Type::String),
            "At least two public subnets, in different Availability Zones, for the load balancer.",
        ),
        Attribute::required(
            "private_subnet_ids",
            Type::list(Type::String),
            "At least two private subnets (outbound access through NAT), in different Availability Zones, for the EC2 instances. None may also be listed in `public_subnet_ids`.",
        ),
        Attribute::required(
            "certificate_arn",
            Type::String,
            "ARN of the ACM certificate the HTTPS listener serves. It must cover the `domain_name` of every service on the cluster.",
        ),
        Attribute::with_default(
            "ssl_policy",
            Type::String,
            Value::string(DEFAULT_SSL_POLICY),
            format!("TLS security policy of the HTTPS listener. Default `{DEFAULT_SSL_POLICY}` (TLS 1.3 and 1.2, forward secrecy only)."),
        ),
        Attribute::with_default(
            "instance_types",
            Type::list(Type::String),
            strings(&DEFAULT_INSTANCE_TYPES),
            "EC2 instance types the Auto Scaling group may launch, in order of preference (1-40 types). Several types of similar size make Spot capacity easier to find. Default `[\"m6i.large\", \"m6a.large\", \"m5.large\"]`.",
        ),
        Attribute::with_default(
            "min_size",
            Type::Number,
            Value::number(2),
            "Minimum number of instances. Default `2`.",
        ),
        Attribute::with_default(
            "max_size",
            Type::Number,
            Value::number(10),
            "Maximum number of instances; managed scaling never goes above it. Default `10`.",
        ),
        Attribute::with_default(
            "on_demand_base_capacity",
            Type::Number,
            Value::number(2),
            "Instances that are always On-Demand, the guaranteed baseline. At most `max_size`. Default `2`.",
        ),
        Attribute::with_default(
            "on_demand_percentage_above_base",
            Type::Number,
            Value::number(0),
            "Percentage of instances above the base that are On-Demand (0-100); the rest are Spot. Default `0` (all Spot above the base).",
        ),
        Attribute::with_default(
            "spot_allocation_strategy",
            Type::String,
            Value::string("capacity-optimized"),
            "How Spot instances are chosen: `capacity-optimized`, `price-capacity-optimized`, `lowest-price` or `capacity-optimized-prioritized`. Default `capacity-optimized`.",
        ),
        Attribute::with_default(
            "target_capacity",
            Type::Number,
            Value::number(80),
            "Target utilisation, in percent (1-100), that ECS managed scaling keeps the instances at; the headroom absorbs new tasks while instances start. Default `80`.",
        ),
        Attribute::optional_computed(
            "ami_id",
            Type::String,
            "AMI for the instances. When unset, the current ECS-optimized Amazon Linux 2023 AMI is read from the public SSM parameter at creation and kept in state: instances change AMI only when you set this attribute.",
        ),
        Attribute::with_default(
            "root_volume_size",
            Type::Number,
            Value::number(30),
            "Size in GiB of each instance's encrypted gp3 root volume (30-16384). Default `30`.",
        ),
        Attribute::optional(
            "ebs_kms_key_id",
            Type::String,
            "ARN of the KMS key (or alias) that encrypts the root volumes. Default: the account's EBS default key.",
        ),
        Attribute::with_default(
            "container_insights",
            Type::Bool,
            Value::bool(true),
            "Turn on CloudWatch Container Insights for the cluster. Default `true`.",
        ),
        Attribute::with_default(
            "deletion_protection",
            Type::Bool,
            Value::bool(true),
            "Protect the load balancer from deletion. While `true`, `terraform destroy` stops before deleting anything; set it to `false` and apply first. Default `true`.",
        ),
        Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags for every object the cluster creates, merged over the provider's `default_tags`.",
        ),
        crate::resources::timeouts::attribute(
            "waiting for instances to terminate and network interfaces to be released",
        ),
        Attribute::computed(
            "tags_all",
            Type::map(Type::String),
            "All tags applied to the cluster's objects: the provider's `default_tags` merged with `tags`. When a tag is changed, added or removed outside Terraform on any of those objects (the ECS cluster, instance role, security groups, launch template and the tags it gives instances, Auto Scaling group, capacity provider, load balancer and its listeners), refresh records the value found on that object here and in `tags`, so the plan shows the change back; the next apply restores the tags on every object.",
        ),
        Attribute::computed("id", Type::String, "The cluster name; use it as `cluster` in `ecsprod_service`."),
        Attribute::computed("arn", Type::String, "ARN of the ECS cluster."),
        Attribute::computed("alb_arn", Type::String, "ARN of the shared Application Load Balancer."),
        Attribute::computed("alb_dns_name", Type::String, "DNS name of the load balancer."),
        Attribute::computed(
            "alb_zone_id",
            Type::String,
            "Route53 hosted zone ID of the load balancer, for alias records.",
        ),
        Attribute::computed("https_listener_arn", Type::String, "ARN of the HTTPS (443) listener services add their rules to."),
        Attribute::computed("alb_security_group_id", Type::String, "Security group of the load balancer (80 and 443 from anywhere)."),
        Attribute::computed(
            "instance_security_group_id",
            Type::String,
            "Security group of the instances (ephemeral ports from the load balancer only).",
        ),
        Attribute::computed("autoscaling_group_name", Type::String, "Name of the Auto Scaling group."),
        Attribute::computed("capacity_provider_name", Type::String, "Name of the ECS capacity provider, the cluster's default strategy."),
        Attribute::computed("launch_template_id", Type::String, "ID of the instances' launch template."),
        Attribute::computed("instance_role_arn", Type::String, "ARN of the instances' IAM role."),
        Attribute::computed(
            "instance_metadata_options",
            Type::String,
            "The instance metadata settings of the launch template: always `http_tokens=required,hop_limit=1` (IMDSv2 only; containers in bridge mode cannot reach the instance role). A change made outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "alb_security_group_ingress",
            Type::list(Type::String),
            "The ingress rules of the load balancer's security group, one `protocol ports from source` entry per rule: always `tcp 80` and `tcp 443`, each from `0.0.0.0/0` and `::/0`. A rule added or removed outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "instance_security_group_ingress",
            Type::list(Type::String),
            "The ingress rules of the instances' security group: always only `tcp 32768-65535 from alb_security_group_id` (the dynamic container ports, from the load balancer's group; no CIDR ingress). A rule added or removed outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "alb_security_group_egress",
            Type::list(Type::String),
            "The egress rules of the load balancer's security group, one `protocol ports to destination` entry per rule: always only `all to 0.0.0.0/0` (AWS's default for a new group; the load balancer reaches its targets on their dynamic ports). A rule added or removed outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "instance_security_group_egress",
            Type::list(Type::String),
            "The egress rules of the instances' security group: always only `all to 0.0.0.0/0` (the instances pull images and reach ECS, SSM and CloudWatch through the NAT gateway). A rule added or removed outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "name_tags",
            Type::map(Type::String),
            "The `Name` tag of each object that carries one, as AWS reports it: \
`alb_security_group` = `<name>-alb`, `instance_security_group` = `<name>-instances`, \
`launch_template` = `<name>-instances` and `auto_scaling_group` = `<name>-ecs-instance` (the group gives it to every instance it launches). \
`none` stands for a tag that is missing. A `Name` changed or removed outside Terraform shows here and is put back by the next apply; a `Name` in `tags` applies to the other objects.",
        ),
        Attribute::computed(
            "capacity_provider_settings",
            Type::String,
            "The capacity provider's managed features: always `managed_scaling=enabled,managed_termination_protection=enabled,managed_draining=enabled` (the scaling target is `target_capacity`). A change made outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "managed_tags",
            Type::map(Type::String),
            "Tags the provider keeps on the cluster's objects besides `tags_all`: `ecsprod:cluster` = the cluster name on every object (marks what the provider owns) and `AmazonECSManaged` = `true` on the Auto Scaling group (ECS managed scaling requires it). A removal or change made outside Terraform on any object shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "load_balancer_settings",
            Type::map(Type::String),
            "Fixed settings of the load balancer and its listeners, as AWS reports them: \
`drop_invalid_header_fields` = `true` (requests with malformed header fields are dropped, not forwarded), \
`security_groups` = `alb_security_group_id` (the load balancer's own group only), \
`http_listener` = `HTTP:80 redirect to HTTPS://#{host}:443/#{path}?#{query} HTTP_301` (port 80 only redirects to HTTPS), \
`https_listener` = `HTTPS:443 fixed-response 404 text/plain \"Not found\"` (hosts no service claims get a 404), \
`other_listeners` = `none` (no listener on any other port; one added outside Terraform is listed here as `PROTOCOL:port` and its default actions, separated by `; `, and deleted by the next apply). \
`none` stands for a listener that is missing. \
The HTTPS listener's certificate and policy show on `certificate_arn` and `ssl_policy`, deletion protection on `deletion_protection`. \
A change made outside Terraform (a listener's action or protocol changed, a listener deleted, a security group added, the attribute switched off) shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "capacity_binding",
            Type::map(Type::String),
            "How the instances' capacity is bound together, as AWS reports it: \
`auto_scaling_group_launch_template` = `launch_template_id version $Default` (the Auto Scaling group launches the template's default version, which every change of the instances' settings moves forward), \
`auto_scaling_group_scale_in_protection` = `true` (new instances are protected from scale-in, which managed termination protection requires), \
`cluster_capacity_providers` = `<name>-capacity`, \
`cluster_default_strategy` = `<name>-capacity weight=1 base=0` (the ECS cluster's only capacity provider and its default strategy) and \
`capacity_provider_auto_scaling_group` = `autoscaling_group_name` (the capacity provider scales the cluster's own Auto Scaling group; another group shows by its ARN). \
AWS cannot move a capacity provider to another group: the next apply detaches it from the cluster, deletes it and creates it again, which ECS refuses while a service's capacity provider strategy still uses it. \
`none` stands for a missing object or binding. \
The group's sizes and subnets show on `min_size`, `max_size` and `private_subnet_ids`, Container Insights on `container_insights`. \
A change made outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "instance_role_settings",
            Type::map(Type::String),
            "The instances' IAM role and instance profile, as AWS reports them: \
`trust_policy` (the role's trust policy in a canonical JSON form: only EC2, `ec2.amazonaws.com`, may assume the role), \
`managed_policies` = `AmazonSSMManagedInstanceCore, service-role/AmazonEC2ContainerServiceforEC2Role` (AWS managed policies by path and name, any other by ARN), \
`inline_policies` = `none` and \
`instance_profile_role` = `<name>-ecs-instance` (the role the instance profile gives instances). \
A policy attached or added, a trust policy changed or the profile's role swapped outside Terraform shows here and is reverted by the next apply.",
        ),
        Attribute::computed(
            "launch_template_settings",
            Type::map(Type::String),
            "The default version of the instances' launch template, as AWS reports it: \
`user_data` (the script that joins each instance to the cluster, with Spot instance draining on), \
`network_interfaces` = `device_index=0,associate_public_ip=false,security_groups=instance_security_group_id` (no public IP, the instances' group only), \
`block_devices` = `device=/dev/xvda,type=gp3,encrypted=true` (one encrypted gp3 root volume; its size and key show on `root_volume_size` and `ebs_kms_key_id`), \
`instance_profile` = `<name>-ecs-instance` and \
`key_name` = `none` (no SSH key pair: use Session Manager). \
The AMI and metadata settings show on `ami_id` and `instance_metadata_options`. \
A new default version made outside Terraform shows here and is superseded by a new default version with the blueprint's settings on the next apply.",
        ),
    ],
}
});
