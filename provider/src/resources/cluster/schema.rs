//! `ecsprod_cluster` schema.

use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};

use crate::protocol::schema::{Attribute, Schema};

pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";
pub const DEFAULT_INSTANCE_TYPES: [&str; 3] = ["m6i.large", "m6a.large", "m5.large"];

pub use super::planned::*;
pub use super::texts::*;

/// `ami_update`: the AMI stays as created, or follows the recommended one.
pub const AMI_PINNED: &str = "pinned";
pub const AMI_LATEST: &str = "latest";

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
managed as one unit: the ECS cluster (Container Insights), the Cloud Map namespace its services \
find each other in with Service Connect, an instance role with SSM Session \
Manager access, a launch template (ECS-optimized Amazon Linux 2023, IMDSv2 only with hop limit 1, \
encrypted gp3 root volume, no public IP, Spot draining on), an Auto Scaling group with an On-Demand \
base and Spot above it, a capacity provider with managed scaling, termination protection and \
draining, and an internet-facing Application Load Balancer that only serves HTTPS (HTTP redirects \
to HTTPS; unknown hosts get a 404). Services attach to it with `ecsprod_service`. \
The instance types decide the architecture: Graviton (arm64) types run the arm64 AMI, GPU types \
the GPU AMI. A new AMI (set in `ami_id`, or published by AWS with `ami_update = \"latest\"`) or any \
other change of the instances' launch settings rolls the running instances with an instance refresh \
that launches new instances before it drains and terminates old ones, and rolls back if it fails; \
the apply waits for it."
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
        Attribute::computed(
            "capacity_rebalance",
            Type::Bool,
            "Whether the Auto Scaling group's capacity rebalancing is on, as AWS reports it: `true` whenever Spot instances are allowed (`on_demand_percentage_above_base` below 100), so that a Spot instance at elevated risk of interruption is replaced before it is interrupted (ECS drains it first); `false` when every instance above the base is On-Demand. A change made outside Terraform shows here and is reverted by the next apply.",
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
        Attribute::with_default(
            "ami_update",
            Type::String,
            Value::string(AMI_PINNED),
            "How the AMI follows AWS's recommendation when `ami_id` is not set: `pinned` (the default) keeps the AMI read at creation until you set `ami_id`; \
`latest` moves to the AMI AWS recommends now (`recommended_ami_id`, read at every refresh), so a plan after AWS publishes a new ECS-optimized AMI shows the `ami_id` change, and the apply rolls the instances as for any AMI change.",
        ),
        Attribute::computed(
            "architecture",
            Type::String,
            "The CPU architecture of every type in `instance_types`, as EC2 reports it: `x86_64`, or `arm64` for Graviton types. It chooses the recommended AMI (the arm64 one for Graviton); a list that mixes architectures is refused at plan time, since an AMI runs on one.",
        )
        .changes_with(&["instance_types"]),
        Attribute::computed(
            "gpu_support",
            Type::Bool,
            "Whether one of the (x86_64) `instance_types` has GPUs: the instances then run the ECS GPU-optimized AMI and the ECS agent gives tasks the GPUs (`ECS_ENABLE_GPU_SUPPORT`).",
        )
        .changes_with(&["instance_types"]),
        Attribute::computed(
            "recommended_ami_id",
            Type::String,
            "The ECS-optimized Amazon Linux 2023 AMI AWS recommends now for the cluster's `architecture` and GPU support (its public SSM parameter), read at every refresh: when it differs from `ami_id`, the instances are behind.",
        )
        .changes_with(&["instance_types"]),
        Attribute::optional_computed(
            "ami_id",
            Type::String,
            "AMI for the instances. When unset, the current ECS-optimized Amazon Linux 2023 AMI is read from the public SSM parameter at creation and kept in state: instances change AMI only when you set this attribute. \
A change rolls the running instances: an Auto Scaling instance refresh replaces them, launching each new instance before the old one goes (healthy capacity stays at 100 %, up to 200 % while new instances start, 120 s warm-up), ECS drains the tasks off each old instance first, and a refresh that fails is rolled back. \
The apply waits for the refresh within `timeouts.update` and fails with AWS's reason if it does not succeed. \
The same roll-out follows any change of the user data, root volume size or KMS key, instance profile or security group; a change of `instance_types` only applies to instances launched afterwards.",
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
            "execute_command_log_retention_days",
            Type::Number,
            Value::number(365),
            "Days CloudWatch keeps the log of every ECS Exec session in the cluster's tasks (the commands run and their output), in the log group `/ecs-exec/<name>`: one of the retention periods CloudWatch Logs accepts. Default `365`.",
        ),
        Attribute::optional(
            "execute_command_kms_key_arn",
            Type::String,
            "ARN of the KMS key that encrypts ECS Exec sessions (the data channel between the client and the container) and their log group. Its key policy must let CloudWatch Logs in this region use it, and whoever starts a session needs `kms:GenerateDataKey` on it. Null: TLS only, and CloudWatch's own encryption of the log.",
        ),
        Attribute::optional_computed(
            "service_connect_namespace",
            Type::String,
            "Name of the AWS Cloud Map HTTP namespace the cluster creates for ECS Service Connect and makes its default. Every `ecsprod_service` on the cluster joins it, so any of them can call a service that sets `internal` by that service's `internal.dns_name`. An HTTP namespace makes no DNS zone and costs nothing while it is empty. Default: the cluster's `name`. It is set when the cluster is created and cannot change afterwards, because every service's Service Connect configuration names it.",
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
        Attribute::computed(
            "execute_command_log_group_name",
            Type::String,
            "CloudWatch log group of the ECS Exec sessions, `/ecs-exec/<name>`: the cluster's execute-command configuration sends every session's log there.",
        ),
        Attribute::computed(
            "service_connect_namespace_arn",
            Type::String,
            "ARN of the Cloud Map namespace of `service_connect_namespace`.",
        ),
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
            "The ingress rules of the instances' security group: always only `tcp 32768-65535 from alb_security_group_id` and `tcp 32768-65535 from self` (the dynamic container ports, from the load balancer's group and, for Service Connect between the cluster's tasks, from the instances' own group; no CIDR ingress). A rule added or removed outside Terraform shows here and is reverted by the next apply.",
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
`auto_scaling_group_launch_template` = `launch_template_id default version` (the Auto Scaling group launches the template's default version, by its number; every change of the instances' settings makes a new default version, which an instance refresh rolls out to the running instances: `launch_template_id version N` shows a group still on an older version, whose roll-out the next apply starts again), \
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
