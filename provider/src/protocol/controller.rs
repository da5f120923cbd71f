//! go-plugin's housekeeping services: `GRPCController` (shutdown), `GRPCStdio` (kept open and
//! silent: logs go to the real stderr) and `GRPCBroker` (unused by the provider protocol).

use std::pin::Pin;

use ecsprod_proto::plugin as pb;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

/// Serves the three services; all of them end when `shutdown` is cancelled.
#[derive(Clone)]
pub struct Controller {
    shutdown: CancellationToken,
    /// In debug mode the process outlives Terraform runs and ignores their shutdown requests.
    honour_shutdown: bool,
}

impl Controller {
    pub fn new(shutdown: CancellationToken, honour_shutdown: bool) -> Self {
        Self {
            shutdown,
            honour_shutdown,
        }
    }

    /// A stream that yields nothing and ends when the process shuts down.
    fn silent_stream<T: Send + 'static>(&self) -> ReceiverStream<Result<T, Status>> {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            drop(tx);
        });
        ReceiverStream::new(rx)
    }
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        if self.honour_shutdown {
            tracing::debug!("shutdown requested by Terraform");
            self.shutdown.cancel();
        } else {
            tracing::debug!("debug mode: ignoring Terraform's shutdown request");
        }
        Ok(Response::new(pb::Empty {}))
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Controller {
    type StreamStdioStream = BoxStream<pb::StdioData>;

    async fn stream_stdio(
        &self,
        _: Request<pb::Empty>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(Box::pin(self.silent_stream())))
    }
}

#[tonic::async_trait]
impl pb::grpc_broker_server::GrpcBroker for Controller {
    type StartStreamStream = BoxStream<pb::ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<pb::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        // Nothing is brokered: drain what the client sends until it or the process stops.
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    msg = inbound.message() => match msg {
                        Ok(Some(_)) => continue,
                        _ => break,
                    },
                }
            }
        });
        Ok(Response::new(Box::pin(self.silent_stream())))
    }
}
