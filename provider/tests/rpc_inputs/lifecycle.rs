//! Complete, well-typed configurations of both resources, validated, planned, applied (create,
//! update, destroy), read and imported against an unreachable AWS, each call as far as it gets.

use ecsprod_cty::{Value, msgpack};
use ecsprod_provider::protocol::provider::Provider as _;
use ecsprod_provider::protocol::schema::Mode;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::apply_read_import::{apply_request, import_request, read_request};
use crate::generators::{arb_known, arb_provider_block};
use crate::harness::{check_property, config, rpc, runtime};
use crate::plan::{check_planned, plan_create};
use crate::provider_config::server_with;
use crate::schema_and_validation::validate_request;
use crate::schemas::{
    CLUSTER, SCHEMAS, SERVICE, check_diagnostics, check_state, is_error, resource_type,
};
use crate::wire::mp;

/// A configuration of `type_name` as Terraform sends it once every value is known: each
/// attribute the user may set holds a value of its type (null now and then when optional), and
/// the computed-only ones are null.
fn arb_complete(type_name: &str) -> BoxedStrategy<Value> {
    let resource = SCHEMAS
        .resource(type_name)
        .unwrap_or_else(|| panic!("the provider has no resource {type_name}"));
    let attrs: Vec<_> = resource
        .schema()
        .attributes
        .iter()
        .map(|a| {
            let name = a.name.to_owned();
            let t = a.value_type();
            let value = match a.mode {
                Mode::Computed => Just(Value::Null).boxed(),
                Mode::Required => arb_known(&t),
                Mode::Optional | Mode::OptionalComputed => prop_oneof![
                    1 => Just(Value::Null),
                    4 => arb_known(&t),
                ]
                .boxed(),
            };
            value.prop_map(move |v| (name.clone(), v))
        })
        .collect();
    attrs
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
        .boxed()
}

#[derive(Debug, Clone)]
struct Lifecycle {
    type_name: String,
    provider_block: Value,
    config: Value,
}

/// A complete configuration of either resource, with an offline provider block.
fn arb_lifecycle() -> impl Strategy<Value = Lifecycle> {
    prop_oneof![Just(CLUSTER), Just(SERVICE)].prop_flat_map(|type_name| {
        (arb_provider_block(), arb_complete(type_name)).prop_map(move |(provider_block, config)| {
            Lifecycle {
                type_name: type_name.to_owned(),
                provider_block,
                config,
            }
        })
    })
}

/// Validate, plan a create, then apply it, update, read, destroy and import, as far as an
/// unreachable AWS lets each of them go.
fn run_lifecycle(rt: &Runtime, case: &Lifecycle) -> Result<(), TestCaseError> {
    let type_name = case.type_name.as_str();
    let t = resource_type(type_name).expect("a resource type");
    let server = server_with(rt, Some(&case.provider_block))?;
    let config = Some(mp(msgpack::encode(&case.config, t).map_err(|e| {
        TestCaseError::fail(format!("configuration does not encode: {e}"))
    })?));

    let req = validate_request(type_name, config.clone());
    let resp = rpc!(rt, server, validate_resource_config, req)?;
    check_diagnostics("ValidateResourceConfig", &resp.diagnostics, None)?;

    let req = plan_create(type_name, config.clone());
    let plan = rpc!(rt, server, plan_resource_change, req.clone())?;
    check_diagnostics("PlanResourceChange", &plan.diagnostics, None)?;
    check_state("PlanResourceChange", plan.planned_state.as_ref(), t)?;
    if plan.diagnostics.iter().any(is_error) {
        return Ok(());
    }
    check_planned(&req, &plan)?;
    let planned = plan.planned_state.clone();

    for (what, prior, planned) in [
        ("create", None, planned.clone()),
        ("update", config.clone(), planned.clone()),
        ("destroy", config.clone(), None),
    ] {
        let req = apply_request(type_name, prior, planned, config.clone());
        let resp = rpc!(rt, server, apply_resource_change, req)?;
        check_diagnostics("ApplyResourceChange", &resp.diagnostics, None)
            .map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?;
        check_state("ApplyResourceChange", resp.new_state.as_ref(), t)?;
    }

    let req = read_request(type_name, config.clone());
    let resp = rpc!(rt, server, read_resource, req)?;
    check_diagnostics("ReadResource", &resp.diagnostics, None)?;
    check_state("ReadResource", resp.new_state.as_ref(), t)?;

    let name = case
        .config
        .get_attr("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = match case.config.get_attr("cluster").and_then(Value::as_str) {
        Some(cluster) if type_name == SERVICE => format!("{cluster}/{name}"),
        _ => name.to_owned(),
    };
    let req = import_request(type_name, id);
    let resp = rpc!(rt, server, import_resource_state, req)?;
    check_diagnostics(
        "ImportResourceState",
        &resp.diagnostics,
        Some("AWS is unreachable"),
    )?;
    Ok(())
}

#[test]
fn complete_configurations_through_plan_apply_read_and_import_offline_never_panic_or_hang() {
    let rt = runtime();
    check_property(
        "complete_configurations_through_plan_apply_read_and_import_offline_never_panic_or_hang",
        config(),
        &arb_lifecycle(),
        |case| run_lifecycle(&rt, &case),
    );
}
