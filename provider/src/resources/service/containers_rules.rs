//! Validation of the container settings and sidecars, each rule on its attribute.

use ecsprod_cty::{Path, Value};

use super::{
    CONTAINER_NAME, HEALTH_CHECK, SIDECARS, SIDECARS_MAX, USER, health_check, sidecar_at,
    sidecar_values,
};
use crate::blueprint::service::{CONDITIONS, CONDITIONS_ON_ESSENTIAL};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::resources::fields::{self, Field};
use crate::resources::service::config::{IMAGE, variables};
use crate::resources::validators::{self as v, at};

/// Whole numbers of a health check, with their ranges.
const HEALTH_CHECK_NUMBERS: &[(&str, i64, i64)] = &[
    ("interval", 5, 300),
    ("timeout", 2, 60),
    ("retries", 1, 10),
    ("start_period", 0, 300),
];

fn check_health(d: &mut Diagnostics, base: &Path, container: &Value) {
    let Field::Known(h) = fields::object(container, HEALTH_CHECK) else {
        return;
    };
    let path = base.attr(HEALTH_CHECK);
    for (name, min, max) in HEALTH_CHECK_NUMBERS {
        v::whole(d, path.attr(*name), &fields::number(h, name), name);
        v::int_range(d, path.attr(*name), &fields::int(h, name), *min, *max, name);
    }
    if let Some(command) = fields::known_strings(&fields::string_list(h, "command")) {
        let form_ok = match command.first().map(String::as_str) {
            Some("CMD-SHELL") => command.len() == 2,
            Some("CMD") => command.len() >= 2,
            _ => false,
        };
        if !form_ok {
            d.error_at(
                path.attr("command"),
                "Invalid health check command",
                "Give [\"CMD-SHELL\", \"<shell command>\"] or [\"CMD\", \"<executable>\", \"<arguments>\"...], e.g. [\"CMD-SHELL\", \"curl -f http://localhost:8080/health || exit 1\"].",
            );
        }
    }
}

fn check_condition(d: &mut Diagnostics, path: Path, value: &Field<String>, allowed: &[&str]) {
    if let Field::Known(c) = value
        && !allowed.contains(&c.as_str())
    {
        d.error_at(
            path,
            "Invalid dependency condition",
            format!(
                "{c:?} is not a condition here: use one of {}.",
                allowed
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

fn check_main(d: &mut Diagnostics, raw: &Value) {
    check_health(d, &Path::root(), raw);
    v::whole(
        d,
        at("stop_timeout"),
        &fields::number(raw, "stop_timeout"),
        "stop_timeout",
    );
    v::int_range(
        d,
        at("stop_timeout"),
        &fields::int(raw, "stop_timeout"),
        2,
        120,
        "stop_timeout",
    );
    v::matches(
        d,
        at("user"),
        &fields::string(raw, "user"),
        &USER,
        "Invalid user",
        "give a user name or UID, optionally with a group or GID: `app`, `app:app`, `1000` or `1000:1000`.",
    );
    for attr in ["command", "entrypoint"] {
        if let Field::Known(items) = fields::string_list(raw, attr)
            && items
                .iter()
                .any(|i| i.known().is_some_and(String::is_empty))
        {
            d.error_at(
                at(attr),
                "Empty argument",
                format!("{attr} has an empty string; leave it out or give the argument."),
            );
        }
    }
}

/// Rules within one sidecar.
fn check_sidecar(
    d: &mut Diagnostics,
    i: usize,
    s: &Value,
    service: Option<&String>,
    main_health: bool,
) {
    let name = fields::string(s, "name");
    v::matches(
        d,
        sidecar_at(i, "name"),
        &name,
        &CONTAINER_NAME,
        "Invalid container name",
        "use 1-255 letters, digits, hyphens and underscores.",
    );
    if let (Field::Known(n), Some(service)) = (&name, service)
        && n == service
    {
        d.error_at(
            sidecar_at(i, "name"),
            "Container name taken",
            format!(
                "{n:?} is the main container's name (the service's); give the sidecar another."
            ),
        );
    }
    v::matches(
        d,
        sidecar_at(i, "image"),
        &fields::string(s, "image"),
        &IMAGE,
        "Invalid image",
        "an image reference is up to 255 letters, digits and . _ / : @ # - characters.",
    );
    for (attr, min, max) in [("cpu", 0, 196_608), ("memory", 6, 1_048_576)] {
        v::whole(d, sidecar_at(i, attr), &fields::number(s, attr), attr);
        v::int_range(
            d,
            sidecar_at(i, attr),
            &fields::int(s, attr),
            min,
            max,
            attr,
        );
    }
    let base = at(SIDECARS).index(i as i64);
    variables(
        d,
        &base,
        &fields::string_map(s, "environment"),
        &fields::string_map(s, "secrets"),
    );
    check_health(d, &base, s);

    let depends_on = fields::string(s, "depends_on");
    check_condition(
        d,
        sidecar_at(i, "depends_on"),
        &depends_on,
        CONDITIONS_ON_ESSENTIAL,
    );
    if depends_on.known().is_some_and(|c| c == "HEALTHY") && !main_health {
        d.error_at(
            sidecar_at(i, "depends_on"),
            "No health check to wait for",
            "\"HEALTHY\" needs the service's health_check: the main container has none.",
        );
    }
    let waits_for = fields::string(s, "main_waits_for");
    check_condition(d, sidecar_at(i, "main_waits_for"), &waits_for, CONDITIONS);
    let essential = fields::boolean(s, "essential")
        .known()
        .copied()
        .unwrap_or(true);
    match waits_for.known().map(String::as_str) {
        Some("HEALTHY") if health_check(s).is_none() => d.error_at(
            sidecar_at(i, "main_waits_for"),
            "No health check to wait for",
            "\"HEALTHY\" needs this sidecar's health_check.",
        ),
        Some(c @ ("COMPLETE" | "SUCCESS")) if essential => d.error_at(
            sidecar_at(i, "main_waits_for"),
            "Condition needs a non-essential container",
            format!("{c:?} waits for the sidecar to exit, which stops the task of an essential container: set essential = false."),
        ),
        _ => {}
    }
    if depends_on.known().is_some() && waits_for.known().is_some() {
        d.error_at(
            sidecar_at(i, "main_waits_for"),
            "Containers wait for each other",
            "This sidecar waits for the main container (depends_on) and the main container for it (main_waits_for): neither would start. Keep one.",
        );
    }
}

pub fn validate(d: &mut Diagnostics, raw: &Value) {
    check_main(d, raw);
    let on = |name: &str| fields::boolean(raw, name).known().copied() == Some(true);
    if on("enable_execute_command") && on("readonly_root_filesystem") {
        d.push(
            Diagnostic::warning(
                "ECS Exec needs a writable root file system",
                "The SSM agent ECS Exec runs in the container writes to its root file system, so sessions are expected to fail with readonly_root_filesystem = true. Turn one of them off.",
            )
            .at(at("enable_execute_command")),
        );
    }
    let sidecars = sidecar_values(raw);
    if sidecars.len() > SIDECARS_MAX {
        d.error_at(
            at(SIDECARS),
            "Too many sidecars",
            format!(
                "A task definition holds at most 10 containers: give at most {SIDECARS_MAX} sidecars."
            ),
        );
    }
    let service = fields::string(raw, "name").known().cloned();
    let main_health = health_check(raw).is_some();
    let mut seen = std::collections::BTreeSet::new();
    let mut memory: i64 = 0;
    let mut cpu: i64 = 0;
    let task_memory = fields::int(raw, "memory").known().copied();
    let task_cpu = fields::int(raw, "cpu").known().copied();
    for (i, s) in sidecars.iter().enumerate() {
        check_sidecar(d, i, s, service.as_ref(), main_health);
        if let Field::Known(name) = fields::string(s, "name")
            && !seen.insert(name.clone())
        {
            d.error_at(
                sidecar_at(i, "name"),
                "Duplicate container name",
                format!("Another sidecar is named {name:?}; each container needs its own name."),
            );
        }
        let before = memory;
        memory = memory.saturating_add(fields::int(s, "memory").known().copied().unwrap_or(0));
        if let Some(task) = task_memory.filter(|t| memory >= *t && before < *t) {
            d.error_at(
                sidecar_at(i, "memory"),
                "Sidecars use the task's memory",
                format!("The sidecars' memory adds up to {memory} MiB of the task's {task} MiB, leaving none for the main container. Raise memory or lower the sidecars'."),
            );
        }
        let before = cpu;
        cpu = cpu.saturating_add(fields::int(s, "cpu").known().copied().unwrap_or(0));
        if let Some(task) = task_cpu.filter(|t| cpu > *t && before <= *t) {
            d.error_at(
                sidecar_at(i, "cpu"),
                "Sidecars use more than the task's CPU",
                format!("The sidecars' cpu adds up to {cpu} units, more than the task's {task}. Raise cpu or lower the sidecars'."),
            );
        }
    }
}
