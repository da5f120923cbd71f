//! `ecsprod_service`'s `deployment` attribute: its schema, its validation, the defaults planned
//! for the chosen strategy, and the blueprint's input from it.

use ecsprod_cty::{Type, Value};

use crate::blueprint::service::{
    self as bp, BAKE_TIME_MAX, DeploymentInput, RollbackAlarms, Strategy, TrafficStep,
};
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::Attribute;
use crate::resources::fields::{self, Field};
use crate::resources::validators::{self as v, at};

pub const ATTRIBUTE: &str = "deployment";

/// The fields that belong to some strategies only, with those strategies and their default.
struct StrategyField {
    name: &'static str,
    strategies: &'static [Strategy],
    /// The planned value when the configuration leaves it out (none for `test_host`).
    default: Option<f64>,
}

const SHIFTING: &[Strategy] = &[Strategy::Canary, Strategy::Linear, Strategy::BlueGreen];

const STRATEGY_FIELDS: &[StrategyField] = &[
    StrategyField {
        name: "bake_time",
        strategies: SHIFTING,
        default: Some(bp::BAKE_TIME as f64),
    },
    StrategyField {
        name: "canary_percent",
        strategies: &[Strategy::Canary],
        default: Some(bp::CANARY_PERCENT as f64),
    },
    StrategyField {
        name: "canary_bake_time",
        strategies: &[Strategy::Canary],
        default: Some(bp::CANARY_BAKE_TIME as f64),
    },
    StrategyField {
        name: "linear_step_percent",
        strategies: &[Strategy::Linear],
        default: Some(bp::LINEAR_STEP_PERCENT as f64),
    },
    StrategyField {
        name: "linear_step_bake_time",
        strategies: &[Strategy::Linear],
        default: Some(bp::LINEAR_STEP_BAKE_TIME as f64),
    },
    StrategyField {
        name: "test_host",
        strategies: SHIFTING,
        default: None,
    },
];

fn strategy_names(strategies: &[Strategy]) -> String {
    strategies
        .iter()
        .map(|s| format!("{:?}", s.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn attribute() -> Attribute {
    let number =
        |name, description: String| Attribute::optional_computed(name, Type::Number, description);
    Attribute::object_with_defaults(
        ATTRIBUTE,
        vec![
            Attribute::with_default(
                "strategy",
                Type::String,
                Value::string(Strategy::Rolling.name()),
                "How a new revision reaches production traffic. `\"rolling\"` replaces tasks in place behind one target group (100 % minimum healthy, 200 % maximum). `\"canary\"` sends `canary_percent` of the traffic to the new revision for `canary_bake_time` minutes, then the rest. `\"linear\"` moves `linear_step_percent` of the traffic every `linear_step_bake_time` minutes. `\"blue_green\"` moves all of it at once once the new revision is up. The three shifting strategies run the new revision in a second target group and keep the old revision running for `bake_time` minutes after all traffic has moved, so a rollback is instant. Changing the strategy is an in-place update, in either direction. Default `\"rolling\"`.",
            ),
            number(
                "bake_time",
                format!(
                    "Minutes both revisions keep running after all the traffic has moved (0-{BAKE_TIME_MAX}); an alarm in that time rolls back at once. Shifting strategies only; default `{}`.",
                    bp::BAKE_TIME
                ),
            ),
            number(
                "canary_percent",
                format!(
                    "Percent of production traffic the canary receives first, 0.1-100 in steps of 0.1. `\"canary\"` only; default `{}`.",
                    bp::CANARY_PERCENT
                ),
            ),
            number(
                "canary_bake_time",
                format!(
                    "Minutes the canary runs before the rest of the traffic moves (0-{BAKE_TIME_MAX}). `\"canary\"` only; default `{}`.",
                    bp::CANARY_BAKE_TIME
                ),
            ),
            number(
                "linear_step_percent",
                format!(
                    "Percent of production traffic each step moves, 3-100 in steps of 0.1. `\"linear\"` only; default `{}`.",
                    bp::LINEAR_STEP_PERCENT
                ),
            ),
            number(
                "linear_step_bake_time",
                format!(
                    "Minutes between steps (0-{BAKE_TIME_MAX}). `\"linear\"` only; default `{}`.",
                    bp::LINEAR_STEP_BAKE_TIME
                ),
            ),
            Attribute::optional(
                "test_host",
                Type::String,
                "A host name routed to the new revision as soon as it runs, before any production traffic moves, for checks by hand or by a pipeline (e.g. `api-next.example.com`; the cluster's certificate must cover it). Shifting strategies only.",
            ),
            Attribute::object_with_defaults(
                "rollback_alarms",
                vec![
                    Attribute::with_default(
                        "enabled",
                        Type::Bool,
                        Value::bool(bp::ALARMS_ENABLED),
                        "Whether the provider's two alarms watch deployments. Default `true`.",
                    ),
                    Attribute::with_default(
                        "error_rate_percent",
                        Type::Number,
                        Value::number(i64::from(bp::ERROR_RATE_PERCENT)),
                        format!(
                            "Target 5xx responses, in percent of requests (1-100), above which a deployment rolls back: each target group's own rate, so a canary's errors are not diluted by the old revision's traffic, once the group serves {} requests a minute. Default `{}`.",
                            bp::MIN_REQUESTS,
                            bp::ERROR_RATE_PERCENT
                        ),
                    ),
                    Attribute::with_default(
                        "unhealthy_hosts",
                        Type::Number,
                        Value::number(i64::from(bp::UNHEALTHY_HOSTS)),
                        format!(
                            "Unhealthy targets (1-1000) at or above which a deployment rolls back. Default `{}`.",
                            bp::UNHEALTHY_HOSTS
                        ),
                    ),
                    Attribute::with_default(
                        "evaluation_minutes",
                        Type::Number,
                        Value::number(i64::from(bp::EVALUATION_MINUTES)),
                        format!(
                            "One-minute periods in a row (1-60) a threshold must be crossed. Default `{}`.",
                            bp::EVALUATION_MINUTES
                        ),
                    ),
                ],
                "CloudWatch alarms on the service's target groups, watched by ECS during every deployment whatever the strategy: when one fires, ECS rolls the deployment back and the apply fails naming it. One on the rate of target 5xx responses over requests, one on unhealthy targets.",
            ),
            Attribute::optional(
                "extra_alarm_names",
                Type::list(Type::String),
                "Names of CloudWatch alarms of your own (in the same account and region) that also roll a deployment back when they fire.",
            ),
        ],
        "How deployments reach production and what rolls them back. Defaults: `\"rolling\"` with the rollback alarms on.",
    )
}

/// The strategy the configuration names, when it is known and valid.
fn strategy(deployment: &Value) -> Option<Strategy> {
    fields::string(deployment, "strategy")
        .known()
        .and_then(|s| Strategy::from_name(s))
}

fn bake_time(d: &mut Diagnostics, base: &ecsprod_cty::Path, obj: &Value, name: &str) {
    v::whole(d, base.attr(name), &fields::number(obj, name), name);
    v::int_range(
        d,
        base.attr(name),
        &fields::int(obj, name),
        0,
        i64::from(BAKE_TIME_MAX),
        name,
    );
}

fn percent(d: &mut Diagnostics, base: &ecsprod_cty::Path, obj: &Value, name: &str, min: f64) {
    if let Field::Known(p) = fields::number(obj, name)
        && (p < min || p > 100.0 || ((p * 10.0).round() - p * 10.0).abs() > 1e-9)
    {
        d.error_at(
            base.attr(name),
            format!("Invalid {name}"),
            format!("{name} must be between {min} and 100, in steps of 0.1; got {p}."),
        );
    }
}

/// The rules of `deployment`, on the configuration with its defaults filled in (fields a
/// strategy has no default for read as unknown there unless the configuration sets them).
pub fn validate(d: &mut Diagnostics, raw: &Value) {
    let Field::Known(obj) = fields::object(raw, ATTRIBUTE) else {
        return;
    };
    let base = at(ATTRIBUTE);
    let all: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
    v::one_of(
        d,
        base.attr("strategy"),
        &fields::string(obj, "strategy"),
        &all,
        "deployment strategy",
    );
    for name in ["bake_time", "canary_bake_time", "linear_step_bake_time"] {
        bake_time(d, &base, obj, name);
    }
    percent(d, &base, obj, "canary_percent", 0.1);
    percent(d, &base, obj, "linear_step_percent", 3.0);
    v::domain_name(d, base.attr("test_host"), &fields::string(obj, "test_host"));
    if let (Field::Known(test), Field::Known(domain)) = (
        fields::string(obj, "test_host"),
        fields::string(raw, "domain_name"),
    ) && test.eq_ignore_ascii_case(&domain)
    {
        d.error_at(
            base.attr("test_host"),
            "test_host is the production host",
            format!("test_host ({test}) must differ from domain_name: it carries only the new revision's test traffic."),
        );
    }
    if let Some(chosen) = strategy(obj) {
        for f in STRATEGY_FIELDS
            .iter()
            .filter(|f| !f.strategies.contains(&chosen))
        {
            let set = obj
                .get_attr(f.name)
                .is_some_and(|v| !v.is_null() && v.is_known());
            if set {
                d.error_at(
                    base.attr(f.name),
                    format!("{} does not apply to {:?}", f.name, chosen.name()),
                    format!(
                        "{} belongs to the strategy {}; remove it, or choose one of those strategies.",
                        f.name,
                        strategy_names(f.strategies)
                    ),
                );
            }
        }
    }
    if let Field::Known(alarms) = fields::object(obj, "rollback_alarms") {
        let at_alarm = |n: &str| base.attr("rollback_alarms").attr(n);
        for (name, min, max) in [
            ("error_rate_percent", 1, 100),
            ("unhealthy_hosts", 1, 1000),
            ("evaluation_minutes", 1, 60),
        ] {
            v::whole(d, at_alarm(name), &fields::number(alarms, name), name);
            v::int_range(
                d,
                at_alarm(name),
                &fields::int(alarms, name),
                min,
                max,
                name,
            );
        }
    }
    if let Field::Known(names) = fields::string_list(obj, "extra_alarm_names") {
        for (i, name) in names.iter().enumerate() {
            if let Field::Known(name) = name
                && (name.is_empty() || name.len() > 255)
            {
                d.error_at(
                    base.attr("extra_alarm_names").index(i as i64),
                    "Invalid alarm name",
                    format!(
                        "A CloudWatch alarm name is 1-255 characters; got {} characters.",
                        name.len()
                    ),
                );
            }
        }
    }
}

/// Plans each strategy field the configuration leaves out: the chosen strategy's default, or
/// null when the field does not belong to it.
pub fn plan(config: &Value, planned: &mut Value) {
    let chosen = match planned.get_attr(ATTRIBUTE).map(strategy) {
        Some(Some(s)) => s,
        _ => return,
    };
    let configured = config.get_attr(ATTRIBUTE).cloned().unwrap_or(Value::Null);
    let Some(slot) = planned.get_attr_mut(ATTRIBUTE) else {
        return;
    };
    for f in STRATEGY_FIELDS {
        let written = configured.get_attr(f.name).is_some_and(|v| !v.is_null());
        if written {
            continue;
        }
        let value = match f.default {
            Some(n) if f.strategies.contains(&chosen) => Value::number(n as i64),
            _ => Value::Null,
        };
        if let Some(field) = slot.get_attr_mut(f.name) {
            *field = value;
        }
    }
}

/// A `container_port` change needs new target groups, which the shifting strategies cannot
/// take during a deployment (ECS keeps the pair in the service's load balancer entry): it is
/// refused at plan time while one is chosen, before or after the change.
pub fn check_port_change(prior: &Value, planned: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    if prior.is_null() {
        return d;
    }
    let port = |v: &Value| fields::int(v, "container_port");
    let (Field::Known(before), Field::Known(after)) = (port(prior), port(planned)) else {
        return d;
    };
    let shifting = [prior, planned]
        .iter()
        .filter_map(|v| v.get_attr(ATTRIBUTE).and_then(strategy))
        .find(|s| s.shifts_traffic());
    if let (true, Some(s)) = (before != after, shifting) {
        d.error_at(
            at("container_port"),
            "container_port cannot change with a shifting deployment strategy",
            format!(
                "The service deploys with {:?}, whose two target groups keep their port. Apply with deployment.strategy = \"rolling\" first, then change container_port ({before} to {after}), then choose {:?} again.",
                s.name(),
                s.name()
            ),
        );
    }
    d
}

/// Plans the objects of the shifting strategies: null under `"rolling"` (and the test rule
/// without a `test_host`), the recorded object while what it depends on stays, unknown when it
/// is to be made.
pub fn plan_shift_objects(prior: &Value, planned: &mut Value) {
    let chosen = |v: &Value| v.get_attr(ATTRIBUTE).and_then(strategy);
    let test_host = |v: &Value| {
        v.get_attr(ATTRIBUTE)
            .and_then(|d| d.get_attr("test_host"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (before, after) = (chosen(prior), chosen(planned));
    let shifting = after.map(Strategy::shifts_traffic);
    let kept = before.is_some_and(Strategy::shifts_traffic) && shifting == Some(true);
    let port_kept = prior.get_attr("container_port") == planned.get_attr("container_port");
    let test_kept = test_host(prior) == test_host(planned);
    for (attr, exists, unchanged) in [
        ("alternate_target_group_arn", shifting, kept && port_kept),
        ("load_balancer_role_arn", shifting, kept),
        (
            "test_listener_rule_arn",
            shifting.map(|s| s && !test_host(planned).is_null()),
            kept && test_kept,
        ),
    ] {
        let recorded = prior.get_attr(attr).cloned().unwrap_or(Value::Null);
        let value = match exists {
            Some(false) => Value::Null,
            Some(true) if unchanged && !recorded.is_null() => recorded,
            _ => Value::unknown(),
        };
        if let Some(slot) = planned.get_attr_mut(attr) {
            *slot = value;
        }
    }
}

fn minutes(obj: &Value, name: &str, default: i32) -> i32 {
    fields::int(obj, name)
        .known()
        .and_then(|n| i32::try_from(*n).ok())
        .unwrap_or(default)
}

fn tenths(obj: &Value, name: &str, default: i32) -> i32 {
    fields::number(obj, name)
        .known()
        .map_or(default * 10, |p| (p * 10.0).round() as i32)
}

/// The blueprint's input from a planned (or recorded) `deployment`.
pub fn input(planned: &Value) -> DeploymentInput {
    let defaults = DeploymentInput::default();
    let Field::Known(obj) = fields::object(planned, ATTRIBUTE) else {
        return defaults;
    };
    let alarms = match fields::object(obj, "rollback_alarms") {
        Field::Known(a) => RollbackAlarms {
            enabled: fields::boolean(a, "enabled")
                .known()
                .copied()
                .unwrap_or(bp::ALARMS_ENABLED),
            error_rate_percent: minutes(a, "error_rate_percent", bp::ERROR_RATE_PERCENT),
            unhealthy_hosts: minutes(a, "unhealthy_hosts", bp::UNHEALTHY_HOSTS),
            evaluation_minutes: minutes(a, "evaluation_minutes", bp::EVALUATION_MINUTES),
        },
        _ => defaults.alarms.clone(),
    };
    DeploymentInput {
        strategy: strategy(obj).unwrap_or(Strategy::Rolling),
        bake_time: minutes(obj, "bake_time", bp::BAKE_TIME),
        canary: TrafficStep {
            percent_tenths: tenths(obj, "canary_percent", bp::CANARY_PERCENT),
            bake_time: minutes(obj, "canary_bake_time", bp::CANARY_BAKE_TIME),
        },
        linear: TrafficStep {
            percent_tenths: tenths(obj, "linear_step_percent", bp::LINEAR_STEP_PERCENT),
            bake_time: minutes(obj, "linear_step_bake_time", bp::LINEAR_STEP_BAKE_TIME),
        },
        test_host: fields::string(obj, "test_host").known().cloned(),
        alarms,
        extra_alarm_names: fields::known_strings(&fields::string_list(obj, "extra_alarm_names"))
            .unwrap_or_default(),
    }
}
