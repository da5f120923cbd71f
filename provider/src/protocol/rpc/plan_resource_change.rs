//! `PlanResourceChange`: the generic plan pipeline (see `protocol::plan`), then the resource's
//! own adjustments, then its preflight checks against the live account. Called for create,
//! update, no-op, replace (twice) and destroy.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode, encode, identity};
use crate::protocol::diag::{Diagnostics, path_to_proto};
use crate::protocol::plan;
use crate::protocol::provider::{PlanInput, Provider};

pub(crate) async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::plan_resource_change::Request,
) -> Result<pb::plan_resource_change::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let schema = resource.schema();
    let ty = schema.value_type();
    let prior = decode(req.prior_state.as_ref(), &ty, "prior state")?;
    let proposed = decode(req.proposed_new_state.as_ref(), &ty, "proposed new state")?;
    let config = decode(req.config.as_ref(), &ty, "configuration")?;

    let mut planned = plan::plan(schema, &prior, &proposed, &config);
    let input = PlanInput {
        prior: &prior,
        config: &config,
    };
    let mut diagnostics = resource.modify_plan(&input, &mut planned.state);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    if !planned.state.is_null() {
        diagnostics.extend(
            resource
                .preflight(server.call_context(), &input, &planned.state)
                .await,
        );
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
    }
    tracing::debug!(
        resource = req.type_name.as_str(),
        create = prior.is_null(),
        destroy = planned.state.is_null(),
        "planned resource change"
    );
    // An update keeps the object and so its identity; a create or replacement names its own.
    let update =
        !prior.is_null() && !planned.state.is_null() && planned.requires_replace.is_empty();
    let planned_identity = match identity::decode_sent(&resource, req.prior_identity.as_ref())? {
        Some(_) if update => req.prior_identity,
        // The identity Terraform stores is the one apply returns; a plan whose identity cannot
        // be made yet (no AWS session) plans none.
        _ => identity::of(&resource, &planned.state)
            .await
            .unwrap_or_else(|d| {
                tracing::debug!(diagnostics = ?d, "no planned identity");
                None
            }),
    };
    let encoded = encode(&planned.state, &ty, "planned state")?;
    Ok(pb::plan_resource_change::Response {
        planned_state: Some(encoded),
        requires_replace: planned.requires_replace.iter().map(path_to_proto).collect(),
        planned_private: req.prior_private,
        planned_identity,
        diagnostics: diagnostics.into_proto(),
        ..Default::default()
    })
}
