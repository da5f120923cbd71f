//! ACM certificates as the load balancer uses them: their status and the names they cover,
//! and the certificates a listener serves.

use super::Clients;
use super::retry::{AwsError, aws_error};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCertificate {
    pub arn: String,
    /// `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, ...
    pub status: String,
    /// The domain name and every subject alternative name.
    pub names: Vec<String>,
}

/// The certificate, `None` when ACM has no certificate with that ARN in this region.
pub async fn describe(c: &Clients, arn: &str) -> Result<Option<ObservedCertificate>, AwsError> {
    let out = match c
        .acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = aws_error("read the certificate", e);
            return if matches!(err.code(), Some("ResourceNotFoundException")) {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    Ok(out.certificate().map(|cert| {
        let mut names: Vec<String> = cert.domain_name().into_iter().map(str::to_owned).collect();
        for san in cert.subject_alternative_names() {
            if !names.contains(san) {
                names.push(san.clone());
            }
        }
        ObservedCertificate {
            arn: cert.certificate_arn().unwrap_or(arn).to_owned(),
            status: cert
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            names,
        }
    }))
}

/// A certificate on a listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerCertificate {
    pub arn: String,
    /// The listener's default certificate (the others are chosen by SNI).
    pub default: bool,
}

/// Every certificate a listener serves: the default one and those added for SNI.
pub async fn listener_certificates(
    c: &Clients,
    listener_arn: &str,
) -> Result<Vec<ListenerCertificate>, AwsError> {
    let out = c
        .elbv2
        .describe_listener_certificates()
        .listener_arn(listener_arn)
        .send()
        .await
        .map_err(|e| aws_error("read the listener certificates", e))?;
    let mut certificates: Vec<ListenerCertificate> = Vec::new();
    for cert in out.certificates() {
        if let Some(arn) = cert.certificate_arn()
            && !certificates.iter().any(|c| c.arn == arn)
        {
            certificates.push(ListenerCertificate {
                arn: arn.to_owned(),
                default: cert.is_default() == Some(true),
            });
        }
    }
    Ok(certificates)
}
