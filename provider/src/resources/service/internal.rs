//! `internal`: the service published to the other services of its cluster with ECS Service
//! Connect. Schema, validation, the blueprint's input and how it shows in the state.

use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};
use regex_lite::Regex;

use crate::blueprint::service::{InternalInput, ServiceConnectSpec};
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::Attribute;
use crate::resources::fields::{self, Field, set};
use crate::resources::validators::{self as v, at};

pub const INTERNAL: &str = "internal";
pub const SERVICE_CONNECT: &str = "service_connect";

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern: {e}"))
}

/// A port mapping name as ECS takes it: lower-case letters, digits, `_` and `-`.
static PORT_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z0-9_][a-z0-9_-]{0,63}$"));
/// A Service Connect client alias: a DNS name, not necessarily fully qualified.
static DNS_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z0-9_][a-z0-9_.-]{0,126}$"));

pub fn attribute() -> Attribute {
    Attribute::optional_object(
        INTERNAL,
        vec![
            Attribute::required(
                "dns_name",
                Type::String,
                "Name the cluster's other services call this one by, e.g. `orders` or `orders.internal` (lower-case letters, digits, `_`, `-` and `.`, up to 127 characters). Unique among the services of the namespace.",
            ),
            Attribute::with_default(
                "port",
                Type::Number,
                Value::number(80),
                "Port the other services call it on, e.g. `http://orders` for port 80; Service Connect forwards to `container_port`. Default `80`.",
            ),
            Attribute::with_default(
                "port_name",
                Type::String,
                Value::string("http"),
                "Name of the main container's port mapping that Service Connect serves (lower-case letters, digits, `_` and `-`). Default `\"http\"`.",
            ),
        ],
        "Publish the service to the other services of its cluster with ECS Service Connect: they reach it at `dns_name:port` through the Service Connect proxy in their tasks, with retries, outlier detection and per-service metrics, load balanced across its healthy tasks without the load balancer. Every service of the cluster with `service_connect` (the default) can call the services published there. Adding, changing or removing it deploys the service.",
    )
}

/// `service_connect`: whether the service joins its cluster's namespace.
pub fn membership_attribute() -> Attribute {
    Attribute::with_default(
        SERVICE_CONNECT,
        Type::Bool,
        Value::bool(true),
        "Join the cluster's Service Connect namespace (`service_connect_namespace` of `ecsprod_cluster`), so the service can call the services published there by their `internal.dns_name`. ECS then runs the Service Connect proxy in each task, from the task's `cpu` and `memory`. A task reaches the services published before it started: after a service first sets `internal`, redeploy its callers, or create them after it (`depends_on`). `false` leaves the namespace (a redeployment), and is refused with `internal`. A service not in the namespace (left outside Terraform, or on a cluster created before it had one) shows `false`, and the next apply joins it. Default `true`.",
    )
}

pub fn validate(d: &mut Diagnostics, raw: &Value) {
    let Field::Known(i) = fields::object(raw, INTERNAL) else {
        return;
    };
    let base = at(INTERNAL);
    if fields::boolean(raw, SERVICE_CONNECT).known() == Some(&false) {
        d.error_at(
            base.clone(),
            "internal needs service_connect",
            "A service publishes itself in the cluster's Service Connect namespace: with internal set, leave service_connect at true.",
        );
    }
    v::matches(
        d,
        base.attr("dns_name"),
        &fields::string(i, "dns_name"),
        &DNS_NAME,
        "Invalid internal DNS name",
        "use 1-127 lower-case letters, digits, underscores, hyphens and dots, not starting with a hyphen or dot, e.g. orders or orders.internal.",
    );
    v::matches(
        d,
        base.attr("port_name"),
        &fields::string(i, "port_name"),
        &PORT_NAME,
        "Invalid port name",
        "use 1-64 lower-case letters, digits, underscores and hyphens, not starting with a hyphen.",
    );
    v::whole(d, base.attr("port"), &fields::number(i, "port"), "port");
    v::int_range(
        d,
        base.attr("port"),
        &fields::int(i, "port"),
        1,
        65_535,
        "port",
    );
}

/// What `internal` publishes, when it is set and known.
pub fn input(planned: &Value) -> Option<InternalInput> {
    let i = fields::object(planned, INTERNAL).known().copied()?;
    Some(InternalInput {
        port_name: fields::string(i, "port_name").known()?.clone(),
        dns_name: fields::string(i, "dns_name").known()?.clone(),
        port: fields::int(i, "port")
            .known()
            .and_then(|n| i32::try_from(*n).ok())?,
    })
}

/// Whether the service joins its cluster's namespace, as configured.
pub fn joins(planned: &Value) -> bool {
    fields::boolean(planned, SERVICE_CONNECT)
        .known()
        .copied()
        .unwrap_or(true)
}

/// Whether the service is in a namespace and what it publishes, as its primary deployment runs
/// them; `internal` is null when it publishes nothing.
pub fn show(state: &mut Value, connect: Option<&ServiceConnectSpec>) {
    set(state, SERVICE_CONNECT, Value::bool(connect.is_some()));
    let shown = match connect.and_then(|c| c.published.as_ref()) {
        Some(p) => Value::object([
            ("dns_name", Value::string(p.dns_name.clone())),
            ("port", Value::number(i64::from(p.port))),
            ("port_name", Value::string(p.port_name.clone())),
        ]),
        None => Value::Null,
    };
    set(state, INTERNAL, shown);
}
