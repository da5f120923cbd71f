//! The nastiest value shapes found, each sent in every value field of every call that takes a
//! resource value, on an unconfigured server and on one configured offline: deep nesting,
//! refinements that do not fit their type, oversized length headers and overlong numbers.

use std::collections::HashMap;

use ecsprod_cty::{Type, Value, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use tokio::runtime::Runtime;

use crate::apply_read_import::{apply_request, read_request};
use crate::fixtures::{
    cluster_config, nested_arrays, refined, service_config, valid_config, with_raw_attr,
};
use crate::harness::{must, runtime};
use crate::plan::plan_request;
use crate::provider_config::{configured_server, no_retries};
use crate::requests::Op;
use crate::schema_and_validation::validate_request;
use crate::schemas::{CLUSTER, SERVICE, TYPES, resource_type, undecodable};
use crate::structure::{run_op, run_ops};
use crate::wire::{js, mp};

/// Every call that takes a resource value, with `dv` as each of its value fields in turn and
/// valid values of the resource in the others.
fn resource_value_ops(type_name: &str, valid: &Value, dv: &pb::DynamicValue) -> Vec<Op> {
    let t = resource_type(type_name).expect("a resource type");
    let good = Some(mp(msgpack::encode(valid, t).expect("encodes")));
    let bad = Some(dv.clone());
    type Field<'a> = &'a Option<pb::DynamicValue>;
    let plan = |prior: Field, proposed: Field, config: Field| {
        Op::Plan(plan_request(
            type_name,
            prior.clone(),
            proposed.clone(),
            config.clone(),
        ))
    };
    let apply = |prior: Field, planned: Field, config: Field| {
        Op::Apply(apply_request(
            type_name,
            prior.clone(),
            planned.clone(),
            config.clone(),
        ))
    };
    let mut ops = vec![
        Op::ValidateResource(validate_request(type_name, bad.clone())),
        plan(&None, &bad, &good),
        plan(&None, &good, &bad),
        plan(&bad, &good, &good),
        Op::Read(read_request(type_name, bad.clone())),
        apply(&bad, &good, &good),
        apply(&good, &bad, &good),
        apply(&None, &good, &bad),
    ];
    if !dv.json.is_empty() {
        ops.push(Op::Upgrade(pb::upgrade_resource_state::Request {
            type_name: type_name.to_owned(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: dv.json.clone(),
                flatmap: HashMap::new(),
            }),
        }));
    }
    ops
}

/// Sends `dv` in every value field of every call (see [`resource_value_ops`]), on an
/// unconfigured server and on one configured offline; with `rejected`, `dv` must not decode.
pub fn every_value_field(rt: &Runtime, type_name: &str, dv: pb::DynamicValue, rejected: bool) {
    let t = resource_type(type_name).expect("a resource type");
    let valid = valid_config(type_name);
    if rejected {
        assert!(
            undecodable(Some(&dv), t).is_some(),
            "{type_name}: expected this value not to decode: {dv:?}"
        );
    }
    let ops = resource_value_ops(type_name, &valid, &dv);
    must(run_ops(rt, &ops));
    let server = configured_server(rt, &no_retries());
    let mut configured = true;
    for op in &ops {
        must(run_op(rt, &server, op, &mut configured));
    }
}

#[test]
fn deeply_nested_values_are_diagnostics_not_stack_overflows() {
    let rt = runtime();
    for (type_name, valid, list_attr) in [
        (CLUSTER, cluster_config(), "instance_types"),
        (SERVICE, service_config(), "environment"),
    ] {
        let t = resource_type(type_name).expect("a resource type");
        every_value_field(&rt, type_name, mp(nested_arrays(1_000_000)), true);
        every_value_field(
            &rt,
            type_name,
            mp(with_raw_attr(t, &valid, list_attr, &nested_arrays(100_000))),
            true,
        );
        every_value_field(&rt, type_name, js("[".repeat(1_000_000).into_bytes()), true);
        every_value_field(
            &rt,
            type_name,
            js(format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)).into_bytes()),
            true,
        );
        // An unknown whose refinements hold a deeply nested value under a key cty does not
        // know: the key is skipped, the unknown stands.
        let mut body = vec![0x81, 0x09];
        body.extend(nested_arrays(1000));
        let mut unknown = vec![0xc9];
        unknown.extend((body.len() as u32).to_be_bytes());
        unknown.push(12);
        unknown.extend(body);
        every_value_field(
            &rt,
            type_name,
            mp(with_raw_attr(t, &valid, list_attr, &unknown)),
            false,
        );
    }
    let provider_ops = [
        Op::ValidateProvider(pb::validate_provider_config::Request {
            config: Some(mp(nested_arrays(1_000_000))),
        }),
        Op::Configure(pb::configure_provider::Request {
            config: Some(js("[".repeat(1_000_000).into_bytes())),
            ..Default::default()
        }),
    ];
    must(run_ops(&rt, &provider_ops));
}
#[test]
fn refinements_that_do_not_fit_their_type_are_diagnostics() {
    let rt = runtime();
    let t = &TYPES.cluster;
    let valid = cluster_config();
    let mut nan_bound = vec![0x81, 0x03, 0x92, 0xcb];
    nan_bound.extend(f64::NAN.to_be_bytes());
    nan_bound.push(0xc3);
    let mut oversize = vec![0xc9];
    oversize.extend(2000u32.to_be_bytes());
    oversize.push(12);
    oversize.push(0x80);
    oversize.extend(vec![0xc0; 1999]);
    let rejected: Vec<(&str, Vec<u8>)> = vec![
        // a string prefix on a number, a map and an object
        ("min_size", refined(&[0x81, 0x02, 0xa3, b'a', b'b', b'c'])),
        ("tags", refined(&[0x81, 0x02, 0xa1, b'x'])),
        ("timeouts", refined(&[0x81, 0x02, 0xa1, b'x'])),
        // number bounds on a string and an object
        ("name", refined(&[0x81, 0x03, 0x92, 0x01, 0xc3])),
        ("timeouts", refined(&[0x81, 0x04, 0x92, 0x01, 0xc2])),
        // length bounds on a string and a number; a negative length on a list
        ("name", refined(&[0x81, 0x05, 0x01])),
        ("min_size", refined(&[0x81, 0x06, 0x01])),
        ("instance_types", refined(&[0x81, 0x05, 0xff])),
        // a NaN bound
        ("min_size", refined(&nan_bound)),
        // payloads that are not a map, or a map cut short
        ("name", refined(&[0x91, 0xc0])),
        ("name", refined(&[0x82, 0x01, 0xc2])),
        ("instance_types", refined(&[0x81, 0x05])),
        // a payload over the size limit; an extension type cty does not define
        ("name", oversize),
        ("name", vec![0xd6, 0x05, 0, 0, 0, 0]),
    ];
    for (attr, raw) in rejected {
        every_value_field(&rt, CLUSTER, mp(with_raw_attr(t, &valid, attr, &raw)), true);
    }
    let mut long_prefix = vec![0x81, 0x02, 0xd9, 200];
    long_prefix.extend("é".repeat(100).into_bytes());
    let accepted: Vec<(&str, Vec<u8>)> = vec![
        // "definitely null", which go-cty turns into a known null, is taken as no refinement
        ("min_size", refined(&[0x81, 0x01, 0xc3])),
        ("timeouts", refined(&[0x81, 0x01, 0xc2])),
        ("name", refined(&long_prefix)),
        (
            "min_size",
            refined(&[0x82, 0x03, 0x92, 0x0a, 0xc3, 0x04, 0x92, 0x01, 0xc2]),
        ),
        ("instance_types", refined(&[0x82, 0x05, 0x03, 0x06, 0x01])),
        // an unknown as a whole list element, a map value and the whole value
        ("instance_types", vec![0x92, 0xd4, 0, 0, 0xd4, 0, 0]),
        ("tags", vec![0x81, 0xa1, b'k', 0xd4, 0, 0]),
    ];
    for (attr, raw) in accepted {
        let bytes = with_raw_attr(t, &valid, attr, &raw);
        assert!(
            msgpack::decode(&bytes, t).is_ok(),
            "{attr}: expected this refinement to decode"
        );
        every_value_field(&rt, CLUSTER, mp(bytes), false);
    }
}

#[test]
fn oversized_msgpack_length_headers_are_diagnostics() {
    let rt = runtime();
    let huge = 0xffff_ffffu32.to_be_bytes();
    let header = |marker: u8, tail: &[u8]| {
        let mut b = vec![marker];
        b.extend(huge);
        b.extend_from_slice(tail);
        b
    };
    let t = &TYPES.cluster;
    let valid = cluster_config();
    for (attr, raw) in [
        ("name", header(0xdb, b"abc")),
        ("name", header(0xc6, b"abc")),
        ("instance_types", header(0xdd, &[0xa1, b'x'])),
        ("tags", header(0xdf, &[0xa1, b'k', 0xa1, b'v'])),
        ("min_size", header(0xc9, &[12, 0x80])),
        ("min_size", header(0xdb, b"1")),
    ] {
        every_value_field(&rt, CLUSTER, mp(with_raw_attr(t, &valid, attr, &raw)), true);
    }
    every_value_field(&rt, CLUSTER, mp(header(0xdf, &[])), true);
    every_value_field(&rt, SERVICE, mp(header(0xdd, &[0xc0])), true);
    // Numbers too long or too large to be cty numbers, and ones that are but fit no integer.
    for text in [
        "9".repeat(5000),
        "1e99999999999999999999".to_owned(),
        "0x10".to_owned(),
        "NaN".to_owned(),
        "-Infinity".to_owned(),
        "1e400".to_owned(),
        "-1e-400".to_owned(),
        "18446744073709551616".to_owned(),
    ] {
        let raw = msgpack::encode(&Value::string(text.clone()), &Type::String).expect("encodes");
        let bytes = with_raw_attr(t, &valid, "min_size", &raw);
        let rejected = msgpack::decode(&bytes, t).is_err();
        every_value_field(&rt, CLUSTER, mp(bytes), rejected);
    }
}
