//! Provider configuration: what must hold for `ValidateProviderConfig` and `ConfigureProvider`,
//! and servers configured offline for the calls that need a configured provider.

use ecsprod_cty::{Value, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tokio::runtime::Runtime;

use crate::harness::{Server, new_server, rpc};
use crate::schemas::{TYPES, check_diagnostics, decode_reason, is_error};
use crate::wire::mp;

/// Why a call with this provider configuration must fail: it does not decode.
fn reason(config: Option<&pb::DynamicValue>) -> Option<String> {
    decode_reason("provider configuration", config, Some(&TYPES.provider))
}

/// `ConfigureProvider` as Terraform 1.15 sends it, with `config` as the provider block.
pub fn configure_request(config: Option<pb::DynamicValue>) -> pb::configure_provider::Request {
    pb::configure_provider::Request {
        terraform_version: "1.15.5".to_owned(),
        config,
        client_capabilities: None,
    }
}

/// `ValidateProviderConfig`: a configuration that does not decode is an error.
pub fn validate(
    rt: &Runtime,
    server: &Server,
    req: pb::validate_provider_config::Request,
) -> Result<(), TestCaseError> {
    let reason = reason(req.config.as_ref());
    let resp = rpc!(rt, server, validate_provider_config, req)?;
    check_diagnostics(
        "ValidateProviderConfig",
        &resp.diagnostics,
        reason.as_deref(),
    )
}

/// `ConfigureProvider`: a configuration that does not decode is an error. The answer says
/// whether the provider is configured now.
pub fn configure(
    rt: &Runtime,
    server: &Server,
    req: pb::configure_provider::Request,
) -> Result<pb::configure_provider::Response, TestCaseError> {
    let reason = reason(req.config.as_ref());
    let resp = rpc!(rt, server, configure_provider, req)?;
    check_diagnostics("ConfigureProvider", &resp.diagnostics, reason.as_deref())?;
    Ok(resp)
}

/// A server, configured through `ConfigureProvider` with `block` when given.
pub fn server_with(rt: &Runtime, block: Option<&Value>) -> Result<Server, TestCaseError> {
    let server = new_server();
    if let Some(block) = block {
        let config = msgpack::encode(block, &TYPES.provider)
            .map_err(|e| TestCaseError::fail(format!("provider block does not encode: {e}")))?;
        let resp = rpc!(
            rt,
            server,
            configure_provider,
            configure_request(Some(mp(config)))
        )?;
        prop_assert!(
            !resp.diagnostics.iter().any(is_error),
            "a valid provider block was refused: {:?}",
            resp.diagnostics
        );
    }
    Ok(server)
}

/// The smallest provider block that keeps a call against an unreachable AWS prompt: no
/// retries, and no credentials check when it is configured.
pub fn no_retries() -> Value {
    Value::object([
        ("max_retries", Value::number(0)),
        ("skip_credentials_validation", Value::bool(true)),
    ])
}

/// A server configured with `block`; a refused block fails the test.
pub fn configured_server(rt: &Runtime, block: &Value) -> Server {
    server_with(rt, Some(block)).unwrap_or_else(|e| panic!("{e}"))
}
