//! `GetProviderSchema` and `GetMetadata`.

use ecsprod_proto::tfplugin6 as pb;

use super::ProviderServer;
use crate::protocol::provider::Provider;

/// The protocol features this provider opts into.
pub(crate) fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Destroys are planned by the provider, so it can refuse a destroy early.
        plan_destroy: true,
        // The schema is static: Terraform may reuse a cached copy instead of asking again.
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

pub(crate) fn handle<P: Provider>(server: &ProviderServer<P>) -> pb::get_provider_schema::Response {
    let provider = &server.provider;
    pb::get_provider_schema::Response {
        provider: Some(provider.schema().to_proto()),
        resource_schemas: provider
            .resources()
            .iter()
            .map(|r| (r.type_name().to_owned(), r.schema().to_proto()))
            .collect(),
        list_resource_schemas: provider
            .resources()
            .iter()
            .filter_map(|r| Some((r.type_name().to_owned(), r.list_schema()?.to_proto())))
            .collect(),
        server_capabilities: Some(capabilities()),
        ..Default::default()
    }
}

pub(crate) fn metadata<P: Provider>(server: &ProviderServer<P>) -> pb::get_metadata::Response {
    pb::get_metadata::Response {
        server_capabilities: Some(capabilities()),
        resources: server
            .provider
            .resources()
            .iter()
            .map(|r| pb::get_metadata::ResourceMetadata {
                type_name: r.type_name().to_owned(),
            })
            .collect(),
        list_resources: server
            .provider
            .resources()
            .iter()
            .filter(|r| r.list_schema().is_some())
            .map(|r| pb::get_metadata::ListResourceMetadata {
                type_name: r.type_name().to_owned(),
            })
            .collect(),
        ..Default::default()
    }
}
