//! Hand-written vectors for the JSON (stored state) encoding.

use ecsprod_cty::{Number, Type, Value, json};

fn dec(text: &str, t: &Type) -> Value {
    match json::decode(text.as_bytes(), t) {
        Ok(v) => v,
        Err(e) => panic!("decode {text}: {e}"),
    }
}

fn enc(v: &Value, t: &Type) -> String {
    match json::encode(v, t) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => panic!("encode {v:?}: {e}"),
    }
}

fn dec_err(text: &str, t: &Type) -> String {
    match json::decode(text.as_bytes(), t) {
        Ok(v) => panic!("decode {text} should fail, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn both_ways(v: &Value, t: &Type, text: &str) {
    assert_eq!(enc(v, t), text);
    assert_eq!(&dec(text, t), v);
}

fn num(s: &str) -> Number {
    match s.parse() {
        Ok(n) => n,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn object_and_primitives() {
    let t = Type::object([
        ("a", Type::String),
        ("b", Type::String),
        ("n", Type::Number),
        ("ok", Type::Bool),
    ]);
    let v = Value::object([
        ("a", Value::string("x\"\n\u{1}é")),
        ("b", Value::Null),
        ("n", Value::number(-3)),
        ("ok", Value::bool(false)),
    ]);
    both_ways(&v, &t, r#"{"a":"x\"\n\u0001é","b":null,"n":-3,"ok":false}"#);
    // whitespace, key order and missing attributes are tolerated
    let partial = dec(
        " { \"ok\" : false , \"n\":-3, \"a\": \"x\\\"\\n\\u0001\\u00e9\" } ",
        &t,
    );
    assert_eq!(partial, v);
    assert_eq!(
        dec("{}", &t),
        Value::default_null_object(match &t {
            Type::Object(o) => o,
            _ => unreachable!(),
        })
    );
    assert_eq!(dec_err(r#"{"zz":1}"#, &t), "at .zz: unsupported attribute");
    assert_eq!(
        dec_err(r#"{"a":"x","a":"y"}"#, &t),
        "at .a: duplicate attribute"
    );
    assert_eq!(
        dec_err(r#"{"ok":[]}"#, &t),
        "at .ok: expected bool, got array"
    );
    assert_eq!(dec("null", &t), Value::Null);
}

#[test]
fn precise_numbers_survive() {
    let t = Type::Number;
    for text in [
        "123456789012345678901234567890",
        "0.1000000000000000000001",
        "0.1",
        "-12.5",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551615",
        "0",
    ] {
        let v = dec(text, &t);
        assert_eq!(v, Value::Number(num(text)));
        assert_eq!(enc(&v, &t), text);
    }
    // exponents are read exactly and written plainly
    assert_eq!(enc(&dec("1.5e3", &t), &t), "1500");
    assert_eq!(enc(&dec("1E-3", &t), &t), "0.001");
    // a float written exactly
    assert_eq!(
        enc(&Value::number(0.1f64), &t),
        "0.1000000000000000055511151231257827021181583404541015625"
    );
    assert!(json::encode(&Value::Number(Number::infinity()), &t).is_err());
    assert!(json::encode(&Value::number(f64::NAN), &t).is_err());
}

#[test]
fn lenient_primitives_like_go_cty() {
    assert_eq!(dec("\"42\"", &Type::Number), Value::number(42));
    assert_eq!(dec("\"true\"", &Type::Bool), Value::bool(true));
    assert_eq!(dec("1.50", &Type::String), Value::string("1.50"));
    assert_eq!(dec("true", &Type::String), Value::string("true"));
    assert!(dec_err("\"abc\"", &Type::Number).contains("a number is required"));
    assert!(dec_err("\"yes\"", &Type::Bool).contains("expected bool"));
}

#[test]
fn collections() {
    let t = Type::list(Type::Number);
    both_ways(
        &Value::list(vec![Value::number(1), Value::Null]),
        &t,
        "[1,null]",
    );
    let t = Type::set(Type::String);
    assert_eq!(
        dec(r#"["b","a","b"]"#, &t),
        Value::set(vec![Value::string("a"), Value::string("b")])
    );
    assert_eq!(enc(&dec(r#"["b","a"]"#, &t), &t), r#"["a","b"]"#);
    let t = Type::map(Type::Bool);
    both_ways(
        &Value::map([("z", Value::bool(true)), ("a", Value::bool(false))]),
        &t,
        r#"{"a":false,"z":true}"#,
    );
    assert!(dec_err(r#"{"a":true,"a":false}"#, &t).contains("duplicate map key"));
    let t = Type::Tuple(vec![Type::String, Type::Number]);
    both_ways(
        &Value::tuple(vec![Value::string("a"), Value::number(1)]),
        &t,
        r#"["a",1]"#,
    );
    assert_eq!(
        dec_err(r#"["a"]"#, &t),
        "a tuple of 2 elements is required (1 given)"
    );
}

#[test]
fn dynamic_values() {
    let t = Type::Dynamic;
    both_ways(
        &Value::dynamic(Type::String, Value::string("x")),
        &t,
        r#"{"value":"x","type":"string"}"#,
    );
    let lt = Type::object([("a", Type::list(Type::Number))]);
    let v = Value::dynamic(
        lt.clone(),
        Value::object([("a", Value::list(vec![Value::number(1)]))]),
    );
    both_ways(
        &v,
        &t,
        r#"{"value":{"a":[1]},"type":["object",{"a":["list","number"]}]}"#,
    );
    // "type" may come first
    assert_eq!(
        dec(r#"{"type":"string","value":"x"}"#, &t),
        Value::dynamic(Type::String, Value::string("x"))
    );
    both_ways(&Value::Null, &t, "null");
    assert!(dec_err(r#"{"value":"x"}"#, &t).contains("no \"type\""));
    assert!(dec_err(r#"{"value":"x","type":"string","x":1}"#, &t).contains("unexpected key"));
    assert!(dec_err(r#""x""#, &t).contains("expected a dynamic value"));
    assert!(json::encode(&Value::string("x"), &t).is_err());
}

#[test]
fn unknowns_cannot_be_encoded() {
    let t = Type::object([("a", Type::list(Type::String))]);
    let v = Value::object([("a", Value::list(vec![Value::unknown()]))]);
    let e = json::encode(&v, &t).map_err(|e| e.to_string());
    assert_eq!(
        e,
        Err("at .a[0]: value is not known (JSON cannot hold unknowns)".to_owned())
    );
}

#[test]
fn malformed_json() {
    let t = Type::list(Type::String);
    for bad in [
        "",
        "[",
        "[\"a\",]",
        "[\"a\"] x",
        "[01]",
        "[1.]",
        "[-]",
        "[\"\\x\"]",
        "[\"\\ud800\"]",
        "[\"\\udc00\"]",
        "[\"a\u{1}\"]",
        "[\"unterminated]",
        "[nul]",
        "{\"a\" 1}",
    ] {
        assert!(json::decode(bad.as_bytes(), &t).is_err(), "{bad:?}");
    }
    assert!(json::decode(b"[\"\xff\"]", &t).is_err());
    // surrogate pairs are fine
    assert_eq!(
        dec(r#"["\ud83d\ude00"]"#, &t),
        Value::list(vec![Value::string("😀")])
    );
    // deep nesting is refused, not a stack overflow
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(dec_err(&deep, &Type::Dynamic).contains("nested too deeply"));
}
