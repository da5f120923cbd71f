//! The provider's schemas and what it must make of a request: which requests must fail, and
//! how its diagnostics and the states it returns must look.

use std::sync::LazyLock;

use ecsprod_cty::{Type, Value, json, msgpack};
use ecsprod_proto::tfplugin6 as pb;
use ecsprod_provider::protocol::provider::Provider as _;
use ecsprod_provider::resources::EcsProd;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::harness::record_outcome;

/// The cluster resource type.
pub const CLUSTER: &str = "ecsprod_cluster";
/// The service resource type.
pub const SERVICE: &str = "ecsprod_service";

/// The value types of the resources and of the provider block.
pub struct Types {
    pub cluster: Type,
    pub service: Type,
    pub provider: Type,
}

/// The provider whose schemas the checks read.
pub static SCHEMAS: LazyLock<EcsProd> = LazyLock::new(EcsProd::new);

/// The value types of [`SCHEMAS`].
pub static TYPES: LazyLock<Types> = LazyLock::new(|| {
    let p = &*SCHEMAS;
    let of = |name: &str| {
        p.resource(name)
            .map(|r| r.schema().value_type())
            .unwrap_or_else(|| panic!("the provider has no resource {name}"))
    };
    Types {
        cluster: of(CLUSTER),
        service: of(SERVICE),
        provider: p.schema().value_type(),
    }
});

/// The value type of resource `type_name`, if the provider has it.
pub fn resource_type(type_name: &str) -> Option<&'static Type> {
    match type_name {
        CLUSTER => Some(&TYPES.cluster),
        SERVICE => Some(&TYPES.service),
        _ => None,
    }
}

/// A request value decoded as the provider decodes it: msgpack when present, else JSON, else
/// null (also when the field is not set).
pub fn decode_request_value(dv: Option<&pb::DynamicValue>, t: &Type) -> Result<Value, String> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, t).map_err(|e| e.to_string())
    } else if !dv.json.is_empty() {
        json::decode(&dv.json, t).map_err(|e| e.to_string())
    } else {
        Ok(Value::Null)
    }
}

/// Why a request value cannot be decoded as `t`, if it cannot.
pub fn undecodable(dv: Option<&pb::DynamicValue>, t: &Type) -> Option<String> {
    decode_request_value(dv, t).err()
}

/// Whether `d` is an error (not a warning).
pub fn is_error(d: &pb::Diagnostic) -> bool {
    d.severity == pb::diagnostic::Severity::Error as i32
}

/// Diagnostics are errors or warnings with a summary; when `must_fail` names a reason, one of
/// them is an error.
pub fn check_diagnostics(
    rpc: &str,
    diags: &[pb::Diagnostic],
    must_fail: Option<&str>,
) -> Result<(), TestCaseError> {
    record_outcome(rpc, diags);
    for d in diags {
        let severity_ok = d.severity == pb::diagnostic::Severity::Error as i32
            || d.severity == pb::diagnostic::Severity::Warning as i32;
        prop_assert!(
            severity_ok && !d.summary.is_empty(),
            "{rpc} returned a malformed diagnostic: {d:?}"
        );
    }
    if let Some(reason) = must_fail {
        prop_assert!(
            diags.iter().any(is_error),
            "{rpc} returned no error diagnostic although {reason}; diagnostics: {diags:?}"
        );
    }
    Ok(())
}

/// A state the provider returns must be one Terraform can decode.
pub fn check_state(
    rpc: &str,
    dv: Option<&pb::DynamicValue>,
    t: &Type,
) -> Result<(), TestCaseError> {
    let Some(dv) = dv else { return Ok(()) };
    prop_assert!(
        !dv.msgpack.is_empty(),
        "{rpc} returned a state without msgpack: {dv:?}"
    );
    if let Err(e) = msgpack::decode(&dv.msgpack, t) {
        return Err(TestCaseError::fail(format!(
            "{rpc} returned a state that does not decode against its schema: {e}"
        )));
    }
    Ok(())
}

/// The first reason among `reasons` that the call must fail.
pub fn first_reason(reasons: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    reasons.into_iter().flatten().next()
}

/// Why a call for `type_name` must fail, if the provider has no such resource.
pub fn unknown_type_reason(type_name: &str) -> Option<String> {
    resource_type(type_name)
        .is_none()
        .then(|| format!("{type_name:?} is no resource type of the provider"))
}

/// Why a call must fail when its `what` cannot be decoded as `t`.
pub fn decode_reason(
    what: &str,
    dv: Option<&pb::DynamicValue>,
    t: Option<&Type>,
) -> Option<String> {
    undecodable(dv, t?).map(|e| format!("the {what} does not decode ({e})"))
}
