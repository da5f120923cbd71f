//! `ecsprod_service` deployments that catch bad releases: the canary, linear and blue/green
//! strategies with their second target group, traffic-shifting role, test rule and rollback
//! alarms; rollbacks detected however fast they finish; strategies switched both ways in place.

use acceptance_tests::aws_check::{forwarded_target_groups, host_headers};
use acceptance_tests::emulator::{Emulator, Seed};
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource, service_resource};
use serde_json::{Value, json};

const CLUSTER: &str = "deploys";
const NGINX: &str = "public.ecr.aws/nginx/nginx:1.27";
const NGINX_NEXT: &str = "public.ecr.aws/nginx/nginx:1.28";

/// The cluster and the API service with `image` and a `deployment` block (empty: none).
fn config(seed: &Seed, image: &str, deployment: &str) -> String {
    let mut extra = format!("  zone_id = \"{}\"\n", seed.zone_id);
    if !deployment.is_empty() {
        extra.push_str(&format!("  deployment = {deployment}\n"));
    }
    let service = service_resource(seed, &extra).replace(NGINX, image);
    format!(
        "{REQUIRED_PROVIDERS}\n{}\n{service}",
        cluster_resource(seed, CLUSTER, "")
    )
}

fn canary(seed: &Seed) -> String {
    format!(
        r#"{{
    strategy         = "canary"
    canary_percent   = 20
    canary_bake_time = 1
    bake_time        = 1
    test_host        = "api-next.{}"
  }}"#,
        seed.domain
    )
}

fn apply(w: &Workdir) -> acceptance_tests::Run {
    w.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
}

fn text(state: &Value, attr: &str) -> String {
    state[attr]
        .as_str()
        .unwrap_or_else(|| panic!("{attr} is not set: {state:#}"))
        .to_owned()
}

/// The service as ECS reports it, as JSON-like fields the assertions read.
fn deployment_configuration(lab: &Lab) -> aws_sdk_ecs::types::DeploymentConfiguration {
    lab.rt
        .block_on(lab.aws.service(CLUSTER, "api"))
        .deployment_configuration()
        .cloned()
        .expect("deployment configuration")
}

fn weights(lab: &Lab, rule: &str) -> Vec<(String, i32)> {
    let mut w = forwarded_target_groups(&lab.rt.block_on(lab.aws.rule(rule)));
    w.sort();
    w
}

fn destroy_leaves_nothing(lab: &Lab) {
    apply_destroy(&lab.work);
    let left = lab.leftovers(CLUSTER);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

fn apply_destroy(w: &Workdir) {
    w.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .success();
}

#[test]
fn a_canary_service_owns_two_target_groups_a_shifting_role_a_test_rule_and_alarms_and_a_new_image_bakes_then_takes_all_traffic()
 {
    // A minute of bake time lasts 6 s: long enough for the provider's polls to see each stage.
    let lab = Lab::on(Emulator::start_with_env(&[(
        "ECSPROD_EMULATOR_MINUTE_SECONDS",
        "6",
    )]));
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, NGINX, &canary(&lab.seed)));
    w.init();
    apply(w).success();
    w.assert_plan_empty("after create");
    let state = w.state_of("ecsprod_service.api");
    let (primary, alternate) = (
        text(&state, "target_group_arn"),
        text(&state, "alternate_target_group_arn"),
    );
    let (rule, test_rule, role) = (
        text(&state, "listener_rule_arn"),
        text(&state, "test_listener_rule_arn"),
        text(&state, "load_balancer_role_arn"),
    );
    assert_ne!(primary, alternate);

    // What ECS reports back.
    let d = deployment_configuration(&lab);
    assert_eq!(d.strategy().map(|s| s.as_str()), Some("CANARY"));
    assert_eq!(d.bake_time_in_minutes(), Some(1));
    let c = d.canary_configuration().expect("canary configuration");
    assert_eq!(
        (c.canary_percent(), c.canary_bake_time_in_minutes()),
        (Some(20.0), Some(1))
    );
    assert!(d.linear_configuration().is_none());
    let alarms = d.alarms().expect("alarms");
    assert_eq!(
        alarms.alarm_names(),
        [
            format!("{CLUSTER}-api-5xx-rate"),
            format!("{CLUSTER}-api-unhealthy")
        ]
    );
    assert!(alarms.enable() && alarms.rollback());
    let svc = lab.rt.block_on(lab.aws.service(CLUSTER, "api"));
    let lb = &svc.load_balancers()[0];
    assert_eq!(lb.target_group_arn(), Some(primary.as_str()));
    let a = lb.advanced_configuration().expect("advanced configuration");
    assert_eq!(a.alternate_target_group_arn(), Some(alternate.as_str()));
    assert_eq!(a.production_listener_rule(), Some(rule.as_str()));
    assert_eq!(a.test_listener_rule(), Some(test_rule.as_str()));
    assert_eq!(a.role_arn(), Some(role.as_str()));
    assert_eq!(
        svc.availability_zone_rebalancing().map(|r| r.as_str()),
        Some("ENABLED")
    );

    // What the provider sent: the strategy's own settings only.
    let sent: Value = lab
        .emulator
        .requests("CreateService")
        .iter()
        .find_map(|b| serde_json::from_str(b).ok())
        .expect("CreateService");
    assert_eq!(sent["deploymentConfiguration"]["strategy"], "CANARY");
    assert_eq!(
        sent["deploymentConfiguration"]["canaryConfiguration"],
        json!({"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 1})
    );
    assert!(sent["deploymentConfiguration"]["linearConfiguration"].is_null());

    // The rule forwards to both groups; the test rule routes the test host.
    let forwarded: Vec<String> = weights(&lab, &rule).into_iter().map(|(g, _)| g).collect();
    let mut both = vec![primary.clone(), alternate.clone()];
    both.sort();
    assert_eq!(forwarded, both);
    let test = lab.rt.block_on(lab.aws.rule(&test_rule));
    assert_eq!(
        host_headers(&test),
        [format!("api-next.{}", lab.seed.domain)]
    );

    // The role ECS shifts traffic with, and the alarms on both groups.
    let role_name = role.rsplit('/').next().unwrap_or_default().to_owned();
    let policies = lab.rt.block_on(lab.aws.attached_policy_names(&role_name));
    assert_eq!(
        policies,
        ["AmazonECSInfrastructureRolePolicyForLoadBalancers"]
    );
    assert!(
        lab.rt
            .block_on(lab.aws.trust_policy(&role_name))
            .contains("ecs.amazonaws.com")
    );
    let alarm = lab
        .rt
        .block_on(lab.aws.alarm(&format!("{CLUSTER}-api-5xx-rate")))
        .expect("5xx rate alarm");
    // Each group's own 5xx rate; the worst one is compared with the threshold.
    let expressions: Vec<&str> = alarm
        .metrics()
        .iter()
        .filter_map(|m| m.expression())
        .collect();
    assert_eq!(
        expressions.last(),
        Some(&"MAX([rate0, rate1])"),
        "{expressions:?}"
    );
    assert!(
        expressions.iter().any(|e| e.contains("errors1")),
        "{expressions:?}"
    );
    assert_eq!(alarm.threshold(), Some(5.0));

    // A new image: the canary bakes, then all traffic moves to the other group; the apply waits
    // and logs.
    let serving = |lab: &Lab| -> Vec<String> {
        weights(lab, &rule)
            .into_iter()
            .filter(|(_, w)| *w > 0)
            .map(|(g, _)| g)
            .collect()
    };
    let before = serving(&lab);
    assert_eq!(before.len(), 1, "{before:?}");
    w.write(
        "main.tf",
        &config(&lab.seed, NGINX_NEXT, &canary(&lab.seed)),
    );
    let run = w
        .run_with(
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG_PROVIDER", "INFO")],
        )
        .success();
    let stages: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("[INFO]") && l.contains("deployment in progress"))
        .collect();
    assert!(
        stages
            .iter()
            .any(|l| l.contains("stage=PRODUCTION_TRAFFIC_SHIFT")
                && l.contains("traffic_percent=20")),
        "the canary step is logged: {stages:#?}"
    );
    assert!(
        stages
            .iter()
            .any(|l| l.contains("stage=BAKE_TIME") && l.contains("bake_time_left_s=")),
        "the bake time is logged: {stages:#?}"
    );
    let svc = lab.rt.block_on(lab.aws.service(CLUSTER, "api"));
    let td = svc.task_definition().unwrap_or_default().to_owned();
    let running = lab.rt.block_on(lab.aws.task_definition(&td));
    assert_eq!(running.container_definitions()[0].image(), Some(NGINX_NEXT));
    assert_eq!(svc.deployments().len(), 1, "{:?}", svc.deployments());
    // ECS moved the traffic to the other group; the rule's weights are ECS's, not drift.
    let now = serving(&lab);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now, before);
    assert!(now[0] == primary || now[0] == alternate, "{now:?}");
    w.assert_plan_empty("after the canary deployment");

    // Back to rolling while the alternate group serves: the traffic moves back to the
    // service's own group first, then the alternate group, the role and the test rule go.
    w.write("main.tf", &config(&lab.seed, NGINX_NEXT, ""));
    apply(w).success();
    w.assert_plan_empty("after going back to rolling");
    let state = w.state_of("ecsprod_service.api");
    assert_eq!(text(&state, "target_group_arn"), primary);
    for gone in [
        "alternate_target_group_arn",
        "test_listener_rule_arn",
        "load_balancer_role_arn",
    ] {
        assert!(state[gone].is_null(), "{gone}: {state:#}");
    }
    assert_eq!(weights(&lab, &rule), [(primary.clone(), 1)]);
    let left = lab
        .rt
        .block_on(lab.aws.existing_target_groups(&[&primary, &alternate]));
    assert_eq!(left, std::slice::from_ref(&primary));
    let svc = lab.rt.block_on(lab.aws.service(CLUSTER, "api"));
    assert!(svc.load_balancers()[0].advanced_configuration().is_none());
    assert_eq!(
        deployment_configuration(&lab)
            .strategy()
            .map(|s| s.as_str()),
        Some("ROLLING")
    );
    destroy_leaves_nothing(&lab);
}

#[test]
fn an_alarm_firing_during_a_canary_fails_the_apply_naming_it_and_the_next_plan_still_shows_the_image()
 {
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, NGINX, &canary(&lab.seed)));
    w.init();
    apply(w).success();
    let before = w.state_of("ecsprod_service.api");
    let alarm = format!("{CLUSTER}-api-5xx-rate");
    lab.emulator.set_faults(json!([
        {"service": "ecs", "action": "UpdateService", "mode": "alarm_fires", "alarm": alarm, "times": 1}
    ]));
    w.write(
        "main.tf",
        &config(&lab.seed, NGINX_NEXT, &canary(&lab.seed)),
    );
    let run = apply(w);
    assert_ne!(run.code, 0, "a rolled-back deployment fails the apply");
    assert!(
        run.stderr.contains("rolled the deployment back") && run.stderr.contains(&alarm),
        "the error names the alarm:\n{}",
        run.stderr
    );
    // The state keeps the revision that runs; the plan shows the image change still to do.
    let after = w.state_of("ecsprod_service.api");
    assert_eq!(after["task_definition_arn"], before["task_definition_arn"]);
    assert_eq!(after["image"], json!(NGINX));
    let plan = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    assert!(plan.stdout.contains(NGINX_NEXT), "{}", plan.stdout);
    destroy_leaves_nothing(&lab);
}

#[test]
fn a_rollback_that_finishes_between_two_polls_fails_the_apply_at_once_with_the_reason() {
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, NGINX, ""));
    w.init();
    apply(w).success();
    lab.emulator.set_faults(json!([
        {"service": "ecs", "action": "UpdateService", "mode": "rolled_back", "times": 1}
    ]));
    w.write("main.tf", &config(&lab.seed, NGINX_NEXT, ""));
    let run = apply(w);
    assert_ne!(run.code, 0, "{}", run.stdout);
    // Not a timeout: the history says the deployment was rolled back.
    assert!(
        run.stderr.contains("ROLLBACK_SUCCESSFUL") && run.stderr.contains("circuit breaker"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("did not reach a steady state"),
        "{}",
        run.stderr
    );
    lab.emulator.set_faults(json!([]));
    apply(w).success();
    w.assert_plan_empty("after the retried deployment");
}

#[test]
fn a_strategy_and_alarms_changed_outside_terraform_show_on_deployment_and_apply_puts_them_back() {
    use aws_sdk_ecs::types::{DeploymentConfiguration, DeploymentStrategy};
    let lab = Lab::start();
    let w = &lab.work;
    w.write("main.tf", &config(&lab.seed, NGINX, &canary(&lab.seed)));
    w.init();
    apply(w).success();
    let rate = format!("{CLUSTER}-api-5xx-rate");
    let unhealthy = format!("{CLUSTER}-api-unhealthy");
    lab.rt.block_on(async {
        lab.aws
            .ecs
            .update_service()
            .cluster(CLUSTER)
            .service("api")
            .deployment_configuration(
                DeploymentConfiguration::builder()
                    .strategy(DeploymentStrategy::BlueGreen)
                    .bake_time_in_minutes(30)
                    .build(),
            )
            .send()
            .await
            .expect("change the strategy");
        lab.aws
            .cloudwatch
            .delete_alarms()
            .alarm_names(&unhealthy)
            .send()
            .await
            .expect("delete an alarm");
    });
    let plan = w
        .run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .success();
    let shown = w.run(&["show", "-json", "tfplan"]).success().json();
    let change = shown["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "ecsprod_service.api"))
        .map(|c| c["change"].clone())
        .unwrap_or_else(|| panic!("no change planned:\n{}", plan.stdout));
    assert_eq!(change["actions"], json!(["update"]), "{change:#}");
    let (before, after) = (
        &change["before"]["deployment"],
        &change["after"]["deployment"],
    );
    assert_eq!(
        (&before["strategy"], &after["strategy"]),
        (&json!("blue_green"), &json!("canary"))
    );
    assert_eq!(
        (&before["bake_time"], &after["bake_time"]),
        (&json!(30), &json!(1))
    );
    assert_eq!(
        (
            &before["rollback_alarms"]["enabled"],
            &after["rollback_alarms"]["enabled"]
        ),
        (&json!(false), &json!(true))
    );
    w.run(&["apply", "-input=false", "-no-color", "tfplan"])
        .success();
    let d = deployment_configuration(&lab);
    assert_eq!(d.strategy().map(|s| s.as_str()), Some("CANARY"));
    assert_eq!(d.bake_time_in_minutes(), Some(1));
    assert!(lab.rt.block_on(lab.aws.alarm(&unhealthy)).is_some());
    assert!(lab.rt.block_on(lab.aws.alarm(&rate)).is_some());
    w.assert_plan_empty("after the repair");
}
