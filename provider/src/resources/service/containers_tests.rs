//! The container settings: ECS's health check defaults are planned, each rule lands on its
//! attribute, and a registered revision shows as the configuration that made it.

use ecsprod_cty::{Path, Value};

use super::*;
use crate::blueprint::service as bp;
use crate::protocol::diag::Diagnostics;
use crate::resources::service::test_values::{config, strings};

fn curl() -> Value {
    Value::object([(
        "command",
        strings(&["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]),
    )])
}

fn errors_at(d: &Diagnostics) -> Vec<Path> {
    d.iter().filter_map(|e| e.path.clone()).collect()
}

fn validate(v: &Value) -> Diagnostics {
    crate::resources::service::config::validate(v)
}

#[test]
fn a_health_check_is_planned_with_the_defaults_ecs_reports() {
    let c = config(vec![("health_check", curl())]);
    let (main, _) = input(&c);
    let h = main.health_check.expect("health check");
    assert_eq!(
        (h.interval, h.timeout, h.retries, h.start_period),
        (30, 5, 3, 0)
    );
    assert!(validate(&c).is_empty(), "{:?}", validate(&c));
}

#[test]
fn container_rules_land_on_their_attribute() {
    let bad_health = Value::object([
        ("command", strings(&["curl", "-f", "http://localhost/"])),
        ("interval", Value::number(3)),
    ]);
    let c = config(vec![
        ("health_check", bad_health),
        ("stop_timeout", Value::number(600)),
        ("user", Value::string("root user")),
        ("command", strings(&["run", ""])),
    ]);
    let paths = errors_at(&validate(&c));
    for expected in [
        at(HEALTH_CHECK).attr("command"),
        at(HEALTH_CHECK).attr("interval"),
        at("stop_timeout"),
        at("user"),
        at("command"),
    ] {
        assert!(paths.contains(&expected), "{expected:?} not in {paths:?}");
    }
}

fn sidecar(name: &str, extra: Vec<(&str, Value)>) -> Value {
    let mut attrs = vec![
        ("name", Value::string(name)),
        (
            "image",
            Value::string("public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"),
        ),
    ];
    attrs.extend(extra);
    Value::object(attrs)
}

#[test]
fn sidecar_rules_land_on_the_sidecars_attribute() {
    let c = config(vec![(
        SIDECARS,
        Value::List(vec![
            sidecar("api", vec![]),
            sidecar("log", vec![("main_waits_for", Value::string("COMPLETE"))]),
            sidecar("log", vec![("depends_on", Value::string("HEALTHY"))]),
            sidecar(
                "agent",
                vec![
                    ("memory", Value::number(512)),
                    (
                        "secrets",
                        Value::Map([("TOKEN".to_owned(), Value::string("not-an-arn"))].into()),
                    ),
                ],
            ),
        ]),
    )]);
    let paths = errors_at(&validate(&c));
    for expected in [
        sidecar_at(0, "name"),
        sidecar_at(1, "main_waits_for"),
        sidecar_at(2, "name"),
        sidecar_at(2, "depends_on"),
        sidecar_at(3, "memory"),
        at(SIDECARS).index(3).attr("secrets").key("TOKEN"),
    ] {
        assert!(paths.contains(&expected), "{expected:?} not in {paths:?}");
    }
}

#[test]
fn a_sidecar_waiting_on_the_main_container_and_the_reverse_is_refused() {
    let c = config(vec![
        ("health_check", curl()),
        (
            SIDECARS,
            Value::List(vec![sidecar(
                "proxy",
                vec![
                    ("depends_on", Value::string("HEALTHY")),
                    ("main_waits_for", Value::string("START")),
                ],
            )]),
        ),
    ]);
    assert_eq!(
        errors_at(&validate(&c)),
        vec![sidecar_at(0, "main_waits_for")]
    );
}

#[test]
fn a_registered_revision_shows_as_the_configuration_that_made_it() {
    let c = config(vec![
        ("command", strings(&["serve", "--port", "8080"])),
        ("entrypoint", strings(&["/bin/app"])),
        ("health_check", curl()),
        ("stop_timeout", Value::number(60)),
        ("readonly_root_filesystem", Value::bool(true)),
        ("user", Value::string("1000:1000")),
        (
            SIDECARS,
            Value::List(vec![
                sidecar(
                    "log",
                    vec![
                        ("essential", Value::bool(false)),
                        ("memory", Value::number(64)),
                        ("main_waits_for", Value::string("START")),
                        (
                            "secrets",
                            Value::Map(
                                [(
                                    "TOKEN".to_owned(),
                                    Value::string("arn:aws:ssm:eu-west-1:123456789012:parameter/t"),
                                )]
                                .into(),
                            ),
                        ),
                    ],
                ),
                sidecar(
                    "agent",
                    vec![
                        ("cpu", Value::number(64)),
                        ("depends_on", Value::string("HEALTHY")),
                        ("health_check", curl()),
                    ],
                ),
            ]),
        ),
    ]);
    assert!(validate(&c).is_empty(), "{:?}", validate(&c));
    let mut i = bp::example();
    i.name = "api".into();
    (i.container, i.sidecars) = input(&c);
    let td = bp::task_definition(&i, "arn:exec", "arn:task");
    assert_eq!(td.container.depends_on.len(), 1);
    assert_eq!(td.sidecars[1].depends_on[0].container, "api");
    assert_eq!(
        td.sidecars[0].log_options["awslogs-stream-prefix"], "log",
        "a sidecar logs under its own prefix"
    );

    let mut shown = config(vec![]);
    project("api", &td, &mut shown);
    for attr in [
        "command",
        "entrypoint",
        HEALTH_CHECK,
        "stop_timeout",
        "readonly_root_filesystem",
        "user",
        SIDECARS,
    ] {
        assert_eq!(shown.get_attr(attr), c.get_attr(attr), "{attr}");
    }
    // The reverse order of AWS's answer is the same revision.
    let mut observed = td.clone();
    observed.sidecars.reverse();
    observed.container.environment.reverse();
    assert!(bp::task_definition_matches(&td, &observed));
    observed.sidecars[0].health_check = None;
    assert!(!bp::task_definition_matches(&td, &observed));
}

#[test]
fn exec_with_a_read_only_root_file_system_is_warned_about_on_enable_execute_command() {
    let c = config(vec![
        ("enable_execute_command", Value::bool(true)),
        ("readonly_root_filesystem", Value::bool(true)),
    ]);
    let d = validate(&c);
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(errors_at(&d), vec![at("enable_execute_command")]);
}

#[test]
fn the_queue_bounds_replace_the_autoscaling_ones_in_every_rule() {
    let queue = |extra: Vec<(&str, Value)>| {
        let mut q = vec![
            (
                "arn",
                Value::string("arn:aws:sqs:eu-west-1:123456789012:jobs"),
            ),
            ("backlog_per_task", Value::number(10)),
        ];
        q.extend(extra);
        Value::object([("queue", Value::object(q))])
    };
    let ok = config(vec![(
        "autoscaling",
        queue(vec![
            ("min_capacity", Value::number(0)),
            ("max_capacity", Value::number(4)),
        ]),
    )]);
    assert!(validate(&ok).is_empty(), "{:?}", validate(&ok));
    // The queue's max below the default autoscaling min of 2.
    let low = config(vec![(
        "autoscaling",
        queue(vec![("max_capacity", Value::number(1))]),
    )]);
    assert_eq!(
        errors_at(&validate(&low)),
        vec![at("autoscaling").attr("queue").attr("max_capacity")]
    );
    // desired_count 2 above the queue's bounds of 0 to 1.
    let count = config(vec![(
        "autoscaling",
        queue(vec![
            ("min_capacity", Value::number(0)),
            ("max_capacity", Value::number(1)),
        ]),
    )]);
    assert_eq!(errors_at(&validate(&count)), vec![at("desired_count")]);
}
