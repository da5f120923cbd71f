//! `ImportResourceState`: `terraform import` and `import {}` blocks.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, encode};
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::Provider;

pub(crate) async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::import_resource_state::Request,
) -> Result<pb::import_resource_state::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let ty = resource.schema().value_type();
    let out = resource.import(server.call_context(), req.id).await;
    if out.diagnostics.has_errors() || out.state.is_null() {
        return Err(out.diagnostics);
    }
    let state = encode(&out.state, &ty, "imported state")?;
    Ok(pb::import_resource_state::Response {
        imported_resources: vec![pb::import_resource_state::ImportedResource {
            type_name: req.type_name,
            state: Some(state),
            private: out.private,
            identity: None,
        }],
        diagnostics: out.diagnostics.into_proto(),
        deferred: None,
    })
}
