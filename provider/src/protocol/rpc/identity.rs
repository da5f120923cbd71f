//! `GetResourceIdentitySchemas`, `UpgradeResourceIdentity`, and the identity every other call
//! returns beside a state.

use std::sync::Arc;

use ecsprod_cty::{Value, json};
use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode, encode, unsupported};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{Provider, Resource};

pub(crate) fn schemas<P: Provider>(
    server: &ProviderServer<P>,
) -> pb::get_resource_identity_schemas::Response {
    pb::get_resource_identity_schemas::Response {
        identity_schemas: server
            .provider
            .resources()
            .iter()
            .filter_map(|r| Some((r.type_name().to_owned(), r.identity_schema()?.to_proto())))
            .collect(),
        diagnostics: Vec::new(),
    }
}

/// Stored identities are decoded against the current identity schema (version 0, the first).
pub(crate) fn upgrade<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::upgrade_resource_identity::Request,
) -> Result<pb::upgrade_resource_identity::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let Some(schema) = resource.identity_schema() else {
        return Err(unsupported::identity(&req.type_name));
    };
    if req.version > schema.version {
        return Err(Diagnostic::error(
            "Identity written by a newer provider",
            format!(
                "This {} identity was saved with version {}, but this provider only knows versions up to {}. Upgrade the provider.",
                req.type_name, req.version, schema.version
            ),
        )
        .into());
    }
    let ty = schema.value_type();
    let raw = req.raw_identity.unwrap_or_default();
    let value = json::decode(&raw.json, &ty).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Unreadable stored identity",
            format!(
                "The stored {} identity does not match its schema: {e}",
                req.type_name
            ),
        ))
    })?;
    Ok(pb::upgrade_resource_identity::Response {
        upgraded_identity: Some(data(encode(&value, &ty, "upgraded identity")?)),
        diagnostics: Vec::new(),
    })
}

fn data(value: pb::DynamicValue) -> pb::ResourceIdentityData {
    pb::ResourceIdentityData {
        identity_data: Some(value),
    }
}

/// The identity of the object `state` describes: `None` for a resource without an identity
/// schema or a null state (nothing exists, or a destroy).
pub(crate) async fn of(
    resource: &Arc<dyn Resource>,
    state: &Value,
) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
    let Some(schema) = resource.identity_schema() else {
        return Ok(None);
    };
    if state.is_null() {
        return Ok(None);
    }
    let identity = resource.identity(state).await?;
    encode(&identity, &schema.value_type(), "resource identity").map(|v| Some(data(v)))
}

/// The identity Terraform sent, decoded; `None` when there is none.
pub(crate) fn decode_sent(
    resource: &Arc<dyn Resource>,
    sent: Option<&pb::ResourceIdentityData>,
) -> Result<Option<Value>, Diagnostics> {
    let (Some(schema), Some(sent)) = (resource.identity_schema(), sent) else {
        return Ok(None);
    };
    let value = decode(
        sent.identity_data.as_ref(),
        &schema.value_type(),
        "identity",
    )?;
    Ok((!value.is_null()).then_some(value))
}

/// Adds `diagnostics` from computing an identity to a response's own and returns the identity,
/// so a state that was read or written is still returned when its identity could not be made.
pub(crate) fn or_report(
    identity: Result<Option<pb::ResourceIdentityData>, Diagnostics>,
    diagnostics: &mut Diagnostics,
) -> Option<pb::ResourceIdentityData> {
    identity.unwrap_or_else(|d| {
        diagnostics.extend(d);
        None
    })
}
