//! Schema-shaped values in every value field of every call that takes values: generated from
//! each resource's type, encoded as Terraform encodes them, then often truncated, corrupted,
//! replaced by arbitrary bytes or sent as JSON.

use ecsprod_cty::{Type, Value};
use ecsprod_proto::tfplugin6 as pb;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::apply_read_import::{apply, import, read};
use crate::generators::{arb_provider_block, arb_type_name, arb_version};
use crate::harness::{check_property, config, new_server, runtime};
use crate::plan::{check_planned, plan};
use crate::provider_config::{configure, configure_request, server_with, validate};
use crate::schema_and_validation::{validate_request, validate_resource};
use crate::schemas::{TYPES, is_error, resource_type};
use crate::state::upgrade;
use crate::wire::{Wire, arb_clean_wire, arb_raw_state, arb_wire};

/// A resource type, a value for every value field of the calls, stored state, an import ID and
/// a provider configuration.
#[derive(Debug, Clone)]
struct Case {
    type_name: String,
    /// The provider block, when the server is configured before the calls.
    provider_block: Option<Value>,
    prior: Wire,
    proposed: Wire,
    config: Wire,
    planned: Wire,
    private: Vec<u8>,
    version: i64,
    raw_state: Option<pb::RawState>,
    import_id: String,
    provider_config: Wire,
}

/// The type of a case's values: its resource's, or a cluster's for a type the provider does not
/// have.
fn case_type(type_name: &str) -> &'static Type {
    resource_type(type_name).unwrap_or(&TYPES.cluster)
}

/// Resource value `i` of a case for `type_name`: damaged when it is the `damaged` one, as
/// Terraform sends it otherwise.
fn case_wire(type_name: &str, damaged: usize, i: usize) -> BoxedStrategy<Wire> {
    if i == damaged {
        arb_wire(case_type(type_name))
    } else {
        arb_clean_wire(case_type(type_name))
    }
}

prop_compose! {
    /// A case damages at most one of the four resource values (prior, proposed, config,
    /// planned), so that the others get past decoding and the damage reaches the code behind it.
    fn arb_case()(type_name in arb_type_name(), damaged in 0usize..5)(
        type_name in Just(type_name.clone()),
        provider_block in prop::option::of(arb_provider_block()),
        prior in case_wire(&type_name, damaged, 0),
        proposed in case_wire(&type_name, damaged, 1),
        config in case_wire(&type_name, damaged, 2),
        planned in case_wire(&type_name, damaged, 3),
        private in prop::collection::vec(any::<u8>(), 0..16),
        version in arb_version(),
        raw_state in arb_raw_state(case_type(&type_name)),
        import_id in prop_oneof![
            prop::sample::select(&["prod", "prod/api", "", "/", "a/b/c", "prod/"][..])
                .prop_map(str::to_owned),
            "(?s).{0,24}",
        ],
        provider_config in arb_wire(&TYPES.provider),
    ) -> Case {
        Case {
            type_name,
            provider_block,
            prior,
            proposed,
            config,
            planned,
            private,
            version,
            raw_state,
            import_id,
            provider_config,
        }
    }
}

/// Validates and configures the case's provider configuration, then sends its values to every
/// call for its resource type, in the order Terraform makes them.
fn run_case(rt: &Runtime, case: &Case) -> Result<(), TestCaseError> {
    let provider_config = case.provider_config.dv();

    // The provider block: validated, then configured on a server used for nothing else.
    let req = pb::validate_provider_config::Request {
        config: provider_config.clone(),
    };
    validate(rt, &new_server(), req)?;
    configure(rt, &new_server(), configure_request(provider_config))?;

    let server = server_with(rt, case.provider_block.as_ref())?;
    let type_name = case.type_name.clone();
    let t = resource_type(&type_name);
    let (prior, proposed, config, planned) = (
        case.prior.dv(),
        case.proposed.dv(),
        case.config.dv(),
        case.planned.dv(),
    );

    validate_resource(rt, &server, validate_request(&type_name, config.clone()))?;

    let req = pb::upgrade_resource_state::Request {
        type_name: type_name.clone(),
        version: case.version,
        raw_state: case.raw_state.clone(),
    };
    let resp = upgrade(rt, &server, req)?;
    if t.is_some() && !resp.diagnostics.iter().any(is_error) {
        prop_assert!(
            resp.upgraded_state.is_some(),
            "UpgradeResourceState answered neither a state nor an error"
        );
    }

    let req = pb::plan_resource_change::Request {
        type_name: type_name.clone(),
        prior_state: prior.clone(),
        proposed_new_state: proposed.clone(),
        config: config.clone(),
        prior_private: case.private.clone(),
        provider_meta: None,
        client_capabilities: None,
        prior_identity: None,
    };
    let resp = plan(rt, &server, req.clone())?;
    if t.is_some() && !resp.diagnostics.iter().any(is_error) {
        prop_assert!(
            resp.planned_state.is_some(),
            "PlanResourceChange answered neither a plan nor an error"
        );
        check_planned(&req, &resp)?;
    }

    let unconfigured = case
        .provider_block
        .is_none()
        .then(|| "the provider is not configured".to_owned());

    let req = pb::read_resource::Request {
        type_name: type_name.clone(),
        current_state: prior.clone(),
        private: case.private.clone(),
        provider_meta: None,
        client_capabilities: None,
        current_identity: None,
    };
    read(rt, &server, req, unconfigured.clone())?;

    let req = pb::apply_resource_change::Request {
        type_name: type_name.clone(),
        prior_state: prior,
        planned_state: planned,
        config,
        planned_private: case.private.clone(),
        provider_meta: None,
        planned_identity: None,
    };
    apply(rt, &server, req, unconfigured.clone())?;

    let req = pb::import_resource_state::Request {
        type_name,
        id: case.import_id.clone(),
        client_capabilities: None,
        identity: None,
    };
    import(rt, &server, req, unconfigured)
}

#[test]
fn malformed_values_to_every_handler_yield_diagnostics_never_panics_or_hangs() {
    let rt = runtime();
    check_property(
        "malformed_values_to_every_handler_yield_diagnostics_never_panics_or_hangs",
        config(),
        &arb_case(),
        |case| run_case(&rt, &case),
    );
}
