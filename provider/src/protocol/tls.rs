//! go-plugin's AutoMTLS, server side.
//!
//! Terraform generates a self-signed ECDSA P-521 certificate for each plugin launch and passes it
//! in `PLUGIN_CLIENT_CERT`. The provider makes a fresh self-signed server certificate per process
//! (sent to Terraform in the handshake line) and requires the client to present exactly the
//! certificate Terraform announced, proving possession of its key in the TLS handshake. The
//! client certificate is a CA certificate used as a leaf, which webpki's standard verifier refuses,
//! hence the pinned-certificate verifier below. Signatures are checked with aws-lc-rs, which
//! supports ECDSA P-521/SHA-512. ALPN is `h2`, which grpc-go requires.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCert(String),
    #[error("cannot generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot build the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A freshly generated server identity.
pub struct ServerIdentity {
    pub cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// A self-signed ECDSA P-256 certificate for `localhost`, valid from 30 s ago for one year.
    pub fn generate() -> Result<Self, TlsError> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::OrganizationName, "ecsprod");
        dn.push(rcgen::DnType::CommonName, "localhost");
        params.distinguished_name = dn;
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::seconds(30);
        params.not_after = now + time::Duration::days(365);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyAgreement,
        ];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.self_signed(&key)?;
        Ok(Self {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }
}

/// Parses the PEM certificate Terraform passes in `PLUGIN_CLIENT_CERT`.
pub fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| TlsError::ClientCert(e.to_string()))
}

/// Accepts only the one client certificate Terraform announced, byte for byte, and checks the
/// client's handshake signature with it.
#[derive(Debug)]
pub struct PinnedClientCert {
    expected: CertificateDer<'static>,
    hints: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    pub fn new(
        expected: CertificateDer<'static>,
        provider: &CryptoProvider,
    ) -> Result<Self, TlsError> {
        // The certificate's subject, announced as the acceptable issuer so that the client
        // picks the certificate Terraform generated.
        let mut store = rustls::RootCertStore::empty();
        store.add(expected.clone())?;
        Ok(Self {
            hints: store.subjects(),
            expected,
            algorithms: provider.signature_verification_algorithms,
        })
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The server TLS configuration for one provider process.
pub fn server_config(
    identity: &ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedClientCert::new(client_cert, &provider)?);
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![identity.cert.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_identity() -> (String, CertificateDer<'static>) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("key");
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        let cert = params.self_signed(&key).expect("cert");
        (cert.pem(), cert.der().clone())
    }

    #[test]
    fn pem_from_terraform_parses_to_the_same_der() {
        let (pem, der) = client_identity();
        assert_eq!(parse_client_cert(&pem).expect("parse"), der);
    }

    #[test]
    fn garbage_client_cert_is_an_error() {
        assert!(parse_client_cert("not a certificate").is_err());
    }

    #[test]
    fn only_the_announced_certificate_is_accepted() {
        let (_, announced) = client_identity();
        let (_, other) = client_identity();
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let verifier = PinnedClientCert::new(announced.clone(), &provider).expect("verifier");
        assert!(verifier.client_auth_mandatory());
        let now = UnixTime::now();
        assert!(verifier.verify_client_cert(&announced, &[], now).is_ok());
        assert!(verifier.verify_client_cert(&other, &[], now).is_err());
        assert!(
            verifier
                .supported_verify_schemes()
                .contains(&rustls::SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }

    #[test]
    fn server_config_offers_h2() {
        let identity = ServerIdentity::generate().expect("identity");
        let (_, client) = client_identity();
        let config = server_config(&identity, client).expect("config");
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
    }
}
