//! Terraform's cty value model and the two wire encodings the plugin protocol (tfplugin6)
//! uses for it: MessagePack ([`msgpack`], `DynamicValue.msgpack`) and JSON ([`json`],
//! `RawState.json`).
//!
//! Values do not carry their type; they are always encoded and decoded against a [`Type`]
//! (the schema's), except under `dynamic`, where [`Value::Dynamic`] carries it.
//!
//! ```
//! use ecsprod_cty::{msgpack, Type, Value};
//!
//! let t = Type::object([("name", Type::String), ("count", Type::Number)]);
//! let v = Value::object([("name", Value::string("web")), ("count", Value::unknown())]);
//! let bytes = msgpack::encode(&v, &t).unwrap();
//! assert_eq!(msgpack::decode(&bytes, &t).unwrap(), v);
//! ```

mod codec;
mod error;
pub mod json;
pub mod msgpack;
mod number;
mod path;
mod types;
mod value;

pub use error::{DecodeError, EncodeError};
pub use number::{MAX_DECIMAL_LEN, Number, ParseNumberError};
pub use path::{Path, PathStep};
pub use types::{MAX_TYPE_DEPTH, ObjectType, Type};
pub use value::{Refinements, Value};
