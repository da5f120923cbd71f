//! Reading Terraform values into typed configuration: every field is null, unknown (not known
//! until apply) or known. Validation skips unknown values instead of guessing.

use std::collections::BTreeMap;

use ecsprod_cty::Value;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Field<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Null => Field::Null,
            Field::Unknown => Field::Unknown,
            Field::Known(v) => Field::Known(f(v)),
        }
    }
}

fn field<T>(v: Option<&Value>, read: impl FnOnce(&Value) -> Option<T>) -> Field<T> {
    match v {
        None | Some(Value::Null) => Field::Null,
        Some(Value::Unknown(_)) => Field::Unknown,
        Some(v) => read(v).map_or(Field::Null, Field::Known),
    }
}

pub fn string(obj: &Value, name: &str) -> Field<String> {
    field(obj.get_attr(name), |v| v.as_str().map(str::to_owned))
}

pub fn int(obj: &Value, name: &str) -> Field<i64> {
    field(obj.get_attr(name), Value::as_i64)
}

/// A number that may not be a whole number (so validation can say so).
pub fn number(obj: &Value, name: &str) -> Field<f64> {
    field(obj.get_attr(name), |v| {
        v.as_number().and_then(|n| n.as_f64())
    })
}

pub fn boolean(obj: &Value, name: &str) -> Field<bool> {
    field(obj.get_attr(name), Value::as_bool)
}

/// A list or set of strings whose elements may individually be unknown.
pub fn string_list(obj: &Value, name: &str) -> Field<Vec<Field<String>>> {
    field(obj.get_attr(name), |v| {
        v.elements().map(|items| {
            items
                .iter()
                .map(|item| field(Some(item), |i| i.as_str().map(str::to_owned)))
                .collect()
        })
    })
}

/// A map of strings whose values may individually be unknown.
pub fn string_map(obj: &Value, name: &str) -> Field<BTreeMap<String, Field<String>>> {
    field(obj.get_attr(name), |v| {
        v.as_map().map(|entries| {
            entries
                .iter()
                .map(|(k, item)| {
                    (
                        k.clone(),
                        field(Some(item), |i| i.as_str().map(str::to_owned)),
                    )
                })
                .collect()
        })
    })
}

/// A nested object attribute, returned as the raw value for further reading.
pub fn object<'v>(obj: &'v Value, name: &str) -> Field<&'v Value> {
    match obj.get_attr(name) {
        None | Some(Value::Null) => Field::Null,
        Some(Value::Unknown(_)) => Field::Unknown,
        Some(v) => Field::Known(v),
    }
}

/// Builds a known string map value.
pub fn string_map_value(map: &BTreeMap<String, String>) -> Value {
    Value::Map(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::string(v.clone())))
            .collect(),
    )
}

/// Builds a known list of strings.
/// The items of a list field when the list and every item are known.
pub fn known_strings(v: &Field<Vec<Field<String>>>) -> Option<Vec<String>> {
    v.known()?.iter().map(|f| f.known().cloned()).collect()
}

pub fn string_list_value(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::string(s.clone())).collect())
}

/// A list attribute's value from AWS's items: null when there are none, unless the state holds
/// an empty list (the configuration's `[]`), which is kept.
pub fn list_or_null(state: &Value, attr: &str, items: &[String]) -> Value {
    match (items.is_empty(), state.get_attr(attr)) {
        (true, Some(v @ Value::List(l))) if l.is_empty() => v.clone(),
        (true, _) => Value::Null,
        (false, _) => string_list_value(items),
    }
}

/// Sets an attribute of an object value (nothing when the object has no such attribute).
pub fn set(state: &mut Value, attr: &str, value: Value) {
    if let Some(slot) = state.get_attr_mut(attr) {
        *slot = value;
    }
}

/// A map's known entries (entries still unknown left out); empty when the map is not known.
pub fn known_map(v: &Field<BTreeMap<String, Field<String>>>) -> BTreeMap<String, String> {
    v.known()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.known()?.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// Merges provider default tags with resource tags (resource tags win). `None` when either side
/// is not known yet.
pub fn merge_tags(
    default_tags: &Field<BTreeMap<String, Field<String>>>,
    tags: &Field<BTreeMap<String, Field<String>>>,
) -> Option<BTreeMap<String, String>> {
    let mut merged = BTreeMap::new();
    for side in [default_tags, tags] {
        match side {
            Field::Unknown => return None,
            Field::Null => {}
            Field::Known(map) => {
                for (k, v) in map {
                    merged.insert(k.clone(), v.known()?.clone());
                }
            }
        }
    }
    Some(merged)
}

/// A map attribute's value from AWS's (name, value) pairs: null when there are none, unless the
/// state holds an empty map (the configuration's `{}`), which is kept.
pub fn pairs_or_null(state: &Value, attr: &str, pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() {
        return match state.get_attr(attr) {
            Some(v @ Value::Map(m)) if m.is_empty() => v.clone(),
            _ => Value::Null,
        };
    }
    string_map_value(&pairs.iter().cloned().collect())
}
