//! The EventBridge Scheduler schedule that runs the job.

use super::{JobInput, names};

/// The ECS task a schedule runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleTarget {
    pub cluster_arn: String,
    pub role_arn: String,
    pub task_definition_arn: String,
    /// The cluster's capacity provider: the task goes through managed scaling, never a launch
    /// type.
    pub capacity_provider: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    pub name: String,
    pub expression: String,
    pub timezone: String,
    pub enabled: bool,
    /// Minutes; `None`: off.
    pub flexible_window: Option<i32>,
    pub target: ScheduleTarget,
    pub max_retry_attempts: i32,
    /// Seconds.
    pub max_event_age: i32,
    pub dead_letter_queue_arn: Option<String>,
    pub description: String,
}

/// Tasks each run starts.
pub const TASKS_PER_RUN: i32 = 1;

pub fn schedule(input: &JobInput, target: ScheduleTarget) -> ScheduleSpec {
    ScheduleSpec {
        name: names(&input.cluster, &input.name).schedule,
        expression: input.schedule.clone(),
        timezone: input.timezone.clone(),
        enabled: input.enabled,
        flexible_window: input.flexible_window,
        target,
        max_retry_attempts: input.max_retry_attempts,
        max_event_age: input.max_event_age,
        dead_letter_queue_arn: input.dead_letter_queue_arn.clone(),
        description: format!(
            "Job {} on ECS cluster {}, run by ecsprod_scheduled_task",
            input.name, input.cluster
        ),
    }
}
