//! The calls that reach AWS: `ReadResource`, `ApplyResourceChange` and
//! `ImportResourceState`, what must hold for each, and how they end against an unreachable AWS.

use std::time::Instant;

use ecsprod_cty::{Value, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::fixtures::{cluster_config, service_config};
use crate::harness::{Server, must, rpc, runtime};
use crate::plan::plan_create;
use crate::provider_config::{configured_server, no_retries};
use crate::schemas::{
    CLUSTER, SERVICE, TYPES, check_diagnostics, check_state, decode_reason, first_reason, is_error,
    resource_type, unknown_type_reason,
};
use crate::wire::mp;

/// `ReadResource` of `current_state` of `type_name`.
pub fn read_request(
    type_name: &str,
    current_state: Option<pb::DynamicValue>,
) -> pb::read_resource::Request {
    pb::read_resource::Request {
        type_name: type_name.to_owned(),
        current_state,
        ..Default::default()
    }
}

/// `ApplyResourceChange` of `type_name` from `prior_state` to `planned_state`.
pub fn apply_request(
    type_name: &str,
    prior_state: Option<pb::DynamicValue>,
    planned_state: Option<pb::DynamicValue>,
    config: Option<pb::DynamicValue>,
) -> pb::apply_resource_change::Request {
    pb::apply_resource_change::Request {
        type_name: type_name.to_owned(),
        prior_state,
        planned_state,
        config,
        ..Default::default()
    }
}

/// `ImportResourceState` of the object `id` of `type_name`.
pub fn import_request(type_name: &str, id: String) -> pb::import_resource_state::Request {
    pb::import_resource_state::Request {
        type_name: type_name.to_owned(),
        id,
        ..Default::default()
    }
}

/// `ReadResource`: an unknown type, a current state that does not decode and an unconfigured
/// provider (`unconfigured` says so) are errors; a state it returns decodes against the schema.
pub fn read(
    rt: &Runtime,
    server: &Server,
    req: pb::read_resource::Request,
    unconfigured: Option<String>,
) -> Result<(), TestCaseError> {
    let t = resource_type(&req.type_name);
    let reason = first_reason([
        unknown_type_reason(&req.type_name),
        decode_reason("current state", req.current_state.as_ref(), t),
        unconfigured,
    ]);
    let resp = rpc!(rt, server, read_resource, req)?;
    check_diagnostics("ReadResource", &resp.diagnostics, reason.as_deref())?;
    if let Some(t) = t {
        check_state("ReadResource", resp.new_state.as_ref(), t)?;
    }
    Ok(())
}

/// `ApplyResourceChange`: an unknown type, a value that does not decode and an unconfigured
/// provider are errors; a state it returns decodes against the schema.
pub fn apply(
    rt: &Runtime,
    server: &Server,
    req: pb::apply_resource_change::Request,
    unconfigured: Option<String>,
) -> Result<(), TestCaseError> {
    let t = resource_type(&req.type_name);
    let reason = first_reason([
        unknown_type_reason(&req.type_name),
        decode_reason("prior state", req.prior_state.as_ref(), t),
        decode_reason("planned state", req.planned_state.as_ref(), t),
        decode_reason("configuration", req.config.as_ref(), t),
        unconfigured,
    ]);
    let resp = rpc!(rt, server, apply_resource_change, req)?;
    check_diagnostics("ApplyResourceChange", &resp.diagnostics, reason.as_deref())?;
    if let Some(t) = t {
        check_state("ApplyResourceChange", resp.new_state.as_ref(), t)?;
    }
    Ok(())
}

/// `ImportResourceState`: an unknown type and an unconfigured provider are errors; every state
/// it returns decodes against the schema.
pub fn import(
    rt: &Runtime,
    server: &Server,
    req: pb::import_resource_state::Request,
    unconfigured: Option<String>,
) -> Result<(), TestCaseError> {
    let t = resource_type(&req.type_name);
    let reason = first_reason([unknown_type_reason(&req.type_name), unconfigured]);
    let resp = rpc!(rt, server, import_resource_state, req)?;
    check_diagnostics("ImportResourceState", &resp.diagnostics, reason.as_deref())?;
    if let Some(t) = t {
        for r in &resp.imported_resources {
            check_state("ImportResourceState", r.state.as_ref(), t)?;
        }
    }
    Ok(())
}

/// The calls that reach AWS, with valid values and the provider configured offline: each fails
/// with a diagnostic, promptly.
#[test]
fn aws_reaching_calls_fail_fast_offline() {
    let rt = runtime();
    let block = Value::object([
        ("region", Value::string("ap-south-1")),
        ("max_retries", Value::number(0)),
        ("skip_credentials_validation", Value::bool(true)),
    ]);
    for (type_name, config, import_id) in [
        (CLUSTER, cluster_config(), "prod"),
        (SERVICE, service_config(), "prod/api"),
    ] {
        let t = resource_type(type_name).expect("a resource type");
        let server = configured_server(&rt, &block);
        let config = Some(mp(msgpack::encode(&config, t).expect("encodes")));
        let timed = |rpc: &str, started: Instant| {
            let took = started.elapsed();
            eprintln!("{type_name} {rpc} offline: {took:?}");
            took
        };

        let started = Instant::now();
        let req = plan_create(type_name, config.clone());
        let plan = rpc!(&rt, server, plan_resource_change, req).unwrap_or_else(|e| panic!("{e}"));
        timed("PlanResourceChange", started);
        must(check_diagnostics(
            "PlanResourceChange",
            &plan.diagnostics,
            None,
        ));
        assert!(
            !plan.diagnostics.iter().any(is_error)
                && plan
                    .diagnostics
                    .iter()
                    .any(|d| d.summary == "Preflight checks skipped"),
            "{type_name}: an unreachable AWS must make the preflight checks a warning: {:?}",
            plan.diagnostics
        );
        must(check_state(
            "PlanResourceChange",
            plan.planned_state.as_ref(),
            t,
        ));
        let planned = plan.planned_state.clone();

        let started = Instant::now();
        let req = read_request(type_name, config.clone());
        let read = rpc!(&rt, server, read_resource, req).unwrap_or_else(|e| panic!("{e}"));
        timed("ReadResource", started);
        must(check_diagnostics(
            "ReadResource",
            &read.diagnostics,
            Some("AWS is unreachable"),
        ));
        must(check_state("ReadResource", read.new_state.as_ref(), t));

        let started = Instant::now();
        let req = import_request(type_name, import_id.to_owned());
        let import =
            rpc!(&rt, server, import_resource_state, req).unwrap_or_else(|e| panic!("{e}"));
        timed("ImportResourceState", started);
        must(check_diagnostics(
            "ImportResourceState",
            &import.diagnostics,
            Some("AWS is unreachable"),
        ));

        for (what, prior, planned) in [
            ("create", None, planned.clone()),
            ("destroy", config.clone(), None),
        ] {
            let started = Instant::now();
            let req = apply_request(type_name, prior, planned, config.clone());
            let apply =
                rpc!(&rt, server, apply_resource_change, req).unwrap_or_else(|e| panic!("{e}"));
            timed(what, started);
            must(check_diagnostics(
                "ApplyResourceChange",
                &apply.diagnostics,
                Some("AWS is unreachable"),
            ));
            must(check_state(
                "ApplyResourceChange",
                apply.new_state.as_ref(),
                t,
            ));
        }
    }
}

/// `timeouts` are validated (at most 24 h) only by `ValidateResourceConfig`, which sees unknown
/// values as unknown; an apply must survive any duration its planned state carries.
#[test]
fn huge_cluster_timeouts_at_apply_are_answered_not_a_panic() {
    let rt = runtime();
    let block = no_retries();
    let t = &TYPES.cluster;
    let mut failures = Vec::new();
    for duration in ["18446744073709551615s", "2562047788015216h", "99999999999h"] {
        let timeouts = Value::object([
            ("create", Value::string(duration)),
            ("update", Value::string(duration)),
            ("delete", Value::string(duration)),
        ]);
        let mut config = cluster_config();
        *config.get_attr_mut("timeouts").expect("timeouts") = timeouts;
        let state = Some(mp(msgpack::encode(&config, t).expect("encodes")));
        let server = configured_server(&rt, &block);
        let req = plan_create(CLUSTER, state.clone());
        let plan = rpc!(&rt, server, plan_resource_change, req).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            plan.planned_state.is_some(),
            "no plan: {:?}",
            plan.diagnostics
        );
        for (what, prior, planned) in [
            ("create", None, plan.planned_state.clone()),
            ("update", state.clone(), plan.planned_state.clone()),
            ("destroy", state.clone(), None),
        ] {
            let server = configured_server(&rt, &block);
            let req = apply_request(CLUSTER, prior, planned, state.clone());
            let apply = rpc!(&rt, server, apply_resource_change, req).and_then(|r| {
                check_diagnostics(
                    "ApplyResourceChange",
                    &r.diagnostics,
                    Some("AWS is unreachable"),
                )
            });
            if let Err(e) = apply {
                failures.push(format!("{what} with timeouts of {duration}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Route53 is the one AWS API with request values in the URI: a zone ID or a record name too
/// long for a URI must be answered, not crash the provider.
#[test]
fn overlong_route53_identifiers_are_answered_not_a_panic() {
    let rt = runtime();
    let block = no_retries();
    let t = &TYPES.service;
    let with = |attr: &str, value: String| {
        let mut c = service_config();
        *c.get_attr_mut(attr).expect("attribute") = Value::string(value);
        (attr.to_owned(), c)
    };
    let mut failures = Vec::new();
    for (attr, config) in [
        with("zone_id", "Z".repeat(70_000)),
        with("domain_name", format!("{}.example.com", "a".repeat(70_000))),
    ] {
        let value = Some(mp(msgpack::encode(&config, t).expect("encodes")));
        let server = configured_server(&rt, &block);
        let req = plan_create(SERVICE, value.clone());
        let plan = rpc!(&rt, server, plan_resource_change, req)
            .and_then(|r| check_diagnostics("PlanResourceChange", &r.diagnostics, None));
        if let Err(e) = plan {
            failures.push(format!("plan with a long {attr}: {e}"));
        }
        let req = read_request(SERVICE, value.clone());
        let read = rpc!(&rt, server, read_resource, req).and_then(|r| {
            check_diagnostics("ReadResource", &r.diagnostics, Some("AWS is unreachable"))
        });
        if let Err(e) = read {
            failures.push(format!("read with a long {attr}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
