//! How each of the service's objects shows in the state: every setting AWS reports differently
//! shows on the user's attribute, so the plan puts it back. Settings AWS does not report (the
//! emulator keeps no grace period from CreateService) keep their recorded value.

use std::collections::BTreeSet;

use ecsprod_cty::Value;

use super::graph::{Purpose, Run};
use crate::blueprint::service as bp;
use crate::engine::Outputs;
use crate::engine::units::{
    ObservedAlarm, ObservedAlias, ObservedLogGroup, ObservedRole, ObservedRule, ObservedScaling,
    ObservedService, ObservedTargetGroup, ObservedTaskDefinition,
};
use crate::resources::fields::{self, set};

fn opt(v: Option<&String>) -> Value {
    v.map_or(Value::Null, |s| Value::string(s.clone()))
}

fn number(n: i32) -> Value {
    Value::number(i64::from(n))
}

/// The log group: its name and retention (shared by every resource with one).
pub fn log_group<R>(_: &R, o: Option<&ObservedLogGroup>, _: &Outputs, state: &mut Value) {
    match o {
        None => set(state, "log_group_name", Value::Null),
        Some(g) => {
            set(state, "log_group_name", Value::string(g.name.clone()));
            set(
                state,
                "log_retention_days",
                g.retention_days.map_or(Value::Null, number),
            );
        }
    }
}

pub fn execution_role<R>(_: &R, o: Option<&ObservedRole>, _: &Outputs, state: &mut Value) {
    set(state, "execution_role_arn", opt(o.map(|r| &r.arn)));
}

pub fn task_role<R>(_: &R, o: Option<&ObservedRole>, _: &Outputs, state: &mut Value) {
    set(state, "task_role_arn", opt(o.map(|r| &r.arn)));
}

pub fn target_group(_: &Run, o: Option<&ObservedTargetGroup>, _: &Outputs, state: &mut Value) {
    match o {
        None => set(state, "target_group_arn", Value::Null),
        Some(tg) => {
            set(state, "target_group_arn", Value::string(tg.arn.clone()));
            set(
                state,
                "health_check_path",
                Value::string(tg.health_check_path.clone()),
            );
            set(
                state,
                "health_check_matcher",
                Value::string(tg.matcher.clone()),
            );
            set(
                state,
                "deregistration_delay",
                number(tg.deregistration_delay),
            );
        }
    }
}

pub fn alternate_target_group(
    _: &Run,
    o: Option<&ObservedTargetGroup>,
    _: &Outputs,
    state: &mut Value,
) {
    set(state, "alternate_target_group_arn", opt(o.map(|g| &g.arn)));
}

pub fn load_balancer_role(_: &Run, o: Option<&ObservedRole>, _: &Outputs, state: &mut Value) {
    set(state, "load_balancer_role_arn", opt(o.map(|r| &r.arn)));
}

/// The test rule shows on `deployment.test_host`: the host it routes.
pub fn test_listener_rule(_: &Run, o: Option<&ObservedRule>, _: &Outputs, state: &mut Value) {
    set(state, "test_listener_rule_arn", opt(o.map(|r| &r.arn)));
    if let (Some(host), Some(deployment @ Value::Object(_))) = (
        o.and_then(|r| r.host_headers.first()),
        state.get_attr_mut(super::deployment::ATTRIBUTE),
    ) {
        set(deployment, "test_host", Value::string(host.clone()));
    }
}

/// A rollback alarm shows on the `deployment.rollback_alarms` setting it carries.
fn rollback_alarm(
    o: Option<&ObservedAlarm>,
    state: &mut Value,
    setting: &str,
    enabled: Option<bool>,
) {
    let Some(Value::Object(deployment)) = state.get_attr_mut(super::deployment::ATTRIBUTE) else {
        return;
    };
    let Some(alarms) = deployment.get_mut("rollback_alarms") else {
        return;
    };
    if let Some(alarm) = o {
        set(alarms, setting, number(alarm.settings.threshold));
        set(
            alarms,
            "evaluation_minutes",
            number(alarm.settings.evaluation_periods),
        );
    }
    if let Some(enabled) = enabled {
        set(alarms, "enabled", Value::bool(enabled));
    }
}

pub fn error_rate_alarm(_: &Run, o: Option<&ObservedAlarm>, _: &Outputs, state: &mut Value) {
    rollback_alarm(o, state, "error_rate_percent", None);
}

/// With the other alarm's, this one's existence shows on `enabled`: both exist, or it is off.
pub fn unhealthy_hosts_alarm(
    _: &Run,
    o: Option<&ObservedAlarm>,
    outputs: &Outputs,
    state: &mut Value,
) {
    let both = o.is_some() && outputs.get(super::graph::ERROR_ALARM).is_some();
    // A service without a route has no alarms of its own to show.
    let routed = fields::string(state, "domain_name").known().is_some();
    rollback_alarm(o, state, "unhealthy_hosts", routed.then_some(both));
}

pub fn retired_target_groups(_: &Run, o: Option<&Vec<String>>, _: &Outputs, state: &mut Value) {
    let arns = o.cloned().unwrap_or_default();
    set(
        state,
        "previous_target_group_arns",
        if arns.is_empty() {
            Value::Null
        } else {
            fields::string_list_value(&arns)
        },
    );
}

/// The rule shows on `domain_name`, `additional_domain_names` and `path_patterns`: a rule that
/// is gone, or routes the host to a group that is not the service's, leaves `domain_name` null;
/// other hosts and paths show as they are.
pub fn listener_rule(run: &Run, o: Option<&ObservedRule>, outputs: &Outputs, state: &mut Value) {
    let Some(rule) = o else {
        if run.recorded.listener_rule_arn.is_some() || run.purpose == Purpose::Import {
            set(state, "listener_rule_arn", Value::Null);
            set(state, super::routing::PRIORITY, Value::Null);
            set(state, "domain_name", Value::Null);
        }
        return;
    };
    set(state, "listener_rule_arn", Value::string(rule.arn.clone()));
    let ours: BTreeSet<String> = outputs
        .get(super::graph::TARGET_GROUP)
        .map(|g| g.arn.clone())
        .into_iter()
        .chain(outputs.get(super::graph::ALTERNATE).map(|g| g.arn.clone()))
        .chain(run.recorded.alternate_target_group_arn.clone())
        .chain(run.recorded.target_group_arn.clone())
        .chain(run.recorded.previous_target_group_arns.iter().cloned())
        .chain(
            outputs
                .get(super::graph::RETIRED)
                .into_iter()
                .flatten()
                .cloned(),
        )
        .collect();
    let serving = rule.serving();
    if serving.is_empty() || !serving.iter().all(|arn| ours.contains(arn)) {
        // The host is routed to another target group: not to this service.
        set(state, "domain_name", Value::Null);
        return;
    }
    super::routing::show_rule(rule, state);
    if let (Purpose::Import, Some(host)) = (run.purpose, rule.host_headers.first()) {
        set(state, "url", Value::string(format!("https://{host}")));
    }
}

/// A revision the service runs other than the recorded one (deployed outside Terraform) shows
/// its content, so the plan puts the configured one back.
pub fn task_definition(
    run: &Run,
    o: Option<&ObservedTaskDefinition>,
    _: &Outputs,
    state: &mut Value,
) {
    let Some(td) = o.filter(|t| Some(&t.arn) != run.recorded.task_definition_arn.as_ref()) else {
        return;
    };
    let d = &td.definition;
    let main = super::containers::main_container(&run.names().service, d);
    set(state, "image", Value::string(main.image.clone()));
    if let Some(p) = main.port_mappings.first() {
        set(state, "container_port", number(p.container_port));
    }
    if let Ok(cpu) = d.cpu.trim().parse::<i64>() {
        set(state, "cpu", Value::number(cpu));
    }
    if let Ok(memory) = d.memory.trim().parse::<i64>() {
        set(state, "memory", Value::number(memory));
    }
    let env = fields::pairs_or_null(state, "environment", &main.environment);
    set(state, "environment", env);
    let secrets = fields::pairs_or_null(state, "secrets", &main.secrets);
    set(state, "secrets", secrets);
    super::containers::project(&run.names().service, d, state);
}

pub fn ecs_service(run: &Run, o: Option<&ObservedService>, _: &Outputs, state: &mut Value) {
    let Some(service) = o else {
        set(state, "arn", Value::Null);
        return;
    };
    set(state, "arn", Value::string(service.arn.clone()));
    set(
        state,
        "task_definition_arn",
        Value::string(service.task_definition.clone()),
    );
    if let Some(grace) = service
        .health_check_grace_period
        .filter(|_| !service.target_group_arns.is_empty())
    {
        set(state, "health_check_grace_period", number(grace));
    }
    if let Some(settings) = &service.settings {
        deployment(state, &settings.deployment);
    }
    if let Some(rebalancing) = service.availability_zone_rebalancing {
        set(
            state,
            "availability_zone_rebalancing",
            Value::bool(rebalancing),
        );
    }
    set(
        state,
        "enable_execute_command",
        Value::bool(service.enable_execute_command),
    );
    super::internal::show(state, service.service_connect.as_ref());
    if run.purpose == Purpose::Import {
        set(state, "desired_count", number(service.desired_count));
    }
}

/// The strategy ECS deploys with and its own settings, on `deployment` (the alarms show through
/// their own nodes).
fn deployment(state: &mut Value, d: &bp::DeploymentSpec) {
    let Some(slot @ Value::Object(_)) = state.get_attr_mut(super::deployment::ATTRIBUTE) else {
        return;
    };
    let minutes = |m: Option<i32>| m.map_or(Value::Null, number);
    let percent = |s: Option<bp::TrafficStep>| {
        s.map_or(Value::Null, |s| {
            Value::number(f64::from(s.percent_tenths) / 10.0)
        })
    };
    set(slot, "strategy", Value::string(d.strategy.name()));
    set(slot, "bake_time", minutes(d.bake_time));
    set(slot, "canary_percent", percent(d.canary));
    set(
        slot,
        "canary_bake_time",
        minutes(d.canary.map(|c| c.bake_time)),
    );
    set(slot, "linear_step_percent", percent(d.linear));
    set(
        slot,
        "linear_step_bake_time",
        minutes(d.linear.map(|l| l.bake_time)),
    );
}

pub fn autoscaling(_: &Run, o: Option<&ObservedScaling>, _: &Outputs, state: &mut Value) {
    let value = match o {
        None => Value::Null,
        Some(sc) => {
            let target = |metric: &str| {
                sc.target(metric)
                    .map_or(Value::Null, |v| Value::number(v.round() as i64))
            };
            let (queue, (queue_min, queue_max)) = super::queue::show(state, sc);
            // A bound the queue sets shows there; the autoscaling one keeps its value.
            let recorded = |name: &str, observed: i32, by_queue: bool| {
                let kept = fields::object(state, "autoscaling")
                    .known()
                    .and_then(|a| a.get_attr(name).cloned());
                match (by_queue, kept) {
                    (true, Some(v)) => v,
                    _ => number(observed),
                }
            };
            Value::object([
                (
                    "min_capacity",
                    recorded("min_capacity", sc.min_capacity, queue_min),
                ),
                (
                    "max_capacity",
                    recorded("max_capacity", sc.max_capacity, queue_max),
                ),
                ("cpu_target", target(bp::CPU_METRIC)),
                ("memory_target", target(bp::MEMORY_METRIC)),
                (super::queue::QUEUE, queue),
            ])
        }
    };
    set(state, "autoscaling", value);
}

/// An alias of `additional_domain_names` that is gone leaves the list null, so the plan sets
/// it (and the alias) again.
fn extra_alias_record(run: &Run, o: Option<&ObservedAlias>, state: &mut Value, index: usize) {
    if o.is_none()
        && run.purpose == Purpose::Refresh
        && run.recorded.zone_id.is_some()
        && run.recorded.additional_domain_names.len() > index
    {
        set(state, super::routing::HOSTS, Value::Null);
    }
}

pub fn first_extra_alias(run: &Run, o: Option<&ObservedAlias>, _: &Outputs, state: &mut Value) {
    extra_alias_record(run, o, state, 0);
}

pub fn second_extra_alias(run: &Run, o: Option<&ObservedAlias>, _: &Outputs, state: &mut Value) {
    extra_alias_record(run, o, state, 1);
}

/// A recorded alias that is gone leaves `zone_id` null, so the plan sets it again; an import
/// shows the zone it was found in.
pub fn alias_record(run: &Run, o: Option<&ObservedAlias>, _: &Outputs, state: &mut Value) {
    match (o, run.purpose) {
        (Some(a), Purpose::Import) => set(state, "zone_id", Value::string(a.zone_id.clone())),
        (None, _) if run.recorded.zone_id.is_some() => set(state, "zone_id", Value::Null),
        _ => {}
    }
}

#[cfg(test)]
#[path = "project_tests.rs"]
pub(super) mod tests;
