//! `ConfigureProvider`: once per process, before plan, apply, import and read.

use ecsprod_proto::tfplugin6 as pb;

use super::ProviderServer;
use crate::protocol::diag::Diagnostics;
use crate::protocol::provider::Provider;

pub(crate) async fn run<P: Provider>(
    server: &ProviderServer<P>,
    req: pb::configure_provider::Request,
) -> Result<pb::configure_provider::Response, Diagnostics> {
    let config = server.provider_config(req.config.as_ref())?;
    let diagnostics = server
        .provider
        .configure(req.terraform_version, config)
        .await;
    Ok(pb::configure_provider::Response {
        diagnostics: diagnostics.into_proto(),
    })
}
