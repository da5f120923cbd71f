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

mod decode;
mod encode;
mod parse;

use crate::error::{DecodeError, EncodeError};
use crate::types::Type;
use crate::value::Value;

pub(crate) use encode::write_json_string;

/// The deepest nesting of JSON arrays/objects the decoder accepts.
pub const MAX_DEPTH: usize = 256;

/// Encodes `v` as type `t`. Unknown values, NaN and infinities cannot be encoded.
pub fn encode(v: &Value, t: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode::encode_value(&mut out, v, t)?;
    Ok(out)
}

/// Decodes a value of type `t` from JSON text.
pub fn decode(bytes: &[u8], t: &Type) -> Result<Value, DecodeError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| DecodeError::new("JSON input is not valid UTF-8"))?;
    let j = parse::document(text)?;
    decode::to_value(&j, t)
}
