//! `ecsprod_service` schema.

use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};

use crate::protocol::schema::{Attribute, Schema};

/// Attributes whose change registers a new task definition revision.
pub const TASK_DEFINITION_INPUTS: &[&str] = &[
    "image",
    "container_port",
    "cpu",
    "memory",
    "environment",
    "secrets",
    "command",
    "entrypoint",
    "health_check",
    "stop_timeout",
    "readonly_root_filesystem",
    "user",
    super::containers::SIDECARS,
    // Its port name is the main container's port mapping's.
    super::internal::INTERNAL,
];

/// Attributes whose change needs a new target group (settings AWS cannot modify in place).
pub const TARGET_GROUP_INPUTS: &[&str] = &["container_port"];

const DESCRIPTION: &str = "One application on an `ecsprod_cluster`: a task definition whose secrets are \
injected by ARN (values are never read), with a container health check and sidecars if wanted, \
a least-privilege execution role, CloudWatch logs, a \
target group and host-header rule on the cluster's shared HTTPS load balancer, an optional \
Route53 alias, and an ECS service with zero-downtime deployments (rolling, canary, linear or \
blue/green, rolled back by the circuit breaker and by CloudWatch alarms on the service's 5xx rate \
and unhealthy targets), spread and rebalanced across Availability Zones, with CPU and memory \
target-tracking autoscaling and optional ECS Exec.";

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let mut attributes = vec![
        Attribute::required(
            "cluster",
            Type::String,
            "The `id` of the `ecsprod_cluster` to run on. Changing it replaces the service.",
        )
        .forces_replacement(),
        Attribute::required(
            "name",
            Type::String,
            "Service name, 1-32 letters, digits and hyphens, starting with a letter. Changing it replaces the service.",
        )
        .forces_replacement(),
        Attribute::required(
            "image",
            Type::String,
            "Container image, e.g. `public.ecr.aws/nginx/nginx:1.27` or an image digest. A change rolls out a new task definition revision.",
        ),
        Attribute::required(
            "container_port",
            Type::Number,
            "Port the container listens on (1-65535). The host port is assigned dynamically. A change is an in-place update without downtime: a new target group is created next to the old one (target group ports cannot change), the new tasks start in it, the host rule switches to it once they pass health checks (the apply waits for that even with `wait_for_steady_state = false`), and the old target group is then deleted.",
        ),
        Attribute::optional(
            "domain_name",
            Type::String,
            "Host name routed to this service on the cluster's load balancer, e.g. `api.example.com`. The cluster's certificate must cover it. Leave it out for a service without a route (a queue worker, or a service only other services call): it then has no target group, listener rule, alias or load balancer alarms, and deploys with the `\"rolling\"` strategy. Adding or removing it is an in-place update: a new route is in place before the service joins it, and the service leaves a route before it is deleted.",
        ),
    ];
    attributes.extend(super::routing::attributes());
    attributes.extend([
        Attribute::optional(
            "zone_id",
            Type::String,
            "Route53 hosted zone ID. When set, an alias A record for `domain_name` pointing at the load balancer is managed in it.",
        ),
        Attribute::with_default(
            "cpu",
            Type::Number,
            Value::number(256),
            "CPU units reserved for the task (1024 = one vCPU), 128-196608. Default `256`.",
        ),
        Attribute::with_default(
            "memory",
            Type::Number,
            Value::number(512),
            "Memory for the task in MiB (hard limit), 6-1048576; it must fit on the cluster's instance types. Default `512`.",
        ),
        Attribute::with_default(
            "desired_count",
            Type::Number,
            Value::number(2),
            "Number of tasks the service starts with. Afterwards autoscaling owns the count: changes within `autoscaling` bounds never show as a diff. Default `2`.",
        ),
        Attribute::optional(
            "environment",
            Type::map(Type::String),
            "Plain environment variables for the container. Use `secrets` for anything sensitive.",
        ),
        Attribute::optional(
            "secrets",
            Type::map(Type::String),
            "Environment variables filled from secrets at container start: variable name → ARN of an SSM parameter or a Secrets Manager secret (optionally with a `:json-key:version-stage:version-id` suffix). The provider only handles the ARNs: secret values are never read, planned or stored. The execution role may read exactly these ARNs, and decrypt with their customer-managed KMS keys.",
        ),
    ]);
    attributes.extend(super::containers::attributes());
    attributes.extend([
        Attribute::with_default(
            "health_check_path",
            Type::String,
            Value::string("/"),
            "Path the load balancer checks on each task. Default `/`.",
        ),
        Attribute::with_default(
            "health_check_matcher",
            Type::String,
            Value::string("200-399"),
            "HTTP codes that count as healthy: codes or ranges between 200 and 499, comma separated (`200`, `200,204`, `200-399`). Default `200-399`.",
        ),
        Attribute::with_default(
            "deregistration_delay",
            Type::Number,
            Value::number(30),
            "Seconds the load balancer keeps draining a stopping task (0-3600). Default `30`.",
        ),
        Attribute::with_default(
            "health_check_grace_period",
            Type::Number,
            Value::number(60),
            "Seconds after a task starts during which failing load balancer health checks are ignored. Default `60`.",
        ),
        Attribute::with_default(
            "availability_zone_rebalancing",
            Type::Bool,
            Value::bool(true),
            "Whether ECS moves tasks back into balance across Availability Zones after an imbalance (an Availability Zone outage, a Spot interruption wave): it starts tasks in the zones with too few and then stops the surplus elsewhere. Default `true`.",
        ),
        Attribute::object_with_defaults(
            "autoscaling",
            vec![
                Attribute::with_default(
                    "min_capacity",
                    Type::Number,
                    Value::number(2),
                    "Fewest tasks. Default `2`.",
                ),
                Attribute::with_default(
                    "max_capacity",
                    Type::Number,
                    Value::number(10),
                    "Most tasks. Default `10`.",
                ),
                Attribute::with_default(
                    "cpu_target",
                    Type::Number,
                    Value::number(60),
                    "Average CPU utilisation, in percent (1-100), that scaling keeps the service at. Default `60`.",
                ),
                Attribute::with_default(
                    "memory_target",
                    Type::Number,
                    Value::number(75),
                    "Average memory utilisation, in percent (1-100), that scaling keeps the service at. Default `75`.",
                ),
                super::queue::attribute(),
            ],
            "Task count autoscaling with CPU and memory target tracking. Defaults: 2 to 10 tasks, 60 % CPU, 75 % memory.",
        ),
        super::deployment::attribute(),
        Attribute::with_default(
            "log_retention_days",
            Type::Number,
            Value::number(30),
            "Days CloudWatch keeps the container logs: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653. Default `30`.",
        ),
        Attribute::with_default(
            "wait_for_steady_state",
            Type::Bool,
            Value::bool(true),
            "Wait until each deployment finishes. A deployment the circuit breaker rolls back then fails the apply, with the service's events. Default `true`.",
        ),
        Attribute::with_default(
            "enable_execute_command",
            Type::Bool,
            Value::bool(false),
            "ECS Exec: lets `aws ecs execute-command` open a shell or run a command in the service's running tasks, through SSM. Turning it on grants the task role exactly the SSM Messages channel actions Exec needs, and writing session logs to the cluster's execute-command log group. Tasks started before a change keep their setting until the next deployment replaces them. Default `false`.",
        ),
        super::internal::attribute(),
        super::internal::membership_attribute(),
        Attribute::optional(
            "task_role_policy_json",
            Type::String,
            "IAM policy document (JSON) granting the application's own AWS permissions, attached to the task role.",
        ),
        Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags for every object the service creates (propagated to its tasks), merged over the provider's `default_tags`.",
        ),
        crate::resources::timeouts::attribute(
            "waiting for the service's tasks to stop and its load balancer targets to drain",
        ),
        Attribute::computed(
            "tags_all",
            Type::map(Type::String),
            "All tags applied to the service's objects: the provider's `default_tags` merged with `tags`.",
        ),
        Attribute::computed("id", Type::String, "`<cluster>/<name>`; also the import ID."),
        Attribute::computed("arn", Type::String, "ARN of the ECS service."),
        Attribute::computed("url", Type::String, "`https://<domain_name>`."),
        Attribute::computed(
            "task_definition_arn",
            Type::String,
            "ARN of the task definition revision the service runs.",
        )
        .changes_with(TASK_DEFINITION_INPUTS),
        Attribute::computed(
            "target_group_arn",
            Type::String,
            "ARN of the service's target group. A new one comes with every `container_port` change.",
        )
        .changes_with(TARGET_GROUP_INPUTS),
        Attribute::computed(
            "previous_target_group_arns",
            Type::list(Type::String),
            "Earlier target groups of the service that still exist: set only while a move to a new target group (a `container_port` change) is unfinished because an apply failed or was interrupted. The next apply finishes the move and deletes them; destroy deletes them too. Otherwise null.",
        ),
        Attribute::computed(
            "alternate_target_group_arn",
            Type::String,
            "ARN of the service's second target group under a shifting `deployment.strategy`: ECS starts each new revision in whichever of the two groups has no production traffic, and moves the traffic on the listener rule; null under `\"rolling\"`.",
        ),
        Attribute::computed(
            "test_listener_rule_arn",
            Type::String,
            "ARN of the rule routing `deployment.test_host` to the new revision; null without a test host.",
        ),
        Attribute::computed(
            "load_balancer_role_arn",
            Type::String,
            "ARN of the role ECS shifts traffic with under a shifting `deployment.strategy`; null under `\"rolling\"`.",
        ),
        Attribute::computed(
            "listener_rule_arn",
            Type::String,
            "ARN of the host-header rule on the cluster's HTTPS listener.",
        ),
        super::routing::priority_attribute(),
        Attribute::computed(
            "execution_role_arn",
            Type::String,
            "ARN of the task execution role (image pull, logs, the listed secrets).",
        ),
        Attribute::computed("task_role_arn", Type::String, "ARN of the role the application runs with."),
        Attribute::computed(
            "log_group_name",
            Type::String,
            "CloudWatch log group of the containers, `/ecs/<cluster>/<name>`.",
        ),
    ]);
    Schema {
        version: 0,
        description: DESCRIPTION.into(),
        attributes,
    }
});
