//! `ecsprod_scheduled_task` configuration: its typed form and the offline validation rules.

use std::collections::BTreeMap;

use ecsprod_cty::{Path, Value};

use super::schedule_rules::{expression_problem, is_time_zone};
use crate::protocol::diag::Diagnostics;
use crate::resources::cluster::config::{CLUSTER_NAME, CLUSTER_NAME_RULE};
use crate::resources::fields::{self, Field};
use crate::resources::service::config::{IMAGE, SERVICE_NAME, task_role_policy, variables};
use crate::resources::service::queue::QUEUE_ARN;
use crate::resources::validators::{self as v, at};

/// The job as configured. Optional attributes hold their planned defaults when validated from
/// a plan, and may be null when validated from raw configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobConfig {
    pub cluster: Field<String>,
    pub name: Field<String>,
    pub image: Field<String>,
    pub schedule: Field<String>,
    pub timezone: Field<String>,
    pub command: Field<Vec<Field<String>>>,
    pub cpu: Field<i64>,
    pub memory: Field<i64>,
    pub environment: Field<BTreeMap<String, Field<String>>>,
    pub secrets: Field<BTreeMap<String, Field<String>>>,
    pub task_role_policy_json: Field<String>,
    pub log_retention_days: Field<i64>,
    pub enabled: Field<bool>,
    pub max_retry_attempts: Field<i64>,
    pub max_event_age: Field<i64>,
    pub dead_letter_queue_arn: Field<String>,
    pub flexible_window: Field<i64>,
    pub tags: Field<BTreeMap<String, Field<String>>>,
}

impl JobConfig {
    pub fn from_value(c: &Value) -> Self {
        Self {
            cluster: fields::string(c, "cluster"),
            name: fields::string(c, "name"),
            image: fields::string(c, "image"),
            schedule: fields::string(c, "schedule"),
            timezone: fields::string(c, "timezone"),
            command: fields::string_list(c, "command"),
            cpu: fields::int(c, "cpu"),
            memory: fields::int(c, "memory"),
            environment: fields::string_map(c, "environment"),
            secrets: fields::string_map(c, "secrets"),
            task_role_policy_json: fields::string(c, "task_role_policy_json"),
            log_retention_days: fields::int(c, "log_retention_days"),
            enabled: fields::boolean(c, "enabled"),
            max_retry_attempts: fields::int(c, "max_retry_attempts"),
            max_event_age: fields::int(c, "max_event_age"),
            dead_letter_queue_arn: fields::string(c, "dead_letter_queue_arn"),
            flexible_window: fields::int(c, "flexible_window"),
            tags: fields::string_map(c, "tags"),
        }
    }
}

/// Numeric attributes that must be whole numbers.
const WHOLE_NUMBERS: &[&str] = &[
    "cpu",
    "memory",
    "log_retention_days",
    "max_retry_attempts",
    "max_event_age",
    "flexible_window",
];

pub fn validate(raw: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    for name in WHOLE_NUMBERS {
        v::whole(&mut d, at(name), &fields::number(raw, name), name);
    }
    let c = JobConfig::from_value(raw);
    v::matches(
        &mut d,
        at("cluster"),
        &c.cluster,
        &CLUSTER_NAME,
        "Invalid cluster",
        CLUSTER_NAME_RULE,
    );
    v::matches(
        &mut d,
        at("name"),
        &c.name,
        &SERVICE_NAME,
        "Invalid job name",
        "use 1-32 letters, digits and hyphens, starting with a letter and not ending with a hyphen.",
    );
    v::matches(
        &mut d,
        at("image"),
        &c.image,
        &IMAGE,
        "Invalid image",
        "an image reference is up to 255 letters, digits and . _ / : @ # - characters, such as public.ecr.aws/docker/library/busybox:1.37.",
    );
    if let Field::Known(expression) = &c.schedule
        && let Some(problem) = expression_problem(expression)
    {
        d.error_at(
            at("schedule"),
            "Invalid schedule",
            format!(
                "{expression:?} is not a schedule EventBridge Scheduler runs a job on: {problem}."
            ),
        );
    }
    if let Field::Known(zone) = &c.timezone
        && !is_time_zone(zone)
    {
        d.error_at(
            at("timezone"),
            "Invalid time zone",
            format!("{zone:?} is not an IANA time zone name, such as UTC, Europe/Paris or America/New_York (case matters)."),
        );
    }
    v::int_range(&mut d, at("cpu"), &c.cpu, 128, 196_608, "cpu");
    v::int_range(&mut d, at("memory"), &c.memory, 6, 1_048_576, "memory");
    variables(&mut d, &Path::root(), &c.environment, &c.secrets);
    task_role_policy(&mut d, &c.task_role_policy_json);
    v::log_retention(&mut d, at("log_retention_days"), &c.log_retention_days);
    v::int_range(
        &mut d,
        at("max_retry_attempts"),
        &c.max_retry_attempts,
        0,
        185,
        "max_retry_attempts",
    );
    v::int_range(
        &mut d,
        at("max_event_age"),
        &c.max_event_age,
        60,
        86_400,
        "max_event_age",
    );
    v::int_range(
        &mut d,
        at("flexible_window"),
        &c.flexible_window,
        1,
        1440,
        "flexible_window",
    );
    v::matches(
        &mut d,
        at("dead_letter_queue_arn"),
        &c.dead_letter_queue_arn,
        &QUEUE_ARN,
        "Invalid queue ARN",
        "an SQS queue ARN looks like arn:aws:sqs:eu-west-1:123456789012:job-dead-letters.",
    );
    v::tags(&mut d, at("tags"), &c.tags);
    crate::resources::timeouts::validate(&mut d, raw);
    d
}
