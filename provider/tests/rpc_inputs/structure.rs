//! Requests of arbitrary structure to every call of the protocol, call after call on one server,
//! so that each call also meets whatever state the calls before it left.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::apply_read_import::{apply, import, read};
use crate::harness::{Server, check_property, config_scaled, new_server, runtime};
use crate::plan::{check_planned, plan};
use crate::provider_config::{configure, validate};
use crate::requests::{Op, arb_op};
use crate::schema_and_validation::{
    get_functions, get_metadata, get_provider_schema, get_resource_identity_schemas, stop_provider,
    validate_resource,
};
use crate::schemas::is_error;
use crate::state::{upgrade, upgrade_identity};
use crate::unsupported;

/// Runs `ops` in order on one server. `configured` follows `ConfigureProvider`'s answers.
pub fn run_ops(rt: &Runtime, ops: &[Op]) -> Result<(), TestCaseError> {
    let server = new_server();
    let mut configured = false;
    for op in ops {
        run_op(rt, &server, op, &mut configured)?;
    }
    Ok(())
}

/// Runs `op` on `server` and checks what must hold for its call; `configured` says whether the
/// provider is configured, and becomes true when `op` configures it.
pub fn run_op(
    rt: &Runtime,
    server: &Server,
    op: &Op,
    configured: &mut bool,
) -> Result<(), TestCaseError> {
    let unconfigured = (!*configured).then(|| "the provider is not configured".to_owned());
    match op.clone() {
        Op::GetMetadata => get_metadata(rt, server)?,
        Op::GetProviderSchema => get_provider_schema(rt, server)?,
        Op::GetResourceIdentitySchemas => get_resource_identity_schemas(rt, server)?,
        Op::GetFunctions => get_functions(rt, server)?,
        Op::StopProvider => stop_provider(rt, server)?,
        Op::ValidateProvider(req) => validate(rt, server, req)?,
        Op::Configure(req) => {
            let resp = configure(rt, server, req)?;
            *configured |= !resp.diagnostics.iter().any(is_error);
        }
        Op::ValidateResource(req) => validate_resource(rt, server, req)?,
        Op::ValidateData(req) => unsupported::validate_data(rt, server, req)?,
        Op::ValidateEphemeral(req) => unsupported::validate_ephemeral(rt, server, req)?,
        Op::Upgrade(req) => {
            upgrade(rt, server, req)?;
        }
        Op::UpgradeIdentity(req) => upgrade_identity(rt, server, req)?,
        Op::Plan(req) => {
            let resp = plan(rt, server, req.clone())?;
            if !resp.diagnostics.iter().any(is_error) {
                check_planned(&req, &resp)?;
            }
        }
        Op::Read(req) => read(rt, server, req, unconfigured)?,
        Op::Apply(req) => apply(rt, server, req, unconfigured)?,
        Op::Import(req) => import(rt, server, req, unconfigured)?,
        Op::Move(req) => unsupported::move_state(rt, server, req)?,
        Op::ReadData(req) => unsupported::read_data(rt, server, req)?,
        Op::Generate(req) => unsupported::generate_config(rt, server, req)?,
        Op::Open(req) => unsupported::open_ephemeral(rt, server, req)?,
        Op::Renew(req) => unsupported::renew_ephemeral(rt, server, req)?,
        Op::Close(req) => unsupported::close_ephemeral(rt, server, req)?,
        Op::CallFunction(req) => unsupported::call_function(rt, server, req)?,
    }
    Ok(())
}

#[test]
fn arbitrary_request_structure_to_every_rpc_yields_diagnostics_never_panics_or_hangs() {
    let rt = runtime();
    // Cheap cases: three times as many.
    check_property(
        "arbitrary_request_structure_to_every_rpc_yields_diagnostics_never_panics_or_hangs",
        config_scaled(3),
        &prop::collection::vec(arb_op(), 1..10),
        |ops| run_ops(&rt, &ops),
    );
}
