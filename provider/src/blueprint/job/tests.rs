use serde_json::{Value, json};

use super::*;

pub fn example() -> JobInput {
    JobInput {
        cluster: "prod".into(),
        name: "nightly-report".into(),
        image: "ghcr.io/example/report:1.0".into(),
        schedule: "cron(0 3 * * ? *)".into(),
        timezone: "Europe/Paris".into(),
        command: vec!["report".into(), "--yesterday".into()],
        cpu: 256,
        memory: 512,
        environment: BTreeMap::from([("MODE".into(), "full".into())]),
        secrets: BTreeMap::from([(
            "DB_PASSWORD".into(),
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".into(),
        )]),
        task_role_policy_json: None,
        log_retention_days: 30,
        enabled: true,
        max_retry_attempts: 0,
        max_event_age: 3600,
        dead_letter_queue_arn: None,
        flexible_window: None,
        tags: BTreeMap::new(),
        region: "eu-west-1".into(),
        account_id: "123456789012".into(),
        partition: "aws".into(),
    }
}

#[test]
fn every_name_holds_an_underscore_so_no_service_of_the_cluster_shares_it() {
    let n = names("prod", "report");
    let service = crate::blueprint::service::names("prod", "job-report");
    for name in [
        &n.schedule,
        &n.log_group,
        &n.execution_role,
        &n.task_role,
        &n.scheduler_role,
        &n.task_family,
    ] {
        assert!(name.contains("job_report"), "{name}");
    }
    assert_ne!(n.task_family, service.task_family);
    let long = names(&"c".repeat(28), &"j".repeat(32));
    assert!(long.scheduler_role.len() <= 64, "{}", long.scheduler_role);
    assert!(long.schedule.len() <= 64, "{}", long.schedule);
}

#[test]
fn the_scheduler_role_runs_only_this_family_in_this_cluster_and_passes_only_the_jobs_roles() {
    let cluster = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod";
    let role = scheduler_role(&example(), cluster, "arn:exec", "arn:task");
    let (name, doc) = &role.inline_policies[0];
    assert_eq!(name, "run-task");
    let doc: Value = serde_json::from_str(doc).expect("JSON");
    assert_eq!(
        doc["Statement"],
        json!([
            {
                "Sid": "RunJobTask", "Effect": "Allow", "Action": "ecs:RunTask",
                "Resource": "arn:aws:ecs:eu-west-1:123456789012:task-definition/prod-job_nightly-report:*",
                "Condition": { "ArnEquals": { "ecs:cluster": cluster } },
            },
            {
                "Sid": "PassJobRoles", "Effect": "Allow", "Action": "iam:PassRole",
                "Resource": ["arn:exec", "arn:task"],
                "Condition": { "StringEquals": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
        ])
    );
    let trust: Value = serde_json::from_str(&role.trust_policy).expect("JSON");
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "scheduler.amazonaws.com"
    );
    assert!(role.managed_policies.is_empty());

    let mut with_queue = example();
    with_queue.dead_letter_queue_arn = Some("arn:aws:sqs:eu-west-1:123456789012:dead".into());
    let role = scheduler_role(&with_queue, cluster, "arn:exec", "arn:task");
    let doc: Value = serde_json::from_str(&role.inline_policies[0].1).expect("JSON");
    assert_eq!(
        doc["Statement"][2],
        json!({ "Sid": "DeadLetters", "Effect": "Allow", "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:eu-west-1:123456789012:dead" })
    );
}

#[test]
fn the_task_definition_is_one_container_with_the_command_and_secrets_by_arn() {
    let td = task_definition(&example(), "arn:exec", "arn:task");
    assert_eq!(td.family, "prod-job_nightly-report");
    assert!(td.sidecars.is_empty());
    let c = &td.container;
    assert_eq!(c.name, "nightly-report");
    assert!(c.essential && c.port_mappings.is_empty());
    assert_eq!(c.command, ["report", "--yesterday"]);
    assert_eq!(
        c.secrets,
        [(
            "DB_PASSWORD".to_owned(),
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".to_owned()
        )]
    );
    assert_eq!(
        c.log_options["awslogs-group"],
        "/ecs/prod/job_nightly-report"
    );
    let exec = execution_role(&example(), &[]);
    let policy: Value = serde_json::from_str(&exec.inline_policies[0].1).expect("JSON");
    assert_eq!(
        policy["Statement"][0]["Resource"],
        json!(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"])
    );
}

#[test]
fn the_schedule_runs_one_task_on_the_capacity_provider() {
    let target = ScheduleTarget {
        cluster_arn: "arn:cluster".into(),
        role_arn: "arn:role".into(),
        task_definition_arn: "arn:td:1".into(),
        capacity_provider: "prod-capacity".into(),
    };
    let s = schedule(&example(), target.clone());
    assert_eq!(s.name, "prod-job_nightly-report");
    assert_eq!(s.expression, "cron(0 3 * * ? *)");
    assert_eq!(s.timezone, "Europe/Paris");
    assert_eq!(s.target, target);
    assert_eq!((s.max_retry_attempts, s.max_event_age), (0, 3600));
    assert_eq!(TASKS_PER_RUN, 1);
}
