//! EventBridge Scheduler schedules of jobs: found by name in the default group, created with a
//! client token (a retried create meets the schedule it made and adopts it), replaced whole by
//! UpdateSchedule on any difference, deleted (one already gone is fine).

use aws_sdk_scheduler::types::{
    ActionAfterCompletion, CapacityProviderStrategyItem, DeadLetterConfig, EcsParameters,
    FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState, Target,
};

use super::Clients;
use super::retry::{AwsError, adopt_after_retried_create, aws_error, unless_gone};
use super::task_definition::iam_not_yet_visible;
use super::unit::{Change, Changes, Env, Unit, read_each};
use crate::blueprint::job::{ScheduleSpec, ScheduleTarget, TASKS_PER_RUN};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedSchedule {
    pub arn: String,
    /// What it is, in the blueprint's shape.
    pub spec: ScheduleSpec,
}

fn built<T, E: std::fmt::Display>(step: &str, r: Result<T, E>) -> Result<T, AwsError> {
    r.map_err(|e| AwsError::new(step, e.to_string()))
}

async fn describe(c: &Clients, name: &str) -> Result<Option<ObservedSchedule>, AwsError> {
    let found = c
        .scheduler
        .get_schedule()
        .name(name)
        .send()
        .await
        .map_err(|e| aws_error("describe schedule", e));
    let Some(s) = unless_gone(found, "ResourceNotFoundException")? else {
        return Ok(None);
    };
    let target = s.target();
    let ecs = target.and_then(|t| t.ecs_parameters());
    let strategy = ecs.and_then(|e| e.capacity_provider_strategy().first());
    let retry = target.and_then(|t| t.retry_policy());
    let window = s
        .flexible_time_window()
        .filter(|w| *w.mode() == FlexibleTimeWindowMode::Flexible);
    Ok(Some(ObservedSchedule {
        arn: s.arn().unwrap_or_default().to_owned(),
        spec: ScheduleSpec {
            name: name.to_owned(),
            expression: s.schedule_expression().unwrap_or_default().to_owned(),
            // Without one, AWS reads the expression in UTC.
            timezone: s.schedule_expression_timezone().unwrap_or("UTC").to_owned(),
            enabled: s.state() != Some(&ScheduleState::Disabled),
            flexible_window: window.and_then(|w| w.maximum_window_in_minutes()),
            target: ScheduleTarget {
                cluster_arn: target.map(|t| t.arn().to_owned()).unwrap_or_default(),
                role_arn: target.map(|t| t.role_arn().to_owned()).unwrap_or_default(),
                task_definition_arn: ecs
                    .map(|e| e.task_definition_arn().to_owned())
                    .unwrap_or_default(),
                capacity_provider: strategy
                    .map(|i| i.capacity_provider().to_owned())
                    .unwrap_or_default(),
            },
            // AWS's defaults when the policy is left out: 185 attempts within a day.
            max_retry_attempts: retry
                .and_then(|r| r.maximum_retry_attempts())
                .unwrap_or(185),
            max_event_age: retry
                .and_then(|r| r.maximum_event_age_in_seconds())
                .unwrap_or(86_400),
            dead_letter_queue_arn: target
                .and_then(|t| t.dead_letter_config())
                .and_then(|d| d.arn())
                .map(str::to_owned),
            description: s.description().unwrap_or_default().to_owned(),
        },
    }))
}

fn target(spec: &ScheduleSpec) -> Result<Target, AwsError> {
    const STEP: &str = "configure schedule";
    let t = &spec.target;
    let strategy = built(
        STEP,
        CapacityProviderStrategyItem::builder()
            .capacity_provider(&t.capacity_provider)
            .weight(1)
            .base(0)
            .build(),
    )?;
    let ecs = built(
        STEP,
        EcsParameters::builder()
            .task_definition_arn(&t.task_definition_arn)
            .task_count(TASKS_PER_RUN)
            .capacity_provider_strategy(strategy)
            .build(),
    )?;
    built(
        STEP,
        Target::builder()
            .arn(&t.cluster_arn)
            .role_arn(&t.role_arn)
            .ecs_parameters(ecs)
            .retry_policy(
                RetryPolicy::builder()
                    .maximum_retry_attempts(spec.max_retry_attempts)
                    .maximum_event_age_in_seconds(spec.max_event_age)
                    .build(),
            )
            .set_dead_letter_config(
                spec.dead_letter_queue_arn
                    .as_ref()
                    .map(|arn| DeadLetterConfig::builder().arn(arn).build()),
            )
            .build(),
    )
}

fn window(spec: &ScheduleSpec) -> Result<FlexibleTimeWindow, AwsError> {
    let mode = if spec.flexible_window.is_some() {
        FlexibleTimeWindowMode::Flexible
    } else {
        FlexibleTimeWindowMode::Off
    };
    built(
        "configure schedule",
        FlexibleTimeWindow::builder()
            .mode(mode)
            .set_maximum_window_in_minutes(spec.flexible_window)
            .build(),
    )
}

fn state(spec: &ScheduleSpec) -> ScheduleState {
    if spec.enabled {
        ScheduleState::Enabled
    } else {
        ScheduleState::Disabled
    }
}

/// Sets every setting of `desired` on a CreateSchedule or UpdateSchedule request (AWS's
/// UpdateSchedule replaces the whole schedule, so both send the same).
macro_rules! with_settings {
    ($request:expr, $desired:expr) => {
        $request
            .client_token(super::retry::client_token())
            .schedule_expression(&$desired.expression)
            .schedule_expression_timezone(&$desired.timezone)
            .flexible_time_window(window($desired)?)
            .state(state($desired))
            .description(&$desired.description)
            .action_after_completion(ActionAfterCompletion::None)
            .target(target($desired)?)
    };
}

/// EventBridge Scheduler checks that it may assume the target's role when the schedule is
/// written; a role just created is not visible to it yet (nor the permission to pass it).
fn role_not_yet_usable(e: &AwsError) -> bool {
    (e.code() == Some("ValidationException") && e.message.contains("assume the role"))
        || iam_not_yet_visible(e)
}

pub struct Schedule;

read_each! {
    Schedule: "schedule", String => ObservedSchedule,
    |env, k| describe(env.c(), k)
}

impl Unit for Schedule {
    type Desired = ScheduleSpec;

    fn diff(desired: &ScheduleSpec, observed: &ObservedSchedule) -> Vec<Change> {
        let o = &observed.spec;
        Changes::new()
            .check(
                "timing",
                o.expression != desired.expression
                    || o.timezone != desired.timezone
                    || o.flexible_window != desired.flexible_window,
            )
            .check("state", o.enabled != desired.enabled)
            .check("target", o.target != desired.target)
            .check(
                "retries",
                o.max_retry_attempts != desired.max_retry_attempts
                    || o.max_event_age != desired.max_event_age
                    || o.dead_letter_queue_arn != desired.dead_letter_queue_arn,
            )
            .check("description", o.description != desired.description)
            .done()
    }

    async fn create(
        env: &Env,
        name: &String,
        desired: &ScheduleSpec,
    ) -> Result<ObservedSchedule, AwsError> {
        let c = env.c();
        let created = env
            .budget
            .retry_while(role_not_yet_usable, || async {
                with_settings!(c.scheduler.create_schedule().name(name), desired)
                    .send()
                    .await
                    .map(|out| out.schedule_arn().to_owned())
                    .map_err(|e| aws_error("create schedule", e))
            })
            .await;
        // A create whose answer was lost meets the schedule it made: that one is adopted.
        let arn = adopt_after_retried_create(created, "ConflictException", || async {
            Ok(describe(c, name).await?.map(|s| s.arn))
        })
        .await?;
        Ok(ObservedSchedule {
            arn,
            spec: desired.clone(),
        })
    }

    /// UpdateSchedule replaces the whole schedule: every setting is written.
    async fn update(
        env: &Env,
        desired: &ScheduleSpec,
        observed: &ObservedSchedule,
        _: &[Change],
    ) -> Result<ObservedSchedule, AwsError> {
        env.budget
            .retry_while(role_not_yet_usable, || async {
                let request = env.c().scheduler.update_schedule().name(&desired.name);
                with_settings!(request, desired)
                    .send()
                    .await
                    .map_err(|e| aws_error("update schedule", e))
            })
            .await?;
        Ok(ObservedSchedule {
            arn: observed.arn.clone(),
            spec: desired.clone(),
        })
    }

    async fn delete(env: &Env, observed: &ObservedSchedule) -> Result<(), AwsError> {
        let deleted = env
            .c()
            .scheduler
            .delete_schedule()
            .name(&observed.spec.name)
            .client_token(super::retry::client_token())
            .send()
            .await
            .map_err(|e| aws_error("delete schedule", e));
        unless_gone(deleted, "ResourceNotFoundException").map(|_| ())
    }
}
