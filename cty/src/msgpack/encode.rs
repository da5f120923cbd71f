//! Writing cty values as MessagePack.

use std::collections::BTreeMap;

use crate::codec::{check_object_attrs, check_tuple_len, dynamic_parts};
use crate::error::EncodeError;
use crate::number::{Number, Wire};
use crate::path::PathStep;
use crate::types::{ObjectType, Type};
use crate::value::{Refinements, Value};

use super::{
    MAX_PREFIX_LEN, REF_LENGTH_MAX, REF_LENGTH_MIN, REF_NULLNESS, REF_NUMBER_MAX, REF_NUMBER_MIN,
    REF_STRING_PREFIX, REFINED_UNKNOWN_EXT, UNKNOWN_BYTES, truncate_utf8,
};

fn wr<T, E>(r: Result<T, E>) -> Result<(), EncodeError> {
    r.map(|_| ())
        .map_err(|_| EncodeError::new("failed to write msgpack"))
}

fn len_u32(n: usize) -> Result<u32, EncodeError> {
    u32::try_from(n).map_err(|_| EncodeError::new("collection too large for msgpack"))
}

pub(super) fn encode_value(out: &mut Vec<u8>, v: &Value, t: &Type) -> Result<(), EncodeError> {
    // Each shape has its own function so that the recursion's stack frames stay small.
    match (v, t) {
        (Value::Unknown(r), t) => write_unknown(out, r, t),
        (Value::Null, _) => {
            out.push(0xc0);
            Ok(())
        }
        (v, Type::Dynamic) => encode_dynamic(out, v),
        (Value::Bool(b), Type::Bool) => wr(rmp::encode::write_bool(out, *b)),
        (Value::Number(n), Type::Number) => write_number(out, n),
        (Value::String(s), Type::String) => wr(rmp::encode::write_str(out, s)),
        (Value::List(vs), Type::List(e)) | (Value::Set(vs), Type::Set(e)) => {
            encode_elements(out, vs, e)
        }
        (Value::Tuple(vs), Type::Tuple(ts)) => encode_tuple(out, vs, ts),
        (Value::Map(m), Type::Map(e)) => encode_map(out, m, e),
        (Value::Object(m), Type::Object(o)) => {
            check_object_attrs(m, o)?;
            encode_object(out, m, o)
        }
        (v, t) => Err(encode_mismatch(v, t)),
    }
}

#[inline(never)]
fn encode_mismatch(v: &Value, t: &Type) -> EncodeError {
    EncodeError::new(format!("expected {t}, got {}", v.kind()))
}

fn encode_dynamic(out: &mut Vec<u8>, v: &Value) -> Result<(), EncodeError> {
    let (inner_t, inner) = dynamic_parts(v)?;
    wr(rmp::encode::write_array_len(out, 2))?;
    wr(rmp::encode::write_bin(out, &inner_t.to_json_bytes()))?;
    encode_value(out, inner, inner_t)
}

fn encode_elements(out: &mut Vec<u8>, vs: &[Value], e: &Type) -> Result<(), EncodeError> {
    wr(rmp::encode::write_array_len(out, len_u32(vs.len())?))?;
    for (i, item) in vs.iter().enumerate() {
        encode_value(out, item, e).map_err(|er| er.within(PathStep::Index(i as i64)))?;
    }
    Ok(())
}

fn encode_tuple(out: &mut Vec<u8>, vs: &[Value], ts: &[Type]) -> Result<(), EncodeError> {
    check_tuple_len(vs, ts)?;
    wr(rmp::encode::write_array_len(out, len_u32(vs.len())?))?;
    for (i, (item, et)) in vs.iter().zip(ts).enumerate() {
        encode_value(out, item, et).map_err(|er| er.within(PathStep::Index(i as i64)))?;
    }
    Ok(())
}

fn encode_map(out: &mut Vec<u8>, m: &BTreeMap<String, Value>, e: &Type) -> Result<(), EncodeError> {
    wr(rmp::encode::write_map_len(out, len_u32(m.len())?))?;
    for (k, item) in m {
        wr(rmp::encode::write_str(out, k))?;
        encode_value(out, item, e).map_err(|er| er.within(PathStep::Key(k.clone())))?;
    }
    Ok(())
}

/// Writes a map of exactly the object type's attributes, sorted; those the value lacks as
/// `nil`.
fn encode_object(
    out: &mut Vec<u8>,
    m: &BTreeMap<String, Value>,
    o: &ObjectType,
) -> Result<(), EncodeError> {
    wr(rmp::encode::write_map_len(out, len_u32(o.attrs.len())?))?;
    for (name, at) in &o.attrs {
        wr(rmp::encode::write_str(out, name))?;
        match m.get(name) {
            Some(item) => {
                encode_value(out, item, at).map_err(|er| er.within(PathStep::Attr(name.clone())))?
            }
            None => out.push(0xc0),
        }
    }
    Ok(())
}

fn write_number(out: &mut Vec<u8>, n: &Number) -> Result<(), EncodeError> {
    match n.wire() {
        Wire::Int(i) => wr(rmp::encode::write_sint(out, i)),
        Wire::Float(f) if f.is_nan() => Err(EncodeError::new("NaN is not a valid cty number")),
        Wire::Float(f) => wr(rmp::encode::write_f64(out, f)),
        Wire::Decimal => wr(rmp::encode::write_str(out, &n.to_string())),
    }
}

fn write_unknown(out: &mut Vec<u8>, r: &Refinements, t: &Type) -> Result<(), EncodeError> {
    let mut body = Vec::new();
    let mut count: u32 = 0;
    if *t != Type::Dynamic {
        if r.not_null {
            count += 1;
            wr(rmp::encode::write_sint(&mut body, REF_NULLNESS))?;
            wr(rmp::encode::write_bool(&mut body, false))?;
        }
        match t {
            Type::String => {
                if let Some(p) = r.string_prefix.as_deref().filter(|p| !p.is_empty()) {
                    count += 1;
                    wr(rmp::encode::write_sint(&mut body, REF_STRING_PREFIX))?;
                    wr(rmp::encode::write_str(
                        &mut body,
                        truncate_utf8(p, MAX_PREFIX_LEN),
                    ))?;
                }
            }
            Type::Number => {
                for (key, bound) in [
                    (REF_NUMBER_MIN, &r.number_lower),
                    (REF_NUMBER_MAX, &r.number_upper),
                ] {
                    if let Some((n, inclusive)) = bound {
                        count += 1;
                        wr(rmp::encode::write_sint(&mut body, key))?;
                        wr(rmp::encode::write_array_len(&mut body, 2))?;
                        write_number(&mut body, n)?;
                        wr(rmp::encode::write_bool(&mut body, *inclusive))?;
                    }
                }
            }
            Type::List(_) | Type::Set(_) | Type::Map(_) => {
                for (key, bound) in [
                    (REF_LENGTH_MIN, r.length_lower),
                    (REF_LENGTH_MAX, r.length_upper),
                ] {
                    if let Some(n) = bound {
                        count += 1;
                        wr(rmp::encode::write_sint(&mut body, key))?;
                        wr(rmp::encode::write_uint(&mut body, n))?;
                    }
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        out.extend_from_slice(&UNKNOWN_BYTES);
        return Ok(());
    }
    let mut header = Vec::new();
    wr(rmp::encode::write_map_len(&mut header, count))?;
    let len = len_u32(header.len() + body.len())?;
    wr(rmp::encode::write_ext_meta(out, len, REFINED_UNKNOWN_EXT))?;
    out.extend_from_slice(&header);
    out.extend_from_slice(&body);
    Ok(())
}
