//! Values for the positions of a schema: plausible strings and near misses, extreme numbers,
//! refined unknowns, values of the wrong type, objects missing, gaining or renaming attributes;
//! type names, schema versions and offline provider blocks.

use std::collections::BTreeMap;

use ecsprod_cty::{Number, ObjectType, Refinements, Type, Value, json, msgpack};
use proptest::prelude::*;

use crate::harness::CLOSED_ENDPOINT;
use crate::schemas::{CLUSTER, SERVICE};

/// Strings some validator accepts, and near misses, so that random values get past the format
/// checks and reach what lies behind them.
const PLAUSIBLE: &[&str] = &[
    "prod",
    "api",
    "web-1",
    "vpc-0a1b2c3d4e5f60718",
    "subnet-0a1b2c3d4e5f60001",
    "subnet-0a1b2c3d4e5f60002",
    "arn:aws:acm:ap-south-1:123456789012:certificate/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
    "arn:aws:iam::123456789012:role/deploy",
    "arn:aws:ssm:ap-south-1:123456789012:parameter/prod/api/database-url",
    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:prod/api/token-Ab12Cd",
    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:prod/api/token-Ab12Cd:password::",
    "arn:aws:kms:ap-south-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "m6i.large",
    "t3.micro",
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "price-capacity-optimized",
    "ami-0123456789abcdef0",
    "public.ecr.aws/nginx/nginx:1.27",
    "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "api.example.com",
    "*.example.com",
    "Z0123456789ABCDEFGHIJ",
    "/healthz",
    "200-399",
    "30m",
    "1h30m",
    "0s",
    "24h",
    "86401s",
    "99999999999h",
    "prod/api",
    "ap-south-1",
    "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
    CLOSED_ENDPOINT,
    "",
    " ",
    "\u{0}",
    "é",
    "aws:reserved",
];

/// Strings: mostly plausible ones and near misses, short arbitrary and identifier-like ones,
/// now and then a very long one.
pub fn arb_string() -> BoxedStrategy<String> {
    prop_oneof![
        20 => prop::sample::select(PLAUSIBLE).prop_map(str::to_owned),
        12 => "(?s).{0,12}",
        8 => "[a-z][a-z0-9-]{0,40}",
        1 => (any::<char>(), 200usize..20_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
    .boxed()
}

/// Map keys: common ones, odd ones (empty, with a space, with an `aws:` prefix) and ones over
/// 128 characters.
pub fn arb_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&["Team", "Name", "LOG_LEVEL", "DATABASE_URL", "aws:x", "", "a b"][..])
            .prop_map(str::to_owned),
        2 => "[A-Za-z_][A-Za-z0-9_]{0,12}",
        1 => "(?s).{0,10}",
        1 => "k{129,140}",
    ]
    .boxed()
}

/// Numbers: small integers, integer limits, arbitrary floats, and decimals beyond `f64`.
fn arb_number() -> BoxedStrategy<Number> {
    prop_oneof![
        4 => (-5i64..300).prop_map(Number::from_i64),
        2 => prop::sample::select(vec![
            i64::MIN,
            i64::MAX,
            i64::from(i32::MAX) + 1,
            i64::from(i32::MIN) - 1,
            65_535,
            65_536,
            -1,
            0,
        ])
        .prop_map(Number::from_i64),
        1 => any::<u64>().prop_map(Number::from_u64),
        1 => any::<f64>()
            .prop_filter("NaN is no cty number", |f| !f.is_nan())
            .prop_map(Number::from_f64),
        1 => prop::sample::select(vec![
            "0.5",
            "-0",
            "1e308",
            "-1e308",
            "1e-400",
            "1e400",
            "2.5e9",
            "12345678901234567890123456789012345678901234567890",
            "1.00000000000000000000000000000000000000001",
        ])
        .prop_filter_map("parses", |s| s.parse::<Number>().ok()),
    ]
    .boxed()
}

/// Refinements of an unknown of type `t`, as far as `t` allows them.
fn arb_refinements(t: &Type) -> BoxedStrategy<Refinements> {
    let not_null = any::<bool>();
    match t {
        Type::Dynamic => Just(Refinements::default()).boxed(),
        Type::String => (
            not_null,
            prop::option::of(prop_oneof!["(?s).{0,8}", "é{120,140}"]),
        )
            .prop_map(|(not_null, string_prefix)| Refinements {
                not_null,
                string_prefix,
                ..Refinements::default()
            })
            .boxed(),
        Type::Number => (
            not_null,
            prop::option::of((arb_number(), any::<bool>())),
            prop::option::of((arb_number(), any::<bool>())),
        )
            .prop_map(|(not_null, number_lower, number_upper)| Refinements {
                not_null,
                number_lower,
                number_upper,
                ..Refinements::default()
            })
            .boxed(),
        Type::List(_) | Type::Set(_) | Type::Map(_) => (
            not_null,
            prop::option::of(prop_oneof![0u64..8, any::<u64>()]),
            prop::option::of(prop_oneof![0u64..8, any::<u64>()]),
        )
            .prop_map(|(not_null, length_lower, length_upper)| Refinements {
                not_null,
                length_lower,
                length_upper,
                ..Refinements::default()
            })
            .boxed(),
        _ => not_null
            .prop_map(|not_null| Refinements {
                not_null,
                ..Refinements::default()
            })
            .boxed(),
    }
}

/// A value of type `t`: null, unknown (refined as `t` allows) or known.
pub fn arb_value(t: &Type) -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => arb_refinements(t).prop_map(Value::Unknown),
        6 => arb_known(t),
    ]
    .boxed()
}

/// A known value of type `t`, whose elements may be null or unknown.
pub fn arb_known(t: &Type) -> BoxedStrategy<Value> {
    match t {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => arb_string().prop_map(Value::String).boxed(),
        Type::List(e) => prop::collection::vec(arb_value(e), 0..5)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(e), 0..5)
            .prop_map(Value::set)
            .boxed(),
        Type::Map(e) => prop::collection::btree_map(arb_key(), arb_value(e), 0..5)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ts) => ts
            .iter()
            .map(arb_value)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(ot) => {
            let names: Vec<String> = ot.attrs.keys().cloned().collect();
            ot.attrs
                .values()
                .map(arb_value)
                .collect::<Vec<_>>()
                .prop_map(move |vals| Value::Object(names.iter().cloned().zip(vals).collect()))
                .boxed()
        }
        Type::Dynamic => prop_oneof![
            arb_string().prop_map(|s| Value::dynamic(Type::String, Value::String(s))),
            arb_number().prop_map(|n| Value::dynamic(Type::Number, Value::Number(n))),
            Just(Value::dynamic(
                Type::list(Type::String),
                Value::list(vec![Value::unknown()])
            )),
        ]
        .boxed(),
    }
}

/// Some type other than `t`, for a value of the wrong type.
fn other_type(t: &Type) -> BoxedStrategy<Type> {
    let choices: Vec<Type> = [
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
        Type::list(Type::Number),
        Type::set(Type::String),
        Type::set(Type::list(Type::Bool)),
        Type::map(Type::String),
        Type::map(Type::Number),
        Type::Tuple(vec![Type::String, Type::Number]),
        Type::object([("x", Type::String)]),
    ]
    .into_iter()
    .filter(|c| c != t)
    .collect();
    prop::sample::select(choices).boxed()
}

/// A value for a position of type `t` with the type it is encoded as: mostly `t`, sometimes
/// another type; objects also lose, gain or rename attributes.
pub fn arb_typed(t: &Type) -> BoxedStrategy<(Type, Value)> {
    let wrong = other_type(t).prop_flat_map(|w| {
        let v = arb_value(&w);
        (Just(w), v)
    });
    match t {
        Type::Object(ot) => {
            let t1 = t.clone();
            let t2 = t.clone();
            prop_oneof![
                1 => Just((t1, Value::Null)),
                1 => arb_refinements(t).prop_map(move |r| (t2.clone(), Value::Unknown(r))),
                12 => arb_object(ot),
                1 => wrong,
            ]
            .boxed()
        }
        _ => {
            let t1 = t.clone();
            prop_oneof![
                40 => arb_value(t).prop_map(move |v| (t1.clone(), v)),
                1 => wrong,
            ]
            .boxed()
        }
    }
}

/// An object of type `ot`, each attribute from [`arb_typed`], sometimes with one attribute
/// missing, one too many or one renamed; with the type it is encoded as.
fn arb_object(ot: &ObjectType) -> BoxedStrategy<(Type, Value)> {
    let attrs: Vec<_> = ot
        .attrs
        .iter()
        .map(|(name, at)| {
            let name = name.clone();
            arb_typed(at).prop_map(move |(t, v)| (name.clone(), t, v))
        })
        .collect();
    (attrs, 0u8..20, any::<prop::sample::Index>())
        .prop_map(|(attrs, shape, which)| {
            let mut types = BTreeMap::new();
            let mut values = BTreeMap::new();
            for (name, t, v) in attrs {
                types.insert(name.clone(), t);
                values.insert(name, v);
            }
            let victim = (!types.is_empty())
                .then(|| types.keys().nth(which.index(types.len())).cloned())
                .flatten();
            match (shape, victim) {
                // one attribute missing
                (0, Some(k)) => {
                    types.remove(&k);
                    values.remove(&k);
                }
                // one attribute too many
                (1, _) => {
                    types.insert("unexpected".to_owned(), Type::String);
                    values.insert("unexpected".to_owned(), Value::string("x"));
                }
                // the right number of attributes, one with an unknown name
                (2, Some(k)) => {
                    if let Some(t) = types.remove(&k) {
                        types.insert(format!("{k}_renamed"), t);
                    }
                    if let Some(v) = values.remove(&k) {
                        values.insert(format!("{k}_renamed"), v);
                    }
                }
                _ => {}
            }
            (
                Type::Object(ObjectType {
                    attrs: types,
                    optional: Default::default(),
                }),
                Value::Object(values),
            )
        })
        .boxed()
}

/// The value with everything JSON cannot hold (unknowns, infinities) made null.
fn json_safe(v: &Value) -> Value {
    match v {
        Value::Unknown(_) => Value::Null,
        Value::Number(n) if !n.is_finite() => Value::Null,
        Value::List(vs) => Value::List(vs.iter().map(json_safe).collect()),
        Value::Set(vs) => Value::Set(vs.iter().map(json_safe).collect()),
        Value::Tuple(vs) => Value::Tuple(vs.iter().map(json_safe).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), json_safe(v))).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), json_safe(v))).collect())
        }
        Value::Dynamic(t, inner) => Value::Dynamic(t.clone(), Box::new(json_safe(inner))),
        other => other.clone(),
    }
}

/// `v` encoded as `t` in msgpack, and in JSON as far as JSON can hold it (`null` otherwise).
pub fn encode_pair(t: &Type, v: &Value) -> (Vec<u8>, Vec<u8>) {
    let mp = msgpack::encode(v, t)
        .unwrap_or_else(|e| panic!("a generated value does not encode as its own type: {e}"));
    let js = json::encode(&json_safe(v), t).unwrap_or_else(|_| b"null".to_vec());
    (mp, js)
}

/// Resource type names: mostly the provider's own, sometimes near misses and arbitrary strings.
pub fn arb_type_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(CLUSTER.to_owned()),
        4 => Just(SERVICE.to_owned()),
        1 => prop::sample::select(&[
            "",
            "ecsprod_clusters",
            "ECSPROD_CLUSTER",
            "ecsprod_service\u{0}",
            "aws_instance",
            "ecsprod",
        ][..])
        .prop_map(str::to_owned),
        1 => "(?s).{0,16}",
    ]
    .boxed()
}

/// Schema versions of stored state: mostly 0, sometimes small or extreme.
pub fn arb_version() -> BoxedStrategy<i64> {
    prop_oneof![
        8 => Just(0i64),
        1 => -2i64..3,
        1 => any::<i64>(),
    ]
    .boxed()
}

/// The provider block a configured server gets: always valid, always offline, never retrying.
pub fn arb_provider_block() -> BoxedStrategy<Value> {
    let region = prop_oneof![
        Just(Value::Null),
        Just(Value::string("ap-south-1")),
        Just(Value::unknown()),
    ];
    let tag_value = prop_oneof![
        4 => "[a-z0-9 ]{0,12}".prop_map(Value::String),
        1 => Just(Value::unknown()),
    ];
    let default_tags = prop_oneof![
        2 => Just(Value::Null),
        1 => Just(Value::unknown()),
        3 => prop::collection::btree_map(
            prop::sample::select(&["Team", "Owner", "CostCenter", "Name"][..]).prop_map(str::to_owned),
            tag_value,
            0..4,
        )
        .prop_map(Value::Map),
    ];
    (region, default_tags, any::<bool>())
        .prop_map(|(region, default_tags, skip)| {
            Value::object([
                ("region", region),
                ("default_tags", default_tags),
                // Offline, the credentials check could only fail: it is always skipped.
                ("skip_credentials_validation", Value::bool(true)),
                ("skip_requesting_account_id", Value::bool(skip)),
                ("max_retries", Value::number(0)),
            ])
        })
        .boxed()
}
