//! `ReadResource`: refresh a resource's state from AWS (drift detection).

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode, encode, identity};
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::Provider;

pub(crate) async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::read_resource::Request,
) -> Result<pb::read_resource::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let ty = resource.schema().value_type();
    let current = decode(req.current_state.as_ref(), &ty, "current state")?;
    let out = resource
        .read(server.call_context(), current, req.private)
        .await;
    let mut diagnostics = out.diagnostics;
    let new_identity = identity::or_report(
        identity::of(&resource, &out.new_state).await,
        &mut diagnostics,
    );
    let new_state = match encode(&out.new_state, &ty, "refreshed state") {
        Ok(v) => Some(v),
        Err(d) => {
            diagnostics.extend(d);
            None
        }
    };
    Ok(pb::read_resource::Response {
        new_state,
        private: out.private,
        diagnostics: diagnostics.into_proto(),
        new_identity,
        ..Default::default()
    })
}
