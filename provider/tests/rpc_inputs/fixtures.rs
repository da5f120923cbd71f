//! Valid configurations of both resources, and the hand-made msgpack that the regression cases
//! put into them.

use ecsprod_cty::{Type, Value, msgpack};

use crate::schemas::{CLUSTER, TYPES};

/// An object of type `t` with `attrs` set and every other attribute null.
fn object_of<'a>(t: &Type, attrs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let Type::Object(ot) = t else {
        panic!("not an object type: {t}")
    };
    let mut v = Value::default_null_object(ot);
    for (name, value) in attrs {
        let slot = v
            .get_attr_mut(name)
            .unwrap_or_else(|| panic!("no attribute {name}"));
        *slot = value;
    }
    v
}

/// A list of the strings `items`.
fn strings(items: &[&str]) -> Value {
    Value::list(items.iter().map(|s| Value::string(*s)).collect())
}

/// A valid cluster: every required attribute and a few optional ones.
pub fn cluster_config() -> Value {
    object_of(
        &TYPES.cluster,
        [
            ("name", Value::string("prod")),
            ("vpc_id", Value::string("vpc-0a1b2c3d4e5f60718")),
            (
                "public_subnet_ids",
                strings(&["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]),
            ),
            (
                "private_subnet_ids",
                strings(&["subnet-0a1b2c3d4e5f60003", "subnet-0a1b2c3d4e5f60004"]),
            ),
            (
                "certificate_arn",
                Value::string(
                    "arn:aws:acm:ap-south-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
                ),
            ),
            ("deletion_protection", Value::bool(false)),
            ("tags", Value::map([("Team", Value::string("platform"))])),
        ],
    )
}

/// A valid service of the cluster of [`cluster_config`].
pub fn service_config() -> Value {
    object_of(
        &TYPES.service,
        [
            ("cluster", Value::string("prod")),
            ("name", Value::string("api")),
            ("image", Value::string("public.ecr.aws/nginx/nginx:1.27")),
            ("container_port", Value::number(8080)),
            ("domain_name", Value::string("api.example.com")),
            ("zone_id", Value::string("Z0123456789ABCDEFGHIJ")),
            (
                "secrets",
                Value::map([(
                    "DATABASE_URL",
                    Value::string(
                        "arn:aws:ssm:ap-south-1:123456789012:parameter/prod/api/database-url",
                    ),
                )]),
            ),
        ],
    )
}

/// A valid configuration of `type_name` (a cluster's unless it names the service).
pub fn valid_config(type_name: &str) -> Value {
    if type_name == CLUSTER {
        cluster_config()
    } else {
        service_config()
    }
}

/// The msgpack of `value` (an object of type `t`) with the encoding of attribute `attr`
/// replaced by `raw`.
pub fn with_raw_attr(t: &Type, value: &Value, attr: &str, raw: &[u8]) -> Vec<u8> {
    const MARK: &str = "\u{1}ecsprod-rpc-inputs-placeholder\u{1}";
    let Type::Object(ot) = t else {
        panic!("not an object type: {t}")
    };
    let mut wire = ot.clone();
    wire.attrs.insert(attr.to_owned(), Type::String);
    let mut v = value.clone();
    *v.get_attr_mut(attr)
        .unwrap_or_else(|| panic!("no attribute {attr}")) = Value::string(MARK);
    let bytes = msgpack::encode(&v, &Type::Object(wire)).expect("encodes");
    let mark = msgpack::encode(&Value::string(MARK), &Type::String).expect("encodes");
    let at = bytes
        .windows(mark.len())
        .position(|w| w == mark.as_slice())
        .expect("placeholder in the encoding");
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(raw);
    out.extend_from_slice(&bytes[at + mark.len()..]);
    out
}

/// `n` nested one-element arrays around a nil.
pub fn nested_arrays(n: usize) -> Vec<u8> {
    let mut b = vec![0x91; n];
    b.push(0xc0);
    b
}

/// A refined unknown (extension 12) with `body` as its payload.
pub fn refined(body: &[u8]) -> Vec<u8> {
    let mut b = vec![0xc7, u8::try_from(body.len()).expect("a short payload"), 12];
    b.extend_from_slice(body);
    b
}
