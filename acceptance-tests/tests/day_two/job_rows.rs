//! Day-two rows of `ecsprod_scheduled_task`: each setting changes in place on a running job.

use std::collections::BTreeMap;

use acceptance_tests::emulator::Seed;
use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::{FlexibleTimeWindowMode, ScheduleState};

use super::rows::{expect, no_writes};
use super::{CLUSTER, Ctx, Other, Row};

const JOB: &str = "nightly";

fn quoted(s: &str) -> Option<String> {
    Some(format!("{s:?}"))
}

/// The job every row starts from.
pub fn base(seed: &Seed) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("cluster", "ecsprod_cluster.main.id".to_owned()),
        ("name", format!("{JOB:?}")),
        (
            "image",
            "\"public.ecr.aws/docker/library/busybox:1.37\"".to_owned(),
        ),
        ("schedule", "\"cron(0 3 * * ? *)\"".to_owned()),
        (
            "secrets",
            format!("{{ DB_PASSWORD = {:?} }}", seed.secret_arn),
        ),
    ])
}

fn schedule(c: &Ctx<'_>) -> GetScheduleOutput {
    c.rt.block_on(c.aws.schedule(&format!("{CLUSTER}-job_{JOB}")))
}

/// The main container of the revision the schedule runs.
fn container(c: &Ctx<'_>) -> aws_sdk_ecs::types::ContainerDefinition {
    revision(c).container_definitions()[0].clone()
}

fn revision(c: &Ctx<'_>) -> aws_sdk_ecs::types::TaskDefinition {
    let s = schedule(c);
    let arn = s
        .target()
        .and_then(|t| t.ecs_parameters())
        .map(|e| e.task_definition_arn().to_owned())
        .unwrap_or_default();
    c.rt.block_on(c.aws.task_definition(&arn))
}

fn role(suffix: &str) -> String {
    format!("{CLUSTER}-job_{JOB}-{suffix}")
}

pub fn rows() -> Vec<Row> {
    vec![
        Row {
            attribute: "image",
            value: |_| quoted("public.ecr.aws/docker/library/busybox:1.36"),
            check: |c| {
                expect(
                    "image",
                    container(c).image().map(str::to_owned),
                    Some("public.ecr.aws/docker/library/busybox:1.36".into()),
                )
            },
        },
        Row {
            attribute: "command",
            value: |_| Some(r#"["sh", "-c", "date"]"#.into()),
            check: |c| {
                expect(
                    "command",
                    container(c).command().to_vec(),
                    vec!["sh".into(), "-c".into(), "date".into()],
                )
            },
        },
        Row {
            attribute: "cpu",
            value: |_| Some("512".into()),
            check: |c| {
                expect(
                    "cpu",
                    revision(c).cpu().map(str::to_owned),
                    Some("512".into()),
                )
            },
        },
        Row {
            attribute: "memory",
            value: |_| Some("1024".into()),
            check: |c| {
                expect(
                    "memory",
                    revision(c).memory().map(str::to_owned),
                    Some("1024".into()),
                )
            },
        },
        Row {
            attribute: "environment",
            value: |_| Some(r#"{ MODE = "full" }"#.into()),
            check: |c| {
                let env: Vec<(Option<String>, Option<String>)> = container(c)
                    .environment()
                    .iter()
                    .map(|kv| (kv.name().map(str::to_owned), kv.value().map(str::to_owned)))
                    .collect();
                expect(
                    "environment",
                    env,
                    vec![(Some("MODE".into()), Some("full".into()))],
                )
            },
        },
        Row {
            attribute: "secrets",
            value: |c| Some(format!("{{ DB_URL = {:?} }}", c.seed.parameter_arn)),
            check: |c| {
                let policy = c.rt.block_on(c.aws.inline_policy(&role("exec"), "secrets"));
                let resources = policy.map(|p| p["Statement"][0]["Resource"].clone());
                expect(
                    "readable secrets",
                    resources,
                    Some(serde_json::json!([c.seed.parameter_arn])),
                )
            },
        },
        Row {
            attribute: "task_role_policy_json",
            value: |_| {
                Some(r#"jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::reports/*" }] })"#.into())
            },
            check: |c| {
                let policy =
                    c.rt.block_on(c.aws.inline_policy(&role("task"), "application"));
                expect(
                    "task role policy",
                    policy.map(|p| p["Statement"][0]["Action"].clone()),
                    Some(serde_json::json!("s3:PutObject")),
                )
            },
        },
        Row {
            attribute: "log_retention_days",
            value: |_| Some("90".into()),
            check: |c| {
                let groups =
                    c.rt.block_on(c.aws.log_groups(&format!("/ecs/{CLUSTER}/job_{JOB}")));
                expect(
                    "retention",
                    groups.first().and_then(|g| g.retention_in_days()),
                    Some(90),
                )
            },
        },
        Row {
            attribute: "schedule",
            value: |_| quoted("rate(12 hours)"),
            check: |c| {
                expect(
                    "expression",
                    schedule(c).schedule_expression().map(str::to_owned),
                    Some("rate(12 hours)".into()),
                )
            },
        },
        Row {
            attribute: "timezone",
            value: |_| quoted("Asia/Tokyo"),
            check: |c| {
                expect(
                    "time zone",
                    schedule(c)
                        .schedule_expression_timezone()
                        .map(str::to_owned),
                    Some("Asia/Tokyo".into()),
                )
            },
        },
        Row {
            attribute: "enabled",
            value: |_| Some("false".into()),
            check: |c| {
                expect(
                    "state",
                    schedule(c).state().cloned(),
                    Some(ScheduleState::Disabled),
                )
            },
        },
        Row {
            attribute: "max_retry_attempts",
            value: |_| Some("3".into()),
            check: |c| {
                let s = schedule(c);
                let retry = s.target().and_then(|t| t.retry_policy());
                expect(
                    "retries",
                    retry.and_then(|r| r.maximum_retry_attempts()),
                    Some(3),
                )
            },
        },
        Row {
            attribute: "max_event_age",
            value: |_| Some("7200".into()),
            check: |c| {
                let s = schedule(c);
                let retry = s.target().and_then(|t| t.retry_policy());
                expect(
                    "event age",
                    retry.and_then(|r| r.maximum_event_age_in_seconds()),
                    Some(7200),
                )
            },
        },
        Row {
            attribute: "dead_letter_queue_arn",
            value: |_| quoted("arn:aws:sqs:ap-south-1:123456789012:day2-dead-letters"),
            check: |c| {
                let s = schedule(c);
                let queue = s
                    .target()
                    .and_then(|t| t.dead_letter_config())
                    .and_then(|d| d.arn());
                expect(
                    "dead letters",
                    queue,
                    Some("arn:aws:sqs:ap-south-1:123456789012:day2-dead-letters"),
                )?;
                let policy = c.rt.block_on(c.aws.inline_policy(&role("run"), "run-task"));
                expect(
                    "scheduler may send to it",
                    policy.map(|p| p["Statement"][2]["Resource"].clone()),
                    Some(serde_json::json!(
                        "arn:aws:sqs:ap-south-1:123456789012:day2-dead-letters"
                    )),
                )
            },
        },
        Row {
            attribute: "flexible_window",
            value: |_| Some("30".into()),
            check: |c| {
                let s = schedule(c);
                let window = s.flexible_time_window();
                expect(
                    "window",
                    window.map(|w| (w.mode().clone(), w.maximum_window_in_minutes())),
                    Some((FlexibleTimeWindowMode::Flexible, Some(30))),
                )
            },
        },
        Row {
            attribute: "tags",
            value: |_| Some(r#"{ Team = "data" }"#.into()),
            check: |c| {
                let tags = c.rt.block_on(c.aws.role_tags(&role("task")));
                expect(
                    "task role tag",
                    tags.get("Team").cloned(),
                    Some("data".into()),
                )
            },
        },
        Row {
            attribute: "timeouts",
            value: |_| Some(r#"{ delete = "20m" }"#.into()),
            check: no_writes,
        },
    ]
}

pub fn others() -> Vec<(&'static str, Other)> {
    vec![("cluster", Other::Replaces), ("name", Other::Replaces)]
}
