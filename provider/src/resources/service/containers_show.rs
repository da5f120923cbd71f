//! How a registered revision's containers show in the state (a revision the service runs other
//! than the recorded one): on the main container's settings and on `sidecars`.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

use super::{HEALTH_CHECK, SIDECARS};
use crate::blueprint::service::{ContainerSpec, HealthCheck, TaskDefinitionSpec};
use crate::resources::fields::{self, set};

/// The main container: the one named as the service, else the first.
pub fn main_container<'a>(service: &str, d: &'a TaskDefinitionSpec) -> &'a ContainerSpec {
    d.containers()
        .find(|c| c.name == service)
        .unwrap_or(&d.container)
}

fn map_value(pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() {
        return Value::Null;
    }
    fields::string_map_value(&pairs.iter().cloned().collect::<BTreeMap<_, _>>())
}

fn opt_number(n: Option<i32>) -> Value {
    n.map_or(Value::Null, |n| Value::number(i64::from(n)))
}

fn health_check_value(h: Option<&HealthCheck>) -> Value {
    h.map_or(Value::Null, |h| {
        Value::object([
            ("command", fields::string_list_value(&h.command)),
            ("interval", Value::number(i64::from(h.interval))),
            ("timeout", Value::number(i64::from(h.timeout))),
            ("retries", Value::number(i64::from(h.retries))),
            ("start_period", Value::number(i64::from(h.start_period))),
        ])
    })
}

fn sidecar_value(s: &ContainerSpec, main: &ContainerSpec) -> Value {
    let condition = |c: Option<&String>| c.map_or(Value::Null, |c| Value::string(c.clone()));
    let depends_on = s
        .depends_on
        .iter()
        .find(|d| d.container == main.name)
        .map(|d| &d.condition);
    let main_waits_for = main
        .depends_on
        .iter()
        .find(|d| d.container == s.name)
        .map(|d| &d.condition);
    Value::object([
        ("name", Value::string(s.name.clone())),
        ("image", Value::string(s.image.clone())),
        ("essential", Value::bool(s.essential)),
        ("cpu", Value::number(i64::from(s.cpu))),
        ("memory", opt_number(s.memory)),
        (
            "command",
            if s.command.is_empty() {
                Value::Null
            } else {
                fields::string_list_value(&s.command)
            },
        ),
        ("environment", map_value(&s.environment)),
        ("secrets", map_value(&s.secrets)),
        (HEALTH_CHECK, health_check_value(s.health_check.as_ref())),
        ("depends_on", condition(depends_on)),
        ("main_waits_for", condition(main_waits_for)),
    ])
}

/// Shows the revision's container settings on their attributes, so the plan puts the
/// configured ones back.
pub fn project(service: &str, d: &TaskDefinitionSpec, state: &mut Value) {
    let main = main_container(service, d);
    let command = fields::list_or_null(state, "command", &main.command);
    set(state, "command", command);
    let entrypoint = fields::list_or_null(state, "entrypoint", &main.entry_point);
    set(state, "entrypoint", entrypoint);
    set(
        state,
        HEALTH_CHECK,
        health_check_value(main.health_check.as_ref()),
    );
    set(state, "stop_timeout", opt_number(main.stop_timeout));
    set(
        state,
        "readonly_root_filesystem",
        Value::bool(main.readonly_root_filesystem),
    );
    set(
        state,
        "user",
        main.user.clone().map_or(Value::Null, Value::string),
    );
    let sidecars: Vec<Value> = d
        .containers()
        .filter(|c| c.name != main.name)
        .map(|s| sidecar_value(s, main))
        .collect();
    let value = if sidecars.is_empty() {
        match state.get_attr(SIDECARS) {
            Some(v @ Value::List(l)) if l.is_empty() => v.clone(),
            _ => Value::Null,
        }
    } else {
        Value::List(sidecars)
    };
    set(state, SIDECARS, value);
}
