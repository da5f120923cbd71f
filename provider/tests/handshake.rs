//! The provider process as Terraform launches it: cookie, version negotiation, the handshake
//! line, mutual TLS with Terraform's client certificate required, and prompt shutdown.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use ecsprod_proto::plugin::grpc_controller_client::GrpcControllerClient;
use ecsprod_proto::tfplugin6::provider_client::ProviderClient;
use ecsprod_proto::{plugin, tfplugin6};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tonic::transport::{Channel, Endpoint};

const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-ecsprod"))
}

/// A client identity shaped like Terraform's: self-signed P-521, CA:true used as a leaf.
struct ClientIdentity {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn terraform_like_identity() -> ClientIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::OrganizationName, "HashiCorp");
    dn.push(rcgen::DnType::CommonName, "localhost");
    params.distinguished_name = dn;
    let cert = params.self_signed(&key).expect("cert");
    ClientIdentity {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    }
}

/// Trusts exactly the server certificate from the handshake line, as Terraform does.
#[derive(Debug)]
struct PinnedServer {
    cert: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.cert.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

struct Launched {
    child: Child,
    socket: PathBuf,
    server_cert: CertificateDer<'static>,
    handshake: String,
}

fn launch(client: &ClientIdentity) -> Launched {
    let mut child = Command::new(binary())
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &client.pem)
        .env_remove("TF_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start provider");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("handshake line");
    let handshake = line.trim_end().to_owned();
    let parts: Vec<&str> = handshake.split('|').collect();
    assert_eq!(parts.len(), 6, "handshake {handshake:?}");
    assert_eq!(&parts[..3], &["1", "6", "unix"], "handshake {handshake:?}");
    assert_eq!(parts[4], "grpc");
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .expect("certificate is unpadded standard base64");
    Launched {
        child,
        socket: PathBuf::from(parts[3]),
        server_cert: CertificateDer::from(der),
        handshake,
    }
}

async fn channel(
    launched: &Launched,
    client_cert: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer {
            cert: launched.server_cert.clone(),
            provider,
        }));
    let mut config = match client_cert {
        Some(id) => builder
            .with_client_auth_cert(
                vec![id.der.clone()],
                PrivateKeyDer::Pkcs8(id.key.clone_key()),
            )
            .expect("client auth"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let config = Arc::new(config);
    let socket = launched.socket.clone();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let config = config.clone();
            let socket = socket.clone();
            async move {
                let unix = tokio::net::UnixStream::connect(socket).await?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = tokio_rustls::TlsConnector::from(config)
                    .connect(name, unix)
                    .await?;
                assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
}

async fn schema_call(
    channel: Channel,
) -> Result<tfplugin6::get_provider_schema::Response, tonic::Status> {
    ProviderClient::new(channel)
        .max_decoding_message_size(256 << 20)
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .map(tonic::Response::into_inner)
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[tokio::test]
async fn terraforms_certificate_is_required_and_accepted() {
    let terraform = terraform_like_identity();
    let mut launched = launch(&terraform);
    assert!(launched.handshake.len() > 100, "carries a certificate");

    // A client with another certificate, and one with none, are refused.
    let impostor = terraform_like_identity();
    let refused = match channel(&launched, Some(&impostor)).await {
        Ok(ch) => schema_call(ch).await.is_err(),
        Err(_) => true,
    };
    assert!(refused, "a client with a different certificate was served");
    let refused = match channel(&launched, None).await {
        Ok(ch) => schema_call(ch).await.is_err(),
        Err(_) => true,
    };
    assert!(refused, "a client without a certificate was served");

    // Terraform's own certificate is served.
    let ch = channel(&launched, Some(&terraform)).await.expect("connect");
    let schema = schema_call(ch.clone()).await.expect("GetProviderSchema");
    assert!(schema.resource_schemas.contains_key("ecsprod_cluster"));
    assert!(schema.resource_schemas.contains_key("ecsprod_service"));
    let caps = schema.server_capabilities.expect("capabilities");
    assert!(caps.plan_destroy && caps.get_provider_schema_optional);

    // Shutdown ends the process well inside Terraform's 2 s grace period.
    let start = Instant::now();
    GrpcControllerClient::new(ch)
        .shutdown(plugin::Empty {})
        .await
        .expect("shutdown");
    let status = wait_exit(&mut launched.child, Duration::from_secs(2)).expect("exited in time");
    assert!(status.success(), "exit status {status}");
    assert!(start.elapsed() < Duration::from_millis(1500));
    assert!(!launched.socket.exists(), "socket file removed");
}

#[test]
fn running_it_by_hand_explains_and_fails() {
    let out = Command::new(binary())
        .env_remove(COOKIE.0)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("plugin for Terraform"), "{stderr}");
}

#[test]
fn a_terraform_without_protocol_6_is_refused() {
    let out = Command::new(binary())
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no handshake line");
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 6"));
}

#[test]
fn sigint_is_ignored_while_serving() {
    let terraform = terraform_like_identity();
    let mut launched = launch(&terraform);
    let _ = Command::new("kill")
        .args(["-INT", &launched.child.id().to_string()])
        .status();
    assert!(
        wait_exit(&mut launched.child, Duration::from_millis(300)).is_none(),
        "the provider died on SIGINT"
    );
    let _ = launched.child.kill();
    let _ = launched.child.wait();
}
