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

mod decode;
mod encode;
mod read;

use crate::error::{DecodeError, EncodeError};
use crate::types::Type;
use crate::value::Value;

use decode::Depth;
use read::Reader;

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

// Refinement keys in the payload map of a refined unknown.
const REF_NULLNESS: i64 = 1;
const REF_STRING_PREFIX: i64 = 2;
const REF_NUMBER_MIN: i64 = 3;
const REF_NUMBER_MAX: i64 = 4;
const REF_LENGTH_MIN: i64 = 5;
const REF_LENGTH_MAX: i64 = 6;

/// Encodes `v` as type `t`.
pub fn encode(v: &Value, t: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode::encode_value(&mut out, v, t)?;
    Ok(out)
}

/// Decodes a value of type `t`; the whole input must be one value.
pub fn decode(bytes: &[u8], t: &Type) -> Result<Value, DecodeError> {
    let mut r = Reader::new(bytes);
    let v = r.value(t, Depth::default())?;
    let trailing = r.remaining();
    if trailing > 0 {
        return Err(DecodeError::new(format!(
            "{trailing} unexpected trailing byte(s) after the value"
        )));
    }
    Ok(v)
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
