//! `ecsprod_service` without `domain_name`: a service with no route (a worker, or one only
//! other services call) has no target group, rule, alias or load balancer alarms; it gains a
//! route and loses it again in place.

use acceptance_tests::emulator::Seed;
use acceptance_tests::{Lab, REQUIRED_PROVIDERS, Workdir, cluster_resource};
use serde_json::Value;

const CLUSTER: &str = "workers";

fn config(seed: &Seed, routed: bool) -> String {
    let route = if routed {
        format!(
            "  domain_name = \"jobs.{}\"\n  zone_id     = \"{}\"\n",
            seed.domain, seed.zone_id
        )
    } else {
        String::new()
    };
    format!(
        r#"{REQUIRED_PROVIDERS}
{cluster}
resource "ecsprod_service" "jobs" {{
  cluster        = ecsprod_cluster.main.id
  name           = "jobs"
  image          = "public.ecr.aws/nginx/nginx:1.27"
  container_port = 8080
  command        = ["worker", "--queue", "jobs"]
{route}}}
"#,
        cluster = cluster_resource(seed, CLUSTER, ""),
    )
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
