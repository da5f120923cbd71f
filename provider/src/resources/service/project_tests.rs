//! Refresh shows every setting changed outside Terraform on its attribute, and an unchanged
//! service as it is.

use std::collections::BTreeMap;

use super::*;
use crate::blueprint::service::{ServiceInput, WeightedTarget};
use crate::engine::project;
use crate::engine::units::ObservedAlarm;
use crate::protocol::plan;
use crate::resources::service::graph::{
    ALIAS, ERROR_ALARM, GRAPH, LOG_GROUP, RULE, SCALING, SERVICE, TARGET_GROUP, TASK_DEFINITION,
    UNHEALTHY_ALARM,
};

/// The state after an apply of a service with a hosted zone.
pub(in crate::resources::service) fn applied() -> Value {
    let mut state = plan::with_defaults(
        &super::super::schema::SCHEMA,
        &Value::object([
            ("cluster", Value::string("prod")),
            ("name", Value::string("api")),
            ("image", Value::string("nginx:1.27")),
            ("container_port", Value::number(8080)),
            ("domain_name", Value::string("api.example.com")),
            ("zone_id", Value::string("Z123")),
        ]),
    );
    for (attr, value) in [
        ("arn", "arn:svc"),
        ("task_definition_arn", "arn:td:1"),
        ("target_group_arn", "arn:tg"),
        ("listener_rule_arn", "arn:rule"),
        ("execution_role_arn", "arn:exec"),
        ("task_role_arn", "arn:task"),
        ("log_group_name", "/ecs/prod/api"),
    ] {
        set(&mut state, attr, Value::string(value));
    }
    set(&mut state, "listener_rule_priority", Value::number(7));
    for attr in [
        "previous_target_group_arns",
        "alternate_target_group_arn",
        "test_listener_rule_arn",
        "load_balancer_role_arn",
    ] {
        set(&mut state, attr, Value::Null);
    }
    state
}

fn run(state: &Value) -> Run {
    Run {
        cluster: "prod".into(),
        name: "api".into(),
        purpose: Purpose::Refresh,
        recorded: super::super::lifecycle::recorded(state),
        config: None,
        wait_for_steady_state: true,
    }
}

fn service() -> ObservedService {
    ObservedService {
        cluster: "prod".into(),
        name: "api".into(),
        arn: "arn:svc".into(),
        status: "ACTIVE".into(),
        task_definition: "arn:td:1".into(),
        desired_count: 2,
        running_count: 2,
        target_group_arns: vec!["arn:tg".into()],
        health_check_grace_period: None,
        availability_zone_rebalancing: None,
        enable_execute_command: false,
        service_connect: Some(bp::ServiceConnectSpec {
            namespace: "arn:ns".into(),
            published: None,
        }),
        shift: None,
        deployments: Vec::new(),
        events: Vec::new(),
        settings: None,
        tags: BTreeMap::new(),
    }
}

fn rule(hosts: &[&str], forward: &[(&str, i32)]) -> ObservedRule {
    let forward: Vec<WeightedTarget> = forward
        .iter()
        .map(|(arn, w)| WeightedTarget::new(arn, *w))
        .collect();
    ObservedRule {
        arn: "arn:rule".into(),
        priority: Some(7),
        host_headers: hosts.iter().map(|h| (*h).to_owned()).collect(),
        path_patterns: Vec::new(),
        target_group_arns: forward.iter().map(|t| t.target_group_arn.clone()).collect(),
        forward,
    }
}

fn group(path: &str, matcher: &str, delay: i32) -> ObservedTargetGroup {
    ObservedTargetGroup {
        arn: "arn:tg".into(),
        name: "prod-api-1".into(),
        health_check_path: path.into(),
        matcher: matcher.into(),
        deregistration_delay: delay,
    }
}

fn scaling(min: i32, max: i32, targets: &[(&str, f64)]) -> ObservedScaling {
    ObservedScaling {
        target: bp::scaling_target("prod", "api"),
        min_capacity: min,
        max_capacity: max,
        targets: targets.iter().map(|(m, v)| ((*m).to_owned(), *v)).collect(),
        policies: Vec::new(),
    }
}

/// Everything as applied.
/// The two rollback alarms as the blueprint makes them, as CloudWatch reports them.
fn alarms() -> [ObservedAlarm; 2] {
    let specs = bp::rollback_alarms(&bp::example(), "arn:lb", &["arn:tg".to_owned()]);
    specs
        .expect("alarms are on by default")
        .map(|spec| ObservedAlarm {
            arn: format!("arn:alarm:{}", spec.name),
            settings: bp::AlarmSpec {
                tags: BTreeMap::new(),
                ..spec
            },
        })
}

fn unchanged() -> Outputs {
    let mut o = Outputs::new();
    let [rate, unhealthy] = alarms();
    o.insert(ERROR_ALARM, rate);
    o.insert(UNHEALTHY_ALARM, unhealthy);
    o.insert(SERVICE, service());
    o.insert(TARGET_GROUP, group("/", "200-399", 30));
    o.insert(RULE, rule(&["api.example.com"], &[("arn:tg", 1)]));
    o.insert(
        SCALING,
        scaling(2, 10, &[(bp::CPU_METRIC, 60.0), (bp::MEMORY_METRIC, 75.0)]),
    );
    o.insert(
        LOG_GROUP,
        ObservedLogGroup {
            name: "/ecs/prod/api".into(),
            arn: "arn:log".into(),
            retention_days: Some(30),
            kms_key_id: None,
        },
    );
    o.insert(
        ALIAS,
        ObservedAlias {
            zone_id: "Z123".into(),
            name: "api.example.com.".into(),
            dns_name: "lb.example".into(),
            hosted_zone_id: "Z1".into(),
            evaluate_target_health: true,
        },
    );
    o
}

fn drift(state: Value, o: &Outputs) -> Value {
    let mut state = state;
    let r = run(&state);
    project(&GRAPH, &r, o, &mut state);
    state
}

fn attr<'v>(v: &'v Value, name: &str) -> &'v Value {
    v.get_attr(name).unwrap_or(&Value::Null)
}

#[test]
fn refresh_of_an_unchanged_service_changes_nothing() {
    let mut o = unchanged();
    for (node, arn) in [("execution_role", "arn:exec"), ("task_role", "arn:task")] {
        let role = ObservedRole {
            name: node.into(),
            arn: arn.into(),
            tags: BTreeMap::new(),
            trust_policy: None,
            managed_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
        };
        match node {
            "execution_role" => o.insert(super::super::graph::EXECUTION_ROLE, role),
            _ => o.insert(super::super::graph::TASK_ROLE, role),
        }
    }
    let state = applied();
    assert_eq!(drift(state.clone(), &o), state);
}

#[test]
fn a_grace_period_aws_does_not_report_is_not_drift_but_a_reported_one_is() {
    let mut o = unchanged();
    let mut svc = service();
    svc.health_check_grace_period = Some(60);
    o.insert(SERVICE, svc.clone());
    let state = applied();
    assert_eq!(
        attr(&drift(state.clone(), &o), "health_check_grace_period"),
        attr(&state, "health_check_grace_period")
    );
    svc.health_check_grace_period = Some(5);
    o.insert(SERVICE, svc);
    let after = drift(state, &o);
    assert_eq!(attr(&after, "health_check_grace_period"), &Value::number(5));
}

#[test]
fn availability_zone_rebalancing_turned_off_out_of_band_shows_on_its_attribute() {
    let mut o = unchanged();
    let mut svc = service();
    svc.availability_zone_rebalancing = Some(true);
    o.insert(SERVICE, svc.clone());
    let state = applied();
    assert_eq!(
        attr(&drift(state.clone(), &o), "availability_zone_rebalancing"),
        &Value::bool(true)
    );
    svc.availability_zone_rebalancing = Some(false);
    o.insert(SERVICE, svc);
    let after = drift(state, &o);
    assert_eq!(
        attr(&after, "availability_zone_rebalancing"),
        &Value::bool(false)
    );
}

#[test]
fn target_group_settings_changed_out_of_band_show_on_their_attributes() {
    let mut o = unchanged();
    o.insert(TARGET_GROUP, group("/other", "200", 5));
    let after = drift(applied(), &o);
    assert_eq!(attr(&after, "health_check_path"), &Value::string("/other"));
    assert_eq!(attr(&after, "health_check_matcher"), &Value::string("200"));
    assert_eq!(attr(&after, "deregistration_delay"), &Value::number(5));
    let mut gone = unchanged();
    gone.set(TARGET_GROUP.name, None);
    assert_eq!(
        attr(&drift(applied(), &gone), "target_group_arn"),
        &Value::Null
    );
}

#[test]
fn a_rule_changed_or_deleted_out_of_band_shows_on_domain_name() {
    let mut o = unchanged();
    o.insert(RULE, rule(&["evil.example.com"], &[("arn:tg", 1)]));
    let after = drift(applied(), &o);
    assert_eq!(
        attr(&after, "domain_name"),
        &Value::string("evil.example.com")
    );
    o.insert(RULE, rule(&["api.example.com"], &[("arn:foreign", 1)]));
    let after = drift(applied(), &o);
    assert_eq!(attr(&after, "domain_name"), &Value::Null);
    assert_eq!(
        attr(&after, "listener_rule_arn"),
        &Value::string("arn:rule"),
        "the rule is repaired in place"
    );
    o.set(RULE.name, None);
    let after = drift(applied(), &o);
    assert_eq!(attr(&after, "domain_name"), &Value::Null);
    assert_eq!(attr(&after, "listener_rule_arn"), &Value::Null);
}

#[test]
fn an_unfinished_target_group_move_is_not_rule_drift() {
    let mut state = applied();
    set(&mut state, "target_group_arn", Value::string("arn:tg-new"));
    set(
        &mut state,
        "previous_target_group_arns",
        Value::list(vec![Value::string("arn:tg")]),
    );
    let mut o = unchanged();
    o.set(TARGET_GROUP.name, None);
    o.insert(
        RULE,
        rule(&["api.example.com"], &[("arn:tg", 1), ("arn:tg-new", 0)]),
    );
    let after = drift(state, &o);
    assert_eq!(
        attr(&after, "domain_name"),
        &Value::string("api.example.com")
    );
}

#[test]
fn autoscaling_logs_and_alias_drift_show_on_their_attributes() {
    let mut o = unchanged();
    o.insert(SCALING, scaling(3, 7, &[(bp::CPU_METRIC, 41.0)]));
    o.insert(
        LOG_GROUP,
        ObservedLogGroup {
            name: "/ecs/prod/api".into(),
            arn: "arn:log".into(),
            retention_days: Some(7),
            kms_key_id: None,
        },
    );
    o.set(ALIAS.name, None);
    let after = drift(applied(), &o);
    assert_eq!(
        attr(&after, "autoscaling"),
        &Value::object([
            ("min_capacity", Value::number(3)),
            ("max_capacity", Value::number(7)),
            ("cpu_target", Value::number(41)),
            ("memory_target", Value::Null),
            ("queue", Value::Null),
        ])
    );
    assert_eq!(attr(&after, "log_retention_days"), &Value::number(7));
    assert_eq!(attr(&after, "zone_id"), &Value::Null);
    o.set(SCALING.name, None);
    o.set(LOG_GROUP.name, None);
    let after = drift(applied(), &o);
    assert_eq!(attr(&after, "autoscaling"), &Value::Null);
    assert_eq!(attr(&after, "log_group_name"), &Value::Null);
    o.insert(
        LOG_GROUP,
        ObservedLogGroup {
            name: "/ecs/prod/api".into(),
            arn: "arn:log".into(),
            retention_days: None,
            kms_key_id: None,
        },
    );
    let after = drift(applied(), &o);
    assert_eq!(attr(&after, "log_retention_days"), &Value::Null);
}

#[test]
fn another_running_revision_shows_its_content() {
    let mut svc = service();
    svc.task_definition = "arn:td:9".into();
    let input = ServiceInput {
        image: "nginx:9".into(),
        container_port: 9090,
        cpu: 512,
        memory: 1024,
        environment: BTreeMap::from([("A".to_owned(), "1".to_owned())]),
        ..bp::example()
    };
    let mut o = unchanged();
    o.insert(SERVICE, svc);
    o.insert(
        TASK_DEFINITION,
        ObservedTaskDefinition {
            arn: "arn:td:9".into(),
            definition: bp::task_definition(&input, "arn:exec", "arn:task"),
        },
    );
    let after = drift(applied(), &o);
    assert_eq!(
        attr(&after, "task_definition_arn"),
        &Value::string("arn:td:9")
    );
    assert_eq!(attr(&after, "image"), &Value::string("nginx:9"));
    assert_eq!(attr(&after, "container_port"), &Value::number(9090));
    assert_eq!(attr(&after, "cpu"), &Value::number(512));
    assert_eq!(attr(&after, "memory"), &Value::number(1024));
    assert_eq!(
        attr(&after, "environment"),
        &Value::map([("A", Value::string("1"))])
    );
    assert_eq!(attr(&after, "secrets"), &Value::Null);
}

fn rollback_alarms(state: &Value) -> &Value {
    attr(attr(state, "deployment"), "rollback_alarms")
}

#[test]
fn an_alarm_deleted_or_changed_out_of_band_shows_on_rollback_alarms() {
    let state = applied();
    let mut o = unchanged();
    let [mut rate, _] = alarms();
    rate.settings.threshold = 50;
    o.insert(ERROR_ALARM, rate);
    let after = drift(state.clone(), &o);
    assert_eq!(
        attr(rollback_alarms(&after), "error_rate_percent"),
        &Value::number(50)
    );
    let mut o = unchanged();
    o.remove(UNHEALTHY_ALARM);
    let after = drift(state, &o);
    assert_eq!(
        attr(rollback_alarms(&after), "enabled"),
        &Value::bool(false)
    );
}

#[test]
fn a_strategy_changed_out_of_band_shows_on_deployment() {
    let mut o = unchanged();
    let mut svc = service();
    let mut input = bp::example();
    input.deployment.strategy = bp::Strategy::Linear;
    let spec = bp::service(&input, "cp", Some("arn:tg"), "arn:td:1", None);
    svc.settings = Some(crate::engine::units::ServiceSettings::of(&spec));
    o.insert(SERVICE, svc);
    let after = drift(applied(), &o);
    let deployment = attr(&after, "deployment");
    assert_eq!(attr(deployment, "strategy"), &Value::string("linear"));
    assert_eq!(attr(deployment, "linear_step_percent"), &Value::number(25));
    assert_eq!(attr(deployment, "bake_time"), &Value::number(5));
}
