//! The calls that describe the provider (`GetMetadata`, `GetProviderSchema`,
//! `GetResourceIdentitySchemas`, `GetFunctions`), `StopProvider`, and `ValidateResourceConfig`:
//! what must hold for each of them, whatever came before on the same server.

use ecsprod_proto::tfplugin6 as pb;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::harness::{Server, rpc};
use crate::schemas::{
    CLUSTER, SERVICE, check_diagnostics, decode_reason, first_reason, is_error, resource_type,
    unknown_type_reason,
};

/// `GetMetadata` never fails and lists both resources.
pub fn get_metadata(rt: &Runtime, server: &Server) -> Result<(), TestCaseError> {
    let resp = rpc!(rt, server, get_metadata, pb::get_metadata::Request {})?;
    check_diagnostics("GetMetadata", &resp.diagnostics, None)?;
    prop_assert!(
        !resp.diagnostics.iter().any(is_error),
        "GetMetadata failed: {:?}",
        resp.diagnostics
    );
    let names: Vec<&str> = resp
        .resources
        .iter()
        .map(|r| r.type_name.as_str())
        .collect();
    prop_assert!(
        names.contains(&CLUSTER) && names.contains(&SERVICE),
        "GetMetadata lists {names:?}"
    );
    Ok(())
}

/// `GetProviderSchema` never fails and holds the provider's schema and both resources'.
pub fn get_provider_schema(rt: &Runtime, server: &Server) -> Result<(), TestCaseError> {
    let resp = rpc!(
        rt,
        server,
        get_provider_schema,
        pb::get_provider_schema::Request {}
    )?;
    check_diagnostics("GetProviderSchema", &resp.diagnostics, None)?;
    prop_assert!(
        !resp.diagnostics.iter().any(is_error),
        "GetProviderSchema failed: {:?}",
        resp.diagnostics
    );
    prop_assert!(
        resp.provider.is_some(),
        "GetProviderSchema has no provider schema"
    );
    prop_assert!(
        resp.resource_schemas.contains_key(CLUSTER) && resp.resource_schemas.contains_key(SERVICE),
        "GetProviderSchema lacks a resource schema"
    );
    Ok(())
}

/// `GetResourceIdentitySchemas` never fails.
pub fn get_resource_identity_schemas(rt: &Runtime, server: &Server) -> Result<(), TestCaseError> {
    let resp = rpc!(
        rt,
        server,
        get_resource_identity_schemas,
        pb::get_resource_identity_schemas::Request {}
    )?;
    check_diagnostics("GetResourceIdentitySchemas", &resp.diagnostics, None)?;
    prop_assert!(
        !resp.diagnostics.iter().any(is_error),
        "GetResourceIdentitySchemas failed"
    );
    Ok(())
}

/// `GetFunctions` never fails and lists no function.
pub fn get_functions(rt: &Runtime, server: &Server) -> Result<(), TestCaseError> {
    let resp = rpc!(rt, server, get_functions, pb::get_functions::Request {})?;
    check_diagnostics("GetFunctions", &resp.diagnostics, None)?;
    prop_assert!(resp.functions.is_empty() && !resp.diagnostics.iter().any(is_error));
    Ok(())
}

/// `StopProvider` never fails.
pub fn stop_provider(rt: &Runtime, server: &Server) -> Result<(), TestCaseError> {
    let resp = rpc!(rt, server, stop_provider, pb::stop_provider::Request {})?;
    prop_assert!(resp.error.is_empty(), "StopProvider failed: {}", resp.error);
    Ok(())
}

/// `ValidateResourceConfig` for `config` of `type_name`.
pub fn validate_request(
    type_name: &str,
    config: Option<pb::DynamicValue>,
) -> pb::validate_resource_config::Request {
    pb::validate_resource_config::Request {
        type_name: type_name.to_owned(),
        config,
        client_capabilities: None,
    }
}

/// `ValidateResourceConfig`: an unknown type and a configuration that does not decode are
/// errors.
pub fn validate_resource(
    rt: &Runtime,
    server: &Server,
    req: pb::validate_resource_config::Request,
) -> Result<(), TestCaseError> {
    let t = resource_type(&req.type_name);
    let reason = first_reason([
        unknown_type_reason(&req.type_name),
        decode_reason("configuration", req.config.as_ref(), t),
    ]);
    let resp = rpc!(rt, server, validate_resource_config, req)?;
    check_diagnostics(
        "ValidateResourceConfig",
        &resp.diagnostics,
        reason.as_deref(),
    )
}
