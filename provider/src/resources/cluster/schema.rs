//! `ecsprod_cluster` schema.

use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};

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
        Attribute::optional_object(
            "timeouts",
            vec![
                Attribute::optional(
                    "create",
                    Type::String,
                    "How long a create may take, e.g. `30m` or `1h`. Default `30m`.",
                ),
                Attribute::optional(
                    "update",
                    Type::String,
                    "How long an update may take. Default `30m`.",
                ),
                Attribute::optional(
                    "delete",
                    Type::String,
                    "How long a delete may take, including waiting for instances to terminate and network interfaces to be released. Default `30m`.",
                ),
            ],
            "Upper bounds for the waits and retries of each operation (durations such as `45s`, `30m`, `1h30m`). When one is exceeded the apply stops with an error naming what it was waiting for; the state records what exists.",
        ),
        Attribute::computed(
            "tags_all",
            Type::map(Type::String),
            "All tags applied to the cluster's objects: the provider's `default_tags` merged with `tags`.",
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
    ],
}
});
