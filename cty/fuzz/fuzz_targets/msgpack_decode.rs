//! Decodes arbitrary bytes as msgpack against a type chosen by the first byte; whatever
//! decodes must re-encode and decode to the same value.
#![no_main]

use ecsprod_cty::msgpack;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Some((t, bytes)) = common::split(data) else {
        return;
    };
    if let Ok(v) = msgpack::decode(bytes, &t) {
        let again = match msgpack::encode(&v, &t) {
            Ok(b) => b,
            Err(e) => panic!("decoded value does not re-encode: {e}\n{v:?}"),
        };
        match msgpack::decode(&again, &t) {
            Ok(back) => assert_eq!(back, v, "round trip changed the value"),
            Err(e) => panic!("re-encoded value does not decode: {e}\n{v:?}"),
        }
    }
});
