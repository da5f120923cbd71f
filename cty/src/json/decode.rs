//! Reading a parsed JSON document as a value of a given type.

use std::collections::BTreeMap;

use crate::error::DecodeError;
use crate::number::Number;
use crate::path::PathStep;
use crate::types::{ObjectType, Type};
use crate::value::{Value, canonicalize_set};

use super::parse::Json;

fn mismatch(t: &Type, j: &Json<'_>) -> DecodeError {
    DecodeError::new(format!("expected {t}, got {}", j.kind()))
}

fn parse_number(text: &str) -> Result<Number, DecodeError> {
    let n = text
        .parse::<Number>()
        .map_err(|e| DecodeError::new(format!("a number is required: {e}")))?;
    if !n.is_finite() {
        return Err(DecodeError::new(
            "a number is required: JSON numbers are finite",
        ));
    }
    Ok(n)
}

pub(super) fn to_value(j: &Json<'_>, t: &Type) -> Result<Value, DecodeError> {
    // Each shape has its own function so that the recursion's stack frames stay small.
    match (t, j) {
        (_, Json::Null) => Ok(Value::Null),
        (Type::Dynamic, j) => dynamic_value(j),
        (Type::String, Json::String(s)) => Ok(Value::String(s.clone())),
        (Type::String, Json::Number(n)) => Ok(Value::String((*n).to_owned())),
        (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
        (Type::Number, Json::Number(n)) => parse_number(n).map(Value::Number),
        (Type::Number, Json::String(s)) => parse_number(s).map(Value::Number),
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Bool, Json::String(s)) if s == "true" => Ok(Value::Bool(true)),
        (Type::Bool, Json::String(s)) if s == "false" => Ok(Value::Bool(false)),
        (Type::List(e), Json::Array(items)) => {
            elements(items.iter().map(|j| (j, &**e))).map(Value::List)
        }
        (Type::Set(e), Json::Array(items)) => {
            let mut out = elements(items.iter().map(|j| (j, &**e)))?;
            canonicalize_set(&mut out);
            Ok(Value::Set(out))
        }
        (Type::Tuple(ts), Json::Array(items)) => {
            if items.len() != ts.len() {
                return Err(DecodeError::new(format!(
                    "a tuple of {} elements is required ({} given)",
                    ts.len(),
                    items.len()
                )));
            }
            elements(items.iter().zip(ts)).map(Value::Tuple)
        }
        (Type::Map(e), Json::Object(members)) => map_value(members, e),
        (Type::Object(o), Json::Object(members)) => object_value(members, o),
        (t, j) => Err(mismatch(t, j)),
    }
}

fn elements<'j, 'a: 'j>(
    items: impl Iterator<Item = (&'j Json<'a>, &'j Type)>,
) -> Result<Vec<Value>, DecodeError> {
    let mut out = Vec::with_capacity(items.size_hint().0);
    for (i, (item, et)) in items.enumerate() {
        out.push(to_value(item, et).map_err(|er| er.within(PathStep::Index(i as i64)))?);
    }
    Ok(out)
}

fn map_value(members: &[(String, Json<'_>)], e: &Type) -> Result<Value, DecodeError> {
    let mut m = BTreeMap::new();
    for (k, v) in members {
        if m.contains_key(k) {
            return Err(DecodeError::new("duplicate map key").within(PathStep::Key(k.clone())));
        }
        let v = to_value(v, e).map_err(|er| er.within(PathStep::Key(k.clone())))?;
        m.insert(k.clone(), v);
    }
    Ok(Value::Map(m))
}

fn object_value(members: &[(String, Json<'_>)], o: &ObjectType) -> Result<Value, DecodeError> {
    let mut m = BTreeMap::new();
    for (k, v) in members {
        let Some(at) = o.attrs.get(k) else {
            return Err(DecodeError::new("unsupported attribute").within(PathStep::Attr(k.clone())));
        };
        if m.contains_key(k) {
            return Err(DecodeError::new("duplicate attribute").within(PathStep::Attr(k.clone())));
        }
        let v = to_value(v, at).map_err(|er| er.within(PathStep::Attr(k.clone())))?;
        m.insert(k.clone(), v);
    }
    for name in o.attrs.keys() {
        if !m.contains_key(name) {
            m.insert(name.clone(), Value::Null);
        }
    }
    Ok(Value::Object(m))
}

fn dynamic_value(j: &Json<'_>) -> Result<Value, DecodeError> {
    let Json::Object(members) = j else {
        return Err(DecodeError::new(format!(
            "expected a dynamic value ({{\"value\": .., \"type\": ..}}), got {}",
            j.kind()
        )));
    };
    let (mut ty, mut val) = (None, None);
    for (k, v) in members {
        let slot = match k.as_str() {
            "type" => &mut ty,
            "value" => &mut val,
            other => {
                return Err(DecodeError::new(format!(
                    "unexpected key {other:?} in a dynamic value"
                )));
            }
        };
        if slot.replace(v).is_some() {
            return Err(DecodeError::new(format!(
                "duplicate {k:?} in a dynamic value"
            )));
        }
    }
    let ty = ty.ok_or_else(|| DecodeError::new("a dynamic value has no \"type\""))?;
    let ty = Type::from_json(&ty.to_serde())?;
    let inner = match val {
        Some(v) => to_value(v, &ty)?,
        None => Value::Null,
    };
    if ty == Type::Dynamic {
        // {"type": "dynamic", "value": v} says nothing more than v at a dynamic position.
        return Ok(inner);
    }
    Ok(Value::Dynamic(ty, Box::new(inner)))
}
