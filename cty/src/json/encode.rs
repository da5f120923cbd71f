//! Writing cty values as JSON.

use std::collections::BTreeMap;

use crate::codec::{check_object_attrs, check_tuple_len, dynamic_parts};
use crate::error::EncodeError;
use crate::number::Number;
use crate::path::PathStep;
use crate::types::{ObjectType, Type};
use crate::value::Value;

/// Writes `s` as a JSON string literal.
pub(crate) fn write_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(s.as_bytes().get(start..i).unwrap_or_default());
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(s.as_bytes().get(start..).unwrap_or_default());
    out.push(b'"');
}

pub(super) fn encode_value(out: &mut Vec<u8>, v: &Value, t: &Type) -> Result<(), EncodeError> {
    // Each shape has its own function so that the recursion's stack frames stay small.
    match (v, t) {
        (Value::Unknown(_), _) => Err(EncodeError::new(
            "value is not known (JSON cannot hold unknowns)",
        )),
        (Value::Null, _) => {
            out.extend_from_slice(b"null");
            Ok(())
        }
        (v, Type::Dynamic) => encode_dynamic(out, v),
        (Value::Bool(b), Type::Bool) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(())
        }
        (Value::Number(n), Type::Number) => encode_number(out, n),
        (Value::String(s), Type::String) => {
            write_json_string(out, s);
            Ok(())
        }
        (Value::List(vs), Type::List(e)) | (Value::Set(vs), Type::Set(e)) => {
            encode_elements(out, vs.iter().map(|v| (v, &**e)))
        }
        (Value::Tuple(vs), Type::Tuple(ts)) => {
            check_tuple_len(vs, ts)?;
            encode_elements(out, vs.iter().zip(ts))
        }
        (Value::Map(m), Type::Map(e)) => encode_map(out, m, e),
        (Value::Object(m), Type::Object(o)) => {
            check_object_attrs(m, o)?;
            encode_object(out, m, o)
        }
        (v, t) => Err(EncodeError::new(format!("expected {t}, got {}", v.kind()))),
    }
}

fn encode_number(out: &mut Vec<u8>, n: &Number) -> Result<(), EncodeError> {
    if !n.is_finite() || n.is_nan() {
        return Err(EncodeError::new(format!("{n} cannot be written as JSON")));
    }
    out.extend_from_slice(n.to_string().as_bytes());
    Ok(())
}

fn encode_dynamic(out: &mut Vec<u8>, v: &Value) -> Result<(), EncodeError> {
    let (inner_t, inner) = dynamic_parts(v)?;
    out.extend_from_slice(b"{\"value\":");
    encode_value(out, inner, inner_t)?;
    out.extend_from_slice(b",\"type\":");
    out.extend_from_slice(&inner_t.to_json_bytes());
    out.push(b'}');
    Ok(())
}

fn encode_elements<'v>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = (&'v Value, &'v Type)>,
) -> Result<(), EncodeError> {
    out.push(b'[');
    for (i, (item, et)) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        encode_value(out, item, et).map_err(|er| er.within(PathStep::Index(i as i64)))?;
    }
    out.push(b']');
    Ok(())
}

fn encode_map(out: &mut Vec<u8>, m: &BTreeMap<String, Value>, e: &Type) -> Result<(), EncodeError> {
    out.push(b'{');
    for (i, (k, item)) in m.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_string(out, k);
        out.push(b':');
        encode_value(out, item, e).map_err(|er| er.within(PathStep::Key(k.clone())))?;
    }
    out.push(b'}');
    Ok(())
}

/// Writes every attribute of the object type, in order; those the value lacks as `null`.
fn encode_object(
    out: &mut Vec<u8>,
    m: &BTreeMap<String, Value>,
    o: &ObjectType,
) -> Result<(), EncodeError> {
    out.push(b'{');
    for (i, (name, at)) in o.attrs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_string(out, name);
        out.push(b':');
        match m.get(name) {
            Some(item) => {
                encode_value(out, item, at).map_err(|er| er.within(PathStep::Attr(name.clone())))?
            }
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'}');
    Ok(())
}
