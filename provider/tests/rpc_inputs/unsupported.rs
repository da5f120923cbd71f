//! The calls for objects the provider does not offer: data sources, ephemeral resources,
//! state moved across types, generated configuration and functions. Each
//! is answered with an error, never a gRPC status.

use ecsprod_proto::tfplugin6 as pb;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::harness::{Server, rpc};
use crate::schemas::check_diagnostics;

/// Defines `$name`, which sends a request to `$method` (called `$rpc` in the protocol) and
/// demands an error diagnostic, because `$reason`.
macro_rules! refused {
    ($name:ident, $method:ident, $rpc:literal, $reason:literal) => {
        #[doc = concat!("`", $rpc, "` is an error: ", $reason, ".")]
        pub fn $name(
            rt: &Runtime,
            server: &Server,
            req: pb::$method::Request,
        ) -> Result<(), TestCaseError> {
            let resp = rpc!(rt, server, $method, req)?;
            check_diagnostics($rpc, &resp.diagnostics, Some($reason))
        }
    };
}

refused!(
    validate_data,
    validate_data_resource_config,
    "ValidateDataResourceConfig",
    "the provider has no data sources"
);
refused!(
    validate_ephemeral,
    validate_ephemeral_resource_config,
    "ValidateEphemeralResourceConfig",
    "the provider has no ephemeral resources"
);
refused!(
    move_state,
    move_resource_state,
    "MoveResourceState",
    "the provider moves no state across types"
);
refused!(
    read_data,
    read_data_source,
    "ReadDataSource",
    "the provider has no data sources"
);
refused!(
    generate_config,
    generate_resource_config,
    "GenerateResourceConfig",
    "the provider generates no configuration"
);
refused!(
    open_ephemeral,
    open_ephemeral_resource,
    "OpenEphemeralResource",
    "the provider has no ephemeral resources"
);
refused!(
    renew_ephemeral,
    renew_ephemeral_resource,
    "RenewEphemeralResource",
    "the provider has no ephemeral resources"
);
refused!(
    close_ephemeral,
    close_ephemeral_resource,
    "CloseEphemeralResource",
    "the provider has no ephemeral resources"
);

/// `CallFunction` answers a function error and no result: the provider has no functions.
pub fn call_function(
    rt: &Runtime,
    server: &Server,
    req: pb::call_function::Request,
) -> Result<(), TestCaseError> {
    let resp = rpc!(rt, server, call_function, req)?;
    prop_assert!(
        resp.error.as_ref().is_some_and(|e| !e.text.is_empty()) && resp.result.is_none(),
        "CallFunction of a function the provider does not have answered {resp:?}"
    );
    Ok(())
}
