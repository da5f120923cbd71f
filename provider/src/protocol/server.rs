//! Serving the provider: listener, TLS, gRPC services, signals and shutdown.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ecsprod_proto::{plugin, tfplugin6};
use tokio::net::UnixListener;
use tokio_stream::wrappers::{ReceiverStream, UnixListenerStream};
use tokio_util::sync::CancellationToken;

use super::controller::Controller;
use super::handshake::{self, Address};
use super::provider::Provider;
use super::rpc::ProviderServer;
use super::tls;

/// terraform-plugin-go's limit; tonic's default of 4 MiB is too small for large plans.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How long a client gets to complete the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// After a shutdown request, the process exits at the latest this much later even if a client
/// keeps a stream open (Terraform force-kills plugins that take 2 s).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Handshake(#[from] handshake::HandshakeError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {path}: {source}")]
    Listen {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("cannot write the handshake line: {0}")]
    Stdout(std::io::Error),
}

#[derive(Debug, Clone)]
pub enum Mode {
    /// Launched by Terraform: handshake on stdout, AutoMTLS when Terraform asks for it.
    Managed { client_cert_pem: Option<String> },
    /// Started by hand for a debugger; Terraform attaches through `TF_REATTACH_PROVIDERS`.
    Debug { provider_address: String },
}

/// Picks a fresh socket path in `PLUGIN_UNIX_SOCKET_DIR` or the temporary directory.
fn socket_path() -> PathBuf {
    let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    dir.join(format!("ecsprod-plugin-{}-{nanos:09}", std::process::id()))
}

/// Serves `provider` until Terraform asks the process to stop.
pub async fn serve<P: Provider>(provider: Arc<P>, mode: Mode) -> Result<(), ServeError> {
    let shutdown = CancellationToken::new();
    let debug = matches!(mode, Mode::Debug { .. });
    watch_signals(shutdown.clone(), debug)?;

    let path = socket_path();
    let listener = UnixListener::bind(&path).map_err(|source| ServeError::Listen {
        path: path.clone(),
        source,
    })?;
    let address = Address::Unix(path.clone());

    let provider_service =
        tfplugin6::provider_server::ProviderServer::new(ProviderServer::new(provider))
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let controller = Controller::new(shutdown.clone(), !debug);
    let router = tonic::transport::Server::builder()
        .add_service(provider_service)
        .add_service(plugin::grpc_controller_server::GrpcControllerServer::new(
            controller.clone(),
        ))
        .add_service(plugin::grpc_stdio_server::GrpcStdioServer::new(
            controller.clone(),
        ))
        .add_service(plugin::grpc_broker_server::GrpcBrokerServer::new(
            controller,
        ));

    let exit_deadline = {
        let shutdown = shutdown.clone();
        async move {
            shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        }
    };

    let client_cert = match &mode {
        Mode::Managed {
            client_cert_pem: Some(pem),
        } => Some(tls::parse_client_cert(pem)?),
        _ => None,
    };

    let served = match client_cert {
        Some(client_cert) => {
            let identity = tls::ServerIdentity::generate()?;
            let config = tls::server_config(&identity, client_cert)?;
            let incoming = tls_incoming(listener, config, shutdown.clone());
            announce(&mode, &address, Some(identity.cert.as_ref()))?;
            let serving =
                router.serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
            tokio::select! {
                r = serving => r,
                _ = exit_deadline => Ok(()),
            }
        }
        None => {
            announce(&mode, &address, None)?;
            let serving = router.serve_with_incoming_shutdown(
                UnixListenerStream::new(listener),
                shutdown.clone().cancelled_owned(),
            );
            tokio::select! {
                r = serving => r,
                _ = exit_deadline => Ok(()),
            }
        }
    };
    let _ = std::fs::remove_file(&path);
    tracing::debug!("provider stopped");
    served.map_err(ServeError::from)
}

/// Prints the handshake line (managed) or the reattach instructions (debug).
fn announce(mode: &Mode, address: &Address, cert: Option<&[u8]>) -> Result<(), ServeError> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match mode {
        Mode::Managed { .. } => {
            writeln!(stdout, "{}", handshake::line(address, cert)).map_err(ServeError::Stdout)?;
        }
        Mode::Debug { provider_address } => {
            let value = handshake::reattach_json(provider_address, address, std::process::id());
            writeln!(
                stdout,
                "Provider started. To attach Terraform, set TF_REATTACH_PROVIDERS in the shell where you run it:\n\n\texport TF_REATTACH_PROVIDERS='{value}'\n\nPress Ctrl-C to stop the provider."
            )
            .map_err(ServeError::Stdout)?;
        }
    }
    stdout.flush().map_err(ServeError::Stdout)
}

/// Accepts unix connections and completes the TLS handshake for each on its own task, so one
/// slow or hostile client cannot hold up the others. Refused handshakes are logged.
fn tls_incoming(
    listener: UnixListener,
    config: Arc<rustls::ServerConfig>,
    shutdown: CancellationToken,
) -> ReceiverStream<Result<tokio_rustls::server::TlsStream<tokio::net::UnixStream>, std::io::Error>>
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = shutdown.cancelled() => break,
                a = listener.accept() => a,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "refused a connection: TLS handshake failed");
                    }
                    Err(_) => {
                        tracing::warn!("refused a connection: TLS handshake timed out");
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// SIGINT reaches every process in Terraform's group on Ctrl-C; Terraform itself decides what to
/// stop (through `StopProvider`), so a managed provider ignores it. In debug mode Ctrl-C and
/// SIGTERM stop the provider.
fn watch_signals(shutdown: CancellationToken, debug: bool) -> Result<(), ServeError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).map_err(ServeError::Stdout)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(ServeError::Stdout)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {
                    if debug {
                        shutdown.cancel();
                        break;
                    }
                    tracing::debug!("ignoring SIGINT; Terraform stops operations through StopProvider");
                }
                _ = terminate.recv() => {
                    shutdown.cancel();
                    break;
                }
            }
        }
    });
    Ok(())
}
