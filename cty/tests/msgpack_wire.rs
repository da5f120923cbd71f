//! Hand-written byte vectors for the msgpack wire rules.

use std::time::{Duration, Instant};

use ecsprod_cty::{Number, Refinements, Type, Value, msgpack};

fn dec(bytes: &[u8], t: &Type) -> Value {
    match msgpack::decode(bytes, t) {
        Ok(v) => v,
        Err(e) => panic!("decode {bytes:02x?}: {e}"),
    }
}

fn enc(v: &Value, t: &Type) -> Vec<u8> {
    match msgpack::encode(v, t) {
        Ok(b) => b,
        Err(e) => panic!("encode {v:?}: {e}"),
    }
}

fn dec_err(bytes: &[u8], t: &Type) -> String {
    match msgpack::decode(bytes, t) {
        Ok(v) => panic!("decode {bytes:02x?} should fail, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

/// Both directions: `v` encodes to exactly `bytes`, and `bytes` decodes to `v`.
fn both_ways(v: &Value, t: &Type, bytes: &[u8]) {
    assert_eq!(enc(v, t), bytes, "encoding {v:?}");
    assert_eq!(&dec(bytes, t), v, "decoding {bytes:02x?}");
}

fn num(s: &str) -> Number {
    match s.parse() {
        Ok(n) => n,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn object_with_null_attribute() {
    let t = Type::object([("a", Type::String), ("b", Type::String)]);
    let v = Value::object([("a", Value::string("x")), ("b", Value::Null)]);
    both_ways(&v, &t, &[0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
    // A missing attribute in the Value is written as nil.
    let partial = Value::object([("a", Value::string("x"))]);
    assert_eq!(enc(&partial, &t), enc(&v, &t));
    // Keys may arrive in any order.
    assert_eq!(
        dec(&[0x82, 0xa1, b'b', 0xc0, 0xa1, b'a', 0xa1, b'x'], &t),
        v
    );
}

#[test]
fn null_at_any_type() {
    for t in [
        Type::String,
        Type::Number,
        Type::list(Type::Bool),
        Type::object([("a", Type::Bool)]),
        Type::Dynamic,
        Type::Tuple(vec![Type::String]),
    ] {
        both_ways(&Value::Null, &t, &[0xc0]);
    }
}

#[test]
fn primitives() {
    both_ways(&Value::string("héllo"), &Type::String, b"\xa6h\xc3\xa9llo");
    both_ways(&Value::bool(true), &Type::Bool, &[0xc3]);
    both_ways(&Value::bool(false), &Type::Bool, &[0xc2]);
    // bin is accepted for strings
    assert_eq!(dec(&[0xc4, 1, b'z'], &Type::String), Value::string("z"));
    assert!(dec_err(&[0xa1, 0xff], &Type::String).contains("UTF-8"));
    assert_eq!(dec_err(&[0xc3], &Type::String), "expected string, got bool");
}

#[test]
fn unknown_unrefined() {
    let t = Type::String;
    both_ways(&Value::unknown(), &t, &[0xd4, 0x00, 0x00]);
    // Any ext with 0 or 1 payload bytes, any type code, is a plain unknown.
    assert_eq!(dec(&[0xd4, 0x05, 0xff], &t), Value::unknown());
    assert_eq!(dec(&[0xc7, 0x00, 0x03], &t), Value::unknown());
    assert_eq!(dec(&[0xc7, 0x01, 0x0c, 0x00], &t), Value::unknown());
    // Empty refinements (and an empty prefix) use the compact form.
    let empty_prefix = Value::Unknown(Refinements {
        string_prefix: Some(String::new()),
        ..Refinements::default()
    });
    assert_eq!(enc(&empty_prefix, &t), [0xd4, 0x00, 0x00]);
}

#[test]
fn refined_unknown_string() {
    let v = Value::Unknown(Refinements {
        not_null: true,
        string_prefix: Some("ab".into()),
        ..Refinements::default()
    });
    // ext8, 7 bytes, type 12: {1: false, 2: "ab"}
    let bytes = [0xc7, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'];
    both_ways(&v, &Type::String, &bytes);
    // not-null alone: a 3-byte payload, so ext8 (there is no fixext3)
    both_ways(
        &Value::Unknown(Refinements::not_null()),
        &Type::Bool,
        &[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2],
    );
}

#[test]
fn refined_unknown_number_and_lengths() {
    let v = Value::Unknown(Refinements {
        not_null: true,
        number_lower: Some((Number::from_i64(0), true)),
        number_upper: Some((Number::from_f64(10.5), false)),
        ..Refinements::default()
    });
    let mut payload = vec![0x83, 0x01, 0xc2, 0x03, 0x92, 0x00, 0xc3, 0x04, 0x92, 0xcb];
    payload.extend_from_slice(&10.5f64.to_be_bytes());
    payload.push(0xc2);
    let mut bytes = vec![0xc7, payload.len() as u8, 0x0c];
    bytes.extend_from_slice(&payload);
    both_ways(&v, &Type::Number, &bytes);

    let v = Value::Unknown(Refinements {
        length_lower: Some(1),
        length_upper: Some(300),
        ..Refinements::default()
    });
    both_ways(
        &v,
        &Type::list(Type::String),
        &[0xc7, 0x07, 0x0c, 0x82, 0x05, 0x01, 0x06, 0xcd, 0x01, 0x2c],
    );
    // a decimal-string bound
    let v = dec(
        &[
            0xc7, 0x08, 0x0c, 0x81, 0x03, 0x92, 0xa3, b'0', b'.', b'1', 0xc3,
        ],
        &Type::Number,
    );
    assert_eq!(
        v,
        Value::Unknown(Refinements {
            number_lower: Some((num("0.1"), true)),
            ..Refinements::default()
        })
    );
}

#[test]
fn refinement_decoding_rules() {
    // nullness true: no refinement
    assert_eq!(
        dec(&[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3], &Type::String),
        Value::unknown()
    );
    // unknown keys are skipped, including nested values
    assert_eq!(
        dec(
            &[
                0xc7, 0x09, 0x0c, 0x82, 0x07, 0x92, 0x81, 0x01, 0x02, 0x01, 0x01, 0xc2
            ],
            &Type::String
        ),
        Value::Unknown(Refinements::not_null())
    );
    // trailing payload bytes after the map are ignored
    assert_eq!(
        dec(&[0xc7, 0x04, 0x0c, 0x81, 0x01, 0xc2, 0x00], &Type::String),
        Value::Unknown(Refinements::not_null())
    );
    // a refinement that does not fit the type
    let prefix = [0xc7, 0x04, 0x0c, 0x81, 0x02, 0xa1, b'a'];
    assert!(dec_err(&prefix, &Type::Number).contains("string prefix refinement for number"));
    let length = [0xc7, 0x03, 0x0c, 0x81, 0x05, 0x01];
    assert!(dec_err(&length, &Type::String).contains("length bound"));
    assert!(dec_err(&length, &Type::Tuple(vec![])).contains("length bound"));
    let bound = [0xc7, 0x05, 0x0c, 0x81, 0x03, 0x92, 0x01, 0xc3];
    assert!(dec_err(&bound, &Type::String).contains("number bound"));
    // at a dynamic position, refinements are ignored
    assert_eq!(dec(&prefix, &Type::Dynamic), Value::unknown());
    // payload must be a map
    assert!(dec_err(&[0xc7, 0x02, 0x0c, 0x91, 0x01], &Type::String).contains("not a map"));
}

#[test]
fn oversize_and_unsupported_extensions() {
    // ext16 declaring 1025 bytes of type 12: rejected before reading the payload.
    let e = dec_err(&[0xc8, 0x04, 0x01, 0x0c], &Type::String);
    assert_eq!(e, "oversize unknown value refinement");
    let mut big = vec![0xc8, 0x04, 0x01, 0x0c];
    big.extend(std::iter::repeat_n(0u8, 1025));
    assert_eq!(
        dec_err(&big, &Type::String),
        "oversize unknown value refinement"
    );
    // non-zero length with another type code
    let e = dec_err(&[0xd5, 0x05, 0x00, 0x00], &Type::String);
    assert!(e.starts_with("unsupported extension type 0x05"), "{e}");
}

#[test]
fn numbers() {
    let t = Type::Number;
    both_ways(&Value::number(1), &t, &[0x01]);
    both_ways(&Value::number(-1), &t, &[0xff]);
    both_ways(&Value::number(200), &t, &[0xcc, 0xc8]);
    both_ways(&Value::number(-200), &t, &[0xd1, 0xff, 0x38]);
    both_ways(
        &Value::number(i64::MIN),
        &t,
        &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
    );
    let mut half = vec![0xcb];
    half.extend_from_slice(&0.5f64.to_be_bytes());
    both_ways(&Value::number(0.5), &t, &half);
    let mut inf = vec![0xcb];
    inf.extend_from_slice(&f64::INFINITY.to_be_bytes());
    both_ways(&Value::Number(Number::infinity()), &t, &inf);
    // not exactly an f64: a decimal string
    both_ways(&Value::Number(num("0.1")), &t, b"\xa30.1");
    let big = "123456789012345678901234567890";
    let mut bytes = vec![0xa0 + big.len() as u8];
    bytes.extend_from_slice(big.as_bytes());
    both_ways(&Value::Number(num(big)), &t, &bytes);
    let precise = "0.1000000000000000000001";
    let mut bytes = vec![0xa0 + precise.len() as u8];
    bytes.extend_from_slice(precise.as_bytes());
    both_ways(&Value::Number(num(precise)), &t, &bytes);
    // integral floats decode as integers and re-encode as ints
    let mut three = vec![0xcb];
    three.extend_from_slice(&3.0f64.to_be_bytes());
    assert_eq!(dec(&three, &t), Value::number(3));
    // uint64 max becomes an exact big number
    let v = dec(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], &t);
    assert_eq!(v, Value::Number(num("18446744073709551615")));
    assert_eq!(
        v.as_number().map(|n| n.to_string()).as_deref(),
        Some("18446744073709551615")
    );
    assert_eq!(enc(&v, &t), b"\xb418446744073709551615");
    // every integer width
    assert_eq!(dec(&[0xd0, 0x80], &t), Value::number(-128));
    assert_eq!(dec(&[0xd2, 0xff, 0xff, 0xff, 0xfe], &t), Value::number(-2));
    assert_eq!(dec(&[0xcd, 0x01, 0x00], &t), Value::number(256));
    assert_eq!(dec(&[0xce, 0, 1, 0, 0], &t), Value::number(65536));
    assert_eq!(dec(&[0xe0], &t), Value::number(-32));
    // float32
    assert_eq!(dec(&[0xca, 0x3f, 0xc0, 0x00, 0x00], &t), Value::number(1.5));
    assert_eq!(dec(&[0xca, 0x40, 0x40, 0x00, 0x00], &t), Value::number(3));
    // decimal strings, including exponent form
    assert_eq!(dec(b"\xa31e3", &t), Value::number(1000));
    assert!(dec_err(b"\xa3abc", &t).contains("a number is required"));
    // NaN is not a number
    let mut nan = vec![0xcb];
    nan.extend_from_slice(&f64::NAN.to_be_bytes());
    assert!(dec_err(&nan, &t).contains("NaN"));
    assert!(msgpack::encode(&Value::number(f64::NAN), &t).is_err());
}

#[test]
fn collections() {
    let t = Type::list(Type::String);
    both_ways(
        &Value::list(vec![Value::string("a"), Value::unknown(), Value::Null]),
        &t,
        &[0x93, 0xa1, b'a', 0xd4, 0, 0, 0xc0],
    );
    // sets: order-independent, duplicates removed
    let t = Type::set(Type::String);
    assert_eq!(
        dec(&[0x93, 0xa1, b'b', 0xa1, b'a', 0xa1, b'b'], &t),
        Value::set(vec![Value::string("a"), Value::string("b")])
    );
    assert_eq!(
        enc(
            &Value::set(vec![Value::string("b"), Value::string("a")]),
            &t
        ),
        [0x92, 0xa1, b'a', 0xa1, b'b']
    );
    // maps: keys sorted on encode, duplicates rejected on decode
    let t = Type::map(Type::Number);
    both_ways(
        &Value::map([("z", Value::number(1)), ("a", Value::number(2))]),
        &t,
        &[0x82, 0xa1, b'a', 0x02, 0xa1, b'z', 0x01],
    );
    assert!(dec_err(&[0x82, 0xa1, b'a', 0x02, 0xa1, b'a', 0x01], &t).contains("duplicate"));
    assert!(dec_err(&[0x81, 0x01, 0x01], &t).contains("keys must be strings"));
    // tuples: arity must match
    let t = Type::Tuple(vec![Type::String, Type::Bool]);
    both_ways(
        &Value::tuple(vec![Value::string("a"), Value::bool(true)]),
        &t,
        &[0x92, 0xa1, b'a', 0xc3],
    );
    assert_eq!(
        dec_err(&[0x91, 0xa1, b'a'], &t),
        "a tuple of 2 elements is required (1 given)"
    );
    assert!(dec_err(&[0x90], &t).contains("a tuple of 2 elements"));
}

#[test]
fn object_errors() {
    let t = Type::object([("a", Type::String), ("b", Type::String)]);
    assert_eq!(
        dec_err(&[0x81, 0xa1, b'a', 0xa1, b'x'], &t),
        "an object with 2 attributes is required (1 given)"
    );
    assert_eq!(
        dec_err(&[0x80], &t),
        "an object with 2 attributes is required (0 given)"
    );
    assert_eq!(
        dec_err(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'z', 0xc0], &t),
        "at .z: unsupported attribute"
    );
    assert_eq!(
        dec_err(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0], &t),
        "at .a: duplicate attribute"
    );
    let nested = Type::object([("o", Type::object([("l", Type::list(Type::String))]))]);
    assert_eq!(
        dec_err(
            &[0x81, 0xa1, b'o', 0x81, 0xa1, b'l', 0x92, 0xa1, b'x', 0xc3],
            &nested
        ),
        "at .o.l[1]: expected string, got bool"
    );
    // encoding an attribute the type does not have
    let bad = Value::object([("zz", Value::Null)]);
    assert!(msgpack::encode(&bad, &t).is_err());
}

#[test]
fn dynamic_values() {
    let t = Type::Dynamic;
    let v = Value::dynamic(Type::String, Value::string("x"));
    let mut bytes = vec![0x92, 0xc4, 0x08];
    bytes.extend_from_slice(b"\"string\"");
    bytes.extend_from_slice(&[0xa1, b'x']);
    both_ways(&v, &t, &bytes);
    // the type as str is accepted too
    let mut str_bytes = vec![0x92, 0xa8];
    str_bytes.extend_from_slice(b"\"string\"");
    str_bytes.extend_from_slice(&[0xa1, b'x']);
    assert_eq!(dec(&str_bytes, &t), v);
    // a complex type
    let lt = Type::list(Type::Number);
    let v = Value::dynamic(lt.clone(), Value::list(vec![Value::number(1)]));
    let tj = lt.to_json_bytes();
    let mut bytes = vec![0x92, 0xc4, tj.len() as u8];
    bytes.extend_from_slice(&tj);
    bytes.extend_from_slice(&[0x91, 0x01]);
    both_ways(&v, &t, &bytes);
    // null is plain nil; unknown is the bare extension, never refined
    both_ways(&Value::Null, &t, &[0xc0]);
    both_ways(&Value::unknown(), &t, &[0xd4, 0, 0]);
    assert_eq!(
        enc(&Value::Unknown(Refinements::not_null()), &t),
        [0xd4, 0, 0]
    );
    // typed null and typed unknown survive
    let mut typed_null = vec![0x92, 0xc4, 0x08];
    typed_null.extend_from_slice(b"\"string\"");
    typed_null.push(0xc0);
    both_ways(&Value::dynamic(Type::String, Value::Null), &t, &typed_null);
    // a known value must be wrapped
    assert!(msgpack::encode(&Value::string("x"), &t).is_err());
    assert!(msgpack::encode(&Value::dynamic(Type::Dynamic, Value::Null), &t).is_err());
    // bad shapes
    assert!(dec_err(&[0x91, 0xc0], &t).contains("exactly two elements"));
    assert!(dec_err(&[0xa1, b'x'], &t).contains("expected a dynamic value"));
    assert!(dec_err(&[0x92, 0xc4, 0x02, b'"', b'x', 0xc0], &t).contains("type"));
    // dynamic inside an object
    let ot = Type::object([("d", Type::Dynamic), ("s", Type::String)]);
    let v = Value::object([
        ("d", Value::dynamic(Type::Bool, Value::bool(true))),
        ("s", Value::string("y")),
    ]);
    assert_eq!(dec(&enc(&v, &ot), &ot), v);
}

#[test]
fn dynamic_nesting_is_bounded() {
    // [ "dynamic", [ "dynamic", ... ] ] 100 deep
    let mut bytes = Vec::new();
    for _ in 0..100 {
        bytes.extend_from_slice(&[0x92, 0xc4, 0x09]);
        bytes.extend_from_slice(b"\"dynamic\"");
    }
    bytes.push(0xc0);
    assert!(dec_err(&bytes, &Type::Dynamic).contains("nested too deeply"));
    // 10 deep is fine and collapses
    let mut bytes = Vec::new();
    for _ in 0..10 {
        bytes.extend_from_slice(&[0x92, 0xc4, 0x09]);
        bytes.extend_from_slice(b"\"dynamic\"");
    }
    bytes.extend_from_slice(&[0xd4, 0, 0]);
    assert_eq!(dec(&bytes, &Type::Dynamic), Value::unknown());
    // list(dynamic) nested through values
    let mut bytes = Vec::new();
    let tj = br#"["list","dynamic"]"#;
    for _ in 0..100 {
        bytes.extend_from_slice(&[0x92, 0xc4, tj.len() as u8]);
        bytes.extend_from_slice(tj);
        bytes.push(0x91);
    }
    bytes.push(0xc0);
    assert!(dec_err(&bytes, &Type::Dynamic).contains("nested too deeply"));
}

#[test]
fn deep_types_are_bounded() {
    let mut t = Type::String;
    for _ in 0..400 {
        t = Type::list(t);
    }
    let mut bytes = vec![0x91; 400];
    bytes.push(0xa0);
    assert!(dec_err(&bytes, &t).contains("nested too deeply"));
}

#[test]
fn trailing_bytes_and_truncation() {
    assert!(dec_err(&[0xa1, b'x', 0x00], &Type::String).contains("trailing"));
    assert!(dec_err(&[], &Type::String).contains("end of"));
    assert!(dec_err(&[0xa3, b'x'], &Type::String).contains("end of"));
    assert!(dec_err(&[0x92, 0xa1, b'x'], &Type::list(Type::String)).contains("end of"));
    assert!(dec_err(&[0xc1], &Type::String).contains("reserved"));
}

#[test]
fn huge_declared_lengths_fail_fast() {
    let start = Instant::now();
    let cases: Vec<(Vec<u8>, Type)> = vec![
        (
            vec![0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0],
            Type::list(Type::String),
        ),
        (
            vec![0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0],
            Type::set(Type::String),
        ),
        (
            vec![0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'a', 0xc0],
            Type::map(Type::String),
        ),
        (
            vec![0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'a', 0xc0],
            Type::object([("a", Type::String)]),
        ),
        (vec![0xdb, 0xff, 0xff, 0xff, 0xff, b'a'], Type::String),
        (vec![0xc6, 0xff, 0xff, 0xff, 0xff, b'a'], Type::String),
        (vec![0xc9, 0xff, 0xff, 0xff, 0xff, 0x0c, 0x80], Type::String),
        (vec![0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 0x80], Type::String),
        // nested huge arrays
        (
            vec![
                0xdd, 0xff, 0xff, 0xff, 0xff, 0xdd, 0xff, 0xff, 0xff, 0xff, 0xdd,
            ],
            Type::list(Type::list(Type::list(Type::String))),
        ),
        // huge map inside a refinement payload (unknown key skipped)
        (
            vec![
                0xc7, 0x08, 0x0c, 0x81, 0x07, 0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0,
            ],
            Type::String,
        ),
    ];
    for (bytes, t) in cases {
        assert!(msgpack::decode(&bytes, &t).is_err(), "{bytes:02x?}");
    }
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn resource_shaped_object() {
    let t = Type::object([
        ("id", Type::String),
        ("desired_count", Type::Number),
        ("enabled", Type::Bool),
        ("subnets", Type::list(Type::String)),
        ("tags", Type::map(Type::String)),
        (
            "autoscaling",
            Type::object([
                ("min_capacity", Type::Number),
                ("max_capacity", Type::Number),
            ]),
        ),
        ("extra", Type::Dynamic),
    ]);
    let v = Value::object([
        ("id", Value::Unknown(Refinements::not_null())),
        ("desired_count", Value::number(2)),
        ("enabled", Value::bool(true)),
        (
            "subnets",
            Value::list(vec![Value::string("subnet-1"), Value::string("subnet-2")]),
        ),
        ("tags", Value::map([("Name", Value::string("web"))])),
        (
            "autoscaling",
            Value::object([
                ("min_capacity", Value::number(1)),
                ("max_capacity", Value::Null),
            ]),
        ),
        ("extra", Value::Null),
    ]);
    assert!(v.conforms_to(&t));
    let bytes = enc(&v, &t);
    assert_eq!(dec(&bytes, &t), v);
    let min = dec(&bytes, &t);
    assert_eq!(
        min.get_attr("autoscaling")
            .and_then(|a| a.get_attr("min_capacity"))
            .and_then(Value::as_i64),
        Some(1)
    );
}
