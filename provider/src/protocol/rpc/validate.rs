//! `ValidateProviderConfig` and `ValidateResourceConfig`: offline checks, before any AWS call.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode};
use crate::protocol::provider::Provider;

pub(crate) fn provider_config<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::validate_provider_config::Request,
) -> pb::validate_provider_config::Response {
    let schema = server.provider.schema();
    let diagnostics = match decode(
        req.config.as_ref(),
        &schema.value_type(),
        "provider configuration",
    ) {
        Ok(config) => server.provider.validate_config(&config),
        Err(d) => d,
    };
    pb::validate_provider_config::Response {
        diagnostics: diagnostics.into_proto(),
    }
}

pub(crate) fn resource_config<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::validate_resource_config::Request,
) -> pb::validate_resource_config::Response {
    let diagnostics = match server.resource(&req.type_name) {
        Err(d) => d,
        Ok(resource) => match decode(
            req.config.as_ref(),
            &resource.schema().value_type(),
            "resource configuration",
        ) {
            Ok(config) => resource.validate(&config),
            Err(d) => d,
        },
    };
    pb::validate_resource_config::Response {
        diagnostics: diagnostics.into_proto(),
    }
}
