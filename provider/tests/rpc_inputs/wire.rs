//! Request values as they travel: `DynamicValue`s in msgpack or JSON, valid or truncated,
//! corrupted, arbitrary or missing, and stored state for `UpgradeResourceState`.

use std::collections::HashMap;

use ecsprod_cty::Type;
use ecsprod_proto::tfplugin6 as pb;
use proptest::prelude::*;

use crate::generators::{arb_key, arb_string, arb_typed, arb_value, encode_pair};

/// A `DynamicValue` holding `bytes` as msgpack.
pub fn mp(bytes: Vec<u8>) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    }
}

/// A `DynamicValue` holding `bytes` as JSON.
pub fn js(bytes: Vec<u8>) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: Vec::new(),
        json: bytes,
    }
}

/// One `DynamicValue` field of a request, labelled by how it was made.
#[derive(Debug, Clone)]
pub enum Wire {
    Absent,
    Empty,
    Valid(Vec<u8>),
    Truncated(Vec<u8>),
    Corrupted(Vec<u8>),
    Arbitrary(Vec<u8>),
    Json(Vec<u8>),
    CorruptedJson(Vec<u8>),
    Both { msgpack: Vec<u8>, json: Vec<u8> },
}

impl Wire {
    pub fn dv(&self) -> Option<pb::DynamicValue> {
        match self {
            Wire::Absent => None,
            Wire::Empty => Some(pb::DynamicValue::default()),
            Wire::Valid(b) | Wire::Truncated(b) | Wire::Corrupted(b) | Wire::Arbitrary(b) => {
                Some(mp(b.clone()))
            }
            Wire::Json(b) | Wire::CorruptedJson(b) => Some(js(b.clone())),
            Wire::Both { msgpack, json } => Some(pb::DynamicValue {
                msgpack: msgpack.clone(),
                json: json.clone(),
            }),
        }
    }
}

/// `bytes` with each mask of `flips` XORed into the byte at its index.
fn flip(bytes: &[u8], flips: &[(prop::sample::Index, u8)]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if !b.is_empty() {
        for (i, x) in flips {
            let i = i.index(b.len());
            b[i] ^= x;
        }
    }
    b
}

/// One to three byte positions with nonzero masks, for [`flip`].
fn arb_flips() -> impl Strategy<Value = Vec<(prop::sample::Index, u8)>> {
    prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4)
}

/// A `DynamicValue` for a position of type `t`.
pub fn arb_wire(t: &Type) -> BoxedStrategy<Wire> {
    let derived = arb_typed(t)
        .prop_map(|(wt, v)| encode_pair(&wt, &v))
        .prop_flat_map(|(mp, js)| {
            let (mp1, mp2, mp3, mp4, mp5) = (mp.clone(), mp.clone(), mp.clone(), mp.clone(), mp);
            let (js1, js2, js3) = (js.clone(), js.clone(), js);
            prop_oneof![
                6 => Just(Wire::Valid(mp1)),
                2 => any::<prop::sample::Index>()
                    .prop_map(move |i| Wire::Truncated(mp2[..i.index(mp2.len())].to_vec())),
                2 => arb_flips().prop_map(move |f| Wire::Corrupted(flip(&mp3, &f))),
                1 => (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..6))
                    .prop_map(move |(i, extra)| {
                        let mut b = mp4.clone();
                        let at = i.index(b.len() + 1);
                        b.splice(at..at, extra);
                        Wire::Corrupted(b)
                    }),
                2 => Just(Wire::Json(js1)),
                1 => arb_flips().prop_map(move |f| Wire::CorruptedJson(flip(&js2, &f))),
                1 => Just(Wire::Both { msgpack: mp5.clone(), json: js3.clone() }),
            ]
        });
    prop_oneof![
        1 => Just(Wire::Absent),
        1 => Just(Wire::Empty),
        2 => prop::collection::vec(any::<u8>(), 0..48).prop_map(Wire::Arbitrary),
        14 => derived,
    ]
    .boxed()
}

/// A `DynamicValue` as Terraform sends it for a position of type `t`: a value of that type
/// (nulls and unknowns included), mostly as msgpack, sometimes as JSON or not set at all.
pub fn arb_clean_wire(t: &Type) -> BoxedStrategy<Wire> {
    let t1 = t.clone();
    let t2 = t.clone();
    prop_oneof![
        1 => Just(Wire::Absent),
        12 => arb_value(t).prop_map(move |v| Wire::Valid(encode_pair(&t1, &v).0)),
        2 => arb_value(t).prop_map(move |v| Wire::Json(encode_pair(&t2, &v).1)),
    ]
    .boxed()
}

/// Stored state for `UpgradeResourceState`: JSON of a value of type `t` (often damaged),
/// arbitrary bytes, deep nesting, legacy flatmap, or nothing.
pub fn arb_raw_state(t: &Type) -> BoxedStrategy<Option<pb::RawState>> {
    let json_text = arb_typed(t).prop_map(|(wt, v)| encode_pair(&wt, &v).1);
    let json = prop_oneof![
        6 => json_text.clone(),
        2 => (json_text.clone(), any::<prop::sample::Index>())
            .prop_map(|(j, i)| j[..i.index(j.len())].to_vec()),
        2 => (json_text, arb_flips()).prop_map(|(j, f)| flip(&j, &f)),
        1 => prop::collection::vec(any::<u8>(), 0..48),
        1 => (1usize..600).prop_map(|n| "[".repeat(n).into_bytes()),
        1 => (1usize..400).prop_map(|n| format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
        1 => Just(Vec::new()),
    ];
    let flatmap = prop_oneof![
        4 => Just(HashMap::new()),
        1 => prop::collection::hash_map(arb_key(), arb_string(), 0..6),
    ];
    prop_oneof![
        1 => Just(None),
        10 => (json, flatmap).prop_map(|(json, flatmap)| Some(pb::RawState { json, flatmap })),
    ]
    .boxed()
}
