//! The `timeouts` block both resources share: how long each operation may take.

use std::time::Duration;

use ecsprod_cty::{Type, Value};

use super::fields::{self, Field};
use super::validators::{self as v, at};
use crate::protocol::diag::Diagnostics;
use crate::protocol::schema::Attribute;

/// What an operation may take when `timeouts` does not say.
pub const DEFAULT: Duration = Duration::from_secs(30 * 60);

/// The `timeouts` attribute; `delete_waits_for` says what a delete waits for.
pub fn attribute(delete_waits_for: &str) -> Attribute {
    Attribute::optional_object(
        "timeouts",
        vec![
            Attribute::optional(
                "create",
                Type::String,
                "How long a create may take, e.g. `30m` or `1h`. Default `30m`.",
            ),
            Attribute::optional(
                "update",
                Type::String,
                "How long an update may take. Default `30m`.",
            ),
            Attribute::optional(
                "delete",
                Type::String,
                format!("How long a delete may take, including {delete_waits_for}. Default `30m`."),
            ),
        ],
        "Upper bounds for the waits and retries of each operation (durations such as `45s`, `30m`, `1h30m`). When one is exceeded the apply stops with an error naming what it was waiting for; the state records what exists.",
    )
}

/// Checks each duration of `timeouts`, on its attribute.
pub fn validate(d: &mut Diagnostics, raw: &Value) {
    if let Field::Known(t) = fields::object(raw, "timeouts") {
        for op in ["create", "update", "delete"] {
            v::duration(d, at("timeouts").attr(op), &fields::string(t, op));
        }
    }
}

/// How long `operation` (`create`, `update`, `delete`; a read takes the create bound) may take.
pub fn limit(config: &Value, operation: &str) -> Duration {
    let operation = if operation == "read" {
        "create"
    } else {
        operation
    };
    match fields::object(config, "timeouts") {
        Field::Known(t) => fields::string(t, operation)
            .known()
            .and_then(|s| v::parse_duration(s))
            // Validation refuses anything outside 1s..24h; a value that was unknown then is
            // held to the same range here.
            .filter(|d| (1..=86_400).contains(&d.as_secs()))
            .unwrap_or(DEFAULT),
        _ => DEFAULT,
    }
}
