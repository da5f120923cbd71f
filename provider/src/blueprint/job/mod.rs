//! What one `ecsprod_scheduled_task` consists of: names, roles, log group, task definition and
//! the EventBridge Scheduler schedule that runs it on the cluster's capacity provider.

mod schedule;

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub use schedule::*;

use super::OWNER_TAG;
use super::logs::LogGroupSpec;
use super::role::{OtherPolicies, RoleSpec};
use super::service::{
    ContainerSpec, TaskDefinitionSpec, ecs_tasks_trust, execution_role_managed_policies,
    log_options, pairs, prefix, role_name, secrets_policy, short_hash,
};

/// Tag key naming the job that owns an object (next to [`OWNER_TAG`] for the cluster).
pub const JOB_TAG: &str = "ecsprod:job";

/// The log stream prefix of the job's container.
pub const LOG_PREFIX: &str = "job";

/// Everything the blueprint needs, with defaults applied and values known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInput {
    pub cluster: String,
    pub name: String,
    pub image: String,
    /// `cron(...)` or `rate(...)`.
    pub schedule: String,
    /// IANA time zone the schedule is read in.
    pub timezone: String,
    pub command: Vec<String>,
    pub cpu: i32,
    pub memory: i32,
    pub environment: BTreeMap<String, String>,
    /// Variable name → SSM parameter or Secrets Manager ARN (values are never read).
    pub secrets: BTreeMap<String, String>,
    pub task_role_policy_json: Option<String>,
    pub log_retention_days: i32,
    pub enabled: bool,
    pub max_retry_attempts: i32,
    /// Seconds a run may wait to be started before it is dropped (or sent to the queue).
    pub max_event_age: i32,
    pub dead_letter_queue_arn: Option<String>,
    /// Minutes a run may start after its time; `None`: exactly on time.
    pub flexible_window: Option<i32>,
    /// The provider's default tags merged with the resource's tags.
    pub tags: BTreeMap<String, String>,
    pub region: String,
    pub account_id: String,
    pub partition: String,
}

/// Physical names of the job's objects. A `_` is in each (service and cluster names have
/// none), so no job's object is ever named like a service's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobNames {
    pub schedule: String,
    pub log_group: String,
    pub execution_role: String,
    pub task_role: String,
    pub scheduler_role: String,
    pub task_family: String,
    /// Inline policy on the execution role (the listed secrets).
    pub execution_role_policy: String,
    /// Inline policy on the task role (`task_role_policy_json`).
    pub task_role_policy: String,
    /// Inline policy on the scheduler's role.
    pub scheduler_policy: String,
}

/// EventBridge Scheduler's limit on schedule names.
const SCHEDULE_NAME_MAX: usize = 64;

/// `name`, or, when it exceeds the schedule name limit, its start and a hash of all of it.
fn schedule_name(name: String) -> String {
    if name.len() <= SCHEDULE_NAME_MAX {
        return name;
    }
    let hash = short_hash(&name, 8);
    let start = prefix(&name, SCHEDULE_NAME_MAX - hash.len() - 1);
    format!("{start}-{hash}")
}

pub fn names(cluster: &str, job: &str) -> JobNames {
    let own = format!("job_{job}");
    JobNames {
        schedule: schedule_name(format!("{cluster}-{own}")),
        log_group: format!("/ecs/{cluster}/{own}"),
        execution_role: role_name(cluster, &own, "exec"),
        task_role: role_name(cluster, &own, "task"),
        scheduler_role: role_name(cluster, &own, "run"),
        task_family: format!("{cluster}-{own}"),
        execution_role_policy: "secrets".into(),
        task_role_policy: "application".into(),
        scheduler_policy: "run-task".into(),
    }
}

/// `<cluster>/<job>`: the job's identity within an account and region (also its ID).
pub fn job_key(cluster: &str, job: &str) -> String {
    format!("{cluster}/{job}")
}

/// Tags on every object: the user's tags plus the cluster and job ownership tags.
pub fn tags(input: &JobInput) -> BTreeMap<String, String> {
    let mut tags = input.tags.clone();
    tags.insert(OWNER_TAG.to_owned(), input.cluster.clone());
    tags.insert(JOB_TAG.to_owned(), input.name.clone());
    tags
}

pub fn log_group(input: &JobInput) -> LogGroupSpec {
    LogGroupSpec {
        name: names(&input.cluster, &input.name).log_group,
        retention_days: input.log_retention_days,
        kms_key_id: None,
        tags: tags(input),
    }
}

fn ecs_tasks_trust_policy(input: &JobInput) -> String {
    ecs_tasks_trust(&input.partition, &input.region, &input.account_id).to_string()
}

/// The execution role: pulls the image, writes logs and reads exactly the listed secrets
/// (through `kms_keys`, their customer-managed keys).
pub fn execution_role(input: &JobInput, kms_keys: &[String]) -> RoleSpec {
    let n = names(&input.cluster, &input.name);
    RoleSpec {
        name: n.execution_role,
        trust_policy: ecs_tasks_trust_policy(input),
        managed_policies: execution_role_managed_policies(&input.partition),
        others: OtherPolicies::Keep,
        inline_policies: secrets_policy(input.secrets.values(), kms_keys)
            .map(|doc| vec![(n.execution_role_policy, doc.to_string())])
            .unwrap_or_default(),
        tags: tags(input),
    }
}

/// The task role: what the job may do, from `task_role_policy_json`.
pub fn task_role(input: &JobInput) -> RoleSpec {
    let n = names(&input.cluster, &input.name);
    RoleSpec {
        name: n.task_role,
        trust_policy: ecs_tasks_trust_policy(input),
        managed_policies: Vec::new(),
        others: OtherPolicies::Keep,
        inline_policies: input
            .task_role_policy_json
            .iter()
            .map(|doc| (n.task_role_policy.clone(), doc.clone()))
            .collect(),
        tags: tags(input),
    }
}

/// One essential container named after the job, logging to the job's group; no ports.
pub fn task_definition(
    input: &JobInput,
    execution_role_arn: &str,
    task_role_arn: &str,
) -> TaskDefinitionSpec {
    let n = names(&input.cluster, &input.name);
    TaskDefinitionSpec {
        family: n.task_family,
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
            command: input.command.clone(),
            environment: pairs(&input.environment),
            secrets: pairs(&input.secrets),
            log_driver: "awslogs".into(),
            log_options: log_options(&n.log_group, &input.region, LOG_PREFIX),
            ..ContainerSpec::default()
        },
        sidecars: Vec::new(),
        tags: tags(input),
    }
}

/// The scheduler's role: run this job's revisions in this cluster, pass exactly its two roles,
/// and send a run it could not start to the dead-letter queue when there is one. Only
/// EventBridge Scheduler of this account may assume it.
pub fn scheduler_role(
    input: &JobInput,
    cluster_arn: &str,
    execution_role_arn: &str,
    task_role_arn: &str,
) -> RoleSpec {
    let n = names(&input.cluster, &input.name);
    let JobInput {
        partition,
        region,
        account_id,
        ..
    } = input;
    let family = format!(
        "arn:{partition}:ecs:{region}:{account_id}:task-definition/{}:*",
        n.task_family
    );
    let mut statements = vec![
        json!({
            "Sid": "RunJobTask",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": family,
            "Condition": { "ArnEquals": { "ecs:cluster": cluster_arn } },
        }),
        json!({
            "Sid": "PassJobRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [execution_role_arn, task_role_arn],
            "Condition": { "StringEquals": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        }),
    ];
    if let Some(queue) = &input.dead_letter_queue_arn {
        statements.push(json!({
            "Sid": "DeadLetters",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": queue,
        }));
    }
    let policy: Value = json!({ "Version": "2012-10-17", "Statement": statements });
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "scheduler.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": account_id } },
        }]
    });
    RoleSpec {
        name: n.scheduler_role,
        trust_policy: trust.to_string(),
        managed_policies: Vec::new(),
        others: OtherPolicies::Detach,
        inline_policies: vec![(n.scheduler_policy, policy.to_string())],
        tags: tags(input),
    }
}

#[cfg(test)]
mod tests;
