//! The generic plan pipeline, applied to every resource before its own `modify_plan`:
//!
//! 1. destroy: the planned state is null;
//! 2. required and optional attributes are planned as configured (unknown stays unknown);
//! 3. optional attributes with a default get it when the configuration leaves them out, so the
//!    plan shows the value that will be used; nested objects get their children's defaults;
//! 4. optional attributes the provider computes keep their prior value once set, and are unknown
//!    on create;
//! 5. computed attributes are unknown on create; on update they keep their prior value unless
//!    an attribute they change with changes;
//! 6. attributes that force replacement are reported in `requires_replace` (Terraform compares
//!    prior and planned values itself and replaces only when they differ).

use std::collections::BTreeMap;

use ecsprod_cty::{Path, Value};

use super::schema::{AttrType, Attribute, Mode, Schema, Stability};

#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<Path>,
}

pub fn plan(schema: &Schema, prior: &Value, proposed: &Value, config: &Value) -> Planned {
    if proposed.is_null() {
        return Planned {
            state: Value::Null,
            requires_replace: Vec::new(),
        };
    }
    let state = plan_object(&schema.attributes, prior, config);
    let requires_replace = if prior.is_null() {
        Vec::new()
    } else {
        schema
            .attributes
            .iter()
            .filter(|a| a.requires_replace)
            .map(|a| Path::root().attr(a.name))
            .collect()
    };
    Planned {
        state,
        requires_replace,
    }
}

/// The configuration with every default filled in, as it will be planned; used to validate
/// cross-attribute rules against the values that will really apply.
pub fn with_defaults(schema: &Schema, config: &Value) -> Value {
    if config.is_null() || !config.is_known() {
        return config.clone();
    }
    plan_object(&schema.attributes, &Value::Null, config)
}

fn attr_of<'v>(obj: &'v Value, name: &str) -> &'v Value {
    obj.get_attr(name).unwrap_or(&Value::Null)
}

fn plan_object(attrs: &[Attribute], prior: &Value, config: &Value) -> Value {
    let mut planned: BTreeMap<String, Value> = BTreeMap::new();
    for a in attrs.iter().filter(|a| a.mode != Mode::Computed) {
        planned.insert(a.name.to_owned(), plan_configurable(a, prior, config));
    }
    for a in attrs.iter().filter(|a| a.mode == Mode::Computed) {
        let value = plan_computed(a, prior, &planned);
        planned.insert(a.name.to_owned(), value);
    }
    Value::Object(planned)
}

fn plan_configurable(a: &Attribute, prior: &Value, config: &Value) -> Value {
    let cfg = attr_of(config, a.name);
    let pri = attr_of(prior, a.name);
    match a.mode {
        Mode::Required | Mode::Optional if !cfg.is_known() || cfg.is_null() => cfg.clone(),
        Mode::Required | Mode::Optional => plan_nested(a, pri, cfg),
        Mode::OptionalComputed if !cfg.is_known() => cfg.clone(),
        Mode::OptionalComputed if cfg.is_null() => match a.default_value() {
            Some(default) => default,
            None if !pri.is_null() => pri.clone(),
            None => Value::unknown(),
        },
        Mode::OptionalComputed => plan_nested(a, pri, cfg),
        Mode::Computed => Value::unknown(),
    }
}

/// A configured value with its nested attributes' defaults filled in; a list's elements are
/// planned against the prior element at the same index.
fn plan_nested(a: &Attribute, prior: &Value, config: &Value) -> Value {
    match (&a.ty, config) {
        (AttrType::Object(children), _) => plan_object(children, prior, config),
        (AttrType::List(children), Value::List(items)) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    if item.is_null() || !item.is_known() {
                        return item.clone();
                    }
                    let before = match prior {
                        Value::List(p) => p.get(i).unwrap_or(&Value::Null),
                        _ => &Value::Null,
                    };
                    plan_object(children, before, item)
                })
                .collect(),
        ),
        _ => config.clone(),
    }
}

fn plan_computed(a: &Attribute, prior: &Value, planned: &BTreeMap<String, Value>) -> Value {
    if prior.is_null() {
        return Value::unknown();
    }
    let pri = attr_of(prior, a.name);
    if pri.is_null() {
        return Value::unknown();
    }
    match &a.stability {
        Stability::Stable => pri.clone(),
        Stability::ChangesWith(deps) => {
            let changed = deps.iter().any(|d| {
                let now = planned.get(*d).unwrap_or(&Value::Null);
                !now.is_wholly_known() || now != attr_of(prior, d)
            });
            if changed {
                Value::unknown()
            } else {
                pri.clone()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecsprod_cty::Type;

    fn schema() -> Schema {
        Schema {
            version: 0,
            description: String::new(),
            attributes: vec![
                Attribute::required("name", Type::String, "").forces_replacement(),
                Attribute::required("image", Type::String, ""),
                Attribute::with_default("size", Type::Number, Value::number(2), ""),
                Attribute::optional_computed("ami", Type::String, ""),
                Attribute::object_with_defaults(
                    "scaling",
                    vec![
                        Attribute::with_default("min", Type::Number, Value::number(1), ""),
                        Attribute::with_default("max", Type::Number, Value::number(9), ""),
                    ],
                    "",
                ),
                Attribute::computed("arn", Type::String, ""),
                Attribute::computed("revision", Type::String, "").changes_with(&["image"]),
            ],
        }
    }

    fn config(image: &str) -> Value {
        Value::object([
            ("name", Value::string("a")),
            ("image", Value::string(image)),
            ("size", Value::Null),
            ("ami", Value::Null),
            (
                "scaling",
                Value::object([("min", Value::number(3)), ("max", Value::Null)]),
            ),
            ("arn", Value::Null),
            ("revision", Value::Null),
        ])
    }

    fn applied(image: &str) -> Value {
        Value::object([
            ("name", Value::string("a")),
            ("image", Value::string(image)),
            ("size", Value::number(2)),
            ("ami", Value::string("ami-1")),
            (
                "scaling",
                Value::object([("min", Value::number(3)), ("max", Value::number(9))]),
            ),
            ("arn", Value::string("arn:a")),
            ("revision", Value::string("r1")),
        ])
    }

    #[test]
    fn create_fills_defaults_and_leaves_computed_unknown() {
        let cfg = config("nginx");
        let p = plan(&schema(), &Value::Null, &cfg, &cfg);
        assert_eq!(p.state.get_attr("size"), Some(&Value::number(2)));
        assert_eq!(
            p.state.get_attr("scaling").and_then(|s| s.get_attr("max")),
            Some(&Value::number(9))
        );
        assert_eq!(
            p.state.get_attr("scaling").and_then(|s| s.get_attr("min")),
            Some(&Value::number(3))
        );
        assert!(!p.state.get_attr("ami").is_some_and(Value::is_known));
        assert!(!p.state.get_attr("arn").is_some_and(Value::is_known));
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn unchanged_config_plans_exactly_the_prior_state() {
        let cfg = config("nginx");
        let prior = applied("nginx");
        let p = plan(&schema(), &prior, &cfg, &cfg);
        assert_eq!(p.state, prior);
        assert_eq!(p.requires_replace, vec![Path::root().attr("name")]);
    }

    #[test]
    fn a_change_makes_only_dependent_computed_values_unknown() {
        let cfg = config("httpd");
        let p = plan(&schema(), &applied("nginx"), &cfg, &cfg);
        assert_eq!(p.state.get_attr("arn"), Some(&Value::string("arn:a")));
        assert_eq!(p.state.get_attr("ami"), Some(&Value::string("ami-1")));
        assert!(!p.state.get_attr("revision").is_some_and(Value::is_known));
    }

    #[test]
    fn unknown_configuration_stays_unknown() {
        let mut cfg = config("nginx");
        if let Some(v) = cfg.get_attr_mut("size") {
            *v = Value::unknown();
        }
        if let Some(v) = cfg.get_attr_mut("image") {
            *v = Value::unknown();
        }
        let p = plan(&schema(), &applied("nginx"), &cfg, &cfg);
        assert!(!p.state.get_attr("size").is_some_and(Value::is_known));
        assert!(!p.state.get_attr("image").is_some_and(Value::is_known));
        assert!(!p.state.get_attr("revision").is_some_and(Value::is_known));
    }

    #[test]
    fn removing_an_optional_value_plans_its_default_again() {
        let cfg = config("nginx");
        let mut prior = applied("nginx");
        if let Some(v) = prior.get_attr_mut("size") {
            *v = Value::number(7);
        }
        let p = plan(&schema(), &prior, &cfg, &cfg);
        assert_eq!(p.state.get_attr("size"), Some(&Value::number(2)));
    }

    #[test]
    fn destroy_plans_null() {
        let p = plan(&schema(), &applied("x"), &Value::Null, &Value::Null);
        assert_eq!(p.state, Value::Null);
    }
}
