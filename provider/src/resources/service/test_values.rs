//! Configurations for the service's unit tests.

use ecsprod_cty::Value;

use crate::protocol::plan;
use crate::resources::service::schema::SCHEMA;

/// A list of strings.
pub fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::string(*s)).collect())
}

/// The API service's configuration with `extra` attributes, defaults filled in as planned.
pub fn config(extra: Vec<(&str, Value)>) -> Value {
    let mut attrs = vec![
        ("cluster", Value::string("prod")),
        ("name", Value::string("api")),
        ("image", Value::string("nginx:1.27")),
        ("container_port", Value::number(8080)),
        ("domain_name", Value::string("api.example.com")),
    ];
    attrs.extend(extra);
    plan::with_defaults(&SCHEMA, &Value::object(attrs))
}
