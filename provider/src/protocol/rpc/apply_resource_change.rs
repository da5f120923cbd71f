//! `ApplyResourceChange`: create, update or delete. On failure the resource still returns the
//! state of what exists, so Terraform records it and the next apply resumes.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode, encode, identity};
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::Provider;

pub(crate) async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::apply_resource_change::Request,
) -> Result<pb::apply_resource_change::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let ty = resource.schema().value_type();
    let prior = decode(req.prior_state.as_ref(), &ty, "prior state")?;
    let planned = decode(req.planned_state.as_ref(), &ty, "planned state")?;
    let config = decode(req.config.as_ref(), &ty, "configuration")?;
    let out = resource
        .apply(
            server.call_context(),
            prior,
            planned,
            config,
            req.planned_private,
        )
        .await;
    let mut diagnostics = out.diagnostics;
    let new_identity = identity::or_report(
        identity::of(&resource, &out.new_state).await,
        &mut diagnostics,
    );
    let new_state = match encode(&out.new_state, &ty, "new state") {
        Ok(v) => Some(v),
        Err(d) => {
            diagnostics.extend(d);
            None
        }
    };
    Ok(pb::apply_resource_change::Response {
        new_state,
        private: out.private,
        diagnostics: diagnostics.into_proto(),
        new_identity,
        ..Default::default()
    })
}
