//! `ecsprod_service`'s container settings: the main container's command, entrypoint, health
//! check, stop timeout, read-only root file system and user, and the `sidecars`: schema,
//! validation, the blueprint's input, and how a registered revision shows in the state.

use std::sync::LazyLock;

use ecsprod_cty::{Path, Type, Value};
use regex_lite::Regex;

use crate::blueprint::service::{self as bp, ContainerSettings, HealthCheck, SidecarInput};
use crate::protocol::schema::Attribute;
use crate::resources::fields::{self, known_map};
use crate::resources::validators::at;

pub const SIDECARS: &str = "sidecars";
const HEALTH_CHECK: &str = "health_check";
/// A task definition holds at most 10 containers.
const SIDECARS_MAX: usize = 9;

static CONTAINER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_-]{1,255}$").unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
static USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_.-]{1,255}(:[A-Za-z0-9_.-]{1,255})?$")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

fn health_check_attribute(whose: &str) -> Attribute {
    let number = |name, default: i32, description: &str| {
        Attribute::with_default(
            name,
            Type::Number,
            Value::number(i64::from(default)),
            format!("{description} Default `{default}`."),
        )
    };
    Attribute::optional_object(
        HEALTH_CHECK,
        vec![
            Attribute::required(
                "command",
                Type::list(Type::String),
                "`[\"CMD-SHELL\", \"<shell command>\"]` or `[\"CMD\", \"<executable>\", \"<arg>\", ...]`; exit code 0 means healthy.",
            ),
            number(
                "interval",
                bp::HEALTH_CHECK_INTERVAL,
                "Seconds between checks, 5-300.",
            ),
            number(
                "timeout",
                bp::HEALTH_CHECK_TIMEOUT,
                "Seconds a check may take before it counts as failed, 2-60.",
            ),
            number(
                "retries",
                bp::HEALTH_CHECK_RETRIES,
                "Failed checks in a row that make the container unhealthy, 1-10.",
            ),
            number(
                "start_period",
                bp::HEALTH_CHECK_START_PERIOD,
                "Seconds after start during which failed checks do not count, 0-300.",
            ),
        ],
        format!(
            "A Docker health check run inside {whose}. Defaults are ECS's own, so the registered revision matches the configuration."
        ),
    )
}

pub fn attributes() -> Vec<Attribute> {
    let list = |name, description: &str| {
        Attribute::optional(name, Type::list(Type::String), description.to_owned())
    };
    vec![
        list(
            "command",
            "Command the container runs, overriding the image's `CMD`, e.g. `[\"bundle\", \"exec\", \"puma\"]`.",
        ),
        list(
            "entrypoint",
            "Entrypoint of the container, overriding the image's `ENTRYPOINT`.",
        ),
        health_check_attribute(
            "the main container; a task whose main container turns unhealthy is replaced, and sidecars may wait for `\"HEALTHY\"` on it",
        ),
        Attribute::optional(
            "stop_timeout",
            Type::Number,
            "Seconds the container has to exit after SIGTERM before it is killed, 2-120. Null: the ECS agent's default (30).",
        ),
        Attribute::with_default(
            "readonly_root_filesystem",
            Type::Bool,
            Value::bool(false),
            "Mount the container's root file system read-only. Default `false`.",
        ),
        Attribute::optional(
            "user",
            Type::String,
            "User the container runs as: `user`, `user:group`, `uid` or `uid:gid`. Null: the image's.",
        ),
        Attribute::optional_list(
            SIDECARS,
            sidecar_attributes(),
            "Extra containers in each task, such as a log router, a metrics agent or a proxy, in the task's CPU and memory. Each logs to the service's log group under its own stream prefix (its name). Their secrets are handled by ARN like the main container's, and the execution role may read exactly them too. At most 9. A change registers a new task definition revision and deploys it.",
        ),
    ]
}

fn sidecar_attributes() -> Vec<Attribute> {
    vec![
        Attribute::required(
            "name",
            Type::String,
            "Container name, 1-255 letters, digits, hyphens and underscores; not the service's name.",
        ),
        Attribute::required("image", Type::String, "Container image."),
        Attribute::with_default(
            "essential",
            Type::Bool,
            Value::bool(true),
            "Whether the task stops when this container stops. Default `true`.",
        ),
        Attribute::with_default(
            "cpu",
            Type::Number,
            Value::number(0),
            "CPU units reserved for this container within the task's `cpu`. Default `0` (shares the task's).",
        ),
        Attribute::optional(
            "memory",
            Type::Number,
            "Memory hard limit in MiB within the task's `memory`. Null: no limit of its own.",
        ),
        Attribute::optional(
            "command",
            Type::list(Type::String),
            "Command the container runs, overriding the image's `CMD`.",
        ),
        Attribute::optional(
            "environment",
            Type::map(Type::String),
            "Plain environment variables.",
        ),
        Attribute::optional(
            "secrets",
            Type::map(Type::String),
            "Variables filled from secrets at container start: name → SSM parameter or Secrets Manager ARN, as for the service's `secrets`. Values are never read, planned or stored.",
        ),
        health_check_attribute("this container"),
        Attribute::optional(
            "depends_on",
            Type::String,
            "Condition on the main container this one waits for before it starts: `\"START\"` or `\"HEALTHY\"` (needs the service's `health_check`).",
        ),
        Attribute::optional(
            "main_waits_for",
            Type::String,
            "Condition on this container the main container waits for before it starts: `\"START\"`, `\"HEALTHY\"` (needs this container's `health_check`), `\"COMPLETE\"` or `\"SUCCESS\"` (need `essential = false`). A log router typically uses `\"START\"`.",
        ),
    ]
}

fn strings(v: &Value, name: &str) -> Vec<String> {
    fields::known_strings(&fields::string_list(v, name)).unwrap_or_default()
}

fn int(v: &Value, name: &str) -> Option<i32> {
    fields::int(v, name)
        .known()
        .and_then(|n| i32::try_from(*n).ok())
}

fn health_check(container: &Value) -> Option<HealthCheck> {
    let h = fields::object(container, HEALTH_CHECK).known().copied()?;
    Some(HealthCheck {
        command: strings(h, "command"),
        interval: int(h, "interval").unwrap_or(bp::HEALTH_CHECK_INTERVAL),
        timeout: int(h, "timeout").unwrap_or(bp::HEALTH_CHECK_TIMEOUT),
        retries: int(h, "retries").unwrap_or(bp::HEALTH_CHECK_RETRIES),
        start_period: int(h, "start_period").unwrap_or(bp::HEALTH_CHECK_START_PERIOD),
    })
}

fn sidecar_values(v: &Value) -> &[Value] {
    v.get_attr(SIDECARS)
        .and_then(Value::elements)
        .unwrap_or_default()
}

/// The blueprint's input from a planned (or recorded) value.
pub fn input(planned: &Value) -> (ContainerSettings, Vec<SidecarInput>) {
    let text = |v: &Value, name: &str| fields::string(v, name).known().cloned();
    let main = ContainerSettings {
        command: strings(planned, "command"),
        entrypoint: strings(planned, "entrypoint"),
        health_check: health_check(planned),
        stop_timeout: int(planned, "stop_timeout"),
        readonly_root_filesystem: fields::boolean(planned, "readonly_root_filesystem")
            .known()
            .copied()
            .unwrap_or(false),
        user: text(planned, "user"),
    };
    let sidecars = sidecar_values(planned)
        .iter()
        .map(|s| SidecarInput {
            name: text(s, "name").unwrap_or_default(),
            image: text(s, "image").unwrap_or_default(),
            essential: fields::boolean(s, "essential")
                .known()
                .copied()
                .unwrap_or(true),
            cpu: int(s, "cpu").unwrap_or(0),
            memory: int(s, "memory"),
            command: strings(s, "command"),
            environment: known_map(&fields::string_map(s, "environment")),
            secrets: known_map(&fields::string_map(s, "secrets")),
            health_check: health_check(s),
            depends_on: text(s, "depends_on"),
            main_waits_for: text(s, "main_waits_for"),
        })
        .collect();
    (main, sidecars)
}

#[path = "containers_rules.rs"]
mod rules;
pub use rules::validate;

#[path = "containers_show.rs"]
mod show;
pub use show::{main_container, project};

/// The path of sidecar `i`'s attribute `name`.
fn sidecar_at(i: usize, name: &str) -> Path {
    at(SIDECARS).index(i as i64).attr(name)
}

#[cfg(test)]
#[path = "containers_tests.rs"]
mod tests;
