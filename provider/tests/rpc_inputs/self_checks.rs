//! The checks themselves: each of them fails on what it is meant to catch, so that a property
//! that passes says something.

use std::time::Duration;

use ecsprod_cty::{Value, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use proptest::test_runner::TestCaseError;

use crate::fixtures::cluster_config;
use crate::harness::{call_within, runtime};
use crate::plan::check_plan_valid;
use crate::schemas::{CLUSTER, TYPES, check_diagnostics, check_state};
use crate::wire::mp;

#[test]
fn the_checks_catch_panics_hangs_statuses_missing_errors_and_invalid_plans() {
    let rt = runtime();
    let failed = |r: Result<(), TestCaseError>| r.is_err();
    let limit = Duration::from_millis(200);
    assert!(failed(call_within(&rt, "panicking", limit, async move {
        if limit > Duration::ZERO {
            panic!("deliberate");
        }
        Ok(tonic::Response::new(()))
    })));
    assert!(failed(call_within(&rt, "hanging", limit, async {
        std::future::pending::<()>().await;
        Ok(tonic::Response::new(()))
    })));
    assert!(failed(call_within(&rt, "status", limit, async {
        Err::<tonic::Response<()>, _>(tonic::Status::internal("plugin error"))
    })));
    assert!(!failed(call_within(&rt, "answering", limit, async {
        Ok(tonic::Response::new(()))
    })));

    let warning = pb::Diagnostic {
        severity: pb::diagnostic::Severity::Warning as i32,
        summary: "w".to_owned(),
        ..Default::default()
    };
    let invalid = pb::Diagnostic {
        severity: pb::diagnostic::Severity::Invalid as i32,
        summary: "?".to_owned(),
        ..Default::default()
    };
    assert!(failed(check_diagnostics(
        "t",
        std::slice::from_ref(&warning),
        Some("bad input")
    )));
    assert!(failed(check_diagnostics("t", &[invalid], None)));
    assert!(!failed(check_diagnostics("t", &[warning], None)));

    let t = &TYPES.cluster;
    let config = cluster_config();
    let encoded = |v: &Value| Some(mp(msgpack::encode(v, t).expect("encodes")));
    // A create of `config` planned as `planned`.
    let create = |planned: &Value| {
        check_plan_valid(
            CLUSTER,
            None,
            encoded(&config).as_ref(),
            encoded(&config).as_ref(),
            encoded(planned).as_ref(),
        )
    };
    let mut ignored = config.clone();
    *ignored.get_attr_mut("name").expect("name") = Value::string("other");
    assert!(failed(create(&ignored)));
    let mut computed = config.clone();
    *computed.get_attr_mut("arn").expect("arn") = Value::string("arn:aws:ecs:x");
    assert!(!failed(create(&computed)));
    assert!(failed(check_state("t", Some(&mp(vec![0x91, 0xc0])), t)));
}
