//! The MessagePack encoding of cty values (`DynamicValue.msgpack` in tfplugin6), as
//! implemented by go-cty's `msgpack` package.
//!
//! * null is `nil` at any type; strings, bools are the msgpack kinds of the same name;
//! * numbers are an int when the value is an `i64`, a float64 when it is exactly a
//!   binary64 value (and for ±∞), otherwise a decimal string;
//! * lists, sets and tuples are arrays; maps and objects are maps with string keys
//!   (written sorted; an object always carries exactly its type's attributes);
//! * a known value at a `dynamic` position is `[bin(type JSON), value]`;
//! * an unknown is an extension: `d4 00 00` when unrefined, else extension type 12 whose
//!   payload is a map of refinements (1 nullness, 2 string prefix, 3/4 number bounds,
//!   5/6 collection length bounds).
//!
//! Decoding never panics, allocates no more than the input can back, and bounds nesting
//! ([`MAX_DEPTH`], [`MAX_DYNAMIC_DEPTH`]).

use std::collections::BTreeMap;
use std::fmt;

use rmp::Marker;

use crate::error::{DecodeError, EncodeError};
use crate::number::{Number, Wire};
use crate::path::PathStep;
use crate::types::{ObjectType, Type};
use crate::value::{Refinements, Value, canonicalize_set};

/// The deepest nesting of arrays/maps the decoder accepts.
pub const MAX_DEPTH: usize = 256;
/// The deepest nesting of dynamic values (each carrying its own type) the decoder accepts.
pub const MAX_DYNAMIC_DEPTH: usize = 64;
/// The extension type code of a refined unknown.
pub const REFINED_UNKNOWN_EXT: i8 = 12;
/// The largest refinement payload accepted.
pub const MAX_REFINEMENT_LEN: usize = 1024;
/// String prefix refinements are truncated to this many bytes when encoded.
pub const MAX_PREFIX_LEN: usize = 256;

/// The bytes of an unrefined unknown value.
pub const UNKNOWN_BYTES: [u8; 3] = [0xd4, 0x00, 0x00];

const REF_NULLNESS: i64 = 1;
const REF_STRING_PREFIX: i64 = 2;
const REF_NUMBER_MIN: i64 = 3;
const REF_NUMBER_MAX: i64 = 4;
const REF_LENGTH_MIN: i64 = 5;
const REF_LENGTH_MAX: i64 = 6;

/// Encodes `v` as type `t`.
pub fn encode(v: &Value, t: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_value(&mut out, v, t)?;
    Ok(out)
}

/// Decodes a value of type `t`; the whole input must be one value.
pub fn decode(bytes: &[u8], t: &Type) -> Result<Value, DecodeError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let v = r.value(t, Depth::default())?;
    let trailing = bytes.len().saturating_sub(r.pos);
    if trailing > 0 {
        return Err(DecodeError::new(format!(
            "{trailing} unexpected trailing byte(s) after the value"
        )));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// Encoding

fn wr<T, E>(r: Result<T, E>) -> Result<(), EncodeError> {
    r.map(|_| ())
        .map_err(|_| EncodeError::new("failed to write msgpack"))
}

fn len_u32(n: usize) -> Result<u32, EncodeError> {
    u32::try_from(n).map_err(|_| EncodeError::new("collection too large for msgpack"))
}

fn encode_value(out: &mut Vec<u8>, v: &Value, t: &Type) -> Result<(), EncodeError> {
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
        (Value::Object(m), Type::Object(o)) => encode_object(out, m, o),
        (v, t) => Err(encode_mismatch(v, t)),
    }
}

#[inline(never)]
fn encode_mismatch(v: &Value, t: &Type) -> EncodeError {
    EncodeError::new(format!("expected {t}, got {}", v.kind()))
}

fn encode_dynamic(out: &mut Vec<u8>, v: &Value) -> Result<(), EncodeError> {
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
    if vs.len() != ts.len() {
        return Err(EncodeError::new(format!(
            "a tuple of {} elements is required ({} given)",
            ts.len(),
            vs.len()
        )));
    }
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

fn encode_object(
    out: &mut Vec<u8>,
    m: &BTreeMap<String, Value>,
    o: &ObjectType,
) -> Result<(), EncodeError> {
    if let Some(extra) = m.keys().find(|k| !o.attrs.contains_key(*k)) {
        return Err(EncodeError::new(format!("unsupported attribute {extra:?}")));
    }
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

/// Truncates to at most `max` bytes at a character boundary.
fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.get(..cut).unwrap_or("")
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

// ---------------------------------------------------------------------------------------
// Decoding

#[derive(Clone, Copy, Default)]
struct Depth {
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

/// A msgpack item header; strings and binaries come with their payload.
enum Head<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    F32(f32),
    F64(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(u32),
    Map(u32),
    /// The payload is not consumed yet.
    Ext {
        code: i8,
        len: u32,
    },
    Reserved,
}

impl fmt::Display for Head<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Head::Nil => "nil",
            Head::Bool(_) => "bool",
            Head::Int(_) | Head::Uint(_) => "integer",
            Head::F32(_) | Head::F64(_) => "float",
            Head::Str(_) => "string",
            Head::Bin(_) => "binary",
            Head::Array(_) => "array",
            Head::Map(_) => "map",
            Head::Ext { .. } => "extension",
            Head::Reserved => "reserved byte 0xc1",
        })
    }
}

fn expected(what: &str, got: &Head<'_>) -> DecodeError {
    DecodeError::new(format!("expected {what}, got {got}"))
}

#[inline(never)]
fn mismatch(t: &Type, got: &Head<'_>) -> DecodeError {
    match t {
        Type::Dynamic => DecodeError::new("internal error: unexpected dynamic type"),
        t => expected(&t.to_string(), got),
    }
}

fn utf8(b: &[u8], what: &str) -> Result<String, DecodeError> {
    std::str::from_utf8(b)
        .map(str::to_owned)
        .map_err(|_| DecodeError::new(format!("{what} is not valid UTF-8")))
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

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let eof = || DecodeError::new("unexpected end of msgpack input");
        let end = self.pos.checked_add(n).ok_or_else(eof)?;
        let s = self.buf.get(self.pos..end).ok_or_else(eof)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        <[u8; N]>::try_from(s).map_err(|_| DecodeError::new("unexpected end of msgpack input"))
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn head(&mut self) -> Result<Head<'a>, DecodeError> {
        let b = self.u8()?;
        Ok(match Marker::from_u8(b) {
            Marker::FixPos(n) => Head::Int(i64::from(n)),
            Marker::FixNeg(n) => Head::Int(i64::from(n)),
            Marker::Null => Head::Nil,
            Marker::True => Head::Bool(true),
            Marker::False => Head::Bool(false),
            Marker::U8 => Head::Uint(u64::from(self.u8()?)),
            Marker::U16 => Head::Uint(u64::from(self.u16()?)),
            Marker::U32 => Head::Uint(u64::from(self.u32()?)),
            Marker::U64 => Head::Uint(u64::from_be_bytes(self.array()?)),
            Marker::I8 => Head::Int(i64::from(i8::from_be_bytes(self.array()?))),
            Marker::I16 => Head::Int(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Head::Int(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Head::Int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => Head::F32(f32::from_be_bytes(self.array()?)),
            Marker::F64 => Head::F64(f64::from_be_bytes(self.array()?)),
            Marker::FixStr(n) => Head::Str(self.take(usize::from(n))?),
            Marker::Str8 => {
                let n = self.u8()?;
                Head::Str(self.take(usize::from(n))?)
            }
            Marker::Str16 => {
                let n = self.u16()?;
                Head::Str(self.take(usize::from(n))?)
            }
            Marker::Str32 => {
                let n = self.u32()?;
                Head::Str(self.take(n as usize)?)
            }
            Marker::Bin8 => {
                let n = self.u8()?;
                Head::Bin(self.take(usize::from(n))?)
            }
            Marker::Bin16 => {
                let n = self.u16()?;
                Head::Bin(self.take(usize::from(n))?)
            }
            Marker::Bin32 => {
                let n = self.u32()?;
                Head::Bin(self.take(n as usize)?)
            }
            Marker::FixArray(n) => Head::Array(u32::from(n)),
            Marker::Array16 => Head::Array(u32::from(self.u16()?)),
            Marker::Array32 => Head::Array(self.u32()?),
            Marker::FixMap(n) => Head::Map(u32::from(n)),
            Marker::Map16 => Head::Map(u32::from(self.u16()?)),
            Marker::Map32 => Head::Map(self.u32()?),
            Marker::FixExt1 => self.ext(1)?,
            Marker::FixExt2 => self.ext(2)?,
            Marker::FixExt4 => self.ext(4)?,
            Marker::FixExt8 => self.ext(8)?,
            Marker::FixExt16 => self.ext(16)?,
            Marker::Ext8 => {
                let n = self.u8()?;
                self.ext(u32::from(n))?
            }
            Marker::Ext16 => {
                let n = self.u16()?;
                self.ext(u32::from(n))?
            }
            Marker::Ext32 => {
                let n = self.u32()?;
                self.ext(n)?
            }
            Marker::Reserved => Head::Reserved,
        })
    }

    fn ext(&mut self, len: u32) -> Result<Head<'a>, DecodeError> {
        let code = i8::from_be_bytes(self.array()?);
        Ok(Head::Ext { code, len })
    }

    /// Skips one complete item, iteratively.
    fn skip(&mut self) -> Result<(), DecodeError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            match self.head()? {
                Head::Array(n) => pending += u64::from(n),
                Head::Map(n) => pending += 2 * u64::from(n),
                Head::Ext { len, .. } => {
                    self.take(len as usize)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn value(&mut self, t: &Type, depth: Depth) -> Result<Value, DecodeError> {
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
    let mut r = Reader { buf: body, pos: 0 };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "é".repeat(200); // 400 bytes
        let t = truncate_utf8(&s, MAX_PREFIX_LEN);
        assert_eq!(t.len(), 256);
        let s = format!("a{}", "é".repeat(200));
        assert_eq!(truncate_utf8(&s, MAX_PREFIX_LEN).len(), 255);
    }
}
