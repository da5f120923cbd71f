//! What both wire encodings ([`msgpack`](crate::msgpack) and [`json`](crate::json))
//! require of a value beyond matching its type's kind.

use std::collections::BTreeMap;

use crate::error::EncodeError;
use crate::types::{ObjectType, Type};
use crate::value::Value;

/// The type and value of a known value at a `dynamic` position, which must be a
/// [`Value::Dynamic`] carrying a concrete type.
pub(crate) fn dynamic_parts(v: &Value) -> Result<(&Type, &Value), EncodeError> {
    let Value::Dynamic(inner_t, inner) = v else {
        return Err(EncodeError::new(format!(
            "a known {} at a dynamic-typed position must be a Value::Dynamic carrying its type",
            v.kind()
        )));
    };
    if *inner_t == Type::Dynamic {
        return Err(EncodeError::new(
            "Value::Dynamic must carry a concrete type, not dynamic",
        ));
    }
    Ok((inner_t, inner))
}

/// A tuple value must have exactly as many elements as its type.
pub(crate) fn check_tuple_len(vs: &[Value], ts: &[Type]) -> Result<(), EncodeError> {
    if vs.len() != ts.len() {
        return Err(EncodeError::new(format!(
            "a tuple of {} elements is required ({} given)",
            ts.len(),
            vs.len()
        )));
    }
    Ok(())
}

/// An object value may only have attributes its type declares (those it lacks are
/// encoded as null).
pub(crate) fn check_object_attrs(
    m: &BTreeMap<String, Value>,
    o: &ObjectType,
) -> Result<(), EncodeError> {
    if let Some(extra) = m.keys().find(|k| !o.attrs.contains_key(*k)) {
        return Err(EncodeError::new(format!("unsupported attribute {extra:?}")));
    }
    Ok(())
}
