//! cty types and their JSON form (as in `Schema.Attribute.type` and dynamic values).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::error::DecodeError;
use crate::path::PathStep;

/// How deeply nested a type's JSON may be when read by [`Type::from_json`].
pub const MAX_TYPE_DEPTH: usize = 128;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Type {
    String,
    Number,
    Bool,
    /// `dynamic` (cty's DynamicPseudoType): the concrete type travels with the value.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(ObjectType),
}

/// An object type: attribute types, and which attributes are optional (a type-conversion
/// notion only; on the wire an object always carries every attribute).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ObjectType {
    pub attrs: BTreeMap<String, Type>,
    pub optional: BTreeSet<String>,
}

impl ObjectType {
    /// An object type with no optional attributes.
    pub fn new(attrs: impl IntoIterator<Item = (impl Into<String>, Type)>) -> ObjectType {
        ObjectType {
            attrs: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }
}

impl Type {
    /// An object type with no optional attributes.
    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Type)>) -> Type {
        Type::Object(ObjectType::new(attrs))
    }

    /// An object type with the named attributes optional.
    pub fn object_with_optional(
        attrs: impl IntoIterator<Item = (impl Into<String>, Type)>,
        optional: impl IntoIterator<Item = impl Into<String>>,
    ) -> Type {
        let mut o = ObjectType::new(attrs);
        o.optional = optional.into_iter().map(Into::into).collect();
        Type::Object(o)
    }

    /// `list(t)`.
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// `set(t)`.
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    /// `map(t)`.
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// `tuple([..])`.
    pub fn tuple(elems: Vec<Type>) -> Type {
        Type::Tuple(elems)
    }

    /// Whether this is a list, set or map type (the types that take length refinements).
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The type's JSON form: `"string"`, `["list","string"]`, `["object",{..}]` (with a third
    /// element `[names..]` when some attributes are optional), `["tuple",[..]]`, `"dynamic"`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Type::String => J::from("string"),
            Type::Number => J::from("number"),
            Type::Bool => J::from("bool"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(e) => J::Array(vec![J::from("list"), e.to_json()]),
            Type::Set(e) => J::Array(vec![J::from("set"), e.to_json()]),
            Type::Map(e) => J::Array(vec![J::from("map"), e.to_json()]),
            Type::Tuple(es) => J::Array(vec![
                J::from("tuple"),
                J::Array(es.iter().map(Type::to_json).collect()),
            ]),
            Type::Object(o) => {
                let attrs: serde_json::Map<String, J> = o
                    .attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                let mut parts = vec![J::from("object"), J::Object(attrs)];
                if !o.optional.is_empty() {
                    parts.push(J::Array(
                        o.optional.iter().map(|n| J::from(n.as_str())).collect(),
                    ));
                }
                J::Array(parts)
            }
        }
    }

    /// The compact JSON text of [`Type::to_json`] (object keys sorted), e.g. `b"\"string\""`.
    /// This is what goes in `Schema.Attribute.type` and in dynamic values on the wire.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Type::String => out.extend_from_slice(b"\"string\""),
            Type::Number => out.extend_from_slice(b"\"number\""),
            Type::Bool => out.extend_from_slice(b"\"bool\""),
            Type::Dynamic => out.extend_from_slice(b"\"dynamic\""),
            Type::List(e) | Type::Set(e) | Type::Map(e) => {
                out.extend_from_slice(match self {
                    Type::List(_) => b"[\"list\",",
                    Type::Set(_) => b"[\"set\",",
                    _ => b"[\"map\",",
                });
                e.write_json(out);
                out.push(b']');
            }
            Type::Tuple(es) => {
                out.extend_from_slice(b"[\"tuple\",[");
                for (i, e) in es.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    e.write_json(out);
                }
                out.extend_from_slice(b"]]");
            }
            Type::Object(o) => {
                out.extend_from_slice(b"[\"object\",{");
                for (i, (name, t)) in o.attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    crate::json::write_json_string(out, name);
                    out.push(b':');
                    t.write_json(out);
                }
                out.push(b'}');
                if !o.optional.is_empty() {
                    out.extend_from_slice(b",[");
                    for (i, name) in o.optional.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        crate::json::write_json_string(out, name);
                    }
                    out.push(b']');
                }
                out.push(b']');
            }
        }
    }

    /// Reads a type from its JSON form (see [`Type::to_json`]).
    pub fn from_json(v: &serde_json::Value) -> Result<Type, DecodeError> {
        type_from_json(v, 0)
    }

    /// Reads a type from JSON text.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, DecodeError> {
        let v: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| DecodeError::new(format!("invalid type JSON: {e}")))?;
        Type::from_json(&v)
    }
}

fn type_from_json(v: &serde_json::Value, depth: usize) -> Result<Type, DecodeError> {
    use serde_json::Value as J;
    if depth > MAX_TYPE_DEPTH {
        return Err(DecodeError::new("type is nested too deeply"));
    }
    let err = |m: &str| DecodeError::new(format!("invalid type: {m}"));
    match v {
        J::String(s) => match s.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(err(&format!("unknown primitive type {other:?}"))),
        },
        J::Array(parts) => {
            let kind = match parts.first() {
                Some(J::String(k)) => k.as_str(),
                _ => return Err(err("a complex type must start with its kind as a string")),
            };
            let arg = parts.get(1);
            let child =
                |t: &J, step: PathStep| type_from_json(t, depth + 1).map_err(|e| e.within(step));
            match (kind, arg, parts.len()) {
                ("list", Some(e), 2) => Ok(Type::list(child(e, PathStep::Index(1))?)),
                ("set", Some(e), 2) => Ok(Type::set(child(e, PathStep::Index(1))?)),
                ("map", Some(e), 2) => Ok(Type::map(child(e, PathStep::Index(1))?)),
                ("tuple", Some(J::Array(es)), 2) => {
                    let mut out = Vec::with_capacity(es.len());
                    for (i, e) in es.iter().enumerate() {
                        out.push(child(e, PathStep::Index(i as i64))?);
                    }
                    Ok(Type::Tuple(out))
                }
                ("object", Some(J::Object(attrs)), 2 | 3) => {
                    let mut o = ObjectType::default();
                    for (name, t) in attrs {
                        o.attrs
                            .insert(name.clone(), child(t, PathStep::Attr(name.clone()))?);
                    }
                    if let Some(opt) = parts.get(2) {
                        let J::Array(names) = opt else {
                            return Err(err("optional attributes must be an array of names"));
                        };
                        for n in names {
                            let J::String(n) = n else {
                                return Err(err("optional attribute names must be strings"));
                            };
                            if !o.attrs.contains_key(n) {
                                return Err(err(&format!(
                                    "optional attribute {n:?} is not an attribute of the object"
                                )));
                            }
                            o.optional.insert(n.clone());
                        }
                    }
                    Ok(Type::Object(o))
                }
                ("list" | "set" | "map" | "tuple" | "object", _, _) => {
                    Err(err(&format!("malformed {kind} type")))
                }
                (other, _, _) => Err(err(&format!("unknown type kind {other:?}"))),
            }
        }
        _ => Err(err("a type must be a string or an array")),
    }
}

impl fmt::Display for Type {
    /// A short human-readable name: `string`, `list of string`, `object`, `tuple`, `dynamic`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(e) => write!(f, "list of {e}"),
            Type::Set(e) => write!(f, "set of {e}"),
            Type::Map(e) => write!(f, "map of {e}"),
            Type::Tuple(_) => f.write_str("tuple"),
            Type::Object(_) => f.write_str("object"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_forms() {
        assert_eq!(Type::String.to_json_bytes(), b"\"string\"");
        let t = Type::object([
            ("b", Type::list(Type::String)),
            ("a", Type::Tuple(vec![Type::Number, Type::Dynamic])),
        ]);
        assert_eq!(
            String::from_utf8_lossy(&t.to_json_bytes()),
            r#"["object",{"a":["tuple",["number","dynamic"]],"b":["list","string"]}]"#
        );
        assert_eq!(
            t.to_json(),
            json!(["object", {"a": ["tuple", ["number", "dynamic"]], "b": ["list", "string"]}])
        );
        let o =
            Type::object_with_optional([("x", Type::Bool), ("y", Type::map(Type::Bool))], ["y"]);
        assert_eq!(
            o.to_json(),
            json!(["object", {"x": "bool", "y": ["map", "bool"]}, ["y"]])
        );
        assert_eq!(
            serde_json::to_vec(&o.to_json()).ok(),
            Some(o.to_json_bytes())
        );
        assert_eq!(Type::from_json(&o.to_json()), Ok(o));
        assert_eq!(
            Type::from_json(&json!(["object", {"x": "bool"}, []])),
            Ok(Type::object([("x", Type::Bool)]))
        );
    }

    #[test]
    fn bad_types() {
        for j in [
            json!("str"),
            json!(1),
            json!(["list"]),
            json!(["list", "string", "x"]),
            json!(["tuple", "string"]),
            json!(["object", {"a": "string"}, ["b"]]),
            json!(["object", {"a": "nope"}]),
            json!(["frob", "string"]),
            json!([]),
        ] {
            assert!(Type::from_json(&j).is_err(), "{j}");
        }
        let e = Type::from_json(&json!(["object", {"a": ["list", "nope"]}]));
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("at .a[1]: invalid type: unknown primitive type \"nope\"".to_owned())
        );
    }
}
