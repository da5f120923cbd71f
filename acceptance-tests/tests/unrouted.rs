//! `ecsprod_service` without `domain_name`: a service with no route (a worker, or one only
//! other services call) has no target group, rule, alias or load balancer alarms; it gains a
//! route and loses it again in place. A queue worker scales on its queue's backlog per task.

use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource};
use serde_json::Value;

const CLUSTER: &str = "workers";

/// The cluster and the `jobs` service with `extra` arguments, one per line.
fn stack(seed: &Seed, extra: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_service" "jobs" {{
  cluster        = ecsprod_cluster.main.id
  name           = "jobs"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
{extra}}}
"#,
        cluster = cluster_resource(seed, CLUSTER, ""),
    )
}

fn config(seed: &Seed, routed: bool) -> String {
    let mut extra = String::from("  command = [\"worker\", \"--queue\", \"jobs\"]\n");
    if routed {
        extra.push_str(&format!(
            "  domain_name = \"jobs.{}\"\n  zone_id     = \"{}\"\n",
            seed.domain, seed.zone_id
        ));
    }
    stack(seed, &extra)
}

fn apply(w: &Workdir) {
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .success();
}

/// The service's target groups, by their names' prefix.
fn groups(lab: &Lab) -> usize {
    let prefix = format!("{CLUSTER}-jobs-");
    lab.rt
        .block_on(lab.aws.target_groups())
        .iter()
        .filter(|g| {
            g.target_group_name()
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .count()
}

fn entries(lab: &Lab) -> usize {
    lab.rt
        .block_on(lab.aws.service(CLUSTER, "jobs"))
        .load_balancers()
        .len()
}

fn alias(lab: &Lab) -> bool {
    let fqdn = format!("jobs.{}.", lab.seed.domain);
    lab.rt
        .block_on(lab.aws.a_record(&lab.seed.zone_id, &fqdn))
        .is_some()
}

fn alarms(lab: &Lab) -> usize {
    [
        format!("{CLUSTER}-jobs-5xx-rate"),
        format!("{CLUSTER}-jobs-unhealthy"),
    ]
    .iter()
    .filter(|n| lab.rt.block_on(lab.aws.alarm(n)).is_some())
    .count()
}

#[test]
fn a_service_without_a_route_has_no_load_balancer_objects_and_gains_and_loses_a_route_in_place() {
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, false));
    w.init();
    apply(w);
    w.assert_plan_empty("after create");

    let created = lab.emulator.last_request("CreateService");
    assert_eq!(
        created["loadBalancers"],
        serde_json::json!([]),
        "{created:#}"
    );
    assert_eq!(created["healthCheckGracePeriodSeconds"], Value::Null);
    assert_eq!(
        created["deploymentConfiguration"]["alarms"]["alarmNames"],
        serde_json::json!([])
    );
    assert_eq!((groups(&lab), entries(&lab), alarms(&lab)), (0, 0, 0));
    let state = w.state_of("ecsprod_service.jobs");
    for attr in [
        "target_group_arn",
        "listener_rule_arn",
        "url",
        "domain_name",
    ] {
        assert_eq!(state[attr], Value::Null, "{attr}");
    }
    assert_eq!(state["deployment"]["rollback_alarms"]["enabled"], true);

    // A route added in place: group, rule and alias first, then the service's entry.
    w.write("main.tf", &config(&lab.seed, true));
    apply(w);
    w.assert_plan_empty("after adding the route");
    assert_eq!((groups(&lab), entries(&lab), alarms(&lab)), (1, 1, 2));
    assert!(alias(&lab));
    let state = w.state_of("ecsprod_service.jobs");
    assert_eq!(state["url"], format!("https://jobs.{}", lab.seed.domain));
    let rule = lab.rt.block_on(
        lab.aws
            .rule(state["listener_rule_arn"].as_str().expect("rule")),
    );
    assert_eq!(
        acceptance_tests::aws_check::host_headers(&rule),
        [format!("jobs.{}", lab.seed.domain)]
    );

    // And removed: the service leaves the group, then rule, group, alias and alarms go.
    w.write("main.tf", &config(&lab.seed, false));
    apply(w);
    w.assert_plan_empty("after removing the route");
    assert_eq!((groups(&lab), entries(&lab), alarms(&lab)), (0, 0, 0));
    assert!(!alias(&lab));
    let updated = lab.emulator.last_request("UpdateService");
    assert_eq!(
        updated["loadBalancers"],
        serde_json::json!([]),
        "{updated:#}"
    );

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

/// A worker without a route scaling on `queue` (HCL of `autoscaling.queue`, empty: none).
fn worker(seed: &Seed, queue: &str) -> String {
    if queue.is_empty() {
        return stack(seed, "");
    }
    stack(
        seed,
        &format!("  autoscaling = {{\n    queue = {queue}\n  }}\n"),
    )
}

/// An SQS queue ARN in the seed's region and account.
fn queue_arn(seed: &Seed, name: &str) -> String {
    let prefix: Vec<&str> = seed.parameter_arn.splitn(6, ':').take(5).collect();
    format!("{}:{name}", prefix.join(":").replacen(":ssm:", ":sqs:", 1))
}

fn queue_policy(lab: &Lab) -> Option<Value> {
    lab.rt.block_on(
        lab.aws
            .inline_policy(&format!("{CLUSTER}-jobs-task"), "queue"),
    )
}

/// (min, max) of the scalable target, and the queue policy's (queue, target value).
fn scaling(lab: &Lab) -> ((i32, i32), Option<(String, f64)>) {
    let id = format!("service/{CLUSTER}/jobs");
    let target = lab.rt.block_on(lab.aws.scalable_targets(&id));
    let bounds = target
        .first()
        .map(|t| (t.min_capacity(), t.max_capacity()))
        .expect("scalable target");
    let queue = lab
        .rt
        .block_on(lab.aws.scaling_policies(&id))
        .iter()
        .filter_map(|p| p.target_tracking_scaling_policy_configuration())
        .find_map(|c| {
            let metrics = c.customized_metric_specification()?.metrics();
            let queue = metrics.iter().find_map(|m| {
                let dims = m.metric_stat()?.metric()?.dimensions();
                dims.iter()
                    .find(|d| d.name() == "QueueName")
                    .map(|d| d.value().to_owned())
            })?;
            Some((queue, c.target_value()))
        });
    (bounds, queue)
}

#[test]
fn a_queue_worker_scales_on_backlog_per_task_from_zero_and_may_consume_exactly_its_queue() {
    let lab = Lab::start();
    let w = &lab.work;
    let arn = queue_arn(&lab.seed, "jobs");
    let queue = |backlog: u32, max: u32| {
        format!(
            "{{ arn = \"{arn}\", backlog_per_task = {backlog}, min_capacity = 0, max_capacity = {max} }}"
        )
    };
    w.write("main.tf", &worker(&lab.seed, &queue(20, 8)));
    w.init();
    apply(w);
    w.assert_plan_empty("after create");
    assert_eq!(scaling(&lab), ((0, 8), Some(("jobs".to_owned(), 20.0))));
    let policy = queue_policy(&lab).expect("the task role may consume the queue");
    assert_eq!(policy["Statement"][0]["Resource"], arn.as_str());
    let actions = policy["Statement"][0]["Action"].to_string();
    assert!(actions.contains("sqs:ReceiveMessage") && actions.contains("sqs:DeleteMessage"));
    assert!(
        !actions.contains("sqs:SendMessage"),
        "a consumer does not send: {actions}"
    );

    // In place: a larger backlog per task and more tasks.
    w.write("main.tf", &worker(&lab.seed, &queue(50, 12)));
    apply(w);
    w.assert_plan_empty("after the change");
    assert_eq!(scaling(&lab), ((0, 12), Some(("jobs".to_owned(), 50.0))));

    // Drift: the queue policy deleted outside Terraform shows on autoscaling.queue.
    lab.rt.block_on(async {
        lab.aws
            .scaling
            .delete_scaling_policy()
            .policy_name("jobs-queue")
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .resource_id(format!("service/{CLUSTER}/jobs"))
            .scalable_dimension(
                aws_sdk_applicationautoscaling::types::ScalableDimension::EcsServiceDesiredCount,
            )
            .send()
            .await
            .expect("delete the queue policy")
    });
    let plan = w.run(&["plan", "-no-color", "-input=false"]).success();
    assert!(plan.stdout.contains("+ queue"), "{}", plan.stdout);
    apply(w);
    w.assert_plan_empty("after the repair");
    assert_eq!(scaling(&lab).1, Some(("jobs".to_owned(), 50.0)));

    // Without the queue: the policy and the permissions go, the default bounds come back.
    w.write("main.tf", &worker(&lab.seed, ""));
    apply(w);
    w.assert_plan_empty("after removing the queue");
    assert_eq!(scaling(&lab), ((2, 10), None));
    assert_eq!(queue_policy(&lab), None);

    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}
