//! `ListResource` and `ValidateListResourceConfig`: the `list` blocks of `terraform query`
//! (Terraform 1.14 and later). A list answers with a stream of events, one per object found,
//! each carrying the object's identity and, when asked, its whole state.

use std::sync::Arc;

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode, encode};
use crate::protocol::diag::{Diagnostic, Diagnostics};
use crate::protocol::provider::{Listed, Provider, Resource};
use crate::protocol::schema::Schema;

/// The resource named `type_name` and its list schema.
fn listable<P: Provider>(
    server: &ProviderServer<P>,
    type_name: &str,
) -> Result<(Arc<dyn Resource>, Schema), Diagnostics> {
    let resource = server.resource(type_name)?;
    let schema = resource.list_schema().cloned().ok_or_else(|| {
        Diagnostics::from(Diagnostic::error(
            "Unknown list resource type",
            format!("The ecsprod provider cannot list {type_name}."),
        ))
    })?;
    Ok((resource, schema))
}

pub(crate) fn validate<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::validate_list_resource_config::Request,
) -> Result<pb::validate_list_resource_config::Response, Diagnostics> {
    let (_, schema) = listable(server, &req.type_name)?;
    decode(
        req.config.as_ref(),
        &schema.value_type(),
        "list configuration",
    )?;
    Ok(pb::validate_list_resource_config::Response::default())
}

/// The events of one list: the diagnostics first (an error ends the list), then one event per
/// object found.
pub(crate) async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::list_resource::Request,
) -> Vec<pb::list_resource::Event> {
    let only = |d: Diagnostics| {
        vec![pb::list_resource::Event {
            diagnostic: d.into_proto(),
            ..Default::default()
        }]
    };
    let (resource, schema) = match listable(server, &req.type_name) {
        Ok(found) => found,
        Err(d) => return only(d),
    };
    let config = match decode(
        req.config.as_ref(),
        &schema.value_type(),
        "list configuration",
    ) {
        Ok(c) => c,
        Err(d) => return only(d),
    };
    let limit = usize::try_from(req.limit.max(0)).unwrap_or(usize::MAX);
    let out = resource
        .list(
            server.call_context(),
            config,
            req.include_resource_object,
            limit,
        )
        .await;
    let mut events = Vec::new();
    if !out.diagnostics.is_empty() {
        let stop = out.diagnostics.has_errors();
        events.extend(only(out.diagnostics));
        if stop {
            return events;
        }
    }
    for listed in out.items.into_iter().take(limit) {
        match event(&resource, listed) {
            Ok(e) => events.push(e),
            Err(d) => {
                events.extend(only(d));
                break;
            }
        }
    }
    events
}

fn event(
    resource: &Arc<dyn Resource>,
    listed: Listed,
) -> Result<pb::list_resource::Event, Diagnostics> {
    let identity_type = resource
        .identity_schema()
        .map(|s| s.value_type())
        .ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Resource identity not declared",
                "A listed resource type must declare an identity; this is a bug in the provider.",
            ))
        })?;
    let identity = encode(&listed.identity, &identity_type, "listed identity")?;
    let resource_object = match &listed.state {
        Some(state) => Some(encode(
            state,
            &resource.schema().value_type(),
            "listed state",
        )?),
        None => None,
    };
    Ok(pb::list_resource::Event {
        identity: Some(pb::ResourceIdentityData {
            identity_data: Some(identity),
        }),
        display_name: listed.display_name,
        resource_object,
        diagnostic: Vec::new(),
    })
}
