//! `autoscaling.queue`: a queue worker's scaling on the backlog per task of its SQS queue.
//! Schema, validation, the blueprint's input and how the scaling policy shows in the state.

use std::sync::LazyLock;

use ecsprod_cty::{Type, Value};
use regex_lite::Regex;

use crate::blueprint::service::{QueueScaling, queue_name};
use crate::engine::units::ObservedScaling;
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::Attribute;
use crate::resources::fields::{self, Field, set};
use crate::resources::validators::{self as v, at};

pub const QUEUE: &str = "queue";

pub(crate) static QUEUE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:sqs:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

pub fn attribute() -> Attribute {
    Attribute::optional_object(
        QUEUE,
        vec![
            Attribute::required(
                "arn",
                Type::String,
                "ARN of the SQS queue the service consumes. The task role may receive, delete and change the visibility of its messages and read its attributes (add `kms:Decrypt` on its key to `task_role_policy_json` for a queue encrypted with a customer-managed key).",
            ),
            Attribute::required(
                "backlog_per_task",
                Type::Number,
                "Visible messages per running task that scaling keeps the service at (1-100000): the messages one task works through in the latency you accept.",
            ),
            Attribute::optional(
                "min_capacity",
                Type::Number,
                "Fewest tasks while the queue scales the service, e.g. `0` for a worker that stops when the queue is empty; replaces `autoscaling.min_capacity`.",
            ),
            Attribute::optional(
                "max_capacity",
                Type::Number,
                "Most tasks while the queue scales the service; replaces `autoscaling.max_capacity`.",
            ),
        ],
        "Scale on an SQS queue's backlog too: a target-tracking policy on the queue's visible messages per running task (metric math over `ApproximateNumberOfMessagesVisible` and Container Insights' `RunningTaskCount`, so the cluster needs `container_insights`), beside the CPU and memory policies; the largest task count any policy asks for wins.",
    )
}

fn queue_value(raw: &Value) -> Option<&Value> {
    let a = fields::object(raw, "autoscaling").known().copied()?;
    fields::object(a, QUEUE).known().copied()
}

pub fn validate(d: &mut Diagnostics, raw: &Value) {
    let Some(q) = queue_value(raw) else { return };
    let base = at("autoscaling").attr(QUEUE);
    v::matches(
        d,
        base.attr("arn"),
        &fields::string(q, "arn"),
        &QUEUE_ARN,
        "Invalid queue ARN",
        "an SQS queue ARN looks like arn:aws:sqs:eu-west-1:123456789012:jobs.",
    );
    for (name, min, max) in [
        ("backlog_per_task", 1, 100_000),
        ("min_capacity", 0, 10_000),
        ("max_capacity", 1, 10_000),
    ] {
        v::whole(d, base.attr(name), &fields::number(q, name), name);
        v::int_range(d, base.attr(name), &fields::int(q, name), min, max, name);
    }
    // The bounds that apply: the queue's, else the autoscaling ones.
    let autoscaling = fields::object(raw, "autoscaling").known().copied();
    let bound = |name: &str| -> (Option<i64>, bool) {
        match fields::int(q, name).known() {
            Some(n) => (Some(*n), true),
            None => (
                autoscaling.and_then(|a| fields::int(a, name).known().copied()),
                false,
            ),
        }
    };
    let ((min, min_queue), (max, max_queue)) = (bound("min_capacity"), bound("max_capacity"));
    if !(min_queue || max_queue) {
        return;
    }
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        let set = if min_queue {
            "min_capacity"
        } else {
            "max_capacity"
        };
        d.error_at(
            base.attr(set),
            "min_capacity is larger than max_capacity",
            format!("The service's bounds would be {min} to {max} tasks: the queue's min_capacity and max_capacity replace the autoscaling ones; keep min_capacity at most max_capacity."),
        );
        return;
    }
    if let (Field::Known(n), Some(min), Some(max)) = (fields::int(raw, "desired_count"), min, max)
        && (n < min || n > max)
    {
        d.error_at(
            at("desired_count"),
            "desired_count outside the autoscaling range",
            format!("desired_count ({n}) must be between the queue's bounds, {min} and {max}; autoscaling would move it at once."),
        );
    }
}

/// Whether `autoscaling.queue` sets the service's bounds.
pub fn sets_bounds(raw: &Value) -> bool {
    queue_value(raw).is_some_and(|q| {
        ["min_capacity", "max_capacity"]
            .iter()
            .any(|n| fields::int(q, n).known().is_some())
    })
}

/// The queue scaling, and the bounds it sets (none: the autoscaling bounds).
pub fn input(planned: &Value) -> (Option<QueueScaling>, Option<i32>, Option<i32>) {
    let Some(q) = queue_value(planned) else {
        return (None, None, None);
    };
    let int = |name| {
        fields::int(q, name)
            .known()
            .and_then(|n| i32::try_from(*n).ok())
    };
    let scaling = match (fields::string(q, "arn"), int("backlog_per_task")) {
        (Field::Known(arn), Some(backlog)) => Some(QueueScaling {
            arn,
            backlog_per_task: backlog,
        }),
        _ => None,
    };
    (scaling, int("min_capacity"), int("max_capacity"))
}

/// Which bounds the queue sets: (min, max).
pub type QueueBounds = (bool, bool);

/// The queue policy shows on `autoscaling.queue`: its queue and target, and each bound the
/// queue sets (returned, so the autoscaling bound keeps its value). A policy that is gone
/// leaves `queue` null.
pub fn show(recorded: &Value, o: &ObservedScaling) -> (Value, QueueBounds) {
    let Some(q) = queue_value(recorded) else {
        return (Value::Null, (false, false));
    };
    let Some(policy) = o.policies.iter().find(|p| p.queue.is_some()) else {
        return (Value::Null, (false, false));
    };
    let mut shown = q.clone();
    if let (Field::Known(arn), Some(name)) = (fields::string(q, "arn"), &policy.queue)
        && queue_name(&arn) != name
    {
        let prefix = arn.rsplit_once(':').map_or("", |(p, _)| p);
        set(&mut shown, "arn", Value::string(format!("{prefix}:{name}")));
    }
    set(
        &mut shown,
        "backlog_per_task",
        Value::number(policy.target_value.round() as i64),
    );
    let sets = |name| fields::int(q, name).known().is_some();
    let bounds = (sets("min_capacity"), sets("max_capacity"));
    if bounds.0 {
        set(
            &mut shown,
            "min_capacity",
            Value::number(i64::from(o.min_capacity)),
        );
    }
    if bounds.1 {
        set(
            &mut shown,
            "max_capacity",
            Value::number(i64::from(o.max_capacity)),
        );
    }
    (shown, bounds)
}
