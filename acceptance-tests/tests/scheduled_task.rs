//! `ecsprod_scheduled_task`: a job EventBridge Scheduler runs on the cluster's capacity
//! provider, with its secrets by ARN, its roles scoped to exactly what it needs, changes in
//! place, drift repaired, import, and a destroy that leaves nothing.

use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource};
use aws_sdk_scheduler::types::ScheduleState;
use serde_json::{Value, json};

const CLUSTER: &str = "jobs";
const SCHEDULE: &str = "jobs-job_nightly";

/// The cluster and the `nightly` job with `extra` arguments, one per line.
fn config(seed: &Seed, image: &str, extra: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_scheduled_task" "nightly" {{
  cluster  = ecsprod_cluster.main.id
  name     = "nightly"
  image    = "{image}"
  command  = ["report", "--yesterday"]
  schedule = "cron(0 3 * * ? *)"
  timezone = "Europe/Paris"
  secrets  = {{ DB_PASSWORD = "{secret}" }}
{extra}}}
"#,
        cluster = cluster_resource(seed, CLUSTER, ""),
        secret = seed.secret_arn,
    )
}

fn apply(w: &Workdir) {
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
}

fn plan_changes(w: &Workdir) -> String {
    let plan = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    plan.stdout
}

const FIRST: &str = "public.ecr.aws/docker/library/busybox:1.37";
const SECOND: &str = "public.ecr.aws/docker/library/busybox:1.36";

#[test]
fn a_job_runs_on_the_capacity_provider_changes_in_place_repairs_drift_imports_and_leaves_nothing() {
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, FIRST, ""));
    w.init();
    apply(w);
    w.assert_plan_empty("after create");

    // One task on the cluster's capacity provider, never a launch type.
    let state = w.state_of("ecsprod_scheduled_task.nightly");
    let cluster = w.state_of("ecsprod_cluster.main");
    let s = lab.rt.block_on(lab.aws.schedule(SCHEDULE));
    assert_eq!(s.arn(), state["schedule_arn"].as_str());
    assert_eq!(s.schedule_expression(), Some("cron(0 3 * * ? *)"));
    assert_eq!(s.schedule_expression_timezone(), Some("Europe/Paris"));
    assert_eq!(s.state(), Some(&ScheduleState::Enabled));
    let target = s.target().expect("target");
    assert_eq!(target.arn(), cluster["arn"].as_str().expect("cluster ARN"));
    assert_eq!(
        Some(target.role_arn()),
        state["scheduler_role_arn"].as_str()
    );
    let ecs = target.ecs_parameters().expect("ECS target");
    assert_eq!(ecs.launch_type(), None);
    assert_eq!(ecs.task_count(), Some(1));
    assert_eq!(
        ecs.capacity_provider_strategy()[0].capacity_provider(),
        format!("{CLUSTER}-capacity")
    );
    assert_eq!(
        Some(ecs.task_definition_arn()),
        state["task_definition_arn"].as_str()
    );
    let retry = target.retry_policy().expect("retry policy");
    assert_eq!(
        (
            retry.maximum_retry_attempts(),
            retry.maximum_event_age_in_seconds()
        ),
        (Some(0), Some(3600))
    );

    // The scheduler's role: this family in this cluster, and exactly the job's two roles.
    let account = cluster["arn"]
        .as_str()
        .unwrap_or_default()
        .split(':')
        .nth(4);
    let policy = lab
        .rt
        .block_on(lab.aws.inline_policy("jobs-job_nightly-run", "run-task"))
        .expect("the scheduler role's policy");
    assert_eq!(
        policy["Statement"],
        json!([
            {
                "Sid": "RunJobTask", "Effect": "Allow", "Action": "ecs:RunTask",
                "Resource": format!(
                    "arn:aws:ecs:ap-south-1:{}:task-definition/jobs-job_nightly:*",
                    account.unwrap_or_default()
                ),
                "Condition": { "ArnEquals": { "ecs:cluster": cluster["arn"] } },
            },
            {
                "Sid": "PassJobRoles", "Effect": "Allow", "Action": "iam:PassRole",
                "Resource": [state["execution_role_arn"], state["task_role_arn"]],
                "Condition": { "StringEquals": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
        ])
    );
    let trust = lab
        .rt
        .block_on(lab.aws.trust_policy("jobs-job_nightly-run"));
    assert!(trust.contains("scheduler.amazonaws.com"), "{trust}");
    // The secret by ARN only: in the execution role's policy, never read.
    let secrets = lab
        .rt
        .block_on(lab.aws.inline_policy("jobs-job_nightly-exec", "secrets"))
        .expect("the execution role's policy");
    assert_eq!(
        secrets["Statement"][0]["Resource"],
        json!([lab.seed.secret_arn])
    );
    assert_eq!(
        lab.emulator.calls().get("secretsmanager.GetSecretValue"),
        None
    );
    let shown = w.run(&["show", "-json", "-no-color"]).success().stdout;
    assert!(
        !shown.contains(&lab.seed.secret_value),
        "secret value in the state"
    );

    // In place: a new image registers a revision the schedule then runs.
    let first_revision = state["task_definition_arn"].clone();
    w.write("main.tf", &config(&lab.seed, SECOND, ""));
    apply(w);
    w.assert_plan_empty("after the image change");
    let state = w.state_of("ecsprod_scheduled_task.nightly");
    assert_ne!(state["task_definition_arn"], first_revision);
    let s = lab.rt.block_on(lab.aws.schedule(SCHEDULE));
    let runs = s.target().and_then(|t| t.ecs_parameters());
    assert_eq!(
        runs.map(|e| e.task_definition_arn()),
        state["task_definition_arn"].as_str()
    );

    // Schedule, state and retries in place.
    let changed = "  schedule = \"rate(6 hours)\"\n  enabled = false\n  max_retry_attempts = 2\n";
    let hcl =
        config(&lab.seed, SECOND, changed).replace("  schedule = \"cron(0 3 * * ? *)\"\n", "");
    w.write("main.tf", &hcl);
    apply(w);
    w.assert_plan_empty("after the schedule changes");
    let s = lab.rt.block_on(lab.aws.schedule(SCHEDULE));
    assert_eq!(s.schedule_expression(), Some("rate(6 hours)"));
    assert_eq!(s.state(), Some(&ScheduleState::Disabled));
    assert_eq!(
        s.target()
            .and_then(|t| t.retry_policy())
            .and_then(|r| r.maximum_retry_attempts()),
        Some(2)
    );

    // Drift: enabled and timed again outside Terraform; the plan shows it, the apply repairs it.
    lab.rt.block_on(async {
        let current = lab.aws.schedule(SCHEDULE).await;
        lab.aws
            .scheduler
            .update_schedule()
            .name(SCHEDULE)
            .schedule_expression("rate(1 hour)")
            .state(ScheduleState::Enabled)
            .set_flexible_time_window(current.flexible_time_window().cloned())
            .set_target(current.target().cloned())
            .send()
            .await
            .expect("update schedule")
    });
    let shown = plan_changes(w);
    assert!(
        shown.contains("\"rate(1 hour)\" -> \"rate(6 hours)\""),
        "{shown}"
    );
    assert!(
        shown.contains("enabled") && shown.contains("true -> false"),
        "{shown}"
    );
    apply(w);
    w.assert_plan_empty("after repairing drift");

    // Import by <cluster>/<job>.
    w.run(&["state", "rm", "ecsprod_scheduled_task.nightly"])
        .success();
    w.run(&[
        "import",
        "-input=false",
        "-no-color",
        "ecsprod_scheduled_task.nightly",
        "jobs/nightly",
    ])
    .success();
    w.assert_plan_empty("after import");
    let imported: Value = w.state_of("ecsprod_scheduled_task.nightly");
    assert_eq!(imported["command"], json!(["report", "--yesterday"]));

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}
