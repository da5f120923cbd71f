//! `ConfigureProvider`: once per process, before plan, apply, import and read.

use ecsprod_proto::tfplugin6 as pb;

use super::{ProviderServer, decode};
use crate::protocol::provider::Provider;

pub(crate) async fn handle<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::configure_provider::Request,
) -> pb::configure_provider::Response {
    let schema = server.provider.schema();
    let diagnostics = match decode(
        req.config.as_ref(),
        &schema.value_type(),
        "provider configuration",
    ) {
        Ok(config) => {
            server
                .provider
                .configure(req.terraform_version, config)
                .await
        }
        Err(d) => d,
    };
    pb::configure_provider::Response {
        diagnostics: diagnostics.into_proto(),
    }
}
