//! `StopProvider`: Terraform was interrupted; cancel everything in flight.

use ecsprod_proto::tfplugin6 as pb;

use super::ProviderServer;
use crate::protocol::provider::Provider;

pub(crate) fn handle<P: Provider>(server: &ProviderServer<P>) -> pb::stop_provider::Response {
    tracing::info!("StopProvider received: cancelling in-flight operations");
    server.stop.cancel();
    pb::stop_provider::Response::default()
}
