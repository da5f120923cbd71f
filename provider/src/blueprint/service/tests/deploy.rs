//! Deployment strategies, the traffic-shifting role and the rollback alarms.

use super::*;

fn with_strategy(strategy: Strategy) -> ServiceInput {
    let mut i = input();
    i.deployment.strategy = strategy;
    i
}

#[test]
fn each_strategy_sends_only_its_own_settings() {
    let canary = deployment(&with_strategy(Strategy::Canary));
    assert_eq!(canary.strategy.api(), "CANARY");
    assert_eq!(canary.bake_time, Some(BAKE_TIME));
    assert_eq!(
        canary.canary,
        Some(TrafficStep {
            percent_tenths: 100,
            bake_time: CANARY_BAKE_TIME
        })
    );
    assert_eq!(canary.linear, None);
    let linear = deployment(&with_strategy(Strategy::Linear));
    assert_eq!(
        (linear.canary, linear.linear.map(|l| l.percent_tenths)),
        (None, Some(250))
    );
    let blue_green = deployment(&with_strategy(Strategy::BlueGreen));
    assert_eq!(
        (blue_green.bake_time, blue_green.canary, blue_green.linear),
        (Some(BAKE_TIME), None, None)
    );
    let rolling = deployment(&with_strategy(Strategy::Rolling));
    assert_eq!((rolling.bake_time, rolling.canary), (None, None));
}

#[test]
fn the_strategy_names_map_both_ways() {
    for s in Strategy::ALL {
        assert_eq!(Strategy::from_name(s.name()), Some(s));
        assert_eq!(Strategy::from_api(s.api()), Some(s));
    }
    assert_eq!(Strategy::from_name("ROLLING"), None);
}

#[test]
fn the_load_balancer_role_exists_only_for_shifting_strategies_and_trusts_ecs_of_the_account() {
    assert!(load_balancer_role(&with_strategy(Strategy::Rolling)).is_none());
    let role = load_balancer_role(&with_strategy(Strategy::Canary)).expect("role");
    assert_eq!(role.name, "prod-api-lb");
    assert_eq!(
        role.managed_policies,
        ["arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"]
    );
    let trust: Value = serde_json::from_str(&role.trust_policy).expect("json");
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "ecs.amazonaws.com"
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
        "123456789012"
    );
}

#[test]
fn the_two_target_groups_have_distinct_names_that_follow_the_port() {
    let [a, b] = target_group_names(&input());
    assert_ne!(a, b);
    assert!(a.len() <= 32 && b.len() <= 32);
    let mut moved = input();
    moved.container_port = 9090;
    let [c, d] = target_group_names(&moved);
    assert!(c != a && d != b);
}

const LB: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/prod/50dc6c495c0c9188";
const TG_A: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-api-a/943f017f100becff";
const TG_B: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/prod-api-b/1f8c7a1e5d2b3c4d";

#[test]
fn the_alarms_watch_every_target_group_by_its_cloudwatch_dimensions() {
    assert_eq!(metric_dimension(LB), "app/prod/50dc6c495c0c9188");
    assert_eq!(
        metric_dimension(TG_A),
        "targetgroup/prod-api-a/943f017f100becff"
    );
    let groups = [TG_A.to_owned(), TG_B.to_owned()];
    let [rate, unhealthy] = rollback_alarms(&input(), LB, &groups).expect("alarms");
    assert_eq!(rate.name, "prod-api-5xx-rate");
    // Each group's own rate, once it serves enough requests; the worst one counts.
    assert_eq!(rate.expression, "MAX([rate0, rate1])");
    assert_eq!(
        rate.steps[1],
        (
            "rate1".to_owned(),
            "IF(FILL(requests1, 0) >= 10, 100 * FILL(errors1, 0) / FILL(requests1, 0), 0)"
                .to_owned()
        )
    );
    assert_eq!(
        (rate.comparison.as_str(), rate.threshold),
        ("GreaterThanThreshold", 5)
    );
    assert_eq!(rate.metrics.len(), 4);
    assert_eq!(unhealthy.expression, "MAX([unhealthy0, unhealthy1])");
    assert_eq!(unhealthy.threshold, 1);
    assert_eq!(unhealthy.evaluation_periods, EVALUATION_MINUTES);
    let m = &unhealthy.metrics[1];
    assert_eq!(
        (m.metric_name.as_str(), m.stat.as_str()),
        ("UnHealthyHostCount", "Maximum")
    );
    assert!(
        m.dimensions
            .contains(&("TargetGroup".to_owned(), metric_dimension(TG_B)))
    );
}

#[test]
fn alarms_turned_off_leave_only_the_users_own_for_ecs_to_watch() {
    let mut i = input();
    assert_eq!(deployment_alarm_names(&i).len(), 2);
    i.deployment.alarms.enabled = false;
    assert!(rollback_alarms(&i, LB, &[TG_A.to_owned()]).is_none());
    assert!(deployment_alarm_names(&i).is_empty());
    i.deployment.extra_alarm_names = vec!["team-latency".into()];
    assert_eq!(deployment_alarm_names(&i), ["team-latency"]);
}

#[test]
fn the_test_rule_has_a_priority_key_of_its_own() {
    let rule = test_listener_rule(&input(), "api-next.example.com", Vec::new());
    let production = listener_rule(&input(), Vec::new());
    assert_ne!(rule.priority_key, production.priority_key);
    assert_eq!(rule.host_headers, ["api-next.example.com"]);
}
