//! `ValidateProviderConfig` and `ValidateResourceConfig`: offline checks, before any AWS call.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode};
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::Provider;

pub(crate) fn provider_config<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::validate_provider_config::Request,
) -> Result<pb::validate_provider_config::Response, Diagnostics> {
    let config = server.provider_config(req.config.as_ref())?;
    Ok(pb::validate_provider_config::Response {
        diagnostics: server.provider.validate_config(&config).into_proto(),
    })
}

pub(crate) fn resource_config<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::validate_resource_config::Request,
) -> Result<pb::validate_resource_config::Response, Diagnostics> {
    let resource = server.resource(&req.type_name)?;
    let ty = resource.schema().value_type();
    let config = decode(req.config.as_ref(), &ty, "resource configuration")?;
    Ok(pb::validate_resource_config::Response {
        diagnostics: resource.validate(&config).into_proto(),
    })
}
