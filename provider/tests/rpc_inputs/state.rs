//! `UpgradeResourceState`: stored state from any schema version, as JSON or legacy flatmap,
//! damaged or not.

use ecsprod_cty::json;
use ecsprod_proto::tfplugin6 as pb;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::fixtures::cluster_config;
use crate::harness::{Server, must, new_server, rpc, runtime};
use crate::requests::Op;
use ecsprod_provider::resources::{cluster, service};

use crate::schemas::{
    CLUSTER, SERVICE, TYPES, check_diagnostics, check_state, first_reason, resource_type,
    unknown_type_reason,
};
use crate::structure::{run_op, run_ops};

/// `UpgradeResourceState`: an unknown type, a schema version newer than the provider's (0),
/// stored state without JSON and JSON that does not decode are errors; a state it returns
/// decodes against the schema.
pub fn upgrade(
    rt: &Runtime,
    server: &Server,
    req: pb::upgrade_resource_state::Request,
) -> Result<pb::upgrade_resource_state::Response, TestCaseError> {
    let t = resource_type(&req.type_name);
    let raw_json = req
        .raw_state
        .as_ref()
        .map(|r| r.json.clone())
        .unwrap_or_default();
    let reason = first_reason([
        unknown_type_reason(&req.type_name),
        (req.version > 0).then(|| format!("schema version {} is newer than 0", req.version)),
        raw_json
            .is_empty()
            .then(|| "the stored state has no JSON".to_owned()),
        t.and_then(|t| json::decode(&raw_json, t).err())
            .filter(|_| !raw_json.is_empty())
            .map(|e| format!("the stored JSON does not decode ({e})")),
    ]);
    let resp = rpc!(rt, server, upgrade_resource_state, req)?;
    check_diagnostics("UpgradeResourceState", &resp.diagnostics, reason.as_deref())?;
    if let Some(t) = t {
        check_state("UpgradeResourceState", resp.upgraded_state.as_ref(), t)?;
    }
    Ok(resp)
}

/// The identity value type of resource `type_name`, if the provider has it.
fn identity_type(type_name: &str) -> Option<ecsprod_cty::Type> {
    match type_name {
        CLUSTER => Some(cluster::IDENTITY.value_type()),
        SERVICE => Some(service::IDENTITY.value_type()),
        _ => None,
    }
}

/// `UpgradeResourceIdentity`: an unknown type, a version newer than the identity schema's (0)
/// and stored JSON that does not decode against the identity are errors; an identity it
/// returns decodes against it.
pub fn upgrade_identity(
    rt: &Runtime,
    server: &Server,
    req: pb::upgrade_resource_identity::Request,
) -> Result<(), TestCaseError> {
    let t = identity_type(&req.type_name);
    let raw_json = req
        .raw_identity
        .as_ref()
        .map(|r| r.json.clone())
        .unwrap_or_default();
    let reason = first_reason([
        unknown_type_reason(&req.type_name),
        (req.version > 0).then(|| format!("identity version {} is newer than 0", req.version)),
        t.as_ref()
            .and_then(|t| json::decode(&raw_json, t).err())
            .map(|e| format!("the stored identity does not decode ({e})")),
    ]);
    let resp = rpc!(rt, server, upgrade_resource_identity, req)?;
    check_diagnostics(
        "UpgradeResourceIdentity",
        &resp.diagnostics,
        reason.as_deref(),
    )?;
    if let Some(t) = t {
        let upgraded = resp.upgraded_identity.as_ref();
        check_state(
            "UpgradeResourceIdentity",
            upgraded.and_then(|i| i.identity_data.as_ref()),
            &t,
        )?;
    }
    Ok(())
}

#[test]
fn a_stored_identity_is_upgraded_to_the_same_identity() {
    let rt = runtime();
    let server = new_server();
    let req = pb::upgrade_resource_identity::Request {
        type_name: SERVICE.to_owned(),
        version: 0,
        raw_identity: Some(pb::RawState {
            json: br#"{"cluster":"prod","name":"api","region":"eu-west-1"}"#.to_vec(),
            flatmap: Default::default(),
        }),
    };
    let resp = rpc!(&rt, server, upgrade_resource_identity, req).unwrap_or_else(|e| panic!("{e}"));
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let t = service::IDENTITY.value_type();
    let data = resp
        .upgraded_identity
        .and_then(|i| i.identity_data)
        .expect("an identity");
    let value = ecsprod_cty::msgpack::decode(&data.msgpack, &t).expect("msgpack");
    assert_eq!(
        value.get_attr("region"),
        Some(&ecsprod_cty::Value::string("eu-west-1"))
    );
}

#[test]
fn stored_state_edge_cases_are_diagnostics() {
    let rt = runtime();
    let valid = json::encode(&cluster_config(), &TYPES.cluster).expect("encodes");
    let text = String::from_utf8(valid.clone()).expect("UTF-8");
    let upgrade = |version: i64, json: Vec<u8>, flatmap: &[(&str, &str)]| {
        Op::Upgrade(pb::upgrade_resource_state::Request {
            type_name: CLUSTER.to_owned(),
            version,
            raw_state: Some(pb::RawState {
                json,
                flatmap: flatmap
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            }),
        })
    };
    let rejected = [
        upgrade(1, valid.clone(), &[]),
        upgrade(i64::MAX, valid.clone(), &[]),
        upgrade(0, Vec::new(), &[("id", "prod"), ("name", "prod")]),
        upgrade(0, Vec::new(), &[]),
        Op::Upgrade(pb::upgrade_resource_state::Request {
            type_name: CLUSTER.to_owned(),
            version: 0,
            raw_state: None,
        }),
        upgrade(0, [&[0xef, 0xbb, 0xbf][..], &valid].concat(), &[]),
        upgrade(0, [&valid[..], b" x"].concat(), &[]),
        upgrade(0, [&valid[..valid.len() - 1], &[0xff, b'}']].concat(), &[]),
        upgrade(
            0,
            text.replacen("\"name\":\"prod\"", "\"name\":\"prod\",\"name\":\"x\"", 1)
                .into_bytes(),
            &[],
        ),
        upgrade(
            0,
            text.replacen("{", "{\"unexpected\":1,", 1).into_bytes(),
            &[],
        ),
        upgrade(
            0,
            text.replacen(
                "\"min_size\":null",
                &format!("\"min_size\":{}", "9".repeat(5000)),
                1,
            )
            .into_bytes(),
            &[],
        ),
        upgrade(0, b"[]".to_vec(), &[]),
        upgrade(0, b"\"prod\"".to_vec(), &[]),
    ];
    for op in &rejected {
        let Op::Upgrade(req) = op else { unreachable!() };
        let json = req
            .raw_state
            .as_ref()
            .map(|r| r.json.clone())
            .unwrap_or_default();
        assert!(
            req.version > 0 || json.is_empty() || json::decode(&json, &TYPES.cluster).is_err(),
            "expected this stored state to be rejected: {op:?}"
        );
    }
    must(run_ops(&rt, &rejected));
    let accepted = [
        upgrade(0, valid.clone(), &[]),
        upgrade(-1, valid.clone(), &[]),
        upgrade(i64::MIN, valid.clone(), &[("ignored", "x")]),
        upgrade(
            0,
            text.replacen("\"min_size\":null", "\"min_size\":\"3\"", 1)
                .into_bytes(),
            &[],
        ),
        upgrade(0, b"null".to_vec(), &[]),
        upgrade(0, b" {} ".to_vec(), &[]),
    ];
    for op in &accepted {
        let server = new_server();
        let mut configured = false;
        must(run_op(&rt, &server, op, &mut configured));
    }
}
