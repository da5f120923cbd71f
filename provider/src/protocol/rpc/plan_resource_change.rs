//! `PlanResourceChange`: the generic plan pipeline (see `protocol::plan`), then the resource's
//! own adjustments, then its preflight checks against the live account. Called for create,
//! update, no-op, replace (twice) and destroy.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode, encode};
use crate::protocol::diag::{Diagnostics, path_to_proto};
use crate::protocol::plan;
use crate::protocol::provider::{PlanInput, Provider};

pub(crate) async fn handle<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::plan_resource_change::Request,
) -> pb::plan_resource_change::Response {
    match run(server, &req).await {
        Ok((planned_state, requires_replace, diagnostics)) => pb::plan_resource_change::Response {
            planned_state: Some(planned_state),
            requires_replace,
            planned_private: req.prior_private,
            diagnostics: diagnostics.into_proto(),
            ..Default::default()
        },
        Err(d) => pb::plan_resource_change::Response {
            diagnostics: d.into_proto(),
            ..Default::default()
        },
    }
}

type PlanParts = (pb::DynamicValue, Vec<pb::AttributePath>, Diagnostics);

async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: &pb::plan_resource_change::Request,
) -> Result<PlanParts, Diagnostics> {
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
    let encoded = encode(&planned.state, &ty, "planned state")?;
    let replace = planned.requires_replace.iter().map(path_to_proto).collect();
    Ok((encoded, replace, diagnostics))
}
