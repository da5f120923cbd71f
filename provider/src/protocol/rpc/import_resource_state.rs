//! `ImportResourceState`: `terraform import` and `import {}` blocks, by ID or (Terraform 1.12
//! and later) by identity.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, encode, identity, unsupported};
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::Provider;

pub(crate) async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::import_resource_state::Request,
) -> Result<pb::import_resource_state::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let ty = resource.schema().value_type();
    let id = match identity::decode_sent(&resource, req.identity.as_ref())? {
        Some(sent) if req.id.is_empty() => resource.import_id(&sent).await?,
        None if req.id.is_empty() && req.identity.is_some() => {
            return Err(unsupported::identity(&req.type_name));
        }
        _ => req.id,
    };
    let out = resource.import(server.call_context(), id).await;
    if out.diagnostics.has_errors() || out.state.is_null() {
        return Err(out.diagnostics);
    }
    let mut diagnostics = out.diagnostics;
    let identity = identity::or_report(identity::of(&resource, &out.state).await, &mut diagnostics);
    let state = encode(&out.state, &ty, "imported state")?;
    Ok(pb::import_resource_state::Response {
        imported_resources: vec![pb::import_resource_state::ImportedResource {
            type_name: req.type_name,
            state: Some(state),
            private: out.private,
            identity,
        }],
        diagnostics: diagnostics.into_proto(),
        deferred: None,
    })
}
