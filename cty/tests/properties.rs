//! Property tests: round trips through both encodings, decoding arbitrary bytes never
//! panics, type JSON round trips, and number laws.

use std::collections::{BTreeMap, BTreeSet};

use ecsprod_cty::{Number, ObjectType, Refinements, Type, Value, json, msgpack};
use proptest::prelude::*;
use proptest::strategy::Union;

#[derive(Clone, Copy)]
struct Opts {
    /// Generate unknowns (msgpack only).
    unknowns: bool,
    /// Generate ±∞ (msgpack only).
    infinities: bool,
    /// How many more levels of `Value::Dynamic` may nest.
    dyn_budget: u32,
}

const MSGPACK: Opts = Opts {
    unknowns: true,
    infinities: true,
    dyn_budget: 2,
};

const JSON: Opts = Opts {
    unknowns: false,
    infinities: false,
    dyn_budget: 2,
};

fn attr_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}"
}

fn any_text() -> impl Strategy<Value = String> {
    // Any characters, including control characters, quotes and non-ASCII.
    "(?s).{0,8}"
}

fn arb_type_depth(depth: u32) -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::String),
        Just(Type::Number),
        Just(Type::Bool),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Type::Tuple),
            (
                prop::collection::btree_map(attr_name(), inner, 0..5),
                any::<u8>()
            )
                .prop_map(|(attrs, mask)| {
                    let optional: BTreeSet<String> = attrs
                        .keys()
                        .enumerate()
                        .filter(|(i, _)| mask & (1 << i) != 0)
                        .map(|(_, k)| k.clone())
                        .collect();
                    Type::Object(ObjectType { attrs, optional })
                }),
        ]
    })
}

fn arb_type() -> impl Strategy<Value = Type> {
    arb_type_depth(4)
}

fn arb_number(o: Opts) -> BoxedStrategy<Number> {
    let finite = prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        (-1000i64..1000).prop_map(Number::from_i64),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Number::from_f64),
        (-1e6f64..1e6).prop_map(Number::from_f64),
        "-?[0-9]{1,30}(\\.[0-9]{1,30})?([eE][-+]?[0-9]{1,2})?"
            .prop_filter_map("parses", |s| s.parse::<Number>().ok()),
    ];
    if o.infinities {
        prop_oneof![
            8 => finite,
            1 => Just(Number::infinity()),
            1 => Just(Number::neg_infinity()),
        ]
        .boxed()
    } else {
        finite.boxed()
    }
}

fn arb_refinements(t: &Type, o: Opts) -> BoxedStrategy<Refinements> {
    let not_null = any::<bool>();
    match t {
        Type::Dynamic => Just(Refinements::default()).boxed(),
        Type::String => (not_null, prop::option::of("[a-zé]{1,6}"))
            .prop_map(|(not_null, string_prefix)| Refinements {
                not_null,
                string_prefix,
                ..Refinements::default()
            })
            .boxed(),
        Type::Number => (
            not_null,
            prop::option::of((arb_number(o), any::<bool>())),
            prop::option::of((arb_number(o), any::<bool>())),
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
            prop::option::of(prop_oneof![0u64..10, any::<u64>()]),
            prop::option::of(prop_oneof![0u64..10, any::<u64>()]),
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

/// A value conforming to `t`: null, unknown (if allowed) or known.
fn arb_value(t: &Type, o: Opts) -> BoxedStrategy<Value> {
    let mut choices: Vec<(u32, BoxedStrategy<Value>)> =
        vec![(1, Just(Value::Null).boxed()), (6, arb_known(t, o))];
    if o.unknowns {
        choices.push((1, arb_refinements(t, o).prop_map(Value::Unknown).boxed()));
    }
    Union::new_weighted(choices).boxed()
}

fn arb_known(t: &Type, o: Opts) -> BoxedStrategy<Value> {
    match t {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number(o).prop_map(Value::Number).boxed(),
        Type::String => any_text().prop_map(Value::String).boxed(),
        Type::List(e) => prop::collection::vec(arb_value(e, o), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(e, o), 0..4)
            .prop_map(Value::set)
            .boxed(),
        Type::Map(e) => prop::collection::btree_map(any_text(), arb_value(e, o), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ts) => ts
            .iter()
            .map(|et| arb_value(et, o))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(ot) => {
            let names: Vec<String> = ot.attrs.keys().cloned().collect();
            ot.attrs
                .values()
                .map(|at| arb_value(at, o))
                .collect::<Vec<_>>()
                .prop_map(move |vals| {
                    Value::Object(names.iter().cloned().zip(vals).collect::<BTreeMap<_, _>>())
                })
                .boxed()
        }
        Type::Dynamic => {
            if o.dyn_budget == 0 {
                return Just(Value::Null).boxed();
            }
            let inner = Opts {
                dyn_budget: o.dyn_budget - 1,
                ..o
            };
            arb_type_depth(2)
                .prop_map(|t| if t == Type::Dynamic { Type::String } else { t })
                .prop_flat_map(move |ty| {
                    arb_value(&ty, inner).prop_map(move |v| Value::dynamic(ty.clone(), v))
                })
                .boxed()
        }
    }
}

fn typed_value(o: Opts) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| {
        let v = arb_value(&t, o);
        (Just(t), v)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn msgpack_round_trip((t, v) in typed_value(MSGPACK)) {
        prop_assert!(v.conforms_to(&t));
        let bytes = msgpack::encode(&v, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = msgpack::decode(&bytes, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &v);
        // and the encoding is deterministic
        prop_assert_eq!(msgpack::encode(&back, &t).ok(), Some(bytes));
    }

    #[test]
    fn json_round_trip((t, v) in typed_value(JSON)) {
        prop_assert!(v.is_wholly_known());
        let bytes = json::encode(&v, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // the output is valid JSON
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
        let back = json::decode(&bytes, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &v);
    }

    #[test]
    fn type_json_round_trip(t in arb_type()) {
        prop_assert_eq!(Type::from_json(&t.to_json()), Ok(t.clone()));
        prop_assert_eq!(Type::from_json_bytes(&t.to_json_bytes()), Ok(t.clone()));
        prop_assert_eq!(serde_json::to_vec(&t.to_json()).ok(), Some(t.to_json_bytes()));
    }

    #[test]
    fn number_text_round_trip(n in arb_number(MSGPACK)) {
        let text = n.to_string();
        prop_assert_eq!(text.parse::<Number>().ok(), Some(n));
    }

    #[test]
    fn number_order_agrees_with_f64(a in any::<f64>(), b in any::<f64>()) {
        prop_assume!(!a.is_nan() && !b.is_nan());
        let (na, nb) = (Number::from_f64(a), Number::from_f64(b));
        prop_assert_eq!(na.partial_cmp(&nb), a.partial_cmp(&b));
    }

    #[test]
    fn number_order_is_consistent(a in arb_number(MSGPACK), b in arb_number(MSGPACK)) {
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a == b, a.to_string() == b.to_string());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn msgpack_decode_arbitrary_bytes_never_panics(
        t in arb_type(),
        bytes in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        if let Ok(v) = msgpack::decode(&bytes, &t) {
            // whatever decodes re-encodes and decodes to the same value
            let again = msgpack::encode(&v, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(msgpack::decode(&again, &t).ok(), Some(v));
        }
    }

    #[test]
    fn msgpack_decode_mutated_encodings_never_panics(
        (t, v) in typed_value(MSGPACK),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = msgpack::encode(&v, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (i, b) in edits {
            let i = i.index(bytes.len());
            if let Some(slot) = bytes.get_mut(i) {
                *slot = b;
            }
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        if let Ok(v) = msgpack::decode(&bytes, &t) {
            let again = msgpack::encode(&v, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(msgpack::decode(&again, &t).ok(), Some(v));
        }
    }

    #[test]
    fn json_decode_arbitrary_text_never_panics(
        t in arb_type(),
        text in "[\\[\\]{}\",:0-9a-z.eE+\\\\ -]{0,64}",
    ) {
        if let Ok(v) = json::decode(text.as_bytes(), &t) {
            let again = json::encode(&v, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(json::decode(&again, &t).ok(), Some(v));
        }
    }
}
