//! The JSON encoding of cty values, as used for stored state (`RawState.json` in
//! `UpgradeResourceState`), as implemented by go-cty's `json` package.
//!
//! null is `null`; strings, numbers and bools are the JSON kinds of the same name (numbers
//! keep their exact decimal text); lists, sets and tuples are arrays; maps and objects are
//! JSON objects; a value at a `dynamic` position is `{"value": <value>, "type": <type>}`.
//! JSON cannot hold unknowns.
//!
//! The decoder has its own parser so that numbers keep their exact text. Like go-cty it is
//! lenient about primitive kinds (a number or bool given as a string, a string given as a
//! number or bool), and an object may omit attributes (they decode as null).

use std::collections::BTreeMap;

use crate::error::{DecodeError, EncodeError};
use crate::number::Number;
use crate::path::PathStep;
use crate::types::{ObjectType, Type};
use crate::value::{Value, canonicalize_set};

/// The deepest nesting of JSON arrays/objects the decoder accepts.
pub const MAX_DEPTH: usize = 256;

/// Encodes `v` as type `t`. Unknown values, NaN and infinities cannot be encoded.
pub fn encode(v: &Value, t: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_value(&mut out, v, t)?;
    Ok(out)
}

/// Decodes a value of type `t` from JSON text.
pub fn decode(bytes: &[u8], t: &Type) -> Result<Value, DecodeError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| DecodeError::new("JSON input is not valid UTF-8"))?;
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
    };
    p.ws();
    let j = p.value(0)?;
    p.ws();
    if p.pos < p.b.len() {
        return Err(p.err("unexpected trailing characters after the JSON value"));
    }
    to_value(&j, t)
}

// ---------------------------------------------------------------------------------------
// Encoding

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

fn encode_value(out: &mut Vec<u8>, v: &Value, t: &Type) -> Result<(), EncodeError> {
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
            if vs.len() != ts.len() {
                return Err(EncodeError::new(format!(
                    "a tuple of {} elements is required ({} given)",
                    ts.len(),
                    vs.len()
                )));
            }
            encode_elements(out, vs.iter().zip(ts))
        }
        (Value::Map(m), Type::Map(e)) => encode_map(out, m, e),
        (Value::Object(m), Type::Object(o)) => encode_object(out, m, o),
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

fn encode_object(
    out: &mut Vec<u8>,
    m: &BTreeMap<String, Value>,
    o: &ObjectType,
) -> Result<(), EncodeError> {
    if let Some(extra) = m.keys().find(|k| !o.attrs.contains_key(*k)) {
        return Err(EncodeError::new(format!("unsupported attribute {extra:?}")));
    }
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

// ---------------------------------------------------------------------------------------
// Parsing

/// A parsed JSON document; numbers keep their text.
enum Json<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(String),
    Array(Vec<Json<'a>>),
    Object(Vec<(String, Json<'a>)>),
}

impl Json<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// For type JSON inside dynamic values (numbers never occur in a valid type).
    fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Json::Null | Json::Number(_) => J::Null,
            Json::Bool(b) => J::Bool(*b),
            Json::String(s) => J::String(s.clone()),
            Json::Array(items) => J::Array(items.iter().map(Json::to_serde).collect()),
            Json::Object(members) => J::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_serde()))
                    .collect(),
            ),
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, msg: &str) -> DecodeError {
        DecodeError::new(format!("invalid JSON at byte {}: {msg}", self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), DecodeError> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.err("unexpected characters"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json<'a>, DecodeError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'n') => self.literal("null").map(|()| Json::Null),
            Some(b't') => self.literal("true").map(|()| Json::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Number),
            Some(b'[') => self.array(depth),
            Some(b'{') => self.object(depth),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json<'a>, DecodeError> {
        if depth >= MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json<'a>, DecodeError> {
        if depth >= MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let k = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.pos += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            members.push((k, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<&'a str, DecodeError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("malformed number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("malformed number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("malformed number"));
            }
        }
        self.s
            .get(start..self.pos)
            .ok_or_else(|| self.err("malformed number"))
    }

    fn hex4(&mut self) -> Result<u32, DecodeError> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("malformed \\u escape"));
        }
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("malformed \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err("unterminated string"));
            };
            match b {
                b'"' | b'\\' => {
                    // Only ASCII positions are split on, so these are char boundaries.
                    out.push_str(self.s.get(run..self.pos).unwrap_or_default());
                    self.pos += 1;
                    if b == b'"' {
                        return Ok(out);
                    }
                    let Some(e) = self.peek() else {
                        return Err(self.err("unterminated escape"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) {
                                if self.b.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            let c = char::from_u32(code)
                                .ok_or_else(|| self.err("unpaired surrogate in \\u escape"))?;
                            out.push(c);
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                    run = self.pos;
                }
                0..=0x1f => return Err(self.err("control character in string")),
                _ => self.pos += 1,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Typed conversion

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

fn to_value(j: &Json<'_>, t: &Type) -> Result<Value, DecodeError> {
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
