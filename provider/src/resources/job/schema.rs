//! `ecsprod_scheduled_task` schema.

use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};

use crate::protocol::schema::{Attribute, Schema};

/// Attributes whose change registers a new task definition revision.
pub const TASK_DEFINITION_INPUTS: &[&str] = &[
    "image",
    "command",
    "cpu",
    "memory",
    "environment",
    "secrets",
];

const DESCRIPTION: &str = "A job that runs on a schedule on an `ecsprod_cluster`'s EC2 capacity: an \
EventBridge Scheduler schedule (cron or rate, in a time zone) starts one ECS task each time, through \
the cluster's capacity provider, so managed scaling adds an instance when the cluster is full. The \
task gets its secrets by ARN (values are never read) with an execution role limited to exactly them, \
a task role for what the job does, and its own log group. The schedule's role may only run this \
job's task definition family in this cluster and pass this job's two roles. An image, command or \
size change registers a new revision and the schedule runs it from then on; `enabled = false` keeps \
everything and stops the runs.";

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema {
    version: 0,
    description: DESCRIPTION.into(),
    attributes: vec![
        Attribute::required(
            "cluster",
            Type::String,
            "The `id` of the `ecsprod_cluster` the job runs on. Changing it replaces the job.",
        )
        .forces_replacement(),
        Attribute::required(
            "name",
            Type::String,
            "Job name, 1-32 letters, digits and hyphens, starting with a letter. Names its objects (`<cluster>-job_<name>`). Changing it replaces the job.",
        )
        .forces_replacement(),
        Attribute::required("image", Type::String, "Container image the job runs."),
        Attribute::required(
            "schedule",
            Type::String,
            "When the job runs, in EventBridge Scheduler's syntax: `rate(value unit)` with unit `minute(s)`, `hour(s)` or `day(s)`, e.g. `rate(6 hours)`, or `cron(minutes hours day-of-month month day-of-week year)` with `?` in one of the two day fields, e.g. `cron(0 3 * * ? *)` for 03:00 every day.",
        ),
        Attribute::with_default(
            "timezone",
            Type::String,
            Value::string("UTC"),
            "IANA time zone the `cron` expression is read in, e.g. `Europe/Paris`; runs follow daylight saving time. Default `\"UTC\"`.",
        ),
        Attribute::optional(
            "command",
            Type::list(Type::String),
            "Command the container runs, replacing the image's `CMD`.",
        ),
        Attribute::with_default(
            "cpu",
            Type::Number,
            Value::number(256),
            "CPU units of the task (1024 = one vCPU). Default `256`.",
        ),
        Attribute::with_default(
            "memory",
            Type::Number,
            Value::number(512),
            "Memory of the task, in MiB. Default `512`.",
        ),
        Attribute::optional(
            "environment",
            Type::map(Type::String),
            "Plain environment variables of the container.",
        ),
        Attribute::optional(
            "secrets",
            Type::map(Type::String),
            "Secret environment variables: name → ARN of an SSM parameter or a Secrets Manager secret (optionally with `:json-key:version-stage:version-id`). ECS injects the values when the task starts; the provider handles the ARNs only, and the execution role may read exactly these.",
        ),
        Attribute::optional(
            "task_role_policy_json",
            Type::String,
            "IAM policy document (JSON) granting the job's own AWS permissions, attached to the task role.",
        ),
        Attribute::with_default(
            "log_retention_days",
            Type::Number,
            Value::number(30),
            "Days CloudWatch keeps the job's logs: one of the retention periods CloudWatch Logs accepts. Default `30`.",
        ),
        Attribute::with_default(
            "enabled",
            Type::Bool,
            Value::bool(true),
            "Whether the schedule runs the job. `false` keeps every object and stops the runs. Default `true`.",
        ),
        Attribute::with_default(
            "max_retry_attempts",
            Type::Number,
            Value::number(0),
            "Times EventBridge Scheduler tries again to start a run it could not start (0-185): a run whose task started and then failed is never repeated. Default `0`.",
        ),
        Attribute::with_default(
            "max_event_age",
            Type::Number,
            Value::number(3600),
            "Seconds a run may keep being retried before it is dropped, or sent to `dead_letter_queue_arn` (60-86400). Default `3600` (one hour).",
        ),
        Attribute::optional(
            "dead_letter_queue_arn",
            Type::String,
            "ARN of an SQS queue that receives the runs EventBridge Scheduler could not start; the schedule's role may send to it.",
        ),
        Attribute::optional(
            "flexible_window",
            Type::Number,
            "Minutes after each scheduled time within which the run may start (1-1440), spreading load; null starts every run on time.",
        ),
        Attribute::optional(
            "tags",
            Type::map(Type::String),
            "Tags for every object the job creates that takes tags, merged over the provider's `default_tags` (EventBridge Scheduler schedules take none).",
        ),
        crate::resources::timeouts::attribute("waiting for objects to be deleted"),
        Attribute::computed(
            "tags_all",
            Type::map(Type::String),
            "All tags applied to the job's objects: the provider's `default_tags` merged with `tags`.",
        ),
        Attribute::computed("id", Type::String, "`<cluster>/<name>`; also the import ID."),
        Attribute::computed("schedule_arn", Type::String, "ARN of the EventBridge Scheduler schedule."),
        Attribute::computed(
            "task_definition_arn",
            Type::String,
            "ARN of the task definition revision the schedule runs.",
        )
        .changes_with(TASK_DEFINITION_INPUTS),
        Attribute::computed(
            "execution_role_arn",
            Type::String,
            "ARN of the task execution role (image pull, logs, the listed secrets).",
        ),
        Attribute::computed("task_role_arn", Type::String, "ARN of the role the job runs with."),
        Attribute::computed(
            "scheduler_role_arn",
            Type::String,
            "ARN of the role EventBridge Scheduler starts the task with.",
        ),
        Attribute::computed(
            "log_group_name",
            Type::String,
            "CloudWatch log group of the job, `/ecs/<cluster>/job_<name>`.",
        ),
    ],
}
});
