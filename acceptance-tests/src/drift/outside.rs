//! What a stack may be pointed at but does not create: certificates, KMS keys and secrets.

use crate::aws_check::Aws;

/// Requests a DNS-validated ACM certificate for `domain`; returns its ARN.
pub async fn request_certificate(aws: &Aws, domain: &str) -> String {
    aws.acm
        .request_certificate()
        .domain_name(domain)
        .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
        .send()
        .await
        .unwrap_or_else(|e| panic!("request a certificate for {domain}: {e}"))
        .certificate_arn()
        .expect("certificate ARN")
        .to_owned()
}

/// Creates a KMS key; returns its ARN.
pub async fn create_kms_key(aws: &Aws) -> String {
    aws.kms
        .create_key()
        .send()
        .await
        .unwrap_or_else(|e| panic!("create a KMS key: {e}"))
        .key_metadata()
        .and_then(|k| k.arn())
        .expect("key ARN")
        .to_owned()
}

/// Creates a Secrets Manager secret; returns its ARN.
pub async fn create_secret(aws: &Aws, name: &str, value: &str) -> String {
    aws.secrets
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create secret {name}: {e}"))
        .arn()
        .expect("secret ARN")
        .to_owned()
}

/// Schedules the deletion of a secret after a recovery window of `days`.
pub async fn schedule_secret_deletion(aws: &Aws, arn: &str, days: i64) {
    aws.secrets
        .delete_secret()
        .secret_id(arn)
        .recovery_window_in_days(days)
        .send()
        .await
        .unwrap_or_else(|e| panic!("schedule the deletion of {arn}: {e}"));
}

/// Creates an SSM String parameter.
pub async fn put_parameter(aws: &Aws, name: &str, value: &str) {
    aws.ssm
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put parameter {name}: {e}"));
}

/// Creates a public hosted zone for `domain`; returns its ID without the `/hostedzone/` prefix.
pub async fn create_hosted_zone(aws: &Aws, domain: &str) -> String {
    let zone = aws
        .route53
        .create_hosted_zone()
        .name(domain)
        .caller_reference(format!("{domain}-{}", std::process::id()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create hosted zone {domain}: {e}"));
    zone.hosted_zone()
        .map(|z| z.id().trim_start_matches("/hostedzone/").to_owned())
        .expect("zone ID")
}
