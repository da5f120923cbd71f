//! cty values.

use std::collections::BTreeMap;

use crate::number::Number;
use crate::types::{ObjectType, Type};

/// What is known about an unknown value (cty "refinements"). `Default` is "nothing".
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Refinements {
    /// The value will definitely not be null.
    pub not_null: bool,
    /// A string value will start with this prefix (strings only).
    pub string_prefix: Option<String>,
    /// A number value's lower bound, and whether it is inclusive (numbers only).
    pub number_lower: Option<(Number, bool)>,
    /// A number value's upper bound, and whether it is inclusive (numbers only).
    pub number_upper: Option<(Number, bool)>,
    /// A list/set/map value's minimum length.
    pub length_lower: Option<u64>,
    /// A list/set/map value's maximum length.
    pub length_upper: Option<u64>,
}

impl Refinements {
    /// Whether nothing is refined. An empty string prefix counts as no refinement.
    pub fn is_empty(&self) -> bool {
        !self.not_null
            && self.string_prefix.as_deref().is_none_or(str::is_empty)
            && self.number_lower.is_none()
            && self.number_upper.is_none()
            && self.length_lower.is_none()
            && self.length_upper.is_none()
    }

    /// Only "definitely not null".
    pub fn not_null() -> Refinements {
        Refinements {
            not_null: true,
            ..Refinements::default()
        }
    }
}

/// A cty value. The type is not carried (except under `dynamic`): values are always read
/// and written against a [`Type`].
///
/// The derived `Ord` is an arbitrary but total structural order, used to keep sets
/// canonical. Accessors (`as_str`, `get_attr`, `elements`, ...) look through
/// [`Value::Dynamic`] wrappers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// Null of whatever type the position has.
    Null,
    /// Unknown, possibly refined.
    Unknown(Refinements),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Kept canonical (sorted, wholly-known duplicates removed) by [`Value::set`] and the
    /// decoders, so set equality is order-independent.
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    /// A value in a position of type `dynamic`, with its concrete type (never
    /// `Type::Dynamic` itself). The inner value is normally known and non-null, but the
    /// decoders also produce a typed null or typed unknown here when the wire carries one
    /// (`[type, nil]`), so that it round-trips.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// An unknown value with no refinements.
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// An unknown value with refinements.
    pub fn unknown_refined(r: Refinements) -> Value {
        Value::Unknown(r)
    }

    /// Null.
    pub fn null() -> Value {
        Value::Null
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(items)
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(items)
    }

    /// A set, canonicalised: sorted, with duplicates removed. Elements that contain
    /// unknowns are never merged (two unknowns may turn out different).
    pub fn set(mut items: Vec<Value>) -> Value {
        canonicalize_set(&mut items);
        Value::Set(items)
    }

    pub fn map(entries: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A value for a `dynamic` position, carrying its concrete type.
    pub fn dynamic(t: Type, v: Value) -> Value {
        Value::Dynamic(t, Box::new(v))
    }

    /// Whether the value is null (looking through a `Dynamic` wrapper).
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(_, v) => v.is_null(),
            _ => false,
        }
    }

    /// Whether the value is known at the top level (looking through a `Dynamic` wrapper).
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Dynamic(_, v) => v.is_known(),
            _ => true,
        }
    }

    /// Whether no unknown appears anywhere in the value.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => {
                vs.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
        }
    }

    /// The value without any `Dynamic` wrapper.
    pub fn unwrap_dynamic(&self) -> &Value {
        let mut v = self;
        while let Value::Dynamic(_, inner) = v {
            v = inner;
        }
        v
    }

    fn unwrap_dynamic_mut(&mut self) -> &mut Value {
        match self {
            Value::Dynamic(_, inner) => inner.unwrap_dynamic_mut(),
            v => v,
        }
    }

    /// An object attribute (`None` if this is not an object or has no such attribute).
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        match self.unwrap_dynamic() {
            Value::Object(m) => m.get(name),
            _ => None,
        }
    }

    /// A mutable object attribute.
    pub fn get_attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self.unwrap_dynamic_mut() {
            Value::Object(m) => m.get_mut(name),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unwrap_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unwrap_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A number that is an integer in `i64` range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unwrap_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// List, set or tuple elements.
    pub fn elements(&self) -> Option<&[Value]> {
        match self.unwrap_dynamic() {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// Map entries or object attributes.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Refinements, if this is an unknown.
    pub fn refinements(&self) -> Option<&Refinements> {
        match self.unwrap_dynamic() {
            Value::Unknown(r) => Some(r),
            _ => None,
        }
    }

    /// A short name of the value's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Tuple(_) => "tuple",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Dynamic(..) => "dynamic-typed value",
        }
    }

    /// Structural check that the value can be encoded as type `t`. `Null` and `Unknown`
    /// conform to anything (refinements that do not apply to `t` are dropped on encode).
    /// An object value may omit attributes (they encode as null) but may not have extra
    /// ones. At a `dynamic` position only `Value::Dynamic` (or null/unknown) conforms.
    pub fn conforms_to(&self, t: &Type) -> bool {
        match (self, t) {
            (Value::Null | Value::Unknown(_), _) => true,
            (Value::Dynamic(inner_t, v), Type::Dynamic) => {
                *inner_t != Type::Dynamic && v.conforms_to(inner_t)
            }
            (_, Type::Dynamic) | (Value::Dynamic(..), _) => false,
            (Value::Bool(_), Type::Bool)
            | (Value::Number(_), Type::Number)
            | (Value::String(_), Type::String) => true,
            (Value::List(vs), Type::List(e)) | (Value::Set(vs), Type::Set(e)) => {
                vs.iter().all(|v| v.conforms_to(e))
            }
            (Value::Tuple(vs), Type::Tuple(ts)) => {
                vs.len() == ts.len() && vs.iter().zip(ts).all(|(v, t)| v.conforms_to(t))
            }
            (Value::Map(m), Type::Map(e)) => m.values().all(|v| v.conforms_to(e)),
            (Value::Object(m), Type::Object(o)) => m
                .iter()
                .all(|(k, v)| o.attrs.get(k).is_some_and(|t| v.conforms_to(t))),
            _ => false,
        }
    }

    /// An object with every attribute of `t` null.
    pub fn default_null_object(t: &ObjectType) -> Value {
        Value::Object(t.attrs.keys().map(|k| (k.clone(), Value::Null)).collect())
    }
}

/// Sorts and removes duplicates, never merging elements that contain unknowns.
pub(crate) fn canonicalize_set(items: &mut Vec<Value>) {
    items.sort();
    items.dedup_by(|later, kept| later == kept && later.is_wholly_known());
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_canonical() {
        let a = Value::set(vec![
            Value::string("b"),
            Value::string("a"),
            Value::string("b"),
        ]);
        let b = Value::set(vec![Value::string("a"), Value::string("b")]);
        assert_eq!(a, b);
        assert_eq!(a.elements().map(<[Value]>::len), Some(2));
        // unknowns are never merged
        let u = Value::set(vec![
            Value::unknown(),
            Value::unknown(),
            Value::Null,
            Value::Null,
        ]);
        assert_eq!(u.elements().map(<[Value]>::len), Some(3));
    }

    #[test]
    fn accessors() {
        let mut v = Value::object([
            ("name", Value::string("web")),
            ("count", Value::number(3)),
            ("on", Value::bool(true)),
            ("dyn", Value::dynamic(Type::String, Value::string("x"))),
        ]);
        assert_eq!(v.get_attr("name").and_then(Value::as_str), Some("web"));
        assert_eq!(v.get_attr("count").and_then(Value::as_i64), Some(3));
        assert_eq!(v.get_attr("on").and_then(Value::as_bool), Some(true));
        assert_eq!(v.get_attr("dyn").and_then(Value::as_str), Some("x"));
        assert!(v.get_attr("nope").is_none());
        if let Some(c) = v.get_attr_mut("count") {
            *c = Value::unknown();
        }
        assert!(!v.is_wholly_known());
        assert!(v.is_known());
        assert!(Value::dynamic(Type::String, Value::Null).is_null());
    }

    #[test]
    fn conformance() {
        let t = Type::object([("a", Type::String), ("b", Type::list(Type::Number))]);
        let Type::Object(ot) = &t else { unreachable!() };
        assert!(Value::default_null_object(ot).conforms_to(&t));
        assert!(Value::object([("a", Value::string("x"))]).conforms_to(&t));
        assert!(!Value::object([("c", Value::string("x"))]).conforms_to(&t));
        assert!(!Value::object([("a", Value::bool(true))]).conforms_to(&t));
        assert!(Value::unknown().conforms_to(&t));
        assert!(!Value::string("x").conforms_to(&Type::Dynamic));
        assert!(Value::dynamic(Type::String, Value::string("x")).conforms_to(&Type::Dynamic));
        assert!(!Value::dynamic(Type::Dynamic, Value::Null).conforms_to(&Type::Dynamic));
    }
}
