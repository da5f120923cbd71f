//! Reading MessagePack items as cty values of a given type.

use std::collections::BTreeMap;

use crate::error::DecodeError;
use crate::number::Number;
use crate::path::PathStep;
use crate::types::{ObjectType, Type};
use crate::value::{Refinements, Value, canonicalize_set};

use super::read::{Head, Reader, expected, utf8};
use super::{
    MAX_DEPTH, MAX_DYNAMIC_DEPTH, MAX_PREFIX_LEN, MAX_REFINEMENT_LEN, REF_LENGTH_MAX,
    REF_LENGTH_MIN, REF_NULLNESS, REF_NUMBER_MAX, REF_NUMBER_MIN, REF_STRING_PREFIX,
    REFINED_UNKNOWN_EXT, truncate_utf8,
};

/// How deeply the value being decoded is nested, in all and in dynamic values.
#[derive(Clone, Copy, Default)]
pub(super) struct Depth {
    total: usize,
    dynamic: usize,
}

impl Depth {
    fn deeper(self) -> Result<Depth, DecodeError> {
        if self.total >= MAX_DEPTH {
            return Err(DecodeError::new("value is nested too deeply"));
        }
        Ok(Depth {
            total: self.total + 1,
            dynamic: self.dynamic,
        })
    }

    fn deeper_dynamic(self) -> Result<Depth, DecodeError> {
        if self.dynamic >= MAX_DYNAMIC_DEPTH {
            return Err(DecodeError::new("dynamic values are nested too deeply"));
        }
        let d = self.deeper()?;
        Ok(Depth {
            total: d.total,
            dynamic: self.dynamic + 1,
        })
    }
}

#[inline(never)]
fn mismatch(t: &Type, got: &Head<'_>) -> DecodeError {
    match t {
        Type::Dynamic => DecodeError::new("internal error: unexpected dynamic type"),
        t => expected(&t.to_string(), got),
    }
}

/// Initial capacity for `n` declared items: never more than the remaining input could
/// hold (each item takes at least one byte), and modest regardless.
fn capacity(n: u32, remaining: usize) -> usize {
    (n as usize).min(remaining).min(256)
}

fn number_from_head(h: Head<'_>) -> Result<Number, DecodeError> {
    match h {
        Head::Int(i) => Ok(Number::from_i64(i)),
        Head::Uint(u) => Ok(Number::from_u64(u)),
        Head::F32(f) if !f.is_nan() => Ok(Number::from_f64(f64::from(f))),
        Head::F64(f) if !f.is_nan() => Ok(Number::from_f64(f)),
        Head::F32(_) | Head::F64(_) => Err(DecodeError::new("NaN is not a valid cty number")),
        Head::Str(b) => {
            let s = std::str::from_utf8(b)
                .map_err(|_| DecodeError::new("number string is not valid UTF-8"))?;
            s.parse::<Number>()
                .map_err(|e| DecodeError::new(format!("a number is required: {e}")))
        }
        h => Err(expected("number", &h)),
    }
}

impl<'a> Reader<'a> {
    pub(super) fn value(&mut self, t: &Type, depth: Depth) -> Result<Value, DecodeError> {
        let head = self.head()?;
        if let Head::Ext { code, len } = head {
            return self.unknown(code, len, t);
        }
        if *t == Type::Dynamic {
            return self.dynamic(head, depth);
        }
        if let Head::Nil = head {
            return Ok(Value::Null);
        }
        // Each shape has its own function so that the recursion's stack frames stay small.
        match (t, head) {
            (Type::Bool, Head::Bool(b)) => Ok(Value::Bool(b)),
            (Type::Number, head) => number_from_head(head).map(Value::Number),
            (Type::String, Head::Str(b) | Head::Bin(b)) => utf8(b, "string").map(Value::String),
            (Type::List(e), Head::Array(n)) => {
                self.elements(n, e, depth.deeper()?).map(Value::List)
            }
            (Type::Set(e), Head::Array(n)) => self.set(n, e, depth.deeper()?),
            (Type::Tuple(ts), Head::Array(n)) => self.tuple(n, ts, depth.deeper()?),
            (Type::Map(e), Head::Map(n)) => self.map(n, e, depth.deeper()?),
            (Type::Object(o), Head::Map(n)) => self.object(n, o, depth.deeper()?),
            (t, head) => Err(mismatch(t, &head)),
        }
    }

    fn set(&mut self, n: u32, e: &Type, depth: Depth) -> Result<Value, DecodeError> {
        let mut items = self.elements(n, e, depth)?;
        canonicalize_set(&mut items);
        Ok(Value::Set(items))
    }

    fn tuple(&mut self, n: u32, ts: &[Type], depth: Depth) -> Result<Value, DecodeError> {
        if n as usize != ts.len() {
            return Err(DecodeError::new(format!(
                "a tuple of {} elements is required ({n} given)",
                ts.len()
            )));
        }
        let mut items = Vec::with_capacity(capacity(n, self.remaining()));
        for (i, et) in ts.iter().enumerate() {
            let v = self
                .value(et, depth)
                .map_err(|e| e.within(PathStep::Index(i as i64)))?;
            items.push(v);
        }
        Ok(Value::Tuple(items))
    }

    fn map(&mut self, n: u32, e: &Type, depth: Depth) -> Result<Value, DecodeError> {
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.key()?;
            if m.contains_key(&k) {
                return Err(DecodeError::new("duplicate map key").within(PathStep::Key(k)));
            }
            let v = self
                .value(e, depth)
                .map_err(|er| er.within(PathStep::Key(k.clone())))?;
            m.insert(k, v);
        }
        Ok(Value::Map(m))
    }

    fn object(&mut self, n: u32, o: &ObjectType, depth: Depth) -> Result<Value, DecodeError> {
        if n as usize != o.attrs.len() {
            return Err(DecodeError::new(format!(
                "an object with {} attributes is required ({n} given)",
                o.attrs.len()
            )));
        }
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.key()?;
            let Some(at) = o.attrs.get(&k) else {
                return Err(DecodeError::new("unsupported attribute").within(PathStep::Attr(k)));
            };
            if m.contains_key(&k) {
                return Err(DecodeError::new("duplicate attribute").within(PathStep::Attr(k)));
            }
            let v = self
                .value(at, depth)
                .map_err(|er| er.within(PathStep::Attr(k.clone())))?;
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }

    fn elements(&mut self, n: u32, e: &Type, depth: Depth) -> Result<Vec<Value>, DecodeError> {
        let mut items = Vec::with_capacity(capacity(n, self.remaining()));
        for i in 0..n {
            let v = self
                .value(e, depth)
                .map_err(|er| er.within(PathStep::Index(i64::from(i))))?;
            items.push(v);
        }
        Ok(items)
    }

    fn key(&mut self) -> Result<String, DecodeError> {
        match self.head()? {
            Head::Str(b) | Head::Bin(b) => utf8(b, "key"),
            h => Err(DecodeError::new(format!("keys must be strings, got {h}"))),
        }
    }

    fn dynamic(&mut self, head: Head<'a>, depth: Depth) -> Result<Value, DecodeError> {
        match head {
            Head::Nil => Ok(Value::Null),
            Head::Array(2) => {
                let depth = depth.deeper_dynamic()?;
                let ty = match self.head()? {
                    Head::Bin(b) | Head::Str(b) => Type::from_json_bytes(b)?,
                    h => {
                        return Err(DecodeError::new(format!(
                            "a dynamic value's type must be JSON bytes, got {h}"
                        )));
                    }
                };
                if ty == Type::Dynamic {
                    // `[dynamic, v]` says nothing more than `v` at a dynamic position.
                    return self.value(&Type::Dynamic, depth);
                }
                let inner = self.value(&ty, depth)?;
                Ok(Value::Dynamic(ty, Box::new(inner)))
            }
            Head::Array(n) => Err(DecodeError::new(format!(
                "a dynamic value array must have exactly two elements ({n} given)"
            ))),
            h => Err(expected("a dynamic value ([type, value] array)", &h)),
        }
    }

    fn unknown(&mut self, code: i8, len: u32, t: &Type) -> Result<Value, DecodeError> {
        let len = len as usize;
        if len <= 1 {
            self.take(len)?;
            return Ok(Value::unknown());
        }
        if code != REFINED_UNKNOWN_EXT {
            return Err(DecodeError::new(format!(
                "unsupported extension type 0x{:02x} with length {len}",
                code as u8
            )));
        }
        if len > MAX_REFINEMENT_LEN {
            return Err(DecodeError::new("oversize unknown value refinement"));
        }
        let body = self.take(len)?;
        parse_refinements(body, t)
            .map(Value::Unknown)
            .map_err(|e| DecodeError {
                path: e.path,
                message: format!("invalid unknown value refinements: {}", e.message),
            })
    }
}

fn parse_refinements(body: &[u8], t: &Type) -> Result<Refinements, DecodeError> {
    let mut r = Reader::new(body);
    let Head::Map(n) = r.head()? else {
        return Err(DecodeError::new("not a map"));
    };
    let mut out = Refinements::default();
    if *t == Type::Dynamic {
        // cty has no refinements for unknowns of unknown type; like go-cty, ignore them.
        return Ok(out);
    }
    for _ in 0..n {
        let key = match r.head()? {
            Head::Int(i) => Some(i),
            Head::Uint(u) => i64::try_from(u).ok(),
            h => return Err(DecodeError::new(format!("keys must be integers, got {h}"))),
        };
        match key {
            Some(REF_NULLNESS) => match r.head()? {
                Head::Bool(is_null) => {
                    // `false` is "definitely not null"; `true` (which go-cty would turn into
                    // a known null) is taken as no refinement.
                    if !is_null {
                        out.not_null = true;
                    }
                }
                h => return Err(expected("bool nullness", &h)),
            },
            Some(REF_STRING_PREFIX) => {
                if *t != Type::String {
                    return Err(DecodeError::new(format!(
                        "string prefix refinement for {t}"
                    )));
                }
                let prefix = match r.head()? {
                    Head::Str(b) => utf8(b, "string prefix")?,
                    h => return Err(expected("string prefix", &h)),
                };
                // Normalised as the encoder writes it, so that re-encoding is stable.
                let prefix = truncate_utf8(&prefix, MAX_PREFIX_LEN);
                out.string_prefix = (!prefix.is_empty()).then(|| prefix.to_owned());
            }
            Some(k @ (REF_NUMBER_MIN | REF_NUMBER_MAX)) => {
                if *t != Type::Number {
                    return Err(DecodeError::new(format!("number bound refinement for {t}")));
                }
                let Head::Array(2) = r.head()? else {
                    return Err(DecodeError::new(
                        "a number bound must be a [number, bool] array",
                    ));
                };
                let n = number_from_head(r.head()?)?;
                let Head::Bool(inclusive) = r.head()? else {
                    return Err(DecodeError::new(
                        "a number bound must be a [number, bool] array",
                    ));
                };
                if k == REF_NUMBER_MIN {
                    out.number_lower = Some((n, inclusive));
                } else {
                    out.number_upper = Some((n, inclusive));
                }
            }
            Some(k @ (REF_LENGTH_MIN | REF_LENGTH_MAX)) => {
                if !t.is_collection() {
                    return Err(DecodeError::new(format!("length bound refinement for {t}")));
                }
                let n = match r.head()? {
                    Head::Int(i) => u64::try_from(i)
                        .map_err(|_| DecodeError::new("a length bound must not be negative"))?,
                    Head::Uint(u) => u,
                    h => return Err(expected("integer length bound", &h)),
                };
                if k == REF_LENGTH_MIN {
                    out.length_lower = Some(n);
                } else {
                    out.length_upper = Some(n);
                }
            }
            _ => r.skip()?,
        }
    }
    // Trailing bytes after the map are ignored, as go-cty does (reserved for extensions).
    Ok(out)
}
