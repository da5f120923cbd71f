//! `UpgradeResourceState`: Terraform calls it for every resource read from state, also when the
//! schema version did not change. Stored JSON is decoded against the current schema (version 0,
//! the first) and returned as msgpack.

use ecsprod_cty::json;
use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, encode};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::Provider;

pub(crate) fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::upgrade_resource_state::Request,
) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    if req.version > schema.version {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "This {} was saved with schema version {}, but this provider only knows versions up to {}. Upgrade the provider.",
                req.type_name, req.version, schema.version
            ),
        )
        .into());
    }
    let raw = req.raw_state.unwrap_or_default();
    if raw.json.is_empty() {
        if !raw.flatmap.is_empty() {
            return Err(Diagnostic::error(
                "Unsupported state format",
                "The stored state uses the legacy flatmap format, which this provider never wrote.",
            )
            .into());
        }
        return Err(Diagnostic::error(
            "Empty stored state",
            "Terraform sent no stored state to upgrade.",
        )
        .into());
    }
    let ty = schema.value_type();
    let value = json::decode(&raw.json, &ty).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Unreadable stored state",
            format!(
                "The stored {} state does not match its schema: {e}",
                req.type_name
            ),
        ))
    })?;
    Ok(pb::upgrade_resource_state::Response {
        upgraded_state: Some(encode(&value, &ty, "upgraded state")?),
        diagnostics: Vec::new(),
    })
}
